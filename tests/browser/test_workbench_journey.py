"""A district administrator signs in to the workbench, opens the list behind a count, comes
back by the breadcrumb, finds the quality ranking in the menu and sees its chart — without a
console error, at 1366 px and at 390 px without sideways scrolling."""

from __future__ import annotations

import uuid

import pytest

from credit.accounts.roles import Role
from tests.browser.conftest import PASSWORD, fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SIZES = [(1366, 768), (390, 844)]


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    """Committed for the server process: 天宁区's administrator and a batch of 天宁区's market
    supervision bureau with rejected rows and quality figures."""
    from credit.accounts.services import create_user
    from credit.catalog.models import CatalogItem
    from credit.core.models import Department, Region
    from credit.ingest.models import Batch

    with django_db_blocker.unblock():
        admin = create_user(
            actor=None,
            username=f"wb-{uuid.uuid4().hex[:8]}",
            password=PASSWORD,
            role=Role.DISTRICT_ADMIN,
            region=Region.objects.get(code="320402"),
            real_name="王天宁",
        )
        tnq = Department.objects.get(code="TNQ-SCJG")
        batch = Batch.objects.create(
            item=CatalogItem.objects.get(code="admin-penalty"),
            item_version=1,
            department=tnq,
            region_id=tnq.region_id,
            channel=Batch.Channel.UPLOAD,
            status=Batch.Status.DONE,
            file_name="天宁区行政处罚.xlsx",
            total=20,
            inserted=17,
            rejected=3,
            metrics={"volume": 20, "accuracy": 0.85, "completeness": 0.95},
        )
    yield {"admin": admin, "batch": batch}
    with django_db_blocker.unblock():
        Batch.objects.filter(pk=batch.pk).delete()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_workbench_count_list_breadcrumb_and_chart(page, live_url, scene, width, height, tmp_path):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": width, "height": height})

    page.goto(f"{live_url}/accounts/login/")
    page.fill("input[name=username]", scene["admin"].username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}/")
    assert page.get_by_test_id("role").inner_text() == "辖市区管理员"
    count = page.get_by_test_id("count-batches_rejected_rows")
    assert int(count.inner_text()) >= 1
    fits(page)
    page.screenshot(path=str(tmp_path / f"workbench-{width}.png"), full_page=True)

    # The count opens the list it counts; the breadcrumb leads back.
    count.click()
    page.wait_for_url("**/ingest/batches/?state=rejected&date_from=*")
    assert page.get_by_text("天宁区行政处罚.xlsx").first.is_visible()
    trail = page.get_by_test_id("breadcrumb")
    assert trail.get_by_role("link", name="数据报送").is_visible()
    assert trail.locator("[aria-current=page]").inner_text() == "报送批次"
    fits(page)
    trail.get_by_role("link", name="工作台").click()
    page.wait_for_url(f"{live_url}/")

    # The menu: one group opens, its pages are listed, the page fits the screen.
    menu = page.get_by_test_id("menu")
    menu.get_by_text("统计分析", exact=True).click()
    ranking = menu.get_by_role("link", name="数据质量排名")
    assert ranking.is_visible()
    fits(page)
    page.screenshot(path=str(tmp_path / f"menu-{width}.png"))
    ranking.click()
    page.wait_for_url("**/ingest/quality/")
    chart = page.get_by_test_id("chart-quality")
    chart.locator("canvas").first.wait_for(state="visible")
    assert chart.get_attribute("data-rendered") == "chart"
    assert "统计分析" in page.get_by_test_id("breadcrumb").inner_text()
    fits(page)
    page.screenshot(path=str(tmp_path / f"quality-{width}.png"), full_page=True)

    assert errors == []
