"""The data-quality report pages: who reads which report (a department its own, a district its
own and its departments', the credit office all), the list's summary and filters, the audited
downloads and the credit office's generate button."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from credit.accounts.roles import Role
from credit.assessment.models import QualityReport
from credit.assessment.services import quality
from credit.core.models import AuditEntry, Department, Region
from tests.assessment.test_quality import MONTH, _push, pdf_text
from tests.ingest.test_pipeline import _row

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports():
    """This month's reports of SCJG, TNQ-SCJG, 天宁区 and the city, over one batch each."""
    _push([_row(1), _row(2, **{"处罚类别": "罚金"})], department="SCJG")
    _push([_row(3)], department="TNQ-SCJG")
    return {
        "scjg": quality.generate(
            scope="department", month=MONTH, department=Department.objects.get(code="SCJG")
        ),
        "tnq": quality.generate(
            scope="department", month=MONTH, department=Department.objects.get(code="TNQ-SCJG")
        ),
        "tianning": quality.generate(
            scope="district", month=MONTH, region=Region.objects.get(code="320402")
        ),
        "city": quality.generate(scope="city", month=MONTH),
    }


def _status(client, name: str, report: QualityReport, *args: str) -> int:
    return client.get(reverse(name, args=[report.pk, *args])).status_code


def test_a_department_officer_reads_its_own_report_and_no_other(client, make_user, reports):
    client.force_login(make_user(Role.DEPT_OFFICER, department="SCJG"))
    assert _status(client, "assessment:quality_report", reports["scjg"]) == 200
    for other in ("tnq", "tianning", "city"):
        assert _status(client, "assessment:quality_report", reports[other]) == 404
        assert _status(client, "assessment:quality_download", reports[other], "pdf") == 404
    page = client.get(reverse("assessment:quality"))
    assert [r.pk for r in page.context["page"]] == [reports["scjg"].pk]
    assert page.context["summary"].pk == reports["scjg"].pk
    assert 'data-testid="generate"' not in page.content.decode()


def test_a_district_reads_its_own_and_its_departments_reports(client, make_user, reports):
    client.force_login(make_user(Role.DISTRICT_ADMIN, region="320402"))
    assert _status(client, "assessment:quality_report", reports["tianning"]) == 200
    assert _status(client, "assessment:quality_report", reports["tnq"]) == 200
    assert _status(client, "assessment:quality_report", reports["scjg"]) == 404
    assert _status(client, "assessment:quality_report", reports["city"]) == 404
    page = client.get(reverse("assessment:quality"))
    assert {r.pk for r in page.context["page"]} == {reports["tianning"].pk, reports["tnq"].pk}
    assert page.context["summary"].pk == reports["tianning"].pk


def test_the_credit_office_sees_the_city_summary_with_its_ranking(client, make_user, reports):
    client.force_login(make_user(Role.CITY_REVIEWER))
    page = client.get(reverse("assessment:quality"))
    body = page.content.decode()
    assert page.context["summary"].pk == reports["city"].pk
    assert page.context["chart"]["categories"][:2] and "chart-ranking" in body
    assert 'data-testid="ranking-departments"' in body and "常州市市场监督管理局" in body
    assert len(page.context["page"]) == 4
    filtered = client.get(reverse("assessment:quality"), {"scope": "district"})
    assert [r.pk for r in filtered.context["page"]] == [reports["tianning"].pk]
    unit = client.get(reverse("assessment:quality"), {"unit": f"d{reports['tnq'].department_id}"})
    assert [r.pk for r in unit.context["page"]] == [reports["tnq"].pk]
    other_month = client.get(reverse("assessment:quality"), {"month": "2001-01"})
    assert not list(other_month.context["page"])
    assert "没有符合条件的数据质量报告" in other_month.content.decode()


def test_the_report_page_shows_the_figures(client, make_user, reports):
    client.force_login(make_user(Role.DEPT_OFFICER, department="SCJG"))
    page = client.get(reverse("assessment:quality_report", args=[reports["scjg"].pk]))
    body = page.content.decode()
    assert 'data-testid="total">2<' in body and 'data-testid="rejected">1<' in body
    assert 'data-testid="accuracy">50.00%<' in body
    assert "取值不在代码表中" in body and "单数据源·记录级" in body


def test_downloads_are_the_stored_files_and_are_audited(client, make_user, reports):
    officer = make_user(Role.DEPT_OFFICER, department="SCJG")
    client.force_login(officer)
    pdf = client.get(reverse("assessment:quality_download", args=[reports["scjg"].pk, "pdf"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "常州市市场监督管理局" in pdf_text(pdf.content)
    xlsx = client.get(reverse("assessment:quality_download", args=[reports["scjg"].pk, "xlsx"]))
    summary = dict(load_workbook(io.BytesIO(xlsx.content))["概况"].iter_rows(values_only=True))
    assert summary["接收行数"] == 2
    entries = AuditEntry.objects.filter(event_type="quality_report.downloaded").order_by("id")
    assert [(e.actor_id, e.after["format"]) for e in entries] == [
        (officer.pk, "pdf"),
        (officer.pk, "xlsx"),
    ]
    assert _status(client, "assessment:quality_download", reports["scjg"], "doc") == 404


def test_the_credit_office_generates_a_month_and_a_district_may_not(client, make_user):
    client.force_login(make_user(Role.DISTRICT_ADMIN, region="320402"))
    url = reverse("assessment:quality_generate")
    assert client.post(url, {"month": f"{MONTH:%Y-%m}"}).status_code == 403
    assert not QualityReport.objects.exists()
    client.force_login(make_user(Role.CITY_ADMIN))
    response = client.post(url, {"month": f"{MONTH:%Y-%m}"}, follow=True)
    assert QualityReport.objects.filter(scope="city", month=MONTH).count() == 1
    assert "的数据质量报告" in response.content.decode()
    bad = client.post(url, {"month": "2026-13"}, follow=True)
    assert "月份“2026-13”无效" in bad.content.decode()
    assert client.get(url).status_code == 405


def test_an_officer_without_reports_is_told_why_the_list_is_empty(client, make_user):
    client.force_login(make_user(Role.DEPT_OFFICER, department="SW"))
    page = client.get(reverse("assessment:quality"))
    assert page.status_code == 200
    assert "还没有您可以查看的数据质量报告" in page.content.decode()
