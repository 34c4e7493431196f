"""Other metrics: credit commitment coverage (信用承诺覆盖率, as
:mod:`credit.commitments.selectors.coverage` counts it) and the data collection interface
calls (数据归集接口调用, the gateway's call log)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Exists, OuterRef, Q

from credit.alerts.periods import Span
from credit.assessment.metrics.base import (
    CENT,
    Measure,
    Target,
    cutoff,
    group,
    in_span,
    local,
    members,
    spread,
)
from credit.commitments.constants import TARGET_RATIOS
from credit.commitments.constants import Target as Goal
from credit.commitments.models import Commitment, CommitmentItem
from credit.commitments.selectors.coverage import (
    ITEM_TARGETS,
    LABELS,
    TARGET_KINDS,
    TARGETS,
    _black_listed,
    in_force_q,
)
from credit.core.models import Department, Region
from credit.gateway.models import ApiClient, CallLog
from credit.subjects.constants import LegalPersonStatus
from credit.subjects.models import LegalPerson

# --------------------------------------------------------------------------------------------
# 信用承诺覆盖率
# --------------------------------------------------------------------------------------------

#: (goal, covered, total) of one coverage target.
Figure = tuple[str, int, int]


def _department_figures(ids: list[int], day: datetime.date) -> dict[int, list[Figure]]:
    """Per department: its 告知承诺 and 容缺受理 items used by a commitment in force (recorded
    in its district for a district department, anywhere for a city department)."""
    districts = set(
        Region.objects.filter(level=Region.Level.DISTRICT).values_list("code", flat=True)
    )
    found: dict[int, list[Figure]] = defaultdict(list)
    for goal in ITEM_TARGETS:
        kinds = TARGET_KINDS[goal]
        for local_only in (False, True):
            used = Commitment.objects.filter(
                in_force_q(day), kind__in=kinds, item_id=OuterRef("pk")
            )
            items = CommitmentItem.objects.filter(
                kind__in=kinds, is_active=True, department_id__in=ids
            )
            if local_only:
                used = used.filter(region_id=OuterRef("department__region_id"))
                items = items.filter(department__region_id__in=districts)
            else:
                items = items.exclude(department__region_id__in=districts)
            rows = (
                items.annotate(used=Exists(used))
                .values("department_id")
                .annotate(total=Count("id"), covered=Count("id", filter=Q(used=True)))
                .order_by()
            )
            for row in rows:
                found[row["department_id"]].append((goal, row["covered"], row["total"]))
    return found


def _district_figures(regions: list[str], day: datetime.date) -> dict[str, list[Figure]]:
    """Per district: the four targets as the coverage page counts them for the district."""
    found: dict[str, list[Figure]] = defaultdict(list)
    operating = LegalPerson.objects.filter(status=LegalPersonStatus.ACTIVE, region_id__in=regions)
    for goal in (Goal.VOLUNTARY, Goal.REPAIR):
        covering = Commitment.objects.filter(
            in_force_q(day), kind__in=TARGET_KINDS[goal], legal_person_id=OuterRef("pk")
        )
        qs = operating
        if goal == Goal.REPAIR:
            qs = qs.filter(Exists(_black_listed(day).filter(legal_person_id=OuterRef("pk"))))
        rows = (
            qs.annotate(covered=Exists(covering))
            .values("region_id")
            .annotate(total=Count("id"), covered_n=Count("id", filter=Q(covered=True)))
            .order_by()
        )
        counts = {r["region_id"]: (r["covered_n"], r["total"]) for r in rows}
        for region in regions:
            found[region].append((goal, *counts.get(region, (0, 0))))
    for goal in ITEM_TARGETS:
        kinds = TARGET_KINDS[goal]
        total = CommitmentItem.objects.filter(kind__in=kinds, is_active=True).count()
        used = dict(
            Commitment.objects.filter(
                in_force_q(day),
                kind__in=kinds,
                region_id__in=regions,
                item__kind__in=kinds,
                item__is_active=True,
            )
            .values("region_id")
            .annotate(n=Count("item_id", distinct=True))
            .order_by()
            .values_list("region_id", "n")
        )
        for region in regions:
            found[region].append((goal, used.get(region, 0), total))
    return found


def _achievement(figures: list[Figure]) -> Decimal | None:
    """The mean, over the targets with something to cover, of coverage ÷ target ratio (at most
    1), × 100; None when no target has anything to cover."""
    shares = [
        min(Fraction(covered, total) / Fraction(str(TARGET_RATIOS[Goal(goal)])), Fraction(1))
        for goal, covered, total in figures
        if total
    ]
    if not shares:
        return None
    mean = sum(shares, Fraction(0)) / len(shares) * 100
    return (Decimal(mean.numerator) / Decimal(mean.denominator)).quantize(CENT)


def _figures(targets: list[Target], day: datetime.date) -> dict[Target, list[Figure]]:
    ids = [t.department_id for t in targets if not t.is_district]
    regions = [t.region_id for t in targets if t.is_district]
    by_department = _department_figures(ids, day) if ids else {}
    by_region = _district_figures(regions, day) if regions else {}
    order = {goal: i for i, goal in enumerate(TARGETS)}
    found = {}
    for t in targets:
        figures = (
            by_region.get(t.region_id) if t.is_district else by_department.get(t.department_id)
        )
        found[t] = sorted(figures or [], key=lambda f: order[f[0]])
    return found


def _figure_text(goal: str, covered: int, total: int) -> str:
    return f"{LABELS[goal]}{covered}/{total}"


def coverage_measure(targets: list[Target], span: Span) -> dict[Target, Measure]:
    day = cutoff(span)
    found = {}
    for target, figures in _figures(targets, day).items():
        value = _achievement(figures)
        counted = [f for f in figures if f[2]]
        text = (
            f"截至{day:%Y-%m-%d}，" + "；".join(_figure_text(*f) for f in counted) + "。"
            if counted
            else f"截至{day:%Y-%m-%d}，没有需要覆盖的信用承诺事项或主体。"
        )
        found[target] = Measure(
            value,
            sum(f[1] for f in counted) if counted else None,
            sum(f[2] for f in counted) if counted else None,
            text,
        )
    return found


def coverage_rows(target: Target, span: Span) -> tuple[list[str], Iterable[list]]:
    day = cutoff(span)
    headers = ["覆盖指标", "已覆盖", "应覆盖", "覆盖率（%）", "目标值（%）", "是否计入"]
    rows = []
    for goal, covered, total in _figures([target], day)[target]:
        rate = (Decimal(covered) * 100 / Decimal(total)).quantize(CENT) if total else ""
        goal_ratio = (Decimal(str(TARGET_RATIOS[Goal(goal)])) * 100).quantize(CENT)
        rows.append([LABELS[goal], covered, total, rate, goal_ratio, "是" if total else "否"])
    return headers, rows


# --------------------------------------------------------------------------------------------
# 数据归集接口调用
# --------------------------------------------------------------------------------------------


def _calls(span: Span):
    """Successful (2xx) calls of API clients in the span."""
    return CallLog.objects.filter(
        in_span("called_at", span), client_id__isnull=False, status__gte=200, status__lt=300
    )


def calls_measure(targets: list[Target], span: Span) -> dict[Target, Measure]:
    owners = members(targets)
    rows = (
        _calls(span)
        .filter(department_id__in=list(owners))
        .values("department_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    sums = spread(group(rows, ("n",)), targets, owners)
    found = {}
    for target in targets:
        (n,) = sums[target] or (0,)
        found[target] = Measure(Decimal(n), n, None, f"本期部门接口调用方成功调用数据接口{n}次。")
    return found


def calls_rows(target: Target, span: Span) -> tuple[list[str], Iterable[list]]:
    if target.is_district:
        ids = list(
            Department.objects.filter(region_id=target.region_id).values_list("pk", flat=True)
        )
    else:
        ids = [target.department_id]
    qs = (
        _calls(span)
        .filter(department_id__in=ids)
        .order_by("called_at", "id")
        .values_list("called_at", "client_id", "department_id", "method", "route", "status")
    )
    departments = {d.pk: str(d) for d in Department.objects.filter(pk__in=ids)}
    clients = dict(ApiClient.objects.values_list("pk", "name"))
    headers = ["调用时间", "接口调用方", "调用部门", "方法", "接口", "状态码"]
    return headers, (
        [
            local(called_at),
            clients.get(client_id, f"#{client_id}"),
            departments.get(department_id, ""),
            method,
            route,
            status,
        ]
        for called_at, client_id, department_id, method, route, status in qs.iterator()
    )
