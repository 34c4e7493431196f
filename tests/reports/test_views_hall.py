"""The service hall's entry (窗口代为申请): the subject found by its USCC or a person's ID
number (through the blind index), the materials the window checks, a department applying for
its own procedures, and the receipt that shows the extraction code once."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from credit.accounts.roles import Role
from credit.reports.constants import ApplicantKind, Channel
from credit.reports.models import Application
from credit.reports.services import code_hash
from tests.reports.factories import PDF, make_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(make_user):
    return make_user(Role.CITY_ADMIN)


@pytest.fixture
def template(make_user):
    return make_template(make_user(Role.CITY_REVIEWER))


def _pdf(name: str = "营业执照.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _form(template, identifier: str, **changes) -> dict:
    data = {
        "identifier": identifier,
        "template": str(template.pk),
        "purpose": "bidding",
        "purpose_text": "某某学校食堂改造工程",
        "period_from": "",
        "period_to": "",
        "applicant_kind": ApplicantKind.SELF,
        "applicant_name": "王经办",
        "contact": "13812345678",
        "licence": _pdf(),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_an_entry_shows_the_number_and_the_extraction_code_once(
    client, clerk, template, legal_person
):
    client.force_login(clerk)
    page = client.get("/reports/hall/").content.decode()
    assert "窗口代为申请信用报告" in page and 'enctype="multipart/form-data"' in page
    response = client.post("/reports/hall/", _form(template, legal_person.uscc))
    assert response.status_code == 302, response.content.decode()[:800]
    application = Application.objects.get()
    assert response["Location"] == f"/reports/hall/{application.number}/receipt/"
    assert application.channel == Channel.HALL and application.entered_by == clerk
    assert application.applicant_contact == "138****5678"
    assert application.purpose == "bidding" and application.purpose_text == "某某学校食堂改造工程"
    assert application.materials.get().kind == "licence"

    receipt = client.get(response["Location"]).content.decode()
    code = receipt.split('data-testid="code">')[1].split("<")[0]
    assert application.code_hash == code_hash(code)
    assert application.number in receipt and 'data-action="print"' in receipt
    assert "/portal/reports/download/" in receipt
    again = client.get(response["Location"]).content.decode()
    assert 'data-testid="code-gone"' in again and code not in again


def test_a_person_is_found_by_the_id_number_and_brings_an_identity_document(
    client, clerk, make_user, resident_id_factory
):
    from credit.subjects.services import register_natural_person

    number = resident_id_factory()
    person, _ = register_natural_person(actor=None, name="王五", id_number=number)
    natural = make_template(make_user(Role.CITY_REVIEWER), code="t-person", subject_type="natural")
    client.force_login(clerk)
    without = client.post("/reports/hall/", _form(natural, number))
    assert without.status_code == 400 and "请上传身份证明" in without.content.decode()
    form = _form(natural, number, licence=None, identity=_pdf("身份证.pdf"))
    assert client.post("/reports/hall/", form).status_code == 302
    application = Application.objects.get()
    assert application.natural_person == person and not application.own_report


def test_an_unknown_subject_or_a_missing_licence_is_refused_on_the_form(
    client, clerk, template, legal_person, uscc_factory
):
    client.force_login(clerk)
    unknown = client.post("/reports/hall/", _form(template, uscc_factory()))
    assert unknown.status_code == 400
    assert "平台中没有该统一社会信用代码或身份证号码的主体" in unknown.content.decode()
    missing = client.post("/reports/hall/", _form(template, legal_person.uscc, licence=None))
    assert missing.status_code == 400 and "请上传营业执照" in missing.content.decode()
    agent = client.post(
        "/reports/hall/",
        _form(template, legal_person.uscc, applicant_kind=ApplicantKind.AGENT),
    )
    assert agent.status_code == 400 and "请上传授权委托书" in agent.content.decode()
    not_pdf = client.post(
        "/reports/hall/",
        _form(template, legal_person.uscc, licence=SimpleUploadedFile("执照.pdf", b"hello")),
    )
    assert not_pdf.status_code == 400 and "不是 PDF、JPG 或 PNG 文件" in not_pdf.content.decode()
    half = client.post(
        "/reports/hall/", _form(template, legal_person.uscc, period_from="2025-01-01")
    )
    assert half.status_code == 400 and "请同时填写信息时段的起止日期" in half.content.decode()
    assert not Application.objects.exists()


def test_a_template_for_another_subject_type_or_purpose_is_refused(
    client, clerk, make_user, template, legal_person
):
    client.force_login(clerk)
    natural = make_template(make_user(Role.CITY_REVIEWER), code="t-nat", subject_type="natural")
    wrong_type = client.post("/reports/hall/", _form(natural, legal_person.uscc))
    assert wrong_type.status_code == 400 and "不适用于该类主体" in wrong_type.content.decode()
    wrong_use = client.post("/reports/hall/", _form(template, legal_person.uscc, purpose="funds"))
    assert wrong_use.status_code == 400 and "不适用于“财政资金”用途" in wrong_use.content.decode()


def test_a_department_applies_for_its_own_procedures_without_materials(
    client, make_user, template, legal_person
):
    officer = make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG")
    client.force_login(officer)
    page = client.get("/reports/hall/").content.decode()
    assert re.search(
        r'<input type="radio" name="applicant_kind" value="department"[^>]*checked', page
    )
    assert f'value="{officer.department.name}"' in page  # the applicant pre-filled
    form = _form(
        template, legal_person.uscc, licence=None, applicant_kind=ApplicantKind.DEPARTMENT,
        applicant_name="天宁区市场监督管理局",
    )  # fmt: skip
    response = client.post("/reports/hall/", form)
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.channel == Channel.DEPARTMENT
    assert application.department.code == "TNQ-SCJG" and not application.materials.exists()
    # Another department's officer neither lists it nor opens its receipt.
    client.force_login(make_user(Role.DEPT_OFFICER, region="320404", department="ZLQ-SCJG"))
    assert client.get(response["Location"]).status_code == 404


def test_the_window_without_a_department_cannot_apply_in_a_departments_name(
    client, clerk, template, legal_person
):
    client.force_login(clerk)
    assert 'value="department"' not in client.get("/reports/hall/").content.decode()
    response = client.post(
        "/reports/hall/",
        _form(template, legal_person.uscc, applicant_kind=ApplicantKind.DEPARTMENT),
    )
    assert response.status_code == 400 and not Application.objects.exists()


@pytest.mark.parametrize(("role", "status"), [(None, 302), (Role.LEADER, 403), (Role.AUDITOR, 403)])
def test_who_may_not_enter_is_refused(client, make_user, role, status):
    if role is not None:
        client.force_login(make_user(role))
    assert client.get("/reports/hall/").status_code == status
