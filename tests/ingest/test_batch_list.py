"""The batch list (报送批次, issue 14 item 9): filters by item, department, state and the day
received, the shared pager, an empty state that says why, the Excel export of what is
filtered, the user's scope, and a constant number of queries however many batches."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credit.accounts.roles import Role
from credit.core.models import Department
from credit.ingest.models import STALLED, Batch
from credit.ingest.pipeline import ingest_payloads
from credit.ingest.views.batches import EXPORT_HEADERS
from tests.records.factories import legal_payload

pytestmark = pytest.mark.django_db


def _batch(legal_person, department="SCJG", item="admin-penalty", days_ago=0, **values) -> Batch:
    dept = Department.objects.get(code=department)
    rows = [legal_payload(legal_person, dept, f"常市监罚〔2026〕列表{Batch.objects.count()}号")]
    batch = ingest_payloads(
        actor=None, rows=rows if item == "admin-penalty" else [], item_code=item,
        department_code=department,
    )  # fmt: skip
    when = timezone.now() - datetime.timedelta(days=days_ago)
    Batch.objects.filter(pk=batch.pk).update(created_at=when, **values)
    return Batch.objects.get(pk=batch.pk)


def _failed(legal_person, code: str, message: str) -> Batch:
    return _batch(legal_person, days_ago=1, status="failed", error_code=code, error_message=message)


@pytest.fixture
def batches(legal_person):
    """Batches of two departments, two items, four states and three days."""
    return {
        "penalty_today": _batch(legal_person),
        "penalty_old": _batch(legal_person, days_ago=40),
        "license": _batch(legal_person, item="admin-license", days_ago=3),
        "refused": _batch(
            legal_person,
            days_ago=1,
            status="failed",
            error_code="wrong_item",
            error_message="表头不符",
        ),
        "stalled": _batch(
            legal_person,
            days_ago=1,
            status="failed",
            error_code=STALLED,
            error_message="处理中断：…",
        ),
        "tax": _batch(legal_person, department="SW"),
    }


def _ids(response) -> set[int]:
    return {b.pk for b in response.context["page"]}


def test_the_filters_narrow_the_list(client, admin_user, batches):
    client.force_login(admin_user)
    every = _ids(client.get("/ingest/batches/"))
    assert {b.pk for b in batches.values()} <= every
    by_item = _ids(client.get("/ingest/batches/?item=admin-license"))
    assert by_item == {batches["license"].pk}
    by_dept = _ids(client.get("/ingest/batches/?department=SW"))
    assert by_dept == {batches["tax"].pk}
    assert _ids(client.get("/ingest/batches/?state=stalled")) == {batches["stalled"].pk}
    assert _ids(client.get("/ingest/batches/?state=refused")) == {batches["refused"].pk}
    done = _ids(client.get("/ingest/batches/?state=done&department=SCJG"))
    assert done == {batches["penalty_today"].pk, batches["penalty_old"].pk, batches["license"].pk}
    today = timezone.localdate()
    recent = _ids(
        client.get(
            f"/ingest/batches/?date_from={today - datetime.timedelta(days=5)}"
            f"&date_to={today - datetime.timedelta(days=1)}"
        )
    )
    assert recent == {batches["license"].pk, batches["refused"].pk, batches["stalled"].pk}


def test_the_newest_come_first_and_the_pager_keeps_the_filters(client, admin_user, batches):
    client.force_login(admin_user)
    for _ in range(31):
        Batch.objects.create(
            item=batches["penalty_today"].item,
            item_version=1,
            department=batches["penalty_today"].department,
            region_id="320400",
            channel="api",
            status="done",
        )
    response = client.get("/ingest/batches/?state=done&department=SCJG")
    page = response.context["page"]
    created = [b.created_at for b in page]
    assert created == sorted(created, reverse=True)
    body = response.content.decode()
    assert 'href="?state=done&amp;department=SCJG&page=2"' in body
    assert "共 34 批" in body


def test_a_wrong_filter_is_shown_on_the_form_and_never_a_500(client, admin_user, batches):
    client.force_login(admin_user)
    for query in (
        "date_from=2025-13-40",
        "item=no-such-item",
        "state=nonsense",
        "department=%00",
        "date_from=2026-05-01&date_to=2026-04-01",
        "page=99999999999999999999",
    ):
        response = client.get(f"/ingest/batches/?{query}")
        assert response.status_code in (200, 400), query
        assert client.get(f"/ingest/batches/export.xlsx?{query}").status_code in (200, 400)
    wrong = client.get("/ingest/batches/?date_from=2026-05-01&date_to=2026-04-01")
    assert "结束日期不能早于开始日期" in wrong.content.decode()


def test_the_empty_list_says_why(client, admin_user, make_user, batches):
    client.force_login(admin_user)
    body = client.get("/ingest/batches/?item=customs-aeo").content.decode()
    assert "没有符合条件的报送批次" in body and "清除筛选" in body
    # an officer of a department that has not reported yet
    client.force_login(make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG"))
    body = client.get("/ingest/batches/").content.decode()
    assert "还没有报送批次" in body and "都会在这里列出" in body


def test_an_officer_sees_its_department_only_and_no_department_filter(client, make_user, batches):
    client.force_login(make_user(Role.DEPT_OFFICER, department="SW"))
    response = client.get("/ingest/batches/")
    assert _ids(response) == {batches["tax"].pk}
    assert "department" not in response.context["form"].fields
    assert _ids(client.get("/ingest/batches/?department=SCJG")) == {batches["tax"].pk}
    rows = _export_rows(client.get("/ingest/batches/export.xlsx"))
    assert [r["批次号"] for r in rows] == [batches["tax"].pk]


def _export_rows(response) -> list[dict]:
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["报送批次"]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == EXPORT_HEADERS
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_the_export_holds_the_filtered_batches_with_their_columns(client, admin_user, batches):
    client.force_login(admin_user)
    response = client.get("/ingest/batches/export.xlsx?department=SCJG&state=refused")
    assert "attachment" in response["Content-Disposition"]
    (row,) = _export_rows(response)
    refused = batches["refused"]
    assert row["批次号"] == refused.pk and row["目录项"] == "行政处罚"
    assert row["部门"] == "常州市市场监督管理局" and row["区划"] == "常州市"
    assert row["渠道"] == "接口推送" and row["状态"] == "文件被拒收：表头不符"
    assert (row["总行数"], row["新增"], row["退回"]) == (1, 1, 0)
    assert row["接收时间"].date() == timezone.localdate() - datetime.timedelta(days=1)
    assert row["报送人"] == "系统"
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    filters = list(book["筛选条件"].iter_rows(values_only=True))
    assert ("报送部门", "常州市市场监督管理局") in filters and ("状态", "已拒收的文件") in filters
    every = _export_rows(client.get("/ingest/batches/export.xlsx"))
    assert len(every) == len(batches)


def test_the_list_and_the_export_take_the_same_queries_for_few_and_many_batches(
    client, admin_user, legal_person
):
    client.force_login(admin_user)
    _batch(legal_person)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count("/ingest/batches/"), count("/ingest/batches/export.xlsx")
    for n in range(12):
        _batch(legal_person, department="SW" if n % 2 else "SCJG", days_ago=n)
    many = count("/ingest/batches/"), count("/ingest/batches/export.xlsx")
    assert many == few
    assert few[0] <= 12


def test_the_batch_list_has_a_bounded_number_of_queries(
    client, admin_user, legal_person, django_assert_max_num_queries
):
    client.force_login(admin_user)
    for n in range(8):
        _batch(legal_person, days_ago=n)
    with django_assert_max_num_queries(12):
        client.get("/ingest/batches/?state=done")
