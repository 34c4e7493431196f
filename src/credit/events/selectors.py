"""Reads of the push: subscriptions and the delivery log within a principal's reach.

The credit office (``gateway.manage``) sees every subscription and delivery; an API client
with the permission of the subscribed event type (``sanctions.check`` for list changes) sees
its own; a member of staff without ``gateway.manage`` sees none.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet

from credit.core.access import Perm, principal_of
from credit.events import registry
from credit.events.models import Delivery, Subscription


def _owned(principal: Any, qs: QuerySet, client_field: str) -> QuerySet:
    """Everything for the credit office (``gateway.manage``); for any other principal with
    the subscribed event type's permission, what belongs to the client it is (a member of
    staff owns none)."""
    p = principal_of(principal)
    if p.has_perm(Perm.API_CLIENT_MANAGE):
        return qs
    if p.client_id is None:
        p.require(Perm.API_CLIENT_MANAGE)
    p.require(registry.subscribed().perm)
    return qs.filter(**{client_field: p.client_id})


def subscriptions_for(principal: Any) -> QuerySet[Subscription]:
    """The credit office: every subscription; an API client: its own."""
    qs = Subscription.objects.select_related("client", "legal_person", "natural_person")
    return _owned(principal, qs, "client_id")


def subscription_for(principal: Any, pk: int) -> Subscription | None:
    return subscriptions_for(principal).filter(pk=pk).first()


def deliveries_for(principal: Any) -> QuerySet[Delivery]:
    """The delivery log: the credit office every delivery; an API client its own (each event
    with what its type's payload reads: for list changes its item and subject)."""
    related = (f"event__{name}" for name in registry.subscribed().related)
    qs = Delivery.objects.select_related("subscription__client", *related)
    return _owned(principal, qs, "subscription__client_id")


def delivery_for(principal: Any, pk: int) -> Delivery | None:
    return deliveries_for(principal).filter(pk=pk).first()


def filter_deliveries(
    qs: QuerySet[Delivery],
    *,
    subscription: int | None = None,
    client: int | None = None,
    status: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[Delivery]:
    """The delivery log narrowed by the page's and the API's filters (dates in Beijing)."""
    if subscription:
        qs = qs.filter(subscription_id=subscription)
    if client:
        qs = qs.filter(subscription__client_id=client)
    if status:
        qs = qs.filter(status=status)
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    return qs
