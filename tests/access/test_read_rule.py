"""Finding 2: one read rule for one question. What a principal may *use* about a subject —
the staff subject page, the embedded query and the check — is decided by each record's usage
scope across departments and districts, and is the same set in every channel; what it
*manages* (its tenant) is shown besides on the staff page only, marked so."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from credit.accounts.roles import Role
from credit.catalog.models import CatalogItem
from credit.core.models import Department
from credit.gateway import services
from credit.gateway.client import signed_headers
from credit.gateway.models import ApiClient
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord
from tests.records.factories import penalty

pytestmark = pytest.mark.django_db

PUBLIC_TN = "天市监罚〔2025〕1号"  # 天宁区 department, 社会公开
PUBLIC_ZL = "钟市监罚〔2025〕2号"  # 钟楼区 department, 社会公开
SHARED_CITY = "常市监罚〔2025〕3号"  # city department, 政务共享
RESTRICTED_TN = "天市监罚〔2025〕4号"  # 天宁区 department, 授权查询
SUSPENDED_ZL = "钟市监罚〔2025〕5号"  # 钟楼区, under objection
BLACK_ZL = "钟黑〔2025〕6号"  # a black-list entry of 钟楼区, 政务共享


@pytest.fixture
def subject(legal_person):
    penalty(legal_person, "TNQ-SCJG", PUBLIC_TN)
    penalty(legal_person, "ZLQ-SCJG", PUBLIC_ZL)
    penalty(legal_person, "SCJG", SHARED_CITY, info_usage_scope="政务共享")
    penalty(legal_person, "TNQ-SCJG", RESTRICTED_TN, info_usage_scope="授权查询")
    suspended = penalty(legal_person, "ZLQ-SCJG", SUSPENDED_ZL).record
    CreditRecord.objects.filter(pk=suspended.pk).update(status=RecordStatus.SUSPENDED)
    _black_entry(legal_person)
    return legal_person


def _black_entry(subject):
    """A 失信被执行人 entry in force from a 钟楼区 department, 政务共享."""
    today = datetime.date.today()
    return CreditRecord.objects.create(
        item=CatalogItem.objects.get(code="dishonest-judgment-debtor"),
        legal_person=subject,
        department=Department.objects.get(code="ZLQ-SCJG"),
        region_id="320404",
        natural_key=f"read-rule-{subject.pk}",
        document_no=BLACK_ZL,
        payload={},
        usage_scope="shared",
        decision_date=today - datetime.timedelta(days=30),
        valid_to=today + datetime.timedelta(days=300),
        publicity_end=today + datetime.timedelta(days=300),
    )


USE_GOVERNMENT = {PUBLIC_TN, PUBLIC_ZL, SHARED_CITY}
USE_THIRD_PARTY = {PUBLIC_TN, PUBLIC_ZL}


def _page_rows(client, subject) -> tuple[set[str], set[str]]:
    """(documents shown as 共享使用, documents shown as 本单位管理) on the staff page."""
    html = client.get(reverse("subjects:legal", args=[subject.pk])).content.decode()
    usable, managed = set(), set()
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        if len(cells) < 3 or not re.search("共享使用|本单位管理", cells[0]):
            continue  # the identifiers table
        (usable if "共享使用" in cells[0] else managed).add(cells[2])
    return usable, managed


def _api_documents(body) -> set[str]:
    return {r["document_no"] for key in ("licenses", "penalties") for r in body[key]}


@pytest.mark.parametrize(
    ("role", "region", "department", "managed"),
    [
        (Role.DISTRICT_ADMIN, "320402", None, {RESTRICTED_TN}),
        (Role.DEPT_OFFICER, "320402", "TNQ-SCJG", {RESTRICTED_TN}),
        (Role.DEPT_OFFICER, "320400", "SCJG", set()),
        (Role.DISTRICT_ADMIN, "320404", None, {SUSPENDED_ZL}),
        (Role.CITY_REVIEWER, "320400", None, {RESTRICTED_TN, SUSPENDED_ZL}),
    ],
)
def test_staff_page_and_embedded_query_use_the_same_records(
    client, make_user, subject, role, region, department, managed
):
    user = make_user(role, region, department)
    client.force_login(user)
    usable, shown_managed = _page_rows(client, subject)
    api = client.get(f"/api/v1/subjects/{subject.uscc}")
    assert api.status_code == 200, api.content
    body = api.json()

    assert usable - {BLACK_ZL} == USE_GOVERNMENT
    assert _api_documents(body) == USE_GOVERNMENT
    assert {e["document_no"] for e in body["list_entries"]} == {BLACK_ZL}
    assert BLACK_ZL in usable
    # Beside them, what it manages in other states — never in the embedded query.
    assert shown_managed == managed


def _signed_get(django_client, api, path, query=""):
    client, secret = api
    headers = signed_headers(client.key, secret, "GET", path, query, b"")
    return django_client.get(
        path + (f"?{query}" if query else ""), headers=headers, REMOTE_ADDR="127.0.0.1"
    )


def _client(kind, department, scopes):
    return services.create_client(
        actor=None,
        name=f"{kind}-{department}",
        kind=kind,
        department=Department.objects.get(code=department) if department else None,
        ips=["127.0.0.1/32"],
        scopes=scopes,
    )


def test_a_district_system_uses_what_any_government_principal_uses(client, subject):
    api = _client(ApiClient.Kind.DEPARTMENT, "ZLQ-SCJG", ["subjects:read", "sanctions:check"])
    body = _signed_get(client, api, f"/api/v1/subjects/{subject.uscc}").json()
    assert _api_documents(body) == USE_GOVERNMENT
    check = _signed_get(client, api, "/api/v1/sanctions/check", f"id={subject.uscc}&reason=x")
    assert {e["document_no"] for e in check.json()["entries"]} == {BLACK_ZL}


def test_a_third_party_uses_public_records_and_public_fields_only(client, subject):
    api = _client(ApiClient.Kind.THIRD_PARTY, None, ["subjects:read", "sanctions:check"])
    body = _signed_get(client, api, f"/api/v1/subjects/{subject.uscc}").json()
    assert _api_documents(body) == USE_THIRD_PARTY
    assert body["list_entries"] == []  # the black-list entry is 政务共享
    for record in body["penalties"]:
        assert "legal_rep_id_number" not in record["payload"]  # a 政务共享 field
    check = _signed_get(client, api, "/api/v1/sanctions/check", f"id={subject.uscc}&reason=x")
    assert check.json()["entries"] == []


def test_the_check_uses_the_same_rule_as_the_embedded_query(client, make_user, subject):
    officer = make_user(Role.DEPT_OFFICER, "320402", "TNQ-SCJG")
    client.force_login(officer)
    body = client.get(f"/api/v1/subjects/{subject.uscc}").json()
    check = client.get(f"/api/v1/sanctions/check?id={subject.uscc}&reason=x").json()
    assert {e["document_no"] for e in check["entries"]} == {
        e["document_no"] for e in body["list_entries"]
    }


def test_a_granted_item_list_narrows_use_in_every_channel(client, subject):
    api = _client(ApiClient.Kind.DEPARTMENT, "SCJG", ["subjects:read", "sanctions:check"])
    services.update_client(
        actor=None, client=api[0], items=[CatalogItem.objects.get(code="admin-license")]
    )
    body = _signed_get(client, api, f"/api/v1/subjects/{subject.uscc}").json()
    assert _api_documents(body) == set() and body["list_entries"] == []
    check = _signed_get(client, api, "/api/v1/sanctions/check", f"id={subject.uscc}&reason=x")
    assert check.json()["entries"] == []


def test_a_suspended_record_is_used_nowhere(client, make_user, subject):
    """Under objection: not on the page as shared, not in the API, not in a check —
    for the city too (it still manages it)."""
    client.force_login(make_user(Role.CITY_ADMIN))
    usable, managed = _page_rows(client, subject)
    assert SUSPENDED_ZL not in usable and SUSPENDED_ZL in managed
    body = client.get(f"/api/v1/subjects/{subject.uscc}").json()
    assert SUSPENDED_ZL not in _api_documents(body)
