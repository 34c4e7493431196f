"""Health check, login and the home page."""

import pytest
from django.db import OperationalError

from credit.accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    from credit.core import views

    class Broken:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(views, "connection", Broken())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_the_public_is_sent_from_the_home_to_the_portal(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert "工作人员登录" in client.get("/portal/").content.decode()


def test_login_page_is_in_chinese_and_logs_in(client, make_user):
    user = make_user(Role.CITY_REVIEWER)
    page = client.get("/accounts/login/").content.decode()
    assert "登录" in page and 'lang="zh-Hans"' in page
    response = client.post("/accounts/login/", {"username": user.username, "password": "pw"})
    assert response.status_code == 302 and response["Location"] == "/"
    bad = client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert "用户名或密码不正确" in bad.content.decode()


def test_home_shows_who_you_are_role_region_and_department(client, make_user):
    user = make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG", real_name="李四")
    client.force_login(user)
    page = client.get("/").content.decode()
    assert "李四" in page
    assert "部门数据报送员" in page
    assert "天宁区" in page
    assert "常州市天宁区市场监督管理局" in page
    assert "本部门报送的数据" in page


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        (Role.CITY_ADMIN, ["用户管理", "接口调用方", "信用主体查询", "管理后台"], []),
        (
            Role.DEPT_OFFICER,
            ["信用信息资源目录", "信用主体查询", "数据报送", "本部门数据质量"],
            ["用户管理", "接口调用方", "管理后台", "数据质量排名", "窗口异议登记"],
        ),
        (
            Role.AUDITOR,
            ["接口调用统计", "信用信息资源目录", "管理后台"],
            ["用户管理", "接口调用方"],
        ),
        (Role.DISTRICT_ADMIN, ["用户管理", "数据质量排名"], ["接口调用方", "管理后台"]),
        (Role.LEADER, ["信用监管一张图"], ["信用主体查询", "异议办理", "用户管理"]),
    ],
)
def test_home_links_only_what_the_role_may_do(client, make_user, role, present, absent):
    """The workbench's task list and the menu show the pages of the role (the menu's table:
    tests/core/test_navigation.py)."""
    client.force_login(make_user(role))
    page = client.get("/").content.decode()
    for text in present:
        assert text in page, text
    for text in absent:
        assert text not in page, text


def test_home_shows_what_waits_and_the_tasks_by_group(client, make_user):
    client.force_login(make_user(Role.CITY_REVIEWER))
    page = client.get("/").content.decode()
    assert "待办事项" in page and "待受理的异议" in page
    for group in ("数据报送", "名单管理", "异议修复", "统计分析"):
        assert f'">{group}</h3>' in page, group


def test_api_docs_and_schema_are_served(client, admin_user):
    assert client.get("/api/v1/openapi.json").status_code == 200
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "/static/ninja/" in docs.content.decode()  # served locally, no CDN


# --------------------------------------------------------------------------------------------
# Charts above the statistics tables (credit/charts.js draws them from the page's JSON)
# --------------------------------------------------------------------------------------------


def _chart(page: str, source: str) -> dict:
    """The data of the chart drawn from the JSON script ``source``, checking its container."""
    import json
    import re

    assert re.search(
        rf'<div class="chart" data-chart="(bar|line|pie)"[^>]* data-source="{source}"', page
    )
    found = re.search(rf'<script id="{source}" type="application/json">(.*?)</script>', page, re.S)
    assert found, source
    assert "vendor/echarts.min.js" in page and "credit/charts.js" in page
    return json.loads(found.group(1))


def test_the_quality_ranking_has_a_chart_of_the_scores(client, make_user):
    from credit.catalog.models import CatalogItem
    from credit.core.models import Department
    from credit.ingest.models import Batch

    tnq = Department.objects.get(code="TNQ-SCJG")
    Batch.objects.create(
        item=CatalogItem.objects.get(code="admin-penalty"), item_version=1, department=tnq,
        region_id=tnq.region_id, channel="upload", status="done", total=10, rejected=2,
        metrics={"volume": 10, "accuracy": 0.8, "completeness": 1.0},
    )  # fmt: skip
    client.force_login(make_user(Role.CITY_REVIEWER))
    data = _chart(client.get("/ingest/quality/").content.decode(), "quality-chart")
    assert data["categories"] == [tnq.short_name or tnq.name]
    assert data["series"] == [{"name": "综合得分", "data": [90.0]}]
    assert data["links"] == ["/ingest/quality/TNQ-SCJG/?days=90"]


def test_the_objection_statistics_have_charts_by_month(
    client, make_user, legal_person, resident_id_factory, settings
):
    import datetime

    from django.utils import timezone

    from credit.objections import services
    from credit.objections.uploads import Upload
    from tests.records.factories import penalty

    settings.CREDIT_SMS_BACKEND = "credit.objections.sms.MemoryBackend"
    admin = make_user(Role.CITY_ADMIN)
    services.record_offline_objection(
        actor=admin, record=penalty(legal_person, "SCJG", "常市监罚〔2026〕51号").record,
        name="李四", id_number=resident_id_factory(), phone="13812345678",
        reason="本人未实施该违法行为。", files=[Upload("证明.pdf", b"%PDF-1.4\n%%EOF\n", "")],
    )  # fmt: skip
    client.force_login(admin)
    page = client.get("/objections/manage/stats/").content.decode()
    month = timezone.localdate().strftime("%Y-%m")
    objections = _chart(page, "objection-chart")
    assert objections["categories"] == [month]
    received = objections["series"][0]
    assert (received["name"], received["data"]) == ("收到", [1])
    first = timezone.localdate().replace(day=1)
    assert received["links"][0].startswith(f"/objections/manage/?date_from={first}&date_to=")
    assert objections["series"][1]["links"][0].endswith("&status=open")
    repairs = _chart(page, "repair-chart")
    assert repairs["categories"] == [] and repairs["empty_text"] == "所选期间没有修复申请"
    assert datetime.date.fromisoformat(received["links"][0].split("date_to=")[1][:10]).month == (
        first.month
    )


def test_the_list_counts_have_a_chart_of_entries_in_force_and_ended(
    client, make_user, legal_person
):
    from credit.catalog.models import CatalogItem
    from credit.core.models import Department
    from credit.records.models import CreditRecord

    tnq = Department.objects.get(code="TNQ-SCJG")
    item = CatalogItem.objects.get(code="dishonest-judgment-debtor")
    CreditRecord.objects.create(
        item=item, legal_person=legal_person, department=tnq, region_id="320402",
        natural_key=f"chart-{legal_person.pk}", document_no="（2026）苏0402执5号", payload={},
        usage_scope="public",
    )  # fmt: skip
    client.force_login(make_user(Role.CITY_REVIEWER))
    data = _chart(client.get("/sanctions/lists/?region=320402").content.decode(), "lists-chart")
    assert data["categories"] == [item.name]
    in_force, ended = data["series"]
    assert (in_force["name"], in_force["data"], ended["data"]) == ("有效", [1], [0])
    assert in_force["links"] == [f"?region=320402&item={item.code}&state=in_force"]


def test_the_call_statistics_have_charts_by_day_and_by_caller(client, make_user):
    from django.utils import timezone

    from tests.gateway.test_calllog import log_row, make_api_client

    api_client, _ = make_api_client()
    for n in range(3):
        log_row(request_id=f"chart-{n}", client_id=api_client.pk, user_id=api_client.user_id,
                status=200 if n else 500)  # fmt: skip
    client.force_login(make_user(Role.AUDITOR))
    page = client.get("/gateway/calls/stats/").content.decode()
    by_day = _chart(page, "calls-by-day")
    assert len(by_day["categories"]) == 7  # the default period, days without calls at 0
    assert by_day["categories"][-1] == timezone.localdate().strftime("%m-%d")
    calls, _, server = by_day["series"]
    assert calls["data"][-1] == 3 and sum(calls["data"]) == 3 and server["data"][-1] == 1
    assert server["links"][-1].endswith("&status=5xx")
    by_client = _chart(page, "calls-by-client")
    assert by_client["categories"] == [api_client.name] and by_client["series"][0]["data"] == [3]
    assert f"client={api_client.pk}" in by_client["links"][0]
