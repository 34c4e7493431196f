"""The change feed of list entries, and what else follows a record's change: written in the
transaction that changes them.

:func:`emit` is called by every write of records (``credit.records.services``, the ingest
loader) with the records it changed. It records events for those that are list entries (of a
red, black or attention list item) and publishes them to :mod:`credit.events` in the same
transaction (:func:`credit.events.delivery.published`: the push's fan-out job is enqueued
there). Readers page through them with :func:`credit.events.feed.read`, which never skips or
repeats an event.

It then calls each listener registered with :func:`listen` (an app above records that keeps
something derived from records, such as the civil servants' integrity score of
``credit.integrity``), with the kind and every changed record — list entry or not — in the same
transaction, so what a listener enqueues commits or rolls back with the change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import connection

from credit.catalog.constants import LIST_CATEGORIES
from credit.catalog.models import CatalogItem
from credit.events import delivery
from credit.events.registry import LIST_CHANGED
from credit.records.models import CreditRecord, ListChange

_EVENT = ListChange._meta.db_table
_RECORD = CreditRecord._meta.db_table
_ITEM = CatalogItem._meta.db_table

#: ``listener(kind, record_ids)``: called by :func:`emit` for every change, in its transaction.
Listener = Callable[[str, list[int]], None]
_listeners: list[Listener] = []


def listen(listener: Listener) -> Listener:
    """Register ``listener`` (once; an app's ``ready()`` calls it) to hear of every record
    change: its kind (a :class:`~credit.records.models.ListChange.Kind` value) and the ids of
    the records changed, in the changing transaction. Returns it (usable as a decorator)."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def emit(kind: str, record_ids: Iterable[int]) -> int:
    """Record a ``kind`` event for each list entry among ``record_ids`` and tell the listeners
    (:func:`listen`) of them all; returns how many list events were recorded."""
    ids = list(record_ids)
    if not ids:
        return 0
    for listener in _listeners:
        listener(kind, ids)
    with connection.cursor() as cur:
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
            [kind, ids, list(LIST_CATEGORIES)],
        )
        made = [pk for (pk,) in cur.fetchall()]
    if made:
        delivery.published(LIST_CHANGED, min(made), max(made))
    return len(made)
