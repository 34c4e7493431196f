"""How a value of a catalog field is masked for staff who may not see ID numbers, read from the
field's specification (sensitivity, role, validator) in the real catalog."""

from __future__ import annotations

import datetime

import pytest

from credit.catalog.masking import SCAN, header_treatment, masked_payload, masked_value, treatment
from credit.catalog.models import CatalogItem
from credit.catalog.rules import spec_for
from credit.core.identifiers import make_resident_id

pytestmark = pytest.mark.django_db

NUMBER = make_resident_id("320402", datetime.date(1985, 3, 9), 11)
MASKED = NUMBER[:3] + "*" * 11 + NUMBER[-4:]


@pytest.fixture
def penalty_rules():
    return spec_for(CatalogItem.objects.get(code="admin-penalty")).by_code()


def test_each_field_is_treated_by_its_sensitivity_role_and_validator(penalty_rules):
    assert treatment(penalty_rules["id_number"]) == "id"  # sensitive, role 证件号码
    assert treatment(penalty_rules["legal_rep"]) == "name"  # personal
    assert treatment(penalty_rules["id_type"]) == SCAN  # personal, but a code value
    assert treatment(penalty_rules["violation_facts"]) == SCAN  # public free text
    assert treatment(None) == SCAN  # an unknown column


def test_every_sensitive_or_id_validated_field_of_the_catalog_is_masked_whole():
    for item in CatalogItem.objects.all():
        for rule in spec_for(item).fields:
            if rule.sensitivity == "sensitive" or rule.validator in ("resident_id", "id_by_type"):
                assert treatment(rule) == "id", (item.code, rule.code)


def test_values_are_masked_by_their_field(penalty_rules):
    payload = {
        "id_number": NUMBER,
        "legal_rep": "王小明",
        "violation_facts": f"当事人（身份证号{NUMBER}，手机13951234567）无证经营。",
        "uscc": NUMBER,  # a person's number typed into the USCC column
        "document_no": "常市监罚〔2026〕1号",
        "fine_amount": 0.5,
        "unknown": None,
    }
    assert masked_payload(penalty_rules, payload) == {
        "id_number": MASKED,
        "legal_rep": "王**",
        "violation_facts": f"当事人（身份证号{MASKED}，手机139****4567）无证经营。",
        "uscc": MASKED,
        "document_no": "常市监罚〔2026〕1号",
        "fine_amount": 0.5,
        "unknown": None,
    }
    assert masked_value(None, 13951234567) == "139****4567"  # a phone sent as a number


def test_an_unknown_column_is_masked_by_what_its_header_names():
    assert header_treatment("联系电话") == "phone"
    assert header_treatment("家庭住址") == "address"
    assert header_treatment("身份证号码") == "id"
    assert header_treatment("备注信息") == SCAN
