"""The check service (S3): what a check finds, the snapshot it keeps, and the feedback."""

from __future__ import annotations

import json

import pytest

from credit.core.errors import NotFound, PermissionDenied, ValidationFailed
from credit.core.models import AuditEntry, Department
from credit.gateway import services as gateway
from credit.gateway.client import signed_headers
from credit.sanctions import services
from credit.sanctions.models import Check, CheckFeedback

pytestmark = pytest.mark.django_db


def _check(user, identifier, scenario="", reason="政府采购资格审查"):
    return services.run_check(
        principal=user, identifier=identifier, scenario=scenario, reason=reason
    )


def test_a_listed_subject_gets_its_entries_in_force_and_the_scenarios_measures(make_user, listed):
    subject, entry, _ = listed
    user = make_user("dept_officer")
    check = _check(user, subject.uscc, scenario="gov_procurement")
    assert check.result == Check.Result.HIT
    assert [h["record"] for h in check.hits] == [entry.pk]  # not the expired or revoked ones
    assert [m["code"] for m in check.hits[0]["measures"]] == ["B-GP-01"]
    every = _check(user, subject.uscc)
    assert [m["code"] for m in every.hits[0]["measures"]] == ["B-GP-01", "B-SUB-01"]
    assert check.number.startswith("HC") and check.number != every.number
    assert check.user == user and check.department_id == user.department_id
    assert check.reason == "政府采购资格审查" and check.subject_name == subject.name


def test_a_clean_subject_and_an_unknown_one(make_user, legal_person, uscc_factory):
    user = make_user("dept_officer")
    assert _check(user, legal_person.uscc).result == Check.Result.CLEAN
    unknown = _check(user, uscc_factory())
    assert unknown.result == Check.Result.NOT_FOUND and unknown.hits == []


@pytest.mark.parametrize(
    ("identifier", "reason", "scenario", "code"),
    [
        ("", "x", "", "id_required"),
        ("91320400MA1XXXXXX0", "", "", "reason_required"),
        ("91320400MA1XXXXXX0", "x", "lottery", "scenario_unknown"),
    ],
)
def test_what_a_check_needs(make_user, identifier, reason, scenario, code):
    with pytest.raises(ValidationFailed) as refused:
        _check(make_user("dept_officer"), identifier, scenario=scenario, reason=reason)
    assert refused.value.code == code


def test_the_auditor_cannot_check(make_user, legal_person):
    with pytest.raises(PermissionDenied):
        _check(make_user("auditor"), legal_person.uscc)


def test_a_natural_person_check_is_audited(make_user, resident_id_factory):
    from credit.subjects.services import register_natural_person

    number = resident_id_factory()
    person, _ = register_natural_person(actor=None, name="李四", id_number=number)
    check = _check(make_user("dept_officer"), number)
    assert check.natural_person == person and check.query != number and "*" in check.query
    assert AuditEntry.objects.filter(
        event_type="naturalperson.checked", object_id=str(person.pk)
    ).exists()


def test_feedback_closes_the_loop(make_user, listed):
    subject, entry, _ = listed
    user = make_user("dept_officer")
    check = _check(user, subject.uscc, scenario="gov_procurement")
    services.record_feedback(
        principal=user, number=check.number, measure_code="B-GP-01", record_id=entry.pk,
        action="applied",
    )  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        services.record_feedback(
            principal=user, number=check.number, measure_code="B-GP-01", record_id=entry.pk,
            action="exempted",
        )  # fmt: skip
    assert refused.value.code == "reason_required"
    services.record_feedback(
        principal=user, number=check.number, measure_code="B-GP-01", record_id=entry.pk,
        action="exempted", reason="经法院确认已履行",
    )  # fmt: skip
    (only,) = CheckFeedback.objects.filter(check_ref=check)
    assert (only.action, only.reason) == ("exempted", "经法院确认已履行")
    with pytest.raises(ValidationFailed) as refused:
        services.record_feedback(
            principal=user, number=check.number, measure_code="B-SUB-01", record_id=entry.pk,
            action="applied",
        )  # fmt: skip
    assert refused.value.code == "measure_not_in_check"  # not a measure of this scenario
    other = make_user("dept_officer", department="SW")
    with pytest.raises(NotFound):
        services.record_feedback(
            principal=other, number=check.number, measure_code="B-GP-01", record_id=entry.pk,
            action="applied",
        )  # fmt: skip
    assert (
        AuditEntry.objects.filter(event_type="check.feedback", object_id=str(check.pk)).count() == 2
    )


def test_measures_are_checked_against_their_list_kind():
    from credit.catalog.models import CatalogItem

    with pytest.raises(ValidationFailed) as refused:
        services.save_measure(
            actor=None, code="R-1", list_kind="red_list", text="绿色通道", legal_basis="x",
            scenarios=["market_access"], items=[CatalogItem.objects.get(code="quality-dishonest")],
        )  # fmt: skip
    assert refused.value.code == "measure_item_kind"
    with pytest.raises(ValidationFailed) as refused:
        services.save_measure(
            actor=None, code="R-1", list_kind="red_list", text="绿色通道", legal_basis="x",
            scenarios=[],
        )  # fmt: skip
    assert refused.value.code == "scenario_unknown"
    measure = services.save_measure(
        actor=None, code="R-1", list_kind="red_list", text="绿色通道", legal_basis="x",
        scenarios=["market_access"],
    )  # fmt: skip
    assert measure.kind == "reward"


# --- through the API ---------------------------------------------------------------------


def test_the_api_for_staff_and_the_printable_certificate(client, make_user, listed):
    subject, entry, _ = listed
    client.force_login(make_user("dept_officer"))
    response = client.get(
        "/api/v1/sanctions/check",
        {"id": subject.uscc, "scenario": "gov_procurement", "reason": "招标资格审查"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["result"] == "hit" and body["entries"][0]["record"] == entry.pk
    assert body["entries"][0]["measures"][0]["code"] == "B-GP-01"
    page = client.get(body["certificate_url"])
    text = page.content.decode()
    assert page.status_code == 200 and body["number"] in text and "限制参加政府采购活动" in text
    client.logout()
    assert client.get(body["certificate_url"]).status_code == 200  # the link is the credential
    assert client.get(body["certificate_url"].replace(":", "x", 1)).status_code == 404

    feedback = client.post(
        f"/api/v1/sanctions/checks/{body['number']}/feedback",
        data={"record": entry.pk, "measure": "B-GP-01", "action": "applied"},
        content_type="application/json",
    )
    assert feedback.status_code == 401  # logged out


def test_a_signed_client_checks_within_its_scope(client, listed):
    subject, entry, _ = listed
    api_client, secret = gateway.create_client(
        actor=None,
        name="公共资源交易系统",
        kind="department",
        department=Department.objects.get(code="SCJG"),
        ips=["127.0.0.1/32"],
        scopes=["sanctions:check"],
    )
    path, query = "/api/v1/sanctions/check", f"id={subject.uscc}&reason=bid"
    response = client.get(
        f"{path}?{query}",
        headers=signed_headers(api_client.key, secret, "GET", path, query),
        REMOTE_ADDR="127.0.0.1",
    )
    assert response.status_code == 200, response.content
    number = response.json()["number"]
    check = Check.objects.get(number=number)
    assert check.client == api_client and check.user == api_client.user
    body = json.dumps({"record": entry.pk, "measure": "B-GP-01", "action": "applied"}).encode()
    fb_path = f"/api/v1/sanctions/checks/{number}/feedback"
    response = client.post(
        fb_path,
        data=body,
        content_type="application/json",
        headers=signed_headers(api_client.key, secret, "POST", fb_path, "", body),
        REMOTE_ADDR="127.0.0.1",
    )
    assert response.status_code == 200, response.content
    assert response.json()["feedback"][0]["action"] == "applied"
    # Without the scope: 403.
    gateway.update_client(actor=None, client=api_client, scopes=["subjects:read"])
    response = client.get(
        f"{path}?{query}",
        headers=signed_headers(api_client.key, secret, "GET", path, query),
        REMOTE_ADDR="127.0.0.1",
    )
    assert (response.status_code, response.json()["code"]) == (403, "scope_not_granted")
