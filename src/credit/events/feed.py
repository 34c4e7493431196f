"""Reading a change feed with a cursor that never skips or repeats an event.

The events are rows written in the transaction that makes the change, each with ``txid`` (the
writing transaction's id, ``pg_current_xact_id()``) beside its ``id`` — the publisher writes
them (``credit.records.changes.emit`` for list changes). :func:`read` returns the events after
a cursor, only from transactions older than every one still running, in ``(txid, id)`` order:
an event committed late by a long transaction still comes after every event returned before.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet


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


def read(
    events: QuerySet, cursor: str | None, *, limit: int = 500, filters: dict | None = None
) -> tuple[list[Any], str]:
    """The ``events`` after ``cursor`` that are safe to hand out, and the cursor after the
    last one (``events`` is a queryset of a model with ``txid`` and ``id``, with whatever it
    needs loaded).

    Only events of transactions older than the oldest one still running are returned, so a
    later read never finds an event that sorts before an earlier cursor.
    """
    txid, pk = decode_cursor(cursor)
    qs = events.filter(txid__lt=horizon()).filter(Q(txid__gt=txid) | Q(txid=txid, id__gt=pk))
    if filters:
        qs = qs.filter(**filters)
    found = list(qs.order_by("txid", "id")[:limit])
    last = found[-1] if found else None
    return found, encode_cursor(last.txid, last.pk) if last else encode_cursor(txid, pk)


def page(
    events: QuerySet, cursor: str | None, *, limit: int, filters: dict | None = None
) -> tuple[list[Any], str, bool]:
    """At most ``limit`` events after ``cursor`` (:func:`read`), the cursor after the last one
    returned, and whether more are waiting (one more event is read to know)."""
    found, after = read(events, cursor, limit=limit + 1, filters=filters)
    more = len(found) > limit
    if more:
        found = found[:limit]
        after = encode_cursor(found[-1].txid, found[-1].pk)
    return found, after, more
