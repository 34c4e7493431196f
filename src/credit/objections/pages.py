"""Staff workbench (工作台) of objections: the queue with filters, deadlines and overdue
warnings, its Excel export, a case page offering the actions its status allows, attachment
downloads and the service-hall entry form.

The credit office (``objections.handle``) sees and acts on every objection; a department
officer (``objections.verify``) sees only the tasks assigned to its department and may only
record their verification. Writes go through :mod:`credit.objections.services`; a refusal is
shown on the form that caused it. Repairs and statistics: :mod:`credit.objections.repair_pages`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from credit.core import audit
from credit.core.access import Perm
from credit.core.access.decorators import any_perm_required, perm_required
from credit.core.errors import CreditError
from credit.core.http import xlsx_response, xlsx_workbook
from credit.objections import rules, selectors, services
from credit.objections.constants import OPEN, Action, Channel, Finding, ObjectionStatus
from credit.objections.forms import (
    AssignForm,
    DecisionForm,
    ObjectionFilterForm,
    OfflineForm,
    ReasonForm,
    ReturnForm,
    VerifyForm,
    add_service_error,
)
from credit.objections.models import Objection
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

STATUS_LABELS = dict(ObjectionStatus.choices)
ACTION_LABELS = dict(Action.choices)
CHANNEL_LABELS = dict(Channel.choices)
FINDING_LABELS = dict(Finding.choices)


# --------------------------------------------------------------------------------------------
# The objection queue
# --------------------------------------------------------------------------------------------

QUEUE_PERMS = (Perm.OBJECTION_HANDLE, Perm.OBJECTION_VERIFY)


def _queue(request: HttpRequest, today: datetime.date):
    form = ObjectionFilterForm(request.GET or None)
    scoped = selectors.objections_for(request.user)
    return form, scoped, selectors.filter_objections(scoped, form.filters(), today)


@any_perm_required(*QUEUE_PERMS)
def objection_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form, scoped, found = _queue(request, today)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    cal = calendar_around(today)
    for objection in page:
        objection.deadline = (
            deadline_info(objection.step_due, today, cal) if objection.is_open else None
        )
    summary = scoped.aggregate(
        open=Count("id", filter=Q(status__in=OPEN)),
        overdue=Count("id", filter=Q(status__in=OPEN, step_due__lt=today)),
        waiting=Count("id", filter=Q(status=ObjectionStatus.SUBMITTED)),
        verifying=Count("id", filter=Q(status=ObjectionStatus.VERIFYING)),
    )
    return render_page(
        request,
        "objections/manage_list.html",
        {
            "page": page,
            "form": form,
            "query": query_without_page(request),
            "summary": summary,
        },
    )


@any_perm_required(*QUEUE_PERMS)
def objection_xlsx(request: HttpRequest) -> HttpResponse:
    """The filtered queue, one row per objection (personal data masked; the export is an
    audited read)."""
    today = timezone.localdate()
    _, _, found = _queue(request, today)
    found = list(found[:EXPORT_LIMIT])
    audit.record(
        "objections.exported",
        actor=request.user,
        object_type=Objection._meta.label_lower,
        after={"rows": len(found), "query": query_without_page(request)[:500]},
    )
    headers = [
        "受理编号", "提交时间", "渠道", "状态", "信息类别", "决定文书号", "来源部门", "核实部门",
        "申请人", "证件号码（脱敏）", "手机号码（脱敏）", "申请人即信息主体", "受理期限",
        "核实期限", "办结期限", "当前环节期限", "是否超期", "部门核实结论", "处理结果",
        "办理完毕时间",
    ]  # fmt: skip
    rows = (
        [
            o.number,
            time_text(o.created_at),
            CHANNEL_LABELS.get(o.channel, o.channel),
            STATUS_LABELS.get(o.status, o.status),
            o.record.item.name,
            o.record.document_no,
            o.record.department.name,
            o.department.name if o.department_id else "",
            o.submitter_name,
            o.id_masked,
            o.phone_masked,
            "是" if o.is_subject else "否",
            date_text(o.accept_due),
            date_text(o.verify_due),
            date_text(o.due),
            date_text(o.step_due) if o.is_open else "",
            "超期" if o.is_open and o.step_due and o.step_due < today else "",
            FINDING_LABELS.get(o.finding, ""),
            o.result,
            time_text(o.decided_at),
        ]
        for o in found
    )
    return xlsx_response(xlsx_workbook([("信用异议", headers, rows)]), f"信用异议-{stamp()}.xlsx")


# --------------------------------------------------------------------------------------------
# An objection's page and its actions
# --------------------------------------------------------------------------------------------


def _objection(request: HttpRequest, number: str) -> Objection:
    found = selectors.objection_for(request.user, number)
    if found is None:
        raise Http404
    return found


def _action_form(action: str, objection: Objection, data: Any = None) -> forms.Form:
    row = rules.TRANSITIONS[action]
    auto_id = f"id_{action}_%s"
    if action in (Action.ASSIGN, Action.REASSIGN):
        initial = {"department": objection.department or objection.record.department}
        return AssignForm(
            data,
            auto_id=auto_id,
            initial=initial,
            reason_label=row.reason_label,
            reason_required=row.reason_required,
        )
    if action == Action.VERIFY:
        return VerifyForm(data, auto_id=auto_id)
    if action == Action.RETURN:
        return ReturnForm(data, auto_id=auto_id)
    if action in rules.DECISIONS:
        return DecisionForm(
            data, auto_id=auto_id, record=objection.record, correct=action == Action.CORRECT
        )
    return ReasonForm(data, auto_id=auto_id, label=row.reason_label, required=row.reason_required)


def _perform(actor: Any, objection: Objection, action: str, form: forms.Form) -> Objection:
    data = form.cleaned_data
    reason = data.get("reason", "")
    if action == Action.ACCEPT:
        return services.accept_objection(actor=actor, objection=objection, note=reason)
    if action == Action.REFUSE:
        return services.refuse_objection(actor=actor, objection=objection, reason=reason)
    if action == Action.ASSIGN:
        return services.assign_objection(
            actor=actor,
            objection=objection,
            department=data["department"],
            due=data.get("due"),
            note=reason,
        )
    if action == Action.REASSIGN:
        return services.reassign_objection(
            actor=actor,
            objection=objection,
            department=data["department"],
            due=data.get("due"),
            reason=reason,
        )
    if action == Action.VERIFY:
        return services.record_verification(
            actor=actor, objection=objection, finding=data["finding"], opinion=reason
        )
    if action == Action.RETURN:
        return services.return_for_verification(
            actor=actor, objection=objection, reason=reason, due=data.get("due")
        )
    if action in rules.DECISIONS:
        return services.decide_objection(
            actor=actor,
            objection=objection,
            action=action,
            result=data["result"],
            changes=form.changes() if action == Action.CORRECT else None,
        )
    if action == Action.WITHDRAW:
        return services.withdraw_objection(actor=actor, objection=objection, reason=reason)
    return services.close_objection(actor=actor, objection=objection, note=reason)


def _render_detail(
    request: HttpRequest,
    objection: Objection,
    *,
    posted: tuple[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    cal = calendar_around(today)
    actions = []
    for row in rules.allowed_actions(objection.status):
        if not services.may_act(request.user, row, objection):
            continue
        form = posted[1] if posted and posted[0] == row.action else None
        actions.append(
            {
                "row": row,
                "label": ACTION_LABELS[row.action],
                "form": form or _action_form(row.action, objection),
                "open": form is not None,
                "danger": row.action in (Action.REFUSE, Action.REVOKE, Action.WITHDRAW),
            }
        )
    shown = {a["row"].action for a in actions}
    record = objection.record
    deadlines = [
        ("受理期限", deadline_info(objection.accept_due, today, cal), objection.accepted_at),
        ("核实期限", deadline_info(objection.verify_due, today, cal), objection.verified_at),
        ("办结期限", deadline_info(objection.due, today, cal), objection.decided_at),
    ]
    return render_page(
        request,
        "objections/manage_detail.html",
        {
            "objection": objection,
            "record": record,
            "subject": selectors.subject_name(record, public=False),
            "rows": selectors.record_view(record, public=False),
            "attachments": objection.attachments.defer("data"),
            "transitions": log_steps(objection, {"action": ACTION_LABELS, "status": STATUS_LABELS}),
            "deadlines": deadlines,
            "step": deadline_info(objection.step_due, today, cal) if objection.is_open else None,
            "actions": actions,
            "unplaced_errors": unplaced_errors(posted, shown),
            "finding": FINDING_LABELS.get(objection.finding, ""),
            "versions": record.versions.order_by("-version")[:10],
        },
        status=status,
    )


@any_perm_required(*QUEUE_PERMS)
def objection_detail(request: HttpRequest, number: str) -> HttpResponse:
    """A case page: the applicant's data (masked) is personal data, so opening it is an
    audited read."""
    objection = _objection(request, number)
    audit.record("objection.viewed", actor=request.user, obj=objection)
    return _render_detail(request, objection)


@any_perm_required(*QUEUE_PERMS)
@require_POST
def objection_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    objection = _objection(request, number)
    if action not in rules.TRANSITIONS:
        raise Http404
    form = _action_form(action, objection, request.POST)
    if form.is_valid():
        try:
            _perform(request.user, objection, action, form)
        except CreditError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"{objection.number}：已{ACTION_LABELS[action]}")
            return redirect("objections:manage_detail", number=objection.number)
    objection = _objection(request, number)
    return _render_detail(request, objection, posted=(action, form), status=400)


@any_perm_required(*QUEUE_PERMS)
def objection_attachment(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    found = services.attachment_for(request.user, number, pk)
    if found is None:
        raise Http404
    return download(found)


@perm_required(Perm.OBJECTION_HANDLE)
def offline_new(request: HttpRequest) -> HttpResponse:
    """窗口受理: an objection received at the service hall, entered by the credit office."""
    form = OfflineForm(
        request.POST or None,
        request.FILES or None,
        initial={"record": request.GET.get("record", "")[:20]},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            objection = services.record_offline_objection(
                actor=request.user,
                record=form.found,
                name=data["name"],
                id_number=data["id_number"],
                phone=data["phone"],
                reason=data["reason"],
                files=form.uploads(),
            )
        except CreditError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, f"已登记窗口异议，受理编号 {objection.number}（请告知申请人）"
            )
            return redirect("objections:manage_detail", number=objection.number)
    return render_page(request, "objections/offline_form.html", {"form": form})
