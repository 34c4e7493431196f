"""The data-quality pages (D6, 数据质量): the credit office's ranking of departments and one
department's own quality history (:mod:`credit.ingest.quality`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.http import found
from credit.core.models import Department
from credit.ingest import selectors
from credit.ingest.quality import department_quality, ranking


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
    return render(request, "ingest/quality_ranking.html", {"rows": rows, "days": days})


@perm_required(Perm.RECORD_VIEW)
def quality_department(request: HttpRequest, code: str) -> HttpResponse:
    """One department's own quality history and its batches with problem rows."""
    days = _days(request)
    batches = selectors.quality_batches(request.user, days=days).filter(department__code=code)
    department = found(selectors.department_visible(request.user, code))
    return render(
        request,
        "ingest/quality_department.html",
        {
            "department": department,
            "days": days,
            "summary": department_quality(batches),
            "batches": batches.order_by("-created_at")[:100],
        },
    )
