"""The real-name login in Chromium, on a phone and a desktop: 「实名登录」 in the portal's header,
the provider's login page, back to 「我的」, 「退出」 — no page scrolls sideways, none logs a
console error (a Content-Security-Policy refusal of the login's redirects would), and the
header says who is signed in. Skips without Debian's chromium, except under CI=true."""

from __future__ import annotations

import pytest

from tests.browser.conftest import CHROMIUM_ARGS, _require_browser
from tests.identity.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture
def page(live):
    """A fresh Chromium page, started after the database fixtures (Playwright's sync API runs
    an event loop in this thread; the test reads no database while it is open)."""
    from playwright.sync_api import sync_playwright

    executable = _require_browser()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN")
        yield context.new_page()
        context.close()
        browser.close()


def _fits(page) -> int:
    page.wait_for_load_state("networkidle")
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 768)])
def test_a_citizen_signs_in_sees_my_page_and_signs_out(live, page, width, height):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live.url}/portal/notices/")
    assert _fits(page) <= 0
    page.get_by_test_id("account-login").click()
    page.wait_for_url("**/dev-idp/login/**")
    assert page.get_by_test_id("devidp-identities").is_visible()
    assert _fits(page) <= 0
    page.fill("input[name=login]", "agent-t")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live.url}/portal/notices/")  # back where the login started
    assert "周**" in page.get_by_test_id("account-me").inner_text()
    assert _fits(page) <= 0
    page.get_by_test_id("account-me").click()
    page.wait_for_url(f"{live.url}/portal/account/")
    assert page.get_by_test_id("me-uscc").inner_text() == live.company_uscc
    assert "还没有提交过信用异议申请" in page.get_by_test_id("me-objections").inner_text()
    assert live.agent_id not in page.content()
    assert _fits(page) <= 0
    page.get_by_test_id("account-logout").click()
    page.wait_for_url(f"{live.url}/portal/")
    assert "您已退出实名登录" in page.get_by_test_id("message").inner_text()
    assert page.get_by_test_id("account-login").is_visible()
    assert not errors, errors
