"""The data-quality report pages (数据质量报告): the reports a reader may read with filters
(month, scope, unit) and, at the top, the city's summary of the latest month with its ranking
chart and table (for a reader who may not read the city's, its own newest report); one
report's figures; its PDF and Excel downloads (audited reads); and the credit office's button
that generates a month's reports (:func:`credit.assessment.services.quality.generate_month`).

Readers: :func:`credit.assessment.selectors.quality.reports_for` — a report outside the
reader's scope is a 404.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from credit.assessment.constants import ReportScope
from credit.assessment.models import QualityReport
from credit.assessment.selectors import quality as selectors
from credit.assessment.services import quality as services
from credit.assessment.tables import Share
from credit.core import audit
from credit.core.access import PERM_LABELS, Perm
from credit.core.access.decorators import perm_required
from credit.core.errors import CreditError, ValidationFailed
from credit.core.forms import FilterForm, error_text
from credit.core.http import download_response, found, query_without_page
from credit.core.paging import capped_page

PAGE_SIZE = 30
COUNT_CAP = 10_000
FORMATS = {
    "pdf": ("application/pdf", "pdf"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


class ReportFilterForm(FilterForm):
    """Filters of the report list (GET): month, scope and unit (a department or a district
    of the reports the reader may read)."""

    month = forms.RegexField(
        label="月份",
        regex=r"^\d{4}-\d{2}$",
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    scope = forms.ChoiceField(
        label="范围", required=False, choices=[("", "全部"), *ReportScope.choices]
    )
    unit = forms.ChoiceField(label="单位", required=False)

    def __init__(self, data: Any = None, *, units: list[tuple[str, str]]) -> None:
        super().__init__(data)
        self.fields["unit"].choices = [("", "全部"), *units]


def _units(qs: Any) -> list[tuple[str, str]]:
    """The departments and districts of the reader's reports, as filter choices."""
    seen: dict[str, str] = {}
    for scope, dept_id, dept_name, region_id, region_name in (
        qs.order_by("scope", "department__sort_order", "region__sort_order")
        .values_list("scope", "department_id", "department__name", "region_id", "region__name")
        .distinct()
    ):
        if scope == ReportScope.DEPARTMENT:
            seen.setdefault(f"d{dept_id}", dept_name)
        elif scope == ReportScope.DISTRICT:
            seen.setdefault(f"r{region_id}", region_name)
    return sorted(seen.items(), key=lambda kv: (kv[0][0] != "r", kv[1]))


def _filtered(request: HttpRequest) -> tuple[ReportFilterForm, Any, bool]:
    qs = selectors.reports_for(request.user)
    form = ReportFilterForm(request.GET or None, units=_units(qs))
    f = form.filters()
    if f.get("month"):
        with contextlib.suppress(CreditError):  # a month like 2026-13 is dropped
            qs = qs.filter(month=services.parse_month(f["month"]))
    if f.get("scope"):
        qs = qs.filter(scope=f["scope"])
    unit = f.get("unit", "")
    if unit.startswith("d") and unit[1:].isdigit():
        qs = qs.filter(scope=ReportScope.DEPARTMENT, department_id=int(unit[1:]))
    elif unit.startswith("r"):
        qs = qs.filter(scope=ReportScope.DISTRICT, region_id=unit[1:])
    return form, qs, bool(f)


#: Keys of the figures that hold a share (0–1), shown as percentages on the pages.
RATE_KEYS = frozenset({"accuracy", "completeness", "timeliness", "share"})


def shown(value: Any) -> Any:
    """A copy of the figures for a page: every share as ``97.25%`` (``—`` when None)."""
    if isinstance(value, dict):
        return {k: _percent(v) if k in RATE_KEYS else shown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shown(v) for v in value]
    return value


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{Share(value)}%"


def _ranking_chart(summary: QualityReport | None) -> dict[str, Any] | None:
    """The bar chart of the summary's ranking (departments for the city and a district)."""
    if summary is None:
        return None
    rows = [r for r in summary.figures.get("ranking", {}).get("departments", []) if r["score"]]
    if not rows and summary.scope == ReportScope.CITY:
        rows = [r for r in summary.figures["ranking"].get("districts", []) if r["score"]]
    return {
        "unit": "分",
        "categories": [r.get("short_name") or r["name"] for r in rows],
        "series": [{"name": "综合得分", "data": [r["score"] for r in rows]}],
        "empty_text": "本月没有已完成的报送批次",
    }


def _months() -> list[tuple[str, str]]:
    """The two months a manager generates: this month so far and the last one."""
    this = services.month_start(timezone.localdate())
    last = services.add_months(this, -1)
    return [
        (f"{this:%Y-%m}", f"生成本月报告（{services.month_text(this)}）"),
        (f"{last:%Y-%m}", f"生成上月报告（{services.month_text(last)}）"),
    ]


@perm_required(Perm.ASSESSMENT_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    """The reports the reader may read, filtered and paged; the summary at the top."""
    form, qs, filtered = _filtered(request)
    page = capped_page(qs, request.GET.get("page"), per_page=PAGE_SIZE, cap=COUNT_CAP)
    summary = selectors.latest_summary(request.user)
    return render(
        request,
        "assessment/quality_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "filtered": filtered,
            "summary": summary,
            "figures": shown(summary.figures) if summary else None,
            "chart": _ranking_chart(summary),
            "may_generate": selectors.may_generate(request.user),
            "months": _months(),
        },
    )


@perm_required(Perm.ASSESSMENT_VIEW)
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """One report's figures, section by section."""
    obj = found(selectors.report_for(request.user, pk))
    figures = obj.figures
    trend = figures.get("trend", [])
    chart = {
        "unit": "%",
        "categories": [t["month_text"] for t in trend],
        "series": [
            {
                "name": label,
                "data": [Share(t[key]).percent for t in trend],
            }
            for key, label in (
                ("accuracy", "有效入库率"),
                ("completeness", "完整性"),
                ("timeliness", "双公示及时率"),
            )
        ],
        "empty_text": "近6个月没有已完成的报送批次",
    }
    return render(
        request,
        "assessment/quality_report.html",
        {"report": obj, "figures": shown(figures), "chart": chart},
    )


@perm_required(Perm.ASSESSMENT_VIEW)
def download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The report's PDF or workbook; an audited read (``quality_report.downloaded``)."""
    if fmt not in FORMATS:
        raise Http404("没有这种格式的报告")
    obj = found(selectors.report_for(request.user, pk))
    content_type, ext = FORMATS[fmt]
    content = bytes(getattr(obj, fmt) or b"")
    if not content:
        raise Http404("该报告的文件尚未生成，请联系市信用办重新生成")
    audit.record(
        "quality_report.downloaded",
        actor=request.user,
        obj=obj,
        after={"format": fmt, "month": f"{obj.month:%Y-%m}", "scope": obj.scope},
    )
    return download_response(content, f"{obj.name}.{ext}", content_type)


@require_POST
@perm_required(Perm.ASSESSMENT_MANAGE)
def generate(request: HttpRequest) -> HttpResponse:
    """Generate (again) every report of the posted month; the credit office's."""
    if not selectors.may_generate(request.user):
        return render(
            request,
            "403.html",
            {
                "perm_label": PERM_LABELS[Perm.ASSESSMENT_MANAGE],
                "reason": "数据质量报告由市信用办生成，请联系市信用办。",
            },
            status=403,
        )
    target = reverse("assessment:quality")
    try:
        month = services.parse_month(request.POST.get("month", ""))
        if month > timezone.localdate():
            raise ValidationFailed("不能生成尚未开始的月份的报告", code="month_in_future")
        reports = services.generate_month(month, actor=request.user)
    except CreditError as exc:
        messages.error(request, error_text(exc))
        return redirect(target)
    messages.success(
        request, f"已生成{services.month_text(month)}的数据质量报告 {len(reports)} 份。"
    )
    return redirect(f"{target}?month={month:%Y-%m}")


urls = [
    path("quality/", index, name="quality"),
    path("quality/generate/", generate, name="quality_generate"),
    path("quality/<id:pk>/", report, name="quality_report"),
    path("quality/<id:pk>/<str:fmt>/", download, name="quality_download"),
]
