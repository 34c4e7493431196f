"""The call log (接口调用日志) for the credit office and auditors: the list with its filters, the
statistics and the Excel export (:mod:`credit.gateway.calllog`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from credit.core.http import EXPORT_LIMIT, xlsx_response
from credit.gateway import calllog, selectors
from credit.gateway.forms import (
    CallFilterForm,
)


def call_log_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required, then 管理接口调用方 or 查看审计日志; otherwise the Chinese 403 page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not selectors.can_view_calls(request.user):
            return render(
                request,
                "403.html",
                {"perm_label": "查看接口调用日志", "perm": "gateway.manage / audit.view"},
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapper


def _before(request: HttpRequest) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() else None


@call_log_required
def call_stats(request: HttpRequest) -> HttpResponse:
    form = CallFilterForm(request.GET)
    stats = selectors.call_stats(request.user, form.to_filter()) if form.is_valid() else None
    peak = max((row["calls"] for row in stats["by_day"]), default=0) if stats else 0
    return render(request, "gateway/call_stats.html", {"form": form, "stats": stats, "peak": peak})


@call_log_required
def call_list(request: HttpRequest) -> HttpResponse:
    form = CallFilterForm(request.GET)
    rows, next_before = [], None
    if form.is_valid():
        rows, next_before = selectors.call_page(
            request.user, form.to_filter(), before=_before(request)
        )
    return render(
        request,
        "gateway/call_list.html",
        {
            "form": form,
            "rows": rows,
            "next_before": next_before,
            "paged": _before(request) is not None,
        },
    )


@call_log_required
def call_export(request: HttpRequest) -> HttpResponse:
    """The statistics and the calls of the filter as an Excel workbook."""
    form = CallFilterForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "gateway/call_list.html",
            {"form": form, "rows": [], "next_before": None, "paged": False},
            status=400,
        )
    f = form.to_filter()
    calls = (
        selectors.calls_for(request.user, f)
        .select_related("client", "user", "department")
        .order_by("-id")[:EXPORT_LIMIT]
    )
    content = calllog.export_xlsx(
        actor=request.user,
        stats=selectors.call_stats(request.user, f),
        calls=calls.iterator(chunk_size=2000),
        filters=form.labels(),
    )
    return xlsx_response(content, f"接口调用统计-{f.start:%Y%m%d}-{f.end:%Y%m%d}.xlsx")
