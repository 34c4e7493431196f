"""What of a credit record the public may read, and in which form (N1): the one public view of
a record's fields, read by the portal's pages and exports and by the objection and repair pages
(which show the applicant the record as the public sees it).

A record's field is shown only when the catalog lets the public have it: the field's
sensitivity is 公开 (shown as it is) or 个人信息 (shown masked with :mod:`credit.core.masking`),
and its information usage scope (the field's own, else the item's) is 社会公开. Sensitive
fields (ID numbers) and internal ones are never shown. On top of that, about a natural person
the name is masked even in a field the catalog marks public (行政相对人名称 holds a person's
name then). Any valid resident ID number or mobile number typed into a free-text field is
masked, as is the name of a person the record names (the natural person, the legal
representative) wherever the free text repeats it, so a department's slip cannot publish
them. Other people named only in free text cannot be recognised; departments must not write
them there (see docs/portal.md).

Which records may be shown at all is :func:`credit.records.publicity.public_q`'s question,
not this module's.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from credit.catalog.constants import FieldRole, Sensitivity, UsageScope
from credit.catalog.models import CatalogItem, FieldSpec
from credit.catalog.rules import spec_for
from credit.core.identifiers import is_valid_resident_id
from credit.core.masking import MASKERS, field_kind, mask_id_number, mask_name, mask_phone

#: Show as it is, or mask with one of the helpers.
SHOW = "show"
#: Roles whose value is an identifier or a code, never free text to scan.
CODE_ROLES = frozenset(
    {
        FieldRole.USCC,
        FieldRole.REG_NO,
        FieldRole.ORG_CODE,
        FieldRole.TAX_NO,
        FieldRole.INSTITUTION_NO,
        FieldRole.SOCIAL_ORG_NO,
        FieldRole.AUTHORITY_USCC,
        FieldRole.SOURCE_DEPT_USCC,
        FieldRole.DOCUMENT_NO,
    }
)
_ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?![0-9])")


def scrub(text: str, names: Iterable[str] = ()) -> str:
    """``text`` with every valid resident ID number and mobile number in it masked, and each
    of ``names`` (people the record names: the natural person, the legal representative)
    replaced by its masked form."""
    if not text:
        return text
    if any(ch.isdigit() for ch in text):
        text = _ID_CANDIDATE.sub(
            lambda m: (
                mask_id_number(m.group(1)) if is_valid_resident_id(m.group(1)) else m.group(1)
            ),
            text,
        )
        text = _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)
    for name in names:
        name = (name or "").strip()
        if len(name) >= 2 and name in text:
            text = text.replace(name, mask_name(name))
    return text


@dataclass(frozen=True)
class PublicField:
    """One field the public may read: how it is shown (``SHOW`` or a masking helper's name)
    in general, and about a natural person or a sole trader (``personal``)."""

    code: str
    name: str
    treatment: str
    personal_treatment: str
    free_text: bool


_views: dict[tuple[int, int], tuple[PublicField, ...]] = {}
_lock = threading.Lock()


def public_fields(item: CatalogItem) -> tuple[PublicField, ...]:
    """The fields of ``item`` the public may read, in the catalog's order (cached per item
    version, like :func:`~credit.catalog.rules.spec_for`)."""
    key = (item.pk, item.version)
    with _lock:
        cached = _views.get(key)
    if cached is not None:
        return cached
    scopes = dict(FieldSpec.objects.filter(item_id=item.pk).values_list("code", "usage_scope"))
    out = []
    for rule in spec_for(item).fields:
        scope = scopes.get(rule.code) or item.usage_scope
        if scope != UsageScope.PUBLIC or rule.role == FieldRole.ID_NUMBER:
            continue
        looks = field_kind(rule.code, rule.name)  # which masking helper suits the field
        if rule.sensitivity == Sensitivity.PERSONAL:
            # A code value (证件类型) identifies nobody; anything else is masked.
            treatment = SHOW if rule.code_values is not None and looks == "name" else looks
            personal = treatment
        elif rule.sensitivity == Sensitivity.PUBLIC:
            treatment = SHOW
            if rule.role == FieldRole.SUBJECT_NAME:
                personal = "name"  # a person's name when the subject is a natural person
            elif looks in ("address", "phone"):
                personal = looks  # a sole trader's address is its keeper's home
            else:
                personal = SHOW
        else:  # internal, sensitive
            continue
        free = rule.role not in CODE_ROLES and rule.code_values is None
        out.append(PublicField(rule.code, rule.name, treatment, personal, free))
    view = tuple(out)
    with _lock:
        _views[key] = view
    return view


def shown_value(
    field: PublicField, value: Any, *, personal: bool, names: Iterable[str] = ()
) -> str:
    """A payload value as the public reads it (``personal``: the record is about a natural
    person, or about a sole trader for address and phone fields; ``names``: people's names to
    mask wherever free text repeats them)."""
    if value is None:
        return ""
    text = str(value).strip()
    if not text:
        return ""
    treatment = field.personal_treatment if personal else field.treatment
    if treatment != SHOW:
        return MASKERS[treatment](text)
    if field.free_text:
        return scrub(text, names)
    # A code column that national lists fill with either code (身份证号码/组织机构代码): a
    # resident ID number in it is personal whatever the column is called.
    return mask_id_number(text) if is_valid_resident_id(text) else text


def people_named(item: CatalogItem, payload: dict[str, Any], *extra: str) -> tuple[str, ...]:
    """The people a record names in its personal fields (legal representative, keeper …),
    plus ``extra`` (the natural person's name), longest first so that a name containing
    another is masked whole."""
    found = set(filter(None, extra))
    for rule in spec_for(item).fields:
        if rule.sensitivity == Sensitivity.PERSONAL and rule.code_values is None:
            value = payload.get(rule.code)
            if isinstance(value, str) and field_kind(rule.code, rule.name) == "name":
                found.add(value.strip())
    return tuple(sorted((n for n in found if len(n) >= 2), key=len, reverse=True))


def shown_payload(
    item: CatalogItem,
    payload: dict[str, Any],
    *,
    natural: bool,
    sole_trader: bool = False,
    names: Iterable[str] = (),
) -> list[tuple[str, str]]:
    """``(field name, value)`` for every non-empty field of a record the public may read.

    About a natural person every field takes its personal treatment; about a sole trader only
    the address and phone fields do (its name is a trade name, its keeper's name is masked
    anyway as the 法定代表人/经营者 field is personal). ``names`` are masked in free text.
    """
    names = tuple(names)
    rows = []
    for field in public_fields(item):
        personal = natural or (sole_trader and field.personal_treatment in ("address", "phone"))
        value = shown_value(field, payload.get(field.code), personal=personal, names=names)
        if value:
            rows.append((field.name, value))
    return rows


def payload_text(
    item: CatalogItem,
    payload: dict[str, Any],
    code: str,
    *,
    natural: bool,
    names: Iterable[str] = (),
) -> str:
    """One field of a record as the public reads it; "" when the public may not read it."""
    for field in public_fields(item):
        if field.code == code:
            return shown_value(field, payload.get(code), personal=natural, names=names)
    return ""


def forget() -> None:
    """Drop the cached field views (tests that edit a catalog item)."""
    with _lock:
        _views.clear()


@dataclass(frozen=True)
class Treatment:
    """How a record's fields are treated for the public: about a natural person, about a sole
    trader, and the people it names (masked wherever they appear)."""

    natural: bool
    sole_trader: bool
    names: tuple[str, ...]


def treatment_of(record: Any) -> Treatment:
    """The :class:`Treatment` of a loaded record (its subject joined)."""
    payload = record.payload or {}
    if record.natural_person_id is not None:
        names = people_named(record.item, payload, record.natural_person.name)
        return Treatment(True, False, names)
    lp = record.legal_person
    names = people_named(record.item, payload, lp.legal_representative)
    return Treatment(False, lp.is_sole_trader, names)


def record_fields(record: Any) -> list[tuple[str, str]]:
    """The fields of a record the public may read, masked (:func:`shown_payload`)."""
    how = treatment_of(record)
    return shown_payload(
        record.item,
        record.payload or {},
        natural=how.natural,
        sole_trader=how.sole_trader,
        names=how.names,
    )
