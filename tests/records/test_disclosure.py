"""What the public reads of a record's fields (records.disclosure): a resident ID number that a
court writes into a code column (身份证号码/组织机构代码 of the 失信被执行人 list) is masked."""

from __future__ import annotations

import datetime

from credit.core.identifiers import make_resident_id, make_uscc
from credit.core.masking import mask_id_number
from credit.records.disclosure import SHOW, PublicField, shown_value

CODE = PublicField("org_code", "身份证号码/组织机构代码", SHOW, SHOW, False)


def test_a_resident_id_in_a_code_column_is_masked_for_the_public():
    number = make_resident_id("320402", datetime.date(1980, 5, 6), 7)
    shown = shown_value(CODE, number, personal=False)
    assert shown == mask_id_number(number)
    assert number not in shown


def test_an_organisation_code_in_the_same_column_is_shown_as_sent():
    uscc = make_uscc("91", "320402", "12345678")
    assert shown_value(CODE, uscc, personal=False) == uscc
    assert shown_value(CODE, "12345678-9", personal=False) == "12345678-9"
