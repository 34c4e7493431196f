"""The datasets of the built-in 一张图 (registered into :mod:`credit.dashboard.datasets`).

Credit records and subjects are read from the pre-aggregated facts (:mod:`.models`, refreshed
every :data:`~credit.dashboard.facts.REFRESH_MINUTES` minutes); batches, objections, repairs,
checks and API calls, which are small, straight from their tables. Every number links to the
list it counts: the dashboard's own record and subject lists for everyone who sees the
dashboard, the owning app's page when the viewer may open it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.urls import reverse
from django.utils import timezone

from credit.catalog.constants import LIST_KIND_LABELS, Category
from credit.catalog.models import CatalogItem
from credit.core.access import Perm, Principal
from credit.core.models import Department, Region
from credit.core.selectors import city
from credit.dashboard import facts
from credit.dashboard.datasets import Dataset, Filters, Result, register
from credit.dashboard.models import LegalPersonFact, NaturalPersonFact, RecordFact
from credit.records.constants import Severity
from credit.records.publicity import add_months
from credit.subjects.constants import Industry, LegalPersonKind

LIST_CATEGORIES = [Category.RED_LIST, Category.BLACK_LIST, Category.ATTENTION_LIST]
#: 失信记录: black and attention list entries and records with a dishonesty severity
#: (行政处罚 graded by the publicity policy).
DISHONEST = Q(category__in=[Category.BLACK_LIST, Category.ATTENTION_LIST]) | ~Q(severity="")


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def today() -> datetime.date:
    return timezone.localdate()


def month_start(d: datetime.date) -> datetime.date:
    return d.replace(day=1)


def months_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    out, cur = [], month_start(start)
    while cur <= end:
        out.append(cur)
        cur = add_months(cur, 1)
    return out


def period(filters: Filters, default_months: int = 12) -> tuple[datetime.date, datetime.date]:
    """The months a trend covers: the filters' period, else the last ``default_months``."""
    end = filters.end or month_start(today())
    start = filters.start or add_months(end, -(default_months - 1))
    return start, end


def note() -> str:
    snap = facts.snapshot()
    if snap is None:
        return "统计快照尚未生成（每 10 分钟自动刷新，或运行 credit dashboard refresh）"
    local = timezone.localtime(snap.refreshed_at)
    return f"数据截至 {local:%Y-%m-%d %H:%M}（每 {facts.REFRESH_MINUTES} 分钟更新）"


def _ids(model: type, code_field: str, code: str | None) -> Any:
    if not code:
        return None
    return model.objects.filter(**{code_field: code}).values_list("pk", flat=True).first()


def scope_q(
    principal: Principal,
    filters: Filters,
    *,
    region: str | None = "region_id",
    department: str | None = "department_id",
    item: str | None = "item_id",
    district: str | tuple[str, ...] | None = None,
) -> Q:
    """The principal's tenant and the filters as a condition on a model's fields (a field
    given as None is one the model does not have: its filter does not apply).

    ``region`` is the field the tenant rule reads (the reporting department's region);
    ``district``, when given, the field the district filter reads instead (the subject's
    district; several fields: any of them) — except for a district administrator, whose
    district is its tenant already."""
    q = principal.tenant_q(region=region, department=department)
    if department is None and principal.departments is not None:
        # Models with no department (subjects): a department officer sees its region's.
        q = Q(**{region: principal.region_id}) if region and principal.region_id else Q()
        if _is_city(principal.region_id):
            q = Q()  # a city department: the whole city
    pinned = not principal.city_wide and principal.departments is None
    if filters.region and region and not _is_city(filters.region):
        if district and not (pinned and filters.region == principal.region_id):
            fields = (district,) if isinstance(district, str) else district
            any_of = Q()
            for name in fields:
                any_of |= Q(**{name: filters.region})
            q &= any_of
        elif not district:
            q &= Q(**{region: filters.region})
    if filters.department and department:
        q &= Q(**{department: _ids(Department, "code", filters.department)})
    if filters.item and item:
        q &= Q(**{item: _ids(CatalogItem, "code", filters.item)})
    return q


def _is_city(code: str | None) -> bool:
    """Whether ``code`` is the city's own region (a filter on it is no filter)."""
    found = city()
    return found is not None and code == found.code


def record_facts(principal: Principal, filters: Filters, *, months: bool = True) -> QuerySet:
    qs = RecordFact.objects.filter(scope_q(principal, filters, district="subject_region_id"))
    if months and filters.start:
        qs = qs.filter(month__gte=filters.start)
    if months and filters.end:
        qs = qs.filter(month__lte=filters.end)
    return qs


def records_link(filters: Filters, **extra: Any) -> str:
    return f"{reverse('dashboard:records')}?{urlencode(filters.as_query(**extra))}"


def arrivals_link(
    filters: Filters, start: datetime.date | None, end: datetime.date | None, **extra: Any
) -> str:
    """The records that arrived (入库) in the months ``start`` … ``end`` (either open): the
    collection panels count by month of arrival, not by month of decision."""
    return records_link(
        replace(filters, start=None, end=None),
        arrived_from=f"{start:%Y-%m}" if start else None,
        arrived_to=f"{end:%Y-%m}" if end else None,
        **extra,
    )


def subjects_link(filters: Filters, **extra: Any) -> str:
    query = {k: v for k, v in filters.as_query(**extra).items() if k not in ("from", "to")}
    return f"{reverse('dashboard:subjects')}?{urlencode(query)}"


def department_labels() -> dict[int, tuple[str, str]]:
    """Department id → (code, short name), for rankings (one query)."""
    return {pk: (code, name) for pk, code, name in Department.objects.values_list(
        "pk", "code", "short_name"
    )}  # fmt: skip


def _link_if(principal: Principal, perm: Perm, url: str) -> str | None:
    return url if principal.has_perm(perm) else None


def districts() -> list[Region]:
    return list(Region.objects.filter(parent__isnull=False).order_by("code"))


def pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def change(now: int, before: int) -> float | None:
    return round(100 * (now - before) / before, 1) if before else None


# --------------------------------------------------------------------------------------------
# 区域分布 (the map)
# --------------------------------------------------------------------------------------------

MAP_METRICS = {
    "legal_persons": "法人主体",
    "dishonest_public": "失信记录（公示中）",
    "black_in_force": "黑名单（有效）",
    "red_in_force": "红名单（有效）",
    "double_publicity": "双公示数据量",
    "timeliness": "双公示按时率（%）",
    "objections": "异议",
    "repairs": "信用修复",
}


def district_overview(principal: Principal, filters: Filters) -> Result:
    """Per district: the map's metrics (one row per district, keyed by region code)."""
    from credit.objections.models import Objection, RepairApplication

    rows: dict[str, dict[str, Any]] = {
        r.code: {"district": r.name, "_key": r.code, **dict.fromkeys(MAP_METRICS, 0)}
        for r in districts()
    }
    whole = Filters(
        department=filters.department, item=filters.item, start=filters.start, end=filters.end
    )
    recs = record_facts(principal, whole).values("subject_region_id")
    for row in recs.annotate(
        dishonest_public=Sum("public", filter=DISHONEST),
        black_in_force=Sum("in_force", filter=Q(category=Category.BLACK_LIST)),
        red_in_force=Sum("in_force", filter=Q(category=Category.RED_LIST)),
        double_publicity=Sum("records", filter=Q(category=Category.DOUBLE_PUBLICITY)),
        decided=Sum("decided", filter=Q(category=Category.DOUBLE_PUBLICITY)),
        on_time=Sum("on_time", filter=Q(category=Category.DOUBLE_PUBLICITY)),
    ):
        target = rows.get(row["subject_region_id"])
        if target is None:
            continue
        for key in ("dishonest_public", "black_in_force", "red_in_force", "double_publicity"):
            target[key] = row[key] or 0
        target["timeliness"] = pct(row["on_time"] or 0, row["decided"] or 0)
    lp = LegalPersonFact.objects.filter(scope_q(principal, whole, department=None, item=None))
    for row in lp.values("region_id").annotate(n=Sum("subjects")):
        if row["region_id"] in rows:
            rows[row["region_id"]]["legal_persons"] = row["n"]
    objection_q = scope_q(
        principal,
        whole,
        region="record__region_id",
        department="record__department_id",
        item="record__item_id",
    )
    district = Coalesce("record__legal_person__region_id", "record__natural_person__region_id")
    for model, key in ((Objection, "objections"), (RepairApplication, "repairs")):
        qs = model.objects.filter(objection_q)
        qs = _created_between(qs, filters)
        for row in qs.annotate(district=district).values("district").annotate(n=Count("id")):
            if row["district"] in rows:
                rows[row["district"]][key] = row["n"]
    for code, row in rows.items():
        row["_link"] = f"{reverse('dashboard:index')}?{urlencode(filters.as_query(region=code))}"
        row["_filter"] = {"region": code}
    return Result(
        code="district_overview",
        title="各辖市区信用概况",
        unit="个",
        columns=[("district", "辖市区"), *MAP_METRICS.items()],
        rows=list(rows.values()),
        note=note(),
    )


def _created_between(qs: QuerySet, filters: Filters, field: str = "created_at") -> QuerySet:
    if filters.start:
        qs = qs.filter(**{f"{field}__date__gte": filters.start})
    if filters.end:
        qs = qs.filter(**{f"{field}__date__lt": add_months(filters.end, 1)})
    return qs


# --------------------------------------------------------------------------------------------
# 数据归集
# --------------------------------------------------------------------------------------------


def collection_summary(principal: Principal, filters: Filters) -> Result:
    from credit.ingest.models import Batch

    recs = record_facts(principal, filters, months=False)
    if filters.start:
        recs = recs.filter(arrived__gte=filters.start)
    if filters.end:
        recs = recs.filter(arrived__lte=filters.end)
    agg = recs.aggregate(
        total=Sum("records"),
        departments=Count("department_id", distinct=True),
        items=Count("item_id", distinct=True),
    )
    # This month's arrivals whatever the period chosen.
    month = month_start(today())
    this_month = (
        record_facts(principal, filters, months=False)
        .filter(arrived=month)
        .aggregate(n=Sum("records"))["n"]
    )
    batches = Batch.objects.filter(scope_q(principal, filters), created_at__date=today()).aggregate(
        n=Count("id")
    )["n"]
    rows = [
        {"metric": "来源部门", "value": agg["departments"] or 0, "_link": None},
        {"metric": "归集目录项", "value": agg["items"] or 0, "_link": None},
        {
            "metric": "归集数据量",
            "value": agg["total"] or 0,
            "_link": arrivals_link(filters, filters.start, filters.end),
        },
        {
            "metric": "本月新增",
            "value": this_month or 0,
            "_link": arrivals_link(filters, month, month),
        },
        {
            "metric": "今日批次",
            "value": batches,
            "_link": _link_if(principal, Perm.RECORD_VIEW, reverse("ingest:batches")),
        },
    ]
    return Result(
        "collection_summary",
        "归集概况",
        "条",
        [("metric", "指标"), ("value", "数量")],
        rows,
        note(),
    )


def collection_by_department(principal: Principal, filters: Filters) -> Result:
    recs = record_facts(principal, filters, months=False)
    if filters.start:
        recs = recs.filter(arrived__gte=filters.start)
    if filters.end:
        recs = recs.filter(arrived__lte=filters.end)
    labels = department_labels()
    rows = []
    for row in recs.values("department_id").annotate(n=Sum("records")).order_by("-n")[:20]:
        code, name = labels.get(row["department_id"], ("", "—"))
        rows.append(
            {
                "department": name,
                "records": row["n"],
                "_key": code,
                "_link": arrivals_link(filters, filters.start, filters.end, department=code),
                "_filter": {"department": code},
            }
        )
    return Result(
        "collection_by_department",
        "各部门报送量排名（前20）",
        "条",
        [("department", "部门"), ("records", "报送量")],
        rows,
        note(),
    )


def collection_trend(principal: Principal, filters: Filters) -> Result:
    start, end = period(filters, 12)
    recs = record_facts(principal, filters, months=False).filter(
        arrived__gte=start, arrived__lte=end
    )
    by_month = {r["arrived"]: r["n"] for r in recs.values("arrived").annotate(n=Sum("records"))}
    rows = [
        {
            "month": f"{m:%Y-%m}",
            "records": by_month.get(m, 0),
            "_key": f"{m:%Y-%m}",
            "_link": arrivals_link(filters, m, m),
        }
        for m in months_between(start, end)
    ]
    return Result(
        "collection_trend",
        "按月归集趋势",
        "条",
        [("month", "月份"), ("records", "归集量")],
        rows,
        note(),
    )


def quality_ranking(principal: Principal, filters: Filters) -> Result:
    from credit.ingest import quality

    # The statistic, not the batches: whoever sees the dashboard sees the ranking of its tenant.
    since = today() - datetime.timedelta(days=90)
    batches = quality.finished_batches(since).filter(
        principal.tenant_q(region="region_id", department="department_id")
    )
    if filters.department:
        batches = batches.filter(department__code=filters.department)
    if filters.region and not _is_city(filters.region):
        batches = batches.filter(region_id=filters.region)
    if filters.item:
        batches = batches.filter(item__code=filters.item)
    labels = department_labels()
    rows = []
    for row in quality.ranking(batches)[:20]:
        code, name = labels.get(row["department_id"], ("", "—"))
        rows.append(
            {
                "department": name,
                "score": row["score"],
                "volume": row["volume"],
                "_key": code,
                "_filter": {"department": code},
                "_link": _link_if(
                    principal,
                    Perm.RECORD_VIEW,
                    reverse("ingest:quality_department", args=[code]),
                ),
            }
        )
    return Result(
        "quality_ranking",
        "数据质量排名（近90天）",
        "分",
        [("department", "部门"), ("score", "质量得分"), ("volume", "报送行数")],
        rows,
        "近 90 天已处理的批次，按准确性、完整性、及时性综合得分",
    )


def batches_today(principal: Principal, filters: Filters) -> Result:
    from credit.ingest.models import Batch

    qs = (
        Batch.objects.filter(scope_q(principal, filters), created_at__date=today())
        .select_related("department", "item")
        .order_by("-created_at")[:20]
    )
    may_open = principal.has_perm(Perm.RECORD_VIEW)
    rows = [
        {
            "time": f"{timezone.localtime(b.created_at):%H:%M}",
            "department": b.department.short_name,
            "item": b.item.name,
            "status": b.get_status_display(),
            "rows": b.rows_in_file or 0,
            "_key": str(b.pk),
            "_link": reverse("ingest:batch", args=[b.pk]) if may_open else None,
        }
        for b in qs
    ]
    return Result(
        "batches_today",
        "今日报送批次",
        "批",
        [
            ("time", "时间"),
            ("department", "部门"),
            ("item", "目录项"),
            ("status", "状态"),
            ("rows", "行数"),
        ],
        rows,
        empty_text="今天还没有报送批次",
    )


# --------------------------------------------------------------------------------------------
# 信用主体
# --------------------------------------------------------------------------------------------


def _legal(principal: Principal, filters: Filters) -> QuerySet:
    return LegalPersonFact.objects.filter(scope_q(principal, filters, department=None, item=None))


def _by(
    principal: Principal,
    filters: Filters,
    field: str,
    labels: Iterable[tuple[Any, str]],
    code: str,
    title: str,
    param: str,
) -> Result:
    counts = {
        r[field]: r["n"]
        for r in _legal(principal, filters).values(field).annotate(n=Sum("subjects"))
    }
    rows = [
        {
            "label": label,
            "subjects": counts.get(value, 0),
            "_key": str(value),
            "_link": subjects_link(filters, **{param: value}),
        }
        for value, label in labels
        if counts.get(value)
    ]
    return Result(code, title, "户", [("label", "类别"), ("subjects", "主体数")], rows, note())


def legal_by_kind(principal: Principal, filters: Filters) -> Result:
    return _by(
        principal, filters, "kind", LegalPersonKind.choices, "legal_by_kind", "法人主体类别", "kind"
    )


def legal_by_industry(principal: Principal, filters: Filters) -> Result:
    return _by(
        principal,
        filters,
        "industry",
        [(v, f"{v} {label}") for v, label in Industry.choices],
        "legal_by_industry",
        "法人行业分布（GB/T 4754 门类）",
        "industry",
    )


def legal_by_capital(principal: Principal, filters: Filters) -> Result:
    return _by(
        principal,
        filters,
        "capital_band",
        [(code, label) for code, label, _, _ in facts.CAPITAL_BANDS],
        "legal_by_capital",
        "法人注册资本分布",
        "capital",
    )


def legal_by_age(principal: Principal, filters: Filters) -> Result:
    return _by(
        principal,
        filters,
        "age_band",
        [(code, label) for code, label, _, _ in facts.AGE_BANDS],
        "legal_by_age",
        "法人成立年限分布",
        "age",
    )


def legal_by_district(principal: Principal, filters: Filters) -> Result:
    counts = {
        r["region_id"]: r["n"]
        for r in _legal(principal, filters).values("region_id").annotate(n=Sum("subjects"))
    }
    natural = {
        r["region_id"]: r["n"]
        for r in NaturalPersonFact.objects.filter(
            scope_q(principal, filters, department=None, item=None)
        )
        .values("region_id")
        .annotate(n=Sum("subjects"))
    }
    rows = [
        {
            "district": r.name,
            "legal": counts.get(r.code, 0),
            "natural": natural.get(r.code, 0),
            "_key": r.code,
            "_filter": {"region": r.code},
            "_link": subjects_link(filters, region=r.code),
        }
        for r in districts()
        if counts.get(r.code) or natural.get(r.code)
    ]
    return Result(
        "legal_by_district",
        "信用主体区域分布",
        "个",
        [("district", "辖市区"), ("legal", "法人"), ("natural", "自然人")],
        rows,
        note(),
    )


def subjects_summary(principal: Principal, filters: Filters) -> Result:
    legal = _legal(principal, filters).aggregate(n=Sum("subjects"))["n"] or 0
    active = (
        _legal(principal, filters).filter(status="active").aggregate(n=Sum("subjects"))["n"] or 0
    )
    natural = (
        NaturalPersonFact.objects.filter(
            scope_q(principal, filters, department=None, item=None)
        ).aggregate(n=Sum("subjects"))["n"]
        or 0
    )
    rows = [
        {"metric": "法人主体", "value": legal, "_link": subjects_link(filters)},
        {
            "metric": "存续（在营）",
            "value": active,
            "_link": subjects_link(filters, status="active"),
        },
        {"metric": "自然人", "value": natural, "_link": None},
    ]
    return Result(
        "subjects_summary",
        "信用主体概况",
        "个",
        [("metric", "指标"), ("value", "数量")],
        rows,
        note(),
    )


# --------------------------------------------------------------------------------------------
# 信用状况
# --------------------------------------------------------------------------------------------


def records_by_severity(principal: Principal, filters: Filters) -> Result:
    qs = record_facts(principal, filters).filter(DISHONEST)
    counts = {r["severity"]: r["n"] for r in qs.values("severity").annotate(n=Sum("public"))}
    labels = [
        (Severity.SERIOUS, "严重失信"),
        (Severity.GENERAL, "一般失信"),
        (Severity.MINOR, "轻微失信"),
    ]
    rows = [
        {
            "label": label,
            "records": counts.get(value, 0),
            "_key": value,
            "_link": records_link(filters, severity=value, public=1),
        }
        for value, label in labels
    ]
    listed = counts.get("", 0)
    if listed:
        rows.append(
            {
                "label": "名单（未分级）",
                "records": listed,
                "_key": "listed",
                "_link": records_link(filters, severity="none", dishonest=1, public=1),
            }
        )
    return Result(
        "records_by_severity",
        "公示中的失信记录（按严重程度）",
        "条",
        [("label", "严重程度"), ("records", "记录数")],
        [r for r in rows if r["records"]],
        note(),
    )


def lists_in_force(principal: Principal, filters: Filters) -> Result:
    qs = record_facts(principal, filters, months=False).filter(category__in=LIST_CATEGORIES)
    counts = {r["category"]: r["n"] for r in qs.values("category").annotate(n=Sum("in_force"))}
    rows = [
        {
            "label": LIST_KIND_LABELS[c],
            "entries": counts.get(c, 0),
            "_key": str(c),
            # In force today, whatever the period chosen.
            "_link": records_link(replace(filters, start=None, end=None), category=c, in_force=1),
        }
        for c in LIST_CATEGORIES
    ]
    return Result(
        "lists_in_force",
        "有效名单（按类别）",
        "条",
        [("label", "名单"), ("entries", "有效名单数")],
        rows,
        note(),
    )


def credit_trend(principal: Principal, filters: Filters, months: int = 24) -> Result:
    """New dishonesty records by decision month, with the same month a year before, and the
    year-on-year and month-on-month change."""
    start, end = period(filters, months)
    qs = record_facts(principal, Filters(**{**filters.__dict__, "start": None, "end": None}))
    qs = qs.filter(DISHONEST, month__gte=add_months(start, -12), month__lte=end)
    by_month = {r["month"]: r["n"] for r in qs.values("month").annotate(n=Sum("records"))}
    rows = []
    for m in months_between(start, end):
        now = by_month.get(m, 0)
        year_before = by_month.get(add_months(m, -12), 0)
        month_before = by_month.get(add_months(m, -1), 0)
        rows.append(
            {
                "month": f"{m:%Y-%m}",
                "records": now,
                "year_before": year_before,
                "yoy": change(now, year_before),
                "mom": change(now, month_before),
                "_key": f"{m:%Y-%m}",
                "_link": records_link(
                    Filters(**{**filters.__dict__, "start": m, "end": m}), dishonest=1
                ),
            }
        )
    return Result(
        f"credit_trend_{months}" if months != 24 else "credit_trend",
        f"新增失信记录趋势（近{months}个月）",
        "条",
        [
            ("month", "月份"),
            ("records", "新增失信记录"),
            ("year_before", "去年同期"),
            ("yoy", "同比（%）"),
            ("mom", "环比（%）"),
        ],
        rows,
        note(),
    )


def credit_trend_12(principal: Principal, filters: Filters) -> Result:
    return credit_trend(principal, filters, 12)


# --------------------------------------------------------------------------------------------
# 信用应用
# --------------------------------------------------------------------------------------------


def publicity_volume(principal: Principal, filters: Filters) -> Result:
    start, end = period(filters, 12)
    qs = record_facts(principal, filters, months=False).filter(
        category=Category.DOUBLE_PUBLICITY, month__gte=start, month__lte=end
    )
    by_month = {
        r["month"]: r
        for r in qs.values("month").annotate(
            n=Sum("records"), decided=Sum("decided"), on_time=Sum("on_time")
        )
    }
    rows = []
    for m in months_between(start, end):
        row = by_month.get(m, {})
        rows.append(
            {
                "month": f"{m:%Y-%m}",
                "records": row.get("n", 0),
                "timeliness": pct(row.get("on_time", 0), row.get("decided", 0)),
                "_key": f"{m:%Y-%m}",
                "_link": records_link(
                    Filters(**{**filters.__dict__, "start": m, "end": m}),
                    category=Category.DOUBLE_PUBLICITY,
                ),
            }
        )
    return Result(
        "publicity_volume",
        "双公示数据量和7个工作日按时率",
        "条",
        [("month", "月份"), ("records", "双公示数据量"), ("timeliness", "按时率（%）")],
        rows,
        note(),
    )


def checks_feedback(principal: Principal, filters: Filters) -> Result:
    from credit.sanctions.models import Check, CheckFeedback

    checks = Check.objects.filter(
        scope_q(principal, filters, region="department__region_id", item=None)
    )
    months, by_month = _monthly(
        checks, filters, "checked_at", n=Count("id"), hits=Count("id", filter=Q(result="hit"))
    )
    _, fb = _monthly(
        CheckFeedback.objects.filter(check_ref__in=checks),
        filters,
        "created_at",
        n=Count("check_ref", distinct=True),
    )
    link = _link_if(principal, Perm.SANCTIONS_CHECK, reverse("sanctions:checks"))
    rows = [
        {
            "month": f"{m:%Y-%m}",
            "checks": by_month.get(m, {}).get("n", 0),
            "hits": by_month.get(m, {}).get("hits", 0),
            "feedback": fb.get(m, {}).get("n", 0),
            "_key": f"{m:%Y-%m}",
            "_link": link,
        }
        for m in months
    ]
    return Result(
        "checks_feedback",
        "联合奖惩核查和反馈",
        "次",
        [("month", "月份"), ("checks", "核查"), ("hits", "命中名单"), ("feedback", "已反馈")],
        rows,
    )


def _monthly(
    qs: QuerySet, filters: Filters, field: str, **counts: Any
) -> tuple[list[datetime.date], dict]:
    """The months of the period (default the last 12) and, by month of ``field``, the
    ``counts`` (default ``n``: rows) of ``qs``."""
    start, end = period(filters, 12)
    qs = _created_between(qs, Filters(start=start, end=end), field)
    data: dict = {}
    for r in (
        qs.annotate(m=TruncMonth(field)).values("m").annotate(**(counts or {"n": Count("id")}))
    ):
        m = r["m"].date() if isinstance(r["m"], datetime.datetime) else r["m"]
        data[m] = r
    return months_between(start, end), data


def objections_repairs(principal: Principal, filters: Filters) -> Result:
    from credit.objections.models import Objection, RepairApplication

    scope = scope_q(
        principal,
        filters,
        region="record__region_id",
        department="record__department_id",
        item="record__item_id",
    )
    months, objections = _monthly(Objection.objects.filter(scope), filters, "created_at")
    _, repairs = _monthly(RepairApplication.objects.filter(scope), filters, "created_at")
    link = _link_if(principal, Perm.OBJECTION_HANDLE, reverse("objections:stats")) or _link_if(
        principal, Perm.REPAIR_REVIEW, reverse("objections:stats")
    )
    rows = [
        {
            "month": f"{m:%Y-%m}",
            "objections": objections.get(m, {}).get("n", 0),
            "repairs": repairs.get(m, {}).get("n", 0),
            "_key": f"{m:%Y-%m}",
            "_link": link,
        }
        for m in months
    ]
    return Result(
        "objections_repairs",
        "异议和信用修复申请",
        "件",
        [("month", "月份"), ("objections", "异议"), ("repairs", "信用修复")],
        rows,
    )


def credit_reports(principal: Principal, filters: Filters) -> Result:
    """Credit reports (信用报告) by month: applications received and reports issued (the
    applications of the principal's tenant: the subject's region, or the department that
    applied)."""
    from credit.reports.models import Application, Report

    scope = scope_q(principal, filters, item=None)
    months, applied = _monthly(Application.objects.filter(scope), filters, "created_at")
    _, issued = _monthly(
        Report.objects.filter(application__in=Application.objects.filter(scope)),
        filters,
        "issued_at",
    )
    link = _link_if(principal, Perm.REPORT_VIEW, reverse("reports:stats"))
    rows = [
        {
            "month": f"{m:%Y-%m}",
            "applications": applied.get(m, {}).get("n", 0),
            "issued": issued.get(m, {}).get("n", 0),
            "_key": f"{m:%Y-%m}",
            "_link": link,
        }
        for m in months
    ]
    return Result(
        "credit_reports",
        "信用报告申请和出具",
        "份",
        [("month", "月份"), ("applications", "申请"), ("issued", "出具")],
        rows,
    )


def integrity_grades(principal: Principal, filters: Filters) -> Result:
    """The civil servants' integrity grades (公务员诚信等级) per district: counts only, no person
    (the city's own units under the city; civil servants of the principal's tenant — its
    district, or the units it manages)."""
    from credit.integrity.models import CivilServant

    scope = scope_q(principal, filters, region="region_id", department="unit_id", item=None)
    grades = ("A", "B", "C", "D")
    counts = {
        r["region_id"]: r
        for r in CivilServant.objects.filter(scope)
        .order_by()
        .values("region_id")
        .annotate(**{g: Count("id", filter=Q(grade=g)) for g in grades})
    }
    link = _link_if(principal, Perm.INTEGRITY_VIEW, reverse("integrity:distribution"))
    regions = [r for r in (city(), *districts()) if r is not None and r.code in counts]
    rows = [
        {
            "region": "市级单位" if r.parent_id is None else r.name,
            **{g: counts[r.code][g] for g in grades},
            "_key": r.code,
            "_link": link,
        }
        for r in regions
    ]
    return Result(
        "integrity_grades",
        "公务员诚信等级分布",
        "人",
        [("region", "区划"), *((g, f"{g} 档") for g in grades)],
        rows,
        empty_text="暂无公务员诚信档案",
    )


def commitment_coverage(principal: Principal, filters: Filters) -> Result:
    """Coverage of credit commitments against the city's targets (承诺覆盖率, tender lines
    441–445): the ratio and the target ratio of each target — the city's for city-wide viewers
    (or the district chosen in the filters), a district's for its administrator
    (:func:`credit.commitments.selectors.coverage.scope_for`)."""
    from credit.commitments.selectors import coverage

    scope = coverage.scope_for(principal)
    if scope.city_wide and filters.region and not _is_city(filters.region):
        scope = replace(scope, region=filters.region)
    link = _link_if(principal, Perm.COMMITMENT_VIEW, reverse("commitments:coverage"))
    figures = coverage.compute(scope=scope)
    rows = [
        {
            "target": coverage.SHORT_LABELS[f.target],
            "ratio": f.percent,
            "goal": f.target_percent,
            "_key": f.target,
            "_link": link and reverse("commitments:coverage_uncovered", args=[f.target]),
        }
        for f in figures
    ]
    if not any(f.total for f in figures):
        rows = []
    return Result(
        "commitment_coverage",
        "信用承诺覆盖率",
        "%",
        [("target", "指标"), ("ratio", "覆盖率"), ("goal", "目标")],
        rows,
        empty_text="暂无信用承诺",
    )


def api_calls(principal: Principal, filters: Filters) -> Result:
    from credit.gateway.models import CallLog

    scope = principal.tenant_q(region=None, department="department_id")
    if filters.department:
        scope &= Q(department__code=filters.department)
    since = today() - datetime.timedelta(days=29)
    qs = CallLog.objects.filter(scope, called_at__date__gte=since)
    by_day = {
        r["d"]: r
        for r in qs.annotate(d=TruncDate("called_at"))
        .values("d")
        .annotate(n=Count("id"), errors=Count("id", filter=Q(status__gte=400)))
    }
    link = _link_if(principal, Perm.API_CLIENT_MANAGE, reverse("gateway:stats")) or _link_if(
        principal, Perm.AUDIT_VIEW, reverse("gateway:stats")
    )
    rows = []
    for i in range(30):
        d = since + datetime.timedelta(days=i)
        r = by_day.get(d, {})
        rows.append(
            {
                "day": f"{d:%m-%d}",
                "calls": r.get("n", 0),
                "errors": r.get("errors", 0),
                "_key": d.isoformat(),
                "_link": link,
            }
        )
    return Result(
        "api_calls",
        "接口调用（近30天）",
        "次",
        [("day", "日期"), ("calls", "调用"), ("errors", "出错")],
        rows,
    )


def warnings_open(principal: Principal, filters: Filters) -> Result:
    from credit.alerts import selectors as alerts

    qs = alerts.visible(principal).filter(status__in=["open", "acknowledged"])
    if filters.region and not _is_city(filters.region):
        qs = qs.filter(region_id=filters.region)
    if filters.department:
        qs = qs.filter(department__code=filters.department)
    qs = qs.select_related("rule", "region", "department").order_by("-created_at")[:20]
    rows = [
        {
            "level": w.get_level_display(),
            "text": w.text,
            "created": f"{timezone.localtime(w.created_at):%m-%d %H:%M}",
            "_key": str(w.pk),
            "_link": reverse("alerts:detail", args=[w.pk]),
        }
        for w in qs
    ]
    return Result(
        "warnings_open",
        "待处理预警",
        "条",
        [("level", "级别"), ("text", "预警内容"), ("created", "时间")],
        rows,
        empty_text="暂无待处理预警",
    )


for _dataset in (
    Dataset(
        "district_overview",
        "各辖市区信用概况",
        "map",
        "各辖市区的法人主体、公示中的失信记录、有效红黑名单、双公示数据量和按时率、异议和修复",
        "个",
        ("map", "bar", "table"),
        district_overview,
    ),
    Dataset(
        "collection_summary",
        "归集概况",
        "collection",
        "来源部门、目录项、归集数据量、本月新增和今日批次",
        "条",
        ("number", "table"),
        collection_summary,
    ),
    Dataset(
        "collection_by_department",
        "各部门报送量排名",
        "collection",
        "按报送部门统计归集的信用记录数（前20名）",
        "条",
        ("bar", "table", "pie"),
        collection_by_department,
    ),
    Dataset(
        "quality_ranking",
        "数据质量排名",
        "collection",
        "近90天各部门报送数据的准确性、完整性、及时性综合得分",
        "分",
        ("bar", "table"),
        quality_ranking,
    ),
    Dataset(
        "collection_trend",
        "按月归集趋势",
        "collection",
        "每月入库的信用记录数",
        "条",
        ("line", "bar", "table"),
        collection_trend,
    ),
    Dataset(
        "batches_today",
        "今日报送批次",
        "collection",
        "今天收到的报送批次及处理状态",
        "批",
        ("table",),
        batches_today,
    ),
    Dataset(
        "subjects_summary",
        "信用主体概况",
        "subjects",
        "法人主体、存续法人和自然人数量",
        "个",
        ("number", "table"),
        subjects_summary,
    ),
    Dataset(
        "legal_by_kind",
        "法人主体类别",
        "subjects",
        "法人及非法人组织、个体工商户",
        "户",
        ("pie", "bar", "table"),
        legal_by_kind,
    ),
    Dataset(
        "legal_by_industry",
        "法人行业分布",
        "subjects",
        "按 GB/T 4754 国民经济行业门类统计法人主体",
        "户",
        ("bar", "pie", "table"),
        legal_by_industry,
    ),
    Dataset(
        "legal_by_district",
        "信用主体区域分布",
        "subjects",
        "各辖市区的法人和自然人数量",
        "个",
        ("bar", "map", "table"),
        legal_by_district,
    ),
    Dataset(
        "legal_by_capital",
        "法人注册资本分布",
        "subjects",
        "按注册资本（万元）区间统计法人主体",
        "户",
        ("bar", "pie", "table"),
        legal_by_capital,
    ),
    Dataset(
        "legal_by_age",
        "法人成立年限分布",
        "subjects",
        "按成立年限区间统计法人主体",
        "户",
        ("bar", "pie", "table"),
        legal_by_age,
    ),
    Dataset(
        "records_by_severity",
        "失信记录严重程度",
        "status",
        "公示中的失信记录按严重程度",
        "条",
        ("pie", "bar", "table"),
        records_by_severity,
    ),
    Dataset(
        "lists_in_force",
        "有效名单",
        "status",
        "有效期内的红名单、黑名单和重点关注名单",
        "条",
        ("bar", "pie", "table"),
        lists_in_force,
    ),
    Dataset(
        "credit_trend",
        "新增失信记录趋势（24个月）",
        "status",
        "按决定月份统计新增失信记录，含去年同期、同比和环比",
        "条",
        ("line", "bar", "table"),
        credit_trend,
    ),
    Dataset(
        "credit_trend_12",
        "新增失信记录趋势（12个月）",
        "status",
        "按决定月份统计新增失信记录，含去年同期、同比和环比",
        "条",
        ("line", "bar", "table"),
        credit_trend_12,
    ),
    Dataset(
        "publicity_volume",
        "双公示数据量和按时率",
        "applications",
        "每月双公示数据量及决定后7个工作日内报送的比例",
        "条",
        ("bar", "line", "table"),
        publicity_volume,
    ),
    Dataset(
        "checks_feedback",
        "联合奖惩核查和反馈",
        "applications",
        "每月核查次数、命中名单次数和已反馈的核查",
        "次",
        ("bar", "line", "table"),
        checks_feedback,
        optional=True,
    ),
    Dataset(
        "objections_repairs",
        "异议和信用修复",
        "applications",
        "每月收到的异议和信用修复申请",
        "件",
        ("bar", "line", "table"),
        objections_repairs,
        optional=True,
    ),
    Dataset(
        "credit_reports",
        "信用报告",
        "applications",
        "每月收到的信用报告申请和出具的报告",
        "份",
        ("bar", "line", "table"),
        credit_reports,
        optional=True,
    ),
    Dataset(
        "integrity_grades",
        "公务员诚信等级",
        "status",
        "各辖市区公务员诚信档案的 A、B、C、D 档人数（只有人数，不含个人信息）",
        "人",
        ("bar", "table"),
        integrity_grades,
        optional=True,
    ),
    Dataset(
        "commitment_coverage",
        "信用承诺覆盖率",
        "status",
        "主动和行业自律承诺覆盖在营法人、告知承诺和容缺受理事项使用、黑名单主体信用修复承诺的覆盖率和目标",
        "%",
        ("bar", "table"),
        commitment_coverage,
        optional=True,
    ),
    Dataset(
        "api_calls",
        "接口调用",
        "applications",
        "近30天每天的接口调用次数和出错次数",
        "次",
        ("line", "bar", "table"),
        api_calls,
        optional=True,
    ),
    Dataset(
        "warnings_open",
        "待处理预警",
        "applications",
        "待处理和已确认未关闭的预警",
        "条",
        ("table",),
        warnings_open,
        extra_perms=(Perm.WARNING_VIEW,),
    ),
):
    register(_dataset)
