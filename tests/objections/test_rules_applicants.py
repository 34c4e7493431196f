"""The applicant's identifiers (:mod:`credit.objections.rules.applicants`): resident ID or
USCC, and mobile numbers."""

from __future__ import annotations

import datetime
import re

import pytest

from credit.core.errors import ValidationFailed
from credit.core.identifiers import make_resident_id, make_uscc
from credit.objections import rules
from credit.objections.constants import SubmitterKind

D = datetime.date
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_submitter_id_is_a_resident_id_or_a_uscc():
    number = make_resident_id("320402", D(1980, 5, 17), 7)
    assert rules.parse_submitter_id(f" {number.lower()} ") == (SubmitterKind.NATURAL, number)
    uscc = make_uscc("91", "320402", "12345678")
    assert rules.parse_submitter_id(uscc) == (SubmitterKind.LEGAL, uscc)
    rural = make_uscc("N2", "320402", "12345678")
    assert rules.parse_submitter_id(rural) == (SubmitterKind.LEGAL, rural)


@pytest.mark.parametrize(("value", "code"), [("", "id_required"), ("12345", "id_invalid")])
def test_a_bad_submitter_id_is_refused(value, code):
    with pytest.raises(ValidationFailed) as raised:
        rules.parse_submitter_id(value)
    assert raised.value.code == code and CJK.search(raised.value.message)


def test_a_resident_id_with_a_wrong_check_digit_gets_its_own_message():
    number = make_resident_id("320402", D(1980, 5, 17), 7)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as raised:
        rules.parse_submitter_id(wrong)
    assert raised.value.code == "id_invalid" and "校验" in raised.value.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
    ],
)
def test_mobile_numbers_are_normalised(value, expected):
    assert rules.normalize_phone(value) == expected


@pytest.mark.parametrize("value", ["", "0519-88881234", "12812345678", "1381234567", "abc"])
def test_other_phone_numbers_are_refused(value):
    with pytest.raises(ValidationFailed) as raised:
        rules.normalize_phone(value)
    assert raised.value.code == "phone_invalid"
