"""Fixtures of the subjects tests."""

from __future__ import annotations

import datetime

import pytest


@pytest.fixture
def natural_person(db, resident_id_factory):
    """``(person, clear_number)``: a natural person registered from a 天宁区 resident ID."""
    from credit.subjects.services import register_natural_person

    number = resident_id_factory("320402", datetime.date(1985, 7, 9))
    person, _ = register_natural_person(actor=None, name="王小明", id_number=number)
    return person, number
