"""An objection's case page (异议办理): the applicant's data (masked), the record, the
deadlines and the log, the actions its status allows the user, and attachment downloads.

The credit office (``objections.handle``) acts on every objection; a department officer
(``objections.verify``) opens only the tasks assigned to its department and may only record
their verification. Writes go through :mod:`credit.objections.services`; a refusal is shown on
the form that caused it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from credit.core import audit
from credit.core.access.decorators import any_perm_required
from credit.core.forms import submit
from credit.core.http import found
from credit.objections import rules, selectors, services
from credit.objections.constants import Action, Finding, ObjectionStatus
from credit.objections.forms import (
    SERVICE_ERROR_FIELDS,
    AssignForm,
    DecisionForm,
    ReasonForm,
    ReturnForm,
    VerifyForm,
)
from credit.objections.models import Objection
from credit.objections.views.workbench import (
    QUEUE_PERMS,
    calendar_around,
    deadline_info,
    download,
    log_steps,
    render_page,
    unplaced_errors,
)

STATUS_LABELS = dict(ObjectionStatus.choices)
ACTION_LABELS = dict(Action.choices)
FINDING_LABELS = dict(Finding.choices)


def _objection(request: HttpRequest, number: str) -> Objection:
    return found(selectors.objection_for(request.user, number))


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
    """One action of the case page; a refusal (invalid form or service refusal) shows the page
    again with the form open and its errors (400)."""
    objection = _objection(request, number)
    if action not in rules.TRANSITIONS:
        raise Http404
    form = _action_form(action, objection, request.POST)
    done = submit(
        request,
        form,
        lambda _: _perform(request.user, objection, action, form),
        done=lambda acted: redirect("objections:manage_detail", number=acted.number),
        message=f"{objection.number}：已{ACTION_LABELS[action]}",
        errors=SERVICE_ERROR_FIELDS,
        with_code=False,
    )
    if done is not None:
        return done
    objection = _objection(request, number)
    return _render_detail(request, objection, posted=(action, form), status=400)


@any_perm_required(*QUEUE_PERMS)
def objection_attachment(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    return download(found(services.attachment_for(request.user, number, pk)))
