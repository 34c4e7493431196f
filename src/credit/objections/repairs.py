"""Credit repair (信用修复, A4): eligibility, the subject's online application, and the
credit office's review.

A granted repair moves the record to ``repaired`` through
``credit.records.services.change_status``: it leaves the portal, the API and reports at once
and a change event tells the subscribers (list entries), as 《信用修复管理办法》 (NDRC Order 36,
2026-04-01) requires that a repair stops publication *and* sharing. Eligibility is checked
when the subject applies and again when the credit office grants.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from credit.core import audit
from credit.core.access import principal_of, require
from credit.core.errors import NotFound, ValidationFailed
from credit.core.workdays import add_working_days
from credit.objections import cases, conf, notifications, rules, selectors, uploads, verification
from credit.objections.constants import (
    REPAIR_PREFIX,
    AttachmentKind,
    CodePurpose,
    RepairAction,
    RepairStatus,
)
from credit.objections.models import RepairApplication
from credit.records import services as records
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord

REQUIRED_FILES = (AttachmentKind.COMMITMENT, AttachmentKind.PROOF)

#: Reasons of :func:`rules.kind_reasons` that say the record is not dishonesty at all (there is
#: nothing to repair), as opposed to dishonesty that the rules exclude from repair.
NOT_DISHONESTY = frozenset({"red_list", "kind_not_repairable", "severity_not_repairable"})


#: ``callback(application)``: called by :func:`submit_repair` with the new application, in
#: its transaction (an app above objections that keeps something derived from it, such as the
#: 信用修复型 commitment of ``credit.commitments``).
RepairListener = Callable[[RepairApplication], None]
_submitted: list[RepairListener] = []


def on_submitted(callback: RepairListener) -> RepairListener:
    """Register ``callback`` (once; an app's ``ready()`` calls it) to hear of every repair
    application submitted, in the submitting transaction, so what it writes commits or rolls
    back with the application. Returns it (usable as a decorator)."""
    if callback not in _submitted:
        _submitted.append(callback)
    return callback


@dataclass(frozen=True)
class RepairOption:
    """Credit repair (信用修复) as a page shows it beside a record: whether it applies to a
    record of this kind at all and from when, or why not (``reasons``). The application page
    checks the rest (status, the minimum period, repeat offences) with :func:`eligibility`."""

    reasons: tuple[rules.Reason, ...]
    repair_from: datetime.date | None

    @property
    def applies(self) -> bool:
        return not self.reasons

    @property
    def excluded(self) -> bool:
        """Dishonesty that the rules exclude from repair (e.g. 失信被执行人): the page says
        so, where it would otherwise offer repair."""
        return bool(self.reasons) and not any(r.code in NOT_DISHONESTY for r in self.reasons)

    @property
    def note(self) -> str:
        """Why repair does not apply, for the reader ("" when it does)."""
        return "；".join(r.message for r in self.reasons)

    def open_on(self, today: datetime.date) -> bool:
        """Whether the subject may apply on ``today`` as far as the record's kind and its
        minimum publicity period go."""
        return self.applies and self.repair_from is not None and self.repair_from <= today


def repair_option(record: CreditRecord) -> RepairOption:
    """Whether credit repair applies to ``record`` (its item, joined, and severity; no query)
    and from when: the one rule the portal's record pages and the staff archive both show."""
    reasons = tuple(rules.kind_reasons(selectors.record_facts(record), conf.repair_policy()))
    return RepairOption(reasons, None if reasons else record.repair_from)


def eligibility(record: CreditRecord, today: datetime.date | None = None) -> rules.Eligibility:
    """Whether ``record`` may be repaired today, with every reason it may not."""
    today = today or timezone.localdate()
    return rules.repair_eligibility(selectors.repair_facts(record), conf.repair_policy(), today)


def _refuse_ineligible(found: rules.Eligibility) -> None:
    if not found.eligible:
        raise ValidationFailed(
            "不符合信用修复条件：" + "；".join(r.message for r in found.reasons),
            code="repair_not_eligible",
            details=found.as_dict(),
        )


def submit_repair(
    *,
    record_id: Any,
    name: str,
    id_number: str,
    phone: str,
    code: str,
    statement: str,
    files: list[uploads.Upload],
) -> RepairApplication:
    """The subject's application (the identity number must be the record's subject's: 本人
    或本单位), with a commitment letter and proof of correction among ``files`` (their
    ``kind``), for a published record that is eligible today. Checked in full before the
    verification code is used."""
    applicant = cases.check_applicant(name=name, id_number=id_number, phone=phone)
    statement = cases.check_text(statement, label="纠正失信行为情况说明", code="statement_required")
    record = selectors.public_record(record_id)
    if record is None:
        raise ValidationFailed("该信息不存在或未在公示中", code="record_not_public")
    if not cases.is_subject_of(record, applicant):
        raise ValidationFailed(
            "信用修复须由信息主体本人（本单位）申请：所填证件号码或统一社会信用代码与该信息的"
            "主体不一致",
            code="repair_not_subject",
        )
    found = eligibility(record)
    _refuse_ineligible(found)
    if RepairApplication.objects.filter(record=record, status=RepairStatus.SUBMITTED).exists():
        raise ValidationFailed("该信息已有待审核的信用修复申请", code="repair_pending")
    checked = uploads.check_files(files, required_kinds=REQUIRED_FILES)
    verification.consume_code(phone=applicant.phone, purpose=CodePurpose.REPAIR, code=code)
    return _create(record, applicant, statement, checked, found)


@transaction.atomic
def _create(record, applicant, statement, checked, found) -> RepairApplication:
    today = timezone.localdate()
    application = cases.create_numbered(
        RepairApplication,
        REPAIR_PREFIX,
        record=record,
        record_version=record.version,
        statement=statement,
        eligibility={**found.as_dict(), "checked_on": today.isoformat()},
        due=add_working_days(today, rules.deadline("repair.review", today).working_days),
        **cases.submitter_fields(applicant, record),
    )
    cases.save_attachments(application, checked, AttachmentKind.OTHER)
    cases.log(
        application,
        action=RepairAction.SUBMIT,
        from_status="",
        to_status=application.status,
        actor=None,
    )
    audit.record(
        "repair.submitted",
        obj=application,
        after={"record": record.pk, "attachments": len(checked)},
    )
    for callback in _submitted:
        callback(application)
    return application


def _begin(actor: Any, application: RepairApplication, action: str):
    row = rules.REPAIR_TRANSITIONS[action]
    require(actor, row.perm)
    locked = (
        RepairApplication.objects.select_for_update(of=("self",))
        .select_related("record__item")
        .filter(pk=application.pk)
        .first()
    )
    if locked is None:
        raise NotFound("未找到该修复申请", code="repair_not_found")
    rules.transition(locked.status, action, rules.REPAIR_TRANSITIONS)
    return locked, row


def _finish(actor, application, row, reason: str) -> RepairApplication:
    application.status = row.target
    application.reviewer_id = principal_of(actor).user_id
    application.decision = reason
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "reviewer", "decision", "decided_at", "updated_at"])
    cases.log(
        application,
        action=row.action,
        from_status=RepairStatus.SUBMITTED,
        to_status=application.status,
        actor=actor,
        reason=reason,
        reason_public=row.reason_public,
        department=cases.acting_department(actor),
    )
    audit.record(
        f"repair.{row.action}",
        actor=actor,
        obj=application,
        before={"status": RepairStatus.SUBMITTED},
        after={"status": application.status, "reason": reason},
    )
    notifications.defer("repair", application.pk)
    return application


def _text(row: rules.Transition, text: str) -> str:
    return cases.check_text(text, label=row.reason_label, code="reason_required")


@transaction.atomic
def grant_repair(*, actor: Any, application: RepairApplication, decision: str) -> RepairApplication:
    """准予修复: eligibility is checked again today, then the record is repaired
    (``change_status(REPAIRED)``): publication and sharing end everywhere, with a change
    event."""
    application, row = _begin(actor, application, RepairAction.GRANT)
    decision = _text(row, decision)
    _refuse_ineligible(eligibility(application.record))
    records.change_status(
        actor=actor,
        record=application.record,
        status=RecordStatus.REPAIRED,
        reason=f"信用修复 {application.number}：准予修复",
        reference=application.number,
    )
    return _finish(actor, application, row, decision)


@transaction.atomic
def refuse_repair(*, actor: Any, application: RepairApplication, reason: str) -> RepairApplication:
    """不予修复, with the reason the applicant reads; the record is untouched."""
    application, row = _begin(actor, application, RepairAction.REFUSE)
    return _finish(actor, application, row, _text(row, reason))


def attachment_for(principal: Any, number: str, attachment_id: int):
    """An attachment of a repair application the principal may see, read audited."""
    return cases.attachment_read(principal, selectors.repair_for(principal, number), attachment_id)
