"""How a value sent for a catalog field is shown to a member of staff who may not see personal
data in clear (脱敏规则), i.e. who lacks 查看未脱敏的身份证件号码 (``subjects.view_identity``).

The rule follows the field's specification (:class:`~credit.catalog.rules.FieldRule`):

* an identity document number — role 证件号码, validator 居民身份证号码 or 按证件类型校验 — and
  any other sensitive field (敏感个人信息) is masked like an ID number
  (``320***********0011``), or like a phone number or an address when its name says so;
* a personal field (个人信息) is masked with the helper its code and name suggest (name, phone,
  address, ID number), except a value from a code table (证件类型, 性别), which identifies
  nobody;
* every other value, and a value of no known field (an unknown column), is scanned: ID
  numbers and phone numbers inside it are masked
  (:func:`credit.core.masking.mask_numbers_in_text`). A value in an identifier column is
  scanned too: a person's ID number typed into the 统一社会信用代码 column is still personal.
  An unknown column whose header names a phone number, an address or an ID number
  (联系电话, 住址, 身份证号) is masked whole like one (:func:`header_treatment`).

Who may see values in clear is the caller's question (the permission); this module only says
how they look masked. The public portal has its own, stricter rules
(:mod:`credit.records.disclosure`).
"""

from __future__ import annotations

from typing import Any

from credit.catalog.constants import FieldRole, Sensitivity, Validator
from credit.catalog.rules import FieldRule
from credit.core.masking import MASKERS, field_kind, mask_numbers_in_text

#: The treatment of a value that is not masked whole: personal numbers inside it are.
SCAN = "scan"
#: Validators that make a field an identity document number.
ID_VALIDATORS = frozenset({Validator.RESIDENT_ID, Validator.ID_BY_TYPE})


def treatment(rule: FieldRule | None) -> str:
    """How a value of ``rule``'s field is masked: a key of
    :data:`credit.core.masking.MASKERS` (``"id"``, ``"name"``, ``"phone"``, ``"address"``) or
    :data:`SCAN`; ``None`` (no known field) is scanned."""
    if rule is None:
        return SCAN
    kind = field_kind(rule.code, rule.name)
    if rule.role == FieldRole.ID_NUMBER or rule.validator in ID_VALIDATORS:
        return "id"
    if rule.sensitivity == Sensitivity.SENSITIVE:
        return kind if kind in ("phone", "address") else "id"
    if rule.sensitivity == Sensitivity.PERSONAL and rule.code_values is None:
        return kind
    return SCAN


def header_treatment(header: str) -> str:
    """How a column of no known field is masked: whole, like a phone number, an address or an
    ID number when its header names one (联系电话, 住址, 身份证号), else :data:`SCAN`."""
    kind = field_kind(header, "")
    return kind if kind in ("phone", "address", "id") else SCAN


def masked_value(rule: FieldRule | None, value: Any) -> Any:
    """``value`` of ``rule``'s field (``None``: of no known field) as a member of staff without
    ``subjects.view_identity`` reads it (:func:`mask_as` with :func:`treatment`)."""
    return mask_as(treatment(rule), value)


def mask_as(how: str, value: Any) -> Any:
    """``value`` masked as ``how`` (:func:`treatment`) says. Text comes back masked; a number
    is scanned as text (an ID or phone number sent as a number); other values (``None``,
    booleans, decimals) are returned as they are, lists and dicts item by item."""
    if isinstance(value, list):
        return [mask_as(how, v) for v in value]
    if isinstance(value, dict):
        return {k: mask_as(how, v) for k, v in value.items()}
    if isinstance(value, bool) or not isinstance(value, str | int):
        return value
    text = str(value)
    if not text.strip():
        return value
    if how == SCAN:
        masked = mask_numbers_in_text(text)
        return value if masked == text else masked
    return MASKERS[how](text)


def masked_payload(rules: dict[str, FieldRule], payload: dict[str, Any]) -> dict[str, Any]:
    """A record's payload (field code → value) with every value masked by its field
    (:func:`masked_value`; ``rules`` is :meth:`ItemSpec.by_code`)."""
    return {code: masked_value(rules.get(code), value) for code, value in payload.items()}
