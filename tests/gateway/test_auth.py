"""Signed requests end to end through /api/v1: each way a request is refused, and the staff
session beside it."""

from __future__ import annotations

import json
import time

import pytest

from credit.core.models import AuditEntry, Department
from credit.gateway import services
from credit.gateway.client import signed_headers
from credit.gateway.models import ApiClient

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/subjects/search"


@pytest.fixture
def api(db):
    client, secret = services.create_client(
        actor=None,
        name="市场监管审批系统",
        kind=ApiClient.Kind.DEPARTMENT,
        department=Department.objects.get(code="SCJG"),
        ips=["127.0.0.1/32", "10.8.0.0/16"],
        scopes=["subjects:read"],
        rate_limit=5,
        daily_quota=8,
    )
    return client, secret


def _call(django_client, api, *, body=None, path=SEARCH, ip="127.0.0.1", sign_path=None, **kw):
    client, secret = api
    data = json.dumps(body if body is not None else {"q": "常州"}, ensure_ascii=False).encode()
    headers = signed_headers(client.key, secret, "POST", sign_path or path, "", data, **kw)
    return django_client.post(
        path, data=data, content_type="application/json", headers=headers, REMOTE_ADDR=ip
    )


def _code(response) -> str:
    return response.json()["code"]


def test_a_good_signature_is_served_as_the_clients_service_user(client, api):
    response = _call(client, api)
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"legal_persons", "natural_persons"}


def test_a_tampered_body_is_refused(client, api):
    api_client, secret = api
    data = json.dumps({"q": "常州"}).encode()
    headers = signed_headers(api_client.key, secret, "POST", SEARCH, "", data)
    response = client.post(
        SEARCH,
        data=json.dumps({"q": "常州X"}).encode(),
        content_type="application/json",
        headers=headers,
        REMOTE_ADDR="127.0.0.1",
    )
    assert (response.status_code, _code(response)) == (401, "signature_invalid")


def test_a_tampered_path_is_refused(client, api):
    response = _call(client, api, sign_path="/api/v1/subjects/other")
    assert (response.status_code, _code(response)) == (401, "signature_invalid")


def test_a_stale_or_future_timestamp_is_refused(client, api):
    for offset in (-301, 301):
        response = _call(client, api, timestamp=int(time.time()) + offset)
        assert (response.status_code, _code(response)) == (401, "timestamp_out_of_window")
    assert _call(client, api, timestamp=int(time.time()) - 250).status_code == 200


def test_a_replayed_nonce_is_refused(client, api):
    assert _call(client, api, nonce="same-nonce-1").status_code == 200
    response = _call(client, api, nonce="same-nonce-1")
    assert (response.status_code, _code(response)) == (401, "nonce_reused")


def test_missing_headers_and_unknown_keys_are_refused(client, api):
    response = client.post(
        SEARCH,
        data=b"{}",
        content_type="application/json",
        headers={"X-Credit-Key": api[0].key},
        REMOTE_ADDR="127.0.0.1",
    )
    assert (response.status_code, _code(response)) == (401, "signature_missing")
    response = _call(client, (ApiClient(key="ck_nope"), "x"))
    assert (response.status_code, _code(response)) == (401, "key_invalid")


def test_a_source_address_outside_the_list_is_forbidden(client, api):
    assert _call(client, api, ip="10.8.3.4").status_code == 200
    response = _call(client, api, ip="10.9.0.1")
    assert (response.status_code, _code(response)) == (403, "ip_not_allowed")


def test_an_endpoint_outside_the_scopes_is_forbidden(client, api):
    client_obj, secret = api
    data = json.dumps({"department": "SCJG", "rows": []}).encode()
    path = "/api/v1/ingest/admin-penalty"
    response = client.post(
        path,
        data=data,
        content_type="application/json",
        headers=signed_headers(client_obj.key, secret, "POST", path, "", data),
        REMOTE_ADDR="127.0.0.1",
    )
    assert (response.status_code, _code(response)) == (403, "scope_not_granted")
    response = client.get(
        "/api/v1/sanctions/changes",
        headers=signed_headers(client_obj.key, secret, "GET", "/api/v1/sanctions/changes"),
        REMOTE_ADDR="127.0.0.1",
    )
    assert (response.status_code, _code(response)) == (403, "scope_not_granted")


def test_reference_data_and_the_caller_are_open_to_every_client(client, api):
    """The codes a push names (regions, departments) and the caller itself need no scope."""
    client_obj, secret = api
    for path in ("/api/v1/regions", "/api/v1/departments", "/api/v1/accounts/me"):
        response = client.get(
            path,
            headers=signed_headers(client_obj.key, secret, "GET", path),
            REMOTE_ADDR="127.0.0.1",
        )
        assert response.status_code == 200, (path, response.content)
    me = client.get(
        "/api/v1/accounts/me",
        headers=signed_headers(client_obj.key, secret, "GET", "/api/v1/accounts/me"),
        REMOTE_ADDR="127.0.0.1",
    ).json()
    assert me["role"] == "api_client" and me["department"] == "SCJG"
    assert me["scope"] == {"region": None, "department": "SCJG"}


def test_a_disabled_client_is_forbidden_and_a_rotated_secret_replaces_the_old(client, api):
    client_obj, old = api
    new = services.rotate_secret(actor=None, client=client_obj)
    client_obj.refresh_from_db()
    assert _call(client, (client_obj, old)).status_code == 401
    assert _call(client, (client_obj, new)).status_code == 200
    services.set_active(actor=None, client=client_obj, active=False, reason="系统下线")
    response = _call(client, (client_obj, new))
    assert (response.status_code, _code(response)) == (403, "client_disabled")
    events = set(
        AuditEntry.objects.filter(object_id=str(client_obj.pk)).values_list("event_type", flat=True)
    )
    assert {"apiclient.created", "apiclient.secret_rotated", "apiclient.disabled"} <= events


def test_the_rate_limit_answers_429_with_retry_after(client, api, monkeypatch):
    now = 1_764_115_200.25
    monkeypatch.setattr(services.time, "time", lambda: now)  # all in one second
    statuses = []
    for n in range(7):
        response = _call(client, api, timestamp=int(now), nonce=f"rate-nonce-{n}")
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert response["Retry-After"] == "1"
            assert _code(response) == "rate_limited"
    assert statuses == [200] * 5 + [429] * 2
    monkeypatch.setattr(services.time, "time", lambda: now + 1)  # the next second
    assert _call(client, api, timestamp=int(now) + 1).status_code == 200


def test_the_daily_quota_answers_429_until_midnight(api):
    client_obj, _ = api
    now = 1_764_115_200.0  # 2025-11-26 08:00 Beijing
    for n in range(8):
        services._count(client_obj, f"quota-nonce-{n}", now + n)  # one per second: no rate limit
    with pytest.raises(services.RateLimited) as refused:
        services._count(client_obj, "quota-nonce-x", now + 9)
    assert refused.value.code == "quota_exceeded"
    assert refused.value.retry_after == 16 * 3600 - 9  # to midnight in Beijing


def test_the_staff_session_uses_the_same_endpoints(client, make_user):
    client.force_login(make_user())
    response = client.post(SEARCH, data={"q": "常州"}, content_type="application/json")
    assert response.status_code == 200


def test_the_client_holds_exactly_its_scopes_permissions(api):
    from credit.core.access import Perm, has_perm

    client = api[0]
    assert has_perm(client, Perm.SUBJECT_VIEW)
    assert not has_perm(client, Perm.RECORD_SUBMIT)
    assert not has_perm(client, Perm.API_CLIENT_MANAGE)
    services.set_active(actor=None, client=client, active=False, reason="测试")
    assert not has_perm(client, Perm.SUBJECT_VIEW)


def test_the_service_account_holds_nothing_on_its_own(api):
    """Signed in by itself (it cannot: no password), the service account would hold nothing:
    its power comes only through its client's principal."""
    from credit.core.access import principal_of

    assert principal_of(api[0].user).perms == frozenset()


def test_natural_persons_need_their_own_scope_and_come_masked(client, api, resident_id_factory):
    from credit.subjects.services import register_natural_person

    number = resident_id_factory()
    register_natural_person(actor=None, name="张三", id_number=number)
    response = _call(client, api, body={"q": number})
    assert (response.status_code, _code(response)) == (403, "permission_denied")
    services.update_client(
        actor=None, client=api[0], scopes=["subjects:read", "subjects:read_natural"]
    )
    api[0].refresh_from_db()
    response = _call(client, api, body={"q": number})
    assert response.status_code == 200, response.content
    assert number not in response.content.decode()
    assert response.json()["natural_persons"][0]["id_masked"].startswith(number[:3])
