"""The change feed of list entries: written in the transaction that changes them.

:func:`emit` records events for the records among ``record_ids`` that are list entries (of a
red, black or attention list item) and publishes them to :mod:`credit.events` in the same
transaction (:func:`credit.events.delivery.published`: the push's fan-out job is enqueued
there). Readers page through them with :func:`credit.events.feed.read`, which never skips or
repeats an event.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from credit.catalog.constants import LIST_CATEGORIES
from credit.catalog.models import CatalogItem
from credit.events import delivery
from credit.events.registry import LIST_CHANGED
from credit.records.models import CreditRecord, ListChange

_EVENT = ListChange._meta.db_table
_RECORD = CreditRecord._meta.db_table
_ITEM = CatalogItem._meta.db_table


def emit(kind: str, record_ids: Iterable[int]) -> int:
    """Record a ``kind`` event for each list entry among ``record_ids``; returns how many."""
    ids = list(record_ids)
    if not ids:
        return 0
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
