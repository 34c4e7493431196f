"""A department officer checks a company before a procurement, reads the hits and the
measures, prints the certificate and feeds back what was done."""

from __future__ import annotations

import datetime
import uuid

import pytest

from credit.accounts.roles import Role
from tests.browser.conftest import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    """Committed data the server process can see: an officer, a company on the 严重质量失信企业
    list (in force) and a procurement measure; removed afterwards."""
    from credit.accounts.services import create_user
    from credit.catalog.models import CatalogItem
    from credit.core.identifiers import make_uscc
    from credit.core.models import Department
    from credit.records.models import CreditRecord, ListChange
    from credit.sanctions import services
    from credit.sanctions.models import Check, CheckFeedback, Measure
    from credit.subjects.services import register_legal_person

    tag = uuid.uuid4().hex[:8].upper()
    with django_db_blocker.unblock():
        officer = create_user(
            actor=None,
            username=f"check-{tag.lower()}",
            password=PASSWORD,
            role=Role.DEPT_OFFICER,
            department=Department.objects.get(code="SCJG"),
            real_name="李核查",
        )
        company, _ = register_legal_person(
            actor=None, uscc=make_uscc("91", "320402", tag), name=f"常州市失信{tag}有限公司"
        )
        entry = CreditRecord.objects.create(
            # An item no other test checks, so concurrent tests never see this committed entry.
            item=CatalogItem.objects.get(code="quality-dishonest"),
            legal_person=company,
            department=Department.objects.get(code="FY"),
            region_id="320400",
            natural_key=f"journey-{tag}",
            document_no=f"（2026）苏04执{tag}号",
            payload={},
            usage_scope="public",
            decision_date=datetime.date.today() - datetime.timedelta(days=10),
        )
        code = f"B-J-{tag}"
        services.save_measure(
            actor=None,
            code=code,
            list_kind="black_list",
            text=f"限制参加政府采购活动（{tag}）",
            legal_basis="《政府采购法》第二十二条",
            scenarios=["gov_procurement"],
            items=[CatalogItem.objects.get(code="quality-dishonest")],
        )
    yield {"officer": officer, "company": company, "measure": code}
    with django_db_blocker.unblock():
        checks = Check.objects.filter(legal_person=company)
        CheckFeedback.objects.filter(check_ref__in=checks).delete()
        checks.delete()
        ListChange.objects.filter(record=entry).delete()
        entry.delete()
        company.delete()  # other tests count the committed legal persons
        Measure.objects.filter(code=code).delete()


def test_officer_checks_prints_and_feeds_back(page, live_url, scene, tmp_path):
    company, measure = scene["company"], scene["measure"]
    login(page, live_url, scene["officer"])

    page.get_by_test_id("task-nav").get_by_role("link", name="联合奖惩核查", exact=True).click()
    page.wait_for_url("**/sanctions/check/")
    page.fill("input[name=identifier]", company.uscc)
    page.select_option("select[name=scenario]", "gov_procurement")
    page.fill("input[name=reason]", "政府采购项目供应商资格审查")
    page.get_by_test_id("check-form").locator("button[type=submit]").click()
    page.wait_for_url("**/sanctions/checks/HC*/")
    assert "发现名单信息" in page.get_by_test_id("result").inner_text()
    assert page.locator("text=严重质量失信企业").first.is_visible()
    assert page.locator("text=限制参加政府采购活动").first.is_visible()
    number = page.get_by_test_id("check-number").inner_text()
    page.screenshot(path=str(tmp_path / "check.png"), full_page=True)

    with page.context.expect_page() as opened:
        page.get_by_test_id("certificate-link").click()
    certificate = opened.value
    certificate.wait_for_load_state()
    assert certificate.get_by_test_id("check-number").inner_text() == number
    assert company.name in certificate.content()
    certificate.close()

    pair = page.get_by_test_id("pair").filter(has_text=measure)
    pair.locator("select[name=action]").select_option("exempted")
    pair.locator("button[type=submit]").click()
    assert page.get_by_test_id("feedback-error").first.is_visible()  # a reason is required
    pair = page.get_by_test_id("pair").filter(has_text=measure)
    pair.locator("select[name=action]").select_option("applied")
    pair.locator("button[type=submit]").click()
    page.wait_for_load_state()
    answer = page.get_by_test_id("pair").filter(has_text=measure).get_by_test_id("answer")
    assert "已实施" in answer.inner_text()
