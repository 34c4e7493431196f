"""The 一张图 pages: the staff page (``/dashboard/``) and the wall screen (``/dashboard/screen/``),
the same panels with the same filters (district, department, item, period)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from credit.catalog.models import CatalogItem
from credit.core.access import Perm, principal_of
from credit.core.access.decorators import perm_required
from credit.core.errors import CreditError
from credit.core.models import Department, Region
from credit.dashboard import facts
from credit.dashboard.datasets import Filters, effective_filters
from credit.dashboard.layout import panels_for
from credit.dashboard.panels import MAP_METRICS


def _context(request: HttpRequest) -> dict[str, Any]:
    principal = principal_of(request.user)
    error = ""
    try:
        filters = effective_filters(principal, Filters.from_query(request.GET))
    except CreditError as exc:
        error, filters = exc.message, effective_filters(principal, Filters())
    regions = Region.objects.order_by("code")
    departments = Department.objects.filter(is_active=True).order_by("region_id", "code")
    if not principal.city_wide:
        departments = departments.filter(principal.tenant_q(region="region_id", department="pk"))
        regions = regions.filter(code=filters.region) if filters.region else regions.none()
    region = Region.objects.filter(code=filters.region).first() if filters.region else None
    snap = facts.snapshot()
    return {
        "filters": filters,
        "query": filters.as_query(),
        "query_string": urlencode(filters.as_query()),
        "filter_error": error,
        "regions": regions,
        "departments": departments,
        "items": CatalogItem.objects.filter(is_active=True).order_by("sort_order", "code"),
        "region": region,
        "panels": panels_for(request.user),
        "map_metrics": MAP_METRICS,
        "snapshot": snap,
        "refresh_minutes": facts.REFRESH_MINUTES,
        "pinned_region": not principal.city_wide and principal.departments is None,
    }


@require_GET
@perm_required(Perm.DASHBOARD_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/index.html", _context(request))


@require_GET
@perm_required(Perm.DASHBOARD_VIEW)
def screen(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/screen.html", _context(request))
