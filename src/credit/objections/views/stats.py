"""Statistics (统计) of objections and repairs per source department and month of receipt,
with their Excel export; each part only for a user who may see it."""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from credit.core.access import Perm, has_perm
from credit.core.access.decorators import any_perm_required
from credit.core.http import xlsx_download
from credit.objections import selectors
from credit.objections.constants import ObjectionStatus, RepairStatus
from credit.objections.forms import DateRangeForm, month_start
from credit.objections.views.workbench import render_page, stamp

STATS_PERMS = (Perm.OBJECTION_HANDLE, Perm.REPAIR_REVIEW)
OBJECTION_COLUMNS = [
    ("total", "收到"),
    ("open", "办理中"),
    (ObjectionStatus.REFUSED, "不予受理"),
    (ObjectionStatus.CORRECTED, "更正"),
    (ObjectionStatus.REVOKED, "撤销"),
    (ObjectionStatus.UPHELD, "维持"),
    (ObjectionStatus.WITHDRAWN, "撤回"),
    ("overdue", "超期未办"),
]
REPAIR_COLUMNS = [
    ("total", "申请"),
    (RepairStatus.GRANTED, "准予修复"),
    (RepairStatus.REFUSED, "不予修复"),
    (RepairStatus.SUBMITTED, "待审核"),
]


def _stats(request: HttpRequest) -> tuple[DateRangeForm, dict]:
    params = request.GET.copy()
    if "date_from" not in params:
        params["date_from"] = month_start().isoformat()
    form = DateRangeForm(params)
    bounds = form.filters()
    data = selectors.statistics(
        request.user, date_from=bounds.get("date_from"), date_to=bounds.get("date_to")
    )
    for row in data["objections"]:
        row["cells"] = [row[key] for key, _ in OBJECTION_COLUMNS]
    for row in data["repairs"]:
        row["cells"] = [row[key] for key, _ in REPAIR_COLUMNS]
    return form, data


#: What the charts above the tables count per month: (row key, series name, list filter).
OBJECTION_CHART = [("total", "收到", {}), ("open", "办理中", {"status": "open"}),
                   ("overdue", "超期未办", {"status": "open", "overdue": "on"})]  # fmt: skip
REPAIR_CHART = [("total", "申请", {}), (RepairStatus.GRANTED, "准予修复", {"status": "granted"}),
                (RepairStatus.REFUSED, "不予修复", {"status": "refused"}),
                (RepairStatus.SUBMITTED, "待审核", {"status": "submitted"})]  # fmt: skip


def _month_chart(rows: list[dict], series: list, list_name: str, empty: str) -> dict[str, Any]:
    """A chart of ``rows`` (per department and month) summed per month, oldest first; each
    number links to the list of its month (and status)."""
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        for key, _, _ in series:
            sums[row["month"]][key] += row[key]
    months = sorted(sums)

    def link(month: str, extra: dict[str, str]) -> str:
        year, number = (int(part) for part in month.split("-"))
        last = calendar.monthrange(year, number)[1]
        query = {
            "date_from": datetime.date(year, number, 1).isoformat(),
            "date_to": datetime.date(year, number, last).isoformat(),
            **extra,
        }
        return f"{reverse(list_name)}?{urlencode(query)}"

    return {
        "unit": "件",
        "categories": months,
        "series": [
            {
                "name": name,
                "data": [sums[m][key] for m in months],
                "links": [link(m, extra) for m in months],
            }
            for key, name, extra in series
        ],
        "empty_text": empty,
    }


@any_perm_required(*STATS_PERMS)
def stats(request: HttpRequest) -> HttpResponse:
    form, data = _stats(request)
    return render_page(
        request,
        "objections/stats.html",
        {
            "form": form,
            "data": data,
            "objection_headers": [label for _, label in OBJECTION_COLUMNS],
            "repair_headers": [label for _, label in REPAIR_COLUMNS],
            "query": request.GET.urlencode(),
            "can_objections": has_perm(request.user, Perm.OBJECTION_HANDLE),
            "can_repairs": has_perm(request.user, Perm.REPAIR_REVIEW),
            "objection_chart": _month_chart(
                data["objections"], OBJECTION_CHART, "objections:manage", "所选期间没有异议"
            ),
            "repair_chart": _month_chart(
                data["repairs"], REPAIR_CHART, "objections:repairs", "所选期间没有修复申请"
            ),
        },
    )


@any_perm_required(*STATS_PERMS)
def stats_xlsx(request: HttpRequest) -> HttpResponse:
    _, data = _stats(request)
    sheets = []
    if has_perm(request.user, Perm.OBJECTION_HANDLE):
        sheets.append(
            (
                "信用异议",
                ["月份", "来源部门", *(label for _, label in OBJECTION_COLUMNS)],
                ([r["month"], r["department"], *r["cells"]] for r in data["objections"]),
            )
        )
    if has_perm(request.user, Perm.REPAIR_REVIEW):
        sheets.append(
            (
                "信用修复",
                ["月份", "认定部门", *(label for _, label in REPAIR_COLUMNS)],
                ([r["month"], r["department"], *r["cells"]] for r in data["repairs"]),
            )
        )
    return xlsx_download(f"异议与修复统计-{stamp()}.xlsx", sheets)
