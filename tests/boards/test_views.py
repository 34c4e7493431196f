"""Pages of the report catalogue: the catalogue, a board with its filters bar and exports, the
management page, the designer and its JSON save, publishing, and the folder forms."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from credit.accounts.roles import Role
from credit.boards import services
from credit.boards.models import Board, Folder
from tests.boards.conftest import COUNTS, panel

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def published(designer, board):
    return services.publish_board(actor=designer, board=board, roles=[Role.LEADER])


@pytest.fixture
def leader(make_user):
    return make_user(Role.LEADER)


# --------------------------------------------------------------------------------------------
# The catalogue
# --------------------------------------------------------------------------------------------


def test_the_catalogue_says_why_it_is_empty(leader, designer):
    page = text(client_for(leader).get(reverse("boards:catalogue")))
    assert "目前没有发布给您的统计报表" in page
    assert "报表设计" not in page.split("<main>")[1]
    page = text(client_for(designer).get(reverse("boards:catalogue")))
    assert "报表目录还是空的" in page


def test_the_catalogue_lists_the_boards_published_to_the_user(leader, published):
    response = client_for(leader).get(reverse("boards:catalogue"))
    assert response.status_code == 200
    page = text(response)
    assert "综合分析" in page
    assert f'href="{reverse("boards:board", args=[published.pk])}"' in page
    assert "已发布" not in page  # the state is the credit office's business


def test_the_credit_office_sees_the_state_of_each_board(designer, published, folder):
    services.create_board(actor=designer, folder=folder, title="草稿报表")
    page = text(client_for(designer).get(reverse("boards:catalogue")))
    assert "已发布：领导（只读）" in page
    assert "未发布" in page


# --------------------------------------------------------------------------------------------
# A board
# --------------------------------------------------------------------------------------------


def test_a_board_draws_each_panel_with_the_page_filters_and_its_own(leader, published):
    url = reverse("boards:board", args=[published.pk])
    response = client_for(leader).get(url, {"region": "320404", "item": "admin-penalty"})
    assert response.status_code == 200
    page = text(response)
    panels = re.findall(r'<article class="panel panel-(\w+) board-panel"([^>]*)>', page)
    assert [chart for chart, _ in panels] == ["bar", "table"]
    first, second = (attrs for _, attrs in panels)
    assert f'data-dataset="{COUNTS}"' in first
    assert 'data-options="{"top": 5}"' in first
    assert 'data-query="region=320404&item=admin-penalty"' in first
    assert 'data-query="region=320402&item=admin-penalty"' in second  # its fixed district wins
    exports = re.findall(r'<a class="export" href="([^"]+)">导出 Excel</a>', page)
    xlsx = reverse("dashboard:data_xlsx", args=[COUNTS])
    assert exports == [
        f"{xlsx}?region=320404&item=admin-penalty",
        f"{xlsx}?region=320402&item=admin-penalty",
    ]
    assert 'gs-x="6" gs-y="0" gs-w="6" gs-h="4"' in page
    assert 'data-data-url="/dashboard/data/CODE.json"' in page
    assert "清除筛选" in page


def test_a_filter_that_does_not_parse_is_reported_and_not_applied(leader, published):
    url = reverse("boards:board", args=[published.pk])
    page = text(client_for(leader).get(url, {"from": "2026-13", "region": "320404"}))
    assert "起始月份应为“年-月”，如 2026-01。已按全部范围显示" in page
    assert 'data-query="region=320402"' in page
    assert 'data-query=""' in page


def test_a_panel_whose_dataset_is_gone_says_so(leader, published):
    published.panels.filter(position=0).update(dataset="retired_dataset")
    page = text(client_for(leader).get(reverse("boards:board", args=[published.pk])))
    assert "该面板的数据集已停用或您无权查看，请联系市信用办" in page
    assert page.count("导出 Excel") == 1


@pytest.mark.parametrize(
    ("role", "region", "department", "status"),
    [
        (Role.LEADER, "320400", None, 200),
        (Role.CITY_REVIEWER, "320400", None, 200),
        (Role.AUDITOR, "320400", None, 404),  # not published to auditors
        (Role.DISTRICT_ADMIN, "320402", None, 404),
        (Role.DEPT_OFFICER, "320402", "TNQ-SCJG", 404),
    ],
)
def test_a_board_opens_for_the_roles_it_is_published_to(
    make_user, published, role, region, department, status
):
    user = make_user(role, region, department)
    response = client_for(user).get(reverse("boards:board", args=[published.pk]))
    assert response.status_code == status


def test_a_board_needs_the_dashboard_permission(service_account, published):
    response = client_for(service_account).get(reverse("boards:board", args=[published.pk]))
    assert response.status_code == 403


def test_a_board_without_panels_says_what_to_do(designer, folder, leader):
    empty = services.create_board(actor=designer, folder=folder, title="空报表")
    page = text(client_for(designer).get(reverse("boards:board", args=[empty.pk])))
    assert "该报表还没有面板。" in page
    assert f'<a href="{reverse("boards:design", args=[empty.pk])}">到设计页添加面板</a>' in page
    assert "未发布，仅市信用办可见" in page


# --------------------------------------------------------------------------------------------
# Management and the designer
# --------------------------------------------------------------------------------------------


def test_the_management_page_starts_empty_with_a_hint(designer):
    page = text(client_for(designer).get(reverse("boards:designer")))
    assert "报表目录还是空的。请先新建一个目录" in page
    assert "请先新建一个目录（如“综合分析”），再在目录中新建报表" in page


def test_the_management_page_offers_moves_outside_the_folder_s_own_subtree(designer, board):
    child = services.add_folder(actor=designer, name="归集情况", parent=board.folder)
    services.add_folder(actor=designer, name="专题")
    page = text(client_for(designer).get(reverse("boards:designer")))
    top_move = page.split(reverse("boards:folder_move", args=[board.folder.pk]))[1].split(
        "</form>"
    )[0]
    assert "专题" in top_move
    assert "归集情况" not in top_move
    child_move = page.split(reverse("boards:folder_move", args=[child.pk]))[1].split("</form>")[0]
    assert f'<option value="{board.folder.pk}" selected>综合分析</option>' in child_move
    assert reverse("boards:design", args=[board.pk]) in page


def test_the_designer_page_carries_the_board_and_the_catalogue(designer, board, test_datasets):
    response = client_for(designer).get(reverse("boards:design", args=[board.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    data = json.loads(re.search(r'id="board-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert data == services.board_data(board)
    catalogue = json.loads(
        re.search(r'id="designer-data"[^>]*>(.*?)</script>', page, re.S).group(1)
    )
    assert COUNTS in {d["code"] for g in catalogue["groups"] for d in g["datasets"]}
    choices = json.loads(re.search(r'id="filter-choices"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert ["320402", "天宁区"] in choices["region"]
    assert "gridstack-all.js" in page and "dashboard/panels.js" in page


def test_the_designer_is_the_credit_office_s(leader, published):
    assert client_for(leader).get(reverse("boards:design", args=[published.pk])).status_code == 403


def test_the_designer_answers_404_for_a_board_that_does_not_exist(designer):
    assert client_for(designer).get(reverse("boards:design", args=[999999])).status_code == 404


def _post(client, board, data):
    return client.post(
        reverse("boards:save", args=[board.pk]), json.dumps(data), content_type="application/json"
    )


def test_saving_from_the_designer_answers_the_new_version(designer, board):
    data = {**services.board_data(board), "panels": [panel(w=12)]}
    response = _post(client_for(designer), board, data)
    assert response.status_code == 200
    answer = response.json()
    assert answer["ok"] and answer["version"] == 3
    assert answer["message"] == "已保存（第3版）"
    assert answer["board"]["panels"] == [panel(w=12)]


def test_a_refused_save_names_each_panel_and_changes_nothing(designer, board):
    before = services.board_data(board)
    data = {**before, "panels": [panel(), panel(x=6, chart="pie", options={})]}
    response = _post(client_for(designer), board, data)
    assert response.status_code == 422
    answer = response.json()
    assert answer["ok"] is False and answer["code"] == "board_invalid"
    assert answer["errors"] == [
        {
            "panel": 1,
            "field": "chart",
            "message": "第2个面板“各区计数”的图表类型："
            "数据集“测试计数”不能显示为饼图，可选：柱状图、表格",
        }
    ]
    assert services.board_data(Board.objects.get(pk=board.pk)) == before


@pytest.mark.parametrize(
    "body", [b"", b"{not json", b"[]", "\udcff".encode("utf-8", "surrogatepass")]
)
def test_a_save_that_is_not_json_is_refused_in_chinese(designer, board, body):
    response = client_for(designer).post(
        reverse("boards:save", args=[board.pk]), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["message"] == "报表数据格式不正确，请刷新页面后重试"


def test_a_stale_save_is_refused(designer, board):
    response = _post(client_for(designer), board, {**services.board_data(board), "version": 1})
    assert response.status_code == 422
    assert response.json()["code"] == "board_stale"


# --------------------------------------------------------------------------------------------
# Publishing and the small forms
# --------------------------------------------------------------------------------------------


def test_the_publish_form_names_roles_in_chinese(designer, board):
    page = text(client_for(designer).get(reverse("boards:publish", args=[board.pk])))
    for label in ("领导（只读）", "市信用办管理员", "辖市区管理员", "部门数据报送员"):
        assert label in page
    assert "接口调用方" not in page
    assert "未发布" in page


def test_publishing_and_withdrawing_from_the_page(designer, board):
    client = client_for(designer)
    url = reverse("boards:publish", args=[board.pk])
    response = client.post(url, {"roles": [Role.LEADER, Role.DISTRICT_ADMIN]}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("boards:board", args=[board.pk])
    assert "已发布报表“归集看板”：辖市区管理员、领导（只读）" in text(response)
    board.refresh_from_db()
    assert board.published and board.roles == ["district_admin", "leader"]
    response = client.post(reverse("boards:unpublish", args=[board.pk]), follow=True)
    assert "已取消发布报表“归集看板”" in text(response)
    assert not Board.objects.get(pk=board.pk).published


def test_publishing_without_a_role_is_refused_on_the_form(designer, board):
    response = client_for(designer).post(reverse("boards:publish", args=[board.pk]), {})
    assert response.status_code == 200
    assert "请至少选择一个发布角色" in text(response)


def test_publishing_an_empty_board_is_refused_on_the_form(designer, folder):
    empty = services.create_board(actor=designer, folder=folder, title="空报表")
    response = client_for(designer).post(
        reverse("boards:publish", args=[empty.pk]), {"roles": [Role.LEADER]}
    )
    assert "还没有面板，请先在设计页添加面板再发布" in text(response)


def test_folders_are_managed_with_small_forms(designer):
    client = client_for(designer)
    response = client.post(reverse("boards:folder_add"), {"name": "综合分析"}, follow=True)
    assert "已新建目录“综合分析”" in text(response)
    top = Folder.objects.get(name="综合分析")
    client.post(reverse("boards:folder_add"), {"name": "归集情况", "parent": top.pk})
    child = Folder.objects.get(name="归集情况")
    assert child.parent_id == top.pk
    response = client.post(
        reverse("boards:folder_move", args=[top.pk]), {"parent": child.pk}, follow=True
    )
    assert "不能把目录“综合分析”移到它的下级目录“归集情况”中" in text(response)
    response = client.post(reverse("boards:folder_delete", args=[top.pk]), follow=True)
    assert "目录“综合分析”下还有1个子目录" in text(response)
    response = client.post(
        reverse("boards:folder_rename", args=[child.pk]), {"name": "归集"}, follow=True
    )
    assert "目录已改名为“归集”" in text(response)
    response = client.post(reverse("boards:folder_move", args=[child.pk]), {"parent": ""})
    assert Folder.objects.get(pk=child.pk).parent_id is None
    response = client.post(reverse("boards:folder_delete", args=[top.pk]), follow=True)
    assert "已删除目录“综合分析”" in text(response)
    response = client.post(reverse("boards:folder_add"), {"name": ""}, follow=True)
    assert "这个字段是必填项" in text(response) or "必填" in text(response)


def test_a_new_board_opens_in_the_designer(designer, folder):
    response = client_for(designer).post(
        reverse("boards:board_create"), {"title": "新报表", "folder": folder.pk}
    )
    board = Board.objects.get(title="新报表")
    assert response["Location"] == reverse("boards:design", args=[board.pk])
    assert board.folder_id == folder.pk and not board.published


def test_copy_move_and_delete_from_the_pages(designer, board):
    client = client_for(designer)
    response = client.post(reverse("boards:copy", args=[board.pk]))
    twin = Board.objects.get(title="归集看板（副本）")
    assert response["Location"] == reverse("boards:design", args=[twin.pk])
    other = services.add_folder(actor=designer, name="专题")
    client.post(reverse("boards:move", args=[twin.pk]), {"folder": other.pk})
    assert Board.objects.get(pk=twin.pk).folder_id == other.pk
    response = client.post(reverse("boards:delete", args=[twin.pk]), follow=True)
    assert "已删除报表“归集看板（副本）”" in text(response)
    assert not Board.objects.filter(pk=twin.pk).exists()


def test_a_published_board_is_not_deleted_from_the_page(designer, published):
    response = client_for(designer).post(reverse("boards:delete", args=[published.pk]), follow=True)
    assert "已发布，请先取消发布再删除" in text(response)
    assert Board.objects.filter(pk=published.pk).exists()


def test_a_refused_move_goes_back_to_the_board_s_designer_with_the_reason(designer, board):
    response = client_for(designer).post(reverse("boards:move", args=[board.pk]), {"folder": ""})
    assert response["Location"] == reverse("boards:design", args=[board.pk])
    response = client_for(designer).post(
        reverse("boards:move", args=[board.pk]), {"folder": "999999"}, follow=True
    )
    assert "选择一个有效的选项" in text(response)
    assert Board.objects.get(pk=board.pk).folder_id == board.folder_id
