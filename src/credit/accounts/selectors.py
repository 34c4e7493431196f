"""Reads about users, scoped to the acting administrator."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from credit.accounts.models import User
from credit.accounts.permissions import is_city_wide, require
from credit.accounts.roles import Perm, Role
from credit.core.models import Department


def users_for(principal: Any, *, role: str | None = None, q: str | None = None) -> QuerySet[User]:
    """Users an administrator manages: all for the city, its own region's for a district."""
    require(principal, Perm.USER_MANAGE)
    qs = User.objects.select_related("region", "department").order_by("region_id", "username")
    if not is_city_wide(principal):
        qs = qs.filter(region_id=principal.region_id)
    if role:
        qs = qs.filter(role=role)
    if q:
        qs = qs.filter(username__icontains=q) | qs.filter(real_name__icontains=q)
    return qs


def assignable_roles(principal: Any) -> list[tuple[str, str]]:
    """Roles the principal may give: a district administrator only department officers."""
    if is_city_wide(principal):
        return [choice for choice in Role.choices if choice[0] != Role.API_CLIENT]
    return [(Role.DEPT_OFFICER.value, Role.DEPT_OFFICER.label)]


def assignable_departments(principal: Any) -> QuerySet[Department]:
    qs = Department.objects.filter(is_active=True).select_related("region")
    if not is_city_wide(principal):
        qs = qs.filter(region_id=principal.region_id)
    return qs
