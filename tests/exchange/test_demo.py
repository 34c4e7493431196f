"""The demo's provincial exchange partner (``credit seed-demo``, :mod:`credit.exchange.demo`)
against the machine's real MariaDB: the partner and its two channels, the 行政处罚 records
written to the province's upward table (one row per acknowledged delivery), the province's
list rows collected into a batch of channel 数据交换 with the bad row's refusal written back
to its status column, and a second run that changes nothing.

The demo is seeded once for the module inside a transaction rolled back at its end; its two
tables get a prefix of their own (not the real demo's ``demo_province_``) and are dropped
afterwards. Skipped with a clear reason when MariaDB does not answer, unless ``CI=true``."""

from __future__ import annotations

import contextlib

import pytest

from credit.exchange.constants import DeliveryStatus, Direction, RunStatus
from credit.exchange.demo import (
    BAD_ROW,
    DOWN_DEPARTMENT,
    DOWN_ITEM,
    PARTNER_CODE,
    PARTNER_NAME,
    catalog_mapping,
    down_mapping,
    objections_mapping,
    seed_exchange,
    up_mapping,
)
from credit.exchange.models import Channel, Delivery, Partner, Run
from credit.ingest.models import Batch
from tests.exchange.conftest import write_penalty
from tests.exchange.partnerdb import engine, require_mariadb, rows, unique_table

pytestmark = pytest.mark.django_db

PENALTIES = 3


def _drop(url: str, *tables: str) -> None:
    import sqlalchemy as sa

    eng = engine(url)
    try:
        with eng.begin() as conn:
            for table in tables:
                quoted = conn.dialect.identifier_preparer.quote(table)
                conn.execute(sa.text(f"DROP TABLE IF EXISTS {quoted}"))
    finally:
        eng.dispose()


def _beyond_horizon() -> int:
    """The change feed's horizon past the module's own (running) transaction."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_current_xact_id()::text::bigint + 1")
        return cur.fetchone()[0]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo seeded once on three fresh 行政处罚 records, then seeded again; yields the
    URL, the tables, each run's counts and report lines, and the state after the first run."""
    from django.db import transaction

    from credit.events import feed

    url = require_mariadb()
    prefix = unique_table("demo_")
    up_table, down_table = up_mapping(prefix)["table"], down_mapping(prefix)["table"]
    with (
        django_db_blocker.unblock(),
        pytest.MonkeyPatch.context() as patch,
        contextlib.ExitStack() as cleanup,
    ):
        cleanup.callback(
            _drop,
            url,
            up_table,
            down_table,
            objections_mapping(prefix)["table"],
            catalog_mapping(prefix)["table"],
        )
        patch.setattr(feed, "horizon", _beyond_horizon)
        with transaction.atomic():
            records = [write_penalty() for _ in range(PENALTIES)]
            first: list[str] = []
            counts = seed_exchange(report=first.append, url=url, prefix=prefix)
            after_first = {
                "up": rows(url, up_table, order_by="record_key"),
                "down": rows(url, down_table, order_by="id"),
                "deliveries": Delivery.objects.count(),
                "batches": Batch.objects.count(),
                "runs": Run.objects.count(),
            }
            second: list[str] = []
            again = seed_exchange(report=second.append, url=url, prefix=prefix)
            yield {
                "url": url,
                "up_table": up_table,
                "down_table": down_table,
                "records": records,
                "counts": counts,
                "lines": first,
                "after_first": after_first,
                "again": again,
                "second_lines": second,
            }
            transaction.set_rollback(True)


def test_the_partner_and_its_two_channels_exist(seeded):
    partner = Partner.objects.get(code=PARTNER_CODE)
    assert partner.name == PARTNER_NAME
    assert (partner.kind, partner.region_id) == ("database", "320400")
    assert partner.config == {"url": seeded["url"]}
    channels = {c.direction: c for c in Channel.objects.filter(partner=partner, content="records")}
    assert set(channels) == {Direction.UP, Direction.DOWN}
    assert channels[Direction.UP].item.code == "admin-penalty"
    assert channels[Direction.UP].mapping["table"] == seeded["up_table"]
    down = channels[Direction.DOWN]
    assert (down.item.code, down.department.code) == (DOWN_ITEM, DOWN_DEPARTMENT)
    assert down.mapping["table"] == seeded["down_table"]
    assert any(PARTNER_NAME in line for line in seeded["lines"])


def test_the_upward_table_holds_the_penalties_sent_one_row_per_acknowledged_delivery(seeded):
    up = seeded["after_first"]["up"]
    channel = Channel.objects.get(
        partner__code=PARTNER_CODE, direction=Direction.UP, content="records"
    )
    acked = Delivery.objects.filter(channel=channel, status=DeliveryStatus.ACKED)
    assert acked.count() == len(up) == PENALTIES
    assert not Delivery.objects.filter(channel=channel).exclude(status=DeliveryStatus.ACKED)
    expected = {f"{r.pk}-{r.version}": r for r in seeded["records"]}
    assert (
        {row["record_key"] for row in up}
        == set(expected)
        == set(acked.values_list("key", flat=True))
    )
    for row in up:
        record = expected[row["record_key"]]
        assert row["CF_WSH"] == record.payload["document_no"]
        assert row["CF_XDR_SHXYM"] == record.payload["uscc"]
        assert (row["change_kind"], row["record_version"]) == ("created", 1)
        assert row["synced_at"] is not None
    # The channel's initial load put the existing records in the outbox (the change feed then
    # named the same keys: still one delivery each).
    run = Run.objects.filter(channel=channel).order_by("id").first()
    assert (run.status, run.sent, run.acked, run.rejected) == (
        RunStatus.SUCCEEDED, PENALTIES, PENALTIES, 0,
    )  # fmt: skip
    counts = seeded["counts"]
    assert (counts["loaded"], counts["sent"], counts["acked"], counts["rejected"]) == (
        PENALTIES, PENALTIES, PENALTIES, 0,
    )  # fmt: skip


def test_the_province_list_is_collected_into_an_exchange_batch_and_the_bad_row_refused(seeded):
    down = seeded["after_first"]["down"]
    channel = Channel.objects.get(partner__code=PARTNER_CODE, direction=Direction.DOWN)
    run = Run.objects.filter(channel=channel).order_by("id").first()
    assert run.batch is not None
    assert run.batch.channel == Batch.Channel.EXCHANGE == "exchange"
    assert (run.batch.item.code, run.batch.department.code) == (DOWN_ITEM, DOWN_DEPARTMENT)
    # The province's three enterprises (the module's subjects) and one wrong code.
    assert len(down) == 4 == run.received
    assert (run.acked, run.rejected, run.status) == (3, 1, RunStatus.PARTIAL)
    good = [row for row in down if row["TYSHXYDM"] != BAD_ROW["TYSHXYDM"]]
    assert {row["TYSHXYDM"] for row in good} == {r.legal_person.uscc for r in seeded["records"]}
    assert {(row["sync_status"], row["sync_message"]) for row in good} == {("accepted", "")}
    (bad,) = [row for row in down if row["TYSHXYDM"] == BAD_ROW["TYSHXYDM"]]
    assert bad["sync_status"] == "rejected"
    assert "统一社会信用代码" in bad["sync_message"]
    counts = seeded["counts"]
    assert (counts["received"], counts["collected"], counts["returned"]) == (4, 3, 1)


def test_a_second_run_changes_nothing(seeded):
    before = seeded["after_first"]
    url = seeded["url"]
    assert rows(url, seeded["up_table"], order_by="record_key") == before["up"]
    assert rows(url, seeded["down_table"], order_by="id") == before["down"]
    assert Delivery.objects.count() == before["deliveries"]
    assert Batch.objects.count() == before["batches"]
    assert Partner.objects.filter(code=PARTNER_CODE).count() == 1
    # records up and down, objection and correction results, the catalog
    assert Channel.objects.filter(partner__code=PARTNER_CODE).count() == 4
    # The channels ran again and found nothing to send or collect.
    assert Run.objects.count() == before["runs"] + 4
    again = seeded["again"]
    assert again == dict.fromkeys(
        ("loaded", "sent", "acked", "rejected", "received", "collected", "returned"), 0
    )
    assert not any("已建表" in line for line in seeded["second_lines"])
