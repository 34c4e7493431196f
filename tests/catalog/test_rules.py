"""rules.validate_payload on 行政处罚 (admin-penalty): each failure with its stable code and field.

The spec is read from the database once per module (``penalty_spec``); the checks themselves
touch no database.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credit.catalog.rules import spec_for, validate_payload
from credit.core.identifiers import ORG_TYPES, USCC_ALPHABET, make_resident_id, make_uscc
from tests.catalog.factories import (
    RESIDENT_ID,
    SUBJECT_USCC,
    TODAY,
    USCC_PLACEHOLDER,
    legal_person_payload,
    natural_person_payload,
)

PENALTY_CATEGORIES = [
    "警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级",
    "吊销许可证件", "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业", "行政拘留",
    "其他",
]  # fmt: skip


def errors(spec, payload: dict, today: datetime.date = TODAY) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in validate_payload(spec, payload, today=today)]


def _bad_check_char(code: str, alphabet: str) -> str:
    return code[:-1] + next(c for c in alphabet if c != code[-1])


# --- valid payloads ------------------------------------------------------------------------


def test_complete_legal_person_payload_passes(penalty_spec):
    assert validate_payload(penalty_spec, legal_person_payload(), today=TODAY) == []


def test_complete_natural_person_payload_passes(penalty_spec):
    assert errors(penalty_spec, natural_person_payload()) == []


def test_sole_trader_with_uscc_passes(penalty_spec):
    assert errors(penalty_spec, legal_person_payload(subject_category="个体工商户")) == []


def test_spec_for_is_cached_per_item_version(penalty_item):
    spec = spec_for(penalty_item)
    assert spec_for(penalty_item) is spec
    assert spec.version == penalty_item.version
    assert [f.code for f in spec.fields][:3] == ["subject_name", "subject_category", "uscc"]
    assert "罚款" in spec.by_code()["penalty_category"].code_values


def test_error_messages_are_chinese_and_name_the_field(penalty_spec):
    (error,) = validate_payload(penalty_spec, legal_person_payload(document_no=None), today=TODAY)
    assert error.as_dict() == {
        "field": "document_no",
        "code": "required",
        "message": "“行政处罚决定书文号”为必填项",
    }


# --- required and conditional ----------------------------------------------------------------


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_missing_required_field_is_reported(penalty_spec, blank):
    assert errors(penalty_spec, legal_person_payload(document_no=blank)) == [
        ("document_no", "required")
    ]


def test_legal_person_without_uscc_is_conditionally_required(penalty_spec):
    assert errors(penalty_spec, legal_person_payload(uscc=None)) == [
        ("uscc", "conditionally_required")
    ]


def test_legal_person_without_legal_representative_is_conditionally_required(penalty_spec):
    assert errors(penalty_spec, legal_person_payload(legal_rep="")) == [
        ("legal_rep", "conditionally_required")
    ]


@pytest.mark.parametrize("categories", ["警告;罚款", "罚款", "警告；罚款", "警告、罚款"])
def test_fine_without_amount_is_conditionally_required(penalty_spec, categories):
    payload = legal_person_payload(penalty_category=categories, fine_amount=None)
    assert errors(penalty_spec, payload) == [("fine_amount", "conditionally_required")]


def test_no_fine_means_no_amount_needed(penalty_spec):
    payload = legal_person_payload(penalty_category="警告", fine_amount=None)
    assert errors(penalty_spec, payload) == []


def test_confiscation_and_revocation_need_their_fields(penalty_spec):
    payload = legal_person_payload(penalty_category="没收非法财物;吊销许可证件")
    assert errors(penalty_spec, payload) == [
        ("confiscation_amount", "conditionally_required"),
        ("license_revoked", "conditionally_required"),
    ]


def test_natural_person_needs_id_type_and_number(penalty_spec):
    payload = natural_person_payload(id_type=None, id_number=None)
    assert errors(penalty_spec, payload) == [
        ("id_type", "conditionally_required"),
        ("id_number", "conditionally_required"),
    ]


def test_natural_person_with_uscc_must_be_empty(penalty_spec):
    assert errors(penalty_spec, natural_person_payload(uscc=SUBJECT_USCC)) == [
        ("uscc", "must_be_empty")
    ]


def test_natural_person_with_legal_representative_must_be_empty(penalty_spec):
    assert errors(penalty_spec, natural_person_payload(legal_rep="王五")) == [
        ("legal_rep", "must_be_empty")
    ]


# --- code tables ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["罚金", "警告;罚金"])
def test_penalty_category_outside_the_code_table_is_invalid(penalty_spec, value):
    assert errors(penalty_spec, legal_person_payload(penalty_category=value)) == [
        ("penalty_category", "code_invalid")
    ]


def test_single_valued_code_field_does_not_split_values(penalty_spec):
    payload = legal_person_payload(subject_category="法人及非法人组织;自然人")
    assert ("subject_category", "code_invalid") in errors(penalty_spec, payload)


def test_synonym_is_not_a_standard_value(penalty_spec):
    """Synonyms are mapped on ingest; the validator sees only standard values."""
    assert errors(penalty_spec, legal_person_payload(severity="较重")) == [
        ("severity", "code_invalid")
    ]
    assert errors(penalty_spec, legal_person_payload(severity="一般")) == []


# --- identifiers ---------------------------------------------------------------------------


def test_uscc_with_a_bad_check_character_fails(penalty_spec):
    bad = _bad_check_char(SUBJECT_USCC, USCC_ALPHABET)
    assert errors(penalty_spec, legal_person_payload(uscc=bad)) == [("uscc", "uscc_checksum")]


def test_authority_uscc_is_checked_too(penalty_spec):
    assert errors(penalty_spec, legal_person_payload(authority_uscc="91320400ABC")) == [
        ("authority_uscc", "uscc_length")
    ]


def test_placeholder_uscc_is_allowed_but_then_registration_number_is_required(penalty_spec):
    payload = legal_person_payload(subject_category="个体工商户", uscc=USCC_PLACEHOLDER)
    assert errors(penalty_spec, payload) == [("reg_no", "conditionally_required")]
    payload["reg_no"] = "320402600123456"
    assert errors(penalty_spec, payload) == []


def test_resident_id_with_bad_checksum_fails(penalty_spec):
    bad = _bad_check_char(RESIDENT_ID, "0123456789X")
    assert errors(penalty_spec, natural_person_payload(id_number=bad)) == [
        ("id_number", "id_checksum")
    ]


def test_passport_number_is_not_checked_against_resident_id_rules(penalty_spec):
    payload = natural_person_payload(id_type="护照", id_number="E12345678")
    assert errors(penalty_spec, payload) == []
    payload["id_number"] = _bad_check_char(RESIDENT_ID, "0123456789X")
    assert errors(penalty_spec, payload) == []


def test_legal_representative_id_is_checked_by_its_own_type(penalty_spec):
    bad = _bad_check_char(RESIDENT_ID, "0123456789X")
    payload = legal_person_payload(legal_rep_id_type="居民身份证", legal_rep_id_number=bad)
    assert errors(penalty_spec, payload) == [("legal_rep_id_number", "id_checksum")]
    payload["legal_rep_id_number"] = RESIDENT_ID
    assert errors(penalty_spec, payload) == []


def test_org_code_is_checked(penalty_spec):
    org = SUBJECT_USCC[8:17]
    assert errors(penalty_spec, legal_person_payload(org_code=org)) == []
    bad = _bad_check_char(org, "0123456789X")
    assert errors(penalty_spec, legal_person_payload(org_code=bad)) == [
        ("org_code", "org_code_checksum")
    ]


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2025-02-30", "2025/03/01", "三月一日"])
def test_invalid_date_is_reported(penalty_spec, value):
    assert errors(penalty_spec, legal_person_payload(decision_date=value)) == [
        ("decision_date", "date_invalid")
    ]


def test_decision_date_in_the_future_is_rejected(penalty_spec):
    tomorrow = TODAY + datetime.timedelta(days=1)
    payload = legal_person_payload(decision_date=tomorrow.isoformat())
    assert errors(penalty_spec, payload) == [("decision_date", "date_in_future")]


def test_decision_date_tomorrow_is_rejected_by_default_today(penalty_spec):
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    payload = legal_person_payload(
        decision_date=tomorrow.isoformat(),
        publicity_end=(tomorrow + datetime.timedelta(days=400)).isoformat(),
        valid_to=(tomorrow + datetime.timedelta(days=400)).isoformat(),
    )
    found = [(e.field, e.code) for e in validate_payload(penalty_spec, payload)]
    assert found == [("decision_date", "date_in_future")]


def test_publicity_end_and_validity_may_lie_in_the_future(penalty_spec):
    far = (TODAY + datetime.timedelta(days=3 * 365)).isoformat()
    assert errors(penalty_spec, legal_person_payload(publicity_end=far, valid_to=far)) == []


def test_decision_after_publicity_end_is_out_of_order(penalty_spec):
    payload = legal_person_payload(decision_date="2025-03-01", publicity_end="2025-02-28")
    assert errors(penalty_spec, payload) == [("publicity_end", "date_order")]


def test_date_before_1949_is_too_early(penalty_spec):
    assert errors(penalty_spec, legal_person_payload(decision_date="1948-12-31")) == [
        ("decision_date", "date_too_early")
    ]


# --- numbers and lengths -------------------------------------------------------------------


def test_amount_with_seven_decimals_is_too_precise(penalty_spec):
    assert errors(penalty_spec, legal_person_payload(fine_amount="1.1234567")) == [
        ("fine_amount", "number_precision")
    ]
    assert errors(penalty_spec, legal_person_payload(fine_amount="1.123456")) == []


@pytest.mark.parametrize("value", ["一万", "-1", "NaN", "Infinity"])
def test_amount_must_be_a_non_negative_number(penalty_spec, value):
    assert errors(penalty_spec, legal_person_payload(fine_amount=value)) == [
        ("fine_amount", "number_invalid")
    ]


def test_text_longer_than_max_length_is_too_long(penalty_spec):
    assert errors(penalty_spec, legal_person_payload(subject_name="企" * 200)) == []
    assert errors(penalty_spec, legal_person_payload(subject_name="企" * 201)) == [
        ("subject_name", "too_long")
    ]


def test_unknown_field_is_reported(penalty_spec):
    assert errors(penalty_spec, legal_person_payload(colour="红")) == [("colour", "field_unknown")]


def test_all_errors_are_reported_together(penalty_spec):
    payload = legal_person_payload(document_no=None, penalty_category="罚金", colour="红")
    assert sorted(errors(penalty_spec, payload)) == [
        ("colour", "field_unknown"),
        ("document_no", "required"),
        ("penalty_category", "code_invalid"),
    ]


# --- properties ----------------------------------------------------------------------------

ALWAYS_REQUIRED = [
    "subject_name",
    "subject_category",
    "document_no",
    "violation_type",
    "violation_facts",
    "penalty_basis",
    "penalty_category",
    "penalty_content",
    "decision_date",
    "valid_to",
    "publicity_end",
    "authority",
    "authority_uscc",
    "source_dept",
    "source_dept_uscc",
]

usccs = st.builds(
    make_uscc,
    st.sampled_from(sorted(ORG_TYPES)),
    st.sampled_from(["320400", "320402", "320411", "320412", "320413", "320481"]),
    st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8),
)
amounts = st.decimals(
    min_value=Decimal("0.000001"), max_value=Decimal("999999"), places=6, allow_nan=False
).map(str)


@st.composite
def valid_payloads(draw) -> dict:
    decision = draw(st.dates(datetime.date(2000, 1, 1), TODAY - datetime.timedelta(days=1)))
    publicity_end = decision + datetime.timedelta(days=draw(st.integers(0, 3 * 365)))
    valid_to = decision + datetime.timedelta(days=draw(st.integers(0, 5 * 365)))
    categories = draw(st.lists(st.sampled_from(PENALTY_CATEGORIES), min_size=1, unique=True))
    separator = draw(st.sampled_from([";", "；", "、"]))
    subject = draw(st.sampled_from(["法人及非法人组织", "个体工商户", "自然人"]))
    overrides: dict = {
        "penalty_category": separator.join(categories),
        "decision_date": decision.isoformat(),
        "publicity_end": publicity_end.isoformat(),
        "valid_to": valid_to.isoformat(),
        "authority_uscc": draw(usccs),
        "source_dept_uscc": draw(usccs),
        "fine_amount": draw(amounts) if "罚款" in categories else None,
    }
    if {"没收违法所得", "没收非法财物"} & set(categories):
        overrides["confiscation_amount"] = draw(amounts)
    if {"暂扣许可证件", "吊销许可证件"} & set(categories):
        overrides["license_revoked"] = "营业执照 320402000123456"
    if subject == "自然人":
        birth = draw(st.dates(datetime.date(1940, 1, 1), datetime.date(2005, 12, 31)))
        number = make_resident_id("320402", birth, draw(st.integers(0, 999)))
        return natural_person_payload(id_number=number, **overrides)
    return legal_person_payload(subject_category=subject, uscc=draw(usccs), **overrides)


@settings(max_examples=50, deadline=None)
@given(payload=valid_payloads())
def test_generated_valid_payloads_pass(penalty_spec, payload):
    assert validate_payload(penalty_spec, payload, today=TODAY) == []


@settings(max_examples=50, deadline=None)
@given(
    payload=valid_payloads(),
    blanked=st.sampled_from(ALWAYS_REQUIRED),
    blank=st.sampled_from(["", " ", None]),
)
def test_blanking_an_always_required_field_yields_exactly_required(
    penalty_spec, payload, blanked, blank
):
    payload[blanked] = blank
    assert errors(penalty_spec, payload) == [(blanked, "required")]


def test_always_required_list_matches_the_catalog(penalty_spec):
    assert [f.code for f in penalty_spec.fields if f.required] == ALWAYS_REQUIRED


def test_the_usccs_placeholder_is_accepted_only_for_the_subjects_own_code(penalty_spec):
    payload = legal_person_payload(uscc="00000000000000000X", reg_no="320400000012345")
    assert validate_payload(penalty_spec, payload, today=TODAY) == []
    bad = legal_person_payload(authority_uscc="00000000000000000X")
    assert [(e.field, e.code) for e in validate_payload(penalty_spec, bad, today=TODAY)] == [
        ("authority_uscc", "uscc_placeholder")
    ]


def test_a_condition_on_a_single_valued_field_compares_the_whole_value(penalty_spec):
    # 行政相对人类别 is single-valued: "自然人、法人" is not 自然人, so nothing must be empty —
    # the value itself is simply not in the code table.
    payload = legal_person_payload(subject_category="法人及非法人组织、自然人")
    codes = {(e.field, e.code) for e in validate_payload(penalty_spec, payload, today=TODAY)}
    assert ("subject_category", "code_invalid") in codes
    assert not any(code == "must_be_empty" for _, code in codes)


@pytest.mark.parametrize("text", ["20250301", "2025/03/01", "2025-3-1", "2025-02-30"])
def test_stored_dates_must_be_written_yyyy_mm_dd(penalty_spec, text):
    payload = legal_person_payload(decision_date=text)
    assert ("decision_date", "date_invalid") in {
        (e.field, e.code) for e in validate_payload(penalty_spec, payload, today=TODAY)
    }


def test_a_multi_value_field_of_separators_only_is_empty(penalty_spec):
    payload = legal_person_payload(penalty_category="；、")
    assert ("penalty_category", "required") in {
        (e.field, e.code) for e in validate_payload(penalty_spec, payload, today=TODAY)
    }


# --- row checks as catalog data, warnings (issue 14 items 6 and 7) ---------------------------


def checked(spec, payload: dict, today: datetime.date = TODAY):
    """(errors, warnings) of a payload, each as (field, code)."""
    warnings: list = []
    found = validate_payload(spec, payload, today=today, warnings=warnings)
    return [(e.field, e.code) for e in found], [(w.field, w.code) for w in warnings]


def _messages(spec, payload: dict) -> tuple[list[str], list[str]]:
    warnings: list = []
    found = validate_payload(spec, payload, today=TODAY, warnings=warnings)
    return [e.message for e in found], [w.message for w in warnings]


@pytest.fixture(scope="module")
def license_spec(django_db_setup, django_db_blocker):
    from credit.catalog.models import CatalogItem

    with django_db_blocker.unblock():
        return spec_for(CatalogItem.objects.get(code="admin-license"))


def test_the_penalty_items_checks_come_from_the_catalog(penalty_spec):
    assert [(c.kind, c.fields, c.severity) for c in penalty_spec.checks] == [
        ("date_order", ("decision_date", "valid_to"), "reject"),
        ("date_order", ("decision_date", "publicity_end"), "reject"),
        ("uscc_category", ("uscc", "subject_category"), "warn"),
        ("amount_bound", ("fine_amount",), "warn"),
        ("amount_bound", ("confiscation_amount",), "warn"),
    ]


def test_decision_after_the_penalty_validity_is_rejected(penalty_spec):
    payload = legal_person_payload(
        decision_date="2025-03-01", valid_to="2025-02-28", publicity_end="2026-03-01"
    )
    assert checked(penalty_spec, payload) == ([("valid_to", "date_order")], [])
    (message,), _ = _messages(penalty_spec, payload)
    assert message == (
        "“处罚决定日期”（2025-03-01）晚于“处罚有效期”（2025-02-28），请核对两个日期是否填反"
    )


def test_decision_after_both_end_dates_is_rejected_twice(penalty_spec):
    payload = legal_person_payload(
        decision_date="2025-03-01", valid_to="2025-01-01", publicity_end="2025-01-01"
    )
    assert checked(penalty_spec, payload)[0] == [
        ("valid_to", "date_order"),
        ("publicity_end", "date_order"),
    ]


def test_the_same_day_is_in_order(penalty_spec):
    payload = legal_person_payload(
        decision_date="2025-03-01", valid_to="2025-03-01", publicity_end="2025-03-01"
    )
    assert checked(penalty_spec, payload) == ([], [])


def test_an_invalid_date_is_reported_once_by_its_field(penalty_spec):
    payload = legal_person_payload(decision_date="2025-02-30", publicity_end="2025-01-01")
    assert checked(penalty_spec, payload)[0] == [("decision_date", "date_invalid")]


def test_licence_valid_from_after_valid_to_is_rejected(license_spec):
    from tests.catalog.factories import AUTHORITY_USCC

    payload = {
        "subject_name": "常州市测试机械制造有限公司",
        "subject_category": "法人及非法人组织",
        "uscc": SUBJECT_USCC,
        "legal_rep": "张三",
        "decision_doc_name": "准予行政许可决定书",
        "document_no": "常市监许〔2025〕1号",
        "license_category": "普通",
        "license_content": "食品经营",
        "valid_from": "2025-03-01",
        "valid_to": "2025-02-01",
        "authority": "常州市市场监督管理局",
        "authority_uscc": AUTHORITY_USCC,
        "license_status": "有效",
        "source_dept": "常州市市场监督管理局",
        "source_dept_uscc": AUTHORITY_USCC,
    }
    assert checked(license_spec, payload) == ([("valid_to", "date_order")], [])
    assert checked(license_spec, {**payload, "valid_to": "2030-02-01"}) == ([], [])


SOLE_TRADER_USCC = make_uscc("92", "320402", "MA1X2Y3Q")
COLLECTIVE_USCC = make_uscc("N2", "320402", "MA1X2Y3Q")


@pytest.mark.parametrize(
    ("uscc", "category", "warned"),
    [
        (SOLE_TRADER_USCC, "法人及非法人组织", True),
        (SOLE_TRADER_USCC, "个体工商户", False),
        (COLLECTIVE_USCC, "个体工商户", True),
        (COLLECTIVE_USCC, "法人及非法人组织", False),
        (SUBJECT_USCC, "个体工商户", False),  # 91: not declared in the check, no guess
        (SUBJECT_USCC, "法人及非法人组织", False),
    ],
)
def test_a_usccs_type_digits_disagreeing_with_the_category_is_a_warning(
    penalty_spec, uscc, category, warned
):
    payload = legal_person_payload(uscc=uscc, subject_category=category)
    found, warnings = checked(penalty_spec, payload)
    assert found == []  # accepted
    assert warnings == ([("uscc", "uscc_category_mismatch")] if warned else [])


def test_the_uscc_category_warning_says_what_the_digits_mean(penalty_spec):
    payload = legal_person_payload(uscc=SOLE_TRADER_USCC, subject_category="法人及非法人组织")
    _, (message,) = _messages(penalty_spec, payload)
    assert message == (
        f"统一社会信用代码“{SOLE_TRADER_USCC}”的前两位表示个体工商户，与“行政相对人类别”"
        "“法人及非法人组织”不符（应为“个体工商户”）；已接受，请核对"
    )


def test_no_uscc_category_warning_on_a_placeholder_or_an_invalid_code(penalty_spec):
    placeholder = legal_person_payload(uscc=USCC_PLACEHOLDER, reg_no="320400000012345")
    assert checked(penalty_spec, placeholder) == ([], [])
    bad = _bad_check_char(SOLE_TRADER_USCC, USCC_ALPHABET)
    found, warnings = checked(penalty_spec, legal_person_payload(uscc=bad))
    assert found == [("uscc", "uscc_checksum")] and warnings == []


@pytest.mark.parametrize(
    ("amount", "warned"),
    [("10000", False), ("10000.000001", True), ("15000", True), ("0.5", False)],
)
def test_an_implausible_amount_in_wan_yuan_is_a_warning(penalty_spec, amount, warned):
    payload = legal_person_payload(fine_amount=amount, confiscation_amount=amount)
    found, warnings = checked(penalty_spec, payload)
    assert found == []
    expected = [
        ("fine_amount", "amount_implausible"),
        ("confiscation_amount", "amount_implausible"),
    ]
    assert warnings == (expected if warned else [])


def test_the_amount_warning_quotes_the_amount_and_the_bound(penalty_spec):
    _, messages = _messages(penalty_spec, legal_person_payload(fine_amount="15000"))
    assert messages == [
        "“罚款金额(万元)”为15000万元，超过10000万元（1亿元）；请核对是否误按元填写，已接受"
    ]


def test_an_invalid_amount_is_not_also_implausible(penalty_spec):
    assert checked(penalty_spec, legal_person_payload(fine_amount="15000元")) == (
        [("fine_amount", "number_invalid")],
        [],
    )


def test_warnings_are_left_out_unless_asked_for(penalty_spec):
    payload = legal_person_payload(fine_amount="15000", uscc=SOLE_TRADER_USCC)
    assert validate_payload(penalty_spec, payload, today=TODAY) == []


def test_one_engine_runs_any_items_checks():
    """Checks are data: a made-up item gets them without code of its own."""
    from credit.catalog.rules import FieldRule, ItemSpec, RowCheck

    fields = (
        FieldRule(code="begin", name="起", data_type="date"),
        FieldRule(code="until", name="止", data_type="date", role="valid_to"),
        FieldRule(code="count", name="件数", data_type="integer"),
    )
    checks = (
        RowCheck("early", "date_order", ("begin", "until"), "warn", "起{begin}晚于止{until}"),
        RowCheck("many", "amount_bound", ("count",), "reject", "件数过多", bound=Decimal(5)),
        RowCheck("ghost", "date_order", ("begin", "nowhere"), "reject", "引用了不存在的字段"),
    )
    spec = ItemSpec("sample", "样例", 1, fields, checks)
    payload = {"begin": "2025-02-01", "until": "2025-01-01", "count": "6"}
    assert checked(spec, payload) == ([("count", "many")], [("until", "early")])
    warnings: list = []
    validate_payload(spec, payload, today=TODAY, warnings=warnings)
    assert warnings[0].message == "起2025-02-01晚于止2025-01-01"
    assert checked(spec, {"begin": "2025-01-01", "until": "2025-02-01", "count": "5"}) == ([], [])


def test_a_placeholder_in_a_required_field_is_reported_as_missing(penalty_spec):
    (error,) = validate_payload(penalty_spec, legal_person_payload(authority="无"), today=TODAY)
    assert error.as_dict() == {
        "field": "authority",
        "code": "required",
        "message": "“处罚机关”为必填项，“无”不是有效值",
    }


# resident IDs whose division code was not in force (warning, never rejection)


@pytest.mark.parametrize(
    ("division", "birth", "warned"),
    [
        ("320402", datetime.date(1980, 5, 17), False),  # 天宁区 since 1983: before numbers existed
        ("320413", datetime.date(1980, 5, 17), True),  # 金坛区 only since 2015
        ("320413", datetime.date(2016, 1, 2), False),
        ("320482", datetime.date(1995, 1, 2), False),  # 金坛市 1993–2015
        ("320482", datetime.date(2016, 1, 2), True),  # abolished in 2015, before the birth
        ("320421", datetime.date(1996, 1, 2), True),  # 武进县 until 1995
        ("320483", datetime.date(1990, 1, 2), True),  # 武进市 only from 1995
        ("329999", datetime.date(1990, 1, 2), False),  # unknown: nothing to say
    ],
)
def test_a_resident_id_out_of_time_is_accepted_with_a_warning(
    penalty_spec, division, birth, warned
):
    number = make_resident_id(division, birth, 123)
    payload = natural_person_payload(id_number=number)
    found, warnings = checked(penalty_spec, payload)
    assert found == []
    assert warnings == ([("id_number", "id_division_not_in_force")] if warned else [])


def test_the_division_warning_names_the_division_but_not_the_number(penalty_spec):
    number = make_resident_id("320482", datetime.date(2016, 1, 2), 123)
    _, (message,) = _messages(penalty_spec, natural_person_payload(id_number=number))
    assert message.startswith("“证件号码”的地址码（第1至6位）对应的“金坛市”2015年后已停用")
    assert number not in message and "2016" not in message


def test_the_division_warning_is_reported_on_every_row(penalty_spec):
    number = make_resident_id("320413", datetime.date(1980, 5, 17), 123)
    for _ in range(3):
        assert checked(penalty_spec, natural_person_payload(id_number=number))[1] == [
            ("id_number", "id_division_not_in_force")
        ]


def test_a_legal_representatives_id_is_checked_the_same_way(penalty_spec):
    number = make_resident_id("320413", datetime.date(1980, 5, 17), 123)
    payload = legal_person_payload(legal_rep_id_type="居民身份证", legal_rep_id_number=number)
    assert checked(penalty_spec, payload) == (
        [],
        [("legal_rep_id_number", "id_division_not_in_force")],
    )


def test_a_hand_edited_check_that_cannot_be_evaluated_is_left_out(penalty_item, caplog):
    """The admin edits ``checks`` as raw JSON: a broken check must not break every upload."""
    from credit.catalog.models import CatalogItem

    item = CatalogItem.objects.get(pk=penalty_item.pk)
    item.checks = [
        *item.checks,
        {"code": "oops", "kind": "date_order", "fields": ["decision_date"], "severity": "reject"},
        "not even an object",
    ]
    item.version += 100  # a fresh spec
    spec = spec_for(item)
    assert len(spec.checks) == len(penalty_item.checks)
    assert "跨字段校验无法使用" in caplog.text
    assert validate_payload(spec, legal_person_payload(), today=TODAY) == []
