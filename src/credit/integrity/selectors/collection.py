"""Scoped reads of the annual collection tasks (年度归集任务).

A task is read by whoever manages its unit (:meth:`~credit.core.access.Principal.tenant_q` on
the task's department): the city's credit office every task, a district's administrator the
tasks of its district's departments, a unit's own officers — its 组织人事部门 officers and the
officers who report its data — the task of their own department. Reading needs one of the
permissions of :data:`SEES`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from credit.core.access import Perm, principal_of
from credit.integrity.constants import TaskStatus
from credit.integrity.models import CollectionTask

#: Any one of them opens the task list: archive readers, integrity managers, and the officers
#: who report a unit's data.
SEES = (Perm.INTEGRITY_VIEW, Perm.INTEGRITY_MANAGE, Perm.RECORD_SUBMIT)
#: The statuses of a task still waiting for the unit's report.
WAITING = (TaskStatus.PENDING, TaskStatus.OVERDUE)


def may_see(actor: Any) -> bool:
    return principal_of(actor).has_any(SEES)


def tasks_for(actor: Any) -> QuerySet[CollectionTask]:
    """The tasks ``actor`` may read (every year), with their department and its region;
    ``PermissionDenied`` without any of :data:`SEES`."""
    p = principal_of(actor)
    if not p.has_any(SEES):
        p.require(Perm.INTEGRITY_VIEW)
    return CollectionTask.objects.select_related("department", "department__region").filter(
        p.tenant_q(region="department__region_id", department="department_id")
    )


def filtered_tasks(
    actor: Any,
    *,
    year: int,
    status: str = "",
    region: str = "",
    q: str = "",
    today: datetime.date | None = None,
) -> QuerySet[CollectionTask]:
    """The tasks of ``year`` ``actor`` may read, narrowed by status (``overdue`` also finds a
    task still waiting whose deadline passed since the last refresh), region and a part of the
    unit's name; the waiting ones first, by deadline, then by the unit's order."""
    today = today or timezone.localdate()
    qs = tasks_for(actor).filter(year=year)
    if status == TaskStatus.OVERDUE:
        qs = qs.filter(
            Q(status=TaskStatus.OVERDUE) | Q(status=TaskStatus.PENDING, deadline__lt=today)
        )
    elif status == TaskStatus.PENDING:
        qs = qs.filter(status=TaskStatus.PENDING, deadline__gte=today)
    elif status in TaskStatus.values:
        qs = qs.filter(status=status)
    if region:
        qs = qs.filter(department__region_id=region)
    if q:
        qs = qs.filter(Q(department__name__icontains=q) | Q(department__short_name__icontains=q))
    return qs.order_by("department__region__sort_order", "department__sort_order", "department_id")


def summary(actor: Any, *, year: int, today: datetime.date | None = None) -> dict[str, int]:
    """How many of the year's tasks ``actor`` may read are in each status (a waiting task past
    its deadline counts as overdue), and the total."""
    today = today or timezone.localdate()
    late = Q(status=TaskStatus.PENDING, deadline__lt=today)
    row = (
        tasks_for(actor)
        .filter(year=year)
        .order_by()
        .aggregate(
            total=Count("id"),
            pending=Count("id", filter=Q(status=TaskStatus.PENDING) & ~late),
            submitted=Count("id", filter=Q(status=TaskStatus.SUBMITTED)),
            late=Count("id", filter=Q(status=TaskStatus.LATE)),
            overdue=Count("id", filter=Q(status=TaskStatus.OVERDUE) | late),
        )
    )
    return row


def years_for(actor: Any) -> list[int]:
    """The years that have tasks ``actor`` may read, newest first."""
    return list(tasks_for(actor).order_by("-year").values_list("year", flat=True).distinct()[:50])


def shown_status(task: CollectionTask, today: datetime.date | None = None) -> str:
    """The task's status as of ``today``: a waiting task whose deadline passed since the last
    refresh is already overdue."""
    today = today or timezone.localdate()
    if task.status == TaskStatus.PENDING and task.deadline < today:
        return TaskStatus.OVERDUE
    return task.status


def waiting_task_of(actor: Any, *, year: int | None = None) -> CollectionTask | None:
    """The task of ``actor``'s own department for ``year`` (default: this year) while it
    waits for the unit's report (待报送 or 逾期未报送), else None — the workbench's reminder. Only
    a principal acting for one department (its officers, its 组织人事部门) has one."""
    p = principal_of(actor)
    if p.department_id is None or p.departments is None or not p.has_any(SEES):
        return None
    year = year or timezone.localdate().year
    return (
        CollectionTask.objects.filter(year=year, department_id=p.department_id, status__in=WAITING)
        .select_related("department")
        .first()
    )
