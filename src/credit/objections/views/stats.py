"""Statistics (统计) of objections and repairs per source department and month of receipt,
with their Excel export; each part only for a user who may see it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

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
