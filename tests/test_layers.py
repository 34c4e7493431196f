"""The apps' imports keep their layers (ARCHITECTURE.md "Layout"): the kernel ``core`` imports
no app, no app imports the public site ``portal``, the platform app ``events`` imports none of
the domain apps that publish into it, and no chain of imports between apps comes back to
where it started. Every import counts, including those inside functions."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "credit"
#: What the platform app ``events`` may build on; every other app publishes into it.
EVENTS_MAY_IMPORT = {"core", "catalog", "accounts", "gateway"}


def apps_in(root: Path) -> set[str]:
    return {p.name for p in root.iterdir() if (p / "__init__.py").exists()}


def imported_apps(source: str, apps: set[str]) -> set[str]:
    """The apps a module's source imports (``credit.<app>`` in any import statement)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        names: Iterable[str] = ()
        if isinstance(node, ast.Import):
            names = (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "credit":  # from credit import portal
                names = (f"credit.{alias.name}" for alias in node.names)
            else:
                names = (node.module,)
        for name in names:
            parts = name.split(".")
            if parts[0] == "credit" and len(parts) > 1 and parts[1] in apps:
                found.add(parts[1])
    return found


def import_graph(root: Path = SRC) -> dict[str, set[str]]:
    """App → the other apps its modules import (migrations left out: they name models only)."""
    apps = apps_in(root)
    graph: dict[str, set[str]] = {app: set() for app in apps}
    for app in apps:
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            graph[app] |= imported_apps(path.read_text(encoding="utf-8"), apps) - {app}
    return graph


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The groups of apps that import each other, directly or through others (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def layer_problems(graph: Mapping[str, set[str]]) -> list[str]:
    """Every import that goes the wrong way, in words."""
    problems = [f"core imports {app}" for app in sorted(graph.get("core", ()))]
    problems += [f"{app} imports portal" for app in sorted(graph) if "portal" in graph[app]]
    if "events" in graph:
        problems += [
            f"events imports {app}, which publishes into it"
            for app in sorted(graph["events"] - EVENTS_MAY_IMPORT)
        ]
    problems += [f"import cycle {' → '.join(group)}" for group in cycles(graph)]
    return problems


def test_the_apps_keep_their_layers():
    assert layer_problems(import_graph()) == []


def test_the_kernel_and_the_platform_apps_are_where_the_layout_says():
    graph = import_graph()
    assert {"core", "events", "records", "sanctions", "portal"} <= set(graph)
    assert "events" in graph["records"], "records publishes its changes into events"


@pytest.mark.parametrize(
    ("graph", "problem"),
    [
        ({"core": {"accounts"}, "accounts": set()}, "core imports accounts"),
        ({"objections": {"portal"}, "portal": set()}, "objections imports portal"),
        ({"events": {"records"}, "records": set()}, "events imports records"),
        ({"records": {"subjects"}, "subjects": {"records"}}, "import cycle records → subjects"),
        (
            {"a": {"b"}, "b": {"c"}, "c": {"a"}},
            "import cycle a → b → c",
        ),
    ],
)
def test_an_import_the_wrong_way_is_reported(graph, problem):
    assert any(p.startswith(problem) for p in layer_problems(graph))


def test_imports_inside_functions_and_from_the_package_count():
    source = (
        "from credit.records.models import CreditRecord\n"
        "def f():\n"
        "    import credit.subjects.selectors\n"
        "    from credit import portal\n"
    )
    assert imported_apps(source, {"records", "subjects", "portal", "core"}) == {
        "records",
        "subjects",
        "portal",
    }
