"""Loading accepted rows into the base libraries, a chunk at a time.

The common cases — a legal person with a valid USCC, a natural person with a resident ID —
are loaded in bulk: subjects are looked up for the whole chunk in one query each, the missing
ones created with one bulk insert, records compared with what the library holds and inserted,
updated (keeping the previous version) or left unchanged in bulk, and every change written to
the audit log as in the services. Everything else (sole traders without a USCC, legacy codes
owned by another subject, other document types) goes row by row through
:func:`credit.subjects.services.register_legal_person` /
:func:`~credit.subjects.services.register_natural_person` and
:func:`credit.records.services.upsert_record`, which hold the full rules. Both paths apply the
same natural key, stored payload and extracted columns (``credit.records.rules``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from credit.catalog.constants import FieldRole, SubjectType
from credit.catalog.models import CatalogItem
from credit.catalog.rules import ItemSpec
from credit.core import audit, crypto
from credit.core.bulk import copy_insert
from credit.core.errors import CreditError
from credit.core.identifiers import (
    is_placeholder_uscc,
    normalize_code,
    parse_resident_id,
    parse_uscc,
    upgrade_id15,
)
from credit.core.masking import mask_id_number
from credit.core.models import AuditEntry
from credit.core.selectors import region_for_division_code
from credit.ingest.taxonomy import error_class
from credit.records.models import CreditRecord, CreditRecordVersion
from credit.records.rules import extract_columns, key_values, natural_key, storage_payload
from credit.records.rules import subject_key as make_subject_key
from credit.records.services import upsert_record
from credit.subjects.constants import IdentifierScheme, IdType, LegalPersonKind
from credit.subjects.models import LegalPerson, LegalPersonIdentifier, NaturalPerson
from credit.subjects.services import (
    ID_PURPOSE,
    id_index,
    register_legal_person,
    register_natural_person,
)

NATURAL = "自然人"
SOLE_TRADER = "个体工商户"
RESIDENT_ID_LABEL = "居民身份证"
ID_TYPES = {label: value for value, label in IdType.choices}
LEGACY_ROLES = {
    FieldRole.REG_NO: IdentifierScheme.REG_NO,
    FieldRole.ORG_CODE: IdentifierScheme.ORG_CODE,
    FieldRole.TAX_NO: IdentifierScheme.TAX_NO,
    FieldRole.INSTITUTION_NO: IdentifierScheme.INSTITUTION_NO,
    FieldRole.SOCIAL_ORG_NO: IdentifierScheme.SOCIAL_ORG_NO,
}


@dataclass
class LoadResult:
    outcome: str = ""  # "inserted" | "updated" | "unchanged" | "" when rejected
    record_id: int | None = None
    warnings: list[dict] = field(default_factory=list)
    error: dict | None = None


def _is_natural(item: CatalogItem, spec: ItemSpec, payload: dict) -> bool:
    category = spec.value(payload, FieldRole.SUBJECT_CATEGORY)
    return category == NATURAL or (not category and item.subject_type == SubjectType.NATURAL)


def load_rows(
    *, batch: Any, item: CatalogItem, spec: ItemSpec, payloads: list[dict[str, str]], actor: Any
) -> list[LoadResult]:
    """Load validated payloads; one :class:`LoadResult` per payload, in order."""
    results = [LoadResult() for _ in payloads]
    legal: dict[int, str] = {}  # index → USCC
    natural: dict[int, str] = {}  # index → 18-digit resident ID
    slow: list[int] = []
    for n, payload in enumerate(payloads):
        values = functools.partial(spec.value, payload)
        if _is_natural(item, spec, payload):
            if (values(FieldRole.ID_TYPE) or RESIDENT_ID_LABEL) == RESIDENT_ID_LABEL:
                number = normalize_code(values(FieldRole.ID_NUMBER))
                natural[n] = upgrade_id15(number) if len(number) == 15 else number
            else:
                slow.append(n)
        else:
            uscc = normalize_code(values(FieldRole.USCC))
            if uscc and not is_placeholder_uscc(uscc):
                legal[n] = uscc
            else:
                slow.append(n)
    subjects: dict[int, tuple[str, int]] = {}
    slow.extend(_legal_persons(batch, spec, payloads, legal, subjects, results, actor))
    _natural_persons(spec, payloads, natural, subjects, actor)
    _records(batch, item, spec, payloads, subjects, results, actor)
    for n in sorted(slow):
        try:
            with transaction.atomic():
                results[n] = _load_one(batch, item, spec, payloads[n], actor)
        except CreditError as exc:
            results[n] = LoadResult(
                error={
                    "field": "",
                    "code": exc.code,
                    "class": error_class(exc.code),
                    "message": exc.message,
                }
            )
    return results


def _audit_entries(event: str, objects: list, actor: Any, after) -> list[AuditEntry]:
    return [audit.entry(event, actor=actor, obj=obj, after=after(obj)) for obj in objects]


def _legal_persons(batch, spec, payloads, legal, subjects, results, actor) -> list[int]:
    """Resolve or create the legal persons of ``legal`` in bulk; returns indexes that must
    take the row-by-row path (a legacy code owned by another subject)."""
    if not legal:
        return []
    existing = {
        lp.uscc: lp
        for lp in LegalPerson.objects.filter(uscc__in=set(legal.values())).select_related(
            "source_department"
        )
    }
    wanted: dict[tuple[str, str], str] = {}  # (scheme, value) → USCC that should own it
    derived: set[tuple[str, str]] = set()  # codes computed from the USCC, not reported
    for n, uscc in legal.items():
        values = functools.partial(spec.value, payloads[n])
        legacy = parse_uscc(uscc).legacy_codes()
        for key in [(IdentifierScheme.USCC, uscc)] + [
            (scheme, legacy[scheme])
            for scheme in (IdentifierScheme.ORG_CODE, IdentifierScheme.TAX_NO)
        ]:
            wanted.setdefault(key, uscc)
            derived.add(key)
        for role, scheme in LEGACY_ROLES.items():
            if values(role):
                wanted.setdefault((scheme, normalize_code(values(role), remove_hyphens=True)), uscc)
    owners: dict[tuple[str, str], str | None] = {}
    for scheme in {s for s, _ in wanted}:
        for value, owner in LegalPersonIdentifier.objects.filter(
            scheme=scheme, value__in=[v for s, v in wanted if s == scheme]
        ).values_list("value", "legal_person__uscc"):
            owners[(scheme, value)] = owner
    conflicted = {uscc for key, uscc in wanted.items() if key in owners and owners[key] != uscc}
    slow = [n for n, uscc in legal.items() if uscc in conflicted]
    fresh: dict[str, LegalPerson] = {}
    for n, uscc in legal.items():
        if uscc in conflicted or uscc in existing or uscc in fresh:
            continue
        values = functools.partial(spec.value, payloads[n])
        parsed = parse_uscc(uscc)
        category = values(FieldRole.SUBJECT_CATEGORY)
        fresh[uscc] = LegalPerson(
            uscc=uscc,
            name=values(FieldRole.SUBJECT_NAME).strip(),
            kind=LegalPersonKind.SOLE_TRADER
            if category == SOLE_TRADER
            else LegalPersonKind.ORGANISATION,
            org_type=parsed.org_type,
            division_code=parsed.division_code,
            region=_region(parsed.division_code),
            source_department=batch.department,
            legal_representative=values(FieldRole.LEGAL_REP),
        )
    created = copy_insert(list(fresh.values()))
    copy_insert(
        _audit_entries(
            "legalperson.created",
            created,
            actor,
            lambda lp: {"uscc": lp.uscc, "name": lp.name, "kind": lp.kind},
        )
    )
    by_uscc = {**existing, **{lp.uscc: lp for lp in created}}
    LegalPersonIdentifier.objects.bulk_create(
        [
            LegalPersonIdentifier(
                legal_person=by_uscc[uscc],
                scheme=scheme,
                value=value,
                derived=(scheme, value) in derived,
                source_department=batch.department,
            )
            for (scheme, value), uscc in wanted.items()
            if uscc in by_uscc and (scheme, value) not in owners
        ],
        ignore_conflicts=True,
    )
    for n, uscc in legal.items():
        if uscc in conflicted:
            continue
        lp = by_uscc[uscc]
        subjects[n] = ("L", lp.pk)
        results[n].warnings.extend(_name_warning(spec, payloads[n], lp))
    return slow


def _name_warning(spec: ItemSpec, payload: dict, subject: Any) -> list[dict]:
    """A multi-source warning when the row names a known subject differently; the library
    keeps its name (the registration authority's), the row is still accepted."""
    name = spec.value(payload, FieldRole.SUBJECT_NAME)
    if not name or name == subject.name:
        return []
    source = getattr(subject, "source_department", None)
    where = f"（{source}）" if source else ""
    return [
        {
            "field": spec.by_role()[FieldRole.SUBJECT_NAME].code,
            "code": "name_conflict",
            "class": error_class("name_conflict"),
            "message": f"名称“{name}”与库中{where}登记的“{subject.name}”不一致，"
            "库中名称未被覆盖，请核实",
        }
    ]


_regions: dict[str, Any] = {}


def _region(code: str):
    if code not in _regions:
        _regions[code] = region_for_division_code(code)
    return _regions[code]


def _natural_persons(spec, payloads, natural, subjects, actor) -> None:
    if not natural:
        return
    index_of = {n: id_index(IdType.RESIDENT_ID, number) for n, number in natural.items()}
    existing = dict(
        NaturalPerson.objects.filter(
            id_type=IdType.RESIDENT_ID, id_index__in=set(index_of.values())
        ).values_list("id_index", "pk")
    )
    fresh: dict[str, NaturalPerson] = {}
    for n, number in natural.items():
        index = index_of[n]
        if index in existing or index in fresh:
            continue
        rid = parse_resident_id(number)
        fresh[index] = NaturalPerson(
            name=spec.value(payloads[n], FieldRole.SUBJECT_NAME).strip(),
            id_type=IdType.RESIDENT_ID,
            id_cipher=crypto.encrypt(number, purpose=ID_PURPOSE),
            id_index=index,
            id_masked=mask_id_number(number),
            gender=rid.gender,
            birth_date=rid.birth_date,
            division_code=rid.division_code,
            region=_region(rid.division_code),
        )
    created = copy_insert(list(fresh.values()))
    copy_insert(
        _audit_entries(
            "naturalperson.created",
            created,
            actor,
            lambda p: {"name": p.name, "id_masked": p.id_masked},
        )
    )
    existing.update({p.id_index: p.pk for p in created})
    for n in natural:
        subjects[n] = ("N", existing[index_of[n]])


def _records(batch, item, spec, payloads, subjects, results, actor) -> None:
    if not subjects:
        return
    department = batch.department
    staged: dict[str, dict] = {}
    index_of_key: dict[str, int] = {}
    for n, (kind, pk) in subjects.items():
        payload = payloads[n]
        key = natural_key(
            department_code=department.code,
            item_code=item.code,
            key_values=key_values(item.natural_key, payload),
            subject_key=make_subject_key(kind, pk),
        )
        staged[key] = {
            "kind": kind,
            "pk": pk,
            "payload": storage_payload(spec, payload),
            "columns": extract_columns(spec, payload, item.usage_scope),
        }
        index_of_key[key] = n
    existing = {
        r.natural_key: r
        for r in CreditRecord.objects.select_for_update().filter(
            item=item, natural_key__in=list(staged)
        )
    }
    new, changed = [], []
    for key, row in staged.items():
        record = existing.get(key)
        if record is None:
            new.append(
                CreditRecord(
                    item=item,
                    department=department,
                    region_id=department.region_id,
                    natural_key=key,
                    payload=row["payload"],
                    legal_person_id=row["pk"] if row["kind"] == "L" else None,
                    natural_person_id=row["pk"] if row["kind"] == "N" else None,
                    **row["columns"],
                )
            )
        elif record.payload == row["payload"]:
            results[index_of_key[key]].outcome = "unchanged"
            results[index_of_key[key]].record_id = record.pk
        else:
            changed.append((record, row))
    created = copy_insert(new)
    for record in created:
        result = results[index_of_key[record.natural_key]]
        result.outcome, result.record_id = "inserted", record.pk
    if changed:
        copy_insert(
            [
                CreditRecordVersion(record=r, version=r.version, payload=r.payload, status=r.status)
                for r, _ in changed
            ]
        )
        now = timezone.now()
        for record, row in changed:
            record.payload = row["payload"]
            record.version += 1
            record.updated_at = now
            for name, value in row["columns"].items():
                setattr(record, name, value)
            result = results[index_of_key[record.natural_key]]
            result.outcome, result.record_id = "updated", record.pk
        CreditRecord.objects.bulk_update(
            [r for r, _ in changed],
            ["payload", "version", "updated_at", *changed[0][1]["columns"]],
        )
    copy_insert(
        _audit_entries(
            "record.created",
            created,
            actor,
            lambda r: {"item": item.code, "document_no": r.document_no},
        )
        + _audit_entries(
            "record.updated", [r for r, _ in changed], actor, lambda r: {"version": r.version}
        )
    )


def _load_one(batch, item: CatalogItem, spec: ItemSpec, payload: dict, actor: Any) -> LoadResult:
    """The row-by-row path, through the subject and record services."""
    values = functools.partial(spec.value, payload)
    if _is_natural(item, spec, payload):
        subject, _ = register_natural_person(
            actor=actor,
            name=values(FieldRole.SUBJECT_NAME),
            id_number=values(FieldRole.ID_NUMBER),
            id_type=ID_TYPES.get(values(FieldRole.ID_TYPE) or RESIDENT_ID_LABEL, IdType.OTHER),
        )
    else:
        uscc = values(FieldRole.USCC)
        category = values(FieldRole.SUBJECT_CATEGORY)
        legacy = {scheme: values(role) for role, scheme in LEGACY_ROLES.items() if values(role)}
        subject, _ = register_legal_person(
            actor=actor,
            uscc=None if not uscc or is_placeholder_uscc(uscc) else uscc,
            name=values(FieldRole.SUBJECT_NAME),
            kind=LegalPersonKind.SOLE_TRADER
            if category == SOLE_TRADER
            else LegalPersonKind.ORGANISATION,
            legacy=legacy,
            department=batch.department,
            legal_representative=values(FieldRole.LEGAL_REP),
        )
    warnings = _name_warning(spec, payload, subject)
    result = upsert_record(
        actor=actor, item=item, department=batch.department, subject=subject, payload=payload
    )
    return LoadResult(result.outcome, result.record.pk, warnings)
