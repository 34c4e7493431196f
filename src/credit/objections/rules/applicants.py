"""The applicant's identifiers: a resident ID number or a USCC, and a mainland mobile number."""

from __future__ import annotations

import re

from credit.core.errors import ValidationFailed
from credit.core.identifiers import IdentifierError, normalize_code, parse_resident_id, parse_uscc
from credit.objections.constants import SubmitterKind

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_PHONE_PREFIX = re.compile(r"^(?:\+?86|0086)")


def normalize_phone(value: str) -> str:
    """A mainland mobile number as 11 digits (``+86``, spaces and hyphens dropped);
    ``ValidationFailed`` (``phone_invalid``) otherwise. Landlines cannot receive codes."""
    text = normalize_code(value or "", remove_hyphens=True)
    text = _PHONE_PREFIX.sub("", text) if len(text) > 11 else text
    if not _MOBILE.match(text):
        raise ValidationFailed(
            "请填写正确的11位手机号码（用于接收验证码和办理结果）", code="phone_invalid"
        )
    return text


def parse_submitter_id(value: str) -> tuple[str, str]:
    """``(kind, number)`` for a resident ID number (GB 11643, natural person) or a USCC
    (GB 32100, organisation); ``ValidationFailed`` with the identifier's own Chinese message
    when it is neither."""
    text = normalize_code(value or "")
    if not text:
        raise ValidationFailed("请填写身份证号码或统一社会信用代码", code="id_required")
    first: IdentifierError | None = None
    if text[:17].isdigit():
        try:
            return SubmitterKind.NATURAL, parse_resident_id(text).number
        except IdentifierError as exc:
            first = exc
    try:
        return SubmitterKind.LEGAL, parse_uscc(text).code
    except IdentifierError as exc:
        shown = first or exc
        raise ValidationFailed(
            f"证件号码不正确：{shown.message}", code="id_invalid", details={"reason": shown.code}
        ) from None
