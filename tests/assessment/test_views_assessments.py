"""The assessment pages on a small known data set (the 2025 test rubric, period 2025Q4):
opening through the list page, the results page's steps, counts and rankings (a chart with
its table) for a manager and the own unit's card for an officer, the unit page with what cost
it points, self-scoring with a real PDF upload and its refusals on the form, submission,
closing, review and publication through the pages, the Excel export matching the page, the
rows behind a metric and evidence downloads as audited reads, and every page refused to
whoever may not open it."""

from __future__ import annotations

import datetime
import io
import json
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from credit.assessment.constants import AssessmentStatus, UnitKind, UnitStatus
from credit.assessment.models import Assessment, Evidence, Unit
from credit.assessment.services import assessments as services
from credit.core.models import AuditEntry
from tests.assessment import factories as f

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
D = Decimal
RESULTS = "/assessment/2025Q4/"


def _data() -> None:
    """SCJG: 2 black-list records and 1 API call in 2025Q4, 1 objection overdue; 天宁区's
    市场监管局: 1 black-list record."""
    in_q4 = f.at(datetime.date(2025, 11, 3))
    f.make_record("quality-dishonest", "SCJG", arrived=in_q4)
    f.make_record("quality-dishonest", "SCJG", arrived=in_q4)
    f.make_record("quality-dishonest", "TNQ-SCJG", arrived=in_q4)
    f.make_call("SCJG", called=f.at(datetime.date(2025, 11, 5)))
    f.make_objection("SCJG", verify_due=datetime.date(2025, 11, 10))


@pytest.fixture
def opened(users, mini_rubric) -> Assessment:
    _data()
    return services.open_assessment(actor=users["reviewer"], period="2025Q4")


def client_of(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def text(response) -> str:
    return response.content.decode()


def scjg_unit(a: Assessment) -> Unit:
    return a.units.get(department__code="SCJG")


def tianning_unit(a: Assessment) -> Unit:
    return a.units.get(kind=UnitKind.DISTRICT, region_id="320402")


def ids(unit: Unit) -> dict[str, int]:
    return dict(unit.scores.values_list("indicator__code", "indicator_id"))


def chart(page: str, kind: str) -> dict:
    found = re.search(rf'<script id="chart-{kind}" type="application/json">(.*?)</script>', page)
    return json.loads(found.group(1))


# --------------------------------------------------------------------------------------------
# The list and opening
# --------------------------------------------------------------------------------------------


def test_the_list_says_why_it_is_empty_and_offers_the_manager_the_form(users):
    page = text(client_of(users["reviewer"]).get("/assessment/"))
    assert "还没有发起考核" in page and 'data-testid="open-form"' in page
    page = text(client_of(users["scjg"]).get("/assessment/"))
    assert "还没有您可查看的考核" in page and "open-form" not in page


def test_a_manager_opens_an_assessment_through_the_page(users, mini_rubric):
    _data()
    c = client_of(users["reviewer"])
    response = c.post("/assessment/open/", {"period": "2025q4", "visibility": "internal"})
    assert response.status_code == 302 and response["Location"] == RESULTS
    a = Assessment.objects.get(period="2025Q4", owner_region=None)
    assert a.units.count() == 31
    page = text(c.get(response["Location"]))
    assert "已发起2025年第四季度考核：31个单位" in page
    listed = text(c.get("/assessment/?year=2025"))
    assert 'data-testid="assessment-2025Q4"' in listed
    assert "没有符合条件的考核" in text(c.get("/assessment/?year=2024"))


def test_opening_refusals_are_shown_on_the_form_in_chinese(users, opened):
    c = client_of(users["reviewer"])
    response = c.post("/assessment/open/", {"period": "2025Q5", "visibility": "internal"})
    assert response.status_code == 400
    assert "考核周期“2025Q5”无效" in text(response)
    response = c.post("/assessment/open/", {"period": "2025Q4", "visibility": "internal"})
    assert response.status_code == 400
    assert 'data-testid="field-error"' in text(response)
    assert Assessment.objects.count() == 1


def test_only_a_city_manager_opens(users, mini_rubric):
    for name, status in (("scjg", 403), ("leader", 403), ("tianning", 400)):
        response = client_of(users[name]).post(
            "/assessment/open/", {"period": "2025Q4", "visibility": "internal"}
        )
        assert response.status_code == status, name
    assert not Assessment.objects.exists()
    assert Client().get("/assessment/").status_code == 302  # to the login page


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


def test_the_manager_sees_the_steps_counts_and_both_rankings_with_charts(users, opened):
    response = client_of(users["reviewer"]).get(RESULTS)
    page = text(response)
    assert response.status_code == 200
    assert '<li class="current" aria-current="step">自评中</li>' in page
    assert 'data-testid="count-total">31<' in page
    assert 'data-testid="count-pending">31<' in page
    assert 'data-testid="compute"' in page and 'data-testid="close"' in page
    departments = chart(page, "department")
    assert departments["categories"][0] == "常州市市场监督管理局"
    assert departments["series"][0]["data"][0] == 4.5  # 4 + 1 − 0.5
    assert departments["links"][0] == f"{RESULTS}units/{scjg_unit(opened).pk}/"
    districts = chart(page, "district")
    assert districts["categories"][0] == "天宁区"
    assert districts["series"][0]["data"][0] == 2.0
    row = re.search(rf'data-testid="unit-{scjg_unit(opened).pk}">(.*?)</tr>', page, re.S)
    assert 'data-testid="rank">1<' in row.group(1)
    assert 'data-testid="auto">4.50<' in row.group(1)


def test_an_officer_sees_only_its_own_unit_before_publication(users, opened):
    page = text(client_of(users["scjg"]).get(RESULTS))
    assert 'data-testid="own-units"' in page
    assert f'data-testid="own-{scjg_unit(opened).pk}"' in page
    assert "chart-department" not in page and "天宁区" not in page
    assert 'data-testid="compute"' not in page
    page = text(client_of(users["tianning"]).get(RESULTS))  # a district: its own unit
    assert f'data-testid="own-{tianning_unit(opened).pk}"' in page


def test_the_results_page_runs_a_bounded_number_of_queries(
    users, opened, django_assert_max_num_queries
):
    c = client_of(users["reviewer"])
    with django_assert_max_num_queries(8):  # 31 units: the queries do not grow with them
        assert c.get(RESULTS).status_code == 200
    with django_assert_max_num_queries(10):
        assert c.get(f"{RESULTS}units/{scjg_unit(opened).pk}/").status_code == 200


def test_results_of_an_unknown_or_invalid_period_are_not_found(users, opened):
    c = client_of(users["reviewer"])
    assert c.get("/assessment/2024Q4/").status_code == 404
    assert c.get("/assessment/2025Q9/").status_code == 404
    assert client_of(users["tnq_scjg"]).get("/assessment/2024/").status_code == 404


def test_the_manager_recomputes_through_the_button(users, opened):
    before = Assessment.objects.get(pk=opened.pk).computed_at
    f.make_record("quality-dishonest", "TNQ-SCJG", arrived=f.at(datetime.date(2025, 12, 1)))
    c = client_of(users["reviewer"])
    response = c.post(f"{RESULTS}compute/")
    assert response.status_code == 302
    assert Assessment.objects.get(pk=opened.pk).computed_at > before
    assert tianning_unit(opened).auto_score == D("4.00")
    assert "已重新计算" in text(c.get(RESULTS))
    assert client_of(users["scjg"]).post(f"{RESULTS}compute/").status_code == 403
    assert client_of(users["reviewer"]).get(f"{RESULTS}compute/").status_code == 405


# --------------------------------------------------------------------------------------------
# One unit
# --------------------------------------------------------------------------------------------


def test_the_unit_page_lists_what_cost_points_first(users, opened):
    unit = scjg_unit(opened)
    response = client_of(users["scjg"]).get(f"{RESULTS}units/{unit.pk}/")
    page = text(response)
    assert response.status_code == 200
    lost = page[page.index('data-testid="lost"') : page.index("得分明细</h2>")]
    # 1.3 (manual, not scored) 4, 2.1 (bonus) 3, 1.2 one call of two 1, 3.1 deduction 0.5.
    assert re.findall(r"<b>(\S+) ", lost) == ["1.3", "2.1", "1.2", "3.1"]
    assert 'data-testid="lost-1.1">0<' in page
    assert 'data-testid="lost-3.1">0.50<' in page
    assert f"{RESULTS}units/{unit.pk}/rows/list_reports/" in page
    assert "/assessment/metrics/list_reports/" in page
    assert 'data-testid="self-link"' in page


def test_a_unit_outside_the_readers_scope_is_not_found(users, opened):
    unit = scjg_unit(opened)
    assert client_of(users["tnq_scjg"]).get(f"{RESULTS}units/{unit.pk}/").status_code == 404
    assert client_of(users["tianning"]).get(f"{RESULTS}units/{unit.pk}/").status_code == 404
    assert client_of(users["leader"]).get(f"{RESULTS}units/{unit.pk}/").status_code == 404
    assert client_of(users["reviewer"]).get(f"{RESULTS}units/{unit.pk}/").status_code == 200
    assert client_of(users["reviewer"]).get(f"{RESULTS}units/999999/").status_code == 404


def test_the_rows_behind_a_metric_download_as_an_audited_workbook(users, opened):
    unit = scjg_unit(opened)
    response = client_of(users["scjg"]).get(f"{RESULTS}units/{unit.pk}/rows/list_reports/")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.active.max_row == 3  # headers and the 2 records counted
    entry = AuditEntry.objects.get(event_type="assessment.rows_exported")
    assert entry.after == {"period": "2025Q4", "metric": "list_reports", "rows": 2}
    assert (
        client_of(users["scjg"]).get(f"{RESULTS}units/{unit.pk}/rows/no_such/").status_code == 404
    )
    other = f"{RESULTS}units/{unit.pk}/rows/list_reports/"
    assert client_of(users["tnq_scjg"]).get(other).status_code == 404


# --------------------------------------------------------------------------------------------
# Self-scoring, closing, review, publication
# --------------------------------------------------------------------------------------------


def _self_data(unit: Unit, **extra) -> dict:
    i = ids(unit)
    return {f"points_{i['1.3']}": "3", f"note_{i['1.3']}": "已建立机制",
            f"points_{i['2.1']}": "1", f"note_{i['2.1']}": "", **extra}  # fmt: skip


def test_self_scoring_with_a_pdf_then_submission_through_the_page(users, opened):
    unit = scjg_unit(opened)
    url = f"{RESULTS}units/{unit.pk}/self/"
    c = client_of(users["scjg"])
    page = text(c.get(url))
    assert 'data-testid="row-1.3"' in page and 'data-testid="row-1.1"' not in page
    i = ids(unit)
    upload = SimpleUploadedFile("机制文件.pdf", PDF, content_type="application/pdf")
    response = c.post(url, {**_self_data(unit), f"file_{i['1.3']}": upload, "action": "save"})
    assert response.status_code == 302 and response["Location"] == url
    unit.refresh_from_db()
    assert unit.self_score == D("8.50")  # 4.5 automatic + 3 + 1
    (evidence,) = Evidence.objects.filter(score__unit=unit)
    assert (evidence.name, bytes(evidence.data)) == ("机制文件.pdf", PDF)
    page = text(c.get(url))
    assert "自评已保存" in page and "机制文件.pdf" in page
    # The evidence opens for the unit and the organiser (audited), for no one else.
    assert c.get(f"/assessment/evidence/{evidence.pk}/").content == PDF
    assert AuditEntry.objects.filter(event_type="assessment.evidence_read").count() == 1
    assert (
        client_of(users["tnq_scjg"]).get(f"/assessment/evidence/{evidence.pk}/").status_code == 404
    )
    assert (
        client_of(users["reviewer"]).get(f"/assessment/evidence/{evidence.pk}/").status_code == 200
    )
    # Submitted: the form is closed.
    response = c.post(url, {**_self_data(unit), "action": "submit"})
    assert response.status_code == 302
    assert Unit.objects.get(pk=unit.pk).status == UnitStatus.SUBMITTED
    assert "自评已提交" in text(c.get(response["Location"]))
    response = c.post(url, {**_self_data(unit), "action": "save"})
    assert response.status_code == 400 and "不能再修改" in text(response)


def test_self_score_errors_are_shown_on_the_form_and_nothing_is_lost(users, opened):
    unit = scjg_unit(opened)
    url = f"{RESULTS}units/{unit.pk}/self/"
    c = client_of(users["scjg"])
    i = ids(unit)
    response = c.post(url, {**_self_data(unit, **{f"points_{i['1.3']}": "5"}), "action": "save"})
    assert response.status_code == 400
    assert "“工作机制”的分值应在 0 到 4.00 之间" in text(response)
    assert 'value="已建立机制"' in text(response) or "已建立机制</textarea>" in text(response)
    # A file that is no PDF/JPG/PNG: refused on its row, and the scores not saved either.
    fake = SimpleUploadedFile("机制.pdf", b"not a pdf at all", content_type="application/pdf")
    response = c.post(url, {**_self_data(unit), f"file_{i['1.3']}": fake, "action": "save"})
    assert response.status_code == 400
    assert 'data-testid="field-error"' in text(response)
    assert Unit.objects.get(pk=unit.pk).self_score == D("4.50")
    assert not Evidence.objects.exists()
    # Submitting with an item not scored: the service's refusal, in Chinese.
    response = c.post(url, {f"points_{i['1.3']}": "3", "action": "submit"})
    assert response.status_code == 400 and "以下指标尚未自评：2.1 创新" in text(response)
    assert Unit.objects.get(pk=unit.pk).status == UnitStatus.PENDING


def test_only_the_own_unit_self_scores(users, opened):
    unit = scjg_unit(opened)
    url = f"{RESULTS}units/{unit.pk}/self/"
    assert client_of(users["tnq_scjg"]).get(url).status_code == 404
    assert client_of(users["leader"]).get(url).status_code == 403
    assert client_of(users["reviewer"]).get(url).status_code == 403  # no 填报自评


def _review_all(opened: Assessment, reviewer) -> None:
    services.close_self_scoring(actor=reviewer, assessment=opened)
    for u in opened.units.all():
        services.review_unit(actor=reviewer, unit=u, scores={}, comment="")


def test_close_review_and_publish_through_the_pages(users, opened):
    unit = scjg_unit(opened)
    c = client_of(users["reviewer"])
    assert client_of(users["scjg"]).post(f"{RESULTS}close/").status_code == 403
    assert c.post(f"{RESULTS}close/").status_code == 302
    assert Assessment.objects.get(pk=opened.pk).status == AssessmentStatus.REVIEWING
    page = text(c.get(RESULTS))
    assert f'data-testid="review-{unit.pk}"' in page and 'data-testid="publish"' in page
    i = ids(unit)
    url = f"{RESULTS}units/{unit.pk}/review/"
    assert client_of(users["scjg"]).get(url).status_code == 403
    assert client_of(users["tianning"]).get(url).status_code == 404
    page = text(c.get(url))
    assert f'name="final_{i["1.1"]}"' in page and 'value="4.00"' in page
    response = c.post(url, {f"final_{i['1.1']}": "9", "comment": ""})
    assert response.status_code == 400 and "“红黑名单报送”的分值应在 0 到 4.00 之间" in text(
        response
    )
    response = c.post(
        url, {f"final_{i['1.3']}": "2", f"comment_{i['1.3']}": "文件未印发", "comment": "良好"}
    )
    assert response.status_code == 302 and response["Location"] == RESULTS
    unit.refresh_from_db()
    assert (unit.status, unit.final_score, unit.review_comment) == ("reviewed", D("6.50"), "良好")
    # Publishing before every unit is reviewed: refused with the reason.
    response = c.post(f"{RESULTS}publish/", {"visibility": "public"}, follow=True)
    assert "units_not_reviewed" in text(response) or "未评审" in text(response)
    assert Assessment.objects.get(pk=opened.pk).status == AssessmentStatus.REVIEWING
    for u in opened.units.exclude(pk=unit.pk):
        services.review_unit(actor=users["reviewer"], unit=u, scores={}, comment="")
    response = c.post(f"{RESULTS}publish/", {"visibility": "public"})
    assert response.status_code == 302
    published = Assessment.objects.get(pk=opened.pk)
    assert (published.status, published.visibility) == ("published", "public")
    # Published: every viewer reads the rankings.
    page = text(client_of(users["leader"]).get(RESULTS))
    assert "chart-department" in page and 'data-testid="own-units"' not in page


def test_the_export_holds_the_numbers_of_the_page(users, opened):
    _review_all(opened, users["reviewer"])
    services.publish(actor=users["reviewer"], assessment=opened, visibility="internal")
    c = client_of(users["leader"])
    response = c.get(f"{RESULTS}export/")
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][:3] == ("排名", "单位", "类型")
    assert len(rows) == 32
    assert rows[1][:3] == (1, "常州市市场监督管理局", "部门")
    assert rows[1][7] == 4.5  # final: the automatic points, nothing self-scored
    district = next(r for r in rows if r[1] == "天宁区")
    assert (district[0], district[7]) == (1, 2.0)
    page = text(c.get(RESULTS))
    assert chart(page, "department")["series"][0]["data"][0] == rows[1][7]
    entry = AuditEntry.objects.get(event_type="assessment.exported")
    assert entry.after == {"period": "2025Q4", "rows": 31}


def test_before_publication_an_officer_exports_only_its_own_unit(users, opened):
    response = client_of(users["scjg"]).get(f"{RESULTS}export/")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert [r[1] for r in rows[1:]] == ["常州市市场监督管理局"]


def test_the_seeded_city_rubric_renders_on_every_page(users):
    a = services.open_assessment(actor=users["reviewer"], period="2026Q3")
    c = client_of(users["reviewer"])
    assert c.get("/assessment/2026Q3/").status_code == 200
    unit = scjg_unit(a)
    page = text(c.get(f"/assessment/2026Q3/units/{unit.pk}/"))
    assert 'data-testid="tree"' in page and 'data-testid="lost"' in page
    assert text(c.get(f"/assessment/rubrics/{a.rubric_id}/")).count('class="ind d') > 10
    officer = client_of(users["scjg"])
    response = officer.get(f"/assessment/2026Q3/units/{unit.pk}/self/")
    assert response.status_code == 200 and 'data-testid="self-form"' in text(response)
