"""Writes to the base libraries: registering legal persons and natural persons.

Registration is idempotent: the same identifier always resolves to the same file (one subject,
one file), enforced by unique constraints in the database.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction

from credit.core import audit, crypto
from credit.core.errors import ValidationFailed
from credit.core.identifiers import IdentifierError, normalize_code, parse_resident_id, parse_uscc
from credit.core.masking import mask_id_number
from credit.core.models import Department
from credit.core.selectors import region_for_division_code
from credit.subjects.constants import IdentifierScheme, IdType, LegalPersonKind
from credit.subjects.models import LegalPerson, LegalPersonIdentifier, NaturalPerson

ID_PURPOSE = crypto.ID_PURPOSE
#: Blind index of an identity document number (:func:`credit.core.crypto.id_index`).
id_index = crypto.id_index


def derived_identifiers(uscc: str) -> dict[str, str]:
    """Legacy codes derivable from a USCC: organisation code (chars 9–17) and the 15-character
    tax registration number (division code + organisation code)."""
    parsed = parse_uscc(uscc)
    legacy = parsed.legacy_codes()
    return {
        IdentifierScheme.ORG_CODE: legacy["org_code"],
        IdentifierScheme.TAX_NO: legacy["tax_no"],
    }


@transaction.atomic
def register_legal_person(
    *,
    actor: Any,
    uscc: str | None,
    name: str,
    kind: str = LegalPersonKind.ORGANISATION,
    legacy: dict[str, str] | None = None,
    department: Department | None = None,
    **attrs: Any,
) -> tuple[LegalPerson, bool]:
    """Find or create the legal person with this USCC (or, without one, these legacy codes).

    Returns ``(subject, created)``. The USCC must be valid (GB 32100); its organisation code
    and tax number are added to the cross-walk. A legacy code already held by another subject
    raises ``identifier_conflict`` instead of attaching it twice.
    """
    legacy = {k: normalize_code(v, remove_hyphens=True) for k, v in (legacy or {}).items() if v}
    code = normalize_code(uscc) if uscc else None
    parsed = None
    if code:
        try:
            parsed = parse_uscc(code)
        except IdentifierError as exc:
            raise ValidationFailed(exc.message, code=exc.code, details={"uscc": code}) from exc
    subject = None
    if code:
        subject = LegalPerson.objects.filter(uscc=code).first()
    if subject is None:
        for scheme, value in legacy.items():
            hit = LegalPersonIdentifier.objects.filter(scheme=scheme, value=value).first()
            if hit:
                subject = hit.legal_person
                break
        if subject is not None and code and subject.uscc:
            subject = None  # the legacy code's owner has another USCC: _attach reports it
    if subject is not None:
        if parsed is not None and not subject.uscc:
            # A sole trader received its USCC: same file, now keyed and placed by it.
            subject.uscc = parsed.code
            subject.org_type = parsed.org_type
            subject.division_code = parsed.division_code
            subject.region = region_for_division_code(parsed.division_code)
            subject.save(
                update_fields=["uscc", "org_type", "division_code", "region", "updated_at"]
            )
            audit.record(
                "legalperson.uscc_assigned", actor=actor, obj=subject, after={"uscc": parsed.code}
            )
        _attach(subject, code, legacy, department)
        return subject, False
    if not code and not legacy:
        raise ValidationFailed(
            "法人主体至少需要统一社会信用代码或一个登记代码", code="identifier_missing"
        )
    region = region_for_division_code(parsed.division_code) if parsed else None
    subject = LegalPerson.objects.create(
        uscc=code,
        name=name.strip(),
        kind=kind,
        org_type=parsed.org_type if parsed else "",
        division_code=parsed.division_code if parsed else "",
        region=region,
        source_department=department,
        **attrs,
    )
    _attach(subject, code, legacy, department)
    audit.record(
        "legalperson.created",
        actor=actor,
        obj=subject,
        after={"uscc": code, "name": subject.name, "kind": kind},
    )
    return subject, True


def _attach(subject: LegalPerson, code: str | None, legacy: dict, department) -> None:
    wanted: dict[str, tuple[str, bool]] = {k: (v, False) for k, v in legacy.items()}
    if code:
        wanted[IdentifierScheme.USCC] = (code, True)
        for scheme, value in derived_identifiers(code).items():
            wanted.setdefault(scheme, (value, True))
    for scheme, (value, derived) in wanted.items():
        existing = LegalPersonIdentifier.objects.filter(scheme=scheme, value=value).first()
        if existing is None:
            try:
                with transaction.atomic():
                    LegalPersonIdentifier.objects.create(
                        legal_person=subject,
                        scheme=scheme,
                        value=value,
                        derived=derived,
                        source_department=department,
                    )
            except IntegrityError:
                existing = LegalPersonIdentifier.objects.get(scheme=scheme, value=value)
        if existing is not None and existing.legal_person_id != subject.pk:
            raise ValidationFailed(
                f"{IdentifierScheme(scheme).label}“{value}”已属于另一法人主体",
                code="identifier_conflict",
                details={"scheme": scheme, "value": value},
            )


@transaction.atomic
def register_natural_person(
    *,
    actor: Any,
    name: str,
    id_number: str,
    id_type: str = IdType.RESIDENT_ID,
    today: datetime.date | None = None,
) -> tuple[NaturalPerson, bool]:
    """Find or create the natural person with this document number.

    A resident ID number is checked (GB 11643: checksum, real birth date, province; an unknown
    or abolished division code is accepted), upgraded from 15 to 18 digits, encrypted and
    indexed. The clear number is never stored, logged or written to the audit log.
    """
    number = normalize_code(id_number)
    gender, birth, division = "", None, ""
    if id_type == IdType.RESIDENT_ID:
        try:
            rid = parse_resident_id(number, today=today)
        except IdentifierError as exc:
            raise ValidationFailed(exc.message, code=exc.code) from exc
        number, gender, birth, division = rid.number, rid.gender, rid.birth_date, rid.division_code
    elif not number or len(number) > 40:
        raise ValidationFailed("证件号码为空或过长", code="id_invalid")
    index = id_index(id_type, number)
    person = NaturalPerson.objects.filter(id_type=id_type, id_index=index).first()
    if person is not None:
        return person, False
    person = NaturalPerson.objects.create(
        name=name.strip(),
        id_type=id_type,
        id_cipher=crypto.encrypt(number, purpose=ID_PURPOSE),
        id_index=index,
        id_masked=mask_id_number(number),
        gender=gender,
        birth_date=birth,
        division_code=division,
        region=region_for_division_code(division),
    )
    audit.record(
        "naturalperson.created",
        actor=actor,
        obj=person,
        after={"name": person.name, "id_masked": person.id_masked},
    )
    return person, True


@transaction.atomic
def reveal_id_number(*, actor: Any, person: NaturalPerson, reason: str) -> str:
    """The clear document number, for a user allowed to see it; the read is audited."""
    from credit.core.access import Perm, require

    require(actor, Perm.SUBJECT_VIEW_IDENTITY)
    if not reason.strip():
        raise ValidationFailed("查看完整证件号码须填写事由", code="reason_required")
    audit.record("naturalperson.id_revealed", actor=actor, obj=person, after={"reason": reason})
    return crypto.decrypt(person.id_cipher, purpose=ID_PURPOSE)
