"""The catalog editor (目录维护) of the credit office: create an item, change its properties,
add, change, move and remove its fields. Every change goes through one service of
:mod:`credit.catalog.services` (permission, validation like the JSON import, version + 1,
audit entry with before and after); a refusal is shown on the form, in Chinese.

A district's administrator edits its district's extension items only: another district's item
is not found (404), a city item is refused (403, saying why)."""

from __future__ import annotations

from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from credit.catalog import selectors, services
from credit.catalog.constants import FieldRole
from credit.catalog.forms import FieldForm, ItemForm, NewItemForm
from credit.core.access import Perm, principal_of
from credit.core.access.decorators import perm_required
from credit.core.errors import PermissionDenied
from credit.core.forms import act, submit
from credit.core.http import found

ROLE_LABELS = dict(FieldRole.choices)


def _detail(code: str, anchor: str = "") -> str:
    url = reverse("catalog:detail", args=[code])
    return f"{url}#{anchor}" if anchor else url


def _saved(edit: services.Edit) -> str:
    if not edit.changed:
        return "没有修改任何内容，目录项版本不变"
    return f"已保存，“{edit.item.name}”现为第 {edit.item.version} 版"


def _field_of(doc: dict, field_code: str) -> dict:
    return found(next((f for f in doc["fields"] if f["code"] == field_code), None))


def _editable(request: HttpRequest, code: str) -> tuple[dict, str | None]:
    """The document of the item ``code`` the user may change and the item's region (its
    departments are offered); 404 when it does not see it."""
    item = found(selectors.item_to_edit(request.user, code))
    return selectors.export_item(item), item.region_id


def _refused_shown(view):
    """An item the user sees but may not change (a city item for a district) answers the
    403 page with the reason."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return render(request, "403.html", {"reason": exc.message}, status=403)

    return wrapper


@perm_required(Perm.CATALOG_MANAGE)
def item_create(request: HttpRequest) -> HttpResponse:
    p = principal_of(request.user)
    form = NewItemForm(request.POST or None, region=None if p.city_wide else p.region_id or "-")
    done = submit(
        request,
        form,
        lambda data: services.create_item(
            actor=request.user,
            code=data["code"],
            properties=form.properties(),
            first_field=form.first_field(),
            region=form.chosen_region(),
        ),
        done=lambda item: _detail(item.code),
        message=lambda item: f"已创建目录项“{item.name}”（第 1 版），请继续添加字段",
        on_error=form.show_refusal,
        with_code=False,
    )
    return done or render(request, "catalog/item_form.html", {"form": form, "item": None})


@perm_required(Perm.CATALOG_MANAGE)
@_refused_shown
def item_edit(request: HttpRequest, code: str) -> HttpResponse:
    doc, region = _editable(request, code)
    form = ItemForm(request.POST or None, item=doc, region=region)
    done = submit(
        request,
        form,
        lambda data: services.update_item(
            actor=request.user, code=code, properties=form.properties()
        ),
        done=_detail(code),
        message=_saved,
        on_error=form.show_refusal,
        with_code=False,
    )
    return done or render(request, "catalog/item_form.html", {"form": form, "item": doc})


@perm_required(Perm.CATALOG_MANAGE)
@_refused_shown
def field_create(request: HttpRequest, code: str) -> HttpResponse:
    doc, _region = _editable(request, code)
    siblings = [(f["code"], f["name"]) for f in doc["fields"]]
    form = FieldForm(request.POST or None, siblings=siblings)
    done = submit(
        request,
        form,
        lambda data: services.add_field(actor=request.user, item_code=code, field=form.new_field()),
        done=lambda edit: _detail(code, f"f-{form.cleaned_data['code']}"),
        message=_saved,
        on_error=form.show_refusal,
        with_code=False,
    )
    return done or render(
        request, "catalog/field_form.html", {"form": form, "item": doc, "field": None}
    )


@perm_required(Perm.CATALOG_MANAGE)
@_refused_shown
def field_edit(request: HttpRequest, code: str, field: str) -> HttpResponse:
    doc, _region = _editable(request, code)
    current = _field_of(doc, field)
    siblings = [(f["code"], f["name"]) for f in doc["fields"] if f["code"] != field]
    form = FieldForm(request.POST or None, field=current, siblings=siblings)
    done = submit(
        request,
        form,
        lambda data: services.update_field(
            actor=request.user, item_code=code, field_code=field, properties=form.properties()
        ),
        done=_detail(code, f"f-{field}"),
        message=_saved,
        on_error=form.show_refusal,
        with_code=False,
    )
    names = {f["code"]: f["name"] for f in doc["fields"]}
    conditions = [
        {
            "field": names.get((c.get("when") or {}).get("field"), ""),
            "values": "、".join(str(v) for v in (c.get("when") or {}).get("in", [])),
            "then": "必填" if c.get("then") == "required" else "应为空",
        }
        for c in current["conditions"]
    ]
    return done or render(
        request,
        "catalog/field_form.html",
        {"form": form, "item": doc, "field": current, "conditions": conditions},
    )


@perm_required(Perm.CATALOG_MANAGE)
@_refused_shown
def field_remove(request: HttpRequest, code: str, field: str) -> HttpResponse:
    """GET: what removing the field means, or why it cannot be removed; POST: remove it."""
    doc, _region = _editable(request, code)
    current = _field_of(doc, field)
    if request.method == "POST":
        return act(
            request,
            lambda: services.remove_field(actor=request.user, item_code=code, field_code=field),
            done=_detail(code, "fields"),
            message=lambda edit: (
                f"已删除字段“{current['name']}”，“{edit.item.name}”现为第 {edit.item.version} 版"
            ),
            refused=reverse("catalog:field_remove", args=[code, field]),
        )
    return render(
        request,
        "catalog/field_remove.html",
        {
            "item": doc,
            "field": current,
            "role_label": ROLE_LABELS.get(current["role"], ""),
            "refusal": services.removal_refusal(doc, field),
        },
    )


@perm_required(Perm.CATALOG_MANAGE)
@_refused_shown
@require_POST
def field_move(request: HttpRequest, code: str, field: str) -> HttpResponse:
    """Move a field one column left (``direction=up``) or right (``down``)."""
    found(selectors.item_to_edit(request.user, code))  # 404 / 403 before the service
    offset = -1 if request.POST.get("direction") == "up" else 1
    return act(
        request,
        lambda: services.move_field(
            actor=request.user, item_code=code, field_code=field, offset=offset
        ),
        done=_detail(code, f"f-{field}"),
        message=_saved,
    )
