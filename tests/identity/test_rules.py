"""Reading the identity platform's claims, and where a login may return to."""

from __future__ import annotations

import datetime

import pytest

from credit.core.errors import ValidationFailed
from credit.core.identifiers import make_resident_id, make_uscc
from credit.identity import conf
from credit.identity.rules import portal_next, read_claims

ID = make_resident_id("320402", datetime.date(1980, 1, 2), 11)
USCC = make_uscc("91", "320402", "12345678")
NAMES = conf.DEFAULT_CLAIMS
KINDS = conf.DEFAULT_KIND_VALUES


def claims(**extra):
    return {"sub": "u-1", "name": "张 三", "id_card": ID.lower(), **extra}


def test_a_person_is_read_with_the_number_normalised_and_the_name_tidied():
    facts = read_claims(claims(phone_number="139-1234-5678"), names=NAMES, kinds=KINDS)
    assert (facts.sub, facts.kind, facts.name, facts.id_number) == ("u-1", "person", "张 三", ID)
    assert facts.phone == "13912345678"
    assert facts.uscc == facts.org_name == ""


def test_a_company_agent_needs_a_valid_uscc_and_keeps_the_company_name():
    facts = read_claims(
        claims(user_type="company", uscc=USCC.lower(), org_name="常州某公司"),
        names=NAMES,
        kinds=KINDS,
    )
    assert (facts.kind, facts.uscc, facts.org_name) == ("company", USCC, "常州某公司")
    with pytest.raises(ValidationFailed) as refused:
        read_claims(claims(user_type="company", uscc="91320402123"), names=NAMES, kinds=KINDS)
    assert refused.value.code == "identity_uscc_invalid"
    assert "统一社会信用代码" in refused.value.message


def test_the_claim_names_and_user_type_values_are_the_configured_ones():
    names = conf.claim_names('{"id_number": "idcard_no", "kind": "usertype"}')
    kinds = conf.kind_values('{"1": "person", "2": "company"}')
    given = {"sub": "s", "name": "李四", "idcard_no": ID, "usertype": "2", "uscc": USCC}
    facts = read_claims(given, names=names, kinds=kinds)
    assert (facts.kind, facts.id_number, facts.uscc) == ("company", ID, USCC)
    with pytest.raises(ValidationFailed) as unknown:
        read_claims({**given, "usertype": "company"}, names=names, kinds=kinds)
    assert unknown.value.code == "identity_kind_unknown"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"sub": ""}, "identity_sub_missing"),
        ({"name": "  "}, "identity_name_missing"),
        ({"name": "名" * 101}, "identity_name_missing"),
        ({"id_card": ID[:-1] + ("0" if ID[-1] != "0" else "1")}, "identity_id_invalid"),
        ({"id_card": None}, "identity_id_invalid"),
        ({"id_card": ["320402"]}, "identity_claim_invalid"),
    ],
)
def test_what_a_real_name_account_needs_is_refused_in_chinese_when_missing(change, code):
    with pytest.raises(ValidationFailed) as refused:
        read_claims(claims(**change), names=NAMES, kinds=KINDS)
    assert refused.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.message)


def test_wrong_claim_settings_refuse_to_start():
    from django.core.exceptions import ImproperlyConfigured

    for raw in ("[1]", "{not json", '{"email": "mail"}', '{"name": 3}'):
        with pytest.raises(ImproperlyConfigured):
            conf.claim_names(raw)
    with pytest.raises(ImproperlyConfigured):
        conf.kind_values('{"1": "citizen"}')
    assert conf.claim_names("") == conf.DEFAULT_CLAIMS


@pytest.mark.parametrize(
    "value",
    ["/portal/", "/portal/search/?q=常州", "/portal/subjects/12/#records", "/portal/account/"],
)
def test_a_login_returns_to_a_portal_page(value):
    assert portal_next(value) == value


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "https://evil.example/portal/",
        "//evil.example/portal/",
        "/portal//evil.example/",
        "/\\evil.example/",
        "/portal/\\evil.example",
        "/portal/../admin/",
        "/portal/%2e%2e/admin/",
        "/portal/%252e%252e/accounts/users/",
        "/portal/./search/",
        "/accounts/login/",
        "/objections/track/",
        "/portal/account/login/?next=/portal/",
        "/portal/account/callback/?state=x",
        "portal/search/",
        "/portal/" + "x" * 600,
    ],
)
def test_a_login_never_returns_outside_the_portal_nor_to_itself(value):
    assert portal_next(value) == ""
