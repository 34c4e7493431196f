"""The portal's 考核公示 column (``/portal/assessment/``, namespace ``assessment_portal``):
the city's assessments published with the visibility 向社会公示, and for each the two
rankings (departments, districts) with their final scores — no detail, no self-scores, no
evidence. An assessment not published to the public does not exist here (404)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import re_path

from credit.assessment import selectors
from credit.assessment.constants import UnitKind
from credit.assessment.periods import PeriodError, parse_period, period_code, period_text

NAV = "assessment"
KIND_LABELS = {UnitKind.DEPARTMENT: "市级部门", UnitKind.DISTRICT: "辖市区"}


def index(request: HttpRequest) -> HttpResponse:
    """The published assessments, newest first."""
    rows = [
        {"assessment": a, "name": period_text(a.period)}
        for a in selectors.public_assessments()[:100]
    ]
    return render(request, "assessment/public_index.html", {"nav": NAV, "rows": rows})


def results(request: HttpRequest, period: str) -> HttpResponse:
    """One published assessment: the two rankings by final score."""
    try:
        code = period_code(parse_period(period))
    except PeriodError as exc:
        raise Http404(str(exc)) from exc
    assessment = selectors.public_assessments().filter(period=code).first()
    if assessment is None:
        raise Http404("该期考核结果未向社会公示")
    rankings = []
    for kind in (UnitKind.DEPARTMENT, UnitKind.DISTRICT):
        units = selectors.ranking(assessment, kind)
        if not units:
            continue
        rankings.append(
            {
                "kind": kind,
                "label": KIND_LABELS[kind],
                "units": units,
                "id": f"chart-{kind}",
                "chart": {
                    "unit": "分",
                    "categories": [u.name for u in units],
                    "series": [
                        {
                            "name": "最终得分",
                            "data": [
                                float(u.final_score) if u.final_score is not None else None
                                for u in units
                            ],
                        }
                    ],
                    "empty_text": f"本期考核没有{KIND_LABELS[kind]}",
                },
            }
        )
    return render(
        request,
        "assessment/public_results.html",
        {
            "nav": NAV,
            "assessment": assessment,
            "name": period_text(assessment.period),
            "rankings": rankings,
        },
    )


urls = [
    re_path(r"^$", index, name="index"),
    re_path(r"^(?P<period>[0-9]{4}(?:Q[1-4])?)/$", results, name="results"),
]
