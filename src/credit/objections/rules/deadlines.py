"""The working-day limits (办理时限) of objections and repairs, each with the rule it comes from
and the date from which it is in force."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Deadline:
    """A working-day limit (工作日) and the rule it comes from, in force from
    ``effective_from``. ``verified`` is False where the number has not been checked against
    the rule's text ([to verify])."""

    key: str
    label: str
    working_days: int
    counted_from: str
    source: str
    verified: bool
    effective_from: datetime.date = datetime.date(2019, 1, 1)


#: Every limit the workflow applies. A changed rule is a new row with its effective date.
DEADLINES: tuple[Deadline, ...] = (
    Deadline(
        "objection.accept",
        "异议受理审查",
        3,
        "收到异议申请之日",
        "《江苏省社会信用条例》异议处理：收到申请后3个工作日内决定是否受理 [to verify]",
        verified=False,
    ),
    Deadline(
        "objection.verify",
        "来源部门核实",
        10,
        "转交来源部门之日",
        "信息提供单位核实异议信息的时限（10个工作日） [to verify]",
        verified=False,
    ),
    Deadline(
        "objection.total",
        "异议办结",
        15,
        "受理之日",
        "异议自受理之日起15个工作日内办结并告知申请人 [to verify]",
        verified=False,
    ),
    Deadline(
        "repair.review",
        "信用修复审核",
        5,
        "收到修复申请之日",
        "《信用修复管理办法》（国家发展改革委令第36号，2026-04-01施行）办理时限 [to verify]",
        verified=False,
        effective_from=datetime.date(2026, 4, 1),
    ),
    Deadline(
        "repair.review",
        "信用修复审核",
        5,
        "收到修复申请之日",
        "《失信行为纠正后的信用信息修复管理办法（试行）》（国家发展改革委令第58号）[to verify]",
        verified=False,
        effective_from=datetime.date(2023, 5, 1),
    ),
)


def deadline(key: str, on: datetime.date, table: Iterable[Deadline] = DEADLINES) -> Deadline:
    """The limit ``key`` in force on ``on`` (the latest row effective on or before it; the
    earliest row for a date before every row). ``KeyError`` for an unknown key."""
    rows = sorted((d for d in table if d.key == key), key=lambda d: d.effective_from)
    if not rows:
        raise KeyError(key)
    found = rows[0]
    for row in rows:
        if row.effective_from <= on:
            found = row
    return found


def overdue_days(due: datetime.date | None, today: datetime.date) -> int:
    """Calendar days past ``due`` (0 when not due yet or no deadline)."""
    if due is None or today <= due:
        return 0
    return (today - due).days
