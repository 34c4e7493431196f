"""``/api/v1/commitments``: a department's system records commitments of its own items
(published at once, channel api) and breaches (a 违背信用承诺 record); the scope
``commitments:write`` only for departments' systems; an item of another department is 403
``department_not_allowed``; another's or an unknown number 404; the published list and the
coverage answer the contract's fields, natural persons masked for clients."""

from __future__ import annotations

import datetime
import itertools
import json

import pytest
from django.test import Client
from django.utils import timezone

from credit.accounts.roles import Role
from credit.commitments.constants import Channel, Kind, Status, Target
from credit.commitments.models import Commitment, CommitmentItem, CommitmentItemVersion
from credit.core.errors import ValidationFailed
from credit.core.models import Department
from credit.gateway import services as gateway
from credit.gateway.client import signed_headers
from credit.gateway.models import ApiClient
from credit.records.models import CreditRecord
from credit.subjects.services import register_legal_person, register_natural_person

pytestmark = pytest.mark.django_db

BASE = "/api/v1/commitments"
COVERAGE = f"{BASE}/coverage"
TODAY = timezone.localdate()
TODAY_IS_LOCAL = True  # TODAY (and YESTERDAY, TOMORROW) set before each test: tests/conftest.py
_names = itertools.count(1)


def _client(department: str | None = "SCJG", *, scopes=("commitments:write",), **extra):
    kind = extra.pop("kind", ApiClient.Kind.DEPARTMENT)
    return gateway.create_client(
        actor=None,
        name=f"{department or kind}-承诺系统-{next(_names)}",
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


def item_of(department: str, kind: str = Kind.NOTIFY) -> CommitmentItem:
    """An active item of ``department`` (one of the loaded items, or a new one)."""
    found = CommitmentItem.objects.filter(
        department__code=department, kind=kind, is_active=True
    ).first()
    if found is not None and found.versions.exists():
        return found
    item = CommitmentItem.objects.create(
        code=f"test-{department.lower()}-{kind}-{next(_names)}",
        name=f"测试承诺事项{next(_names)}",
        kind=kind,
        department=Department.objects.get(code=department),
    )
    CommitmentItemVersion.objects.create(
        item=item,
        version=1,
        template_text="本单位郑重承诺：所提交材料真实有效。",
        legal_basis="测试依据",
        validity_months=12,
    )
    return item


def company(uscc_factory, name: str = "常州市守信科技有限公司"):
    return register_legal_person(actor=None, uscc=uscc_factory(), name=name)[0]


def _record(caller, subject: str, item: CommitmentItem, **extra):
    payload = {"subject": subject, "item": item.code, "committed_on": str(TODAY), **extra}
    return _call(caller, "POST", BASE, payload)


# --------------------------------------------------------------------------------------------
# Recording
# --------------------------------------------------------------------------------------------


def test_a_department_system_records_a_published_commitment(uscc_factory):
    subject = company(uscc_factory)
    item = item_of("SCJG")
    response = _record(_client("SCJG"), subject.uscc, item, signer="王守信")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= {
        "number", "status", "kind", "item", "item_name", "item_version", "department",
        "department_name", "subject_type", "promisor_name", "promisor_code", "signer",
        "committed_on", "published_on", "valid_until", "channel", "fulfilled_on",
        "breach_record",
    }  # fmt: skip
    assert body["status"] == Status.PUBLISHED and body["channel"] == Channel.API
    assert body["item"] == item.code and body["department"] == "SCJG"
    assert body["subject_type"] == "legal" and body["promisor_code"] == subject.uscc
    assert body["promisor_name"] == subject.name
    assert body["signer"] == "王**"  # a person's name reaches a client masked
    assert body["number"].startswith("GZ-SCJG-")
    assert body["breach_record"] is None
    cm = Commitment.objects.get(number=body["number"])
    assert cm.legal_person == subject and cm.channel == Channel.API


def test_a_natural_person_commitment_is_masked_for_clients(resident_id_factory):
    number = resident_id_factory()
    register_natural_person(actor=None, name="李承诺", id_number=number)
    response = _record(_client("SCJG"), number, item_of("SCJG"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["subject_type"] == "natural"
    assert body["promisor_name"] == "李**"
    assert number not in json.dumps(body)


def test_an_item_of_another_department_is_403(uscc_factory):
    """A department records only the commitments made to it: who the caller is decides, so
    403 ``department_not_allowed`` (not 422)."""
    subject = company(uscc_factory)
    response = _record(_client("SW"), subject.uscc, item_of("SCJG"))
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "department_not_allowed"
    assert not Commitment.objects.filter(legal_person=subject).exists()


def test_unknown_subject_item_and_bad_codes(uscc_factory):
    signer = _client("SCJG")
    item = item_of("SCJG")
    unknown = _record(signer, uscc_factory(), item)
    assert unknown.status_code == 404
    assert "message" in unknown.json()
    subject = company(uscc_factory)
    missing_item = _call(
        signer,
        "POST",
        BASE,
        {"subject": subject.uscc, "item": "no-such-item", "committed_on": str(TODAY)},
    )
    assert missing_item.status_code == 404
    bad = _record(signer, "not-a-code", item)
    assert bad.status_code == 422
    no_date = _call(signer, "POST", BASE, {"subject": subject.uscc, "item": item.code})
    assert no_date.status_code == 422


def test_the_write_scope_is_for_departments_systems_only(uscc_factory):
    with pytest.raises(ValidationFailed):
        _client(
            None,
            kind=ApiClient.Kind.THIRD_PARTY,
            org_uscc=uscc_factory(),
            scopes=("commitments:write",),
        )
    reader = _client("SCJG", scopes=("commitments:read",))
    subject = company(uscc_factory)
    response = _record(reader, subject.uscc, item_of("SCJG"))
    assert response.status_code == 403
    assert response.json()["code"] == "scope_not_granted"


# --------------------------------------------------------------------------------------------
# Breach
# --------------------------------------------------------------------------------------------


def test_a_breach_through_the_api_creates_the_record(uscc_factory):
    signer = _client("SCJG")
    subject = company(uscc_factory)
    number = _record(signer, subject.uscc, item_of("SCJG")).json()["number"]
    response = _call(
        signer,
        "POST",
        f"{BASE}/{number}/breach",
        {"facts": "承诺的经营场所条件经核查不符合", "date": str(TODAY)},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == Status.BREACHED
    record = CreditRecord.objects.get(pk=body["breach_record"])
    assert record.item.code == "commitment-breach"
    assert record.legal_person_id == subject.pk
    assert record.department.code == "SCJG"
    # Not in force any more: a second breach is refused.
    again = _call(signer, "POST", f"{BASE}/{number}/breach", {"facts": "再次违诺"})
    assert again.status_code == 422


def test_a_breach_of_another_department_or_unknown_number_is_404(uscc_factory):
    subject = company(uscc_factory)
    number = _record(_client("SCJG"), subject.uscc, item_of("SCJG")).json()["number"]
    other = _call(_client("SW"), "POST", f"{BASE}/{number}/breach", {"facts": "违诺"})
    unknown = _call(
        _client("SCJG"), "POST", f"{BASE}/GZ-SCJG-20000101-99999/breach", {"facts": "x"}
    )
    assert other.status_code == unknown.status_code == 404
    assert other.json()["code"] == unknown.json()["code"]
    empty = _call(_client("SCJG"), "POST", f"{BASE}/{number}/breach", {"facts": ""})
    assert empty.status_code == 422


# --------------------------------------------------------------------------------------------
# Published list and coverage
# --------------------------------------------------------------------------------------------


def _commitment(item: CommitmentItem, subject, *, status=Status.PUBLISHED, valid_until=None):
    n = next(_names)
    return Commitment.objects.create(
        number=f"{item.kind.upper()[:2]}-{item.department.code}-{TODAY:%Y%m%d}-{n:05d}",
        item=item,
        item_version=item.versions.order_by("-version").first(),
        kind=item.kind,
        department=item.department,
        region=item.department.region,
        legal_person=subject,
        promisor_name=subject.name,
        promisor_code=subject.uscc,
        committed_on=TODAY - datetime.timedelta(days=10),
        published_on=TODAY - datetime.timedelta(days=9) if status != Status.SUBMITTED else None,
        valid_until=valid_until,
        status=status,
        channel=Channel.DEPARTMENT,
    )


def test_the_published_list_shows_commitments_in_force_only(uscc_factory):
    item = item_of("SCJG")
    subject = company(uscc_factory)
    shown = _commitment(item, subject)
    fulfilled = _commitment(item, subject, status=Status.FULFILLED)
    _commitment(item, subject, status=Status.SUBMITTED)
    _commitment(item, subject, status=Status.RETURNED)
    _commitment(item, subject, status=Status.BREACHED)
    _commitment(item, subject, valid_until=TODAY - datetime.timedelta(days=1))
    reader = _client("SW", scopes=("commitments:read",))
    body = _call(reader, "GET", BASE, query=f"subject={subject.uscc}").json()
    assert body["count"] == 2
    assert {c["number"] for c in body["commitments"]} == {shown.number, fulfilled.number}
    assert (
        _call(reader, "GET", BASE, query=f"subject={subject.uscc}&kind=voluntary").json()["count"]
        == 0
    )
    assert (
        _call(reader, "GET", BASE, query=f"subject={subject.uscc}&item={item.code}").json()["count"]
        == 2
    )
    assert _call(reader, "GET", BASE, query="kind=bogus").status_code == 422
    # A third party with the read scope reads them too.
    bank = _client(
        None, kind=ApiClient.Kind.THIRD_PARTY, org_uscc=uscc_factory(), scopes=("commitments:read",)
    )
    assert _call(bank, "GET", BASE, query=f"subject={subject.uscc}").json()["count"] == 2


def test_coverage_answers_the_contract_fields():
    response = _call(_client("SW", scopes=("commitments:read",)), "GET", COVERAGE)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["day"] == str(TODAY)
    assert [t["target"] for t in body["targets"]] == list(Target.values)
    for t in body["targets"]:
        assert set(t) == {"target", "label", "covered", "total", "ratio", "target_ratio", "met"}
        assert 0 <= t["ratio"] <= 1 and t["covered"] <= t["total"]
    voluntary = next(t for t in body["targets"] if t["target"] == "voluntary")
    assert voluntary["target_ratio"] == 0.9


def test_coverage_for_staff_by_permission(make_user):
    def get(user):
        client = Client()
        client.force_login(user)
        return client.get(COVERAGE)

    assert get(make_user(Role.CITY_ADMIN)).status_code == 200
    assert get(make_user(Role.AUDITOR)).status_code == 200
    assert get(make_user(Role.LEADER)).status_code == 403
    assert Client().get(COVERAGE).status_code == 401
