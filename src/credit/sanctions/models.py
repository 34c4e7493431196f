"""Measures (联合奖惩措施), checks (联合奖惩核查) and the feedback that closes the loop.

List entries themselves are credit records of the catalog's list items (红名单, 黑名单, 重点
关注名单), received by the ingest pipeline like any other record; an entry is *active* while
its record is active and its validity has not ended.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from credit.catalog.constants import Category
from credit.core.models import ChangeTracked
from credit.sanctions.constants import LIST_CATEGORIES, MeasureKind, Scenario


class Measure(ChangeTracked):
    """A reward or punishment measure from a joint memorandum, with the scenarios it applies
    in and the list kinds (or list items) whose entries trigger it; who created it and when
    (:class:`~credit.core.models.ChangeTracked`)."""

    code = models.CharField("措施编号", max_length=32, unique=True)
    kind = models.CharField("类别", max_length=10, choices=MeasureKind.choices)
    list_kind = models.CharField(
        "适用名单类型",
        max_length=20,
        choices=[(c.value, c.label) for c in Category if c in LIST_CATEGORIES],
    )
    items = models.ManyToManyField(
        "catalog.CatalogItem",
        verbose_name="适用名单（为空则适用该类型的全部名单）",
        blank=True,
        related_name="+",
    )
    text = models.TextField("措施内容")
    legal_basis = models.TextField("法律政策依据")
    memorandum = models.CharField("联合备忘录", max_length=200, blank=True)
    implementing_department = models.ForeignKey(
        "core.Department",
        verbose_name="实施部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    implementing_text = models.CharField(
        "实施单位（文字）", max_length=200, blank=True, help_text="如“各级财政部门”"
    )
    scenarios = ArrayField(
        models.CharField(max_length=20, choices=Scenario.choices), verbose_name="应用场景"
    )
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "联合奖惩措施"
        verbose_name_plural = "联合奖惩措施"
        ordering = ["code"]
        indexes = [models.Index(fields=["list_kind", "is_active"], name="measure_kind_active")]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:30]}"


class Check(models.Model):
    """One 联合奖惩核查: who checked which subject, when, why, for which scenario, and what was
    found (a snapshot, so the certificate shows what the checker saw)."""

    class Result(models.TextChoices):
        CLEAN = "clean", "未发现名单信息"
        HIT = "hit", "发现名单信息"
        NOT_FOUND = "not_found", "未找到该主体"

    number = models.CharField("核查编号", max_length=32, unique=True)
    checked_at = models.DateTimeField("核查时间", auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="核查人", on_delete=models.PROTECT, related_name="+"
    )
    client = models.ForeignKey(
        "gateway.ApiClient",
        verbose_name="接口调用方",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "core.Department",
        verbose_name="核查部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    query = models.CharField("查询代码（脱敏）", max_length=40)
    legal_person = models.ForeignKey(
        "subjects.LegalPerson", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    natural_person = models.ForeignKey(
        "subjects.NaturalPerson", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_name = models.CharField("主体名称", max_length=200, blank=True)
    scenario = models.CharField(
        "应用场景", max_length=20, choices=Scenario.choices, blank=True, default=""
    )
    reason = models.CharField("核查事由", max_length=200)
    result = models.CharField("核查结果", max_length=10, choices=Result.choices)
    hits = models.JSONField("命中的名单及措施", default=list, blank=True)

    class Meta:
        verbose_name = "联合奖惩核查"
        verbose_name_plural = "联合奖惩核查"
        ordering = ["-checked_at", "-id"]
        indexes = [
            models.Index(fields=["department", "-checked_at"], name="check_dept_time"),
            models.Index(fields=["client", "-checked_at"], name="check_client_time"),
            models.Index(fields=["legal_person"], name="check_lp"),
        ]

    def __str__(self) -> str:
        return self.number


class CheckFeedback(models.Model):
    """The measure a department actually took after a check (the closed loop)."""

    class Action(models.TextChoices):
        APPLIED = "applied", "已实施"
        NOT_APPLICABLE = "not_applicable", "不适用"
        EXEMPTED = "exempted", "依法免予实施"

    check_ref = models.ForeignKey(
        Check, verbose_name="核查", on_delete=models.PROTECT, related_name="feedback"
    )
    measure = models.ForeignKey(Measure, verbose_name="措施", on_delete=models.PROTECT)
    record = models.ForeignKey(
        "records.CreditRecord", verbose_name="名单记录", on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField("实施情况", max_length=16, choices=Action.choices)
    reason = models.CharField("说明", max_length=500, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="反馈人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("反馈时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "措施实施反馈"
        verbose_name_plural = "措施实施反馈"
        constraints = [
            models.UniqueConstraint(
                fields=["check_ref", "measure", "record"], name="checkfeedback_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.check_ref} {self.measure.code} {self.action}"
