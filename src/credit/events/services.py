"""Writes of the push: subscriptions (register, change, stop) and the manual re-send of a
delivery, each in one transaction with its permission check and audit entry.

The credit office (``gateway.manage``) manages every subscription; an API client, with the
permission of an event type (``sanctions.check`` for list changes, ``alerts.view`` for
warnings), only its own. A subscription's client must hold the permission of every event type
it chooses, whoever registers it, and every filter set must apply to a chosen type. The audit
entries keep the event types and object types they had before the push moved out of the
sanctions app (``sanctions.subscription.create`` on ``sanctions.subscription`` …), so one
subscription's history stays under one name.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from credit.catalog.constants import LIST_CATEGORIES
from credit.core import audit
from credit.core.access import PERM_LABELS, Perm, principal_of, require
from credit.core.errors import NotFound, PermissionDenied, ValidationFailed
from credit.core.models import Region
from credit.events import registry
from credit.events.delivery import validate_url
from credit.events.models import Delivery, Subscription
from credit.gateway.models import ApiClient

#: The audit log's object types of subscriptions and deliveries (their names in the sanctions
#: app, where the tables still are).
SUBSCRIPTION_OBJECT = "sanctions.subscription"
DELIVERY_OBJECT = "sanctions.delivery"


def _checked_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed("名称须为 1–100 个字符", code="name_invalid")
    return name


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


def _check_event_types(names, client: ApiClient) -> list[str]:
    """The registered types among ``names`` (at least one), each of which ``client`` — the
    subscriber, whoever registers the subscription — holds the permission of."""
    chosen = sorted(set(names or ()))
    if not chosen:
        raise ValidationFailed("请至少选择一种推送的事件类型", code="event_types_empty")
    known = {t.name for t in registry.registered()}
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise ValidationFailed(
            f"未知的事件类型：{'、'.join(unknown)}",
            code="event_type_unknown",
            details={"known": sorted(known)},
        )
    subscriber = client.as_principal()
    for kind in map(registry.get, chosen):
        if not subscriber.has_perm(kind.perm):
            raise PermissionDenied(
                f"接口调用方“{client.name}”没有“{PERM_LABELS[kind.perm]}”的权限，不能订阅"
                f"“{kind.label}”；请联系市信用办为其开通相应的接口权限后再订阅",
                code="event_type_not_permitted",
                details={"event_type": kind.name, "permission": str(kind.perm)},
            )
    return chosen


def _check_applicable(event_types: list[str], *, list_kinds, regions, subject) -> None:
    """Every filter set applies to one of the chosen types at least (list kinds and subject
    only to list changes)."""
    chosen = [t for t in registry.registered() if t.name in event_types]
    fields = {f for kind in chosen for f in kind.filter_fields}
    for name, value in (("list_kind", list_kinds), ("region", regions), ("subject", subject)):
        if value and name not in fields:
            usable = "、".join(t.label for t in registry.registered() if name in t.filter_fields)
            raise ValidationFailed(
                f"按{registry.FILTERS[name]}订阅只适用于{usable or '（无）'}事件，"
                "请同时选择该事件类型或清空此条件",
                code="filter_not_applicable",
                details={"filter": name},
            )


def _resolve_subject(principal: Any, subject: str, event_types: list[str]):
    """(legal person, natural person) for an identifier, found by the first chosen event
    type that names subjects (``subject_for``) within what the principal may look up;
    '' → (None, None)."""
    if not subject:
        return None, None
    finders = [t.subject_for for t in registry.registered() if t.name in event_types]
    subject_for = next((f for f in finders if f is not None), None)
    found = subject_for(principal, subject.strip()) if subject_for else None
    if found is None:
        raise ValidationFailed(f"未找到主体：{subject}", code="subject_not_found")
    return found


def _snapshot(sub: Subscription) -> dict[str, Any]:
    return {
        "client": sub.client_id,
        "name": sub.name,
        "url": sub.url,
        "event_types": sub.event_types,
        "list_kinds": sub.list_kinds,
        "regions": sub.regions,
        "legal_person": sub.legal_person_id,
        "natural_person": sub.natural_person_id,
        "is_active": sub.is_active,
    }


def require_subscriber(principal: Any) -> None:
    """Who may register subscriptions at all: the credit office (``gateway.manage``), or a
    client (for itself) with the permission of an event type (``sanctions.check``,
    ``alerts.view`` …); refused before anything else is read."""
    p = principal_of(principal)
    if p.has_perm(Perm.API_CLIENT_MANAGE):
        return
    if p.client_id is None:
        p.require(Perm.API_CLIENT_MANAGE)
    perms = [t.perm for t in registry.registered()]
    if not p.has_any(perms):
        p.require(perms[0] if perms else Perm.API_CLIENT_MANAGE)


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
    event_types=registry.DEFAULT_TYPES,
    list_kinds=(),
    regions=(),
    subject: str = "",
    is_active: bool = True,
) -> Subscription:
    """Register a webhook for ``client`` receiving ``event_types`` (list changes unless
    told); audited as ``sanctions.subscription.create``."""
    _require_manage(actor, client)
    name = _checked_name(name)
    types = _check_event_types(event_types, client)
    kinds, codes = _check_filters(list_kinds, regions)
    _check_applicable(types, list_kinds=kinds, regions=codes, subject=(subject or "").strip())
    legal, natural = _resolve_subject(actor if actor is not None else client, subject, types)
    sub = Subscription.objects.create(
        client=client,
        name=name,
        url=validate_url(url),
        event_types=types,
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
    event_types=None,
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
        sub.name = _checked_name(name)
    if url is not None:
        sub.url = validate_url(url)
    if event_types is not None:
        sub.event_types = _check_event_types(event_types, sub.client)
    if list_kinds is not None or regions is not None:
        kinds, codes = _check_filters(
            sub.list_kinds if list_kinds is None else list_kinds,
            sub.regions if regions is None else regions,
        )
        sub.list_kinds, sub.regions = kinds, codes
    if any(v is not None for v in (event_types, list_kinds, regions, subject)):
        _check_applicable(
            sub.event_types,
            list_kinds=sub.list_kinds,
            regions=sub.regions,
            subject=(subject or "").strip()
            if subject is not None
            else sub.legal_person_id or sub.natural_person_id,
        )
    if subject is not None:
        sub.legal_person, sub.natural_person = _resolve_subject(
            actor if actor is not None else sub.client, subject, sub.event_types
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
