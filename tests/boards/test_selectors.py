"""Reads of the report catalogue: who sees which board, and the tree each one sees."""

from __future__ import annotations

import pytest

from credit.accounts.roles import Role
from credit.boards import selectors, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(designer, board):
    """The board published to leaders and auditors."""
    return services.publish_board(actor=designer, board=board, roles=[Role.LEADER, Role.AUDITOR])


@pytest.mark.parametrize(
    ("role", "region", "department", "sees"),
    [
        (Role.CITY_ADMIN, "320400", None, True),
        (Role.CITY_REVIEWER, "320400", None, True),
        (Role.LEADER, "320400", None, True),
        (Role.AUDITOR, "320400", None, True),
        (Role.DISTRICT_ADMIN, "320402", None, False),
        (Role.DEPT_OFFICER, "320402", "TNQ-SCJG", False),
    ],
)
def test_a_published_board_is_seen_by_its_roles_and_the_credit_office(
    make_user, published, role, region, department, sees
):
    user = make_user(role, region, department)
    assert (selectors.board_for(user, published.pk) is not None) is sees
    assert selectors.boards_for(user).filter(pk=published.pk).exists() is sees


def test_an_unpublished_board_is_the_credit_office_s_alone(make_user, designer, published):
    services.unpublish_board(actor=designer, board=published)
    assert selectors.board_for(make_user(Role.LEADER), published.pk) is None
    assert selectors.board_for(make_user(Role.CITY_ADMIN), published.pk) is not None


def test_nobody_without_the_view_permission_sees_a_board(service_account, published):
    assert not selectors.boards_for(service_account).exists()
    assert not selectors.boards_for(None).exists()


def test_the_tree_of_a_viewer_holds_only_the_way_to_its_boards(make_user, designer, published):
    services.add_folder(actor=designer, name="空目录")
    sub = services.add_folder(actor=designer, name="归集情况", parent=published.folder)
    services.move_board(actor=designer, board=published, folder=sub)
    leader_tree = selectors.catalogue_tree(make_user(Role.LEADER))
    assert [(n.path, [b.title for b in n.boards]) for r in leader_tree for n in r.walk()] == [
        ("综合分析", []),
        ("综合分析 › 归集情况", ["归集看板"]),
    ]
    assert leader_tree[0].board_count == 1
    district = make_user(Role.DISTRICT_ADMIN, "320402")
    assert selectors.catalogue_tree(district) == []
    office = selectors.catalogue_tree(designer)
    assert [n.path for r in office for n in r.walk()] == [
        "综合分析",
        "综合分析 › 归集情况",
        "空目录",
    ]
    assert office[0].children[0].boards[0].role_names == ["审计员（只读）", "领导（只读）"]


def test_the_tree_is_read_in_a_fixed_number_of_queries(
    make_user, designer, published, django_assert_num_queries
):
    for i in range(5):
        services.add_folder(actor=designer, name=f"目录{i}", parent=published.folder)
    leader = make_user(Role.LEADER)
    with django_assert_num_queries(3):  # the role, the folders, the boards
        selectors.catalogue_tree(leader)


def test_the_designer_is_offered_the_datasets_it_may_use_by_group(designer, test_datasets):
    context = selectors.designer_context(designer)
    codes = {d["code"]: g["key"] for g in context["groups"] for d in g["datasets"]}
    assert codes["boards_test_counts"] == "collection"
    assert "boards_test_secret" not in codes  # needs 查看审计日志
    counts = next(
        d for g in context["groups"] for d in g["datasets"] if d["code"] == "boards_test_counts"
    )
    assert counts == {
        "code": "boards_test_counts",
        "title": "测试计数",
        "description": "测试用的按辖市区计数",
        "unit": "条",
        "charts": ["bar", "table"],
    }
    assert context["charts"]["bar"] == "柱状图"
    assert context["options"]["metric"]["kind"] == "choice"
