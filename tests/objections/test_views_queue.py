"""The objection queue (:mod:`credit.objections.views.queue`): what each user sees, the
filters and overdue flags, query counts and the export."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credit.core.models import AuditEntry
from credit.objections.models import Objection
from tests.objections.conftest import PHONE, page_text, sheet

pytestmark = pytest.mark.django_db


def test_a_department_officer_sees_only_its_departments_tasks(
    client, assigned, submit, make_penalty, scjg_officer, sw_officer
):
    submit(make_penalty("常市监罚〔2026〕2号"))  # not assigned to anyone yet
    client.force_login(scjg_officer)
    text = page_text(client.get("/objections/manage/"))
    assert assigned.number in text and text.count("/objections/manage/YY") == 1
    client.force_login(sw_officer)
    assert assigned.number not in page_text(client.get("/objections/manage/"))
    assert client.get(f"/objections/manage/{assigned.number}/").status_code == 404
    rows = sheet(client.get("/objections/manage/export.xlsx"), "信用异议")
    assert len(rows) == 1  # headers only


def test_the_queue_filters_and_flags_overdue_cases(client, office, submit, make_penalty):
    late = submit(make_penalty("常市监罚〔2026〕3号"))
    fresh = submit(make_penalty("常市监罚〔2026〕4号"))
    Objection.objects.filter(pk=late.pk).update(
        accept_due=timezone.localdate() - datetime.timedelta(days=10)
    )
    client.force_login(office)
    text = page_text(client.get("/objections/manage/"))
    assert late.number in text and fresh.number in text and "已超期" in text
    overdue = page_text(client.get("/objections/manage/?overdue=on"))
    assert late.number in overdue and fresh.number not in overdue
    by_status = page_text(client.get("/objections/manage/?status=accepted"))
    assert late.number not in by_status
    assert late.number in page_text(client.get(f"/objections/manage/?q={late.number}"))
    by_channel = page_text(client.get("/objections/manage/?channel=offline"))
    assert late.number not in by_channel
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert late.number not in page_text(client.get(f"/objections/manage/?date_from={tomorrow}"))
    assert late.number in page_text(client.get("/objections/manage/?department=SCJG"))


def test_the_queue_does_not_query_per_row(client, office, submit, make_penalty):
    client.force_login(office)
    submit(make_penalty("常市监罚〔2026〕10号"))
    with CaptureQueriesContext(connection) as one:
        client.get("/objections/manage/")
    for i in range(11, 16):
        submit(make_penalty(f"常市监罚〔2026〕{i}号"))
    with CaptureQueriesContext(connection) as six:
        client.get("/objections/manage/")
    assert len(six) == len(one)


def test_the_export_opens_with_openpyxl(client, office, submit, penalty_record):
    objection = submit(penalty_record)
    client.force_login(office)
    response = client.get("/objections/manage/export.xlsx?status=submitted")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    rows = sheet(response, "信用异议")
    assert rows[0][:4] == ["受理编号", "提交时间", "渠道", "状态"]
    assert rows[1][0] == objection.number and rows[1][3] == "待受理"
    assert rows[1][10] == "138****5678" and PHONE not in str(rows)
    assert AuditEntry.objects.filter(event_type="objections.exported").exists()
