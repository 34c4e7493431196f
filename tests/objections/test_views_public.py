"""The public pages (no login, :mod:`credit.objections.views.public`): the objection form
with its two steps and the SMS code, the repair form with eligibility first, and the
tracking pages."""

from __future__ import annotations

import re

import pytest

from credit.core.masking import mask_id_number
from credit.objections import services
from credit.objections.constants import Finding
from credit.objections.models import Objection, RepairApplication
from tests.objections.conftest import JPG, PDF, PHONE, last_code, page_text, uploaded

pytestmark = pytest.mark.django_db


# --- the public objection form -------------------------------------------------------------


def test_the_form_shows_the_record_as_the_public_sees_it(client, penalty_record):
    response = client.get(f"/objections/new/?record={penalty_record.pk}")
    assert response.status_code == 200
    text = page_text(response)
    assert "信用信息异议申请" in text and "常市监罚〔2026〕1号" in text
    assert "常州市测试机械制造有限公司" in text and "获取验证码" in text
    assert 'hx-post="/objections/send-code/"' in text
    assert "张三" not in text  # 法定代表人 is personal: not on public pages


def test_a_natural_persons_record_is_masked_on_the_form(client, resident_id_factory):
    from credit.catalog.models import CatalogItem, FieldSpec
    from credit.core.models import Department
    from credit.records.services import upsert_record
    from credit.subjects.services import register_natural_person
    from tests.records.factories import natural_payload

    number = resident_id_factory()
    person, _ = register_natural_person(actor=None, name="王小明", id_number=number)
    department = Department.objects.get(code="SCJG")
    record = upsert_record(
        actor=None,
        item=CatalogItem.objects.get(code="admin-penalty"),
        department=department,
        subject=person,
        payload=natural_payload("王小明", number, department, "常市监罚〔2026〕7号"),
    ).record
    text = page_text(client.get(f"/objections/new/?record={record.pk}"))
    assert "王**" in text and "王小明" not in text
    # The ID number is sensitive: not shown, not even masked. Its last four digits may occur
    # by chance elsewhere on the page (the department's USCC, a masked phone), so they are not
    # looked for as a bare substring: the page must hold neither the number, nor its masked
    # form, nor anything shaped like a masked ID number (8 or more stars, then 4 characters),
    # and no row of the record may be the ID field or a masked value ending with those digits.
    rows = dict(re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", text))
    id_field = FieldSpec.objects.get(item__code="admin-penalty", code="id_number").name
    assert rows["行政相对人名称"] == "王**" and id_field not in rows
    assert number not in text and mask_id_number(number) not in text
    assert not re.search(r"\*{8,}[0-9X]{4}", text)
    assert not any("*" in value and value.endswith(number[-4:]) for value in rows.values())


@pytest.mark.parametrize("query", ["", "?record=999999999", "?record=abc"])
def test_an_unknown_record_gets_a_not_found_page(client, query):
    response = client.get(f"/objections/new/{query}")
    assert response.status_code == 404 and "未找到该信息" in page_text(response)


def test_a_suspended_record_cannot_be_objected_to_online(client, office, penalty_record, applicant):
    objection = services.record_offline_objection(
        actor=office, record=penalty_record, reason="窗口", files=[], **applicant
    )
    services.accept_objection(actor=office, objection=objection)
    assert client.get(f"/objections/new/?record={penalty_record.pk}").status_code == 404


def test_htmx_sends_the_code_and_answers_a_status_line(client, outbox, applicant):
    response = client.post(
        "/objections/send-code/",
        {**applicant, "purpose": "objection"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "验证码已发送至 138****5678" in page_text(response) and 'class="ok"' in page_text(
        response
    )
    assert last_code(outbox)
    again = client.post("/objections/send-code/", {**applicant, "purpose": "objection"})
    assert "请1分钟后再试" in page_text(again) and 'class="bad"' in page_text(again)


@pytest.mark.parametrize(
    ("proxies", "counted_apart"), [(["10.0.0.0/8"], True), ([], False)], ids=["trusted", "none"]
)
def test_the_sms_limit_per_address_reads_the_client_behind_a_trusted_proxy(
    client, outbox, settings, resident_id_factory, proxies, counted_apart
):
    from credit.objections.models import VerificationCode

    settings.CREDIT_TRUSTED_PROXIES = proxies
    settings.CREDIT_SMS_IP_PER_HOUR = 2

    def send(phone: str, forwarded_for: str) -> str:
        data = {"name": "李四", "id_number": resident_id_factory(), "phone": phone}
        response = client.post(
            "/objections/send-code/",
            {**data, "purpose": "objection"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )
        return page_text(response)

    assert "验证码已发送" in send("13900000001", "1.2.3.4")
    assert "验证码已发送" in send("13900000002", "1.2.3.4")
    assert "本网络获取验证码次数过多" in send("13900000003", "1.2.3.4")
    other = send("13900000004", "5.6.7.8")  # another client behind the same proxy
    assert ("验证码已发送" in other) is counted_apart
    sources = set(VerificationCode.objects.values_list("source_ip", flat=True))
    assert sources == ({"1.2.3.4", "5.6.7.8"} if counted_apart else {"10.0.0.2"})


def test_the_code_is_not_sent_for_a_bad_identity(client, outbox):
    response = client.post(
        "/objections/send-code/", {"name": "李四", "id_number": "123", "phone": PHONE}
    )
    assert "证件号码不正确" in page_text(response) and outbox == []


def test_without_javascript_the_button_posts_the_page(client, outbox, penalty_record, applicant):
    response = client.post(
        f"/objections/new/?record={penalty_record.pk}", {**applicant, "send_code": "1"}
    )
    assert response.status_code == 200 and "验证码已发送" in page_text(response)
    assert f'value="{applicant["id_number"]}"' in page_text(response)  # step 1 kept
    assert not Objection.objects.exists()


def _objection_post(client, outbox, record, applicant, files):
    client.post("/objections/send-code/", {**applicant, "purpose": "objection"})
    return client.post(
        f"/objections/new/?record={record.pk}",
        {
            **applicant,
            "record": record.pk,
            "code": last_code(outbox),
            "reason": "该处罚已被复议机关撤销。",
            "files": files,
        },
    )


def test_an_objection_is_submitted_and_its_status_page_follows(
    client, outbox, penalty_record, applicant
):
    response = _objection_post(
        client,
        outbox,
        penalty_record,
        applicant,
        [uploaded("复议决定.pdf", PDF), uploaded("照片.jpg", JPG)],
    )
    objection = Objection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/objections/track/{objection.number}/"
    page = client.get(response["Location"])
    text = page_text(page)
    assert objection.number in text and "待受理" in text
    assert "常州市发展和改革委员会（市信用办）" in text  # the handler: a department
    assert "李*" in text and "李四" not in text  # the applicant's name masked
    assert "复议决定.pdf" in text and objection.attachments.count() == 2


def test_a_file_with_the_wrong_content_is_refused_on_the_form(
    client, outbox, penalty_record, applicant
):
    response = _objection_post(
        client, outbox, penalty_record, applicant, [uploaded("证明.pdf", b"<html>not a pdf")]
    )
    assert response.status_code == 200
    assert "不是 PDF、JPG 或 PNG 文件" in page_text(response)
    assert not Objection.objects.exists()


def test_a_wrong_code_is_shown_on_its_field(client, outbox, penalty_record, applicant):
    client.post("/objections/send-code/", {**applicant, "purpose": "objection"})
    response = client.post(
        f"/objections/new/?record={penalty_record.pk}",
        {**applicant, "code": "000000", "reason": "理由"},
    )
    assert "验证码不正确" in page_text(response) or "验证码已" in page_text(response)
    assert not Objection.objects.exists()


# --- tracking -------------------------------------------------------------------------------


def test_tracking_needs_the_right_phone_digits(client, submit, penalty_record):
    objection = submit(penalty_record)
    wrong = client.post("/objections/track/", {"number": objection.number, "phone_last4": "0000"})
    assert wrong.status_code == 200 and "手机号码后四位不符" in page_text(wrong)
    missing = client.post(
        "/objections/track/", {"number": "YY20260101AAAAAAAAAA", "phone_last4": "5678"}
    )
    assert "手机号码后四位不符" in page_text(missing)  # the same answer: existence does not leak
    assert client.get(f"/objections/track/{objection.number}/").status_code == 302
    right = client.post(
        "/objections/track/", {"number": objection.number.lower(), "phone_last4": "5678"}
    )
    assert right.status_code == 302
    assert "待受理" in page_text(client.get(right["Location"]))


def test_the_status_page_names_departments_never_people(client, submit, penalty_record, office):
    objection = submit(penalty_record)
    services.accept_objection(actor=office, objection=objection)
    services.assign_objection(actor=office, objection=objection, department="SCJG")
    client.post("/objections/track/", {"number": objection.number, "phone_last4": "5678"})
    text = page_text(client.get(f"/objections/track/{objection.number}/"))
    assert "来源部门核实中" in text and "常州市市场监督管理局" in text
    assert office.username not in text
    services.record_verification(
        actor=office, objection=objection, finding=Finding.REVOKE, opinion="内部意见不公开"
    )
    services.decide_objection(
        actor=office, objection=objection, action="revoke", result="该信息已撤销"
    )
    text = page_text(client.get(f"/objections/track/{objection.number}/"))
    assert "已撤销信息" in text and "该信息已撤销" in text
    assert "内部意见不公开" not in text


# --- the public repair page -----------------------------------------------------------------


def test_an_ineligible_record_shows_the_reasons_and_no_form(client, penalty_record):
    response = client.get(f"/objections/repair/new/?record={penalty_record.pk}")
    text = page_text(response)
    assert response.status_code == 200 and "不符合申请信用修复的条件" in text
    assert 'data-reason="minimum_period"' in text and "repair-form" not in text
    post = client.post(f"/objections/repair/new/?record={penalty_record.pk}", {"name": "x"})
    assert post.status_code == 200 and not RepairApplication.objects.exists()


def test_a_repair_is_applied_for_and_tracked(client, outbox, repairable, legal_person):
    page = client.get(f"/objections/repair/new/?record={repairable.pk}")
    assert "符合申请信用修复的条件" in page_text(page) and "repair-form" in page_text(page)
    applicant = {"name": legal_person.name, "id_number": legal_person.uscc, "phone": PHONE}
    client.post("/objections/send-code/", {**applicant, "purpose": "repair"})
    response = client.post(
        f"/objections/repair/new/?record={repairable.pk}",
        {
            **applicant,
            "code": last_code(outbox),
            "statement": "罚款已缴清，已完成整改。",
            "commitment": uploaded("承诺书.pdf", PDF),
            "proof": [uploaded("缴款凭证.jpg", JPG)],
        },
    )
    application = RepairApplication.objects.get()
    assert response["Location"] == f"/objections/track/{application.number}/"
    text = page_text(client.get(response["Location"]))
    assert "信用修复办理进度" in text and "待审核" in text


def test_a_repair_without_a_commitment_is_refused_on_the_form(
    client, outbox, repairable, legal_person
):
    applicant = {"name": legal_person.name, "id_number": legal_person.uscc, "phone": PHONE}
    client.post("/objections/send-code/", {**applicant, "purpose": "repair"})
    response = client.post(
        f"/objections/repair/new/?record={repairable.pk}",
        {
            **applicant,
            "code": last_code(outbox),
            "statement": "已整改",
            "proof": [uploaded("证明.jpg", JPG)],
        },
    )
    assert response.status_code == 200 and "请上传信用承诺书" in page_text(response)
