"""The credit office composes a board: opens the designer, adds a panel, chooses its dataset,
drags it to the right half and makes it taller, saves, reloads and finds it where it left it;
then opens the board. No console error, and at 390 px no page scrolls sideways."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from credit.accounts.roles import Role
from tests.browser.conftest import PASSWORD, fits, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    """Committed for the server process: a reviewer of the credit office, a folder with an
    empty board, and the dataset the panel will show (a bar chart of the registry)."""
    from credit.accounts.services import create_user
    from credit.boards import services
    from credit.boards.models import Board, Folder

    with django_db_blocker.unblock():
        reviewer = create_user(
            actor=None,
            username=f"bd-{uuid.uuid4().hex[:8]}",
            password=PASSWORD,
            role=Role.CITY_REVIEWER,
            real_name="李设计",
        )
        folder = services.add_folder(actor=None, name=f"旅程目录{uuid.uuid4().hex[:6]}")
        board = services.create_board(actor=None, folder=folder, title="旅程报表")
        dataset = next(
            d
            for d in services.usable_datasets(reviewer).values()
            if d.charts[0] == "bar" and not d.optional
        )
    yield {"reviewer": reviewer, "board": board, "dataset": dataset}
    with django_db_blocker.unblock():
        Board.objects.filter(folder=folder).delete()
        Folder.objects.filter(pk=folder.pk).delete()


def _saved_panels(board_pk: int, blocker) -> list[tuple]:
    """The board's panels as the server saved them, read off Playwright's event loop."""
    from django.db import connection

    from credit.boards.models import Panel

    def run() -> list[tuple]:
        with blocker.unblock():
            try:
                return list(
                    Panel.objects.filter(board_id=board_pk).values_list(
                        "title", "dataset", "chart", "x", "y", "w", "h"
                    )
                )
            finally:
                connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def _watch(page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(f"{m.text} ({m.location.get('url', '')})") if m.type == "error" else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def _drawn(page, cell) -> None:
    """Wait until the panel's preview has finished loading, and check it did not fail."""
    body = cell.locator(".panel-body")
    body.locator(".loading").wait_for(state="detached", timeout=15_000)
    assert body.locator(".error").count() == 0, body.inner_text()


def _drag(page, source: dict, dx: float, dy: float) -> None:
    x, y = source["x"], source["y"]
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(x + dx * step / 10, y + dy * step / 10)
    page.mouse.up()


def test_the_credit_office_composes_a_board(page, live_url, scene, tmp_path, django_db_blocker):
    page.set_viewport_size({"width": 1366, "height": 768})
    errors = _watch(page)
    login(page, live_url, scene["reviewer"])
    board, dataset = scene["board"], scene["dataset"]
    design = f"{live_url}/boards/{board.pk}/design/"
    page.goto(design)
    assert page.get_by_test_id("grid-empty").is_visible()
    assert page.get_by_test_id("board-title").input_value() == "旅程报表"

    page.get_by_test_id("add-panel").click()
    cell = page.get_by_test_id("designer-cell")
    editor = page.get_by_test_id("panel-editor")
    assert cell.count() == 1 and editor.count() == 1
    assert page.get_by_test_id("grid-empty").is_hidden()
    editor.locator("select[data-field=dataset]").select_option(dataset.code)
    assert editor.locator("select[data-field=chart]").input_value() == "bar"
    charts = editor.locator("select[data-field=chart] option").all_inner_texts()
    assert charts == [{"bar": "柱状图", "line": "折线图", "pie": "饼图", "map": "地图",
                       "table": "表格", "number": "数字"}[c] for c in dataset.charts]  # fmt: skip
    assert dataset.description in editor.inner_text()
    editor.locator("input[data-field=title]").fill("旅程面板")
    _drawn(page, cell)
    assert cell.locator("h2").inner_text() == "旅程面板"
    assert "位置：第 1 列、第 1 行；大小：6 列 × 4 行" in editor.inner_text()

    # Drag it to the right half, then make it two rows taller by its corner.
    grid = page.get_by_test_id("designer-grid").bounding_box()
    head = cell.locator("h2").bounding_box()
    column = grid["width"] / 12
    _drag(page, {"x": head["x"] + 20, "y": head["y"] + 8}, 6.4 * column, 0)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=designer-cell]').gridstackNode.x === 6"
    )
    cell.hover()
    handle = cell.locator(".ui-resizable-se").bounding_box()
    _drag(page, {"x": handle["x"] + handle["width"] / 2, "y": handle["y"] + handle["height"] / 2},
          0, 2 * 80)  # fmt: skip
    page.wait_for_function(
        "() => document.querySelector('[data-testid=designer-cell]').gridstackNode.h === 6"
    )
    assert "位置：第 7 列、第 1 行；大小：6 列 × 6 行" in editor.inner_text()

    page.get_by_test_id("save-board").click()
    status = page.get_by_test_id("designer-status")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=designer-status]')"
        ".textContent.includes('已保存')"
    )
    assert status.inner_text() == "已保存（第2版）"
    assert _saved_panels(board.pk, django_db_blocker) == [
        ("旅程面板", dataset.code, "bar", 6, 0, 6, 6)
    ]

    page.reload()
    cell = page.get_by_test_id("designer-cell")
    assert cell.count() == 1
    assert cell.locator("h2").inner_text() == "旅程面板"
    assert page.evaluate(
        "() => { const n = document.querySelector('[data-testid=designer-cell]').gridstackNode;"
        " return [n.x, n.y, n.w, n.h]; }"
    ) == [6, 0, 6, 6]
    _drawn(page, cell)
    page.screenshot(path=str(tmp_path / "designer.png"), full_page=True)

    page.goto(f"{live_url}/boards/{board.pk}/")
    panel = page.get_by_test_id("panel")
    assert panel.count() == 1
    _drawn(page, panel)
    export = panel.locator("a.export")
    assert export.inner_text() == "导出 Excel"
    assert export.get_attribute("href") == f"/dashboard/data/{dataset.code}.xlsx"
    assert page.get_by_test_id("breadcrumb").is_visible()
    assert errors == []


def test_a_refused_panel_is_named_next_to_it(page, live_url, scene):
    page.set_viewport_size({"width": 1366, "height": 768})
    errors = _watch(page)
    login(page, live_url, scene["reviewer"])
    page.goto(f"{live_url}/boards/{scene['board'].pk}/design/")
    page.get_by_test_id("add-panel").click()
    editor = page.get_by_test_id("panel-editor").last
    editor.locator("select[data-field=dataset]").select_option("")
    page.get_by_test_id("save-board").click()
    problems = editor.get_by_test_id("panel-errors")
    problems.wait_for(state="visible")
    assert "个面板" in problems.inner_text() and "请选择数据集" in problems.inner_text()
    assert "报表未保存" in page.get_by_test_id("designer-status").inner_text()
    page.once("dialog", lambda d: d.accept())  # leave with unsaved changes
    page.goto(f"{live_url}/boards/")
    # The browser reports the refusal itself (422) as a failed resource: expected here.
    assert [e for e in errors if "status of 422" not in e or "/design/save/" not in e] == []


@pytest.mark.parametrize("path", ["/boards/", "/boards/design/", "/boards/{pk}/design/",
                                  "/boards/{pk}/", "/boards/{pk}/publish/"])  # fmt: skip
def test_the_pages_fit_a_phone(page, live_url, scene, path):
    page.set_viewport_size({"width": 390, "height": 844})
    errors = _watch(page)
    login(page, live_url, scene["reviewer"])
    page.goto(live_url + path.format(pk=scene["board"].pk))
    page.wait_for_load_state("networkidle")
    fits(page)
    if path.endswith("/design/") and "{pk}" in path:
        assert page.locator("#designer-narrow").is_visible()
    assert errors == []
