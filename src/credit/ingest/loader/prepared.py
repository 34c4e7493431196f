"""What the loader takes and gives back for one row: the part of loading that needs no
database (:func:`prepare`, run on the reading thread) and the outcome (:class:`LoadResult`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from credit.catalog.constants import FieldRole, Sensitivity, SubjectType
from credit.catalog.models import CatalogItem
from credit.catalog.rules import ItemSpec
from credit.core.identifiers import is_placeholder_uscc, normalize_code, upgrade_id15
from credit.records import publicity
from credit.records.rules import extract_columns, key_values, storage_payload
from credit.subjects.constants import IdentifierScheme, IdType

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
    """The outcome of loading one row: what happened to its record, or why it was refused."""

    outcome: str = ""  # "inserted" | "updated" | "unchanged" | "" when rejected
    record_id: int | None = None
    warnings: list[dict] = field(default_factory=list)
    error: dict | None = None


def is_natural(item: CatalogItem, spec: ItemSpec, payload: dict) -> bool:
    """Whether the row is about a natural person (自然人): by its 主体类别, else the item's."""
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
    if is_natural(item, spec, payload):
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
