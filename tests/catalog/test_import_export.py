"""services.import_catalog and selectors.export_catalog: idempotent, versioned, audited, atomic.

The session database already holds the bundled catalog (tests/conftest.py).
"""

from __future__ import annotations

import pytest

from credit.accounts.roles import Role
from credit.catalog import services
from credit.catalog.models import CatalogItem, CodeTable, CodeValue, FieldSpec
from credit.catalog.rules import spec_for, validate_payload
from credit.catalog.selectors import export_catalog
from credit.catalog.services import import_catalog, import_catalog_file
from credit.catalog.spec import CatalogSpecError
from credit.core.errors import PermissionDenied
from credit.core.models import AuditEntry
from tests.catalog.factories import (
    BUNDLED,
    CONFISCATION,
    TODAY,
    bundled_doc,
    legal_person_payload,
    minimal_item,
)

pytestmark = pytest.mark.django_db

IMPORTED = "catalogitem.imported"


def _versions() -> dict[str, int]:
    return dict(CatalogItem.objects.values_list("code", "version"))


def _row_counts() -> tuple[int, ...]:
    return (
        CatalogItem.objects.count(),
        FieldSpec.objects.count(),
        CodeTable.objects.count(),
        CodeValue.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def new_audits():
    """``new_audits(event_type)`` → the audit entries of that type written during the test
    (the session set-up's own import entries are older)."""
    mark = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def entries(event_type: str):
        return AuditEntry.objects.filter(id__gt=mark, event_type=event_type).order_by("id")

    return entries


def _item(doc: dict, code: str) -> dict:
    return next(i for i in doc["items"] if i["code"] == code)


def _field(item_doc: dict, code: str) -> dict:
    return next(f for f in item_doc["fields"] if f["code"] == code)


# --- idempotence ---------------------------------------------------------------------------


def test_reimporting_the_bundled_catalog_changes_nothing(admin_user, new_audits):
    versions, audits = _versions(), AuditEntry.objects.count()

    counts = import_catalog_file(actor=admin_user)

    assert counts == {
        "tables_created": 0,
        "tables_updated": 0,
        "items_created": 0,
        "items_updated": 0,
        "items_unchanged": len(BUNDLED["items"]),
        "items_reversioned": 0,
    }
    assert _versions() == versions
    assert not new_audits(IMPORTED).exists()
    assert AuditEntry.objects.count() == audits


def test_export_then_import_round_trip_is_unchanged(admin_user):
    exported = export_catalog()
    assert exported["format"] == 1
    assert {i["code"] for i in exported["items"]} == {i["code"] for i in BUNDLED["items"]}
    versions, audits = _versions(), AuditEntry.objects.count()

    counts = import_catalog(exported, actor=admin_user)

    assert counts["items_unchanged"] == len(exported["items"])
    assert counts["items_updated"] == counts["items_created"] == 0
    assert counts["tables_updated"] == counts["tables_created"] == 0
    assert _versions() == versions
    assert AuditEntry.objects.count() == audits


def test_export_carries_what_the_import_wrote():
    exported = export_catalog()
    penalty = _item(exported, "admin-penalty")
    assert penalty["version"] == 1
    assert [f["name"] for f in penalty["fields"]] == [
        f["name"] for f in _item(BUNDLED, "admin-penalty")["fields"]
    ]
    category = _field(penalty, "penalty_category")
    assert category["code_table"] == "penalty_category" and category["multi_value"] is True
    assert _field(penalty, "id_number")["validator_args"] == {"type_field": "id_type"}
    tables = {t["code"]: t for t in exported["code_tables"]}
    general = next(v for v in tables["severity"]["values"] if v["value"] == "一般")
    assert "较重" in general["synonyms"]


# --- versioning ----------------------------------------------------------------------------


def test_renaming_one_field_bumps_only_that_item_and_audits_before_and_after(
    admin_user, new_audits
):
    doc = bundled_doc()
    _field(_item(doc, "admin-penalty"), "remark")["name"] = "备注说明"
    versions = _versions()
    penalty = CatalogItem.objects.get(code="admin-penalty")

    counts = import_catalog(doc, actor=admin_user)

    assert counts["items_updated"] == 1
    assert counts["items_unchanged"] == len(doc["items"]) - 1
    assert counts["tables_updated"] == counts["tables_created"] == 0
    after = _versions()
    assert after.pop("admin-penalty") == versions.pop("admin-penalty") + 1
    assert after == versions
    assert penalty.fields.get(code="remark").name == "备注说明"

    (entry,) = new_audits(IMPORTED)
    assert entry.object_type == "catalog.catalogitem"
    assert entry.object_id == str(penalty.pk)
    assert entry.actor == admin_user
    assert _field(entry.before, "remark")["name"] == "备注"
    assert _field(entry.after, "remark")["name"] == "备注说明"
    assert "version" not in entry.before
    assert entry.after["version"] == penalty.version + 1


def test_importing_the_changed_document_twice_bumps_once(admin_user, new_audits):
    doc = bundled_doc()
    _item(doc, "a-grade-taxpayer")["description"] = "修订说明"
    import_catalog(doc, actor=admin_user)
    version = CatalogItem.objects.get(code="a-grade-taxpayer").version

    counts = import_catalog(doc, actor=admin_user)

    assert counts["items_updated"] == 0
    assert CatalogItem.objects.get(code="a-grade-taxpayer").version == version == 2
    assert new_audits(IMPORTED).count() == 1


def test_changed_code_table_is_replaced_and_audited(admin_user, new_audits):
    doc = bundled_doc()
    table = next(t for t in doc["code_tables"] if t["code"] == "list_status")
    table["values"].append({"value": "暂停公布", "synonyms": [], "note": "测试"})

    counts = import_catalog(doc, actor=admin_user)

    assert counts["tables_updated"] == 1 and counts["tables_created"] == 0
    values = CodeTable.objects.get(code="list_status").values.values_list("value", flat=True)
    assert list(values) == ["公布", "撤出", "暂停公布"]
    (entry,) = new_audits("codetable.imported")
    assert entry.object_repr == "名单状态"
    assert len(entry.after["values"]) == len(entry.before["values"]) + 1


def test_new_items_are_created_and_linked_to_their_parent(admin_user):
    doc = bundled_doc()
    # The child comes first: parents are linked once every item exists.
    doc["items"] += [
        minimal_item("penalty-fine", name="罚款类处罚", parent="penalty-group"),
        minimal_item("penalty-group", name="处罚分组"),
        minimal_item("penalty-existing-parent", name="挂在行政处罚下", parent="admin-penalty"),
    ]

    counts = import_catalog(doc, actor=admin_user)

    assert counts["items_created"] == 3
    child = CatalogItem.objects.select_related("parent").get(code="penalty-fine")
    assert child.parent.code == "penalty-group"
    assert child.version == 1
    existing = CatalogItem.objects.get(code="penalty-existing-parent")
    assert existing.parent.code == "admin-penalty"
    assert set(CatalogItem.objects.get(code="penalty-group").children.all()) == {child}
    assert import_catalog(doc, actor=admin_user)["items_unchanged"] == len(doc["items"])


def test_removing_the_parent_in_the_document_unlinks_it(admin_user):
    doc = bundled_doc()
    doc["items"].append(minimal_item("penalty-fine", parent="admin-penalty"))
    import_catalog(doc, actor=admin_user)
    _item(doc, "penalty-fine")["parent"] = None

    counts = import_catalog(doc, actor=admin_user)

    assert counts["items_updated"] == 1
    child = CatalogItem.objects.get(code="penalty-fine")
    assert child.parent is None and child.version == 2


def test_source_departments_are_set_from_codes(admin_user):
    doc = bundled_doc()
    _item(doc, "a-grade-taxpayer")["source_departments"] = ["SW", "SCJG"]

    import_catalog(doc, actor=admin_user)

    item = CatalogItem.objects.get(code="a-grade-taxpayer")
    assert sorted(item.source_departments.values_list("code", flat=True)) == ["SCJG", "SW"]


# --- all or nothing ------------------------------------------------------------------------


def test_invalid_document_writes_nothing(admin_user):
    doc = bundled_doc()
    _field(_item(doc, "admin-penalty"), "remark")["name"] = "备注说明"  # a valid change …
    _item(doc, "admin-license")["category"] = "grey_list"  # … and two problems
    _field(_item(doc, "admin-license"), "subject_category")["code_table"] = "nope"
    before, versions = _row_counts(), _versions()

    with pytest.raises(CatalogSpecError) as exc:
        import_catalog(doc, actor=admin_user)

    assert {p.path for p in exc.value.problems} == {
        "items[0].category",
        "items[0].fields[1].code_table",
    }
    assert _row_counts() == before
    assert _versions() == versions
    assert CatalogItem.objects.get(code="admin-penalty").fields.get(code="remark").name == "备注"


def test_a_name_too_long_for_the_database_is_a_spec_problem_not_a_crash(admin_user):
    doc = bundled_doc()
    _field(_item(doc, "admin-penalty"), "remark")["name"] = "备" * 101
    before = _row_counts()

    with pytest.raises(CatalogSpecError) as exc:
        import_catalog(doc, actor=admin_user)

    assert [p.path for p in exc.value.problems] == ["items[1].fields[29].name"]
    assert _row_counts() == before


def test_a_failure_half_way_rolls_back_everything_written_before(admin_user, monkeypatch):
    doc = bundled_doc()
    next(t for t in doc["code_tables"] if t["code"] == "list_status")["name"] = "名单状态（新）"
    _item(doc, "admin-license")["description"] = "先写入的变更"
    _item(doc, "admin-penalty")["description"] = "随后失败的变更"
    before, versions = _row_counts(), _versions()
    real = services._field_model

    def failing(item, position, f, tables):
        if item.code == "admin-penalty":
            raise RuntimeError("boom")
        return real(item, position, f, tables)

    monkeypatch.setattr(services, "_field_model", failing)

    with pytest.raises(RuntimeError):
        import_catalog(doc, actor=admin_user)

    assert _row_counts() == before
    assert _versions() == versions
    assert CodeTable.objects.get(code="list_status").name == "名单状态"
    assert CatalogItem.objects.get(code="admin-license").description != "先写入的变更"


# --- permission ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.DEPT_OFFICER, Role.CITY_REVIEWER, Role.AUDITOR])
def test_only_the_credit_office_may_import(make_user, role):
    doc = bundled_doc()
    _item(doc, "admin-penalty")["description"] = "越权修改"
    user = make_user(role)
    before = _row_counts()

    with pytest.raises(PermissionDenied) as exc:
        import_catalog(doc, actor=user)

    assert exc.value.code == "permission_denied"
    assert exc.value.details == {"permission": "catalog.manage"}
    assert _row_counts() == before


def test_the_system_may_import_without_an_actor(new_audits):
    doc = bundled_doc()
    _item(doc, "admin-penalty")["description"] = "系统导入"

    assert import_catalog(doc)["items_updated"] == 1
    (entry,) = new_audits(IMPORTED)
    assert entry.actor is None and entry.actor_repr == "system"


# --- the seeded 双公示 and list items ------------------------------------------------------


def test_penalty_confiscation_amount_is_a_single_field():
    names = list(
        CatalogItem.objects.get(code="admin-penalty").fields.values_list("name", flat=True)
    )
    assert names.count(CONFISCATION) == 1
    assert "没收违法所得" not in names
    assert "没收非法财物的金额(万元)" not in names


@pytest.mark.parametrize(
    ("code", "count"),
    [
        ("admin-license", 30),  # seed L74: 30 names
        ("admin-penalty", 33),  # seed L75: 34 names, 没收违法所得、没收非法财物的金额(万元) is one
    ],
)
def test_double_publicity_items_have_the_seed_field_counts(code, count):
    item = CatalogItem.objects.get(code=code)
    positions = list(item.fields.values_list("position", flat=True))
    assert positions == list(range(1, count + 1))
    assert [f.name for f in item.fields.all()] == [
        f["name"] for f in _item(BUNDLED, code)["fields"]
    ]


def test_at_least_six_red_and_black_list_items_exist():
    lists = CatalogItem.objects.filter(category__in=["red_list", "black_list"], is_active=True)
    assert lists.count() >= 6
    assert lists.filter(category="red_list").exists() and lists.filter(category="black_list")


def test_a_code_value_added_by_import_is_accepted_by_validation(admin_user, penalty_item):
    payload = legal_person_payload(severity="特别严重")
    assert [e.code for e in validate_payload(spec_for(penalty_item), payload, today=TODAY)] == [
        "code_invalid"
    ]
    doc = bundled_doc()
    table = next(t for t in doc["code_tables"] if t["code"] == "severity")
    table["values"].append({"value": "特别严重", "synonyms": [], "note": "测试"})
    import_catalog(doc, actor=admin_user)
    penalty_item.refresh_from_db()

    assert validate_payload(spec_for(penalty_item), payload, today=TODAY) == []
