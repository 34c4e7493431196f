"""Reads of the base libraries: finding a subject by any identifier, scoped search."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from credit.core import audit
from credit.core.access import Perm, principal_of, require
from credit.core.identifiers import IdentifierError, detect, normalize_code, upgrade_id15
from credit.subjects.constants import IdentifierScheme, IdType
from credit.subjects.models import LegalPerson, LegalPersonIdentifier, NaturalPerson
from credit.subjects.services import id_index

#: Every column but the generated name bigrams (the portal's search index, never needed here:
#: parsing the array would cost every look-up).
_COLUMNS = ", ".join(
    f.column for f in LegalPerson._meta.concrete_fields if not getattr(f, "generated", False)
)
_BY_USCC = f"SELECT {_COLUMNS} FROM {LegalPerson._meta.db_table} WHERE uscc = %s LIMIT 1"  # noqa: S608


def legal_person_by_identifier(value: str, scheme: str | None = None) -> LegalPerson | None:
    """The legal person known by ``value``: a USCC, or a legacy code in the cross-walk.

    Without ``scheme`` every scheme is tried; when the same value belongs to different
    subjects under different schemes the answer is ambiguous and ``None`` is returned rather
    than an arbitrary one — pass ``scheme`` to decide.
    """
    code = normalize_code(value, remove_hyphens=True)
    if not code:
        return None
    if scheme in (None, IdentifierScheme.USCC):
        # A prepared statement on the unique index: the check service's hot path.
        hit = next(iter(LegalPerson.objects.raw(_BY_USCC, [code])), None)
        if hit or scheme:
            return hit
    schemes = [scheme] if scheme else list(IdentifierScheme.values)
    # scheme__in lets PostgreSQL use the (scheme, value) unique index for every scheme.
    owners = set(
        LegalPersonIdentifier.objects.filter(scheme__in=schemes, value=code).values_list(
            "legal_person_id", flat=True
        )[:2]
    )
    if len(owners) != 1:
        return None
    return LegalPerson.objects.filter(pk=owners.pop()).first()


def natural_person_by_id(id_number: str, id_type: str = IdType.RESIDENT_ID) -> NaturalPerson | None:
    """Look up by document number through the blind index (no decryption involved).

    A legacy 15-digit resident ID is upgraded first, as it was when the person was registered.
    """
    number = normalize_code(id_number)
    if id_type == IdType.RESIDENT_ID and len(number) == 15:
        try:
            number = upgrade_id15(number)
        except IdentifierError:
            return None
    return NaturalPerson.objects.filter(id_type=id_type, id_index=id_index(id_type, number)).first()


def search(principal: Any, q: str, *, limit: int = 50) -> dict[str, list]:
    """Search subjects for a member of staff.

    A USCC or legacy code finds the legal person; a resident ID number finds the natural
    person (the look-up is audited, because it is a read of personal data); other text
    searches legal-person names. Natural persons are never found by name here.
    """
    require(principal, Perm.SUBJECT_VIEW)
    q = (q or "").strip()[:100]
    out: dict[str, list] = {"legal_persons": [], "natural_persons": []}
    if not q:
        return out
    kind = detect(q)
    if kind == "resident_id":
        require(principal, Perm.SUBJECT_VIEW_NATURAL)  # an API client needs its own scope
        person = natural_person_by_id(q)
        audit.record(
            "naturalperson.looked_up",
            actor=principal,
            object_type="subjects.naturalperson",
            object_id=str(person.pk) if person else "",
            after={"found": person is not None},
        )
        if person:
            out["natural_persons"].append(person)
        return out
    hit = legal_person_by_identifier(q)
    if hit:
        out["legal_persons"].append(hit)
        return out
    out["legal_persons"] = list(
        LegalPerson.objects.select_related("region")
        .filter(name__icontains=q)
        .order_by("name")[:limit]
    )
    return out


def natural_person_for(principal: Any, pk: int) -> NaturalPerson | None:
    """A natural person's file for a member of staff; opening it is an audited read."""
    require(principal, Perm.SUBJECT_VIEW_NATURAL)
    person = NaturalPerson.objects.select_related("region").filter(pk=pk).first()
    if person is not None:
        audit.record("naturalperson.viewed", actor=principal, obj=person)
    return person


def legal_person_detail(pk: int) -> LegalPerson | None:
    return (
        LegalPerson.objects.select_related("region", "source_department")
        .prefetch_related("identifiers")
        .filter(pk=pk)
        .first()
    )


def library_counts() -> dict[str, int]:
    """Sizes of the two libraries, for the dashboard and the seed report."""
    lp = LegalPerson.objects.aggregate(
        total=Count("id"), sole=Count("id", filter=Q(kind="sole_trader"))
    )
    return {
        "legal_persons": lp["total"],
        "sole_traders": lp["sole"],
        "natural_persons": NaturalPerson.objects.count(),
    }


def identifiers_of(subject: LegalPerson) -> QuerySet[LegalPersonIdentifier]:
    return subject.identifiers.all().order_by("scheme")


#: Sections of a subject's profile (S2 embedded query) and the catalog items they show.
PROFILE_SECTIONS = {
    "licenses": ("admin-license",),
    "penalties": ("admin-penalty",),
}
PROFILE_LIMIT = 50


def shown_name(subject: Any, principal: Any) -> str:
    """A subject's name as the principal may see it: a natural person's masked (张*三) for a
    principal that receives names masked (systems outside the staff), else in full."""
    from credit.core.masking import mask_name

    if isinstance(subject, NaturalPerson) and principal_of(principal).masked_names:
        return mask_name(subject.name)
    return subject.name


def profile_for(principal: Any, identifier: str) -> dict[str, Any] | None:
    """A subject's profile for embedding in business systems (S2): basic information, its
    licences and penalties in force, and its list entries in force — exactly the records the
    principal may use (``credit.records.selectors.usable_q``: usage scope and granted items,
    across departments and districts), each with the fields it may use. A natural person
    needs ``subjects.view_natural`` and its name comes masked to systems."""
    from credit.catalog.constants import LIST_CATEGORIES
    from credit.records.models import CreditRecord
    from credit.records.selectors import usable_payload, usable_q

    p = principal_of(principal)
    p.require(Perm.SUBJECT_VIEW)
    identifier = (identifier or "").strip()[:40]
    if detect(identifier) == "resident_id":
        p.require(Perm.SUBJECT_VIEW_NATURAL)
        subject = natural_person_by_id(identifier)
    else:
        subject = legal_person_by_identifier(identifier)
    if subject is None:
        return None
    natural = isinstance(subject, NaturalPerson)
    if natural:
        audit.record("naturalperson.viewed", actor=p, obj=subject)
        basic = {
            "type": "natural",
            "name": shown_name(subject, p),
            "id_masked": subject.id_masked,
            "region": subject.region_id,
        }
    else:
        basic = {
            "type": "legal",
            "uscc": subject.uscc,
            "name": subject.name,
            "kind": subject.kind,
            "region": subject.region_id,
            "industry": subject.industry,
            "status": subject.status,
            "legal_representative": subject.legal_representative,
            "established_on": subject.established_on,
        }
    records = (
        CreditRecord.objects.filter(
            Q(natural_person=subject) if natural else Q(legal_person=subject), usable_q(p)
        )
        .select_related("item", "department")
        .order_by("-decision_date", "-id")
    )
    sections: dict[str, list] = {name: [] for name in (*PROFILE_SECTIONS, "list_entries")}
    counts: dict[str, int] = dict.fromkeys(sections, 0)
    for record in records.iterator(chunk_size=500):
        if record.item.category in LIST_CATEGORIES:
            name = "list_entries"
        else:
            name = next(
                (n for n, codes in PROFILE_SECTIONS.items() if record.item.code in codes), ""
            )
            if not name:
                continue
        counts[name] += 1
        if len(sections[name]) < PROFILE_LIMIT:
            sections[name].append(
                {
                    "record": record.pk,
                    "item": record.item.code,
                    "item_name": record.item.name,
                    "list_kind": record.item.category,
                    "department": record.department.name,
                    "document_no": record.document_no,
                    "decision_date": record.decision_date,
                    "valid_to": record.valid_to,
                    "severity": record.severity,
                    "payload": usable_payload(record, p),
                }
            )
    return {"subject": basic, **sections, "counts": counts}
