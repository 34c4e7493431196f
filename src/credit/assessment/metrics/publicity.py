"""Publicity metrics (公示): 双公示 reported within 7 working days, 双公示 shown on the portal,
and red / black list entries reported — read from the credit records
(:class:`~credit.records.models.CreditRecord`) of a unit's departments."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.utils import timezone

from credit.alerts.periods import Span
from credit.assessment.metrics import base
from credit.assessment.metrics.base import (
    Measure,
    Target,
    department_q,
    group,
    in_span,
    local,
    members,
    ratio_measure,
    spread,
    subject_name,
    yes,
)
from credit.catalog.constants import Category, UsageScope
from credit.core.workdays import REPORTING_WORKING_DAYS, WorkdayCalendar
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord
from credit.records.publicity import public_q

LIST_CATEGORIES = (Category.RED_LIST, Category.BLACK_LIST)
RECORD_HEADERS = ["决定文书号", "目录项", "主体名称", "报送部门"]


def _cells(r: CreditRecord) -> list:
    return [
        r.document_no,
        r.item.name,
        subject_name(r.legal_person, r.natural_person),
        str(r.department),
    ]


def _records(target: Target):
    return (
        CreditRecord.objects.filter(department_q(target))
        .select_related("item", "department", "legal_person", "natural_person")
        .order_by("decision_date", "created_at", "id")
    )


# --------------------------------------------------------------------------------------------
# 双公示报送及时率 (as credit.alerts.metrics._timeliness, by department)
# --------------------------------------------------------------------------------------------

_TIMELINESS_SQL = """
WITH due AS (
    SELECT * FROM unnest(%(days)s::date[], %(dues)s::date[]) AS d(decided, due)
)
SELECT r.department_id, count(*) AS total,
       count(*) FILTER (WHERE (r.created_at AT TIME ZONE %(tz)s)::date <= due.due) AS on_time
FROM records_creditrecord r
JOIN catalog_catalogitem i ON i.id = r.item_id AND i.category = %(category)s
JOIN due ON due.decided = r.decision_date
WHERE r.decision_date >= %(start)s AND r.decision_date < %(end)s AND r.status <> %(revoked)s
  AND r.department_id = ANY(%(departments)s)
GROUP BY 1
"""


def _calendar(span: Span) -> WorkdayCalendar:
    return WorkdayCalendar(span.start, span.end + datetime.timedelta(days=60))


def timeliness_measure(targets: list[Target], span: Span) -> dict[Target, Measure]:
    owners = members(targets)
    calendar = _calendar(span)
    dues = calendar.deadlines(span.start, span.end - datetime.timedelta(days=1))
    with connection.cursor() as cur:
        cur.execute(
            _TIMELINESS_SQL,
            {
                "days": list(dues),
                "dues": list(dues.values()),
                "tz": timezone.get_current_timezone_name(),
                "category": Category.DOUBLE_PUBLICITY.value,
                "start": span.start,
                "end": span.end,
                "revoked": RecordStatus.REVOKED.value,
                "departments": sorted(owners),
            },
        )
        per_department = {dept: (total, on_time) for dept, total, on_time in cur.fetchall()}
    sums = spread(per_department, targets, owners)
    found = {}
    for target in targets:
        total, on_time = sums[target] or (0, 0)
        found[target] = ratio_measure(
            on_time,
            total,
            f"本期决定的双公示信息共{total}条，其中{on_time}条在{REPORTING_WORKING_DAYS}个工作日内报送。",
        )
    return found


def _decided(target: Target, span: Span):
    return (
        _records(target)
        .filter(item__category=Category.DOUBLE_PUBLICITY)
        .filter(decision_date__gte=span.start, decision_date__lt=span.end)
    )


def timeliness_rows(target: Target, span: Span) -> tuple[list[str], Iterable[list]]:
    calendar = _calendar(span)
    qs = _decided(target, span).exclude(status=RecordStatus.REVOKED)
    headers = [*RECORD_HEADERS, "决定日期", "入库日期", "报送期限", "是否及时"]

    def rows():
        for r in qs.iterator():
            due = calendar.deadline(r.decision_date, REPORTING_WORKING_DAYS)
            arrived = timezone.localtime(r.created_at).date()
            yield [
                *_cells(r),
                r.decision_date.isoformat(),
                arrived.isoformat(),
                due.isoformat(),
                yes(arrived <= due),
            ]

    return headers, rows()


# --------------------------------------------------------------------------------------------
# 门户网站专栏公示率
# --------------------------------------------------------------------------------------------


def _should_show(day: datetime.date) -> Q:
    """双公示 records that should be on the portal on ``day``: not revoked, repaired or past
    publicity (active or suspended by an objection), published under their policy, within
    their validity and publicity end."""
    return (
        Q(status__in=[RecordStatus.ACTIVE, RecordStatus.SUSPENDED], publishable=True)
        & (Q(publicity_end__isnull=True) | Q(publicity_end__gte=day))
        & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    )


def portal_measure(targets: list[Target], span: Span) -> dict[Target, Measure]:
    owners = members(targets)
    day = base.today()
    rows = (
        CreditRecord.objects.filter(
            _should_show(day),
            item__category=Category.DOUBLE_PUBLICITY,
            decision_date__gte=span.start,
            decision_date__lt=span.end,
            department_id__in=list(owners),
        )
        .values("department_id")
        .annotate(total=Count("id"), shown=Count("id", filter=public_q(day)))
        .order_by()
    )
    sums = spread(group(rows, ("total", "shown")), targets, owners)
    found = {}
    for target in targets:
        total, shown = sums[target] or (0, 0)
        found[target] = ratio_measure(
            shown,
            total,
            f"本期决定且仍应公示的双公示信息共{total}条，目前在门户网站专栏公示{shown}条。",
        )
    return found


def _why_hidden(r: CreditRecord, day: datetime.date) -> str:
    if r.status == RecordStatus.SUSPENDED:
        return "异议处理中，暂停公示"
    if r.usage_scope != UsageScope.PUBLIC:
        return f"信息使用范围为“{r.get_usage_scope_display()}”"
    if r.publicity_start is not None and r.publicity_start > day:
        return f"公示起始日为{r.publicity_start:%Y-%m-%d}"
    return ""


def portal_rows(target: Target, span: Span) -> tuple[list[str], Iterable[list]]:
    day = base.today()
    qs = (
        _decided(target, span)
        .filter(_should_show(day))
        .annotate(shown=ExpressionWrapper(public_q(day), output_field=BooleanField()))
    )
    headers = [*RECORD_HEADERS, "决定日期", "是否在门户公示", "未公示原因"]
    return headers, (
        [*_cells(r), r.decision_date.isoformat(), yes(bool(r.shown)), _why_hidden(r, day)]
        for r in qs.iterator()
    )


# --------------------------------------------------------------------------------------------
# 红黑名单报送
# --------------------------------------------------------------------------------------------


def _listed(span: Span):
    return CreditRecord.objects.filter(
        in_span("created_at", span), item__category__in=LIST_CATEGORIES
    ).exclude(status=RecordStatus.REVOKED)


def lists_measure(targets: list[Target], span: Span) -> dict[Target, Measure]:
    owners = members(targets)
    rows = (
        _listed(span)
        .filter(department_id__in=list(owners))
        .values("department_id")
        .annotate(
            red=Count("id", filter=Q(item__category=Category.RED_LIST)),
            black=Count("id", filter=Q(item__category=Category.BLACK_LIST)),
        )
        .order_by()
    )
    sums = spread(group(rows, ("red", "black")), targets, owners)
    found = {}
    for target in targets:
        red, black = sums[target] or (0, 0)
        found[target] = Measure(
            Decimal(red + black),
            red + black,
            None,
            f"本期新入库红名单信息{red}条、黑名单信息{black}条（已撤销的不计）。",
        )
    return found


def lists_rows(target: Target, span: Span) -> tuple[list[str], Iterable[list]]:
    qs = (
        _listed(span)
        .filter(department_q(target))
        .select_related("item", "department", "legal_person", "natural_person")
        .order_by("created_at", "id")
    )
    headers = [*RECORD_HEADERS, "名单类别", "决定日期", "入库时间", "状态"]
    return headers, (
        [
            *_cells(r),
            r.item.get_category_display(),
            r.decision_date.isoformat() if r.decision_date else "",
            local(r.created_at),
            r.get_status_display(),
        ]
        for r in qs.iterator()
    )
