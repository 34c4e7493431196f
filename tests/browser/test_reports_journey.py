"""A company's agent logs in to the portal through the (development) identity provider and
applies for the company's credit report with its business licence; a reviewer of the credit
office passes the materials, a second reviewer approves and the report is issued; the agent
downloads it with the report number and the extraction code, opens the address in its QR code
and reads 「有效」, then uploads the downloaded file to the verify page: 「验证通过」."""

from __future__ import annotations

import datetime
import uuid
from urllib.parse import urlsplit

import pytest

from credit.accounts.roles import Role
from tests.browser.conftest import PASSWORD, fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

CLIENT_ID = "portal-reports-journey"
CLIENT_SECRET = "portal-reports-journey-secret"
LICENCE = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(scope="module")
def server_env(tmp_path_factory) -> dict[str, str]:
    """The server signs with development keys of its own and logs the public in through its
    own development identity provider (``{url}``: the server's address)."""
    from credit.reports.signing import init_dev_keys

    keys = init_dev_keys(tmp_path_factory.mktemp("journey-keys") / "keys")
    return {
        "CREDIT_REPORT_KEYS_DIR": str(keys.directory),
        "CREDIT_REPORT_TRUST_ROOTS": str(keys.ca),
        "CREDIT_OIDC_ISSUER": "{url}/dev-idp",
        "CREDIT_OIDC_CLIENT_ID": CLIENT_ID,
        "CREDIT_OIDC_CLIENT_SECRET": CLIENT_SECRET,
    }


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, live_url):
    """Committed data the server can see: a company, its agent at the identity provider, the
    portal registered as the provider's client, a report template and two reviewers; removed
    afterwards with what the journey made."""
    from credit.accounts.services import create_user
    from credit.core.identifiers import make_resident_id, make_uscc
    from credit.identity.devidp import services as devidp
    from credit.reports import services
    from credit.subjects.services import register_legal_person

    tag = uuid.uuid4().hex[:8].upper()
    with django_db_blocker.unblock():
        company, _ = register_legal_person(
            actor=None, uscc=make_uscc("91", "320402", tag), name=f"常州市报告{tag}科技有限公司"
        )
        login = f"agent-{tag.lower()}"
        identity = devidp.save_identity(
            login=login,
            password=PASSWORD,
            name="周经办",
            id_card=make_resident_id("320402", datetime.date(1990, 3, 3), 77),
            user_type="company",
            uscc=company.uscc,
            org_name=company.name,
        )
        client = devidp.register_client(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            redirect_uris=[f"{live_url}/portal/account/callback/"],
        )
        reviewer = create_user(
            actor=None,
            username=f"rpt-review-{tag.lower()}",
            password=PASSWORD,
            role=Role.CITY_REVIEWER,
            real_name="王初审",
        )
        approver = create_user(
            actor=None,
            username=f"rpt-approve-{tag.lower()}",
            password=PASSWORD,
            role=Role.CITY_REVIEWER,
            real_name="陈复核",
        )
        fields = services.usable_items("legal")
        template = services.save_template(
            actor=reviewer,
            code=f"journey-{tag.lower()}",
            name=f"企业信用报告（{tag}）",
            subject_type="legal",
            purposes=["general", "bidding"],
            period_months=36,
            valid_days=90,
            sections=[
                {"kind": "basic", "title": "基本信息", "facts": ["uscc", "kind", "region"]},
                {
                    "kind": "records",
                    "title": "行政处罚",
                    "items": [
                        {"code": "admin-penalty", "fields": sorted(fields["admin-penalty"])[:3]}
                    ],
                },
            ],
        ).template
    yield {
        "company": company,
        "login": login,
        "template": template,
        "reviewer": reviewer,
        "approver": approver,
    }
    with django_db_blocker.unblock():
        _remove(company, template, identity, client, [reviewer, approver])


def _remove(company, template, identity, client, users) -> None:
    """What the journey made and the scene (steps, reports and the audit trail are append-only
    or protected: replica mode skips those guards, for this clean-up only)."""
    from credit.identity.models import PublicAccount
    from credit.reports.models import (
        Application,
        ExtractionAttempt,
        Material,
        Report,
        ReportRecord,
        ReportTemplate,
        Step,
    )
    from tests.conftest import append_only_bypass

    with append_only_bypass():
        applications = Application.objects.filter(legal_person=company)
        numbers = list(applications.values_list("number", flat=True))
        ReportRecord.objects.filter(report__application__in=applications).delete()
        Report.objects.filter(application__in=applications).delete()
        Material.objects.filter(application__in=applications).delete()
        Step.objects.filter(application__in=applications).delete()
        ExtractionAttempt.objects.filter(number__in=numbers).delete()
        accounts = list(applications.values_list("account_id", flat=True))
        applications.delete()
        PublicAccount.objects.filter(pk__in=accounts).delete()
        PublicAccount.objects.filter(uscc=company.uscc).delete()
        ReportTemplate.objects.filter(pk=template.pk).update(current=None)
        template.versions.all().delete()
        ReportTemplate.objects.filter(pk=template.pk).delete()

    client.delete()
    user = identity.user
    identity.delete()
    user.delete()
    company.identifiers.all().delete()
    company.delete()
    for staff in users:
        staff.delete()


def _staff_login(page, live_url, user) -> None:
    page.goto(f"{live_url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_url}/")


def _qr_url(pdf: bytes) -> str:
    """The address in the QR code on the report's first page."""
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=200 / 72).to_pil()
    found = [b.text for b in zxingcpp.read_barcodes(image) if "/portal/reports/verify/" in b.text]
    assert found, "no verification QR code on the first page"
    return found[0]


def test_apply_review_approve_download_and_verify(page, live_url, scene, tmp_path):
    company, template = scene["company"], scene["template"]
    page.set_viewport_size({"width": 390, "height": 844})

    # The agent starts on the portal's report page and logs in through the identity provider.
    page.goto(f"{live_url}/portal/")
    page.locator("nav.mainnav").get_by_text("信用报告").click()
    page.wait_for_url("**/portal/reports/")
    page.get_by_test_id("apply-link").click()
    page.wait_for_url("**/dev-idp/login/**")
    page.fill("input[name=login]", scene["login"])
    page.fill("input[name=password]", PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/portal/reports/apply/")
    assert company.name in page.get_by_test_id("subject").inner_text()
    fits(page)

    # … applies for a report for a bid, with the business licence.
    licence = tmp_path / "营业执照.pdf"
    licence.write_bytes(LICENCE)
    form = page.get_by_test_id("apply-form")
    form.locator("select[name=template]").select_option(str(template.pk))
    form.locator("select[name=purpose]").select_option("bidding")
    form.locator("[name=purpose_text]").fill("参加常州市某道路工程投标")
    form.locator("input[name=licence]").set_input_files(str(licence))
    form.locator("button[type=submit]").click()
    page.get_by_test_id("applied").wait_for()
    number = page.get_by_test_id("report-number").inner_text().strip()
    code = page.get_by_test_id("extraction-code").inner_text().strip()
    assert "提取码只显示一次" in page.get_by_test_id("code-once").inner_text()
    fits(page)

    # The credit office: one reviewer passes the materials, another approves the issue.
    browser = page.context.browser
    first = browser.new_context(locale="zh-CN").new_page()
    _staff_login(first, live_url, scene["reviewer"])
    first.goto(f"{live_url}/reports/applications/{number}/")
    with first.expect_navigation():
        first.locator("details[data-action=pass] button[type=submit]").click()
    second = browser.new_context(locale="zh-CN").new_page()
    _staff_login(second, live_url, scene["approver"])
    second.goto(f"{live_url}/reports/applications/{number}/")
    second.on("dialog", lambda dialog: dialog.accept())  # 确定复核通过并签发？
    with second.expect_navigation():
        second.locator("details[data-action=approve] button[type=submit]").click()
    assert "已签发报告" in second.content()

    # The agent downloads the report with the number and the extraction code.
    page.goto(f"{live_url}/portal/reports/download/")
    download_form = page.get_by_test_id("download-form")
    download_form.locator("[name=number]").fill(number)
    download_form.locator("[name=code]").fill(code)
    with page.expect_download() as downloading:
        download_form.locator("button[type=submit]").click()
    download = downloading.value
    assert download.suggested_filename == f"信用报告_{number}.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    pdf = saved.read_bytes()
    assert pdf.startswith(b"%PDF-")

    # Whoever receives it scans the QR code: the verify page says the report is valid.
    target = urlsplit(_qr_url(pdf))
    assert target.path == f"/portal/reports/verify/{number}"
    page.goto(f"{live_url}{target.path}?{target.query}")
    assert page.get_by_test_id("report-status").inner_text() == "有效"
    assert company.name in page.get_by_test_id("verified-subject").inner_text()
    fits(page)

    # … and uploads the file on the verify page: intact and validly signed.
    page.goto(f"{live_url}/portal/reports/verify/")
    upload = page.get_by_test_id("upload-form")
    upload.locator("input[name=file]").set_input_files(str(saved))
    upload.locator("button[type=submit]").click()
    page.get_by_test_id("verify-result").wait_for()
    assert page.get_by_test_id("verdict").inner_text() == "验证通过"
    assert page.get_by_test_id("verified-number").inner_text() == number
    fits(page)

    # 我的 lists the application, issued, with its download.
    page.goto(f"{live_url}/portal/account/")
    mine = page.get_by_test_id("my-reports")
    assert number in mine.inner_text() and "已出具" in mine.inner_text()
    fits(page)
