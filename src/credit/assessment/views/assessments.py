"""The staff pages of an assessment (考核): the list with the form that opens one, the results
of a period (status steps, counts, the two rankings as charts with their tables, the
manager's buttons), the Excel export, one unit's page (the rubric tree with its points and
what cost it points, facts, criteria, evidence, the rows behind each metric), the unit's
self-score form (自评) and the credit office's review (评审).

Reads go through :mod:`credit.assessment.selectors` (a unit or an assessment the reader may
not see is "not found"), writes through :mod:`credit.assessment.services.assessments`.
Exports, the rows behind a metric and evidence downloads are audited reads. The results
and unit pages are shared with a district's self-check (:mod:`.self_check`), which passes
its own addresses.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, re_path, reverse
from django.views.decorators.http import require_POST

from credit.assessment import metrics, selectors
from credit.assessment.constants import (
    AssessmentStatus,
    IndicatorKind,
    Method,
    UnitKind,
    UnitStatus,
    Visibility,
)
from credit.assessment.forms import (
    AssessmentFilterForm,
    OpenForm,
    PublishForm,
    ReviewForm,
    SelfScoreForm,
)
from credit.assessment.models import Assessment, Unit
from credit.assessment.periods import PeriodError, parse_period, period_code, period_text
from credit.assessment.services import assessments as services
from credit.core import audit
from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.errors import CreditError
from credit.core.forms import act, add_service_error, submit
from credit.core.http import download_response, found, stamp, xlsx_download

#: A period in an address: a year (2026) or a quarter (2026Q4).
PERIOD = r"(?P<period>[0-9]{4}(?:Q[1-4])?)"
STATUS_LABELS = dict(AssessmentStatus.choices)
VISIBILITY_LABELS = dict(Visibility.choices)
UNIT_STATUS_LABELS = dict(UnitStatus.choices)
KIND_LABELS = {UnitKind.DEPARTMENT: "市级部门", UnitKind.DISTRICT: "辖市区"}
#: The steps of an assessment, in order.
STEPS = [AssessmentStatus.OPEN, AssessmentStatus.REVIEWING, AssessmentStatus.PUBLISHED]
#: How many of the largest lost points the unit page lists first.
TOP_LOST = 5
EXPORT_HEADERS = ["排名", "单位", "类型", "部门编码", "区划", "自动得分", "自评得分", "最终得分",
                  "状态"]  # fmt: skip


def _assessment(request: HttpRequest, period: str) -> Assessment:
    """The city's assessment of ``period`` the reader may see, else 404."""
    try:
        code = period_code(parse_period(period))
    except PeriodError as exc:
        raise Http404(str(exc)) from exc
    return found(selectors.assessment_by_period(request.user, code))


# --------------------------------------------------------------------------------------------
# Addresses: the city's assessment pages, or a district's self-check pages
# --------------------------------------------------------------------------------------------


class Links:
    """The addresses of one assessment's pages: by period for the city's assessment, by id
    for a district's self-check (whose units are read, not self-scored)."""

    def __init__(self, assessment: Assessment) -> None:
        self.assessment = assessment
        self.self_check = assessment.owner_region_id is not None

    def results(self) -> str:
        if self.self_check:
            return reverse("assessment:self_check_run", args=[self.assessment.pk])
        return reverse("assessment:results", args=[self.assessment.period])

    def unit(self, unit: Unit) -> str:
        if self.self_check:
            return reverse("assessment:self_check_unit", args=[self.assessment.pk, unit.pk])
        return reverse("assessment:unit", args=[self.assessment.period, unit.pk])

    def rows(self, unit: Unit, metric: str) -> str:
        if self.self_check:
            return reverse("assessment:self_check_rows", args=[self.assessment.pk, unit.pk, metric])
        return reverse("assessment:metric_rows", args=[self.assessment.period, unit.pk, metric])

    def action(self, name: str) -> str:
        return reverse(f"assessment:{name}", args=[self.assessment.period])


# --------------------------------------------------------------------------------------------
# The list and opening an assessment
# --------------------------------------------------------------------------------------------


def _index(request: HttpRequest, open_form: OpenForm | None = None, *, status: int = 200):
    form = AssessmentFilterForm(request.GET or None)
    f = form.filters()
    qs = selectors.assessments_for(request.user).filter(owner_region__isnull=True)
    if "year" in f:
        qs = qs.filter(start__year=f["year"])
    if "status" in f:
        qs = qs.filter(status=f["status"])
    rows = [
        {
            "assessment": a,
            "name": period_text(a.period),
            "status_label": STATUS_LABELS.get(a.status, a.status),
            "visibility_label": VISIBILITY_LABELS.get(a.visibility, a.visibility),
        }
        for a in qs.select_related("rubric").annotate(unit_count=Count("units"))
    ]
    may_open = selectors.may_manage(request.user, None)
    return render(
        request,
        "assessment/index.html",
        {
            "rows": rows,
            "form": form,
            "filtered": bool(f),
            "may_open": may_open,
            "open_form": open_form or (OpenForm() if may_open else None),
        },
        status=status,
    )


@perm_required(Perm.ASSESSMENT_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    """The city's assessments the reader sees, newest first; a manager's form to open one."""
    return _index(request)


@perm_required(Perm.ASSESSMENT_MANAGE)
@require_POST
def open_assessment(request: HttpRequest) -> HttpResponse:
    """Open the city's assessment of a period (computed at once); a refusal on the form."""
    form = OpenForm(request.POST)
    done = submit(
        request,
        form,
        lambda d: services.open_assessment(
            actor=request.user,
            period=d["period"],
            visibility=d["visibility"],
            self_due=d.get("self_due"),
        ),
        done=lambda a: reverse("assessment:results", args=[a.period]),
        message=lambda a: (
            f"已发起{period_text(a.period)}考核：{a.units.count()}个单位，自动指标已计算"
        ),
        errors={"assessment_exists": "period", "invalid_period": "period"},
        with_code=False,
    )
    return done if done is not None else _index(request, form, status=400)


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


def _steps(assessment: Assessment) -> list[dict[str, Any]]:
    reached = STEPS.index(assessment.status) if assessment.status in STEPS else 0
    return [
        {
            "label": STATUS_LABELS[s],
            "state": "done" if n < reached else "current" if n == reached else "todo",
        }
        for n, s in enumerate(STEPS)
    ]


def _shown_score(unit: Unit) -> Decimal | None:
    """The unit's score as it stands: final once reviewed, else self, else automatic."""
    for value in (unit.final_score, unit.self_score, unit.auto_score):
        if value is not None:
            return value
    return None


def _float(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _ranking_block(
    assessment: Assessment, kind: str, units: list[Unit], links: Links, readable: set[int]
) -> dict[str, Any]:
    label = KIND_LABELS[kind]
    rows = [
        {
            "unit": u,
            "status_label": UNIT_STATUS_LABELS.get(u.status, u.status),
            "url": links.unit(u) if u.pk in readable else "",
        }
        for u in units
    ]
    chart = {
        "unit": "分",
        "categories": [u.name for u in units],
        "series": [{"name": "得分", "data": [_float(_shown_score(u)) for u in units]}],
        "links": [r["url"] for r in rows],
        "empty_text": f"本期考核没有{label}",
    }
    return {"kind": kind, "label": label, "rows": rows, "chart": chart, "id": f"chart-{kind}"}


def results_context(request: HttpRequest, assessment: Assessment) -> dict[str, Any]:
    """What the results template shows, for the city's assessment or a self-check."""
    actor = request.user
    links = Links(assessment)
    manager = selectors.may_manage(actor, assessment)
    visible = selectors.ranking_visible(actor, assessment)
    own = list(selectors.units_for(actor, assessment))
    readable = {u.pk for u in own}
    rankings, all_units = [], []
    if visible:
        for kind in (UnitKind.DEPARTMENT, UnitKind.DISTRICT):
            units = list(selectors.ranking(assessment, kind))
            all_units += units
            if units or kind == UnitKind.DEPARTMENT:
                rankings.append(_ranking_block(assessment, kind, units, links, readable))
    counted = all_units if visible else own
    counts = Counter(u.status for u in counted)
    return {
        "assessment": assessment,
        "name": period_text(assessment.period),
        "status_label": STATUS_LABELS.get(assessment.status, assessment.status),
        "steps": _steps(assessment),
        "counts": [
            {"label": label, "count": counts.get(value, 0), "status": value}
            for value, label in UnitStatus.choices
        ],
        "total": len(counted),
        "manager": manager,
        "ranking_visible": visible,
        "rankings": rankings,
        "own": [
            {
                "unit": u,
                "status_label": UNIT_STATUS_LABELS.get(u.status, u.status),
                "url": links.unit(u),
                "score": _shown_score(u),
            }
            for u in own
        ]
        if not visible
        else [],
        "links": links,
        "self_check": links.self_check,
        "publish_form": PublishForm(initial={"visibility": assessment.visibility})
        if manager and assessment.status == AssessmentStatus.REVIEWING
        else None,
        "visibility_label": VISIBILITY_LABELS.get(assessment.visibility, ""),
        "reviewing": assessment.status == AssessmentStatus.REVIEWING,
        "is_open": assessment.status == AssessmentStatus.OPEN,
        "published": assessment.status == AssessmentStatus.PUBLISHED,
    }


@perm_required(Perm.ASSESSMENT_VIEW)
def results(request: HttpRequest, period: str) -> HttpResponse:
    """The city's assessment of a period: its steps, counts, rankings or own unit(s)."""
    assessment = _assessment(request, period)
    context = results_context(request, assessment)
    if context["manager"]:
        context["actions"] = {
            "compute": reverse("assessment:compute", args=[assessment.period]),
            "close": reverse("assessment:close", args=[assessment.period]),
            "publish": reverse("assessment:publish", args=[assessment.period]),
        }
    context["export_url"] = reverse("assessment:export", args=[assessment.period])
    return render(request, "assessment/results.html", context)


def _button(
    request: HttpRequest, period: str, action: Callable[[Assessment], Any], message: str
) -> HttpResponse:
    assessment = _assessment(request, period)
    target = reverse("assessment:results", args=[assessment.period])
    return act(request, lambda: action(assessment), done=target, message=message)


@perm_required(Perm.ASSESSMENT_MANAGE)
@require_POST
def compute(request: HttpRequest, period: str) -> HttpResponse:
    """Recompute the automatic indicators of every unit (重新计算)."""
    return _button(
        request,
        period,
        lambda a: services.compute(actor=request.user, assessment=a),
        "已重新计算自动指标和得分",
    )


@perm_required(Perm.ASSESSMENT_MANAGE)
@require_POST
def close(request: HttpRequest, period: str) -> HttpResponse:
    """End self-scoring (结束自评): the credit office reviews next."""
    return _button(
        request,
        period,
        lambda a: services.close_self_scoring(actor=request.user, assessment=a),
        "已结束自评，进入评审",
    )


@perm_required(Perm.ASSESSMENT_MANAGE)
@require_POST
def publish(request: HttpRequest, period: str) -> HttpResponse:
    """Publish the results (公布) to staff, or also on the portal."""
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择公布范围：内部公布或向社会公示")
        return redirect("assessment:results", period=_assessment(request, period).period)
    visibility = form.cleaned_data["visibility"]
    return _button(
        request,
        period,
        lambda a: services.publish(actor=request.user, assessment=a, visibility=visibility),
        "已公布考核结果"
        + ("，并在信用门户公示" if visibility == Visibility.PUBLIC else "（内部公布）"),
    )


def export_rows(request: HttpRequest, assessment: Assessment) -> HttpResponse:
    """The results rows the reader may see as a workbook (an audited read)."""
    rows = selectors.results_rows(request.user, assessment)
    audit.record(
        "assessment.exported",
        actor=request.user,
        obj=assessment,
        after={"period": assessment.period, "rows": len(rows)},
    )
    kinds = dict(UnitKind.choices)
    body = (
        [
            r.get("rank"),
            r.get("unit"),
            kinds.get(r.get("kind"), r.get("kind")),
            r.get("department") or "",
            r.get("region_name") or r.get("region") or "",
            r.get("auto_score"),
            r.get("self_score"),
            r.get("final_score"),
            UNIT_STATUS_LABELS.get(r.get("status"), r.get("status")),
        ]
        for r in rows
    )
    name = period_text(assessment.period)
    prefix = "自评检查" if assessment.owner_region_id else "考核结果"
    return xlsx_download(f"{prefix}-{name}-{stamp()}.xlsx", [(name, EXPORT_HEADERS, body)])


@perm_required(Perm.ASSESSMENT_VIEW)
def export(request: HttpRequest, period: str) -> HttpResponse:
    """The results of the city's assessment as Excel."""
    return export_rows(request, _assessment(request, period))


# --------------------------------------------------------------------------------------------
# One unit
# --------------------------------------------------------------------------------------------


def _flatten(nodes: list[Any], depth: int = 0) -> list[dict[str, Any]]:
    out = []
    for node in nodes:
        out.append({"node": node, "depth": depth})
        out += _flatten(node.children, depth + 1)
    return out


def _unit(request: HttpRequest, assessment: Assessment, unit_id: int | str) -> Unit:
    return found(selectors.unit_for(request.user, assessment, int(unit_id)))


def may_self_score(actor: Any, assessment: Assessment, unit: Unit) -> bool:
    """Whether the reader may self-score ``unit`` now (the city's assessment only; the
    service decides again)."""
    return assessment.owner_region_id is None and selectors.may_self_score(actor, unit)


def unit_context(request: HttpRequest, assessment: Assessment, unit: Unit) -> dict[str, Any]:
    """What the unit template shows: the tree flattened with depth, the top lost points."""
    links = Links(assessment)
    tree = selectors.unit_tree(unit)
    rows = _flatten(tree)
    for row in rows:
        node = row["node"]
        indicator = node.indicator
        score = node.score
        row["is_section"] = indicator.kind == IndicatorKind.SECTION or bool(node.children)
        row["auto"] = indicator.method == Method.AUTO
        row["facts_text"] = (score.facts or {}).get("text", "") if score else ""
        row["rows_url"] = links.rows(unit, indicator.metric) if indicator.metric and score else ""
        row["metric_url"] = (
            reverse("assessment:metric", args=[indicator.metric]) if indicator.metric else ""
        )
        row["lost_points"] = node.lost is not None and node.lost > 0
        row["evidence"] = list(score.evidence.all()) if score is not None else []
    lost = selectors.top_losses(tree, TOP_LOST)
    manager = selectors.may_manage(request.user, assessment)
    return {
        "assessment": assessment,
        "name": period_text(assessment.period),
        "unit": unit,
        "kind_label": KIND_LABELS.get(unit.kind, unit.kind),
        "status_label": UNIT_STATUS_LABELS.get(unit.status, unit.status),
        "rows": rows,
        "lost": lost,
        "max_total": sum((n.max_points or 0) for n in tree),
        "points_total": _shown_score(unit),
        "links": links,
        "results_url": links.results(),
        "self_url": reverse("assessment:self_score", args=[assessment.period, unit.pk])
        if may_self_score(request.user, assessment, unit)
        else "",
        "review_url": reverse("assessment:review", args=[assessment.period, unit.pk])
        if manager
        and assessment.owner_region_id is None
        and assessment.status == AssessmentStatus.REVIEWING
        else "",
    }


@perm_required(Perm.ASSESSMENT_VIEW)
def unit(request: HttpRequest, period: str, unit_id: str) -> HttpResponse:
    """One unit of the city's assessment: the rubric tree with its points."""
    assessment = _assessment(request, period)
    u = _unit(request, assessment, unit_id)
    return render(request, "assessment/unit.html", unit_context(request, assessment, u))


def metric_rows_download(
    request: HttpRequest, assessment: Assessment, u: Unit, metric: str
) -> HttpResponse:
    """The rows a metric counted for a unit in the assessment's period (an audited read)."""
    if metric not in metrics.METRICS:
        raise Http404("没有这个监测指标")
    m = metrics.get(metric)
    headers, rows = metrics.rows(metric, metrics.target_of(u), parse_period(assessment.period))
    rows = list(rows)
    audit.record(
        "assessment.rows_exported",
        actor=request.user,
        obj=u,
        after={"period": assessment.period, "metric": metric, "rows": len(rows)},
    )
    return xlsx_download(
        f"{m.name}-{u.name}-{assessment.period}-{stamp()}.xlsx", [(m.name, headers, rows)]
    )


@perm_required(Perm.ASSESSMENT_VIEW)
def metric_rows(request: HttpRequest, period: str, unit_id: str, metric: str) -> HttpResponse:
    """The rows behind one metric of one unit, as Excel."""
    assessment = _assessment(request, period)
    return metric_rows_download(request, assessment, _unit(request, assessment, unit_id), metric)


@perm_required(Perm.ASSESSMENT_VIEW)
def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """An evidence file (an audited read): only for a unit whose detail the reader sees."""
    item = found(selectors.evidence_for(request.user, pk))
    u = item.score.unit
    audit.record(
        "assessment.evidence_read",
        actor=request.user,
        obj=u,
        after={"evidence": item.pk, "name": item.name, "sha256": item.sha256},
    )
    return download_response(bytes(item.data), item.name, item.content_type)


# --------------------------------------------------------------------------------------------
# Self-scoring and review
# --------------------------------------------------------------------------------------------


def _scores(u: Unit, *, manual_only: bool) -> list[Any]:
    """The unit's scores of its (manual) indicators, in the rubric's order."""
    return [
        n.score
        for n in selectors.tree_leaves(selectors.unit_tree(u))
        if n.score is not None and (not manual_only or n.indicator.method == Method.MANUAL)
    ]


class _Refused(Exception):
    """A step of the self-score save refused: the whole save is rolled back."""


def _save_self(request: HttpRequest, u: Unit, form: SelfScoreForm, *, final: bool) -> bool:
    """Save the scores, remove and add evidence, and submit when ``final`` — all or nothing;
    a refusal is put on the form."""
    try:
        with transaction.atomic():
            services.save_self_scores(actor=request.user, unit=u, scores=form.scores())
            for item in form.removals():
                services.remove_evidence(actor=request.user, evidence=item)
            for score, uploaded in form.uploads():
                try:
                    services.add_evidence(actor=request.user, score=score, uploaded=uploaded)
                except CreditError as exc:
                    form.add_error(f"file_{score.indicator_id}", exc.message)
                    raise _Refused from exc
            if final:
                services.submit_self(actor=request.user, unit=u)
    except _Refused:
        return False
    except CreditError as exc:
        add_service_error(form, exc, with_code=False)
        return False
    return True


@perm_required(Perm.ASSESSMENT_SELF)
def self_score(request: HttpRequest, period: str, unit_id: str) -> HttpResponse:
    """The unit's self-scores of its manual indicators: save, or save and submit."""
    assessment = _assessment(request, period)
    u = _unit(request, assessment, unit_id)
    if not selectors.is_own_unit(request.user, u):
        raise Http404
    scores = _scores(u, manual_only=True)
    form = SelfScoreForm(request.POST or None, request.FILES or None, scores=scores)
    editable = may_self_score(request.user, assessment, u)
    if request.method == "POST" and editable and form.is_valid():
        final = request.POST.get("action") == "submit"
        if _save_self(request, u, form, final=final):
            if final:
                messages.success(request, f"{u.name}的自评已提交，等待市信用办评审")
                return redirect("assessment:unit", period=assessment.period, unit_id=u.pk)
            messages.success(request, "自评已保存，可继续修改；全部填写后请提交")
            return redirect("assessment:self_score", period=assessment.period, unit_id=u.pk)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and not editable:
        form.add_error(None, "本单位的自评已提交或考核已结束自评，不能再修改")
    return render(
        request,
        "assessment/self_score.html",
        {
            "assessment": assessment,
            "name": period_text(assessment.period),
            "unit": u,
            "form": form,
            "rows": form.rows(),
            "editable": editable,
            "status_label": UNIT_STATUS_LABELS.get(u.status, u.status),
            "unit_url": reverse("assessment:unit", args=[assessment.period, u.pk]),
        },
        status=status,
    )


@perm_required(Perm.ASSESSMENT_MANAGE)
def review(request: HttpRequest, period: str, unit_id: str) -> HttpResponse:
    """The credit office's final points and comments for a unit (评审)."""
    assessment = _assessment(request, period)
    if not selectors.may_manage(request.user, assessment):
        raise Http404
    u = _unit(request, assessment, unit_id)
    scores = _scores(u, manual_only=False)
    form = ReviewForm(request.POST or None, scores=scores, comment=u.review_comment)
    done = submit(
        request,
        form,
        lambda d: services.review_unit(
            actor=request.user, unit=u, scores=form.scores(), comment=d.get("comment", "")
        ),
        done=lambda _: reverse("assessment:results", args=[assessment.period]),
        message=f"已评审{u.name}",
        with_code=False,
    )
    if done is not None:
        return done
    return render(
        request,
        "assessment/review.html",
        {
            "assessment": assessment,
            "name": period_text(assessment.period),
            "unit": u,
            "form": form,
            "rows": form.rows(),
            "editable": assessment.status == AssessmentStatus.REVIEWING,
            "status_label": UNIT_STATUS_LABELS.get(u.status, u.status),
            "unit_url": reverse("assessment:unit", args=[assessment.period, u.pk]),
        },
        status=400 if request.method == "POST" else 200,
    )


urls = [
    path("", index, name="index"),
    path("open/", open_assessment, name="open"),
    path("evidence/<id:pk>/", evidence, name="evidence"),
    re_path(rf"^{PERIOD}/$", results, name="results"),
    re_path(rf"^{PERIOD}/compute/$", compute, name="compute"),
    re_path(rf"^{PERIOD}/close/$", close, name="close"),
    re_path(rf"^{PERIOD}/publish/$", publish, name="publish"),
    re_path(rf"^{PERIOD}/export/$", export, name="export"),
    re_path(rf"^{PERIOD}/units/(?P<unit_id>[1-9][0-9]{{0,17}})/$", unit, name="unit"),
    re_path(
        rf"^{PERIOD}/units/(?P<unit_id>[1-9][0-9]{{0,17}})/self/$", self_score, name="self_score"
    ),
    re_path(rf"^{PERIOD}/units/(?P<unit_id>[1-9][0-9]{{0,17}})/review/$", review, name="review"),
    re_path(
        rf"^{PERIOD}/units/(?P<unit_id>[1-9][0-9]{{0,17}})/rows/(?P<metric>[a-z_]{{1,40}})/$",
        metric_rows,
        name="metric_rows",
    ),
]
