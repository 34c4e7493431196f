"""The repair review pages (:mod:`credit.objections.views.repairs`): queue, review and
export."""

from __future__ import annotations

import pytest

from credit.objections.constants import RepairStatus
from credit.objections.models import RepairApplication
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord
from tests.objections.conftest import PDF, page_text, sheet

pytestmark = pytest.mark.django_db


def test_the_repair_queue_review_and_export(client, office, application, repairable):
    client.force_login(office)
    assert application.number in page_text(client.get("/objections/manage/repairs/"))
    assert application.number in page_text(
        client.get("/objections/manage/repairs/?status=submitted")
    )
    assert application.number not in page_text(
        client.get("/objections/manage/repairs/?status=granted")
    )
    base = f"/objections/manage/repairs/{application.number}"
    page = page_text(client.get(f"{base}/"))
    assert 'data-action="grant"' in page and "信用承诺书" in page and "符合条件" in page
    attachment = application.attachments.get(kind="commitment")
    assert client.get(f"{base}/files/{attachment.pk}/").content == PDF
    assert client.post(f"{base}/grant/", {"reason": ""}).status_code == 400
    assert client.post(f"{base}/grant/", {"reason": "准予修复"}).status_code == 302
    assert CreditRecord.objects.get(pk=repairable.pk).status == RecordStatus.REPAIRED
    assert RepairApplication.objects.get().status == RepairStatus.GRANTED
    rows = sheet(client.get("/objections/manage/repairs/export.xlsx"), "信用修复")
    assert rows[1][0] == application.number and rows[1][2] == "准予修复"
