"""Data-quality metrics (D6, 数据质量评估) per batch and per department.

Per batch, computed when the batch finishes and stored on it:

- ``volume``: rows received;
- ``accuracy``: share of rows accepted (not rejected), with the rejected rows counted by
  error code (``errors_by_code``);
- ``completeness``: share of rows with no missing required or conditionally required field;
- ``timeliness`` (双公示 only, State Council rule: published within 7 working days of the
  decision): share of loaded records reported by their deadline, counted in working days by
  China's official calendar with 调休 (:mod:`credit.core.workdays`); ``approximate`` when a
  year involved is not in the calendar yet; ``mean_working_days`` taken.

Per department, :func:`department_quality` adds up its batches in a period, weighting each
rate by the rows it covers, :func:`problems` ranks its error codes by the rejected rows they
cost, with what to do about each (:data:`credit.ingest.taxonomy.PROBLEMS`) and an example
row, and :func:`ranking` orders departments by a composite score (the mean of the rates
present). The weights are the tender's D6 dimensions with equal
weight; the assessment issue (A5) makes them configurable.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, QuerySet

from credit.catalog.constants import Category
from credit.core.workdays import REPORTING_WORKING_DAYS, WorkdayCalendar
from credit.ingest.models import Batch, BatchRow
from credit.ingest.taxonomy import CLASS_LABELS, error_class, how_to_fix, problem_label
from credit.records.models import CreditRecord

MISSING_CODES = frozenset({"required", "conditionally_required"})


def batch_metrics(batch: Batch) -> dict[str, Any]:
    """Compute the metrics of a finished batch (two queries)."""
    errors_by_code: Counter[str] = Counter()
    incomplete = 0
    for errors in batch.rows.filter(status=BatchRow.Status.REJECTED).values_list(
        "errors", flat=True
    ):
        codes = {e["code"] for e in errors}
        errors_by_code.update(codes)
        incomplete += bool(codes & MISSING_CODES)
    total = batch.total
    metrics: dict[str, Any] = {
        "volume": total,
        "accuracy": _rate(total - batch.rejected, total),
        "completeness": _rate(total - incomplete, total),
        "errors_by_code": dict(errors_by_code.most_common()),
        "timeliness": None,
    }
    if batch.item.category == Category.DOUBLE_PUBLICITY:
        metrics.update(_timeliness(batch))
    return metrics


def _timeliness(batch: Batch) -> dict[str, Any]:
    """Timeliness of the rows the batch inserted or updated, counted per decision date (a
    file's rows share few dates), so memory does not grow with the batch."""
    reported = batch.created_at.date()
    per_date = dict(
        CreditRecord.objects.filter(
            pk__in=batch.rows.filter(outcome__in=["inserted", "updated"]).values("record_id"),
            decision_date__isnull=False,
        )
        .order_by()
        .values_list("decision_date")
        .annotate(rows=Count("id"))
    )
    if not per_date:
        return {"timeliness": None}
    calendar = WorkdayCalendar(min(per_date), reported)
    timed = on_time = working_days = 0
    approximate = False
    for decided, rows in per_date.items():
        result = calendar.timeliness(decided, reported, REPORTING_WORKING_DAYS)
        timed += rows
        on_time += rows * result.on_time
        working_days += rows * result.working_days
        approximate = approximate or result.approximate
    return {
        "timeliness": _rate(on_time, timed),
        "timely_rows": on_time,
        "timed_rows": timed,
        "mean_working_days": round(working_days / timed, 1),
        "timeliness_approximate": approximate,
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def finished_batches(since: datetime.date | None = None) -> QuerySet[Batch]:
    qs = Batch.objects.filter(status=Batch.Status.DONE).exclude(metrics={})
    if since:
        qs = qs.filter(created_at__date__gte=since)
    return qs


def department_quality(batches: QuerySet[Batch]) -> dict[str, Any]:
    """Rates of a set of batches, each weighted by the rows it covers."""
    return _combine(batches.values_list("metrics", flat=True))


def _combine(all_metrics: Iterable[dict]) -> dict[str, Any]:
    sums: Counter[str] = Counter()
    weights: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    count = 0
    for metrics in all_metrics:
        count += 1
        volume = metrics.get("volume") or 0
        sums["volume"] += volume
        errors.update(metrics.get("errors_by_code") or {})
        for key, weight in (
            ("accuracy", volume),
            ("completeness", volume),
            ("timeliness", metrics.get("timed_rows") or 0),
        ):
            if metrics.get(key) is not None and weight:
                sums[key] += metrics[key] * weight
                weights[key] += weight
    rates = {
        k: round(sums[k] / weights[k], 4) if weights[k] else None
        for k in ("accuracy", "completeness", "timeliness")
    }
    present = [v for v in rates.values() if v is not None]
    return {
        "batches": count,
        "volume": sums["volume"],
        **rates,
        "score": round(100 * sum(present) / len(present), 1) if present else None,
        "errors_by_code": dict(errors.most_common(10)),
    }


def problems(batches: QuerySet[Batch], *, limit: int = 10) -> list[dict[str, Any]]:
    """The error codes that cost ``batches`` rejected rows, most rows first (then by code),
    at most ``limit``: each with the rows it cost (a row rejected for two reasons counts for
    both), its share of the rows received, its Chinese name, class and fix, and an example:
    a rejected row of the newest batch that had it (``{"id", "batch_id", "row_no"}``).

    The counts come from the batches' stored metrics (one query); the examples take one
    query per code shown, each within one batch."""
    counts: Counter[str] = Counter()
    newest: dict[str, int] = {}
    volume = 0
    for pk, metrics in batches.order_by("-created_at", "-id").values_list("pk", "metrics"):
        volume += metrics.get("volume") or 0
        for code, rows in (metrics.get("errors_by_code") or {}).items():
            counts[code] += rows
            newest.setdefault(code, pk)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    top = ranked[0][1] if ranked else 0
    return [
        {
            "code": code,
            "rows": rows,
            "share": _rate(rows, volume),
            "of_top": _rate(rows, top),
            "label": problem_label(code),
            "fix": how_to_fix(code),
            "class_label": CLASS_LABELS[error_class(code)],
            "example": BatchRow.objects.filter(
                batch_id=newest[code],
                status=BatchRow.Status.REJECTED,
                errors__contains=[{"code": code}],
            )
            .order_by("id")
            .values("id", "batch_id", "row_no")
            .first(),
        }
        for code, rows in ranked
    ]


def ranking(batches: QuerySet[Batch]) -> list[dict[str, Any]]:
    """Departments that reported in ``batches``, best score first (one query)."""
    by_department: dict[int, list[dict]] = defaultdict(list)
    for dept_id, metrics in batches.order_by().values_list("department", "metrics"):
        by_department[dept_id].append(metrics)
    rows = [
        {"department_id": dept_id, **_combine(metrics)}
        for dept_id, metrics in by_department.items()
    ]
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), -r["volume"]))
    return rows
