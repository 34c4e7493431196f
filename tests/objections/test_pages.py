"""Pages: the public objection, repair and tracking pages (no login), and the staff
workbench — permissions per role and department, actions, exports and statistics."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from credit.accounts.roles import Role
from credit.core.masking import mask_id_number
from credit.core.models import AuditEntry
from credit.objections import services
from credit.objections.constants import Finding, ObjectionStatus, RepairStatus
from credit.objections.models import Objection, RepairApplication
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord
from tests.objections.conftest import JPG, PDF, PHONE, last_code

pytestmark = pytest.mark.django_db
S = ObjectionStatus


def _text(response) -> str:
    return response.content.decode()


def _sheet(response, title):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in wb[title].iter_rows(values_only=True)]


def _file(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


@pytest.fixture
def relaxed(settings):
    settings.CREDIT_SMS_PHONE_PER_MINUTE = settings.CREDIT_SMS_PHONE_PER_HOUR = 100


# --- the public objection form -------------------------------------------------------------


def test_the_form_shows_the_record_as_the_public_sees_it(client, penalty_record):
    response = client.get(f"/objections/new/?record={penalty_record.pk}")
    assert response.status_code == 200
    text = _text(response)
    assert "信用信息异议申请" in text and "常市监罚〔2026〕1号" in text
    assert "常州市测试机械制造有限公司" in text and "获取验证码" in text
    assert 'hx-post="/objections/send-code/"' in text
    assert "张三" not in text  # 法定代表人 is personal: not on public pages


def test_a_natural_persons_record_is_masked_on_the_form(client, resident_id_factory):
    from credit.catalog.models import CatalogItem
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
    text = _text(client.get(f"/objections/new/?record={record.pk}"))
    assert "王**" in text and "王小明" not in text
    # The ID number is sensitive: not shown, not even masked. Its last four digits alone may
    # occur by chance in public codes on the page (the department's USCC), so they are looked
    # for only as the tail of a masked number.
    assert number not in text and mask_id_number(number) not in text
    assert not re.search(r"\*" + re.escape(number[-4:]), text)


@pytest.mark.parametrize("query", ["", "?record=999999999", "?record=abc"])
def test_an_unknown_record_gets_a_not_found_page(client, query):
    response = client.get(f"/objections/new/{query}")
    assert response.status_code == 404 and "未找到该信息" in _text(response)


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
    assert "验证码已发送至 138****5678" in _text(response) and 'class="ok"' in _text(response)
    assert last_code(outbox)
    again = client.post("/objections/send-code/", {**applicant, "purpose": "objection"})
    assert "请1分钟后再试" in _text(again) and 'class="bad"' in _text(again)


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
        return _text(response)

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
    assert "证件号码不正确" in _text(response) and outbox == []


def test_without_javascript_the_button_posts_the_page(client, outbox, penalty_record, applicant):
    response = client.post(
        f"/objections/new/?record={penalty_record.pk}", {**applicant, "send_code": "1"}
    )
    assert response.status_code == 200 and "验证码已发送" in _text(response)
    assert f'value="{applicant["id_number"]}"' in _text(response)  # step 1 kept
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
        [_file("复议决定.pdf", PDF), _file("照片.jpg", JPG)],
    )
    objection = Objection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/objections/track/{objection.number}/"
    page = client.get(response["Location"])
    text = _text(page)
    assert objection.number in text and "待受理" in text
    assert "常州市发展和改革委员会（市信用办）" in text  # the handler: a department
    assert "李*" in text and "李四" not in text  # the applicant's name masked
    assert "复议决定.pdf" in text and objection.attachments.count() == 2


def test_a_file_with_the_wrong_content_is_refused_on_the_form(
    client, outbox, penalty_record, applicant
):
    response = _objection_post(
        client, outbox, penalty_record, applicant, [_file("证明.pdf", b"<html>not a pdf")]
    )
    assert response.status_code == 200
    assert "不是 PDF、JPG 或 PNG 文件" in _text(response)
    assert not Objection.objects.exists()


def test_a_wrong_code_is_shown_on_its_field(client, outbox, penalty_record, applicant):
    client.post("/objections/send-code/", {**applicant, "purpose": "objection"})
    response = client.post(
        f"/objections/new/?record={penalty_record.pk}",
        {**applicant, "code": "000000", "reason": "理由"},
    )
    assert "验证码不正确" in _text(response) or "验证码已" in _text(response)
    assert not Objection.objects.exists()


# --- tracking -------------------------------------------------------------------------------


def test_tracking_needs_the_right_phone_digits(client, submit, penalty_record):
    objection = submit(penalty_record)
    wrong = client.post("/objections/track/", {"number": objection.number, "phone_last4": "0000"})
    assert wrong.status_code == 200 and "手机号码后四位不符" in _text(wrong)
    missing = client.post(
        "/objections/track/", {"number": "YY20260101AAAAAAAAAA", "phone_last4": "5678"}
    )
    assert "手机号码后四位不符" in _text(missing)  # the same answer: existence does not leak
    assert client.get(f"/objections/track/{objection.number}/").status_code == 302
    right = client.post(
        "/objections/track/", {"number": objection.number.lower(), "phone_last4": "5678"}
    )
    assert right.status_code == 302
    assert "待受理" in _text(client.get(right["Location"]))


def test_the_status_page_names_departments_never_people(client, submit, penalty_record, office):
    objection = submit(penalty_record)
    services.accept_objection(actor=office, objection=objection)
    services.assign_objection(actor=office, objection=objection, department="SCJG")
    client.post("/objections/track/", {"number": objection.number, "phone_last4": "5678"})
    text = _text(client.get(f"/objections/track/{objection.number}/"))
    assert "来源部门核实中" in text and "常州市市场监督管理局" in text
    assert office.username not in text
    services.record_verification(
        actor=office, objection=objection, finding=Finding.REVOKE, opinion="内部意见不公开"
    )
    services.decide_objection(
        actor=office, objection=objection, action="revoke", result="该信息已撤销"
    )
    text = _text(client.get(f"/objections/track/{objection.number}/"))
    assert "已撤销信息" in text and "该信息已撤销" in text
    assert "内部意见不公开" not in text


# --- the public repair page -----------------------------------------------------------------


def test_an_ineligible_record_shows_the_reasons_and_no_form(client, penalty_record):
    response = client.get(f"/objections/repair/new/?record={penalty_record.pk}")
    text = _text(response)
    assert response.status_code == 200 and "不符合申请信用修复的条件" in text
    assert 'data-reason="minimum_period"' in text and "repair-form" not in text
    post = client.post(f"/objections/repair/new/?record={penalty_record.pk}", {"name": "x"})
    assert post.status_code == 200 and not RepairApplication.objects.exists()


def test_a_repair_is_applied_for_and_tracked(client, outbox, repairable, legal_person):
    page = client.get(f"/objections/repair/new/?record={repairable.pk}")
    assert "符合申请信用修复的条件" in _text(page) and "repair-form" in _text(page)
    applicant = {"name": legal_person.name, "id_number": legal_person.uscc, "phone": PHONE}
    client.post("/objections/send-code/", {**applicant, "purpose": "repair"})
    response = client.post(
        f"/objections/repair/new/?record={repairable.pk}",
        {
            **applicant,
            "code": last_code(outbox),
            "statement": "罚款已缴清，已完成整改。",
            "commitment": _file("承诺书.pdf", PDF),
            "proof": [_file("缴款凭证.jpg", JPG)],
        },
    )
    application = RepairApplication.objects.get()
    assert response["Location"] == f"/objections/track/{application.number}/"
    text = _text(client.get(response["Location"]))
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
            "proof": [_file("证明.jpg", JPG)],
        },
    )
    assert response.status_code == 200 and "请上传信用承诺书" in _text(response)


# --- staff pages: who may open what ----------------------------------------------------------

STAFF_URLS = [
    "/objections/manage/",
    "/objections/manage/export.xlsx",
    "/objections/manage/new/",
    "/objections/manage/stats/",
    "/objections/manage/stats/export.xlsx",
    "/objections/manage/repairs/",
    "/objections/manage/repairs/export.xlsx",
    "/objections/manage/YY20260101AAAAAAAAAA/",
    "/objections/manage/repairs/XF20260101AAAAAAAAAA/",
]


@pytest.mark.parametrize("url", STAFF_URLS)
def test_anonymous_users_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("url", STAFF_URLS)
def test_an_auditor_is_refused(client, make_user, url):
    client.force_login(make_user(Role.AUDITOR))
    response = client.get(url)
    assert response.status_code == 403 and "无权访问" in _text(response)


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/objections/manage/", 200),
        ("/objections/manage/export.xlsx", 200),
        ("/objections/manage/new/", 403),
        ("/objections/manage/stats/", 403),
        ("/objections/manage/repairs/", 403),
    ],
)
def test_what_a_department_officer_may_open(client, scjg_officer, url, status):
    client.force_login(scjg_officer)
    assert client.get(url).status_code == status


@pytest.fixture
def assigned(submit, penalty_record, office):
    """An objection assigned to SCJG for verification."""
    objection = submit(penalty_record)
    services.accept_objection(actor=office, objection=objection)
    services.assign_objection(actor=office, objection=objection, department="SCJG")
    return Objection.objects.get(pk=objection.pk)


def test_a_department_officer_sees_only_its_departments_tasks(
    client, assigned, submit, make_penalty, scjg_officer, sw_officer
):
    submit(make_penalty("常市监罚〔2026〕2号"))  # not assigned to anyone yet
    client.force_login(scjg_officer)
    text = _text(client.get("/objections/manage/"))
    assert assigned.number in text and text.count("/objections/manage/YY") == 1
    client.force_login(sw_officer)
    assert assigned.number not in _text(client.get("/objections/manage/"))
    assert client.get(f"/objections/manage/{assigned.number}/").status_code == 404
    rows = _sheet(client.get("/objections/manage/export.xlsx"), "信用异议")
    assert len(rows) == 1  # headers only


def test_a_department_officer_cannot_act_on_another_departments_task(
    client, assigned, sw_officer, scjg_officer
):
    client.force_login(sw_officer)
    response = client.post(
        f"/objections/manage/{assigned.number}/verify/",
        {"finding": "uphold", "reason": "无误"},
    )
    assert response.status_code == 404
    assert Objection.objects.get(pk=assigned.pk).status == S.VERIFYING
    client.force_login(scjg_officer)
    page = _text(client.get(f"/objections/manage/{assigned.number}/"))
    assert 'data-action="verify"' in page and 'data-action="reassign"' not in page
    response = client.post(
        f"/objections/manage/{assigned.number}/verify/",
        {"finding": "uphold", "reason": "经核实信息无误"},
    )
    assert response.status_code == 302
    assert Objection.objects.get(pk=assigned.pk).status == S.VERIFIED
    denied = client.post(f"/objections/manage/{assigned.number}/uphold/", {"result": "维持"})
    assert denied.status_code == 400 and "受理和办结信用异议" in _text(denied)


# --- staff pages: the credit office's workflow ---------------------------------------------


def test_the_queue_filters_and_flags_overdue_cases(client, office, submit, make_penalty):
    late = submit(make_penalty("常市监罚〔2026〕3号"))
    fresh = submit(make_penalty("常市监罚〔2026〕4号"))
    Objection.objects.filter(pk=late.pk).update(
        accept_due=timezone.localdate() - datetime.timedelta(days=10)
    )
    client.force_login(office)
    text = _text(client.get("/objections/manage/"))
    assert late.number in text and fresh.number in text and "已超期" in text
    overdue = _text(client.get("/objections/manage/?overdue=on"))
    assert late.number in overdue and fresh.number not in overdue
    by_status = _text(client.get("/objections/manage/?status=accepted"))
    assert late.number not in by_status
    assert late.number in _text(client.get(f"/objections/manage/?q={late.number}"))
    by_channel = _text(client.get("/objections/manage/?channel=offline"))
    assert late.number not in by_channel
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert late.number not in _text(client.get(f"/objections/manage/?date_from={tomorrow}"))
    assert late.number in _text(client.get("/objections/manage/?department=SCJG"))


def test_the_queue_does_not_query_per_row(client, office, submit, make_penalty):
    client.force_login(office)
    submit(make_penalty("常市监罚〔2026〕10号"))
    with CaptureQueriesContext(connection) as one:
        client.get("/objections/manage/")
    for i in range(11, 16):
        submit(make_penalty(f"常市监罚〔2026〕{i}号"))
    with CaptureQueriesContext(connection) as six:
        client.get("/objections/manage/")
    assert len(six) == len(one)


def test_the_detail_page_offers_the_actions_of_the_status(client, office, submit, penalty_record):
    objection = submit(penalty_record)
    client.force_login(office)
    text = _text(client.get(f"/objections/manage/{objection.number}/"))
    actions = re.findall(r'data-action="(\w+)"', text)
    assert actions == ["accept", "refuse", "withdraw"]
    assert "受理期限" in text and "138****5678" in text
    assert AuditEntry.objects.filter(event_type="objection.viewed").exists()


def test_the_credit_office_works_a_case_through_the_pages(client, office, submit, penalty_record):
    objection = submit(penalty_record)
    client.force_login(office)
    base = f"/objections/manage/{objection.number}"
    assert client.post(f"{base}/accept/", {"reason": ""}).status_code == 302
    assert CreditRecord.objects.get(pk=penalty_record.pk).status == RecordStatus.SUSPENDED
    assert client.post(f"{base}/assign/", {"department": "", "reason": ""}).status_code == 400
    department = penalty_record.department.pk
    assert client.post(f"{base}/assign/", {"department": department}).status_code == 302
    assert (
        client.post(f"{base}/verify/", {"finding": "correct", "reason": "事实有误"}).status_code
        == 302
    )
    page = _text(client.get(f"{base}/"))
    assert "f_violation_facts" in page and "信息有误，建议更正" in page
    fields = {
        f"f_{k}": v
        for k, v in penalty_record.payload.items()
        if k not in ("legal_rep_id_number", "id_number")
    }
    fields["f_violation_facts"] = "当事人逾期3日报送年度报告。"
    response = client.post(f"{base}/correct/", {"result": "已更正违法事实", **fields})
    assert response.status_code == 302, _text(response)
    record = CreditRecord.objects.get(pk=penalty_record.pk)
    assert record.status == RecordStatus.ACTIVE
    assert record.payload["violation_facts"] == "当事人逾期3日报送年度报告。"
    text = _text(client.get(f"{base}/"))
    assert "已更正信息" in text and 'data-action="close"' in text
    assert "提交异议申请" in text and "提交修复申请" not in text
    assert text.count('<tr><td class="nowrap">') >= 5  # the log


def test_a_refusal_without_reason_is_shown_on_the_form(client, office, submit, penalty_record):
    objection = submit(penalty_record)
    client.force_login(office)
    response = client.post(f"/objections/manage/{objection.number}/refuse/", {"reason": ""})
    assert response.status_code == 400 and "这个字段是必填项" in _text(response)
    response = client.post(f"/objections/manage/{objection.number}/close/", {"reason": ""})
    assert response.status_code == 400 and "不能执行" in _text(response)
    assert client.post(f"/objections/manage/{objection.number}/nothing/").status_code == 404


def test_the_export_opens_with_openpyxl(client, office, submit, penalty_record):
    objection = submit(penalty_record)
    client.force_login(office)
    response = client.get("/objections/manage/export.xlsx?status=submitted")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    rows = _sheet(response, "信用异议")
    assert rows[0][:4] == ["受理编号", "提交时间", "渠道", "状态"]
    assert rows[1][0] == objection.number and rows[1][3] == "待受理"
    assert rows[1][10] == "138****5678" and PHONE not in str(rows)
    assert AuditEntry.objects.filter(event_type="objections.exported").exists()


def test_offline_entry_through_the_page(client, office, penalty_record, applicant):
    client.force_login(office)
    form = client.get(f"/objections/manage/new/?record={penalty_record.pk}")
    assert f'value="{penalty_record.pk}"' in _text(form)
    response = client.post(
        "/objections/manage/new/",
        {
            **applicant,
            "record": penalty_record.document_no,
            "reason": "窗口递交",
            "files": [_file("申请书.png", b"\x89PNG\r\n\x1a\n" + b"0" * 10)],
        },
    )
    objection = Objection.objects.get()
    assert response["Location"] == f"/objections/manage/{objection.number}/"
    assert objection.channel == "offline" and objection.attachments.count() == 1
    bad = client.post(
        "/objections/manage/new/", {**applicant, "record": "999999999", "reason": "x"}
    )
    assert "未找到该信用记录" in _text(bad)


def test_attachments_download_for_those_who_may_see_the_case(
    client, office, assigned, sw_officer, scjg_officer
):
    attachment = assigned.attachments.get()
    url = f"/objections/manage/{assigned.number}/files/{attachment.pk}/"
    client.force_login(sw_officer)
    assert client.get(url).status_code == 404
    client.force_login(scjg_officer)
    response = client.get(url)
    assert response.status_code == 200 and response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert AuditEntry.objects.filter(event_type="objection.attachment_read").exists()


# --- staff pages: repairs and statistics ---------------------------------------------------


@pytest.fixture
def application(outbox, repairable, legal_person, relaxed):
    from credit.objections import repairs, verification
    from tests.objections.conftest import repair_files

    verification.send_code(phone=PHONE, purpose="repair", source_ip=None)
    return repairs.submit_repair(
        record_id=repairable.pk,
        name=legal_person.name,
        id_number=legal_person.uscc,
        phone=PHONE,
        code=last_code(outbox),
        statement="已整改",
        files=repair_files(),
    )


def test_the_repair_queue_review_and_export(client, office, application, repairable):
    client.force_login(office)
    assert application.number in _text(client.get("/objections/manage/repairs/"))
    assert application.number in _text(client.get("/objections/manage/repairs/?status=submitted"))
    assert application.number not in _text(client.get("/objections/manage/repairs/?status=granted"))
    base = f"/objections/manage/repairs/{application.number}"
    page = _text(client.get(f"{base}/"))
    assert 'data-action="grant"' in page and "信用承诺书" in page and "符合条件" in page
    attachment = application.attachments.get(kind="commitment")
    assert client.get(f"{base}/files/{attachment.pk}/").content == PDF
    assert client.post(f"{base}/grant/", {"reason": ""}).status_code == 400
    assert client.post(f"{base}/grant/", {"reason": "准予修复"}).status_code == 302
    assert CreditRecord.objects.get(pk=repairable.pk).status == RecordStatus.REPAIRED
    assert RepairApplication.objects.get().status == RepairStatus.GRANTED
    rows = _sheet(client.get("/objections/manage/repairs/export.xlsx"), "信用修复")
    assert rows[1][0] == application.number and rows[1][2] == "准予修复"


def test_statistics_per_department_and_month(client, office, application, submit, penalty_record):
    submit(penalty_record)
    client.force_login(office)
    text = _text(client.get("/objections/manage/stats/"))
    month = timezone.localdate().strftime("%Y-%m")
    assert month in text and "常州市市场监督管理局" in text
    response = client.get("/objections/manage/stats/export.xlsx")
    objections = _sheet(response, "信用异议")
    repairs = _sheet(response, "信用修复")
    assert objections[0][:3] == ["月份", "来源部门", "收到"]
    assert objections[1][:4] == [month, "常州市市场监督管理局", 1, 1]  # 1 received, 1 open
    assert repairs[1][:4] == [month, "常州市市场监督管理局", 1, 0]
