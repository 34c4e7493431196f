"""The change feed of list entries: written in the transaction that changes them, read with a
cursor that never skips or repeats an event.

:func:`emit` records events for the records among ``record_ids`` that are list entries (of a
red, black or attention list item) and calls the registered listeners in the same transaction
(the sanctions app enqueues its push deliveries there). :func:`read` returns the events after a
cursor, only from transactions older than every one still running, in ``(txid, id)`` order:
an event committed late by a long transaction still comes after every event returned before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import connection
from django.db.models import Q

from credit.catalog.constants import LIST_CATEGORIES
from credit.catalog.models import CatalogItem
from credit.records.models import CreditRecord, ListChange

#: Called with (first event id, last event id) inside the writing transaction.
listeners: list[Callable[[int, int], None]] = []

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
        for listener in listeners:
            listener(min(made), max(made))
    return len(made)


def encode_cursor(txid: int, pk: int) -> str:
    return f"{txid}.{pk}"


def decode_cursor(cursor: str | None) -> tuple[int, int]:
    """``"txid.id"`` → the pair; empty or ``"0"`` is the beginning. Raises ValueError."""
    if not cursor or cursor == "0":
        return 0, 0
    txid, _, pk = cursor.partition(".")
    return int(txid), int(pk)


def horizon() -> int:
    """The oldest transaction id still running anywhere in the cluster: every event with a
    smaller ``txid`` is committed (or rolled back) for good."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        return cur.fetchone()[0]


def read(cursor: str | None, *, limit: int = 500, filters: dict | None = None):
    """Events after ``cursor`` that are safe to hand out, and the cursor after the last one.

    Only events of transactions older than the oldest one still running are returned, so a
    later read never finds an event that sorts before an earlier cursor.
    """
    txid, pk = decode_cursor(cursor)
    qs = ListChange.objects.filter(txid__lt=horizon()).filter(
        Q(txid__gt=txid) | Q(txid=txid, id__gt=pk)
    )
    if filters:
        qs = qs.filter(**filters)
    events = list(
        qs.select_related("item", "department", "legal_person", "natural_person").order_by(
            "txid", "id"
        )[:limit]
    )
    last = events[-1] if events else None
    return events, encode_cursor(last.txid, last.pk) if last else encode_cursor(txid, pk)
