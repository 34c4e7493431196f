"""The API call log: monthly partitions, one row per call (staff, signed, refused), masked
subjects, statistics, the Excel export and the periodic jobs."""

from __future__ import annotations

import datetime
import io
import json
import logging
import statistics
import zoneinfo

import openpyxl
import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credit.accounts.roles import Role
from credit.core.errors import PermissionDenied
from credit.core.masking import mask_id_number
from credit.core.models import AuditEntry, Department
from credit.gateway import calllog, selectors, services
from credit.gateway.client import signed_headers
from credit.gateway.models import CallLog
from credit.gateway.selectors import CallFilter

pytestmark = pytest.mark.django_db

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
SEARCH = "/api/v1/subjects/search"


# --------------------------------------------------------------------------------------------
# helpers shared with test_pages
# --------------------------------------------------------------------------------------------


def make_api_client(name: str = "市市场监管局审批系统", scopes=("subjects:read",)):
    """``(client, secret)``: a department system of 市场监管局 allowed from 127.0.0.1."""
    return services.create_client(
        actor=None,
        name=name,
        kind="department",
        department=Department.objects.get(code="SCJG"),
        ips=["127.0.0.1/32"],
        scopes=list(scopes),
    )


def signed_search(django_client, key: str, secret: str, q: str, *, tamper: bool = False):
    body = json.dumps({"q": q}).encode()
    headers = signed_headers(key, secret, "POST", SEARCH, "", body)
    if tamper:
        signature = headers["X-Credit-Signature"]
        # Change the first character (to another one: a signature may begin with "A").
        headers["X-Credit-Signature"] = ("B" if signature[0] == "A" else "A") + signature[1:]
    return django_client.post(
        SEARCH, data=body, content_type="application/json", headers=headers, REMOTE_ADDR="127.0.0.1"
    )


def month_start(offset: int = 0) -> datetime.datetime:
    """The first instant of this month (Beijing time) plus ``offset`` months."""
    today = timezone.now().astimezone(BEIJING).date()
    year, month = divmod(today.year * 12 + today.month - 1 + offset, 12)
    return datetime.datetime(year, month + 1, 1, tzinfo=BEIJING)


def partition_name(offset: int = 0) -> str:
    return f"gateway_calllog_{month_start(offset):%Y_%m}"


def log_row(**values) -> None:
    row = {
        "called_at": timezone.now(),
        "method": "POST",
        "route": SEARCH,
        "path": SEARCH,
        "status": 200,
        "latency_ms": 10,
        **values,
    }
    assert calllog.record_call(**row)


def percentile_cont(values, fraction):
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _partitions() -> set[str]:
    return {p["name"] for p in calllog.partitions()}


def _tableoid(request_id: str) -> str:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT tableoid::regclass::text FROM gateway_calllog WHERE request_id = %s",
            [request_id],
        )
        return cur.fetchone()[0]


# --------------------------------------------------------------------------------------------
# partitions
# --------------------------------------------------------------------------------------------


def test_the_migration_created_partitions_for_this_month_the_next_and_a_default():
    names = _partitions()
    assert {partition_name(0), partition_name(1), "gateway_calllog_default"} <= names


def test_the_table_is_range_partitioned_on_called_at_with_the_composite_key_and_indexes():
    with connection.cursor() as cur:
        cur.execute("SELECT pg_get_partkeydef('gateway_calllog'::regclass)")
        assert cur.fetchone()[0] == "RANGE (called_at)"
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'gateway_calllog'"
        )
        indexes = dict(cur.fetchall())
    assert "(id, called_at)" in indexes["gateway_calllog_pkey"]
    assert "(client_id, called_at)" in indexes["gateway_calllog_client_idx"]
    assert "(department_id, called_at)" in indexes["gateway_calllog_department_idx"]


def test_ensure_partitions_creates_the_months_ahead_once():
    created = calllog.ensure_partitions(months_ahead=6)
    assert partition_name(6) in created and partition_name(0) not in created
    assert {partition_name(i) for i in range(7)} <= _partitions()
    assert calllog.ensure_partitions(months_ahead=6) == []


def test_rows_land_in_the_partition_of_their_month_and_the_default_catches_the_rest():
    log_row(called_at=month_start(0) + datetime.timedelta(hours=1), request_id="this-month")
    log_row(called_at=month_start(1) + datetime.timedelta(days=2), request_id="next-month")
    # the first instant of a month, Beijing time, belongs to that month
    log_row(called_at=month_start(1), request_id="boundary")
    log_row(called_at=month_start(1) - datetime.timedelta(microseconds=1), request_id="last")
    log_row(called_at=month_start(120), request_id="far-future")

    assert _tableoid("this-month") == partition_name(0)
    assert _tableoid("next-month") == partition_name(1)
    assert _tableoid("boundary") == partition_name(1)
    assert _tableoid("last") == partition_name(0)
    assert _tableoid("far-future") == "gateway_calllog_default"


def test_ensure_partitions_moves_rows_of_a_new_month_out_of_the_default():
    log_row(called_at=month_start(9) + datetime.timedelta(days=3), request_id="early")
    assert _tableoid("early") == "gateway_calllog_default"

    created = calllog.ensure_partitions(months_ahead=9)

    assert partition_name(9) in created
    assert _tableoid("early") == partition_name(9)
    assert CallLog.objects.filter(request_id="early").count() == 1
    log_row(called_at=month_start(9) + datetime.timedelta(days=4), request_id="later")
    assert _tableoid("later") == partition_name(9)


def test_the_periodic_jobs_are_registered_and_run():
    from procrastinate.contrib.django import app

    from credit.gateway import tasks

    schedules = {name: p.cron for (name, _), p in app.periodic_registry.periodic_tasks.items()}
    assert schedules["gateway.ensure_calllog_partitions"] == "17 17 * * *"
    assert schedules["gateway.purge_expired"] == "*/5 * * * *"

    tasks.ensure_calllog_partitions(timestamp=0)
    assert {partition_name(i) for i in range(tasks.MONTHS_AHEAD + 1)} <= _partitions()
    tasks.purge_expired(timestamp=0)


# --------------------------------------------------------------------------------------------
# append-only (the test database's user owns the table: the guards refuse the owner too)
# --------------------------------------------------------------------------------------------


def _refused(sql: str) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(sql)


def test_a_logged_call_cannot_be_updated_or_deleted_even_by_the_tables_owner():
    log_row(request_id="kept")
    _refused("UPDATE gateway_calllog SET status = 500 WHERE request_id = 'kept'")
    _refused(f"UPDATE {partition_name(0)} SET status = 500 WHERE request_id = 'kept'")
    _refused("DELETE FROM gateway_calllog WHERE request_id = 'kept'")
    assert CallLog.objects.get(request_id="kept").status == 200


def test_the_call_log_and_every_partition_refuse_truncate_new_ones_included():
    log_row(called_at=month_start(11), request_id="future")
    created = calllog.ensure_partitions(months_ahead=11)
    assert partition_name(11) in created
    for table in ["gateway_calllog", "gateway_calllog_default", *sorted(_partitions())]:
        _refused(f"TRUNCATE {table}")
    assert CallLog.objects.filter(request_id="future").exists()


def test_a_partition_made_by_hand_gets_its_truncate_guard_from_the_next_run():
    with connection.cursor() as cur:
        cur.execute(
            f"CREATE TABLE gateway_calllog_hand PARTITION OF gateway_calllog "
            f"FOR VALUES FROM ('{month_start(100).isoformat()}') "
            f"TO ('{month_start(101).isoformat()}')"
        )
    calllog.ensure_partitions(months_ahead=0)
    _refused("TRUNCATE gateway_calllog_hand")


def test_a_guarded_month_can_still_be_archived_by_detach_and_drop():
    log_row(called_at=month_start(12) + datetime.timedelta(days=1), request_id="archived")
    calllog.ensure_partitions(months_ahead=12)
    month = partition_name(12)
    _refused(f"TRUNCATE {month}")
    with connection.cursor() as cur:
        cur.execute(f"ALTER TABLE gateway_calllog DETACH PARTITION {month}")
        cur.execute(f"SELECT count(*) FROM {month}")
        assert cur.fetchone()[0] == 1
        cur.execute(f"DROP TABLE {month}")
    assert month not in _partitions()
    assert not CallLog.objects.filter(request_id="archived").exists()


# --------------------------------------------------------------------------------------------
# logging calls
# --------------------------------------------------------------------------------------------


def test_a_staff_api_call_is_logged_with_route_status_latency_and_request_id(
    client, make_user, legal_person
):
    officer = make_user(Role.DEPT_OFFICER, department="SCJG")
    client.force_login(officer)
    before = timezone.now()

    response = client.post(SEARCH, {"q": legal_person.uscc}, content_type="application/json")

    assert response.status_code == 200
    call = CallLog.objects.get()
    assert (call.method, call.route, call.path, call.status) == ("POST", SEARCH, SEARCH, 200)
    assert call.client_id is None
    assert call.user_id == officer.pk
    assert call.department_id == officer.department_id
    assert call.latency_ms >= 0
    assert before <= call.called_at <= timezone.now()
    assert call.subject == legal_person.uscc
    assert call.result == {"hits": 1}
    assert call.source_ip == "127.0.0.1"
    assert call.request_id == response["X-Request-ID"]


def test_the_route_is_the_pattern_not_the_path_with_ids(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/api/v1/ingest/batches/987654").status_code == 404

    call = CallLog.objects.get()
    assert call.route == "/api/v1/ingest/batches/<batch_id>"
    assert call.path == "/api/v1/ingest/batches/987654"
    assert call.status == 404


def test_a_signed_call_is_logged_with_its_client_service_user_and_department(client, legal_person):
    api_client, secret = make_api_client()

    response = signed_search(client, api_client.key, secret, legal_person.uscc)

    assert response.status_code == 200, response.content
    call = CallLog.objects.get()
    assert call.client_id == api_client.pk
    assert call.user_id == api_client.user_id
    assert call.department_id == Department.objects.get(code="SCJG").pk
    assert (call.status, call.route, call.result) == (200, SEARCH, {"hits": 1})


def test_a_badly_signed_call_is_logged_as_401_with_its_client(client, legal_person):
    api_client, secret = make_api_client()

    response = signed_search(client, api_client.key, secret, legal_person.uscc, tamper=True)

    assert response.status_code == 401
    assert response.json()["code"] == "signature_invalid"
    call = CallLog.objects.get()
    assert (call.status, call.client_id, call.user_id) == (401, api_client.pk, None)
    assert call.department_id == api_client.department_id
    assert call.subject is None and call.result is None


def test_a_call_with_an_unknown_key_is_logged_as_401_without_client(client):
    response = signed_search(client, "ck_unknown", "secret", "常州")

    assert response.status_code == 401
    call = CallLog.objects.get()
    assert (call.status, call.client_id, call.user_id, call.department_id) == (
        401,
        None,
        None,
        None,
    )


def test_a_call_refused_for_its_scope_is_logged_as_403(client):
    api_client, secret = make_api_client(scopes=["catalog:read"])

    response = signed_search(client, api_client.key, secret, "常州")

    assert response.status_code == 403
    assert CallLog.objects.get().status == 403
    assert CallLog.objects.get().client_id == api_client.pk


def test_an_anonymous_call_is_logged(client):
    assert client.post(SEARCH, {"q": "x"}, content_type="application/json").status_code == 401
    call = CallLog.objects.get()
    assert (call.status, call.client_id, call.user_id) == (401, None, None)


def test_the_resident_id_number_looked_up_is_stored_masked(client, admin_user, resident_id_factory):
    number = resident_id_factory()
    client.force_login(admin_user)

    assert client.post(SEARCH, {"q": number}, content_type="application/json").status_code == 200

    call = CallLog.objects.get()
    assert call.subject == mask_id_number(number)
    assert number not in call.subject and number[6:14] not in call.subject
    assert call.result == {"hits": 0}


@pytest.mark.parametrize(
    "given",
    ["91320400MA1XXXXXXX", "91320402MA1MXXXX0K", "常州市测试机械制造有限公司", "常州 2024"],
)
def test_mask_subject_keeps_codes_of_legal_persons_and_names(given):
    assert calllog.mask_subject(given) == given


@pytest.mark.parametrize("given", ["", "  ", None])
def test_mask_subject_stores_nothing_for_nothing(given):
    assert calllog.mask_subject(given) is None


def test_an_id_number_in_the_path_is_stored_masked(client, admin_user, resident_id_factory):
    number = resident_id_factory()
    client.force_login(admin_user)

    client.get(f"/api/v1/subjects/{number}")

    call = CallLog.objects.get()
    assert call.route == "/api/v1/subjects/<identifier>"
    assert call.path == f"/api/v1/subjects/{mask_id_number(number)}"
    assert number not in call.subject and number not in call.path


def test_an_all_digit_uscc_is_kept_in_subject_and_path():
    from credit.core.identifiers import make_uscc

    uscc = make_uscc("91", "320402", "11111111")
    assert uscc.isdigit()  # both check characters of this one are digits
    assert calllog.mask_subject(uscc) == uscc
    assert calllog.mask_ids(f"/api/v1/subjects/{uscc}") == f"/api/v1/subjects/{uscc}"


def test_mask_subject_masks_id_numbers_inside_text_and_full_width_digits(resident_id_factory):
    number = resident_id_factory()
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    assert calllog.mask_subject(f"张三 {number}") == f"张三 {mask_id_number(number)}"
    assert calllog.mask_subject(full_width) == mask_id_number(number)
    assert calllog.mask_subject("320402800517001") == mask_id_number("320402800517001")


def test_the_api_documentation_is_not_logged(client):
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert not CallLog.objects.exists()


def test_a_push_is_logged_with_the_receipt_counts(client, make_user):
    from tests.ingest.test_pipeline import HEADERS, _row

    client.force_login(make_user(Role.DEPT_OFFICER, department="SCJG"))
    rows = [dict(zip(HEADERS, _row(61), strict=True)), {"行政相对人名称": "缺字段"}]

    response = client.post(
        "/api/v1/ingest/admin-penalty", {"rows": rows}, content_type="application/json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    call = CallLog.objects.get()
    assert call.route == "/api/v1/ingest/<item>"
    assert call.result == {k: body[k] for k in call.result}
    assert set(call.result) == {
        "batch",
        "total",
        "inserted",
        "updated",
        "unchanged",
        "corrected",
        "rejected",
    }
    assert call.result["total"] == 2


def test_a_failing_log_write_never_breaks_the_response(
    client, admin_user, legal_person, monkeypatch, caplog
):
    monkeypatch.setattr(calllog, "_INSERT", calllog._INSERT.replace(calllog.TABLE, "no_such"))
    client.force_login(admin_user)

    with caplog.at_level(logging.WARNING, logger="credit.gateway.calllog"):
        response = client.post(SEARCH, {"q": legal_person.uscc}, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["legal_persons"][0]["uscc"] == legal_person.uscc
    assert "call log: could not record" in caplog.text
    assert not CallLog.objects.exists()  # and the connection is still usable


def test_one_insert_per_call(client, admin_user, legal_person):
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as queries:
        client.post(SEARCH, {"q": legal_person.uscc}, content_type="application/json")
    inserts = [q["sql"] for q in queries.captured_queries if "INTO gateway_calllog" in q["sql"]]
    assert len(inserts) == 1


# --------------------------------------------------------------------------------------------
# statistics and export
# --------------------------------------------------------------------------------------------


@pytest.fixture
def known_calls(make_user):
    """Eight calls over two Beijing days: five of a client, two of a staff user, one
    anonymous; one of them at 00:30 Beijing time (the previous day in UTC)."""
    api_client, _ = make_api_client()
    staff = make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG")
    today = timezone.now().astimezone(BEIJING).date()
    day1, day2 = today - datetime.timedelta(days=1), today

    def at(day, hour, minute=0):
        return datetime.datetime.combine(day, datetime.time(hour, minute), BEIJING)

    mine = {"client_id": api_client.pk, "user_id": api_client.user_id}
    mine["department_id"] = api_client.department_id
    theirs = {"user_id": staff.pk, "department_id": staff.department_id}
    rows = [
        {**mine, "called_at": at(day1, 9), "latency_ms": 10, "status": 200},
        {**mine, "called_at": at(day1, 10), "latency_ms": 20, "status": 200},
        {**mine, "called_at": at(day1, 23, 59), "latency_ms": 30, "status": 401},
        {**mine, "called_at": at(day2, 0, 30), "latency_ms": 40, "status": 200},
        {**mine, "called_at": at(day2, 1), "latency_ms": 100, "status": 500},
        {**theirs, "called_at": at(day2, 2), "latency_ms": 13, "status": 200},
        {**theirs, "called_at": at(day2, 3), "latency_ms": 15, "status": 403},
        {"called_at": at(day2, 4), "latency_ms": 1, "status": 401, "subject": "=HYPERLINK(1)"},
    ]
    for n, row in enumerate(rows):
        log_row(request_id=f"known-{n}", **row)
    # outside the period: the day before and the day after
    log_row(called_at=at(day1, 0) - datetime.timedelta(seconds=1), **mine)
    log_row(called_at=at(day2 + datetime.timedelta(days=1), 0), **mine)
    return {
        "client": api_client,
        "staff": staff,
        "day1": day1,
        "day2": day2,
        "rows": rows,
        "filter": CallFilter(start=day1, end=day2),
    }


def test_statistics_of_a_known_set_of_calls(known_calls, admin_user):
    stats = selectors.call_stats(admin_user, known_calls["filter"])
    latencies = [r["latency_ms"] for r in known_calls["rows"]]

    total = stats["total"]
    assert (total["calls"], total["ok"], total["client_errors"], total["server_errors"]) == (
        8,
        4,
        3,
        1,
    )
    assert total["mean_ms"] == pytest.approx(statistics.mean(latencies), abs=0.05)
    assert total["p95_ms"] == pytest.approx(percentile_cont(latencies, 0.95), abs=0.05)

    by_client = {r["label"]: r for r in stats["by_client"]}
    mine = by_client[known_calls["client"].name]
    assert (mine["calls"], mine["ok"], mine["client_errors"], mine["server_errors"]) == (
        5,
        3,
        1,
        1,
    )
    assert (mine["mean_ms"], mine["p95_ms"]) == (40.0, 88.0)
    assert mine["key"] == known_calls["client"].key
    assert by_client["工作人员（登录会话）"]["calls"] == 2
    assert by_client["未认证的调用"]["calls"] == 1

    by_department = {r["label"]: r["calls"] for r in stats["by_department"]}
    assert by_department == {
        Department.objects.get(code="SCJG").name: 5,
        known_calls["staff"].department.name: 2,
        "（无部门）": 1,
    }

    by_day = {r["day"]: (r["calls"], r["client_errors"]) for r in stats["by_day"]}
    assert by_day == {known_calls["day1"]: (3, 1), known_calls["day2"]: (5, 2)}


def test_statistics_filter_by_client_department_and_status(known_calls, admin_user):
    f = known_calls["filter"]
    client_id = str(known_calls["client"].pk)
    assert selectors.call_totals(admin_user, _with(f, client=client_id))["calls"] == 5
    assert selectors.call_totals(admin_user, _with(f, client="staff"))["calls"] == 2
    assert selectors.call_totals(admin_user, _with(f, client="anonymous"))["calls"] == 1
    department = known_calls["staff"].department_id
    assert selectors.call_totals(admin_user, _with(f, department=department))["calls"] == 2
    assert selectors.call_totals(admin_user, _with(f, status="4xx"))["calls"] == 3
    assert selectors.call_totals(admin_user, _with(f, status="401"))["calls"] == 2
    assert selectors.call_totals(admin_user, _with(f, status="5xx"))["calls"] == 1
    day2_only = _with(f, start=known_calls["day2"])
    assert selectors.call_totals(admin_user, day2_only)["calls"] == 5


def _with(f: CallFilter, **changes) -> CallFilter:
    return CallFilter(**{**f.__dict__, **changes})


def test_the_call_list_pages_newest_first_by_keyset(known_calls, admin_user):
    f = known_calls["filter"]
    first, cursor = selectors.call_page(admin_user, f, size=3)
    second, cursor2 = selectors.call_page(admin_user, f, before=cursor, size=3)
    third, cursor3 = selectors.call_page(admin_user, f, before=cursor2, size=3)

    ids = [c.id for c in first + second + third]
    assert len(ids) == 8 and ids == sorted(ids, reverse=True)
    assert cursor3 is None and len(third) == 2
    assert [c.request_id for c in first] == ["known-7", "known-6", "known-5"]


def test_only_the_credit_office_and_auditors_read_the_call_log(known_calls, make_user):
    f = known_calls["filter"]
    assert selectors.call_totals(make_user(Role.AUDITOR), f)["calls"] == 8
    for role in (Role.DEPT_OFFICER, Role.CITY_REVIEWER, Role.DISTRICT_ADMIN):
        with pytest.raises(PermissionDenied):
            selectors.call_stats(make_user(role), f)
        with pytest.raises(PermissionDenied):
            selectors.call_page(make_user(role), f)


def test_the_excel_export_has_the_statistics_and_the_calls(client, known_calls, admin_user):
    client.force_login(admin_user)
    params = {"start": known_calls["day1"].isoformat(), "end": known_calls["day2"].isoformat()}

    response = client.get("/gateway/calls/export.xlsx", params)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["汇总", "按调用方", "按部门", "按日", "明细"]

    detail = list(wb["明细"].iter_rows(values_only=True))
    assert detail[0][:3] == ("调用时间", "接口调用方", "访问密钥")
    assert len(detail) == 1 + 8
    by_request = {row[13]: row for row in detail[1:]}
    first = by_request["known-0"]
    assert first[1] == known_calls["client"].name and first[2] == known_calls["client"].key
    assert (first[5], first[6], first[8], first[9]) == ("POST", SEARCH, 200, 10)
    assert first[0] == datetime.datetime.combine(known_calls["day1"], datetime.time(9))
    assert by_request["known-7"][10] == "'=HYPERLINK(1)"  # formula-like text escaped

    clients = list(wb["按调用方"].iter_rows(values_only=True))
    assert clients[1][:3] == (known_calls["client"].name, known_calls["client"].key, 5)
    days = list(wb["按日"].iter_rows(values_only=True))
    assert [row[:2] for row in days[1:]] == [
        (known_calls["day1"].isoformat(), 3),
        (known_calls["day2"].isoformat(), 5),
    ]
    summary = list(wb["汇总"].iter_rows(values_only=True))
    assert summary[-1][:5] == ("合计", 8, 4, 3, 1)
    assert AuditEntry.objects.filter(event_type="calllog.exported", actor=admin_user).exists()
