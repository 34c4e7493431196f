"""Grade distributions of the civil servants' integrity archive (等级分布): how many civil
servants of each grade (A/B/C/D, and those not scored yet) per district or per unit, within the
archives the reader may read (:func:`credit.integrity.selectors.archive_q`) — aggregates only,
one ``GROUP BY`` each, never a list of persons."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from django.db.models import Count, Q, QuerySet

from credit.core.models import Department, Region
from credit.integrity.constants import Grade
from credit.integrity.models import CivilServant
from credit.integrity.selectors import civil_servants_for

#: The grades in order, and the key of the civil servants not scored yet (no grade).
GRADES: tuple[str, ...] = tuple(Grade.values)
UNSCORED = "none"
#: Short labels of the grades for charts and tables (the choices' labels are long).
GRADE_SHORT = {"A": "A 档", "B": "B 档", "C": "C 档", "D": "D 档", UNSCORED: "未计分"}
#: The unit key of civil servants whose work unit matched no department.
NO_UNIT = ""


def _grade_counts() -> dict[str, Count]:
    counts: dict[str, Count] = {g: Count("id", filter=Q(grade=g)) for g in GRADES}
    counts[UNSCORED] = Count("id", filter=Q(grade=""))
    counts["total"] = Count("id")
    return counts


def grade_counts(queryset: QuerySet[CivilServant]) -> dict[str, int]:
    """How many civil servants of ``queryset`` hold each grade (``A`` … ``D``, ``none``: not
    scored yet) and in all (``total``), in one query."""
    return queryset.order_by().aggregate(**_grade_counts())


def _rows(
    grouped: Iterable[dict[str, Any]], field: str, labels: dict[Any, tuple[int, str]]
) -> list[dict[str, Any]]:
    rows = []
    for r in grouped:
        key = r[field]
        order, label = labels.get(key, (10_000, str(key or "")))
        rows.append(
            {
                "key": NO_UNIT if key is None else str(key),
                "label": label,
                **{g: r[g] for g in (*GRADES, UNSCORED, "total")},
                "_order": order,
            }
        )
    rows.sort(key=lambda row: (row.pop("_order"), row["label"]))
    return rows


def grade_distribution(
    actor: Any,
    by: Literal["region", "unit"] = "region",
    *,
    queryset: QuerySet[CivilServant] | None = None,
) -> list[dict[str, Any]]:
    """The grade counts of the archives ``actor`` may read, one row per district (``by=
    "region"``: the civil servant's region, the city's own units under the city) or per unit
    (``by="unit"``: the department the person works in; those whose unit matched no
    department in one row with the key ``""``), in the regions' and departments' display order.

    Each row: ``key`` (region code or department id), ``label``, the count of each grade
    (``A`` … ``D``), ``none`` (not scored yet) and ``total``. ``queryset`` narrows the
    civil servants counted (it must come from :func:`civil_servants_for` of the same actor).
    Three queries: the counts and the labels (plus the scope's own department look-up).
    """
    if by not in ("region", "unit"):
        raise ValueError(f"unknown grouping {by!r}")
    qs = queryset if queryset is not None else civil_servants_for(actor)
    field = "region_id" if by == "region" else "unit_id"
    grouped = list(qs.order_by().values(field).annotate(**_grade_counts()))
    keys = [r[field] for r in grouped if r[field] is not None]
    if by == "region":
        labels: dict[Any, tuple[int, str]] = {
            code: (order if level != Region.Level.CITY else -1, f"{name}（市级单位）"
                   if level == Region.Level.CITY else name)
            for code, name, level, order in Region.objects.filter(code__in=keys).values_list(
                "code", "name", "level", "sort_order"
            )
        }  # fmt: skip
    else:
        labels = {
            pk: (order, short or name)
            for pk, name, short, order in Department.objects.filter(pk__in=keys).values_list(
                "pk", "name", "short_name", "sort_order"
            )
        }
        labels[None] = (100_000, "未关联单位")
    return _rows(grouped, field, labels)
