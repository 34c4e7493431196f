"""The report catalogue (报表目录) and the dashboards the credit office composes (配置即应用).

A :class:`Folder` is a node of the catalogue tree; a :class:`Board` (报表) is a composed
dashboard in one folder, published to roles; a :class:`Panel` (面板) is one chart of a board:
a dataset of the catalogue (``credit.dashboard.datasets``), a chart type, options, fixed
filters and its place on a 12-column grid. Every write goes through
:mod:`credit.boards.services`, which validates panels against the dataset registry.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from credit.core.models import ChangeTracked

#: Columns of the layout grid (gridstack's default, as on the designer).
GRID_COLUMNS = 12


class Folder(models.Model):
    """A folder of the report catalogue (目录), possibly inside another; its name is unique
    among its siblings, ``position`` orders siblings."""

    name = models.CharField("目录名称", max_length=50)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级目录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    position = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "报表目录"
        verbose_name_plural = "报表目录"
        ordering = ["position", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], nulls_distinct=False, name="boards_folder_unique_name"
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="boards_folder_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Board(ChangeTracked):
    """A composed dashboard (报表): its panels, the folder it is filed in, and the roles it is
    published to (``roles`` holds ``credit.accounts.roles.Role`` values; seen only while
    ``published``). ``version`` counts the saves of its layout, so a designer working on an
    older version cannot overwrite a newer one."""

    title = models.CharField("报表名称", max_length=100)
    folder = models.ForeignKey(
        Folder, verbose_name="所属目录", on_delete=models.PROTECT, related_name="boards"
    )
    description = models.TextField("说明", blank=True, max_length=500)
    published = models.BooleanField("已发布", default=False)
    roles = ArrayField(
        models.CharField(max_length=20), verbose_name="发布角色", default=list, blank=True
    )
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "报表"
        verbose_name_plural = "报表"
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title


class Panel(models.Model):
    """One panel (面板) of a board: ``dataset`` is a code of the dataset registry, ``chart`` one
    of its chart types, ``options`` the chart's options (e.g. ``{"top": 10}``), ``filters``
    fixed filters that win over the page's (e.g. ``{"item": "admin-penalty"}``); ``x``, ``y``,
    ``w``, ``h`` its cell on the 12-column grid."""

    board = models.ForeignKey(
        Board, verbose_name="报表", on_delete=models.CASCADE, related_name="panels"
    )
    position = models.PositiveSmallIntegerField("顺序", default=0)
    title = models.CharField("面板标题", max_length=100)
    dataset = models.CharField("数据集", max_length=64)
    chart = models.CharField("图表类型", max_length=10)
    options = models.JSONField("图表选项", default=dict, blank=True)
    filters = models.JSONField("固定筛选", default=dict, blank=True)
    x = models.PositiveSmallIntegerField("列")
    y = models.PositiveSmallIntegerField("行")
    w = models.PositiveSmallIntegerField("宽")
    h = models.PositiveSmallIntegerField("高")

    class Meta:
        verbose_name = "面板"
        verbose_name_plural = "面板"
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(w__gte=1, h__gte=1, x__lt=GRID_COLUMNS)
                & models.Q(x__lte=GRID_COLUMNS - models.F("w")),
                name="boards_panel_within_grid",
            ),
        ]

    def __str__(self) -> str:
        return self.title
