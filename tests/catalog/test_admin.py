"""Editing catalog items in the Django admin: every save bumps the version and is audited."""

from __future__ import annotations

import pytest
from django import forms

from credit.accounts.roles import Role
from credit.catalog.models import CatalogItem, CodeTable
from credit.core.models import AuditEntry

pytestmark = pytest.mark.django_db


MULTIPLE = (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)


def _form_data(form: forms.BaseForm) -> dict:
    """What a browser would post for ``form`` as rendered (its current values)."""
    data: dict = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(bound.field, MULTIPLE) or isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value or []]
        else:
            data[bound.html_name] = "" if value is None else str(value)
    return data


def _change_form_post(client, url: str) -> dict:
    """The change form of ``url`` as posted unchanged: the item, its inline fields and the
    inline management forms."""
    response = client.get(url)
    assert response.status_code == 200
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_data(formset.management_form))
        for form in formset.forms:
            data.update(_form_data(form))
    data["_save"] = "保存"
    return data


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


def _new_entries(mark: int, event_type: str):
    return AuditEntry.objects.filter(id__gt=mark, event_type=event_type)


def _audit_mark() -> int:
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_editing_an_item_in_the_admin_bumps_its_version_and_is_audited(admin_client_, admin_user):
    item = CatalogItem.objects.get(code="admin-penalty")
    url = f"/admin/catalog/catalogitem/{item.pk}/change/"
    data = _change_form_post(admin_client_, url)
    assert data["fields-TOTAL_FORMS"] == "33"
    data["name"] = "行政处罚（修订）"
    remark = next(k for k, v in data.items() if k.endswith("-code") and v == "remark")
    data[remark.replace("-code", "-name")] = "备注说明"
    mark = _audit_mark()

    response = admin_client_.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    item.refresh_from_db()
    assert item.version == 2
    assert item.name == "行政处罚（修订）"
    assert item.fields.get(code="remark").name == "备注说明"
    assert item.fields.count() == 33
    (entry,) = _new_entries(mark, "catalogitem.edited")
    assert entry.actor == admin_user
    assert entry.object_id == str(item.pk)
    assert entry.before["name"] == "行政处罚" and entry.before["version"] == 1
    assert entry.after["name"] == "行政处罚（修订）" and entry.after["version"] == 2
    before_remark = next(f for f in entry.before["fields"] if f["code"] == "remark")
    after_remark = next(f for f in entry.after["fields"] if f["code"] == "remark")
    assert (before_remark["name"], after_remark["name"]) == ("备注", "备注说明")


def test_admin_edit_keeps_field_settings_the_inline_does_not_show(admin_client_):
    item = CatalogItem.objects.get(code="admin-penalty")
    url = f"/admin/catalog/catalogitem/{item.pk}/change/"

    admin_client_.post(url, _change_form_post(admin_client_, url))

    fine = item.fields.get(code="fine_amount")
    assert fine.decimal_places == 6
    assert fine.conditions == [
        {"when": {"field": "penalty_category", "in": ["罚款"]}, "then": "required"}
    ]
    assert item.fields.get(code="id_number").validator_args == {"type_field": "id_type"}


def test_each_admin_save_is_a_new_version(admin_client_):
    item = CatalogItem.objects.get(code="a-grade-taxpayer")
    url = f"/admin/catalog/catalogitem/{item.pk}/change/"
    mark = _audit_mark()

    for _ in range(2):
        assert admin_client_.post(url, _change_form_post(admin_client_, url)).status_code == 302

    item.refresh_from_db()
    assert item.version == 3
    assert item.natural_key == ["taxpayer_id", "evaluation_year"]
    assert list(item.source_departments.values_list("code", flat=True)) == ["SW"]
    assert _new_entries(mark, "catalogitem.edited").count() == 2


def test_creating_an_item_in_the_admin_is_audited(admin_client_):
    data = _change_form_post(admin_client_, "/admin/catalog/catalogitem/add/")
    data.update(
        code="sample-item",
        name="样例目录项",
        category="other",
        subject_type="legal",
        update_period="irregular",
        usage_scope="public",
        sort_order="0",
    )
    data.update(
        {
            "fields-TOTAL_FORMS": "1",
            "fields-0-position": "1",
            "fields-0-code": "subject_name",
            "fields-0-name": "主体名称",
            "fields-0-data_type": "string",
            "fields-0-max_length": "100",
            "fields-0-required": "on",
            "fields-0-sensitivity": "public",
        }
    )
    mark = _audit_mark()

    response = admin_client_.post("/admin/catalog/catalogitem/add/", data)

    assert response.status_code == 302, response.context and response.context["errors"]
    item = CatalogItem.objects.get(code="sample-item")
    assert item.version == 1 and item.fields.get().name == "主体名称"
    (entry,) = _new_entries(mark, "catalogitem.created")
    assert entry.after["fields"][0]["code"] == "subject_name"


def test_dept_officer_cannot_open_the_admin(client, make_user):
    client.force_login(make_user(Role.DEPT_OFFICER))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_auditor_sees_catalog_items_in_the_admin_but_cannot_change_them(client, make_user):
    client.force_login(make_user(Role.AUDITOR))
    item = CatalogItem.objects.get(code="admin-penalty")
    url = f"/admin/catalog/catalogitem/{item.pk}/change/"
    assert client.get("/admin/catalog/catalogitem/").status_code == 200
    assert client.get(url).status_code == 200  # read-only view
    response = client.post(url, {"name": "越权修改"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.version == 1 and item.name == "行政处罚"


def test_code_table_change_page_opens_with_its_values(admin_client_):
    table = CodeTable.objects.get(code="severity")
    response = admin_client_.get(f"/admin/catalog/codetable/{table.pk}/change/")
    assert response.status_code == 200
    (inline,) = response.context["inline_admin_formsets"]
    assert [f.instance.value for f in inline.formset.forms] == ["轻微", "一般", "严重"]


def test_saving_a_code_table_in_the_admin_reversions_the_items_that_use_it(admin_client_):
    table = CodeTable.objects.get(code="severity")
    users = set(CatalogItem.objects.filter(fields__code_table=table).values_list("code", flat=True))
    versions = dict(CatalogItem.objects.values_list("code", "version"))
    mark = _audit_mark()
    url = f"/admin/catalog/codetable/{table.pk}/change/"
    response = admin_client_.post(url, _change_form_post(admin_client_, url))
    assert response.status_code == 302
    after = dict(CatalogItem.objects.values_list("code", "version"))
    assert users and {c for c in after if after[c] != versions[c]} == users
    assert all(after[c] == versions[c] + 1 for c in users)
    assert _new_entries(mark, "catalogitem.code_table_changed").count() == len(users)


def test_a_legal_persons_admin_page_opens_with_its_identifiers(admin_client_, legal_person):
    response = admin_client_.get(f"/admin/subjects/legalperson/{legal_person.pk}/change/")
    assert response.status_code == 200
    assert legal_person.uscc in response.content.decode()
