"""Permission checks used by every service, view and API handler."""

from __future__ import annotations

from typing import Any

from credit.accounts.roles import CITY_WIDE_ROLES, PERM_LABELS, ROLE_PERMS, Perm, Role
from credit.core.errors import PermissionDenied


def perms_of(user: Any) -> frozenset[Perm]:
    """The permissions a user holds: none when anonymous or inactive."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(Perm)
    if user.role == Role.API_CLIENT:
        from credit.gateway.selectors import client_perms  # the gateway owns client scopes

        return client_perms(user)
    return ROLE_PERMS.get(user.role, frozenset())


def has_perm(user: Any, perm: Perm) -> bool:
    return perm in perms_of(user)


def require(user: Any, perm: Perm) -> None:
    """Raise :class:`PermissionDenied` (``permission_denied``) unless ``user`` holds ``perm``."""
    if not has_perm(user, perm):
        raise PermissionDenied(
            f"您没有“{PERM_LABELS[perm]}”的权限", details={"permission": str(perm)}
        )


def is_city_wide(user: Any) -> bool:
    """True when the user's data scope is the whole city (not one district or department)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.role in CITY_WIDE_ROLES)


def data_scope(user: Any) -> dict[str, str | None]:
    """How a user's reads are limited: ``{"region": code|None, "department": code|None}``.

    City-wide roles see everything (both None); a district administrator sees its region; a
    department data officer sees its department's data.
    """
    if is_city_wide(user):
        return {"region": None, "department": None}
    if user.role in (Role.DEPT_OFFICER, Role.API_CLIENT):
        return {"region": None, "department": user.department.code if user.department else "-"}
    return {"region": user.region_id or "-", "department": None}
