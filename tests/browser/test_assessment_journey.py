"""The assessment flow in a browser: 市场监管局's officer self-scores its manual items, attaches a
PDF to one and submits; the credit office's reviewer closes self-scoring, reviews the unit
(lowering one item with a comment) and publishes with 向社会公示; the portal's 考核公示 shows
the department ranking with the unit's final score. The other units have self-scored and are
reviewed through the services (a journey of forty units would prove nothing more). Screenshots
of the results page and the portal ranking at 1366 and 390 px are kept in the test's folder.

The assessment is of a quarter of 2031 on a copy of the city rubric for that year, so nothing
the journey commits meets the other tests' assessments; all of it is removed afterwards."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from credit.accounts.roles import Role
from tests.browser.conftest import PASSWORD, fits, login, shots

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

TAG = uuid.uuid4().hex[:6]
PERIOD = "2031Q1"
YEAR = 2031
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, live_url):
    """Committed data the server can see: the 2031 rubric (a copy of the city's), the open
    assessment of 2031Q1 in which every unit but 市场监管局 has self-scored and submitted, an
    officer of 市场监管局, a reviewer and an administrator of the credit office; removed
    afterwards with what the journey made."""
    from credit.accounts.services import create_user
    from credit.assessment.constants import Method, Visibility
    from credit.assessment.demo import _points_for
    from credit.assessment.services import assessments, rubrics
    from credit.core.models import Department, Region

    with django_db_blocker.unblock():
        city = Region.objects.get(code="320400")
        fgw = Department.objects.get(code="FGW")
        admin = create_user(
            actor=None,
            username=f"as-admin-{TAG}",
            password=PASSWORD,
            role=Role.CITY_ADMIN,
            region=city,
            department=fgw,
            real_name="赵考核",
        )
        reviewer = create_user(
            actor=None,
            username=f"as-review-{TAG}",
            password=PASSWORD,
            role=Role.CITY_REVIEWER,
            region=city,
            department=fgw,
            real_name="孙评审",
        )
        officer = create_user(
            actor=None,
            username=f"as-scjg-{TAG}",
            password=PASSWORD,
            role=Role.DEPT_OFFICER,
            region=city,
            department=Department.objects.get(code="SCJG"),
            real_name="周自评",
        )
        city_rubric = rubrics.rubric_for(2026) or rubrics.import_rubric(actor=None)
        rubric = rubrics.copy_rubric(actor=admin, rubric=city_rubric, year=YEAR)
        assessment = assessments.open_assessment(
            actor=admin, period=PERIOD, visibility=Visibility.INTERNAL
        )
        for unit in assessment.units.select_related("department"):
            if unit.department_id and unit.department.code == "SCJG":
                continue
            manual = unit.scores.filter(indicator__method=Method.MANUAL).select_related("indicator")
            assessments.save_self_scores(
                actor=None,  # as the unit's officer would: the system may self-score any unit
                unit=unit,
                scores={s.indicator_id: _points_for(unit, s) for s in manual},
            )
            assessments.submit_self(actor=None, unit=unit)
        unit = assessment.units.get(department__code="SCJG")
    yield {
        "admin": admin,
        "reviewer": reviewer,
        "officer": officer,
        "assessment": assessment,
        "unit": unit,
    }
    with django_db_blocker.unblock():
        _remove(assessment, rubric, [admin, reviewer, officer])


def _remove(assessment, rubric, users) -> None:
    """The journey's assessment, rubric and users (the audit trail is append-only: replica mode
    skips its guard, for this clean-up only)."""
    from credit.assessment.models import Assessment, Rubric
    from tests.conftest import append_only_bypass

    with append_only_bypass():
        Assessment.objects.filter(pk=assessment.pk).delete()
        Rubric.objects.filter(pk=rubric.pk).delete()
    for user in users:
        user.delete()


def _off_the_loop(django_db_blocker, work):
    """Run ``work`` with the database outside Playwright's event loop (its own connection,
    committed at once, so the server sees it)."""
    from django.db import connection

    def run():
        with django_db_blocker.unblock():
            try:
                return work()
            finally:
                connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def _review_the_others(django_db_blocker, assessment_id: int, admin_id: int) -> int:
    """The credit office reviews every unit but 市场监管局, keeping their self-scores."""

    def work() -> int:
        from credit.accounts.models import User
        from credit.assessment.constants import UnitStatus
        from credit.assessment.models import Unit
        from credit.assessment.services import assessments

        admin = User.objects.get(pk=admin_id)
        units = Unit.objects.filter(assessment_id=assessment_id).exclude(department__code="SCJG")
        reviewed = 0
        for unit in units.exclude(status=UnitStatus.REVIEWED):
            assessments.review_unit(
                actor=admin, unit=unit, scores={}, comment="经评审，自评情况属实。"
            )
            reviewed += 1
        return reviewed

    return _off_the_loop(django_db_blocker, work)


def _final_score(unit_id: int) -> Decimal:
    from credit.assessment.models import Unit

    return Unit.objects.get(pk=unit_id).final_score


def test_self_score_review_and_publish_to_the_portal(
    page, live_url, scene, django_db_blocker, tmp_path
):
    unit, assessment = scene["unit"], scene["assessment"]
    page.set_viewport_size({"width": 1366, "height": 768})
    results = f"{live_url}/assessment/{PERIOD}/"

    # The officer of 市场监管局 finds its unit, scores every manual item (the first one point
    # short of full), attaches a PDF to the first and saves, then submits.
    login(page, live_url, scene["officer"])
    page.goto(results)
    expect(page.get_by_test_id("status")).to_contain_text("自评中")
    page.get_by_test_id(f"own-{unit.pk}").get_by_role("link", name=unit.name).click()
    page.wait_for_url(f"**/units/{unit.pk}/")
    page.get_by_test_id("self-link").click()
    page.wait_for_url(f"**/units/{unit.pk}/self/")
    form = page.get_by_test_id("self-form")
    rows = form.locator("fieldset[data-testid^=row-]")
    count = rows.count()
    assert count >= 2
    for n in range(count):
        row = rows.nth(n)
        points = row.locator("input[name^=points_]")
        top = Decimal(points.get_attribute("max"))
        points.fill(str(top - 1 if n == 0 else top))
        row.locator("textarea[name^=note_]").fill(f"第{n + 1}项已完成，见工作台账。")
    evidence = tmp_path / "工作机制文件.pdf"
    evidence.write_bytes(PDF)
    rows.nth(0).locator("input[type=file]").set_input_files(str(evidence))
    with page.expect_navigation():
        form.get_by_test_id("save").click()
    expect(page.get_by_test_id("self-form")).to_contain_text("工作机制文件.pdf")
    expect(page.get_by_test_id("unit-status")).to_have_text("待自评")
    fits(page)
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_test_id("self-form").get_by_test_id("submit").click()
    expect(page.get_by_test_id("unit-status")).to_have_text("已提交自评")

    # The reviewer closes self-scoring; the other units are reviewed through the services.
    login(page, live_url, scene["reviewer"])
    page.goto(results)
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_test_id("close").click()
    expect(page.get_by_test_id("status")).to_contain_text("评审中")
    assert _review_the_others(django_db_blocker, assessment.pk, scene["admin"].pk) > 1

    # … reviews 市场监管局, lowering the first manual item by one more point, with a comment.
    page.goto(results)
    page.get_by_test_id(f"review-{unit.pk}").click()
    page.wait_for_url(f"**/units/{unit.pk}/review/")
    form = page.get_by_test_id("review-form")
    row = form.locator("tr[data-testid^=row-]").filter(has_text="工作机制文件.pdf")
    final = row.locator("input[name^=final_]")
    lowered = Decimal(final.input_value()) - 1
    final.fill(str(lowered))
    row.locator("textarea[name^=comment_]").fill("工作机制文件未见印发文号。")
    form.locator("textarea[name=comment]").fill("经评审，调整一项自评分。")
    with page.expect_navigation():
        form.get_by_test_id("save").click()
    page.wait_for_url(results)
    assert f"已评审{unit.name}" in page.content()
    total = page.get_by_test_id("count-total").inner_text()
    expect(page.get_by_test_id("count-reviewed")).to_have_text(total)

    # … and publishes to the portal.
    publish = page.get_by_test_id("publish-form")
    publish.locator("select[name=visibility]").select_option("public")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        publish.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("已公布")
    final_score = _off_the_loop(django_db_blocker, lambda: _final_score(unit.pk))
    row = page.get_by_test_id("ranking-department").get_by_test_id(f"unit-{unit.pk}")
    expect(row.get_by_test_id("final")).to_have_text(f"{final_score:.2f}")
    shots(page, tmp_path, "results")

    # The portal's 考核公示 lists the period and shows the department ranking.
    page.context.clear_cookies()
    page.goto(f"{live_url}/portal/assessment/")
    page.get_by_test_id("assessments").get_by_role("link", name="2031年第一季度考核结果").click()
    page.wait_for_url(f"**/portal/assessment/{PERIOD}/")
    row = page.get_by_test_id("ranking-department").locator("tr", has_text=unit.name)
    expect(row.get_by_test_id("final")).to_have_text(f"{final_score:.2f}")
    shots(page, tmp_path, "portal-ranking")

    for name in ("results", "portal-ranking"):
        for width in (1366, 390):
            assert (tmp_path / f"{name}-{width}.png").stat().st_size > 0
