"""Statistics of credit reports (报告统计) in the user's tenant: applications by status and by
channel, the open and overdue ones, and the reports issued per month over the last year —
each as a chart above its table, every number linking to the queue it counts — and their
Excel export."""

from __future__ import annotations

import calendar
import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from credit.core.access import Perm, principal_of
from credit.core.access.decorators import perm_required
from credit.core.http import xlsx_download
from credit.objections.views.workbench import stamp
from credit.reports import selectors
from credit.reports.constants import ApplicationStatus, Channel
from credit.reports.models import Report
from credit.reports.views import render_page

#: How many months the monthly chart covers, this month included.
MONTHS = 12


def _queue_link(**query: str) -> str:
    return f"{reverse('reports:applications')}?{urlencode(query)}"


def _months(today: datetime.date) -> list[datetime.date]:
    """The first days of the last :data:`MONTHS` months, oldest first."""
    out, year, month = [], today.year, today.month
    for _ in range(MONTHS):
        out.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def statistics(actor: Any, today: datetime.date | None = None) -> dict[str, Any]:
    """The figures of the page, in the actor's tenant."""
    today = today or timezone.localdate()
    figures = selectors.stats(actor)
    months = _months(today)
    issued = (
        Report.objects.filter(
            application__in=selectors.applications_for(actor).order_by().values("pk"),
            issued_at__date__gte=months[0],
        )
        .annotate(month=TruncMonth("issued_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_month = {row["month"].date() if hasattr(row["month"], "date") else row["month"]: row["n"]
                 for row in issued}  # fmt: skip
    figures["status_rows"] = [
        (value, label, figures["by_status"].get(value, 0))
        for value, label in ApplicationStatus.choices
    ]
    figures["channel_rows"] = [
        (value, label, figures["by_channel"].get(value, 0)) for value, label in Channel.choices
    ]
    figures["month_rows"] = [(m, per_month.get(m, 0)) for m in months]
    return figures


def _month_link(month: datetime.date) -> str:
    last = calendar.monthrange(month.year, month.month)[1]
    return _queue_link(
        status=ApplicationStatus.ISSUED,
        issued_from=month.isoformat(),
        issued_to=month.replace(day=last).isoformat(),
    )


def charts(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The charts' data (credit/charts.js): each number links to the queue it counts."""
    return {
        "status": {
            "unit": "件",
            "categories": [label for _, label, _ in figures["status_rows"]],
            "series": [{"name": "申请", "data": [n for _, _, n in figures["status_rows"]]}],
            "links": [_queue_link(status=value) for value, _, _ in figures["status_rows"]],
            "empty_text": "还没有信用报告申请",
        },
        "channel": {
            "unit": "件",
            "categories": [label for _, label, _ in figures["channel_rows"]],
            "series": [{"name": "申请", "data": [n for _, _, n in figures["channel_rows"]]}],
            "links": [_queue_link(channel=value) for value, _, _ in figures["channel_rows"]],
            "empty_text": "还没有信用报告申请",
        },
        "months": {
            "unit": "份",
            "categories": [f"{m:%Y-%m}" for m, _ in figures["month_rows"]],
            "series": [{"name": "出具报告", "data": [n for _, n in figures["month_rows"]]}],
            "links": [_month_link(m) for m, _ in figures["month_rows"]],
            "empty_text": "近12个月没有出具报告",
        },
    }


@perm_required(Perm.REPORT_VIEW)
def stats(request: HttpRequest) -> HttpResponse:
    figures = statistics(request.user)
    return render_page(
        request,
        "reports/stats.html",
        {
            "f": figures,
            "charts": charts(figures),
            "tenant": principal_of(request.user).tenant_label,
            "overdue_link": _queue_link(overdue="on"),
            "status_table": [
                {"label": label, "n": n, "url": _queue_link(status=value)}
                for value, label, n in figures["status_rows"]
            ],
            "channel_table": [
                {"label": label, "n": n, "url": _queue_link(channel=value)}
                for value, label, n in figures["channel_rows"]
            ],
            "month_table": [
                {"label": f"{m:%Y-%m}", "n": n, "url": _month_link(m)}
                for m, n in figures["month_rows"]
            ],
        },
    )


@perm_required(Perm.REPORT_VIEW)
def stats_xlsx(request: HttpRequest) -> HttpResponse:
    f = statistics(request.user)
    return xlsx_download(
        f"信用报告统计-{stamp()}.xlsx",
        [
            ("按状态", ["状态", "申请（件）"], ([label, n] for _, label, n in f["status_rows"])),
            (
                "按渠道",
                ["申请渠道", "申请（件）"],
                ([label, n] for _, label, n in f["channel_rows"]),
            ),
            (
                "按月出具",
                ["月份", "出具报告（份）"],
                ([f"{m:%Y-%m}", n] for m, n in f["month_rows"]),
            ),
            (
                "办理情况",
                ["项目", "数量"],
                [
                    ["办理中", f["open"]],
                    ["超期未办", f["overdue"]],
                    ["超期出具", f["issued_late"]],
                    ["已出具报告（份）", f["reports"]],
                ],
            ),
        ],
    )
