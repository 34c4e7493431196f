"""Periods (统计周期) that warning rules count in: a day, an ISO week, a month, a quarter or a
year, as a half-open range of dates with a stable label (the de-duplication key's period) and
its Chinese name. Pure: nothing here reads the database."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

KINDS = ("day", "week", "month", "quarter", "year")
_QUARTERS = "一二三四"


@dataclass(frozen=True, order=True)
class Span:
    """The dates ``start`` ≤ d < ``end`` of one period of ``kind``."""

    start: datetime.date
    end: datetime.date
    kind: str

    @property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)

    @property
    def label(self) -> str:
        """``2026-12-04``, ``2026-W49``, ``2026-11``, ``2026-Q4`` or ``2026``."""
        s = self.start
        if self.kind == "day":
            return s.isoformat()
        if self.kind == "week":
            year, week, _ = s.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return f"{s.year}-{s.month:02d}"
        if self.kind == "quarter":
            return f"{s.year}-Q{(s.month - 1) // 3 + 1}"
        return str(s.year)

    @property
    def text(self) -> str:
        """The period in Chinese: 2026年12月4日, 2026年第49周（…）, 2026年11月, 2026年第四季度,
        2026年."""
        s = self.start
        if self.kind == "day":
            return f"{s.year}年{s.month}月{s.day}日"
        if self.kind == "week":
            year, week, _ = s.isocalendar()
            return f"{year}年第{week}周（{s:%m-%d}至{self.last_day:%m-%d}）"
        if self.kind == "month":
            return f"{s.year}年{s.month}月"
        if self.kind == "quarter":
            return f"{s.year}年第{_QUARTERS[(s.month - 1) // 3]}季度"
        return f"{s.year}年"

    def previous(self) -> Span:
        return span_of(self.kind, self.start - datetime.timedelta(days=1))

    def before(self, n: int) -> list[Span]:
        """The ``n`` periods before this one, oldest first."""
        found: list[Span] = []
        span = self
        for _ in range(n):
            span = span.previous()
            found.append(span)
        return found[::-1]


def day_start(day: datetime.date) -> datetime.datetime:
    """The start of ``day`` in the platform's time zone (the lower bound of a period's rows)."""
    return datetime.datetime.combine(day, datetime.time(), timezone.get_current_timezone())


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    return datetime.date(day.year + month // 12, month % 12 + 1, 1)


def span_of(kind: str, day: datetime.date) -> Span:
    """The period of ``kind`` that contains ``day``; ``ValueError`` for an unknown kind."""
    if kind == "day":
        return Span(day, day + datetime.timedelta(days=1), kind)
    if kind == "week":
        start = day - datetime.timedelta(days=day.weekday())
        return Span(start, start + datetime.timedelta(days=7), kind)
    if kind == "month":
        start = day.replace(day=1)
        return Span(start, _add_months(start, 1), kind)
    if kind == "quarter":
        start = datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Span(start, _add_months(start, 3), kind)
    if kind == "year":
        return Span(datetime.date(day.year, 1, 1), datetime.date(day.year + 1, 1, 1), kind)
    raise ValueError(f"unknown period kind {kind!r}")
