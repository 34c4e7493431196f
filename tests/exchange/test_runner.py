"""Running channels against real partner databases: the outbox from the record change feed,
idempotent upserts on ``<record>-<version>``, receipts, back-off after an outage, a crash
between the partner's write and ours, re-sending, inbound rows through the ingest pipeline with
receipts written back, the schedule and the jobs overview."""

from __future__ import annotations

import datetime
import decimal

import pytest
import sqlalchemy as sa
from django.utils import timezone

from credit.core.errors import ValidationFailed
from credit.core.models import AuditEntry
from credit.exchange import rules, selectors
from credit.exchange.constants import DeliveryStatus, RunStatus
from credit.exchange.models import Channel, Delivery, Run
from credit.exchange.services import runner
from credit.exchange.services.partners import update_partner
from credit.ingest.models import Batch
from credit.records.models import CreditRecord
from credit.records.services import upsert_record
from tests.exchange.conftest import BLACKLIST, hmd_mapping, item, up_mapping
from tests.exchange.partnerdb import engine, partner_table, rows, scratch_pg_url

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["mariadb", "postgresql"])
def partner_url(request):
    if request.param == "mariadb":
        return request.getfixturevalue("mariadb")
    return scratch_pg_url()


def by_key(table_rows):
    return {r["record_key"]: r for r in table_rows}


def bump(record: CreditRecord, **changes) -> CreditRecord:
    """A new version of ``record`` through the records service (a changed payload)."""
    payload = {**record.payload, **changes}
    return upsert_record(
        actor=None,
        item=record.item,
        department=record.department,
        subject=record.legal_person,
        payload=payload,
    ).record


# --- upward ---------------------------------------------------------------------------------


def test_an_upward_run_writes_each_penalty_once_and_a_new_version_as_a_new_row(
    partner_url, penalty, make_partner, up_channel
):
    records = [penalty() for _ in range(3)]
    mapping = up_mapping()
    with partner_table(partner_url, mapping, "up", item=item("admin-penalty")) as table:
        channel = up_channel(make_partner(partner_url), mapping)

        first = runner.run_channel(actor=None, channel=channel)
        assert (first.status, first.taken, first.sent, first.acked, first.rejected) == (
            RunStatus.SUCCEEDED, 3, 3, 3, 0,
        )  # fmt: skip
        landed = by_key(rows(partner_url, table))
        assert sorted(landed) == sorted(f"{r.pk}-1" for r in records)
        row = landed[f"{records[0].pk}-1"]
        assert row["cf_wsh"] == records[0].document_no
        assert row["xdr_dm"] == records[0].legal_person.uscc
        assert row["cf_fk"] == decimal.Decimal("2.5")
        assert row["cf_jdrq"] == records[0].decision_date
        assert (row["zt"], row["change_kind"], row["record_version"]) == ("active", "created", 1)
        assert row["synced_at"] is not None
        assert set(Delivery.objects.filter(channel=channel).values_list("status", flat=True)) == {
            DeliveryStatus.ACKED
        }

        second = runner.run_channel(actor=None, channel=channel)
        assert (second.taken, second.sent, second.status) == (0, 0, RunStatus.SUCCEEDED)
        assert len(rows(partner_url, table)) == 3

        bump(records[1], fine_amount="3")
        third = runner.run_channel(actor=None, channel=channel)
        assert (third.taken, third.sent, third.acked) == (1, 1, 1)
        landed = by_key(rows(partner_url, table))
        assert len(landed) == 4
        new = landed[f"{records[1].pk}-2"]
        assert (new["cf_fk"], new["change_kind"], new["record_version"]) == (
            decimal.Decimal("3"), "updated", 2,
        )  # fmt: skip
        assert landed[f"{records[1].pk}-1"]["cf_fk"] == decimal.Decimal("2.5")  # version 1 kept
    channel.refresh_from_db()
    assert channel.last_run_at is not None and channel.cursor
    assert AuditEntry.objects.filter(event_type="exchange.run", object_id=str(third.pk)).exists()


def test_a_partner_outage_fails_the_run_and_keeps_deliveries_pending_with_back_off(
    mariadb, penalty, make_partner, up_channel
):
    records = [penalty(), penalty()]
    mapping = up_mapping()
    with partner_table(mariadb, mapping, "up", item=item("admin-penalty")) as table:
        partner = make_partner("mysql+pymysql://root:sekrit@127.0.0.1:1/test")
        channel = up_channel(partner, mapping)
        before = timezone.now()

        failed = runner.run_channel(actor=None, channel=channel)
        assert (failed.status, failed.taken, failed.sent, failed.acked) == (
            RunStatus.FAILED, 2, 0, 0,
        )  # fmt: skip
        assert "127.0.0.1:1" in failed.error and "sekrit" not in failed.error
        pending = list(Delivery.objects.filter(channel=channel).order_by("id"))
        assert [(d.status, d.attempts) for d in pending] == [(DeliveryStatus.PENDING, 1)] * 2
        for d in pending:
            wait = d.next_attempt_at - before
            assert datetime.timedelta(seconds=55) < wait < datetime.timedelta(seconds=75)
        channel.refresh_from_db()
        assert channel.next_run_at == min(d.next_attempt_at for d in pending)  # retried soon

        # within the back-off nothing is tried again
        waiting = runner.run_channel(actor=None, channel=channel)
        assert (waiting.sent, waiting.status) == (0, RunStatus.SUCCEEDED)
        assert set(Delivery.objects.filter(channel=channel).values_list("attempts", flat=True)) == {
            1
        }

        update_partner(actor=None, partner=partner, config={"url": mariadb})
        Delivery.objects.filter(channel=channel).update(
            next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
        )
        recovered = runner.run_channel(actor=None, channel=channel)
        assert (recovered.status, recovered.sent, recovered.acked) == (RunStatus.SUCCEEDED, 2, 2)
        assert sorted(by_key(rows(mariadb, table))) == sorted(f"{r.pk}-1" for r in records)
        assert (
            list(Delivery.objects.filter(channel=channel).values_list("status", "attempts"))
            == [(DeliveryStatus.ACKED, 2)] * 2
        )


def test_a_crash_after_the_partner_wrote_resends_the_same_keys_without_duplicates(
    mariadb, penalty, make_partner, up_channel, monkeypatch
):
    records = [penalty(), penalty()]
    mapping = up_mapping()
    with partner_table(mariadb, mapping, "up", item=item("admin-penalty")) as table:
        channel = up_channel(make_partner(mariadb), mapping)

        def crash(*args, **kwargs):
            raise RuntimeError("模拟进程在保存回执前中断")

        monkeypatch.setattr(runner, "_apply_receipts", crash)
        with pytest.raises(RuntimeError):
            runner.run_channel(actor=None, channel=channel)
        assert len(rows(mariadb, table)) == 2  # the partner has them, we do not know it
        assert (
            list(Delivery.objects.filter(channel=channel).values_list("status", "attempts"))
            == [(DeliveryStatus.PENDING, 0)] * 2
        )
        crashed = Run.objects.filter(channel=channel).get()
        assert crashed.status == RunStatus.FAILED and "模拟进程" in crashed.error

        monkeypatch.undo()
        again = runner.run_channel(actor=None, channel=channel)
        assert (again.status, again.sent, again.acked) == (RunStatus.SUCCEEDED, 2, 2)
        keys = [r["record_key"] for r in rows(mariadb, table)]
        assert sorted(keys) == sorted(f"{r.pk}-1" for r in records)  # each exactly once


def test_a_refused_row_is_rejected_with_the_partners_reason_and_resent_after_a_fix(
    mariadb, penalty, make_partner, up_channel, admin_user
):
    short = penalty()
    long = penalty(document_no="常交测处〔2026〕" + "长" * 30 + "号")
    mapping = up_mapping()
    with partner_table(mariadb, mapping, "up", item=item("admin-penalty")) as table:
        eng = engine(mariadb)
        with eng.begin() as conn:
            conn.execute(sa.text(f"ALTER TABLE {table} MODIFY cf_wsh VARCHAR(24)"))
        channel = up_channel(make_partner(mariadb), mapping)

        run = runner.run_channel(actor=None, channel=channel)
        assert (run.status, run.sent, run.acked, run.rejected) == (RunStatus.PARTIAL, 2, 1, 1)
        refused = Delivery.objects.get(channel=channel, record=long)
        assert refused.status == DeliveryStatus.REJECTED
        assert "cf_wsh" in refused.reason and "long" in refused.reason.lower()
        assert Delivery.objects.get(channel=channel, record=short).status == DeliveryStatus.ACKED
        assert [r["record_key"] for r in rows(mariadb, table)] == [f"{short.pk}-1"]

        today = timezone.localdate()
        (recon,) = selectors.reconciliation(channel.partner, start=today, end=today)
        assert {k: recon[k] for k in ("total", "sent", "acked", "rejected", "pending")} == {
            "total": 2, "sent": 2, "acked": 1, "rejected": 1, "pending": 0,
        }  # fmt: skip
        assert recon["reasons"] == [{"reason": refused.reason, "count": 1}]

        with eng.begin() as conn:
            conn.execute(sa.text(f"ALTER TABLE {table} MODIFY cf_wsh VARCHAR(128)"))
        eng.dispose()
        assert (
            runner.resend(actor=admin_user, deliveries=Delivery.objects.filter(channel=channel))
            == 1
        )
        refused.refresh_from_db()
        assert (refused.status, refused.next_attempt_at) == (DeliveryStatus.PENDING, None)
        entry = AuditEntry.objects.get(event_type="exchange.resent", object_id=str(channel.pk))
        assert entry.after == {"count": 1, "keys": [refused.key]}

        again = runner.run_channel(actor=admin_user, channel=channel, trigger="page")
        assert (again.sent, again.acked, again.user_id) == (1, 1, admin_user.pk)
        assert len(rows(mariadb, table)) == 2
        (recon,) = selectors.reconciliation(channel.partner, start=today, end=today)
        assert (recon["acked"], recon["rejected"], recon["reasons"]) == (2, 0, [])


def test_only_the_channels_item_enters_its_outbox_and_the_cursor_moves_on(
    penalty, make_partner, up_channel
):
    from credit.core.models import Department
    from tests.exchange.conftest import make_subject

    channel = up_channel(make_partner("mysql+pymysql://root@127.0.0.1:1/test"), up_mapping())
    record = penalty()
    subject = make_subject()
    upsert_record(
        actor=None,
        item=item(BLACKLIST),
        department=Department.objects.get(code="YJ"),
        subject=subject,
        payload={
            "unit_name": subject.name,
            "uscc": subject.uscc,
            "start_date": "2026-03-01",
            "reason": "发生较大生产安全责任事故",
        },
    )
    assert runner.take_outbox(channel) == 1
    assert list(Delivery.objects.filter(channel=channel).values_list("key", "change_kind")) == [
        (f"{record.pk}-1", "created")
    ]
    assert runner.take_outbox(channel) == 0  # the cursor moved on
    bump(record, fine_amount="4")
    assert runner.take_outbox(channel) == 1
    assert Delivery.objects.filter(channel=channel).count() == 2


# --- inbound --------------------------------------------------------------------------------


def blacklist_rows(subjects, *, bad: int = 0):
    good = [
        {
            "dwmc": s.name,
            "tyshxydm": s.uscc,
            "kssj": datetime.date(2026, 3, 1),
            "nrly": "发生较大生产安全责任事故",
        }
        for s in subjects
    ]
    bad_rows = [
        {"dwmc": f"无代码单位{n}", "tyshxydm": "不是代码", "kssj": None, "nrly": "缺少开始时间"}
        for n in range(bad)
    ]
    return good + bad_rows


@pytest.mark.parametrize("backend", ["mariadb", "postgresql"])
def test_inbound_rows_become_a_batch_of_channel_exchange_with_receipts_written_back(
    backend, request, make_partner, in_channel
):
    from tests.exchange.conftest import make_subject

    url = request.getfixturevalue("mariadb") if backend == "mariadb" else scratch_pg_url()
    subjects = [make_subject(), make_subject()]
    mapping = hmd_mapping()
    offered = blacklist_rows(subjects, bad=1)
    with partner_table(url, mapping, "in", item=item(BLACKLIST), rows=offered) as table:
        channel = in_channel(make_partner(url), mapping)

        run = runner.run_channel(actor=None, channel=channel)
        assert (run.status, run.received, run.acked, run.rejected) == (
            RunStatus.PARTIAL, 3, 2, 1,
        )  # fmt: skip
        batch = run.batch
        assert (batch.channel, batch.item.code, batch.department.code) == (
            Batch.Channel.EXCHANGE, BLACKLIST, "YJ",
        )  # fmt: skip
        assert (batch.total, batch.inserted, batch.rejected) == (3, 2, 1)
        assert (
            CreditRecord.objects.filter(item__code=BLACKLIST, legal_person__in=subjects).count()
            == 2
        )
        back = rows(url, table, order_by="id")
        assert [r["sync_status"] for r in back] == ["accepted", "accepted", "rejected"]
        assert [r["batch_id"] for r in back] == [batch.pk] * 3
        assert back[0]["sync_message"] in ("", None)
        assert back[2]["sync_message"]  # the row's errors, in Chinese
        assert any("\u4e00" <= ch <= "\u9fff" for ch in back[2]["sync_message"])

        again = runner.run_channel(actor=None, channel=channel)
        assert (again.received, again.batch_id, again.status) == (0, None, RunStatus.SUCCEEDED)
        assert (
            Batch.objects.filter(
                channel=Batch.Channel.EXCHANGE, department=batch.department
            ).count()
            == 1
        )


def test_an_unreachable_inbound_partner_fails_the_run_and_collects_nothing(
    make_partner, in_channel
):
    channel = in_channel(make_partner("mysql+pymysql://root@127.0.0.1:1/test"), hmd_mapping())
    run = runner.run_channel(actor=None, channel=channel)
    assert (run.status, run.received, run.batch_id) == (RunStatus.FAILED, 0, None)
    assert run.error
    channel.refresh_from_db()
    # Tried again in 15 minutes, or at the daily run when that comes first (01:00 Beijing).
    regular = rules.next_run(channel.period, run.finished_at)
    assert channel.next_run_at == min(regular, run.finished_at + runner.INBOUND_RETRY)
    Channel.objects.filter(pk=channel.pk).update(period="irregular")  # no regular run
    channel.refresh_from_db()
    run = runner.run_channel(actor=None, channel=channel)
    channel.refresh_from_db()
    assert channel.next_run_at - run.finished_at == runner.INBOUND_RETRY


# --- schedule -------------------------------------------------------------------------------


def test_run_due_runs_the_channels_whose_time_came_and_reschedules_them(
    make_partner, up_channel, in_channel
):
    partner = make_partner("mysql+pymysql://root@127.0.0.1:1/test")
    on_change = up_channel(partner, up_mapping(), period="on_change")
    daily = in_channel(partner, hmd_mapping())
    assert on_change.next_run_at is None and daily.next_run_at > timezone.now()
    irregular = up_channel(
        make_partner("mysql+pymysql://root@127.0.0.1:1/test"), up_mapping(), period="irregular"
    )
    assert irregular.next_run_at is None

    runs = runner.run_due()
    assert [r.channel_id for r in runs] == [on_change.pk]
    assert runs[0].trigger == "job" and runs[0].user_id is None
    on_change.refresh_from_db()
    wait = on_change.next_run_at - runs[0].finished_at
    assert wait == rules.ON_CHANGE_INTERVAL
    assert runner.run_due() == []

    Channel.objects.filter(pk=daily.pk).update(next_run_at=timezone.now())
    assert [r.channel_id for r in runner.run_due()] == [daily.pk]


def test_a_failed_run_of_an_irregular_channel_is_retried_by_itself(
    penalty, make_partner, up_channel
):
    penalty()
    channel = up_channel(
        make_partner("mysql+pymysql://root@127.0.0.1:1/test"), up_mapping(), period="irregular"
    )
    run = runner.run_channel(actor=None, channel=channel, trigger="page")
    assert run.status == RunStatus.FAILED
    channel.refresh_from_db()
    assert channel.next_run_at is not None
    assert channel.next_run_at - run.finished_at <= datetime.timedelta(minutes=1, seconds=1)
    Channel.objects.filter(pk=channel.pk).update(next_run_at=timezone.now())
    Delivery.objects.filter(channel=channel).update(next_attempt_at=timezone.now())
    assert [r.channel_id for r in runner.run_due()] == [channel.pk]


def test_a_disabled_channel_is_not_run(make_partner, up_channel):
    channel = up_channel(
        make_partner("mysql+pymysql://root@127.0.0.1:1/test"), up_mapping(), period="on_change"
    )
    Channel.objects.filter(pk=channel.pk).update(is_active=False)
    assert runner.run_due() == []
    with pytest.raises(ValidationFailed, match="已停用"):
        runner.run_channel(actor=None, channel=channel)


def test_jobs_show_next_and_last_run_volume_and_what_waits(
    mariadb, penalty, make_partner, up_channel, admin_user
):
    penalty(), penalty()
    mapping = up_mapping()
    with partner_table(mariadb, mapping, "up", item=item("admin-penalty")):
        channel = up_channel(make_partner(mariadb), mapping)
        run = runner.run_channel(actor=None, channel=channel, limit=1)
    (job,) = [j for j in selectors.jobs(admin_user) if j["channel"].pk == channel.pk]
    assert job["last_run"] == run and job["last_status"] == RunStatus.SUCCEEDED
    assert (job["volume"], job["pending"], job["rejected"]) == (1, 1, 0)
    assert job["next_run_at"] == Channel.objects.get(pk=channel.pk).next_run_at


# --- the initial load and changes that keep the version --------------------------------------


def test_the_initial_load_puts_every_existing_record_in_the_outbox_once(
    mariadb, penalty, make_partner, up_channel
):
    records = [penalty() for _ in range(2)]
    mapping = up_mapping()
    with partner_table(mariadb, mapping, "up", item=item("admin-penalty")) as table:
        channel = up_channel(make_partner(mariadb), mapping)
        Channel.objects.filter(pk=channel.pk).update(cursor="")
        runner.take_outbox(channel)  # the feed's events of these records
        Delivery.objects.filter(channel=channel).delete()  # as if sent before the feed began
        total = CreditRecord.objects.filter(item=channel.item).count()
        assert runner.load_all(actor=None, channel=channel) == total
        assert runner.load_all(actor=None, channel=channel) == 0  # nothing twice
        run = runner.run_channel(actor=None, channel=channel, limit=total + 10)
        assert (run.status, run.acked) == (RunStatus.SUCCEEDED, total)
        landed = by_key(rows(mariadb, table))
        assert {f"{r.pk}-{r.version}" for r in records} <= set(landed)
        assert len(landed) == total
    assert AuditEntry.objects.filter(event_type="exchange.loaded").exists()


def test_a_change_that_keeps_the_version_sends_the_same_key_again(
    mariadb, penalty, make_partner, up_channel
):
    record = penalty()
    mapping = up_mapping()
    with partner_table(mariadb, mapping, "up", item=item("admin-penalty")) as table:
        channel = up_channel(make_partner(mariadb), mapping)
        runner.run_channel(actor=None, channel=channel)
        key = f"{record.pk}-{record.version}"
        assert Delivery.objects.get(channel=channel, key=key).status == DeliveryStatus.ACKED
        # A second event of the same version (e.g. publicity restored by a recompute).
        from credit.records import changes

        changes.emit("restored", [record.pk])
        again = runner.run_channel(actor=None, channel=channel)
        assert (again.taken, again.sent, again.acked) == (1, 1, 1)
        delivery = Delivery.objects.get(channel=channel, key=key)
        assert (delivery.status, delivery.change_kind) == (DeliveryStatus.ACKED, "restored")
        landed = by_key(rows(mariadb, table))
        assert len(landed) == 1 and landed[key]["change_kind"] == "restored"
