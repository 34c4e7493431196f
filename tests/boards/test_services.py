"""Writes of the report catalogue: the designer's save/load round trip, the refusals that
leave a board as it was, the catalogue tree, publishing, copying, deleting, the audit trail and
the demo seed."""

from __future__ import annotations

import copy

import pytest

from credit.accounts.roles import Role
from credit.boards import services
from credit.boards.models import Board, Folder, Panel
from credit.core.access import SYSTEM
from credit.core.errors import NotFound, PermissionDenied, ValidationFailed
from credit.core.models import AuditEntry
from credit.dashboard import datasets
from tests.boards.conftest import SECRET, panel

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------------------------
# Save and load
# --------------------------------------------------------------------------------------------


def test_a_saved_board_loads_back_identical(designer, board):
    loaded = services.board_data(board)
    posted = copy.deepcopy(loaded)
    posted["panels"].append(
        panel(
            title="趋势",
            chart="table",
            options={},
            filters={"item": "admin-penalty", "from": "2026-01", "to": "2026-03"},
            x=0,
            y=4,
            w=12,
            h=3,
        )
    )
    posted["description"] = "各区归集情况"
    saved = services.save_board(actor=designer, board=board, data=posted)
    again = services.board_data(Board.objects.get(pk=saved.pk))
    assert again == {**posted, "version": loaded["version"] + 1}
    assert [p.position for p in Panel.objects.filter(board=board)] == [0, 1, 2]


def test_a_blank_panel_title_takes_the_dataset_title(designer, board):
    data = {**services.board_data(board), "panels": [panel(title="  ")]}
    services.save_board(actor=designer, board=board, data=data)
    assert services.board_data(board)["panels"][0]["title"] == "测试计数"


def _refused(designer, board, **changes) -> ValidationFailed:
    """Post the board with ``changes`` and return the refusal, checking nothing changed."""
    before = services.board_data(board)
    audits = AuditEntry.objects.count()
    data = {**copy.deepcopy(before), **changes}
    with pytest.raises(ValidationFailed) as refused:
        services.save_board(actor=designer, board=board, data=data)
    assert services.board_data(Board.objects.get(pk=board.pk)) == before
    assert AuditEntry.objects.count() == audits
    return refused.value


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        ({"dataset": "no_such_dataset"}, "dataset", "数据集“no_such_dataset”不存在"),
        ({"dataset": ""}, "dataset", "请选择数据集"),
        ({"chart": "pie"}, "chart", "不能显示为饼图，可选：柱状图、表格"),
        ({"chart": "radar"}, "chart", "请选择图表类型"),
        ({"x": 8, "w": 6}, "w", "超出了12列的网格"),
        ({"w": 0}, "w", "应在1到12列之间"),
        ({"x": -1}, "x", "应在0到11之间"),
        ({"h": 13}, "h", "应在1到12行之间"),
        ({"y": "2"}, "y", "应为整数"),
        ({"w": True}, "w", "应为整数"),
        ({"chart": "bar", "options": {"top": 0}}, "options", "“只显示前几项”应为1到100之间的整数"),
        ({"options": {"stack": True}}, "options", "没有“stack”这个选项"),
        ({"chart": "bar", "options": {"limit": 10}}, "options", "“最多显示行数”不适用于柱状图"),
        ({"options": []}, "options", "应为选项的集合"),
        ({"filters": {"region": "999999"}}, "filters", "区划代码“999999”不存在"),
        ({"filters": {"from": "2026-13"}}, "filters", "起始月份应为“年-月”"),
        ({"filters": {"owner": "me"}}, "filters", "没有“owner”这个筛选条件"),
        ({"title": "长" * 101}, "title", "不能超过100个字"),
        ({"colour": "red"}, "panel", "没有“colour”这个属性"),
    ],
)
def test_a_panel_at_fault_is_named_with_its_field(designer, board, bad, field, words):
    panels = services.board_data(board)["panels"]
    panels[1] = {**panels[1], **bad}
    exc = _refused(designer, board, panels=panels)
    assert exc.code == "board_invalid"
    errors = exc.details["errors"]
    assert [(e["panel"], e["field"]) for e in errors] == [(1, field)]
    assert errors[0]["message"].startswith("第2个面板")
    assert words in errors[0]["message"]
    assert exc.message.startswith("报表未保存：第2个面板")


def test_every_problem_is_reported_at_once(designer, board):
    panels = [panel(dataset="gone"), panel(x=6, chart="pie", options={}), panel(x=3, y=0)]
    exc = _refused(designer, board, panels=panels)
    found = [(e["panel"], e["field"]) for e in exc.details["errors"]]
    assert found == [(0, "dataset"), (1, "chart"), (2, "layout")]
    assert "与第1个面板“各区计数”重叠" in exc.details["errors"][2]["message"]
    assert "另有2处问题" in exc.message


def test_panels_beyond_the_limit_are_refused(designer, board):
    panels = [panel(x=(i % 2) * 6, y=(i // 2) * 4) for i in range(services.PANELS_MAX + 1)]
    exc = _refused(designer, board, panels=panels)
    assert "一张报表最多24个面板，现有25个" in exc.message


def test_the_limit_itself_is_allowed(designer, board):
    panels = [panel(x=(i % 2) * 6, y=(i // 2) * 4) for i in range(services.PANELS_MAX)]
    data = {**services.board_data(board), "panels": panels}
    services.save_board(actor=designer, board=board, data=data)
    assert board.panels.count() == services.PANELS_MAX


def test_a_dataset_the_designer_may_not_use_is_refused(designer, board, make_user):
    """The reviewer lacks 查看审计日志, which the secret dataset needs; the city admin has it."""
    panels = services.board_data(board)["panels"] + [panel(dataset=SECRET, chart="table",
                                                           options={}, y=4)]  # fmt: skip
    exc = _refused(designer, board, panels=panels)
    assert "不存在或您无权使用" in exc.details["errors"][0]["message"]
    admin = make_user(Role.CITY_ADMIN)
    data = {**services.board_data(board), "panels": panels}
    services.save_board(actor=admin, board=board, data=data)
    assert board.panels.filter(dataset=SECRET).exists()


def test_an_older_version_cannot_overwrite_a_newer_one(designer, board):
    exc = _refused(designer, board, version=board.version - 1)
    assert exc.code == "board_stale"
    assert "已被他人修改并保存（当前第2版）" in exc.message


@pytest.mark.parametrize(
    "data", [None, [], "board", {"version": 2, "title": "归集看板", "panels": "x"}]
)
def test_what_is_not_a_board_is_refused(designer, board, data):
    before = services.board_data(board)
    with pytest.raises(ValidationFailed) as refused:
        services.save_board(actor=designer, board=board, data=data)
    assert "格式不正确" in refused.value.message
    assert services.board_data(Board.objects.get(pk=board.pk)) == before


def test_a_board_title_is_required(designer, board):
    exc = _refused(designer, board, title="  ")
    assert exc.details["errors"] == [{"panel": None, "field": "title", "message": "请填写报表名称"}]


def test_saving_is_audited_with_before_and_after(designer, board):
    data = {**services.board_data(board), "panels": [panel(w=12)]}
    services.save_board(actor=designer, board=board, data=data)
    entry = AuditEntry.objects.filter(event_type="board.saved").latest("id")
    assert entry.actor_id == designer.pk
    assert entry.object_id == str(board.pk)
    assert len(entry.before["panels"]) == 2
    assert entry.after["panels"] == [panel(w=12)]
    assert (entry.before["version"], entry.after["version"]) == (2, 3)


def test_only_the_credit_office_designs(make_user, board, folder):
    officer = make_user(Role.DEPT_OFFICER, "320402", "TNQ-SCJG")
    leader = make_user(Role.LEADER)
    for actor in (officer, leader):
        with pytest.raises(PermissionDenied):
            services.save_board(actor=actor, board=board, data=services.board_data(board))
        with pytest.raises(PermissionDenied):
            services.add_folder(actor=actor, name="另一个")
        with pytest.raises(PermissionDenied):
            services.publish_board(actor=actor, board=board, roles=[Role.LEADER])


# --------------------------------------------------------------------------------------------
# The catalogue tree
# --------------------------------------------------------------------------------------------


def test_folders_are_added_renamed_and_audited(designer, folder):
    child = services.add_folder(actor=designer, name=" 归集 情况 ", parent=folder)
    assert (child.name, child.parent_id) == ("归集 情况", folder.pk)
    services.rename_folder(actor=designer, folder=child, name="归集情况")
    entry = AuditEntry.objects.filter(event_type="board.folder_renamed").latest("id")
    assert (entry.before["name"], entry.after["name"]) == ("归集 情况", "归集情况")
    assert AuditEntry.objects.filter(
        event_type="board.folder_added", object_id=str(child.pk)
    ).exists()


def test_a_name_is_unique_among_siblings_only(designer, folder):
    services.add_folder(actor=designer, name="归集情况", parent=folder)
    with pytest.raises(ValidationFailed, match="该目录下已有名为“归集情况”的目录"):
        services.add_folder(actor=designer, name="归集情况", parent=folder)
    with pytest.raises(ValidationFailed, match="顶层已有名为“综合分析”的目录"):
        services.add_folder(actor=designer, name="综合分析")
    other = services.add_folder(actor=designer, name="专题")
    services.add_folder(actor=designer, name="归集情况", parent=other)  # another parent: fine
    with pytest.raises(ValidationFailed, match="请填写目录名称"):
        services.rename_folder(actor=designer, folder=other, name="   ")


def test_a_folder_moves_with_its_content(designer, folder, board):
    target = services.add_folder(actor=designer, name="专题")
    services.move_folder(actor=designer, folder=folder, parent=target)
    folder.refresh_from_db()
    assert folder.parent_id == target.pk
    assert board.folder_id == folder.pk
    entry = AuditEntry.objects.filter(event_type="board.folder_moved").latest("id")
    assert (entry.before["parent"], entry.after["parent"]) == (None, target.pk)
    services.move_folder(actor=designer, folder=folder, parent=None)
    folder.refresh_from_db()
    assert folder.parent_id is None


def test_a_folder_cannot_move_into_itself_or_its_descendants(designer, folder):
    child = services.add_folder(actor=designer, name="归集情况", parent=folder)
    grandchild = services.add_folder(actor=designer, name="按部门", parent=child)
    audits = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed, match="不能把目录“综合分析”移到它的下级目录“按部门”中"):
        services.move_folder(actor=designer, folder=folder, parent=grandchild)
    with pytest.raises(ValidationFailed, match="移到它自己中"):
        services.move_folder(actor=designer, folder=folder, parent=folder)
    assert Folder.objects.get(pk=folder.pk).parent_id is None
    assert AuditEntry.objects.count() == audits


def test_a_move_is_refused_where_the_name_is_taken(designer, folder):
    other = services.add_folder(actor=designer, name="专题")
    services.add_folder(actor=designer, name="综合分析", parent=other)
    with pytest.raises(ValidationFailed, match="已有名为“综合分析”"):
        services.move_folder(actor=designer, folder=folder, parent=other)


def test_the_tree_is_at_most_five_levels_deep(designer, folder):
    parent = folder
    for level in range(2, services.FOLDER_DEPTH_MAX + 1):
        parent = services.add_folder(actor=designer, name=f"第{level}级", parent=parent)
    with pytest.raises(ValidationFailed, match="目录最多5级"):
        services.add_folder(actor=designer, name="第6级", parent=parent)
    top = services.add_folder(actor=designer, name="另一棵")
    services.add_folder(actor=designer, name="下级", parent=top)
    with pytest.raises(ValidationFailed, match="移动后目录将超过5级"):
        services.move_folder(actor=designer, folder=top, parent=parent)


def test_a_folder_that_holds_something_is_not_deleted(designer, folder, board):
    services.add_folder(actor=designer, name="归集情况", parent=folder)
    with pytest.raises(ValidationFailed) as refused:
        services.delete_folder(actor=designer, folder=folder)
    assert refused.value.message == (
        "目录“综合分析”下还有1个子目录、1张报表，请先移走或删除后再删除目录"
    )
    assert Folder.objects.filter(pk=folder.pk).exists()


def test_what_was_deleted_meanwhile_is_refused_not_broken(designer, folder, board):
    gone = services.add_folder(actor=designer, name="临时")
    services.delete_folder(actor=designer, folder=gone)
    with pytest.raises(NotFound, match="该目录不存在或已被删除"):
        services.add_folder(actor=designer, name="下级", parent=gone)
    with pytest.raises(NotFound):
        services.move_folder(actor=designer, folder=folder, parent=gone)
    with pytest.raises(NotFound):
        services.create_board(actor=designer, folder=gone, title="新报表")
    twin = services.copy_board(actor=designer, board=board)
    services.delete_board(actor=designer, board=twin)
    with pytest.raises(NotFound, match="该报表不存在或已被删除"):
        services.save_board(actor=designer, board=twin, data=services.board_data(board))


def test_an_empty_folder_is_deleted_and_audited(designer):
    empty = services.add_folder(actor=designer, name="临时")
    services.delete_folder(actor=designer, folder=empty)
    assert not Folder.objects.filter(pk=empty.pk).exists()
    entry = AuditEntry.objects.get(event_type="board.folder_deleted", object_id=str(empty.pk))
    assert entry.before["name"] == "临时"


# --------------------------------------------------------------------------------------------
# Publishing, copying, moving, deleting
# --------------------------------------------------------------------------------------------


def test_a_board_is_published_to_roles_and_withdrawn(designer, board):
    services.publish_board(actor=designer, board=board, roles=[Role.LEADER, Role.AUDITOR])
    board.refresh_from_db()
    assert board.published
    assert board.roles == sorted([Role.LEADER, Role.AUDITOR])
    entry = AuditEntry.objects.get(event_type="board.published")
    assert (entry.before["published"], entry.after["roles"]) == (False, ["auditor", "leader"])
    services.unpublish_board(actor=designer, board=board)
    board.refresh_from_db()
    assert not board.published
    assert AuditEntry.objects.filter(event_type="board.unpublished").count() == 1


@pytest.mark.parametrize(
    ("roles", "words"),
    [([], "请至少选择一个发布角色"), (["api_client"], "角色“接口调用方”不能查看统计报表")],
)
def test_publishing_needs_roles_that_view_dashboards(designer, board, roles, words):
    with pytest.raises(ValidationFailed, match=words):
        services.publish_board(actor=designer, board=board, roles=roles)
    assert not Board.objects.get(pk=board.pk).published


def test_an_empty_board_is_not_published(designer, folder):
    empty = services.create_board(actor=designer, folder=folder, title="空报表")
    with pytest.raises(ValidationFailed, match="还没有面板"):
        services.publish_board(actor=designer, board=empty, roles=[Role.LEADER])


def test_a_copy_has_the_panels_and_is_not_published(designer, board):
    services.publish_board(actor=designer, board=board, roles=[Role.LEADER])
    twin = services.copy_board(actor=designer, board=board)
    assert twin.title == "归集看板（副本）"
    assert not twin.published
    assert services.board_data(twin)["panels"] == services.board_data(board)["panels"]
    entry = AuditEntry.objects.get(event_type="board.copied")
    assert entry.before == {"source": board.pk, "title": "归集看板"}


def test_a_board_moves_to_another_folder(designer, board):
    was = board.folder_id
    other = services.add_folder(actor=designer, name="专题")
    services.move_board(actor=designer, board=board, folder=other)
    board.refresh_from_db()
    assert board.folder_id == other.pk
    entry = AuditEntry.objects.get(event_type="board.moved")
    assert (entry.before["folder"], entry.after["folder"]) == (was, other.pk)


def test_a_published_board_is_withdrawn_before_it_is_deleted(designer, board):
    services.publish_board(actor=designer, board=board, roles=[Role.LEADER])
    with pytest.raises(ValidationFailed, match="请先取消发布再删除"):
        services.delete_board(actor=designer, board=board)
    services.unpublish_board(actor=designer, board=board)
    services.delete_board(actor=designer, board=board)
    assert not Board.objects.filter(pk=board.pk).exists()
    assert not Panel.objects.filter(board_id=board.pk).exists()
    entry = AuditEntry.objects.get(event_type="board.deleted")
    assert len(entry.before["panels"]) == 2


# --------------------------------------------------------------------------------------------
# The demo
# --------------------------------------------------------------------------------------------


def test_the_demo_boards_are_built_from_the_registry_once():
    boards = services.seed_demo_boards()
    assert [b.folder.name for b in boards] == ["归集情况", "信用状况"]
    assert {b.folder.parent.name for b in boards} == {"综合分析"}
    registry = {d.code for d in datasets.catalogue(SYSTEM)}
    for b in boards:
        assert b.published
        assert set(b.roles) == {"leader", "city_admin", "city_reviewer"}
        codes = set(b.panels.values_list("dataset", flat=True))
        assert codes and codes <= registry
        services.clean_board(services.board_data(b), services.usable_datasets(None))
    audits = AuditEntry.objects.count()
    again = services.seed_demo_boards()
    assert [b.pk for b in again] == [b.pk for b in boards]
    assert Folder.objects.count() == 3
    assert AuditEntry.objects.count() == audits


def test_the_demo_keeps_what_the_credit_office_changed(designer):
    first = services.seed_demo_boards()[0]
    data = {**services.board_data(first), "panels": services.board_data(first)["panels"][:1]}
    services.save_board(actor=designer, board=first, data=data)
    services.seed_demo_boards()
    assert Board.objects.get(pk=first.pk).panels.count() == 1


def test_seed_from_an_empty_registry_makes_folders_and_unpublished_boards(monkeypatch):
    monkeypatch.setattr(services, "usable_datasets", lambda actor: {})
    boards = services.seed_demo_boards()
    assert all(not b.published and not b.panels.exists() for b in boards)
