"""Push subscriptions (推送订阅) and their deliveries (推送记录).

A :class:`Subscription` belongs to an API client: its key and secret sign every delivery, its
catalog-item grants bound what is delivered. A :class:`Delivery` is one event for one
subscription — unique on the pair, so fanning out the same events again creates nothing
twice — and carries the outcome of its attempts: it is the delivery log.

Both moved here from the sanctions app with their tables (``sanctions_subscription``,
``sanctions_delivery``), indexes and constraints unchanged.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from credit.core.models import ChangeTracked
from credit.events import registry


class Subscription(ChangeTracked):
    """A webhook that receives the list changes of chosen list kinds, regions and subject.

    Empty ``list_kinds`` or ``regions`` mean all; ``legal_person`` / ``natural_person`` (at
    most one) narrow it to one subject. Only events the client may receive are ever delivered
    (the event type's ``filters_for``). Every subscription receives
    :data:`~credit.events.registry.LIST_CHANGED` (:attr:`event_type`).
    """

    client = models.ForeignKey(
        "gateway.ApiClient",
        verbose_name="接口调用方",
        on_delete=models.PROTECT,
        related_name="push_subscriptions",
    )
    name = models.CharField("名称", max_length=100)
    url = models.CharField("接收地址 (Webhook URL)", max_length=500)
    list_kinds = ArrayField(
        models.CharField(max_length=20), verbose_name="名单类型", default=list, blank=True
    )
    regions = ArrayField(
        models.CharField(max_length=6), verbose_name="地区", default=list, blank=True
    )
    legal_person = models.ForeignKey(
        "subjects.LegalPerson",
        verbose_name="法人主体",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    natural_person = models.ForeignKey(
        "subjects.NaturalPerson",
        verbose_name="自然人主体",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        db_table = "sanctions_subscription"
        verbose_name = "推送订阅"
        verbose_name_plural = "推送订阅"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["is_active"], name="subscription_active")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(legal_person__isnull=True)
                | models.Q(natural_person__isnull=True),
                name="subscription_one_subject",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def event_type(self) -> registry.EventType:
        """What the subscription receives (:func:`credit.events.registry.subscribed`)."""
        return registry.subscribed()


class Delivery(models.Model):
    """One event pushed to one subscription: its status, attempts and last answer."""

    class Status(models.TextChoices):
        PENDING = "pending", "待推送"
        RETRYING = "retrying", "重试中"
        DELIVERED = "delivered", "已送达"
        FAILED = "failed", "失败"

    event = models.ForeignKey(
        "records.ListChange", verbose_name="名单变更", on_delete=models.PROTECT, related_name="+"
    )
    subscription = models.ForeignKey(
        Subscription, verbose_name="订阅", on_delete=models.PROTECT, related_name="deliveries"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default="pending")
    attempts = models.PositiveIntegerField("发送次数", default=0)
    #: Failed attempts since the delivery was (re)queued: drives the back-off.
    failures = models.PositiveIntegerField("连续失败次数", default=0)
    resends = models.PositiveIntegerField("人工重发次数", default=0)
    last_status = models.PositiveSmallIntegerField("最近响应状态码", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    last_attempt_at = models.DateTimeField("最近发送时间", null=True, blank=True)
    next_attempt_at = models.DateTimeField("下次重试时间", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        db_table = "sanctions_delivery"
        verbose_name = "推送记录"
        verbose_name_plural = "推送记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="delivery_unique")
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="delivery_status"),
            models.Index(fields=["subscription", "created_at"], name="delivery_subscription"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id}/{self.event_id} {self.status}"
