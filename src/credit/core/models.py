"""Regions, departments, the working-day calendar overrides, the audit log and the abstract
mixins every app's models take their bookkeeping fields from (:class:`Timestamped`,
:class:`ChangeTracked`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class Timestamped(models.Model):
    """When a row was created and last changed (``created_at``, ``updated_at``)."""

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class ChangeTracked(Timestamped):
    """:class:`Timestamped` and who created the row (``created_by``, the acting user; empty
    for a row made by the platform itself or an API client)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True


class Region(models.Model):
    """A city or one of its districts (辖市区) — the tenant of the platform.

    ``code`` is the GB/T 2260 administrative division code in force. ``historic_codes`` lists the
    codes the same area carried before (e.g. 金坛区 320413 was 金坛市 320482), because resident ID
    numbers keep the code in force at issuance for life.
    """

    class Level(models.TextChoices):
        CITY = "city", "市"
        DISTRICT = "district", "辖市区"

    code = models.CharField("行政区划代码", max_length=6, primary_key=True)
    name = models.CharField("名称", max_length=50)
    level = models.CharField("层级", max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    historic_codes = ArrayField(
        models.CharField(max_length=6), verbose_name="历史区划代码", default=list, blank=True
    )
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{6}$"), name="region_code_six_digits"
            ),
            models.CheckConstraint(
                condition=models.Q(level="city", parent__isnull=True)
                | models.Q(level="district", parent__isnull=False),
                name="region_district_has_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A government department (委办局) that provides or uses credit data."""

    class Kind(models.TextChoices):
        CITY = "city", "市级部门"
        DISTRICT = "district", "辖市区部门"
        CREDIT_OFFICE = "credit_office", "信用主管部门"

    code = models.CharField("部门编码", max_length=32, unique=True)
    name = models.CharField("部门全称", max_length=100)
    short_name = models.CharField("简称", max_length=30)
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.CITY)
    is_data_provider = models.BooleanField("数据提供单位", default=True)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.short_name or self.name


class CalendarDay(models.Model):
    """An override of the working-day calendar for one date (工作日历调整).

    Working days follow China's official holiday calendar, with its adjusted working days (调休),
    as published by the ``chinesecalendar`` library (see ``credit.core.workdays``). A row here
    wins over the library for its date: the next year's calendar announced by the General Office
    of the State Council (国务院办公厅) in November, before the library is updated, or a local
    adjustment. ``source`` names the authority, e.g. the notice number 国办发明电〔2025〕7号.

    A year the library does not cover counts as announced (no longer approximated by Monday to
    Friday) once this table holds its 1 January (元旦, a public holiday every year), so load an
    announced year whole, 1 January included.
    """

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("工作日", help_text="勾选为上班（含调休上班），不勾选为休息")
    name = models.CharField("名称", max_length=50, help_text="如：国庆节、春节、调休上班")
    source = models.CharField(
        "依据", max_length=100, blank=True, help_text="如：国办发明电〔2025〕7号"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "工作日历调整"
        verbose_name_plural = "工作日历调整"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {'上班' if self.is_workday else '休息'} {self.name}"


class AuditEntry(models.Model):
    """One append-only audit entry (审计日志): who did what to which object, when, from where.

    The database refuses UPDATE and DELETE on this table (trigger in migration 0002), so an
    entry, once written, stays as it was. ``actor_repr`` keeps the actor's name when the user
    is later deleted (``actor_id`` then points nowhere). Reads of personal data are audited
    as well as writes.
    """

    occurred_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    event_type = models.CharField("事件类型", max_length=64, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,  # entries are immutable; actor_repr keeps the name
        db_constraint=False,
        related_name="+",
    )
    actor_repr = models.CharField("操作人名称", max_length=150, blank=True)
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象标识", max_length=64, blank=True)
    object_repr = models.CharField("对象名称", max_length=200, blank=True)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    source_ip = models.GenericIPAddressField("来源IP", null=True, blank=True)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.event_type} {self.object_repr}"
