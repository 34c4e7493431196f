"""The objection workflow (异议处理, A4): submission online or at the service hall, then
every transition of :data:`credit.objections.rules.TRANSITIONS`, each in one transaction with
its log step, its audit entry and its effect on the record.

Effects on the record go through ``credit.records.services`` only: acceptance suspends it
(``change_status(SUSPENDED)``: 停发 on the portal, the API, reports and pushes at once, with a
change event), ``uphold`` and ``withdraw`` restore it (``ACTIVE``), ``revoke`` revokes it, and
``correct`` replaces its payload (``correct_record``: new version, old kept). A decision,
refusal or withdrawal queues the SMS telling the submitter the result
(:mod:`credit.objections.notifications`).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from credit.catalog.constants import FieldRole
from credit.catalog.rules import spec_for
from credit.core import audit, crypto
from credit.core.access import Perm, has_perm, principal_of, require
from credit.core.errors import NotFound, PermissionDenied, ValidationFailed
from credit.core.models import Department
from credit.core.workdays import add_working_days
from credit.objections import cases, notifications, rules, selectors, uploads, verification
from credit.objections.constants import (
    OBJECTION_PREFIX,
    SUSPENDING,
    Action,
    AttachmentKind,
    Channel,
    CodePurpose,
    Finding,
    ObjectionStatus,
)
from credit.objections.models import Objection
from credit.records import services as records
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord

S = ObjectionStatus


def _working_days(key: str, day: datetime.date) -> datetime.date:
    return add_working_days(day, rules.deadline(key, day).working_days)


# --------------------------------------------------------------------------------------------
# Submission
# --------------------------------------------------------------------------------------------


def submit_objection(
    *,
    record_id: Any,
    name: str,
    id_number: str,
    phone: str,
    code: str,
    reason: str,
    files: list[uploads.Upload],
    account: Any = None,
) -> Objection:
    """An objection raised online by anyone (no login) about a record the public can see,
    after the phone verification code. Every field and file is checked before the code is
    used, so a refused form leaves the code valid.

    A subject signed in with real-name login (``account``, a ``credit.identity``
    PublicAccount) may also object to its own record in force that the public cannot see
    (:func:`credit.objections.selectors.own_record`: a civil servant's 纪律处分 …), as the
    subject itself: the applicant's identity number must be the record's subject's."""
    applicant = cases.check_applicant(name=name, id_number=id_number, phone=phone)
    reason = cases.check_text(reason, label="异议理由", code="reason_required")
    record = selectors.public_record(record_id)
    if record is None and account is not None:
        record = selectors.own_record(record_id, account)
        if record is not None and not cases.is_subject_of(record, applicant):
            raise ValidationFailed(
                "未公示的信息只能由信息主体本人（本单位）提出异议，"
                "请填写本人的身份证号码（本单位的统一社会信用代码）",
                code="not_subject",
            )
    if record is None:
        raise ValidationFailed(
            "该信息不存在或未在公示中，不能在线提出异议", code="record_not_public"
        )
    checked = uploads.check_files(files)
    verification.consume_code(phone=applicant.phone, purpose=CodePurpose.OBJECTION, code=code)
    return _create(record, applicant, reason, checked, channel=Channel.ONLINE, actor=None)


def record_offline_objection(
    *,
    actor: Any,
    record: CreditRecord,
    name: str,
    id_number: str,
    phone: str,
    reason: str,
    files: list[uploads.Upload],
) -> Objection:
    """An objection received at the service hall (窗口受理), entered by the credit office on
    any active record (public or not)."""
    require(actor, Perm.OBJECTION_HANDLE)
    applicant = cases.check_applicant(name=name, id_number=id_number, phone=phone)
    reason = cases.check_text(reason, label="异议理由", code="reason_required")
    if record.status != RecordStatus.ACTIVE:
        raise ValidationFailed(
            f"该信息当前状态为“{record.get_status_display()}”，不能提出异议",
            code="record_not_active",
        )
    checked = uploads.check_files(files)
    return _create(record, applicant, reason, checked, channel=Channel.OFFLINE, actor=actor)


@transaction.atomic
def _create(record, applicant, reason, checked, *, channel: str, actor: Any) -> Objection:
    today = timezone.localdate()
    objection = cases.create_numbered(
        Objection,
        OBJECTION_PREFIX,
        channel=channel,
        record=record,
        record_version=record.version,
        reason=reason,
        accept_due=_working_days("objection.accept", today),
        entered_by_id=principal_of(actor).user_id if channel == Channel.OFFLINE else None,
        **cases.submitter_fields(applicant, record),
    )
    cases.save_attachments(objection, checked, AttachmentKind.EVIDENCE)
    cases.log(
        objection,
        action=Action.SUBMIT,
        from_status="",
        to_status=objection.status,
        actor=actor,
        department=cases.acting_department(actor) if actor else None,
    )
    audit.record(
        "objection.submitted",
        actor=actor,
        obj=objection,
        after={
            "channel": channel,
            "record": record.pk,
            "is_subject": objection.is_subject,
            "attachments": len(checked),
        },
    )
    return objection


# --------------------------------------------------------------------------------------------
# Transitions
# --------------------------------------------------------------------------------------------


def may_act(actor: Any, row: rules.Transition, objection: Objection) -> bool:
    """Whether ``actor`` may take the row's step on ``objection``: the row's permission; a
    verification also needs the task to be the actor's department's, unless the credit office
    records it. The pages offer only these steps; :func:`_require` enforces the same rule."""
    if row.action == Action.VERIFY:
        p = principal_of(actor)
        return p.has_perm(Perm.OBJECTION_HANDLE) or (
            p.has_perm(Perm.OBJECTION_VERIFY)
            and p.department_id is not None
            and p.department_id == objection.department_id
        )
    return has_perm(actor, row.perm)


def _require(actor: Any, row: rules.Transition, objection: Objection) -> None:
    """:func:`may_act`, raising ``PermissionDenied`` with the reason when not."""
    if may_act(actor, row, objection):
        return
    if row.action == Action.VERIFY and has_perm(actor, Perm.OBJECTION_VERIFY):
        raise PermissionDenied("只能核实分派给本部门的异议", code="not_assigned_department")
    require(actor, row.perm)


def _begin(actor: Any, objection: Objection, action: str) -> tuple[Objection, rules.Transition]:
    row = rules.TRANSITIONS.get(action)
    if row is None:
        raise ValidationFailed(f"未知的操作：{action}", code="transition_unknown")
    locked = (
        Objection.objects.select_for_update(of=("self",))
        .select_related("record", "department")
        .filter(pk=objection.pk)
        .first()
    )
    if locked is None:
        raise NotFound("未找到该异议", code="objection_not_found")
    _require(actor, row, locked)
    rules.transition(locked.status, action)
    return locked, row


def _reason(row: rules.Transition, text: str) -> str:
    return cases.check_text(
        text,
        label=row.reason_label,
        code="reason_required",
        required=row.reason_required,
        too_long_code="reason_too_long",
    )


def _finish(
    actor: Any,
    objection: Objection,
    row: rules.Transition,
    from_status: str,
    reason: str,
    *,
    fields: list[str],
    department: Department | None = None,
    extra: dict | None = None,
) -> Objection:
    objection.status = row.target
    objection.handler_id = principal_of(actor).user_id
    if row.target in rules.NOTIFIED:
        objection.outcome = row.target
    objection.save(update_fields=[*fields, "status", "outcome", "handler", "updated_at"])
    cases.log(
        objection,
        action=row.action,
        from_status=from_status,
        to_status=objection.status,
        actor=actor,
        reason=reason,
        reason_public=row.reason_public,
        department=department or cases.acting_department(actor),
    )
    audit.record(
        f"objection.{row.action}",
        actor=actor,
        obj=objection,
        before={"status": from_status},
        after={"status": objection.status, "reason": reason, **(extra or {})},
    )
    if objection.status in rules.NOTIFIED:
        notifications.defer("objection", objection.pk)
    return objection


def _record_reason(objection: Objection, words: str) -> str:
    return f"信用异议 {objection.number}：{words}"


@transaction.atomic
def accept_objection(*, actor: Any, objection: Objection, note: str = "") -> Objection:
    """受理: the record is suspended (停发) in this transaction, the 15-working-day limit
    starts. Refused while another accepted objection holds the record."""
    objection, row = _begin(actor, objection, Action.ACCEPT)
    other = (
        Objection.objects.filter(record_id=objection.record_id, status__in=SUSPENDING)
        .exclude(pk=objection.pk)
        .values_list("number", flat=True)
        .first()
    )
    if other:
        raise ValidationFailed(
            f"该信息已有受理中的异议（编号 {other}），请待其办结后再受理，或将本件不予受理",
            code="record_has_open_objection",
        )
    records.change_status(
        actor=actor,
        record=objection.record,
        status=RecordStatus.SUSPENDED,
        reason=_record_reason(objection, "受理异议，暂停公示"),
        reference=objection.number,
    )
    today = timezone.localdate()
    objection.accepted_at = timezone.now()
    objection.due = _working_days("objection.total", today)
    return _finish(
        actor, objection, row, S.SUBMITTED, _reason(row, note), fields=["accepted_at", "due"]
    )


@transaction.atomic
def refuse_objection(*, actor: Any, objection: Objection, reason: str) -> Objection:
    """不予受理, with the reason the submitter reads; the record is untouched."""
    objection, row = _begin(actor, objection, Action.REFUSE)
    reason = _reason(row, reason)
    objection.result = reason
    objection.decided_at = timezone.now()
    return _finish(actor, objection, row, S.SUBMITTED, reason, fields=["result", "decided_at"])


def _department(department: Department | str | None) -> Department:
    if isinstance(department, str):
        department = Department.objects.filter(code=department, is_active=True).first()
    if department is None or not department.is_active:
        raise ValidationFailed("请选择核实部门", code="department_required")
    return department


def _verify_due(due: datetime.date | None) -> datetime.date:
    today = timezone.localdate()
    due = due or _working_days("objection.verify", today)
    if due < today:
        raise ValidationFailed("核实期限不能早于今天", code="due_invalid")
    return due


@transaction.atomic
def assign_objection(
    *,
    actor: Any,
    objection: Objection,
    department: Department | str | None = None,
    due: datetime.date | None = None,
    note: str = "",
) -> Objection:
    """转来源部门核实: a task for ``department`` (default: the record's source department)
    with a deadline (default 10 working days)."""
    objection, row = _begin(actor, objection, Action.ASSIGN)
    department = _department(department or objection.record.department)
    objection.department = department
    objection.verify_due = _verify_due(due)
    objection.assigned_at = timezone.now()
    return _finish(
        actor,
        objection,
        row,
        S.ACCEPTED,
        _reason(row, note),
        fields=["department", "verify_due", "assigned_at"],
        extra={"department": department.code, "verify_due": objection.verify_due.isoformat()},
    )


@transaction.atomic
def reassign_objection(
    *,
    actor: Any,
    objection: Objection,
    department: Department | str | None,
    reason: str,
    due: datetime.date | None = None,
) -> Objection:
    """改派: the task moves to another department (e.g. the wrong one was chosen)."""
    objection, row = _begin(actor, objection, Action.REASSIGN)
    reason = _reason(row, reason)
    department = _department(department)
    objection.department = department
    objection.verify_due = _verify_due(due)
    objection.assigned_at = timezone.now()
    return _finish(
        actor,
        objection,
        row,
        S.VERIFYING,
        reason,
        fields=["department", "verify_due", "assigned_at"],
        extra={"department": department.code, "verify_due": objection.verify_due.isoformat()},
    )


@transaction.atomic
def record_verification(
    *, actor: Any, objection: Objection, finding: str, opinion: str
) -> Objection:
    """The source department's verification (核实意见): its finding (correct, revoke or
    uphold) and the opinion, by an officer of the assigned department or the credit office
    recording a reply received on paper."""
    objection, row = _begin(actor, objection, Action.VERIFY)
    opinion = _reason(row, opinion)
    if finding not in Finding.values:
        raise ValidationFailed("请选择核实结论", code="finding_required")
    objection.finding = finding
    objection.finding_text = opinion
    objection.verified_at = timezone.now()
    return _finish(
        actor,
        objection,
        row,
        S.VERIFYING,
        f"{Finding(finding).label}。{opinion}",
        fields=["finding", "finding_text", "verified_at"],
        department=objection.department,
        extra={"finding": finding},
    )


@transaction.atomic
def return_for_verification(
    *, actor: Any, objection: Objection, reason: str, due: datetime.date | None = None
) -> Objection:
    """退回: the verification is not sufficient; the same department verifies again."""
    objection, row = _begin(actor, objection, Action.RETURN)
    reason = _reason(row, reason)
    objection.verify_due = _verify_due(due)
    objection.finding = ""
    objection.finding_text = ""
    return _finish(
        actor,
        objection,
        row,
        S.VERIFIED,
        reason,
        fields=["verify_due", "finding", "finding_text"],
    )


def corrected_payload(record: CreditRecord, changes: dict[str, str]) -> dict[str, Any]:
    """The record's payload with ``changes`` applied. Identity numbers are stored masked:
    the subject's own number (role 证件号码) is put back from the natural person's encrypted
    file so the corrected payload validates; other masked numbers must be typed again."""
    from credit.subjects.services import ID_PURPOSE

    payload = dict(record.payload)
    for code, value in changes.items():
        payload[code] = value.strip() if isinstance(value, str) else value
    if record.natural_person_id:
        rule = spec_for(record.item).by_role().get(FieldRole.ID_NUMBER)
        if rule and "*" in str(payload.get(rule.code, "")):
            payload[rule.code] = crypto.decrypt(record.natural_person.id_cipher, purpose=ID_PURPOSE)
    return payload


def _decide(
    actor: Any,
    objection: Objection,
    action: str,
    result: str,
    changes: dict[str, str] | None,
) -> Objection:
    objection, row = _begin(actor, objection, action)
    result = _reason(row, result)
    record = objection.record
    reason = _record_reason(objection, rules.DECISIONS[action].label)
    extra: dict[str, Any] = {}
    if action == Action.CORRECT:
        changed = {k: v for k, v in (changes or {}).items() if str(record.payload.get(k, "")) != v}
        if not changed:
            raise ValidationFailed("更正须至少修改一个字段", code="correction_unchanged")
        records.correct_record(
            actor=actor,
            record=record,
            payload=corrected_payload(record, changed),
            reason=reason,
            reference=objection.number,
        )
        extra["fields"] = sorted(changed)
    else:
        status = RecordStatus.REVOKED if action == Action.REVOKE else RecordStatus.ACTIVE
        records.change_status(
            actor=actor, record=record, status=status, reason=reason, reference=objection.number
        )
    objection.result = result
    objection.decided_at = timezone.now()
    return _finish(
        actor, objection, row, S.VERIFIED, result, fields=["result", "decided_at"], extra=extra
    )


@transaction.atomic
def decide_objection(
    *,
    actor: Any,
    objection: Objection,
    action: str,
    result: str,
    changes: dict[str, str] | None = None,
) -> Objection:
    """The credit office's decision after the department's verification: ``correct`` (the
    record's payload with ``changes``, new version, publication restored), ``revoke``
    (撤销) or ``uphold`` (维持, publication restored). ``result`` is published on the
    tracking page and sent to the submitter."""
    if action not in rules.DECISIONS:
        raise ValidationFailed(f"未知的处理结果：{action}", code="decision_unknown")
    return _decide(actor, objection, action, result, changes)


@transaction.atomic
def withdraw_objection(*, actor: Any, objection: Objection, reason: str) -> Objection:
    """撤回 at the submitter's request (recorded by the credit office): a suspended record is
    restored."""
    objection, row = _begin(actor, objection, Action.WITHDRAW)
    reason = _reason(row, reason)
    from_status = objection.status
    if row.effect_from(from_status) == rules.Effect.RESTORE:
        records.change_status(
            actor=actor,
            record=objection.record,
            status=RecordStatus.ACTIVE,
            reason=_record_reason(objection, "申请人撤回异议，恢复公示"),
            reference=objection.number,
        )
    objection.result = reason
    objection.decided_at = timezone.now()
    return _finish(actor, objection, row, from_status, reason, fields=["result", "decided_at"])


@transaction.atomic
def close_objection(*, actor: Any, objection: Objection, note: str = "") -> Objection:
    """办结归档: nothing changes any more."""
    objection, row = _begin(actor, objection, Action.CLOSE)
    from_status = objection.status
    objection.closed_at = timezone.now()
    return _finish(actor, objection, row, from_status, _reason(row, note), fields=["closed_at"])


def attachment_for(principal: Any, objection_number: str, attachment_id: int):
    """An attachment of an objection the principal may see (None otherwise), read audited."""
    case = selectors.objection_for(principal, objection_number)
    return cases.attachment_read(principal, case, attachment_id)
