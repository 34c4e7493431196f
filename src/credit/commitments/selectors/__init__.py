"""Scoped reads of credit commitments. Staff read the commitments of their tenant — the
city, their district (a commitment's region: its subject's, else its department's), their
department — and nothing without 查看信用承诺 (``commitments.view``); the public reads the
published commitments in force only. The coverage figures are in :mod:`.coverage`."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from credit.commitments.constants import IN_FORCE
from credit.commitments.models import Commitment, CommitmentItem, SuspectedBreach
from credit.core.access import Perm, principal_of


def _tenant_q(actor: Any, prefix: str = "") -> Q | None:
    principal = principal_of(actor)
    if not principal.has_perm(Perm.COMMITMENT_VIEW):
        return None
    return principal.tenant_q(region=f"{prefix}region_id", department=f"{prefix}department_id")


def commitments_for(actor: Any) -> QuerySet[Commitment]:
    """The commitments ``actor`` may read (its tenant), every status."""
    q = _tenant_q(actor)
    if q is None:
        return Commitment.objects.none()
    return Commitment.objects.filter(q)


def commitment_for(actor: Any, number: str) -> Commitment | None:
    """One commitment by its number, if ``actor`` may read it; else None (a 404)."""
    if not isinstance(number, str) or not number or len(number) > 40:
        return None
    return (
        commitments_for(actor)
        .select_related("item", "item_version", "department", "legal_person", "natural_person")
        .filter(number=number.strip().upper())
        .first()
    )


def in_force_q(day: datetime.date | None = None) -> Q:
    """Commitments in force on ``day`` (today): published or fulfilled, not past validity."""
    day = day or timezone.localdate()
    return Q(status__in=IN_FORCE) & (Q(valid_until__isnull=True) | Q(valid_until__gte=day))


def published(filters: dict[str, Any] | None = None) -> QuerySet[Commitment]:
    """The public commitments (信用承诺 column, the subject page, the API): in force today,
    newest first; ``filters`` narrows by ``kind``, ``item`` (code), ``department`` (code),
    ``name`` (part of the promisor's name) and ``subject`` (a legal person's id)."""
    qs = Commitment.objects.filter(in_force_q())
    f = filters or {}
    if f.get("kind"):
        qs = qs.filter(kind=f["kind"])
    if f.get("item"):
        qs = qs.filter(item__code=f["item"])
    if f.get("department"):
        qs = qs.filter(department__code=f["department"])
    if f.get("name"):
        qs = qs.filter(promisor_name__icontains=f["name"])
    if f.get("legal_person"):
        qs = qs.filter(legal_person_id=f["legal_person"])
    return qs.order_by("-committed_on", "-id")


def suspicions_for(actor: Any) -> QuerySet[SuspectedBreach]:
    """The suspected breaches of the commitments ``actor`` may read."""
    q = _tenant_q(actor, "commitment__")
    if q is None:
        return SuspectedBreach.objects.none()
    return SuspectedBreach.objects.filter(q)


def items_for(actor: Any = None) -> QuerySet[CommitmentItem]:
    """The commitment items: every item for staff who read commitments, the active ones for
    the public (``actor`` None or without the permission)."""
    qs = CommitmentItem.objects.all()
    if actor is None or not principal_of(actor).has_perm(Perm.COMMITMENT_VIEW):
        qs = qs.filter(is_active=True)
    return qs.order_by("kind", "sort_order", "code")


def items_managed_by(actor: Any) -> QuerySet[CommitmentItem]:
    """The items whose template ``actor`` may change (its department's, its district's)."""
    principal = principal_of(actor)
    if not principal.has_perm(Perm.COMMITMENT_MANAGE):
        return CommitmentItem.objects.none()
    return CommitmentItem.objects.filter(
        principal.tenant_q(region="department__region_id", department="department_id")
    )
