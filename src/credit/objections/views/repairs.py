"""Credit repair review (信用修复审核): the queue with filters and deadlines, its export, an
application's page with the review forms and attachment downloads. Writes go through
:mod:`credit.objections.repairs`; a refusal is shown on the form that caused it."""

from __future__ import annotations

import datetime

from django import forms
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from credit.core import audit
from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.forms import submit
from credit.core.http import EXPORT_LIMIT, found, query_without_page, xlsx_download
from credit.objections import repairs, rules, selectors
from credit.objections.constants import RepairAction, RepairStatus
from credit.objections.forms import SERVICE_ERROR_FIELDS, RepairFilterForm, RepairReviewForm
from credit.objections.models import RepairApplication
from credit.objections.views.workbench import (
    PAGE_SIZE,
    calendar_around,
    date_text,
    deadline_info,
    download,
    log_steps,
    render_page,
    stamp,
    time_text,
    unplaced_errors,
)

REPAIR_STATUS_LABELS = dict(RepairStatus.choices)
REPAIR_ACTION_LABELS = dict(RepairAction.choices)


def _repairs(request: HttpRequest, today: datetime.date):
    form = RepairFilterForm(request.GET or None)
    scoped = selectors.repairs_for(request.user)
    return form, scoped, selectors.filter_repairs(scoped, form.filters(), today)


@perm_required(Perm.REPAIR_REVIEW)
def repair_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form, scoped, applications = _repairs(request, today)
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
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
    _, _, applications = _repairs(request, today)
    applications = list(applications[:EXPORT_LIMIT])
    audit.record(
        "repairs.exported",
        actor=request.user,
        object_type=RepairApplication._meta.label_lower,
        after={"rows": len(applications)},
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
        for a in applications
    )
    return xlsx_download(f"信用修复-{stamp()}.xlsx", [("信用修复", headers, rows)])


def _repair(request: HttpRequest, number: str) -> RepairApplication:
    return found(selectors.repair_for(request.user, number))


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


def _review(actor, application: RepairApplication, action: str, reason: str):
    if action == RepairAction.GRANT:
        return repairs.grant_repair(actor=actor, application=application, decision=reason)
    return repairs.refuse_repair(actor=actor, application=application, reason=reason)


@perm_required(Perm.REPAIR_REVIEW)
@require_POST
def repair_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Grant or refuse; a refusal (invalid form or service refusal) shows the page again with
    the form and its errors (400)."""
    application = _repair(request, number)
    if action not in rules.REPAIR_TRANSITIONS:
        raise Http404
    form = RepairReviewForm(request.POST, auto_id=f"id_{action}_%s")
    done = submit(
        request,
        form,
        lambda data: _review(request.user, application, action, data["reason"]),
        done=lambda reviewed: redirect("objections:repair_detail", number=reviewed.number),
        message=f"{application.number}：已{REPAIR_ACTION_LABELS[action]}",
        errors=SERVICE_ERROR_FIELDS,
        with_code=False,
    )
    if done is not None:
        return done
    application = _repair(request, number)
    return _render_repair(request, application, posted=(action, form), status=400)


@perm_required(Perm.REPAIR_REVIEW)
def repair_attachment(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    return download(found(repairs.attachment_for(request.user, number, pk)))
