"""Monthly data-quality reports (数据质量报告, tender L60–L62): per department, per district
(its departments together) and for the city, one month's reporting volumes, the quality rates,
the problems by error class of the cleaning taxonomy with the top problems and a masked
example each, the six-month trend and the unit's rank among its peers.

Every figure is built on :mod:`credit.ingest.quality` (the rates stored on each batch,
:func:`~credit.ingest.quality.department_quality`, :func:`~credit.ingest.quality.problems`,
:func:`~credit.ingest.quality.ranking`) over the finished batches created in the month, so a
report shows the same numbers as the 数据质量 pages for the same batches.

:func:`figures_for` returns them as a JSON-able dict, stored on the
:class:`~credit.assessment.models.QualityReport` with its PDF (:mod:`credit.assessment.pdf`)
and workbook (:func:`credit.assessment.tables.workbook`). :func:`generate` upserts one
month's report of one unit (one per month and scope, audited); :func:`generate_month` makes
every report of a month and may run any number of times with the same result.
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from credit.assessment.constants import ReportScope
from credit.assessment.models import QualityReport
from credit.assessment.tables import workbook
from credit.catalog.models import CatalogItem
from credit.core import audit
from credit.core.access import Perm, principal_of
from credit.core.errors import PermissionDenied, ValidationFailed
from credit.core.models import Department, Region
from credit.ingest.feedback import shared_example
from credit.ingest.models import Batch, BatchRow
from credit.ingest.quality import department_quality, problems, ranking
from credit.ingest.taxonomy import (
    CLASS_LABELS,
    MULTI_RECORD,
    MULTI_STRUCTURE,
    SINGLE_RECORD,
    SINGLE_STRUCTURE,
    error_class,
)

TITLE = "{city}公共信用信息数据质量报告（{month}）"
#: Months of the trend, the report's own included.
TREND_MONTHS = 6
#: Problems listed.
TOP_PROBLEMS = 10
#: The classes of the tender's cleaning taxonomy, in the order reports list them.
CLASSES = (SINGLE_STRUCTURE, SINGLE_RECORD, MULTI_STRUCTURE, MULTI_RECORD)
SCOPE_LABELS = dict(ReportScope.choices)
CHANNEL_LABELS = dict(Batch.Channel.choices)
VOLUME_KEYS = ("total", "inserted", "updated", "unchanged", "corrected", "rejected")


# --------------------------------------------------------------------------------------------
# Months
# --------------------------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def add_months(month: datetime.date, n: int) -> datetime.date:
    """The first day of the month ``n`` months after ``month``'s (``n`` may be negative)."""
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_text(month: datetime.date) -> str:
    """``2026年11月``."""
    return f"{month.year}年{month.month}月"


def parse_month(text: str) -> datetime.date:
    """``2026-11`` → 2026-11-01; :class:`ValidationFailed` with a Chinese message otherwise."""
    try:
        year, mon = (int(part) for part in (text or "").strip().split("-"))
        month = datetime.date(year, mon, 1)
    except (TypeError, ValueError):
        raise ValidationFailed(
            f"月份“{(text or '')[:20]}”无效，应写成 YYYY-MM（如 2026-11）", code="month_invalid"
        ) from None
    if not 2000 <= year <= 2100:
        raise ValidationFailed("月份应在 2000 年至 2100 年之间", code="month_invalid")
    return month


# --------------------------------------------------------------------------------------------
# The batches of a unit and month
# --------------------------------------------------------------------------------------------


def month_batches(month: datetime.date) -> QuerySet[Batch]:
    """Finished batches with quality metrics created in ``month`` (local dates), of every
    department: the batches the 数据质量 pages count
    (:func:`credit.ingest.quality.finished_batches`)."""
    month = month_start(month)
    return Batch.objects.filter(
        status=Batch.Status.DONE,
        created_at__date__gte=month,
        created_at__date__lt=add_months(month, 1),
    ).exclude(metrics={})


def _unit_q(scope: str, department: Department | None, region: Region | None) -> Q:
    if scope == ReportScope.DEPARTMENT:
        return Q(department_id=department.pk)  # type: ignore[union-attr]
    if scope == ReportScope.DISTRICT:
        return Q(department__region_id=region.pk)  # type: ignore[union-attr]
    return Q()


def _check_unit(scope: str, department: Department | None, region: Region | None) -> None:
    if scope not in SCOPE_LABELS:
        raise ValidationFailed(f"报告范围“{scope}”无效", code="scope_invalid")
    if scope == ReportScope.DEPARTMENT and department is None:
        raise ValidationFailed("部门报告须指定部门", code="department_required")
    if scope == ReportScope.DISTRICT and (region is None or region.level != Region.Level.DISTRICT):
        raise ValidationFailed("辖市区报告须指定一个辖市区", code="region_required")


def unit_name(scope: str, department: Department | None, region: Region | None) -> str:
    """The unit a report is of, as its title names it."""
    if scope == ReportScope.DEPARTMENT and department is not None:
        return department.name
    if scope == ReportScope.DISTRICT and region is not None:
        return region.name
    return "全市"


def title_of(month: datetime.date) -> str:
    """常州市公共信用信息数据质量报告（2026年11月）: the city is the configured city region's."""
    city = Region.objects.filter(level=Region.Level.CITY).order_by("sort_order", "code").first()
    return TITLE.format(city=city.name if city else "", month=month_text(month))


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def _volumes(batches: QuerySet[Batch]) -> dict[str, int]:
    sums = batches.order_by().aggregate(batches=Count("id"), **{k: Sum(k) for k in VOLUME_KEYS})
    out = {k: int(v or 0) for k, v in sums.items()}
    out["accepted"] = out["inserted"] + out["updated"] + out["unchanged"]
    return out


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _grouped(batches: QuerySet[Batch], key: str) -> list[dict[str, Any]]:
    rows = (
        batches.order_by()
        .values(key)
        .annotate(batches=Count("id"), **{k: Sum(k) for k in VOLUME_KEYS})
    )
    out = []
    for r in rows:
        v = {k: int(r[k] or 0) for k in ("batches", *VOLUME_KEYS)}
        v["accepted"] = v["inserted"] + v["updated"] + v["unchanged"]
        v["accuracy"] = _rate(v["total"] - v["rejected"], v["total"])
        out.append({key: r[key], **v})
    return out


def _by_channel(batches: QuerySet[Batch]) -> list[dict[str, Any]]:
    rows = {r["channel"]: r for r in _grouped(batches, "channel")}
    return [
        {**rows[code], "label": label}
        for code, label in Batch.Channel.choices
        if code in rows  # channels used in the month, in the vocabulary's order
    ]


def _by_item(batches: QuerySet[Batch]) -> list[dict[str, Any]]:
    rows = _grouped(batches, "item")
    items = CatalogItem.objects.in_bulk([r["item"] for r in rows])
    out = [
        {
            **{k: v for k, v in r.items() if k != "item"},
            "code": items[r["item"]].code,
            "name": items[r["item"]].name,
        }
        for r in rows
    ]
    out.sort(key=lambda r: (-r["total"], r["code"]))
    return out


def _classes_and_timeliness(batches: QuerySet[Batch]) -> tuple[list[dict[str, Any]], int, int]:
    """Rejected rows per taxonomy class (a row rejected for codes of two classes counts in
    both, as :func:`credit.ingest.quality.problems` counts codes) and the 双公示 rows timed and
    reported on time."""
    per_class: Counter[str] = Counter()
    timed = timely = 0
    for metrics in batches.order_by().values_list("metrics", flat=True):
        for code, rows in (metrics.get("errors_by_code") or {}).items():
            per_class[error_class(code)] += rows
        timed += metrics.get("timed_rows") or 0
        timely += metrics.get("timely_rows") or 0
    classes = [{"class": c, "label": CLASS_LABELS[c], "rows": per_class[c]} for c in CLASSES]
    return classes, timed, timely


def _example(found: dict[str, Any] | None, code: str) -> dict[str, Any] | None:
    """The example row of a problem, masked for readers beyond the reporting department
    (:func:`credit.ingest.feedback.shared_example`)."""
    if not found:
        return None
    return shared_example(BatchRow.objects.select_related("batch__item").get(pk=found["id"]), code)


def _problems(batches: QuerySet[Batch]) -> list[dict[str, Any]]:
    out = []
    for p in problems(batches, limit=TOP_PROBLEMS):
        out.append(
            {
                "code": p["code"],
                "label": p["label"],
                "class_label": p["class_label"],
                "rows": p["rows"],
                "share": p["share"],
                "fix": p["fix"],
                "example": _example(p["example"], p["code"]),
            }
        )
    return out


def _quality(batches: QuerySet[Batch]) -> dict[str, Any]:
    q = department_quality(batches)
    return {
        k: q[k] for k in ("batches", "volume", "accuracy", "completeness", "timeliness", "score")
    }


def _trend(month: datetime.date, q: Q) -> list[dict[str, Any]]:
    out = []
    for n in range(TREND_MONTHS - 1, -1, -1):
        m = add_months(month, -n)
        out.append(
            {
                "month": f"{m:%Y-%m}",
                "month_text": month_text(m),
                **_quality(month_batches(m).filter(q)),
            }
        )
    return out


def _rank_key(r: dict[str, Any]) -> tuple:
    """:func:`credit.ingest.quality.ranking`'s order: best score first, then more rows."""
    return (r["score"] is None, -(r["score"] or 0), -r["volume"])


def _department_ranking(batches: QuerySet[Batch]) -> list[dict[str, Any]]:
    rows = ranking(batches)
    names = Department.objects.in_bulk([r["department_id"] for r in rows])
    return [
        {
            "rank": n,
            "department": names[r["department_id"]].code,
            "name": names[r["department_id"]].name,
            "short_name": names[r["department_id"]].short_name,
            **{
                k: r[k]
                for k in ("batches", "volume", "accuracy", "completeness", "timeliness", "score")
            },
        }
        for n, r in enumerate(rows, start=1)
    ]


def _district_ranking(batches: QuerySet[Batch]) -> list[dict[str, Any]]:
    rows = []
    for region in districts():
        q = _quality(batches.filter(department__region_id=region.pk))
        if q["batches"]:
            rows.append({"region": region.pk, "name": region.name, "short_name": region.name, **q})
    rows.sort(key=_rank_key)
    return [{"rank": n, **r} for n, r in enumerate(rows, start=1)]


def _rank(
    scope: str, department: Department | None, region: Region | None, rankings: dict[str, list]
) -> dict[str, Any] | None:
    if scope == ReportScope.CITY:
        return None
    among, key, value = (
        ("department", "department", department.code)  # type: ignore[union-attr]
        if scope == ReportScope.DEPARTMENT
        else ("district", "region", region.pk)  # type: ignore[union-attr]
    )
    rows = rankings["departments" if among == "department" else "districts"]
    mine = next((r for r in rows if r[key] == value), None)
    return {
        "among": among,
        "among_label": "部门" if among == "department" else "辖市区",
        "rank": mine["rank"] if mine else None,
        "ranked": len(rows),
        "score": mine["score"] if mine else None,
    }


def districts() -> QuerySet[Region]:
    """The active districts (辖市区), in the city's order."""
    return Region.objects.filter(level=Region.Level.DISTRICT, is_active=True).order_by(
        "sort_order", "code"
    )


def figures_for(
    scope: str,
    month: datetime.date,
    *,
    department: Department | None = None,
    region: Region | None = None,
) -> dict[str, Any]:
    """The figures of one unit's report for ``month`` (a JSON-able dict): ``volumes``,
    ``by_channel``, ``by_item``, ``rates`` (有效入库率 ``accuracy``, 完整性 ``completeness``,
    双公示及时率 ``timeliness``: shares 0–1; ``score`` 0–100), ``classes`` (rejected rows per
    taxonomy class), ``problems`` (top problems with a masked ``example``), ``trend`` (six
    months up to ``month``), ``rank`` (among departments or districts; None for the city)
    and ``ranking`` (the department and district rankings of the month for the city, the
    district's departments for a district)."""
    _check_unit(scope, department, region)
    month = month_start(month)
    q = _unit_q(scope, department, region)
    everyone = month_batches(month)
    batches = everyone.filter(q)
    quality = _quality(batches)
    classes, timed, timely = _classes_and_timeliness(batches)
    rankings: dict[str, list] = {"departments": [], "districts": []}
    if scope in (ReportScope.CITY, ReportScope.DEPARTMENT):
        rankings["departments"] = _department_ranking(everyone)
    if scope in (ReportScope.CITY, ReportScope.DISTRICT):
        rankings["districts"] = _district_ranking(everyone)
    rank = _rank(scope, department, region, rankings)
    if scope == ReportScope.DEPARTMENT:
        rankings["departments"] = []  # the department's own rank is enough in its report
    if scope == ReportScope.DISTRICT:
        rankings = {"departments": _department_ranking(batches), "districts": []}
    return {
        "title": title_of(month),
        "scope": scope,
        "scope_label": SCOPE_LABELS[scope],
        "unit": unit_name(scope, department, region),
        "department": department.code if department else None,
        "region": region.pk if region else None,
        "month": f"{month:%Y-%m}",
        "month_text": month_text(month),
        "volumes": _volumes(batches),
        "by_channel": _by_channel(batches),
        "by_item": _by_item(batches),
        "rates": {
            "accuracy": quality["accuracy"],
            "completeness": quality["completeness"],
            "timeliness": quality["timeliness"],
            "score": quality["score"],
            "timed_rows": timed,
            "timely_rows": timely,
        },
        "classes": classes,
        "problems": _problems(batches),
        "trend": _trend(month, q),
        "rank": rank,
        "ranking": rankings,
    }


# --------------------------------------------------------------------------------------------
# Writes
# --------------------------------------------------------------------------------------------


def _require_manager(actor: Any) -> None:
    """The system (``None``) or a city-wide holder of 组织绩效考核."""
    if actor is None:
        return
    p = principal_of(actor)
    p.require(Perm.ASSESSMENT_MANAGE)
    if not p.city_wide:
        raise PermissionDenied("数据质量报告由市信用办生成，请联系市信用办", code="not_city_wide")


@transaction.atomic
def generate(
    *,
    actor: Any = None,
    scope: str,
    month: datetime.date,
    department: Department | None = None,
    region: Region | None = None,
) -> QualityReport:
    """Compute ``month``'s report of one unit and store it with its PDF and workbook,
    replacing the month's earlier report of the unit (one per month, scope and unit);
    audited (``quality_report.generated``). ``actor`` None is the system."""
    from credit.assessment.pdf import render_pdf

    _require_manager(actor)
    month = month_start(month)
    if scope == ReportScope.DEPARTMENT and department is not None:
        region = department.region
    if scope == ReportScope.CITY:
        department = region = None
    figures = figures_for(scope, month, department=department, region=region)
    now = timezone.now()
    name = f"{figures['title']}·{figures['unit']}"
    report, created = QualityReport.objects.select_for_update().update_or_create(
        month=month,
        scope=scope,
        department=department if scope == ReportScope.DEPARTMENT else None,
        region=region if scope != ReportScope.CITY else None,
        defaults={
            "name": name[:200],
            "figures": figures,
            "pdf": render_pdf(figures, generated_at=now),
            "xlsx": workbook(figures, generated_at=now),
        },
    )
    audit.record(
        "quality_report.generated",
        actor=actor,
        obj=report,
        after={
            "month": figures["month"],
            "scope": scope,
            "unit": figures["unit"],
            "batches": figures["volumes"]["batches"],
            "rows": figures["volumes"]["total"],
            "replaced": not created,
        },
    )
    return report


def report_departments(month: datetime.date) -> QuerySet[Department]:
    """The departments a month's reports cover: those that finished a batch in the month and
    the active departments that are a source department of an active catalog item."""
    reported = month_batches(month).values("department_id")
    sources = CatalogItem.objects.filter(is_active=True).values("source_departments")
    return Department.objects.filter(
        Q(pk__in=reported) | Q(is_active=True, pk__in=sources)
    ).order_by("sort_order", "code")


def generate_month(month: datetime.date, *, actor: Any = None) -> list[QualityReport]:
    """Every report of ``month``: each department of :func:`report_departments`, each active
    district, the city. Idempotent: running it again replaces the same reports."""
    _require_manager(actor)
    month = month_start(month)
    reports = [
        generate(actor=actor, scope=ReportScope.DEPARTMENT, month=month, department=d)
        for d in report_departments(month).select_related("region")
    ]
    reports += [
        generate(actor=actor, scope=ReportScope.DISTRICT, month=month, region=r)
        for r in districts()
    ]
    reports.append(generate(actor=actor, scope=ReportScope.CITY, month=month))
    return reports
