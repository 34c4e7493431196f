"""The warning event type (预警, ``warning.raised``) this app registers with :mod:`credit.events`:
what a subscriber needs (``alerts.view``, the API scope ``warnings:read``), which warnings a
principal receives (those of its tenant: the city, its district, its department — the same as
``GET /api/v1/warnings`` shows it), the body of one warning, how it reads in the delivery log
and that a subscription narrows warnings by region only. :func:`credit.alerts.services`
publishes a warning in the transaction that raises it."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from credit.alerts.models import Warning
from credit.core.access import Perm, principal_of
from credit.events import registry

#: What :func:`_payload` and :func:`_summary` read besides the warning's own columns.
RELATED = ("rule", "region", "department")


def visible_q(principal: Any) -> Q:
    """The warnings of the principal's tenant: every one for the city, its district's for a
    district, its department's (and those it reports for) for a department."""
    return principal_of(principal).tenant_q(region="region_id", department="department_id")


def _payload(event: Warning, principal: Any) -> dict[str, Any]:
    """One warning as ``GET /api/v1/warnings`` gives it (rule, region and department by their
    codes), with its event id and type; ``evidence_url`` is the path of the evidence on the
    platform (a push has no request to take the host from)."""
    return {
        "event_id": str(event.event_id),
        "type": registry.WARNING_RAISED,
        "id": event.pk,
        "rule": event.rule.code,
        "level": event.level,
        "region": event.region_id,
        "department": event.department.code if event.department_id else None,
        "text": event.text,
        "evidence_url": event.evidence_url,
        "created": event.created_at,
        "status": event.status,
    }


def _summary(event: Warning) -> str:
    """``严重 · 规则名称 · 预警内容`` for the delivery log."""
    return f"{event.get_level_display()} · {event.rule.name} · {event.text}"


WARNING_RAISED = registry.register(
    registry.EventType(
        name=registry.WARNING_RAISED,
        label="预警",
        perm=Perm.WARNING_VIEW,
        model=Warning,
        filters_for=visible_q,
        payload=_payload,
        summary=_summary,
        related=RELATED,
        filter_fields=("region",),
    )
)
