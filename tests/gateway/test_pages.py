"""Staff pages of the gateway: API clients (list, create with the secret shown once, detail,
edit, rotate, disable/enable) and the call log (statistics, calls, export)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from credit.accounts.roles import Role
from credit.core.models import AuditEntry, Department
from credit.gateway.models import ApiClient, CallLog
from tests.gateway.test_calllog import BEIJING, log_row, make_api_client, signed_search

pytestmark = pytest.mark.django_db

CLIENT_PAGES = ["/gateway/clients/", "/gateway/clients/new/"]
CALL_PAGES = ["/gateway/calls/", "/gateway/calls/stats/", "/gateway/calls/export.xlsx"]


@pytest.fixture
def admin(client, admin_user):
    client.force_login(admin_user)
    return admin_user


def _create(client, **changes):
    data = {
        "name": "市市场监管局审批系统",
        "kind": "department",
        "department": Department.objects.get(code="SCJG").pk,
        "contact": "张工 0519-12345678",
        "ips": "127.0.0.1\n10.1.2.0/24\n",
        "scopes": ["subjects:read"],
        "rate_limit": 20,
        "daily_quota": 5000,
        **changes,
    }
    return client.post("/gateway/clients/new/", data)


def _audits(client_obj: ApiClient, event: str):
    return AuditEntry.objects.filter(
        event_type=event, object_type="gateway.apiclient", object_id=str(client_obj.pk)
    )


# --------------------------------------------------------------------------------------------
# permissions
# --------------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login_page(client):
    api_client, _ = make_api_client()
    for url in [*CLIENT_PAGES, *CALL_PAGES, f"/gateway/clients/{api_client.pk}/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_a_department_officer_is_refused_every_page(client, make_user):
    api_client, _ = make_api_client()
    client.force_login(make_user(Role.DEPT_OFFICER, department="SCJG"))
    for url in [*CLIENT_PAGES, *CALL_PAGES, f"/gateway/clients/{api_client.pk}/"]:
        assert client.get(url).status_code == 403, url
    for action in ("rotate", "disable", "enable"):
        url = f"/gateway/clients/{api_client.pk}/{action}/"
        assert client.post(url, {"reason": "x"}).status_code == 403
    api_client.refresh_from_db()
    assert api_client.is_active
    assert not _audits(api_client, "apiclient.secret_rotated").exists()


@pytest.mark.parametrize("role", [Role.CITY_REVIEWER, Role.DISTRICT_ADMIN])
def test_other_roles_without_the_permissions_are_refused(client, make_user, role):
    client.force_login(make_user(role))
    for url in [*CLIENT_PAGES, *CALL_PAGES]:
        assert client.get(url).status_code == 403, url


def test_an_auditor_reads_the_call_log_but_does_not_manage_clients(client, make_user):
    client.force_login(make_user(Role.AUDITOR))
    for url in CLIENT_PAGES:
        assert client.get(url).status_code == 403, url
    for url in CALL_PAGES:
        assert client.get(url).status_code == 200, url


def test_the_home_page_links_to_the_pages_the_role_may_open(client, make_user):
    client.force_login(make_user(Role.CITY_ADMIN))
    page = client.get("/").content.decode()
    assert "/gateway/clients/" in page and "/gateway/calls/stats/" in page

    client.force_login(make_user(Role.AUDITOR))
    page = client.get("/").content.decode()
    assert "/gateway/clients/" not in page and "/gateway/calls/stats/" in page

    client.force_login(make_user(Role.DEPT_OFFICER, department="SCJG"))
    page = client.get("/").content.decode()
    assert "/gateway/" not in page


# --------------------------------------------------------------------------------------------
# API clients
# --------------------------------------------------------------------------------------------


def test_the_list_filters_by_name_key_and_state(client, admin):
    first, _ = make_api_client("市市场监管局审批系统")
    second, _ = make_api_client("市税务局征管系统")
    second.is_active = False
    second.save(update_fields=["is_active"])

    page = client.get("/gateway/clients/").content.decode()
    assert first.name in page and second.name in page
    page = client.get("/gateway/clients/", {"q": "税务"}).content.decode()
    assert first.name not in page and second.name in page
    page = client.get("/gateway/clients/", {"q": first.key}).content.decode()
    assert first.name in page and second.name not in page
    page = client.get("/gateway/clients/", {"active": "1"}).content.decode()
    assert first.name in page and second.name not in page


def test_the_list_costs_the_same_queries_whatever_the_number_of_clients(
    client, admin, django_assert_max_num_queries
):
    for n in range(12):
        make_api_client(f"业务系统{n:02d}")
    with django_assert_max_num_queries(8):
        assert client.get("/gateway/clients/").status_code == 200


def test_create_shows_the_secret_once_and_the_other_pages_never(client, admin, legal_person):
    response = _create(client)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    created = ApiClient.objects.get(name="市市场监管局审批系统")
    secret = response.context["secret"]
    page = response.content.decode()
    assert secret in page and created.key in page
    assert created.allowed_ips == ["10.1.2.0/24", "127.0.0.1/32"]
    assert (created.scopes, created.rate_limit, created.daily_quota) == (
        ["subjects:read"],
        20,
        5000,
    )
    assert created.contact == "张工 0519-12345678"
    entry = _audits(created, "apiclient.created").get()
    assert entry.actor == admin
    assert secret not in str(entry.after)

    for url in [f"/gateway/clients/{created.pk}/", "/gateway/clients/", "/gateway/calls/"]:
        other = client.get(url)
        assert other.status_code == 200 and secret not in other.content.decode(), url
    # the secret works
    assert signed_search(client, created.key, secret, legal_person.uscc).status_code == 200


def test_create_shows_service_refusals_with_their_code_and_creates_nothing(client, admin):
    response = _create(client, kind="third_party", department="", scopes=["ingest:push"])
    assert response.status_code == 200
    page = response.content.decode()
    assert "scope_department_only" in page
    assert "secret" not in response.context

    response = _create(client, department="")
    assert "client_department_required" in response.content.decode()

    response = _create(client, ips="10.1.2.300")
    assert "ip_invalid" in response.content.decode()

    assert not ApiClient.objects.exists()
    make_api_client("市市场监管局审批系统")
    assert "client_exists" in _create(client).content.decode()


def test_the_detail_page_shows_the_summary_and_recent_calls(client, admin):
    api_client, _ = make_api_client()
    log_row(
        client_id=api_client.pk,
        department_id=api_client.department_id,
        status=429,
        subject="91320400MA1XXXXXXX",
        request_id="recent-1",
    )

    response = client.get(f"/gateway/clients/{api_client.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert api_client.key in page and "127.0.0.1/32" in page and "查询法人信用档案" in page
    assert "recent-1" in page and "91320400MA1XXXXXXX" in page
    assert response.context["week"]["calls"] == 1


def test_edit_updates_the_grants_and_is_audited(client, admin):
    api_client, _ = make_api_client()
    url = f"/gateway/clients/{api_client.pk}/edit/"
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            "contact": "张工 0519-12345678",
            "ips": "10.9.0.0/16",
            "scopes": ["subjects:read", "catalog:read"],
            "rate_limit": 5,
            "daily_quota": 100,
        },
    )

    assert response.status_code == 302
    api_client.refresh_from_db()
    assert api_client.contact == "张工 0519-12345678"
    assert api_client.allowed_ips == ["10.9.0.0/16"]
    assert api_client.scopes == ["catalog:read", "subjects:read"]
    assert (api_client.rate_limit, api_client.daily_quota) == (5, 100)
    entry = _audits(api_client, "apiclient.updated").get()
    assert entry.before["ips"] == ["127.0.0.1/32"] and entry.after["ips"] == ["10.9.0.0/16"]


def test_edit_shows_service_refusals(client, admin):
    api_client, _ = make_api_client()
    response = client.post(
        f"/gateway/clients/{api_client.pk}/edit/",
        {"ips": "not-an-address", "scopes": ["subjects:read"], "rate_limit": 5, "daily_quota": 9},
    )
    assert response.status_code == 200 and "ip_invalid" in response.content.decode()
    api_client.refresh_from_db()
    assert api_client.allowed_ips == ["127.0.0.1/32"]
    assert not _audits(api_client, "apiclient.updated").exists()


def test_rotate_shows_a_new_secret_once_and_the_old_one_stops_working(client, admin, legal_person):
    api_client, old = make_api_client()
    assert signed_search(client, api_client.key, old, legal_person.uscc).status_code == 200
    assert client.get(f"/gateway/clients/{api_client.pk}/rotate/").status_code == 405

    response = client.post(f"/gateway/clients/{api_client.pk}/rotate/")

    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    new = response.context["secret"]
    assert new != old and new in response.content.decode()
    assert signed_search(client, api_client.key, old, legal_person.uscc).status_code == 401
    assert signed_search(client, api_client.key, new, legal_person.uscc).status_code == 200
    assert _audits(api_client, "apiclient.secret_rotated").get().actor == admin
    assert new not in client.get(f"/gateway/clients/{api_client.pk}/").content.decode()
    refused = CallLog.objects.filter(client_id=api_client.pk, status=401).get()
    assert refused.route == "/api/v1/subjects/search"


def test_disable_requires_a_reason(client, admin):
    api_client, _ = make_api_client()

    response = client.post(f"/gateway/clients/{api_client.pk}/disable/", {"reason": "  "})

    assert response.status_code == 400
    assert "停用原因" in response.content.decode()
    api_client.refresh_from_db()
    assert api_client.is_active
    assert not _audits(api_client, "apiclient.disabled").exists()


def test_disable_then_enable_are_audited_and_take_effect(client, admin, legal_person):
    api_client, secret = make_api_client()

    response = client.post(
        f"/gateway/clients/{api_client.pk}/disable/", {"reason": "系统下线，停止对接"}
    )

    assert response.status_code == 302
    api_client.refresh_from_db()
    assert not api_client.is_active and api_client.disabled_at is not None
    entry = _audits(api_client, "apiclient.disabled").get()
    assert entry.after == {"reason": "系统下线，停止对接"} and entry.actor == admin
    refused = signed_search(client, api_client.key, secret, legal_person.uscc)
    assert refused.status_code == 403 and refused.json()["code"] == "client_disabled"

    assert client.post(f"/gateway/clients/{api_client.pk}/enable/").status_code == 302
    api_client.refresh_from_db()
    assert api_client.is_active and api_client.disabled_at is None
    assert _audits(api_client, "apiclient.enabled").get().actor == admin
    assert signed_search(client, api_client.key, secret, legal_person.uscc).status_code == 200


# --------------------------------------------------------------------------------------------
# the call log
# --------------------------------------------------------------------------------------------


def test_the_statistics_page_shows_the_numbers_of_the_period(client, admin):
    api_client, _ = make_api_client()
    today = timezone.now().astimezone(BEIJING).date()
    noon = datetime.datetime.combine(today, datetime.time(12), BEIJING)
    for latency, status in [(10, 200), (30, 200), (50, 500)]:
        log_row(client_id=api_client.pk, called_at=noon, latency_ms=latency, status=status)
    log_row(called_at=noon - datetime.timedelta(days=30))  # before the default week

    response = client.get("/gateway/calls/stats/")

    assert response.status_code == 200
    stats = response.context["stats"]
    assert (stats["total"]["calls"], stats["total"]["server_errors"]) == (3, 1)
    assert stats["total"]["mean_ms"] == 30.0
    page = response.content.decode()
    assert api_client.name in page and "按部门" in page and today.isoformat() in page

    response = client.get("/gateway/calls/stats/", {"status": "5xx"})
    assert response.context["stats"]["total"]["calls"] == 1


def test_the_statistics_page_refuses_a_reversed_period(client, admin):
    response = client.get("/gateway/calls/stats/", {"start": "2026-05-02", "end": "2026-05-01"})
    assert response.status_code == 200 and response.context["stats"] is None
    assert "结束日期不能早于开始日期" in response.content.decode()


def test_the_call_list_pages_with_a_cursor_and_keeps_its_filters(
    client, admin, django_assert_max_num_queries
):
    api_client, _ = make_api_client()
    for n in range(60):
        log_row(client_id=api_client.pk, request_id=f"call-{n:02d}", status=404 if n % 2 else 200)

    with django_assert_max_num_queries(10):
        first = client.get("/gateway/calls/", {"client": api_client.pk})
    assert first.status_code == 200
    rows = first.context["rows"]
    assert len(rows) == 50 and rows[0].request_id == "call-59"
    cursor = first.context["next_before"]
    assert f"before={cursor}" in first.content.decode()

    second = client.get("/gateway/calls/", {"client": api_client.pk, "before": cursor})
    assert second.context["rows"][0].request_id == "call-09"
    assert len(second.context["rows"]) == 10 and second.context["next_before"] is None

    filtered = client.get("/gateway/calls/", {"status": "404"})
    assert {r.status for r in filtered.context["rows"]} == {404}
    assert len(filtered.context["rows"]) == 30
