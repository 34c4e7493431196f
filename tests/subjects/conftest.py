"""Fixtures of the subjects tests: a registered natural person and the helpers to build codes."""

from __future__ import annotations

import datetime
import itertools

import pytest

from credit.core.identifiers import make_uscc

_bodies = itertools.count(20_000_000)


def fresh_uscc(org_type: str = "91", division: str = "320402") -> str:
    """A valid USCC whose organisation-code body no other test uses."""
    return make_uscc(org_type, division, f"{next(_bodies):08d}")


def with_wrong_check(code: str) -> str:
    """``code`` with its check character replaced by another legal one (so only the checksum
    is wrong: digits and ``X`` are valid in a USCC and in a resident ID's last place)."""
    wrong = next(c for c in "0123456789X" if c != code[-1])
    return code[:-1] + wrong


@pytest.fixture
def natural_person(db, resident_id_factory):
    """``(person, clear_number)``: a natural person registered from a 天宁区 resident ID."""
    from credit.subjects.services import register_natural_person

    number = resident_id_factory("320402", datetime.date(1985, 7, 9))
    person, _ = register_natural_person(actor=None, name="王小明", id_number=number)
    return person, number
