"""Reads of the gateway."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from credit.accounts.roles import Perm
from credit.gateway.models import ApiClient
from credit.gateway.scopes import perms_for


def client_perms(user: Any) -> frozenset[Perm]:
    """The permissions of an API client's service user: those of its scopes while active."""
    client = getattr(user, "_api_client", None)
    if client is None:
        client = ApiClient.objects.filter(user=user).only("scopes", "is_active").first()
    if client is None or not client.is_active:
        return frozenset()
    return perms_for(client.scopes)


def clients(*, q: str = "", active: bool | None = None) -> QuerySet[ApiClient]:
    qs = ApiClient.objects.select_related("department").order_by("name")
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(key__icontains=q)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs
