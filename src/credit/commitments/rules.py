"""The pure rules of credit commitments, with no database: the structured number
(编码结构化管理, tender line 37) and which status a commitment may move to from which.

A number is ``<kind code>-<department code>-<YYYYMMDD>-<sequence>``: the kind's two letters
(:data:`~credit.commitments.constants.KIND_CODES`), the code of the department the promise is
made to, the day it was made, and a five-digit sequence counted per prefix (kind, department,
day) — so a number says what, to whom and when, and sorts by day within a department.
"""

from __future__ import annotations

import calendar
import datetime
import re

from credit.commitments.constants import Status

#: Digits of the sequence; a prefix holds at most 99,999 commitments a day.
SEQUENCE_DIGITS = 5
MAX_SEQUENCE = 10**SEQUENCE_DIGITS - 1
NUMBER_RE = re.compile(r"^(?P<kind>[A-Z]{2})-(?P<dept>[A-Z0-9-]+)-(?P<day>\d{8})-(?P<seq>\d{5})$")

#: What a commitment may become, by the action taken on it.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({Status.SUBMITTED}), Status.PUBLISHED),
    "return": (frozenset({Status.SUBMITTED}), Status.RETURNED),
    "fulfil": (frozenset({Status.PUBLISHED}), Status.FULFILLED),
    "breach": (frozenset({Status.PUBLISHED, Status.FULFILLED}), Status.BREACHED),
    "withdraw": (
        frozenset({Status.SUBMITTED, Status.RETURNED, Status.PUBLISHED}),
        Status.WITHDRAWN,
    ),
}


def prefix(kind_code: str, department_code: str, day: datetime.date) -> str:
    """The prefix numbers are counted under: kind, department and day."""
    return f"{kind_code}-{department_code.upper()}-{day:%Y%m%d}"


def number(prefix_: str, sequence: int) -> str:
    """The full number of the ``sequence``-th commitment of a prefix (from 1)."""
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence out of range: {sequence}")
    return f"{prefix_}-{sequence:0{SEQUENCE_DIGITS}d}"


def parse(value: str) -> dict[str, object] | None:
    """A number's parts (kind, dept, day, seq), or None when it is not one."""
    found = NUMBER_RE.match(value or "")
    if not found:
        return None
    try:
        day = datetime.datetime.strptime(found["day"], "%Y%m%d").date()
    except ValueError:
        return None
    return {"kind": found["kind"], "dept": found["dept"], "day": day, "seq": int(found["seq"])}


def can(action: str, status: str) -> bool:
    """Whether ``action`` may be taken on a commitment in ``status``."""
    allowed = TRANSITIONS.get(action)
    return allowed is not None and status in allowed[0]


def target(action: str) -> str:
    """The status ``action`` moves a commitment to."""
    return TRANSITIONS[action][1]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` calendar months, on the last day of a shorter month
    (31 January + 1 month = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def valid_until(committed_on: datetime.date, months: int | None) -> datetime.date | None:
    """The last day a commitment is in force: ``months`` after it was made, the day before
    the same date (12 months from 1 March is 28/29 February); None without a validity."""
    if not months:
        return None
    return add_months(committed_on, months) - datetime.timedelta(days=1)
