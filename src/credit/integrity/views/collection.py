"""The annual collection's task list (年度归集任务): per unit and year its deadline, status
(overdue in red), the batches and accepted rows it delivered, with filters, a chart of the
statuses above their table and the Excel export; and, for the city's credit office, the form
that opens a year (下达年度归集任务).

Units' own officers see their own task, a district its departments', the city every task
(:mod:`credit.integrity.selectors.collection`). Opening a year goes through
:func:`credit.integrity.services.collection.open_year`; a refusal is shown on the form.
"""

from __future__ import annotations

import calendar
import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from credit.core.access import Perm, principal_of
from credit.core.access.decorators import any_perm_required, perm_required
from credit.core.forms import submit
from credit.core.http import EXPORT_LIMIT, query_without_page, stamp, xlsx_download
from credit.core.models import Region
from credit.core.paging import capped_page
from credit.integrity.constants import TaskStatus
from credit.integrity.forms import CollectionFilterForm, CollectionOpenForm
from credit.integrity.models import CollectionTask
from credit.integrity.selectors import collection as selectors
from credit.integrity.services import collection as services

PAGE_SIZE = 50
COUNT_CAP = 5_000
STATUS_LABELS = dict(TaskStatus.choices)
#: The statuses in the order the page counts them.
STATUS_ORDER = (TaskStatus.PENDING, TaskStatus.OVERDUE, TaskStatus.LATE, TaskStatus.SUBMITTED)
#: Service error code → field of the opening form.
OPEN_ERRORS = {"year_invalid": "year", "deadline_invalid": "deadline"}


def default_deadline(year: int) -> datetime.date:
    """The last day of February of ``year``: the seed's collection month."""
    return datetime.date(year, 2, calendar.monthrange(year, 2)[1])


def may_open(actor: Any) -> bool:
    """Whether ``actor`` may open a year: the city's credit office (``integrity.manage``,
    city-wide) — the page shows the form only to them; the service enforces it."""
    p = principal_of(actor)
    return p.has_perm(Perm.INTEGRITY_MANAGE) and p.city_wide


def _link(year: int, **query: str) -> str:
    return f"{reverse('integrity:collection')}?{urlencode({'year': year, **query})}"


def _regions(actor: Any) -> list[tuple[str, str]]:
    tasks = selectors.tasks_for(actor).order_by()
    return list(
        Region.objects.filter(Exists(tasks.filter(department__region_id=OuterRef("code"))))
        .order_by("sort_order", "code")
        .values_list("code", "name")
    )


def _tasks(request: HttpRequest) -> tuple[CollectionFilterForm, int, Any]:
    today = timezone.localdate()
    years = sorted(set(selectors.years_for(request.user)) | {today.year}, reverse=True)
    form = CollectionFilterForm(
        request.GET or None,
        years=years,
        statuses=[(s, STATUS_LABELS[s]) for s in STATUS_ORDER],
        regions=_regions(request.user),
    )
    f = form.filters()
    year = f.get("year") or today.year
    qs = selectors.filtered_tasks(
        request.user,
        year=year,
        status=f.get("status", ""),
        region=f.get("region", ""),
        q=f.get("q", ""),
        today=today,
    )
    return form, year, qs


def _shown(task: CollectionTask, today: datetime.date) -> CollectionTask:
    task.shown = selectors.shown_status(task, today)
    task.shown_label = STATUS_LABELS[task.shown]
    task.overdue = task.shown in (TaskStatus.OVERDUE, TaskStatus.LATE)
    return task


def _render(
    request: HttpRequest, *, open_form: CollectionOpenForm | None = None, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    form, year, qs = _tasks(request)
    page = capped_page(qs, request.GET.get("page"), per_page=PAGE_SIZE, cap=COUNT_CAP)
    for task in page:
        _shown(task, today)
    counts = selectors.summary(request.user, year=year, today=today)
    rows = [
        {"status": s, "label": STATUS_LABELS[s], "n": counts[s], "url": _link(year, status=s)}
        for s in STATUS_ORDER
    ]
    opener = may_open(request.user)
    if opener and open_form is None:
        open_form = CollectionOpenForm(
            initial={"year": today.year, "deadline": default_deadline(today.year)}
        )
    filters = form.filters()
    filters.pop("year", None)
    return render(
        request,
        "integrity/collection_list.html",
        {
            "page": page,
            "form": form,
            "year": year,
            "query": query_without_page(request),
            "filtered": bool(filters),
            "counts": counts,
            "status_rows": rows,
            "chart": {
                "unit": "个",
                "categories": [r["label"] for r in rows],
                "series": [{"name": "单位", "data": [r["n"] for r in rows]}],
                "links": [r["url"] for r in rows],
                "empty_text": f"{year}年度还没有归集任务",
            },
            "open_form": open_form if opener else None,
            "tenant": principal_of(request.user).tenant_label,
            "may_submit": principal_of(request.user).has_perm(Perm.RECORD_SUBMIT),
            "export_url": f"{reverse('integrity:collection_export')}?"
            + (query_without_page(request) or urlencode({"year": year})),
        },
        status=status,
    )


@any_perm_required(*selectors.SEES)
def collection(request: HttpRequest) -> HttpResponse:
    """The tasks of a year (default: this year) in the reader's scope, waiting ones first."""
    return _render(request)


@any_perm_required(*selectors.SEES)
def collection_export(request: HttpRequest) -> HttpResponse:
    """The filtered tasks of the year as a workbook."""
    today = timezone.localdate()
    _, year, qs = _tasks(request)
    rows = (
        [
            year,
            t.department.region.name,
            t.department.name,
            t.deadline,
            STATUS_LABELS[selectors.shown_status(t, today)],
            t.submitted_at,
            t.batches,
            t.rows,
            t.updated_at,
        ]
        for t in qs[:EXPORT_LIMIT]
    )
    headers = ["归集年度", "区划", "单位", "截止日期", "状态", "首次报送时间", "报送批次数",
               "入库记录数", "状态更新时间"]  # fmt: skip
    return xlsx_download(f"年度归集任务-{year}-{stamp()}.xlsx", [("年度归集任务", headers, rows)])


@perm_required(Perm.INTEGRITY_MANAGE)
@require_POST
def collection_open(request: HttpRequest) -> HttpResponse:
    """Open (or postpone) the annual collection of a year; a refusal — not the city's credit
    office, a deadline outside the year — is shown on the form (400)."""
    form = CollectionOpenForm(request.POST)
    done = submit(
        request,
        form,
        lambda d: (
            d["year"],
            services.open_year(actor=request.user, year=d["year"], deadline=d["deadline"]),
        ),
        done=lambda result: _link(result[0]),
        message=lambda result: (
            f"已下达{result[0]}年度归集任务：新增 {result[1]} 个单位的任务，"
            f"截止日期 {form.cleaned_data['deadline']:%Y-%m-%d}"
        ),
        errors=OPEN_ERRORS,
        with_code=False,
    )
    if done is not None:
        return done
    if not may_open(request.user):
        # A district's administrator holds the permission but not the city's task.
        return render(
            request,
            "403.html",
            {"perm_label": "下达年度归集任务（市信用办）", "perm": Perm.INTEGRITY_MANAGE},
            status=403,
        )
    return _render(request, open_form=form, status=400)


urls = [
    path("collection/", collection, name="collection"),
    path("collection/export.xlsx", collection_export, name="collection_export"),
    path("collection/open/", collection_open, name="collection_open"),
]
