"""Locks shared by every web process through PostgreSQL."""

from __future__ import annotations

from django.db import connection


def advisory_xact_lock(key: str) -> None:
    """Wait for, then hold until the transaction ends, the advisory lock named ``key``:
    counting limits in the database (SMS codes, tracking tries) under it holds across
    processes and concurrent requests."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])
