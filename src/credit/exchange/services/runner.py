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
   An adapter that only hands items over (a file written, a message published) answers
   "pending": the delivery is 已发送待回执 until the partner's own receipt is read back at a
   later run (:func:`collect_receipts`, first thing of every upward run), or sent again when
   none came within :func:`receipt_timeout`.
3. When the partner cannot be reached (:class:`~credit.exchange.adapters.ExchangeError`), the
   run fails with the (redacted) message, and every delivery of the failed attempt stays
   pending with one more attempt and its next try after the back-off
   (:data:`credit.exchange.rules.BACKOFF`): nothing is lost.

**Inbound (下发, 采集)** — the partner's rows not yet acknowledged
(:meth:`~credit.exchange.adapters.Adapter.fetch`) go through the ingest pipeline as one batch
of channel 数据交换 for the channel's department
(:func:`credit.ingest.pipeline.ingest_payloads`); each row's outcome (accepted, or its errors)
goes back to the partner (:meth:`~credit.exchange.adapters.Adapter.acknowledge`) with the
batch and row number. Rows collected twice (the acknowledgement was lost) are the same
records again: the pipeline upserts on their natural key. A partner read with a cursor (REST
pull) has it stored in ``channel.cursor`` only after that (the adapter's ``next_cursor``).

Each run is a :class:`~credit.exchange.models.Run` with its counts — upward: ``taken`` (new
in the outbox), ``sent``, ``acked``, ``rejected``; inbound: ``received``, ``acked`` (入库),
``rejected`` (退回) and its ``batch`` — its status (成功, 部分失败 when something was refused,
失败) and an audit entry ``exchange.run``. One channel runs once at a time (a PostgreSQL
advisory lock); the next run is scheduled from the channel's period (:func:`next_run`).
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterable, Iterator
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
from credit.exchange.constants import Content, DeliveryStatus, Direction, Period, RunStatus
from credit.exchange.models import Channel, Delivery, Run
from credit.exchange.rules import backoff, next_run
from credit.exchange.services import contents
from credit.exchange.services.partners import require_manage

#: Deliveries handed to the adapter at once (each chunk's receipts are saved before the next).
SEND_CHUNK = 500
#: Change events read from the feed at once while filling the outbox.
OUTBOX_PAGE = 1000
#: How long an inbound channel waits after a failed run before it tries again.
INBOUND_RETRY = datetime.timedelta(minutes=15)
#: Hours a delivery waits 已发送待回执 for the partner's receipt before it is sent again.
RECEIPT_TIMEOUT_HOURS = 24


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
    if run.status == RunStatus.FAILED:
        # A failed run is tried again by itself, whatever the period — 不定期 too: someone
        # started it, and what it was to send must not wait for them to notice the failure.
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


def district_q(region_id: str) -> Q:
    """The change events (or records) a district's partner receives: of
    the district's records, and of records about subjects registered in the district — so the
    national and provincial lists collected for a city department reach the district where
    the enterprise or person is (下发到辖市区)."""
    return (
        Q(region_id=region_id)
        | Q(legal_person__region_id=region_id)
        | Q(natural_person__region_id=region_id)
    )


def _outbox_filters(channel: Channel) -> dict[str, Any]:
    """What of the change feed goes in ``channel``'s outbox: its item's events — for an
    objection and correction results channel, only the outcomes."""
    filters: dict[str, Any] = {"item_id": channel.item_id}
    if channel.content == Content.OBJECTIONS:
        filters["kind__in"] = contents.OUTCOME_KINDS
    return filters


def _feed_pages(channel: Channel, cursor: str) -> Iterator[tuple[list[Any], str]]:
    """The change events for ``channel``'s outbox after ``cursor`` (:func:`_outbox_filters`;
    of the district for a district's partner), a page of at most :data:`OUTBOX_PAGE` at a
    time, each with the cursor after it (the last page may be empty)."""
    from credit.records.models import RecordChange

    events = RecordChange.objects.only("txid", "id", "kind", "record_id", "version")
    if _is_district(channel.partner.region):
        events = events.filter(district_q(channel.partner.region_id))
    filters = _outbox_filters(channel)
    while True:
        found, cursor = feed.read(events, cursor, limit=OUTBOX_PAGE, filters=filters)
        yield found, cursor
        if len(found) < OUTBOX_PAGE:
            return


def _add_new(channel_id: int, fresh: dict[str, Delivery]) -> set[str]:
    """Put the deliveries of ``fresh`` (by key) whose key is not in the outbox yet in it; the
    keys that were there already."""
    existing = set(
        Delivery.objects.filter(channel_id=channel_id, key__in=list(fresh)).values_list(
            "key", flat=True
        )
    )
    Delivery.objects.bulk_create(
        [d for k, d in fresh.items() if k not in existing], ignore_conflicts=True
    )
    return existing


def take_outbox(channel: Channel) -> int:
    """Fill ``channel``'s outbox from the record change feed after its cursor and move the
    cursor, in one transaction; the number of deliveries taken (new keys, and keys already
    there — a change that keeps the record's version, such as a suspension — put back to
    pending).

    By the channel's content (:mod:`credit.exchange.services.contents`): records — one
    delivery per record version (``<record>-<version>``); objection and correction results —
    one per outcome event (``obj-<event id>``, never put back); the catalog — the item's
    current version when not in the outbox yet (``catalog-<item>-<version>``, no feed read)."""
    with transaction.atomic():
        locked = Channel.objects.select_for_update().get(pk=channel.pk)
        if locked.content == Content.CATALOG:
            return contents.queue_catalog_version(locked)
        outcomes = locked.content == Content.OBJECTIONS
        cursor, taken = locked.cursor, 0
        for found, after in _feed_pages(channel, locked.cursor):
            cursor = after
            if outcomes:
                fresh = {d.key: d for d in contents.outcome_deliveries(locked, found)}
            else:
                fresh = {
                    f"{e.record_id}-{e.version}": Delivery(
                        channel_id=locked.pk,
                        key=f"{e.record_id}-{e.version}",
                        record_id=e.record_id,
                        version=e.version,
                        change_kind=e.kind,
                    )
                    for e in found
                }
            existing = _add_new(locked.pk, fresh)
            # A change that keeps the version (suspended, restored …) sends the same key
            # again with the record's state now: the partner upserts the row. (An outcome
            # already in the outbox is never put back.)
            by_kind: dict[str, list[str]] = {}
            for key in () if outcomes else existing:
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


def outgoing(deliveries: list[Delivery], content: str | None = None) -> list[Outgoing]:
    """What the partner receives for each delivery (of one channel), by the channel's
    ``content`` (read from the channel when not given). Records: the payload of the record
    version it names (field code → value) and ``_record`` (id, item, region, department,
    status, decision_date, version); a delivery of an older version carries that version's
    payload. Objection and
    correction results, the catalog: the codes of their vocabulary
    (:func:`credit.exchange.services.contents.objection_fields`, ``catalog_fields``)."""
    if not deliveries:
        return []
    if content is None:
        content = (
            Channel.objects.filter(pk=deliveries[0].channel_id)
            .values_list("content", flat=True)
            .first()
        )
    if content in (Content.OBJECTIONS, Content.CATALOG):
        build = (
            contents.objection_fields if content == Content.OBJECTIONS else contents.catalog_fields
        )
        fields = build(deliveries)
        return [
            Outgoing(d.key, d.record_id, d.version, d.change_kind, fields[d.key])
            for d in deliveries
            if d.key in fields
        ]
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


def _settle(run: Run, d: Delivery, answer: Receipt, now: datetime.datetime) -> None:
    """Save the partner's final answer for ``d`` on it (acknowledged, or refused with the
    partner's reason) and count it on ``run``."""
    d.run = run
    d.next_attempt_at = None
    if answer.ok:
        d.status, d.reason, d.acked_at = DeliveryStatus.ACKED, "", now
        run.acked += 1
    else:
        d.status = DeliveryStatus.REJECTED
        d.reason = redact(answer.reason or "交换伙伴拒收，未说明原因")[:500]
        run.rejected += 1


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
            elif answer.ok and answer.pending:
                d.status, d.reason, d.next_attempt_at = DeliveryStatus.SENT, "", None
            else:
                _settle(run, d, answer, now)
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


def receipt_timeout(channel: Channel) -> datetime.timedelta:
    """How long a delivery waits 已发送待回执 for the partner's receipt before it is sent
    again: the partner's ``receipt_timeout_hours`` (default :data:`RECEIPT_TIMEOUT_HOURS`)."""
    hours = (channel.partner.config or {}).get("receipt_timeout_hours", RECEIPT_TIMEOUT_HOURS)
    try:
        hours = float(hours)
    except (TypeError, ValueError):
        hours = RECEIPT_TIMEOUT_HOURS
    return datetime.timedelta(hours=min(max(hours, 0.1), 24 * 30))


def collect_receipts(channel: Channel, run: Run, adapter: Any) -> int:
    """Read the partner's receipts for deliveries sent earlier (``adapter.collect_receipts``)
    and save them: a delivery 已发送待回执 (or still pending) becomes 已确认 or 被拒收 with the
    partner's reason; a receipt for a key already confirmed or refused changes nothing (the
    receipt was read before). Then the adapter marks them consumed. Returns how many were
    applied. Deliveries sent longer than :func:`receipt_timeout` ago with no receipt go back to
    待发送, to be sent again (the partner de-duplicates on the key)."""
    now = timezone.now()
    applied = 0
    collect = getattr(adapter, "collect_receipts", None)
    if collect is not None:
        answers = {r.key: r for r in collect(channel) if not r.pending}
        with transaction.atomic():
            waiting = list(
                Delivery.objects.select_for_update()
                .filter(
                    channel=channel,
                    key__in=list(answers),
                    status__in=[DeliveryStatus.SENT, DeliveryStatus.PENDING],
                )
                .order_by("id")
            )
            for d in waiting:
                _settle(run, d, answers[d.key], now)
            Delivery.objects.bulk_update(
                waiting, ["status", "reason", "acked_at", "next_attempt_at", "run"]
            )
            run.save(update_fields=["acked", "rejected"])
            applied = len(waiting)
        done = getattr(adapter, "receipts_saved", None)
        if done is not None:
            done(channel)
    timeout = receipt_timeout(channel)
    Delivery.objects.filter(
        channel=channel, status=DeliveryStatus.SENT, sent_at__lt=now - timeout
    ).update(
        status=DeliveryStatus.PENDING,
        next_attempt_at=None,
        reason=f"超过 {timeout.total_seconds() / 3600:g} 小时未收到交换伙伴的回执，重新发送",
    )
    return applied


def _run_up(channel: Channel, run: Run, adapter: Any, limit: int) -> None:
    collect_receipts(channel, run, adapter)
    run.taken = take_outbox(channel)
    run.save(update_fields=["taken"])
    now = timezone.now()
    due = due_deliveries(channel, now, limit)
    for start in range(0, len(due), SEND_CHUNK):
        chunk = due[start : start + SEND_CHUNK]
        try:
            receipts = adapter.send(channel, outgoing(chunk, channel.content))
        except ExchangeError as exc:
            _postpone(run, chunk, redact(str(exc)), timezone.now())
            raise
        run.sent += len(chunk)
        _apply_receipts(run, chunk, receipts, timezone.now())


# --- inbound ----------------------------------------------------------------------------------


def row_outcomes(batch: Any, count: int) -> list[tuple[int, bool, str]]:
    """``(row number, accepted, reason)`` of the ``count`` rows handed to the ingest pipeline
    as ``batch``, in order (the first is row 2, as in a file): a refused row has its errors'
    messages, a row the batch never reached the batch's error."""
    from credit.ingest.models import BatchRow

    rows = {
        r.row_no: r for r in BatchRow.objects.filter(batch=batch).only("row_no", "status", "errors")
    }
    outcomes = []
    for n in range(2, count + 2):
        row = rows.get(n)
        if row is None:
            outcomes.append((n, False, batch.error_message or "该行未入库"))
        elif row.status == BatchRow.Status.REJECTED:
            reason = "；".join(
                str(e.get("message") or e.get("code") or "") for e in row.errors or []
            )
            outcomes.append((n, False, reason[:1000]))
        else:
            outcomes.append((n, True, ""))
    return outcomes


def _run_inbound(channel: Channel, run: Run, adapter: Any, limit: int) -> None:
    from credit.ingest.models import Batch
    from credit.ingest.pipeline import ingest_payloads

    offered = adapter.fetch(channel, limit)
    run.received = len(offered)
    run.save(update_fields=["received"])
    if not offered:
        _advance_cursor(channel, adapter)
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
    receipts = [
        InboundReceipt(item.key, ok, reason, batch.pk, n)
        for item, (n, ok, reason) in zip(offered, row_outcomes(batch, len(offered)), strict=True)
    ]
    run.acked = sum(1 for r in receipts if r.ok)
    run.rejected = len(receipts) - run.acked
    run.save(update_fields=["batch", "acked", "rejected"])
    adapter.acknowledge(channel, receipts)
    _advance_cursor(channel, adapter)


def _advance_cursor(channel: Channel, adapter: Any) -> None:
    """Store where a partner's feed read with a cursor (REST pull) was read up to — only once
    every row is in and answered, so a failure before reads the same rows again."""
    after = getattr(adapter, "next_cursor", None)
    if after is not None and str(after)[:64] != channel.cursor:
        Channel.objects.filter(pk=channel.pk).update(cursor=str(after)[:64])
        channel.cursor = str(after)[:64]


# --- re-sending and the schedule --------------------------------------------------------------


@transaction.atomic
def load_all(*, actor: Any, channel: Channel) -> int:
    """The initial load (初始全量) of an upward channel: every record of its item (of the
    partner's district for a district's partner) in its current version put in the outbox,
    under the usual key, unless that key is there already — one INSERT … SELECT. The next run
    sends them; the partner upserts, so loading twice sends nothing twice. Audited
    ``exchange.loaded``; returns how many were added.

    A catalog channel: the item's current version (:func:`credit.exchange.services.contents.
    queue_catalog_version`). An objection and correction results channel: every outcome of
    the item's records already in the change feed (from its beginning, whatever the cursor),
    under its usual key ``obj-<event id>``."""
    require_manage(actor, channel.partner)
    if channel.direction != Direction.UP:
        raise ValidationFailed("只有上报通道可以初始全量上报", code="not_upward")
    if channel.content == Content.CATALOG:
        added = contents.queue_catalog_version(channel)
    elif channel.content == Content.OBJECTIONS:
        added = _load_outcomes(channel)
    else:
        added = _load_records(channel)
    after: dict[str, Any] = {"added": added}
    if channel.content != Content.RECORDS:
        after["content"] = channel.content
    audit.record("exchange.loaded", actor=actor, obj=channel, after=after)
    return added


def _load_records(channel: Channel) -> int:
    """Every record of ``channel``'s item (its district's, for a district's partner) in its
    current version put in the outbox unless there already (one INSERT … SELECT); how many
    were added."""
    from credit.records.models import CreditRecord

    records = CreditRecord.objects.filter(item_id=channel.item_id)
    if _is_district(channel.partner.region):
        records = records.filter(district_q(channel.partner.region_id))
    select, params = records.values_list("id", "version").query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(
            f"""
            INSERT INTO {Delivery._meta.db_table} (channel_id, key, record_id, version,
                change_kind, status, reason, attempts, created_at)
            SELECT %s, r.id::text || '-' || r.version::text, r.id, r.version, 'created',
                %s, '', 0, now()
            FROM ({select}) r (id, version)
            ON CONFLICT (channel_id, key) DO NOTHING
            """,  # noqa: S608 — the table name is the model's own, the SELECT Django's
            [channel.pk, DeliveryStatus.PENDING, *params],
        )
        return cur.rowcount


def _load_outcomes(channel: Channel) -> int:
    """Every outcome event of ``channel``'s item (its district's, for a district's partner)
    in the change feed put in the outbox unless there already; how many were added."""
    added = 0
    for found, _ in _feed_pages(channel, ""):
        fresh = {d.key: d for d in contents.outcome_deliveries(channel, found)}
        added += len(fresh) - len(_add_new(channel.pk, fresh))
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
