"""What waits for a member of staff (待办) and the few figures of their scope (关键数字), for the
workbench (工作台).

Each task is counted with the scoped selector of the app that owns it, so a user counts what
the lists it links to would show them: objections to accept (受理) and to decide for the credit
office, verifications due for a department's officers (核实), repair applications to review,
credit report applications waiting for their material review or second review (信用报告),
recent batches with rejected rows or refused files in the tenant, push deliveries failing,
open warnings, a unit's annual collection (年度归集) of this year while it waits for the
unit's report, and credit commitments waiting for review and suspected breaches to confirm or
dismiss (信用承诺). A task is counted in one aggregate query; the nearest deadline is read in the
same query and told in working days (one calendar query for the page).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Min, Q, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from credit.core.access import Perm, Principal, principal_of
from credit.core.workdays import WorkdayCalendar

#: Batches received within this many days count as recent.
RECENT_DAYS = 30


@dataclass
class Task:
    """One kind of work waiting: how many, the list that shows them, how many are past their
    deadline (and the list of those), and the nearest deadline of the others."""

    key: str
    label: str
    count: int
    url: str
    hint: str = ""
    overdue: int = 0
    overdue_url: str = ""
    due: datetime.date | None = None
    due_text: str = ""
    #: Lines under the count (the newest warnings …): ``{"text", "url", "level"}``.
    items: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Figure:
    """A key figure of the user's scope, with the list it counts when the user may open one."""

    key: str
    label: str
    value: int
    unit: str
    url: str = ""


def _url(name: str, **query: Any) -> str:
    """The address of a list with its filters ("" when the page is not installed)."""
    try:
        base = reverse(name)
    except NoReverseMatch:
        return ""
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{base}?{urlencode(query)}" if query else base


# --------------------------------------------------------------------------------------------
# Tasks
# --------------------------------------------------------------------------------------------


def _objection_tasks(p: Principal) -> list[Task]:
    from credit.objections.constants import ObjectionStatus as S
    from credit.objections.selectors import objections_for

    handles = p.has_perm(Perm.OBJECTION_HANDLE)
    verifies = p.has_perm(Perm.OBJECTION_VERIFY) and p.department_id is not None
    if not (handles or verifies):
        return []
    # (key, label, status, hint); the credit office accepts and decides, a department
    # verifies the tasks assigned to it. The deadline is the step's (``step_due``, as the
    # list's overdue filter reads it).
    steps = []
    if handles:
        steps += [
            ("accept", "待受理的异议", S.SUBMITTED, "审查后受理或不予受理"),
            ("assign", "已受理待转办的异议", S.ACCEPTED, "转来源部门核实或直接决定"),
            ("decide", "部门已核实待决定的异议", S.VERIFIED, "更正、撤销或维持"),
        ]
    if verifies:
        steps.append(("verify", "待本部门核实的异议", S.VERIFYING, "提交核实意见"))
    today = timezone.localdate()
    mine = Q(department_id=p.department_id) if verifies else Q()
    counts: dict[str, Any] = {}
    for key, _, status, _ in steps:
        where = Q(status=status) & (mine if status == S.VERIFYING else Q())
        counts[key] = Count("id", filter=where)
        counts[f"{key}_overdue"] = Count("id", filter=where & Q(step_due__lt=today))
        counts[f"{key}_due"] = Min("step_due", filter=where & Q(step_due__gte=today))
    row = objections_for(p).order_by().aggregate(**counts)
    return [
        Task(
            key=f"objections_{key}",
            label=label,
            count=row[key],
            url=_url("objections:manage", status=status),
            hint=hint,
            overdue=row[f"{key}_overdue"],
            overdue_url=_url("objections:manage", status=status, overdue="on"),
            due=row[f"{key}_due"],
        )
        for key, label, status, hint in steps
    ]


def _repair_tasks(p: Principal) -> list[Task]:
    from credit.objections.constants import RepairStatus
    from credit.objections.selectors import repairs_for

    if not p.has_perm(Perm.REPAIR_REVIEW):
        return []
    today = timezone.localdate()
    waiting = Q(status=RepairStatus.SUBMITTED)
    row = (
        repairs_for(p)
        .order_by()
        .aggregate(
            count=Count("id", filter=waiting),
            overdue=Count("id", filter=waiting & Q(due__lt=today)),
            due=Min("due", filter=waiting & Q(due__gte=today)),
        )
    )
    status = RepairStatus.SUBMITTED
    return [
        Task(
            key="repairs",
            label="待审核的信用修复申请",
            count=row["count"],
            url=_url("objections:repairs", status=status),
            hint="准予修复或不予修复",
            overdue=row["overdue"],
            overdue_url=_url("objections:repairs", status=status, overdue="on"),
            due=row["due"],
        )
    ]


def _report_tasks(p: Principal) -> list[Task]:
    from credit.reports.constants import ApplicationStatus as S
    from credit.reports.selectors import applications_for

    if not p.has_perm(Perm.REPORT_REVIEW):
        return []
    # (key, label, status, hint): material review, then the second review by another person.
    steps = [
        ("review", "待初审的信用报告申请", S.SUBMITTED, "核对申请材料，初审通过或退回"),
        ("approve", "待复核的信用报告申请", S.REVIEWED, "由另一名审核人员复核并签发"),
    ]
    today = timezone.localdate()
    counts: dict[str, Any] = {}
    for key, _, status, _ in steps:
        where = Q(status=status)
        counts[key] = Count("id", filter=where)
        counts[f"{key}_overdue"] = Count("id", filter=where & Q(due__lt=today))
        counts[f"{key}_due"] = Min("due", filter=where & Q(due__gte=today))
    row = applications_for(p).order_by().aggregate(**counts)
    return [
        Task(
            key=f"reports_{key}",
            label=label,
            count=row[key],
            url=_url("reports:applications", status=status),
            hint=hint,
            overdue=row[f"{key}_overdue"],
            overdue_url=_url("reports:applications", status=status, overdue="on"),
            due=row[f"{key}_due"],
        )
        for key, label, status, hint in steps
    ]


def _batch_tasks(p: Principal) -> list[Task]:
    from credit.ingest.selectors import BATCH_STATES, batches_for

    # Who acts on rejections: those who report, and the reviewers of the data.
    if not (p.has_perm(Perm.RECORD_VIEW) and p.has_any((Perm.RECORD_SUBMIT, Perm.RECORD_REVIEW))):
        return []
    since = timezone.localdate() - datetime.timedelta(days=RECENT_DAYS)
    row = (
        batches_for(p)
        .filter(created_at__date__gte=since)
        .order_by()
        .aggregate(
            rows=Count("id", filter=BATCH_STATES["rejected"][1]),
            refused=Count("id", filter=BATCH_STATES["refused"][1]),
            stalled=Count("id", filter=BATCH_STATES["stalled"][1]),
        )
    )
    return [
        Task(
            key="batches_rejected_rows",
            label=f"近{RECENT_DAYS}天有退回行的批次",
            count=row["rows"],
            url=_url("ingest:batches", state="rejected", date_from=since.isoformat()),
            hint="下载退回行模板，更正后重新报送",
        ),
        Task(
            key="batches_refused",
            label=f"近{RECENT_DAYS}天被拒收的文件",
            count=row["refused"],
            url=_url("ingest:batches", state="refused", date_from=since.isoformat()),
            hint="按拒收原因修改文件后重新上传",
        ),
        Task(
            key="batches_stalled",
            label=f"近{RECENT_DAYS}天处理中断的批次",
            count=row["stalled"],
            url=_url("ingest:batches", state="stalled", date_from=since.isoformat()),
            hint="在批次页面继续处理",
        ),
    ]


def _delivery_tasks(p: Principal) -> list[Task]:
    from credit.events.models import Delivery
    from credit.events.selectors import deliveries_for

    if not p.has_perm(Perm.API_CLIENT_MANAGE):
        return []
    row = (
        deliveries_for(p)
        .order_by()
        .aggregate(
            failed=Count("id", filter=Q(status=Delivery.Status.FAILED)),
            retrying=Count("id", filter=Q(status=Delivery.Status.RETRYING)),
        )
    )
    return [
        Task(
            key="deliveries_failed",
            label="推送失败的名单变更",
            count=row["failed"],
            url=_url("push:deliveries", status=Delivery.Status.FAILED),
            hint="检查接收地址后重新推送",
        ),
        Task(
            key="deliveries_retrying",
            label="正在重试的推送",
            count=row["retrying"],
            url=_url("push:deliveries", status=Delivery.Status.RETRYING),
            hint="系统按 1 分钟、5 分钟……逐步延后重试",
        ),
    ]


def _warning_tasks(p: Principal) -> list[Task]:
    if not p.has_perm(Perm.WARNING_VIEW):
        return []
    from credit.alerts import selectors as alerts

    count = alerts.open_count(p)
    newest = alerts.open_for(p, 5) if count else []
    return [
        Task(
            key="warnings",
            label="待处理的预警",
            count=count,
            url=_url("alerts:list", status="open"),
            hint="查看依据，确认或关闭",
            items=[
                {
                    "text": w.text,
                    "url": w.evidence_url,
                    "level": w.level,
                    "level_label": w.get_level_display(),
                }
                for w in newest
            ],
        )
    ]


def _collection_tasks(p: Principal) -> list[Task]:
    from credit.integrity.constants import TaskStatus
    from credit.integrity.selectors.collection import waiting_task_of

    task = waiting_task_of(p)
    if task is None:
        return []
    today = timezone.localdate()
    overdue = task.status == TaskStatus.OVERDUE or task.deadline < today
    url = _url("integrity:collection", year=task.year)
    return [
        Task(
            key="collection",
            label="年度归集",
            count=1,
            url=url,
            hint=f"报送本单位公务人员{task.year - 1}年度的基础信息、考核结果、党员评议和处理信息，"
            f"截止 {task.deadline:%Y-%m-%d}",
            overdue=1 if overdue else 0,
            overdue_url=url,
            due=None if overdue else task.deadline,
        )
    ]


def _commitment_tasks(p: Principal) -> list[Task]:
    from credit.commitments.constants import Status, SuspicionStatus
    from credit.commitments.selectors import commitments_for

    if not p.has_perm(Perm.COMMITMENT_REVIEW):
        return []
    # Both in one query: a suspicion is the tenant's when its commitment is.
    row = (
        commitments_for(p)
        .order_by()
        .aggregate(
            waiting=Count("id", filter=Q(status=Status.SUBMITTED), distinct=True),
            suspected=Count("suspicions", filter=Q(suspicions__status=SuspicionStatus.OPEN)),
        )
    )
    waiting, suspected = row["waiting"], row["suspected"]
    return [
        Task(
            key="commitments_review",
            label="待审核的信用承诺",
            count=waiting,
            url=_url("commitments:index", status=Status.SUBMITTED),
            hint="核对承诺书，审核通过后公示或退回",
        ),
        Task(
            key="commitments_suspicions",
            label="疑似违诺",
            count=suspected,
            url=_url("commitments:suspicions"),
            hint="承诺人在承诺领域受到处罚，确认违诺或排除",
        ),
    ]


def tasks_for(actor: Any) -> list[Task]:
    """What waits for ``actor``, by kind, each kind its role may act on (a count of 0 says
    that nothing waits); with the nearest deadline in working days."""
    p = principal_of(actor)
    tasks = [
        *_objection_tasks(p),
        *_repair_tasks(p),
        *_report_tasks(p),
        *_batch_tasks(p),
        *_delivery_tasks(p),
        *_warning_tasks(p),
        *_collection_tasks(p),
        *_commitment_tasks(p),
    ]
    dues = [t.due for t in tasks if t.due and t.count]
    if dues:
        today = timezone.localdate()
        calendar = WorkdayCalendar(today, max(dues))
        for task in tasks:
            if task.due and task.count:
                task.due_text = due_text(task.due, today, calendar)
    return tasks


def due_text(due: datetime.date, today: datetime.date, calendar: WorkdayCalendar) -> str:
    """A deadline not yet past, in words: 今日到期 or 剩余 N 个工作日."""
    days = calendar.working_days_between(today, due)
    return "今日到期" if days <= 0 else f"剩余 {days} 个工作日"


# --------------------------------------------------------------------------------------------
# Key figures
# --------------------------------------------------------------------------------------------


def figures_for(actor: Any) -> tuple[list[Figure], str]:
    """The key figures of ``actor``'s scope (its tenant: the city, its district, its
    department) and a note saying when they were counted. Records, list entries in force and
    legal persons are read from the dashboards' pre-aggregated counts
    (:mod:`credit.dashboard.models`, the numbers the 一张图 shows); the batches of this month
    from the batches themselves."""
    from credit.catalog.constants import LIST_KINDS
    from credit.dashboard.facts import REFRESH_MINUTES
    from credit.dashboard.models import LegalPersonFact, RecordFact, Snapshot
    from credit.ingest.models import Batch

    p = principal_of(actor)
    if not p.is_authenticated:
        return [], ""
    dashboards = p.has_perm(Perm.DASHBOARD_VIEW)
    lists = p.has_perm(Perm.RECORD_VIEW)
    month = timezone.localdate().replace(day=1)
    batches = (
        Batch.objects.filter(p.tenant_q(region="region_id", department="department_id"))
        .filter(created_at__date__gte=month)
        .count()
    )
    figures = []
    snapshot = Snapshot.objects.filter(id=1).first()
    note = ""
    if snapshot is not None:
        records = RecordFact.objects.filter(
            p.tenant_q(region="region_id", department="department_id")
        ).aggregate(
            records=Sum("records"),
            in_force=Sum("in_force", filter=Q(category__in=LIST_KINDS)),
        )
        # A district's, or a department's region's (the city's: every district's too).
        where = Q() if p.city_wide else Q(region_id=p.region_id) | Q(region__parent_id=p.region_id)
        legal = LegalPersonFact.objects.filter(where).aggregate(n=Sum("subjects"))["n"] or 0
        figures += [
            Figure(
                "records",
                "信用记录",
                records["records"] or 0,
                "条",
                _url("dashboard:records") if dashboards else "",
            ),
            Figure(
                "legal_persons",
                # A department's figure is its area's (the register knows no department).
                "所在地区法人和非法人组织" if p.departments is not None else "法人和非法人组织",
                legal,
                "户",
                _url("dashboard:subjects") if dashboards else "",
            ),
            Figure(
                "list_entries",
                "名单有效记录",
                records["in_force"] or 0,
                "条",
                _url("sanctions:lists", state="in_force") if lists else "",
            ),
        ]
        refreshed = timezone.localtime(snapshot.refreshed_at)
        note = (
            f"信用记录、主体和名单数截至 {refreshed:%m-%d %H:%M}（每 {REFRESH_MINUTES} 分钟更新），"
            "报送批次为实时数。"
        )
    else:
        note = "统计快照尚未生成，信用记录、主体和名单数将在首次统计后显示。"
    figures.append(
        Figure(
            "batches_month",
            "本月报送批次",
            batches,
            "批",
            _url("ingest:batches", date_from=month.isoformat()) if lists else "",
        )
    )
    return figures, note
