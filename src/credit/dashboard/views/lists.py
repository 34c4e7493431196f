"""The lists behind the dashboard's numbers: the credit records and the legal persons a number
counts, with the same filters, and their Excel export. Natural persons appear masked (name and
ID number) for everyone here: these are statistics' drill-downs, read by leaders too."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.errors import CreditError
from credit.core.http import EXPORT_LIMIT, query_without_page, xlsx_download
from credit.core.masking import mask_name
from credit.core.paging import capped_page
from credit.dashboard import selectors
from credit.records.models import CreditRecord
from credit.subjects.models import LegalPerson

PER_PAGE = 30
#: Rows counted at most (a narrower filter finds the rest): an exact count over hundreds of
#: thousands of records costs seconds; the number on the dashboard says how many there are.
CAP = 2_000

RECORD_HEADERS = [
    "决定日期",
    "目录项",
    "主体名称",
    "主体代码",
    "决定文书号",
    "报送部门",
    "主体所属辖市区",  # what the dashboard's district filter reads
    "严重程度",
    "状态",
    "公示截止",
]
SUBJECT_HEADERS = [
    "名称",
    "统一社会信用代码",
    "主体类别",
    "行业门类",
    "辖市区",
    "注册资本（万元）",
    "成立日期",
    "登记状态",
]


def record_row(r: CreditRecord) -> list[Any]:
    if r.legal_person_id:
        name, code = r.legal_person.name, r.legal_person.uscc or ""
    elif r.natural_person_id:
        name, code = mask_name(r.natural_person.name), r.natural_person.id_masked
    else:
        name, code = "—", ""
    subject = r.legal_person or r.natural_person
    district = subject.region.name if subject is not None and subject.region else "—"
    return [
        r.decision_date,
        r.item.name,
        name,
        code,
        r.document_no,
        r.department.short_name,
        district,
        r.get_severity_display() if r.severity else "—",
        r.get_status_display(),
        r.publicity_end,
    ]


def subject_row(lp: LegalPerson) -> list[Any]:
    return [
        lp.name,
        lp.uscc or "",
        lp.get_kind_display(),
        lp.get_industry_display() if lp.industry else "—",
        lp.region.name if lp.region else "—",
        lp.registered_capital,
        lp.established_on,
        lp.get_status_display(),
    ]


def _refused(request: HttpRequest, exc: CreditError, template: str) -> HttpResponse:
    return render(
        request, template, {"error": exc.message, "page": None, "query": ""}, status=exc.status
    )


@require_GET
@perm_required(Perm.DASHBOARD_VIEW)
def records(request: HttpRequest) -> HttpResponse:
    try:
        ask = selectors.RecordQuery.from_query(request.GET)
        qs = selectors.records(request.user, ask)
    except CreditError as exc:
        return _refused(request, exc, "dashboard/records.html")
    page = capped_page(qs, request.GET.get("page"), per_page=PER_PAGE, cap=CAP)
    rows = [record_row(r) for r in page]
    return render(
        request,
        "dashboard/records.html",
        {
            "page": page,
            "rows": rows,
            "ask": ask,
            "query": query_without_page(request),
            "headers": RECORD_HEADERS,
            "labels": {
                "category": selectors.CATEGORY_LABELS.get(ask.category, ""),
                "severity": selectors.SEVERITY_LABELS.get(ask.severity, ""),
                "status": selectors.STATUS_LABELS.get(ask.status, ""),
            },
        },
    )


@require_GET
@perm_required(Perm.DASHBOARD_VIEW)
def records_xlsx(request: HttpRequest) -> HttpResponse:
    try:
        qs = selectors.records(request.user, selectors.RecordQuery.from_query(request.GET))
    except CreditError as exc:
        return _refused(request, exc, "dashboard/records.html")
    rows = (record_row(r) for r in qs[:EXPORT_LIMIT])
    return xlsx_download("统计明细-信用记录.xlsx", [("信用记录", RECORD_HEADERS, rows)])


@require_GET
@perm_required(Perm.DASHBOARD_VIEW)
def subjects(request: HttpRequest) -> HttpResponse:
    try:
        qs = selectors.legal_persons(request.user, request.GET)
    except CreditError as exc:
        return _refused(request, exc, "dashboard/subjects.html")
    page = capped_page(qs, request.GET.get("page"), per_page=PER_PAGE, cap=CAP)
    return render(
        request,
        "dashboard/subjects.html",
        {
            "page": page,
            "rows": [subject_row(lp) for lp in page],
            "query": query_without_page(request),
            "headers": SUBJECT_HEADERS,
        },
    )


@require_GET
@perm_required(Perm.DASHBOARD_VIEW)
def subjects_xlsx(request: HttpRequest) -> HttpResponse:
    try:
        qs = selectors.legal_persons(request.user, request.GET)
    except CreditError as exc:
        return _refused(request, exc, "dashboard/subjects.html")
    rows = (subject_row(lp) for lp in qs[:EXPORT_LIMIT])
    return xlsx_download("统计明细-法人主体.xlsx", [("法人主体", SUBJECT_HEADERS, rows)])
