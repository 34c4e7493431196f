"""Statistics per department and month (:mod:`credit.objections.views.stats`)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.objections.conftest import page_text, sheet

pytestmark = pytest.mark.django_db


def test_statistics_per_department_and_month(client, office, application, submit, penalty_record):
    submit(penalty_record)
    client.force_login(office)
    text = page_text(client.get("/objections/manage/stats/"))
    month = timezone.localdate().strftime("%Y-%m")
    assert month in text and "常州市市场监督管理局" in text
    response = client.get("/objections/manage/stats/export.xlsx")
    objections = sheet(response, "信用异议")
    repairs = sheet(response, "信用修复")
    assert objections[0][:3] == ["月份", "来源部门", "收到"]
    assert objections[1][:4] == [month, "常州市市场监督管理局", 1, 1]  # 1 received, 1 open
    assert repairs[1][:4] == [month, "常州市市场监督管理局", 1, 0]
