"""The reconciliation of a partner over a period (对账): per channel sent, acknowledged,
rejected with the partner's reasons, pending (and received for inbound channels) — a chart
above its table — and the upward channels' timeliness (上报时效, the 7-working-day rule),
with the Excel export of both. The partner is one of the reader's tenant, else "not
found"."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from credit.core import workdays
from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.http import EXPORT_LIMIT, xlsx_download
from credit.exchange import selectors
from credit.exchange.forms import ReconcileForm
from credit.exchange.views.channels import DELIVERY_LABELS, find_partner
from credit.exchange.views.jobs import DIRECTIONS, content_suffix, may_manage

COUNTS = ("sent", "acked", "rejected", "pending", "awaiting", "received")


def _label(channel: Any) -> str:
    """A channel as the page and the workbook name it: 行政处罚 上报（异议和更正结果）."""
    return (
        f"{channel.item.name} {DIRECTIONS.get(channel.direction, '')}"
        f"{content_suffix(channel.content)}"
    )


def reconcile_rows(partner: Any, start: Any, end: Any) -> list[dict[str, Any]]:
    """:func:`credit.exchange.selectors.reconciliation` as the page shows it: per channel
    its label, the counts, and the reasons of the rejected rows as ``(reason, count)``."""
    return [
        {
            "channel": row["channel"],
            "label": _label(row["channel"]),
            **{k: row[k] for k in COUNTS},
            "reasons": [(r["reason"], r["count"]) for r in row["reasons"]],
        }
        for row in selectors.reconciliation(partner, start=start, end=end)
    ]


def timeliness_rows(partner: Any, start: Any, end: Any) -> list[dict[str, Any]]:
    """:func:`credit.exchange.selectors.timeliness` with each channel's label."""
    return [
        {**row, "label": _label(row["channel"])}
        for row in selectors.timeliness(partner, start=start, end=end)
    ]


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value}%"


def _period(request: HttpRequest) -> tuple[ReconcileForm, Any, Any]:
    form = ReconcileForm(request.GET or None)
    start, end = form.period(timezone.localdate())
    # the period shown is the one counted, also when it is the default
    form.fields["start"].initial, form.fields["end"].initial = start, end
    return form, start, end


@perm_required(Perm.EXCHANGE_VIEW)
def reconcile(request: HttpRequest, code: str) -> HttpResponse:
    """对账 of a partner over a period (default: this month so far)."""
    obj = find_partner(request, code)
    form, start, end = _period(request)
    rows = reconcile_rows(obj, start, end)
    totals = {k: sum(r[k] for r in rows) for k in COUNTS}
    timely = timeliness_rows(obj, start, end)
    for t in timely:
        t["url"] = reverse("exchange:channel", args=[t["channel"].pk])
        t["rate_text"] = _rate(t["rate"])
    query = urlencode({"start": start.isoformat(), "end": end.isoformat()})
    for r in rows:
        r["url"] = reverse("exchange:channel", args=[r["channel"].pk])
    return render(
        request,
        "exchange/reconcile.html",
        {
            "partner": obj,
            "form": form,
            "start": start,
            "end": end,
            "rows": rows,
            "totals": totals,
            "timely": timely,
            "deadline_days": workdays.REPORTING_WORKING_DAYS,
            "may_manage": may_manage(request.user),
            "chart": {
                "unit": "条",
                "categories": [r["label"] for r in rows],
                "series": [
                    {"name": "已发送", "data": [r["sent"] for r in rows]},
                    {"name": "已确认", "data": [r["acked"] for r in rows]},
                    {"name": "被拒收", "data": [r["rejected"] for r in rows]},
                    {"name": "待发送", "data": [r["pending"] for r in rows]},
                    {"name": "待回执", "data": [r["awaiting"] for r in rows]},
                    {"name": "接收", "data": [r["received"] for r in rows]},
                ],
                "links": [r["url"] for r in rows],
                "empty_text": "该期间没有交换记录",
            },
            "export_url": reverse("exchange:reconcile_export", args=[obj.code]) + f"?{query}",
        },
    )


@perm_required(Perm.EXCHANGE_VIEW)
def reconcile_export(request: HttpRequest, code: str) -> HttpResponse:
    """The reconciliation as a workbook: the counts per channel, and the reasons."""
    obj = find_partner(request, code)
    _, start, end = _period(request)
    rows = reconcile_rows(obj, start, end)
    period = f"{start:%Y-%m-%d}至{end:%Y-%m-%d}"
    counts = (
        [
            period,
            r["label"],
            r["sent"],
            r["received"],
            r["acked"],
            r["rejected"],
            r["pending"],
            r["awaiting"],
        ]
        for r in rows
    )
    reasons = ([r["label"], reason, n] for r in rows for reason, n in r["reasons"])
    timely = (
        [period, t["label"], *(t[k] for k in selectors.TIMELINESS), _rate(t["rate"])]
        for t in timeliness_rows(obj, start, end)
    )
    late = (
        [
            _label(r["channel"]),
            r["record_id"],
            r["document_no"],
            r["decision_date"],
            r["due_on"],
            "超期上报" if r["sent_on"] else "超期未上报",
            r["sent_on"],
            DELIVERY_LABELS.get(r["status"], "未进入待发送"),
            r["reason"] or "",
        ]
        for r in selectors.late_records(obj, start=start, end=end, limit=EXPORT_LIMIT)
    )
    return xlsx_download(
        f"交换对账-{obj.code}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx",
        [
            (
                "对账",
                [
                    "期间",
                    "交换通道",
                    "已发送",
                    "接收",
                    "已确认（入库）",
                    "被拒收（退回）",
                    "待发送",
                    "已发送待回执",
                ],
                counts,
            ),
            ("拒收和退回原因", ["交换通道", "原因", "条数"], reasons),
            (
                "上报时效",
                [
                    "截止日所在期间",
                    "上报通道",
                    "应报",
                    "按时上报",
                    "超期上报",
                    "超期未上报",
                    "未到期未上报",
                    "及时率",
                ],
                timely,
            ),
            (
                "超期明细",
                [
                    "上报通道",
                    "信用记录编号",
                    "决定文书号",
                    "决定日期",
                    "截止日",
                    "情况",
                    "对方确认的发送日期",
                    "当前状态",
                    "拒收原因或错误",
                ],
                late,
            ),
        ],
    )


urls = [
    path("partners/<slug:code>/reconcile/", reconcile, name="reconcile"),
    path("partners/<slug:code>/reconcile/export.xlsx", reconcile_export, name="reconcile_export"),
]
