"""Reads: the subject behind an identifier, its active list entries, the measures they
trigger, and checks within a principal's scope."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet

from credit.accounts.permissions import is_city_wide, require
from credit.accounts.roles import Perm
from credit.catalog.models import CatalogItem
from credit.core.identifiers import detect
from credit.gateway.grants import client_of, visible_items
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord
from credit.sanctions.constants import LIST_CATEGORIES
from credit.sanctions.models import Check, Measure
from credit.subjects.models import LegalPerson, NaturalPerson
from credit.subjects.selectors import legal_person_by_identifier, natural_person_by_id


def subject_for(principal: Any, identifier: str) -> LegalPerson | NaturalPerson | None:
    """The subject known by a USCC, a legacy code or a resident ID number. Finding a natural
    person needs ``subjects.view_natural`` (an API client: the ``subjects:read_natural``
    scope)."""
    if detect(identifier) == "resident_id":
        require(principal, Perm.SUBJECT_VIEW_NATURAL)
        return natural_person_by_id(identifier)
    return legal_person_by_identifier(identifier)


def list_items_for(principal: Any) -> QuerySet[CatalogItem]:
    """The list items whose entries the principal may see (:func:`visible_items`)."""
    return visible_items(
        principal, CatalogItem.objects.filter(category__in=LIST_CATEGORIES, is_active=True)
    )


def active_entries(
    subject: LegalPerson | NaturalPerson,
    items: QuerySet[CatalogItem],
    *,
    today: datetime.date | None = None,
) -> list[CreditRecord]:
    """The subject's list entries in force today: active records of list items whose validity
    has not ended."""
    today = today or datetime.date.today()
    by_subject = (
        Q(legal_person=subject) if isinstance(subject, LegalPerson) else Q(natural_person=subject)
    )
    return list(
        CreditRecord.objects.filter(by_subject, item__in=items, status=RecordStatus.ACTIVE)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .select_related("item", "department")
        .order_by("item__category", "item__code", "-decision_date", "id")
    )


def measures_for(entries: list[CreditRecord], scenario: str = "") -> dict[int, list[Measure]]:
    """Record id → the active measures its list triggers (in ``scenario``, or in every
    scenario when empty)."""
    kinds = {e.item.category for e in entries}
    if not kinds:
        return {}
    measures = Measure.objects.filter(is_active=True, list_kind__in=kinds).select_related(
        "implementing_department"
    )
    if scenario:
        measures = measures.filter(scenarios__contains=[scenario])
    measures = list(measures.prefetch_related("items").order_by("code"))
    found: dict[int, list[Measure]] = {}
    for entry in entries:
        found[entry.pk] = [
            m
            for m in measures
            if m.list_kind == entry.item.category
            and (not m.items.all() or any(i.pk == entry.item_id for i in m.items.all()))
        ]
    return found


def checks_for(principal: Any) -> QuerySet[Check]:
    """Checks a principal may read: city-wide staff all; others their department's; an API
    client its own."""
    require(principal, Perm.SANCTIONS_CHECK)
    qs = Check.objects.select_related("user", "client", "department").prefetch_related("feedback")
    client = client_of(principal)
    if client is not None:
        return qs.filter(client=client)
    if is_city_wide(principal):
        return qs
    if principal.department_id:
        return qs.filter(department_id=principal.department_id)
    return qs.filter(department__region_id=principal.region_id)


def check_for(principal: Any, number: str) -> Check | None:
    return checks_for(principal).filter(number=number).first()


def changes_for(
    principal: Any, cursor: str, *, limit: int = 500, list_kind: str = "", region: str = ""
) -> tuple[list[dict[str, Any]], str, bool]:
    """List changes after ``cursor`` that the principal may see (its list items), as dicts;
    the next cursor; whether more are waiting."""
    from credit.core.errors import ValidationFailed
    from credit.records import changes

    require(principal, Perm.SANCTIONS_CHECK)
    try:
        changes.decode_cursor(cursor)
    except ValueError:
        raise ValidationFailed("cursor 格式不正确", code="cursor_invalid") from None
    filters: dict[str, Any] = {"item__in": list_items_for(principal)}
    if list_kind:
        filters["list_kind"] = list_kind
    if region:
        filters["region_id"] = region
    events, after = changes.read(cursor, limit=limit + 1, filters=filters)
    more = len(events) > limit
    if more:
        events = events[:limit]
        after = changes.encode_cursor(events[-1].txid, events[-1].pk)
    masked = client_of(principal) is not None
    out = [change_dict(e, masked=masked) for e in events]
    return out, after, more


def change_dict(event: Any, *, masked: bool) -> dict[str, Any]:
    """One list change as handed to subscribers (pulled or pushed): natural persons by their
    masked ID number, and by a masked name when ``masked`` (an API client). The event needs
    ``item``, ``department`` and its subject loaded."""
    from credit.core.masking import mask_name

    natural = event.natural_person_id is not None
    person = event.natural_person if natural else event.legal_person
    return {
        "event_id": str(event.event_id),
        "kind": event.kind,
        "occurred_at": event.occurred_at,
        "record": event.record_id,
        "item": event.item.code,
        "list_kind": event.list_kind,
        "region": event.region_id,
        "department": event.department.name,
        "subject_type": "natural" if natural else "legal",
        "subject_code": person.id_masked if natural else (person.uscc or ""),
        "subject_name": mask_name(person.name) if natural and masked else person.name,
        "version": event.version,
    }
