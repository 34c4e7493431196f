"""What objections and repair applications share: checking and storing the applicant
(encrypted), case numbers, attachments and the transition log. The result SMS:
:mod:`credit.objections.notifications`."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from credit.core import audit, crypto
from credit.core.access import principal_of
from credit.core.errors import ValidationFailed
from credit.core.masking import mask_id_number, mask_phone
from credit.core.models import Department
from credit.objections import rules, selectors, verification
from credit.objections.constants import SubmitterKind
from credit.objections.models import Attachment, Transition
from credit.objections.uploads import CheckedFile
from credit.records.models import CreditRecord

#: Encryption and blind-index purpose of the applicant's identity number, and of the phone.
ID_PURPOSE = "objections.submitter_id"
#: Case numbers: prefix, date, then 10 characters from 32 (50 random bits).
NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
NUMBER_RANDOM = 10
TEXT_LIMIT = 2000


@dataclass(frozen=True)
class Applicant:
    """An applicant checked: name, kind (natural/legal), normalised identity number and
    mobile phone."""

    name: str
    kind: str
    number: str
    phone: str


def check_applicant(*, name: str, id_number: str, phone: str) -> Applicant:
    """The applicant's fields checked: a name, a valid resident ID number (GB 11643) or USCC
    (GB 32100), a mainland mobile number. ``ValidationFailed`` names the first problem."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed("请填写申请人姓名或单位名称", code="name_required")
    if len(name) > 100:
        raise ValidationFailed("申请人姓名或单位名称过长（最多100个字）", code="name_invalid")
    kind, number = rules.parse_submitter_id(id_number)
    return Applicant(name, kind, number, rules.normalize_phone(phone))


def check_text(
    text: str, *, label: str, code: str, required: bool = True, too_long_code: str = ""
) -> str:
    """A free text of at most 2000 characters, required unless ``required`` is false; too
    long is refused with ``too_long_code`` (default: ``code``)."""
    text = (text or "").strip()
    if required and not text:
        raise ValidationFailed(f"请填写{label}", code=code)
    if len(text) > TEXT_LIMIT:
        raise ValidationFailed(f"{label}过长（最多{TEXT_LIMIT}字）", code=too_long_code or code)
    return text


def attachment_read(principal: Any, case: Any, attachment_id: int) -> Attachment | None:
    """An attachment of ``case`` (an objection or a repair application the principal may
    see, or None); the read of the applicant's file is audited."""
    if case is None:
        return None
    found = case.attachments.filter(pk=attachment_id).first()
    if found is not None:
        audit.record(
            f"{_EVENT_PREFIX[case._meta.model_name]}.attachment_read",
            actor=principal,
            obj=case,
            after={"attachment": found.pk, "name": found.name},
        )
    return found


#: Audit event prefix by case model.
_EVENT_PREFIX = {"objection": "objection", "repairapplication": "repair"}


def is_subject_of(record: CreditRecord, applicant: Applicant) -> bool:
    """True when the applicant's identity number is the record's subject's."""
    from credit.subjects.services import id_index

    if record.legal_person_id:
        return (
            applicant.kind == SubmitterKind.LEGAL and record.legal_person.uscc == applicant.number
        )
    person = record.natural_person
    return (
        applicant.kind == SubmitterKind.NATURAL
        and id_index(person.id_type, applicant.number) == person.id_index
    )


def submitter_fields(applicant: Applicant, record: CreditRecord) -> dict[str, Any]:
    """The stored form of the applicant: identity number and phone encrypted, indexed and
    masked; never in clear."""
    return {
        "submitter_name": applicant.name,
        "submitter_kind": applicant.kind,
        "id_cipher": crypto.encrypt(applicant.number, purpose=ID_PURPOSE),
        "id_index": crypto.blind_index(applicant.number, purpose=ID_PURPOSE),
        "id_masked": mask_id_number(applicant.number),
        "phone_cipher": crypto.encrypt(applicant.phone, purpose=verification.PHONE_PURPOSE),
        "phone_index": verification.phone_index(applicant.phone),
        "phone_masked": mask_phone(applicant.phone),
        "is_subject": is_subject_of(record, applicant),
    }


def phone_of(case: Any) -> str:
    """The applicant's clear phone number (to send an SMS only)."""
    return crypto.decrypt(case.phone_cipher, purpose=verification.PHONE_PURPOSE)


def new_number(prefix: str, today: datetime.date | None = None) -> str:
    today = today or timezone.localdate()
    tail = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_RANDOM))
    return f"{prefix}{today:%Y%m%d}{tail}"


def create_numbered(model: type[Model], prefix: str, **fields: Any) -> Any:
    """``model.objects.create`` with a fresh case number, drawn again on the (once in
    2^50) chance that it is taken."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                return model.objects.create(number=new_number(prefix), **fields)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def save_attachments(case: Any, files: list[CheckedFile], default_kind: str) -> None:
    field = "objection" if case._meta.model_name == "objection" else "repair"
    Attachment.objects.bulk_create(
        Attachment(
            **{field: case},
            kind=f.kind or default_kind,
            name=f.name,
            content_type=f.content_type,
            size=f.size,
            sha256=f.sha256,
            data=f.data,
        )
        for f in files
    )


def acting_department(actor: Any) -> Department | None:
    """The department an actor acts for: its own, or the credit office for city staff and
    the public (an online applicant)."""
    department = getattr(actor, "department", None) if actor is not None else None
    return department or selectors.credit_office()


def log(
    case: Any,
    *,
    action: str,
    from_status: str,
    to_status: str,
    actor: Any,
    reason: str = "",
    reason_public: bool = False,
    department: Department | None = None,
) -> Transition:
    """Append one step to the case's log (the table refuses changes to past steps)."""
    field = "objection" if case._meta.model_name == "objection" else "repair"
    person = principal_of(actor)
    return Transition.objects.create(
        **{field: case},
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_id=person.user_id,
        actor_repr=(str(person) if person.user_id else "申请人（网上）")[:150],
        department=department,
        reason=reason,
        reason_public=reason_public,
    )
