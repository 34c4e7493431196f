"""Reads: the subject behind an identifier, its active list entries, the measures they
trigger, and checks within a principal's scope."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from credit.catalog.models import CatalogItem
from credit.core.access import Perm, principal_of, require
from credit.core.identifiers import detect
from credit.core.models import Department
from credit.events import feed
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord, ListChange
from credit.sanctions.constants import LIST_CATEGORIES
from credit.sanctions.models import Check, Measure
from credit.subjects.models import LegalPerson, NaturalPerson
from credit.subjects.selectors import (
    legal_person_by_identifier,
    natural_person_by_id,
    shown_name,
)


def subject_for(principal: Any, identifier: str) -> LegalPerson | NaturalPerson | None:
    """The subject known by a USCC, a legacy code or a resident ID number. Finding a natural
    person needs ``subjects.view_natural`` (an API client: the ``subjects:read_natural``
    scope)."""
    if detect(identifier) == "resident_id":
        require(principal, Perm.SUBJECT_VIEW_NATURAL)
        return natural_person_by_id(identifier)
    return legal_person_by_identifier(identifier)


@dataclass(frozen=True)
class Entry:
    """A list entry in force, as a check shows it."""

    pk: int
    item_id: int
    item_code: str
    item_name: str
    list_kind: str
    department: str
    document_no: str
    decision_date: datetime.date | None
    valid_from: datetime.date | None
    valid_to: datetime.date | None


def active_entries(
    subject: LegalPerson | NaturalPerson,
    item_ids: list[int],
    *,
    usage_scopes: list[str],
    today: datetime.date | None = None,
) -> list[Entry]:
    """The subject's list entries in force today among ``item_ids`` and of ``usage_scopes``:
    active records whose validity has begun and not ended (one statement on the subject's own
    index). :func:`entries_for_check` gives the principal's items and usage scopes."""
    today = today or datetime.date.today()
    column = "legal_person_id" if isinstance(subject, LegalPerson) else "natural_person_id"
    with connection.cursor() as cur:
        cur.execute(
            f"""
            SELECT r.id, r.item_id, i.code, i.name, i.category, d.name, r.document_no,
                   r.decision_date, r.valid_from, r.valid_to
            FROM {_RECORD} r
            JOIN {_ITEM} i ON i.id = r.item_id
            JOIN {_DEPT} d ON d.id = r.department_id
            WHERE r.{column} = %s AND r.item_id = ANY(%s) AND r.status = %s
              AND r.usage_scope = ANY(%s)
              AND (r.valid_to IS NULL OR r.valid_to >= %s)
              AND (r.valid_from IS NULL OR r.valid_from <= %s)
            ORDER BY i.category, i.code, r.decision_date DESC NULLS LAST, r.id
            """,  # noqa: S608 — table and column names are ours
            [subject.pk, item_ids, RecordStatus.ACTIVE, usage_scopes, today, today],
        )
        return [Entry(*row) for row in cur.fetchall()]


def entries_for_check(
    principal: Any, subject: LegalPerson | NaturalPerson, *, today: datetime.date | None = None
) -> list[Entry]:
    """The subject's list entries in force that the principal may use: the use rule
    (``credit.records.selectors.usable_q``) for list entries — its usage scopes and granted
    list items, across departments and districts."""
    p = principal_of(principal)
    return active_entries(
        subject, list_item_ids(p), usage_scopes=sorted(p.usage_scopes), today=today
    )


def list_item_ids(principal: Any) -> list[int]:
    """The ids of the active list items whose entries the principal may use. The active list
    items are kept a few seconds per process (they rarely change); the principal's grants
    narrow them."""
    p = principal_of(principal)
    now = time.monotonic()
    if _list_items[0] < now:
        ids = list(
            CatalogItem.objects.filter(category__in=LIST_CATEGORIES, is_active=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        _list_items[:] = [now + ITEMS_CACHE_SECONDS, ids]
    ids = _list_items[1]
    return ids if p.item_ids is None else [i for i in ids if i in p.item_ids]


ITEMS_CACHE_SECONDS = 5.0
_list_items: list = [0.0, []]


@dataclass
class _Measures:
    stamp: tuple = ()
    measures: list = field(default_factory=list)  # (measure, item ids)


_measures = _Measures()


def _active_measures() -> list[tuple[Measure, frozenset[int]]]:
    """Every active measure with the ids of its items, reloaded when the catalogue changes
    (a one-row query tells)."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*), max(updated_at) FROM {_MEASURE}")  # noqa: S608
        stamp = tuple(cur.fetchone())
    if stamp != _measures.stamp:
        loaded = (
            Measure.objects.filter(is_active=True)
            .select_related("implementing_department")
            .prefetch_related("items")
            .order_by("code")
        )
        _measures.measures = [(m, frozenset(i.pk for i in m.items.all())) for m in loaded]
        _measures.stamp = stamp
    return _measures.measures


def measures_for(entries: list[Entry], scenario: str = "") -> dict[int, list[Measure]]:
    """Record id → the active measures its list triggers (in ``scenario``, or in every
    scenario when empty)."""
    if not entries:
        return {}
    measures = [
        (m, items) for m, items in _active_measures() if not scenario or scenario in m.scenarios
    ]
    return {
        e.pk: [
            m
            for m, items in measures
            if m.list_kind == e.list_kind and (not items or e.item_id in items)
        ]
        for e in entries
    }


_RECORD = CreditRecord._meta.db_table
_ITEM = CatalogItem._meta.db_table
_DEPT = Department._meta.db_table
_MEASURE = Measure._meta.db_table


def checks_for(principal: Any) -> QuerySet[Check]:
    """Checks a principal may read: those of its tenant (the city; its district's
    departments; its department's) and those it ran itself (a third party's own)."""
    p = principal_of(principal)
    p.require(Perm.SANCTIONS_CHECK)
    qs = Check.objects.select_related("user", "client", "department").prefetch_related("feedback")
    own = Q(user_id=p.user_id) if p.user_id else Q(pk__in=[])
    return qs.filter(p.tenant_q(region="department__region_id", department="department_id") | own)


def check_for(principal: Any, number: str) -> Check | None:
    return checks_for(principal).filter(number=number).first()


def usable_change_filters(principal: Any) -> dict[str, Any]:
    """Which list changes a principal receives, pulled or pushed: those of the list items and
    usage scopes it may use (the use rule of ``credit.records.selectors.usable_q``)."""
    p = principal_of(principal)
    return {"item_id__in": list_item_ids(p), "record__usage_scope__in": sorted(p.usage_scopes)}


def changes_for(
    principal: Any, cursor: str, *, limit: int = 500, list_kind: str = "", region: str = ""
) -> tuple[list[dict[str, Any]], str, bool]:
    """List changes after ``cursor`` that the principal may see (its list items), as dicts;
    the next cursor; whether more are waiting (the pull of :mod:`credit.events.feed`)."""
    from credit.core.errors import ValidationFailed

    require(principal, Perm.SANCTIONS_CHECK)
    try:
        feed.decode_cursor(cursor)
    except ValueError:
        raise ValidationFailed("cursor 格式不正确", code="cursor_invalid") from None
    p = principal_of(principal)
    filters = usable_change_filters(p)
    if list_kind:
        filters["list_kind"] = list_kind
    if region:
        filters["region_id"] = region
    changes = ListChange.objects.select_related(*CHANGE_RELATED)
    events, after, more = feed.page(changes, cursor, limit=limit, filters=filters)
    out = [change_dict(e, principal=p) for e in events]
    return out, after, more


#: What :func:`change_dict` reads of a list change besides its own columns.
CHANGE_RELATED = ("item", "department", "legal_person", "natural_person")


def change_dict(event: Any, *, principal: Any) -> dict[str, Any]:
    """One list change as handed to subscribers (pulled or pushed): natural persons by their
    masked ID number, and by a masked name for a principal that receives names masked. The
    event needs :data:`CHANGE_RELATED` loaded."""

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
        "subject_name": shown_name(person, principal),
        "version": event.version,
    }
