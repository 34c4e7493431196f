"""The annual collection (年度归集, seed L160–L167): every February, with the filing of the
annual assessment, each unit reports the basic information, assessment results, party reviews
and handling of its civil servants (the items of
:data:`~credit.integrity.constants.ANNUAL_ITEMS`) through the usual ingest pipeline, by a
deadline the city's credit office sets.

Which departments are units (归集单位) of a year — decided here once, for the task list, the
workbench and the export alike:

- every active department that has civil servants in the archive (their 工作单位);
- every active department that is a source of one of the annual items (人社局, 组织部, 机关工委 …);
- every active department that holds an active 组织人事部门 (``org_hr``) account — the unit has
  someone to report for it even before its civil servants are in the archive.

A task's status follows the batches of the annual items the department delivered from
1 February of the year until the next year's collection begins (:func:`refresh`): a batch
counts when its processing finished (a file refused as a whole or still running does not);
the task is 已报送 when the first batch that brought accepted rows arrived by the deadline,
逾期报送 when it arrived later, 逾期未报送 once the deadline passed without one, else 待报送.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Sum
from django.utils import timezone

from credit.core import audit
from credit.core.access import Perm, principal_of
from credit.core.errors import PermissionDenied, ValidationFailed
from credit.core.models import Department
from credit.integrity.constants import ANNUAL_ITEMS, TaskStatus
from credit.integrity.models import CivilServant, CollectionTask

#: The month the collection of a year begins (February: with the annual assessment).
START_MONTH = 2
#: The years a collection may be opened for.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def window(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """When batches count for the collection of ``year``: from 1 February of the year (local
    time) until 1 February of the next, when the next collection begins."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, START_MONTH, 1, tzinfo=tz)
    return start, start.replace(year=year + 1)


def units_q() -> Q:
    """The units of the collection (see the module's rule), as a filter on departments."""
    from credit.accounts.models import User
    from credit.accounts.roles import Role
    from credit.catalog.models import CatalogItem

    sources = CatalogItem.source_departments.through.objects.filter(
        department_id=OuterRef("pk"), catalogitem__code__in=ANNUAL_ITEMS
    )
    return Q(is_active=True) & (
        Exists(CivilServant.objects.filter(unit_id=OuterRef("pk")))
        | Exists(sources)
        | Exists(
            User.objects.filter(department_id=OuterRef("pk"), role=Role.ORG_HR, is_active=True)
        )
    )


def unit_ids() -> set[int]:
    """The ids of the departments that are units of the collection now."""
    return set(Department.objects.filter(units_q()).values_list("pk", flat=True))


def _check_dates(year: Any, deadline: Any) -> tuple[int, datetime.date]:
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(
            f"归集年度应为 {FIRST_YEAR}–{LAST_YEAR} 年之间的年份", code="year_invalid"
        )
    if not isinstance(deadline, datetime.date):
        raise ValidationFailed("请填写截止日期", code="deadline_required")
    start = datetime.date(year, START_MONTH, 1)
    if not start <= deadline <= datetime.date(year, 12, 31):
        raise ValidationFailed(
            f"{year}年度归集的截止日期应在 {start:%Y-%m-%d} 至 {year}-12-31 之间"
            "（年度归集自每年2月开始）",
            code="deadline_invalid",
        )
    return year, deadline


@transaction.atomic
def open_year(*, actor: Any, year: int, deadline: datetime.date) -> int:
    """Open the annual collection of ``year`` (下达年度归集任务): a task with ``deadline`` for
    every unit that has none yet; the deadline of the year's existing tasks is set to
    ``deadline`` too (a postponement is opening the year again). Only the city's credit office
    does it (``integrity.manage`` city-wide). Idempotent: opening a year twice creates no
    second task. Statuses are refreshed at once. Returns how many tasks were created."""
    p = principal_of(actor)
    p.require(Perm.INTEGRITY_MANAGE)
    if not p.city_wide:
        raise PermissionDenied(
            "年度归集任务由市信用办统一下达，请联系市信用办", code="collection_city_only"
        )
    year, deadline = _check_dates(year, deadline)
    units = unit_ids()
    have = set(CollectionTask.objects.filter(year=year).values_list("department_id", flat=True))
    created = CollectionTask.objects.bulk_create(
        [
            CollectionTask(year=year, department_id=pk, deadline=deadline)
            for pk in sorted(units - have)
        ]
    )
    moved = (
        CollectionTask.objects.filter(year=year)
        .exclude(deadline=deadline)
        .update(deadline=deadline)
    )
    refresh(year)
    audit.record(
        "integrity.collection_opened",
        actor=actor,
        object_type=CollectionTask._meta.label_lower,
        object_id=str(year),
        object_repr=f"{year}年度归集",
        after={
            "year": year,
            "deadline": deadline.isoformat(),
            "created": len(created),
            "deadline_changed": moved,
            "units": len(units | have),
        },
    )
    return len(created)


def _status(
    submitted_at: datetime.datetime | None, deadline: datetime.date, today: datetime.date
) -> str:
    if submitted_at is not None:
        arrived = timezone.localtime(submitted_at).date()
        return TaskStatus.SUBMITTED if arrived <= deadline else TaskStatus.LATE
    return TaskStatus.OVERDUE if today > deadline else TaskStatus.PENDING


@transaction.atomic
def refresh(year: int, *, today: datetime.date | None = None) -> int:
    """Set the status, batch count, accepted rows and submission time of every task of
    ``year`` from the batches of the annual items its department delivered in the year's
    window (:func:`window`); see the module for the rule. One aggregate query; only the tasks
    whose figures changed are written. Idempotent (the daily job runs it for the current
    year). Returns how many tasks changed."""
    from credit.ingest.models import Batch

    today = today or timezone.localdate()
    tasks = list(CollectionTask.objects.select_for_update().filter(year=year))
    if not tasks:
        return 0
    start, end = window(year)
    accepted = F("total") - F("rejected")
    facts = {
        row["department_id"]: row
        for row in Batch.objects.filter(
            department_id__in=[t.department_id for t in tasks],
            item__code__in=ANNUAL_ITEMS,
            status=Batch.Status.DONE,
            created_at__gte=start,
            created_at__lt=end,
        )
        .values("department_id")
        .annotate(
            batches=Count("id"),
            rows=Sum(accepted),
            first=Min("created_at", filter=Q(total__gt=F("rejected"))),
        )
        .order_by()
    }
    changed = []
    for task in tasks:
        row = facts.get(task.department_id, {})
        new = {
            "batches": row.get("batches") or 0,
            "rows": row.get("rows") or 0,
            "submitted_at": row.get("first"),
        }
        new["status"] = _status(new["submitted_at"], task.deadline, today)
        if any(getattr(task, k) != v for k, v in new.items()):
            for k, v in new.items():
                setattr(task, k, v)
            changed.append(task)
    if changed:
        now = timezone.now()
        for task in changed:
            task.updated_at = now
        CollectionTask.objects.bulk_update(
            changed, ["status", "batches", "rows", "submitted_at", "updated_at"]
        )
    return len(changed)
