"""The settings of the real-name login read from the environment (pure Python: imported by
``credit.settings`` before Django is set up, so a wrong value refuses to start).

- ``CREDIT_OIDC_CLAIMS``: JSON object mapping the platform's fields to the names of the
  province's claims; fields left out keep :data:`DEFAULT_CLAIMS`.
- ``CREDIT_OIDC_KIND_VALUES``: JSON object mapping the values of the province's user-type claim
  to ``person`` (个人) or ``company`` (企业经办人); default :data:`DEFAULT_KIND_VALUES`.
"""

from __future__ import annotations

import json

from django.core.exceptions import ImproperlyConfigured

#: The platform's field → the claim that carries it (the province's names by default).
DEFAULT_CLAIMS: dict[str, str] = {
    "name": "name",
    "id_number": "id_card",
    "kind": "user_type",
    "uscc": "uscc",
    "org_name": "org_name",
    "phone": "phone_number",
}
#: The user-type claim's value → the kind of account.
DEFAULT_KIND_VALUES: dict[str, str] = {"person": "person", "company": "company"}
KINDS = ("person", "company")


def _object(name: str, raw: str) -> dict:
    try:
        value = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a JSON object") from None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and k and v for k, v in value.items()
    ):
        raise ImproperlyConfigured(f"{name} must be a JSON object of non-empty strings")
    return value


def claim_names(raw: str) -> dict[str, str]:
    """:data:`DEFAULT_CLAIMS` with the fields ``raw`` (``CREDIT_OIDC_CLAIMS``) renames."""
    given = _object("CREDIT_OIDC_CLAIMS", raw)
    unknown = sorted(set(given) - set(DEFAULT_CLAIMS))
    if unknown:
        raise ImproperlyConfigured(
            f"CREDIT_OIDC_CLAIMS names unknown fields {unknown}; known: {sorted(DEFAULT_CLAIMS)}"
        )
    return {**DEFAULT_CLAIMS, **given}


def kind_values(raw: str) -> dict[str, str]:
    """The user-type values of ``raw`` (``CREDIT_OIDC_KIND_VALUES``), else the defaults."""
    given = _object("CREDIT_OIDC_KIND_VALUES", raw) or dict(DEFAULT_KIND_VALUES)
    wrong = sorted(v for v in given.values() if v not in KINDS)
    if wrong:
        raise ImproperlyConfigured(f"CREDIT_OIDC_KIND_VALUES maps to {wrong}; use {list(KINDS)}")
    return given
