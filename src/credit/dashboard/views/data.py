"""The panels' data: a dataset as JSON (``/dashboard/data/<code>.json``) or Excel, and the
map's values keyed by region code (``/dashboard/map.json``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.errors import CreditError
from credit.core.http import xlsx_download
from credit.core.models import Region
from credit.dashboard import datasets
from credit.dashboard.panels import MAP_METRICS


def _error(exc: CreditError) -> JsonResponse:
    return JsonResponse(
        {"code": exc.code, "message": exc.message, "details": exc.details}, status=exc.status
    )


def _run(request: HttpRequest, code: str) -> datasets.Result:
    return datasets.run(code, request.user, datasets.Filters.from_query(request.GET))


@require_GET
@perm_required(Perm.DASHBOARD_VIEW)
def data_json(request: HttpRequest, code: str) -> JsonResponse:
    try:
        result = _run(request, code)
    except CreditError as exc:
        return _error(exc)
    return JsonResponse(result.as_json(), json_dumps_params={"ensure_ascii": False})


@require_GET
@perm_required(Perm.DASHBOARD_VIEW)
def data_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    try:
        result = _run(request, code)
    except CreditError as exc:
        return _error(exc)
    keys = [k for k, _ in result.columns]
    return xlsx_download(
        f"{result.title}.xlsx",
        [
            (
                result.title,
                [label for _, label in result.columns],
                ([row.get(k) for k in keys] for row in result.rows),
            )
        ],
    )


@require_GET
@perm_required(Perm.DASHBOARD_VIEW)
def map_json(request: HttpRequest) -> JsonResponse:
    """``{"metric", "label", "regions": {code: {"name", "value", "link"}}, "names": {name: code}}``
    — the choropleth's values by region code; the page maps the shapes' names to codes."""
    metric = request.GET.get("metric") or "legal_persons"
    if metric not in MAP_METRICS:
        return JsonResponse(
            {"code": "validation_failed", "message": f"地图指标“{metric}”不存在", "details": {}},
            status=422,
        )
    try:
        result = _run(request, "district_overview")
    except CreditError as exc:
        return _error(exc)
    regions: dict[str, Any] = {
        row["_key"]: {"name": row["district"], "value": row[metric], "link": row["_link"]}
        for row in result.rows
    }
    names = dict(Region.objects.filter(parent__isnull=False).values_list("name", "code"))
    return JsonResponse(
        {
            "metric": metric,
            "label": MAP_METRICS[metric],
            "regions": regions,
            "names": names,
            "note": result.note,
        },
        json_dumps_params={"ensure_ascii": False},
    )
