"""Objection metrics (异议处理): verification on time and objections left unverified past their
deadline, by the department the objection was assigned to for verification
(:attr:`~credit.objections.models.Objection.department`)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate

from credit.alerts.periods import Span
from credit.assessment.metrics.base import (
    Measure,
    Target,
    cutoff,
    department_q,
    group,
    in_span,
    local,
    members,
    ratio_measure,
    spread,
    yes,
)
from credit.objections.constants import OPEN
from credit.objections.models import Objection


def _verified(span: Span):
    """Objections verified in the span that had a verification deadline."""
    return Objection.objects.filter(
        in_span("verified_at", span), verify_due__isnull=False
    ).annotate(verified_on=TruncDate("verified_at"))


def verification_measure(targets: list[Target], span: Span) -> dict[Target, Measure]:
    owners = members(targets)
    rows = (
        _verified(span)
        .filter(department_id__in=list(owners))
        .values("department_id")
        .annotate(
            total=Count("id"), on_time=Count("id", filter=Q(verified_on__lte=F("verify_due")))
        )
        .order_by()
    )
    sums = spread(group(rows, ("total", "on_time")), targets, owners)
    found = {}
    for target in targets:
        total, on_time = sums[target] or (0, 0)
        found[target] = ratio_measure(
            on_time, total, f"本期完成核实的异议共{total}件，其中{on_time}件在核实期限内完成。"
        )
    return found


def verification_rows(target: Target, span: Span) -> tuple[list[str], Iterable[list]]:
    qs = (
        _verified(span)
        .filter(department_q(target))
        .select_related("department")
        .order_by("verified_at", "id")
    )
    headers = ["受理编号", "核实部门", "核实期限", "核实时间", "是否按期"]
    return headers, (
        [
            o.number,
            str(o.department),
            o.verify_due.isoformat(),
            local(o.verified_at),
            yes(o.verified_on <= o.verify_due),
        ]
        for o in qs.iterator()
    )


def _overdue(span: Span):
    """Objections still open and not verified whose verification deadline had passed on the
    span's last day (today when earlier)."""
    return Objection.objects.filter(
        status__in=sorted(OPEN), verified_at__isnull=True, verify_due__lt=cutoff(span)
    )


def overdue_measure(targets: list[Target], span: Span) -> dict[Target, Measure]:
    owners = members(targets)
    rows = (
        _overdue(span)
        .filter(department_id__in=list(owners))
        .values("department_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    sums = spread(group(rows, ("n",)), targets, owners)
    day = cutoff(span)
    found = {}
    for target in targets:
        (n,) = sums[target] or (0,)
        found[target] = Measure(
            Decimal(n),
            n,
            None,
            f"截至{day.year}年{day.month}月{day.day}日，超过核实期限仍未核实的异议{n}件。",
        )
    return found


def overdue_rows(target: Target, span: Span) -> tuple[list[str], Iterable[list]]:
    day = cutoff(span)
    qs = _overdue(span).filter(department_q(target)).select_related("department")
    headers = ["受理编号", "核实部门", "状态", "核实期限", "超期天数"]
    return headers, (
        [
            o.number,
            str(o.department),
            o.get_status_display(),
            o.verify_due.isoformat(),
            (day - o.verify_due).days,
        ]
        for o in qs.order_by("verify_due", "id").iterator()
    )
