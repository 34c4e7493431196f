"""Commitments (信用承诺): how they are made — signed online by a real-name account, entered by
a department or the service hall (窗口), pushed by a department's system — reviewed and
published, then fulfilled (践诺) or breached (违诺).

Who may act on a commitment: the holders of the permission whose tenant manages it — a
department's officers the commitments made to their department, a district's administrators
those of subjects in their district (a commitment's region is its subject's, else its
department's), city staff all. A breach writes a 违背信用承诺 record (a 重点关注名单 item)
through the one write path of records in the same transaction, so it enters the library,
publicity, the attention list and the joint-punishment check at once.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from credit.commitments import rules
from credit.commitments.constants import BREACH_ITEM, Channel, Status, SuspicionStatus
from credit.commitments.models import (
    Commitment,
    CommitmentFile,
    CommitmentItem,
    SuspectedBreach,
)
from credit.commitments.services import items as item_services
from credit.commitments.services.numbering import next_number
from credit.core import audit, crypto
from credit.core.access import Perm, principal_of
from credit.core.errors import NotFound, PermissionDenied, ValidationFailed
from credit.objections import uploads
from credit.subjects.models import LegalPerson, NaturalPerson

#: How long a 违背信用承诺 record stays on the attention list (and in publicity).
BREACH_VALIDITY_YEARS = 3


class FileKind(models.TextChoices):
    """The attachments of a commitment: the signed letter is required online."""

    LETTER = "letter", "签署的承诺书"
    LICENCE = "licence", "证照或主体资格证明"
    OTHER = "other", "其他材料"


Subject = LegalPerson | NaturalPerson


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def subject_of(commitment: Commitment) -> Subject:
    return commitment.legal_person or commitment.natural_person


def _region_id(subject: Subject, item: CommitmentItem) -> str:
    return getattr(subject, "region_id", None) or item.department.region_id


def _manages(principal: Any, commitment: Commitment) -> bool:
    return principal.manages(department_id=commitment.department_id, region_id=commitment.region_id)


def _require(actor: Any, perm: Perm, commitment: Commitment) -> Any:
    principal = principal_of(actor)
    principal.require(perm)
    if not _manages(principal, commitment):
        raise PermissionDenied("该信用承诺不在您的管理范围内", code="commitment_not_managed")
    return principal


def _locked(commitment: Commitment) -> Commitment:
    return (
        Commitment.objects.select_for_update(of=("self",))
        .select_related("item", "department", "legal_person", "natural_person", "item_version")
        .get(pk=commitment.pk)
    )


def _check_item(item: CommitmentItem) -> None:
    if not item.is_active:
        raise ValidationFailed(f"承诺事项“{item.name}”已停用", code="item_inactive")


def _check_date(day: Any, *, label: str = "承诺日期") -> datetime.date:
    if not isinstance(day, datetime.date):
        raise ValidationFailed(f"请填写{label}", code="date_required")
    if day > timezone.localdate():
        raise ValidationFailed(f"{label}不能晚于今天", code="date_in_future")
    return day


def _promisor(subject: Subject) -> dict[str, Any]:
    if isinstance(subject, LegalPerson):
        return {
            "legal_person": subject,
            "promisor_name": subject.name,
            "promisor_code": subject.uscc or "",
        }
    return {
        "natural_person": subject,
        "promisor_name": subject.name,
        "promisor_code": subject.id_masked,
    }


def _create(
    *,
    item: CommitmentItem,
    subject: Subject,
    committed_on: datetime.date,
    signer_name: str,
    status: str,
    channel: str,
    actor: Any = None,
    files: Iterable[uploads.CheckedFile] = (),
    **extra: Any,
) -> Commitment:
    version = item_services.current_version(item)
    if version is None:
        raise ValidationFailed(f"承诺事项“{item.name}”还没有承诺书模板", code="item_no_template")
    principal = principal_of(actor)
    published = status == Status.PUBLISHED
    today = timezone.localdate()
    commitment = Commitment.objects.create(
        number=next_number(kind=item.kind, department=item.department, day=committed_on),
        item=item,
        item_version=version,
        kind=item.kind,
        department=item.department,
        region_id=_region_id(subject, item),
        signer_name=(signer_name or "").strip()[:50],
        committed_on=committed_on,
        published_on=today if published else None,
        valid_until=extra.pop("valid_until", None)
        or rules.valid_until(committed_on, version.validity_months),
        status=status,
        channel=channel,
        reviewed_by_id=principal.user_id if published else None,
        reviewed_at=timezone.now() if published and principal.user_id else None,
        created_by_id=principal.user_id,
        **_promisor(subject),
        **extra,
    )
    CommitmentFile.objects.bulk_create(
        CommitmentFile(
            commitment=commitment,
            kind=f.kind or FileKind.OTHER,
            name=f.name,
            content_type=f.content_type,
            size=f.size,
            sha256=f.sha256,
            data=f.data,
        )
        for f in files
    )
    audit.record(
        "commitment.created",
        actor=principal,
        obj=commitment,
        after={
            "item": item.code,
            "version": version.version,
            "status": status,
            "channel": channel,
        },
    )
    return commitment


# --------------------------------------------------------------------------------------------
# Making a commitment
# --------------------------------------------------------------------------------------------


def _account_subject(account: Any) -> Subject:
    """The promisor of a real-name account: its company (经办人), or the person."""
    from credit.identity.models import AccountKind
    from credit.subjects.services import ID_PURPOSE, register_legal_person, register_natural_person

    if account.kind == AccountKind.COMPANY:
        found = LegalPerson.objects.filter(uscc=account.uscc).first()
        if found is None:
            found, _ = register_legal_person(
                actor=None, uscc=account.uscc, name=account.org_name or account.uscc
            )
        return found
    found = NaturalPerson.objects.filter(id_index=account.id_index).first()
    if found is None:
        number = crypto.decrypt(account.id_cipher, purpose=ID_PURPOSE)
        found, _ = register_natural_person(actor=None, name=account.name, id_number=number)
    return found


def submit_online(
    *,
    account: Any,
    item: CommitmentItem,
    agreed: bool,
    signer_name: str,
    files: list[uploads.Upload],
) -> Commitment:
    """A real-name account signs the item's template online (for its company, or itself):
    the promise must be agreed to (勾选同意), the signer named and the signed letter attached.
    The commitment waits for the department's review."""
    if account is None:
        raise PermissionDenied("请先实名登录", code="login_required")
    _check_item(item)
    if not agreed:
        raise ValidationFailed("请阅读承诺书并勾选同意后再提交", code="not_agreed")
    signer_name = (signer_name or "").strip()
    if not signer_name:
        raise ValidationFailed("请填写签署人姓名", code="signer_required")
    checked = uploads.check_files(files, required_kinds=[FileKind.LETTER], kinds=FileKind)
    with transaction.atomic():
        subject = _account_subject(account)
        return _create(
            item=item,
            subject=subject,
            committed_on=timezone.localdate(),
            signer_name=signer_name,
            status=Status.SUBMITTED,
            channel=Channel.PORTAL,
            files=checked,
            account=account,
        )


def enter(
    *,
    actor: Any,
    item: CommitmentItem,
    subject: Subject,
    committed_on: datetime.date,
    signer_name: str,
    files: Iterable[uploads.Upload] = (),
    channel: str = Channel.DEPARTMENT,
) -> Commitment:
    """A commitment entered by a department or the service hall from a signed paper letter.
    Published at once when the one entering may also review it, else it waits for review."""
    principal = principal_of(actor)
    principal.require(Perm.COMMITMENT_ENTER)
    if channel not in (Channel.DEPARTMENT, Channel.HALL):
        raise ValidationFailed("录入渠道应为部门录入或窗口录入", code="channel_invalid")
    _check_item(item)
    if not principal.manages(department_id=item.department_id, region_id=_region_id(subject, item)):
        raise PermissionDenied(
            "该承诺事项或承诺人不在您的管理范围内", code="commitment_not_managed"
        )
    committed_on = _check_date(committed_on)
    checked = uploads.check_files(list(files), kinds=FileKind)
    status = Status.PUBLISHED if principal.has_perm(Perm.COMMITMENT_REVIEW) else Status.SUBMITTED
    with transaction.atomic():
        return _create(
            item=item,
            subject=subject,
            committed_on=committed_on,
            signer_name=signer_name,
            status=status,
            channel=channel,
            actor=principal,
            files=checked,
        )


def find_subject(code: str) -> Subject | None:
    """The subject of a USCC or a resident ID number already in the library; None when not
    there. A code that is neither is refused (``subject_invalid``)."""
    from credit.core.identifiers import is_valid_resident_id, is_valid_uscc, normalize_code
    from credit.subjects.constants import IdType

    code = normalize_code(code or "")
    if is_valid_uscc(code):
        return LegalPerson.objects.filter(uscc=code).first()
    if is_valid_resident_id(code):
        return NaturalPerson.objects.filter(
            id_index=crypto.id_index(IdType.RESIDENT_ID, code)
        ).first()
    raise ValidationFailed(
        "承诺人代码既不是有效的统一社会信用代码，也不是有效的身份证号码", code="subject_invalid"
    )


@transaction.atomic
def record_via_api(
    *,
    actor: Any,
    subject_code: str,
    item_code: str,
    committed_on: datetime.date,
    signer_name: str = "",
) -> Commitment:
    """A department's system pushes a commitment made to it (published at once). Sending the
    same subject, item and date again returns the commitment already recorded."""
    principal = principal_of(actor)
    principal.require(Perm.COMMITMENT_ENTER)
    item = CommitmentItem.objects.select_related("department").filter(code=item_code).first()
    if item is None:
        raise NotFound(f"承诺事项不存在：{item_code}", code="item_not_found")
    _check_item(item)
    subject = find_subject(subject_code)
    if subject is None:
        raise NotFound(
            "承诺人不在信用信息库中：请核对统一社会信用代码或身份证号码", code="subject_not_found"
        )
    if not principal.manages(department_id=item.department_id, region_id=_region_id(subject, item)):
        raise PermissionDenied("该承诺事项不属于您的部门", code="department_not_allowed")
    committed_on = _check_date(committed_on)
    field = "legal_person" if isinstance(subject, LegalPerson) else "natural_person"
    existing = Commitment.objects.filter(
        item=item, committed_on=committed_on, **{field: subject}
    ).first()
    if existing is not None:
        return existing
    return _create(
        item=item,
        subject=subject,
        committed_on=committed_on,
        signer_name=signer_name,
        status=Status.PUBLISHED,
        channel=Channel.API,
        actor=principal,
    )


# --------------------------------------------------------------------------------------------
# Review, fulfilment, breach
# --------------------------------------------------------------------------------------------


#: The refusal code of an action on a commitment in a status that does not allow it.
REFUSALS = {
    "approve": "commitment_not_submitted",
    "return": "commitment_not_submitted",
    "fulfil": "commitment_not_published",
    "breach": "commitment_not_in_force",
}


def _refuse_transition(action: str, commitment: Commitment) -> None:
    if not rules.can(action, commitment.status):
        raise ValidationFailed(
            f"承诺状态为“{commitment.get_status_display()}”，不能进行此操作",
            code=REFUSALS.get(action, "status_invalid"),
            details={"status": commitment.status},
        )


@transaction.atomic
def review(*, actor: Any, commitment: Commitment, approve: bool, reason: str = "") -> Commitment:
    """The department's review of a submitted commitment: approved, it is published today and
    in force for the validity of the version it signed; returned, with the reason."""
    principal = _require(actor, Perm.COMMITMENT_REVIEW, commitment)
    commitment = _locked(commitment)
    action = "approve" if approve else "return"
    _refuse_transition(action, commitment)
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationFailed("退回须填写原因", code="reason_required")
    before = commitment.status
    commitment.status = rules.target(action)
    commitment.reviewed_by_id = principal.user_id
    commitment.reviewed_at = timezone.now()
    if approve:
        commitment.published_on = timezone.localdate()
        commitment.valid_until = rules.valid_until(
            commitment.committed_on, commitment.item_version.validity_months
        )
        commitment.return_reason = ""
    else:
        commitment.return_reason = reason[:500]
    commitment.save()
    audit.record(
        "commitment.approved" if approve else "commitment.returned",
        actor=principal,
        obj=commitment,
        before={"status": before},
        after={"status": commitment.status, "reason": commitment.return_reason},
    )
    return commitment


@transaction.atomic
def fulfil(
    *, actor: Any, commitment: Commitment, on: datetime.date | None = None, note: str = ""
) -> Commitment:
    """The department records that the promise was kept (践诺)."""
    principal = _require(actor, Perm.COMMITMENT_REVIEW, commitment)
    commitment = _locked(commitment)
    _refuse_transition("fulfil", commitment)
    on = _check_date(on or timezone.localdate(), label="践诺日期")
    commitment.status = Status.FULFILLED
    commitment.fulfilled_on = on
    commitment.save()
    audit.record(
        "commitment.fulfilled",
        actor=principal,
        obj=commitment,
        before={"status": Status.PUBLISHED},
        after={"status": commitment.status, "on": on.isoformat(), "note": (note or "")[:300]},
    )
    return commitment


def _breach_payload(commitment: Commitment, facts: str, on: datetime.date) -> dict[str, Any]:
    from credit.subjects.constants import LegalPersonKind
    from credit.subjects.services import ID_PURPOSE

    subject = subject_of(commitment)
    payload: dict[str, Any] = {
        "subject_name": subject.name,
        "commitment_no": commitment.number,
        "commitment_item": commitment.item.name,
        "breach_facts": facts,
        "decision_date": on.isoformat(),
        "authority": commitment.department.name,
        "valid_to": rules.valid_until(on, 12 * BREACH_VALIDITY_YEARS).isoformat(),
    }
    if isinstance(subject, LegalPerson):
        payload["subject_category"] = (
            "个体工商户" if subject.kind == LegalPersonKind.SOLE_TRADER else "法人及非法人组织"
        )
        payload["uscc"] = subject.uscc
    else:
        payload["subject_category"] = "自然人"
        payload["id_number"] = crypto.decrypt(subject.id_cipher, purpose=ID_PURPOSE)
    return payload


@transaction.atomic
def breach(
    *, actor: Any, commitment: Commitment, facts: str, on: datetime.date | None = None
) -> Commitment:
    """The department finds the promise broken (违诺): a 违背信用承诺 record of the promisor is
    written (department: the commitment's) and linked, and the commitment is breached."""
    from credit.catalog.models import CatalogItem
    from credit.records.services import upsert_record

    principal = _require(actor, Perm.COMMITMENT_REVIEW, commitment)
    commitment = _locked(commitment)
    _refuse_transition("breach", commitment)
    facts = (facts or "").strip()
    if not facts:
        raise ValidationFailed("请填写违诺情形", code="facts_required")
    on = _check_date(on or timezone.localdate(), label="认定日期")
    before = commitment.status
    result = upsert_record(
        actor=principal,
        item=CatalogItem.objects.get(code=BREACH_ITEM),
        department=commitment.department,
        subject=subject_of(commitment),
        payload=_breach_payload(commitment, facts[:2000], on),
    )
    commitment.status = Status.BREACHED
    commitment.breach_record = result.record
    commitment.save()
    audit.record(
        "commitment.breached",
        actor=principal,
        obj=commitment,
        before={"status": before},
        after={"status": commitment.status, "record": result.record.pk, "on": on.isoformat()},
    )
    return commitment


@transaction.atomic
def decide_suspicion(
    *, actor: Any, suspicion: SuspectedBreach, confirm: bool, note: str
) -> SuspectedBreach:
    """The department's decision on a suspected breach: confirmed, the commitment is breached
    (the penalty's facts and the note as the breach facts); dismissed, with a note."""
    principal = _require(actor, Perm.COMMITMENT_REVIEW, suspicion.commitment)
    suspicion = (
        SuspectedBreach.objects.select_for_update(of=("self",))
        .select_related("commitment", "record")
        .get(pk=suspicion.pk)
    )
    if suspicion.status != SuspicionStatus.OPEN:
        raise ValidationFailed("该疑似违诺已核实", code="suspicion_decided")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("请填写核实意见", code="note_required")
    if confirm:
        record = suspicion.record
        facts = f"{note}（行政处罚：{record.document_no or record.natural_key}）"
        breach(actor=principal, commitment=suspicion.commitment, facts=facts)
    suspicion.status = SuspicionStatus.CONFIRMED if confirm else SuspicionStatus.DISMISSED
    suspicion.note = note[:500]
    suspicion.decided_by_id = principal.user_id
    suspicion.decided_at = timezone.now()
    suspicion.save()
    audit.record(
        "commitment.suspicion_confirmed" if confirm else "commitment.suspicion_dismissed",
        actor=principal,
        obj=suspicion.commitment,
        after={"suspicion": suspicion.pk, "record": suspicion.record_id, "note": suspicion.note},
    )
    return suspicion
