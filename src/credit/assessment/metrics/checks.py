"""Joint reward and punishment metrics (联合奖惩): the feedback (措施实施反馈) on checks that found
list entries, by the checking department (:attr:`~credit.sanctions.models.Check.department`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Exists, OuterRef, Q

from credit.alerts.periods import Span
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
    yes,
)
from credit.core.masking import mask_name
from credit.sanctions.models import Check, CheckFeedback


def _hits(span: Span):
    """Checks of the span that found list entries, with whether any feedback was given."""
    return Check.objects.filter(in_span("checked_at", span), result=Check.Result.HIT).annotate(
        answered=Exists(CheckFeedback.objects.filter(check_ref=OuterRef("pk")))
    )


def feedback_measure(targets: list[Target], span: Span) -> dict[Target, Measure]:
    owners = members(targets)
    rows = (
        _hits(span)
        .filter(department_id__in=list(owners))
        .values("department_id")
        .annotate(total=Count("id"), answered_n=Count("id", filter=Q(answered=True)))
        .order_by()
    )
    sums = spread(group(rows, ("total", "answered_n")), targets, owners)
    found = {}
    for target in targets:
        total, answered = sums[target] or (0, 0)
        found[target] = ratio_measure(
            answered,
            total,
            f"本期核查发现名单信息{total}次，其中{answered}次反馈了措施实施情况。",
        )
    return found


def feedback_rows(target: Target, span: Span) -> tuple[list[str], Iterable[list]]:
    qs = (
        _hits(span)
        .filter(department_q(target))
        .annotate(feedback_n=Count("feedback"))
        .select_related("department")
        .order_by("checked_at", "id")
    )
    headers = ["核查编号", "核查部门", "核查时间", "主体名称", "核查事由", "是否反馈", "反馈条数"]
    return headers, (
        [
            c.number,
            str(c.department),
            local(c.checked_at),
            mask_name(c.subject_name) if c.natural_person_id else c.subject_name,
            c.reason,
            yes(c.answered),
            c.feedback_n,
        ]
        for c in qs.iterator()
    )
