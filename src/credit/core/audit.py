"""Writing the audit log. Services call :func:`record` inside their own transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from credit.core import context
from credit.core.access import principal_of
from credit.core.models import AuditEntry


def entry(
    event_type: str,
    *,
    actor: Any = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """An unsaved audit entry with the request context; :func:`record` saves one, bulk
    writers save many at once (:func:`bulk_rows` with ``credit.core.bulk.copy_dicts``)."""
    ctx = context.current()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    principal = principal_of(actor)
    return AuditEntry(
        event_type=event_type,
        actor_id=principal.user_id,
        actor_repr=(principal.username if principal.user_id else "system")[:150],
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        before=before,
        after=after,
        request_id=ctx.request_id,
        source_ip=ctx.source_ip,
    )


def record(event_type: str, **kwargs: Any) -> AuditEntry:
    """Append one audit entry. ``actor`` is a principal (or a user, or an API client), or
    ``None`` for the system (CLI, jobs)."""
    new = entry(event_type, **kwargs)
    new.save()
    return new


def bulk_rows(
    event_type: str,
    *,
    actor: Any,
    object_type: str,
    objects: Iterable[tuple[Any, str, dict | None]],
) -> Iterator[dict[str, Any]]:
    """Audit entries as plain rows for :func:`credit.core.bulk.copy_dicts`: one per
    ``(object_id, object_repr, after)``, with the same actor and request context as
    :func:`entry` gives."""
    template = entry(event_type, actor=actor, object_type=object_type)
    common = {
        "event_type": event_type,
        "actor_id": template.actor_id,
        "actor_repr": template.actor_repr,
        "object_type": object_type,
        "request_id": template.request_id,
        "source_ip": template.source_ip,
    }
    for object_id, object_repr, after in objects:
        yield {
            **common,
            "object_id": str(object_id),
            "object_repr": object_repr[:200],
            "after": after,
        }
