"""``GET /api/v1/assessment/{period}/results``: staff sessions with 查看绩效考核结果 and
clients with ``assessment:read``; before publication a unit gets only its own row without
rank, after it every unit; an unknown period is 404, an invalid one 422 in Chinese."""

from __future__ import annotations

import itertools

import pytest
from django.test import Client

from credit.assessment.constants import Visibility
from credit.assessment.services import assessments as services
from credit.core.models import Department
from credit.gateway import services as gateway
from credit.gateway.client import signed_headers
from credit.gateway.models import ApiClient

pytestmark = pytest.mark.django_db

URL = "/api/v1/assessment/{}/results"
_names = itertools.count(1)


def _client(department: str = "SCJG", scopes=("assessment:read",)):
    return gateway.create_client(
        actor=None,
        name=f"{department}-考核-{next(_names)}",
        kind=ApiClient.Kind.DEPARTMENT,
        department=Department.objects.get(code=department),
        ips=["127.0.0.1/32"],
        scopes=list(scopes),
    )


def _signed(signer, path: str):
    api_client, secret = signer
    headers = signed_headers(api_client.key, secret, "GET", path, "", b"")
    return Client().get(path, headers=headers, REMOTE_ADDR="127.0.0.1")


def _session(user, path: str):
    client = Client()
    client.force_login(user)
    return client.get(path, REMOTE_ADDR="127.0.0.1")


@pytest.fixture
def opened(users, mini_rubric):
    return services.open_assessment(actor=None, period="2025Q4")


def _publish(assessment, users):
    reviewer = users["reviewer"]
    services.close_self_scoring(actor=reviewer, assessment=assessment)
    for unit in assessment.units.all():
        services.review_unit(actor=reviewer, unit=unit, scores={}, comment="")
    return services.publish(actor=reviewer, assessment=assessment, visibility=Visibility.PUBLIC)


def test_a_manager_reads_every_unit_before_publication(opened, users):
    response = _session(users["reviewer"], URL.format("2025Q4"))
    assert response.status_code == 200
    body = response.json()
    assert (body["period"], body["name"], body["status"], body["published_at"]) == (
        "2025Q4",
        "2025年第四季度",
        "open",
        None,
    )
    assert len(body["units"]) == 31
    first = body["units"][0]
    assert set(first) == {
        "unit", "kind", "department", "region", "auto_score", "self_score", "final_score",
        "rank", "status",
    }  # fmt: skip
    assert [u["kind"] for u in body["units"]].count("district") == 6


def test_a_department_reads_its_own_row_before_publication(opened, users):
    body = _session(users["scjg"], URL.format("2025q4")).json()
    assert body["units"] == [
        {
            "unit": "常州市市场监督管理局",
            "kind": "department",
            "department": "SCJG",
            "region": "320400",
            "auto_score": 0.0,
            "self_score": 0.0,
            "final_score": None,
            "rank": None,
            "status": "pending",
        }
    ]
    assert _session(users["leader"], URL.format("2025Q4")).json()["units"] == []


def test_a_client_with_the_scope_reads_its_own_then_every_unit(opened, users):
    signer = _client("SCJG")
    body = _signed(signer, URL.format("2025Q4")).json()
    assert [u["department"] for u in body["units"]] == ["SCJG"]
    _publish(opened, users)
    body = _signed(signer, URL.format("2025Q4")).json()
    assert body["status"] == "published" and body["published_at"]
    assert len(body["units"]) == 31
    assert body["units"][0]["rank"] == 1
    assert body["units"][0]["final_score"] == 0.0


def test_a_client_without_the_scope_is_refused(opened):
    response = _signed(_client("SCJG", scopes=("catalog:read",)), URL.format("2025Q4"))
    assert response.status_code == 403
    assert response.json()["code"] == "scope_not_granted"


def test_an_unknown_period_is_404_and_an_invalid_one_422(opened, users):
    response = _session(users["reviewer"], URL.format("2024Q1"))
    assert response.status_code == 404
    assert response.json()["message"] == "2024年第一季度的全市考核不存在或尚未发起"
    response = _session(users["reviewer"], URL.format("2025Q5"))
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_period"
    assert "考核周期“2025Q5”无效" in response.json()["message"]


def test_anonymous_and_users_without_the_permission_are_refused(opened, make_user):
    assert Client().get(URL.format("2025Q4")).status_code == 401
    response = _session(make_user("org_hr", department="SCJG"), URL.format("2025Q4"))
    assert response.status_code == 403
