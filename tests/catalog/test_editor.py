"""The catalog editor (目录维护): services and pages.

Every edit goes through one service: the credit office's permission, validation like the JSON
import (an edit cannot make the catalog invalid), version + 1, an audit entry with before and
after; a refused edit writes nothing and says why in Chinese. The session database holds the
bundled catalog (tests/conftest.py); every test runs in its own transaction.
"""

from __future__ import annotations

import pytest

from credit.accounts.roles import Role
from credit.catalog import services
from credit.catalog.models import CatalogItem
from credit.catalog.rules import spec_for
from credit.catalog.selectors import export_item
from credit.catalog.services import CatalogEditRefused
from credit.core.errors import NotFound, PermissionDenied, ValidationFailed
from credit.core.models import AuditEntry

pytestmark = pytest.mark.django_db

PENALTY = "admin-penalty"


@pytest.fixture(autouse=True)
def own_spec_cache(monkeypatch):
    """Validation specs are cached per (item, version); a test's edits are rolled back and
    their version numbers used again by the next test, so its specs are its own."""
    from credit.catalog import rules

    monkeypatch.setattr(rules, "_spec_cache", {})


@pytest.fixture
def new_audits():
    """``new_audits(event_type)`` → the audit entries of that type written during the test."""
    mark = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def entries(event_type: str | None = None):
        qs = AuditEntry.objects.filter(id__gt=mark)
        return (qs.filter(event_type=event_type) if event_type else qs).order_by("id")

    return entries


def _item(code: str = PENALTY) -> CatalogItem:
    return CatalogItem.objects.get(code=code)


def _codes(code: str = PENALTY) -> list[str]:
    return list(_item(code).fields.order_by("position").values_list("code", flat=True))


def _field(code: str, field: str) -> dict:
    return next(f for f in export_item(_item(code))["fields"] if f["code"] == field)


# --- services: permission, audit, version ------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CITY_REVIEWER, Role.DEPT_OFFICER, Role.AUDITOR])
def test_only_the_credit_office_may_edit(make_user, role, new_audits):
    user = make_user(role)
    before = export_item(_item())
    with pytest.raises(PermissionDenied) as refused:
        services.update_item(actor=user, code=PENALTY, properties={"name": "改名"})
    assert "维护信用信息资源目录" in refused.value.message
    for call in (
        lambda: services.add_field(
            actor=user, item_code=PENALTY, field={"code": "x", "name": "新", "type": "text"}
        ),
        lambda: services.remove_field(actor=user, item_code=PENALTY, field_code="remark"),
        lambda: services.move_field(actor=user, item_code=PENALTY, field_code="remark", offset=1),
        lambda: services.create_item(
            actor=user,
            code="new-one",
            properties={},
            first_field={"code": "a", "name": "甲", "type": "text"},
        ),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert export_item(_item()) == before
    assert not new_audits().filter(event_type__startswith="catalogitem.").exists()


def test_an_item_edit_bumps_the_version_and_is_audited_with_before_and_after(
    admin_user, new_audits
):
    old = _item()
    edit = services.update_item(
        actor=admin_user,
        code=PENALTY,
        properties={"name": "行政处罚（修订）", "source_departments": ["SCJG", "FGW"]},
    )
    assert edit.changed
    item = _item()
    assert item.version == old.version + 1 == edit.item.version
    assert item.name == "行政处罚（修订）"
    assert sorted(d.code for d in item.source_departments.all()) == ["FGW", "SCJG"]
    (entry,) = new_audits("catalogitem.edited")
    assert entry.actor == admin_user and entry.object_id == str(item.pk)
    assert entry.before["name"] == "行政处罚" and entry.before["version"] == old.version
    assert entry.after["name"] == "行政处罚（修订）" and entry.after["version"] == item.version
    assert entry.after["source_departments"] == ["FGW", "SCJG"]
    assert len(entry.after["fields"]) == 33  # the fields are kept as they were


def test_an_edit_that_changes_nothing_writes_nothing(admin_user, new_audits):
    version = _item().version
    edit = services.update_item(actor=admin_user, code=PENALTY, properties={"name": "行政处罚"})
    assert not edit.changed
    assert _item().version == version
    assert not new_audits().exists()


def test_a_field_edit_reaches_validation_through_the_new_version(admin_user, new_audits):
    """The validation spec is cached per item version: an edit is in force at once."""
    assert not spec_for(_item()).by_code()["remark"].required
    services.update_field(
        actor=admin_user,
        item_code=PENALTY,
        field_code="remark",
        properties={"required": True, "name": "备注说明", "aliases": ["附注"]},
    )
    remark = _field(PENALTY, "remark")
    assert remark["required"] and remark["name"] == "备注说明" and remark["aliases"] == ["附注"]
    assert remark["type"] == "text"  # not named: kept
    rule = spec_for(_item()).by_code()["remark"]
    assert rule.required and rule.name == "备注说明"
    (entry,) = new_audits("catalogitem.field_edited")
    before = next(f for f in entry.before["fields"] if f["code"] == "remark")
    assert before["name"] == "备注" and not before["required"]


def test_the_conditions_of_a_field_are_kept_when_it_is_edited(admin_user):
    conditions = _field(PENALTY, "uscc")["conditions"]
    assert conditions
    services.update_field(
        actor=admin_user, item_code=PENALTY, field_code="uscc", properties={"max_length": 18}
    )
    services.update_field(
        actor=admin_user, item_code=PENALTY, field_code="uscc", properties={"description": "说明"}
    )
    assert _field(PENALTY, "uscc")["conditions"] == conditions


# --- services: invalid edits are refused in Chinese and write nothing --------------------------


@pytest.mark.parametrize(
    ("field", "properties", "key", "words"),
    [
        ("remark", {"type": "code"}, "code_table", "代码类型的字段必须指定代码表"),
        ("remark", {"unit": "万元"}, "unit", "只有数值或整数字段可以指定单位"),
        ("remark", {"name": "违法事实"}, "name", "表头“违法事实”已由字段“violation_facts”使用"),
        ("remark", {"aliases": ["处罚决定书文号"]}, "aliases", "已由字段“document_no”使用"),
        ("remark", {"code_table": "no_such_table"}, "code_table", "代码表“no_such_table”不存在"),
        ("remark", {"name": "长" * 101}, "name", "最长100个字符"),
        (
            "legal_rep_id_number",
            {"validator_args": {"type_field": "nothing"}},
            "validator_args",
            "证件类型字段“nothing”不存在",
        ),
    ],
)
def test_an_invalid_field_edit_is_refused_on_its_key(
    admin_user, new_audits, field, properties, key, words
):
    before = export_item(_item())
    with pytest.raises(CatalogEditRefused) as refused:
        services.update_field(
            actor=admin_user, item_code=PENALTY, field_code=field, properties=properties
        )
    problems = refused.value.problems
    assert any(p.key == key and words in p.message for p in problems), problems
    assert refused.value.message.startswith("未保存")
    assert refused.value.code == "catalog_invalid"
    assert export_item(_item()) == before
    assert not new_audits().exists()


def test_a_role_taken_by_another_field_is_refused_with_that_field_named(admin_user):
    with pytest.raises(CatalogEditRefused) as refused:
        services.update_field(
            actor=admin_user, item_code=PENALTY, field_code="remark", properties={"role": "uscc"}
        )
    (problem,) = refused.value.problems
    assert "业务含义“uscc”已由字段" in problem.message


def test_a_date_check_loses_its_date_when_the_type_changes(admin_user):
    """A row check of the item compares two dates: the field cannot stop being one."""
    with pytest.raises(CatalogEditRefused) as refused:
        services.update_field(
            actor=admin_user,
            item_code=PENALTY,
            field_code="valid_to",
            properties={"type": "string", "max_length": 10},
        )
    (problem,) = refused.value.problems
    assert problem.key == ""
    assert problem.message.startswith("跨字段校验“date_order”：")
    assert "日期类型" in problem.message


def test_an_unknown_department_is_refused(admin_user):
    with pytest.raises(CatalogEditRefused) as refused:
        services.update_item(
            actor=admin_user, code=PENALTY, properties={"source_departments": ["NOPE"]}
        )
    assert refused.value.problems[0].key == "source_departments"
    assert "部门“NOPE”不存在" in refused.value.problems[0].message


def test_an_unknown_item_or_field_is_not_found(admin_user):
    with pytest.raises(NotFound):
        services.update_item(actor=admin_user, code="no-such-item", properties={"name": "x"})
    with pytest.raises(NotFound):
        services.update_field(
            actor=admin_user, item_code=PENALTY, field_code="nope", properties={"name": "x"}
        )


# --- services: fields added, moved, removed ----------------------------------------------------


def test_a_field_is_added_as_the_last_column(admin_user, new_audits):
    version = _item().version
    edit = services.add_field(
        actor=admin_user,
        item_code=PENALTY,
        field={"code": "case_handler", "name": "承办人", "type": "string", "max_length": 50},
    )
    assert edit.changed and edit.item.version == version + 1
    assert _codes()[-1] == "case_handler"
    added = _field(PENALTY, "case_handler")
    assert added["sensitivity"] == "public" and added["conditions"] == []
    (entry,) = new_audits("catalogitem.field_added")
    assert "case_handler" not in [f["code"] for f in entry.before["fields"]]
    assert entry.after["fields"][-1]["code"] == "case_handler"


def test_a_field_code_already_used_is_refused(admin_user):
    with pytest.raises(CatalogEditRefused) as refused:
        services.add_field(
            actor=admin_user,
            item_code=PENALTY,
            field={"code": "remark", "name": "另一个备注", "type": "text"},
        )
    assert any(p.key == "code" and "字段“remark”重复" in p.message for p in refused.value.problems)
    assert _codes().count("remark") == 1


def test_a_field_moves_one_column_and_stops_at_either_end(admin_user, new_audits):
    codes = _codes()
    services.move_field(actor=admin_user, item_code=PENALTY, field_code="remark", offset=-1)
    n = codes.index("remark")
    moved = _codes()
    assert moved[n - 1 : n + 1] == ["remark", codes[n - 1]]
    assert len(new_audits("catalogitem.fields_reordered")) == 1
    version = _item().version
    edit = services.move_field(actor=admin_user, item_code=PENALTY, field_code=codes[0], offset=-1)
    assert not edit.changed and _item().version == version


def test_a_field_of_the_natural_key_cannot_be_removed(admin_user, new_audits):
    with pytest.raises(ValidationFailed) as refused:
        services.remove_field(actor=admin_user, item_code=PENALTY, field_code="document_no")
    assert refused.value.code == "field_in_use"
    assert "自然键" in refused.value.message and "不能删除" in refused.value.message
    assert "document_no" in _codes()
    assert not new_audits().exists()


@pytest.mark.parametrize(
    ("field", "words"),
    [
        ("subject_category", "条件必填规则引用了字段“行政相对人类别”"),
        ("legal_rep_id_type", "按字段“法定代表人证件类型”的证件类型校验"),
        ("fine_amount", "跨字段校验“amount_implausible”使用了字段"),
    ],
)
def test_a_field_another_rule_uses_cannot_be_removed(admin_user, field, words):
    with pytest.raises(ValidationFailed) as refused:
        services.remove_field(actor=admin_user, item_code=PENALTY, field_code=field)
    assert words in refused.value.message
    assert field in _codes()


def test_a_field_nothing_depends_on_is_removed(admin_user, new_audits):
    count = len(_codes())
    edit = services.remove_field(actor=admin_user, item_code=PENALTY, field_code="remark")
    assert edit.changed
    assert "remark" not in _codes() and len(_codes()) == count - 1
    assert list(_item().fields.values_list("position", flat=True)) == list(range(1, count))
    (entry,) = new_audits("catalogitem.field_removed")
    assert "remark" in [f["code"] for f in entry.before["fields"]]
    assert "remark" not in [f["code"] for f in entry.after["fields"]]


# --- services: a new item --------------------------------------------------------------------

NEW_ITEM = {
    "name": "守信激励对象",
    "category": "red_list",
    "subject_type": "legal",
    "update_period": "monthly",
    "usage_scope": "public",
    "publicity_mode": "validity",
    "source_departments": ["FGW"],
    "description": "",
    "basis": "",
    "is_active": True,
    "sort_order": 90,
}
FIRST = {
    "code": "subject_name",
    "name": "主体名称",
    "type": "string",
    "max_length": 200,
    "required": True,
    "role": "subject_name",
}


def test_a_new_item_starts_at_version_one_and_is_audited(admin_user, new_audits):
    item = services.create_item(
        actor=admin_user, code="trust-incentive", properties=NEW_ITEM, first_field=FIRST
    )
    assert item.version == 1 and item.name == "守信激励对象"
    assert _codes("trust-incentive") == ["subject_name"]
    (entry,) = new_audits("catalogitem.created")
    assert entry.before is None and entry.after["code"] == "trust-incentive"
    services.add_field(
        actor=admin_user,
        item_code="trust-incentive",
        field={"code": "uscc", "name": "统一社会信用代码", "type": "string", "max_length": 18},
    )
    assert _item("trust-incentive").version == 2


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (PENALTY, "目录项标识“admin-penalty”已被使用"),
        ("new", "保留"),
        ("Bad_Code", "应为小写字母、数字和连字符"),
    ],
)
def test_a_new_item_code_must_be_free_and_well_formed(admin_user, new_audits, code, words):
    count = CatalogItem.objects.count()
    with pytest.raises(CatalogEditRefused) as refused:
        services.create_item(actor=admin_user, code=code, properties=NEW_ITEM, first_field=FIRST)
    assert any(p.key == "code" and words in p.message for p in refused.value.problems)
    assert CatalogItem.objects.count() == count
    assert not new_audits().exists()


# --- pages -----------------------------------------------------------------------------------


@pytest.fixture
def office(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_list_and_the_item_offer_the_editor_to_the_credit_office_only(client, make_user):
    client.force_login(make_user(Role.CITY_REVIEWER))
    assert "新建目录项" not in client.get("/catalog/").content.decode()
    assert "修改目录项" not in client.get(f"/catalog/{PENALTY}/").content.decode()
    assert client.get(f"/catalog/{PENALTY}/edit/").status_code == 403
    client.force_login(make_user(Role.CITY_ADMIN))
    listing = client.get("/catalog/").content.decode()
    assert 'href="/catalog/new/"' in listing and "/admin/catalog/" not in listing
    detail = client.get(f"/catalog/{PENALTY}/").content.decode()
    assert f'href="/catalog/{PENALTY}/edit/"' in detail
    assert f'href="/catalog/{PENALTY}/fields/remark/"' in detail
    assert f'href="/catalog/{PENALTY}/add-field/"' in detail


def test_the_item_form_preselects_the_items_values_with_chinese_labels(office):
    page = office.get(f"/catalog/{PENALTY}/edit/").content.decode()
    assert '<option value="double_publicity" selected>双公示</option>' in page
    assert '<option value="severity" selected>按失信严重程度定公示期</option>' in page
    assert "常州市市场监督管理局" in page  # departments by their Chinese names
    assert f'href="/catalog/{PENALTY}/"' in page  # the way back to the item


def _item_post(**changes) -> dict:
    data = {
        "name": "行政处罚",
        "category": "double_publicity",
        "subject_type": "both",
        "update_period": "daily",
        "usage_scope": "public",
        "publicity_mode": "severity",
        "source_departments": [],
        "description": "",
        "basis": "",
        "is_active": "on",
        "sort_order": "2",
    }
    data.update(changes)
    return data


def test_saving_the_item_form_goes_back_to_the_item_with_its_new_version(office):
    doc = export_item(_item())
    data = _item_post(
        name="行政处罚（修订）",
        update_period=doc["update_period"],
        subject_type=doc["subject_type"],
        sort_order=str(doc["sort_order"]),
        description=doc["description"],
        basis=doc["basis"],
    )
    response = office.post(f"/catalog/{PENALTY}/edit/", data, follow=True)
    assert response.redirect_chain[-1][0] == f"/catalog/{PENALTY}/"
    page = response.content.decode()
    assert f"现为第 {doc['version'] + 1} 版" in page
    assert _item().name == "行政处罚（修订）"


def test_an_invalid_field_form_shows_the_reason_beside_the_field_and_saves_nothing(office):
    version = _item().version
    data = {
        "name": "备注",
        "aliases": "",
        "data_type": "code",
        "sensitivity": "public",
        "description": "",
    }
    response = office.post(f"/catalog/{PENALTY}/fields/remark/", data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "代码类型的字段必须指定代码表" in form.errors["code_table"][0]
    assert form.non_field_errors()[0].startswith("未保存")
    assert "catalog_invalid" not in response.content.decode()
    assert _item().version == version and _field(PENALTY, "remark")["type"] == "text"


def test_the_field_form_requires_a_length_for_a_string(office):
    data = {"code": "x_text", "name": "某字段", "data_type": "string", "sensitivity": "public"}
    response = office.post(f"/catalog/{PENALTY}/add-field/", data)
    assert response.status_code == 200
    assert response.context["form"].errors["max_length"] == ["字符串类型的字段须填写最大长度"]
    assert "x_text" not in _codes()


def test_adding_a_field_on_its_page(office):
    data = {
        "code": "case_handler",
        "name": "承办人",
        "aliases": "经办人、承办人员",
        "data_type": "string",
        "max_length": "50",
        "sensitivity": "personal",
        "role": "",
        "description": "",
    }
    response = office.post(f"/catalog/{PENALTY}/add-field/", data)
    assert response.status_code == 302
    assert response["Location"] == f"/catalog/{PENALTY}/#f-case_handler"
    added = _field(PENALTY, "case_handler")
    assert added["aliases"] == ["经办人", "承办人员"] and added["sensitivity"] == "personal"


def test_the_field_form_keeps_the_id_type_field_of_its_validator(office):
    current = _field(PENALTY, "id_number")
    page = office.get(f"/catalog/{PENALTY}/fields/id_number/").content.decode()
    assert '<option value="id_type" selected>证件类型（id_type）</option>' in page
    assert "当“行政相对人类别”为 自然人 时必填" in page  # the condition, shown and kept
    form = office.get(f"/catalog/{PENALTY}/fields/id_number/").context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    data["description"] = "自然人的证件号码"
    response = office.post(f"/catalog/{PENALTY}/fields/id_number/", data)
    assert response.status_code == 302, response.context["form"].errors
    after = _field(PENALTY, "id_number")
    assert after["description"] == "自然人的证件号码"
    assert after["validator_args"] == current["validator_args"] == {"type_field": "id_type"}
    assert after["conditions"] == current["conditions"]


def test_removing_a_natural_key_field_is_explained_and_refused(office):
    page = office.get(f"/catalog/{PENALTY}/fields/document_no/remove/").content.decode()
    assert "不能删除" in page and "自然键" in page and "确认删除" not in page
    response = office.post(f"/catalog/{PENALTY}/fields/document_no/remove/", follow=True)
    assert "自然键" in response.content.decode()
    assert "document_no" in _codes()


def test_removing_a_free_field_after_confirmation(office):
    page = office.get(f"/catalog/{PENALTY}/fields/remark/remove/").content.decode()
    assert "确认删除" in page
    response = office.post(f"/catalog/{PENALTY}/fields/remark/remove/")
    assert response.status_code == 302 and response["Location"].startswith(f"/catalog/{PENALTY}/")
    assert "remark" not in _codes()


def test_moving_a_field_from_the_item_page(office):
    codes = _codes()
    n = codes.index("remark")
    response = office.post(f"/catalog/{PENALTY}/fields/remark/move/", {"direction": "down"})
    assert response.status_code == 302
    assert _codes()[n : n + 2] == [codes[n + 1], "remark"]
    assert office.get(f"/catalog/{PENALTY}/fields/remark/move/").status_code == 405


def test_creating_an_item_on_its_page(office):
    page = office.get("/catalog/new/").content.decode()
    assert 'value="subject_name"' in page  # the first field pre-filled
    data = _item_post(
        code="trust-incentive",
        name="守信激励对象",
        category="red_list",
        subject_type="legal",
        publicity_mode="validity",
        source_departments=["FGW"],
        first_code="subject_name",
        first_name="企业名称",
        first_max_length="200",
    )
    response = office.post("/catalog/new/", data)
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == "/catalog/trust-incentive/"
    assert _codes("trust-incentive") == ["subject_name"]
    assert _item("trust-incentive").fields.get().name == "企业名称"
    again = office.post("/catalog/new/", data)
    assert "已被使用" in again.context["form"].errors["code"][0]


def test_an_inactive_item_stays_in_the_credit_offices_list(office, make_user, client):
    services.update_item(
        actor=make_user(Role.CITY_ADMIN), code=PENALTY, properties={"is_active": False}
    )
    assert "已停用" in office.get("/catalog/").content.decode()
    client.force_login(make_user(Role.CITY_REVIEWER))
    assert PENALTY not in client.get("/catalog/").content.decode()


def test_an_unknown_field_page_is_404(office):
    assert office.get(f"/catalog/{PENALTY}/fields/nope/").status_code == 404
    assert office.get("/catalog/no-such-item/edit/").status_code == 404
