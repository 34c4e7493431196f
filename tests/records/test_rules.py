"""Tests of credit.records.rules and .docnumbers: the natural key (one key for every year
bracket of a document number) and the masked storage payload."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credit.records.docnumbers import (
    CASE_NUMBER_BRACKETS,
    DOCUMENT_BRACKETS,
    brackets_for,
    halfwidth_digits,
    key_form,
    needs_standardising,
    plain_form,
    standard_year_brackets,
)
from credit.records.rules import key_values, natural_key


def _key(document_no: str, *, department: str = "SCJG", subject: str = "L1") -> str:
    return natural_key(
        department_code=department,
        item_code="admin-penalty",
        key_values=[document_no],
        subject_key=subject,
    )


@pytest.mark.parametrize(
    "variant",
    [
        "常市监罚〔２０２４〕１２号",  # full-width digits
        "常市监罚\u3000〔2024〕12号",  # ideographic space
        " 常市监罚 〔2024〕 12号 ",  # ASCII spaces
        "常市监罚〔2024〕\t12号",
    ],
)
def test_natural_key_ignores_width_and_space_variants_of_the_document_no(variant):
    assert _key(variant) == _key("常市监罚〔2024〕12号")


def test_natural_key_is_a_sha256_hex_digest():
    key = _key("常市监罚〔2024〕12号")

    assert len(key) == 64
    assert set(key) <= set("0123456789abcdef")


@pytest.mark.parametrize(
    "changes",
    [
        {"document_no": "常市监罚〔2024〕13号"},
        {"department": "TNQ-SCJG"},
        {"subject": "L2"},
        {"subject": "N1"},
    ],
)
def test_natural_key_differs_when_any_part_of_the_identity_differs(changes):
    base = {"document_no": "常市监罚〔2024〕12号", "department": "SCJG", "subject": "L1"}
    other = {**base, **changes}

    def key(parts: dict[str, str]) -> str:
        return _key(parts["document_no"], department=parts["department"], subject=parts["subject"])

    assert key(other) != key(base)


def test_key_values_sort_multi_value_fields():
    assert key_values(["a"], {"a": "罚款;警告"}) == key_values(["a"], {"a": "警告、罚款"})
    assert key_values(["a", "b"], {"a": "x"}) == ["x", ""]


# --- document numbers: one decision whatever its year bracket (issue 14 item 5) -------------

STANDARD = "常市监罚〔2024〕12号"
BRACKETS = [
    ("(", ")"),
    ("（", "）"),
    ("〔", "〕"),
    ("[", "]"),
    ("【", "】"),
    ("［", "］"),
    ("﹝", "﹞"),
    ("〈", "〉"),
    ("﹙", "﹚"),
    ("〖", "〗"),
]
FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize(("opening", "closing"), BRACKETS)
def test_each_year_bracket_form_has_the_key_of_the_standard_one(opening, closing):
    variant = f"常市监罚{opening}2024{closing}12号"
    assert key_form(variant) == "常市监罚〔2024〕12号"
    assert _key(variant) == _key(STANDARD)


@pytest.mark.parametrize(
    "variant",
    [
        "常市监罚（２０２４）１２号",  # full-width digits and brackets
        "常市监罚 ( 2024 ) 12号",  # spaces inside and around the brackets
        "常市监罚\u3000【2024】\u300012号",
        "常市监罚(2024〕12号",  # mismatched pair: still a bracketed year
        "常市监罚\u200b[2024]12号",
    ],
)
def test_width_space_and_bracket_variants_together_are_one_key(variant):
    assert _key(variant) == _key(STANDARD)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("常市监罚〔2024〕12号", "常市监罚〔2023〕12号"),  # another year
        ("常市监罚(12)号", "常市监罚12号"),  # brackets around a number that is no year
        ("常市监（食）罚〔2024〕12号", "常市监食罚〔2024〕12号"),
        ("常市监罚〔2024〕12号", "常市监罚2024 12号"),  # a year without brackets is not one
    ],
)
def test_only_a_bracketed_year_is_compared_loosely(a, b):
    assert _key(a) != _key(b)


def test_keys_without_a_bracketed_year_are_those_computed_before():
    """Records stored before year brackets were compared keep their keys (no re-key)."""
    from credit.core.identifiers import normalize_code

    for value in [STANDARD, "常市监罚（食）12号", "91320402MA1X2Y3Q44", "2024", "ａｂｃ　１２"]:
        assert plain_form(value) == normalize_code(value)
        assert key_form(value) == normalize_code(value)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("行政处罚决定书文号", "常市监罚〔2024〕12号"),
        ("行政许可决定文书号", "常市监罚〔2024〕12号"),
        ("案号", "常市监罚（2024）12号"),
        ("执行案号", "常市监罚（2024）12号"),
    ],
)
def test_the_stored_bracket_is_the_fields_standard_one(name, expected):
    stored = standard_year_brackets(
        halfwidth_digits("常市监罚【２０２４】１２号"), brackets_for(name)
    )
    assert stored == expected


bracketed = st.tuples(
    st.sampled_from(BRACKETS),
    st.integers(1900, 2099).map(str),
    st.booleans(),
    st.sampled_from(["", " ", "\u3000", "  "]),
)
noise = st.text(
    alphabet=st.sampled_from(list("常市监罚号第 \u3000（）()〔〕[]【】0123456789０９abAＢ-")),
    max_size=12,
)


@settings(max_examples=400, deadline=None)
@given(prefix=noise, year=bracketed, suffix=noise)
def test_property_bracket_variants_of_one_number_have_one_key(prefix, year, suffix):
    (opening, closing), digits, wide, space = year
    if wide:
        digits = digits.translate(FULLWIDTH_DIGITS)
    variant = f"{prefix}{opening}{space}{digits}{space}{closing}{suffix}"
    standard = f"{prefix}〔{year[1]}〕{suffix}"
    assert key_form(variant) == key_form(standard)


@settings(max_examples=400, deadline=None)
@given(value=st.one_of(noise, st.text(max_size=20)))
def test_property_the_forms_are_idempotent(value):
    assert key_form(key_form(value)) == key_form(value)
    for brackets in (DOCUMENT_BRACKETS, CASE_NUMBER_BRACKETS):
        once = standard_year_brackets(halfwidth_digits(value), brackets)
        assert standard_year_brackets(halfwidth_digits(once), brackets) == once
        assert key_form(once) == key_form(value)  # the stored form keeps the record's key


def test_a_case_number_field_is_known_by_its_name_whatever_spaces_follow():
    from credit.records.docnumbers import CASE_NUMBER_BRACKETS, DOCUMENT_BRACKETS

    assert brackets_for("执行案号 ") == CASE_NUMBER_BRACKETS
    assert brackets_for(" 案号") == CASE_NUMBER_BRACKETS
    assert brackets_for("案号说明") == DOCUMENT_BRACKETS


def test_the_plain_table_maps_exactly_full_width_ascii_lower_case_and_invisible_spaces():
    """The table behind the key form, checked whole (it is built once, at import)."""
    from credit.records.docnumbers import _plain_table

    table = _plain_table()
    invisible = "\u3000\u200b\u200c\u200d\u2060\ufeff"
    full = range(0xFF01, 0xFF5F)
    lower = range(ord("a"), ord("z") + 1)
    assert set(table) == {*full, *lower, *map(ord, invisible)}
    assert all(table[cp] == chr(cp - 0xFEE0).upper() for cp in full)
    assert all(table[cp] == chr(cp).upper() for cp in lower)
    assert all(table[ord(ch)] is None for ch in invisible)


@pytest.mark.parametrize(
    ("value", "brackets", "expected"),
    [
        ("常市监罚〔2024〕12号", DOCUMENT_BRACKETS, False),
        ("常市监罚(2024)12号", DOCUMENT_BRACKETS, True),
        ("常市监罚〔２０２４〕12号", DOCUMENT_BRACKETS, True),
        ("常市监罚 〔2024〕12号", DOCUMENT_BRACKETS, True),
        ("（2024）苏0402执123号", CASE_NUMBER_BRACKETS, False),
        ("〔2024〕苏0402执123号", CASE_NUMBER_BRACKETS, True),
    ],
)
def test_only_a_value_that_may_change_is_standardised(value, brackets, expected):
    """The cheap pre-check of the stored form: a full-width digit, a space or a bracket other
    than the standard ones; anything else is stored as sent without a regex pass."""
    assert needs_standardising(value, brackets) is expected
