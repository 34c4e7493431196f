"""spec.parse_catalog: the exchange format is checked as a whole, every problem with its path.

Pure Python: no database.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import credit.core
from credit.catalog.spec import CatalogSpecError, parse_catalog
from tests.catalog.factories import bundled_doc, minimal_item

CITY_FILE = Path(credit.core.__file__).resolve().parent / "data" / "changzhou.json"
DEPARTMENTS = {d["code"] for d in json.loads(CITY_FILE.read_text("utf-8"))["departments"]}


def _doc(*items: dict, tables: list | None = None) -> dict:
    return {"format": 1, "code_tables": tables or [], "items": list(items)}


def _paths(exc: pytest.ExceptionInfo[CatalogSpecError]) -> list[str]:
    return [p.path for p in exc.value.problems]


COLOUR = {
    "code": "colour",
    "name": "颜色",
    "source": "",
    "values": [{"value": "红", "synonyms": ["赤"]}, {"value": "蓝", "synonyms": []}],
}


def test_bundled_catalog_parses_against_the_city_departments():
    doc = bundled_doc()
    assert parse_catalog(doc, known_departments=DEPARTMENTS) is doc


def test_minimal_document_parses():
    parse_catalog(_doc(minimal_item()), known_departments=set())


def test_non_object_document_is_rejected():
    with pytest.raises(CatalogSpecError) as exc:
        parse_catalog(["not", "an", "object"])
    assert _paths(exc) == ["$"]


# Each case: a change to a valid one-item document, and the one problem path it must produce.
SINGLE_PROBLEMS = {
    "unknown_category": (lambda d: d["items"][0].update(category="grey_list"), "items[0].category"),
    "unknown_code_table": (
        lambda d: d["items"][0]["fields"].append(
            {"code": "colour", "name": "颜色", "type": "code", "code_table": "no_such_table"}
        ),
        "items[0].fields[1].code_table",
    ),
    "condition_on_missing_field": (
        lambda d: d["items"][0]["fields"].append(
            {
                "code": "reg_no",
                "name": "注册号",
                "type": "string",
                "max_length": 20,
                "conditions": [{"when": {"field": "ghost", "in": ["x"]}, "then": "required"}],
            }
        ),
        "items[0].fields[1].conditions[0]",
    ),
    "duplicate_field_code": (
        lambda d: d["items"][0]["fields"].append(
            {"code": "subject_name", "name": "名称2", "type": "string", "max_length": 5}
        ),
        "items[0].fields[1].code",
    ),
    "duplicate_role": (
        lambda d: d["items"][0]["fields"].extend(
            [
                {"code": "a", "name": "甲", "type": "string", "max_length": 18, "role": "uscc"},
                {"code": "b", "name": "乙", "type": "string", "max_length": 18, "role": "uscc"},
            ]
        ),
        "items[0].fields[2].role",
    ),
    "natural_key_field_missing": (
        lambda d: d["items"][0].update(natural_key=["document_no"]),
        "items[0].natural_key",
    ),
    "id_by_type_without_type_field": (
        lambda d: d["items"][0]["fields"].append(
            {"code": "id_number", "name": "证件号码", "type": "string", "validator": "id_by_type"}
        ),
        "items[0].fields[1].validator_args",
    ),
    "code_type_without_code_table": (
        lambda d: d["items"][0]["fields"].append({"code": "kind", "name": "类别", "type": "code"}),
        "items[0].fields[1].code_table",
    ),
    "synonym_mapped_to_two_values": (
        lambda d: d["code_tables"][0]["values"][1]["synonyms"].append("赤"),
        "code_tables[0].values[1]",
    ),
    "unknown_department": (
        lambda d: d["items"][0].update(source_departments=["SCJG", "NOPE"]),
        "items[0].source_departments",
    ),
    "unknown_parent": (lambda d: d["items"][0].update(parent="nowhere"), "items[0].parent"),
    "unknown_item_key": (lambda d: d["items"][0].update(colour="红"), "items[0].colour"),
    "sort_order_out_of_range": (
        lambda d: d["items"][0].update(sort_order=-1),
        "items[0].sort_order",
    ),
}


@pytest.mark.parametrize("case", sorted(SINGLE_PROBLEMS))
def test_each_problem_is_reported_with_its_path(case):
    change, path = SINGLE_PROBLEMS[case]
    doc = _doc(minimal_item(), tables=[json.loads(json.dumps(COLOUR))])
    parse_catalog(json.loads(json.dumps(doc)), known_departments=DEPARTMENTS)  # valid before
    change(doc)
    with pytest.raises(CatalogSpecError) as exc:
        parse_catalog(doc, known_departments=DEPARTMENTS)
    assert _paths(exc) == [path]
    assert exc.value.problems[0].message
    assert path in str(exc.value)


def test_all_problems_of_a_document_are_listed_at_once():
    tables = [
        {
            "code": "colour",
            "name": "颜色",
            "values": [{"value": "红", "synonyms": ["赤"]}, {"value": "蓝", "synonyms": ["赤"]}],
        }
    ]
    item = minimal_item(
        category="grey_list",
        source_departments=["NOPE"],
        natural_key=["document_no"],
        fields=[
            {"code": "colour", "name": "颜色", "type": "code", "code_table": "no_such_table"},
            {
                "code": "reg_no",
                "name": "注册号",
                "type": "string",
                "conditions": [{"when": {"field": "ghost", "in": ["x"]}, "then": "required"}],
            },
            {"code": "colour", "name": "颜色2", "type": "string"},
            {"code": "a", "name": "甲", "type": "string", "role": "uscc"},
            {"code": "b", "name": "乙", "type": "string", "role": "uscc"},
            {"code": "id_number", "name": "证件号码", "type": "string", "validator": "id_by_type"},
            {"code": "kind", "name": "类别", "type": "code"},
        ],
    )
    with pytest.raises(CatalogSpecError) as exc:
        parse_catalog(_doc(item, tables=tables), known_departments=DEPARTMENTS)
    assert sorted(_paths(exc)) == sorted(
        [
            "code_tables[0].values[1]",
            "items[0].category",
            "items[0].source_departments",
            "items[0].fields[0].code_table",
            "items[0].fields[1].conditions[0]",
            "items[0].fields[2].code",
            "items[0].fields[4].role",
            "items[0].fields[5].validator_args",
            "items[0].fields[6].code_table",
            "items[0].natural_key",
        ]
    )
    messages = " ".join(str(p) for p in exc.value.problems)
    for fragment in ("grey_list", "NOPE", "no_such_table", "document_no", "赤", "uscc"):
        assert fragment in messages


def test_departments_are_not_checked_without_a_known_list():
    parse_catalog(_doc(minimal_item(source_departments=["NOPE"])))


def test_condition_on_the_field_itself_is_rejected():
    fields = [
        {
            "code": "subject_name",
            "name": "主体名称",
            "type": "string",
            "conditions": [{"when": {"field": "subject_name", "in": ["x"]}, "then": "required"}],
        }
    ]
    with pytest.raises(CatalogSpecError) as exc:
        parse_catalog(_doc(minimal_item(fields=fields)))
    assert _paths(exc) == ["items[0].fields[0].conditions[0]"]


def test_values_longer_than_the_database_columns_are_reported():
    item = minimal_item(
        name="名" * 101,
        fields=[
            {"code": "subject_name", "name": "字" * 101, "type": "string", "max_length": 50},
            {"code": "remark", "name": "备注", "type": "text", "description": "说" * 301},
        ],
    )
    table = {
        "code": "colour",
        "name": "颜色",
        "values": [{"value": "值" * 101, "note": "注" * 301}],
    }
    with pytest.raises(CatalogSpecError) as exc:
        parse_catalog(_doc(item, tables=[table]))
    assert sorted(_paths(exc)) == sorted(
        [
            "code_tables[0].values[0]",
            "code_tables[0].values[0].note",
            "items[0].name",
            "items[0].fields[0].name",
            "items[0].fields[1].description",
        ]
    )


def test_a_header_used_by_two_fields_is_rejected():
    fields = [
        {"code": "uscc", "name": "统一社会信用代码", "type": "string", "max_length": 18},
        {
            "code": "authority_uscc",
            "name": "决定机关统一社会信用代码",
            "type": "string",
            "aliases": ["统一社会信用代码"],
        },
    ]
    with pytest.raises(CatalogSpecError) as exc:
        parse_catalog(_doc(minimal_item(fields=fields)))
    assert _paths(exc) == ["items[0].fields[1].aliases"]


def test_a_parent_cycle_is_a_problem():
    doc = {
        "code_tables": [],
        "items": [
            {**minimal_item("a-item"), "parent": "b-item"},
            {**minimal_item("b-item"), "parent": "a-item"},
        ],
    }
    with pytest.raises(CatalogSpecError) as exc:
        parse_catalog(doc)
    assert any("循环" in p.message for p in exc.value.problems)


# --- row checks and units (issue 14) ---------------------------------------------------------

CATEGORY = {
    "code": "subject_category",
    "name": "主体类别",
    "source": "",
    "values": [{"value": "法人及非法人组织"}, {"value": "个体工商户"}],
}


def _checked_item() -> dict:
    """An item with every kind of row check, valid."""
    return minimal_item(
        fields=[
            {"code": "subject_name", "name": "主体名称", "type": "string", "max_length": 50},
            {"code": "uscc", "name": "统一社会信用代码", "type": "string", "validator": "uscc"},
            {"code": "kind", "name": "主体类别", "type": "code", "code_table": "subject_category"},
            {"code": "start", "name": "开始日期", "type": "date"},
            {"code": "end", "name": "结束日期", "type": "date"},
            {"code": "fine", "name": "罚款(万元)", "type": "decimal", "unit": "万元"},
        ],
        checks=[
            {
                "code": "date_order",
                "kind": "date_order",
                "fields": ["start", "end"],
                "severity": "reject",
                "message": "开始日期{start}晚于结束日期{end}",
            },
            {
                "code": "amount_implausible",
                "kind": "amount_bound",
                "fields": ["fine"],
                "max": 10000,
                "severity": "warn",
                "message": "罚款{fine}{unit}超过{max}{unit}",
            },
            {
                "code": "uscc_category_mismatch",
                "kind": "uscc_category",
                "fields": ["uscc", "kind"],
                "expect": {"92": "个体工商户", "N": "法人及非法人组织"},
                "severity": "warn",
                "message": "{uscc}表示{org_type}，类别“{kind}”应为“{expected}”",
            },
        ],
    )


def _check_problems(change) -> list[str]:
    doc = _doc(_checked_item(), tables=[json.loads(json.dumps(CATEGORY))])
    parse_catalog(json.loads(json.dumps(doc)))  # valid before
    change(doc["items"][0])
    with pytest.raises(CatalogSpecError) as exc:
        parse_catalog(doc)
    return _paths(exc)


def test_an_item_with_row_checks_and_a_unit_parses():
    parse_catalog(_doc(_checked_item(), tables=[CATEGORY]))


CHECK_PROBLEMS = {
    "unknown_kind": (lambda i: i["checks"][0].update(kind="sum"), "items[0].checks[0].kind"),
    "unknown_severity": (
        lambda i: i["checks"][0].update(severity="block"),
        "items[0].checks[0].severity",
    ),
    "bad_code": (lambda i: i["checks"][0].update(code="Date Order"), "items[0].checks[0].code"),
    "no_message": (lambda i: i["checks"][0].update(message=" "), "items[0].checks[0].message"),
    "unknown_key": (lambda i: i["checks"][0].update(max=3), "items[0].checks[0].max"),
    "missing_field": (
        lambda i: i["checks"][0].update(fields=["start", "ghost"]),
        "items[0].checks[0].fields",
    ),
    "wrong_arity": (lambda i: i["checks"][0].update(fields=["start"]), "items[0].checks[0].fields"),
    "date_order_on_a_number": (
        lambda i: i["checks"][0].update(fields=["start", "fine"], message="日期顺序不对"),
        "items[0].checks[0].fields",
    ),
    "bound_on_a_date": (
        lambda i: i["checks"][1].update(fields=["end"], message="超过上限"),
        "items[0].checks[1].fields",
    ),
    "bound_not_positive": (lambda i: i["checks"][1].update(max=0), "items[0].checks[1].max"),
    "bound_not_a_number": (lambda i: i["checks"][1].update(max="1万"), "items[0].checks[1].max"),
    "uscc_check_on_a_plain_field": (
        lambda i: i["checks"][2].update(fields=["subject_name", "kind"], message="不符"),
        "items[0].checks[2].fields",
    ),
    "expected_category_not_in_table": (
        lambda i: i["checks"][2]["expect"].update(N="农村集体"),
        "items[0].checks[2].expect",
    ),
    "expect_not_a_mapping": (
        lambda i: i["checks"][2].update(expect=["92"]),
        "items[0].checks[2].expect",
    ),
    "unknown_placeholder": (
        lambda i: i["checks"][0].update(message="{start}晚于{finish}"),
        "items[0].checks[0].message",
    ),
    "checks_not_a_list": (lambda i: i.update(checks={"a": 1}), "items[0].checks"),
    "unit_on_a_text_field": (
        lambda i: i["fields"][0].update(unit="万元"),
        "items[0].fields[0].unit",
    ),
    "unknown_unit": (lambda i: i["fields"][5].update(unit="美元"), "items[0].fields[5].unit"),
}


@pytest.mark.parametrize("case", sorted(CHECK_PROBLEMS))
def test_each_row_check_problem_is_reported_with_its_path(case):
    change, path = CHECK_PROBLEMS[case]
    assert _check_problems(change) == [path]
