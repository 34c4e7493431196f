"""Pure rules of the civil servants' integrity score (公务员诚信计分, seed L168–L428).

No database here: :mod:`credit.integrity.services.scoring` loads rule versions and records and
asks these functions

- which line of a rule version a record matches (:func:`match`): the line whose field holds
  the record's value, else the item's default line (the seed's "未标明的按照一般失信处理"), else
  none — the record is not scored;
- from when until when its points count (:func:`window`): from the line's date field (a year
  field — 考核年度, 评议年度 — counts from 1 January of the next year), else the decision date,
  else the day the record arrived; for the line's months when it has some, and never past the
  record's validity (valid_to, 失信信息使用有效期) or publicity (公示截止日) when those are set;
- which version is in force at a date (:func:`version_at`);
- the score as at a date (:func:`score_at`: the version's base plus the points of every window
  containing that date) and its grade (:meth:`Version.grade`: A ≥ 500, B ≥ 451, C ≥ 351, else D
  with the seed's thresholds);
- which years the score history holds (:func:`history`).

A window's ``counts_until`` is exclusive: the first day the points no longer count.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

#: The seed's base and thresholds (评分基准分500分，分A、B、C、D四挡).
BASE = 500
GRADE_A_MIN = 500
GRADE_B_MIN = 451
GRADE_C_MIN = 351
#: The score history goes back at most this many years (a wrong date of 1900 would else make
#: a century of rows).
MAX_HISTORY_YEARS = 30

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Line:
    """One line of a rule version (:class:`~credit.integrity.models.ScoreRule`): a record of
    ``item`` whose ``field`` holds ``value`` scores ``points``; ``value`` empty: the item's
    default line. The points count from ``date_field`` (empty: the decision date) for
    ``months`` months (None: while the record is valid)."""

    id: int
    item: str
    points: int
    field: str = ""
    value: str = ""
    date_field: str = ""
    months: int | None = None
    label: str = ""

    @property
    def is_default(self) -> bool:
        return self.value == ""


@dataclass(frozen=True)
class Version:
    """A rule version (:class:`~credit.integrity.models.ScoreRuleSet`) with its lines."""

    id: int
    code: str
    effective_from: datetime.date
    base: int = BASE
    grade_a_min: int = GRADE_A_MIN
    grade_b_min: int = GRADE_B_MIN
    grade_c_min: int = GRADE_C_MIN
    lines: tuple[Line, ...] = field(default=())

    @cached_property
    def by_item(self) -> dict[str, tuple[Line, ...]]:
        """The lines of each item, in their order."""
        out: dict[str, list[Line]] = {}
        for line in self.lines:
            out.setdefault(line.item, []).append(line)
        return {item: tuple(lines) for item, lines in out.items()}

    def lines_of(self, item: str) -> tuple[Line, ...]:
        return self.by_item.get(item, ())

    @cached_property
    def index(self) -> dict[str, tuple[dict[str, dict[str, tuple[int, int, Line]]], Line | None]]:
        """Per item: its valued lines by field and value (with their rank: points, then
        order), and its first default line."""
        out = {}
        for item, lines in self.by_item.items():
            by_field: dict[str, dict[str, tuple[int, int, Line]]] = {}
            for n, line in enumerate(lines):
                if not line.is_default:
                    values = by_field.setdefault(line.field, {})
                    known = values.get(line.value)
                    if known is None or line.points < known[0]:
                        values[line.value] = (line.points, n, line)
            out[item] = (by_field, next((ln for ln in lines if ln.is_default), None))
        return out

    def match(self, item: str, payload: Mapping[str, Any]) -> Line | None:
        """:func:`match` of the item's lines, through an index (the same answer, faster)."""
        found = self.index.get(item)
        if found is None:
            return None
        by_field, default = found
        ranked = [
            lines[value]
            for name, lines in by_field.items()
            for value in values_of(payload.get(name))
            if value in lines
        ]
        return min(ranked)[2] if ranked else default  # (points, order) never tie

    def grade(self, score: int) -> str:
        """The grade of ``score`` under this version's thresholds."""
        return grade(score, a_min=self.grade_a_min, b_min=self.grade_b_min, c_min=self.grade_c_min)


@dataclass(frozen=True)
class Window:
    """When a record's points count: from ``counts_from`` (inclusive) until ``counts_until``
    (exclusive; None: no end while the record stays valid)."""

    counts_from: datetime.date
    counts_until: datetime.date | None

    def contains(self, day: datetime.date) -> bool:
        return self.counts_from <= day and (self.counts_until is None or day < self.counts_until)


# --------------------------------------------------------------------------------------------
# Matching a record to a line
# --------------------------------------------------------------------------------------------


def values_of(raw: Any) -> list[str]:
    """The values a payload field holds, as trimmed text (a list field: each element)."""
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else [raw]
    return [text for text in (str(v).strip() for v in items if v is not None) if text]


def match(lines: Iterable[Line], payload: Mapping[str, Any]) -> Line | None:
    """The line of one item's ``lines`` that a record with ``payload`` scores under.

    The line whose field holds the record's value; when several do (a list value), the one
    with the fewest points (the most serious). Else the item's default line; else None (the
    record is not scored, e.g. a 处分结果 the table does not list)."""
    found: Line | None = None
    default: Line | None = None
    for line in lines:
        if line.is_default:
            default = default or line
            continue
        if line.value in values_of(payload.get(line.field)) and (
            found is None or line.points < found.points
        ):
            found = line
    return found or default


# --------------------------------------------------------------------------------------------
# Dates and windows
# --------------------------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` calendar months; the 31st becomes the month's last day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def as_year(raw: Any) -> int | None:
    """A year field's value (考核年度 2024, "2024"), else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 1 <= raw <= 9998 else None  # its next year must be a date too
    text = str(raw).strip()
    if len(text) == 4 and text.isdigit():
        return as_year(int(text))
    return None


def as_date(raw: Any) -> datetime.date | None:
    """A date field's value (stored as YYYY-MM-DD), else None."""
    if isinstance(raw, datetime.date):
        return raw
    text = str(raw).strip()
    if len(text) != 10:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def year_start(year: int) -> datetime.date:
    """When a year field's points start counting: 1 January of the next year (an annual
    assessment of 2024, filed in February 2025, counts through 2025)."""
    return datetime.date(year + 1, 1, 1)


def dated(
    line: Line,
    payload: Mapping[str, Any],
    *,
    decision_date: datetime.date | None,
    created: datetime.date,
) -> tuple[datetime.date, datetime.date]:
    """(the day the record is of, the day its points start counting).

    The line's date field when the record has it (a year field: the record is of 31 December
    of that year and counts from the next day), else the record's decision date, else the day
    it arrived."""
    if line.date_field:
        raw = payload.get(line.date_field)
        year = as_year(raw)
        if year is not None:
            return datetime.date(year, 12, 31), year_start(year)
        day = as_date(raw)
        if day is not None:
            return day, day
    day = decision_date or created
    return day, day


def window(
    line: Line,
    payload: Mapping[str, Any],
    *,
    decision_date: datetime.date | None,
    created: datetime.date,
    valid_to: datetime.date | None = None,
    publicity_end: datetime.date | None = None,
) -> Window:
    """When a record scored under ``line`` counts (see the module docs). ``valid_to`` and
    ``publicity_end`` are the last days of validity and publicity (inclusive)."""
    _, start = dated(line, payload, decision_date=decision_date, created=created)
    until = add_months(start, line.months) if line.months is not None else None
    for last in (valid_to, publicity_end):
        if last is not None:
            cap = last + ONE_DAY
            until = cap if until is None else min(until, cap)
    if until is not None:
        until = max(until, start)  # ended before it began: never counts
    return Window(start, until)


# --------------------------------------------------------------------------------------------
# Versions, score, grade, history
# --------------------------------------------------------------------------------------------


def version_at(versions: Sequence[Version], day: datetime.date) -> Version | None:
    """The version in force on ``day``: the latest effective on or before it. A day before the
    first version takes the first (the history before the rules were adopted is scored with
    the first rules); no version at all: None."""
    ordered = sorted(versions, key=lambda v: v.effective_from)
    if not ordered:
        return None
    found = ordered[0]
    for version in ordered:
        if version.effective_from <= day:
            found = version
    return found


def grade(
    score: int, *, a_min: int = GRADE_A_MIN, b_min: int = GRADE_B_MIN, c_min: int = GRADE_C_MIN
) -> str:
    """A (≥ ``a_min``), B (≥ ``b_min``), C (≥ ``c_min``) or D."""
    if score >= a_min:
        return "A"
    if score >= b_min:
        return "B"
    if score >= c_min:
        return "C"
    return "D"


def score_at(base: int, scored: Iterable[tuple[Window, int]], day: datetime.date) -> int:
    """The score on ``day``: ``base`` plus the points of every window containing the day."""
    return base + sum(points for win, points in scored if win.contains(day))


def history(first: datetime.date, today: datetime.date) -> list[tuple[int, datetime.date]]:
    """The years of the score history and the day each is scored as at: every year from the
    year of ``first`` (the earliest record; at most :data:`MAX_HISTORY_YEARS` back) to this
    year, each as at 31 December, this year as at ``today``."""
    start = max(min(first.year, today.year), today.year - MAX_HISTORY_YEARS + 1)
    years = [(y, datetime.date(y, 12, 31)) for y in range(start, today.year)]
    return [*years, (today.year, today)]


# --------------------------------------------------------------------------------------------
# The rules file (data/rules.json)
# --------------------------------------------------------------------------------------------


def check_rules_file(doc: Any, items: Iterable[str] | None = None) -> list[str]:
    """The problems of a rules file (empty: valid), in Chinese. ``items``: the catalog items
    that exist (None: not checked)."""
    known = set(items) if items is not None else None
    if not isinstance(doc, dict) or not isinstance(doc.get("rulesets"), list):
        return ["规则文件须为含 rulesets 列表的 JSON 对象"]
    problems: list[str] = []
    dates: set[str] = set()
    for n, rs in enumerate(doc["rulesets"], start=1):
        where = f"第{n}个规则版本"
        if not isinstance(rs, dict) or not rs.get("code") or not rs.get("name"):
            problems.append(f"{where}缺少 code 或 name")
            continue
        where = f"规则版本 {rs['code']}"
        if as_date(rs.get("effective_from")) is None:
            problems.append(f"{where}的施行日期 effective_from 须为 YYYY-MM-DD")
        elif rs["effective_from"] in dates:
            problems.append(f"{where}的施行日期与其他版本相同")
        else:
            dates.add(rs["effective_from"])
        a = rs.get("grade_a_min", GRADE_A_MIN)
        b = rs.get("grade_b_min", GRADE_B_MIN)
        c = rs.get("grade_c_min", GRADE_C_MIN)
        if not (isinstance(a, int) and isinstance(b, int) and isinstance(c, int) and a > b > c):
            problems.append(f"{where}的等级下限须满足 A > B > C")
        seen: set[tuple[str, str, str]] = set()
        for m, rule in enumerate(rs.get("rules") or [], start=1):
            line = f"{where}第{m}条"
            if not isinstance(rule, dict):
                problems.append(f"{line}格式不正确")
                continue
            if not rule.get("item") or not rule.get("label"):
                problems.append(f"{line}缺少目录项 item 或事项名称 label")
                continue
            if known is not None and rule["item"] not in known:
                problems.append(f"{line}的目录项 {rule['item']} 不存在")
            if not isinstance(rule.get("points"), int) or isinstance(rule.get("points"), bool):
                problems.append(f"{line}的分值 points 须为整数")
            months = rule.get("months")
            if months is not None and (not isinstance(months, int) or months < 0):
                problems.append(f"{line}的计分期限 months 须为非负整数或 null")
            if rule.get("value") and not rule.get("field"):
                problems.append(f"{line}有字段值而无判定字段 field")
            key = (rule["item"], rule.get("field", ""), rule.get("value", ""))
            if key in seen:
                problems.append(f"{line}与前面的规则重复（同一目录项、字段和值）")
            seen.add(key)
    return problems


def versions_from_file(doc: Mapping[str, Any]) -> list[Version]:
    """The rule versions of a (valid) rules file, its lines numbered in file order."""
    out = []
    serial = 0
    for n, rs in enumerate(doc["rulesets"], start=1):
        lines = []
        for rule in rs.get("rules", []):
            serial += 1
            lines.append(
                Line(
                    id=serial,
                    item=rule["item"],
                    points=rule["points"],
                    field=rule.get("field", ""),
                    value=rule.get("value", ""),
                    date_field=rule.get("date_field", ""),
                    months=rule.get("months"),
                    label=rule["label"],
                )
            )
        out.append(
            Version(
                id=n,
                code=rs["code"],
                effective_from=datetime.date.fromisoformat(rs["effective_from"]),
                base=rs.get("base", BASE),
                grade_a_min=rs.get("grade_a_min", GRADE_A_MIN),
                grade_b_min=rs.get("grade_b_min", GRADE_B_MIN),
                grade_c_min=rs.get("grade_c_min", GRADE_C_MIN),
                lines=tuple(lines),
            )
        )
    return out
