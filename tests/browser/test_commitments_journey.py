"""A company's agent logs in to the portal with the real-name login (the development identity
provider), reads the template of 市场监管局's 市场主体信用承诺, agrees, signs and uploads the
signed letter; the commitment waits for review. 市场监管局's officer opens it on the staff
page, downloads the letter and approves it; it is then published in the portal's 信用承诺
column. Screenshots of the staff page and the column at 1366 and 390 px are kept in the
test's folder."""

from __future__ import annotations

import datetime
import uuid

import pytest
from playwright.sync_api import expect

from credit.accounts.roles import Role
from tests.browser.conftest import PASSWORD, fits, shots

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

CLIENT_ID = "portal-commitments-journey"
CLIENT_SECRET = "portal-commitments-journey-secret"
ITEM = "zd-market-subject"
LETTER = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    """The public logs in through the server's own development identity provider."""
    return {
        "CREDIT_OIDC_ISSUER": "{url}/dev-idp",
        "CREDIT_OIDC_CLIENT_ID": CLIENT_ID,
        "CREDIT_OIDC_CLIENT_SECRET": CLIENT_SECRET,
    }


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, live_url):
    """Committed data the server can see: the commitment items, a company, its agent at the
    identity provider, the portal registered as the provider's client and an officer of
    市场监管局; removed afterwards with what the journey made."""
    from credit.accounts.services import create_user
    from credit.commitments.models import CommitmentItem, NumberCounter
    from credit.commitments.services.items import import_items
    from credit.core.identifiers import make_resident_id, make_uscc
    from credit.core.models import Department
    from credit.identity.devidp import services as devidp
    from credit.subjects.services import register_legal_person

    tag = uuid.uuid4().hex[:8].upper()
    with django_db_blocker.unblock():
        counters = set(NumberCounter.objects.values_list("id", flat=True))
        import_items()
        item = CommitmentItem.objects.select_related("department").get(code=ITEM)
        company, _ = register_legal_person(
            actor=None, uscc=make_uscc("91", "320402", tag), name=f"常州市承诺{tag}贸易有限公司"
        )
        login = f"agent-{tag.lower()}"
        identity = devidp.save_identity(
            login=login,
            password=PASSWORD,
            name="孙经办",
            id_card=make_resident_id("320402", datetime.date(1988, 8, 8), 66),
            user_type="company",
            uscc=company.uscc,
            org_name=company.name,
        )
        client = devidp.register_client(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            redirect_uris=[f"{live_url}/portal/account/callback/"],
        )
        officer = create_user(
            actor=None,
            username=f"cmt-{tag.lower()}",
            password=PASSWORD,
            role=Role.DEPT_OFFICER,
            real_name="钱审核",
            department=Department.objects.get(code=item.department.code),
        )
    yield {"company": company, "login": login, "item": item, "officer": officer}
    with django_db_blocker.unblock():
        _remove(company, identity, client, officer, counters)


def _remove(company, identity, client, officer, counters: set[int]) -> None:
    """What the journey made and the scene (the audit trail is append-only: replica mode skips
    its guard, for this clean-up only)."""
    from credit.commitments.models import Commitment, NumberCounter
    from credit.identity.models import PublicAccount
    from tests.conftest import append_only_bypass

    with append_only_bypass():
        commitments = Commitment.objects.filter(legal_person=company)
        accounts = list(commitments.values_list("account_id", flat=True))
        commitments.delete()
        NumberCounter.objects.exclude(id__in=counters).delete()
        PublicAccount.objects.filter(pk__in=[a for a in accounts if a]).delete()
        PublicAccount.objects.filter(uscc=company.uscc).delete()
    client.delete()
    user = identity.user
    identity.delete()
    user.delete()
    company.identifiers.all().delete()
    company.delete()
    officer.delete()


def _staff_login(page, live_url, user) -> None:
    page.goto(f"{live_url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}/")


def test_sign_online_approve_and_publish(page, live_url, scene, tmp_path):
    company, item, officer = scene["company"], scene["item"], scene["officer"]
    page.set_viewport_size({"width": 390, "height": 844})

    # The agent opens the item's signing page and is sent to the real-name login.
    page.goto(f"{live_url}/portal/commitments/new/?item={item.code}")
    page.wait_for_url("**/dev-idp/login/**")
    page.fill("input[name=login]", scene["login"])
    page.fill("input[name=password]", PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(f"**/portal/commitments/new/?item={item.code}")
    expect(page.get_by_test_id("promisor")).to_contain_text(company.name)
    expect(page.get_by_test_id("template-text")).not_to_be_empty()
    fits(page)

    # Without ticking the agreement the commitment is refused …
    letter = tmp_path / "信用承诺书.pdf"
    letter.write_bytes(LETTER)
    form = page.get_by_test_id("sign-form")
    form.locator("input[name=signer_name]").fill("孙经办")
    form.locator("input[name=letter]").set_input_files(str(letter))
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("agree-error")).to_be_visible()

    # … agreed and signed, it is submitted with the letter and waits for review.
    form = page.get_by_test_id("sign-form")
    form.locator("input[name=agreed]").check()
    form.locator("input[name=signer_name]").fill("孙经办")
    form.locator("input[name=letter]").set_input_files(str(letter))
    form.locator("button[type=submit]").click()
    page.get_by_test_id("sign-done").wait_for()
    number = page.get_by_test_id("commitment-number").inner_text().strip()
    assert number.startswith(f"ZD-{item.department.code}-")
    expect(page.get_by_test_id("commitment-status")).to_have_text("待审核")
    fits(page)

    # Not yet public.
    page.goto(f"{live_url}/portal/commitments/?name={company.name}")
    expect(page.get_by_test_id("commitment-rows")).not_to_contain_text(number)

    # The department's officer opens it, reads the letter and approves it.
    staff = page.context.browser.new_context(locale="zh-CN", accept_downloads=True).new_page()
    staff.set_viewport_size({"width": 1366, "height": 768})
    _staff_login(staff, live_url, officer)
    staff.goto(f"{live_url}/commitments/?status=submitted")
    staff.get_by_role("link", name=number).click()
    staff.wait_for_url(f"**/commitments/{number}/")
    expect(staff.get_by_test_id("status")).to_have_text("待审核")
    expect(staff.get_by_test_id("fields")).to_contain_text(company.uscc)
    with staff.expect_download() as downloading:
        staff.get_by_test_id("files").get_by_role("link", name="信用承诺书.pdf").click()
    assert downloading.value.suggested_filename == "信用承诺书.pdf"
    review = staff.locator("details[data-action=review]")
    review.get_by_label("审核通过（公示）").check()
    with staff.expect_navigation():
        review.get_by_test_id("submit-review").click()
    expect(staff.get_by_test_id("status")).to_have_text("已公示")
    assert "审核通过，已公示" in staff.content()
    shots(staff, tmp_path, "staff-detail")
    staff.goto(f"{live_url}/commitments/")
    shots(staff, tmp_path, "staff-list")

    # The column of the portal shows it.
    page.goto(f"{live_url}/portal/commitments/?name={company.name}")
    row = page.get_by_test_id("commitment-rows").locator("tr", has_text=number)
    expect(row).to_contain_text(item.name)
    expect(row).to_contain_text(company.name)
    shots(page, tmp_path, "portal-column")

    for name in ("staff-detail", "staff-list", "portal-column"):
        for width in (1366, 390):
            assert (tmp_path / f"{name}-{width}.png").stat().st_size > 0
