"""The measures catalogue (联合奖惩措施清单): the list with its filters, a measure's page, the
create and edit forms and the xlsx export. Writes go through
:func:`credit.sanctions.services.save_measure`; a refusal is shown on the form."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from credit.catalog.constants import LIST_KIND_LABELS
from credit.core.access import Perm, has_perm
from credit.core.access.decorators import any_perm_required, perm_required
from credit.core.forms import submit
from credit.core.http import EXPORT_LIMIT, found, query_without_page, xlsx_download
from credit.sanctions import services
from credit.sanctions.constants import Scenario
from credit.sanctions.forms import SERVICE_ERROR_FIELDS, MeasureFilterForm, MeasureForm
from credit.sanctions.models import Measure

#: Either permission lets a user read the measures catalogue.
MEASURE_VIEW = (Perm.SANCTIONS_CHECK, Perm.CATALOG_VIEW)
SCENARIO_LABELS = dict(Scenario.choices)


def scenario_labels(values: Iterable[str]) -> list[str]:
    return [SCENARIO_LABELS.get(v, v) for v in values]


def _measures(filters: dict[str, Any]) -> QuerySet[Measure]:
    qs = Measure.objects.select_related("implementing_department").prefetch_related("items")
    if "list_kind" in filters:
        qs = qs.filter(list_kind=filters["list_kind"])
    if "scenario" in filters:
        qs = qs.filter(scenarios__contains=[filters["scenario"]])
    if "active" in filters:
        qs = qs.filter(is_active=filters["active"] == "1")
    if q := filters.get("q", "").strip():
        qs = qs.filter(
            Q(code__icontains=q)
            | Q(text__icontains=q)
            | Q(legal_basis__icontains=q)
            | Q(memorandum__icontains=q)
            | Q(implementing_text__icontains=q)
        )
    return qs.order_by("code")


def _implementing(measure: Measure) -> str:
    if measure.implementing_department and measure.implementing_text:
        return f"{measure.implementing_department.name}（{measure.implementing_text}）"
    if measure.implementing_department:
        return measure.implementing_department.name
    return measure.implementing_text


def _labelled(measure: Measure) -> Measure:
    measure.scenario_labels = scenario_labels(measure.scenarios)
    measure.implementing = _implementing(measure)
    return measure


@any_perm_required(*MEASURE_VIEW)
def measure_list(request: HttpRequest) -> HttpResponse:
    form = MeasureFilterForm(request.GET or None)
    page = Paginator(_measures(form.filters()), 30).get_page(request.GET.get("page"))
    for measure in page:
        _labelled(measure)
    return render(
        request,
        "sanctions/measure_list.html",
        {
            "page": page,
            "form": form,
            "query": query_without_page(request),
            "can_manage": has_perm(request.user, Perm.MEASURE_MANAGE),
        },
    )


def _measure(code: str) -> Measure:
    return found(
        Measure.objects.select_related("implementing_department", "created_by")
        .prefetch_related("items")
        .filter(code=code)
        .first()
    )


@any_perm_required(*MEASURE_VIEW)
def measure_detail(request: HttpRequest, code: str) -> HttpResponse:
    return render(
        request,
        "sanctions/measure_detail.html",
        {
            "measure": _labelled(_measure(code)),
            "can_manage": has_perm(request.user, Perm.MEASURE_MANAGE),
        },
    )


def _save(request: HttpRequest, form: MeasureForm, saying: str) -> HttpResponse | None:
    """Save through the service and go to the measure's page; None when the form is not
    valid or the service refused (the form shows why)."""
    return submit(
        request,
        form,
        lambda _: services.save_measure(actor=request.user, **form.service_kwargs()),
        errors=SERVICE_ERROR_FIELDS,
        message=lambda saved: f"{saying} {saved.code}",
        done=lambda saved: reverse("sanctions:measure", args=[saved.code]),
    )


@perm_required(Perm.MEASURE_MANAGE)
def measure_create(request: HttpRequest) -> HttpResponse:
    form = MeasureForm(request.POST or None)
    return _save(request, form, "已新增措施") or render(
        request, "sanctions/measure_form.html", {"form": form, "measure": None}
    )


@perm_required(Perm.MEASURE_MANAGE)
def measure_edit(request: HttpRequest, code: str) -> HttpResponse:
    measure = _measure(code)
    form = MeasureForm(request.POST or None, measure=measure)
    if request.method == "POST" and form.is_valid() and form.unchanged(measure):
        messages.info(request, f"措施 {measure.code} 未作修改")
        return redirect("sanctions:measure", code=measure.code)
    return _save(request, form, "已保存措施") or render(
        request, "sanctions/measure_form.html", {"form": form, "measure": measure}
    )


@any_perm_required(*MEASURE_VIEW)
def measures_xlsx(request: HttpRequest) -> HttpResponse:
    """The measures the list's filters select, one row each."""
    measures = _measures(MeasureFilterForm(request.GET or None).filters())
    headers = ["措施编号", "类别", "适用名单类型", "适用名单", "措施内容", "法律政策依据",
               "联合备忘录", "实施部门", "实施单位", "应用场景", "状态"]  # fmt: skip
    rows = (
        [
            m.code,
            m.get_kind_display(),
            LIST_KIND_LABELS.get(m.list_kind, m.list_kind),
            "、".join(i.name for i in m.items.all()) or "该类型全部名单",
            m.text,
            m.legal_basis,
            m.memorandum,
            m.implementing_department.name if m.implementing_department else "",
            m.implementing_text,
            "、".join(scenario_labels(m.scenarios)),
            "有效" if m.is_active else "停用",
        ]
        for m in measures[:EXPORT_LIMIT]
    )
    stamp = timezone.localtime().strftime("%Y%m%d")
    return xlsx_download(f"联合奖惩措施-{stamp}.xlsx", [("联合奖惩措施", headers, rows)])
