"""Push subscriptions (推送订阅) and their deliveries (推送记录).

A :class:`Subscription` belongs to an API client: its key and secret sign every delivery, its
permissions and grants bound what is delivered, its ``event_types`` choose what. A
:class:`Delivery` is one event (named by its type and id) for one subscription — unique on
the three, so fanning out the same events again creates nothing twice — and carries the
outcome of its attempts: it is the delivery log.

Both moved here from the sanctions app with their tables (``sanctions_subscription``,
``sanctions_delivery``); since migration ``0002_event_types`` a subscription has event types
and a delivery names its event by type and id (no foreign key: events of any type).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import models

from credit.core.models import ChangeTracked
from credit.events import registry


def default_event_types() -> list[str]:
    """What a subscription receives when it names no type: list changes."""
    return list(registry.DEFAULT_TYPES)


class Subscription(ChangeTracked):
    """A webhook that receives the events of chosen types (``event_types``: 名单变更, 预警 …),
    narrowed by list kinds, regions and subject.

    Empty ``list_kinds`` or ``regions`` mean all; ``legal_person`` / ``natural_person`` (at
    most one) narrow it to one subject. A filter narrows only the types it applies to (the
    type's ``filter_fields``: list kinds and subject only list changes). Only events the
    client may receive are ever delivered (the type's ``perm`` and ``filters_for``).
    """

    client = models.ForeignKey(
        "gateway.ApiClient",
        verbose_name="接口调用方",
        on_delete=models.PROTECT,
        related_name="push_subscriptions",
    )
    name = models.CharField("名称", max_length=100)
    url = models.CharField("接收地址 (Webhook URL)", max_length=500)
    event_types = ArrayField(
        models.CharField(max_length=40), verbose_name="事件类型", default=default_event_types
    )
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
            ),
            models.CheckConstraint(
                condition=~models.Q(event_types=[]), name="subscription_has_event_types"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def event_type_labels(self) -> list[str]:
        """The Chinese names of the types it receives."""
        return [registry.label(name) for name in self.event_types]


class Delivery(models.Model):
    """One event pushed to one subscription: its status, attempts and last answer.

    The event is named by its type and id (``event_type``, ``event_id``: a row of the type's
    model) and read through the registry (:attr:`event`); deliveries made before events had
    types are list changes.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "待推送"
        RETRYING = "retrying", "重试中"
        DELIVERED = "delivered", "已送达"
        FAILED = "failed", "失败"

    event_type = models.CharField("事件类型", max_length=40, default=registry.LIST_CHANGED)
    event_id = models.BigIntegerField("事件")
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
            models.UniqueConstraint(
                fields=["event_type", "event_id", "subscription"], name="delivery_unique"
            )
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="delivery_status"),
            models.Index(fields=["subscription", "created_at"], name="delivery_subscription"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id}/{self.event_type}/{self.event_id} {self.status}"

    @property
    def kind(self) -> registry.EventType | None:
        """Its event type, ``None`` when no app registers it any more."""
        try:
            return registry.get(self.event_type)
        except registry.UnknownEventType:
            return None

    @property
    def event_type_label(self) -> str:
        return registry.label(self.event_type)

    @property
    def event(self) -> Any:
        """The event (a row of its type's model, with what the type reads loaded), ``None``
        when it is gone; loaded once, or for a whole page by :func:`attach_events`."""
        if "_event" not in self.__dict__:
            kind = self.kind
            self.__dict__["_event"] = (
                kind.events().filter(pk=self.event_id).first() if kind else None
            )
        return self.__dict__["_event"]

    @property
    def event_summary(self) -> str:
        """What happened, in Chinese (the type's ``summary``), for the log."""
        event, kind = self.event, self.kind
        return kind.summary(event) if event is not None and kind else "（事件已不存在）"


def attach_events(deliveries: Iterable[Delivery]) -> list[Delivery]:
    """Load the events of ``deliveries`` with one query per event type (a page of the log)."""
    found = list(deliveries)
    wanted: dict[str, set[int]] = defaultdict(set)
    for d in found:
        if "_event" not in d.__dict__:
            wanted[d.event_type].add(d.event_id)
    loaded: dict[tuple[str, int], Any] = {}
    for name, ids in wanted.items():
        try:
            kind = registry.get(name)
        except registry.UnknownEventType:
            continue
        loaded.update(((name, e.pk), e) for e in kind.events().filter(pk__in=ids))
    for d in found:
        if "_event" not in d.__dict__:
            d.__dict__["_event"] = loaded.get((d.event_type, d.event_id))
    return found
