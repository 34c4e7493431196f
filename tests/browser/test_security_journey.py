"""Under the Content-Security-Policy the pages still work and nothing is blocked: the portal,
the staff site, the admin's change form, the interactive API documentation, htmx, and the
confirmation and print buttons that used to be inline handlers."""

from __future__ import annotations

import uuid

import pytest

from credit.accounts.roles import Role
from tests.browser.conftest import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    """A committed city administrator (staff), an API client whose key it may rotate, and the
    catalog item whose admin change form is opened; removed afterwards."""
    from credit.accounts.services import create_user
    from credit.catalog.models import CatalogItem
    from credit.core.models import Department
    from credit.gateway import services

    tag = uuid.uuid4().hex[:8]
    with django_db_blocker.unblock():
        admin = create_user(
            actor=None,
            username=f"csp-{tag}",
            password=PASSWORD,
            role=Role.CITY_ADMIN,
            real_name="安全检查",
        )
        client, _ = services.create_client(
            actor=None,
            name=f"安全头检查系统{tag}",
            kind="department",
            department=Department.objects.get(code="SCJG"),
            ips=["127.0.0.1/32"],
            scopes=["subjects:read"],
        )
        item = CatalogItem.objects.get(code="admin-penalty")
    yield {"admin": admin, "client": client, "item": item}
    with django_db_blocker.unblock():  # committed: other tests on this database count clients
        service_user = client.user
        client.delete()
        service_user.delete()
        admin.delete()


@pytest.fixture
def violations(page):
    """Every Content-Security-Policy refusal the browser reports, page by page."""
    found: list[str] = []

    def note(message) -> None:
        if "Content Security Policy" in message.text:
            found.append(f"{page.url}: {message.text}")

    page.on("console", note)
    return found


def test_pages_work_under_the_policy_and_nothing_is_blocked(page, live_url, scene, violations):
    page.goto(f"{live_url}/portal/")
    assert page.locator("text=信用常州").first.is_visible()
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.evaluate("htmx.config.allowEval") is False

    login(page, live_url, scene["admin"])
    assert page.get_by_test_id("role").inner_text() == "市信用办管理员"

    page.goto(f"{live_url}/admin/catalog/catalogitem/{scene['item'].pk}/change/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#catalogitem_form").is_visible()
    # The admin's own scripts ran: inline formsets get their "add another" link from inlines.js.
    assert page.locator(".add-row a").count() >= 1

    page.goto(f"{live_url}/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=20_000)  # Swagger UI rendered the operations
    assert page.locator(".opblock").count() > 10
    assert page.locator("text=公共信用信息平台 API").first.is_visible()

    assert violations == []


def test_confirmation_and_print_buttons_work_without_inline_handlers(
    page, live_url, scene, violations
):
    client = scene["client"]
    login(page, live_url, scene["admin"])
    page.goto(f"{live_url}/gateway/clients/{client.pk}/")
    rotate = page.locator("form[data-confirm] button[type=submit]", has_text="更换密钥")

    questions: list[str] = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    rotate.click()
    page.wait_for_timeout(300)
    assert questions == ["更换后旧密钥立即失效，确定更换？"]
    assert page.url.endswith(f"/gateway/clients/{client.pk}/")  # cancelled: nothing sent

    page.once("dialog", lambda dialog: dialog.accept())
    rotate.click()
    page.wait_for_selector("[data-testid=secret]")
    assert "已更换密钥" in page.locator("h1").inner_text()

    page.evaluate(
        """() => {
            window.printed = 0;
            window.print = () => { window.printed += 1; };
            const button = document.createElement("button");
            button.type = "button";
            button.dataset.action = "print";
            button.textContent = "打印";
            document.querySelector("main").append(button);
        }"""
    )
    page.click("main button[data-action=print]")
    assert page.evaluate("window.printed") == 1
    assert violations == []
