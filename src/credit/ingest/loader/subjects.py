"""The bulk path for subjects: a chunk's legal persons (by USCC) and natural persons (by
resident ID) found in one query each, the missing ones created in one bulk insert each, with
their derived and legacy identifiers and their audit entries."""

# SQL here names tables only through the models' own ``db_table`` constants; every value
# is a bound parameter.
# ruff: noqa: S608
from __future__ import annotations

import functools
from typing import Any

from django.db import connection

from credit.catalog.constants import FieldRole
from credit.catalog.rules import ItemSpec
from credit.core import audit, crypto
from credit.core.bulk import copy_dicts, reserve_ids
from credit.core.identifiers import normalize_code, parse_resident_id, parse_uscc
from credit.core.masking import mask_id_number
from credit.core.models import AuditEntry, Department
from credit.core.selectors import region_for_division_code
from credit.ingest.loader.prepared import LEGACY_ROLES, SOLE_TRADER
from credit.ingest.taxonomy import error_class
from credit.subjects.constants import IdentifierScheme, IdType, LegalPersonKind
from credit.subjects.models import LegalPerson, LegalPersonIdentifier, NaturalPerson
from credit.subjects.services import ID_PURPOSE, derived_identifiers, id_index

_LP = LegalPerson._meta.db_table
_IDENT = LegalPersonIdentifier._meta.db_table
_NP = NaturalPerson._meta.db_table
_DEPT = Department._meta.db_table


def legal_persons(batch, spec, payloads, legal, subjects, results, actor) -> list[int]:
    """Resolve or create the legal persons of ``legal`` in bulk; returns indexes that must
    take the row-by-row path (a code of the row is owned by another subject)."""
    if not legal:
        return []
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT lp.uscc, lp.id, lp.name, coalesce(d.name, '') FROM {_LP} lp "
            f"LEFT JOIN {_DEPT} d ON d.id = lp.source_department_id WHERE lp.uscc = ANY(%s)",
            [list(set(legal.values()))],
        )
        existing = {uscc: (pk, name, source) for uscc, pk, name, source in cur.fetchall()}
    wanted: dict[tuple[str, str], str] = {}  # (scheme, value) → USCC that should own it
    derived: set[tuple[str, str]] = set()  # codes computed from the USCC, not reported
    for n, uscc in legal.items():
        payload = payloads[n]
        if uscc not in existing:  # a known subject has its derived codes since it was created
            for key in _derived_keys(uscc):
                wanted.setdefault(key, uscc)
                derived.add(key)
        for role, scheme in LEGACY_ROLES.items():
            if value := spec.value(payload, role):
                wanted.setdefault((scheme, normalize_code(value, remove_hyphens=True)), uscc)
    owners: dict[tuple[str, str], str | None] = {}
    if wanted:
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT i.scheme, i.value, lp.uscc FROM {_IDENT} i "
                f"JOIN unnest(%s::text[], %s::text[]) AS w(scheme, value) "
                f"ON i.scheme = w.scheme AND i.value = w.value "
                f"JOIN {_LP} lp ON lp.id = i.legal_person_id",
                [[s for s, _ in wanted], [v for _, v in wanted]],
            )
            owners = {(scheme, value): owner for scheme, value, owner in cur.fetchall()}
    conflicted = {uscc for key, uscc in wanted.items() if key in owners and owners[key] != uscc}
    slow = [n for n, uscc in legal.items() if uscc in conflicted]
    fresh: dict[str, dict[str, Any]] = {}
    for n, uscc in legal.items():
        if uscc in conflicted or uscc in existing or uscc in fresh:
            continue
        payload = payloads[n]
        org_type, division_code = _uscc_facts(uscc)
        fresh[uscc] = {
            "uscc": uscc,
            "name": spec.value(payload, FieldRole.SUBJECT_NAME).strip(),
            "kind": LegalPersonKind.SOLE_TRADER
            if spec.value(payload, FieldRole.SUBJECT_CATEGORY) == SOLE_TRADER
            else LegalPersonKind.ORGANISATION,
            "org_type": org_type,
            "division_code": division_code,
            "region_id": region_id(division_code),
            "source_department_id": batch.department_id,
            "legal_representative": spec.value(payload, FieldRole.LEGAL_REP),
        }
    for row, pk in zip(fresh.values(), reserve_ids(LegalPerson, len(fresh)), strict=True):
        row["id"] = pk
        existing[row["uscc"]] = (pk, row["name"], batch.department.name)
    copy_dicts(LegalPerson, fresh.values())
    copy_dicts(
        AuditEntry,
        audit.bulk_rows(
            "legalperson.created",
            actor=actor,
            object_type=_label(LegalPerson),
            objects=(
                (r["id"], r["name"], {"uscc": r["uscc"], "name": r["name"], "kind": r["kind"]})
                for r in fresh.values()
            ),
        ),
    )
    copy_dicts(
        LegalPersonIdentifier,
        (
            {
                "legal_person_id": existing[uscc][0],
                "scheme": scheme,
                "value": value,
                "derived": (scheme, value) in derived,
                "source_department_id": batch.department_id,
            }
            for (scheme, value), uscc in wanted.items()
            if uscc in existing and (scheme, value) not in owners
        ),
    )
    for n, uscc in legal.items():
        if uscc in conflicted:
            continue
        pk, name, source = existing[uscc]
        subjects[n] = ("L", pk)
        results[n].warnings.extend(name_warning(spec, payloads[n], name, source))
    return slow


def _label(model) -> str:
    return model._meta.label_lower


@functools.lru_cache(maxsize=65_536)
def _derived_keys(uscc: str) -> tuple[tuple[str, str], ...]:
    return ((IdentifierScheme.USCC, uscc), *derived_identifiers(uscc).items())


@functools.lru_cache(maxsize=65_536)
def _uscc_facts(uscc: str) -> tuple[str, str]:
    parsed = parse_uscc(uscc)
    return parsed.org_type, parsed.division_code


def name_warning(spec: ItemSpec, payload: dict, known: str, source: str = "") -> list[dict]:
    """A multi-source warning when the row names a known subject differently; the library
    keeps its name (the registration authority's), the row is still accepted."""
    name = spec.value(payload, FieldRole.SUBJECT_NAME)
    if not name or name == known:
        return []
    where = f"（{source}）" if source else ""
    return [
        {
            "field": spec.by_role()[FieldRole.SUBJECT_NAME].code,
            "code": "name_conflict",
            "class": error_class("name_conflict"),
            "message": f"名称“{name}”与库中{where}登记的“{known}”不一致，库中名称未被覆盖，请核实",
        }
    ]


_regions: dict[str, int | None] = {}


def region_id(code: str) -> int | None:
    if code not in _regions:
        region = region_for_division_code(code)
        _regions[code] = region.pk if region else None
    return _regions[code]


def natural_persons(spec, payloads, natural, subjects, actor) -> None:
    if not natural:
        return
    index_of = {n: id_index(IdType.RESIDENT_ID, number) for n, number in natural.items()}
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT id_index, id FROM {_NP} WHERE id_type = %s AND id_index = ANY(%s)",
            [IdType.RESIDENT_ID, list(set(index_of.values()))],
        )
        existing = dict(cur.fetchall())
    fresh: dict[str, dict[str, Any]] = {}
    for n, number in natural.items():
        index = index_of[n]
        if index in existing or index in fresh:
            continue
        rid = parse_resident_id(number)
        fresh[index] = {
            "name": spec.value(payloads[n], FieldRole.SUBJECT_NAME).strip(),
            "id_type": IdType.RESIDENT_ID,
            "id_cipher": crypto.encrypt(number, purpose=ID_PURPOSE),
            "id_index": index,
            "id_masked": mask_id_number(number),
            "gender": rid.gender,
            "birth_date": rid.birth_date,
            "division_code": rid.division_code,
            "region_id": region_id(rid.division_code),
        }
    for row, pk in zip(fresh.values(), reserve_ids(NaturalPerson, len(fresh)), strict=True):
        row["id"] = existing[row["id_index"]] = pk
    copy_dicts(NaturalPerson, fresh.values())
    copy_dicts(
        AuditEntry,
        audit.bulk_rows(
            "naturalperson.created",
            actor=actor,
            object_type=_label(NaturalPerson),
            objects=(
                (
                    r["id"],
                    f"{r['name']}（{r['id_masked']}）",
                    {"name": r["name"], "id_masked": r["id_masked"]},
                )
                for r in fresh.values()
            ),
        ),
    )
    for n in natural:
        subjects[n] = ("N", existing[index_of[n]])
