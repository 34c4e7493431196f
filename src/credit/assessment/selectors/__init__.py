"""Scoped reads of assessments (考核) and the one scope rule every page, the API and the
services use.

- :func:`may_manage`: organising an assessment (its rubric, computing, closing, review,
  publishing) — the credit office for the city's, a district's administrator for its own
  self-check (自评检查);
- :func:`is_own_unit`: the unit (被考核单位) a principal self-scores and reads in detail before
  publication — a department's officers their department, a district's administrator its
  district unit.

``actor`` is a user, an API client or a principal; ``None`` is the system (the CLI and the
jobs: city-wide, every permission).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from credit.assessment.constants import (
    AssessmentStatus,
    IndicatorKind,
    Method,
    UnitKind,
    UnitStatus,
    Visibility,
)
from credit.assessment.models import Assessment, Evidence, Indicator, Rubric, Score, Unit
from credit.assessment.periods import PeriodError, parse_period, period_code
from credit.core.access import SYSTEM, Perm, Principal, principal_or_system
from credit.core.models import Region

#: The principal of ``actor``; the platform itself (:data:`SYSTEM`) for ``None``.
acting = principal_or_system


def _owner_id(target: Assessment | Region | str | None) -> str | None:
    if isinstance(target, Assessment):
        return target.owner_region_id
    if isinstance(target, Region):
        return target.pk
    return target


def may_manage(actor: Any, target: Assessment | Region | str | None) -> bool:
    """Whether ``actor`` organises the assessment (or the assessments of the owner region
    ``target``; None for the city's): 组织绩效考核 and, for the city's, a city-wide tenant; for
    a district's self-check, that district in its tenant."""
    p = acting(actor)
    if not p.has_perm(Perm.ASSESSMENT_MANAGE):
        return False
    owner = _owner_id(target)
    if owner is None:
        return p.city_wide
    return p.manages(region_id=owner)


def is_own_unit(actor: Any, unit: Unit) -> bool:
    """Whether ``unit`` is the actor's own: a department unit of a department it manages, a
    district unit of the district whose administrator it is (not a department's officer)."""
    p = acting(actor)
    if p is SYSTEM:
        return True
    if p.city_wide:  # the credit office's own department only, not every unit of the city
        return unit.kind == UnitKind.DEPARTMENT and unit.department_id == p.department_id
    if unit.kind == UnitKind.DEPARTMENT:
        return p.manages(department_id=unit.department_id, region_id=unit.region_id)
    return p.departments is None and p.manages(region_id=unit.region_id)


def may_self_score(actor: Any, unit: Unit) -> bool:
    """Whether ``actor`` may self-score ``unit`` now (自评): 填报本单位的考核自评, its own unit,
    the assessment open and the unit's self-score not yet submitted."""
    p = acting(actor)
    return (
        p.has_perm(Perm.ASSESSMENT_SELF)
        and is_own_unit(p, unit)
        and unit.assessment.status == AssessmentStatus.OPEN
        and unit.status == UnitStatus.PENDING
    )


def _own_units_q(p: Principal, prefix: str = "") -> Q:
    """The units that are ``p``'s own, as a filter on Unit (``prefix`` for a relation)."""
    if p is SYSTEM:
        return Q()
    if p.city_wide:
        if p.department_id is None:
            return Q(pk__in=[])
        return Q(
            **{f"{prefix}kind": UnitKind.DEPARTMENT, f"{prefix}department_id": p.department_id}
        )
    if p.departments is not None:
        if not p.departments:
            return Q(pk__in=[])
        return Q(
            **{f"{prefix}kind": UnitKind.DEPARTMENT, f"{prefix}department_id__in": p.departments}
        )
    if p.region_id:
        return Q(**{f"{prefix}kind": UnitKind.DISTRICT, f"{prefix}region_id": p.region_id})
    return Q(pk__in=[])


def assessments_for(actor: Any) -> QuerySet[Assessment]:
    """The assessments ``actor`` sees: the city's (查看绩效考核结果), and the self-checks of
    the districts it manages or in which it has a unit of its own."""
    p = acting(actor)
    qs = Assessment.objects.select_related("rubric", "owner_region")
    if not p.has_any((Perm.ASSESSMENT_VIEW, Perm.ASSESSMENT_SELF, Perm.ASSESSMENT_MANAGE)):
        return qs.none()
    if p.city_wide:
        return qs if p.has_perm(Perm.ASSESSMENT_VIEW) else qs.filter(owner_region=None)
    q = Q(owner_region=None) if p.has_perm(Perm.ASSESSMENT_VIEW) else Q(pk__in=[])
    if p.departments is None and p.region_id:
        q |= Q(owner_region_id=p.region_id)
    elif p.departments:
        q |= Q(
            owner_region__isnull=False,
            pk__in=Unit.objects.filter(
                kind=UnitKind.DEPARTMENT, department_id__in=p.departments
            ).values("assessment_id"),
        )
    return qs.filter(q)


def assessment_by_period(
    actor: Any, period: str, owner_region: str | None = None
) -> Assessment | None:
    """The assessment of ``period`` (``2026Q4``, ``2026``) of the city (or of the district
    ``owner_region``'s self-check) if ``actor`` sees it; None for an invalid period too."""
    try:
        code = period_code(parse_period(period))
    except PeriodError:
        return None
    return assessments_for(actor).filter(period=code, owner_region_id=owner_region).first()


def assessment_for(actor: Any, pk: int) -> Assessment | None:
    """The assessment ``pk`` if ``actor`` sees it (missing and forbidden alike: None)."""
    return assessments_for(actor).filter(pk=pk).first()


def units_for(actor: Any, assessment: Assessment) -> QuerySet[Unit]:
    """The units of ``assessment`` whose detail ``actor`` reads: every unit for a manager (and
    for every viewer with a city-wide tenant once published), its own units otherwise."""
    p = acting(actor)
    qs = assessment.units.select_related("department", "region").order_by(
        "kind", "sort_order", "id"
    )
    if may_manage(p, assessment):
        return qs
    if (
        p.city_wide
        and p.has_perm(Perm.ASSESSMENT_VIEW)
        and (assessment.status == AssessmentStatus.PUBLISHED)
    ):
        return qs
    return qs.filter(_own_units_q(p))


def unit_for(actor: Any, assessment: Assessment, unit_id: int) -> Unit | None:
    """The unit ``unit_id`` of ``assessment`` if ``actor`` reads its detail."""
    return units_for(actor, assessment).filter(pk=unit_id).first()


def ranking_visible(actor: Any, assessment: Assessment) -> bool:
    """Whether ``actor`` reads the rankings: once published with 查看绩效考核结果, or always
    when it manages the assessment."""
    p = acting(actor)
    if may_manage(p, assessment):
        return True
    return assessment.status == AssessmentStatus.PUBLISHED and p.has_perm(Perm.ASSESSMENT_VIEW)


def ranking(assessment: Assessment, kind: str) -> list[Unit]:
    """The units of ``kind`` by rank (unranked last), then name."""
    units = list(assessment.units.filter(kind=kind).select_related("department", "region"))
    units.sort(key=lambda u: (u.rank is None, u.rank or 0, u.name))
    return units


# --- a unit's rubric tree -----------------------------------------------------------------


@dataclass
class Node:
    """An indicator of the rubric with the unit's score: ``max_points`` the most it gives (a
    deduction's the most it takes), ``points`` what it gives now (final once the unit is
    reviewed, else the self-score of a manual item or the computed points of an automatic
    one; None while not scored), ``lost`` the points not obtained (for a deduction, the
    points taken). A section sums its children."""

    indicator: Indicator
    score: Score | None
    children: list[Node] = field(default_factory=list)
    max_points: Decimal = Decimal("0")
    points: Decimal | None = None
    lost: Decimal = Decimal("0")


def points_of(score: Score, reviewed: bool) -> Decimal | None:
    """A score's current points: final once reviewed, else self (manual) or auto."""
    if reviewed and score.final_points is not None:
        return score.final_points
    if score.indicator.method == Method.MANUAL:
        return score.self_points
    return score.auto_points


def unit_tree(unit: Unit) -> list[Node]:
    """The rubric tree of ``unit``'s assessment with its scores (indicators that do not apply
    to the unit left out, and sections left without any)."""
    indicators = list(unit.assessment.rubric.indicators.order_by("sort_order", "id"))
    scores = {
        s.indicator_id: s
        for s in unit.scores.select_related("indicator").prefetch_related("evidence")
    }
    reviewed = unit.status == UnitStatus.REVIEWED
    children: dict[int | None, list[Indicator]] = {}
    for ind in indicators:
        children.setdefault(ind.parent_id, []).append(ind)

    def build(parent_id: int | None) -> list[Node]:
        nodes: list[Node] = []
        for ind in children.get(parent_id, []):
            if ind.kind == IndicatorKind.SECTION:
                kids = build(ind.pk)
                if not kids:
                    continue
                node = Node(ind, None, kids)
                node.max_points = sum((k.max_points for k in kids), Decimal("0"))
                scored = [k.points for k in kids if k.points is not None]
                node.points = sum(scored, Decimal("0")) if scored else None
                node.lost = sum((k.lost for k in kids), Decimal("0"))
                nodes.append(node)
                continue
            score = scores.get(ind.pk)
            if score is None:
                continue
            pts = points_of(score, reviewed)
            node = Node(ind, score, [], ind.points, pts)
            if ind.kind == IndicatorKind.DEDUCTION:
                node.lost = -(pts or Decimal("0"))
            else:
                node.lost = ind.points - (pts or Decimal("0"))
            nodes.append(node)
        return nodes

    return build(None)


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def tree_leaves(nodes: list[Node]) -> list[Node]:
    """The indicators of a :func:`unit_tree` that are scored (its leaves), in rubric order."""
    found: list[Node] = []
    for node in nodes:
        found += tree_leaves(node.children) if node.children else [node]
    return found


def top_losses(tree: list[Node], limit: int) -> list[Node]:
    """What cost a unit the most points: the leaves of its :func:`unit_tree` that lost
    points, largest loss first, at most ``limit``."""
    lost = [n for n in tree_leaves(tree) if n.lost is not None and n.lost > 0]
    return sorted(lost, key=lambda n: n.lost, reverse=True)[:limit]


def results_rows(actor: Any, assessment: Assessment) -> list[dict]:
    """The units' results ``actor`` may see (every unit once published, before that a
    manager's all and another's own), as the API and the Excel export give them."""
    if assessment.status == AssessmentStatus.PUBLISHED and acting(actor).has_perm(
        Perm.ASSESSMENT_VIEW
    ):
        units = assessment.units.select_related("department", "region")
    else:
        units = units_for(actor, assessment)
    show_rank = ranking_visible(actor, assessment)
    rows = [
        {
            "unit": u.name,
            "kind": u.kind,
            "department": u.department.code if u.department_id else None,
            "region": u.region_id,
            "auto_score": _number(u.auto_score),
            "self_score": _number(u.self_score),
            "final_score": _number(u.final_score),
            "rank": u.rank if show_rank else None,
            "status": u.status,
        }
        for u in units.order_by("kind", "sort_order", "id")
    ]
    order = {UnitKind.DEPARTMENT: 0, UnitKind.DISTRICT: 1}
    rows.sort(key=lambda r: (order.get(r["kind"], 2), r["rank"] is None, r["rank"] or 0))
    return rows


def rubrics_for(actor: Any) -> QuerySet[Rubric]:
    """The rubrics ``actor`` reads: the city's, and the self-check rubrics of the districts
    it manages (every district's for a city-wide principal)."""
    p = acting(actor)
    qs = Rubric.objects.select_related("owner_region", "created_by")
    if p.city_wide:
        return qs
    q = Q(owner_region__isnull=True)
    if p.departments is None and p.region_id:
        q |= Q(owner_region_id=p.region_id)
    return qs.filter(q)


def public_assessments() -> QuerySet[Assessment]:
    """The city's assessments the public sees: published with visibility 向社会公示."""
    return Assessment.objects.filter(
        owner_region__isnull=True,
        status=AssessmentStatus.PUBLISHED,
        visibility=Visibility.PUBLIC,
    ).order_by("-start")


def evidence_for(actor: Any, pk: int) -> Evidence | None:
    """An evidence file of a unit whose detail ``actor`` reads (None for missing and
    forbidden alike)."""
    item = Evidence.objects.select_related("score__unit__assessment").filter(pk=pk).first()
    if item is None:
        return None
    unit = item.score.unit
    return item if unit_for(actor, unit.assessment, unit.pk) is not None else None


def indicators_using(codes: list[str]) -> dict[str, list[Indicator]]:
    """metric code → the indicators of every rubric that score with it, newest rubric first."""
    found: dict[str, list[Indicator]] = {code: [] for code in codes}
    for i in (
        Indicator.objects.filter(metric__in=codes)
        .select_related("rubric", "rubric__owner_region")
        .order_by("-rubric__year", "-rubric__version", "rubric_id", "sort_order", "id")
    ):
        found[i.metric].append(i)
    return found


def own_district(actor: Any) -> Region | None:
    """The district whose self-check ``actor`` runs as its own: a district administrator's
    district (None for a city-wide principal, which chooses one, and for a department)."""
    p = acting(actor)
    if p.city_wide or p.departments is not None or not p.region_id:
        return None
    return Region.objects.filter(pk=p.region_id, level=Region.Level.DISTRICT).first()


def districts() -> QuerySet[Region]:
    """The active districts, in the city's order."""
    return Region.objects.filter(is_active=True, level=Region.Level.DISTRICT).order_by(
        "sort_order", "code"
    )
