"""Catalog pages: the list, an item's field specifications, the template download, the export.

Permission matrix (CONVENTIONS.md point 6): anonymous, a role without the permission, and the
roles with it, on every page. The catalog is city-wide reference data, so region does not
limit it: a district administrator sees the same catalog.
"""

from __future__ import annotations

import io
import json
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from credit.accounts.roles import PEOPLE_ROLES, Role
from credit.catalog.models import CatalogItem
from credit.catalog.views import items as views
from tests.catalog.factories import BUNDLED, CONFISCATION, make_items

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALL_ROLES = list(PEOPLE_ROLES)
TEMPLATE_ROLES = [Role.CITY_ADMIN, Role.CITY_REVIEWER, Role.DEPT_OFFICER, Role.DISTRICT_ADMIN]


@pytest.fixture
def login(client, make_user):
    def as_role(role: str):
        client.force_login(make_user(role))
        return client

    return as_role


def _codes(response) -> list[str]:
    return [item.code for item in response.context["page"]]


# --- anonymous -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/catalog/",
        "/catalog/admin-penalty/",
        "/catalog/admin-penalty/template.xlsx",
        "/catalog/export.json",
    ],
)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert unquote(response["Location"]).endswith(url)


# --- list ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_sees_the_list(login, role):
    response = login(role).get("/catalog/")
    assert response.status_code == 200
    # The list is paginated by twenty: the first page holds the first twenty bundled items
    # (24 since the government-integrity items were added).
    expected = [i["code"] for i in sorted(BUNDLED["items"], key=_order)][:20]
    assert _codes(response) == expected
    assert "行政处罚" in response.content.decode()


def _order(item: dict) -> tuple:
    return (item.get("sort_order", 0), item["code"])


def test_list_is_paginated_by_twenty(login):
    extra = 40 - len(BUNDLED["items"])  # two full pages
    make_items(extra)
    client = login(Role.AUDITOR)
    total = len(BUNDLED["items"]) + extra

    first = client.get("/catalog/")
    second = client.get("/catalog/", {"page": 2})

    assert len(first.context["page"]) == 20
    assert first.context["page"].paginator.count == total
    assert len(second.context["page"]) == total - 20
    assert set(_codes(first)).isdisjoint(_codes(second))
    assert f"extra-{extra - 1:03d}" in _codes(second)
    assert "下一页" in first.content.decode() and "上一页" in second.content.decode()


def test_list_filters_by_category(login):
    response = login(Role.AUDITOR).get("/catalog/", {"category": "red_list"})
    expected = {i["code"] for i in BUNDLED["items"] if i["category"] == "red_list"}
    assert set(_codes(response)) == expected
    assert expected == {"a-grade-taxpayer", "customs-aeo"}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("行政", {"admin-license", "admin-penalty"}),
        ("customs", {"customs-dishonest", "customs-aeo"}),
        ("没有这个目录项", set()),
    ],
)
def test_list_filters_by_name_or_code(login, q, expected):
    response = login(Role.AUDITOR).get("/catalog/", {"q": q})
    assert set(_codes(response)) == expected


def test_list_filters_combine(login):
    response = login(Role.AUDITOR).get("/catalog/", {"category": "black_list", "q": "customs"})
    assert _codes(response) == ["customs-dishonest"]


def test_list_shows_field_counts(login):
    response = login(Role.AUDITOR).get("/catalog/", {"q": "admin-penalty"})
    (item,) = response.context["page"]
    assert item.field_count == 33


def test_inactive_items_are_not_listed(login):
    CatalogItem.objects.filter(code="customs-aeo").update(is_active=False)
    response = login(Role.AUDITOR).get("/catalog/", {"q": "customs"})
    assert _codes(response) == ["customs-dishonest"]


def test_list_query_count_does_not_grow_with_items(login, django_assert_max_num_queries):
    """Session, user, the districts of the region filter (所属区划), count, page of items,
    their departments: six, however many items."""
    client = login(Role.AUDITOR)
    with django_assert_max_num_queries(6):
        client.get("/catalog/")
    make_items(30)
    with django_assert_max_num_queries(6):
        response = client.get("/catalog/", {"page": 2})
    assert len(response.context["page"]) == 20


def test_template_links_only_for_roles_that_may_download(login):
    assert "下载报送模板" not in login(Role.AUDITOR).get("/catalog/").content.decode()
    assert "下载报送模板" in login(Role.DEPT_OFFICER).get("/catalog/").content.decode()


def test_export_link_only_for_the_credit_office(login):
    assert "导出目录" not in login(Role.CITY_REVIEWER).get("/catalog/").content.decode()
    assert "导出目录" in login(Role.CITY_ADMIN).get("/catalog/").content.decode()


# --- detail --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_detail_shows_the_field_names(login, role):
    response = login(role).get("/catalog/admin-penalty/")
    assert response.status_code == 200
    body = response.content.decode()
    for name in ("行政相对人名称", "处罚类别", "罚款金额(万元)", CONFISCATION, "失信严重程度"):
        assert name in body
    assert [f.code for f in response.context["fields"]][:2] == ["subject_name", "subject_category"]


def test_detail_shows_code_values_and_conditions(login):
    body = login(Role.AUDITOR).get("/catalog/admin-penalty/").content.decode()
    assert "吊销许可证件" in body
    assert "当 subject_category 为 法人及非法人组织/个体工商户 时必填" in body


def test_unknown_item_is_404(login):
    assert login(Role.AUDITOR).get("/catalog/no-such-item/").status_code == 404


# --- template download ---------------------------------------------------------------------


@pytest.mark.parametrize("role", TEMPLATE_ROLES)
def test_template_download_for_roles_with_the_permission(login, role, monkeypatch):
    monkeypatch.setattr(views, "build_template", lambda item: b"xlsx:" + item.code.encode())
    response = login(role).get("/catalog/admin-penalty/template.xlsx")
    assert response.status_code == 200
    assert response.content == b"xlsx:admin-penalty"


def test_dept_officer_downloads_the_template_with_a_utf8_filename(login):
    response = login(Role.DEPT_OFFICER).get("/catalog/admin-penalty/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == (
        "attachment; filename*=UTF-8''"
        "%E8%A1%8C%E6%94%BF%E5%A4%84%E7%BD%9A-%E6%8A%A5%E9%80%81%E6%A8%A1%E6%9D%BF-v1.xlsx"
    )
    filename = unquote(response["Content-Disposition"].split("''", 1)[1])
    assert filename == "行政处罚-报送模板-v1.xlsx"
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == ["数据", "代码表", "填报说明"]


def test_auditor_may_not_download_a_template(login):
    response = login(Role.AUDITOR).get("/catalog/admin-penalty/template.xlsx")
    assert response.status_code == 403
    assert "下载数据报送模板" in response.content.decode()


def test_template_of_unknown_item_is_404(login):
    assert login(Role.DEPT_OFFICER).get("/catalog/no-such-item/template.xlsx").status_code == 404


def test_detail_offers_the_template_only_to_roles_that_may_download(login):
    assert (
        "下载 Excel 报送模板"
        in login(Role.DEPT_OFFICER).get("/catalog/admin-penalty/").content.decode()
    )
    assert (
        "下载 Excel 报送模板"
        not in login(Role.AUDITOR).get("/catalog/admin-penalty/").content.decode()
    )


# --- export --------------------------------------------------------------------------------


def test_city_admin_exports_the_catalog_as_json(login):
    response = login(Role.CITY_ADMIN).get("/catalog/export.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == "attachment; filename=catalog.json"
    doc = json.loads(response.content)
    assert doc["format"] == 1
    assert {i["code"] for i in doc["items"]} == {i["code"] for i in BUNDLED["items"]}
    assert "行政处罚" in response.content.decode()  # not \\u-escaped


@pytest.mark.parametrize("role", [Role.CITY_REVIEWER, Role.DEPT_OFFICER, Role.AUDITOR])
def test_export_is_forbidden_to_other_roles(login, role):
    assert login(role).get("/catalog/export.json").status_code == 403
