"""Pages of the report catalogue (统计报表): the catalogue of the boards a user may open, a
board with its filters bar, and for the credit office the catalogue's management (folders,
new boards), the designer (drag-and-drop layout, live preview, saved as JSON) and publishing.
Writes go through :mod:`credit.boards.services`, which checks the permission again and audits.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from credit.boards import selectors, services
from credit.boards.forms import (
    SERVICE_ERROR_FIELDS,
    BoardCreateForm,
    BoardFilterForm,
    BoardMoveForm,
    FolderAddForm,
    FolderMoveForm,
    FolderRenameForm,
    PublishForm,
)
from credit.boards.models import Board, Folder, Panel
from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.errors import CreditError
from credit.core.forms import act, submit
from credit.core.http import found
from credit.dashboard.datasets import CHART_TYPES
from credit.dashboard.panels import MAP_METRICS

# --------------------------------------------------------------------------------------------
# The catalogue and its management
# --------------------------------------------------------------------------------------------


@perm_required(Perm.DASHBOARD_VIEW)
def catalogue(request: HttpRequest) -> HttpResponse:
    """The catalogue tree with the boards the user may open (all of them, with their state,
    for the credit office)."""
    tree = selectors.catalogue_tree(request.user)
    nodes = [n for root in tree for n in root.walk()]
    return render(
        request,
        "boards/catalogue.html",
        {"nodes": nodes, "can_design": selectors.can_design(request.user)},
    )


def _forms_for(tree: list[selectors.FolderNode]) -> dict[str, Any]:
    folders = selectors.folder_choices(tree)
    return {
        "add_form": FolderAddForm(folders=folders),
        "board_form": BoardCreateForm(folders=folders),
        "folders": folders,
    }


@perm_required(Perm.DASHBOARD_DESIGN)
def designer(request: HttpRequest) -> HttpResponse:
    """报表设计: the whole tree with a form for each folder (rename, move, delete), a new
    folder and a new board, and each board's design, publish, copy and delete."""
    tree = selectors.catalogue_tree(request.user)
    nodes = [n for root in tree for n in root.walk()]
    folders = selectors.folder_choices(tree)
    for node in nodes:
        below = {n.folder.pk for n in node.walk()}
        node.move_choices = [(pk, path) for pk, path in folders if pk not in below]
    return render(request, "boards/designer.html", {"nodes": nodes, **_forms_for(tree)})


def _refuse(request: HttpRequest, form: Any, back: str = "boards:designer") -> HttpResponse:
    """Each error of an invalid small form as a message, back on ``back``."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect(back)


def _all_folders() -> list[tuple[int, str]]:
    """Every folder as a form's choices (the posted value is checked against them)."""
    return list(Folder.objects.values_list("pk", "name"))


def _folder(pk: int) -> Folder:
    return found(Folder.objects.filter(pk=pk).first())


@require_POST
@perm_required(Perm.DASHBOARD_DESIGN)
def folder_add(request: HttpRequest) -> HttpResponse:
    form = FolderAddForm(request.POST, folders=_all_folders())
    if not form.is_valid():
        return _refuse(request, form)
    return act(
        request,
        lambda: services.add_folder(
            actor=request.user, name=form.cleaned_data["name"], parent=form.parent_folder()
        ),
        done="boards:designer",
        message=lambda folder: f"已新建目录“{folder}”",
    )


@require_POST
@perm_required(Perm.DASHBOARD_DESIGN)
def folder_rename(request: HttpRequest, pk: int) -> HttpResponse:
    folder = _folder(pk)
    form = FolderRenameForm(request.POST)
    if not form.is_valid():
        return _refuse(request, form)
    return act(
        request,
        lambda: services.rename_folder(
            actor=request.user, folder=folder, name=form.cleaned_data["name"]
        ),
        done="boards:designer",
        message=lambda f: f"目录已改名为“{f}”",
    )


@require_POST
@perm_required(Perm.DASHBOARD_DESIGN)
def folder_move(request: HttpRequest, pk: int) -> HttpResponse:
    folder = _folder(pk)
    form = FolderMoveForm(request.POST, folders=_all_folders())
    if not form.is_valid():
        return _refuse(request, form)
    return act(
        request,
        lambda: services.move_folder(
            actor=request.user, folder=folder, parent=form.parent_folder()
        ),
        done="boards:designer",
        message=lambda f: f"已移动目录“{f}”",
    )


@require_POST
@perm_required(Perm.DASHBOARD_DESIGN)
def folder_delete(request: HttpRequest, pk: int) -> HttpResponse:
    folder = _folder(pk)
    name = folder.name
    return act(
        request,
        lambda: services.delete_folder(actor=request.user, folder=folder),
        done="boards:designer",
        message=f"已删除目录“{name}”",
    )


@require_POST
@perm_required(Perm.DASHBOARD_DESIGN)
def board_create(request: HttpRequest) -> HttpResponse:
    form = BoardCreateForm(request.POST, folders=_all_folders())
    if not form.is_valid():
        return _refuse(request, form)
    return act(
        request,
        lambda: services.create_board(
            actor=request.user, folder=form.target(), title=form.cleaned_data["title"]
        ),
        done=lambda board: reverse("boards:design", args=[board.pk]),
        refused="boards:designer",
        message=lambda board: f"已新建报表“{board}”，请添加面板",
    )


# --------------------------------------------------------------------------------------------
# A board
# --------------------------------------------------------------------------------------------


def _panel_view(panel: Panel, page_query: dict[str, str], usable: dict) -> dict[str, Any]:
    """A panel as the board page shows it: its data attributes for ``CreditPanels.load``,
    the query it is drawn with (the page's filters, its fixed filters winning) and its Excel
    export; ``problem`` when its dataset is gone or the user may not use it."""
    query = urlencode({**page_query, **panel.filters})
    view: dict[str, Any] = {
        "panel": panel,
        "chart_label": CHART_TYPES.get(panel.chart, panel.chart),
        "options": json.dumps(panel.options, ensure_ascii=False),
        "query": query,
        "problem": "",
        "export_url": "",
    }
    if panel.dataset not in usable:
        view["problem"] = "该面板的数据集已停用或您无权查看，请联系市信用办"
        return view
    export = reverse("dashboard:data_xlsx", args=[panel.dataset])
    view["export_url"] = f"{export}?{query}" if query else export
    return view


def _board(request: HttpRequest, pk: int) -> Board:
    return found(selectors.board_for(request.user, pk))


@perm_required(Perm.DASHBOARD_VIEW)
def board_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A board: the filters bar (district, department, item, period — the dashboard's query
    parameters) and every panel drawn by ``CreditPanels`` with those filters."""
    board = _board(request, pk)
    filters = BoardFilterForm(request.GET, actor=request.user)
    usable = services.usable_datasets(request.user)
    page_query = filters.filters.as_query()
    panels = [_panel_view(p, page_query, usable) for p in board.panels.all()]
    return render(
        request,
        "boards/board.html",
        {
            "board": board,
            "panels": panels,
            "filters": filters,
            "filtered": bool(page_query),
            "query_string": urlencode(page_query),
            "map_metrics": MAP_METRICS,
            "role_names": selectors.role_labels(board.roles),
            "can_design": selectors.can_design(request.user),
        },
    )


def _designable(request: HttpRequest, pk: int) -> Board:
    return found(selectors.designable_board(request.user, pk))


def _filter_choices(request: HttpRequest) -> dict[str, list[tuple[str, str]]]:
    """The choices of a panel's fixed filters (those of the filters bar)."""
    form = BoardFilterForm({}, actor=request.user)
    return {k: list(form.fields[k].choices) for k in ("region", "department", "item")}


@perm_required(Perm.DASHBOARD_DESIGN)
def board_design(request: HttpRequest, pk: int) -> HttpResponse:
    """The designer of one board: the grid (gridstack), the panel list with the dataset
    picker, chart type and options, the live preview, and the save button."""
    board = _designable(request, pk)
    tree = selectors.catalogue_tree(request.user)
    return render(
        request,
        "boards/design.html",
        {
            "board": board,
            "board_data": services.board_data(board),
            "designer": selectors.designer_context(request.user),
            "move_form": BoardMoveForm(
                initial={"folder": board.folder_id}, folders=selectors.folder_choices(tree)
            ),
            "filter_choices": _filter_choices(request),
            "map_metrics": MAP_METRICS,
        },
    )


@require_POST
@perm_required(Perm.DASHBOARD_DESIGN)
def board_save(request: HttpRequest, pk: int) -> JsonResponse:
    """The designer's save: the whole board as JSON → :func:`services.save_board`. Answers
    ``{"ok": true, "version": …}`` or, refused, 4xx with the message and every problem."""
    board = _designable(request, pk)
    data = None
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            data = None
    if not isinstance(data, dict):
        return JsonResponse(
            {"ok": False, "code": "bad_request", "message": "报表数据格式不正确，请刷新页面后重试",
             "errors": []},
            status=400,
        )  # fmt: skip
    try:
        board = services.save_board(actor=request.user, board=board, data=data)
    except CreditError as exc:
        return JsonResponse(
            {
                "ok": False,
                "code": exc.code,
                "message": exc.message,
                "errors": exc.details.get("errors", []),
            },
            status=exc.status,
        )
    return JsonResponse(
        {
            "ok": True,
            "version": board.version,
            "message": f"已保存（第{board.version}版）",
            "board": services.board_data(board),
        }
    )


@require_POST
@perm_required(Perm.DASHBOARD_DESIGN)
def board_move(request: HttpRequest, pk: int) -> HttpResponse:
    board = _designable(request, pk)
    form = BoardMoveForm(request.POST, folders=_all_folders())
    back = reverse("boards:design", args=[board.pk])
    if not form.is_valid():
        return _refuse(request, form, back)
    return act(
        request,
        lambda: services.move_board(actor=request.user, board=board, folder=form.target()),
        done=back,
        message=lambda b: f"已将报表移到目录“{b.folder}”",
    )


@perm_required(Perm.DASHBOARD_DESIGN)
def board_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish a board to roles (their Chinese names), or withdraw it."""
    board = _designable(request, pk)
    roles = selectors.publishable_roles()
    posted = request.POST if request.method == "POST" else None
    form = PublishForm(posted, roles=roles, initial={"roles": board.roles})
    done = submit(
        request,
        form,
        lambda data: services.publish_board(actor=request.user, board=board, roles=data["roles"]),
        errors=SERVICE_ERROR_FIELDS,
        done=reverse("boards:board", args=[board.pk]),
        message=lambda b: f"已发布报表“{b}”：{'、'.join(selectors.role_labels(b.roles))}",
    )
    return done or render(
        request,
        "boards/publish.html",
        {"board": board, "form": form, "role_names": selectors.role_labels(board.roles)},
    )


@require_POST
@perm_required(Perm.DASHBOARD_DESIGN)
def board_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    board = _designable(request, pk)
    return act(
        request,
        lambda: services.unpublish_board(actor=request.user, board=board),
        done=reverse("boards:publish", args=[board.pk]),
        message=f"已取消发布报表“{board}”，目前仅市信用办可见",
    )


@require_POST
@perm_required(Perm.DASHBOARD_DESIGN)
def board_copy(request: HttpRequest, pk: int) -> HttpResponse:
    board = _designable(request, pk)
    return act(
        request,
        lambda: services.copy_board(actor=request.user, board=board),
        done=lambda copy: reverse("boards:design", args=[copy.pk]),
        refused="boards:designer",
        message=lambda copy: f"已复制为“{copy}”（未发布）",
    )


@require_POST
@perm_required(Perm.DASHBOARD_DESIGN)
def board_delete(request: HttpRequest, pk: int) -> HttpResponse:
    board = _designable(request, pk)
    title = board.title
    return act(
        request,
        lambda: services.delete_board(actor=request.user, board=board),
        done="boards:designer",
        message=f"已删除报表“{title}”",
    )
