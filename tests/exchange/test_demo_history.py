"""The demo dates its upward deliveries as if the daily exchange had run all along, so the
reconciliation and the 7-working-day timeliness show past periods (``credit seed-demo``)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from credit.core import workdays
from credit.exchange import selectors
from credit.exchange.constants import DeliveryStatus
from credit.exchange.demo import _history
from credit.exchange.models import Delivery
from tests.exchange.conftest import PENALTY
from tests.exchange.test_reconciliation import partner, up_channel

pytestmark = pytest.mark.django_db


def test_the_demo_dates_its_confirmed_deliveries_after_their_decisions(penalty):
    today = timezone.localdate()
    decided = today - datetime.timedelta(days=60)
    p = partner("demo-history")
    channel = up_channel(p, PENALTY)
    records = [penalty(decision_date=decided.isoformat()) for _ in range(40)]
    recent = penalty(decision_date=(today - datetime.timedelta(days=1)).isoformat())
    now = timezone.now()
    for record in [*records, recent]:
        Delivery.objects.create(
            channel=channel, record=record, key=f"{record.pk}-1", version=1,
            change_kind="created", status=DeliveryStatus.ACKED, attempts=1, sent_at=now,
            acked_at=now,
        )  # fmt: skip

    assert _history(p) == 40
    for delivery in Delivery.objects.filter(record__in=records).select_related("record"):
        sent = timezone.localtime(delivery.sent_at)
        taken = workdays.working_days_between(decided, sent.date() - datetime.timedelta(days=1))
        late = delivery.record_id % 20 == 0
        assert (8 <= taken <= 12) if late else (1 <= taken <= 6)
        assert (sent.hour, delivery.acked_at - delivery.sent_at) == (
            1, datetime.timedelta(minutes=1),
        )  # fmt: skip
    # The delivery of yesterday's decision would be dated in the future: it keeps its time.
    assert Delivery.objects.get(record=recent).sent_at == now
    assert _history(p) == 0  # a second seeding dates nothing again

    due = workdays.deadline(decided)
    (row,) = selectors.timeliness(p, start=due, end=due)
    late = sum(1 for r in records if r.pk % 20 == 0)
    assert (row["due"], row["timely"], row["late"], row["overdue"]) == (40, 40 - late, late, 0)
