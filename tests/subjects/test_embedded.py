"""The embedded query (S2): GET /api/v1/subjects/{identifier} within the caller's grants."""

from __future__ import annotations

import datetime

import pytest

from credit.catalog.models import CatalogItem
from credit.core.models import Department
from credit.gateway import services as gateway
from credit.gateway.client import signed_headers
from credit.records.models import CreditRecord

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.fixture
def profiled(legal_person):
    dept = Department.objects.get(code="SCJG")

    def record(code, n, **extra):
        return CreditRecord.objects.create(
            item=CatalogItem.objects.get(code=code),
            legal_person=legal_person,
            department=dept,
            region_id="320400",
            natural_key=f"embedded-{legal_person.pk}-{code}-{n}",
            document_no=f"{code}-{n}",
            payload={"document_no": f"{code}-{n}"},
            usage_scope="public",
            decision_date=TODAY - datetime.timedelta(days=n),
            **extra,
        )

    record("admin-license", 1)
    record("admin-penalty", 2)
    record("admin-penalty", 3, status="revoked")  # not shown
    record("admin-penalty", 4, publicity_end=TODAY - datetime.timedelta(days=1))  # publicity over
    record("dishonest-judgment-debtor", 5)
    return legal_person


def _signed_get(client, api, path):
    key, secret = api
    return client.get(
        path, headers=signed_headers(key, secret, "GET", path), REMOTE_ADDR="127.0.0.1"
    )


def test_staff_see_the_profile_in_force(client, make_user, profiled):
    client.force_login(make_user("dept_officer"))
    body = client.get(f"/api/v1/subjects/{profiled.uscc}").json()
    assert body["subject"]["uscc"] == profiled.uscc and body["subject"]["type"] == "legal"
    assert [r["document_no"] for r in body["licenses"]] == ["admin-license-1"]
    assert [r["document_no"] for r in body["penalties"]] == ["admin-penalty-2"]
    assert [r["item"] for r in body["list_entries"]] == ["dishonest-judgment-debtor"]
    assert body["counts"] == {"licenses": 1, "penalties": 1, "list_entries": 1}


def test_a_client_sees_only_its_granted_items(client, profiled):
    api, secret = gateway.create_client(
        actor=None,
        name="政务服务大厅",
        kind="department",
        department=Department.objects.get(code="SCJG"),
        ips=["127.0.0.1/32"],
        scopes=["subjects:read"],
        items=[CatalogItem.objects.get(code="admin-penalty")],
    )
    body = _signed_get(client, (api.key, secret), f"/api/v1/subjects/{profiled.uscc}").json()
    assert body["counts"] == {"licenses": 0, "penalties": 1, "list_entries": 0}
    gateway.update_client(actor=None, client=api, items=[])  # no grant: by usage scope
    body = _signed_get(client, (api.key, secret), f"/api/v1/subjects/{profiled.uscc}").json()
    assert body["counts"] == {"licenses": 1, "penalties": 1, "list_entries": 1}


def test_unknown_subjects_and_natural_persons(client, make_user, uscc_factory, resident_id_factory):
    from credit.subjects.services import register_natural_person

    number = resident_id_factory()
    register_natural_person(actor=None, name="王五", id_number=number)
    api, secret = gateway.create_client(
        actor=None,
        name="窗口系统",
        kind="department",
        department=Department.objects.get(code="SCJG"),
        ips=["127.0.0.1/32"],
        scopes=["subjects:read"],
    )
    missing = _signed_get(client, (api.key, secret), f"/api/v1/subjects/{uscc_factory()}")
    assert (missing.status_code, missing.json()["code"]) == (404, "subject_not_found")
    refused = _signed_get(client, (api.key, secret), f"/api/v1/subjects/{number}")
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    gateway.update_client(actor=None, client=api, scopes=["subjects:read", "subjects:read_natural"])
    body = _signed_get(client, (api.key, secret), f"/api/v1/subjects/{number}").json()
    assert body["subject"]["name"] != "王五" and "王" in body["subject"]["name"]
    assert number not in str(body)
    client.force_login(make_user("dept_officer"))
    assert client.get(f"/api/v1/subjects/{number}").json()["subject"]["name"] == "王五"
