"""Working days (工作日) by China's official holiday calendar, for reporting deadlines.

Whether a date is a working day is decided by the first of these that knows the date:

1. the table :class:`~credit.core.models.CalendarDay` (工作日历调整) — a year announced by the
   State Council before the library has it, or a local adjustment;
2. the ``chinesecalendar`` library (statutory holidays *and* the adjusted working days, 调休),
   for the years it covers (:data:`LIBRARY_YEARS`; the library raises ``NotImplementedError``
   for any other year);
3. Monday to Friday. For a year neither the library covers nor the table holds as announced
   (its 1 January is in the table), the answer is an **approximation**: :meth:`covered` is
   false for that year and the ``approximate`` flags below are set. Nothing here raises for an
   unknown year.

Counting (the convention of Chinese administrative law, 期间开始之日不计算在期间内): the day
of the decision does not count. ``working_days_between(start, end)`` is the number of working
days **after** ``start`` up to and **including** ``end`` (negative when ``end`` is before
``start``); ``add_working_days(d, n)`` is the n-th working day after ``d`` (before ``d`` for
negative ``n``; ``d`` itself for 0), so it is always a working day for ``n != 0``;
``deadline(decision, 7)`` is the last day of the 7 working days, and a report is on time when it
is made **on or before** that day. Example: a decision on Friday 2026-09-25 (itself 中秋, a
holiday) has working days 09-28, 09-29, 09-30, 10-08, 10-09, 10-10 (Saturday, 调休上班) and
10-12, so a report on Monday 2026-10-12 is on time and one on 10-13 is late.

Note that ``working_days_between(decision, report) <= 7`` is *not* the same test: a report on
the rest day after the deadline (e.g. Saturday 10-17 when the deadline is Friday 10-16) adds no
working day, yet is late. Use :meth:`WorkdayCalendar.is_on_time` or :meth:`timeliness`.

Performance: a :class:`WorkdayCalendar` loads the table's rows for the years of its range in one
query and compiles each year into a bitmap with cumulative counts, so ``is_workday`` is a list
index and ``working_days_between``/``add_working_days`` are O(log 366) — build one calendar per
batch (a million rows make no query per row). A year outside the range is loaded on first use
(one more query). The module-level functions build a calendar per call (one query each): use them
for a single date, not in a loop. Nothing is cached across calls or processes, so a change to
the table is seen by the next calendar built.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple

import chinese_calendar

#: 双公示 information is reported within this many working days of the decision (RULES.md).
REPORTING_WORKING_DAYS = 7

LIBRARY_NAME = f"chinesecalendar {chinese_calendar.__version__}"
#: First and last year the library has data for (it raises NotImplementedError outside).
LIBRARY_YEARS: tuple[int, int] = (
    min(chinese_calendar.holidays).year,
    max(chinese_calendar.holidays).year,
)


class Origin(StrEnum):
    """Where the answer for a date comes from."""

    TABLE = "table"  # a CalendarDay row
    LIBRARY = "library"  # chinesecalendar
    WEEKDAY = "weekday"  # Monday to Friday (an approximation in a year nobody covers)


ORIGIN_LABELS = {Origin.TABLE: "调整表", Origin.LIBRARY: "法定日历库", Origin.WEEKDAY: "周一至周五"}
_WEEKDAY_NAMES = "一二三四五六日"


class Override(NamedTuple):
    """One date's entry in the override table, as the calendar uses it."""

    is_workday: bool
    name: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class DayInfo:
    """What the calendar says about one date and why."""

    date: dt.date
    is_workday: bool
    name: str  # "" for an ordinary working day or weekend
    origin: Origin
    source: str  # the table's 依据, the library's name and version, or ""
    approximate: bool  # the year is not covered: Monday–Friday was assumed

    @property
    def weekday_name(self) -> str:
        return "周" + _WEEKDAY_NAMES[self.date.weekday()]


@dataclass(frozen=True, slots=True)
class Timeliness:
    """Whether a report was made within ``n`` working days of the decision (报送及时性)."""

    decision_date: dt.date
    report_date: dt.date
    due_date: dt.date  # the last day on which the report is on time
    working_days: int  # working days after the decision up to and including the report day
    on_time: bool
    approximate: bool  # a year between the decision and the later of due/report is not covered


# --- the library ------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def library_covers(year: int) -> bool:
    """True when ``chinesecalendar`` has the official calendar of ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _library_name(english: str, is_workday: bool) -> str:
    try:
        name = chinese_calendar.Holiday(english).chinese
    except ValueError:
        name = english
    return f"{name}调休上班" if is_workday else name


@lru_cache(maxsize=64)
def _library_year(year: int) -> tuple[bytes, dict[dt.date, tuple[bool, str]]] | None:
    """The library's year as (1/0 per day from 1 January, {named date: (is_workday, name)})."""
    if not library_covers(year):
        return None
    day = dt.date(year, 1, 1)
    work = bytearray()
    named: dict[dt.date, tuple[bool, str]] = {}
    while day.year == year:
        rest, english = chinese_calendar.get_holiday_detail(day)
        work.append(0 if rest else 1)
        if english is not None:
            named[day] = (not rest, _library_name(english, not rest))
        day += dt.timedelta(days=1)
    return bytes(work), named


def library_day(d: dt.date) -> tuple[bool, str] | None:
    """The library's answer for ``d`` as ``(is_workday, name)`` (name "" for an ordinary day),
    or ``None`` for a year the library does not cover."""
    data = _library_year(d.year)
    if data is None:
        return None
    work, named = data
    return named.get(d, (bool(work[d.timetuple().tm_yday - 1]), ""))


def _weekdays_of(year: int) -> bytearray:
    first = dt.date(year, 1, 1)
    days = (dt.date(year + 1, 1, 1) - first).days if year < dt.MAXYEAR else 365
    start = first.weekday()
    return bytearray(1 if (start + i) % 7 < 5 else 0 for i in range(days))


# --- the calendar ------------------------------------------------------------------------------


class _Year:
    __slots__ = ("covered", "cum", "first_ordinal", "overrides", "total", "work", "year")

    def __init__(self, year: int, overrides: dict[dt.date, Override]):
        self.year = year
        self.first_ordinal = dt.date(year, 1, 1).toordinal()
        library = _library_year(year)
        work = bytearray(library[0]) if library else _weekdays_of(year)
        for day, override in overrides.items():
            work[day.toordinal() - self.first_ordinal] = 1 if override.is_workday else 0
        self.work = bytes(work)
        self.cum = list(accumulate(self.work))  # cum[i]: working days from 1 January to day i
        self.total = self.cum[-1]
        self.overrides = overrides
        self.covered = library is not None or dt.date(year, 1, 1) in overrides


def _check(d: dt.date) -> None:
    if isinstance(d, dt.datetime) or not isinstance(d, dt.date):
        raise TypeError(f"expected a date (the local calendar day), got {type(d).__name__}")


class WorkdayCalendar:
    """China's working days with the table's overrides, compiled for fast repeated use.

    ``WorkdayCalendar(start, end)`` loads the overrides of the years from ``start`` to ``end`` in
    one query; other years are loaded when first used. ``overrides`` (a mapping date → bool or
    :class:`Override`) replaces the table entirely, for computations without a database.
    """

    def __init__(
        self,
        start: dt.date | None = None,
        end: dt.date | None = None,
        *,
        overrides: Mapping[dt.date, bool | Override] | None = None,
    ):
        self._years: dict[int, _Year] = {}
        self._given: dict[dt.date, Override] | None = None
        if overrides is not None:
            self._given = {
                d: v if isinstance(v, Override) else Override(bool(v)) for d, v in overrides.items()
            }
        if start is not None or end is not None:
            start = start or end
            end = end or start
            _check(start)
            _check(end)
            first, last = sorted((start.year, end.year))
            self._load(first, last)

    # loading

    def _load(self, first: int, last: int) -> None:
        if self._given is not None:
            rows: Iterable[tuple[dt.date, bool, str, str]] = (
                (d, o.is_workday, o.name, o.source)
                for d, o in self._given.items()
                if first <= d.year <= last
            )
        else:
            from credit.core.models import CalendarDay

            rows = CalendarDay.objects.filter(
                date__gte=dt.date(first, 1, 1), date__lte=dt.date(last, 12, 31)
            ).values_list("date", "is_workday", "name", "source")
        by_year: dict[int, dict[dt.date, Override]] = {y: {} for y in range(first, last + 1)}
        for day, is_workday, name, source in rows:
            by_year[day.year][day] = Override(is_workday, name, source)
        for year, overrides in by_year.items():
            if year not in self._years:
                self._years[year] = _Year(year, overrides)

    def _year(self, year: int) -> _Year:
        data = self._years.get(year)
        if data is None:
            self._load(year, year)
            data = self._years[year]
        return data

    # questions about one date or year

    def covered(self, year: int) -> bool:
        """True when ``year``'s official calendar is known (library, or announced in the table);
        false when working days of that year are approximated by Monday to Friday."""
        return self._year(year).covered

    def is_approximate(self, start: dt.date, end: dt.date) -> bool:
        """True when any year from ``start`` to ``end`` is not :meth:`covered`."""
        first, last = (start.year, end.year) if start <= end else (end.year, start.year)
        if first == last:
            return not self._year(first).covered
        return not all(self._year(y).covered for y in range(first, last + 1))

    def is_workday(self, d: dt.date) -> bool:
        """True when ``d`` is a working day (including an adjusted working day, 调休上班)."""
        _check(d)
        year = self._years.get(d.year) or self._year(d.year)
        return year.work[d.toordinal() - year.first_ordinal] == 1

    def day(self, d: dt.date) -> DayInfo:
        """What the calendar says about ``d``, with the name and source of the answer."""
        _check(d)
        year = self._year(d.year)
        override = year.overrides.get(d)
        if override is not None:
            return DayInfo(
                d, override.is_workday, override.name, Origin.TABLE, override.source, False
            )
        is_workday = year.work[d.toordinal() - year.first_ordinal] == 1
        library = library_day(d)
        if library is not None:
            return DayInfo(d, is_workday, library[1], Origin.LIBRARY, LIBRARY_NAME, False)
        return DayInfo(d, is_workday, "", Origin.WEEKDAY, "", not year.covered)

    def special_days(self, year: int) -> list[DayInfo]:
        """The year's named days — holidays and adjusted working days from the library, and every
        table entry — in date order."""
        data = self._year(year)
        library = _library_year(year)
        dates = set(data.overrides) | (set(library[1]) if library else set())
        return [self.day(d) for d in sorted(dates)]

    def working_days_in(self, year: int) -> int:
        return self._year(year).total

    # counting

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """The number of working days after ``start`` up to and including ``end`` (``start``
        itself never counts); negative, with the roles swapped, when ``end`` is before
        ``start``. ``working_days_between(d, add_working_days(d, n)) == n``."""
        if end < start:
            return -self.working_days_between(end, start)
        _check(start)
        _check(end)
        first, last = self._year(start.year), self._year(end.year)
        count = last.cum[end.toordinal() - last.first_ordinal]
        count -= first.cum[start.toordinal() - first.first_ordinal]
        for year in range(start.year, end.year):
            count += self._year(year).total
        return count

    def add_working_days(self, d: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``d`` (``n`` > 0), before ``d`` (``n`` < 0), or ``d``
        itself (``n`` = 0). ``d`` need not be a working day; the result is one unless n = 0."""
        if n == 0:
            return d
        _check(d)
        year = self._year(d.year)
        i = d.toordinal() - year.first_ordinal
        if n > 0:
            target = year.cum[i] + n
            while target > year.total:
                target -= year.total
                year = self._year(year.year + 1)
        else:
            target = year.cum[i] - year.work[i] + n + 1
            while target <= 0:
                year = self._year(year.year - 1)
                target += year.total
        return dt.date.fromordinal(year.first_ordinal + bisect_left(year.cum, target))

    def deadline(self, decision_date: dt.date, n: int = REPORTING_WORKING_DAYS) -> dt.date:
        """The last day on which a report is within ``n`` working days of the decision
        (the decision day does not count): ``add_working_days(decision_date, n)``."""
        if n < 0:
            raise ValueError("n must not be negative")
        return self.add_working_days(decision_date, n)

    def deadlines(
        self, first: dt.date, last: dt.date, n: int = REPORTING_WORKING_DAYS
    ) -> dict[dt.date, dt.date]:
        """Each day from ``first`` to ``last`` (both included) → its :meth:`deadline`: the
        table the timeliness queries join decision days to."""
        days = (first + dt.timedelta(days=k) for k in range((last - first).days + 1))
        return {d: self.deadline(d, n) for d in days}

    def is_on_time(
        self, decision_date: dt.date, report_date: dt.date, n: int = REPORTING_WORKING_DAYS
    ) -> bool:
        """True when ``report_date`` is on or before :meth:`deadline`."""
        return report_date <= self.deadline(decision_date, n)

    def timeliness(
        self, decision_date: dt.date, report_date: dt.date, n: int = REPORTING_WORKING_DAYS
    ) -> Timeliness:
        """Deadline, working days taken and on-time verdict for one report, flagged
        ``approximate`` when a year involved is not covered."""
        due = self.deadline(decision_date, n)
        return Timeliness(
            decision_date=decision_date,
            report_date=report_date,
            due_date=due,
            working_days=self.working_days_between(decision_date, report_date),
            on_time=report_date <= due,
            approximate=self.is_approximate(decision_date, max(due, report_date)),
        )


# --- one-off conveniences (one query each: build a WorkdayCalendar for batches) ---------------


def _around(d: dt.date, n: int) -> WorkdayCalendar:
    # n working days never span more than 2n + 30 calendar days (the longest break is 9 days).
    _check(d)
    reach = dt.timedelta(days=2 * abs(n) + 30)
    try:
        other = d + reach if n >= 0 else d - reach
    except OverflowError:
        other = d
    return WorkdayCalendar(d, other)


def covered(year: int) -> bool:
    """True when ``year``'s official calendar is known (see :meth:`WorkdayCalendar.covered`)."""
    return WorkdayCalendar(dt.date(year, 1, 1)).covered(year)


def is_workday(d: dt.date) -> bool:
    return WorkdayCalendar(d).is_workday(d)


def day(d: dt.date) -> DayInfo:
    return WorkdayCalendar(d).day(d)


def working_days_between(start: dt.date, end: dt.date) -> int:
    return WorkdayCalendar(start, end).working_days_between(start, end)


def add_working_days(d: dt.date, n: int) -> dt.date:
    return _around(d, n).add_working_days(d, n)


def deadline(decision_date: dt.date, n: int = REPORTING_WORKING_DAYS) -> dt.date:
    return _around(decision_date, n).deadline(decision_date, n)


def is_on_time(
    decision_date: dt.date, report_date: dt.date, n: int = REPORTING_WORKING_DAYS
) -> bool:
    return _around(decision_date, n).is_on_time(decision_date, report_date, n)


def timeliness(
    decision_date: dt.date, report_date: dt.date, n: int = REPORTING_WORKING_DAYS
) -> Timeliness:
    return WorkdayCalendar(decision_date, max(decision_date, report_date)).timeliness(
        decision_date, report_date, n
    )
