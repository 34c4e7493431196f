"""The ``/api/v1/catalog`` endpoints, used with the staff session (force_login).

Permission matrix (CONVENTIONS.md point 6): anonymous → 401, a role without the permission →
403, the roles with it → 200; errors carry stable English codes.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from credit.accounts.roles import PEOPLE_ROLES, Role
from credit.catalog import api as catalog_api
from tests.catalog.factories import BUNDLED, CONFISCATION, make_items

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/catalog/items"
PENALTY = f"{ITEMS}/admin-penalty"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Every API call ends with the call log's INSERT, run in a savepoint inside the test's
#: transaction (SAVEPOINT, INSERT, RELEASE).
CALL_LOG = 3


@pytest.fixture
def login(client, make_user):
    def as_role(role: str):
        client.force_login(make_user(role))
        return client

    return as_role


# --- anonymous -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", [ITEMS, PENALTY, f"{PENALTY}/template", f"{ITEMS}/nope"])
def test_anonymous_gets_401_not_authenticated(client, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["message"]


# --- list ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(PEOPLE_ROLES))
def test_every_role_lists_the_items(login, role):
    response = login(role).get(ITEMS)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "count"}
    assert body["count"] == len(BUNDLED["items"])
    assert [i["code"] for i in body["items"]][:2] == ["admin-license", "admin-penalty"]


def test_list_item_shape(login):
    body = login(Role.AUDITOR).get(ITEMS).json()
    item = next(i for i in body["items"] if i["code"] == "dishonest-judgment-debtor")
    assert item == {
        "code": "dishonest-judgment-debtor",
        "name": item["name"],
        "category": "black_list",
        "subject_type": "both",
        "update_period": item["update_period"],
        "usage_scope": "public",
        "version": 1,
        "region": None,
        "source_departments": ["FY"],
        "field_count": 18,
    }


def test_list_is_paginated_with_limit_and_offset(login):
    make_items(10)
    client = login(Role.AUDITOR)
    total = len(BUNDLED["items"]) + 10

    first = client.get(ITEMS, {"limit": 5}).json()
    rest = client.get(ITEMS, {"limit": 50, "offset": 5}).json()

    assert first["count"] == rest["count"] == total
    assert len(first["items"]) == 5 and len(rest["items"]) == total - 5
    codes = [i["code"] for i in first["items"] + rest["items"]]
    assert len(set(codes)) == total and codes[-1] == "extra-009"


def test_page_size_is_bounded(login):
    response = login(Role.AUDITOR).get(ITEMS, {"limit": 100_000})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"


def test_list_filters_by_category(login):
    body = login(Role.AUDITOR).get(ITEMS, {"category": "red_list"}).json()
    assert {i["code"] for i in body["items"]} == {"a-grade-taxpayer", "customs-aeo"}
    assert body["count"] == 2


def test_list_filters_by_text(login):
    body = login(Role.AUDITOR).get(ITEMS, {"q": "行政"}).json()
    assert {i["code"] for i in body["items"]} == {"admin-license", "admin-penalty"}


def test_list_query_count_does_not_grow_with_items(login, django_assert_max_num_queries):
    """Session, user, items with field counts, their departments: four, however many items
    (and the call log)."""
    client = login(Role.AUDITOR)
    with django_assert_max_num_queries(4 + CALL_LOG):
        assert client.get(ITEMS).status_code == 200
    make_items(40)
    with django_assert_max_num_queries(4 + CALL_LOG):
        body = client.get(ITEMS, {"limit": 100}).json()
    assert len(body["items"]) == len(BUNDLED["items"]) + 40


# --- detail --------------------------------------------------------------------------------


def test_item_detail_returns_fields_with_code_values(login):
    response = login(Role.DEPT_OFFICER).get(PENALTY)
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "admin-penalty" and body["natural_key"] == ["document_no"]
    assert body["field_count"] == len(body["fields"]) == 33
    fields = {f["code"]: f for f in body["fields"]}
    assert [f["position"] for f in body["fields"]] == list(range(1, 34))
    category = fields["penalty_category"]
    assert category["code_table"] == "penalty_category" and category["multi_value"] is True
    assert category["code_values"][:3] == ["警告", "通报批评", "罚款"]
    assert len(category["code_values"]) == 14
    assert fields["subject_category"]["code_values"] == ["法人及非法人组织", "自然人", "个体工商户"]
    assert (
        fields["subject_name"]["code_values"] == [] and fields["subject_name"]["code_table"] is None
    )
    assert fields["confiscation_amount"]["name"] == CONFISCATION
    # A field without its own scope shows the item's; 证件号码 is shared only.
    assert fields["subject_name"]["usage_scope"] == "public"
    assert fields["id_number"]["usage_scope"] == "shared"
    assert fields["uscc"]["conditions"][0]["then"] == "required"


def test_item_detail_shows_units_and_cross_field_checks(login):
    body = login(Role.DEPT_OFFICER).get(PENALTY).json()
    fields = {f["code"]: f for f in body["fields"]}
    assert fields["fine_amount"]["unit"] == "万元" and fields["subject_name"]["unit"] == ""
    checks = {(c["kind"], c["severity"]) for c in body["checks"]}
    assert {("date_order", "reject"), ("uscc_category", "warn"), ("amount_bound", "warn")} <= checks


def test_item_detail_query_count_is_fixed(login, django_assert_max_num_queries):
    client = login(Role.AUDITOR)
    with django_assert_max_num_queries(6 + CALL_LOG):
        assert client.get(PENALTY).status_code == 200


def test_unknown_item_is_404_catalog_item_not_found(login):
    response = login(Role.AUDITOR).get(f"{ITEMS}/no-such-item")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "catalog_item_not_found"
    assert "no-such-item" in body["message"]
    assert body["details"] == {}


# --- template ------------------------------------------------------------------------------


def test_dept_officer_downloads_the_template(login):
    response = login(Role.DEPT_OFFICER).get(f"{PENALTY}/template")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == ["数据", "代码表", "填报说明"]


@pytest.mark.parametrize(
    "role", [Role.CITY_ADMIN, Role.CITY_REVIEWER, Role.DISTRICT_ADMIN, Role.DEPT_OFFICER]
)
def test_template_is_available_to_roles_with_the_permission(login, role, monkeypatch):
    monkeypatch.setattr(catalog_api, "build_template", lambda item: b"xlsx")
    response = login(role).get(f"{PENALTY}/template")
    assert response.status_code == 200 and response.content == b"xlsx"


def test_auditor_may_not_download_the_template(login):
    response = login(Role.AUDITOR).get(f"{PENALTY}/template")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied"
    assert body["details"] == {"permission": "catalog.template"}


def test_template_of_unknown_item_is_404(login):
    response = login(Role.DEPT_OFFICER).get(f"{ITEMS}/no-such-item/template")
    assert response.status_code == 404
    assert response.json()["code"] == "catalog_item_not_found"
