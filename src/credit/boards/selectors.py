"""Reads of the report catalogue: which boards a principal sees and the catalogue tree.

A board is seen by the credit office (``dashboard.design``) always, and by anyone else who may
view dashboards (``dashboard.view``) only while it is published to their role. A board not
seen answers "not found" alike whether it exists or not (:func:`board_for`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from credit.accounts.models import User
from credit.accounts.roles import Role
from credit.boards.models import Board, Folder
from credit.boards.services import FILTER_KEYS, OPTIONS, PUBLISHABLE_ROLES, usable_datasets
from credit.core.access import Perm, principal_of
from credit.dashboard.datasets import CHART_TYPES, GROUPS


def role_of(actor: Any) -> str | None:
    """The role of the account behind ``actor`` (boards are published to roles)."""
    principal = principal_of(actor)
    if principal.user_id is None:
        return None
    return User.objects.filter(pk=principal.user_id).values_list("role", flat=True).first()


def can_design(actor: Any) -> bool:
    return principal_of(actor).has_perm(Perm.DASHBOARD_DESIGN)


def boards_for(actor: Any) -> QuerySet[Board]:
    """The boards ``actor`` may open: every one for the credit office, else those published
    to its role (none without ``dashboard.view``)."""
    principal = principal_of(actor)
    if principal.has_perm(Perm.DASHBOARD_DESIGN):
        return Board.objects.all()
    if not principal.has_perm(Perm.DASHBOARD_VIEW):
        return Board.objects.none()
    role = role_of(principal)
    if not role:
        return Board.objects.none()
    return Board.objects.filter(published=True, roles__contains=[role])


def board_for(actor: Any, pk: int) -> Board | None:
    """Board ``pk`` if ``actor`` may open it, else None (missing and hidden alike)."""
    return boards_for(actor).select_related("folder").filter(pk=pk).first()


def designable_board(actor: Any, pk: int) -> Board | None:
    """Board ``pk`` for the designer (the credit office), else None."""
    if not can_design(actor):
        return None
    return Board.objects.select_related("folder").filter(pk=pk).first()


def role_labels(roles: list[str]) -> list[str]:
    """Chinese names of role values (unknown values as they are)."""
    labels = dict(Role.choices)
    return [labels.get(r, r) for r in roles]


def publishable_roles() -> list[tuple[str, str]]:
    """(value, Chinese name) of the roles a board may be published to."""
    return [(r.value, r.label) for r in PUBLISHABLE_ROLES]


@dataclass
class FolderNode:
    """A folder of the tree as a page shows it: its path (综合分析 › 归集情况), depth (0 at the
    top), the boards in it the principal sees, and its sub-folders."""

    folder: Folder
    path: str
    depth: int
    boards: list[Board] = field(default_factory=list)
    children: list[FolderNode] = field(default_factory=list)

    @property
    def board_count(self) -> int:
        """Boards in it and in its sub-folders."""
        return len(self.boards) + sum(c.board_count for c in self.children)

    def walk(self) -> list[FolderNode]:
        """Itself and every folder under it, depth first."""
        return [self, *(n for c in self.children for n in c.walk())]


def catalogue_tree(actor: Any) -> list[FolderNode]:
    """The catalogue tree with the boards ``actor`` sees in each folder. The credit office
    sees every folder; anyone else only the folders leading to a board it sees."""
    folders = list(Folder.objects.all())
    visible = list(boards_for(actor).order_by("title", "pk"))
    for board in visible:
        board.role_names = role_labels(board.roles)
    by_folder: dict[int, list[Board]] = {}
    for board in visible:
        by_folder.setdefault(board.folder_id, []).append(board)
    children: dict[int | None, list[Folder]] = {}
    for folder in folders:
        children.setdefault(folder.parent_id, []).append(folder)

    def build(folder: Folder, path: str, depth: int) -> FolderNode:
        node = FolderNode(folder, path, depth, by_folder.get(folder.pk, []))
        node.children = [
            build(c, f"{path} › {c.name}", depth + 1) for c in children.get(folder.pk, [])
        ]
        return node

    roots = [build(f, f.name, 0) for f in children.get(None, [])]
    if can_design(actor):
        return roots
    return _prune(roots)


def _prune(nodes: list[FolderNode]) -> list[FolderNode]:
    kept = []
    for node in nodes:
        node.children = _prune(node.children)
        if node.board_count:
            kept.append(node)
    return kept


def folder_choices(tree: list[FolderNode]) -> list[tuple[int, str]]:
    """(pk, path) of every folder of ``tree``, in tree order (for the move and new forms)."""
    return [(n.folder.pk, n.path) for root in tree for n in root.walk()]


def designer_context(actor: Any) -> dict[str, Any]:
    """What the designer's script needs besides the board: the datasets ``actor`` may use,
    grouped (GROUPS order), each with its description and chart types; the chart types'
    names; the options and the fixed filters a panel may set."""
    usable = usable_datasets(actor)
    groups = []
    for key, label in GROUPS.items():
        members = [
            {
                "code": d.code,
                "title": d.title,
                "description": d.description,
                "unit": d.unit,
                "charts": list(d.charts),
            }
            for d in usable.values()
            if d.group == key
        ]
        if members:
            groups.append({"key": key, "label": label, "datasets": members})
    return {
        "groups": groups,
        "charts": CHART_TYPES,
        "options": {
            k: {
                "label": o.label,
                "kind": o.kind,
                "charts": list(o.charts),
                "low": o.low,
                "high": o.high,
                "choices": [list(c) for c in o.choices],
            }
            for k, o in OPTIONS.items()
        },
        "filters": list(FILTER_KEYS),
    }
