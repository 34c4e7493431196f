"""Reading the identity platform's claims into the facts of a real-name account (pure rules).

The claim names come from ``CREDIT_OIDC_CLAIMS`` and the user-type values from
``CREDIT_OIDC_KIND_VALUES`` (:mod:`credit.identity.conf`). What the platform must send: a
subject identifier (``sub``), the name and a valid resident ID number (GB 11643); for a company
agent also a valid USCC (GB 32100). A missing user type means a person. Anything else missing
or invalid refuses the login with a Chinese message naming the field (``ValidationFailed``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from credit.core.errors import ValidationFailed
from credit.core.identifiers import IdentifierError, normalize_code, parse_resident_id, parse_uscc

#: Longest values kept (the columns of PublicAccount).
NAME_MAX, ORG_NAME_MAX, SUB_MAX = 100, 200, 255


@dataclass(frozen=True)
class AccountFacts:
    """What a login tells about the account: ``id_number`` is the normalised 18-character
    resident ID number (never stored in clear)."""

    sub: str
    kind: str
    name: str
    id_number: str
    uscc: str = ""
    org_name: str = ""
    phone: str = ""


def _text(claims: Mapping[str, Any], claim: str) -> str:
    value = claims.get(claim)
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, int | float | str):
        return " ".join(str(value).split())
    raise ValidationFailed(
        f"实名认证平台返回的“{claim}”格式无法识别，请联系网站管理员", code="identity_claim_invalid"
    )


def _refused(what: str, code: str) -> ValidationFailed:
    return ValidationFailed(
        f"实名认证平台未提供有效的{what}，无法完成实名登录。请在省统一身份认证平台完善实名信息后重试",
        code=code,
    )


def read_claims(
    claims: Mapping[str, Any], *, names: Mapping[str, str], kinds: Mapping[str, str]
) -> AccountFacts:
    """The account facts in ``claims`` (the ID token's, with the userinfo's added), read with
    the claim ``names`` (field → claim) and the user-type values ``kinds`` (value → kind)."""
    sub = _text(claims, "sub")
    if not sub or len(sub) > SUB_MAX:
        raise _refused("用户标识", "identity_sub_missing")
    raw_kind = _text(claims, names["kind"])
    kind = kinds.get(raw_kind) if raw_kind else "person"
    if kind is None:
        raise ValidationFailed(
            f"实名认证平台返回的用户类型“{raw_kind[:20]}”无法识别，请联系网站管理员",
            code="identity_kind_unknown",
        )
    name = _text(claims, names["name"])
    if not name or len(name) > NAME_MAX:
        raise _refused("姓名", "identity_name_missing")
    try:
        id_number = parse_resident_id(normalize_code(_text(claims, names["id_number"]))).number
    except IdentifierError:
        raise _refused("居民身份证号码", "identity_id_invalid") from None
    uscc = org_name = ""
    if kind == "company":
        try:
            uscc = parse_uscc(_text(claims, names["uscc"])).code
        except IdentifierError:
            raise _refused("企业统一社会信用代码", "identity_uscc_invalid") from None
        org_name = _text(claims, names["org_name"])[:ORG_NAME_MAX]
    phone = normalize_code(_text(claims, names["phone"]), remove_hyphens=True)[:20]
    return AccountFacts(sub, kind, name, id_number, uscc, org_name, phone)


#: Where a login may return to: a page of the portal, but not the login's own pages (the
#: "我的" page at ACCOUNT_PREFIX itself is fine).
NEXT_PREFIX = "/portal/"
ACCOUNT_PREFIX = "/portal/account/"
NEXT_MAX = 500


def portal_next(value: str | None) -> str:
    """``value`` when it is a path of this site under ``/portal/`` (query allowed), else "":
    no other host or scheme, no ``//`` or backslash, no ``.`` or ``..`` segment (which a
    browser would resolve out of the portal), nothing percent-encoded that hides one, and
    none of the login's own pages (a login returning to the login would go round)."""
    text = value or ""
    if not text.startswith(NEXT_PREFIX) or len(text) > NEXT_MAX:
        return ""
    path = text.split("?", 1)[0].split("#", 1)[0]
    decoded = unquote(unquote(path))
    if "\\" in decoded or "//" in decoded or any(ord(ch) < 32 for ch in text):
        return ""
    if any(segment in {".", ".."} for segment in decoded.split("/")):
        return ""
    if decoded.startswith(ACCOUNT_PREFIX) and decoded != ACCOUNT_PREFIX:
        return ""
    return text
