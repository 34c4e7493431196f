"""The demo's government integrity (``credit seed-demo``): civil servants of every grade, their
records sent by the departments that collect them through the ingest pipeline (as a
department's file or push would arrive), government dishonesty records with one revoked, and
the annual collection tasks of this year (past their deadline) and of the next (pending).

Dates are relative to today, so the grades hold whenever the demo is loaded: deductions are
decided a few months ago (inside their windows), the annual assessment is last year's.
Idempotent: a second run re-sends the same rows (unchanged) and recomputes.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from credit.core.identifiers import make_resident_id, make_uscc
from credit.core.models import Department

#: The dev identity provider's civil servant (``official``): their own archive on the portal.
OFFICIAL_ID = make_resident_id("320402", datetime.date(1985, 3, 14), 57)


@dataclass(frozen=True)
class Person:
    """One demo civil servant: who, where, and the records that make their grade."""

    name: str
    id_number: str
    unit: str  # department code of the unit
    post: str
    rank: str
    political: str = "中共党员"
    #: (item code, department code, fields) of the person's records besides the basics.
    records: tuple[tuple[str, str, dict[str, Any]], ...] = ()
    #: Annual assessment results of the last three years, oldest first.
    assessments: tuple[str, ...] = ("称职", "称职", "称职")
    expected: str = "A"
    reporter: str = "RS"


def _id(division: str, year: int, month: int, day: int, seq: int) -> str:
    return make_resident_id(division, datetime.date(year, month, day), seq)


def _ago(days: int) -> str:
    return (datetime.date.today() - datetime.timedelta(days=days)).isoformat()


def people() -> list[Person]:
    """The demo civil servants; ``expected`` is the grade their records give under the seed's
    rules (base 500: A ≥ 500, B 451–499, C 351–450, D ≤ 350)."""
    today = datetime.date.today()
    return [
        Person(
            "钱文博",
            OFFICIAL_ID,
            "SCJG",
            "登记注册处科员",
            "一级科员",
            assessments=("优秀", "优秀", "优秀"),
            expected="A",
        ),
        Person("周明", _id("320404", 1982, 6, 1, 11), "SW", "征管科副科长", "四级主任科员"),
        Person(
            "吴静",
            _id("320411", 1988, 9, 20, 12),
            "GA",
            "治安支队民警",
            "一级警长",
            assessments=("称职", "优秀", "优秀"),
            records=(
                (
                    "party-review",
                    "JGGW",
                    {"year": str(today.year - 1), "result": "优秀"},
                ),
            ),
        ),
        Person(
            "李晓彤",
            _id("320402", 1991, 2, 2, 13),
            "TNQ-SCJG",
            "市场科科员",
            "二级科员",
            reporter="TNQ-ZZB",
        ),
        Person(
            "郑华",
            _id("320404", 1979, 4, 8, 14),
            "SCJG",
            "价格监督处副处长",
            "二级调研员",
            assessments=("称职", "称职", "基本称职"),
            expected="B",
        ),
        Person(
            "王磊",
            _id("320412", 1984, 12, 1, 15),
            "ZJ",
            "建筑市场监管处科长",
            "三级主任科员",
            records=(
                (
                    "cs-accountability",
                    "JWJW",
                    {
                        "violation": "履行监管职责不到位，致使项目质量问题未及时发现",
                        "result": "通报",
                        "document_no": "常纪问〔2026〕3号",
                        "decision_date": _ago(120),
                    },
                ),
                (
                    "cs-dishonesty",
                    "FGW",
                    {
                        "behaviour": "以政府名义为企业融资提供担保承诺后不予履行",
                        "reason": "违反政府不得违规举债担保的规定",
                        "document_no": "常信办〔2026〕21号",
                        "decision_date": _ago(100),
                        "authority": "常州市发展和改革委员会（市信用办）",
                        "handling": "责令整改，书面检查",
                        "accountability": "诫勉谈话",
                    },
                ),
            ),
            expected="B",
        ),
        Person(
            "许可馨",
            _id("320402", 1990, 7, 7, 16),
            "TNQ-FG",
            "综合科科员",
            "一级科员",
            reporter="TNQ-ZZB",
            records=(
                (
                    "cs-other-handling",
                    "TNQ-FG",
                    {
                        "violation": "上班迟到",
                        "result": "批评教育",
                        "decision_date": _ago(90),
                    },
                ),
                (
                    "cs-other-handling",
                    "TNQ-FG",
                    {
                        "violation": "工作日午间饮酒",
                        "result": "批评教育并书面检查",
                        "decision_date": _ago(40),
                    },
                ),
            ),
            expected="B",
        ),
        Person(
            "冯丽",
            _id("320481", 1986, 3, 3, 17),
            "JY",
            "基础教育处科员",
            "一级主任科员",
            records=(
                (
                    "cs-personal-matters",
                    "ZZB",
                    {
                        "violation": "漏报本人持有的股票",
                        "report_year": str(today.year - 1),
                        "result": "责令作出检查",
                        "decision_date": _ago(150),
                    },
                ),
            ),
            expected="B",
        ),
        Person(
            "陈刚",
            _id("320411", 1977, 10, 10, 18),
            "SCJG",
            "执法稽查支队副支队长",
            "一级调研员",
            records=(
                (
                    "cs-discipline",
                    "JWJW",
                    {
                        "post": "执法稽查支队副支队长",
                        "violation": "违规接受管理服务对象宴请",
                        "result": "记过",
                        "document_no": "常纪处〔2026〕12号",
                        "decision_date": _ago(80),
                    },
                ),
                (
                    "cs-dishonesty",
                    "FGW",
                    {
                        "behaviour": "对企业作出的招商引资优惠承诺未兑现",
                        "reason": "擅自变更已签订的招商协议",
                        "document_no": "常信办〔2026〕22号",
                        "decision_date": _ago(70),
                        "authority": "常州市发展和改革委员会（市信用办）",
                        "handling": "责令履行协议，补偿企业损失",
                        "accountability": "政务记过",
                    },
                ),
            ),
            expected="C",
        ),
        Person(
            "褚强",
            _id("320402", 1983, 5, 5, 19),
            "TNQ-FG",
            "项目科科长",
            "四级主任科员",
            reporter="TNQ-ZZB",
            records=(
                (
                    "civil-traffic",
                    "GA",
                    {
                        "behaviour": "驾驶机动车闯红灯",
                        "decision_date": _ago(60),
                        "authority": "常州市公安局交通警察支队",
                        "severity": "一般",
                        "valid_to": (today + datetime.timedelta(days=300)).isoformat(),
                    },
                ),
            ),
            expected="C",
        ),
        Person(
            "卫东",
            _id("320412", 1981, 8, 18, 20),
            "GA",
            "户政科民警",
            "二级警长",
            records=(
                (
                    "admin-penalty",
                    "GA",
                    {"severity": "严重", "document_no": "常公（交）行罚决字〔2026〕5号"},
                ),
            ),
            expected="D",  # 500 − 150 = 350: the top of grade D
        ),
        Person(
            "蒋涛",
            _id("320412", 1975, 1, 21, 21),
            "WJQ-SCJG",
            "食品安全科科长",
            "三级主任科员",
            records=(
                (
                    "dishonest-judgment-debtor",
                    "FY",
                    {"case_no": "（2026）苏0412执1234号", "publish_date": _ago(200)},
                ),
                (
                    "judgment-debtor",
                    "FY",
                    {
                        "case_no": "（2026）苏0412执1233号",
                        "target": "380000",
                        "decision_date": _ago(230),
                    },
                ),
            ),
            expected="D",
        ),
        Person(
            "沈伟",
            _id("320481", 1980, 11, 30, 22),
            "LYS-SCJG",
            "综合执法大队科员",
            "一级科员",
            records=(
                (
                    "criminal-judgment",
                    "FY",
                    {
                        "document_no": "（2026）苏0481刑初88号",
                        "decision_date": _ago(50),
                        "result": "犯危险驾驶罪，判处拘役二个月，并处罚金",
                    },
                ),
            ),
            expected="D",
        ),
        Person(
            "韩梅",
            _id("320404", 1987, 12, 12, 23),
            "ZLQ-SCJG",
            "登记科科员",
            "二级科员",
            assessments=("称职", "称职", "不称职"),
            records=(
                (
                    "cs-discipline",
                    "JWJW",
                    {
                        "post": "登记科科员",
                        "violation": "利用职务便利为他人办理登记收受财物",
                        "result": "开除",
                        "document_no": "常纪处〔2026〕15号",
                        "decision_date": _ago(30),
                    },
                ),
            ),
            expected="D",
        ),
        *_plain_people(),
    ]


#: Units and posts of the plain demo civil servants (称职 every year: grade A).
_PLAIN_UNITS = (
    ("SCJG", "审批处科员"),
    ("SW", "纳税服务科科员"),
    ("STHJ", "监测处科员"),
    ("RS", "人事处科员"),
    ("ZZB", "干部一处科员"),
    ("TNQ-SCJG", "消保科科员"),
    ("ZLQ-SCJG", "质量科科员"),
    ("XBQ-SCJG", "执法科科员"),
    ("JTQ-SCJG", "登记科科员"),
    ("WJW", "计划财务处科员"),
)
_SURNAMES = "赵孙杨朱秦尤何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛"
_GIVEN = ("建国", "丽娟", "海峰", "雪梅", "志强", "文静", "国栋", "晓红", "立新", "秀英")


def _plain_people() -> list[Person]:
    found = []
    for n in range(20):
        unit, post = _PLAIN_UNITS[n % len(_PLAIN_UNITS)]
        district = Department.objects.filter(code=unit).values_list("region_id", flat=True)
        division = district.first() or "320400"
        division = "320402" if division == "320400" else division
        found.append(
            Person(
                _SURNAMES[n] + _GIVEN[n % len(_GIVEN)],
                _id(division, 1980 + n % 15, 1 + n % 12, 1 + n % 27, 100 + n),
                unit,
                post,
                "一级科员",
                political="中共党员" if n % 3 else "群众",
                reporter="TNQ-ZZB" if unit.startswith("TNQ-") else "RS",
            )
        )
    return found


# ---------------------------------------------------------------------------------------------
# Rows as the departments send them
# ---------------------------------------------------------------------------------------------


def _basic_row(p: Person, units: dict[str, Department]) -> dict[str, Any]:
    unit = units[p.unit]
    birth = datetime.date(int(p.id_number[6:10]), int(p.id_number[10:12]), 1)
    return {
        "name": p.name,
        "id_number": p.id_number,
        "gender": "男" if int(p.id_number[16]) % 2 else "女",
        "ethnicity": "汉族",
        "birth_month": f"{birth:%Y-%m}",
        "work_start": f"{birth.year + 23}-08-01",
        "political_status": p.political,
        "education": "大学本科",
        "degree": "学士",
        "unit_and_post": f"{unit.name} {p.post}",
        "rank": p.rank,
        "rank_since": f"{datetime.date.today().year - 3}-06-01",
        "identity_type": "公务员",
        "unit_uscc": unit.uscc,
    }


def _record_row(
    p: Person, item: str, dept: Department, fields: dict[str, Any], units: dict[str, Department]
) -> dict[str, Any]:
    unit = units[p.unit].name
    if item == "admin-penalty":
        decided = datetime.date.today() - datetime.timedelta(days=45)
        return {
            "subject_name": p.name,
            "subject_category": "自然人",
            "id_type": "居民身份证",
            "id_number": p.id_number,
            "violation_type": "违反治安管理",
            "violation_facts": "酒后驾驶机动车。",
            "penalty_basis": "《中华人民共和国道路交通安全法》第九十一条",
            "penalty_category": "罚款;暂扣许可证件",
            "penalty_content": "罚款一千元，暂扣机动车驾驶证六个月",
            "fine_amount": "0.1",
            "license_revoked": "机动车驾驶证 320412198108180000",
            "decision_date": decided.isoformat(),
            "valid_to": (decided + datetime.timedelta(days=180)).isoformat(),
            "publicity_end": (decided + datetime.timedelta(days=1095)).isoformat(),
            "authority": dept.name,
            "authority_uscc": dept.uscc,
            "source_dept": dept.name,
            "source_dept_uscc": dept.uscc,
            "info_usage_scope": "社会公开",
            **fields,
        }
    if item in ("dishonest-judgment-debtor", "judgment-debtor"):
        row = {
            "debtor_name": p.name,
            "debtor_category": "自然人",
            "id_number": p.id_number,
            "court": "常州市武进区人民法院",
            **fields,
        }
        if item == "dishonest-judgment-debtor":
            row.update(
                dishonest_situation="有履行能力而拒不履行生效法律文书确定义务",
                obligation="偿还借款本金及利息",
                basis_doc_no="（2025）苏0412民初456号",
                basis_issuer="常州市武进区人民法院",
                performance="全部未履行",
            )
        return row
    row: dict[str, Any] = {"name": p.name, "id_number": p.id_number, **fields}
    if item not in ("civil-traffic", "criminal-judgment"):
        row.setdefault("unit", unit)
    if item == "criminal-judgment":
        row.setdefault("court", "溧阳市人民法院")
    return row


def _assessment_rows(p: Person, units: dict[str, Department]) -> list[dict[str, Any]]:
    year = datetime.date.today().year
    return [
        {
            "name": p.name,
            "id_number": p.id_number,
            "unit": units[p.unit].name,
            "identity_type": "公务员",
            "year": str(year - len(p.assessments) + n),
            "result": result,
        }
        for n, result in enumerate(p.assessments)
    ]


#: Government bodies with dishonesty records (政务失信记录): (name, division, serial, fields).
GOV_RECORDS: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    (
        "常州市天宁区某街道办事处",
        "320402",
        "00000101",
        {
            "dishonesty_type": "拖欠企业账款",
            "behaviour": "拖欠民营企业道路养护工程款 126 万元逾期未支付",
            "reason": "财政资金安排不到位，未按合同约定时间付款",
            "document_no": "天信办〔2026〕4号",
            "authority": "常州市天宁区发展和改革局（天宁区信用办）",
            "handling": "限期三个月内付清欠款并支付逾期利息",
            "accountability": "对分管负责人诫勉谈话",
        },
    ),
    (
        "常州市某区级行政机关",
        "320412",
        "00000102",
        {
            "dishonesty_type": "不履行行政诉讼生效裁判",
            "behaviour": "未履行行政诉讼生效判决确定的重新作出行政行为义务",
            "reason": "对法院判决理解有误，拖延办理",
            "document_no": "武信办〔2026〕2号",
            "authority": "常州市武进区发展和改革局（武进区信用办）",
            "handling": "责令于判决确定期限内重新作出行政行为",
            "accountability": "对直接责任人通报批评",
        },
    ),
    (
        "某镇人民政府",
        "320481",
        "00000103",
        {
            "dishonesty_type": "违约毁约",
            "behaviour": "招商引资协议约定的基础设施配套未按期建成",
            "reason": "规划调整后未与企业协商变更协议",
            "document_no": "溧信办〔2026〕6号",
            "authority": "溧阳市发展和改革委员会（溧阳市信用办）",
            "handling": "责令与企业协商补偿方案",
            "accountability": "镇主要负责人书面检查",
        },
    ),
    (
        "常州市某开发区管理委员会",
        "320411",
        "00000104",
        {
            "dishonesty_type": "被列为失信被执行人",
            "behaviour": "因拖欠工程款被法院列为失信被执行人",
            "reason": "未履行生效民事判决确定的付款义务",
            "document_no": "新信办〔2026〕1号",
            "authority": "常州市新北区发展和改革局（新北区信用办）",
            "handling": "已于认定后两个月内全部履行",
            "accountability": "对相关责任人诫勉谈话",
        },
    ),
)
#: The record of :data:`GOV_RECORDS` revoked in the demo (its debt paid and the court's
#: dishonesty entry removed), and why.
REVOKED = (
    "新信办〔2026〕1号",
    "已全部履行付款义务，法院已删除失信被执行人信息",
    "新信办〔2026〕9号",
)

#: Departments whose credit office reports a region's government dishonesty records.
_CREDIT_OFFICE = {
    "320400": "FGW",
    "320402": "TNQ-FG",
    "320404": "ZLQ-FG",
    "320411": "XBQ-FG",
    "320412": "WJQ-FG",
    "320413": "JTQ-FG",
    "320481": "LYS-FG",
}


@dataclass
class _Sender:
    """Rows grouped per (item, department), sent as one batch each."""

    batches: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, item: str, department: str, row: dict[str, Any]) -> None:
        self.batches.setdefault((item, department), []).append(row)


def seed_integrity(*, report: Callable[[str], None] = print) -> dict[str, Any]:
    """Load the demo's government integrity (see the module's docstring); returns counts."""
    from credit.accounts.models import User
    from credit.ingest.pipeline import ingest_payloads
    from credit.integrity.constants import GOV_DISHONESTY
    from credit.integrity.models import CivilServant, Revocation
    from credit.integrity.services import collection, revocation, rules, scoring
    from credit.records.models import CreditRecord

    rules.import_rules()
    units = {d.code: d for d in Department.objects.all()}
    send = _Sender()
    cast = people()
    for p in cast:
        send.add("cs-basic", p.reporter, _basic_row(p, units))
        for row in _assessment_rows(p, units):
            send.add("cs-assessment", "RS", row)
        for item, dept, fields in p.records:
            send.add(item, dept, _record_row(p, item, units[dept], fields, units))
    for name, division, serial, fields in GOV_RECORDS:
        row = {
            "subject_name": name,
            "uscc": make_uscc("11", division, serial),
            "decision_date": _ago(150),
            **fields,
        }
        send.add(GOV_DISHONESTY, _CREDIT_OFFICE[division], row)
    rejected = 0
    for (item, dept), rows in send.batches.items():
        batch = ingest_payloads(actor=None, rows=rows, item_code=item, department_code=dept)
        rejected += batch.rejected
        if batch.rejected:
            report(f"政务诚信演示数据：{item} 有 {batch.rejected} 行被退回（批次 {batch.pk}）")
    admin = User.objects.filter(username="admin").first()
    revoked = 0
    document_no, reason, basis = REVOKED
    target = CreditRecord.objects.filter(item__code=GOV_DISHONESTY, document_no=document_no).first()
    if (
        target is not None
        and admin is not None
        and not Revocation.objects.filter(record=target).exists()
    ):
        revocation.revoke(actor=admin, record=target, reason=reason, document_no=basis)
        revoked = 1
    scored = scoring.recompute_all()  # the archives first: every unit with one gets a task
    year = datetime.date.today().year
    tasks = 0
    if admin is not None:
        for task_year in (year, year + 1):
            tasks += collection.open_year(
                actor=admin, year=task_year, deadline=datetime.date(task_year, 2, 28)
            )
            collection.refresh(task_year)
    grades = dict.fromkeys("ABCD", 0)
    for grade in CivilServant.objects.values_list("grade", flat=True):
        if grade in grades:
            grades[grade] += 1
    report(
        "政务诚信：公务员 {n} 人（A {A} / B {B} / C {C} / D {D}），政务失信记录 {g} 条".format(
            n=sum(grades.values()), g=len(GOV_RECORDS), **grades
        )
    )
    return {
        "civil_servants": CivilServant.objects.count(),
        "rows_rejected": rejected,
        "revoked": revoked,
        "collection_tasks": tasks,
        "grades": grades,
        "recomputed": scored,
    }
