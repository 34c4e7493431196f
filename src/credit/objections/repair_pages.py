"""Staff pages of credit repair (信用修复审核): the queue with filters and deadlines, its
export, an application's page with the review forms and downloads; and the statistics of
objections and repairs per department and month with their export. Writes go through
:mod:`credit.objections.repairs`."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from credit.core import audit
from credit.core.access import Perm, has_perm
from credit.core.access.decorators import any_perm_required, perm_required
from credit.core.errors import CreditError
from credit.core.http import xlsx_response, xlsx_workbook
from credit.objections import repairs, rules, selectors
from credit.objections.constants import ObjectionStatus, RepairAction, RepairStatus
from credit.objections.forms import (
    DateRangeForm,
    RepairFilterForm,
    RepairReviewForm,
    add_service_error,
    month_start,
)
from credit.objections.models import RepairApplication
from credit.objections.workbench import (
    EXPORT_LIMIT,
    PAGE_SIZE,
    calendar_around,
    date_text,
    deadline_info,
    download,
    log_steps,
    query_without_page,
    render_page,
    stamp,
    time_text,
    unplaced_errors,
)

REPAIR_STATUS_LABELS = dict(RepairStatus.choices)
REPAIR_ACTION_LABELS = dict(RepairAction.choices)


# --------------------------------------------------------------------------------------------
# Repairs
# --------------------------------------------------------------------------------------------


def _repairs(request: HttpRequest, today: datetime.date):
    form = RepairFilterForm(request.GET or None)
    scoped = selectors.repairs_for(request.user)
    return form, scoped, selectors.filter_repairs(scoped, form.filters(), today)


@perm_required(Perm.REPAIR_REVIEW)
def repair_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form, scoped, found = _repairs(request, today)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    cal = calendar_around(today)
    for application in page:
        application.deadline = (
            deadline_info(application.due, today, cal)
            if application.status == RepairStatus.SUBMITTED
            else None
        )
    summary = scoped.aggregate(
        waiting=Count("id", filter=Q(status=RepairStatus.SUBMITTED)),
        overdue=Count("id", filter=Q(status=RepairStatus.SUBMITTED, due__lt=today)),
    )
    return render_page(
        request,
        "objections/repair_list.html",
        {
            "page": page,
            "form": form,
            "query": query_without_page(request),
            "summary": summary,
        },
    )


@perm_required(Perm.REPAIR_REVIEW)
def repair_xlsx(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    _, _, found = _repairs(request, today)
    found = list(found[:EXPORT_LIMIT])
    audit.record(
        "repairs.exported",
        actor=request.user,
        object_type=RepairApplication._meta.label_lower,
        after={"rows": len(found)},
    )
    headers = [
        "申请编号", "申请时间", "状态", "信息类别", "决定文书号", "认定部门", "申请人",
        "证件号码（脱敏）", "手机号码（脱敏）", "办理期限", "是否超期", "审核人", "审核意见",
        "审核时间",
    ]  # fmt: skip
    rows = (
        [
            a.number,
            time_text(a.created_at),
            REPAIR_STATUS_LABELS.get(a.status, a.status),
            a.record.item.name,
            a.record.document_no,
            a.record.department.name,
            a.submitter_name,
            a.id_masked,
            a.phone_masked,
            date_text(a.due),
            "超期" if a.status == RepairStatus.SUBMITTED and a.due < today else "",
            str(a.reviewer) if a.reviewer_id else "",
            a.decision,
            time_text(a.decided_at),
        ]
        for a in found
    )
    return xlsx_response(xlsx_workbook([("信用修复", headers, rows)]), f"信用修复-{stamp()}.xlsx")


def _repair(request: HttpRequest, number: str) -> RepairApplication:
    found = selectors.repair_for(request.user, number)
    if found is None:
        raise Http404
    return found


def _render_repair(
    request: HttpRequest,
    application: RepairApplication,
    *,
    posted: tuple[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    record = application.record
    actions = [
        {
            "row": row,
            "label": REPAIR_ACTION_LABELS[row.action],
            "form": posted[1]
            if posted and posted[0] == row.action
            else RepairReviewForm(auto_id=f"id_{row.action}_%s"),
            "danger": row.action == RepairAction.REFUSE,
        }
        for row in rules.allowed_actions(application.status, rules.REPAIR_TRANSITIONS)
    ]
    for action in actions:
        action["form"].fields["reason"].label = action["row"].reason_label
    shown = {a["row"].action for a in actions}
    return render_page(
        request,
        "objections/repair_detail.html",
        {
            "application": application,
            "record": record,
            "subject": selectors.subject_name(record, public=False),
            "rows": selectors.record_view(record, public=False),
            "attachments": application.attachments.defer("data"),
            "transitions": log_steps(
                application, {"action": REPAIR_ACTION_LABELS, "status": REPAIR_STATUS_LABELS}
            ),
            "deadline": deadline_info(application.due, today, calendar_around(today))
            if application.status == RepairStatus.SUBMITTED
            else None,
            "eligibility_now": repairs.eligibility(record)
            if application.status == RepairStatus.SUBMITTED
            else None,
            "actions": actions,
            "unplaced_errors": unplaced_errors(posted, shown),
        },
        status=status,
    )


@perm_required(Perm.REPAIR_REVIEW)
def repair_detail(request: HttpRequest, number: str) -> HttpResponse:
    application = _repair(request, number)
    audit.record("repair.viewed", actor=request.user, obj=application)
    return _render_repair(request, application)


@perm_required(Perm.REPAIR_REVIEW)
@require_POST
def repair_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    application = _repair(request, number)
    if action not in rules.REPAIR_TRANSITIONS:
        raise Http404
    form = RepairReviewForm(request.POST, auto_id=f"id_{action}_%s")
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if action == RepairAction.GRANT:
                repairs.grant_repair(actor=request.user, application=application, decision=reason)
            else:
                repairs.refuse_repair(actor=request.user, application=application, reason=reason)
        except CreditError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"{application.number}：已{REPAIR_ACTION_LABELS[action]}")
            return redirect("objections:repair_detail", number=application.number)
    application = _repair(request, number)
    return _render_repair(request, application, posted=(action, form), status=400)


@perm_required(Perm.REPAIR_REVIEW)
def repair_attachment(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    found = repairs.attachment_for(request.user, number, pk)
    if found is None:
        raise Http404
    return download(found)


# --------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------

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
    return xlsx_response(xlsx_workbook(sheets), f"异议与修复统计-{stamp()}.xlsx")
