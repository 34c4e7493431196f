"""Tests of credit.records.rules: the natural key and the masked storage payload."""

from __future__ import annotations

import pytest

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
