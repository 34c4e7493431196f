"""The staff workbench (工作台): the home page after login — what waits for the user, the key
figures of their scope and the pages of their role grouped by task
(:mod:`credit.dashboard.waiting`, :mod:`credit.core.navigation`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from credit.core.access import PERM_LABELS, Perm, Principal, data_scope, principal_of
from credit.dashboard import waiting

#: A principal holding nothing but these reads the city at a glance (领导): the workbench shows
#: it the dashboards (with the assessment results), the warnings and the key figures only (the
#: catalog it may read is in the menu).
OVERVIEW_PERMS = frozenset(
    {Perm.DASHBOARD_VIEW, Perm.WARNING_VIEW, Perm.CATALOG_VIEW, Perm.ASSESSMENT_VIEW}
)


def _dashboard_links(principal: Principal) -> list[dict[str, str]]:
    if not principal.has_perm(Perm.DASHBOARD_VIEW):
        return []
    links = []
    shown = [
        ("dashboard:index", "信用监管一张图", "地图、归集、主体、信用状况和应用，点击数字查看明细"),
        ("dashboard:screen", "大屏", "1920×1080 大屏展示，自动刷新"),
    ]
    if principal.has_perm(Perm.ASSESSMENT_VIEW):
        shown.append(("assessment:index", "绩效考核", "各部门、各辖市区的考核得分和排名"))
    for name, label, help_text in shown:
        try:
            links.append({"label": label, "url": reverse(name), "help": help_text})
        except NoReverseMatch:
            continue
    return links


def home(request: HttpRequest) -> HttpResponse:
    """The staff workbench; the public (not signed in) is sent to the 信用常州 portal."""
    if not request.user.is_authenticated:
        return redirect("portal:home")
    principal = principal_of(request.user)
    figures, figures_note = waiting.figures_for(principal)
    tasks = waiting.tasks_for(principal)
    return render(
        request,
        "dashboard/workbench.html",
        {
            "pending": [t for t in tasks if t.count],
            "clear": [t for t in tasks if not t.count],
            "figures": figures,
            "figures_note": figures_note,
            "dashboards": _dashboard_links(principal),
            "overview": bool(principal.perms) and principal.perms <= OVERVIEW_PERMS,
            "perm_labels": [PERM_LABELS[p] for p in Perm if p in principal.perms],
            "scope": data_scope(principal),
            "tenant": principal.tenant_label,
        },
    )
