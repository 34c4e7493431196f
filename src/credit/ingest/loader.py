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

# SQL here names tables only through the models' own ``db_table`` constants; every value
# is a bound parameter.
# ruff: noqa: S608
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from credit.catalog.constants import LIST_CATEGORIES, FieldRole, Sensitivity, SubjectType
from credit.catalog.models import CatalogItem
from credit.catalog.rules import ItemSpec
from credit.core import audit, crypto
from credit.core.bulk import copy_dicts, reserve_ids
from credit.core.errors import CreditError
from credit.core.identifiers import (
    is_placeholder_uscc,
    normalize_code,
    parse_resident_id,
    parse_uscc,
    upgrade_id15,
)
from credit.core.masking import mask_id_number
from credit.core.models import AuditEntry, Department
from credit.core.selectors import region_for_division_code
from credit.ingest.models import BatchRow
from credit.ingest.taxonomy import error_class
from credit.records import changes, publicity
from credit.records.models import CreditRecord, CreditRecordVersion, ListChange
from credit.records.rules import (
    extract_columns,
    key_values,
    natural_key,
    publicity_warning,
    storage_payload,
)
from credit.records.rules import subject_key as make_subject_key
from credit.records.services import upsert_record
from credit.subjects.constants import IdentifierScheme, IdType, LegalPersonKind
from credit.subjects.models import LegalPerson, LegalPersonIdentifier, NaturalPerson
from credit.subjects.services import (
    ID_PURPOSE,
    derived_identifiers,
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


@dataclass(slots=True)
class Prepared:
    """What loading a valid row needs that does not depend on the database."""

    kind: str  # "L" legal person by USCC, "N" natural person by resident ID, "" row by row
    code: str  # the USCC or the 18-digit resident ID
    key_values: list[str]
    columns: dict[str, Any]
    stored: dict[str, Any]  # the payload as stored (sensitive fields masked)
    stored_json: str


def prepare(
    item: CatalogItem, spec: ItemSpec, payload: dict[str, str], book: publicity.Book
) -> Prepared:
    """The database-independent part of loading ``payload`` (pure; any thread); ``book`` is
    the publicity policies (:func:`credit.records.publicity.current_book`)."""
    kind = code = ""
    if _is_natural(item, spec, payload):
        if (spec.value(payload, FieldRole.ID_TYPE) or RESIDENT_ID_LABEL) == RESIDENT_ID_LABEL:
            number = normalize_code(spec.value(payload, FieldRole.ID_NUMBER))
            kind, code = "N", upgrade_id15(number) if len(number) == 15 else number
    else:
        uscc = normalize_code(spec.value(payload, FieldRole.USCC))
        if uscc and not is_placeholder_uscc(uscc):
            kind, code = "L", uscc
    stored = _masker(spec)(payload)
    return Prepared(
        kind=kind,
        code=code,
        key_values=key_values(item.natural_key, payload),
        columns=extract_columns(spec, payload, item, book),
        stored=stored,
        stored_json=json.dumps(stored, ensure_ascii=False),
    )


def load_rows(
    *,
    batch: Any,
    item: CatalogItem,
    spec: ItemSpec,
    payloads: list[dict[str, str]],
    row_nos: list[int] | None = None,
    prepared: list[Prepared] | None = None,
    actor: Any,
) -> list[LoadResult]:
    """Load validated payloads; one :class:`LoadResult` per payload, in order.

    ``prepared`` (:func:`prepare` of each payload) may be computed by the caller ahead of
    time, e.g. on the thread that reads the file while the previous chunk loads.

    A row about the same record (natural key) as an earlier row of the batch is rejected as
    ``duplicate_in_batch`` citing that row's number (``row_nos``, the rows' numbers in the
    file): inside the chunk by a dict, across chunks by the batch rows already stored — so
    memory does not grow with the file.
    """
    results = [LoadResult() for _ in payloads]
    row_nos = row_nos if row_nos is not None else list(range(1, len(payloads) + 1))
    if prepared is None:
        book = publicity.current_book()
        prepared = [prepare(item, spec, payload, book) for payload in payloads]
    for n, ready in enumerate(prepared):
        if note := publicity_warning(spec, payloads[n], ready.columns):
            results[n].warnings.append(_publicity_adjusted(spec, note))
    chunk_keys: dict[str, int] = {}  # natural key → row number of its first row in the chunk
    legal: dict[int, str] = {}  # index → USCC
    natural: dict[int, str] = {}  # index → 18-digit resident ID
    slow: list[int] = []
    for n, ready in enumerate(prepared):
        if ready.kind == "L":
            legal[n] = ready.code
        elif ready.kind == "N":
            natural[n] = ready.code
        else:
            slow.append(n)
    subjects: dict[int, tuple[str, int]] = {}
    slow.extend(_legal_persons(batch, spec, payloads, legal, subjects, results, actor))
    _natural_persons(spec, payloads, natural, subjects, actor)
    _records(batch, item, prepared, subjects, results, row_nos, chunk_keys, actor)
    for n in sorted(slow):
        try:
            with transaction.atomic():
                loaded = _load_one(batch, item, spec, payloads[n], actor, row_nos[n], chunk_keys)
            loaded.warnings[:0] = results[n].warnings
            results[n] = loaded
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


def _legal_persons(batch, spec, payloads, legal, subjects, results, actor) -> list[int]:
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
            "region_id": _region_id(division_code),
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
        results[n].warnings.extend(_name_warning(spec, payloads[n], name, source))
    return slow


_LP = LegalPerson._meta.db_table
_IDENT = LegalPersonIdentifier._meta.db_table
_NP = NaturalPerson._meta.db_table
_RECORD = CreditRecord._meta.db_table
_VERSION = CreditRecordVersion._meta.db_table
_DEPT = Department._meta.db_table
_BATCHROW = BatchRow._meta.db_table


def _label(model) -> str:
    return model._meta.label_lower


@functools.lru_cache(maxsize=65_536)
def _derived_keys(uscc: str) -> tuple[tuple[str, str], ...]:
    return ((IdentifierScheme.USCC, uscc), *derived_identifiers(uscc).items())


@functools.lru_cache(maxsize=65_536)
def _uscc_facts(uscc: str) -> tuple[str, str]:
    parsed = parse_uscc(uscc)
    return parsed.org_type, parsed.division_code


def _publicity_adjusted(spec: ItemSpec, message: str) -> dict:
    field = spec.by_role().get(FieldRole.PUBLICITY_END)
    return {
        "field": field.code if field else "",
        "code": "publicity_end_adjusted",
        "class": error_class("publicity_end_adjusted"),
        "message": message,
    }


def _name_warning(spec: ItemSpec, payload: dict, known: str, source: str = "") -> list[dict]:
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


def _region_id(code: str) -> int | None:
    if code not in _regions:
        region = region_for_division_code(code)
        _regions[code] = region.pk if region else None
    return _regions[code]


def _natural_persons(spec, payloads, natural, subjects, actor) -> None:
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
            "region_id": _region_id(rid.division_code),
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


#: The extracted columns a changed payload rewrites, with their SQL types.
_COLUMNS = (
    ("document_no", "text"),
    ("decision_date", "date"),
    ("valid_from", "date"),
    ("valid_to", "date"),
    ("severity", "text"),
    ("usage_scope", "text"),
    ("publicity_policy_id", "bigint"),
    ("publishable", "boolean"),
    ("publicity_start", "date"),
    ("publicity_end", "date"),
    ("repair_from", "date"),
)


def _duplicate(first_row: int) -> dict:
    return {
        "field": "",
        "code": "duplicate_in_batch",
        "class": error_class("duplicate_in_batch"),
        "message": f"与本批次第{first_row}行重复",
    }


def _rows_of_batch(batch: Any, record_ids: list[int]) -> dict[int, int]:
    """Record id → number of the batch's first accepted row that loaded it."""
    if not record_ids:
        return {}
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT w.id, b.row_no FROM unnest(%s::bigint[]) AS w(id) "
            f"CROSS JOIN LATERAL (SELECT row_no FROM {_BATCHROW} WHERE record_id = w.id "
            f"AND batch_id = %s AND status <> %s ORDER BY id LIMIT 1) b",
            [record_ids, batch.pk, BatchRow.Status.REJECTED],
        )
        return dict(cur.fetchall())


def _records(batch, item, prepared, subjects, results, row_nos, chunk_keys, actor) -> None:
    """Insert new records, update changed ones (keeping the previous version) and leave equal
    ones alone — decided by the natural key and, in the database, jsonb equality."""
    if not subjects:
        return
    department = batch.department
    staged: dict[str, dict[str, Any]] = {}
    index_of_key: dict[str, int] = {}
    for n in sorted(subjects):  # file order: the first row of a key wins
        kind, pk = subjects[n]
        ready = prepared[n]
        key = natural_key(
            department_code=department.code,
            item_code=item.code,
            key_values=ready.key_values,
            subject_key=make_subject_key(kind, pk),
        )
        if key in chunk_keys:
            results[n].error = _duplicate(chunk_keys[key])
            results[n].warnings = []
            continue
        chunk_keys[key] = row_nos[n]
        staged[key] = {
            "natural_key": key,
            "legal_person_id": pk if kind == "L" else None,
            "natural_person_id": pk if kind == "N" else None,
            **ready.columns,
            "payload": ready.stored_json,
            "_stored": ready.stored,
        }
        index_of_key[key] = n
    changed: list[tuple[str, int, int]] = []
    found: set[str] = set()
    with connection.cursor() as cur:
        # One index probe per key (LATERAL … LIMIT 1): right after a bulk load the table's
        # statistics are stale and a plain ``= ANY`` can be planned as a scan of the item.
        cur.execute(
            f"SELECT w.k, r.id, r.version, r.payload FROM unnest(%s::text[]) AS w(k) "
            f"CROSS JOIN LATERAL (SELECT id, version, payload FROM {_RECORD} "
            f"WHERE item_id = %s AND natural_key = w.k LIMIT 1 FOR UPDATE) r",
            [list(staged), item.pk],
        )
        rows = cur.fetchall()
        earlier = _rows_of_batch(batch, [pk for _, pk, _, _ in rows])
        for key, pk, version, stored in rows:
            found.add(key)
            result = results[index_of_key[key]]
            if pk in earlier:  # loaded by an earlier chunk of this batch
                result.error = _duplicate(earlier[pk])
                result.warnings = []
                continue
            result.record_id = pk
            if isinstance(stored, str):  # Django leaves jsonb undecoded
                stored = json.loads(stored)
            if stored == staged[key]["_stored"]:
                result.outcome = "unchanged"
            else:
                result.outcome = "updated"
                changed.append((key, pk, version))
    new = [row for key, row in staged.items() if key not in found]
    for row, pk in zip(new, reserve_ids(CreditRecord, len(new)), strict=True):
        del row["_stored"]
        row.update(id=pk, item_id=item.pk, department_id=department.pk)
        row["region_id"] = department.region_id
        row["status"] = publicity.initial_status(row["publicity_end"])
        result = results[index_of_key[row["natural_key"]]]
        result.outcome, result.record_id = "inserted", pk
    copy_dicts(CreditRecord, new)
    if changed:
        _update_records(staged, changed)
    if item.category in LIST_CATEGORIES and (new or changed):
        changes.emit(ListChange.Kind.LISTED, [r["id"] for r in new])
        changes.emit(ListChange.Kind.UPDATED, [pk for _, pk, _ in changed])
    if new or changed:
        # One entry per chunk naming every record it created or changed: the audit trail of a
        # bulk load without an audit row per record (the batch rows map each file row to its
        # record and outcome).
        audit.record(
            "records.loaded",
            actor=actor,
            obj=batch,
            after={
                "item": item.code,
                "inserted": [r["id"] for r in new],
                "updated": [[pk, version + 1] for _, pk, version in changed],
            },
        )


def _update_records(staged: dict[str, dict[str, Any]], changed: list[tuple[str, int, int]]):
    """Keep each changed record's current state as a version, then write the new payload."""
    now = timezone.now()
    ids = [pk for _, pk, _ in changed]
    rows = [staged[key] for key, _, _ in changed]
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {_VERSION} (record_id, version, payload, status, replaced_at) "
            f"SELECT id, version, payload, status, %s FROM {_RECORD} WHERE id = ANY(%s)",
            [now, ids],
        )
        names = [c for c, _ in _COLUMNS]
        cur.execute(
            f"UPDATE {_RECORD} r SET payload = w.payload::jsonb, version = r.version + 1, "
            f"updated_at = %s, "
            + ", ".join(f"{c} = w.{c}" for c in names)
            + " FROM unnest(%s::bigint[], %s::text[], "
            + ", ".join(f"%s::{t}[]" for _, t in _COLUMNS)
            + f") AS w(id, payload, {', '.join(names)}) WHERE r.id = w.id",
            [now, ids, [r["payload"] for r in rows], *([r[c] for r in rows] for c in names)],
        )


def _masker(spec: ItemSpec):
    """:func:`credit.records.rules.storage_payload` with the spec's sensitive fields found once
    (kept on the frozen, cached spec)."""
    cached = spec.__dict__.get("_masker")
    if cached is not None:
        return cached
    sensitive = {f.code for f in spec.fields if f.sensitivity == Sensitivity.SENSITIVE}

    def mask(payload: dict[str, Any]) -> dict[str, Any]:
        if not sensitive.intersection(payload):
            return payload
        return storage_payload(spec, payload)

    object.__setattr__(spec, "_masker", mask)
    return mask


def _load_one(
    batch,
    item: CatalogItem,
    spec: ItemSpec,
    payload: dict,
    actor: Any,
    row_no: int,
    chunk_keys: dict[str, int],
) -> LoadResult:
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
    key = natural_key(
        department_code=batch.department.code,
        item_code=item.code,
        key_values=key_values(item.natural_key, payload),
        subject_key=make_subject_key(
            "N" if isinstance(subject, NaturalPerson) else "L", subject.pk
        ),
    )
    if key in chunk_keys:
        return LoadResult(error=_duplicate(chunk_keys[key]))
    existing = CreditRecord.objects.filter(item=item, natural_key=key).values_list("pk", flat=True)
    earlier = _rows_of_batch(batch, list(existing))
    if earlier:
        return LoadResult(error=_duplicate(next(iter(earlier.values()))))
    chunk_keys[key] = row_no
    source = getattr(subject, "source_department", None)
    warnings = _name_warning(spec, payload, subject.name, str(source) if source else "")
    result = upsert_record(
        actor=actor, item=item, department=batch.department, subject=subject, payload=payload
    )
    return LoadResult(result.outcome, result.record.pk, warnings)
