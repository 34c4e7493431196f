"""The warning pages: the list (filters, count, order, export, empty states), one warning with
its history and the acknowledge/close forms, and the rules with the credit office's form."""

from __future__ import annotations

import pytest
from django.test import Client

from credit.alerts import services
from credit.alerts.models import Warning, WarningRule
from tests.conftest import response_text

pytestmark = pytest.mark.django_db


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_the_users_warnings_most_urgent_first(
    warnings, staff, django_assert_max_num_queries
):
    client = _as(staff["tianning"])
    with django_assert_max_num_queries(12):
        page = client.get("/warnings/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "本辖市区的预警" in text
    assert 'class="level level-severe">严重' in text
    shown = [w for w in ("department:TNQ-SCJG@2026-11", "district:320402@2026-11",
                         "district:320402@2026-10") if w in text]  # fmt: skip
    assert shown == ["department:TNQ-SCJG@2026-11", "district:320402@2026-11",
                     "district:320402@2026-10"]  # fmt: skip
    assert text.index("department:TNQ-SCJG@2026-11") < text.index("district:320402@2026-10")
    assert "district:320404" not in text  # another district's
    assert "共 3 条" in text
    assert 'href="/sanctions/lists/?region=320402"' in text


def test_the_filters_narrow_and_say_why_nothing_is_left(warnings, staff):
    client = _as(staff["office"])
    text = client.get("/warnings/", {"level": "notice"}).content.decode()
    assert "district:320404@2026-11" in text and "共 1 条" in text
    text = client.get("/warnings/", {"status": "closed", "level": "severe"}).content.decode()
    assert "暂无符合条件的预警" in text and "清除筛选" in text
    bad = client.get("/warnings/", {"date_from": "2026-12-01", "date_to": "2026-11-01"})
    assert "结束日期不能早于开始日期" in bad.content.decode()


def test_the_empty_list_explains_where_warnings_come_from(staff):
    text = _as(staff["tnq_officer"]).get("/warnings/").content.decode()
    assert "暂无预警" in text and "还没有启用的预警规则" in text
    services.load_default_rules()
    text = _as(staff["tnq_officer"]).get("/warnings/").content.decode()
    assert "暂无预警" in text and "每小时评估一次" in text


def test_the_export_holds_what_is_filtered(warnings, staff):
    response = _as(staff["office"]).get("/warnings/export.xlsx", {"status": "open"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    text = response_text(response)
    assert "department:TNQ-SCJG@2026-11 的预警内容" in text and "严重" in text
    assert "district:320402@2026-10" not in text
    assert "http://testserver/sanctions/lists/?region=320402" in text
    assert "待处理" in text  # the filter, in words


def test_a_warning_page_with_its_history_and_forms(warnings, staff):
    w = warnings["tnq"]
    client = _as(staff["tianning"])
    text = client.get(f"/warnings/{w.pk}/").content.decode()
    assert "确认预警" in text and "关闭预警" in text and "查看证明该情况的列表" in text
    response = client.post(f"/warnings/{w.pk}/acknowledge/", {"note": "已安排核实"})
    assert response.status_code == 302 and response["Location"] == f"/warnings/{w.pk}/"
    text = client.get(f"/warnings/{w.pk}/").content.decode()
    assert "已确认该预警" in text and "已安排核实" in text
    assert "确认预警" not in text and "关闭预警" in text
    refused = client.post(f"/warnings/{w.pk}/close/", {"reason": ""})
    assert refused.status_code == 422 and "请填写关闭原因" in refused.content.decode()
    client.post(f"/warnings/{w.pk}/close/", {"reason": "已督促补报"})
    w.refresh_from_db()
    assert w.status == "closed"
    history = client.get(f"/warnings/{w.pk}/").content.decode()
    assert "确认</strong>" in history and "关闭</strong>" in history and "已督促补报" in history


def test_a_step_someone_else_took_meanwhile_is_refused_in_words(warnings, staff):
    w = warnings["tnq"]
    _as(staff["office"]).post(f"/warnings/{w.pk}/acknowledge/", {"note": ""})
    late = _as(staff["tianning"]).post(f"/warnings/{w.pk}/acknowledge/", {"note": "我也确认"})
    assert late.status_code == 422
    assert "只有待处理的预警可以确认" in late.content.decode()
    w.refresh_from_db()
    assert w.acknowledge_note == ""


def test_a_leader_reads_but_does_not_handle(warnings, staff):
    w = warnings["tnq"]
    client = _as(staff["leader"])
    text = client.get(f"/warnings/{w.pk}/").content.decode()
    assert "<h2>关闭预警</h2>" not in text and "由市信用办和所属辖市区的管理员办理" in text
    assert client.post(f"/warnings/{w.pk}/close/", {"reason": "x"}).status_code == 403
    w.refresh_from_db()
    assert w.status == "open"


def test_another_districts_warning_is_not_found(warnings, staff):
    client = _as(staff["zhonglou"])
    assert client.get(f"/warnings/{warnings['tnq'].pk}/").status_code == 404
    assert client.post(f"/warnings/{warnings['tnq'].pk}/acknowledge/").status_code == 404
    assert client.get("/warnings/999999999/").status_code == 404


def test_the_rules_page_and_the_credit_offices_form(staff):
    services.load_default_rules()
    client = _as(staff["office"])
    text = client.get("/warnings/rules/").content.decode()
    assert "辖市区本月新增失信记录超过前12个月平均值的1.5倍" in text
    assert "高于前12个月平均值的1.5倍" in text and "低于90%" in text
    assert "新增规则" in text and "双公示信息7个工作日内报送及时率" in text
    form = client.get("/warnings/rules/new/").content.decode()
    assert "前12个周期平均值的倍数" in form and "预警对象" in form
    data = {
        "code": "tnq-records",
        "name": "天宁区失信记录过多",
        "metric": "dishonesty_records",
        "subject": "district",
        "comparison": "gt",
        "threshold": "",
        "ratio_to_average": "",
        "period": "month",
        "level": "notice",
        "is_active": "on",
    }
    refused = client.post("/warnings/rules/new/", data)
    assert "须填写且只填写一项" in refused.content.decode()
    assert not WarningRule.objects.filter(code="tnq-records").exists()
    refused = client.post("/warnings/rules/new/", {**data, "threshold": "5", "subject": "subject"})
    assert "只能按辖市区、部门、全市预警" in refused.content.decode()
    done = client.post("/warnings/rules/new/", {**data, "threshold": "50"})
    assert done.status_code == 302
    assert WarningRule.objects.get(code="tnq-records").threshold == 50
    again = client.post("/warnings/rules/new/", {**data, "threshold": "5"})
    assert "已有该标识的规则" in again.content.decode()
    edit = client.post("/warnings/rules/tnq-records/edit/", {**data, "code": "changed",
                                                            "threshold": "60"})  # fmt: skip
    assert edit.status_code == 302
    assert WarningRule.objects.get(code="tnq-records").threshold == 60
    assert not WarningRule.objects.filter(code="changed").exists()
    client.post("/warnings/rules/tnq-records/deactivate/")
    assert not WarningRule.objects.get(code="tnq-records").is_active


def test_a_district_administrator_reads_the_rules_but_may_not_change_them(staff):
    services.load_default_rules()
    client = _as(staff["tianning"])
    text = client.get("/warnings/rules/").content.decode()
    assert "部门双公示7个工作日报送及时率低于90%" in text and "新增规则" not in text
    refused = client.get("/warnings/rules/new/")
    assert refused.status_code == 403 and "市信用办统一维护" in refused.content.decode()
    assert client.post("/warnings/rules/department-silent/deactivate/").status_code == 403


def test_the_rules_page_says_when_there_are_none(staff):
    text = _as(staff["office"]).get("/warnings/rules/").content.decode()
    assert "暂无预警规则" in text and "credit warnings load-rules" in text


def test_warnings_raised_by_the_evaluation_show_on_the_page(
    make_record, make_rule, legal_person, staff
):
    import datetime

    make_rule("dishonesty_records", "district", "gte", threshold="1", level="severe")
    make_record("admin-penalty", "TNQ-SCJG", legal_person, decided=datetime.date.today())
    services.evaluate()
    text = _as(staff["tianning"]).get("/warnings/").content.decode()
    assert "天宁区" in text and "新增失信记录为1条，不低于阈值1条" in text
    assert Warning.objects.filter(status="open").count() == 1
