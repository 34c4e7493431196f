"""Reads about users, scoped to the acting administrator."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from credit.accounts.models import OUTSIDE_USERNAME_PREFIX, User
from credit.accounts.roles import Role
from credit.core.access import Perm, principal_of, require
from credit.core.models import Department


def users_for(principal: Any, *, role: str | None = None, q: str | None = None) -> QuerySet[User]:
    """Users an administrator manages: all for the city, its own region's for a district."""
    require(principal, Perm.USER_MANAGE)
    qs = (
        User.objects.exclude(username__startswith=OUTSIDE_USERNAME_PREFIX)
        .select_related("region", "department")
        .order_by("region_id", "username")
    )
    p = principal_of(principal)
    if not p.city_wide:
        qs = qs.filter(region_id=p.region_id)
    if role:
        qs = qs.filter(role=role)
    if q:
        qs = qs.filter(username__icontains=q) | qs.filter(real_name__icontains=q)
    return qs


def assignable_roles(principal: Any) -> list[tuple[str, str]]:
    """Roles the principal may give: a district administrator only department officers."""
    if principal_of(principal).city_wide:
        return [choice for choice in Role.choices if choice[0] != Role.API_CLIENT]
    return [(Role.DEPT_OFFICER.value, Role.DEPT_OFFICER.label)]


def assignable_departments(principal: Any) -> QuerySet[Department]:
    qs = Department.objects.filter(is_active=True).select_related("region")
    p = principal_of(principal)
    if not p.city_wide:
        qs = qs.filter(region_id=p.region_id)
    return qs
