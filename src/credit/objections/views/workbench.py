"""What the staff pages of objections and repairs (the workbench, 工作台) share: who may open
the objection queue and its cases, the page renderer with the workbench's navigation, the page
size, dates and times as the pages and exports write them, deadline texts, the case log, the
errors of a posted action the page does not show, attachment downloads. Each page states its
permission with :mod:`credit.core.access.decorators`."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from credit.core.access import Perm, has_perm
from credit.core.http import download_response
from credit.core.workdays import WorkdayCalendar

PAGE_SIZE = 30
#: Who may open the objection queue and its cases: the credit office, and a department
#: officer for its own department's tasks (the selectors scope what each sees).
QUEUE_PERMS = (Perm.OBJECTION_HANDLE, Perm.OBJECTION_VERIFY)


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """``render`` with the workbench's navigation (what the user may open)."""
    context["nav"] = {
        "handle": has_perm(request.user, Perm.OBJECTION_HANDLE),
        "review": has_perm(request.user, Perm.REPAIR_REVIEW),
    }
    return render(request, template, context, status=status)


def stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d")


def time_text(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def date_text(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def calendar_around(today: datetime.date) -> WorkdayCalendar:
    return WorkdayCalendar(
        today - datetime.timedelta(days=400), today + datetime.timedelta(days=90)
    )


def deadline_info(
    due: datetime.date | None, today: datetime.date, cal: WorkdayCalendar
) -> dict[str, Any] | None:
    """How a deadline reads on a staff page: overdue by N working days, due today, or N
    working days left (``soon`` when at most one)."""
    if due is None:
        return None
    if due < today:
        days = cal.working_days_between(due, today)
        return {"due": due, "overdue": True, "soon": False, "text": f"已超期 {days} 个工作日"}
    days = cal.working_days_between(today, due)
    text = "今日到期" if days == 0 else f"剩余 {days} 个工作日"
    return {"due": due, "overdue": False, "soon": days <= 1, "text": text}


def unplaced_errors(posted: tuple[str, forms.Form] | None, shown: set[str]) -> list[str]:
    """The errors of a posted action whose form the page does not show (the status or the
    user's rights do not allow it): shown above the case instead."""
    if posted is None or posted[0] in shown:
        return []
    return [str(e) for errors in posted[1].errors.values() for e in errors]


def log_steps(case: Any, labels: dict[str, dict[str, str]]) -> list:
    """The case's log with its labels, for the staff pages."""
    steps = list(case.transitions.select_related("department"))
    for step in steps:
        step.action_label = labels["action"].get(step.action, step.action)
        step.from_label = labels["status"].get(step.from_status, step.from_status)
        step.to_label = labels["status"].get(step.to_status, step.to_status)
    return steps


def download(attachment: Any) -> HttpResponse:
    """An attachment of a case as a file download."""
    return download_response(bytes(attachment.data), attachment.name, attachment.content_type)
