"""Assessment periods (考核周期): ``2026Q4`` is the fourth quarter of 2026, ``2026`` the year.

Pure: no database. The span of a period is the alerts' :class:`~credit.alerts.periods.Span`
(``start`` ≤ day < ``end``), so the metrics count with the same bounds as the warnings."""

from __future__ import annotations

import datetime
import re

from credit.alerts.periods import Span, span_of

_PERIOD = re.compile(r"^(?P<year>\d{4})(?:Q(?P<quarter>[1-4]))?$")


class PeriodError(ValueError):
    """A period that is not ``YYYYQn`` or ``YYYY`` (the message is for people)."""


def parse_period(text: str) -> Span:
    """The span of ``text`` (``2026Q4`` or ``2026``; surrounding spaces and a lower-case q
    allowed); :class:`PeriodError` otherwise."""
    m = _PERIOD.match((text or "").strip().upper())
    if not m or not 2000 <= int(m["year"]) <= 2100:
        raise PeriodError(
            f"考核周期“{(text or '')[:20]}”无效，应为年度（如 2026）或季度（如 2026Q4）"
        )
    year = int(m["year"])
    if m["quarter"]:
        return span_of("quarter", datetime.date(year, 3 * int(m["quarter"]) - 2, 1))
    return span_of("year", datetime.date(year, 1, 1))


def period_code(span: Span) -> str:
    """``2026Q4`` or ``2026``: the code of a quarter's or a year's span."""
    if span.kind == "quarter":
        return f"{span.start.year}Q{(span.start.month - 1) // 3 + 1}"
    if span.kind == "year":
        return str(span.start.year)
    raise PeriodError(f"考核周期只能是季度或年度，不能是{span.kind}")


def period_text(code: str) -> str:
    """The period in Chinese: 2026年第四季度, 2026年度."""
    span = parse_period(code)
    return span.text if span.kind == "quarter" else f"{span.start.year}年度"


def previous_quarter(today: datetime.date) -> str:
    """The code of the last quarter that has ended before ``today``."""
    return period_code(span_of("quarter", today).previous())
