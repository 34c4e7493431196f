"""Which catalog items a caller may read: staff every active item (their data scope applies
elsewhere); an API client the items granted to it or — when none are — every item its kind
may see by usage scope (a third party 社会公开 only, a department also 政务共享)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from credit.catalog.models import CatalogItem
from credit.gateway.scopes import ITEM_SCOPES_BY_KIND


def client_of(principal: Any):
    """The API client a principal acts for (its service user), or None for staff."""
    client = getattr(principal, "_api_client", None)
    if client is not None:
        return client
    if getattr(principal, "role", None) == "api_client":
        return getattr(principal, "api_client", None)
    return None


def visible_items(principal: Any, items: QuerySet[CatalogItem] | None = None):
    items = CatalogItem.objects.filter(is_active=True) if items is None else items
    client = client_of(principal)
    if client is None:
        return items
    items = items.filter(usage_scope__in=ITEM_SCOPES_BY_KIND[client.kind])
    granted = granted_item_ids(client)
    return items.filter(pk__in=granted) if granted else items


def granted_item_ids(client: Any) -> list[int]:
    """The ids of the items granted to ``client``, read once per client object (the gateway
    caches client objects for a few seconds)."""
    found = client.__dict__.get("_granted_ids")
    if found is None:
        found = client.__dict__["_granted_ids"] = list(client.items.values_list("pk", flat=True))
    return found


def shown_name(subject: Any, *, to_client: bool) -> str:
    """A subject's name as an API client may see it: a natural person's masked (张*三), a
    legal person's in full; staff see every name in full."""
    from credit.core.masking import mask_name
    from credit.subjects.models import NaturalPerson

    if to_client and isinstance(subject, NaturalPerson):
        return mask_name(subject.name)
    return subject.name
