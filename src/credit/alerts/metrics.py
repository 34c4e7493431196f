"""The metric registry (预警指标): what a warning rule can watch, each computed straight from the
source tables for a period, per district, department, the whole city or credit subject.

A metric answers :class:`Observation` s — one per thing it is about and period — and says
whether its value may be compared with its own average (:attr:`Metric.averageable`) and whether
its warnings are about a period (``per_period``: the key names the period, e.g. the records of
November) or about a state that lasts until it ends (objections past their deadline).

The five metrics (see each one's ``definition``):

- ``dishonesty_records`` 新增失信记录数: dishonesty records as the dashboards count them (black
  and attention list entries, records with a 失信严重程度 such as 行政处罚) decided in the period
  (their arrival day when they carry no decision date), revoked ones left out, by the subject's
  district (as the map), the reporting department or the city;
- ``publicity_timeliness`` 双公示报送及时率: of the 双公示 records decided in the period, the share
  that arrived within 7 working days (:func:`credit.core.workdays.deadline`);
- ``source_reports`` 来源部门报送数据量: for every active catalog item with a regular update
  period and each of its source departments, the rows accepted from that department in the
  item's last complete update period (for a daily item the last working day);
- ``overdue_objections`` 超期异议数: objections still open whose current step is past its
  deadline (:func:`credit.objections.selectors.step_due`), by the department the objection
  queue files them under (the verifying department, else the record's source department);
- ``blacklisted_licenses`` 新列入黑名单主体持有的有效行政许可数: for each subject whose black-list
  record arrived in the period, the 行政许可 records it holds that are active and valid today
  (0 when the black-list entry is no longer in force).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db import connection
from django.db.models import BooleanField, Count, DateField, ExpressionWrapper, F, Min, Q, Sum
from django.db.models.functions import Coalesce, Trunc, TruncDate
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from credit.alerts.constants import MetricCode, Subject
from credit.alerts.periods import Span, day_start, span_of
from credit.catalog.constants import Category, UpdatePeriod
from credit.catalog.models import CatalogItem
from credit.core.masking import mask_name
from credit.core.models import Department, Region
from credit.core.workdays import REPORTING_WORKING_DAYS, WorkdayCalendar
from credit.ingest.models import Batch
from credit.objections.constants import OPEN
from credit.objections.models import Objection
from credit.objections.selectors import step_due
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord
from credit.records.publicity import dishonest_q, valid_q

#: The 行政许可 item, whose valid records are the licences a blacklisted subject holds.
LICENSE_ITEM = "admin-license"


@dataclass(frozen=True)
class Observation:
    """The value of a metric for one thing (``entity``, a stable code such as
    ``district:320402``) in one period, with what a warning about it needs."""

    entity: str
    name: str
    span: Span
    value: Decimal | None  # None: nothing to measure (e.g. no record decided in the period)
    region_id: str | None = None
    department_id: int | None = None
    legal_person_id: int | None = None
    natural_person_id: int | None = None
    evidence_url: str = ""
    #: The time the value is about in words, e.g. 2026年11月 or 截至2026年12月6日.
    when: str = ""
    #: More facts for the warning's text, e.g. 共120条，按时报送102条。
    facts: str = ""


#: ``observe(subject, spans, today)`` → the observations of every thing of ``subject`` in each
#: of ``spans`` (consecutive periods, oldest first; one unless the metric is averageable).
Observe = Callable[[str, list[Span], datetime.date], list[Observation]]


@dataclass(frozen=True)
class Metric:
    """One metric of the registry."""

    code: str
    #: How the value reads inside a sentence, e.g. 新增失信记录.
    phrase: str
    unit: str
    definition: str
    #: What its warnings may be about; the first is the usual one.
    subjects: tuple[str, ...]
    observe: Observe
    #: May be compared with a ratio of its own average over the 12 previous periods.
    averageable: bool = True
    #: Its warnings are about one period (the key names the period); else about a state.
    per_period: bool = True
    #: Bounds of a sensible threshold.
    minimum: Decimal = Decimal(0)
    maximum: Decimal | None = None

    @property
    def label(self) -> str:
        return MetricCode(self.code).label


# --------------------------------------------------------------------------------------------
# What warnings are about: districts, departments, the city
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entity:
    entity: str
    name: str
    region_id: str | None
    department_id: int | None
    code: str  # the region's or department's code ("" for the city)


def _city() -> Region | None:
    return Region.objects.filter(level=Region.Level.CITY).order_by("sort_order", "code").first()


def _entities(subject: str) -> dict[object, _Entity]:
    """The things of ``subject`` keyed by the value their rows are grouped by (region code,
    department id, or None for the city)."""
    if subject == Subject.DISTRICT:
        return {
            r.code: _Entity(f"district:{r.code}", r.name, r.code, None, r.code)
            for r in Region.objects.filter(level=Region.Level.DISTRICT, is_active=True)
        }
    if subject == Subject.DEPARTMENT:
        return {
            d.pk: _Entity(f"department:{d.code}", str(d), d.region_id, d.pk, d.code)
            for d in Department.objects.filter(is_active=True)
        }
    city = _city()
    return {
        None: _Entity("city", city.name if city else "全市", city.code if city else None, None, "")
    }


#: The column of a record (or batch) its rows are grouped by, per subject.
_GROUP = {Subject.DISTRICT: "region_id", Subject.DEPARTMENT: "department_id", Subject.CITY: None}


def _link(name: str, query: dict[str, object] | None = None, args: Iterable = ()) -> str:
    """The page ``name`` with ``query``; "" when no such page is installed (the warning is
    raised all the same, without its link)."""
    try:
        url = reverse(name, args=list(args))
    except NoReverseMatch:
        return ""
    query = {k: v for k, v in (query or {}).items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


# --------------------------------------------------------------------------------------------
# 新增失信记录数
# --------------------------------------------------------------------------------------------


def _months(spans: list[Span]) -> dict[str, str]:
    """The dashboards' month filters covering ``spans`` (``from``/``to`` as YYYY-MM)."""
    return {"from": f"{spans[0].start:%Y-%m}", "to": f"{spans[-1].last_day:%Y-%m}"}


def _dishonesty(subject: str, spans: list[Span], today: datetime.date) -> list[Observation]:
    start, end, kind = spans[0].start, spans[-1].end, spans[0].kind
    day = Coalesce("decision_date", TruncDate("created_at"))
    qs = (
        CreditRecord.objects.filter(dishonest_q())
        .exclude(status=RecordStatus.REVOKED)
        .filter(
            Q(decision_date__gte=start, decision_date__lt=end)
            | Q(
                decision_date__isnull=True,
                created_at__gte=day_start(start),
                created_at__lt=day_start(end),
            )
        )
        .annotate(
            period=Trunc(day, kind, output_field=DateField()),
            district=Coalesce("legal_person__region_id", "natural_person__region_id"),
        )
    )
    group = {Subject.DISTRICT: "district", Subject.DEPARTMENT: "department_id"}.get(subject)
    rows = qs.values(*([group] if group else []), "period").annotate(n=Count("id")).order_by()
    counts = {(row.get(group) if group else None, row["period"]): row["n"] for row in rows}
    found = []
    for key, e in _entities(subject).items():
        for span in spans:
            where = {"region": e.code} if subject == Subject.DISTRICT else {"department": e.code}
            evidence = _link("dashboard:records", {**where, "dishonest": "1", **_months([span])})
            found.append(
                Observation(
                    entity=e.entity,
                    name=e.name,
                    span=span,
                    value=Decimal(counts.get((key, span.start), 0)),
                    region_id=e.region_id,
                    department_id=e.department_id,
                    evidence_url=evidence,
                    when=span.text,
                )
            )
    return found


# --------------------------------------------------------------------------------------------
# 双公示 7-working-day timeliness
# --------------------------------------------------------------------------------------------

_TIMELINESS_SQL = """
WITH due AS (
    SELECT * FROM unnest(%(days)s::date[], %(dues)s::date[]) AS d(decided, due)
)
SELECT {group} AS grp, date_trunc(%(kind)s, r.decision_date)::date AS period,
       count(*) AS total,
       count(*) FILTER (WHERE (r.created_at AT TIME ZONE %(tz)s)::date <= due.due) AS on_time
FROM records_creditrecord r
JOIN catalog_catalogitem i ON i.id = r.item_id AND i.category = %(category)s
JOIN due ON due.decided = r.decision_date
WHERE r.decision_date >= %(start)s AND r.decision_date < %(end)s AND r.status <> %(revoked)s
GROUP BY 1, 2
"""


def _timeliness(subject: str, spans: list[Span], today: datetime.date) -> list[Observation]:
    start, end, kind = spans[0].start, spans[-1].end, spans[0].kind
    calendar = WorkdayCalendar(start, end + datetime.timedelta(days=60))
    dues = calendar.deadlines(start, end - datetime.timedelta(days=1))
    group = {"region_id": "r.region_id", "department_id": "r.department_id", None: "NULL"}[
        _GROUP[subject]
    ]
    with connection.cursor() as cur:
        cur.execute(
            _TIMELINESS_SQL.format(group=group),
            {
                "days": list(dues),
                "dues": list(dues.values()),
                "kind": kind,
                "tz": timezone.get_current_timezone_name(),
                "category": Category.DOUBLE_PUBLICITY.value,
                "start": start,
                "end": end,
                "revoked": RecordStatus.REVOKED.value,
            },
        )
        counts = {(grp, period): (total, on_time) for grp, period, total, on_time in cur.fetchall()}
    found = []
    for key, e in _entities(subject).items():
        if subject == Subject.DEPARTMENT:
            evidence = _link("ingest:quality_department", args=[e.code])
        else:
            evidence = _link("ingest:quality")
        for span in spans:
            total, on_time = counts.get((key, span.start), (0, 0))
            value = (
                (Decimal(on_time) * 100 / Decimal(total)).quantize(Decimal("0.01"))
                if total
                else None
            )
            found.append(
                Observation(
                    entity=e.entity,
                    name=e.name,
                    span=span,
                    value=value,
                    region_id=e.region_id,
                    department_id=e.department_id,
                    evidence_url=evidence,
                    when=span.text,
                    facts=f"本期决定的双公示信息共{total}条，其中{on_time}条在决定后"
                    f"{REPORTING_WORKING_DAYS}个工作日内报送。",
                )
            )
    return found


# --------------------------------------------------------------------------------------------
# A source department that reported nothing for its item's period
# --------------------------------------------------------------------------------------------


def last_complete_span(
    update_period: str, today: datetime.date, calendar: WorkdayCalendar
) -> Span | None:
    """The item's last update period that has ended before ``today``: the last working day
    before today for a daily item, the previous week, month, quarter or year; None for an
    irregular one."""
    if update_period == UpdatePeriod.DAILY:
        day = calendar.add_working_days(today, -1)
        return span_of("day", day)
    kinds = {
        UpdatePeriod.WEEKLY: "week",
        UpdatePeriod.MONTHLY: "month",
        UpdatePeriod.QUARTERLY: "quarter",
        UpdatePeriod.YEARLY: "year",
    }
    kind = kinds.get(update_period)
    return span_of(kind, today).previous() if kind else None


def _source_reports(subject: str, spans: list[Span], today: datetime.date) -> list[Observation]:
    calendar = WorkdayCalendar(today - datetime.timedelta(days=40), today)
    items = (
        CatalogItem.objects.filter(is_active=True)
        .exclude(update_period=UpdatePeriod.IRREGULAR)
        .prefetch_related("source_departments")
        .order_by("sort_order", "code")
    )
    pairs: dict[Span, list[tuple[CatalogItem, Department]]] = defaultdict(list)
    for item in items:
        span = last_complete_span(item.update_period, today, calendar)
        if span is None:
            continue
        for department in item.source_departments.all():
            if department.is_active:
                pairs[span].append((item, department))
    found = []
    for span, wanted in pairs.items():
        rows = (
            Batch.objects.filter(
                status=Batch.Status.DONE,
                item_id__in={i.pk for i, _ in wanted},
                department_id__in={d.pk for _, d in wanted},
                created_at__gte=day_start(span.start),
                created_at__lt=day_start(span.end),
            )
            .values("item_id", "department_id")
            .annotate(rows=Sum(F("inserted") + F("updated") + F("unchanged")))
            .order_by()
        )
        accepted = {(r["item_id"], r["department_id"]): r["rows"] or 0 for r in rows}
        for item, department in wanted:
            found.append(
                Observation(
                    entity=f"department:{department.code}/item:{item.code}",
                    name=f"{department}「{item.name}」",
                    span=span,
                    value=Decimal(accepted.get((item.pk, department.pk), 0)),
                    region_id=department.region_id,
                    department_id=department.pk,
                    evidence_url=_link(
                        "ingest:batches",
                        {
                            "item": item.code,
                            "department": department.code,
                            "date_from": span.start.isoformat(),
                            "date_to": span.last_day.isoformat(),
                        },
                    ),
                    when=span.text,
                    facts=f"该目录项的更新周期为{item.get_update_period_display()}，"
                    f"{department}是其来源部门。",
                )
            )
    return found


# --------------------------------------------------------------------------------------------
# Objections past their deadline
# --------------------------------------------------------------------------------------------


def _overdue_objections(subject: str, spans: list[Span], today: datetime.date) -> list[Observation]:
    qs = (
        Objection.objects.filter(status__in=OPEN)
        .annotate(step_due=step_due())
        .filter(step_due__lt=today)
        .annotate(filed_under=Coalesce("department_id", "record__department_id"))
    )
    group = "filed_under" if subject == Subject.DEPARTMENT else None
    rows = qs.values(*([group] if group else [])).annotate(n=Count("id"), first=Min("step_due"))
    counts = {
        (row.get(group) if group else None): (row["n"], row["first"]) for row in rows.order_by()
    }
    span = spans[-1]
    found = []
    for key, e in _entities(subject).items():
        n, first = counts.get(key, (0, None))
        found.append(
            Observation(
                entity=e.entity,
                name=e.name,
                span=span,
                value=Decimal(n),
                region_id=e.region_id,
                department_id=e.department_id,
                evidence_url=_link(
                    "objections:manage",
                    {"status": "open", "overdue": "1", "department": e.code},
                ),
                when=f"截至{today.year}年{today.month}月{today.day}日",
                facts=f"其中最早的办理期限为{first:%Y-%m-%d}。" if first else "",
            )
        )
    return found


# --------------------------------------------------------------------------------------------
# A subject added to a black list that holds a valid licence
# --------------------------------------------------------------------------------------------


def _blacklisted_licenses(
    subject: str, spans: list[Span], today: datetime.date
) -> list[Observation]:
    span = spans[-1]
    listed_in_span = CreditRecord.objects.filter(
        item__category=Category.BLACK_LIST,
        created_at__gte=day_start(span.start),
        created_at__lt=day_start(span.end),
    )
    entries = list(
        listed_in_span.annotate(
            listed=ExpressionWrapper(valid_q(today), output_field=BooleanField())
        )
        .select_related("item", "department", "legal_person", "natural_person")
        .order_by("id")
    )
    if not entries:
        return []
    # The subjects as subqueries, not lists of ids: a month may list more subjects than a
    # query may carry parameters (a first import of historic lists).
    licences = (
        CreditRecord.objects.filter(item__code=LICENSE_ITEM)
        .filter(valid_q(today))
        .filter(
            Q(legal_person_id__in=listed_in_span.values("legal_person_id"))
            | Q(natural_person_id__in=listed_in_span.values("natural_person_id"))
        )
        .values("legal_person_id", "natural_person_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    held = {(r["legal_person_id"], r["natural_person_id"]): r["n"] for r in licences}
    by_subject: dict[tuple[int | None, int | None], list[CreditRecord]] = defaultdict(list)
    for e in entries:
        by_subject[(e.legal_person_id, e.natural_person_id)].append(e)
    found = []
    for (lp, np_), records in by_subject.items():
        first = records[0]
        if lp:
            person = first.legal_person
            name = f"{person.name}（{person.uscc or '无统一社会信用代码'}）"
            region = person.region_id
            evidence = _link("subjects:legal", args=[lp])
        else:
            person = first.natural_person
            name = f"{mask_name(person.name)}（{person.id_masked}）"
            region = person.region_id
            evidence = _link("subjects:natural", args=[np_])
        listed = any(r.listed for r in records)
        named = {
            f"{r.item.name}（{r.department}{'，' + r.document_no if r.document_no else ''}）"
            for r in records
        }
        lists = "、".join(sorted(named))
        found.append(
            Observation(
                entity=f"legal:{lp}" if lp else f"natural:{np_}",
                name=name,
                span=span,
                value=Decimal(held.get((lp, np_), 0) if listed else 0),
                region_id=region or first.region_id,
                department_id=first.department_id,
                legal_person_id=lp,
                natural_person_id=np_,
                evidence_url=evidence,
                when=f"{span.text}被列入黑名单后",
                facts=f"列入的黑名单：{lists}。",
            )
        )
    return found


# --------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------

METRICS: dict[str, Metric] = {
    m.code: m
    for m in (
        Metric(
            code=MetricCode.DISHONESTY_RECORDS,
            phrase="新增失信记录",
            unit="条",
            definition="统计周期内作出决定（无决定日期的按入库日期）的失信记录条数：黑名单、重点关注"
            "名单和有失信严重程度的信息（行政处罚），已撤销的不计。按信用主体所在辖市区（与一张图"
            "的地图相同）、报送部门或全市统计。",
            subjects=(Subject.DISTRICT, Subject.DEPARTMENT, Subject.CITY),
            observe=_dishonesty,
        ),
        Metric(
            code=MetricCode.PUBLICITY_TIMELINESS,
            phrase="双公示信息7个工作日内报送及时率",
            unit="%",
            definition="统计周期内作出决定的双公示信息（行政许可、行政处罚）中，在决定之日后"
            "7个工作日内（按国务院公布的节假日和调休计算）入库的占比。本期没有决定的信息时不计算。",
            subjects=(Subject.DEPARTMENT, Subject.DISTRICT, Subject.CITY),
            observe=_timeliness,
            maximum=Decimal(100),
        ),
        Metric(
            code=MetricCode.SOURCE_REPORTS,
            phrase="报送数据",
            unit="条",
            definition="每个按固定周期更新的目录项，其每个来源部门在该目录项最近一个已结束的"
            "更新周期内（每天更新的为上一个工作日）报送并被接收的数据条数。统计周期由目录项的"
            "更新周期决定（规则的统计周期不起作用）；人工关闭的预警在该目录项的下一个周期前"
            "不再提醒。",
            subjects=(Subject.DEPARTMENT,),
            observe=_source_reports,
            averageable=False,
        ),
        Metric(
            code=MetricCode.OVERDUE_OBJECTIONS,
            phrase="超过办理期限仍未办结的异议",
            unit="件",
            definition="尚未办结、当前环节（受理、核实或办结）已超过办理期限的异议件数，按异议"
            "处理列表的部门归属统计（已转办的按核实部门，其余按信息来源部门）。这是当前状态，"
            "异议办结或不再超期时预警自动关闭。",
            subjects=(Subject.DEPARTMENT, Subject.CITY),
            observe=_overdue_objections,
            averageable=False,
            per_period=False,
        ),
        Metric(
            code=MetricCode.BLACKLISTED_LICENSES,
            phrase="仍持有的有效行政许可",
            unit="项",
            definition="统计周期内新入库黑名单记录的信用主体，当前持有的有效行政许可（状态有效、"
            "在有效期内）项数；黑名单已不在有效期内的按0计。每个主体一条预警。",
            subjects=(Subject.SUBJECT,),
            observe=_blacklisted_licenses,
            averageable=False,
        ),
    )
}


def get(code: str) -> Metric:
    """The metric ``code``; ``KeyError`` for an unknown one."""
    return METRICS[code]
