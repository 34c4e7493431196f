"""Reporting metrics (数据报送): channel, volume against the catalog's update periods, monthly
reporting of other credit information, valid entry rate and normativity — all read from the
ingest batches (:class:`~credit.ingest.models.Batch`) a unit's departments reported."""

from __future__ import annotations

import datetime
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from credit.alerts.periods import Span, span_of
from credit.assessment.metrics import base
from credit.assessment.metrics.base import (
    ACCEPTED,
    Measure,
    Target,
    department_q,
    group,
    in_span,
    local,
    members,
    percent,
    ratio_measure,
    spread,
    yes,
)
from credit.catalog.constants import Category, UpdatePeriod
from credit.catalog.models import CatalogItem
from credit.core.models import Department
from credit.core.workdays import WorkdayCalendar
from credit.ingest.models import Batch

#: The update periods a report is expected for, as period kinds (daily: each working day).
PERIOD_KINDS = {
    UpdatePeriod.DAILY: "day",
    UpdatePeriod.WEEKLY: "week",
    UpdatePeriod.MONTHLY: "month",
    UpdatePeriod.QUARTERLY: "quarter",
    UpdatePeriod.YEARLY: "year",
}
#: Batch channels through an interface (接口推送) or an exchange (数据交换: 中间库、前置文件) —
#: the 2-level channel.
INTERFACE_CHANNELS = (Batch.Channel.API, Batch.Channel.EXCHANGE)
BATCH_HEADERS = ["批次号", "报送部门", "目录项", "报送渠道", "接收时间"]


def _done(span: Span, ids: Iterable[int]):
    """DONE batches of the departments ``ids`` received in the span."""
    return Batch.objects.filter(in_span("created_at", span), status=Batch.Status.DONE).filter(
        department_id__in=list(ids)
    )


def _target_batches(target: Target, span: Span):
    return (
        Batch.objects.filter(in_span("created_at", span), status=Batch.Status.DONE)
        .filter(department_q(target))
        .select_related("department", "item")
        .order_by("created_at", "id")
    )


def _batch_cells(b: Batch) -> list:
    return [b.pk, str(b.department), b.item.name, b.get_channel_display(), local(b.created_at)]


# --------------------------------------------------------------------------------------------
# 报送渠道
# --------------------------------------------------------------------------------------------


def channel_measure(targets: list[Target], span: Span) -> dict[Target, Measure]:
    owners = members(targets)
    rows = (
        _done(span, owners)
        .annotate(accepted=ACCEPTED)
        .filter(accepted__gt=0)
        .values("department_id")
        .annotate(
            api=Count("id", filter=Q(channel__in=INTERFACE_CHANNELS)),
            other=Count("id", filter=~Q(channel__in=INTERFACE_CHANNELS)),
        )
        .order_by()
    )
    sums = spread(group(rows, ("api", "other")), targets, owners)
    found = {}
    for target in targets:
        api, other = sums[target] or (0, 0)
        level = 2 if api else 1 if other else 0
        found[target] = Measure(
            Decimal(level),
            api,
            api + other,
            f"本期数据被接收的报送批次共{api + other}个，其中通过接口推送的{api}个。",
        )
    return found


def channel_rows(target: Target, span: Span) -> tuple[list[str], Iterable[list]]:
    qs = _target_batches(target, span).annotate(accepted=ACCEPTED).filter(accepted__gt=0)
    headers = [*BATCH_HEADERS, "接收条数", "是否接口报送"]
    return headers, (
        [*_batch_cells(b), b.accepted, yes(b.channel in INTERFACE_CHANNELS)] for b in qs.iterator()
    )


# --------------------------------------------------------------------------------------------
# 有效入库率 and 数据规范率
# --------------------------------------------------------------------------------------------


def _row_sums(targets: list[Target], span: Span) -> dict[Target, list[int]]:
    """Per target: total, accepted and corrected rows of its DONE batches of the span."""
    owners = members(targets)
    rows = (
        _done(span, owners)
        .values("department_id")
        .annotate(total=Sum("total"), accepted=Sum(ACCEPTED), corrected=Sum("corrected"))
        .order_by()
    )
    return spread(group(rows, ("total", "accepted", "corrected")), targets, owners)


def valid_entry_measure(targets: list[Target], span: Span) -> dict[Target, Measure]:
    sums = _row_sums(targets, span)
    found = {}
    for target in targets:
        total, accepted, _ = sums[target] or (0, 0, 0)
        found[target] = ratio_measure(
            accepted, total, f"本期报送数据共{total}条，其中有效入库{accepted}条。"
        )
    return found


def normativity_measure(targets: list[Target], span: Span) -> dict[Target, Measure]:
    sums = _row_sums(targets, span)
    found = {}
    for target in targets:
        _, accepted, corrected = sums[target] or (0, 0, 0)
        clean = accepted - corrected
        found[target] = ratio_measure(
            clean,
            accepted,
            f"本期有效入库数据共{accepted}条，其中无需纠正即符合规范的{clean}条"
            f"（经自动纠正后入库{corrected}条）。",
        )
    return found


def entry_rows(target: Target, span: Span) -> tuple[list[str], Iterable[list]]:
    qs = _target_batches(target, span).annotate(accepted=ACCEPTED)
    headers = [*BATCH_HEADERS, "总行数", "有效入库", "退回", "经纠正后入库", "无需纠正"]
    return headers, (
        [*_batch_cells(b), b.total, b.accepted, b.rejected, b.corrected, b.accepted - b.corrected]
        for b in qs.iterator()
    )


# --------------------------------------------------------------------------------------------
# 其他信用信息按月报送
# --------------------------------------------------------------------------------------------


def _months(span: Span) -> list[Span]:
    """The months of the span that have begun by today."""
    found = []
    month = span_of("month", span.start)
    while month.start < span.end and month.start <= base.today():
        found.append(month)
        month = span_of("month", month.end)
    return found


def _monthly(span: Span, ids: Iterable[int]):
    return (
        _done(span, ids)
        .exclude(item__category=Category.DOUBLE_PUBLICITY)
        .annotate(accepted=ACCEPTED)
        .filter(accepted__gt=0)
    )


def _month_of(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date().replace(day=1)


def monthly_measure(targets: list[Target], span: Span) -> dict[Target, Measure]:
    owners = members(targets)
    expected = {m.start for m in _months(span)}
    reported: dict[Target, set[datetime.date]] = defaultdict(set)
    rows = (
        _monthly(span, owners)
        .annotate(month=TruncMonth("created_at"))
        .values_list("department_id", "month")
        .distinct()
        .order_by()
    )
    for department_id, month in rows:
        for target in owners.get(department_id, ()):
            reported[target].add(_month_of(month))
    found = {}
    for target in targets:
        done = len(reported[target] & expected)
        found[target] = ratio_measure(
            done,
            len(expected),
            f"本期应按月报送{len(expected)}个月，其中{done}个月报送了双公示以外的信用信息。",
        )
    return found


def monthly_rows(target: Target, span: Span) -> tuple[list[str], Iterable[list]]:
    per_month: dict[datetime.date, list[int]] = defaultdict(lambda: [0, 0])
    qs = (
        Batch.objects.filter(in_span("created_at", span), status=Batch.Status.DONE)
        .filter(department_q(target))
        .exclude(item__category=Category.DOUBLE_PUBLICITY)
        .annotate(accepted=ACCEPTED)
        .filter(accepted__gt=0)
        .values_list("created_at", "accepted")
    )
    for created_at, accepted in qs.iterator():
        counts = per_month[_month_of(created_at)]
        counts[0] += 1
        counts[1] += accepted
    headers = ["月份", "是否报送", "批次数", "有效入库条数"]
    return headers, (
        [
            f"{m.start.year}年{m.start.month}月",
            yes(per_month[m.start][0] > 0),
            per_month[m.start][0],
            per_month[m.start][1],
        ]
        for m in _months(span)
    )


# --------------------------------------------------------------------------------------------
# 数据报送量
# --------------------------------------------------------------------------------------------


def _periods(update_period: str, span: Span, calendar: WorkdayCalendar) -> list[Span]:
    """The item's update periods that end inside the span and have ended before today (a
    daily item's: the span's working days before today)."""
    kind = PERIOD_KINDS.get(update_period)
    if kind is None:
        return []
    now = base.today()
    if kind == "day":
        length = (span.end - span.start).days
        days = (span.start + datetime.timedelta(days=n) for n in range(length))
        return [span_of("day", d) for d in days if d < now and calendar.is_workday(d)]
    found = []
    period = span_of(kind, span.start)
    while period.start < span.end:
        if span.start <= period.last_day < span.end and period.end <= now:
            found.append(period)
        period = span_of(kind, period.end)
    return found


def _expected(targets: list[Target], span: Span):
    """Per (item, department) of the targets: the item and the periods expected."""
    owners = members(targets)
    calendar = WorkdayCalendar(span.start, span.end)
    items = (
        CatalogItem.objects.filter(is_active=True, update_period__in=list(PERIOD_KINDS))
        .prefetch_related("source_departments")
        .order_by("sort_order", "code")
    )
    pairs: dict[tuple[int, int], tuple[CatalogItem, list[Span]]] = {}
    for item in items:
        periods = _periods(item.update_period, span, calendar)
        if not periods:
            continue
        for department in item.source_departments.all():
            if department.pk in owners:
                pairs[(item.pk, department.pk)] = (item, periods)
    return owners, pairs


def _reported_days(pairs: dict) -> dict[tuple[int, int], list[datetime.date]]:
    """Per (item, department): the sorted days it had a DONE batch with accepted rows."""
    if not pairs:
        return {}
    start = min(p.start for _, periods in pairs.values() for p in periods)
    end = max(p.end for _, periods in pairs.values() for p in periods)
    rows = (
        Batch.objects.filter(
            in_span("created_at", Span(start, end, "range")),
            status=Batch.Status.DONE,
            item_id__in={i for i, _ in pairs},
            department_id__in={d for _, d in pairs},
        )
        .annotate(accepted=ACCEPTED, day=TruncDate("created_at"))
        .filter(accepted__gt=0)
        .values_list("item_id", "department_id", "day")
        .distinct()
        .order_by()
    )
    days: dict[tuple[int, int], list[datetime.date]] = defaultdict(list)
    for item_id, department_id, day in rows:
        days[(item_id, department_id)].append(day)
    for found in days.values():
        found.sort()
    return days


def _reported(period: Span, days: list[datetime.date]) -> bool:
    i = bisect_left(days, period.start)
    return i < len(days) and days[i] < period.end


def volume_measure(targets: list[Target], span: Span) -> dict[Target, Measure]:
    owners, pairs = _expected(targets, span)
    days = _reported_days(pairs)
    sums: dict[Target, list[int]] = {t: [0, 0] for t in targets}
    for (item_id, department_id), (_, periods) in pairs.items():
        done = sum(_reported(p, days.get((item_id, department_id), [])) for p in periods)
        for target in owners[department_id]:
            sums[target][0] += done
            sums[target][1] += len(periods)
    found = {}
    for target in targets:
        done, expected = sums[target]
        found[target] = Measure(
            percent(done, expected),
            done,
            expected,
            f"按目录更新周期本期应报送{expected}期，实际报送{done}期。"
            if expected
            else "本期没有按固定周期应报送的目录项。",
        )
    return found


def volume_rows(target: Target, span: Span) -> tuple[list[str], Iterable[list]]:
    _, pairs = _expected([target], span)
    days = _reported_days(pairs)
    names = {}
    if pairs:
        names = {d.pk: str(d) for d in Department.objects.filter(pk__in={d for _, d in pairs})}
    headers = ["目录项", "更新周期", "报送部门", "报送周期", "开始日期", "结束日期", "是否报送"]
    rows = []
    for (item_id, department_id), (item, periods) in pairs.items():
        for p in periods:
            rows.append(
                [
                    item.name,
                    item.get_update_period_display(),
                    names.get(department_id, ""),
                    p.text,
                    p.start.isoformat(),
                    p.last_day.isoformat(),
                    yes(_reported(p, days.get((item_id, department_id), []))),
                ]
            )
    return headers, rows
