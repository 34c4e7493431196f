"""Compatibility names for permission checks; the rules live in ``credit.core.access``."""

from __future__ import annotations

from typing import Any

from credit.core.access import has_perm, perms_of, principal_of, require

__all__ = ["data_scope", "has_perm", "is_city_wide", "perms_of", "require"]


def is_city_wide(user: Any) -> bool:
    """True when the principal's tenant is the whole city."""
    return principal_of(user).city_wide


def data_scope(user: Any) -> dict[str, str | None]:
    """How a principal's managing is limited: ``{"region": code|None, "department": code|None}``
    (a department's code; "-" when the principal manages nothing)."""
    from credit.core.models import Department

    p = principal_of(user)
    if p.city_wide:
        return {"region": None, "department": None}
    if p.departments is not None:
        code = Department.objects.filter(pk=p.department_id).values_list("code", flat=True)
        return {"region": None, "department": (code.first() if p.department_id else None) or "-"}
    return {"region": p.region_id or "-", "department": None}
