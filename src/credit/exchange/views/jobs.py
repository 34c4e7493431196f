"""The exchange jobs (交换作业): every channel of the reader's tenant with its partner, item,
direction and period, its next and last run, the last result and volume, and what waits
(pending and rejected deliveries), with filters and the Excel export; 立即运行 for those who
manage exchanges; and the history of runs with its filters and export.

立即运行 runs the channel in the request (:func:`credit.exchange.services.runner.run_channel`
with ``trigger="page"``): a run is bounded (at most :data:`RUN_LIMIT` deliveries sent, or rows
collected, and a 5-second connect timeout), so the page answers in seconds and shows the
outcome at once; a larger backlog goes on at the scheduled runs (every 5 minutes).

Reads go through :mod:`credit.exchange.selectors`; a channel outside the tenant is "not found".
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from credit.core.access import Perm, principal_of
from credit.core.access.decorators import perm_required
from credit.core.errors import CreditError
from credit.core.forms import error_text
from credit.core.http import EXPORT_LIMIT, found, query_without_page, stamp, xlsx_download
from credit.core.paging import capped_page
from credit.exchange import selectors
from credit.exchange.constants import Content, Direction, Period, RunStatus
from credit.exchange.forms import NEVER, TRIGGER_LABELS, JobFilterForm, RunFilterForm

PAGE_SIZE = 50
COUNT_CAP = 5_000
#: The most deliveries (or rows) one 立即运行 handles in the request.
RUN_LIMIT = 1000
DIRECTIONS = dict(Direction.choices)
PERIODS = dict(Period.choices)
RESULTS = dict(RunStatus.choices)
CONTENTS = dict(Content.choices)


def content_suffix(content: str) -> str:
    """``（异议和更正结果）`` after an item's name for a channel that does not exchange records
    (empty for records)."""
    return "" if content == Content.RECORDS else f"（{CONTENTS.get(content, content)}）"


def may_manage(actor: Any) -> bool:
    """Whether the page shows the buttons of those who manage exchanges (the services check
    the tenant of each object again)."""
    return principal_of(actor).has_perm(Perm.EXCHANGE_MANAGE)


def _partner_choices(actor: Any) -> list[tuple[str, str]]:
    return [(p.code, p.name) for p in selectors.partners_for(actor).order_by("region", "code")]


def job_row(job: dict[str, Any]) -> dict[str, Any]:
    """One channel of :func:`credit.exchange.selectors.jobs` as the page and the export show
    it: with the labels of its direction, period and last result, and what it exchanges
    (``content_label``, empty for records)."""
    channel, status = job["channel"], job["last_status"]
    return {
        **job,
        "content_label": (
            "" if channel.content == Content.RECORDS else CONTENTS.get(channel.content, "")
        ),
        "direction_label": DIRECTIONS.get(channel.direction, channel.direction),
        "period_label": PERIODS.get(channel.period, channel.period),
        "status": status or NEVER,
        "status_label": RESULTS.get(status, "未运行") if status else "未运行",
        "volume": job["volume"] or 0,
    }


def _jobs(request: HttpRequest) -> tuple[JobFilterForm, list[dict[str, Any]]]:
    form = JobFilterForm(request.GET or None, partners=_partner_choices(request.user))
    f = form.filters()
    rows = [job_row(j) for j in selectors.jobs(request.user)]
    if f.get("partner"):
        rows = [r for r in rows if r["partner"].code == f["partner"]]
    if f.get("direction"):
        rows = [r for r in rows if r["channel"].direction == f["direction"]]
    if f.get("result"):
        rows = [r for r in rows if r["status"] == f["result"]]
    return form, rows


@perm_required(Perm.EXCHANGE_VIEW)
def jobs(request: HttpRequest) -> HttpResponse:
    """The channels of the tenant: next run, last run and result, volume, what waits."""
    form, rows = _jobs(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    principal = principal_of(request.user)
    return render(
        request,
        "exchange/jobs.html",
        {
            "page": page,
            "form": form,
            "filtered": bool(form.filters()),
            "query": query_without_page(request),
            "may_manage": may_manage(request.user),
            "tenant": principal.tenant_label,
            "has_partners": selectors.partners_for(request.user).exists(),
            "failed": sum(1 for r in rows if r["status"] == RunStatus.FAILED),
            "pending": sum(r["pending"] for r in rows),
            "rejected": sum(r["rejected"] for r in rows),
            "export_url": f"{reverse('exchange:jobs_export')}?{query_without_page(request)}",
        },
    )


def _when(value: datetime.datetime | None) -> Any:
    return value or ""


@perm_required(Perm.EXCHANGE_VIEW)
def jobs_export(request: HttpRequest) -> HttpResponse:
    """The filtered channels of the jobs page as a workbook."""
    _, rows = _jobs(request)
    headers = ["交换伙伴", "所属区划", "目录项", "交换内容", "方向", "周期", "下次运行",
               "上次运行", "上次结果", "上次数据量", "待发送", "被拒收", "启用"]  # fmt: skip
    data = (
        [
            r["partner"].name,
            r["partner"].region.name,
            r["channel"].item.name,
            CONTENTS.get(r["channel"].content, r["channel"].content),
            r["direction_label"],
            r["period_label"],
            _when(r["next_run_at"]),
            _when(r["last_run_at"]),
            r["status_label"],
            r["volume"],
            r["pending"],
            r["rejected"],
            "是" if r["channel"].is_active else "否",
        ]
        for r in rows[:EXPORT_LIMIT]
    )
    return xlsx_download(f"交换作业-{stamp()}.xlsx", [("交换作业", headers, data)])


def run_message(run: Any) -> str:
    """What a finished run did, in one Chinese sentence."""
    channel = run.channel
    label = (
        f"{channel.partner.name} {channel.item.name}{content_suffix(channel.content)} "
        f"{DIRECTIONS[channel.direction]}"
    )
    if run.status == RunStatus.FAILED:
        return f"{label}运行失败：{run.error or '未知错误'}；待发送的记录保留，稍后自动重试。"
    if channel.direction == Direction.UP:
        counts = (
            f"取出 {run.taken} 条，发送 {run.sent} 条，确认 {run.acked} 条，拒收 {run.rejected} 条"
        )
    else:
        counts = f"接收 {run.received} 条，入库 {run.acked} 条，退回 {run.rejected} 条"
    return f"{label}已运行（{RESULTS.get(run.status, run.status)}）：{counts}。"


@perm_required(Perm.EXCHANGE_MANAGE)
@require_POST
def run_now(request: HttpRequest, pk: int) -> HttpResponse:
    """立即运行 one channel of the tenant, in the request (at most :data:`RUN_LIMIT` items);
    the outcome is the message on the page the user came from (the jobs page by default)."""
    from credit.exchange.services import runner

    channel = found(selectors.channels_for(request.user).filter(pk=pk).first())
    back = _back(request, reverse("exchange:jobs"))
    try:
        run = runner.run_channel(
            actor=request.user, channel=channel, trigger="page", limit=RUN_LIMIT
        )
    except CreditError as exc:
        messages.error(request, error_text(exc))
        return redirect(back)
    if run.status == RunStatus.FAILED:
        messages.error(request, run_message(run))
    else:
        messages.success(request, run_message(run))
    return redirect(back)


def _back(request: HttpRequest, default: str) -> str:
    """The page to return to: ``next`` when it is a path of this site, else ``default``."""
    target = request.POST.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else default


# --- the history of runs --------------------------------------------------------------------


def _runs(request: HttpRequest) -> tuple[RunFilterForm, Any]:
    form = RunFilterForm(request.GET or None, partners=_partner_choices(request.user))
    f = form.filters()
    qs = selectors.runs_for(request.user).select_related(
        "channel__partner", "channel__item", "user", "batch"
    )
    if f.get("partner"):
        qs = qs.filter(channel__partner__code=f["partner"])
    if f.get("direction"):
        qs = qs.filter(channel__direction=f["direction"])
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("trigger"):
        triggers = ("job", "schedule") if f["trigger"] == "job" else (f["trigger"],)
        qs = qs.filter(trigger__in=triggers)
    if f.get("date_from"):
        qs = qs.filter(started_at__date__gte=f["date_from"])
    if f.get("date_to"):
        qs = qs.filter(started_at__date__lte=f["date_to"])
    return form, qs.order_by("-started_at", "-id")


def _decorate(run: Any) -> Any:
    run.direction_label = DIRECTIONS.get(run.channel.direction, run.channel.direction)
    run.trigger_label = TRIGGER_LABELS.get(run.trigger, run.trigger)
    return run


@perm_required(Perm.EXCHANGE_VIEW)
def runs(request: HttpRequest) -> HttpResponse:
    """The runs of the tenant's channels, newest first, with filters."""
    form, qs = _runs(request)
    page = capped_page(qs, request.GET.get("page"), per_page=PAGE_SIZE, cap=COUNT_CAP)
    for run in page:
        _decorate(run)
    return render(
        request,
        "exchange/runs.html",
        {
            "page": page,
            "form": form,
            "filtered": bool(form.filters()),
            "query": query_without_page(request),
            "tenant": principal_of(request.user).tenant_label,
            "export_url": f"{reverse('exchange:runs_export')}?{query_without_page(request)}",
        },
    )


@perm_required(Perm.EXCHANGE_VIEW)
def runs_export(request: HttpRequest) -> HttpResponse:
    """The filtered runs as a workbook."""
    _, qs = _runs(request)
    headers = ["开始时间", "结束时间", "交换伙伴", "目录项", "方向", "触发方式", "操作人", "结果",
               "取出", "发送", "确认", "拒收", "接收", "入库批次", "错误"]  # fmt: skip
    data = (
        [
            r.started_at,
            _when(r.finished_at),
            r.channel.partner.name,
            r.channel.item.name,
            DIRECTIONS.get(r.channel.direction, r.channel.direction),
            TRIGGER_LABELS.get(r.trigger, r.trigger),
            r.user.username if r.user else "系统",
            RESULTS.get(r.status, r.status),
            r.taken,
            r.sent,
            r.acked,
            r.rejected,
            r.received,
            r.batch_id or "",
            r.error,
        ]
        for r in qs[:EXPORT_LIMIT]
    )
    return xlsx_download(f"交换作业记录-{stamp()}.xlsx", [("交换作业记录", headers, data)])


urls = [
    path("", jobs, name="jobs"),
    path("jobs/export.xlsx", jobs_export, name="jobs_export"),
    path("channels/<id:pk>/run/", run_now, name="run"),
    path("runs/", runs, name="runs"),
    path("runs/export.xlsx", runs_export, name="runs_export"),
]
