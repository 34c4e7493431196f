"""``/api/v1/reports``: a department's system gets an auto-issued report at once; a third party
only within the subject's authorisation (purpose, period, not revoked), also when it fetches
the PDF; numbers of others answer 404; the PDF handed out is the signed one, audited."""

from __future__ import annotations

import datetime
import hashlib
import json

import pytest
from django.conf import settings
from django.test import Client

from credit.accounts.roles import Role
from credit.core.models import AuditEntry, Department
from credit.gateway import services as gateway
from credit.gateway.client import signed_headers
from credit.gateway.models import ApiClient
from credit.reports import services
from credit.reports.models import Application, Authorisation
from credit.reports.verification import check_signature
from tests.reports.factories import make_template

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
PATH = "/api/v1/reports"


# --------------------------------------------------------------------------------------------
# Fixtures and helpers
# --------------------------------------------------------------------------------------------


@pytest.fixture
def template(office):
    """A company template for general use and bidding, issued at once for departments."""
    return make_template(
        office, code="api-general", name="企业信用报告（接口测试）", auto_issue=True
    )


def _client(kind: str = ApiClient.Kind.DEPARTMENT, *, scopes=("reports:request",), **extra):
    department = Department.objects.get(code="SCJG") if kind == ApiClient.Kind.DEPARTMENT else None
    return gateway.create_client(
        actor=None,
        name=extra.pop("name", f"{kind}-系统"),
        kind=kind,
        department=department,
        ips=["127.0.0.1/32"],
        scopes=list(scopes),
        **extra,
    )


@pytest.fixture
def department():
    return _client(name="市场监管局审批系统")


@pytest.fixture
def bank(uscc_factory):
    """A third party's system whose organisation is registered by its USCC."""
    return _client(ApiClient.Kind.THIRD_PARTY, name="某银行信贷系统", org_uscc=uscc_factory())


def _call(signer, method: str, path: str, payload: dict | None = None):
    api_client, secret = signer
    body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else b""
    headers = signed_headers(api_client.key, secret, method, path, "", body)
    return Client().generic(
        method,
        path,
        body,
        content_type="application/json",
        headers=headers,
        REMOTE_ADDR="127.0.0.1",
    )


def _request(signer, subject, *, purpose: str = "bidding", template: str = "api-general"):
    return _call(
        signer,
        "POST",
        PATH,
        {"subject": subject.uscc, "template": template, "purpose": purpose, "purpose_text": "投标"},
    )


def _agent(subject, resident_id: str):
    """A real-name account of the company's agent (经办人), signed in through the service."""
    from credit.identity.services import sign_in

    names = settings.CREDIT_OIDC_CLAIMS
    kinds = {v: k for k, v in settings.CREDIT_OIDC_KIND_VALUES.items()}
    return sign_in(
        issuer="https://idp.example.test",
        claims={
            "sub": f"agent-{subject.pk}",
            names["kind"]: kinds["company"],
            names["name"]: "王经办",
            names["id_number"]: resident_id,
            names["uscc"]: subject.uscc,
            names["org_name"]: subject.name,
        },
    )


def _authorise(subject, grantee, resident_id: str, *, purpose: str = "bidding"):
    api_client, _ = grantee
    return services.authorise(
        account=_agent(subject, resident_id),
        subject=subject,
        grantee_uscc=api_client.org_uscc,
        grantee_name=api_client.name,
        purpose=purpose,
        valid_from=TODAY,
        valid_to=TODAY + datetime.timedelta(days=30),
    )


def _both_reviews(office, second, number: str):
    application = Application.objects.get(number=number)
    services.review_materials(actor=office, application=application, passed=True)
    return services.approve(actor=second, application=application)


def _assert_signed_pdf(response) -> bytes:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    data = response.content
    assert data.startswith(b"%PDF")
    assert response["X-Report-SHA256"] == hashlib.sha256(data).hexdigest()
    assert check_signature(data).ok
    return data


# --------------------------------------------------------------------------------------------
# A department's own procedures (信用核查)
# --------------------------------------------------------------------------------------------


def test_a_department_system_gets_an_auto_issued_report_at_once(
    department, template, legal_person, signing_keys
):
    response = _request(department, legal_person, purpose="general")
    assert response.status_code == 201, response.content
    number = response.json()["number"]
    assert response.json() == {"number": number, "status": "issued"}
    application = Application.objects.get(number=number)
    assert application.channel == "api" and application.client_id == department[0].pk

    _assert_signed_pdf(_call(department, "GET", f"{PATH}/{number}"))
    report = application.reports.get()
    # This report's entry (a journey on the same test database may have left others).
    download = AuditEntry.objects.get(event_type="report.downloaded", object_id=str(report.pk))
    assert download.after["channel"] == "api"
    assert report.downloads == 1

    status = _call(department, "GET", f"{PATH}/{number}/status").json()
    assert status["status"] == "issued" and status["report_status"] == "valid"
    assert status["deliverable"] is True and status["report_number"] == number
    assert status["sha256"] == application.reports.get().sha256
    assert f"/portal/reports/verify/{number}?c=" in status["verify_url"]


def test_without_auto_issue_a_department_request_waits_for_the_reviews(
    department, template, legal_person, office, second, signing_keys
):
    template.auto_issue = False
    template.save()
    response = _request(department, legal_person)
    assert response.json()["status"] == "submitted"
    number = response.json()["number"]
    early = _call(department, "GET", f"{PATH}/{number}")
    assert early.status_code == 409
    assert early.json()["code"] == "report_not_issued"
    assert early.json()["details"] == {"status": "submitted"}
    _both_reviews(office, second, number)
    _assert_signed_pdf(_call(department, "GET", f"{PATH}/{number}"))


# --------------------------------------------------------------------------------------------
# Third parties: only within the subject's authorisation
# --------------------------------------------------------------------------------------------


def test_a_third_party_without_an_authorisation_is_refused(bank, template, legal_person):
    response = _request(bank, legal_person)
    assert (response.status_code, response.json()["code"]) == (403, "not_authorised")
    assert not Application.objects.exists()


def test_an_authorisation_for_another_purpose_does_not_count(
    bank, template, legal_person, resident_id_factory
):
    _authorise(legal_person, bank, resident_id_factory(), purpose="financing")
    response = _request(bank, legal_person, purpose="bidding")
    assert (response.status_code, response.json()["code"]) == (403, "not_authorised")


def test_an_authorisation_of_another_organisation_does_not_count(
    bank, template, legal_person, resident_id_factory, uscc_factory
):
    other = _client(ApiClient.Kind.THIRD_PARTY, name="另一家机构", org_uscc=uscc_factory())
    _authorise(legal_person, other, resident_id_factory())
    response = _request(bank, legal_person)
    assert (response.status_code, response.json()["code"]) == (403, "not_authorised")


@pytest.mark.parametrize("ended", ["revoked", "expired", "not_yet_begun"])
def test_a_revoked_or_expired_authorisation_does_not_count(
    ended, bank, template, legal_person, resident_id_factory
):
    grant = _authorise(legal_person, bank, resident_id_factory())
    if ended == "revoked":
        services.revoke_authorisation(account=grant.account, grant=grant)
    elif ended == "expired":
        Authorisation.objects.filter(pk=grant.pk).update(
            valid_from=TODAY - datetime.timedelta(days=60),
            valid_to=TODAY - datetime.timedelta(days=1),
        )
    else:
        Authorisation.objects.filter(pk=grant.pk).update(
            valid_from=TODAY + datetime.timedelta(days=1),
            valid_to=TODAY + datetime.timedelta(days=10),
        )
    response = _request(bank, legal_person)
    assert (response.status_code, response.json()["code"]) == (403, "not_authorised")


def test_within_its_authorisation_a_third_party_gets_the_report_after_both_reviews(
    bank, template, legal_person, resident_id_factory, office, second, signing_keys
):
    grant = _authorise(legal_person, bank, resident_id_factory())
    response = _request(bank, legal_person)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "submitted"  # auto-issue is for departments only
    number = response.json()["number"]
    application = Application.objects.get(number=number)
    assert application.authorisation == grant and application.applicant_kind == "third_party"
    grant.refresh_from_db()
    assert grant.uses == 1

    pending = _call(bank, "GET", f"{PATH}/{number}/status").json()
    assert pending["status"] == "submitted" and pending["report_status"] is None
    assert pending["deliverable"] is False

    _both_reviews(office, second, number)
    _assert_signed_pdf(_call(bank, "GET", f"{PATH}/{number}"))

    # Once the subject withdraws the authorisation, the report is no longer handed out.
    services.revoke_authorisation(account=grant.account, grant=grant)
    refused = _call(bank, "GET", f"{PATH}/{number}")
    assert (refused.status_code, refused.json()["code"]) == (403, "authorisation_ended")
    status = _call(bank, "GET", f"{PATH}/{number}/status").json()
    assert status["report_status"] == "valid" and status["deliverable"] is False
    assert status["sha256"] is None and status["verify_url"] is None


# --------------------------------------------------------------------------------------------
# Whose numbers, which callers
# --------------------------------------------------------------------------------------------


def test_another_clients_number_answers_404_like_a_missing_one(
    department, bank, template, legal_person, signing_keys
):
    number = _request(department, legal_person, purpose="general").json()["number"]
    for path in (f"{PATH}/{number}", f"{PATH}/{number}/status", f"{PATH}/XY2026010100000000"):
        response = _call(bank, "GET", path)
        assert (response.status_code, response.json()["code"]) == (404, "report_not_found")
    # Another system of the same department reads the department's own requests.
    colleague = _client(name="市场监管局另一系统")
    assert _call(colleague, "GET", f"{PATH}/{number}").status_code == 200
    # A system of another department does not.
    other = gateway.create_client(
        actor=None,
        name="税务局系统",
        kind=ApiClient.Kind.DEPARTMENT,
        department=Department.objects.get(code="SW"),
        ips=["127.0.0.1/32"],
        scopes=["reports:request"],
    )
    assert _call(other, "GET", f"{PATH}/{number}").status_code == 404


def test_a_client_without_the_scope_is_refused_by_the_gateway(template, legal_person):
    lacking = _client(name="只查档案的系统", scopes=["subjects:read"])
    for method, path in (("POST", PATH), ("GET", f"{PATH}/XY2026010100000000")):
        payload = {"subject": legal_person.uscc, "template": "api-general", "purpose": "general"}
        response = _call(lacking, method, path, payload if method == "POST" else None)
        assert (response.status_code, response.json()["code"]) == (403, "scope_not_granted")
    assert not Application.objects.exists()


def test_staff_read_their_tenants_requests_and_no_others(
    department, template, legal_person, signing_keys, make_user
):
    number = _request(department, legal_person, purpose="general").json()["number"]
    admin = Client()
    admin.force_login(make_user(Role.CITY_ADMIN))
    response = admin.get(f"{PATH}/{number}")
    _assert_signed_pdf(response)
    officer = Client()  # a department officer of another department (税务局)
    officer.force_login(make_user(Role.DEPT_OFFICER, department="SW"))
    assert officer.get(f"{PATH}/{number}").status_code == 404
    leader = Client()  # no permission to read reports at all
    leader.force_login(make_user(Role.LEADER))
    assert leader.get(f"{PATH}/{number}").status_code == 403


def test_a_revoked_report_is_not_handed_out(
    department, template, legal_person, office, signing_keys
):
    number = _request(department, legal_person, purpose="general").json()["number"]
    report = Application.objects.get(number=number).reports.get()
    services.revoke(actor=office, report=report, reason="出具错误")
    response = _call(department, "GET", f"{PATH}/{number}")
    assert (response.status_code, response.json()["code"]) == (409, "report_revoked")
    assert _call(department, "GET", f"{PATH}/{number}/status").json()["report_status"] == (
        "revoked"
    )


# --------------------------------------------------------------------------------------------
# What a request must name
# --------------------------------------------------------------------------------------------


def test_a_natural_person_is_refused_the_api_takes_a_uscc(
    department, template, resident_id_factory
):
    from credit.subjects.services import register_natural_person

    number = resident_id_factory()
    register_natural_person(actor=None, name="李四", id_number=number)
    response = _call(
        department,
        "POST",
        PATH,
        {"subject": number, "template": "api-general", "purpose": "general"},
    )
    assert (response.status_code, response.json()["code"]) == (422, "subject_not_legal")
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"subject": "UNKNOWN"}, 422, "subject_invalid"),
        ({"subject": "unknown-uscc"}, 404, "subject_not_found"),
        ({"template": "no-such-template"}, 404, "template_not_found"),
        ({"purpose": "lottery"}, 422, "invalid_request"),
        ({"purpose": "financing"}, 422, "template_purpose"),
        ({"template": "inactive"}, 422, "template_inactive"),
    ],
)
def test_what_a_request_must_name(
    changes, status, code, department, template, legal_person, uscc_factory, office
):
    if changes.get("subject") == "unknown-uscc":
        changes = {"subject": uscc_factory()}
    if changes.get("template") == "inactive":
        services.set_template_active(actor=office, template=template, active=False)
        changes = {}
    payload = {"subject": legal_person.uscc, "template": "api-general", "purpose": "general"}
    response = _call(department, "POST", PATH, payload | changes)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert not Application.objects.exists()


def test_after_a_correction_the_corrected_report_is_served_once_approved(
    department, template, legal_person, second, signing_keys
):
    from credit.records import services as records
    from tests.records.factories import penalty

    record = penalty(legal_person, "SCJG", "常市监罚〔2026〕801号").record
    number = _request(department, legal_person, purpose="general").json()["number"]
    first = Application.objects.get(number=number).reports.get()
    assert first.shown.filter(record=record).exists()
    records.correct_record(
        actor=None,
        record=record,
        payload={**record.payload, "penalty_content": "警告（更正）"},
        reason="更正",
    )
    assert services.follow_changes() == 1  # the template has corrected reports reviewed
    waiting = _call(department, "GET", f"{PATH}/{number}")
    assert (waiting.status_code, waiting.json()["code"]) == (409, "report_superseded")

    services.approve(actor=second, application=Application.objects.get(number=number))
    response = _call(department, "GET", f"{PATH}/{number}")
    _assert_signed_pdf(response)
    assert response["X-Report-Number"] == f"{number}-2"
    first.refresh_from_db()
    assert first.replaced_by.number == f"{number}-2"
    status = _call(department, "GET", f"{PATH}/{number}/status").json()
    assert status["report_number"] == f"{number}-2" and status["report_status"] == "valid"
