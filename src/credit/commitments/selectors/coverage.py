"""Coverage of credit commitments against the city's targets (示范城市 hard indicators, tender
lines 441–445), each a count of what is covered over what must be:

- ``voluntary``: operating legal persons (status 存续) with a 主动承诺 or 行业自律 commitment in
  force, over the operating legal persons — target 90 %;
- ``notify``: active 告知承诺 items (the 19 items of the 证照分离 reform) with at least one
  commitment in force, over those items — 100 %;
- ``tolerance``: active 容缺受理 items with at least one commitment in force, over those items
  — 100 %;
- ``repair``: operating legal persons with an active black-list record in force (not past the
  end of its publicity) that hold a 信用修复型 commitment in force, over those subjects — 100 %.

A commitment is in force on a day when it is published or fulfilled, was signed on or before
that day and is not past its validity (``valid_until``). A target with nothing to cover is met
(ratio 1).

Whose figures (the reader's scope, :func:`scope_for`): the credit office and every city-wide
reader see the city's; a district administrator sees its district's — the legal persons
registered there, the items used by commitments recorded there; a department officer sees its
department's items (and the subjects of its district, the whole city for a city department).
The daily stored figures (:class:`~credit.commitments.models.CoverageFigure`) are the city's.

Every figure is one set-based statement (counts of distinct subjects over the commitments or
records that match, never a loop over subjects); :func:`uncovered` gives the subjects or items
not covered, as a queryset for the page and its export.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from credit.catalog.constants import Category
from credit.commitments.constants import IN_FORCE, TARGET_RATIOS, Kind, Target
from credit.commitments.models import Commitment, CommitmentItem, CoverageFigure
from credit.core.access import principal_of
from credit.core.selectors import city
from credit.records.models import CreditRecord
from credit.records.publicity import in_force_q as record_in_force_q
from credit.subjects.constants import LegalPersonStatus
from credit.subjects.models import LegalPerson

#: The kinds of commitment that cover each target.
TARGET_KINDS: dict[str, tuple[str, ...]] = {
    Target.VOLUNTARY: (Kind.VOLUNTARY, Kind.INDUSTRY),
    Target.NOTIFY: (Kind.NOTIFY,),
    Target.TOLERANCE: (Kind.TOLERANCE,),
    Target.REPAIR: (Kind.REPAIR,),
}
#: Targets counted over subjects (legal persons) and over commitment items.
SUBJECT_TARGETS = (Target.VOLUNTARY, Target.REPAIR)
ITEM_TARGETS = (Target.NOTIFY, Target.TOLERANCE)
TARGETS: tuple[str, ...] = tuple(Target.values)
LABELS = dict(Target.choices)
#: Short names for charts and tables.
SHORT_LABELS = {
    Target.VOLUNTARY: "主动承诺/行业自律覆盖市场主体",
    Target.NOTIFY: "告知承诺事项使用",
    Target.TOLERANCE: "容缺受理事项使用",
    Target.REPAIR: "黑名单主体信用修复承诺",
}


@dataclass(frozen=True)
class Figure:
    """One target's coverage: ``covered`` of ``total``, their ``ratio`` (1.0 when there is
    nothing to cover), the ``target_ratio`` and whether it is ``met``."""

    target: str
    label: str
    covered: int
    total: int
    ratio: float
    target_ratio: float
    met: bool

    @property
    def uncovered(self) -> int:
        return self.total - self.covered

    @property
    def percent(self) -> float:
        return round(self.ratio * 100, 2)

    @property
    def target_percent(self) -> float:
        return round(self.target_ratio * 100, 2)


@dataclass(frozen=True)
class Scope:
    """Whose figures: ``region`` the district of the subjects and of the commitments counted
    (None: the whole city); ``departments`` the departments whose items count (None: every
    department); ``label`` in words."""

    region: str | None = None
    departments: frozenset[int] | None = None
    label: str = "全市"

    @property
    def city_wide(self) -> bool:
        return self.region is None and self.departments is None


CITY = Scope()
NOTHING = Scope(region="-", departments=frozenset(), label="无")


def scope_for(actor: Any) -> Scope:
    """The reader's scope (see the module's docstring): city-wide readers the city; a
    district administrator its district; a department officer its department's items and its
    district's subjects (a city department: the city's)."""
    p = principal_of(actor)
    if p.city_wide:
        return CITY
    home = city()
    region = p.region_id if p.region_id and (home is None or p.region_id != home.code) else None
    if p.departments is not None:
        if not p.departments:
            return NOTHING
        return Scope(region=region, departments=p.departments, label=p.tenant_label)
    if region:
        return Scope(region=region, label=p.tenant_label)
    return NOTHING


def figure(target: str, covered: int, total: int) -> Figure:
    """A :class:`Figure` from its counts (exact comparison with the target, no float error)."""
    goal = TARGET_RATIOS[Target(target)]
    met = total == 0 or Fraction(covered, total) >= Fraction(str(goal))
    return Figure(
        target=str(target),
        label=LABELS[target],
        covered=covered,
        total=total,
        ratio=covered / total if total else 1.0,
        target_ratio=float(goal),
        met=met,
    )


# --------------------------------------------------------------------------------------------
# Conditions
# --------------------------------------------------------------------------------------------


def in_force_q(day: datetime.date, prefix: str = "") -> Q:
    """Commitments in force on ``day``: published or fulfilled, signed by then, not expired."""
    return Q(**{f"{prefix}status__in": IN_FORCE, f"{prefix}committed_on__lte": day}) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": day})
    )


def _commitments(target: str, day: datetime.date, scope: Scope) -> QuerySet[Commitment]:
    qs = Commitment.objects.filter(in_force_q(day), kind__in=TARGET_KINDS[target])
    if target in ITEM_TARGETS and scope.region:
        qs = qs.filter(region_id=scope.region)
    return qs


def _operating(scope: Scope, prefix: str = "") -> Q:
    q = Q(**{f"{prefix}status": LegalPersonStatus.ACTIVE})
    if scope.region:
        q &= Q(**{f"{prefix}region_id": scope.region})
    return q


def _black_listed(day: datetime.date) -> QuerySet[CreditRecord]:
    """Active black-list records in force on ``day`` about a legal person."""
    return CreditRecord.objects.filter(
        record_in_force_q(day),
        item__category=Category.BLACK_LIST,
        legal_person__isnull=False,
    )


def _items(target: str, scope: Scope) -> QuerySet[CommitmentItem]:
    qs = CommitmentItem.objects.filter(kind__in=TARGET_KINDS[target], is_active=True)
    if scope.departments is not None:
        qs = qs.filter(department_id__in=sorted(scope.departments))
    return qs


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def _voluntary(day: datetime.date, scope: Scope) -> tuple[int, int]:
    operating = LegalPerson.objects.filter(_operating(scope))
    covering = _commitments(Target.VOLUNTARY, day, scope).filter(legal_person_id=OuterRef("pk"))
    return operating.filter(Exists(covering)).count(), operating.count()


def _repair(day: datetime.date, scope: Scope) -> tuple[int, int]:
    listed = LegalPerson.objects.filter(_operating(scope)).filter(
        Exists(_black_listed(day).filter(legal_person_id=OuterRef("pk")))
    )
    repairing = _commitments(Target.REPAIR, day, scope).filter(legal_person_id=OuterRef("pk"))
    return listed.filter(Exists(repairing)).count(), listed.count()


def _item_target(target: str, day: datetime.date, scope: Scope) -> tuple[int, int]:
    used = _commitments(target, day, scope).filter(item_id=OuterRef("pk"))
    counts = (
        _items(target, scope)
        .order_by()
        .aggregate(total=Count("id"), covered=Count("id", filter=Q(Exists(used))))
    )
    return counts["covered"], counts["total"]


def compute(day: datetime.date | None = None, scope: Scope = CITY) -> list[Figure]:
    """The four targets' figures on ``day`` (today by default) for ``scope`` (the city by
    default), in the order of :class:`~credit.commitments.constants.Target`. Six queries:
    counts of the subjects with (semi-join) a commitment in force, and of the items."""
    day = day or timezone.localdate()
    if scope == NOTHING:
        return [figure(t, 0, 0) for t in TARGETS]
    counts = {
        Target.VOLUNTARY: _voluntary(day, scope),
        Target.NOTIFY: _item_target(Target.NOTIFY, day, scope),
        Target.TOLERANCE: _item_target(Target.TOLERANCE, day, scope),
        Target.REPAIR: _repair(day, scope),
    }
    return [figure(t, *counts[Target(t)]) for t in TARGETS]


def history(days: int = 90, *, until: datetime.date | None = None) -> list[CoverageFigure]:
    """The stored daily figures (the city's) of the last ``days`` days, oldest first."""
    until = until or timezone.localdate()
    since = until - datetime.timedelta(days=days - 1)
    return list(
        CoverageFigure.objects.filter(day__gte=since, day__lte=until).order_by("day", "target")
    )


# --------------------------------------------------------------------------------------------
# What is not covered
# --------------------------------------------------------------------------------------------


def uncovered(
    target: str,
    filters: dict[str, Any] | None = None,
    *,
    scope: Scope = CITY,
    day: datetime.date | None = None,
) -> QuerySet:
    """The subjects (legal persons, for ``voluntary`` and ``repair``) or the items (for
    ``notify`` and ``tolerance``) of ``scope`` that ``target`` still misses on ``day``, in a
    stable order. ``filters``: ``district`` (a region code) and ``industry`` (a 行业门类
    letter) for subjects, ``department`` (a department id) for items; a filter outside the
    scope finds nothing. Raises ``ValueError`` for an unknown target."""
    if target not in TARGETS:
        raise ValueError(f"unknown coverage target {target!r}")
    f = filters or {}
    day = day or timezone.localdate()
    if scope == NOTHING:
        model = LegalPerson if target in SUBJECT_TARGETS else CommitmentItem
        return model.objects.none()
    if target in ITEM_TARGETS:
        used = _commitments(target, day, scope).filter(item_id=OuterRef("pk"))
        qs = _items(target, scope).filter(~Exists(used))
        if f.get("department"):
            qs = qs.filter(department_id=f["department"])
        return qs.select_related("department").order_by(
            "department__sort_order", "sort_order", "code"
        )
    covering = _commitments(target, day, scope).filter(legal_person_id=OuterRef("pk"))
    qs = LegalPerson.objects.filter(_operating(scope)).filter(~Exists(covering))
    if target == Target.REPAIR:
        qs = qs.filter(Exists(_black_listed(day).filter(legal_person_id=OuterRef("pk"))))
    if f.get("district"):
        qs = qs.filter(region_id=f["district"])
    if f.get("industry"):
        qs = qs.filter(industry=f["industry"])
    return qs.select_related("region").order_by("id")
