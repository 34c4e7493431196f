"""Running exchange channels (交换作业): the outbox, sending with receipts, retries with
back-off, re-sending, collecting inbound rows through the ingest pipeline, and the schedule.

**Upward (上报)** — :func:`run_channel` on an ``up`` channel:

1. *Outbox* (one transaction, the channel's row locked): the record change feed
   (:class:`~credit.records.models.RecordChange`, read with :func:`credit.events.feed.read`,
   which never skips or repeats an event) after ``channel.cursor``, for the channel's item —
   and, for a district's partner, the district's records — becomes one
   :class:`~credit.exchange.models.Delivery` per record version, keyed ``<record>-<version>``
   (a key already in the outbox is not added again), and the cursor moves on.
2. *Send*: the pending deliveries that are due (never tried, or their back-off passed),
   oldest first, at most ``limit``, in chunks: each record version's fields (field code →
   value, plus ``_record`` metadata) go to the adapter, whose receipts make each delivery
   acknowledged (已确认) or rejected (被拒收) with the partner's reason. The partner upserts on
   the key, so sending a key again never makes a second row: a crash between the partner's
   write and our status update only means the same keys go again at the next run.
3. When the partner cannot be reached (:class:`~credit.exchange.adapters.ExchangeError`), the
   run fails with the (redacted) message, and every delivery of the failed attempt stays
   pending with one more attempt and its next try after the back-off (:data:`BACKOFF`):
   nothing is lost.

**Inbound (下发, 采集)** — the partner's rows not yet acknowledged
(:meth:`~credit.exchange.adapters.Adapter.fetch`) go through the ingest pipeline as one batch
of channel 数据交换 for the channel's department
(:func:`credit.ingest.pipeline.ingest_payloads`); each row's outcome (accepted, or its errors)
goes back to the partner (:meth:`~credit.exchange.adapters.Adapter.acknowledge`) with the
batch and row number. Rows collected twice (the acknowledgement was lost) are the same
records again: the pipeline upserts on their natural key.

Each run is a :class:`~credit.exchange.models.Run` with its counts — upward: ``taken`` (new
in the outbox), ``sent``, ``acked``, ``rejected``; inbound: ``received``, ``acked`` (入库),
``rejected`` (退回) and its ``batch`` — its status (成功, 部分失败 when something was refused,
失败) and an audit entry ``exchange.run``. One channel runs once at a time (a PostgreSQL
advisory lock); the next run is scheduled from the channel's period (:func:`next_run`).
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from credit.core import audit
from credit.core.errors import NotFound, ValidationFailed
from credit.core.models import Region
from credit.events import feed
from credit.exchange.adapters import (
    ExchangeError,
    InboundReceipt,
    Outgoing,
    Receipt,
    adapter_for,
    redact,
)
from credit.exchange.constants import DeliveryStatus, Direction, Period, RunStatus
from credit.exchange.models import Channel, Delivery, Run
from credit.exchange.services.partners import require_manage

#: The waits before the 1st, 2nd, 3rd and 4th retry of a failed delivery, in minutes; every
#: later retry waits :data:`LAST_BACKOFF`.
BACKOFF = (1, 5, 15, 60)
LAST_BACKOFF = datetime.timedelta(hours=6)
#: Deliveries handed to the adapter at once (each chunk's receipts are saved before the next).
SEND_CHUNK = 500
#: Change events read from the feed at once while filling the outbox.
OUTBOX_PAGE = 1000
#: An on-change channel runs again this long after its last run.
ON_CHANGE_INTERVAL = datetime.timedelta(minutes=5)
#: The local hour of scheduled runs (01:00 Beijing time).
RUN_HOUR = 1
#: How long an inbound channel waits after a failed run before it tries again.
INBOUND_RETRY = datetime.timedelta(minutes=15)


# --- schedule ---------------------------------------------------------------------------------


def backoff(attempts: int) -> datetime.timedelta:
    """The wait before the next try of a delivery that failed ``attempts`` times (≥ 1)."""
    if attempts <= len(BACKOFF):
        return datetime.timedelta(minutes=BACKOFF[max(attempts, 1) - 1])
    return LAST_BACKOFF


def _slot(day: datetime.date) -> datetime.datetime:
    tz = timezone.get_default_timezone()
    return datetime.datetime.combine(day, datetime.time(RUN_HOUR), tzinfo=tz)


def next_run(
    period: str, now: datetime.datetime, *, first: bool = False
) -> datetime.datetime | None:
    """When a channel on ``period`` runs next after ``now``: on change every 5 minutes (a new
    channel at once: ``None`` with ``first``), daily at the next 01:00 Beijing time, weekly the
    next Monday 01:00, monthly the next 1st 01:00, quarterly the next 1 January, April, July or
    October 01:00, yearly the next 1 January 01:00; irregular never by itself (``None``)."""
    if period == Period.ON_CHANGE:
        return None if first else now + ON_CHANGE_INTERVAL
    if period == Period.IRREGULAR:
        return None
    local = timezone.localtime(now)
    today = local.date()
    if period == Period.DAILY:
        candidates = [today, today + datetime.timedelta(days=1)]
    elif period == Period.WEEKLY:
        monday = today - datetime.timedelta(days=today.weekday())
        candidates = [monday, monday + datetime.timedelta(days=7)]
    else:
        months = {Period.MONTHLY: 1, Period.QUARTERLY: 3, Period.YEARLY: 12}[period]
        start_month = (today.month - 1) // months * months + 1
        start = today.replace(month=start_month, day=1)
        month = start_month - 1 + months
        candidates = [start, start.replace(year=start.year + month // 12, month=month % 12 + 1)]
    for day in candidates:
        slot = _slot(day)
        if slot > local:
            return slot
    raise AssertionError("unreachable")  # pragma: no cover


# --- locking ----------------------------------------------------------------------------------


def _lock_key(channel_id: int) -> str:
    return f"exchange-channel-{channel_id}"


def _try_lock(channel_id: int) -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [_lock_key(channel_id)])
        return bool(cur.fetchone()[0])


def _unlock(channel_id: int) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [_lock_key(channel_id)])


# --- running ----------------------------------------------------------------------------------


def run_channel(*, actor: Any, channel: Channel, trigger: str = "job", limit: int = 1000) -> Run:
    """Run ``channel`` once (see the module's description) and return the finished run.

    ``actor`` ``None`` is the platform itself (the scheduler, the command line); anyone else
    needs to manage exchanges of the partner's region (a channel of another tenant is "not
    found"). ``trigger`` says who started it (``job``, ``cli``, ``page``); ``limit`` bounds
    the deliveries sent (upward) or rows collected (inbound). ``ValidationFailed`` when the
    channel or its partner is disabled or the channel is running already. A partner that
    cannot be reached makes a *failed* run, not an exception."""
    channel = Channel.objects.select_related(
        "partner", "partner__region", "item", "department"
    ).get(pk=channel.pk)
    p = require_manage(actor, channel.partner)
    if not channel.is_active or not channel.partner.is_active:
        raise ValidationFailed("通道或交换伙伴已停用，不能运行", code="channel_inactive")
    limit = max(1, min(int(limit), 100_000))
    if not _try_lock(channel.pk):
        raise ValidationFailed("该通道正在运行，请稍后再试", code="run_in_progress")
    try:
        run = Run.objects.create(channel=channel, trigger=trigger[:10], user_id=p.user_id)
        adapter = None
        try:
            adapter = adapter_for(channel.partner)
            if channel.direction == Direction.UP:
                _run_up(channel, run, adapter, limit)
            else:
                _run_inbound(channel, run, adapter, limit)
        except ExchangeError as exc:
            run.status = RunStatus.FAILED
            run.error = redact(str(exc))[:2000]
        except Exception as exc:
            _finish(channel, run, actor, error=f"内部错误：{redact(str(exc))}"[:2000])
            raise
        finally:
            if adapter is not None:
                with contextlib.suppress(Exception):  # closing must not hide the outcome
                    adapter.close()
        _finish(channel, run, actor)
        return run
    finally:
        _unlock(channel.pk)


@transaction.atomic
def _finish(channel: Channel, run: Run, actor: Any, *, error: str = "") -> None:
    now = timezone.now()
    if error:
        run.status, run.error = RunStatus.FAILED, error
    elif run.status == RunStatus.RUNNING:
        run.status = RunStatus.PARTIAL if run.rejected else RunStatus.SUCCEEDED
    run.finished_at = now
    run.save()
    upcoming = next_run(channel.period, now)
    if run.status == RunStatus.FAILED and channel.period != Period.IRREGULAR:
        retry = _retry_at(channel, now)
        upcoming = retry if upcoming is None else min(upcoming, retry)
    Channel.objects.filter(pk=channel.pk).update(last_run_at=now, next_run_at=upcoming)
    channel.last_run_at, channel.next_run_at = now, upcoming
    audit.record(
        "exchange.run",
        actor=actor,
        obj=run,
        after={
            "channel": channel.pk,
            "partner": channel.partner.code,
            "item": channel.item.code,
            "direction": channel.direction,
            "trigger": run.trigger,
            "status": run.status,
            "taken": run.taken,
            "sent": run.sent,
            "acked": run.acked,
            "rejected": run.rejected,
            "received": run.received,
            "batch": run.batch_id,
            "error": run.error[:500],
        },
    )


def _retry_at(channel: Channel, now: datetime.datetime) -> datetime.datetime:
    if channel.direction != Direction.UP:
        return now + INBOUND_RETRY
    due = (
        Delivery.objects.filter(channel=channel, status=DeliveryStatus.PENDING)
        .exclude(next_attempt_at__isnull=True)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return max(due, now) if due else now + backoff(1)


# --- upward -----------------------------------------------------------------------------------


def _is_district(region: Region) -> bool:
    return region.level != Region.Level.CITY


def take_outbox(channel: Channel) -> int:
    """Fill ``channel``'s outbox from the record change feed after its cursor and move the
    cursor, in one transaction; the number of deliveries taken (new keys, and keys already
    there — a change that keeps the record's version, such as a suspension — put back to
    pending)."""
    from credit.records.models import RecordChange

    with transaction.atomic():
        locked = Channel.objects.select_for_update().get(pk=channel.pk)
        filters: dict[str, Any] = {"item_id": locked.item_id}
        if _is_district(channel.partner.region):
            filters["region_id"] = channel.partner.region_id
        cursor, taken = locked.cursor, 0
        events = RecordChange.objects.only("txid", "id", "kind", "record_id", "version")
        while True:
            found, cursor = feed.read(events, cursor, limit=OUTBOX_PAGE, filters=filters)
            if not found:
                break
            fresh: dict[str, Delivery] = {}
            for event in found:
                key = f"{event.record_id}-{event.version}"
                fresh[key] = Delivery(
                    channel_id=locked.pk,
                    key=key,
                    record_id=event.record_id,
                    version=event.version,
                    change_kind=event.kind,
                )
            existing = set(
                Delivery.objects.filter(channel_id=locked.pk, key__in=list(fresh)).values_list(
                    "key", flat=True
                )
            )
            new = [d for k, d in fresh.items() if k not in existing]
            Delivery.objects.bulk_create(new, ignore_conflicts=True)
            # A change that keeps the version (suspended, restored …) sends the same key
            # again with the record's state now: the partner upserts the row.
            by_kind: dict[str, list[str]] = {}
            for key in existing:
                by_kind.setdefault(fresh[key].change_kind, []).append(key)
            for kind, keys in by_kind.items():
                Delivery.objects.filter(channel_id=locked.pk, key__in=keys).update(
                    status=DeliveryStatus.PENDING,
                    change_kind=kind,
                    attempts=0,
                    next_attempt_at=None,
                    reason="",
                )
            taken += len(fresh)
            if len(found) < OUTBOX_PAGE:
                break
        if cursor != locked.cursor:
            Channel.objects.filter(pk=locked.pk).update(cursor=cursor)
            channel.cursor = cursor
    return taken


def due_deliveries(channel: Channel, now: datetime.datetime, limit: int) -> list[Delivery]:
    """The pending deliveries of ``channel`` to send now (never tried, or past their
    back-off), oldest first, at most ``limit``."""
    return list(
        Delivery.objects.filter(channel=channel, status=DeliveryStatus.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("id")[:limit]
    )


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


def outgoing(deliveries: list[Delivery]) -> list[Outgoing]:
    """What the partner receives for each delivery: the payload of the record version it
    names (field code → value) and ``_record`` (id, item, region, department, status,
    decision_date, version). A delivery of an older version carries that version's payload."""
    from credit.records.models import CreditRecord, CreditRecordVersion

    records = {
        r.pk: r
        for r in CreditRecord.objects.filter(
            pk__in={d.record_id for d in deliveries}
        ).select_related("item", "department")
    }
    older = {
        (v.record_id, v.version): v
        for v in CreditRecordVersion.objects.filter(
            record_id__in=[
                d.record_id for d in deliveries if d.version != records[d.record_id].version
            ]
        )
    }
    items = []
    for d in deliveries:
        record = records[d.record_id]
        kept = older.get((d.record_id, d.version)) if d.version != record.version else None
        payload, status = (kept.payload, kept.status) if kept else (record.payload, record.status)
        fields = dict(payload or {})
        fields["_record"] = {
            "id": record.pk,
            "item": record.item.code,
            "region": record.region_id,
            "department": record.department.code,
            "status": status,
            "decision_date": _iso(record.decision_date),
            "version": d.version,
        }
        items.append(Outgoing(d.key, d.record_id, d.version, d.change_kind, fields))
    return items


def _apply_receipts(
    run: Run, chunk: list[Delivery], receipts: Iterable[Receipt], now: datetime.datetime
) -> None:
    """Save what the partner answered for each delivery of ``chunk`` (one transaction); a
    delivery without a receipt stays pending, retried after its back-off."""
    answers = {r.key: r for r in receipts}
    with transaction.atomic():
        for d in chunk:
            answer = answers.get(d.key)
            d.attempts += 1
            d.sent_at = now
            d.run = run
            if answer is None:
                d.reason = "交换伙伴未返回该记录的回执"
                d.next_attempt_at = now + backoff(d.attempts)
            elif answer.ok:
                d.status, d.reason, d.acked_at, d.next_attempt_at = (
                    DeliveryStatus.ACKED,
                    "",
                    now,
                    None,
                )
                run.acked += 1
            else:
                d.status, d.next_attempt_at = DeliveryStatus.REJECTED, None
                d.reason = redact(answer.reason or "交换伙伴拒收，未说明原因")[:500]
                run.rejected += 1
        Delivery.objects.bulk_update(
            chunk, ["status", "reason", "attempts", "sent_at", "acked_at", "next_attempt_at", "run"]
        )
        run.save(update_fields=["sent", "acked", "rejected"])


def _postpone(run: Run, chunk: list[Delivery], reason: str, now: datetime.datetime) -> None:
    """The deliveries of a failed attempt: still pending, one more attempt, tried again after
    the back-off."""
    with transaction.atomic():
        for d in chunk:
            d.attempts += 1
            d.next_attempt_at = now + backoff(d.attempts)
            d.reason = reason[:500]
            d.run = run
        Delivery.objects.bulk_update(chunk, ["attempts", "next_attempt_at", "reason", "run"])


def _run_up(channel: Channel, run: Run, adapter: Any, limit: int) -> None:
    run.taken = take_outbox(channel)
    run.save(update_fields=["taken"])
    now = timezone.now()
    due = due_deliveries(channel, now, limit)
    for start in range(0, len(due), SEND_CHUNK):
        chunk = due[start : start + SEND_CHUNK]
        try:
            receipts = adapter.send(channel, outgoing(chunk))
        except ExchangeError as exc:
            _postpone(run, chunk, redact(str(exc)), timezone.now())
            raise
        run.sent += len(chunk)
        _apply_receipts(run, chunk, receipts, timezone.now())


# --- inbound ----------------------------------------------------------------------------------


def _row_reason(errors: list[dict[str, Any]]) -> str:
    return "；".join(str(e.get("message") or e.get("code") or "") for e in errors or [])[:1000]


def _run_inbound(channel: Channel, run: Run, adapter: Any, limit: int) -> None:
    from credit.ingest.models import Batch, BatchRow
    from credit.ingest.pipeline import ingest_payloads

    offered = adapter.fetch(channel, limit)
    run.received = len(offered)
    run.save(update_fields=["received"])
    if not offered:
        return
    try:
        batch = ingest_payloads(
            actor=None,
            rows=[dict(i.fields) for i in offered],
            item_code=channel.item.code,
            department_code=channel.department.code,
            channel=Batch.Channel.EXCHANGE,
        )
    except Exception as exc:  # a refusal of the whole delivery: the rows are offered again
        message = getattr(exc, "message", None) or str(exc)
        raise ExchangeError(f"采集的数据未能入库：{message}") from exc
    run.batch = batch
    rows = {
        r.row_no: r for r in BatchRow.objects.filter(batch=batch).only("row_no", "status", "errors")
    }
    receipts = []
    for n, item in enumerate(offered, start=2):
        row = rows.get(n)
        if row is None:
            reason = batch.error_message or "该行未入库"
            receipts.append(InboundReceipt(item.key, False, reason, batch.pk, n))
        elif row.status == BatchRow.Status.REJECTED:
            receipts.append(InboundReceipt(item.key, False, _row_reason(row.errors), batch.pk, n))
        else:
            receipts.append(InboundReceipt(item.key, True, "", batch.pk, n))
    run.acked = sum(1 for r in receipts if r.ok)
    run.rejected = len(receipts) - run.acked
    run.save(update_fields=["batch", "acked", "rejected"])
    adapter.acknowledge(channel, receipts)


# --- re-sending and the schedule --------------------------------------------------------------


@transaction.atomic
def load_all(*, actor: Any, channel: Channel) -> int:
    """The initial load (初始全量) of an upward channel: every record of its item (of the
    partner's district for a district's partner) in its current version put in the outbox,
    under the usual key, unless that key is there already — one INSERT … SELECT. The next run
    sends them; the partner upserts, so loading twice sends nothing twice. Audited
    ``exchange.loaded``; returns how many were added."""
    require_manage(actor, channel.partner)
    if channel.direction != Direction.UP:
        raise ValidationFailed("只有上报通道可以初始全量上报", code="not_upward")
    from credit.records.models import CreditRecord

    region = channel.partner.region_id if _is_district(channel.partner.region) else None
    with connection.cursor() as cur:
        cur.execute(
            f"""
            INSERT INTO {Delivery._meta.db_table} (channel_id, key, record_id, version,
                change_kind, status, reason, attempts, created_at)
            SELECT %s, r.id::text || '-' || r.version::text, r.id, r.version, 'created',
                %s, '', 0, now()
            FROM {CreditRecord._meta.db_table} r
            WHERE r.item_id = %s AND (%s::varchar IS NULL OR r.region_id = %s)
            ON CONFLICT (channel_id, key) DO NOTHING
            """,  # noqa: S608 — table names are the models' own
            [channel.pk, DeliveryStatus.PENDING, channel.item_id, region, region],
        )
        added = cur.rowcount
    audit.record("exchange.loaded", actor=actor, obj=channel, after={"added": added})
    return added


@transaction.atomic
def resend(*, actor: Any, deliveries: QuerySet | list) -> int:
    """Put ``deliveries`` that were rejected (or are stuck pending) back in the outbox to be
    sent at the next run, now; acknowledged ones are left alone. Each channel's re-send is
    audited ``exchange.resent``; a delivery of another tenant's partner is "not found".
    Returns how many were put back."""
    ids = [d.pk if isinstance(d, Delivery) else int(d) for d in deliveries]
    found = list(
        Delivery.objects.select_for_update(of=("self",))
        .select_related("channel__partner")
        .filter(pk__in=ids)
        .filter(status__in=[DeliveryStatus.REJECTED, DeliveryStatus.PENDING])
        .order_by("id")
    )
    by_channel: dict[int, list[Delivery]] = {}
    for d in found:
        by_channel.setdefault(d.channel_id, []).append(d)
    checked: set[int] = set()
    for d in found:
        if d.channel.partner_id not in checked:
            require_manage(actor, d.channel.partner)
            checked.add(d.channel.partner_id)
    if ids and not found and actor is not None:
        # nothing to put back: still refuse what the actor may not see
        partners = {
            d.channel.partner
            for d in Delivery.objects.select_related("channel__partner").filter(pk__in=ids)
        }
        for partner in partners:
            require_manage(actor, partner)
    for chunk in by_channel.values():
        Delivery.objects.filter(pk__in=[d.pk for d in chunk]).update(
            status=DeliveryStatus.PENDING, next_attempt_at=None
        )
        audit.record(
            "exchange.resent",
            actor=actor,
            obj=chunk[0].channel,
            after={"count": len(chunk), "keys": [d.key for d in chunk[:100]]},
        )
    return len(found)


def due_channels(now: datetime.datetime) -> QuerySet[Channel]:
    """The active channels of active partners whose next run has come (an on-change channel
    never run yet too), in id order."""
    return (
        Channel.objects.filter(is_active=True, partner__is_active=True)
        .filter(Q(next_run_at__lte=now) | Q(next_run_at__isnull=True, period=Period.ON_CHANGE))
        .order_by("id")
    )


def run_due(now: datetime.datetime | None = None) -> list[Run]:
    """Run every channel that is due (:func:`due_channels`) as the platform, one after the
    other; a channel running already is skipped (its run goes on elsewhere)."""
    now = now or timezone.now()
    runs = []
    for channel in due_channels(now):
        try:
            runs.append(run_channel(actor=None, channel=channel, trigger="job"))
        except (ValidationFailed, NotFound):
            continue
    return runs
