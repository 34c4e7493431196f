"""Reads of the gateway."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Aggregate,
    Avg,
    Case,
    Count,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from credit.core.access import Perm, perms_of
from credit.core.errors import PermissionDenied
from credit.core.models import Department
from credit.gateway.models import ApiClient, CallLog


def clients(*, q: str = "", active: bool | None = None) -> QuerySet[ApiClient]:
    qs = ApiClient.objects.select_related("department").order_by("name")
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(key__icontains=q)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


# --------------------------------------------------------------------------------------------
# The call log (接口调用日志): raw calls and statistics, for the credit office and auditors
# --------------------------------------------------------------------------------------------

#: Who may read the call log: the credit office's API-client managers and auditors.
CALL_LOG_PERMS = frozenset({Perm.API_CLIENT_MANAGE, Perm.AUDIT_VIEW})
#: The longest period one query may cover (the log grows by millions of rows a day).
MAX_DAYS = 366
#: ``status`` filters: a class or a single code.
STATUS_FILTERS: dict[str, tuple[int, int]] = {
    "2xx": (200, 300),
    "3xx": (300, 400),
    "4xx": (400, 500),
    "5xx": (500, 600),
    **{str(code): (code, code + 1) for code in (401, 403, 404, 422, 429, 500)},
}
#: Calls not made by a client: by staff with their session, or not authenticated at all.
CALLER_STAFF = "staff"
CALLER_ANONYMOUS = "anonymous"
CALLER_LABELS = {CALLER_STAFF: "工作人员（登录会话）", CALLER_ANONYMOUS: "未认证的调用"}


class Percentile(Aggregate):
    """``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


@dataclass(frozen=True)
class CallFilter:
    """What a call-log query covers: Beijing dates ``start``..``end`` (both included), and
    optionally one client (its id, or :data:`CALLER_STAFF` / :data:`CALLER_ANONYMOUS`), one
    department (id) and a status (a key of :data:`STATUS_FILTERS`)."""

    start: datetime.date
    end: datetime.date
    client: str = ""
    department: int | None = None
    status: str = ""

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        start = min(self.start, self.end)
        end = max(self.start, self.end)
        if (end - start).days >= MAX_DAYS:
            start = end - datetime.timedelta(days=MAX_DAYS - 1)
        tz = ZoneInfo("Asia/Shanghai")
        return (
            datetime.datetime.combine(start, datetime.time(), tz),
            datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), tz),
        )


def can_view_calls(principal: Any) -> bool:
    return bool(perms_of(principal) & CALL_LOG_PERMS)


def _require_call_log(principal: Any) -> None:
    if not can_view_calls(principal):
        raise PermissionDenied(
            "您没有查看接口调用日志的权限",
            details={"permission": [str(p) for p in sorted(CALL_LOG_PERMS)]},
        )


def calls_for(principal: Any, f: CallFilter) -> QuerySet[CallLog]:
    """The calls matching ``f``, unordered (the caller orders or aggregates)."""
    _require_call_log(principal)
    lo, hi = f.bounds()
    qs = CallLog.objects.filter(called_at__gte=lo, called_at__lt=hi).order_by()
    if f.client == CALLER_STAFF:
        qs = qs.filter(client_id__isnull=True, user_id__isnull=False)
    elif f.client == CALLER_ANONYMOUS:
        qs = qs.filter(client_id__isnull=True, user_id__isnull=True)
    elif f.client.isdigit():
        qs = qs.filter(client_id=int(f.client))
    if f.department is not None:
        qs = qs.filter(department_id=f.department)
    if f.status in STATUS_FILTERS:
        low, high = STATUS_FILTERS[f.status]
        qs = qs.filter(status__gte=low, status__lt=high)
    return qs


def call_page(
    principal: Any, f: CallFilter, *, before: int | None = None, size: int = 50
) -> tuple[list[CallLog], int | None]:
    """One page of calls, newest first (in the order they were logged), and the cursor of the
    next page (``before=`` that id) or None. Keyset pagination: any page costs the same, with
    no count of hundreds of millions of rows."""
    qs = calls_for(principal, f).select_related("client", "user", "department").order_by("-id")
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].id if more and rows else None)


def _aggregates() -> dict[str, Any]:
    return {
        "calls": Count("id"),
        "ok": Count("id", filter=Q(status__lt=400)),
        "client_errors": Count("id", filter=Q(status__gte=400, status__lt=500)),
        "server_errors": Count("id", filter=Q(status__gte=500)),
        "mean_ms": Avg("latency_ms"),
        "p95_ms": Percentile("latency_ms", 0.95),
    }


def _rounded(row: dict[str, Any]) -> dict[str, Any]:
    for name in ("mean_ms", "p95_ms"):
        if row.get(name) is not None:
            row[name] = round(float(row[name]), 1)
    return row


def call_totals(principal: Any, f: CallFilter) -> dict[str, Any]:
    """The statistics of all the calls matching ``f`` together (see :func:`call_stats`)."""
    return _rounded(calls_for(principal, f).aggregate(**_aggregates()))


def call_stats(principal: Any, f: CallFilter) -> dict[str, Any]:
    """Statistics of the calls matching ``f``: ``total``, and ``by_client``,
    ``by_department``, ``by_day`` (Beijing dates), each row with ``calls``, ``ok`` (2xx/3xx),
    ``client_errors`` (4xx), ``server_errors`` (5xx), ``mean_ms`` and ``p95_ms`` (the 95th
    percentile of the latency, continuous)."""
    qs = calls_for(principal, f)
    total = call_totals(principal, f)

    caller = Case(
        When(client_id__isnull=False, then=Value("client")),
        When(user_id__isnull=False, then=Value(CALLER_STAFF)),
        default=Value(CALLER_ANONYMOUS),
    )
    by_client = [
        _rounded(row)
        for row in qs.annotate(caller=caller)
        .values("client_id", "caller")
        .annotate(**_aggregates())
        .order_by("-calls", "client_id", "caller")
    ]
    clients = ApiClient.objects.in_bulk([r["client_id"] for r in by_client if r["client_id"]])
    for row in by_client:
        client = clients.get(row["client_id"])
        row["label"] = client.name if client else CALLER_LABELS.get(row["caller"], "已删除的调用方")
        row["key"] = client.key if client else ""

    by_department = [
        _rounded(row)
        for row in qs.values("department_id")
        .annotate(**_aggregates())
        .order_by("-calls", "department_id")
    ]
    departments = Department.objects.in_bulk(
        [r["department_id"] for r in by_department if r["department_id"]]
    )
    for row in by_department:
        department = departments.get(row["department_id"])
        row["label"] = department.name if department else "（无部门）"

    by_day = [
        _rounded(row)
        for row in qs.annotate(day=TruncDate("called_at", tzinfo=ZoneInfo("Asia/Shanghai")))
        .values("day")
        .annotate(**_aggregates())
        .order_by("day")
    ]
    return {
        "total": total,
        "by_client": by_client,
        "by_department": by_department,
        "by_day": by_day,
    }


def recent_calls_of(principal: Any, client: ApiClient, *, limit: int = 20) -> list[CallLog]:
    """A client's latest calls of the last 30 days, newest first."""
    _require_call_log(principal)
    since = timezone.now() - datetime.timedelta(days=30)
    return list(
        CallLog.objects.filter(client_id=client.pk, called_at__gte=since)
        .select_related("client", "user", "department")
        .order_by("-called_at", "-id")[:limit]
    )
