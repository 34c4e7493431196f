"""「我的」 (``/portal/account/``): what a signed-in real-name account (``credit.identity``)
has on the platform — who they are (the ID number masked; the company and its USCC for an
agent) and their own cases, each section a list linking to the public tracking page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from credit.identity.models import PublicAccount
from credit.identity.session import account_required, current_account
from credit.objections import selectors as objections
from credit.objections.constants import ObjectionStatus, RepairStatus
from credit.objections.models import Objection, RepairApplication
from credit.reports import selectors as reports


@dataclass(frozen=True)
class Row:
    """One case or application: its number, what it is about, where it stands, when it was
    submitted and finished (or is due), and the page that shows it."""

    number: str
    subject: str
    status: str
    submitted: datetime.datetime
    finished: datetime.datetime | None
    due: datetime.date | None
    url: str


@dataclass(frozen=True)
class Section:
    """A list on the page: its title, rows, and the sentence shown when it is empty."""

    key: str
    title: str
    empty: str
    rows: list[Row] = field(default_factory=list)


def _tracking(number: str) -> str:
    return f"{reverse('objections:track')}?{urlencode({'number': number})}"


def _record(case: Objection | RepairApplication) -> str:
    record = case.record
    return f"{record.item.name}（{record.document_no}）" if record.document_no else record.item.name


def _objection(case: Objection) -> Row:
    return Row(
        number=case.number,
        subject=_record(case),
        status=ObjectionStatus(case.status).label,
        submitted=case.created_at,
        finished=case.closed_at or case.decided_at,
        due=case.due or case.accept_due,
        url=_tracking(case.number),
    )


def _repair(case: RepairApplication) -> Row:
    return Row(
        number=case.number,
        subject=_record(case),
        status=RepairStatus(case.status).label,
        submitted=case.created_at,
        finished=case.decided_at,
        due=case.due,
        url=_tracking(case.number),
    )


def sections_for(account: PublicAccount) -> list[Section]:
    """The lists of the page, in order. Another app's list is one more :class:`Section`."""
    found, repairs = objections.cases_of_applicant(
        id_index=account.applicant_index, uscc=account.uscc
    )
    whose = "您或贵单位" if account.uscc else "您"
    return [
        Section(
            "objections",
            "我的信用异议",
            f"{whose}还没有提交过信用异议申请。对公示信息有异议的，可在该信息下方点击“提出异议”。",
            [_objection(c) for c in found],
        ),
        Section(
            "repairs",
            "我的信用修复申请",
            f"{whose}还没有提交过信用修复申请。行政处罚等信息公示满最短期限后，可在该信息下方申请信用修复。",
            [_repair(c) for c in repairs],
        ),
    ]


@account_required
def me(request: HttpRequest) -> HttpResponse:
    account = current_account(request)  # there is one: account_required
    return render(
        request,
        "portal/me.html",
        {
            "nav": "me",
            "account": account,
            "sections": sections_for(account),
            # 我的信用报告申请: its own table (template, purpose, return reason, downloads).
            "report_rows": reports.my_applications(account),
        },
    )
