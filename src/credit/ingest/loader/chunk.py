"""Loading a chunk of accepted rows (:func:`load_rows`): the bulk paths for the common cases
(:mod:`credit.ingest.loader.subjects`, :mod:`credit.ingest.loader.records`), and the row-by-row
path through the subject and record services for every other row."""

from __future__ import annotations

import functools
from typing import Any

from django.db import transaction

from credit.catalog.constants import FieldRole
from credit.catalog.models import CatalogItem
from credit.catalog.rules import ItemSpec
from credit.core.errors import CreditError
from credit.core.identifiers import is_placeholder_uscc
from credit.ingest.loader.prepared import (
    ID_TYPES,
    LEGACY_ROLES,
    RESIDENT_ID_LABEL,
    SOLE_TRADER,
    LoadResult,
    Prepared,
    is_natural,
    prepare,
)
from credit.ingest.loader.records import duplicate, load_records, rows_of_batch
from credit.ingest.loader.subjects import legal_persons, name_warning, natural_persons
from credit.ingest.taxonomy import error_class
from credit.records import publicity
from credit.records.models import CreditRecord
from credit.records.rules import key_values, natural_key, publicity_warning
from credit.records.rules import subject_key as make_subject_key
from credit.records.services import upsert_record
from credit.subjects.constants import IdType, LegalPersonKind
from credit.subjects.models import NaturalPerson
from credit.subjects.services import register_legal_person, register_natural_person


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
    slow.extend(legal_persons(batch, spec, payloads, legal, subjects, results, actor))
    natural_persons(spec, payloads, natural, subjects, actor)
    load_records(batch, item, prepared, subjects, results, row_nos, chunk_keys, actor)
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


def _publicity_adjusted(spec: ItemSpec, message: str) -> dict:
    field = spec.by_role().get(FieldRole.PUBLICITY_END)
    return {
        "field": field.code if field else "",
        "code": "publicity_end_adjusted",
        "class": error_class("publicity_end_adjusted"),
        "message": message,
    }


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
    if is_natural(item, spec, payload):
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
        return LoadResult(error=duplicate(chunk_keys[key]))
    existing = CreditRecord.objects.filter(item=item, natural_key=key).values_list("pk", flat=True)
    earlier = rows_of_batch(batch, list(existing))
    if earlier:
        return LoadResult(error=duplicate(next(iter(earlier.values()))))
    chunk_keys[key] = row_no
    source = getattr(subject, "source_department", None)
    warnings = name_warning(spec, payload, subject.name, str(source) if source else "")
    result = upsert_record(
        actor=actor, item=item, department=batch.department, subject=subject, payload=payload
    )
    return LoadResult(result.outcome, result.record.pk, warnings)
