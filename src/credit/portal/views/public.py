"""Public pages of the portal (信用常州): no login, public data only, masked (see
:mod:`credit.portal.selectors`): the home page, the legal-person search and subject page, the
双公示 and list publicity with their Excel exports (at most ``PUBLIC_EXPORT_LIMIT`` rows), and
the published notices. The staff pages that manage notices are in
:mod:`credit.portal.views.notices`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone

from credit.core.http import found, xlsx_download
from credit.core.paging import CappedPage
from credit.portal import constants as c
from credit.portal import publicity, selectors
from credit.portal.constants import NoticeKind
from credit.portal.forms import ListEntryFilterForm, PublicityFilterForm

NOTICE_KINDS = dict(NoticeKind.choices)


def home(request: HttpRequest) -> HttpResponse:
    notices = selectors.latest_notices()
    try:
        columns = publicity.home_columns()
    except publicity.QueryTooBroad:
        columns = {}
    return render(
        request,
        "portal/home.html",
        {
            "nav": "home",
            "columns": columns,
            "notice_columns": [(k, label, notices[k]) for k, label in NoticeKind.choices],
        },
    )


def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, which browsers ask for on every page of either layout: the site's
    icon (a page's own ``<link rel="icon">`` names it too)."""
    return HttpResponsePermanentRedirect(static("portal/favicon.svg"))


def search(request: HttpRequest) -> HttpResponse:
    """企业信用查询: by name fragment, USCC or legacy code (GET, so a result can be shared)."""
    outcome = selectors.search_legal_persons(request.GET.get("q", ""), request.GET.get("page"))
    return render(
        request,
        "portal/search.html",
        {"nav": "search", "outcome": outcome, "query": urlencode({"q": outcome.query})},
    )


def subject(request: HttpRequest, pk: int) -> HttpResponse:
    legal_person = found(selectors.public_legal_person(pk))
    return render(
        request,
        "portal/subject.html",
        {"nav": "search", "profile": selectors.subject_profile(legal_person)},
    )


# --------------------------------------------------------------------------------------------
# 双公示 and lists
# --------------------------------------------------------------------------------------------


def _publicity_kind(kind: str) -> dict[str, str]:
    return found(c.PUBLICITY_KINDS.get(kind))


def _list_kind(kind: str) -> str:
    return found(c.LIST_KINDS.get(kind))


def _page(query: publicity.RecordQuery, request: HttpRequest) -> tuple[Any, str]:
    """The page of the list, or an empty one and a message when the filters were too broad
    for the statement timeout."""
    try:
        return publicity.page(query, request.GET.get("page")), ""
    except publicity.QueryTooBroad:
        message = (
            "查询范围过大，未能在规定时间内完成，请增加筛选条件（如决定部门或日期范围）后重试。"
        )
        return CappedPage([], 1, c.LIST_PAGE_SIZE, 0, False), message


def publicity_list(request: HttpRequest, kind: str) -> HttpResponse:
    """The 行政许可 (``license``) or 行政处罚 (``penalty``) publicity list."""
    spec = _publicity_kind(kind)
    form = PublicityFilterForm(request.GET, kind=kind)
    page, message = _page(publicity.publicity_query(kind, form.filters()), request)
    return render(
        request,
        "portal/publicity.html",
        {
            "nav": kind,
            "kind": kind,
            "spec": spec,
            "form": form,
            "page": page,
            "message": message,
            "query": form.query(),
            "export_limit": c.PUBLIC_EXPORT_LIMIT,
        },
    )


def list_entries(request: HttpRequest, kind: str) -> HttpResponse:
    """A red, black or attention list's public entries."""
    title = _list_kind(kind)
    form = ListEntryFilterForm(request.GET, kind=kind)
    page, message = _page(publicity.list_query(kind, form.filters()), request)
    return render(
        request,
        "portal/list.html",
        {
            "nav": kind,
            "kind": kind,
            "title": title,
            "form": form,
            "page": page,
            "message": message,
            "query": form.query(),
            "export_limit": c.PUBLIC_EXPORT_LIMIT,
        },
    )


def _date(value: Any) -> str:
    return value.isoformat() if value else ""


def _notes(title: str, form: Any, written: int) -> list[list[str]]:
    limit = (
        f"每次最多导出{c.PUBLIC_EXPORT_LIMIT}行（按决定日期从新到旧）；"
        "超出部分请缩小筛选范围后分别导出。"
    )
    return [
        ["名称", title],
        ["导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")],
        ["筛选条件", "；".join(form.describe()) or "无"],
        ["导出行数", str(written)],
        ["说明", limit],
        ["来源", "信用常州（常州市公共信用信息平台），仅含依法公示的信息，自然人信息已脱敏。"],
    ]


def _export(
    title: str,
    headers: list[str],
    rows: Iterable[list[Any]],
    form: Any,
) -> HttpResponse:
    written = 0

    def counted() -> Iterator[list[Any]]:
        nonlocal written
        for row in rows:
            written += 1
            yield row

    def sheets() -> Iterator[tuple[str, list[str], Iterable[Iterable[Any]]]]:
        yield title, headers, counted()
        # Made once the rows are written, so it can say how many there were.
        yield "说明", ["项目", "内容"], _notes(title, form, written)

    stamp = timezone.localtime().strftime("%Y%m%d")
    return xlsx_download(f"{title}-{stamp}.xlsx", sheets())


def publicity_xlsx(request: HttpRequest, kind: str) -> HttpResponse:
    """The filtered 行政许可/行政处罚 rows as a workbook (at most ``PUBLIC_EXPORT_LIMIT``)."""
    spec = _publicity_kind(kind)
    form = PublicityFilterForm(request.GET, kind=kind)
    query = publicity.publicity_query(kind, form.filters())
    headers = ["行政相对人名称", "统一社会信用代码/证件号码", "决定文书号",
               spec["category_label"], "内容", "决定部门", "所属区划", spec["date_label"],
               "有效期至"]  # fmt: skip
    rows = (
        [r.subject_name, r.subject_code, r.document_no, r.kind_value, r.content,
         r.department, r.region, _date(r.decision_date), _date(r.valid_to)]
        for r in publicity.export_rows(query, c.PUBLIC_EXPORT_LIMIT)
    )  # fmt: skip
    return _export(f"{spec['title']}公示", headers, rows, form)


def list_xlsx(request: HttpRequest, kind: str) -> HttpResponse:
    """The filtered entries of a list as a workbook (at most ``PUBLIC_EXPORT_LIMIT``)."""
    title = _list_kind(kind)
    form = ListEntryFilterForm(request.GET, kind=kind)
    query = publicity.list_query(kind, form.filters())
    headers = ["名单", "主体名称", "统一社会信用代码/证件号码", "文书号", "认定部门",
               "所属区划", "列入日期", "有效期至"]  # fmt: skip
    rows = (
        [r.item, r.subject_name, r.subject_code, r.document_no, r.department, r.region,
         _date(r.decision_date), _date(r.valid_to) or "长期"]
        for r in publicity.export_rows(query, c.PUBLIC_EXPORT_LIMIT)
    )  # fmt: skip
    return _export(f"{title}公示", headers, rows, form)


# --------------------------------------------------------------------------------------------
# Notices
# --------------------------------------------------------------------------------------------


def notices(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind not in NOTICE_KINDS:
        kind = ""
    page = selectors.page_of_notices(selectors.published_notices(kind), request.GET.get("page"))
    return render(
        request,
        "portal/notices.html",
        {
            "nav": f"notices-{kind}" if kind else "notices",
            "kind": kind,
            "kind_label": NOTICE_KINDS.get(kind, "新闻公告"),
            "notice_kinds": NOTICE_KINDS,
            "page": page,
            "query": f"kind={kind}" if kind else "",
        },
    )


def notice(request: HttpRequest, pk: int) -> HttpResponse:
    shown = found(selectors.published_notice(pk))
    return render(
        request,
        "portal/notice.html",
        {"nav": f"notices-{shown.kind}", "notice": shown, "kind_label": NOTICE_KINDS[shown.kind]},
    )
