"""Closed vocabularies of the assessment app."""

from __future__ import annotations

from django.db import models


class IndicatorKind(models.TextChoices):
    SECTION = "section", "考核内容"
    ITEM = "item", "考核指标"
    BONUS = "bonus", "加分项"
    DEDUCTION = "deduction", "扣分项"


class Method(models.TextChoices):
    #: The sum of its children (a section).
    SUM = "sum", "下级指标合计"
    #: A platform metric and a formula (:mod:`credit.assessment.rules`).
    AUTO = "auto", "自动计算"
    #: The unit's self-score with evidence, then the credit office's score.
    MANUAL = "manual", "自评加评审"


class AppliesTo(models.TextChoices):
    ALL = "all", "部门和辖市区"
    DEPARTMENT = "department", "市级部门"
    DISTRICT = "district", "辖市区"


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", "季度"
    YEAR = "year", "年度"


class AssessmentStatus(models.TextChoices):
    #: Open: the automatic items are computed (again on every compute) and units self-score.
    OPEN = "open", "自评中"
    #: Self-scoring closed: the credit office reviews and scores.
    REVIEWING = "reviewing", "评审中"
    #: Results published: the rankings are final and shown as configured.
    PUBLISHED = "published", "已公布"


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", "部门"
    DISTRICT = "district", "辖市区"


class UnitStatus(models.TextChoices):
    PENDING = "pending", "待自评"
    SUBMITTED = "submitted", "已提交自评"
    REVIEWED = "reviewed", "已评审"


class Visibility(models.TextChoices):
    #: The results are shown to staff only (each unit its own detail, everyone the ranking).
    INTERNAL = "internal", "内部公布"
    #: Also on the portal: the rankings with the final scores (no detail).
    PUBLIC = "public", "向社会公示"


class ReportScope(models.TextChoices):
    DEPARTMENT = "department", "部门"
    DISTRICT = "district", "辖市区"
    CITY = "city", "全市"
