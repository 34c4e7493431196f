"""An objection's case page (:mod:`credit.objections.views.cases`): the actions its status
and the user allow, working a case through the pages, refusals on the form, downloads."""

from __future__ import annotations

import re

import pytest

from credit.core.models import AuditEntry
from credit.objections.constants import ObjectionStatus
from credit.objections.models import Objection
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord
from tests.objections.conftest import PDF, page_text

pytestmark = pytest.mark.django_db
S = ObjectionStatus


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
    page = page_text(client.get(f"/objections/manage/{assigned.number}/"))
    assert 'data-action="verify"' in page and 'data-action="reassign"' not in page
    response = client.post(
        f"/objections/manage/{assigned.number}/verify/",
        {"finding": "uphold", "reason": "经核实信息无误"},
    )
    assert response.status_code == 302
    assert Objection.objects.get(pk=assigned.pk).status == S.VERIFIED
    denied = client.post(f"/objections/manage/{assigned.number}/uphold/", {"result": "维持"})
    assert denied.status_code == 400 and "受理和办结信用异议" in page_text(denied)


def test_the_detail_page_offers_the_actions_of_the_status(client, office, submit, penalty_record):
    objection = submit(penalty_record)
    client.force_login(office)
    text = page_text(client.get(f"/objections/manage/{objection.number}/"))
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
    page = page_text(client.get(f"{base}/"))
    assert "f_violation_facts" in page and "信息有误，建议更正" in page
    fields = {
        f"f_{k}": v
        for k, v in penalty_record.payload.items()
        if k not in ("legal_rep_id_number", "id_number")
    }
    fields["f_violation_facts"] = "当事人逾期3日报送年度报告。"
    response = client.post(f"{base}/correct/", {"result": "已更正违法事实", **fields})
    assert response.status_code == 302, page_text(response)
    record = CreditRecord.objects.get(pk=penalty_record.pk)
    assert record.status == RecordStatus.ACTIVE
    assert record.payload["violation_facts"] == "当事人逾期3日报送年度报告。"
    text = page_text(client.get(f"{base}/"))
    assert "已更正信息" in text and 'data-action="close"' in text
    assert "提交异议申请" in text and "提交修复申请" not in text
    assert text.count('<tr><td class="nowrap">') >= 5  # the log


def test_a_refusal_without_reason_is_shown_on_the_form(client, office, submit, penalty_record):
    objection = submit(penalty_record)
    client.force_login(office)
    response = client.post(f"/objections/manage/{objection.number}/refuse/", {"reason": ""})
    assert response.status_code == 400 and "这个字段是必填项" in page_text(response)
    response = client.post(f"/objections/manage/{objection.number}/close/", {"reason": ""})
    assert response.status_code == 400 and "不能执行" in page_text(response)
    assert client.post(f"/objections/manage/{objection.number}/nothing/").status_code == 404


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
