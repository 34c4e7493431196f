"""Reads of the push: subscriptions and the delivery log within a principal's reach.

The credit office (``gateway.manage``) sees every subscription and delivery; an API client
with the permission of an event type (``sanctions.check`` for list changes, ``alerts.view``
for warnings) sees its own; a member of staff without ``gateway.manage`` sees none. A
delivery's event is read through its type (:func:`credit.events.models.attach_events`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from credit.core.access import Perm, principal_of
from credit.events.models import Delivery, Subscription, attach_events
from credit.events.services import require_subscriber


def _owned(principal: Any, qs: QuerySet, client_field: str) -> QuerySet:
    """Everything for the credit office (``gateway.manage``); for a client with the
    permission of an event type, what belongs to it (a member of staff owns none)."""
    require_subscriber(principal)
    p = principal_of(principal)
    if p.has_perm(Perm.API_CLIENT_MANAGE):
        return qs
    return qs.filter(**{client_field: p.client_id})


def subscriptions_for(principal: Any) -> QuerySet[Subscription]:
    """The credit office: every subscription; an API client: its own."""
    qs = Subscription.objects.select_related("client", "legal_person", "natural_person")
    return _owned(principal, qs, "client_id")


def subscription_for(principal: Any, pk: int) -> Subscription | None:
    return subscriptions_for(principal).filter(pk=pk).first()


def deliveries_for(principal: Any) -> QuerySet[Delivery]:
    """The delivery log: the credit office every delivery; an API client its own. Load the
    events of a page with :func:`with_events`."""
    qs = Delivery.objects.select_related("subscription__client")
    return _owned(principal, qs, "subscription__client_id")


def with_events(deliveries: Iterable[Delivery]) -> list[Delivery]:
    """The deliveries (a page of the log) with their events, one query per event type."""
    return attach_events(deliveries)


def delivery_for(principal: Any, pk: int) -> Delivery | None:
    return deliveries_for(principal).filter(pk=pk).first()


def filter_deliveries(
    qs: QuerySet[Delivery],
    *,
    subscription: int | None = None,
    client: int | None = None,
    event_type: str = "",
    status: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[Delivery]:
    """The delivery log narrowed by the page's and the API's filters (dates in Beijing)."""
    if subscription:
        qs = qs.filter(subscription_id=subscription)
    if client:
        qs = qs.filter(subscription__client_id=client)
    if event_type:
        qs = qs.filter(event_type=event_type)
    if status:
        qs = qs.filter(status=status)
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    return qs
