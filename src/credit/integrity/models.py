"""Government integrity: civil servants, the score rules (versioned data), the explained score,
its yearly history, the annual collection tasks, the 红黑榜 rules and revocations."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from credit.integrity.constants import ExchangeStatus, Grade, HonourKind, TaskStatus


class ScoreRuleSet(models.Model):
    """One version of the scoring rules (评分规则版本), in force from ``effective_from`` until the
    next version's date. The seed's table is the first version; the content grows in later
    phases (seed L150) by adding a version, never by editing one that scored people.

    A score as at a date uses the version in force at that date: base points plus the points
    of every rule line matching a record whose window contains the date; the grade follows
    the thresholds (A ≥ ``grade_a_min``, B ≥ ``grade_b_min``, C ≥ ``grade_c_min``, else D).
    """

    code = models.SlugField("版本标识", max_length=64, unique=True)
    name = models.CharField("名称", max_length=200)
    effective_from = models.DateField("施行日期", unique=True)
    base = models.IntegerField("基准分", default=500)
    grade_a_min = models.IntegerField("A 档下限", default=500)
    grade_b_min = models.IntegerField("B 档下限", default=451)
    grade_c_min = models.IntegerField("C 档下限", default=351)
    basis = models.CharField("依据", max_length=300, blank=True)
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "评分规则版本"
        verbose_name_plural = "评分规则版本"
        ordering = ["effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(grade_a_min__gt=models.F("grade_b_min"))
                & models.Q(grade_b_min__gt=models.F("grade_c_min")),
                name="ruleset_grades_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.effective_from:%Y-%m-%d}起）"


class ScoreRule(models.Model):
    """One line of a rule version: a record of ``item`` whose field ``field`` holds ``value``
    scores ``points`` (negative: a deduction). An empty ``value`` is the item's default line
    (the seed's "未标明的按照一般失信处理"); an empty ``field`` matches every record of the item.

    The points count from the record's date (the field ``date_field``; a year field counts from
    the day after that year ends; empty: the record's decision date) for ``months`` months; with
    no ``months``, for as long as the record is valid (active, and until its validity or
    publicity ends: 失信信息使用有效期)."""

    ruleset = models.ForeignKey(ScoreRuleSet, on_delete=models.CASCADE, related_name="rules")
    item = models.ForeignKey(
        "catalog.CatalogItem", verbose_name="目录项", on_delete=models.PROTECT, related_name="+"
    )
    label = models.CharField("扣分（加分）事项", max_length=100)
    field = models.CharField("判定字段", max_length=64, blank=True)
    value = models.CharField("字段值（空为默认）", max_length=100, blank=True)
    points = models.IntegerField("分值")
    date_field = models.CharField("起算日期字段", max_length=64, blank=True)
    months = models.PositiveSmallIntegerField("计分期限（月）", null=True, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "评分规则"
        verbose_name_plural = "评分规则"
        ordering = ["ruleset", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ruleset", "item", "field", "value"], name="scorerule_unique_line"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.points:+d}"


class CivilServant(models.Model):
    """A civil servant (公务人员) of the archive: the natural person of the library (one person,
    one file), with the unit, post and rank of the latest 公务人员基础信息 record, and the
    current score (recomputed whenever one of the person's records changes)."""

    natural_person = models.OneToOneField(
        "subjects.NaturalPerson",
        verbose_name="自然人",
        on_delete=models.PROTECT,
        related_name="civil_servant",
    )
    unit = models.ForeignKey(
        "core.Department",
        verbose_name="工作单位（部门）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="civil_servants",
    )
    unit_name = models.CharField("现工作单位", max_length=200)
    position = models.CharField("现职务", max_length=100, blank=True)
    rank = models.CharField("现职务层次", max_length=50, blank=True)
    identity_type = models.CharField("身份类型", max_length=30, blank=True)
    political_status = models.CharField("政治面貌", max_length=30, blank=True)
    region = models.ForeignKey(
        "core.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="+"
    )
    basic_record = models.ForeignKey(
        "records.CreditRecord",
        verbose_name="基础信息记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    score = models.IntegerField("诚信分", null=True, blank=True)
    grade = models.CharField("等级", max_length=1, choices=Grade.choices, blank=True)
    ruleset = models.ForeignKey(
        ScoreRuleSet,
        verbose_name="评分规则版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    computed_at = models.DateTimeField("计分时间", null=True, blank=True)
    created_at = models.DateTimeField("建档时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "公务人员"
        verbose_name_plural = "公务员诚信档案"
        indexes = [
            models.Index(fields=["region", "unit"], name="civilservant_region_unit"),
            models.Index(fields=["unit", "grade"], name="civilservant_unit_grade"),
        ]

    def __str__(self) -> str:
        return f"{self.natural_person.name}（{self.unit_name}）"


class ScoreItem(models.Model):
    """One explained point change of a civil servant's score (计分明细): which record, which rule
    line, how many points, from when until when (open: while the record stays valid). Rebuilt
    with every recompute; ``in_force`` tells whether it counted in the current score."""

    civil_servant = models.ForeignKey(CivilServant, on_delete=models.CASCADE, related_name="items")
    record = models.ForeignKey(
        "records.CreditRecord", verbose_name="信用记录", on_delete=models.PROTECT, related_name="+"
    )
    rule = models.ForeignKey(
        ScoreRule, verbose_name="评分规则", on_delete=models.PROTECT, related_name="+"
    )
    points = models.IntegerField("分值")
    counts_from = models.DateField("计分起始日")
    counts_until = models.DateField("计分截止日", null=True, blank=True)
    in_force = models.BooleanField("计入当前得分", default=True)

    class Meta:
        verbose_name = "计分明细"
        verbose_name_plural = "计分明细"
        constraints = [
            models.UniqueConstraint(fields=["civil_servant", "record"], name="scoreitem_unique")
        ]
        indexes = [models.Index(fields=["counts_until"], name="scoreitem_until")]

    def __str__(self) -> str:
        return f"{self.civil_servant_id} {self.points:+d}"


class ScoreYear(models.Model):
    """A civil servant's score as at the end of a year (the current year: as at the last
    recompute), for the score history (年度得分)."""

    civil_servant = models.ForeignKey(CivilServant, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField("年度")
    as_of = models.DateField("计分日期")
    score = models.IntegerField("诚信分")
    grade = models.CharField("等级", max_length=1, choices=Grade.choices)
    ruleset = models.ForeignKey(
        ScoreRuleSet, verbose_name="评分规则版本", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "年度诚信分"
        verbose_name_plural = "年度诚信分"
        ordering = ["civil_servant", "year"]
        constraints = [
            models.UniqueConstraint(fields=["civil_servant", "year"], name="scoreyear_unique")
        ]

    def __str__(self) -> str:
        return f"{self.civil_servant_id} {self.year} {self.score}"


class CollectionTask(models.Model):
    """A unit's task in the annual collection (年度归集, seed L160–L167): in February, with the
    annual assessment's filing, each unit reports the previous year's basic information,
    assessment results, rewards and handling of its civil servants by ``deadline``."""

    year = models.PositiveSmallIntegerField("归集年度")
    department = models.ForeignKey(
        "core.Department", verbose_name="单位", on_delete=models.PROTECT, related_name="+"
    )
    deadline = models.DateField("截止日期")
    status = models.CharField(
        "状态", max_length=10, choices=TaskStatus.choices, default=TaskStatus.PENDING
    )
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    batches = models.PositiveIntegerField("报送批次数", default=0)
    rows = models.PositiveIntegerField("入库记录数", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "年度归集任务"
        verbose_name_plural = "年度归集任务"
        ordering = ["-year", "department__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["year", "department"], name="collectiontask_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.department}"


class HonourRule(models.Model):
    """A rule of the 红黑榜 (seed L434–L436), as data, in force from ``effective_from``.

    - 黑榜: civil servants with at least ``min_count`` records of ``items`` in force (their
      count and results shown; they are restricted from 评优评先);
    - 红榜: civil servants with no deduction during the last ``years`` years and, when
      ``require_excellent``, an 优秀 annual assessment in that time (shown with how long they
      kept faith and their 评优评先 results; they are preferred in 评优评先).
    ``published``: whether the portal shows the list (names masked); otherwise staff only.
    """

    kind = models.CharField("榜单", max_length=10, choices=HonourKind.choices)
    name = models.CharField("名称", max_length=100)
    effective_from = models.DateField("施行日期")
    items = ArrayField(
        models.CharField(max_length=64), verbose_name="计入的目录项", default=list, blank=True
    )
    min_count = models.PositiveSmallIntegerField("最少失信记录数", default=1)
    years = models.PositiveSmallIntegerField("守信年限（年）", default=3)
    require_excellent = models.BooleanField("须有优秀考核结果", default=True)
    published = models.BooleanField("在门户公示", default=True)
    measures = models.CharField("处理措施", max_length=300, blank=True)
    basis = models.CharField("依据", max_length=300, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "红黑榜规则"
        verbose_name_plural = "红黑榜规则"
        ordering = ["kind", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "effective_from"], name="honourrule_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Revocation(models.Model):
    """The unified revocation (统一撤销, seed L438) of a reported government dishonesty record:
    the record's status becomes 已撤销 — read by the department's, the district's and the city's
    pages, the portal and the API alike — and this revocation record is queued to be sent
    upward with the next exchange with the province."""

    record = models.OneToOneField(
        "records.CreditRecord",
        verbose_name="被撤销记录",
        on_delete=models.PROTECT,
        related_name="revocation",
    )
    reason = models.CharField("撤销原因", max_length=500)
    document_no = models.CharField("撤销依据文号", max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("撤销时间", auto_now_add=True)
    exchange_status = models.CharField(
        "上报状态", max_length=10, choices=ExchangeStatus.choices, default=ExchangeStatus.QUEUED
    )
    sent_at = models.DateTimeField("上报时间", null=True, blank=True)

    class Meta:
        verbose_name = "政务失信记录撤销"
        verbose_name_plural = "政务失信记录撤销"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"撤销 {self.record_id}"
