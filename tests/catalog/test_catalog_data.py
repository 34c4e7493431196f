"""Checks of the seed resource catalog ``src/credit/catalog/data/catalog.json`` (D1).

Pure Python: no Django, no database. The 双公示 field lists are the tender's (seed L74/L75, the
national standard) and are embedded verbatim below, so the test does not depend on files outside
the repository.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
CATALOG_PATH = ROOT / "src/credit/catalog/data/catalog.json"
CONSTANTS_PATH = ROOT / "src/credit/catalog/constants.py"
CITY_PATH = ROOT / "src/credit/core/data/changzhou.json"

# seed-zh.txt L74 and L75, verbatim (including the stray spaces).
SEED_L74 = (
    "(一)行政许可信息:行政相对人名称、行政相对人类别、行政相对人代码_1(统一社会信用代码)、"
    "行政相对人代码_2 (工商注册号)、行政相对人代码_3(组织机构代码)、行政相对人代码_4(税务登记号) 、"
    "行政相对人代码_5(事业单位证书号)、行政相对人代码_6(社会组织登记证号)、法定代表人、法定代表人证件类型、"
    "法定代表人证件号码、证件类型、证件号码、行政许可决定文书名称、行政许可决定文书号、许可类别、许可证书名称、"
    "许可编号、许可内容、许可决定、有效期自、有效期至、许可机关、许可机关统一社会信用代码、当前状态、"
    "数据来源单位、数据来源单位统一社会信用代码、备注、权力编码、信息使用范围、"
)
SEED_L75 = (
    "(二)行政处罚信息:行政相对人名称、行政相对人类别、行政相对人代码_1(统一社会信用代码)、"
    "行政相对人代码_2 (工商注册号)、行政相对人代码_3(组织机构代码)、行政相对人代码_4(税务登记号)、"
    "行政相对人代码_5(事业单位证书号)、行政相对人代码_6(社会组织登记证号)、法定代表人、法定代表人证件类型、"
    "法定代表人证件号码、证件类型、证件号码、行政处罚决定书文号、违法行为类型、违法事实、处罚依据、处罚类别、"
    "处罚内容、罚款金额(万元)、没收违法所得、没收非法财物的金额(万元)、暂扣或吊销证照名称及编号、处罚决定日期、"
    "处罚有效期、公示截止期、处罚机关、处罚机关统一社会信用代码、数据来源单位、数据来源单位统一社会信用代码、"
    "备注、权力编码、信息使用范围、失信严重程度。"
)
CONFISCATION = "没收违法所得、没收非法财物的金额(万元)"

# Red/black list field lists of the seed table (L561-L611), verbatim; ``;``-separated.
SEED_LISTS = {
    "dishonest-judgment-debtor": [
        "地域;企业法人姓名;组织机构代码;案号;执行法院;失信被执行人具体情形;法律生效文书确定的义务;"
        "执行依据文号;做出执行依据单位;被执行人履行情况;已履行部分;未履行部分;发布时间;立案时间入库时间"
    ],
    "statistics-dishonest": [
        "备注;处罚决定日期;处罚结果;处罚机关;处罚类别1;处罚类别2;处罚名称;处罚事由;处罚依据;地方编码;"
        "行政相对人代码一3(工商登记码);公示期限;行政相对人代码-5(居民身份证号);"
        "行政相对人代码-4(税务登记号);入库时间;行政相对人代码_1(统一社会信用代码);行政处罚决定书文号;"
        "行政相对人名称;行政相对人代码_2(组织 机构代码);"
    ],
    "customs-dishonest": [
        "等级认定时间;法人代表;海关编码;行业种类;企业中文名称;首次注册日期;入库时间;信用等级;注册地址;"
        "注销标志;组织机构代码"
    ],
    "customs-aeo": [
        "等级认定时间;法人代表;海关编码;行业种类;企业中文名称;首次注册日期;入库时间;信用等级;注册地址;"
        "注销标志;组织机构代码"
    ],
    "major-tax-violation": [
        "撤出公布名单;案件性质;法定代表人或者负责人性别;法定代表人或者负责人姓名;"
        "法定代表人或者负责人证件号码;法定代表人或者负责人证件名称;相关法律依据及税务处理处罚情况;纳税人名称;"
        "纳税人识别号;税款、滞纳金、罚款是否全部缴清;入库时间;统一社会信用代码;注册地址;"
        "负有直接责任的财务负责人性别;负有直接责任的财务负责人姓名;负有直接责任的财务负责人证件号码;"
        "负有直接责任的财务负责人证件名称;负有直接责任的中介机构信息及其从业人员信息;主要违法事实;组织机构代码",
        "公布名单_法人;案件性质;法定代表人或者负责人性别;法定代表人或者负责人姓名;"
        "法定代表人或者负责人证件号码;法定代表人或者负责人证件名称;相关法律依据及税务处理处罚情况;纳税人名称;"
        "纳税人识别号;入库时间;注册地址;负有直接责任的财务负责人性别;负有直接责任的财务负责人姓名;"
        "负有直接责任的财务负责人证件号码;负有直接责任的财务负责人证件名称;"
        "负有直接责任的中介机构信息及其从业人员信息;主要违法事实;组织机构代码",
        "公布名单_自然人;案件性质;相关法律依据及税务处理处罚情况;性别;姓名;证件号码;"
        "负有直接责任的中介机构信息及其从业人员信息;证件名称;主要违法事实",
    ],
    "a-grade-taxpayer": ["文件名;纳税人名称;纳税人识别号;评价年度;入库时间;序号;"],
    "work-safety-blacklist": [
        "备注;单位名称;开始时间;纳入理由;身份证号;失信行为简况;入库时间;统一社会信用代码;序号;信息报送机关;"
        "注册地址;主要负责人"
    ],
    # The seed splits the next two cells over two rows (L598/L600, L604/L606).
    "ciq-dishonest": ["检验检疫严重失信企业名称;企业组织机构代码;入库时间;序号"],
    "quality-dishonest": ["统一社会信用代码;序号;严重质量失信企业名单"],
    "overload-transport-dishonest": ["身份证号入库时间;序号;姓名;"],
}
# Two seed cells lack a separator; one has a typo (一 for _).
SEED_LIST_FIXES = {
    "立案时间入库时间": "立案时间;入库时间",
    "身份证号入库时间": "身份证号;入库时间",
    "行政相对人代码一3": "行政相对人代码_3",
}
BOOKKEEPING = {"入库时间", "序号", "公布名单_法人", "公布名单_自然人", "撤出公布名单"}

EXPECTED_LISTS = {
    # code: (category, subject_type, source departments)
    "dishonest-judgment-debtor": ("black_list", "both", ["FY"]),
    "major-tax-violation": ("black_list", "both", ["SW"]),
    "a-grade-taxpayer": ("red_list", "legal", ["SW"]),
    "work-safety-blacklist": ("black_list", "legal", ["YJ"]),
    "customs-dishonest": ("black_list", "legal", ["HG"]),
    "customs-aeo": ("red_list", "legal", ["HG"]),
}

ITEM_KEYS = {
    "code", "name", "parent", "category", "subject_type", "update_period", "usage_scope",
    "publicity_mode", "source_departments", "natural_key", "description", "basis",
    "sort_order", "fields",
}  # fmt: skip
#: Keys an item may leave out.
OPTIONAL_ITEM_KEYS = {"checks"}
FIELD_KEYS = {
    "code", "name", "aliases", "type", "max_length", "decimal_places", "unit", "required",
    "conditions", "code_table", "multi_value", "validator", "validator_args", "sensitivity",
    "usage_scope", "role", "description",
}  # fmt: skip
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _choices(class_name: str) -> set[str]:
    """Values of a TextChoices class in constants.py, parsed without importing Django."""
    source = CONSTANTS_PATH.read_text(encoding="utf-8")
    body = re.search(rf"^class {class_name}\(models\.TextChoices\):\n((?:[ \t].*\n|\n)+)",
                     source, re.M)  # fmt: skip
    assert body, class_name
    return set(re.findall(r'^\s+[A-Z_]+ = "([a-z_]*)",', body.group(1), re.M))


@pytest.fixture(scope="module")
def catalog() -> dict:
    return json.loads(CATALOG_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def items(catalog) -> dict[str, dict]:
    return {item["code"]: item for item in catalog["items"]}


@pytest.fixture(scope="module")
def tables(catalog) -> dict[str, dict]:
    return {table["code"]: table for table in catalog["code_tables"]}


def _fields(item: dict) -> dict[str, dict]:
    return {field["code"]: field for field in item["fields"]}


def _by_role(item: dict) -> dict[str, dict]:
    return {field["role"]: field for field in item["fields"] if field.get("role")}


def _seed_names(line: str) -> list[str]:
    """Field names of a seed 双公示 line, split on 、, with 没收…的金额 rejoined."""
    body = line.split(":", 1)[1].strip().rstrip("、。").strip()
    names = [re.sub(r"\s+", "", part) for part in body.split("、")]
    if "没收违法所得" not in names:
        return names
    i = names.index("没收违法所得")
    assert names[i + 1] == "没收非法财物的金额(万元)"
    return [*names[:i], CONFISCATION, *names[i + 2 :]]


def _seed_list_names(cell: str) -> list[str]:
    for wrong, right in SEED_LIST_FIXES.items():
        cell = cell.replace(wrong, right)
    names = [re.sub(r"\s+", "", part) for part in cell.split(";")]
    return [name for name in names if name and name not in BOOKKEEPING]


def _is_subsequence(needle: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(name in it for name in needle)


# --- shape --------------------------------------------------------------------------------


def test_top_level_shape(catalog):
    assert catalog["format"] == 1
    assert set(catalog) == {"format", "code_tables", "items"}


def test_choice_classes_parse():
    assert "subject_name" in _choices("FieldRole")
    assert _choices("DataType") == {"string", "text", "date", "decimal", "integer", "code"}


def test_code_tables(catalog):
    codes = [table["code"] for table in catalog["code_tables"]]
    assert len(codes) == len(set(codes))
    for table in catalog["code_tables"]:
        assert set(table) == {"code", "name", "source", "values"}, table["code"]
        assert SNAKE.match(table["code"]) and table["name"] and table["source"]
        assert len(table["source"]) <= 300
        seen: set[str] = set()
        for value in table["values"]:
            assert set(value) == {"value", "synonyms", "note"}
            assert len(value["note"]) <= 300
            for word in [value["value"], *value["synonyms"]]:
                assert word not in seen, (table["code"], word)
                seen.add(word)
            if value["synonyms"]:
                assert value["note"], (table["code"], value["value"])


def test_items_shape(catalog, tables):
    categories, subject_types = _choices("Category"), _choices("SubjectType")
    periods, scopes = _choices("UpdatePeriod"), _choices("UsageScope")
    departments = {d["code"] for d in json.loads(CITY_PATH.read_text("utf-8"))["departments"]}
    codes = [item["code"] for item in catalog["items"]]
    assert len(codes) == len(set(codes))
    for item in catalog["items"]:
        assert ITEM_KEYS <= set(item) <= ITEM_KEYS | OPTIONAL_ITEM_KEYS, item["code"]
        assert SLUG.match(item["code"]) and len(item["code"]) <= 64
        assert item["parent"] is None or item["parent"] in codes
        assert item["category"] in categories
        assert item["subject_type"] in subject_types
        assert item["update_period"] in periods
        assert item["usage_scope"] in scopes
        assert set(item["source_departments"]) <= departments, item["code"]
        assert len(item["basis"]) <= 300
        assert item["fields"], item["code"]
        field_codes = {field["code"] for field in item["fields"]}
        assert set(item["natural_key"]) <= field_codes, item["code"]


def test_fields(catalog, tables):
    types, validators = _choices("DataType"), _choices("Validator")
    sensitivities, scopes = _choices("Sensitivity"), _choices("UsageScope")
    roles = _choices("FieldRole")
    for item in catalog["items"]:
        fields = _fields(item)
        assert len(fields) == len(item["fields"]), f"duplicate field code in {item['code']}"
        labels: list[str] = []
        item_roles: list[str] = []
        for field in item["fields"]:
            where = (item["code"], field["code"])
            assert set(field) <= FIELD_KEYS, where
            assert SNAKE.match(field["code"]) and len(field["code"]) <= 64, where
            assert field["name"] and len(field["name"]) <= 100, where
            assert not re.search(r"\s", field["name"]), where
            assert len(field.get("description", "")) <= 300, where
            labels += [field["name"], *field.get("aliases", [])]
            assert field["type"] in types, where
            if field["type"] == "string":
                assert isinstance(field["max_length"], int) and field["max_length"] > 0, where
            else:
                assert "max_length" not in field, where
            if field["type"] == "decimal":
                assert isinstance(field["decimal_places"], int), where
            if field["type"] == "code":
                assert field["code_table"] in tables, where
            else:
                assert "code_table" not in field and not field.get("multi_value"), where
            assert isinstance(field.get("required", False), bool), where
            assert field.get("validator", "") in validators, where
            if field.get("validator") == "id_by_type":
                type_field = fields[field["validator_args"]["type_field"]]
                assert type_field["code_table"] == "id_type", where
            assert field.get("sensitivity", "public") in sensitivities, where
            assert field.get("usage_scope", "") in scopes | {""}, where
            role = field.get("role", "")
            assert role in roles, where
            if role:
                item_roles.append(role)
            for condition in field.get("conditions", []):
                assert set(condition) == {"when", "then"}, where
                assert condition["then"] in {"required", "empty"}, where
                other = condition["when"]["field"]
                assert other in fields and other != field["code"], where
                assert isinstance(condition["when"]["in"], list) and condition["when"]["in"]
                if fields[other]["type"] == "code":
                    table = tables[fields[other]["code_table"]]
                    allowed = {v["value"] for v in table["values"]}
                    assert set(condition["when"]["in"]) <= allowed, where
        assert len(labels) == len(set(labels)), f"name/alias clash in {item['code']}"
        assert len(item_roles) == len(set(item_roles)), f"role twice in {item['code']}"


def test_personal_id_numbers_are_sensitive(catalog):
    for item in catalog["items"]:
        for field in item["fields"]:
            if field.get("validator") in {"resident_id", "id_by_type"}:
                assert field["sensitivity"] == "sensitive", (item["code"], field["code"])


# --- 双公示 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "line"), [("admin-license", SEED_L74), ("admin-penalty", SEED_L75)]
)
def test_double_publicity_fields_follow_seed(items, code, line):
    names = [field["name"] for field in items[code]["fields"]]
    assert names == _seed_names(line)


def test_confiscation_amount_is_one_field(items):
    fields = {field["name"]: field for field in items["admin-penalty"]["fields"]}
    assert CONFISCATION in fields
    assert "没收违法所得" not in fields
    for name in ("罚款金额(万元)", CONFISCATION):
        assert fields[name]["type"] == "decimal" and fields[name]["decimal_places"] == 6


@pytest.mark.parametrize("code", ["admin-license", "admin-penalty"])
def test_double_publicity_item(items, code):
    item = items[code]
    assert item["category"] == "double_publicity" and item["parent"] is None
    assert item["subject_type"] == "both" and item["usage_scope"] == "public"
    assert item["update_period"] == "daily" and item["source_departments"] == []
    assert item["natural_key"] == ["document_no"]
    roles = _by_role(item)
    for role in (
        "subject_name", "subject_category", "uscc", "reg_no", "org_code", "tax_no",
        "institution_no", "social_org_no", "legal_rep", "id_type", "id_number", "document_no",
        "valid_from" if code == "admin-license" else "decision_date", "valid_to",
        "usage_scope", "authority", "authority_uscc", "source_dept", "source_dept_uscc",
    ):  # fmt: skip
        assert role in roles, role
    assert roles["document_no"]["code"] == "document_no"
    for role in ("subject_name", "subject_category", "document_no", "authority",
                 "authority_uscc", "source_dept", "source_dept_uscc"):  # fmt: skip
        assert roles[role]["required"] is True, role
    for role in ("authority_uscc", "source_dept_uscc", "uscc"):
        assert roles[role]["validator"] == "uscc"
    assert roles["subject_name"]["max_length"] == 200
    assert roles["document_no"]["max_length"] == 128
    assert roles["authority_uscc"]["max_length"] == 18
    assert roles["subject_category"]["code_table"] == "subject_category"
    assert roles["usage_scope"]["code_table"] == "usage_scope"


def test_license_specifics(items):
    item = items["admin-license"]
    roles, by_name = _by_role(item), {f["name"]: f for f in item["fields"]}
    assert "decision_date" not in roles
    assert roles["valid_from"]["name"] == "有效期自" and roles["valid_to"]["name"] == "有效期至"
    assert by_name["许可类别"]["code_table"] == "license_category"
    assert by_name["当前状态"]["code_table"] == "license_status"


def test_penalty_specifics(items):
    item = items["admin-penalty"]
    roles, by_name = _by_role(item), {f["name"]: f for f in item["fields"]}
    assert roles["decision_date"]["name"] == "处罚决定日期" and roles["decision_date"]["required"]
    assert roles["valid_to"]["name"] == "处罚有效期"
    assert roles["publicity_end"]["name"] == "公示截止期"
    assert roles["severity"]["code_table"] == "severity"
    category = by_name["处罚类别"]
    assert category["code_table"] == "penalty_category" and category["multi_value"]
    assert category["required"]
    assert by_name["暂扣或吊销证照名称及编号"]["max_length"] == 200
    for name in ("违法事实", "处罚依据", "处罚内容"):
        assert by_name[name]["type"] == "text"


@pytest.mark.parametrize("code", ["admin-license", "admin-penalty"])
def test_subject_conditions(items, code):
    fields = _fields(items[code])

    def rules(field_code: str) -> set[tuple[str, tuple[str, ...], str]]:
        return {
            (c["when"]["field"], tuple(sorted(c["when"]["in"])), c["then"])
            for c in fields[field_code].get("conditions", [])
        }

    legal = ("subject_category", tuple(sorted(["法人及非法人组织", "个体工商户"])))
    natural = ("subject_category", ("自然人",))
    assert (*legal, "required") in rules("uscc") and (*legal, "required") in rules("legal_rep")
    assert ("uscc", ("00000000000000000X",), "required") in rules("reg_no")
    for code_ in ("uscc", "reg_no", "org_code", "tax_no", "institution_no", "social_org_no",
                  "legal_rep", "legal_rep_id_type", "legal_rep_id_number"):  # fmt: skip
        assert (*natural, "empty") in rules(code_), code_
    for code_ in ("id_type", "id_number"):
        assert (*natural, "required") in rules(code_), code_
    assert fields["id_number"]["validator_args"] == {"type_field": "id_type"}
    assert fields["legal_rep_id_number"]["validator_args"] == {"type_field": "legal_rep_id_type"}
    assert fields["legal_rep_id_number"]["usage_scope"] == "shared"


# --- red and black lists ----------------------------------------------------------------


def test_at_least_six_lists(catalog):
    lists = [i for i in catalog["items"] if i["category"] in {"red_list", "black_list"}]
    assert len(lists) >= 6


@pytest.mark.parametrize("code", sorted(EXPECTED_LISTS))
def test_expected_lists(items, code):
    category, subject_type, departments = EXPECTED_LISTS[code]
    item = items[code]
    assert (item["category"], item["subject_type"]) == (category, subject_type)
    assert item["source_departments"] == departments
    assert "subject_name" in _by_role(item)


def test_list_keys_and_scopes(items):
    assert items["dishonest-judgment-debtor"]["natural_key"] == ["case_no"]
    assert items["dishonest-judgment-debtor"]["usage_scope"] == "public"
    assert items["a-grade-taxpayer"]["natural_key"] == ["taxpayer_id", "evaluation_year"]
    assert items["a-grade-taxpayer"]["usage_scope"] == "public"
    tax = _fields(items["major-tax-violation"])
    assert tax["list_status"]["code_table"] == "list_status"


@pytest.mark.parametrize("code", sorted(SEED_LISTS))
def test_list_fields_follow_seed(items, code):
    fields = items[code]["fields"]
    names = [field["name"] for field in fields]
    first, *variants = SEED_LISTS[code]
    assert _is_subsequence(_seed_list_names(first), names), code
    for variant in variants:
        assert set(_seed_list_names(variant)) <= set(names), code
    seed_names = {n for cell in SEED_LISTS[code] for n in _seed_list_names(cell)}
    assert "入库时间" not in names and "序号" not in names
    for field in fields:
        if field["name"] not in seed_names:
            assert "平台补充字段" in field["description"] or field["code"] == "list_status", (
                code,
                field["name"],
            )


# --- code tables ------------------------------------------------------------------------


def test_code_table_values(tables):
    def values(code: str) -> list[str]:
        return [v["value"] for v in tables[code]["values"]]

    assert values("subject_category") == ["法人及非法人组织", "自然人", "个体工商户"]
    assert values("license_category") == ["普通", "特许", "认可", "核准", "登记", "其他"]
    assert values("penalty_category") == [
        "警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级",
        "吊销许可证件", "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业", "行政拘留",
        "其他",
    ]  # fmt: skip
    assert values("severity") == ["轻微", "一般", "严重"]
    assert values("usage_scope") == ["社会公开", "政务共享", "授权查询"]
    assert values("license_status") == ["有效", "无效"]
    assert values("list_status") == ["公布", "撤出"]
    assert "居民身份证" in values("id_type")


def test_severity_maps_jiaozhong_to_yiban(tables):
    general = next(v for v in tables["severity"]["values"] if v["value"] == "一般")
    assert "较重" in general["synonyms"]
    assert "较重" in general["note"] and "36" in general["note"]


def test_usage_scope_synonyms(tables):
    table = tables["usage_scope"]
    synonyms = {s: v["value"] for v in table["values"] for s in v["synonyms"]}
    assert synonyms == {"公开": "社会公开", "有条件共享": "政务共享"}
    assert "[to verify]" in table["source"]
    assert "[to verify]" in tables["license_status"]["source"]


def test_penalty_synonyms(tables):
    synonyms = {s: v["value"] for v in tables["penalty_category"]["values"] for s in v["synonyms"]}
    assert synonyms["暂扣许可证"] == synonyms["暂扣执照"] == "暂扣许可证件"
    assert synonyms["吊销许可证"] == synonyms["吊销执照"] == "吊销许可证件"
    assert synonyms["责令停产停业整顿"] == "责令停产停业"


def test_every_synonym_is_explained_in_its_note(tables):
    """Each synonym names its source or reason: the value's note quotes it."""
    for table in tables.values():
        for value in table["values"]:
            for synonym in value["synonyms"]:
                assert synonym in value["note"], (table["code"], synonym)


@pytest.mark.parametrize(
    ("table", "synonym", "standard"),
    [
        ("subject_category", "法人及其他组织", "法人及非法人组织"),
        ("subject_category", "法人和其他组织", "法人及非法人组织"),
        ("subject_category", "法人或其他组织", "法人及非法人组织"),
        ("subject_category", "法人", "法人及非法人组织"),
        ("subject_category", "个体户", "个体工商户"),
        ("subject_category", "个体", "个体工商户"),
        ("id_type", "身份证", "居民身份证"),
        ("id_type", "二代身份证", "居民身份证"),
        ("id_type", "中华人民共和国居民身份证", "居民身份证"),
        ("id_type", "护照号", "护照"),
        ("id_type", "回乡证", "港澳居民来往内地通行证"),
        ("id_type", "台胞证", "台湾居民来往大陆通行证"),
        ("id_type", "外国人永久居留证", "外国人永久居留身份证"),
        ("license_category", "普通许可", "普通"),
        ("penalty_category", "吊销营业执照", "吊销许可证件"),
        ("penalty_category", "其他行政处罚", "其他"),
    ],
)
def test_older_and_colloquial_wordings_are_synonyms(tables, table, synonym, standard):
    synonyms = {s: v["value"] for v in tables[table]["values"] for s in v["synonyms"]}
    assert synonyms[synonym] == standard


def test_undeclared_wordings_stay_undeclared(tables):
    """Guesses are not synonyms: 不予共享 has no standard value; 港澳通行证 is another document
    (往来港澳通行证, for mainland residents); 罚金 is a criminal penalty, not a 罚款."""
    words = {s for t in tables.values() for v in t["values"] for s in [v["value"], *v["synonyms"]]}
    for word in ("不予共享", "港澳通行证", "罚金", "个人", "政府共享"):
        assert word not in words


def test_amount_fields_declare_their_unit(items):
    fields = _fields(items["admin-penalty"])
    assert fields["fine_amount"]["unit"] == fields["confiscation_amount"]["unit"] == "万元"
    for item in items.values():
        for field in item["fields"]:
            if "万元" in field["name"]:
                assert field.get("unit") == "万元", (item["code"], field["code"])
            if field.get("unit"):
                assert field["type"] in {"decimal", "integer"}


def test_row_checks(items):
    def checks(code: str) -> set[tuple]:
        return {
            (c["kind"], tuple(c["fields"]), c["severity"]) for c in items[code].get("checks", [])
        }

    assert checks("admin-penalty") == {
        ("date_order", ("decision_date", "valid_to"), "reject"),
        ("date_order", ("decision_date", "publicity_end"), "reject"),
        ("uscc_category", ("uscc", "subject_category"), "warn"),
        ("amount_bound", ("fine_amount",), "warn"),
        ("amount_bound", ("confiscation_amount",), "warn"),
    }
    assert checks("admin-license") == {
        ("date_order", ("valid_from", "valid_to"), "reject"),
        ("uscc_category", ("uscc", "subject_category"), "warn"),
    }
    for code in ("dishonest-judgment-debtor", "major-tax-violation"):
        ((kind, _, severity),) = checks(code)
        assert (kind, severity) == ("uscc_category", "warn")
    for item in items.values():
        for check in item.get("checks", []):
            assert check["message"] and len(check["message"]) <= 300
            if check["kind"] == "uscc_category":
                assert check["expect"] == {"92": "个体工商户", "N": "法人及非法人组织"}
