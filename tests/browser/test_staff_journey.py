"""A member of staff signs in, sees who they are, opens the catalog and downloads a template."""

from __future__ import annotations

import io
import uuid

import openpyxl
import pytest

from credit.accounts.roles import Role
from tests.browser.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture(scope="module")
def officer(django_db_setup, django_db_blocker):
    """A committed department data officer of 天宁区 (the server process must see it)."""
    from credit.accounts.services import create_user
    from credit.core.models import Department

    with django_db_blocker.unblock():
        return create_user(
            actor=None,
            username=f"browser-{uuid.uuid4().hex[:8]}",
            password=PASSWORD,
            role=Role.DEPT_OFFICER,
            department=Department.objects.get(code="TNQ-SCJG"),
            real_name="王报送",
        )


def test_officer_signs_in_and_downloads_the_penalty_template(page, live_url, officer, tmp_path):
    page.goto(f"{live_url}/")  # the public lands on the portal; staff log in from its footer
    page.wait_for_url("**/portal/")
    page.click("text=工作人员登录")
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=username]", officer.username)
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert page.locator("text=用户名或密码不正确").is_visible()

    page.fill("input[name=username]", officer.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}/")
    assert page.get_by_test_id("role").inner_text() == "部门数据报送员"
    assert page.get_by_test_id("region").inner_text() == "天宁区"
    assert "天宁区市场监督管理局" in page.get_by_test_id("department").inner_text()
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)

    page.get_by_test_id("task-nav").get_by_role("link", name="信用信息资源目录").click()
    page.wait_for_url("**/catalog/")
    page.click("text=行政处罚")
    page.wait_for_url("**/catalog/admin-penalty/")
    assert page.locator("td", has_text="没收违法所得、没收非法财物的金额(万元)").count() == 1

    with page.expect_download() as info:
        page.click("text=下载 Excel 报送模板")
    download = info.value
    assert download.suggested_filename.startswith("行政处罚-报送模板")
    data = tmp_path / "t.xlsx"
    download.save_as(data)
    workbook = openpyxl.load_workbook(io.BytesIO(data.read_bytes()))
    headers = [c.value for c in workbook["数据"][1]]
    assert "*行政处罚决定书文号" in headers

    page.click("text=退出")
    page.wait_for_url("**/accounts/login/")
