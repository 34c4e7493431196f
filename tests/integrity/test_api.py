"""``/api/v1/integrity``: the search by ID number answers the contract's fields (masked name,
unit, score, grade, explained items, rule set, time) to API clients with ``integrity:read``
and to staff with 查阅公务员诚信档案, each within the archives it may read — another's person
answers 404 exactly like an unknown number; an invalid number 422 in Chinese; every search is
audited without the number in clear. The government dishonesty records follow the caller's
usage scopes; the 红黑榜 the archive scope."""

from __future__ import annotations

import datetime
import itertools
import json

import pytest
from django.test import Client

from credit.accounts.roles import Role
from credit.catalog.models import CatalogItem
from credit.core.errors import ValidationFailed
from credit.core.models import AuditEntry, Department
from credit.gateway import services as gateway
from credit.gateway.client import signed_headers
from credit.gateway.models import ApiClient, CallLog
from credit.integrity.constants import CS_DISHONESTY, DISCIPLINE
from credit.integrity.models import ScoreRuleSet
from credit.records.constants import RecordStatus
from credit.records.services import change_status
from tests.integrity.factories import gov_body, gov_record
from tests.integrity.test_honour import (
    TODAY,
    archive_record,
    civil_servant,
    dishonesty,
    honour_rule,
    new_id_number,
    score_item,
)

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/integrity/civil-servants/search"
GOV = "/api/v1/integrity/government-dishonesty"
_names = itertools.count(1)


def _client(
    department: str | None = "ZZB",
    *,
    scopes=("integrity:read",),
    kind: str = ApiClient.Kind.DEPARTMENT,
    **extra,
):
    return gateway.create_client(
        actor=None,
        name=extra.pop("name", f"{department or kind}-系统-{next(_names)}"),
        kind=kind,
        department=Department.objects.get(code=department) if department else None,
        ips=["127.0.0.1/32"],
        scopes=list(scopes),
        **extra,
    )


def _call(signer, method: str, path: str, payload: dict | None = None, query: str = ""):
    api_client, secret = signer
    body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else b""
    headers = signed_headers(api_client.key, secret, method, path, query, body)
    return Client().generic(
        method,
        f"{path}?{query}" if query else path,
        body,
        content_type="application/json",
        headers=headers,
        REMOTE_ADDR="127.0.0.1",
    )


def _search(signer, number: str):
    return _call(signer, "POST", SEARCH, {"id_number": number})


def _staff(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def person():
    """A civil servant of the market-supervision bureau with a 记过 (−50) in force and one
    that has run out, scored 450 (C)."""
    number = new_id_number()
    ruleset, _ = ScoreRuleSet.objects.get_or_create(
        code="test-api", defaults={"name": "测试规则", "effective_from": datetime.date(1991, 1, 1)}
    )
    cs = civil_servant("陈守正", unit="SCJG", id_number=number, score=450, grade="C")
    cs.ruleset = ruleset
    cs.save(update_fields=["ruleset"])
    record = archive_record(
        cs,
        DISCIPLINE,
        decided=TODAY - datetime.timedelta(days=40),
        payload={"result": "记过"},
        document_no="常纪处〔2026〕7号",
    )
    score_item(
        cs,
        record,
        points=-50,
        start=TODAY - datetime.timedelta(days=40),
        until=TODAY + datetime.timedelta(days=325),
    )
    old = archive_record(cs, DISCIPLINE, decided=TODAY - datetime.timedelta(days=900))
    score_item(
        cs,
        old,
        points=-20,
        start=TODAY - datetime.timedelta(days=900),
        until=TODAY - datetime.timedelta(days=500),
        in_force=False,
    )
    return cs, number


# --------------------------------------------------------------------------------------------
# The search
# --------------------------------------------------------------------------------------------


def test_the_search_answers_the_contract_fields(person):
    cs, number = person
    response = _search(_client("ZZB"), number)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) >= {"name", "unit", "score", "grade", "items", "ruleset", "computed_at"}
    assert body["name"] == "陈**"
    assert body["unit"] == cs.unit_name
    assert body["score"] == 450 and body["grade"] == "C"
    assert body["ruleset"] == "test-api"
    assert body["computed_at"]
    assert body["items"] == [
        {
            "kind": "纪律处分信息",
            "record": "常纪处〔2026〕7号",
            "record_id": body["items"][0]["record_id"],
            "rule": "纪律处分信息（测试）",
            "points": -50,
            "counts_from": (TODAY - datetime.timedelta(days=40)).isoformat(),
            "valid_until": (TODAY + datetime.timedelta(days=324)).isoformat(),
        }
    ]
    assert number not in response.content.decode()


def test_a_legacy_15_digit_number_finds_the_same_archive(person):
    cs, number = person
    legacy = number[:6] + number[8:17]
    response = _search(_client("ZZB"), legacy)
    assert response.status_code == 200
    assert response.json()["unit"] == cs.unit_name


@pytest.mark.parametrize(
    ("department", "status"),
    [
        ("ZZB", 200),  # the city's organisation department: every archive
        ("RS", 200),  # the city's HR bureau likewise
        ("FGW", 200),  # the credit office
        ("SCJG", 200),  # the person's own unit
        ("SW", 404),  # another unit
        ("TNQ-ZZB", 404),  # a district's organisation department: its district only
    ],
)
def test_a_client_reads_the_archives_of_its_department_scope(person, department, status):
    _, number = person
    response = _search(_client(department), number)
    assert response.status_code == status
    if status == 404:
        assert response.json()["code"] == "civil_servant_not_found"


def test_out_of_scope_and_unknown_answer_the_same_404(person):
    _, number = person
    other_unit = _search(_client("SW"), number)
    unknown = _search(_client("SW"), new_id_number())
    not_a_civil_servant = _client("ZZB")
    from credit.subjects.services import register_natural_person

    stranger = new_id_number()
    register_natural_person(actor=None, name="路人甲", id_number=stranger)
    plain = _search(not_a_civil_servant, stranger)
    assert other_unit.status_code == unknown.status_code == plain.status_code == 404
    assert other_unit.json() == unknown.json() == plain.json()


def test_a_third_party_cannot_be_granted_the_scope(uscc_factory):
    """Civil servants' archives are for government systems only: the scope is a department's."""
    with pytest.raises(ValidationFailed):
        _client(None, kind=ApiClient.Kind.THIRD_PARTY, org_uscc=uscc_factory())


def test_a_client_without_the_scope_is_refused(person):
    _, number = person
    response = _search(_client("ZZB", scopes=("subjects:read",)), number)
    assert response.status_code == 403
    assert response.json()["code"] == "scope_not_granted"


@pytest.mark.parametrize(
    ("role", "department", "region", "status"),
    [
        (Role.CITY_ADMIN, None, "320400", 200),
        (Role.CITY_REVIEWER, None, "320400", 200),
        (Role.ORG_HR, "SCJG", "320400", 200),
        (Role.ORG_HR, "SW", "320400", 404),
        (Role.DISTRICT_ADMIN, None, "320402", 404),  # the person works for the city
        (Role.DEPT_OFFICER, "SCJG", "320400", 403),
        (Role.AUDITOR, None, "320400", 403),
        (Role.LEADER, None, "320400", 403),
    ],
)
def test_staff_search_by_role(person, make_user, role, department, region, status):
    _, number = person
    client = _staff(make_user(role, region=region, department=department))
    response = client.post(SEARCH, {"id_number": number}, content_type="application/json")
    assert response.status_code == status
    if status == 403:
        assert response.json()["code"] == "permission_denied"


def test_anonymous_is_not_authenticated(person):
    _, number = person
    response = Client().post(SEARCH, {"id_number": number}, content_type="application/json")
    assert response.status_code == 401


@pytest.mark.parametrize(
    "bad",
    ["32040219850309123", "32040219850309123Y", "abc", "320402298503091234", "9" * 18],
)
def test_an_invalid_number_is_422_in_chinese(bad):
    response = _search(_client("ZZB"), bad)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "id_number_invalid"
    assert body["message"].startswith("身份证号码不正确")


def test_an_empty_or_long_number_is_refused_by_the_schema():
    assert _search(_client("ZZB"), "").status_code == 422
    assert _search(_client("ZZB"), "1" * 41).status_code == 422


def test_every_search_is_audited_without_the_clear_number(person):
    cs, number = person
    signer = _client("ZZB")
    before = AuditEntry.objects.count()
    assert _search(signer, number).status_code == 200
    assert _search(signer, new_id_number()).status_code == 404
    assert _search(signer, number[:-1] + ("0" if number[-1] != "0" else "1")).status_code == 422

    entries = list(
        AuditEntry.objects.filter(event_type="integrity.archive_searched").order_by("pk")
    )
    assert AuditEntry.objects.count() - before == 3 == len(entries)
    found, missing, invalid = entries
    assert found.object_id == str(cs.pk) and found.object_type == "integrity.civilservant"
    assert found.after["found"] is True and found.after["channel"] == "api"
    assert found.after["id_masked"] == cs.natural_person.id_masked
    assert len(found.after["id_index"]) == 64
    assert missing.after["found"] is False and missing.object_id == ""
    assert invalid.after["valid"] is False
    for entry in entries:
        text = json.dumps(
            [entry.object_repr, entry.after, entry.before, entry.object_id], ensure_ascii=False
        )
        assert number not in text
        assert number[:-1] not in text
    logged = list(CallLog.objects.filter(path=SEARCH).values_list("subject", "path"))
    assert logged and all(number not in (subject or "") + path for subject, path in logged)


# --------------------------------------------------------------------------------------------
# Government dishonesty records
# --------------------------------------------------------------------------------------------


def test_government_records_by_usage_scope(uscc_factory):
    body = gov_body()
    shown = gov_record(body, "常信办认〔2026〕1号")
    revoked = gov_record(body, "常信办认〔2026〕2号")
    change_status(actor=None, record=revoked, status=RecordStatus.REVOKED, reason="认定有误")

    response = _call(_client("ZZB", scopes=("integrity:government",)), "GET", GOV)
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 1
    (row,) = page["records"]
    assert row["id"] == shown.pk
    assert row["subject_name"] == body.name and row["uscc"] == body.uscc
    assert row["reason"] == "财政资金未及时到位"
    assert row["handling"] == "限期清偿，已列入督办"
    assert row["accountability"] == "对分管负责人诫勉谈话"
    assert row["dishonesty_type"] == "拖欠企业账款"

    # A third party uses 社会公开 records: these are.
    bank = _client(
        None,
        kind=ApiClient.Kind.THIRD_PARTY,
        org_uscc=uscc_factory(),
        scopes=("integrity:government",),
    )
    assert _call(bank, "GET", GOV).json()["count"] == 1
    # A client granted other catalog items only uses none of them.
    narrow = _client(
        "SCJG",
        scopes=("integrity:government",),
        items=[CatalogItem.objects.get(code="admin-penalty")],
    )
    assert _call(narrow, "GET", GOV).json()["count"] == 0


def test_government_records_filters():
    body = gov_body()
    gov_record(body, "常信办认〔2026〕3号", dishonesty_type="违约毁约")
    gov_record(body, "常信办认〔2025〕4号", decided=datetime.date(2025, 6, 1))
    signer = _client("ZZB", scopes=("integrity:government",))

    def count(query: str) -> int:
        return _call(signer, "GET", GOV, query=query).json()["count"]

    assert count("") == 2
    assert count("type=%E8%BF%9D%E7%BA%A6%E6%AF%81%E7%BA%A6") == 1  # 违约毁约
    assert count("year=2025") == 1
    assert count("region=320402") == 2
    assert count("region=320404") == 0
    assert _call(signer, "GET", GOV, query="year=abc").status_code == 422


def test_civil_servants_dishonesty_never_comes_with_the_government_records():
    cs = civil_servant("钱内部")
    dishonesty(cs, TODAY)
    assert CatalogItem.objects.get(code=CS_DISHONESTY)
    assert _call(_client("ZZB", scopes=("integrity:government",)), "GET", GOV).json()["count"] == 0


# --------------------------------------------------------------------------------------------
# 红黑榜
# --------------------------------------------------------------------------------------------


def test_the_black_list_through_the_api_is_scoped_and_masked():
    honour_rule("black")
    city = civil_servant("钱市局", unit="SCJG")
    district = civil_servant("孙区局", unit="TNQ-SCJG")
    for cs in (city, district):
        dishonesty(cs, TODAY - datetime.timedelta(days=3))

    whole = _call(_client("ZZB"), "GET", "/api/v1/integrity/honour/black").json()
    assert whole["count"] == 2
    assert sorted(e["name"] for e in whole["entries"]) == ["孙**", "钱**"]
    assert whole["rule"]["measures"] == "取消当年评优评先资格"
    assert whole["entries"][0]["outcomes"][0]["item"] == "公务员政务失信记录"

    district_only = _call(_client("TNQ-ZZB"), "GET", "/api/v1/integrity/honour/black").json()
    assert [e["name"] for e in district_only["entries"]] == ["孙**"]
    assert _call(_client("ZZB"), "GET", "/api/v1/integrity/honour/grey").status_code == 422


def test_staff_read_the_red_list_in_clear(make_user):
    honour_rule("red", require_excellent=False)
    civil_servant("王守信", unit="SCJG", score=510)
    client = _staff(make_user(Role.CITY_REVIEWER))
    body = client.get("/api/v1/integrity/honour/red").json()
    assert body["kind"] == "red"
    assert [e["name"] for e in body["entries"]] == ["王守信"]
    assert body["entries"][0]["score"] == 510
    assert client.get("/api/v1/integrity/honour/red?limit=0").status_code == 422


def test_the_search_answers_the_score_the_platform_computed(make_civil_servant):
    from tests.integrity.factories import id_number_of

    cs = make_civil_servant("SCJG", grade="C")
    cs.refresh_from_db()
    body = _search(_client("ZZB"), id_number_of(cs.natural_person)).json()
    assert body["score"] == cs.score == 450 and body["grade"] == "C"
    assert body["ruleset"] == cs.ruleset.code
    assert sum(i["points"] for i in body["items"]) == cs.score - cs.ruleset.base
    assert [i["kind"] for i in body["items"]] == ["纪律处分信息"]
