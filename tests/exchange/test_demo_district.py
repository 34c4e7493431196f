"""The demo's district sub-platform (:func:`credit.exchange.demo.seed_district_exchange`): a
partner of the 天宁区 tenant reached through a local folder, sent the district's 行政处罚
records only, its receipt files read back (one refusal with its reason), and a second seeding
that writes and answers nothing twice."""

from __future__ import annotations

import pytest

from credit.accounts.roles import Role
from credit.exchange import selectors
from credit.exchange.constants import DeliveryStatus
from credit.exchange.demo import (
    DISTRICT_CODE,
    DISTRICT_REFUSAL,
    district_folder,
    seed_district_exchange,
)
from credit.exchange.models import Delivery, OutboundFile, Partner

pytestmark = pytest.mark.django_db


def test_the_district_sub_platform_gets_its_records_and_answers_them(
    monkeypatch, tmp_path, penalty, make_user
):
    monkeypatch.setenv("CREDIT_VAR_DIR", str(tmp_path))
    ours = [penalty(department="TNQ-SCJG"), penalty(department="TNQ-SCJG")]
    penalty(department="ZLQ-SCJG")  # 钟楼区: not the sub-platform's
    lines: list[str] = []

    made = seed_district_exchange(report=lines.append)

    assert made == {
        "district_loaded": 2,
        "district_sent": 2,
        "district_acked": 1,
        "district_rejected": 1,
    }
    partner = Partner.objects.get(code=DISTRICT_CODE)
    assert partner.region_id == "320402"
    deliveries = Delivery.objects.filter(channel__partner=partner)
    assert {d.record_id for d in deliveries} == {r.pk for r in ours}
    refused = deliveries.get(status=DeliveryStatus.REJECTED)
    assert refused.reason == DISTRICT_REFUSAL
    (written,) = OutboundFile.objects.filter(partner=partner)
    assert (written.records, written.accepted, written.rejected) == (2, 1, 1)
    assert written.receipt_at is not None
    folder = district_folder()
    assert folder == tmp_path / "exchange" / "tianning"
    assert (folder / "outbox" / written.name).exists()
    assert (folder / "outbox_receipts" / "done").is_dir()
    assert any("确认 1 拒收 1" in line for line in lines)

    again = seed_district_exchange(report=lines.append)
    assert again == {
        "district_loaded": 0,
        "district_sent": 0,
        "district_acked": 0,
        "district_rejected": 0,
    }
    assert OutboundFile.objects.filter(partner=partner).count() == 1

    # the district's administrator sees it; another district's does not
    assert selectors.partner_for(make_user(Role.DISTRICT_ADMIN, region="320402"), DISTRICT_CODE)
    other = make_user(Role.DISTRICT_ADMIN, region="320404")
    assert not selectors.partners_for(other).filter(code=DISTRICT_CODE).exists()
