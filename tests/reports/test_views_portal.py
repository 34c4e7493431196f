"""The portal pages of credit reports (:mod:`credit.reports.views.public`): the application by a
real-name user with the extraction code shown once, the download with number and code within
the limits on wrong tries, the QR code's verify page in every status, the check of an uploaded
PDF, the applicant's own application page (return, resubmission, download without the code)
and the authorisations of third parties."""

from __future__ import annotations

import datetime
import hashlib
import re
import uuid
from urllib.parse import quote

import pytest
from django.test import Client

from credit.accounts.roles import Role
from credit.core.errors import ValidationFailed
from credit.core.masking import mask_id_number, mask_name
from credit.core.models import AuditEntry
from credit.objections.uploads import Upload
from credit.reports import services
from credit.reports.constants import ApplicantKind, ApplicationStatus
from credit.reports.models import Application, Authorisation, Report
from tests.reports.factories import make_template

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = datetime.date.today()


def text(response) -> str:
    return response.content.decode()


# --------------------------------------------------------------------------------------------
# Fixtures: templates, staff, real-name accounts, issued reports
# --------------------------------------------------------------------------------------------


@pytest.fixture
def approver(make_user):
    return make_user(Role.CITY_ADMIN)


@pytest.fixture
def legal_template(office):
    return make_template(
        office, code=f"p-legal-{uuid.uuid4().hex[:6]}", name="企业信用报告（门户测试）"
    )


@pytest.fixture
def natural_template(office):
    return services.save_template(
        actor=office,
        code=f"p-natural-{uuid.uuid4().hex[:6]}",
        name="个人信用报告（门户测试）",
        subject_type="natural",
        purposes=["general"],
        period_months=36,
        valid_days=90,
        sections=[{"kind": "basic", "title": "基本信息", "facts": ["id_number", "region"]}],
    ).template


def sign_in(*, kind: str, name: str, id_number: str, uscc: str = "", org_name: str = ""):
    """A real-name account as the identity platform's login makes it
    (:func:`credit.identity.services.sign_in` with the configured claim names)."""
    from django.conf import settings

    from credit.identity import services as identity

    names = settings.CREDIT_OIDC_CLAIMS
    kind_value = next(k for k, v in settings.CREDIT_OIDC_KIND_VALUES.items() if v == kind)
    claims = {
        "sub": uuid.uuid4().hex,
        names["name"]: name,
        names["id_number"]: id_number,
        names["kind"]: kind_value,
    }
    if uscc:
        claims[names["uscc"]] = uscc
        claims[names["org_name"]] = org_name
    return identity.sign_in(issuer="https://idp.example.test", claims=claims)


def logged_in(account) -> Client:
    """A browser whose portal session holds ``account`` (what the login's callback leaves)."""
    from credit.identity.session import SESSION_KEY

    client = Client()
    session = client.session
    session[SESSION_KEY] = account.pk
    session.save()
    return client


@pytest.fixture
def agent(legal_person, resident_id_factory):
    return sign_in(
        kind="company",
        name="钱经办",
        id_number=resident_id_factory(),
        uscc=legal_person.uscc,
        org_name=legal_person.name,
    )


@pytest.fixture
def citizen(resident_id_factory):
    from credit.subjects.services import register_natural_person

    number = resident_id_factory()
    person, _ = register_natural_person(actor=None, name="孙明亮", id_number=number)
    account = sign_in(kind="person", name="孙明亮", id_number=number)
    return account, person, number


def licence(name: str = "营业执照.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def apply_as(client, template, **changes):
    data = {
        "template": template.pk,
        "purpose": "bidding",
        "purpose_text": "参加常州市某项目投标",
        "applicant": ApplicantKind.SELF,
        "licence": licence(),
        **changes,
    }
    return client.post("/portal/reports/apply/", {k: v for k, v in data.items() if v is not None})


def review_and_issue(office, approver, application) -> Report:
    services.review_materials(actor=office, application=application, passed=True)
    return services.approve(actor=approver, application=application)


@pytest.fixture
def issued(signing_keys, office, approver, make_user, legal_template, legal_person):
    """A report issued for the company after an application at the service hall, reviewed by
    a second and approved by a third person: (application, extraction code, report)."""
    application, code = services.enter_application(
        actor=office,
        template=legal_template,
        subject=legal_person,
        purpose="general",
        applicant_name="张经办",
        uploads=[Upload("营业执照.pdf", PDF, "licence")],
    )
    services.review_materials(actor=approver, application=application, passed=True)
    report = services.approve(actor=make_user(Role.CITY_REVIEWER), application=application)
    return application, code, report


def verify_url(report: Report) -> str:
    return f"/portal/reports/verify/{report.number}?c={report.verify_code}"


# --------------------------------------------------------------------------------------------
# Landing and navigation
# --------------------------------------------------------------------------------------------


def test_the_landing_page_explains_and_links_apply_download_and_verify(client):
    response = client.get("/portal/reports/")
    page = text(response)
    assert response.status_code == 200
    assert "信用报告" in page and "替代纸质" in page
    for url in ("/portal/reports/apply/", "/portal/reports/download/", "/portal/reports/verify/"):
        assert f'href="{url}"' in page


def test_the_portal_navigation_links_the_reports(client):
    page = text(client.get("/portal/"))
    assert re.search(r'<a href="/portal/reports/"[^>]*>信用报告</a>', page)


# --------------------------------------------------------------------------------------------
# Applying
# --------------------------------------------------------------------------------------------


def test_applying_needs_a_real_name_login(client):
    response = client.get("/portal/reports/apply/")
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/account/login/")
    assert quote("/portal/reports/apply/", safe="") in response["Location"]


def test_a_company_agent_applies_and_sees_the_code_once(agent, legal_template, legal_person):
    client = logged_in(agent)
    form = client.get("/portal/reports/apply/")
    assert form.status_code == 200
    assert legal_person.name in text(form)
    assert "企业信用报告（门户测试）（适用：通用、招标投标）" in text(form)

    response = apply_as(client, legal_template)
    page = text(response)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "请妥善保存，提取码只显示一次" in page
    application = Application.objects.get(account=agent)
    assert application.number in page
    code = re.search(r'data-testid="extraction-code">([A-Z0-9]+)<', page).group(1)
    assert application.code_hash == services.code_hash(code)
    assert application.applicant_kind == ApplicantKind.SELF
    assert application.materials.get().kind == "licence"
    assert (application.purpose, application.legal_person) == ("bidding", legal_person)

    # The code appears nowhere again: not on the application's page, not in the session.
    later = text(client.get(f"/portal/reports/mine/{application.number}/"))
    assert application.number in later and code not in later
    assert code not in str(dict(client.session))


def test_an_agent_acting_for_the_company_must_add_the_authorisation_letter(agent, legal_template):
    client = logged_in(agent)
    response = apply_as(client, legal_template, applicant=ApplicantKind.AGENT)
    assert response.status_code == 200 and "请上传授权委托书" in text(response)
    assert not Application.objects.filter(account=agent).exists()

    response = apply_as(
        client,
        legal_template,
        applicant=ApplicantKind.AGENT,
        authorisation=licence("授权委托书.pdf"),
    )
    application = Application.objects.get(account=agent)
    assert application.applicant_kind == ApplicantKind.AGENT
    assert sorted(application.materials.values_list("kind", flat=True)) == [
        "authorisation",
        "licence",
    ]


def test_the_licence_is_required_and_checked_by_its_content(agent, legal_template):
    client = logged_in(agent)
    missing = apply_as(client, legal_template, licence=None)
    assert missing.status_code == 200 and "这个字段是必填项" in text(missing)
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("营业执照.pdf", b"MZ\x90\x00not a pdf")
    refused = apply_as(client, legal_template, licence=fake)
    assert "不是 PDF、JPG 或 PNG 文件" in text(refused)
    assert not Application.objects.filter(account=agent).exists()


def test_a_purpose_the_template_does_not_serve_is_refused_on_the_purpose(agent, legal_template):
    response = apply_as(logged_in(agent), legal_template, purpose="financing")
    assert response.status_code == 200
    assert "不适用于“融资信贷”用途" in text(response)
    assert not Application.objects.filter(account=agent).exists()


def test_a_half_given_period_is_refused(agent, legal_template):
    response = apply_as(logged_in(agent), legal_template, period_from=TODAY.isoformat())
    assert "请同时填写信息时段的起止日期" in text(response)


def test_the_agent_sees_only_templates_for_companies(agent, legal_template, natural_template):
    page = text(logged_in(agent).get("/portal/reports/apply/"))
    assert legal_template.name in page and natural_template.name not in page


def test_a_citizen_applies_for_their_own_report_without_materials(citizen, natural_template):
    account, person, _ = citizen
    client = logged_in(account)
    form = text(client.get("/portal/reports/apply/"))
    assert "营业执照" not in form and "个人只能申请本人的信用报告" in form
    response = client.post(
        "/portal/reports/apply/",
        {"template": natural_template.pk, "purpose": "general", "purpose_text": "评优"},
    )
    assert "请妥善保存，提取码只显示一次" in text(response)
    application = Application.objects.get(account=account)
    assert application.natural_person == person and application.own_report


def test_an_account_without_a_file_in_the_library_is_told_where_to_go(resident_id_factory):
    stranger = sign_in(kind="person", name="周无档", id_number=resident_id_factory())
    response = logged_in(stranger).get("/portal/reports/apply/")
    assert response.status_code == 200
    assert "平台尚未建立您本人的信用档案" in text(response)


# --------------------------------------------------------------------------------------------
# Download with number and extraction code
# --------------------------------------------------------------------------------------------


def test_the_number_and_code_download_the_pdf_and_the_download_is_audited(client, issued):
    application, code, report = issued
    response = client.post(
        "/portal/reports/download/", {"number": application.number, "code": code.lower()}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename*=UTF-8''" + quote(f"信用报告_{report.number}.pdf")
    )
    assert hashlib.sha256(response.content).hexdigest() == report.sha256
    entry = AuditEntry.objects.filter(event_type="report.downloaded").latest("id")
    assert entry.object_id == str(report.pk) and entry.after["channel"] == "portal"
    report.refresh_from_db()
    assert report.downloads == 1


def test_a_wrong_code_is_refused_with_the_tries_left(client, issued):
    application, _, _ = issued
    response = client.post(
        "/portal/reports/download/", {"number": application.number, "code": "WRONG234"}
    )
    assert response.status_code == 200
    assert "报告编号或提取码不正确。1小时内还可再试4次" in text(response)
    missing = client.post("/portal/reports/download/", {"number": "XY0", "code": "WRONG234"})
    assert "报告编号或提取码不正确" in text(missing)


def test_five_wrong_codes_lock_the_number_even_for_the_right_code(client, issued, settings):
    settings.CREDIT_REPORT_CODE_TRIES_PER_HOUR = 5
    application, code, _ = issued
    for _ in range(4):
        client.post("/portal/reports/download/", {"number": application.number, "code": "BAD"})
    fifth = client.post("/portal/reports/download/", {"number": application.number, "code": "BAD"})
    assert fifth.status_code == 429 and int(fifth["Retry-After"]) > 0
    assert "提取码输错次数过多，已暂停提取" in text(fifth)
    right = client.post("/portal/reports/download/", {"number": application.number, "code": code})
    assert right.status_code == 429 and right["Content-Type"].startswith("text/html")
    assert "已暂停提取" in text(right)
    assert AuditEntry.objects.filter(
        event_type="report.code_locked", after__number=application.number
    ).exists()


def test_a_report_not_yet_issued_cannot_be_downloaded(client, office, legal_template, legal_person):
    application, code = services.enter_application(
        actor=office,
        template=legal_template,
        subject=legal_person,
        purpose="general",
        applicant_name="张经办",
        uploads=[Upload("营业执照.pdf", PDF, "licence")],
    )
    response = client.post(
        "/portal/reports/download/", {"number": application.number, "code": code}
    )
    assert response.status_code == 200 and "报告尚未出具（待初审）" in text(response)


# --------------------------------------------------------------------------------------------
# The QR code's verify page
# --------------------------------------------------------------------------------------------


def test_the_verify_page_shows_the_facts_of_a_valid_report(client, issued, legal_person):
    _, _, report = issued
    response = client.get(verify_url(report))
    page = text(response)
    assert response.status_code == 200
    assert report.number in page and legal_person.name in page and legal_person.uscc in page
    assert report.sha256 in page and "常州市公共信用信息中心" in page
    assert f"{report.valid_until:%Y-%m-%d}" in page
    assert f"{report.issued_at.astimezone().date():%Y-%m-%d}" in page
    assert re.search(r'data-testid="report-status">有效<', page)


@pytest.mark.parametrize(
    ("change", "label"),
    [("supersede", "已更新"), ("revoke", "已撤销"), ("expire", "已过期")],
)
def test_the_verify_page_shows_each_status(client, issued, office, change, label):
    _, _, report = issued
    if change == "supersede":
        services.supersede(report=report, changed=["行政处罚已更正"])
    elif change == "revoke":
        services.revoke(actor=office, report=report, reason="申请材料虚假")
    else:  # a report issued long ago (the database refuses to rewrite one: bypass it here)
        from tests.conftest import append_only_bypass

        with append_only_bypass():
            Report.objects.filter(pk=report.pk).update(
                valid_until=TODAY - datetime.timedelta(days=1)
            )
    page = text(client.get(verify_url(report)))
    assert re.search(rf'data-testid="report-status">{label}<', page)
    if change == "revoke":
        assert "申请材料虚假" in page and "该报告已被撤销" in page


@pytest.mark.parametrize("query", ["?c=WRONGCODE1", "", "?c="])
def test_a_wrong_or_missing_verify_code_finds_nothing(client, issued, query):
    _, _, report = issued
    response = client.get(f"/portal/reports/verify/{report.number}{query}")
    assert response.status_code == 404
    assert "未找到该报告，或核验码不正确" in text(response)
    assert report.sha256 not in text(response)


def test_an_unknown_number_finds_nothing(client):
    response = client.get("/portal/reports/verify/XY2099010112345678?c=ABCDEFGHJK")
    assert response.status_code == 404 and "未找到该报告" in text(response)


def test_the_verify_form_sends_number_and_code_to_the_report_page(client, issued):
    _, _, report = issued
    response = client.get(
        "/portal/reports/verify/", {"number": report.number, "c": report.verify_code}
    )
    assert response.status_code == 302 and response["Location"] == verify_url(report)


def test_a_natural_person_is_masked_on_the_verify_page(
    signing_keys, citizen, natural_template, office, approver
):
    account, person, number = citizen
    application, _ = services.apply_online(
        account=account, template=natural_template, subject=person, purpose="general"
    )
    report = review_and_issue(office, approver, application)
    assert number in report.snapshot["subject_code"]  # the person's own report: in full
    page = text(Client().get(verify_url(report)))
    assert mask_name(person.name) in page and person.name not in page
    assert mask_id_number(number) in page and number not in page


# --------------------------------------------------------------------------------------------
# Uploading a PDF to verify it
# --------------------------------------------------------------------------------------------


def upload(client, data: bytes, name: str = "报告.pdf", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/portal/reports/verify/",
        {"file": SimpleUploadedFile(name, data, content_type="application/pdf"), **extra},
    )


def verdict(response) -> str:
    return re.search(r'data-testid="verdict">([^<]+)<', text(response)).group(1)


def test_an_intact_issued_report_passes(issued):
    _, _, report = issued
    # Other systems post without a CSRF token: the check changes nothing.
    client = Client(enforce_csrf_checks=True)
    response = upload(client, bytes(report.pdf))
    assert response.status_code == 200
    assert verdict(response) == "验证通过"
    assert response["X-Verification-Result"] == "passed"
    page = text(response)
    assert report.number in page and report.sha256 in page and "有效" in page


def test_one_changed_byte_fails(issued):
    _, _, report = issued
    data = bytearray(report.pdf)
    middle = len(data) // 2
    data[middle] = (data[middle] + 1) % 256
    response = upload(Client(), bytes(data))
    assert verdict(response) == "验证未通过"
    assert response["X-Verification-Result"] == "failed"
    assert "平台没有与该文件摘要（SHA-256）一致的报告" in text(response)
    assert "电子签章验证未通过" in text(response)


def test_a_file_that_is_not_a_pdf_fails(client, signing_keys):
    response = upload(client, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, name="报告.png")
    assert response.status_code == 200 and verdict(response) == "验证未通过"
    assert "不是PDF文件" in text(response)


def test_a_pdf_not_issued_here_fails(client, signing_keys):
    from credit.reports.pdf.render import render_pdf
    from tests.reports.conftest import sample_content

    response = upload(client, render_pdf(sample_content(rows=2)))
    assert verdict(response) == "验证未通过"
    page = text(response)
    assert "文件中没有电子签章" in page and "不是本平台出具的信用报告原件" in page


def test_a_pdf_signed_with_another_key_fails(client, signing_keys, tmp_path, settings):
    from credit.reports.pdf.render import render_pdf
    from credit.reports.signing import PadesSigner, init_dev_keys
    from tests.reports.conftest import sample_content

    other = init_dev_keys(tmp_path / "other")
    signer = PadesSigner.from_pkcs12(other.pkcs12, other.password.read_text().strip())
    forged = signer.sign_pdf(render_pdf(sample_content(rows=2)), reason="伪造")
    response = upload(client, forged)
    assert verdict(response) == "验证未通过" and "不受信任" in text(response)


def test_an_issued_report_since_superseded_passes_and_says_so(issued):
    _, _, report = issued
    services.supersede(report=report, changed=["行政处罚已更正"])
    response = upload(Client(), bytes(report.pdf))
    assert verdict(response) == "验证通过"
    assert "当前状态为“已更新”" in text(response)


def test_a_revoked_report_fails(issued, office):
    _, _, report = issued
    services.revoke(actor=office, report=report, reason="申请材料虚假")
    response = upload(Client(), bytes(report.pdf))
    assert verdict(response) == "验证未通过"
    assert "该报告已被撤销：申请材料虚假" in text(response)


def test_uploading_on_a_report_page_checks_it_is_that_report(issued):
    _, _, report = issued
    response = upload(Client(), bytes(report.pdf), number="XY2000010100000000")
    assert verdict(response) == "验证未通过"
    assert f"上传的文件是报告 {report.number}，不是报告 XY2000010100000000" in text(response)
    same = upload(Client(), bytes(report.pdf), number=report.number)
    assert verdict(same) == "验证通过"


def test_an_oversized_upload_is_refused_in_chinese(client, settings, signing_keys):
    settings.CREDIT_REPORT_VERIFY_MAX_BYTES = 2048
    response = upload(client, b"%PDF-1.4\n" + b"0" * 4096)
    assert response.status_code == 413
    assert "文件超过 2 KB，无法核验" in text(response)


def test_a_missing_file_is_asked_for(client):
    response = client.post("/portal/reports/verify/", {})
    assert response.status_code == 400 and "请选择要核验的信用报告PDF文件" in text(response)


def test_an_empty_file_is_asked_for_again(client):
    response = upload(client, b"")
    assert response.status_code == 400 and "空文件" in text(response)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n" + b"\xff" * 500,
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/AcroForm<</Fields[2 0 R]>>>>endobj\n%%EOF",
        b"%PDF-" + b"(" * 5000,
        b"junk before %PDF-1.4 trailer<</Root 9 0 R/Encrypt 3 0 R>>",
    ],
)
def test_hostile_pdfs_get_a_verdict_not_a_server_error(client, signing_keys, data):
    response = upload(client, data)
    assert response.status_code == 200 and verdict(response) == "验证未通过"


# --------------------------------------------------------------------------------------------
# 我的: the applicant's own application
# --------------------------------------------------------------------------------------------


@pytest.fixture
def applied(agent, legal_template, legal_person):
    application, _ = services.apply_online(
        account=agent,
        template=legal_template,
        subject=legal_person,
        purpose="general",
        uploads=[Upload("营业执照.pdf", PDF, "licence")],
    )
    return application


def test_a_returned_application_shows_the_reason_and_takes_new_materials(agent, applied, office):
    services.review_materials(
        actor=office, application=applied, passed=False, reason="营业执照复印件不清晰"
    )
    client = logged_in(agent)
    page = text(client.get(f"/portal/reports/mine/{applied.number}/"))
    assert "已退回" in page and "营业执照复印件不清晰" in page and "补充材料并重新提交" in page

    response = client.post(
        f"/portal/reports/mine/{applied.number}/resubmit/",
        {"kind": "licence", "file": licence("营业执照（清晰）.pdf")},
    )
    assert response.status_code == 302
    applied.refresh_from_db()
    assert applied.status == ApplicationStatus.SUBMITTED
    assert applied.materials.count() == 2
    assert "申请已重新提交" in text(client.get(response["Location"]))


def test_resubmitting_needs_a_file(agent, applied, office):
    services.review_materials(actor=office, application=applied, passed=False, reason="不清晰")
    response = logged_in(agent).post(
        f"/portal/reports/mine/{applied.number}/resubmit/", {"kind": "licence"}
    )
    assert response.status_code == 200 and "这个字段是必填项" in text(response)
    applied.refresh_from_db()
    assert applied.status == ApplicationStatus.RETURNED


def test_the_applicant_withdraws_an_application_not_yet_issued(agent, applied, office):
    client = logged_in(agent)
    assert 'data-testid="withdraw-form"' in text(
        client.get(f"/portal/reports/mine/{applied.number}/")
    )
    response = client.post(f"/portal/reports/mine/{applied.number}/withdraw/")
    assert response.status_code == 302
    page = text(client.get(response["Location"]))
    assert "已撤回" in page and 'data-testid="withdraw-form"' not in page
    applied.refresh_from_db()
    assert applied.status == ApplicationStatus.WITHDRAWN
    assert AuditEntry.objects.filter(event_type="report_application.withdrawn").exists()
    with pytest.raises(ValidationFailed):  # nothing is reviewed or issued for it afterwards
        services.review_materials(actor=office, application=applied, passed=True)
    again = client.post(f"/portal/reports/mine/{applied.number}/withdraw/")
    assert "不能进行该操作" in text(client.get(again["Location"]))


def test_another_account_cannot_open_or_download_an_application(
    applied, resident_id_factory, legal_person
):
    other = sign_in(
        kind="company",
        name="吴他人",
        id_number=resident_id_factory(),
        uscc=legal_person.uscc,
        org_name=legal_person.name,
    )
    client = logged_in(other)
    for url in ("", "download/"):
        assert client.get(f"/portal/reports/mine/{applied.number}/{url}").status_code == 404
    assert client.post(f"/portal/reports/mine/{applied.number}/resubmit/").status_code == 404
    assert client.post(f"/portal/reports/mine/{applied.number}/withdraw/").status_code == 404


def test_the_owner_downloads_without_the_code_and_it_is_audited(
    signing_keys, agent, applied, office, approver
):
    client = logged_in(agent)
    early = client.get(f"/portal/reports/mine/{applied.number}/download/")
    assert early.status_code == 302
    assert "报告尚未出具" in text(client.get(early["Location"]))

    report = review_and_issue(office, approver, applied)
    response = client.get(f"/portal/reports/mine/{applied.number}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(response.content).hexdigest() == report.sha256
    entry = AuditEntry.objects.filter(event_type="report.downloaded").latest("id")
    assert entry.after["channel"] == "portal_account" and entry.after["account"] == agent.pk


def test_the_application_page_says_a_report_was_superseded(
    signing_keys, agent, applied, office, approver
):
    report = review_and_issue(office, approver, applied)
    services.supersede(report=report, changed=["行政处罚已更正"])
    page = text(logged_in(agent).get(f"/portal/reports/mine/{applied.number}/"))
    assert "已更新" in page and "更正后的报告审核通过后在此下载" in page


def test_my_applications_lists_the_accounts_own_only(agent, applied, citizen, natural_template):
    from credit.reports.selectors import my_applications

    account, person, _ = citizen
    services.apply_online(
        account=account, template=natural_template, subject=person, purpose="general"
    )
    rows = my_applications(agent)
    assert [r["application"] for r in rows] == [applied]
    assert rows[0]["current"] is None and rows[0]["reports"] == []


def test_my_applications_reads_in_two_queries_however_many(
    signing_keys, agent, applied, office, approver, legal_template, legal_person,
    django_assert_num_queries,
):  # fmt: skip
    from credit.reports.selectors import my_applications

    review_and_issue(office, approver, applied)
    for _ in range(3):
        services.apply_online(
            account=agent,
            template=legal_template,
            subject=legal_person,
            purpose="general",
            uploads=[Upload("营业执照.pdf", PDF, "licence")],
        )
    with django_assert_num_queries(2):
        rows = my_applications(agent)
        assert len(rows) == 4 and rows[-1]["current"].application_id == applied.pk
        assert [status for _, status in rows[-1]["reports"]] == ["有效"]


def test_the_me_page_lists_the_applications_with_reason_and_download(
    signing_keys, agent, applied, office, approver, legal_template, legal_person
):
    returned, _ = services.apply_online(
        account=agent,
        template=legal_template,
        subject=legal_person,
        purpose="bidding",
        uploads=[Upload("营业执照.pdf", PDF, "licence")],
    )
    services.review_materials(
        actor=office, application=returned, passed=False, reason="营业执照已过期"
    )
    report = review_and_issue(office, approver, applied)
    client = logged_in(agent)
    page = text(client.get("/portal/account/"))
    section = page[page.index('data-testid="my-reports"') :]
    assert "我的信用报告申请" in section
    assert applied.number in section and returned.number in section
    assert legal_template.name in section and "招标投标" in section and "已出具" in section
    assert "退回原因：营业执照已过期" in section
    assert f'href="/portal/reports/mine/{applied.number}/download/"' in section
    assert f'href="/portal/reports/mine/{returned.number}/download/"' not in section

    services.supersede(report=report, changed=["行政处罚已更正"])
    later = text(client.get("/portal/account/"))
    assert "已更新" in later and "更正后的报告出具后在此下载" in later


def test_the_me_page_says_when_there_is_no_application(agent):
    page = text(logged_in(agent).get("/portal/account/"))
    assert "尚未申请信用报告" in page


# --------------------------------------------------------------------------------------------
# Authorisations
# --------------------------------------------------------------------------------------------


def grant_data(uscc: str, **changes) -> dict:
    return {
        "grantee_uscc": uscc,
        "grantee_name": "常州某招标代理有限公司",
        "purpose": "bidding",
        "valid_from": TODAY.isoformat(),
        "valid_to": (TODAY + datetime.timedelta(days=60)).isoformat(),
        **changes,
    }


def test_the_authorisations_need_a_login(client):
    response = client.get("/portal/reports/authorisations/")
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/account/login/")


def test_an_agent_authorises_a_third_party_and_revokes_it(agent, uscc_factory, legal_person):
    client = logged_in(agent)
    assert "尚未授权任何机构获取信用报告" in text(client.get("/portal/reports/authorisations/"))
    grantee = uscc_factory()
    response = client.post("/portal/reports/authorisations/", grant_data(grantee))
    assert response.status_code == 302
    grant = Authorisation.objects.get(account=agent)
    assert (grant.legal_person, grant.grantee_uscc, grant.purpose) == (
        legal_person,
        grantee,
        "bidding",
    )
    page = text(client.get("/portal/reports/authorisations/"))
    assert "常州某招标代理有限公司" in page and "有效" in page and "已授权" in page
    assert AuditEntry.objects.filter(
        event_type="report_authorisation.granted", object_id=str(grant.pk)
    ).exists()

    response = client.post(f"/portal/reports/authorisations/{grant.pk}/revoke/")
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert "已撤销" in text(client.get("/portal/reports/authorisations/"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"valid_to": (TODAY + datetime.timedelta(days=400)).isoformat()}, "授权期限最长一年"),
        ({"valid_from": (TODAY - datetime.timedelta(days=1)).isoformat()}, "起始日不早于今天"),
        ({"grantee_uscc": "91320400123456789X"}, "被授权方统一社会信用代码不正确"),
        ({"grantee_name": ""}, "这个字段是必填项"),
        ({"purpose": "lottery"}, "选择一个有效的选项"),
    ],
)
def test_authorisations_out_of_bounds_are_refused(agent, uscc_factory, changes, message):
    response = logged_in(agent).post(
        "/portal/reports/authorisations/", grant_data(uscc_factory(), **changes)
    )
    assert response.status_code == 200 and message in text(response)
    assert not Authorisation.objects.filter(account=agent).exists()


def test_the_company_cannot_authorise_itself(agent, legal_person):
    response = logged_in(agent).post(
        "/portal/reports/authorisations/", grant_data(legal_person.uscc)
    )
    assert "不能授权本单位" in text(response)


def test_another_accounts_authorisation_cannot_be_revoked(agent, citizen, uscc_factory):
    client = logged_in(agent)
    client.post("/portal/reports/authorisations/", grant_data(uscc_factory()))
    grant = Authorisation.objects.get(account=agent)
    other = logged_in(citizen[0])
    assert other.post(f"/portal/reports/authorisations/{grant.pk}/revoke/").status_code == 404
    grant.refresh_from_db()
    assert grant.revoked_at is None
    assert str(grant.grantee_name) not in text(other.get("/portal/reports/authorisations/"))


def test_expired_and_future_authorisations_are_labelled(agent, legal_person, uscc_factory):
    for start, end in ((-30, -1), (10, 20)):
        Authorisation.objects.create(
            legal_person=legal_person,
            grantee_uscc=uscc_factory(),
            grantee_name=f"机构{start}",
            purpose="bidding",
            valid_from=TODAY + datetime.timedelta(days=start),
            valid_to=TODAY + datetime.timedelta(days=end),
            account=agent,
        )
    page = text(logged_in(agent).get("/portal/reports/authorisations/"))
    assert "已过期" in page and "未生效" in page
