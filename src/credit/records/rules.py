"""Pure rules of records: the natural key (its document-number form in :mod:`.docnumbers`) and
the columns extracted from a payload by role."""

from __future__ import annotations

import hashlib
from typing import Any

from credit.catalog.constants import FieldRole, Sensitivity, UsageScope
from credit.catalog.rules import ItemSpec, parse_date, split_multi
from credit.core.masking import mask_id_number
from credit.records import publicity
from credit.records.constants import SEVERITY_BY_LABEL
from credit.records.docnumbers import key_form

#: 信息使用范围 code values → the platform's usage scope.
USAGE_SCOPE_BY_LABEL = {label: value for value, label in UsageScope.choices}


def natural_key(
    *, department_code: str, item_code: str, key_values: list[str], subject_key: str
) -> str:
    """SHA-256 hex of the record's identity: department, item, key fields and subject.

    Key values are compared in :func:`credit.records.docnumbers.key_form` (full-width to
    half-width, spaces removed, upper-case, a bracketed year written 〔YYYY〕), so that
    ``常市监罚（２０２４）１２号`` and ``常市监罚 [2024] 12号`` are the record of
    ``常市监罚〔2024〕12号``. Every path that writes records (the service, the bulk loader, the
    demo loader, the re-key migration) computes keys here.
    """
    parts = [department_code, item_code, *(key_form(v) for v in key_values), subject_key]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def subject_key(kind: str, pk: int) -> str:
    """The subject part of a natural key: ``L<id>`` for a legal person, ``N<id>`` a natural one."""
    return f"{kind}{pk}"


def extract_columns(
    spec: ItemSpec, payload: dict[str, Any], item: Any, book: publicity.Book | None = None
) -> dict[str, Any]:
    """The indexed columns of a record, read from its payload by field role, with its
    publicity decided by the policy in force at the decision date (:mod:`.publicity`).

    ``item`` is the catalog item (its id, usage scope and publicity mode are read); ``book``
    the publicity policies (the cached current ones when omitted). The stored severity is the
    one reported; when none was reported, the one the penalty types imply.
    """

    def value(role: str) -> str:
        return spec.value(payload, role).strip()

    decision = parse_date(value(FieldRole.DECISION_DATE))
    valid_from = parse_date(value(FieldRole.VALID_FROM))
    valid_to = parse_date(value(FieldRole.VALID_TO))
    reported = SEVERITY_BY_LABEL.get(value(FieldRole.SEVERITY), "")
    decided = publicity.assess(
        book or publicity.current_book(),
        item_id=item.pk,
        mode=item.publicity_mode,
        severity=reported,
        penalty_types=value(FieldRole.PENALTY_TYPE),
        decision_date=decision,
        valid_from=valid_from,
        valid_to=valid_to,
        reported_end=parse_date(value(FieldRole.PUBLICITY_END)),
    )
    return {
        "document_no": value(FieldRole.DOCUMENT_NO)[:128],
        "decision_date": decision or valid_from,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "severity": reported or (decided.severity if value(FieldRole.PENALTY_TYPE) else ""),
        "usage_scope": USAGE_SCOPE_BY_LABEL.get(value(FieldRole.USAGE_SCOPE), item.usage_scope),
        **decided.columns(),
    }


def publicity_warning(spec: ItemSpec, payload: dict[str, Any], columns: dict[str, Any]) -> str:
    """Why the stored publicity end differs from the one the department reported (brought
    within the policy's bounds, :func:`credit.records.publicity.assess`), or ""."""
    reported = parse_date(spec.value(payload, FieldRole.PUBLICITY_END).strip())
    stored = columns.get("publicity_end")
    if reported is None or not columns.get("publishable") or reported == stored:
        return ""
    return (
        f"公示截止期{reported.isoformat()}超出适用公示规则的期限范围，"
        f"按规则记为{stored.isoformat() if stored else '有效期内'}"
    )


def key_values(item_natural_key: list[str], payload: dict[str, Any]) -> list[str]:
    """The values of the item's key fields; multi-value fields sorted so order does not matter."""
    out = []
    for code in item_natural_key:
        raw = payload.get(code)
        out.append(";".join(sorted(split_multi(str(raw)))) if raw not in (None, "") else "")
    return out


def storage_payload(spec: ItemSpec, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as stored: fields of sensitivity ``sensitive`` (identity document numbers)
    are kept masked. The clear number lives only encrypted in the natural person's file, so a
    dump of the records table reveals no ID number."""
    sensitive = {f.code for f in spec.fields if f.sensitivity == Sensitivity.SENSITIVE}
    return {
        k: (mask_id_number(str(v)) if k in sensitive and v not in (None, "") else v)
        for k, v in payload.items()
    }
