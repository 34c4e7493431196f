"""Writes of the push: subscriptions (register, change, stop) and the manual re-send of a
delivery, each in one transaction with its permission check and audit entry.

The credit office (``gateway.manage``) manages every subscription; an API client, with the
subscribed event type's permission (``sanctions.check`` for list changes), only its own. The
audit entries keep the event types and object types they had before the push moved out of the
sanctions app (``sanctions.subscription.create`` on ``sanctions.subscription`` …), so one
subscription's history stays under one name.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from credit.catalog.constants import LIST_CATEGORIES
from credit.core import audit
from credit.core.access import Perm, principal_of, require
from credit.core.errors import NotFound, ValidationFailed
from credit.core.models import Region
from credit.events import registry
from credit.events.delivery import validate_url
from credit.events.models import Delivery, Subscription
from credit.gateway.models import ApiClient

#: The audit log's object types of subscriptions and deliveries (their names in the sanctions
#: app, where the tables still are).
SUBSCRIPTION_OBJECT = "sanctions.subscription"
DELIVERY_OBJECT = "sanctions.delivery"


def _check_filters(list_kinds, regions) -> tuple[list[str], list[str]]:
    kinds = sorted(set(list_kinds or ()))
    unknown = [k for k in kinds if k not in LIST_CATEGORIES]
    if unknown:
        raise ValidationFailed(
            f"未知的名单类型：{'、'.join(unknown)}",
            code="list_kind_unknown",
            details={"known": list(LIST_CATEGORIES)},
        )
    codes = sorted(set(regions or ()))
    known = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
    missing = [c for c in codes if c not in known]
    if missing:
        raise ValidationFailed(f"未知的地区代码：{'、'.join(missing)}", code="region_unknown")
    return kinds, codes


def _resolve_subject(principal: Any, subject: str):
    """(legal person, natural person) for an identifier, found by the subscribed event type
    (``subject_for``) within what the principal may look up; ('', '') → (None, None)."""
    if not subject:
        return None, None
    subject_for = registry.subscribed().subject_for
    found = subject_for(principal, subject.strip()) if subject_for else None
    if found is None:
        raise ValidationFailed(f"未找到主体：{subject}", code="subject_not_found")
    return found


def _snapshot(sub: Subscription) -> dict[str, Any]:
    return {
        "client": sub.client_id,
        "name": sub.name,
        "url": sub.url,
        "list_kinds": sub.list_kinds,
        "regions": sub.regions,
        "legal_person": sub.legal_person_id,
        "natural_person": sub.natural_person_id,
        "is_active": sub.is_active,
    }


def require_subscriber(principal: Any) -> None:
    """Who may register subscriptions at all: the credit office (``gateway.manage``), or a
    client (for itself) with the subscribed event type's permission (``sanctions.check``);
    refused before anything else is read."""
    p = principal_of(principal)
    if p.has_perm(Perm.API_CLIENT_MANAGE):
        return
    if p.client_id is None:
        p.require(Perm.API_CLIENT_MANAGE)
    p.require(registry.subscribed().perm)


def _require_manage(actor: Any, client: ApiClient) -> None:
    """The credit office (``gateway.manage``) manages every subscription; any other principal
    only the subscriptions of the client it is (:func:`require_subscriber`); ``None`` is the
    system (CLI, tests)."""
    if actor is None:
        return
    require_subscriber(actor)
    p = principal_of(actor)
    if not p.has_perm(Perm.API_CLIENT_MANAGE) and p.client_id != client.pk:
        raise NotFound("订阅不存在", code="subscription_not_found")


@transaction.atomic
def create_subscription(
    *,
    actor: Any,
    client: ApiClient,
    name: str,
    url: str,
    list_kinds=(),
    regions=(),
    subject: str = "",
    is_active: bool = True,
) -> Subscription:
    """Register a webhook for ``client``; audited as ``sanctions.subscription.create``."""
    _require_manage(actor, client)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed("名称须为 1–100 个字符", code="name_invalid")
    kinds, codes = _check_filters(list_kinds, regions)
    legal, natural = _resolve_subject(actor if actor is not None else client, subject)
    sub = Subscription.objects.create(
        client=client,
        name=name,
        url=validate_url(url),
        list_kinds=kinds,
        regions=codes,
        legal_person=legal,
        natural_person=natural,
        is_active=is_active,
        created_by_id=principal_of(actor).user_id,
    )
    audit.record(
        "sanctions.subscription.create",
        actor=actor,
        obj=sub,
        object_type=SUBSCRIPTION_OBJECT,
        after=_snapshot(sub),
    )
    return sub


@transaction.atomic
def update_subscription(
    *,
    actor: Any,
    subscription: Subscription,
    name: str | None = None,
    url: str | None = None,
    list_kinds=None,
    regions=None,
    subject: str | None = None,
    is_active: bool | None = None,
) -> Subscription:
    """Change a subscription (``None`` keeps a field); audited with before and after."""
    sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
    _require_manage(actor, sub.client)
    before = _snapshot(sub)
    if name is not None:
        name = name.strip()
        if not name or len(name) > 100:
            raise ValidationFailed("名称须为 1–100 个字符", code="name_invalid")
        sub.name = name
    if url is not None:
        sub.url = validate_url(url)
    if list_kinds is not None or regions is not None:
        kinds, codes = _check_filters(
            sub.list_kinds if list_kinds is None else list_kinds,
            sub.regions if regions is None else regions,
        )
        sub.list_kinds, sub.regions = kinds, codes
    if subject is not None:
        sub.legal_person, sub.natural_person = _resolve_subject(
            actor if actor is not None else sub.client, subject
        )
    if is_active is not None:
        sub.is_active = is_active
    sub.save()
    audit.record(
        "sanctions.subscription.update",
        actor=actor,
        obj=sub,
        object_type=SUBSCRIPTION_OBJECT,
        before=before,
        after=_snapshot(sub),
    )
    return sub


def delete_subscription(*, actor: Any, subscription: Subscription) -> Subscription:
    """Deactivate a subscription (its delivery log stays); audited."""
    return update_subscription(actor=actor, subscription=subscription, is_active=False)


@transaction.atomic
def resend(*, actor: Any, delivery: Delivery) -> Delivery:
    """Queue a delivery again (the credit office), whatever its status, with the same event
    id; audited as ``sanctions.delivery.resend``."""
    require(actor, Perm.API_CLIENT_MANAGE)
    from credit.events.tasks import deliver as deliver_task

    found = Delivery.objects.select_for_update().filter(pk=delivery.pk).first()
    if found is None:
        raise NotFound("推送记录不存在", code="delivery_not_found")
    before = {"status": found.status, "attempts": found.attempts}
    found.status = Delivery.Status.PENDING
    found.failures = 0
    found.resends += 1
    found.next_attempt_at = None
    found.save()
    audit.record(
        "sanctions.delivery.resend",
        actor=actor,
        obj=found,
        object_type=DELIVERY_OBJECT,
        before=before,
        after={"status": found.status, "resends": found.resends},
    )
    deliver_task.defer(delivery_id=found.pk)
    return found
