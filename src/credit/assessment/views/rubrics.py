"""The rubric pages (考核细则): the versions by year and owner (the city's, a district's
self-check's), one version as a tree (points, how each indicator is scored — its metric and
formula in words —, the monitoring point and the criteria) with the assessments that used it;
for a manager, copying a version (a new version of its year, or of another year) and editing
an indicator of a version no assessment has used (the formula checked, the refusal shown).

Writes go through :mod:`credit.assessment.services.rubrics`; the scope rule is
:func:`credit.assessment.selectors.may_manage`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from credit.assessment import metrics, selectors
from credit.assessment.constants import AppliesTo, IndicatorKind, Method
from credit.assessment.forms import CopyForm, IndicatorForm
from credit.assessment.models import Indicator, Rubric
from credit.assessment.periods import period_text
from credit.assessment.services import rubrics as services
from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.forms import FilterForm, submit
from credit.core.http import found

KIND_LABELS = dict(IndicatorKind.choices)
METHOD_LABELS = dict(Method.choices)
APPLIES_LABELS = dict(AppliesTo.choices)


def _n(value: Any) -> str:
    """A number as people write it: 3, 2.5, 0.8 (no trailing zeros)."""
    d = Decimal(str(value))
    text = format(d.normalize(), "f")
    return text


def formula_text(formula: dict, *, points: Decimal, kind: str) -> str:
    """The formula of an indicator in words (Chinese), e.g. 按监测值比例计分：达到100时得满分."""
    if not formula:
        return ""
    t = formula.get("type")
    deduction = kind == IndicatorKind.DEDUCTION
    verb = "扣" if deduction else "得"
    if t == "ratio":
        full = formula.get("full_at", 100)
        text = f"按监测值比例计分：监测值达到{_n(full)}时{verb}{_n(points)}分，不足按比例"
        if formula.get("floor"):
            text += f"；低于{_n(formula['floor'])}时{'不扣分' if deduction else '得0分'}"
    elif t == "thresholds":
        steps = "；".join(f"≥{_n(v)} {verb}{_n(p)}分" for v, p in formula.get("steps", []))
        text = f"分档计分：{steps}；其余{'不扣分' if deduction else '得0分'}"
    elif t == "rank":
        bands = "；".join(
            f"排名前{_n(Decimal(str(share)) * 100)}% {verb}{_n(Decimal(str(frac)) * points)}分"
            for share, frac in formula.get("bands", [])
        )
        text = f"按同类单位排名计分：{bands}"
    elif t == "per_count":
        text = f"按件计分：每件{verb}{_n(formula.get('each', 0))}分，最多{_n(points)}分"
    else:
        return str(formula)
    when_none = formula.get("when_none")
    if when_none == "max":
        text += f"；无可监测数据时{'不扣分' if deduction else '得满分'}"
    elif when_none == "zero":
        text += "；无可监测数据时得0分" if not deduction else "；无可监测数据时不扣分"
    return text


def forbidden(request: HttpRequest) -> HttpResponse:
    """The 403 page of a manager outside the rubric's scope (a district's administrator on
    the city's rubric): the city's rubric is the credit office's."""
    return render(
        request,
        "403.html",
        {
            "perm_label": "组织绩效考核（本范围的考核细则）",
            "perm": Perm.ASSESSMENT_MANAGE,
            "reason": "全市考核细则由市信用办维护；辖市区可在“自评检查”中复制后修改本辖区的细则。",
        },
        status=403,
    )


class RubricFilterForm(FilterForm):
    """Filters of the rubric list (GET): year and owner."""

    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    owner = forms.ChoiceField(
        label="适用范围",
        required=False,
        choices=[("", "全部"), ("city", "全市考核"), ("district", "辖市区自评检查")],
    )


@perm_required(Perm.ASSESSMENT_VIEW)
def rubric_list(request: HttpRequest) -> HttpResponse:
    """The rubric versions the reader sees, newest year and version first."""
    form = RubricFilterForm(request.GET or None)
    f = form.filters()
    qs = selectors.rubrics_for(request.user)
    if "year" in f:
        qs = qs.filter(year=f["year"])
    if f.get("owner") == "city":
        qs = qs.filter(owner_region__isnull=True)
    elif f.get("owner") == "district":
        qs = qs.filter(owner_region__isnull=False)
    rubrics = list(
        qs.annotate(
            indicator_count=Count("indicators", distinct=True),
            used=Count("assessments", distinct=True),
        ).order_by("-year", "owner_region_id", "-version")
    )
    return render(
        request,
        "assessment/rubrics.html",
        {"rubrics": rubrics, "form": form, "filtered": bool(f)},
    )


def _tree(rubric: Rubric) -> list[dict[str, Any]]:
    """The rubric's indicators in tree order, each with its depth and formula in words."""
    indicators = list(rubric.indicators.order_by("sort_order", "id"))
    children: dict[int | None, list[Indicator]] = {}
    for i in indicators:
        children.setdefault(i.parent_id, []).append(i)
    names = metrics.METRICS
    rows: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for i in children.get(parent, []):
            rows.append(
                {
                    "indicator": i,
                    "depth": depth,
                    "kind_label": KIND_LABELS.get(i.kind, i.kind),
                    "method_label": METHOD_LABELS.get(i.method, i.method),
                    "applies_label": APPLIES_LABELS.get(i.applies_to, i.applies_to),
                    "metric_name": names[i.metric].name if i.metric in names else i.metric,
                    "formula_text": formula_text(i.formula or {}, points=i.points, kind=i.kind),
                    "is_section": i.kind == IndicatorKind.SECTION,
                }
            )
            walk(i.pk, depth + 1)

    walk(None, 0)
    return rows


def _rubric(request: HttpRequest, pk: int) -> Rubric:
    return found(selectors.rubrics_for(request.user).filter(pk=pk).first())


def _render_rubric(
    request: HttpRequest, rubric: Rubric, copy_form: CopyForm | None = None, *, status: int = 200
) -> HttpResponse:
    manager = selectors.may_manage(request.user, rubric.owner_region_id)
    used = list(rubric.assessments.order_by("-start"))
    rows = _tree(rubric)
    total = sum((r["indicator"].points for r in rows if r["depth"] == 0), Decimal(0))
    return render(
        request,
        "assessment/rubric.html",
        {
            "rubric": rubric,
            "rows": rows,
            "total": total,
            "used": [
                {
                    "assessment": a,
                    "name": period_text(a.period),
                    "url": reverse("assessment:self_check_run", args=[a.pk])
                    if a.owner_region_id
                    else reverse("assessment:results", args=[a.period]),
                }
                for a in used
            ],
            "editable": manager and not used,
            "manager": manager,
            "copy_form": copy_form or (CopyForm() if manager else None),
        },
        status=status,
    )


@perm_required(Perm.ASSESSMENT_VIEW)
def rubric_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One rubric version as a tree, with the assessments that used it."""
    return _render_rubric(request, _rubric(request, pk))


@perm_required(Perm.ASSESSMENT_MANAGE)
@require_POST
def rubric_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """Copy the rubric to a new version (of its year or of another), then open the copy."""
    rubric = _rubric(request, pk)
    if not selectors.may_manage(request.user, rubric.owner_region_id):
        return forbidden(request)
    form = CopyForm(request.POST)
    done = submit(
        request,
        form,
        lambda d: services.copy_rubric(
            actor=request.user,
            rubric=rubric,
            year=d.get("year"),
            owner_region=rubric.owner_region,
        ),
        done=lambda new: reverse("assessment:rubric", args=[new.pk]),
        message=lambda new: f"已复制为{new.year}年第{new.version}版，可修改其指标",
        errors={"invalid_year": "year"},
        with_code=False,
    )
    return done if done is not None else _render_rubric(request, rubric, form, status=400)


@perm_required(Perm.ASSESSMENT_MANAGE)
def indicator_edit(request: HttpRequest, pk: int, indicator_id: int) -> HttpResponse:
    """Edit one indicator of a rubric no assessment has used (refused otherwise)."""
    rubric = _rubric(request, pk)
    if not selectors.may_manage(request.user, rubric.owner_region_id):
        return forbidden(request)
    indicator = found(rubric.indicators.filter(pk=indicator_id).first())
    form = IndicatorForm(
        request.POST or None, indicator=indicator, metric_choices=metrics.choices()
    )
    done = submit(
        request,
        form,
        lambda d: services.update_indicator(
            actor=request.user, indicator=indicator, **form.changes()
        ),
        done=reverse("assessment:rubric", args=[rubric.pk]),
        message=f"已修改指标“{indicator.code} {indicator.name}”",
        errors={"invalid_formula": "formula", "invalid_points": "points"},
        with_code=False,
    )
    if done is not None:
        return done
    used = rubric.assessments.exists()
    return render(
        request,
        "assessment/indicator_edit.html",
        {
            "rubric": rubric,
            "indicator": indicator,
            "form": form,
            "used": used,
            "kind_label": KIND_LABELS.get(indicator.kind, indicator.kind),
            "metrics": [(code, m.name, m.unit) for code, m in metrics.METRICS.items()],
        },
        status=400 if request.method == "POST" else 200,
    )


urls = [
    path("rubrics/", rubric_list, name="rubrics"),
    path("rubrics/<id:pk>/", rubric_detail, name="rubric"),
    path("rubrics/<id:pk>/copy/", rubric_copy, name="rubric_copy"),
    path("rubrics/<id:pk>/indicators/<id:indicator_id>/", indicator_edit, name="indicator_edit"),
]
