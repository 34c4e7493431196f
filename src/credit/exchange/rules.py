"""The schedule rules of the exchange (pure; mutation-tested): when a channel runs next after
a run, by its period, how long a failed delivery waits before it is tried again, and whether
an upward channel's period can keep the 7-working-day rule of its item."""

from __future__ import annotations

import datetime

from django.utils import timezone

from credit.catalog.constants import LIST_CATEGORIES, Category
from credit.exchange.constants import Content, Direction, Period

#: The waits before the 1st, 2nd, 3rd and 4th retry of a failed delivery, in minutes; every
#: later retry waits :data:`LAST_BACKOFF`.
BACKOFF = (1, 5, 15, 60)
LAST_BACKOFF = datetime.timedelta(hours=6)
#: An on-change channel runs again this long after its last run.
ON_CHANGE_INTERVAL = datetime.timedelta(minutes=5)
#: The local hour of scheduled runs (01:00 Beijing time).
RUN_HOUR = 1
#: The first month of each period that counts in months.
_MONTHS = {Period.MONTHLY: 1, Period.QUARTERLY: 3, Period.YEARLY: 12}


def backoff(attempts: int) -> datetime.timedelta:
    """The wait before the next try of a delivery that failed ``attempts`` times (≥ 1; less
    counts as 1)."""
    if attempts <= len(BACKOFF):
        return datetime.timedelta(minutes=BACKOFF[max(attempts, 1) - 1])
    return LAST_BACKOFF


def _slot(day: datetime.date) -> datetime.datetime:
    tz = timezone.get_default_timezone()
    return datetime.datetime.combine(day, datetime.time(RUN_HOUR), tzinfo=tz)


def next_run(
    period: str, now: datetime.datetime, *, first: bool = False
) -> datetime.datetime | None:
    """When a channel on ``period`` runs next after ``now``: on change every 5 minutes (a new
    channel at once: ``None`` with ``first``), daily at the next 01:00 Beijing time, weekly the
    next Monday 01:00, monthly the next 1st 01:00, quarterly the next 1 January, April, July or
    October 01:00, yearly the next 1 January 01:00; irregular never by itself (``None``)."""
    if period == Period.ON_CHANGE:
        return None if first else now + ON_CHANGE_INTERVAL
    if period == Period.IRREGULAR:
        return None
    local = timezone.localtime(now)
    today = local.date()
    if period == Period.DAILY:
        candidates = [today, today + datetime.timedelta(days=1)]
    elif period == Period.WEEKLY:
        monday = today - datetime.timedelta(days=today.weekday())
        candidates = [monday, monday + datetime.timedelta(days=7)]
    else:
        months = _MONTHS[period]
        start_month = (today.month - 1) // months * months + 1
        start = today.replace(month=start_month, day=1)
        month = start_month - 1 + months
        candidates = [start, start.replace(year=start.year + month // 12, month=month % 12 + 1)]
    # the slot of the current day, week, month … unless it has passed; then the next one's
    this, following = candidates
    slot = _slot(this)
    return slot if slot > local else _slot(following)


#: Periods too long for an upward channel of records due within 7 working days.
_TOO_SLOW = (Period.MONTHLY, Period.QUARTERLY, Period.YEARLY, Period.IRREGULAR)


#: The catalog categories whose records go up within 7 working days of their decision
#: (RULES.md): 双公示 and the lists (red, black, attention).
DEADLINE_CATEGORIES = (Category.DOUBLE_PUBLICITY, *LIST_CATEGORIES)


def deadline_warning(direction: str, content: str, period: str, category: str) -> str:
    """Why an upward channel of records on ``period`` cannot keep the 7-working-day rule for
    an item of ``category``, in Chinese (empty when it can, or the rule does not apply)."""
    if direction != Direction.UP or content != Content.RECORDS:
        return ""
    if category not in DEADLINE_CATEGORIES or period not in _TOO_SLOW:
        return ""
    return (
        f"该目录项的信息须在作出决定后 7 个工作日内上报，“{Period(period).label}”运行可能超期；"
        "建议改为每天或变更即时"
    )
