"""``GET /api/v1/warnings``: staff sessions and signed API clients alike, scoped by the tenant;
bounded parameters; the contract's fields."""

from __future__ import annotations

import pytest
from django.test import Client

from credit.core.models import Department
from credit.gateway import services as gateway
from credit.gateway.client import signed_headers
from credit.gateway.models import ApiClient

pytestmark = pytest.mark.django_db
URL = "/api/v1/warnings"


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {w["id"] for w in response.json()}


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_contract_fields_for_open_warnings(warnings, staff):
    response = _as(staff["office"]).get(URL, {"status": "open"})
    found = response.json()
    assert {w["id"] for w in found} == {w.pk for k, w in warnings.items() if k != "closed"}
    assert found[0]["level"] == "severe"  # most urgent first
    one = next(w for w in found if w["id"] == warnings["tnq"].pk)
    assert one["rule"] == "fixture-rule" and one["rule_name"].startswith("测试规则")
    assert (one["region"], one["department"], one["status"]) == ("320402", "TNQ-SCJG", "open")
    assert one["text"] == "department:TNQ-SCJG@2026-11 的预警内容"
    assert one["created"].startswith(str(warnings["tnq"].created_at.year))
    assert one["evidence_url"] == "http://testserver/sanctions/lists/?region=320402"
    assert response["X-Total-Count"] == "4"


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("office", {"tnq", "tianning", "zhonglou", "city", "closed"}),
        ("leader", {"tnq", "tianning", "zhonglou", "city", "closed"}),
        ("tianning", {"tnq", "tianning", "closed"}),
        ("zhonglou", {"zhonglou"}),
        ("tnq_officer", {"tnq"}),
        ("city_officer", {"city"}),
    ],
)
def test_each_role_sees_its_tenant(warnings, staff, who, expected):
    assert _ids(_as(staff[who]).get(URL)) == {warnings[k].pk for k in expected}


def test_filters_limit_and_offset(warnings, staff):
    client = _as(staff["office"])
    assert _ids(client.get(URL, {"region": "320404"})) == {warnings["zhonglou"].pk}
    assert _ids(client.get(URL, {"department": "SCJG"})) == {warnings["city"].pk}
    assert _ids(client.get(URL, {"level": "notice"})) == {warnings["zhonglou"].pk}
    assert _ids(client.get(URL, {"status": "closed"})) == {warnings["closed"].pk}
    assert len(_ids(client.get(URL, {"limit": 2}))) == 2
    assert len(_ids(client.get(URL, {"limit": 2, "offset": 4}))) == 1
    for bad in ({"limit": 501}, {"limit": 0}, {"status": "gone"}, {"region": "32"},
                {"offset": -1}, {"level": "x"}):  # fmt: skip
        response = client.get(URL, bad)
        assert response.status_code == 422, bad
        assert response.json()["code"] == "invalid_request"


def test_anonymous_is_refused():
    response = Client().get(URL)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def _client(scopes, kind=ApiClient.Kind.DEPARTMENT):
    tnq = Department.objects.get(code="TNQ-SCJG")
    return gateway.create_client(
        actor=None,
        name=f"系统 {'-'.join(scopes) or '无'} {kind}",
        kind=kind,
        department=tnq if kind == ApiClient.Kind.DEPARTMENT else None,
        ips=["127.0.0.1/32"],
        scopes=scopes,
    )


def _signed(api_client, secret, query="status=open"):
    headers = signed_headers(api_client.key, secret, "GET", URL, query, b"")
    return Client().get(f"{URL}?{query}", REMOTE_ADDR="127.0.0.1", headers=headers)


def test_a_signed_client_with_the_scope_sees_its_departments_warnings(warnings):
    holder, secret = _client(["warnings:read"])
    assert _ids(_signed(holder, secret)) == {warnings["tnq"].pk}


def test_a_client_without_the_scope_is_refused(warnings):
    lacking, secret = _client(["catalog:read"])
    response = _signed(lacking, secret)
    assert response.status_code == 403 and response.json()["code"] == "scope_not_granted"


def test_a_third_party_manages_no_tenant_and_sees_none(warnings):
    third, secret = _client(["warnings:read"], ApiClient.Kind.THIRD_PARTY)
    assert _ids(_signed(third, secret)) == set()


def test_the_list_takes_a_fixed_number_of_queries(warnings, staff, django_assert_max_num_queries):
    client = _as(staff["office"])
    client.get(URL)
    # session, user, the page, the count, and the call log's entry (savepoint, insert, release)
    with django_assert_max_num_queries(7):
        response = client.get(URL, {"limit": 500})
    assert len(response.json()) == 5
