"""The pure rules of credit commitments (:mod:`credit.commitments.rules`): the structured
number's format and parsing, the status transitions and the validity dates. No database."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credit.commitments import rules
from credit.commitments.constants import KIND_CODES, Status

KIND = st.sampled_from(sorted(KIND_CODES.values()))
DEPT = st.from_regex(r"[A-Z]{2,4}(-[A-Z]{2,4})?", fullmatch=True)
DAY = st.dates(datetime.date(2000, 1, 1), datetime.date(2099, 12, 31))
SEQ = st.integers(1, rules.MAX_SEQUENCE)


def test_the_number_format():
    prefix = rules.prefix("GZ", "scjg", datetime.date(2026, 3, 5))
    assert prefix == "GZ-SCJG-20260305"
    assert rules.number(prefix, 7) == "GZ-SCJG-20260305-00007"
    assert rules.number("XF-TNQ-FG-20260101", 12345) == "XF-TNQ-FG-20260101-12345"


@pytest.mark.parametrize("seq", [0, -1, rules.MAX_SEQUENCE + 1])
def test_a_sequence_out_of_range_is_refused(seq):
    with pytest.raises(ValueError):
        rules.number("ZD-SCJG-20260101", seq)


@given(KIND, DEPT, DAY, SEQ)
def test_a_number_parses_back_to_its_parts(kind, dept, day, seq):
    value = rules.number(rules.prefix(kind, dept, day), seq)
    assert len(value) <= 40
    assert rules.parse(value) == {"kind": kind, "dept": dept, "day": day, "seq": seq}


@given(DEPT, DAY, SEQ, SEQ)
def test_numbers_of_a_prefix_sort_by_sequence(dept, day, a, b):
    prefix = rules.prefix("ZD", dept, day)
    assert (rules.number(prefix, a) < rules.number(prefix, b)) == (a < b)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "ZD-SCJG-20260230-00001",
        "zd-SCJG-20260101-00001",
        "ZD-SCJG-2026011-00001",
        "ZD-20260101-1",
    ],
)
def test_what_is_not_a_number(value):
    assert rules.parse(value) is None


@pytest.mark.parametrize(
    ("action", "allowed"),
    [
        ("approve", {Status.SUBMITTED}),
        ("return", {Status.SUBMITTED}),
        ("fulfil", {Status.PUBLISHED}),
        ("breach", {Status.PUBLISHED, Status.FULFILLED}),
        ("withdraw", {Status.SUBMITTED, Status.RETURNED, Status.PUBLISHED}),
    ],
)
def test_transitions(action, allowed):
    for status in Status:
        assert rules.can(action, status) == (status in allowed), (action, status)


def test_an_unknown_action_is_never_allowed():
    assert not any(rules.can("delete", s) for s in Status)


def test_targets():
    assert rules.target("approve") == Status.PUBLISHED
    assert rules.target("return") == Status.RETURNED
    assert rules.target("breach") == Status.BREACHED


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2028, 1, 31), 1, datetime.date(2028, 2, 29)),
        (datetime.date(2026, 11, 15), 3, datetime.date(2027, 2, 15)),
        (datetime.date(2026, 5, 1), 0, datetime.date(2026, 5, 1)),
    ],
)
def test_add_months(day, months, expected):
    assert rules.add_months(day, months) == expected


@given(DAY, st.integers(1, 120))
def test_validity_ends_the_day_before_the_anniversary(day, months):
    end = rules.valid_until(day, months)
    assert end is not None and end >= day
    assert end == rules.add_months(day, months) - datetime.timedelta(days=1)


def test_no_validity_means_no_end():
    assert rules.valid_until(datetime.date(2026, 1, 1), None) is None
    assert rules.valid_until(datetime.date(2026, 1, 1), 0) is None
