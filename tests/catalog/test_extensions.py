"""Districts' own catalog items (辖市区扩展目录项): a district's administrator creates and keeps
its district's items only, in the same editor and under the same tenant rule as every other
object; each district sees the city's items and its own extensions, the city sees them all
with their region; only the district's departments report an extension item."""

from __future__ import annotations

import json

import pytest

from credit.accounts.roles import Role
from credit.catalog import selectors, services
from credit.catalog.models import CatalogItem
from credit.catalog.services import CatalogEditRefused
from credit.core.errors import NotFound, PermissionDenied
from credit.ingest.models import Batch
from credit.ingest.pipeline import ingest_payloads

pytestmark = pytest.mark.django_db

PENALTY = "admin-penalty"
ITEMS = "/api/v1/catalog/items"

PROPERTIES = {
    "name": "文明餐桌示范单位",
    "category": "red_list",
    "subject_type": "legal",
    "update_period": "monthly",
    "usage_scope": "public",
    "publicity_mode": "validity",
    "source_departments": [],
    "description": "",
    "basis": "",
    "is_active": True,
    "sort_order": 95,
}
FIRST = {
    "code": "subject_name",
    "name": "主体名称",
    "type": "string",
    "max_length": 200,
    "required": True,
    "role": "subject_name",
}
USCC = {
    "code": "uscc",
    "name": "统一社会信用代码",
    "type": "string",
    "max_length": 18,
    "role": "uscc",
}


@pytest.fixture
def tianning(make_user):
    return make_user(Role.DISTRICT_ADMIN, region="320402")


@pytest.fixture
def zhonglou(make_user):
    return make_user(Role.DISTRICT_ADMIN, region="320404")


def extension(actor, code: str, **properties) -> CatalogItem:
    """An extension item made by ``actor`` (a district's administrator), with a subject name
    and a 统一社会信用代码 column."""
    item = services.create_item(
        actor=actor, code=code, properties={**PROPERTIES, **properties}, first_field=FIRST
    )
    services.add_field(actor=actor, item_code=code, field=USCC)
    return item


# --- who creates and keeps what ----------------------------------------------------------------


def test_a_district_admin_creates_an_item_of_its_own_district(tianning):
    item = extension(tianning, "tn-civil-table")
    item.refresh_from_db()
    assert item.region_id == "320402" and item.version == 2


def test_a_district_admin_cannot_create_an_item_for_another_district(tianning):
    with pytest.raises(PermissionDenied) as refused:
        services.create_item(
            actor=tianning,
            code="zl-table",
            properties=PROPERTIES,
            first_field=FIRST,
            region="320404",
        )
    assert refused.value.message == "只能为本辖区新建扩展目录项"
    assert not CatalogItem.objects.filter(code="zl-table").exists()


def test_the_city_creates_city_items_and_items_for_a_district(admin_user):
    city = services.create_item(
        actor=admin_user, code="city-table", properties=PROPERTIES, first_field=FIRST
    )
    district = services.create_item(
        actor=admin_user,
        code="wj-table",
        properties=PROPERTIES,
        first_field=FIRST,
        region="320412",
    )
    assert (city.region_id, district.region_id) == (None, "320412")
    with pytest.raises(CatalogEditRefused) as refused:
        services.create_item(
            actor=admin_user,
            code="city-region",
            properties=PROPERTIES,
            first_field=FIRST,
            region="320400",
        )
    assert refused.value.problems[0].message == "“320400”不是辖市区的区划代码"


def test_a_district_admin_may_not_edit_a_city_item(tianning):
    before = CatalogItem.objects.get(code=PENALTY).version
    with pytest.raises(PermissionDenied) as refused:
        services.update_item(actor=tianning, code=PENALTY, properties={"name": "改名"})
    assert "全市目录项，由市信用办维护" in refused.value.message
    with pytest.raises(PermissionDenied):
        services.add_field(actor=tianning, item_code=PENALTY, field={**USCC, "code": "x"})
    assert CatalogItem.objects.get(code=PENALTY).version == before


def test_another_districts_item_does_not_exist_for_a_district_admin(tianning, zhonglou):
    extension(zhonglou, "zl-table")
    for call in (
        lambda: services.update_item(actor=tianning, code="zl-table", properties={"name": "改"}),
        lambda: services.add_field(
            actor=tianning, item_code="zl-table", field={**USCC, "code": "x"}
        ),
        lambda: services.remove_field(actor=tianning, item_code="zl-table", field_code="uscc"),
        lambda: services.move_field(
            actor=tianning, item_code="zl-table", field_code="uscc", offset=-1
        ),
    ):
        with pytest.raises(NotFound):
            call()
    assert CatalogItem.objects.get(code="zl-table").version == 2


def test_a_district_admin_and_the_city_edit_the_districts_item(tianning, admin_user):
    extension(tianning, "tn-table")
    services.update_item(actor=tianning, code="tn-table", properties={"name": "天宁文明餐桌"})
    services.update_item(actor=admin_user, code="tn-table", properties={"sort_order": 3})
    item = CatalogItem.objects.get(code="tn-table")
    assert (item.name, item.sort_order, item.version, item.region_id) == (
        "天宁文明餐桌",
        3,
        4,
        "320402",
    )


def test_an_extension_items_source_departments_are_its_districts(tianning):
    with pytest.raises(CatalogEditRefused) as refused:
        extension(tianning, "tn-table", source_departments=["ZLQ-SCJG"])
    [problem] = refused.value.problems
    assert problem.key == "source_departments"
    assert "天宁区的扩展目录项只能由天宁区的部门报送" in problem.message
    item = extension(tianning, "tn-table", source_departments=["TNQ-SCJG"])
    assert [d.code for d in item.source_departments.all()] == ["TNQ-SCJG"]


def test_importing_a_catalog_document_is_the_citys(tianning):
    with pytest.raises(PermissionDenied) as refused:
        services.import_catalog({"format": 1, "code_tables": [], "items": []}, actor=tianning)
    assert "仅限市信用办" in refused.value.message


# --- who sees what -----------------------------------------------------------------------------


def test_each_district_sees_the_city_items_and_its_own_extensions(
    tianning, zhonglou, admin_user, make_user
):
    extension(tianning, "tn-table")
    extension(zhonglou, "zl-table")
    officer = make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG")
    for reader in (tianning, officer):
        codes = set(selectors.items(actor=reader).values_list("code", flat=True))
        assert {"tn-table", PENALTY} <= codes and "zl-table" not in codes
        assert selectors.item_for(reader, "zl-table") is None
        assert selectors.item_for(reader, "tn-table").code == "tn-table"
    city = set(selectors.items(actor=admin_user).values_list("code", flat=True))
    assert {"tn-table", "zl-table", PENALTY} <= city
    assert list(
        selectors.items(actor=admin_user, region="320404").values_list("code", flat=True)
    ) == ["zl-table"]
    assert "tn-table" not in selectors.items(
        actor=admin_user, region=selectors.CITY_FILTER
    ).values_list("code", flat=True)


def test_another_districts_item_pages_answer_not_found(client, tianning, zhonglou):
    extension(zhonglou, "zl-table")
    client.force_login(tianning)
    for url in (
        "/catalog/zl-table/",
        "/catalog/zl-table/template.xlsx",
        "/catalog/zl-table/edit/",
        "/catalog/zl-table/add-field/",
        "/catalog/zl-table/fields/uscc/",
        "/catalog/zl-table/fields/uscc/remove/",
    ):
        assert client.get(url).status_code == 404, url
    moved = client.post("/catalog/zl-table/fields/uscc/move/", {"direction": "up"})
    assert moved.status_code == 404
    assert "zl-table" not in client.get("/catalog/?q=table").content.decode()
    exported = json.loads(client.get("/catalog/export.json").content)
    codes = {i["code"] for i in exported["items"]}
    assert PENALTY in codes and "zl-table" not in codes
    assert client.get(f"{ITEMS}/zl-table").status_code == 404
    assert client.get(f"{ITEMS}/zl-table/template").status_code == 404
    listed = client.get(ITEMS, {"q": "table", "page_size": 100}).json()["items"]
    assert "zl-table" not in {i["code"] for i in listed}
    assert CatalogItem.objects.get(code="zl-table").version == 2


def test_a_district_admin_is_refused_a_city_items_editor_with_the_reason(client, tianning):
    client.force_login(tianning)
    detail = client.get(f"/catalog/{PENALTY}/").content.decode()
    assert "修改目录项" not in detail and "添加字段" not in detail
    edit = client.get(f"/catalog/{PENALTY}/edit/")
    assert edit.status_code == 403
    assert "全市目录项，由市信用办维护" in edit.content.decode()
    assert client.post(f"/catalog/{PENALTY}/fields/remark/move/").status_code == 403


def test_a_district_admin_creates_and_edits_its_item_on_the_pages(client, tianning):
    client.force_login(tianning)
    form = client.get("/catalog/new/").content.decode()
    assert 'name="region"' not in form  # its own district, no choice
    assert "天宁区市场监督管理局" in form and "钟楼区市场监督管理局" not in form
    response = client.post(
        "/catalog/new/",
        {
            "code": "tn-page",
            "name": "天宁示范单位",
            "category": "red_list",
            "subject_type": "legal",
            "update_period": "monthly",
            "usage_scope": "public",
            "publicity_mode": "validity",
            "is_active": "on",
            "sort_order": "1",
            "first_code": "subject_name",
            "first_name": "主体名称",
            "first_max_length": "200",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert CatalogItem.objects.get(code="tn-page").region_id == "320402"
    detail = client.get("/catalog/tn-page/").content.decode()
    assert "天宁区（扩展目录项" in detail and "/catalog/tn-page/edit/" in detail
    assert client.get("/catalog/tn-page/edit/").status_code == 200


def test_the_city_sees_the_region_of_every_item_and_filters_by_it(client, admin_user, zhonglou):
    extension(zhonglou, "zl-table")
    client.force_login(admin_user)
    page = client.get("/catalog/", {"q": "table"}).content.decode()
    assert "<th>所属区划</th>" in page and "钟楼区" in page
    only_city = client.get("/catalog/", {"region": "city", "q": "table"}).content.decode()
    assert "zl-table" not in only_city
    only_zl = client.get("/catalog/", {"region": "320404"}).content.decode()
    assert "zl-table" in only_zl and f"<code>{PENALTY}</code>" not in only_zl
    listing = client.get("/catalog/").content.decode()
    assert "全市" in listing
    form = client.get("/catalog/new/").content.decode()
    assert 'name="region"' in form and "钟楼区" in form


# --- who reports it ----------------------------------------------------------------------------


def _row(subject) -> dict[str, str]:
    return {"subject_name": subject.name, "uscc": subject.uscc}


def test_only_the_districts_departments_report_its_extension_item(tianning, legal_person):
    extension(tianning, "tn-table")
    with pytest.raises(PermissionDenied) as refused:
        ingest_payloads(
            actor=None, rows=[_row(legal_person)], item_code="tn-table", department_code="ZLQ-SCJG"
        )
    assert refused.value.message == (
        "“文明餐桌示范单位”是天宁区的扩展目录项，只能由天宁区的部门报送，"
        "“常州市钟楼区市场监督管理局”不能报送"
    )
    assert refused.value.code == "item_out_of_region"
    with pytest.raises(PermissionDenied):
        ingest_payloads(
            actor=None, rows=[_row(legal_person)], item_code="tn-table", department_code="SCJG"
        )
    assert not Batch.objects.filter(item__code="tn-table").exists()
    batch = ingest_payloads(
        actor=None, rows=[_row(legal_person)], item_code="tn-table", department_code="TNQ-SCJG"
    )
    assert (batch.total, batch.rejected) == (1, 0), list(batch.rows.values("errors"))


def test_city_items_are_reported_as_before(legal_person):
    from tests.catalog.factories import legal_person_payload

    batch = ingest_payloads(
        actor=None,
        rows=[legal_person_payload(subject_name=legal_person.name, uscc=legal_person.uscc)],
        item_code=PENALTY,
        department_code="ZLQ-SCJG",
    )
    assert batch.total == 1


# --- the catalog file carries the region ---------------------------------------------------------


def test_the_catalog_file_carries_an_extension_items_region_both_ways(tianning, admin_user):
    from credit.catalog.spec import CatalogSpecError

    made = extension(tianning, "tn-file-trip")
    doc = selectors.export_item(CatalogItem.objects.get(pk=made.pk))
    assert doc["region"] == "320402"
    assert selectors.export_item(CatalogItem.objects.get(code=PENALTY))["region"] is None

    # imported into an empty slot, the item is the district's again; the same file twice
    # changes nothing
    moved = {**doc, "code": "tn-file-copy"}
    moved.pop("version")
    counts = services.import_catalog({"items": [moved]}, actor=admin_user)
    assert counts["items_created"] == 1
    assert CatalogItem.objects.get(code="tn-file-copy").region_id == "320402"
    again = services.import_catalog({"items": [moved]}, actor=admin_user)
    assert again["items_unchanged"] == 1

    # a region that is no district, a malformed one, and a city department as a source
    for region, message in (("320400", "不是辖市区的区划代码"), ("3204", "应为 6 位数字")):
        with pytest.raises(CatalogSpecError, match=message) as caught:
            services.import_catalog({"items": [{**moved, "region": region}]}, actor=admin_user)
        assert caught.value.problems[0].path == "items[0].region"
    with pytest.raises(CatalogSpecError, match="只能由天宁区的部门报送") as caught:
        services.import_catalog(
            {"items": [{**moved, "source_departments": ["SCJG"]}]}, actor=admin_user
        )
    assert caught.value.problems[0].path == "items[0].source_departments"
    assert CatalogItem.objects.get(code="tn-file-copy").source_departments.count() == 0


def test_the_api_names_an_extension_items_district(client, tianning):
    extension(tianning, "tn-api-region")
    client.force_login(tianning)
    listed = client.get(ITEMS, {"q": "文明餐桌", "page_size": 100}).json()["items"]
    regions = {i["code"]: i["region"] for i in listed}
    assert regions["tn-api-region"] == "320402"
    assert client.get(f"{ITEMS}/{PENALTY}").json()["region"] is None
