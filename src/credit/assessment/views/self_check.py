"""A district's self-check (自评检查): the district's own rubric (copied from the city's, its
indicators the parameters the district configures), running the check for a period (its own
assessment of its departments and itself, :func:`credit.assessment.services.assessments.
run_self_check`), the list of its runs and one run's results and unit pages — the same
templates as the city's assessment. The city's credit office sees every district's runs.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from credit.assessment import selectors
from credit.assessment.constants import AssessmentStatus
from credit.assessment.forms import SelfCheckRunForm
from credit.assessment.models import Assessment
from credit.assessment.periods import period_text, previous_quarter
from credit.assessment.services import assessments as services
from credit.assessment.services import rubrics as rubric_services
from credit.assessment.views.assessments import (
    metric_rows_download,
    results_context,
    unit_context,
)
from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.forms import act, submit
from credit.core.http import found
from credit.core.models import Region

STATUS_LABELS = dict(AssessmentStatus.choices)


def _district_choices(actor: Any) -> list[tuple[str, str]] | None:
    if selectors.own_district(actor) is not None:
        return None
    return list(selectors.districts().values_list("code", "name"))


def _render(request: HttpRequest, form: SelfCheckRunForm, *, status: int = 200) -> HttpResponse:
    actor = request.user
    district = selectors.own_district(actor)
    year = timezone.localdate().year
    own_rubric = rubric_services.rubric_for(year, district) if district else None
    city_rubric = rubric_services.rubric_for(year, None)
    runs = (
        selectors.assessments_for(actor)
        .filter(owner_region__isnull=False)
        .select_related("owner_region", "rubric")
        .order_by("-start", "owner_region_id")
    )
    if district is not None:
        runs = runs.filter(owner_region=district)
    return render(
        request,
        "assessment/self_check.html",
        {
            "district": district,
            "year": year,
            "own_rubric": own_rubric,
            "city_rubric": city_rubric,
            "form": form,
            "runs": [
                {
                    "assessment": a,
                    "name": period_text(a.period),
                    "status_label": STATUS_LABELS.get(a.status, a.status),
                    "url": reverse("assessment:self_check_run", args=[a.pk]),
                }
                for a in runs
            ],
        },
        status=status,
    )


@perm_required(Perm.ASSESSMENT_MANAGE)
def self_check(request: HttpRequest) -> HttpResponse:
    """The district's rubric, the form to run a check and the runs (POST: run)."""
    form = SelfCheckRunForm(
        request.POST or None,
        regions=_district_choices(request.user),
        initial={"period": previous_quarter(timezone.localdate())},
    )

    def run(d: dict[str, Any]) -> Assessment:
        region = selectors.own_district(request.user) or Region.objects.get(pk=d["region"])
        return services.run_self_check(actor=request.user, region=region, period=d["period"])

    done = submit(
        request,
        form,
        run,
        done=lambda a: reverse("assessment:self_check_run", args=[a.pk]),
        message=lambda a: f"已完成{a.owner_region.name}{period_text(a.period)}自评检查",
        errors={"invalid_period": "period"},
        with_code=False,
    )
    if done is not None:
        return done
    return _render(request, form, status=400 if request.method == "POST" else 200)


@perm_required(Perm.ASSESSMENT_MANAGE)
@require_POST
def rubric_copy(request: HttpRequest) -> HttpResponse:
    """Copy the city's rubric of this year as the district's own, then open it."""
    return act(
        request,
        lambda: rubric_services.copy_for_own_district(
            actor=request.user, year=timezone.localdate().year
        ),
        done=lambda r: reverse("assessment:rubric", args=[r.pk]),
        message="已复制全市考核细则为本辖区的自评检查细则，可修改其指标参数",
        refused=reverse("assessment:self_check"),
    )


def _run(request: HttpRequest, pk: int) -> Assessment:
    a = found(selectors.assessment_for(request.user, pk))
    if a.owner_region_id is None:
        raise Http404
    return a


@perm_required(Perm.ASSESSMENT_MANAGE)
def self_check_run(request: HttpRequest, pk: int) -> HttpResponse:
    """One run's results (the results template of the city's assessment)."""
    a = _run(request, pk)
    context = results_context(request, a)
    context["rerun_url"] = reverse("assessment:self_check")
    return render(request, "assessment/results.html", context)


@perm_required(Perm.ASSESSMENT_MANAGE)
def self_check_unit(request: HttpRequest, pk: int, unit_id: int) -> HttpResponse:
    """One unit of a run (the unit template of the city's assessment)."""
    a = _run(request, pk)
    u = found(selectors.unit_for(request.user, a, unit_id))
    return render(request, "assessment/unit.html", unit_context(request, a, u))


@perm_required(Perm.ASSESSMENT_MANAGE)
def self_check_rows(request: HttpRequest, pk: int, unit_id: int, metric: str) -> HttpResponse:
    """The rows behind one metric of one unit of a run, as Excel (an audited read)."""
    a = _run(request, pk)
    u = found(selectors.unit_for(request.user, a, unit_id))
    return metric_rows_download(request, a, u, metric)


urls = [
    path("self-check/", self_check, name="self_check"),
    path("self-check/rubric/", rubric_copy, name="self_check_rubric"),
    path("self-check/<id:pk>/", self_check_run, name="self_check_run"),
    path("self-check/<id:pk>/units/<id:unit_id>/", self_check_unit, name="self_check_unit"),
    path(
        "self-check/<id:pk>/units/<id:unit_id>/rows/<str:metric>/",
        self_check_rows,
        name="self_check_rows",
    ),
]
