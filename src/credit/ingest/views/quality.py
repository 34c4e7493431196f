"""The data-quality pages (D6, 数据质量): the credit office's ranking of departments and one
department's own quality page — open to the department's own officers — with its problems
ranked and what to do about each (:mod:`credit.ingest.quality`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from credit.core.access import Perm, principal_of
from credit.core.access.decorators import perm_required
from credit.core.http import found
from credit.core.models import Department
from credit.ingest import selectors
from credit.ingest.quality import department_quality, problems, ranking
from credit.ingest.taxonomy import problem_label


def _days(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("days", 90)), 3650))
    except ValueError:
        return 90


@perm_required(Perm.RECORD_REVIEW)
def quality_ranking(request: HttpRequest) -> HttpResponse:
    """The credit office's ranking of departments by data quality (D6)."""
    days = _days(request)
    rows = ranking(selectors.quality_batches(request.user, days=days))
    names = Department.objects.in_bulk([r["department_id"] for r in rows])
    for r in rows:
        r["department"] = names[r["department_id"]]
        r["problems"] = [
            {"code": c, "label": problem_label(c), "rows": n}
            for c, n in list(r["errors_by_code"].items())[:3]
        ]
    scored = [r for r in rows if r["score"] is not None]
    chart = {
        "unit": "分",
        "categories": [r["department"].short_name or r["department"].name for r in scored],
        "series": [{"name": "综合得分", "data": [r["score"] for r in scored]}],
        "links": [
            f"{reverse('ingest:quality_department', args=[r['department'].code])}?days={days}"
            for r in scored
        ],
        "empty_text": "统计期内没有已完成的报送批次",
    }
    return render(
        request, "ingest/quality_ranking.html", {"rows": rows, "days": days, "chart": chart}
    )


@perm_required(Perm.RECORD_VIEW)
def quality_department(request: HttpRequest, code: str) -> HttpResponse:
    """One department's own data quality: its rates over the period, its problems ranked by
    the rejected rows they cost with what to do about each and an example row
    (:func:`credit.ingest.quality.problems`), and its batches. A department outside the
    user's tenant is not found (404): an officer sees its own department only."""
    days = _days(request)
    department = found(selectors.department_visible(request.user, code))
    batches = selectors.quality_batches(request.user, days=days).filter(department=department)
    return render(
        request,
        "ingest/quality_department.html",
        {
            "department": department,
            "days": days,
            "summary": department_quality(batches),
            "problems": problems(batches),
            "batches": batches.order_by("-created_at")[:100],
            "sees_ranking": principal_of(request.user).has_perm(Perm.RECORD_REVIEW),
        },
    )
