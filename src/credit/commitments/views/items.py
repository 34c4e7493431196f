"""The commitment items (承诺事项) as staff see them: the list by kind and department with the
verified flag (an item whose name or basis could not be checked against its source says so),
filters and the Excel export; one item with every version of its template (承诺书模板); and
the form of a new version for the holders of ``commitments.manage``
(:func:`credit.commitments.services.items.new_version`, audited). A version is never edited
once published: commitments keep the version they signed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from credit.commitments import selectors
from credit.commitments.constants import Kind
from credit.commitments.forms import ItemFilterForm, ItemVersionForm
from credit.commitments.models import CommitmentItem
from credit.commitments.services import items as services
from credit.core.access import Perm, principal_of
from credit.core.access.decorators import any_perm_required, perm_required
from credit.core.forms import submit
from credit.core.http import EXPORT_LIMIT, found, query_without_page, stamp, xlsx_download
from credit.core.models import Department

SEES = (Perm.COMMITMENT_VIEW, Perm.COMMITMENT_MANAGE)
KIND_LABELS = dict(Kind.choices)
#: Service error code → field of the version form.
VERSION_ERRORS = {"template_required": "template_text", "validity_invalid": "validity_months"}


def _filtered(request: HttpRequest) -> tuple[ItemFilterForm, Any]:
    base = selectors.items_for(request.user)
    departments = list(
        Department.objects.filter(pk__in=base.order_by().values("department_id").distinct())
        .order_by("code")
        .values_list("pk", "name")
    )
    form = ItemFilterForm(request.GET or None, departments=departments)
    f = form.filters()
    qs = base
    if f.get("kind"):
        qs = qs.filter(kind=f["kind"])
    if f.get("department"):
        qs = qs.filter(department_id=int(f["department"]))
    if f.get("verified"):
        qs = qs.filter(verified=f["verified"] == "yes")
    if f.get("q"):
        qs = qs.filter(Q(name__icontains=f["q"]) | Q(code__icontains=f["q"]))
    qs = qs.select_related("department").annotate(
        used=Count("commitments", distinct=True),
    )
    return form, qs.order_by("kind", "sort_order", "code")


def _with_current(items: list[CommitmentItem]) -> list[CommitmentItem]:
    for item in items:
        item.current = services.current_version(item)
    return items


@any_perm_required(*SEES)
def item_list(request: HttpRequest) -> HttpResponse:
    """The items by kind (主动承诺, 行业自律, 告知承诺, 容缺受理, 信用修复), with their
    department, current version and how many commitments used them."""
    form, qs = _filtered(request)
    items = _with_current(list(qs[:1000]))
    groups = []
    for value, label in Kind.choices:
        rows = [i for i in items if i.kind == value]
        if rows:
            groups.append({"kind": value, "label": label, "items": rows})
    query = query_without_page(request)
    return render(
        request,
        "commitments/item_list.html",
        {
            "groups": groups,
            "form": form,
            "filtered": bool(form.filters()),
            "total": len(items),
            "unverified": sum(1 for i in items if not i.verified),
            "export_url": reverse("commitments:items_export") + (f"?{query}" if query else ""),
        },
    )


@any_perm_required(*SEES)
def item_export(request: HttpRequest) -> HttpResponse:
    """The filtered items with their current template as a workbook."""
    _, qs = _filtered(request)
    items = _with_current(list(qs[:EXPORT_LIMIT]))
    headers = [
        "事项编码", "承诺事项", "承诺类型", "承诺部门", "名称和依据已核实", "启用", "当前版本",
        "依据", "须提交的附件", "有效期（月）", "承诺书模板", "已签署承诺数",
    ]  # fmt: skip
    rows = (
        [
            i.code,
            i.name,
            KIND_LABELS.get(i.kind, i.kind),
            i.department.name,
            "是" if i.verified else "否（待核实）",
            "是" if i.is_active else "否",
            i.current.version if i.current else "",
            i.current.legal_basis if i.current else "",
            "；".join(i.current.attachments) if i.current else "",
            (i.current.validity_months or "长期") if i.current else "",
            i.current.template_text if i.current else "",
            i.used,
        ]
        for i in items
    )
    return xlsx_download(f"承诺事项-{stamp()}.xlsx", [("承诺事项", headers, rows)])


def _item(request: HttpRequest, code: str) -> CommitmentItem:
    return found(
        selectors.items_for(request.user).select_related("department").filter(code=code).first()
    )


def _may_manage(request: HttpRequest) -> bool:
    return principal_of(request.user).has_perm(Perm.COMMITMENT_MANAGE)


@any_perm_required(*SEES)
def item_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One item with every version of its template, newest first."""
    item = _item(request, code)
    versions = list(item.versions.select_related("created_by").order_by("-version"))
    return render(
        request,
        "commitments/item_detail.html",
        {
            "item": item,
            "versions": versions,
            "current": services.current_version(item),
            "used": item.commitments.count(),
            "may_manage": _may_manage(request),
        },
    )


@perm_required(Perm.COMMITMENT_MANAGE)
def item_version_new(request: HttpRequest, code: str) -> HttpResponse:
    """A new version of the item's template, prefilled from the current one; commitments
    already signed keep their version."""
    item = _item(request, code)
    current = services.current_version(item)
    initial = {}
    if current is not None:
        initial = {
            "template_text": current.template_text,
            "legal_basis": current.legal_basis,
            "attachments": "\n".join(current.attachments),
            "validity_months": current.validity_months,
        }
    form = ItemVersionForm(request.POST or None, initial=initial)
    done = submit(
        request,
        form,
        lambda d: services.new_version(
            actor=request.user,
            item=item,
            template_text=d["template_text"],
            legal_basis=d["legal_basis"],
            attachments=d["attachments"],
            validity_months=d["validity_months"],
            note=d["note"],
        ),
        done=lambda _: redirect("commitments:item", code=item.code),
        message=lambda v: f"{item.name}：已发布第 {v.version} 版承诺书模板",
        errors=VERSION_ERRORS,
        with_code=False,
    )
    if done is not None:
        return done
    return render(
        request,
        "commitments/item_version_new.html",
        {"item": item, "form": form, "current": current},
        status=400 if request.method == "POST" else 200,
    )


urls = [
    path("items/", item_list, name="items"),
    path("items/export.xlsx", item_export, name="items_export"),
    path("items/<slug:code>/", item_detail, name="item"),
    path("items/<slug:code>/new-version/", item_version_new, name="item_version_new"),
]
