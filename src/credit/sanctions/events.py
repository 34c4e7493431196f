"""The list-change event type (名单变更) the sanctions app registers with :mod:`credit.events`:
what a subscriber needs (``sanctions.check``), which changes a principal receives (its list
items and usage scopes), the body of one change (as ``GET /sanctions/changes`` gives it), how
it reads in the delivery log, the filters that apply to it (list kind, region, subject) and how
a subscription names its subject. ``credit.records.changes`` publishes the changes."""

from __future__ import annotations

from typing import Any

from credit.catalog.constants import LIST_KIND_LABELS
from credit.core.access import Perm
from credit.events import registry
from credit.records.models import ListChange
from credit.sanctions import selectors
from credit.subjects.models import LegalPerson


def _payload(event: ListChange, principal: Any) -> dict[str, Any]:
    return selectors.change_dict(event, principal=principal)


def _summary(event: ListChange) -> str:
    """``列入名单 · 黑名单 · 某某公司`` (a natural person is not named in the log)."""
    subject = event.legal_person.name if event.legal_person_id else "（自然人）"
    kind = LIST_KIND_LABELS.get(event.list_kind, event.list_kind)
    return f"{event.get_kind_display()} · {kind} · {subject}"


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
        summary=_summary,
        related=selectors.CHANGE_RELATED,
        filter_fields=("list_kind", "region", "subject"),
        subject_for=_subject,
    )
)
