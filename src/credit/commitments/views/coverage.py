"""The coverage page (承诺覆盖率): the four targets of the 示范城市 hard indicators as bars
beside their target line with the table of their figures, the history of the stored daily
figures (the city's), and for each target the list of what it still misses — operating legal
persons (filters: district, industry) or commitment items (filter: department) — paged and
exportable to Excel.

The reader's figures follow its scope (:func:`credit.commitments.selectors.coverage.scope_for`):
the city's for the credit office and every city-wide reader, its district's for a district
administrator (whose lists hold its district's subjects only), its department's items for a
department officer. Exports are audited reads.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from credit.commitments.models import CommitmentItem, CoverageFigure
from credit.commitments.selectors import coverage as selectors
from credit.core import audit
from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.forms import FilterForm
from credit.core.http import EXPORT_LIMIT, query_without_page, stamp, xlsx_download
from credit.core.models import Department, Region
from credit.core.paging import capped_page
from credit.subjects.constants import Industry

PAGE_SIZE = 30
COUNT_CAP = 10_000
HISTORY_DAYS = 90


def _target(target: str) -> str:
    if target not in selectors.TARGETS:
        raise Http404("没有这个覆盖率指标")
    return target


def _pct(value: float) -> str:
    return f"{value * 100:.2f}%"


# --------------------------------------------------------------------------------------------
# Filters of the lists
# --------------------------------------------------------------------------------------------


class UncoveredFilterForm(FilterForm):
    """Filters of a target's list of what is not covered (GET): district and industry for
    subjects, department for items."""

    district = forms.ChoiceField(label="区划", required=False)
    industry = forms.ChoiceField(label="行业门类", required=False)
    department = forms.TypedChoiceField(label="承诺部门", required=False, coerce=int)

    def __init__(self, data: Any = None, *, target: str, scope: selectors.Scope) -> None:
        super().__init__(data)
        if target in selectors.ITEM_TARGETS:
            del self.fields["district"], self.fields["industry"]
            departments = Department.objects.filter(
                pk__in=selectors._items(target, scope).values("department_id")
            ).order_by("sort_order", "code")
            self.fields["department"].choices = [
                ("", "全部"),
                *((d.pk, d.short_name or d.name) for d in departments),
            ]
        else:
            del self.fields["department"]
            regions = Region.objects.filter(is_active=True, parent__isnull=False)
            if scope.region:
                regions = regions.filter(code=scope.region)
            self.fields["district"].choices = [
                ("", "全部"),
                *regions.order_by("sort_order", "code").values_list("code", "name"),
            ]
            self.fields["industry"].choices = [("", "全部"), *Industry.choices]


def _uncovered(request: HttpRequest, target: str) -> tuple[UncoveredFilterForm, dict, Any]:
    scope = selectors.scope_for(request.user)
    form = UncoveredFilterForm(request.GET or None, target=target, scope=scope)
    f = form.filters()
    return form, f, selectors.uncovered(target, f, scope=scope)


# --------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------


def _figures_chart(figures: list[selectors.Figure]) -> dict[str, Any]:
    return {
        "unit": "%",
        "categories": [selectors.SHORT_LABELS[f.target] for f in figures],
        "series": [
            {"name": "覆盖率", "data": [f.percent for f in figures]},
            {"name": "目标", "data": [f.target_percent for f in figures]},
        ],
        "links": [reverse("commitments:coverage_uncovered", args=[f.target]) for f in figures],
        "empty_text": "暂无覆盖率数据",
    }


def _history(rows: list[CoverageFigure]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    days = sorted({r.day for r in rows})
    by = {(r.day, r.target): r for r in rows}
    chart = {
        "unit": "%",
        "categories": [f"{d:%m-%d}" for d in days],
        "series": [
            {
                "name": selectors.SHORT_LABELS[t],
                "data": [round(by[(d, t)].ratio * 100, 2) if (d, t) in by else None for d in days],
            }
            for t in selectors.TARGETS
        ],
        "empty_text": "还没有保存的每日覆盖率（每日自动计算）",
    }
    table = [
        {
            "day": d,
            "cells": [
                (by[(d, t)].covered, by[(d, t)].total, _pct(by[(d, t)].ratio))
                if (d, t) in by
                else None
                for t in selectors.TARGETS
            ],
        }
        for d in reversed(days)
    ]
    return chart, table


@perm_required(Perm.COMMITMENT_VIEW)
def coverage(request: HttpRequest) -> HttpResponse:
    """The reader's figures of the four targets today, and the city's daily history."""
    scope = selectors.scope_for(request.user)
    figures = selectors.compute(scope=scope)
    history_chart, history_rows = _history(selectors.history(HISTORY_DAYS))
    return render(
        request,
        "commitments/coverage_index.html",
        {
            "figures": figures,
            "figures_chart": _figures_chart(figures),
            "history_chart": history_chart,
            "history_rows": history_rows[:31],
            "targets": [selectors.SHORT_LABELS[t] for t in selectors.TARGETS],
            "scope": scope,
            "today": timezone.localdate(),
        },
    )


@perm_required(Perm.COMMITMENT_VIEW)
def coverage_uncovered(request: HttpRequest, target: str) -> HttpResponse:
    """One target's list of the subjects or items it still misses, filtered and paged."""
    target = _target(target)
    scope = selectors.scope_for(request.user)
    form, f, qs = _uncovered(request, target)
    page = capped_page(qs, request.GET.get("page"), per_page=PAGE_SIZE, cap=COUNT_CAP)
    fig = next(x for x in selectors.compute(scope=scope) if x.target == target)
    return render(
        request,
        "commitments/coverage_uncovered.html",
        {
            "target": target,
            "figure": fig,
            "label": selectors.LABELS[target],
            "items": target in selectors.ITEM_TARGETS,
            "page": page,
            "form": form,
            "query": query_without_page(request),
            "filtered": bool(f),
            "scope": scope,
        },
    )


# --------------------------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------------------------

FIGURE_HEADERS = ["指标", "已覆盖", "应覆盖", "覆盖率", "目标", "是否达标"]


def _figure_rows(figures: list[selectors.Figure]) -> list[list[Any]]:
    return [
        [
            f.label,
            f.covered,
            f.total,
            _pct(f.ratio),
            _pct(f.target_ratio),
            "达标" if f.met else "未达标",
        ]
        for f in figures
    ]


def _uncovered_sheet(target: str, qs: Any) -> tuple[str, list[str], Any]:
    if target in selectors.ITEM_TARGETS:
        items: list[CommitmentItem] = list(qs[:EXPORT_LIMIT])
        return (
            "未使用的事项",
            ["事项编码", "承诺事项", "承诺部门", "名称和依据已核实"],
            ([i.code, i.name, i.department.name, "是" if i.verified else "否"] for i in items),
        )
    subjects = list(qs[:EXPORT_LIMIT])
    industries = dict(Industry.choices)
    return (
        "未覆盖的主体",
        ["主体名称", "统一社会信用代码", "所属区划", "行业门类", "法定代表人"],
        (
            [
                s.name,
                s.uscc or "",
                s.region.name if s.region_id else "",
                industries.get(s.industry, ""),
                s.legal_representative,
            ]
            for s in subjects
        ),
    )


@perm_required(Perm.COMMITMENT_VIEW)
def coverage_export(request: HttpRequest, target: str | None = None) -> HttpResponse:
    """The reader's figures (and, for a target, its filtered list of what is not covered) as a
    workbook; without a target, the figures and the city's daily history. An audited read."""
    scope = selectors.scope_for(request.user)
    figures = selectors.compute(scope=scope)
    sheets: list[tuple[str, list[str], Any]] = [("覆盖率", FIGURE_HEADERS, _figure_rows(figures))]
    if target is None:
        rows = selectors.history(HISTORY_DAYS)
        sheets.append(
            (
                "每日覆盖率（全市）",
                ["日期", "指标", "已覆盖", "应覆盖", "覆盖率", "目标"],
                (
                    [
                        r.day,
                        selectors.LABELS[r.target],
                        r.covered,
                        r.total,
                        _pct(r.ratio),
                        _pct(float(r.target_ratio)),
                    ]
                    for r in rows
                ),
            )
        )
        name = f"承诺覆盖率-{stamp()}.xlsx"
        listed = 0
    else:
        target = _target(target)
        _, _, qs = _uncovered(request, target)
        title, headers, body = _uncovered_sheet(target, qs)
        body = list(body)
        listed = len(body)
        sheets.insert(0, (title, headers, body))
        name = f"承诺覆盖率-{selectors.SHORT_LABELS[target]}-未覆盖-{stamp()}.xlsx"
    audit.record(
        "commitment_coverage.exported",
        actor=request.user,
        object_type=CoverageFigure._meta.label_lower,
        after={
            "target": target or "",
            "rows": listed,
            "scope": scope.label,
            "query": query_without_page(request)[:500],
        },
    )
    return xlsx_download(name, sheets)


urls = [
    path("coverage/", coverage, name="coverage"),
    path("coverage/export.xlsx", coverage_export, name="coverage_export"),
    path("coverage/<slug:target>/", coverage_uncovered, name="coverage_uncovered"),
    path("coverage/<slug:target>/export.xlsx", coverage_export, name="coverage_export"),
]
