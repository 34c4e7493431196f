"""Staff pages of credit reports (信用报告), one module per workflow: the application queue and
an application's two reviews (:mod:`.applications`), the template designer
(:mod:`.templates`), the service hall's entry (:mod:`.hall`) and the statistics
(:mod:`.stats`). What they share: the page renderer with the reports' own navigation and the
page size. Each page states its permission with :mod:`credit.core.access.decorators`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from credit.core.access import Perm, principal_of

PAGE_SIZE = 30


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """``render`` with the reports' navigation (what the user may open or do)."""
    p = principal_of(request.user)
    context["nav"] = {
        "enter": p.has_perm(Perm.REPORT_ENTER),
        "review": p.has_perm(Perm.REPORT_REVIEW),
        "design": p.has_perm(Perm.REPORT_TEMPLATE),
    }
    return render(request, template, context, status=status)
