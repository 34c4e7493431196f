"""The change feeds of credit records, and what else follows a record's change: written in the
transaction that changes them.

:func:`emit` is called by every write of records (``credit.records.services``, the ingest
loader, the re-keying command) with the precise kind of the change (a
:class:`~credit.records.models.RecordChange.Kind` value: 新增, 更新, 暂停公示, 恢复公示, 更正,
撤销, 信用修复, 到期) and the records it changed. In that transaction it writes:

1. a :class:`~credit.records.models.RecordChange` for EVERY record — the record change feed
   (``GET /api/v1/changes``, event type ``record.changed`` of :mod:`credit.records.events`),
   which data exchange (``credit.exchange``) reads as its outbox;
2. a :class:`~credit.records.models.ListChange` for those that are list entries (of a red,
   black or attention list item), with the list feed's own kind (:data:`LIST_KINDS`) — the
   list feed (``GET /api/v1/sanctions/changes``) answers as it always did.

Both are published to :mod:`credit.events` (:func:`credit.events.delivery.published`: a push's
fan-out job is enqueued in the transaction only when a subscription chose that event type;
subscriptions receive list changes by default). Readers page through them with
:func:`credit.events.feed.read`, which never skips or repeats an event.

It then calls each listener registered with :func:`listen` (an app above records that keeps
something derived from records, such as the civil servants' integrity score of
``credit.integrity``), with the record kind and every changed record, in the same
transaction, so what a listener enqueues commits or rolls back with the change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import connection

from credit.catalog.constants import LIST_CATEGORIES
from credit.catalog.models import CatalogItem
from credit.events import delivery
from credit.events.registry import LIST_CHANGED
from credit.records.models import CreditRecord, ListChange, RecordChange

_EVENT = ListChange._meta.db_table
_RECORD_EVENT = RecordChange._meta.db_table
_RECORD = CreditRecord._meta.db_table
_ITEM = CatalogItem._meta.db_table

#: The event type of the record change feed (信用记录变更), registered by
#: :mod:`credit.records.events`.
RECORD_CHANGED = "record.changed"

Kind = RecordChange.Kind

#: A record change's kind → the kind of the list feed's event for a list entry.
LIST_KINDS: dict[str, str] = {
    Kind.CREATED: ListChange.Kind.LISTED,
    Kind.UPDATED: ListChange.Kind.UPDATED,
    Kind.CORRECTED: ListChange.Kind.UPDATED,
    Kind.SUSPENDED: ListChange.Kind.SUSPENDED,
    Kind.RESTORED: ListChange.Kind.RESTORED,
    Kind.REVOKED: ListChange.Kind.REMOVED,
    Kind.REPAIRED: ListChange.Kind.REMOVED,
    Kind.EXPIRED: ListChange.Kind.EXPIRED,
}

#: The list feed's own kinds that are not record kinds, still accepted by :func:`emit` (callers
#: written before the record feed): ``listed`` is a creation, ``removed`` a revocation.
LEGACY_KINDS: dict[str, str] = {
    ListChange.Kind.LISTED: Kind.CREATED,
    ListChange.Kind.REMOVED: Kind.REVOKED,
}

#: ``listener(kind, record_ids)``: called by :func:`emit` for every change, in its transaction.
Listener = Callable[[str, list[int]], None]
_listeners: list[Listener] = []


def listen(listener: Listener) -> Listener:
    """Register ``listener`` (once; an app's ``ready()`` calls it) to hear of every record
    change: its kind (a :class:`~credit.records.models.RecordChange.Kind` value) and the ids of
    the records changed, in the changing transaction. Returns it (usable as a decorator)."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def record_kind(kind: str) -> str:
    """``kind`` as a record change's kind (a legacy list kind translated); ValueError for an
    unknown one."""
    kind = LEGACY_KINDS.get(kind, kind)
    if kind not in LIST_KINDS:
        raise ValueError(f"未知的信用记录变更类型：{kind}")
    return str(kind)


def emit(kind: str, record_ids: Iterable[int]) -> int:
    """Record a ``kind`` change of each of ``record_ids`` in the record feed, a list event for
    each list entry among them, and tell the listeners (:func:`listen`) of them all, in the
    running transaction. Returns how many list events were recorded."""
    kind = record_kind(kind)
    ids = sorted(set(record_ids))
    if not ids:
        return 0
    for listener in _listeners:
        listener(kind, ids)
    with connection.cursor() as cur:
        cur.execute(
            f"""
            INSERT INTO {_RECORD_EVENT} (txid, occurred_at, event_id, kind, record_id, item_id,
                region_id, department_id, legal_person_id, natural_person_id, version)
            SELECT pg_current_xact_id()::text::bigint, now(), gen_random_uuid(), %s, r.id,
                r.item_id, r.region_id, r.department_id, r.legal_person_id,
                r.natural_person_id, r.version
            FROM {_RECORD} r
            WHERE r.id = ANY(%s)
            ORDER BY r.id
            RETURNING id
            """,  # noqa: S608 — table names are the models' own
            [kind, ids],
        )
        written = [pk for (pk,) in cur.fetchall()]
        cur.execute(
            f"""
            INSERT INTO {_EVENT} (txid, occurred_at, event_id, kind, record_id, item_id,
                list_kind, region_id, department_id, legal_person_id, natural_person_id, version)
            SELECT pg_current_xact_id()::text::bigint, now(), gen_random_uuid(), %s, r.id,
                r.item_id, i.category, r.region_id, r.department_id, r.legal_person_id,
                r.natural_person_id, r.version
            FROM {_RECORD} r JOIN {_ITEM} i ON i.id = r.item_id
            WHERE r.id = ANY(%s) AND i.category = ANY(%s)
            ORDER BY r.id
            RETURNING id
            """,  # noqa: S608 — table names are the models' own
            [LIST_KINDS[kind], ids, list(LIST_CATEGORIES)],
        )
        made = [pk for (pk,) in cur.fetchall()]
    if written:
        delivery.published(RECORD_CHANGED, min(written), max(written))
    if made:
        delivery.published(LIST_CHANGED, min(made), max(made))
    return len(made)
