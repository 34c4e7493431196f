"""The deadline table (:mod:`credit.objections.rules.deadlines`): sources, the limit in force
by date, overdue days."""

from __future__ import annotations

import datetime
import re

import pytest

from credit.objections import rules

D = datetime.date
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_deadlines_cite_their_source_and_are_marked_to_verify():
    for row in rules.DEADLINES:
        assert row.source and row.working_days > 0 and CJK.search(row.label)
        assert row.verified or "[to verify]" in row.source
    assert rules.deadline("objection.accept", D(2026, 5, 1)).working_days == 3
    assert rules.deadline("objection.verify", D(2026, 5, 1)).working_days == 10
    assert rules.deadline("objection.total", D(2026, 5, 1)).working_days == 15


def test_the_deadline_in_force_is_chosen_by_date():
    assert "令第58号" in rules.deadline("repair.review", D(2024, 1, 1)).source
    assert "令第36号" in rules.deadline("repair.review", D(2026, 4, 1)).source
    # before every row: the earliest
    assert "令第58号" in rules.deadline("repair.review", D(2020, 1, 1)).source
    with pytest.raises(KeyError):
        rules.deadline("nothing", D(2026, 1, 1))


def test_overdue_days():
    assert rules.overdue_days(None, D(2026, 5, 1)) == 0
    assert rules.overdue_days(D(2026, 5, 1), D(2026, 5, 1)) == 0
    assert rules.overdue_days(D(2026, 5, 1), D(2026, 5, 4)) == 3
