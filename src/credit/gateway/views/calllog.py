"""The call log (接口调用日志) for the credit office and auditors: the list with its filters, the
statistics and the Excel export (:mod:`credit.gateway.calllog`)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

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


def _charts(form: CallFilterForm, stats: dict[str, Any]) -> dict[str, dict]:
    """The statistics as charts: calls per day of the period (days without calls at 0) and
    per caller, each number linking to the calls it counts."""
    f = form.to_filter()
    kept = {k: v for k, v in form.data.items() if k not in ("start", "end", "before") and v}
    calls = reverse("gateway:calls")
    by_day = {row["day"]: row for row in stats["by_day"]}
    days = [f.start + datetime.timedelta(days=n) for n in range((f.end - f.start).days + 1)]

    def day_link(day: datetime.date, status: str = "") -> str:
        query = {**kept, "start": day.isoformat(), "end": day.isoformat()}
        if status:
            query["status"] = status
        return f"{calls}?{urlencode(query)}"

    series = [("calls", "调用次数", ""), ("client_errors", "客户端错误（4xx）", "4xx"),
              ("server_errors", "服务端错误（5xx）", "5xx")]  # fmt: skip
    period = {**kept, "start": f.start.isoformat(), "end": f.end.isoformat()}
    clients = stats["by_client"]
    return {
        "by_day": {
            "unit": "次",
            "categories": [d.strftime("%m-%d") for d in days],
            "series": [
                {
                    "name": name,
                    "data": [by_day[d][key] if d in by_day else 0 for d in days],
                    "links": [day_link(d, status) for d in days],
                }
                for key, name, status in series
            ],
            "empty_text": "统计期内没有调用",
        },
        "by_client": {
            "unit": "次",
            "categories": [row["label"] for row in clients],
            "series": [{"name": "调用次数", "data": [row["calls"] for row in clients]}],
            "links": [
                f"{calls}?{urlencode({**period, 'client': row['client_id'] or row['caller']})}"
                for row in clients
            ],
            "empty_text": "统计期内没有调用",
        },
    }


@call_log_required
def call_stats(request: HttpRequest) -> HttpResponse:
    form = CallFilterForm(request.GET)
    stats = selectors.call_stats(request.user, form.to_filter()) if form.is_valid() else None
    peak = max((row["calls"] for row in stats["by_day"]), default=0) if stats else 0
    return render(
        request,
        "gateway/call_stats.html",
        {
            "form": form,
            "stats": stats,
            "peak": peak,
            "charts": _charts(form, stats) if stats else None,
        },
    )


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
