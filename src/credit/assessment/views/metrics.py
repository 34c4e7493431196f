"""The definitions of the platform's monitoring metrics (监测指标): the list (code, name,
unit, definition, the indicators that use each) and one page per metric, so a unit can see
exactly what was counted (:mod:`credit.assessment.metrics`)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from credit.assessment import metrics, selectors
from credit.assessment.models import Indicator
from credit.core.access import Perm
from credit.core.access.decorators import perm_required


def _row(metric: metrics.Metric, used: list[Indicator]) -> dict[str, Any]:
    return {
        "metric": metric,
        "direction": "越高越好" if metric.higher_is_better else "越低越好",
        "used_by": used,
    }


@perm_required(Perm.ASSESSMENT_VIEW)
def metric_list(request: HttpRequest) -> HttpResponse:
    """Every metric with its definition and the indicators that use it."""
    codes = list(metrics.METRICS)
    used = selectors.indicators_using(codes)
    rows = [_row(m, used.get(code, [])) for code, m in metrics.METRICS.items()]
    return render(request, "assessment/metrics.html", {"rows": rows})


@perm_required(Perm.ASSESSMENT_VIEW)
def metric_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One metric: what it counts and what it excludes, and where it is used."""
    try:
        metric = metrics.get(code)
    except KeyError as exc:
        raise Http404("没有这个监测指标") from exc
    row = _row(metric, selectors.indicators_using([code]).get(code, []))
    return render(request, "assessment/metric.html", row)


urls = [
    path("metrics/", metric_list, name="metrics"),
    path("metrics/<str:code>/", metric_detail, name="metric"),
]
