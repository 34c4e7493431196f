"""The record change event type (信用记录变更, ``record.changed``) the records app registers
with :mod:`credit.events`: what a subscriber needs (查看信用记录, the API scope
``changes:read``), which changes a principal receives (:func:`visible_q`), the body of one
change (no personal data: the record, its item, region, department and version), how it reads
in the delivery log, and that a subscription narrows it by region only; and the pull of
the feed (:func:`changes_for`).

:func:`credit.records.changes.emit` publishes the changes; a subscription receives them only
when it chose this type (``credit.events.registry.DEFAULT_TYPES`` stays list changes only).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from credit.catalog.models import CatalogItem
from credit.core.access import Perm, principal_of
from credit.core.access.principal import NOTHING
from credit.core.errors import ValidationFailed
from credit.core.models import Region
from credit.events import feed, registry
from credit.records.changes import RECORD_CHANGED
from credit.records.models import RecordChange

#: What :func:`payload` and :func:`summary` read besides the change's own columns.
RELATED = ("item", "department")


def visible_q(principal: Any) -> Q:
    """The record changes a principal receives, pulled or pushed: those of the records it may
    use — of a usage scope (信息使用范围) and an active catalog item it is granted (the use
    rule of :func:`credit.records.selectors.usable_q`, in every state: a revocation or an
    expiry must reach whoever received the record) — and those of the records it manages
    (its tenant: the city, its district, its department)."""
    p = principal_of(principal)
    use = NOTHING
    if p.usage_scopes:
        use = Q(record__usage_scope__in=sorted(p.usage_scopes), item__is_active=True)
        if p.item_ids is not None:
            use &= Q(item_id__in=sorted(p.item_ids))
    return use | p.tenant_q(region="region_id", department="department_id")


def payload(event: RecordChange, principal: Any = None) -> dict[str, Any]:
    """One change as ``GET /api/v1/changes`` gives it and a push sends it (the event needs
    :data:`RELATED` loaded): item, region and department by their codes, no subject."""
    return {
        "event_id": str(event.event_id),
        "kind": event.kind,
        "record_id": event.record_id,
        "item": event.item.code,
        "item_name": event.item.name,
        "region": event.region_id,
        "department": event.department.code,
        "version": event.version,
        "occurred_at": event.occurred_at,
    }


def summary(event: RecordChange) -> str:
    """``撤销 · 行政处罚 · 记录 123 第 2 版`` for the delivery log."""
    return (
        f"{event.get_kind_display()} · {event.item.name} · 记录 {event.record_id} "
        f"第 {event.version} 版"
    )


RECORD_CHANGED_TYPE = registry.register(
    registry.EventType(
        name=RECORD_CHANGED,
        label="信用记录变更",
        perm=Perm.RECORD_VIEW,
        model=RecordChange,
        filters_for=visible_q,
        payload=payload,
        summary=summary,
        related=RELATED,
        filter_fields=("region",),
    )
)


def changes_for(
    principal: Any,
    cursor: str,
    *,
    limit: int = 500,
    item: str = "",
    region: str = "",
    kind: str = "",
) -> tuple[list[dict[str, Any]], str, bool]:
    """The record changes after ``cursor`` that the principal receives (:func:`visible_q`), in
    ``(txid, id)`` order (:func:`credit.events.feed.read`), as :func:`payload` dicts; the next
    cursor; whether more are waiting. Narrowed by a catalog item's code, a region's code and
    a kind; an unknown one or a malformed cursor is refused (``ValidationFailed``)."""
    p = principal_of(principal)
    p.require(Perm.RECORD_VIEW)
    try:
        feed.decode_cursor(cursor)
    except ValueError:
        raise ValidationFailed(
            "cursor 格式不正确，请使用上次返回的 cursor", code="cursor_invalid"
        ) from None
    filters: dict[str, Any] = {}
    if item:
        item_id = CatalogItem.objects.filter(code=item).values_list("pk", flat=True).first()
        if item_id is None:
            raise ValidationFailed(f"目录项编码 {item} 不存在", code="item_unknown")
        filters["item_id"] = item_id
    if region:
        if not Region.objects.filter(pk=region).exists():
            raise ValidationFailed(f"行政区划代码 {region} 不存在", code="region_unknown")
        filters["region_id"] = region
    if kind:
        if kind not in RecordChange.Kind.values:
            raise ValidationFailed(f"变更类型 {kind} 不存在", code="kind_unknown")
        filters["kind"] = kind
    events = RecordChange.objects.select_related(*RELATED).filter(visible_q(p))
    found, after, more = feed.page(events, cursor, limit=limit, filters=filters)
    return [payload(e, p) for e in found], after, more
