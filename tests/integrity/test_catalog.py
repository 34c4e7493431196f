"""The government-integrity catalog items (issue 17, tender L168–L438): each of the tender's
公务人员信用档案归集清单 kinds and the 政务失信记录 exist with the tender's Chinese name, period,
collecting department and field list (fields the tender lacks are marked 平台补充字段); the
archive items are 授权查询 and never published; and one row of each goes through the real
ingest pipeline to a credit record of the right subject."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from credit.accounts.models import STAFF_USAGE
from credit.accounts.roles import Role
from credit.catalog.constants import PublicityMode, UpdatePeriod, UsageScope
from credit.catalog.models import CatalogItem
from credit.core.identifiers import make_uscc, parse_uscc
from credit.core.models import Department
from credit.ingest.pipeline import ingest_payloads
from credit.records.models import CreditRecord
from credit.records.selectors import usable_q

pytestmark = pytest.mark.django_db

SUPPLEMENTED = "平台补充字段"
TODAY = datetime.date.today()
DECIDED = (TODAY - datetime.timedelta(days=40)).isoformat()
ENTERED = (TODAY - datetime.timedelta(days=30)).isoformat()
LAST_YEAR = str(TODAY.year - 1)


# code → (Chinese name, period, departments, usage scope, publicity, subject type,
#         field names in column order, the ones the tender lacks)
ITEMS: dict[str, tuple] = {
    "cs-basic": (
        "公务人员基础信息",
        UpdatePeriod.YEARLY,
        {"RS", "ZZB"},
        UsageScope.RESTRICTED,
        PublicityMode.NONE,
        "natural",
        "姓名 身份证 性别 民族 出生年月 参加工作时间 政治面貌 最高学历 最高学位 现工作单位及职务 "
        "现职务层次 任现职层次时间 身份类型 工作单位统一社会信用代码",
        {"工作单位统一社会信用代码"},
    ),
    "cs-discipline": (
        "纪律处分信息",
        UpdatePeriod.QUARTERLY,
        {"JWJW"},
        UsageScope.RESTRICTED,
        PublicityMode.NONE,
        "natural",
        # the tender lists 工作单位 twice (L213, L217): one field
        "姓名 身份证 工作单位 职务 违纪行为 处分结果 处分文号 处分时间 录入系统时间",
        set(),
    ),
    "cs-accountability": (
        "问责处分信息",
        UpdatePeriod.QUARTERLY,
        {"JWJW"},
        UsageScope.RESTRICTED,
        PublicityMode.NONE,
        "natural",
        "姓名 身份证 工作单位 违规行为 问责处理结果 问责文号 问责时间 录入系统时间",
        set(),
    ),
    "cs-other-handling": (
        "其他处分信息",
        UpdatePeriod.MONTHLY,
        set(),  # 各部门
        UsageScope.RESTRICTED,
        PublicityMode.NONE,
        "natural",
        "姓名 身份证 工作单位 违规行为 处理结果 处理时间 录入系统时间",
        set(),
    ),
    "civil-traffic": (
        "文明交通信用信息",
        UpdatePeriod.WEEKLY,
        {"GA"},
        UsageScope.SHARED,
        PublicityMode.VALIDITY,
        "natural",
        "姓名 身份证 失信行为 认定日期 认定单位 失信严重程度 失信信息使用有效期 录入系统时间",
        {"录入系统时间"},
    ),
    "cs-personal-matters": (
        "个人事项报告制度信息",
        UpdatePeriod.REALTIME,
        {"ZZB"},
        UsageScope.RESTRICTED,
        PublicityMode.NONE,
        "natural",
        "姓名 身份证 工作单位 违规行为 事项报告年度 处理结果 处理时间 录入系统时间",
        {"处理时间"},
    ),
    "judgment-debtor": (
        "被执行人信息",
        UpdatePeriod.MONTHLY,
        {"FY"},
        UsageScope.SHARED,
        PublicityMode.VALIDITY,
        "both",
        # the tender's one column 信用代码/身份证 is two fields
        "被执行人名称/姓名 被执行人类别 信用代码 身份证 执行法院 法定代表人 案号 执行标的 立案时间 "
        "录入系统时间",
        {"被执行人类别", "立案时间"},
    ),
    "criminal-judgment": (
        "刑事案件判决信息",
        UpdatePeriod.QUARTERLY,
        {"FY"},
        UsageScope.RESTRICTED,
        PublicityMode.NONE,
        "natural",
        "姓名 身份证 判决书编号 审判机关 判决日期 判决结果 录入系统时间",
        set(),
    ),
    "cs-assessment": (
        "公务员考核结果信息",
        UpdatePeriod.YEARLY,
        {"RS"},
        UsageScope.RESTRICTED,
        PublicityMode.NONE,
        "natural",
        "姓名 身份证 工作单位 身份类型 考核年度 考核结果 录入系统时间",
        set(),
    ),
    "party-review": (
        "党员年度评议信息",
        UpdatePeriod.YEARLY,
        {"JGGW"},
        UsageScope.RESTRICTED,
        PublicityMode.NONE,
        "natural",
        "姓名 身份证 工作单位 评议年度 评议结果 录入系统时间",
        set(),
    ),
    "gov-dishonesty": (
        "政务失信记录",
        UpdatePeriod.IRREGULAR,
        {"FGW", "TNQ-FG", "ZLQ-FG", "XBQ-FG", "WJQ-FG", "JTQ-FG", "LYS-FG"},
        UsageScope.PUBLIC,
        PublicityMode.VALIDITY,
        "legal",
        "失信主体名称 统一社会信用代码 失信类型 失信行为 具体原因 认定文书号 认定日期 认定单位 "
        "处理结果 追责结果 公示截止期",
        # L432 names only 具体原因, 处理结果, 追责结果
        {
            "失信主体名称",
            "统一社会信用代码",
            "失信类型",
            "失信行为",
            "认定文书号",
            "认定日期",
            "认定单位",
            "公示截止期",
        },
    ),
    "cs-dishonesty": (
        "公务员政务失信记录",
        UpdatePeriod.IRREGULAR,
        {"FGW", "TNQ-FG", "ZLQ-FG", "XBQ-FG", "WJQ-FG", "JTQ-FG", "LYS-FG"},
        UsageScope.RESTRICTED,
        PublicityMode.NONE,
        "natural",
        "姓名 身份证 工作单位 职务 失信行为 具体原因 认定文书号 认定日期 认定单位 处理结果 "
        "追责结果",
        {"姓名", "身份证", "工作单位", "职务", "失信行为", "认定文书号", "认定日期", "认定单位"},
    ),
}
ARCHIVE = [code for code, spec in ITEMS.items() if spec[3] == UsageScope.RESTRICTED]


def test_the_items_follow_the_catalog_order_after_the_existing_ones():
    items = CatalogItem.objects.filter(code__in=ITEMS).order_by("sort_order")
    assert [i.code for i in items] == list(ITEMS)
    assert [i.sort_order for i in items] == list(range(200, 320, 10))


@pytest.mark.parametrize("code", list(ITEMS))
def test_each_item_has_the_tenders_name_period_department_and_fields(code):
    name, period, departments, usage, publicity, subject_type, fields, added = ITEMS[code]
    item = CatalogItem.objects.get(code=code)
    assert (item.name, item.update_period, item.subject_type) == (name, period, subject_type)
    assert {d.code for d in item.source_departments.all()} == departments
    assert (item.usage_scope, item.publicity_mode) == (usage, publicity)
    specs = list(item.fields.order_by("position"))
    assert [f.name for f in specs] == fields.split()
    for spec in specs:
        marked = SUPPLEMENTED in spec.description
        assert marked == (spec.name in added), f"{code}.{spec.code}: {spec.description}"
    assert SUPPLEMENTED in item.description or not added


@pytest.mark.parametrize("code", ARCHIVE)
def test_archive_items_are_authorised_query_only_and_never_published(code):
    item = CatalogItem.objects.get(code=code)
    assert item.usage_scope == UsageScope.RESTRICTED not in STAFF_USAGE
    assert item.publicity_mode == PublicityMode.NONE
    assert item.get_update_period_display() in {"每年", "每季度", "每月", "实时", "不定期"}


def test_the_realtime_period_has_its_chinese_name():
    assert UpdatePeriod.REALTIME.label == "实时"
    item = CatalogItem.objects.get(code="cs-personal-matters")
    assert item.get_update_period_display() == "实时"


def test_the_tenders_misspellings_are_kept_as_aliases():
    def aliases(item: str, field: str) -> list[str]:
        return CatalogItem.objects.get(code=item).fields.get(code=field).aliases

    assert "问责处埋结果" in aliases("cs-accountability", "result")
    assert "处理结吴" in aliases("cs-other-handling", "result")
    assert "认定日斯" in aliases("civil-traffic", "decision_date")
    assert "录入系统时佪" in aliases("judgment-debtor", "entered_at")


def test_the_new_departments_have_valid_codes():
    jggw = Department.objects.get(code="JGGW")
    assert (jggw.name, jggw.short_name, jggw.region_id) == (
        "中共常州市委市级机关工作委员会",
        "机关工委",
        "320400",
    )
    zzb = Department.objects.get(code="TNQ-ZZB")
    assert (zzb.name, zzb.short_name, zzb.region_id) == (
        "中共常州市天宁区委组织部",
        "天宁区委组织部",
        "320402",
    )
    for department in (jggw, zzb):
        parsed = parse_uscc(department.uscc)
        assert department.uscc.startswith("11") and parsed.division_code == department.region_id


# --------------------------------------------------------------------------------------------
# One row of each item through the ingest pipeline
# --------------------------------------------------------------------------------------------


def _row(code: str, id_number: str, n: int) -> dict[str, Any]:
    """A valid row of ``code`` keyed by its column headers, as a department's system pushes
    it; the tender's misspelt headers are used where it has them."""
    person = {"姓名": "李明", "身份证": id_number}
    unit = {"工作单位": "常州市市场监督管理局"}
    rows: dict[str, dict[str, Any]] = {
        "cs-basic": {
            **person,
            "性别": "男",
            "民族": "汉族",
            "出生年月": "1980-05",
            "参加工作时间": "2003-07-01",
            "政治面貌": "中共党员",
            "最高学历": "大学本科",
            "最高学位": "学士",
            "现工作单位及职务": "常州市市场监督管理局 科员",
            "现职务层次": "一级主任科员",
            "任现职层次时间": "2020-01-01",
            "身份类型": "公务员",
            "工作单位统一社会信用代码": Department.objects.get(code="SCJG").uscc,
        },
        "cs-discipline": {
            **person,
            **unit,
            "职务": "科员",
            "违纪行为": "违规收受礼品",
            "处分结果": "记过",
            "处分文号": f"常纪处〔2026〕{n}号",
            "处分时间": DECIDED,
            "录入系统时间": ENTERED,
        },
        "cs-accountability": {
            **person,
            **unit,
            "违规行为": "履职不力",
            "问责处埋结果": "诫勉",
            "问责文号": f"常问责〔2026〕{n}号",
            "问责时间": DECIDED,
            "录入系统时间": ENTERED,
        },
        "cs-other-handling": {
            **person,
            **unit,
            "违规行为": "上班迟到",
            "处理结吴": "批评教育",
            "处理时间": DECIDED,
            "录入系统时间": ENTERED,
        },
        "civil-traffic": {
            **person,
            "失信行为": "闯红灯",
            "认定日斯": DECIDED,
            "认定单位": "常州市公安局交通警察支队",
            "失信严重程度": "较重",
            "失信信息使用有效期": (TODAY + datetime.timedelta(days=300)).isoformat(),
        },
        "cs-personal-matters": {
            **person,
            **unit,
            "违规行为": "漏报房产",
            "事项报告年度": LAST_YEAR,
            "处理结果": "诫勉谈话",
            "处理时间": DECIDED,
            "录入系统时间": ENTERED,
        },
        "judgment-debtor": {
            "被执行人名称/姓名": "李明",
            "被执行人类别": "自然人",
            "身份证": id_number,
            "执行法院": "常州市天宁区人民法院",
            "案号": f"（2026）苏0402执{n}号",
            "执行标的": "50000元",
            "立案时间": DECIDED,
            "录入系统时佪": ENTERED,
        },
        "criminal-judgment": {
            **person,
            "判决书编号": f"（2026）苏0402刑初{n}号",
            "审判机关": "常州市天宁区人民法院",
            "判决日期": DECIDED,
            "判决结果": "有期徒刑一年",
            "录入系统时间": ENTERED,
        },
        "cs-assessment": {
            **person,
            **unit,
            "身份类型": "公务员",
            "考核年度": LAST_YEAR,
            "考核结果": "优秀",
            "录入系统时间": ENTERED,
        },
        "party-review": {
            **person,
            **unit,
            "评议年度": LAST_YEAR,
            "评议结果": "合格",
            "录入系统时间": ENTERED,
        },
        "gov-dishonesty": {
            "失信主体名称": "常州市某区某镇人民政府",
            "统一社会信用代码": make_uscc("11", "320402", f"{n + 20_000_000:08d}"),
            "失信类型": "拖欠企业账款",
            "失信行为": "拖欠民营企业工程款",
            "具体原因": "财政资金未按期拨付",
            "认定文书号": f"常信办认〔2026〕{n}号",
            "认定日期": DECIDED,
            "认定单位": "常州市发展和改革委员会（市信用办）",
            "处理结果": "已约谈并限期整改",
            "追责结果": "相关负责人诫勉",
        },
        "cs-dishonesty": {
            **person,
            **unit,
            "职务": "科长",
            "失信行为": "违约毁约",
            "具体原因": "擅自改变招商引资承诺",
            "认定文书号": f"常信办认〔2026〕{n + 500}号",
            "认定日期": DECIDED,
            "认定单位": "常州市发展和改革委员会（市信用办）",
            "处理结果": "通报批评",
            "追责结果": "记过",
        },
    }
    return rows[code]


def _department(code: str) -> str:
    return min(ITEMS[code][2]) if ITEMS[code][2] else "SCJG"  # 各部门: any department


def _ingest(code: str, rows: list[dict[str, Any]]):
    batch = ingest_payloads(
        actor=None, rows=rows, item_code=code, department_code=_department(code)
    )
    return batch, list(batch.rows.order_by("row_no"))


@pytest.mark.parametrize("code", list(ITEMS))
def test_a_valid_row_of_each_item_is_stored_for_its_subject(code, resident_id_factory, make_user):
    number = resident_id_factory()
    batch, (row,) = _ingest(code, [_row(code, number, 1)])
    assert batch.rejected == 0 and batch.inserted == 1, row.errors
    record = CreditRecord.objects.select_related("natural_person", "legal_person").get(
        pk=row.record_id
    )
    assert record.item.code == code
    assert record.department.code == _department(code)
    if code == "gov-dishonesty":
        assert record.natural_person is None
        assert record.legal_person.uscc == _row(code, number, 1)["统一社会信用代码"]
        assert record.legal_person.name == "常州市某区某镇人民政府"
    else:
        assert record.legal_person is None and record.natural_person is not None
        assert record.natural_person.name == "李明"
        assert number not in str(record.payload)  # the ID number is stored masked
    assert record.usage_scope == ITEMS[code][3]
    officer = make_user(Role.DEPT_OFFICER, department=_department(code))
    admin = make_user(Role.CITY_ADMIN)
    usable = {
        who: CreditRecord.objects.filter(usable_q(who), pk=record.pk).exists()
        for who in (officer, admin)
    }
    if code in ARCHIVE:  # 授权查询: no staff principal's ordinary use reaches it
        assert usable == {officer: False, admin: False}
    else:  # 政务共享 / 社会公开: shared with government users like any other item
        assert usable == {officer: True, admin: True}


def test_a_legal_judgment_debtor_is_stored_for_the_legal_person(uscc_factory):
    uscc = uscc_factory()
    row = {
        "被执行人名称/姓名": "常州市某某贸易有限公司",
        "被执行人类别": "法人及非法人组织",
        "信用代码": uscc,
        "执行法院": "常州市天宁区人民法院",
        "法定代表人": "王五",
        "案号": "（2026）苏0402执900号",
        "立案时间": DECIDED,
    }
    batch, (stored,) = _ingest("judgment-debtor", [row])
    assert batch.inserted == 1, stored.errors
    record = CreditRecord.objects.get(pk=stored.record_id)
    assert record.natural_person is None and record.legal_person.uscc == uscc


@pytest.mark.parametrize(
    ("code", "header", "field"),
    [
        ("cs-discipline", "处分结果", "result"),
        ("cs-accountability", "问责处埋结果", "result"),
        ("cs-personal-matters", "处理结果", "result"),
        ("cs-assessment", "考核结果", "result"),
        ("party-review", "评议结果", "result"),
        ("gov-dishonesty", "失信类型", "dishonesty_type"),
    ],
)
def test_a_result_outside_the_code_table_is_rejected_with_the_field_named(
    code, header, field, resident_id_factory
):
    row = _row(code, resident_id_factory(), 2)
    row[header] = "罚款"
    batch, (rejected,) = _ingest(code, [row])
    assert (batch.inserted, batch.rejected) == (0, 1)
    (error,) = rejected.errors
    assert (error["field"], error["code"]) == (field, "code_invalid")
    name = CatalogItem.objects.get(code=code).fields.get(code=field).name
    assert f"“{name}”" in error["message"] and "罚款" in error["message"]
    assert rejected.record_id is None


def test_the_tenders_misspelt_serious_warning_is_accepted_with_a_correction(
    resident_id_factory,
):
    row = _row("cs-discipline", resident_id_factory(), 3)
    row["处分结果"] = "严噩警告"
    batch, (stored,) = _ingest("cs-discipline", [row])
    assert (batch.inserted, batch.corrected, batch.rejected) == (1, 1, 0)
    assert stored.status == "corrected"
    (correction,) = [c for c in stored.corrections if c["field"] == "result"]
    assert correction["code"] == "synonym_mapped"
    assert "严噩警告" in correction["message"] and "严重警告" in correction["message"]
    assert CreditRecord.objects.get(pk=stored.record_id).payload["result"] == "严重警告"


def test_civil_traffic_keeps_its_own_severity_scale(resident_id_factory):
    """文明交通 has three grades (一般 / 较重 / 严重); its 较重 is not folded into 一般 as the
    national 失信严重程度 table does, so the score can tell them apart."""
    batch, (stored,) = _ingest("civil-traffic", [_row("civil-traffic", resident_id_factory(), 4)])
    assert batch.inserted == 1, stored.errors
    record = CreditRecord.objects.get(pk=stored.record_id)
    assert record.payload["severity"] == "较重" and not stored.corrections
