"""The civil servants' integrity archive (公务员诚信档案) for the organisation and HR departments,
the district administrators and the credit office: the list with its grade counts, filters and
Excel export, the search by ID number, one person's archive (一人一档) and the grade
distributions per district and per unit.

Every read goes through :func:`credit.integrity.selectors.civil_servants_for` (the one scope of
archives): a person outside the reader's scope is "not found", like one that does not exist.
Opening an archive, finding one by ID number and exporting the list are audited reads. ID
numbers never go into an address: the search is posted and answered with a redirect.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from credit.catalog.constants import FieldRole, Sensitivity, Validator
from credit.catalog.masking import masked_value
from credit.catalog.rules import spec_for
from credit.core import audit
from credit.core.access import Perm, principal_of
from credit.core.access.decorators import perm_required
from credit.core.http import EXPORT_LIMIT, found, query_without_page, stamp, xlsx_download
from credit.core.masking import mask_id_number, mask_name
from credit.core.models import Department, Region
from credit.core.paging import capped_page
from credit.integrity.constants import ARCHIVE_ITEMS, TIMELINE_ITEMS, Grade
from credit.integrity.forms import ArchiveFilterForm, IdSearchForm
from credit.integrity.models import CivilServant
from credit.integrity.selectors import (
    civil_servant_for,
    civil_servants_for,
    explanation,
    oversees_region,
)
from credit.integrity.selectors.stats import (
    GRADE_SHORT,
    GRADES,
    UNSCORED,
    grade_counts,
    grade_distribution,
)
from credit.records.models import CreditRecord
from credit.records.selectors import usable_q
from credit.subjects.selectors import natural_person_by_id

PAGE_SIZE = 30
#: The most rows the list counts (a narrower filter finds the rest).
COUNT_CAP = 10_000
#: The most records of one kind an archive's timeline lists.
TIMELINE_LIMIT = 200
#: Fields of a record not repeated on the timeline: the person (the archive's subject), and the
#: document number and date its line shows.
_SHOWN_ROLES = frozenset(
    {
        FieldRole.SUBJECT_NAME,
        FieldRole.ID_NUMBER,
        FieldRole.ID_TYPE,
        FieldRole.DOCUMENT_NO,
        FieldRole.DECISION_DATE,
    }
)
_ID_VALIDATORS = frozenset({Validator.RESIDENT_ID, Validator.ID_BY_TYPE})


# --------------------------------------------------------------------------------------------
# The list
# --------------------------------------------------------------------------------------------


def _choices(scope: QuerySet[CivilServant]) -> tuple[list[tuple[str, str]], list[tuple]]:
    """The districts and units that have archives in the reader's scope (two queries)."""
    regions = [
        (code, f"{name}（市级单位）" if level == Region.Level.CITY else name)
        for code, name, level in Region.objects.filter(
            Exists(scope.order_by().filter(region_id=OuterRef("code")))
        )
        .order_by("sort_order", "code")
        .values_list("code", "name", "level")
    ]
    units = list(
        Department.objects.filter(Exists(scope.order_by().filter(unit_id=OuterRef("pk"))))
        .order_by("sort_order", "code")
        .values_list("pk", "short_name")
    )
    return regions, units


def _filtered(
    scope: QuerySet[CivilServant], f: dict[str, Any], *, grade: bool = True
) -> QuerySet[CivilServant]:
    qs = scope
    if f.get("region"):
        qs = qs.filter(region_id=f["region"])
    if f.get("unit"):
        qs = qs.filter(unit__isnull=True) if f["unit"] == "none" else qs.filter(unit_id=f["unit"])
    if f.get("identity_type"):
        qs = qs.filter(identity_type=f["identity_type"])
    if f.get("name"):
        qs = qs.filter(natural_person__name__icontains=f["name"])
    if grade and f.get("grade"):
        qs = qs.filter(grade="" if f["grade"] == UNSCORED else f["grade"])
    return qs


def _ordered(qs: QuerySet[CivilServant]) -> QuerySet[CivilServant]:
    """Lowest score first (those who need attention), those not scored yet last."""
    return qs.order_by(F("score").asc(nulls_last=True), "unit_name", "id")


def _archive(request: HttpRequest) -> tuple[ArchiveFilterForm, QuerySet, dict[str, Any]]:
    scope = civil_servants_for(request.user)
    regions, units = _choices(scope)
    form = ArchiveFilterForm(request.GET or None, regions=regions, units=units)
    return form, scope, form.filters()


def _list_link(**query: str) -> str:
    query = {k: v for k, v in query.items() if v}
    return f"{reverse('integrity:index')}{'?' + urlencode(query) if query else ''}"


def _render_list(
    request: HttpRequest, *, search_form: IdSearchForm | None = None, status: int = 200
) -> HttpResponse:
    form, scope, f = _archive(request)
    base = _filtered(scope, f, grade=False)
    counts = grade_counts(base)
    page = capped_page(
        _ordered(_filtered(base, f)), request.GET.get("page"), per_page=PAGE_SIZE, cap=COUNT_CAP
    )
    keep = {k: v for k, v in request.GET.items() if k not in ("grade", "page")}
    summary = [
        {
            "key": g,
            "label": GRADE_SHORT[g],
            "n": counts[g],
            "url": _list_link(**keep, grade=g),
            "current": f.get("grade") == g,
        }
        for g in (*GRADES, UNSCORED)
    ]
    p = principal_of(request.user)
    return render(
        request,
        "integrity/archive_list.html",
        {
            "page": page,
            "form": form,
            "search_form": search_form or IdSearchForm(),
            "query": query_without_page(request),
            "summary": summary,
            "total": counts["total"],
            "all_url": _list_link(**keep),
            "filtered": bool(f),
            "scope_label": _scope_label(p),
            "may_manage": p.has_perm(Perm.INTEGRITY_MANAGE),
        },
        status=status,
    )


def _scope_label(p: Any) -> str:
    """Whose archives the reader sees, in words (the rule of :func:`archive_q`)."""
    if p.city_wide:
        return "全市公务员的诚信档案"
    if p.departments is not None:
        dept = Department.objects.select_related("region").filter(pk=p.department_id).first()
        if dept is None:
            return "无"
        if oversees_region(dept):
            where = "全市" if dept.region.level == Region.Level.CITY else dept.region.name
            return f"{where}公务员的诚信档案（{dept.short_name}）"
        return f"本单位（{dept.short_name}）公务员的诚信档案"
    return "本辖市区公务员的诚信档案"


@perm_required(Perm.INTEGRITY_VIEW)
def archive_list(request: HttpRequest) -> HttpResponse:
    """The archives of the reader's scope: counts per grade, filters, lowest score first."""
    return _render_list(request)


@require_POST
@perm_required(Perm.INTEGRITY_VIEW)
def archive_search(request: HttpRequest) -> HttpResponse:
    """One archive by ID number (posted): found in the reader's scope, the archive opens;
    otherwise the list says so — alike for an unknown number and one outside the scope. The
    look-up is an audited read (whether it found someone, never the number)."""
    form = IdSearchForm(request.POST)
    if not form.is_valid():
        return _render_list(request, search_form=form)
    person = natural_person_by_id(form.cleaned_data["id_number"])
    hit = (
        civil_servants_for(request.user).filter(natural_person=person).first()
        if person is not None
        else None
    )
    audit.record(
        "integrity.archive_searched",
        actor=request.user,
        object_type=CivilServant._meta.label_lower,
        object_id=str(hit.pk) if hit else "",
        object_repr=str(hit) if hit else "",
        after={"found": hit is not None},
    )
    if hit is None:
        form.add_error(
            "id_number",
            "没有找到该身份证号的公务员诚信档案，或该档案不在您的查看范围内"
            "（请核对号码；其他单位的档案请联系其组织人事部门或市信用办）",
        )
        return _render_list(request, search_form=form)
    return redirect("integrity:detail", pk=hit.pk)


def _export_name(cs: CivilServant, unmasked: bool) -> str:
    return cs.natural_person.name if unmasked else mask_name(cs.natural_person.name)


@perm_required(Perm.INTEGRITY_VIEW)
def archive_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as Excel, one row per civil servant: the ID number masked always, the
    name masked unless the reader may read natural persons' files in clear (查询自然人信用档案).
    The export is an audited read."""
    _, scope, f = _archive(request)
    rows_of = list(_ordered(_filtered(scope, f)).select_related("ruleset")[:EXPORT_LIMIT])
    p = principal_of(request.user)
    unmasked = p.has_perm(Perm.SUBJECT_VIEW_NATURAL) and not p.masked_names
    audit.record(
        "integrity.archive_exported",
        actor=request.user,
        object_type=CivilServant._meta.label_lower,
        after={"rows": len(rows_of), "query": query_without_page(request)[:500]},
    )
    headers = [
        "姓名" if unmasked else "姓名（脱敏）", "身份证号（脱敏）", "工作单位", "职务", "职务层次",
        "身份类型", "政治面貌", "所属区划", "诚信分", "等级", "评分规则版本", "计分时间",
    ]  # fmt: skip
    rows = (
        [
            _export_name(cs, unmasked),
            cs.natural_person.id_masked,
            cs.unit_name,
            cs.position,
            cs.rank,
            cs.identity_type,
            cs.political_status,
            cs.region.name,
            cs.score,
            cs.grade or "未计分",
            cs.ruleset.name if cs.ruleset_id else "",
            cs.computed_at,
        ]
        for cs in rows_of
    )
    return xlsx_download(f"公务员诚信档案-{stamp()}.xlsx", [("公务员诚信档案", headers, rows)])


# --------------------------------------------------------------------------------------------
# One person's archive (一人一档)
# --------------------------------------------------------------------------------------------


def _is_id_field(rule: Any) -> bool:
    return rule.role == FieldRole.ID_NUMBER or rule.validator in _ID_VALIDATORS


def _basic(cs: CivilServant) -> list[tuple[str, str]]:
    """The basic information of the latest 公务人员基础信息 record, every field in the item's
    order (the ID number masked); without one, what the archive holds."""
    record = (
        CreditRecord.objects.select_related("item").filter(pk=cs.basic_record_id).first()
        if cs.basic_record_id
        else None
    )
    if record is None:
        return [
            ("姓名", cs.natural_person.name),
            ("身份证号", cs.natural_person.id_masked),
            ("现工作单位", cs.unit_name),
            ("现职务", cs.position),
            ("现职务层次", cs.rank),
            ("身份类型", cs.identity_type),
            ("政治面貌", cs.political_status),
        ]
    payload = record.payload or {}
    out = []
    for rule in spec_for(record.item).fields:
        value = payload.get(rule.code)
        text = "" if value is None else str(value)
        if _is_id_field(rule):
            text = mask_id_number(text) if text else cs.natural_person.id_masked
        out.append((rule.name, text))
    return out


def _fields(record: CreditRecord) -> list[tuple[str, str]]:
    """What a record says besides who it is about (the archive's person) and what the
    timeline shows already (document number, date): every non-empty field in the item's
    order, a sensitive one masked; fields the item no longer has last."""
    spec = spec_for(record.item)
    payload = record.payload or {}
    known = {rule.code for rule in spec.fields}
    out = []
    for rule in spec.fields:
        value = payload.get(rule.code)
        if value in (None, "") or rule.role in _SHOWN_ROLES or _is_id_field(rule):
            continue
        if rule.sensitivity == Sensitivity.SENSITIVE:
            value = masked_value(rule, value)
        out.append((rule.name, str(value)))
    for code, value in payload.items():
        if code not in known and value not in (None, ""):
            out.append((code, str(masked_value(None, value))))
    return out


def _timeline(
    cs: CivilServant, actor: Any, explained: set[int], counting: set[int]
) -> list[dict[str, Any]]:
    """The person's records of every archive kind, grouped by kind in the archive's order,
    newest first: the archive's own items always; the library's other items (行政处罚,
    失信被执行人 …) as the reader may use them, and any record the score explains. Records
    counting in the score today are marked (``counting``)."""
    visible = Q(item__code__in=ARCHIVE_ITEMS) | usable_q(actor) | Q(pk__in=sorted(explained))
    records = (
        CreditRecord.objects.filter(natural_person_id=cs.natural_person_id)
        .filter(item__code__in=TIMELINE_ITEMS)
        .filter(visible)
        .select_related("item", "department")
        .order_by("-decision_date", "-id")
    )
    groups: dict[str, list[CreditRecord]] = defaultdict(list)
    names: dict[str, str] = {}
    for record in records[: TIMELINE_LIMIT * len(TIMELINE_ITEMS)]:
        code = record.item.code
        if len(groups[code]) < TIMELINE_LIMIT:
            record.fields = _fields(record)
            record.counted = record.pk in counting
            record.arrived = timezone.localtime(record.created_at).date()
            groups[code].append(record)
            names[code] = record.item.name
    return [
        {"code": code, "name": names[code], "records": groups[code]}
        for code in TIMELINE_ITEMS
        if groups.get(code)
    ]


def _history(cs: CivilServant) -> tuple[list, dict[str, Any]]:
    years = list(cs.years.select_related("ruleset").order_by("year"))
    chart = {
        "unit": "分",
        "categories": [str(y.year) for y in years],
        "series": [{"name": "年度诚信分", "data": [y.score for y in years]}],
        "empty_text": "还没有年度得分",
    }
    return years, chart


@perm_required(Perm.INTEGRITY_VIEW)
def archive_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One civil servant's archive (一人一档): basic information, the score and grade with every
    point change explained, the records by kind on a timeline, the score per year and the
    rule version used. Every view is an audited read; outside the reader's scope: 404."""
    cs = found(civil_servant_for(request.user, pk))
    audit.record("integrity.archive_read", actor=request.user, obj=cs)
    today = timezone.localdate()
    items = explanation.explained_items(cs, today=today)
    explained = {row.record_id for row in items}
    counting = {row.record_id for row in items if row.in_force}
    items += explanation.withdrawn_items(cs)
    years, chart = _history(cs)
    ruleset = cs.ruleset
    return render(
        request,
        "integrity/archive_detail.html",
        {
            "cs": cs,
            "person": cs.natural_person,
            "basic": _basic(cs),
            "grade_label": Grade(cs.grade).label if cs.grade else "",
            "ruleset": ruleset,
            "items": items,
            "in_force_total": sum(r.points for r in items if r.in_force),
            "timeline": _timeline(cs, request.user, explained, counting),
            "years": years,
            "chart": chart,
            "today": today,
        },
    )


# --------------------------------------------------------------------------------------------
# Grade distributions (等级分布)
# --------------------------------------------------------------------------------------------


def _chart(rows: list[dict[str, Any]], by: str, empty: str) -> dict[str, Any]:
    """Stacked bars: one series per grade, each bar's part linking to the list it counts."""
    return {
        "unit": "人",
        "categories": [r["label"] for r in rows],
        "series": [
            {
                "name": GRADE_SHORT[g],
                "data": [r[g] for r in rows],
                "links": [_list_link(**{by: r["key"] or "none", "grade": g}) for r in rows],
            }
            for g in (*GRADES, UNSCORED)
        ],
        "empty_text": empty,
    }


def _table(rows: list[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    return [
        {
            "label": r["label"],
            "cells": [
                (r[g], _list_link(**{by: r["key"] or "none", "grade": g}))
                for g in (*GRADES, UNSCORED)
            ],
            "total": (r["total"], _list_link(**{by: r["key"] or "none"})),
        }
        for r in rows
    ]


@perm_required(Perm.INTEGRITY_VIEW)
def distribution(request: HttpRequest) -> HttpResponse:
    """The grade distribution of the reader's archives per district and per unit: stacked bars
    above their tables, every number linking to the list it counts."""
    scope = civil_servants_for(request.user)
    by_region = grade_distribution(request.user, "region", queryset=scope)
    by_unit = grade_distribution(request.user, "unit", queryset=scope)
    return render(
        request,
        "integrity/archive_distribution.html",
        {
            "grades": [GRADE_SHORT[g] for g in (*GRADES, UNSCORED)],
            "region_chart": _chart(by_region, "region", "您的查看范围内还没有公务员诚信档案"),
            "unit_chart": _chart(by_unit, "unit", "您的查看范围内还没有公务员诚信档案"),
            "region_rows": _table(by_region, "region"),
            "unit_rows": _table(by_unit, "unit"),
            "scope_label": _scope_label(principal_of(request.user)),
        },
    )


@perm_required(Perm.INTEGRITY_VIEW)
def distribution_export(request: HttpRequest) -> HttpResponse:
    """The two distributions as Excel (counts only, no person)."""
    scope = civil_servants_for(request.user)
    headers = [GRADE_SHORT[g] for g in (*GRADES, UNSCORED)] + ["合计（人）"]

    def sheet(by: str, title: str, first: str):
        rows = grade_distribution(request.user, by, queryset=scope)  # type: ignore[arg-type]
        return (
            title,
            [first, *headers],
            ([r["label"], *(r[g] for g in (*GRADES, UNSCORED)), r["total"]] for r in rows),
        )

    return xlsx_download(
        f"公务员诚信等级分布-{stamp()}.xlsx",
        [sheet("region", "按区划", "区划"), sheet("unit", "按单位", "工作单位")],
    )


urls = [
    path("", archive_list, name="index"),
    path("export.xlsx", archive_export, name="export"),
    path("search/", archive_search, name="search"),
    path("distribution/", distribution, name="distribution"),
    path("distribution/export.xlsx", distribution_export, name="distribution_export"),
    path("civil-servants/<id:pk>/", archive_detail, name="detail"),
]
