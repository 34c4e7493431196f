"""Performance assessment (绩效考核): rubrics as data, assessments with their units and scores,
the evidence of manual scores, and the monthly data-quality reports."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models

from credit.assessment.constants import (
    AppliesTo,
    AssessmentStatus,
    IndicatorKind,
    Method,
    PeriodKind,
    ReportScope,
    UnitKind,
    UnitStatus,
    Visibility,
)


class Rubric(models.Model):
    """One version of a year's rubric (考核细则): the tree of :class:`Indicator` s an assessment
    of a period of ``year`` scores with. ``owner_region`` is None for the city's assessment of
    its departments and districts, or a district whose self-check (自评检查) it configures.

    A new version is a copy edited before use; a version that an assessment has used is never
    edited (:func:`credit.assessment.services.rubrics.ensure_editable`), so a published result
    can always be explained by the rubric it was scored with."""

    year = models.PositiveSmallIntegerField("年度")
    version = models.PositiveSmallIntegerField("版本", default=1)
    owner_region = models.ForeignKey(
        "core.Region",
        verbose_name="自评检查的辖市区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="为空时是全市考核细则",
    )
    name = models.CharField("名称", max_length=200)
    basis = models.CharField("依据", max_length=300, blank=True)
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "考核细则"
        verbose_name_plural = "考核细则"
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner_region", "year", "version"],
                name="rubric_unique_version",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=models.Q(year__gte=2000, year__lte=2100), name="rubric_sane_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"


class Indicator(models.Model):
    """A node of a rubric (考核指标): a section whose points are its children's, an item, a
    bonus item (加分项) or a deduction item (扣分项, its points the most it may take away).

    ``method`` says how a unit's points are found: ``auto`` from the platform ``metric`` by the
    ``formula`` (:func:`credit.assessment.rules.points_for`), ``manual`` by the unit's
    self-score with evidence and then the credit office's score. ``monitoring_point`` (监测点)
    names what is watched; ``criteria`` (评分标准) is the text units read."""

    rubric = models.ForeignKey(
        Rubric, verbose_name="考核细则", on_delete=models.CASCADE, related_name="indicators"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级指标",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    code = models.CharField("编号", max_length=20)
    name = models.CharField("名称", max_length=200)
    kind = models.CharField("类型", max_length=10, choices=IndicatorKind.choices)
    points = models.DecimalField("分值", max_digits=6, decimal_places=2)
    method = models.CharField("评分方式", max_length=10, choices=Method.choices)
    metric = models.CharField("监测指标", max_length=40, blank=True)
    formula = models.JSONField("计分公式", default=dict, blank=True)
    monitoring_point = models.CharField("监测点", max_length=300, blank=True)
    criteria = models.TextField("评分标准", blank=True)
    applies_to = models.CharField(
        "适用对象", max_length=12, choices=AppliesTo.choices, default=AppliesTo.ALL
    )
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "考核指标"
        verbose_name_plural = "考核指标"
        ordering = ["rubric", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "code"], name="indicator_unique_code"),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="indicator_points"),
            models.CheckConstraint(
                condition=~models.Q(method="auto") | ~models.Q(metric=""),
                name="indicator_auto_has_metric",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Assessment(models.Model):
    """One round (考核) for a period: ``2026Q4`` (a quarter) or ``2026`` (a year), of every
    active department and district (``owner_region`` None), or of a district's own departments
    and itself (its self-check, ``owner_region`` the district). It scores with ``rubric``,
    fixed when opened.

    Status: 自评中 (the automatic items are computed, units self-score) → 评审中 (the credit
    office scores) → 已公布 (ranks final; shown internally or also on the portal as
    ``visibility`` says)."""

    period = models.CharField("考核周期", max_length=7)
    kind = models.CharField("周期类型", max_length=8, choices=PeriodKind.choices)
    start = models.DateField("开始日期")
    end = models.DateField("结束日期（不含）")
    owner_region = models.ForeignKey(
        "core.Region",
        verbose_name="自评检查的辖市区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rubric = models.ForeignKey(
        Rubric, verbose_name="考核细则", on_delete=models.PROTECT, related_name="assessments"
    )
    status = models.CharField(
        "状态", max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.OPEN
    )
    visibility = models.CharField(
        "公布范围", max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    self_due = models.DateField("自评截止日期", null=True, blank=True)
    computed_at = models.DateTimeField("自动指标计算时间", null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField("发起时间", auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="公布人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField("公布时间", null=True, blank=True)

    class Meta:
        verbose_name = "考核"
        verbose_name_plural = "考核"
        ordering = ["-start", "owner_region"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner_region", "period"],
                name="assessment_unique_period",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="assessment_span"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="assessment_published_at",
            ),
        ]

    def __str__(self) -> str:
        return self.period

    @property
    def last_day(self) -> datetime.date:
        """The period's last day (``end`` is the day after it)."""
        return self.end - datetime.timedelta(days=1)


class Unit(models.Model):
    """A unit assessed in one assessment (被考核单位): a department (``department``, ``region``
    its region) or a district (``region`` the district, no department). Its scores: ``auto``
    the automatic items', ``self`` with its self-scores, ``final`` after review; ``rank``
    among the units of its kind by the total (final when reviewed)."""

    assessment = models.ForeignKey(
        Assessment, verbose_name="考核", on_delete=models.CASCADE, related_name="units"
    )
    kind = models.CharField("单位类型", max_length=10, choices=UnitKind.choices)
    department = models.ForeignKey(
        "core.Department",
        verbose_name="部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        "core.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("单位名称", max_length=100)
    status = models.CharField(
        "状态", max_length=10, choices=UnitStatus.choices, default=UnitStatus.PENDING
    )
    auto_score = models.DecimalField(
        "自动得分", max_digits=7, decimal_places=2, null=True, blank=True
    )
    self_score = models.DecimalField(
        "自评得分", max_digits=7, decimal_places=2, null=True, blank=True
    )
    final_score = models.DecimalField(
        "最终得分", max_digits=7, decimal_places=2, null=True, blank=True
    )
    rank = models.PositiveSmallIntegerField("排名", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="自评提交人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField("自评提交时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评审人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("评审时间", null=True, blank=True)
    review_comment = models.TextField("评审意见", blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "被考核单位"
        verbose_name_plural = "被考核单位"
        ordering = ["assessment", "kind", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "department"],
                name="unit_unique_department",
                condition=models.Q(department__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["assessment", "region"],
                name="unit_unique_district",
                condition=models.Q(kind="district"),
            ),
            models.CheckConstraint(
                condition=models.Q(kind="department", department__isnull=False)
                | models.Q(kind="district", department__isnull=True),
                name="unit_kind_matches",
            ),
        ]
        indexes = [models.Index(fields=["department"], name="unit_department")]

    def __str__(self) -> str:
        return self.name


class Score(models.Model):
    """One indicator's score of one unit (得分). An automatic indicator keeps the metric's
    ``value`` and its ``facts`` (numerator, denominator, the sentence shown) and
    ``auto_points``; a manual one the unit's ``self_points`` with ``self_note`` and evidence.
    ``final_points`` is the credit office's (for an automatic indicator the computed points
    unless the reviewer changes them, with a comment). Deduction items are negative points."""

    unit = models.ForeignKey(
        Unit, verbose_name="单位", on_delete=models.CASCADE, related_name="scores"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name="指标", on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField("监测值", max_digits=14, decimal_places=4, null=True, blank=True)
    facts = models.JSONField("计算依据", default=dict, blank=True)
    auto_points = models.DecimalField(
        "自动得分", max_digits=6, decimal_places=2, null=True, blank=True
    )
    self_points = models.DecimalField(
        "自评得分", max_digits=6, decimal_places=2, null=True, blank=True
    )
    self_note = models.TextField("自评说明", blank=True)
    final_points = models.DecimalField(
        "评审得分", max_digits=6, decimal_places=2, null=True, blank=True
    )
    review_comment = models.TextField("评审意见", blank=True)
    computed_at = models.DateTimeField("计算时间", null=True, blank=True)

    class Meta:
        verbose_name = "指标得分"
        verbose_name_plural = "指标得分"
        ordering = ["unit", "indicator__sort_order", "indicator_id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "indicator"], name="score_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.indicator.code}"


class Evidence(models.Model):
    """A file supporting a manual self-score (佐证材料): PDF, JPG or PNG as its content says,
    size-limited (:mod:`credit.objections.uploads`), kept in the database with the score."""

    score = models.ForeignKey(
        Score, verbose_name="指标得分", on_delete=models.CASCADE, related_name="evidence"
    )
    name = models.CharField("文件名", max_length=100)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    data = models.BinaryField("内容")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(content_type__in=["application/pdf", "image/jpeg", "image/png"]),
                name="evidence_allowed_type",
            ),
            models.CheckConstraint(condition=models.Q(size__gt=0), name="evidence_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class QualityReport(models.Model):
    """A month's data-quality report (数据质量报告) of a department, a district or the city:
    the figures as computed (``figures``, what the PDF and the Excel show), and both files.
    Regenerating a month replaces its report (one per month and scope)."""

    month = models.DateField("月份（月初）")
    scope = models.CharField("范围", max_length=10, choices=ReportScope.choices)
    department = models.ForeignKey(
        "core.Department",
        verbose_name="部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        "core.Region",
        verbose_name="区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField("报告名称", max_length=200)
    figures = models.JSONField("指标数据", default=dict)
    pdf = models.BinaryField("PDF")
    xlsx = models.BinaryField("Excel")
    generated_at = models.DateTimeField("生成时间", auto_now=True)

    class Meta:
        verbose_name = "数据质量报告"
        verbose_name_plural = "数据质量报告"
        ordering = ["-month", "scope", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "scope", "department", "region"],
                name="qualityreport_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=models.Q(month__day=1), name="qualityreport_month"),
            models.CheckConstraint(
                condition=models.Q(scope="department", department__isnull=False)
                | models.Q(scope="district", department__isnull=True, region__isnull=False)
                | models.Q(scope="city", department__isnull=True),
                name="qualityreport_scope_matches",
            ),
        ]

    def __str__(self) -> str:
        return self.name
