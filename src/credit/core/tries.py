"""Counting wrong tries (错误尝试) within a window, per key and per client address: the
counters behind the public pages' limits (the objection tracking page's phone digits, the
report download's extraction code). Each wrong try is a row of a model with ``number``,
``source_ip`` and ``created_at``; the app owning the page owns the model and its limits."""

from __future__ import annotations

import datetime
import math
from typing import Any

from django.db.models import Count, Min, Q


def wrong_tries(
    model: Any,
    *,
    number: str,
    source_ip: str | None,
    now: datetime.datetime,
    window: datetime.timedelta,
) -> dict[str, Any]:
    """The wrong tries of ``number`` and of ``source_ip`` within ``window`` before ``now``:
    ``by_number``, ``by_number_first`` (the oldest one's time), ``by_ip``, ``by_ip_first``."""
    by_number = Q(number=number)
    by_ip = Q(source_ip=source_ip) if source_ip else Q(pk__in=[])
    return (
        model.objects.filter(created_at__gt=now - window)
        .filter(by_number | by_ip)
        .aggregate(
            by_number=Count("id", filter=by_number),
            by_number_first=Min("created_at", filter=by_number),
            by_ip=Count("id", filter=by_ip),
            by_ip_first=Min("created_at", filter=by_ip),
        )
    )


def seconds_until_free(
    first: datetime.datetime | None, now: datetime.datetime, window: datetime.timedelta
) -> int:
    """Seconds until the oldest counted try (``first``) leaves the window: at least 1."""
    return max(math.ceil(((first or now) + window - now).total_seconds()), 1)
