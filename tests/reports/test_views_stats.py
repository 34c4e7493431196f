"""Statistics of credit reports: counts by status and channel in the user's tenant, the
reports issued per month as a chart whose numbers link to the queue, and the export."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.utils import timezone

from credit.accounts.roles import Role
from credit.reports import services
from credit.reports.constants import ApplicantKind
from credit.reports.models import Application
from tests.conftest import response_text
from tests.reports.factories import enter, make_template

pytestmark = pytest.mark.django_db


def _chart(page: str, source: str) -> dict:
    found = re.search(rf'<script id="{source}" type="application/json">(.*?)</script>', page, re.S)
    assert found, source
    assert re.search(rf'<div class="chart" data-chart="(bar|pie)" data-source="{source}"', page)
    return json.loads(found.group(1))


@pytest.fixture
def world(make_user, legal_person, uscc_factory, signing_keys):
    """In 天宁区 two hall applications (one issued) and a department's; in 钟楼区 one."""
    from credit.subjects.services import register_legal_person

    office, second, clerk = (make_user(Role.CITY_REVIEWER) for _ in range(3))
    template = make_template(office)
    issued, _ = enter(clerk, template, legal_person)
    services.review_materials(actor=office, application=issued, passed=True)
    services.approve(actor=second, application=issued)
    enter(clerk, template, legal_person)
    officer = make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG")
    enter(
        officer, template, legal_person,
        applicant_kind=ApplicantKind.DEPARTMENT, applicant_name="天宁区市场监管局", uploads=[],
    )  # fmt: skip
    elsewhere, _ = register_legal_person(
        actor=None,
        uscc=uscc_factory(division="320404"),
        name="钟楼区某公司",
        legal_representative="李四",
    )
    late, _ = enter(clerk, template, elsewhere)
    Application.objects.filter(pk=late.pk).update(
        due=timezone.localdate() - datetime.timedelta(days=9)
    )
    return {"office": office, "issued": issued}


def test_the_counts_by_status_channel_and_month_with_links_to_the_queue(client, world):
    client.force_login(world["office"])
    page = client.get("/reports/stats/").content.decode()
    status = _chart(page, "status-chart")
    counts = dict(zip(status["categories"], status["series"][0]["data"], strict=True))
    assert counts["待初审"] == 3 and counts["已出具"] == 1 and counts["待复核"] == 0
    assert status["links"][0] == "/reports/applications/?status=submitted"
    channel = _chart(page, "channel-chart")
    by_channel = dict(zip(channel["categories"], channel["series"][0]["data"], strict=True))
    assert by_channel == {"网上申请": 0, "窗口代录": 3, "部门申请": 1, "接口请求": 0}
    months = _chart(page, "months-chart")
    this_month = timezone.localdate().strftime("%Y-%m")
    assert len(months["categories"]) == 12 and months["categories"][-1] == this_month
    assert months["series"][0]["data"][-1] == 1
    link = months["links"][-1]
    assert link.startswith("/reports/applications/?status=issued&issued_from=")
    assert world["issued"].number in client.get(link).content.decode()
    assert 'data-testid="stat-overdue">1<' in page and 'data-testid="stat-reports">1<' in page


def test_a_district_counts_its_own_subjects_only(client, make_user, world):
    client.force_login(make_user(Role.DISTRICT_ADMIN, region="320402"))
    page = client.get("/reports/stats/").content.decode()
    counts = dict(
        zip(*(lambda c: (c["categories"], c["series"][0]["data"]))(_chart(page, "status-chart")),
            strict=True)
    )  # fmt: skip
    assert counts["待初审"] == 2  # 钟楼区's is not counted
    assert 'data-testid="stat-overdue">0<' in page


def test_the_export_holds_every_table(client, world):
    import io

    from openpyxl import load_workbook

    client.force_login(world["office"])
    response = client.get("/reports/stats/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["按状态", "按渠道", "按月出具", "办理情况"]
    rows = {r[0]: r[1] for r in book["按状态"].iter_rows(min_row=2, values_only=True)}
    assert rows["待初审"] == 3 and rows["已出具"] == 1
    assert "超期未办" in response_text(response)


@pytest.mark.parametrize(("role", "status"), [(None, 302), (Role.LEADER, 403)])
def test_the_public_and_a_leader_are_refused(client, make_user, role, status):
    if role is not None:
        client.force_login(make_user(role))
    assert client.get("/reports/stats/").status_code == status
    assert client.get("/reports/stats/export.xlsx").status_code == status
