"""The building blocks of the assessment metrics (监测指标): what a metric is measured of
(:class:`Target`), what it answers (:class:`Measure`), the metric itself (:class:`Metric`) and
the helpers every family module shares.

Every metric measures all its targets at once: rows are grouped by their department in a
bounded number of queries, then each department's figures are added to the targets it belongs
to (:func:`members` / :func:`spread`) — a department unit's own, and its district's when the
district is a target too. A department of a district that is not a target is not counted.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from credit.alerts.periods import Span, day_start
from credit.assessment.constants import UnitKind
from credit.core.masking import mask_name
from credit.core.models import Department

#: Accepted rows of a batch (新增 + 更新 + 未变化).
ACCEPTED = F("inserted") + F("updated") + F("unchanged")
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Target:
    """What a metric is measured of: a department (``department_id``; ``region_id`` its
    region) or a district (``region_id``; every department of the district counts)."""

    kind: str  # UnitKind value: "department" | "district"
    department_id: int | None
    region_id: str
    label: str = field(default="", compare=False)

    @property
    def is_district(self) -> bool:
        return self.kind == UnitKind.DISTRICT


@dataclass(frozen=True)
class Measure:
    """A metric's value for one target and period, with the counts behind it and a Chinese
    sentence saying what was counted. ``value`` None: nothing to measure in the period."""

    value: Decimal | None
    numerator: int | None = None
    denominator: int | None = None
    text: str = ""


#: ``measure(targets, span)`` → every target's measure (all targets at once, few queries).
MeasureFn = Callable[[list[Target], Span], dict[Target, Measure]]
#: ``rows(target, span)`` → (export headers, the rows the measure counted).
RowsFn = Callable[[Target, Span], tuple[list[str], Iterable[list]]]


@dataclass(frozen=True)
class Metric:
    """One metric of the registry (see :mod:`credit.assessment.metrics`)."""

    code: str
    name: str
    unit: str
    definition: str
    measure: MeasureFn
    rows: RowsFn
    higher_is_better: bool = True


def today() -> datetime.date:
    """Today in the platform's time zone (one place, so tests may fix it)."""
    return timezone.localdate()


def target_of(unit: Any) -> Target:
    """The target of an assessment :class:`~credit.assessment.models.Unit`."""
    department_id = unit.department_id if unit.kind == UnitKind.DEPARTMENT else None
    return Target(unit.kind, department_id, unit.region_id, unit.name)


def department_q(target: Target, field: str = "department") -> Q:
    """Rows whose department (the foreign key ``field``) belongs to ``target``: the
    department itself, or every department of the district."""
    if target.is_district:
        return Q(**{f"{field}__region_id": target.region_id})
    return Q(**{f"{field}_id": target.department_id})


def in_span(field: str, span: Span) -> Q:
    """A moment (``field``, a DateTimeField) within the span's days, Beijing time."""
    return Q(**{f"{field}__gte": day_start(span.start), f"{field}__lt": day_start(span.end)})


def members(targets: Sequence[Target]) -> dict[int, list[Target]]:
    """Department id → the targets it counts for (one query): a department target's own
    department, and every department of a district target."""
    ids = {t.department_id for t in targets if not t.is_district}
    regions = {t.region_id for t in targets if t.is_district}
    by_department = {t.department_id: t for t in targets if not t.is_district}
    by_region = {t.region_id: t for t in targets if t.is_district}
    found: dict[int, list[Target]] = {}
    if not ids and not regions:
        return found
    for pk, region_id in Department.objects.filter(
        Q(pk__in=ids) | Q(region_id__in=regions)
    ).values_list("pk", "region_id"):
        owners = []
        if pk in by_department:
            owners.append(by_department[pk])
        if region_id in by_region:
            owners.append(by_region[region_id])
        found[pk] = owners
    return found


def spread(
    per_department: dict[int, Sequence[int]], targets: Sequence[Target], owners: dict
) -> dict[Target, list[int]]:
    """Add each department's counts (tuples of the same length) to the targets it counts
    for; a target without rows gets zeros."""
    width = len(next(iter(per_department.values()), ()))
    sums: dict[Target, list[int]] = {t: [0] * width for t in targets}
    for department_id, counts in per_department.items():
        for target in owners.get(department_id, ()):
            sums[target] = [a + (b or 0) for a, b in zip(sums[target], counts, strict=True)]
    return sums


def group(rows: Iterable[dict], keys: Sequence[str]) -> dict[int, list[int]]:
    """``values(department_id).annotate(…)`` rows → department id → the ``keys`` as ints."""
    found: dict[int, list[int]] = defaultdict(lambda: [0] * len(keys))
    for row in rows:
        counts = found[row["department_id"]]
        for i, key in enumerate(keys):
            counts[i] += row[key] or 0
    return dict(found)


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` / ``whole`` × 100 to 2 places; None when there is nothing (``whole`` 0)."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT)


def ratio_measure(part: int, whole: int, text: str) -> Measure:
    return Measure(percent(part, whole), part, whole, text)


def subject_name(legal_person: Any, natural_person: Any) -> str:
    """The subject's name for an export: a natural person's masked (王*明)."""
    if natural_person is not None:
        return mask_name(natural_person.name)
    return legal_person.name if legal_person is not None else ""


def local(moment: datetime.datetime | None) -> str:
    """A moment as Beijing time text."""
    if moment is None:
        return ""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def yes(flag: bool) -> str:
    return "是" if flag else "否"


def cutoff(span: Span) -> datetime.date:
    """The day a state is read on: the span's last day, or today when that is earlier."""
    return min(span.last_day, today())
