"""The staff 红黑榜 (``/integrity/honour/``): the 红榜 and 黑榜 of the civil servants whose
archives the user may read (:mod:`credit.integrity.selectors.honour`), one tab each, with the
rule in force (its period, threshold, the measures it imposes or grants and its basis),
filters (region, unit, name) and the Excel export of the filtered list — an audited read, as
it lists people by name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from credit.core import audit
from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.http import EXPORT_LIMIT, query_without_page, xlsx_download
from credit.core.models import Department, Region
from credit.integrity.constants import HonourKind
from credit.integrity.selectors import civil_servants_for
from credit.integrity.selectors import honour as selectors

#: Rows a page shows.
PAGE_SIZE = 30


class HonourFilterForm(forms.Form):
    """The list's filters (GET); an invalid value is dropped, the others apply."""

    region = forms.ChoiceField(label="所属区划", required=False)
    unit = forms.ChoiceField(label="工作单位", required=False)
    name = forms.CharField(label="姓名", max_length=50, required=False)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scoped = civil_servants_for(actor).order_by()
        regions = Region.objects.filter(pk__in=scoped.values("region_id")).order_by("code")
        units = Department.objects.filter(pk__in=scoped.values("unit_id")).order_by(
            "sort_order", "code"
        )
        self.fields["region"].choices = [("", "全部"), *((r.code, r.name) for r in regions)]
        self.fields["unit"].choices = [("", "全部"), *((d.code, d.name) for d in units)]

    def filters(self) -> selectors.HonourFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return selectors.HonourFilters(
            region=data.get("region") or "",
            unit=data.get("unit") or "",
            name=(data.get("name") or "").strip(),
        )

    def describe(self) -> list[str]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        out = []
        for key in ("region", "unit", "name"):
            value = data.get(key)
            if value:
                shown = dict(self.fields[key].choices).get(value, value) if key != "name" else value
                out.append(f"{self.fields[key].label}：{shown}")
        return out


def _kind(request: HttpRequest) -> str:
    kind = request.GET.get("kind", "")
    return kind if kind in HonourKind.values else HonourKind.RED


def _list(request: HttpRequest) -> tuple[str, HonourFilterForm, selectors.HonourList]:
    kind = _kind(request)
    form = HonourFilterForm(request.GET or None, actor=request.user)
    found = selectors.honour_list(kind, request.user, filters=form.filters())
    return kind, form, found


@perm_required(Perm.INTEGRITY_VIEW)
def honour(request: HttpRequest) -> HttpResponse:
    """红黑榜: one tab per list (``?kind=red|black``), the rule in force, filters, a page."""
    kind, form, found = _list(request)
    page = found.page(request.GET.get("page"), per_page=PAGE_SIZE)
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("kind", None)
    filters = params.urlencode()
    return render(
        request,
        "integrity/honour_list.html",
        {
            "kind": kind,
            "kinds": HonourKind.choices,
            "form": form,
            "honour": found,
            "rule": found.rule,
            "page": page,
            "query": query_without_page(request),
            "filters": filters,
            "filtered": bool(form.describe()),
        },
    )


def _rows(found: selectors.HonourList) -> list[list[Any]]:
    rows = found.slice(0, EXPORT_LIMIT)
    if found.kind == HonourKind.BLACK:
        return [
            [r.name, r.id_masked, r.unit, r.position, r.region, r.count, r.results_text,
             r.latest.isoformat() if r.latest else ""]
            for r in rows
        ]  # fmt: skip
    return [
        [r.name, r.id_masked, r.unit, r.position, r.region, r.score, r.grade,
         r.faith_since.isoformat(), r.kept_text, r.honours_text]
        for r in rows
    ]  # fmt: skip


def _headers(kind: str) -> list[str]:
    who = ["姓名", "身份证号码（脱敏）", "工作单位", "职务", "所属区划"]
    if kind == HonourKind.BLACK:
        return [*who, "失信记录数", "失信记录及处理结果", "最近认定日期"]
    return [*who, "诚信分", "等级", "守信起始日", "持续守信", "评优评先结果"]


def _notes(found: selectors.HonourList, form: HonourFilterForm, written: int) -> list[list[str]]:
    rule = found.rule
    return [
        ["名称", found.title],
        ["统计日期", found.today.isoformat()],
        ["规则", f"{rule.name}（{rule.effective_from:%Y-%m-%d}起施行）" if rule else "尚无规则"],
        ["处理措施", rule.measures if rule and rule.measures else "—"],
        ["依据", rule.basis if rule and rule.basis else "—"],
        ["筛选条件", "；".join(form.describe()) or "无"],
        ["导出行数", str(written)],
        ["说明", f"每次最多导出{EXPORT_LIMIT}行；内含个人信息，仅限工作使用，导出已记入审计日志。"],
    ]


@perm_required(Perm.INTEGRITY_VIEW)
def honour_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as a workbook (at most ``EXPORT_LIMIT`` rows), audited."""
    kind, form, found = _list(request)
    rows = _rows(found)
    audit.record(
        "integrity.honour_exported",
        actor=request.user,
        object_type="integrity.honourrule",
        object_id=str(found.rule.pk) if found.rule else "",
        object_repr=found.title,
        after={"kind": kind, "rows": len(rows), "filters": form.describe()},
    )
    stamp = timezone.localtime().strftime("%Y%m%d")
    sheets = [
        (found.title, _headers(kind), rows),
        ("说明", ["项目", "内容"], _notes(found, form, len(rows))),
    ]
    return xlsx_download(f"{found.title}-{stamp}.xlsx", sheets)


urls = [
    path("honour/", honour, name="honour"),
    path("honour/export.xlsx", honour_export, name="honour_export"),
]
