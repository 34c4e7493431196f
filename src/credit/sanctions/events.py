"""The list-change event type (名单变更) the sanctions app registers with :mod:`credit.events`:
what a subscriber needs (``sanctions.check``), which changes a principal receives (its list
items and usage scopes), the body of one change (as ``GET /sanctions/changes`` gives it) and
how a subscription names its subject. ``credit.records.changes`` publishes the changes."""

from __future__ import annotations

from typing import Any

from credit.core.access import Perm
from credit.events import registry
from credit.records.models import ListChange
from credit.sanctions import selectors
from credit.subjects.models import LegalPerson


def _payload(event: ListChange, principal: Any) -> dict[str, Any]:
    return selectors.change_dict(event, principal=principal)


def _subject(principal: Any, code: str) -> tuple[Any, Any] | None:
    """(legal person, None) or (None, natural person) for a USCC, legacy code or resident ID
    number; finding a natural person needs ``subjects.view_natural``."""
    found = selectors.subject_for(principal, code)
    if found is None:
        return None
    return (found, None) if isinstance(found, LegalPerson) else (None, found)


LIST_CHANGED = registry.register(
    registry.EventType(
        name=registry.LIST_CHANGED,
        label="名单变更",
        perm=Perm.SANCTIONS_CHECK,
        model=ListChange,
        filters_for=selectors.usable_change_filters,
        payload=_payload,
        related=selectors.CHANGE_RELATED,
        subject_for=_subject,
    )
)
