"""Finding 1: an API client writes only for its own department, unless the credit office
grants it other departments to report for — the same rule (the principal's tenant) as for a
department officer, shown on the client page and audited."""

from __future__ import annotations

import json

import pytest

from credit.accounts.roles import Role
from credit.catalog.models import CatalogItem
from credit.core.models import AuditEntry, Department
from credit.gateway import services
from credit.gateway.client import signed_headers
from credit.gateway.models import ApiClient
from credit.records.models import CreditRecord
from credit.subjects.services import register_legal_person
from tests.records.factories import legal_payload, penalty

pytestmark = pytest.mark.django_db

PUSH = "/api/v1/ingest/admin-penalty"


@pytest.fixture
def scjg_system(db):
    return services.create_client(
        actor=None,
        name="市场监管局审批系统",
        kind=ApiClient.Kind.DEPARTMENT,
        department=Department.objects.get(code="SCJG"),
        ips=["127.0.0.1/32"],
        scopes=["ingest:push"],
    )


@pytest.fixture
def published(uscc_factory):
    """A published penalty of the city's tax bureau (SW, same region as SCJG)."""
    company, _ = register_legal_person(
        actor=None, uscc=uscc_factory("91", "320400"), name="常州市某某商贸有限公司"
    )
    result = penalty(company, "SW", "常税罚〔2025〕9号", penalty_content="罚款5000元")
    return company, result.record


def _push(django_client, api, body):
    client, secret = api
    data = json.dumps(body, ensure_ascii=False).encode()
    headers = signed_headers(client.key, secret, "POST", PUSH, "", data)
    return django_client.post(
        PUSH, data=data, content_type="application/json", headers=headers, REMOTE_ADDR="127.0.0.1"
    )


def _rewrite(published):
    company, record = published
    department = Department.objects.get(code="SW")
    row = legal_payload(company, department, record.document_no, penalty_content="不予处罚")
    return {"department": "SW", "rows": [row]}


def test_a_client_cannot_write_another_departments_records(client, scjg_system, published):
    _, record = published
    before = (record.payload, record.version)
    response = _push(client, scjg_system, _rewrite(published))
    assert response.status_code == 403, response.content
    body = response.json()
    assert body["code"] == "department_not_allowed"
    assert "市信用办授权" in body["message"]
    record.refresh_from_db()
    assert (record.payload, record.version) == before
    assert not CreditRecord.objects.filter(document_no=record.document_no).exclude(pk=record.pk)


def test_the_same_rule_refuses_a_department_officer(make_user, published):
    from credit.core.errors import PermissionDenied
    from credit.ingest.pipeline import ingest_payloads

    officer = make_user(Role.DEPT_OFFICER, "320400", "SCJG")
    body = _rewrite(published)
    with pytest.raises(PermissionDenied) as refused:
        ingest_payloads(
            actor=officer, rows=body["rows"], item_code="admin-penalty", department_code="SW"
        )
    assert refused.value.code == "department_not_allowed"


def test_the_clients_own_department_is_the_default(client, scjg_system, legal_person):
    department = Department.objects.get(code="SCJG")
    row = legal_payload(legal_person, department, "常市监罚〔2026〕1号")
    response = _push(client, scjg_system, {"rows": [row]})
    assert response.status_code == 200, response.content
    assert response.json()["inserted"] == 1
    assert CreditRecord.objects.get(document_no="常市监罚〔2026〕1号").department == department


def test_a_granted_department_may_be_reported_for_and_the_grant_is_audited(
    client, scjg_system, published, admin_user
):
    api_client, _ = scjg_system
    services.update_client(
        actor=admin_user, client=api_client, report_for=[Department.objects.get(code="SW")]
    )
    entry = AuditEntry.objects.filter(event_type="apiclient.updated").latest("id")
    assert entry.before["report_for"] == [] and entry.after["report_for"] == ["SW"]
    assert entry.actor_id == admin_user.pk

    response = _push(client, scjg_system, _rewrite(published))
    assert response.status_code == 200, response.content
    _, record = published
    record.refresh_from_db()
    assert record.payload["penalty_content"] == "不予处罚" and record.version == 2
    # …and nothing beyond the grant.
    other = {"department": "JT", "rows": _rewrite(published)["rows"]}
    assert _push(client, scjg_system, other).json()["code"] == "department_not_allowed"


def test_the_grant_is_shown_on_the_client_page(client, scjg_system, admin_user):
    api_client, _ = scjg_system
    services.update_client(
        actor=None, client=api_client, report_for=[Department.objects.get(code="TNQ-SCJG")]
    )
    client.force_login(admin_user)
    page = client.get(f"/gateway/clients/{api_client.pk}/").content.decode()
    assert (
        "可报送数据的部门" in page and "常州市天宁区市场监督管理局" in page and "授权代报" in page
    )


def test_only_a_pushing_department_system_can_be_granted(scjg_system):
    from credit.core.errors import ValidationFailed

    api_client, _ = scjg_system
    with pytest.raises(ValidationFailed) as refused:
        services.update_client(
            actor=None,
            client=api_client,
            scopes=["subjects:read"],
            report_for=[Department.objects.get(code="SW")],
        )
    assert refused.value.code == "report_for_needs_push"


def test_the_grant_takes_effect_without_waiting_in_the_process_that_made_it(
    client, scjg_system, published
):
    api_client, _ = scjg_system
    assert _push(client, scjg_system, _rewrite(published)).status_code == 403
    services.update_client(
        actor=None, client=api_client, report_for=[Department.objects.get(code="SW")]
    )
    assert _push(client, scjg_system, _rewrite(published)).status_code == 200
    services.update_client(actor=None, client=api_client, report_for=[])
    assert _push(client, scjg_system, _rewrite(published)).status_code == 403


def test_an_items_grant_does_not_widen_what_a_client_may_write(scjg_system):
    """Catalog items granted for reading say nothing about whose data it writes."""
    api_client, _ = scjg_system
    services.update_client(
        actor=None, client=api_client, items=[CatalogItem.objects.get(code="admin-penalty")]
    )
    p = api_client.as_principal()
    sw = Department.objects.get(code="SW")
    assert not p.manages(department_id=sw.pk, region_id=sw.region_id)
