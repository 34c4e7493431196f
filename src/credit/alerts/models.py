"""Warning rules (预警规则) and the warnings (预警) their evaluation raises.

A rule is data: which metric (:mod:`credit.alerts.metrics`), about what (a district, a
department, the city or a credit subject), compared how with either a fixed threshold or a
ratio of the metric's own average over the 12 previous periods, in which period, at which
level. The periodic evaluation (:func:`credit.alerts.services.evaluate`) raises one warning per
breach and closes it again when the condition no longer holds.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Func, Q

from credit.alerts.constants import Comparison, Level, MetricCode, Period, Status, Subject
from credit.core.models import ChangeTracked


class WarningRule(ChangeTracked):
    """A warning rule (预警规则). Exactly one of ``threshold`` and ``ratio_to_average`` is set
    (database constraint and :func:`credit.alerts.services.save_rule`): the value is compared
    with the threshold, or with ``ratio_to_average`` × the metric's average over the 12
    periods before the current one."""

    code = models.SlugField("规则标识", max_length=64, unique=True)
    name = models.CharField("规则名称", max_length=100)
    metric = models.CharField("指标", max_length=40, choices=MetricCode.choices)
    subject = models.CharField("预警对象", max_length=20, choices=Subject.choices)
    comparison = models.CharField("比较方式", max_length=4, choices=Comparison.choices)
    threshold = models.DecimalField("阈值", max_digits=14, decimal_places=4, null=True, blank=True)
    ratio_to_average = models.DecimalField(
        "前12个周期平均值的倍数", max_digits=8, decimal_places=4, null=True, blank=True
    )
    period = models.CharField("统计周期", max_length=10, choices=Period.choices)
    level = models.CharField("预警级别", max_length=10, choices=Level.choices)
    is_active = models.BooleanField("启用", default=True)
    description = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "预警规则"
        verbose_name_plural = "预警规则"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__isnull=False, ratio_to_average__isnull=True)
                | Q(threshold__isnull=True, ratio_to_average__isnull=False),
                name="warningrule_threshold_xor_ratio",
            ),
            models.CheckConstraint(
                condition=Q(ratio_to_average__isnull=True) | Q(ratio_to_average__gt=0),
                name="warningrule_ratio_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Warning(models.Model):
    """One warning (预警): a rule's breach about one thing in one period, with what and why in
    words (``text``), the link to the list that proves it (``evidence_url``) and its life cycle
    open (待处理) → acknowledged (已确认) → closed (已关闭), every step audited.

    ``key`` names what the warning is about and, for a metric counted per period, the period;
    the database allows one live (not closed) warning per rule and key. ``auto_closed`` marks a
    warning the evaluation closed because its condition no longer held. ``txid`` (the inserting
    transaction, set by the database) and ``event_id`` are what the webhook push orders and
    names events by (``credit.events``).
    """

    rule = models.ForeignKey(
        WarningRule, verbose_name="规则", on_delete=models.PROTECT, related_name="warnings"
    )
    level = models.CharField("预警级别", max_length=10, choices=Level.choices)
    region = models.ForeignKey(
        "core.Region",
        verbose_name="所属区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "core.Department",
        verbose_name="部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    legal_person = models.ForeignKey(
        "subjects.LegalPerson",
        verbose_name="法人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    natural_person = models.ForeignKey(
        "subjects.NaturalPerson",
        verbose_name="自然人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    key = models.CharField("预警对象标识", max_length=200)
    period_label = models.CharField("统计周期", max_length=20)
    text = models.TextField("预警内容")
    evidence_url = models.CharField("依据链接", max_length=500, blank=True)
    value = models.DecimalField("指标值", max_digits=18, decimal_places=4, null=True, blank=True)
    threshold = models.DecimalField(
        "比较值", max_digits=18, decimal_places=4, null=True, blank=True
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField("预警时间", auto_now_add=True)
    acknowledged_at = models.DateTimeField("确认时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledge_note = models.TextField("确认说明", blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="关闭人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    close_reason = models.TextField("关闭原因", blank=True)
    auto_closed = models.BooleanField("条件解除自动关闭", default=False)
    txid = models.BigIntegerField(
        "事务号", db_default=Func(function="txid_current", output_field=models.BigIntegerField())
    )
    event_id = models.UUIDField("事件编号", default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "key"],
                condition=~Q(status=Status.CLOSED),
                name="warning_one_live_per_key",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.CLOSED) | Q(closed_at__isnull=False),
                name="warning_closed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="warning_status_time"),
            models.Index(fields=["region", "status"], name="warning_region"),
            models.Index(fields=["department", "status"], name="warning_department"),
            models.Index(fields=["txid", "id"], name="warning_cursor"),
        ]

    def __str__(self) -> str:
        return f"{self.rule.name} {self.period_label}" if self.rule_id else self.key

    @property
    def is_live(self) -> bool:
        return self.status != Status.CLOSED
