"""Writes of the report catalogue (报表目录) and the composed dashboards (报表).

Every service checks ``dashboard.design`` (配置统计报表和报表目录: 市信用办管理员、审核员)
first — except for ``actor=None``, the platform itself (the demo seed, the CLI) — runs in one
transaction and writes its audit entry in it, with the object before and after the change.

A board's layout is saved whole (:func:`save_board`): the designer posts the board as JSON,
every panel is checked against the dataset registry (``credit.dashboard.datasets``) and the
12-column grid, and one refusal names each panel and field at fault; nothing is saved unless
everything is right. Changes of the tree take one advisory lock, so two concurrent moves cannot
make a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max

from credit.accounts.roles import PEOPLE_ROLES, ROLE_PERMS, Role
from credit.boards.models import GRID_COLUMNS, Board, Folder, Panel
from credit.core import audit
from credit.core.access import Perm, principal_of, principal_or_system
from credit.core.errors import NotFound, ValidationFailed
from credit.core.locks import advisory_xact_lock
from credit.dashboard import datasets
from credit.dashboard.datasets import CHART_TYPES, Dataset, Filters
from credit.dashboard.panels import MAP_METRICS

FOLDER_NAME_MAX = 50
#: Levels of the catalogue tree (a folder at the top is level 1).
FOLDER_DEPTH_MAX = 5
TITLE_MAX = 100
DESCRIPTION_MAX = 500
#: Panels a board may hold.
PANELS_MAX = 24
#: The lowest row a panel may start at, and the tallest a panel may be (grid rows).
ROWS_MAX = 200
HEIGHT_MAX = 12
#: The query parameters a panel may fix (as the dashboard's filters bar).
FILTER_KEYS = ("region", "department", "item", "from", "to")
#: What a panel's fields are called in a refusal.
FIELD_LABELS = {
    "title": "标题",
    "dataset": "数据集",
    "chart": "图表类型",
    "options": "图表选项",
    "filters": "固定筛选",
    "x": "列位置",
    "y": "行位置",
    "w": "宽度",
    "h": "高度",
    "layout": "位置",
    "panel": "内容",
}
PANEL_KEYS = ("title", "dataset", "chart", "options", "filters", "x", "y", "w", "h")
#: Roles a board may be published to: people who may view dashboards.
PUBLISHABLE_ROLES = tuple(r for r in PEOPLE_ROLES if Perm.DASHBOARD_VIEW in ROLE_PERMS[r])
_TREE_LOCK = "boards.folders"


@dataclass(frozen=True)
class Option:
    """A chart option a panel may set, as ``CreditPanels`` draws it: its label, kind
    (``int``, ``bool`` or ``choice``), the chart types it applies to and, for numbers, the
    range; for a choice, the values with their names."""

    label: str
    kind: str
    charts: tuple[str, ...]
    low: int = 0
    high: int = 0
    choices: tuple[tuple[str, str], ...] = ()


#: The options of a panel (``Panel.options``), as the designer offers them.
OPTIONS: dict[str, Option] = {
    "top": Option("只显示前几项", "int", ("bar", "line"), 1, 100),
    "horizontal": Option("横向条形", "bool", ("bar",)),
    "percent_axis": Option("百分比列用右侧坐标轴", "bool", ("bar", "line")),
    "limit": Option("最多显示行数", "int", ("table",), 1, 500),
    "metric": Option("地图指标", "choice", ("map",), choices=tuple(MAP_METRICS.items())),
}


# --------------------------------------------------------------------------------------------
# Permission and the principal of the platform itself
# --------------------------------------------------------------------------------------------


def _fresh(model: type[Folder] | type[Board], pk: int, *, lock: bool = False) -> Any:
    """The row ``pk`` as it is now (locked with ``lock``); one deleted meanwhile is refused."""
    rows = model.objects.select_for_update() if lock else model.objects.all()
    row = rows.filter(pk=pk).first()
    if row is None:
        what = "目录" if model is Folder else "报表"
        code = f"{model.__name__.lower()}_gone"
        raise NotFound(f"该{what}不存在或已被删除，请刷新页面", code=code)
    return row


def _require_design(actor: Any) -> None:
    if actor is not None:
        principal_of(actor).require(Perm.DASHBOARD_DESIGN)


def usable_datasets(actor: Any) -> dict[str, Dataset]:
    """The datasets a panel designed by ``actor`` may use (every one for the platform)."""
    return {d.code: d for d in datasets.catalogue(principal_or_system(actor))}


# --------------------------------------------------------------------------------------------
# The catalogue tree
# --------------------------------------------------------------------------------------------


def _folder_snapshot(folder: Folder) -> dict[str, Any]:
    return {"name": folder.name, "parent": folder.parent_id, "position": folder.position}


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed("请填写目录名称", code="folder_name_required")
    if len(name) > FOLDER_NAME_MAX:
        raise ValidationFailed(
            f"目录名称不能超过{FOLDER_NAME_MAX}个字", code="folder_name_too_long"
        )
    return name


def _check_unique(name: str, parent_id: int | None, exclude: int | None = None) -> None:
    siblings = Folder.objects.filter(parent_id=parent_id, name=name)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude)
    if siblings.exists():
        where = "该目录下" if parent_id else "顶层"
        raise ValidationFailed(
            f"{where}已有名为“{name}”的目录，请换一个名称", code="folder_name_taken"
        )


def _parents() -> dict[int, int | None]:
    """Every folder's parent (the tree is small: read whole, once per change)."""
    return dict(Folder.objects.values_list("pk", "parent_id"))


def _ancestors(parent_id: int | None, parents: dict[int, int | None]) -> list[int]:
    """``parent_id`` and the folders above it, nearest first."""
    chain: list[int] = []
    while parent_id is not None and parent_id not in chain:
        chain.append(parent_id)
        parent_id = parents.get(parent_id)
    return chain


def _subtree_height(folder_id: int, parents: dict[int, int | None]) -> int:
    """Levels of the subtree under ``folder_id``, itself included (1 for a leaf)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in parents.items():
        children.setdefault(parent, []).append(pk)

    def height(pk: int) -> int:
        return 1 + max((height(c) for c in children.get(pk, ())), default=0)

    return height(folder_id)


def _next_position(parent_id: int | None) -> int:
    last = Folder.objects.filter(parent_id=parent_id).aggregate(m=Max("position"))["m"]
    return 0 if last is None else last + 1


@transaction.atomic
def add_folder(*, actor: Any, name: str, parent: Folder | None = None) -> Folder:
    """A new folder at the end of ``parent``'s folders (at the top without a parent)."""
    _require_design(actor)
    advisory_xact_lock(_TREE_LOCK)
    name = _clean_name(name)
    parent_id = _fresh(Folder, parent.pk).pk if parent else None
    if parent_id is not None and len(_ancestors(parent_id, _parents())) >= FOLDER_DEPTH_MAX:
        raise ValidationFailed(
            f"目录最多{FOLDER_DEPTH_MAX}级，不能在“{parent}”下再建目录", code="folder_too_deep"
        )
    _check_unique(name, parent_id)
    folder = Folder.objects.create(
        name=name, parent_id=parent_id, position=_next_position(parent_id)
    )
    audit.record("board.folder_added", actor=actor, obj=folder, after=_folder_snapshot(folder))
    return folder


@transaction.atomic
def rename_folder(*, actor: Any, folder: Folder, name: str) -> Folder:
    """Give a folder another name (unique among its siblings)."""
    _require_design(actor)
    advisory_xact_lock(_TREE_LOCK)
    folder = _fresh(Folder, folder.pk)
    name = _clean_name(name)
    if name == folder.name:
        return folder
    _check_unique(name, folder.parent_id, exclude=folder.pk)
    before = _folder_snapshot(folder)
    folder.name = name
    folder.save(update_fields=["name"])
    audit.record(
        "board.folder_renamed",
        actor=actor,
        obj=folder,
        before=before,
        after=_folder_snapshot(folder),
    )
    return folder


@transaction.atomic
def move_folder(*, actor: Any, folder: Folder, parent: Folder | None) -> Folder:
    """Move a folder, with everything in it, under ``parent`` (to the top without one).
    Refused into itself or one of its own sub-folders, and beyond the depth limit."""
    _require_design(actor)
    advisory_xact_lock(_TREE_LOCK)
    folder = _fresh(Folder, folder.pk)
    parent_id = _fresh(Folder, parent.pk).pk if parent else None
    if parent_id == folder.parent_id:
        return folder
    parents = _parents()
    chain = _ancestors(parent_id, parents)
    if folder.pk in chain:
        target = "它自己" if parent_id == folder.pk else f"它的下级目录“{parent}”"
        raise ValidationFailed(
            f"不能把目录“{folder}”移到{target}中，请选择其他目录", code="folder_cycle"
        )
    if len(chain) + _subtree_height(folder.pk, parents) > FOLDER_DEPTH_MAX:
        raise ValidationFailed(
            f"移动后目录将超过{FOLDER_DEPTH_MAX}级，请选择层级更高的目录",
            code="folder_too_deep",
        )
    _check_unique(folder.name, parent_id, exclude=folder.pk)
    before = _folder_snapshot(folder)
    folder.parent_id = parent_id
    folder.position = _next_position(parent_id)
    folder.save(update_fields=["parent", "position"])
    audit.record(
        "board.folder_moved", actor=actor, obj=folder, before=before, after=_folder_snapshot(folder)
    )
    return folder


@transaction.atomic
def delete_folder(*, actor: Any, folder: Folder) -> None:
    """Delete an empty folder; one that still holds folders or boards is refused."""
    _require_design(actor)
    advisory_xact_lock(_TREE_LOCK)
    folder = _fresh(Folder, folder.pk)
    children = folder.children.count()
    boards = folder.boards.count()
    if children or boards:
        held = "、".join(
            part
            for part in (
                f"{children}个子目录" if children else "",
                f"{boards}张报表" if boards else "",
            )
            if part
        )
        raise ValidationFailed(
            f"目录“{folder}”下还有{held}，请先移走或删除后再删除目录", code="folder_not_empty"
        )
    before = _folder_snapshot(folder)
    audit.record("board.folder_deleted", actor=actor, obj=folder, before=before)
    folder.delete()


# --------------------------------------------------------------------------------------------
# Boards
# --------------------------------------------------------------------------------------------


def panel_data(panel: Panel) -> dict[str, Any]:
    """A panel as the designer posts and loads it."""
    return {
        "title": panel.title,
        "dataset": panel.dataset,
        "chart": panel.chart,
        "options": panel.options,
        "filters": panel.filters,
        "x": panel.x,
        "y": panel.y,
        "w": panel.w,
        "h": panel.h,
    }


def board_data(board: Board) -> dict[str, Any]:
    """The whole board as the designer loads it and posts it back (:func:`save_board`)."""
    return {
        "id": board.pk,
        "version": board.version,
        "title": board.title,
        "description": board.description,
        "panels": [panel_data(p) for p in board.panels.all()],
    }


def _board_snapshot(board: Board) -> dict[str, Any]:
    return {
        "title": board.title,
        "description": board.description,
        "folder": board.folder_id,
        "published": board.published,
        "roles": list(board.roles),
        "version": board.version,
        "panels": [panel_data(p) for p in board.panels.all()],
    }


def _clean_title(title: Any, what: str = "报表名称") -> str:
    if not isinstance(title, str) or not title.strip():
        raise ValidationFailed(f"请填写{what}", code="board_title_required")
    title = " ".join(title.split())
    if len(title) > TITLE_MAX:
        raise ValidationFailed(f"{what}不能超过{TITLE_MAX}个字", code="board_title_too_long")
    return title


def _clean_description(description: Any) -> str:
    if description is None:
        return ""
    if not isinstance(description, str):
        raise ValidationFailed("报表说明应为文字", code="board_invalid")
    description = description.strip()
    if len(description) > DESCRIPTION_MAX:
        raise ValidationFailed(
            f"报表说明不能超过{DESCRIPTION_MAX}个字", code="board_description_too_long"
        )
    return description


@transaction.atomic
def create_board(*, actor: Any, folder: Folder, title: str, description: str = "") -> Board:
    """A new, empty and unpublished board in ``folder`` (panels are added in the designer)."""
    _require_design(actor)
    board = Board.objects.create(
        title=_clean_title(title),
        description=_clean_description(description),
        folder=_fresh(Folder, folder.pk),
        created_by_id=principal_of(actor).user_id,
    )
    audit.record("board.created", actor=actor, obj=board, after=_board_snapshot(board))
    return board


class _Problems:
    """The refusals of one board, each naming its panel (1-based; None for the board) and
    field, gathered so the designer shows them all at once."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, panel: int | None, field: str, message: str, title: str = "") -> None:
        if panel is None:
            text = message
        else:
            name = f"“{title}”" if title else ""
            text = f"第{panel + 1}个面板{name}的{FIELD_LABELS[field]}：{message}"
        self.items.append({"panel": panel, "field": field, "message": text})

    def raise_if_any(self) -> None:
        if not self.items:
            return
        first = self.items[0]["message"]
        more = f"（另有{len(self.items) - 1}处问题）" if len(self.items) > 1 else ""
        raise ValidationFailed(
            f"报表未保存：{first}{more}", code="board_invalid", details={"errors": self.items}
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _clean_options(value: Any, chart: str | None) -> tuple[dict[str, Any], str | None]:
    if value is None:
        return {}, None
    if not isinstance(value, dict):
        return {}, "应为选项的集合"
    options: dict[str, Any] = {}
    for key, item in value.items():
        spec = OPTIONS.get(key)
        if spec is None:
            return {}, f"没有“{key}”这个选项"
        if chart and chart not in spec.charts:
            return {}, f"“{spec.label}”不适用于{CHART_TYPES.get(chart, chart)}"
        if spec.kind == "bool":
            if not isinstance(item, bool):
                return {}, f"“{spec.label}”应为是或否"
        elif spec.kind == "choice":
            if item not in dict(spec.choices):
                names = "、".join(label for _, label in spec.choices)
                return {}, f"“{spec.label}”应为以下之一：{names}"
        elif not _is_int(item) or not spec.low <= item <= spec.high:
            return {}, f"“{spec.label}”应为{spec.low}到{spec.high}之间的整数"
        options[key] = item
    return options, None


def _clean_filters(value: Any) -> tuple[dict[str, str], str | None]:
    if value is None:
        return {}, None
    if not isinstance(value, dict):
        return {}, "应为筛选条件的集合"
    unknown = [k for k in value if k not in FILTER_KEYS]
    if unknown:
        return {}, f"没有“{unknown[0]}”这个筛选条件"
    if not all(isinstance(v, str) for v in value.values()):
        return {}, "筛选条件应为文字"
    fixed = {k: v.strip() for k, v in value.items() if v.strip()}
    try:
        Filters.from_query(fixed)
    except ValidationFailed as exc:
        return {}, exc.message
    return fixed, None


def _clean_geometry(panel: dict[str, Any], index: int, title: str, problems: _Problems) -> bool:
    ok = True
    for key in ("x", "y", "w", "h"):
        if not _is_int(panel.get(key)):
            problems.add(index, key, "应为整数", title)
            ok = False
    if not ok:
        return False
    x, y, w, h = (panel[k] for k in ("x", "y", "w", "h"))
    checks = (
        ("x", 0 <= x < GRID_COLUMNS, f"应在0到{GRID_COLUMNS - 1}之间"),
        ("w", 1 <= w <= GRID_COLUMNS, f"应在1到{GRID_COLUMNS}列之间"),
        ("y", 0 <= y <= ROWS_MAX, f"应在0到{ROWS_MAX}之间"),
        ("h", 1 <= h <= HEIGHT_MAX, f"应在1到{HEIGHT_MAX}行之间"),
    )
    for key, good, message in checks:
        if not good:
            problems.add(index, key, message, title)
            ok = False
    if ok and x + w > GRID_COLUMNS:
        problems.add(index, "w", f"超出了{GRID_COLUMNS}列的网格（第{x + 1}列起宽{w}列）", title)
        ok = False
    return ok


def _clean_panel(
    raw: Any, index: int, usable: dict[str, Dataset], problems: _Problems
) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        problems.add(index, "panel", "格式不正确")
        return None
    raw_title = raw.get("title")
    title = raw_title.strip() if isinstance(raw_title, str) else ""
    unknown = [k for k in raw if k not in PANEL_KEYS and k != "id"]
    if unknown:
        problems.add(index, "panel", f"没有“{unknown[0]}”这个属性", title)
    if raw_title is not None and not isinstance(raw_title, str):
        problems.add(index, "title", "应为文字", title)
    elif len(title) > TITLE_MAX:
        problems.add(index, "title", f"不能超过{TITLE_MAX}个字", title[:20])
    code = raw.get("dataset")
    dataset = usable.get(code) if isinstance(code, str) else None
    if dataset is None:
        shown = code if isinstance(code, str) and code else ""
        problems.add(
            index,
            "dataset",
            f"数据集“{shown}”不存在或您无权使用" if shown else "请选择数据集",
            title,
        )
    title = title or (dataset.title if dataset else "")
    chart = raw.get("chart")
    if chart not in CHART_TYPES:
        problems.add(index, "chart", "请选择图表类型", title)
        chart = None
    elif dataset is not None and chart not in dataset.charts:
        allowed = "、".join(CHART_TYPES[c] for c in dataset.charts)
        problems.add(
            index,
            "chart",
            f"数据集“{dataset.title}”不能显示为{CHART_TYPES[chart]}，可选：{allowed}",
            title,
        )
    options, why = _clean_options(raw.get("options"), chart)
    if why:
        problems.add(index, "options", why, title)
    filters, why = _clean_filters(raw.get("filters"))
    if why:
        problems.add(index, "filters", why, title)
    placed = _clean_geometry(raw, index, title, problems)
    return {
        "title": title,
        "dataset": code,
        "chart": chart,
        "options": options,
        "filters": filters,
        **({k: raw[k] for k in ("x", "y", "w", "h")} if placed else {}),
    }


def _overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


def clean_board(data: Any, usable: dict[str, Dataset]) -> dict[str, Any]:
    """The board posted by the designer, checked whole: title, description and every panel
    (dataset among ``usable``, a chart it allows, options, fixed filters, a cell within the
    grid not overlapping another). Raises one :class:`ValidationFailed` (``board_invalid``)
    whose ``details["errors"]`` lists every problem with its panel (0-based) and field."""
    problems = _Problems()
    if not isinstance(data, dict):
        problems.add(None, "panel", "报表数据格式不正确，请刷新页面后重试")
        problems.raise_if_any()
    cleaned: dict[str, Any] = {"title": "", "description": "", "panels": []}
    for key, clean in (("title", _clean_title), ("description", _clean_description)):
        try:
            cleaned[key] = clean(data.get(key))
        except ValidationFailed as exc:
            problems.add(None, key, exc.message)
    panels = data.get("panels")
    if not isinstance(panels, list):
        problems.add(None, "panel", "报表数据格式不正确，请刷新页面后重试")
        problems.raise_if_any()
    if len(panels) > PANELS_MAX:
        problems.add(None, "panel", f"一张报表最多{PANELS_MAX}个面板，现有{len(panels)}个")
        problems.raise_if_any()
    for index, raw in enumerate(panels):
        panel = _clean_panel(raw, index, usable, problems)
        if panel is None:
            continue
        if "x" in panel:
            for other_index, other in enumerate(cleaned["panels"]):
                if "x" in other and _overlaps(panel, other):
                    problems.add(
                        index,
                        "layout",
                        f"与第{other_index + 1}个面板“{other['title']}”重叠，请挪开",
                        panel["title"],
                    )
                    break
        cleaned["panels"].append(panel)
    problems.raise_if_any()
    return cleaned


@transaction.atomic
def save_board(*, actor: Any, board: Board, data: Any) -> Board:
    """Save the whole board posted by the designer (title, description, panels): checked by
    :func:`clean_board`, refused when ``data["version"]`` is not the board's current version
    (someone saved in between); then its panels are replaced and its version goes up by one."""
    _require_design(actor)
    board = _fresh(Board, board.pk, lock=True)
    if not isinstance(data, dict):
        clean_board(data, {})  # refuses: not a board
    if data.get("version") != board.version:
        raise ValidationFailed(
            f"报表“{board}”已被他人修改并保存（当前第{board.version}版），请刷新页面后再修改",
            code="board_stale",
        )
    cleaned = clean_board(data, usable_datasets(actor))
    before = _board_snapshot(board)
    board.title = cleaned["title"]
    board.description = cleaned["description"]
    board.version += 1
    board.save(update_fields=["title", "description", "version", "updated_at"])
    board.panels.all().delete()
    Panel.objects.bulk_create(
        Panel(board=board, position=i, **panel) for i, panel in enumerate(cleaned["panels"])
    )
    audit.record("board.saved", actor=actor, obj=board, before=before, after=_board_snapshot(board))
    return board


@transaction.atomic
def move_board(*, actor: Any, board: Board, folder: Folder) -> Board:
    """File a board in another folder."""
    _require_design(actor)
    board = _fresh(Board, board.pk, lock=True)
    folder = _fresh(Folder, folder.pk)
    if board.folder_id == folder.pk:
        return board
    before = _board_snapshot(board)
    board.folder = folder
    board.save(update_fields=["folder", "updated_at"])
    audit.record("board.moved", actor=actor, obj=board, before=before, after=_board_snapshot(board))
    return board


@transaction.atomic
def publish_board(*, actor: Any, board: Board, roles: list[str]) -> Board:
    """Publish a board to ``roles`` (replacing the roles it was published to). Refused
    without a role, for a role that cannot view dashboards, and for a board without panels."""
    _require_design(actor)
    board = _fresh(Board, board.pk, lock=True)
    chosen = sorted(set(roles or ()))
    if not chosen:
        raise ValidationFailed("请至少选择一个发布角色", code="board_roles_required")
    for role in chosen:
        if role not in PUBLISHABLE_ROLES:
            label = Role(role).label if role in Role.values else role
            raise ValidationFailed(
                f"角色“{label}”不能查看统计报表，不能发布给它", code="board_role_unknown"
            )
    if not board.panels.exists():
        raise ValidationFailed(
            f"报表“{board}”还没有面板，请先在设计页添加面板再发布", code="board_empty"
        )
    before = _board_snapshot(board)
    board.published = True
    board.roles = chosen
    board.save(update_fields=["published", "roles", "updated_at"])
    audit.record(
        "board.published", actor=actor, obj=board, before=before, after=_board_snapshot(board)
    )
    return board


@transaction.atomic
def unpublish_board(*, actor: Any, board: Board) -> Board:
    """Withdraw a board: only the credit office sees it until it is published again (the roles
    it was published to are kept for then)."""
    _require_design(actor)
    board = _fresh(Board, board.pk, lock=True)
    if not board.published:
        return board
    before = _board_snapshot(board)
    board.published = False
    board.save(update_fields=["published", "updated_at"])
    audit.record(
        "board.unpublished", actor=actor, obj=board, before=before, after=_board_snapshot(board)
    )
    return board


@transaction.atomic
def copy_board(*, actor: Any, board: Board, title: str | None = None) -> Board:
    """A copy of a board in the same folder, with its panels, unpublished (its title
    ``title`` or the original's with “（副本）”)."""
    _require_design(actor)
    source = _fresh(Board, board.pk)
    suffix = "（副本）"
    name = _clean_title(title) if title else source.title[: TITLE_MAX - len(suffix)] + suffix
    copy = Board.objects.create(
        title=name,
        description=source.description,
        folder_id=source.folder_id,
        created_by_id=principal_of(actor).user_id,
    )
    Panel.objects.bulk_create(
        Panel(board=copy, position=i, **panel_data(p)) for i, p in enumerate(source.panels.all())
    )
    audit.record(
        "board.copied",
        actor=actor,
        obj=copy,
        before={"source": source.pk, "title": source.title},
        after=_board_snapshot(copy),
    )
    return copy


@transaction.atomic
def delete_board(*, actor: Any, board: Board) -> None:
    """Delete a board and its panels; a published board is refused (whoever it is
    published to may be looking at it): withdraw it first."""
    _require_design(actor)
    board = _fresh(Board, board.pk, lock=True)
    if board.published:
        raise ValidationFailed(f"报表“{board}”已发布，请先取消发布再删除", code="board_published")
    before = _board_snapshot(board)
    audit.record("board.deleted", actor=actor, obj=board, before=before)
    board.delete()


# --------------------------------------------------------------------------------------------
# Demo
# --------------------------------------------------------------------------------------------

#: The demo's folders (parent, name) and boards (folder, title, description, dataset groups).
DEMO_ROOT = "综合分析"
DEMO_BOARDS = (
    (
        "归集情况",
        "信用信息归集情况",
        "各部门信用信息归集、报送和数据质量情况。",
        ("collection", "map"),
    ),
    (
        "信用状况",
        "全市信用状况",
        "信用主体、失信记录和红黑名单的分布与趋势。",
        ("status", "subjects", "applications"),
    ),
)
DEMO_ROLES = [Role.LEADER.value, Role.CITY_ADMIN.value, Role.CITY_REVIEWER.value]
DEMO_PANELS = 6


def _demo_panels(usable: dict[str, Dataset], groups: tuple[str, ...]) -> list[dict[str, Any]]:
    """Up to :data:`DEMO_PANELS` datasets of ``groups`` in two columns (a map taller)."""
    chosen = [d for g in groups for d in usable.values() if d.group == g][:DEMO_PANELS]
    panels = []
    bottoms = [0, 0]
    for i, dataset in enumerate(chosen):
        chart = dataset.charts[0]
        column = i % 2
        height = 6 if chart == "map" else 4
        panels.append(
            {
                "title": dataset.title,
                "dataset": dataset.code,
                "chart": chart,
                "options": {"top": 10} if chart in OPTIONS["top"].charts else {},
                "filters": {},
                "x": column * 6,
                "y": bottoms[column],
                "w": 6,
                "h": height,
            }
        )
        bottoms[column] += height
    return panels


@transaction.atomic
def seed_demo_boards(actor: Any = None) -> list[Board]:
    """The demo's catalogue: 综合分析 › 归集情况 and 信用状况, each with a board built from
    the datasets registered now, published to leaders and the credit office. Idempotent: what
    exists (a folder by name, a board by title in its folder) is kept as it is."""
    _require_design(actor)
    usable = usable_datasets(actor)
    root = Folder.objects.filter(parent=None, name=DEMO_ROOT).first() or add_folder(
        actor=actor, name=DEMO_ROOT
    )
    boards = []
    for folder_name, title, description, groups in DEMO_BOARDS:
        folder = Folder.objects.filter(parent=root, name=folder_name).first() or add_folder(
            actor=actor, name=folder_name, parent=root
        )
        board = Board.objects.filter(folder=folder, title=title).first()
        if board is None:
            board = create_board(actor=actor, folder=folder, title=title, description=description)
            panels = _demo_panels(usable, groups)
            if panels:
                data = {**board_data(board), "panels": panels}
                board = save_board(actor=actor, board=board, data=data)
                board = publish_board(actor=actor, board=board, roles=DEMO_ROLES)
        boards.append(board)
    return boards
