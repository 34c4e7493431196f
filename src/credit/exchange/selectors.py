"""Scoped reads of the exchange (数据交换): partners, channels, runs and deliveries of the
reader's tenant, the jobs overview and the reconciliation of a partner.

Reading needs :attr:`~credit.core.access.Perm.EXCHANGE_VIEW`; the rows are those of the
partners in the principal's tenant (:meth:`~credit.core.access.Principal.tenant_q` on the
partner's region): the city's credit office (and the city's reviewers and auditors) every
partner, a district's administrator its district's partners only. A partner, channel, run or
delivery outside the tenant is "not found" (:func:`partner_for`, :func:`channel_for`).
The command line and the jobs read as :data:`credit.core.access.SYSTEM`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from credit.core.access import Perm, Principal, principal_of
from credit.core.errors import NotFound
from credit.exchange.constants import DeliveryStatus, Direction
from credit.exchange.models import Channel, Delivery, OutboundFile, Partner, Run

#: How many of a channel's most frequent rejection reasons the reconciliation lists.
TOP_REASONS = 5


def _viewer(actor: Any) -> Principal:
    p = principal_of(actor)
    p.require(Perm.EXCHANGE_VIEW)
    return p


def partners_for(actor: Any) -> QuerySet[Partner]:
    """The partners of ``actor``'s tenant, with their region; ``PermissionDenied`` without
    查看数据交换."""
    p = _viewer(actor)
    return Partner.objects.select_related("region").filter(p.tenant_q(region="region_id"))


def partner_for(actor: Any, code: str) -> Partner:
    """The partner ``code`` of ``actor``'s tenant; ``NotFound`` for a missing partner and for
    one of another tenant alike."""
    partner = partners_for(actor).filter(code=code).first()
    if partner is None:
        raise NotFound("交换伙伴不存在", code="partner_not_found")
    return partner


def channels_for(actor: Any) -> QuerySet[Channel]:
    """The channels of the partners of ``actor``'s tenant, with partner, item and
    department."""
    p = _viewer(actor)
    return Channel.objects.select_related(
        "partner", "partner__region", "item", "department"
    ).filter(p.tenant_q(region="partner__region_id"))


def channel_for(actor: Any, pk: int) -> Channel:
    """The channel ``pk`` of ``actor``'s tenant; ``NotFound`` otherwise."""
    channel = channels_for(actor).filter(pk=pk).first()
    if channel is None:
        raise NotFound("交换通道不存在", code="channel_not_found")
    return channel


def runs_for(actor: Any) -> QuerySet[Run]:
    """The runs of the channels of ``actor``'s tenant, newest first."""
    p = _viewer(actor)
    return (
        Run.objects.select_related("channel", "channel__partner", "channel__item")
        .filter(p.tenant_q(region="channel__partner__region_id"))
        .order_by("-started_at", "-id")
    )


def _require_channel(actor: Any, channel: Channel) -> None:
    """``NotFound`` unless ``channel`` is of ``actor``'s tenant (``PermissionDenied`` without
    查看数据交换)."""
    p = _viewer(actor)
    if (
        not Channel.objects.filter(pk=channel.pk)
        .filter(p.tenant_q(region="partner__region_id"))
        .exists()
    ):
        raise NotFound("交换通道不存在", code="channel_not_found")


def deliveries_for(actor: Any, channel: Channel) -> QuerySet[Delivery]:
    """The deliveries of ``channel`` (of ``actor``'s tenant, else ``NotFound``), oldest
    first."""
    _require_channel(actor, channel)
    return Delivery.objects.filter(channel_id=channel.pk).order_by("id")


def files_for(actor: Any, channel: Channel) -> QuerySet[OutboundFile]:
    """The data files written on ``channel`` (已发送文件; of ``actor``'s tenant, else
    ``NotFound``), newest first."""
    _require_channel(actor, channel)
    return OutboundFile.objects.filter(channel_id=channel.pk).order_by("-created_at", "-id")


def _count_of(status: str) -> Coalesce:
    counted = (
        Delivery.objects.filter(channel=OuterRef("pk"), status=status)
        .order_by()
        .values("channel")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def jobs(actor: Any) -> list[dict[str, Any]]:
    """Every channel of ``actor``'s tenant as the jobs page shows it (交换作业), by partner:
    ``{"channel", "partner", "next_run_at", "last_run" (a Run or None), "last_status",
    "last_run_at", "volume" (what the last run sent or received), "pending", "rejected"}``.
    Two queries whatever the number of channels."""
    last = (
        Run.objects.filter(channel=OuterRef("pk")).order_by("-started_at", "-id").values("id")[:1]
    )
    channels = list(
        channels_for(actor)
        .annotate(
            pending_n=_count_of(DeliveryStatus.PENDING),
            rejected_n=_count_of(DeliveryStatus.REJECTED),
            last_run_id=Subquery(last),
        )
        .order_by("partner__region__sort_order", "partner__code", "item__sort_order", "direction")
    )
    runs = Run.objects.in_bulk([c.last_run_id for c in channels if c.last_run_id])
    rows = []
    for c in channels:
        run = runs.get(c.last_run_id)
        volume = 0
        if run is not None:
            volume = run.sent if c.direction == Direction.UP else run.received
        rows.append(
            {
                "channel": c,
                "partner": c.partner,
                "next_run_at": c.next_run_at,
                "last_run": run,
                "last_status": run.status if run else "",
                "last_run_at": run.started_at if run else c.last_run_at,
                "volume": volume,
                "pending": c.pending_n,
                "rejected": c.rejected_n,
            }
        )
    return rows


def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, ...]:
    tz = timezone.get_default_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    until = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    return since, until


def reconciliation(
    partner: Partner, *, start: datetime.date, end: datetime.date
) -> list[dict[str, Any]]:
    """The reconciliation (对账) of ``partner`` over the days ``start``–``end`` (Beijing time),
    one dict per channel: ``{"channel", "direction", "total", "sent", "acked", "rejected",
    "pending", "awaiting", "received", "reasons"}``.

    Upward channels count the deliveries that entered the outbox in the period: ``sent``
    (tried at least once), ``acked``, ``rejected`` with ``reasons`` (the partner's most
    frequent reasons, ``[{"reason", "count"}]``), ``pending`` (待发送) and ``awaiting``
    (handed over, the partner's receipt not read yet: 已发送待回执).
    Inbound channels add up the runs started in the period: rows ``received`` from the
    partner, ``acked`` (入库) and ``rejected`` (退回) with ``reasons`` (why the platform
    returned them: the first error of each returned row); ``pending`` and ``awaiting`` are 0."""
    since, until = _bounds(start, end)
    channels = list(
        Channel.objects.filter(partner=partner)
        .select_related("item", "department")
        .order_by("item__sort_order", "item__code", "direction")
    )
    deliveries = Delivery.objects.filter(
        channel__partner=partner, created_at__gte=since, created_at__lt=until
    )
    sent = {
        r.pop("channel"): r
        for r in deliveries.values("channel").annotate(
            total=Count("id"),
            sent=Count("id", filter=Q(attempts__gt=0)),
            acked=Count("id", filter=Q(status=DeliveryStatus.ACKED)),
            rejected=Count("id", filter=Q(status=DeliveryStatus.REJECTED)),
            pending=Count("id", filter=Q(status=DeliveryStatus.PENDING)),
            awaiting=Count("id", filter=Q(status=DeliveryStatus.SENT)),
        )
    }
    runs = Run.objects.filter(channel__partner=partner, started_at__gte=since, started_at__lt=until)
    received = {
        r.pop("channel"): r
        for r in runs.values("channel").annotate(
            received=Coalesce(Sum("received"), 0),
            acked=Coalesce(Sum("acked"), 0),
            rejected=Coalesce(Sum("rejected"), 0),
        )
    }
    refused = _top_reasons(
        deliveries.filter(status=DeliveryStatus.REJECTED).values("channel", "reason")
    )
    returned = _returned_reasons(runs)
    zero = {"total": 0, "sent": 0, "acked": 0, "rejected": 0, "pending": 0, "awaiting": 0}
    rows = []
    for channel in channels:
        row: dict[str, Any] = {"channel": channel, "direction": channel.direction}
        if channel.direction == Direction.UP:
            row.update(sent.get(channel.pk, zero), received=0)
            row["reasons"] = refused.get(channel.pk, [])
        else:
            sums = received.get(channel.pk, {"received": 0, "acked": 0, "rejected": 0})
            row.update(sums, total=sums["received"], sent=0, pending=0, awaiting=0)
            row["reasons"] = returned.get(channel.pk, [])
        rows.append(row)
    return rows


#: How far before a period the decision days whose 7-working-day deadline falls in it may lie
#: (seven working days plus the longest run of holidays and weekends, with room to spare).
_DEADLINE_REACH = datetime.timedelta(days=45)
#: The counts of :func:`timeliness`, in their order on the page and in the workbook.
TIMELINESS = ("due", "timely", "late", "overdue", "waiting")
#: After :func:`_dated`: those counts per item (the parameters: today, twice).
_TIMELINESS_COUNTS = """
    SELECT item_id, count(*),
        count(*) FILTER (WHERE sent_on <= due_on),
        count(*) FILTER (WHERE sent_on > due_on),
        count(*) FILTER (WHERE sent_on IS NULL AND due_on < %s),
        count(*) FILTER (WHERE sent_on IS NULL AND due_on >= %s)
    FROM dated GROUP BY item_id
"""


def _deadline_channels(partner: Partner) -> list[Channel]:
    """``partner``'s upward record channels of 双公示 and list items (the items whose records
    go up within 7 working days, :data:`credit.exchange.rules.DEADLINE_CATEGORIES`)."""
    from credit.exchange.constants import Content
    from credit.exchange.rules import DEADLINE_CATEGORIES

    return list(
        Channel.objects.filter(
            partner=partner,
            direction=Direction.UP,
            content=Content.RECORDS,
            item__category__in=DEADLINE_CATEGORIES,
        )
        .select_related("item")
        .order_by("item__sort_order", "item__code")
    )


def _dated(
    partner: Partner, channels: list[Channel], start: datetime.date, end: datetime.date
) -> tuple[str, list[Any]] | None:
    """The SQL of a ``WITH`` clause naming ``dated``: one row per record of the channels'
    items whose deadline (7 working days after the decision, :func:`credit.core.workdays.
    deadline`) falls in ``start``–``end`` — ``id``, ``item_id``, ``due_on`` and ``sent_on``
    (the Beijing date of the first send the partner confirmed, NULL when none) — and its
    parameters; None when no decision day's deadline is in the period. A district's partner
    has the records it is sent (:func:`credit.exchange.services.runner.district_q`)."""
    from django.conf import settings

    from credit.core import workdays
    from credit.exchange.services.runner import district_q
    from credit.records.models import CreditRecord

    calendar = workdays.WorkdayCalendar(start - _DEADLINE_REACH, end)
    dues = {
        day: due
        for day, due in calendar.deadlines(start - _DEADLINE_REACH, end).items()
        if start <= due <= end
    }
    if not dues:
        return None
    records = CreditRecord.objects.filter(
        item_id__in=[c.item_id for c in channels],
        decision_date__gte=min(dues),
        decision_date__lte=max(dues),
    )
    if partner.region.level != partner.region.Level.CITY:
        records = records.filter(district_q(partner.region_id))
    inner, params = records.values("id", "item_id", "decision_date").query.sql_with_params()
    # Each record's deadline from a table of the period's decision days, and its first
    # confirmed send (one join, not a subquery per record).
    sql = f"""
        WITH due (decided, due_on) AS (
            SELECT * FROM unnest(%s::date[], %s::date[])
        ), dated AS (
            SELECT t.id, t.item_id, due.due_on,
                (min(d.sent_at) AT TIME ZONE %s)::date AS sent_on
            FROM ({inner}) t JOIN due ON due.decided = t.decision_date
            LEFT JOIN {Delivery._meta.db_table} d ON d.record_id = t.id
                AND d.channel_id = ANY(%s) AND d.status = %s
            GROUP BY t.id, t.item_id, due.due_on
        )
    """  # noqa: S608 — the inner query is the ORM's, with its parameters; the table the model's
    return sql, [
        list(dues),
        list(dues.values()),
        settings.TIME_ZONE,
        *params,
        [c.pk for c in channels],
        DeliveryStatus.ACKED,
    ]


def timeliness(
    partner: Partner,
    *,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date | None = None,
) -> list[dict[str, Any]]:
    """上报时效 of ``partner``'s upward record channels of 双公示 and list items: of the item's
    records whose deadline — 7 working days after the decision (RULES.md) — falls in
    ``start``–``end`` (:func:`_dated`), how many the partner confirmed as sent on time (the
    send it acknowledged was on or before the deadline, Beijing time), sent late, not
    confirmed and overdue (the deadline has passed: ``today``, default the local date), and
    not confirmed but not due yet. One dict per channel: ``{"channel", "due", "timely",
    "late", "overdue", "waiting", "rate"}`` (``rate``: the timely share of those sent or
    overdue, a percentage with one decimal; None when there are none). Two queries, and the
    calendar's."""
    from django.db import connection

    today = today or timezone.localdate()
    channels = _deadline_channels(partner)
    if not channels:
        return []
    counted: dict[int, dict[str, int]] = {}
    dated = _dated(partner, channels, start, end)
    if dated is not None:
        sql, params = dated
        with connection.cursor() as cur:
            cur.execute(sql + _TIMELINESS_COUNTS, [*params, today, today])
            for item_id, *numbers in cur.fetchall():
                counted[item_id] = dict(zip(TIMELINESS, numbers, strict=True))
    zero = dict.fromkeys(TIMELINESS, 0)
    found = []
    for channel in channels:
        row = {"channel": channel, **counted.get(channel.item_id, zero)}
        passed = row["due"] - row["waiting"]
        row["rate"] = round(row["timely"] * 100 / passed, 1) if passed else None
        found.append(row)
    return found


def late_records(
    partner: Partner,
    *,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date | None = None,
    limit: int = 10_000,
) -> list[dict[str, Any]]:
    """The records the timeliness counts as 超期上报 or 超期未上报 (:func:`timeliness`), in
    the channels' order, then by deadline and record, at most ``limit``: ``{"channel",
    "record_id", "document_no", "decision_date", "due_on", "sent_on", "status", "reason"}``
    — ``status``
    and ``reason`` those of the record's latest delivery in the channel (``status`` None when
    it never entered the outbox). No subject names: the document number identifies the
    decision to its department."""
    from django.db import connection

    from credit.records.models import CreditRecord

    today = today or timezone.localdate()
    channels = _deadline_channels(partner)
    dated = _dated(partner, channels, start, end) if channels else None
    if dated is None:
        return []
    sql, params = dated
    by_item = {c.item_id: c for c in channels}
    details = f"""
            SELECT dated.id, dated.item_id, r.document_no, r.decision_date, dated.due_on,
                dated.sent_on, latest.status, latest.reason
            FROM dated JOIN {CreditRecord._meta.db_table} r ON r.id = dated.id
            LEFT JOIN LATERAL (
                SELECT d.status, d.reason FROM {Delivery._meta.db_table} d
                WHERE d.record_id = dated.id AND d.channel_id = ANY(%s)
                ORDER BY d.version DESC, d.id DESC LIMIT 1
            ) latest ON true
            WHERE dated.sent_on > dated.due_on
                OR (dated.sent_on IS NULL AND dated.due_on < %s)
            ORDER BY array_position(%s, dated.item_id), dated.due_on, dated.id
            LIMIT %s
            """  # noqa: S608 — the tables are the models' own
    with connection.cursor() as cur:
        cur.execute(
            sql + details,
            [*params, [c.pk for c in channels], today, [c.item_id for c in channels], limit],
        )
        rows = cur.fetchall()
    names = ("document_no", "decision_date", "due_on", "sent_on", "status", "reason")
    return [
        {"channel": by_item[item_id], "record_id": rid, **dict(zip(names, rest, strict=True))}
        for rid, item_id, *rest in rows
    ]


def _top_reasons(grouped: QuerySet) -> dict[int, list[dict[str, Any]]]:
    """``grouped`` (values ``channel`` and ``reason``) counted, the :data:`TOP_REASONS` most
    frequent of each channel (then by reason), in one query: ``{channel id: [{"reason",
    "count"}]}``."""
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    ranked = (
        grouped.annotate(n=Count("id"))
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("channel")], order_by=[F("n").desc(), F("reason")]
            )
        )
        .filter(rank__lte=TOP_REASONS)
        .order_by("channel", "rank")
    )
    found: dict[int, list[dict[str, Any]]] = {}
    for r in ranked:
        found.setdefault(r["channel"], []).append(
            {"reason": r["reason"] or "（未说明原因）", "count": r["n"]}
        )
    return found


def _returned_reasons(runs: QuerySet[Run]) -> dict[int, list[dict[str, Any]]]:
    """Why the platform returned (退回) rows collected by ``runs``, per channel: the first
    error of each rejected row of their batches (:func:`_top_reasons`)."""
    from django.db.models import CharField
    from django.db.models.expressions import RawSQL

    from credit.ingest.models import BatchRow

    # Plain SQL without parameters, both: the window repeats them in its PARTITION BY and
    # ORDER BY, which must match the GROUP BY to the letter (KT() binds the key as a
    # parameter, each time anew), and a Subquery() would add the row's batch to the GROUP BY.
    row, run = BatchRow._meta.db_table, Run._meta.db_table
    channel_of_row = RawSQL(  # noqa: S611 — no parameters; table names are the models' own
        f'(SELECT r."channel_id" FROM "{run}" r WHERE r."batch_id" = "{row}"."batch_id" LIMIT 1)',  # noqa: S608
        [],
        output_field=IntegerField(),
    )
    first_error = RawSQL(  # noqa: S611 — no parameters; the table name is the model's own
        f'("{row}"."errors" -> 0 ->> \'message\')', [], output_field=CharField()
    )
    return _top_reasons(
        BatchRow.objects.filter(
            batch_id__in=runs.exclude(batch=None).values("batch_id"),
            status=BatchRow.Status.REJECTED,
        )
        .annotate(channel=channel_of_row, reason=first_error)
        .values("channel", "reason")
    )
