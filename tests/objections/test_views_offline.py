"""Service-hall entry (:mod:`credit.objections.views.offline`)."""

from __future__ import annotations

import pytest

from credit.objections.models import Objection
from tests.objections.conftest import page_text, uploaded

pytestmark = pytest.mark.django_db


def test_offline_entry_through_the_page(client, office, penalty_record, applicant):
    client.force_login(office)
    form = client.get(f"/objections/manage/new/?record={penalty_record.pk}")
    assert f'value="{penalty_record.pk}"' in page_text(form)
    response = client.post(
        "/objections/manage/new/",
        {
            **applicant,
            "record": penalty_record.document_no,
            "reason": "窗口递交",
            "files": [uploaded("申请书.png", b"\x89PNG\r\n\x1a\n" + b"0" * 10)],
        },
    )
    objection = Objection.objects.get()
    assert response["Location"] == f"/objections/manage/{objection.number}/"
    assert objection.channel == "offline" and objection.attachments.count() == 1
    bad = client.post(
        "/objections/manage/new/", {**applicant, "record": "999999999", "reason": "x"}
    )
    assert "未找到该信用记录" in page_text(bad)
