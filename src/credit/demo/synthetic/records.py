"""Synthetic credit records (信用记录) of the catalog items — 行政许可, 行政处罚, court and tax
lists, customs ratings — in a realistic mix, each payload valid against its item."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from credit.demo.synthetic.common import TODAY, weighted
from credit.demo.synthetic.subjects import LegalPersonRow, NaturalPersonRow

LICENSE_DEPTS = {  # department code → (document prefix, certificate name, content, category)
    "SCJG": ("常市监许", "食品经营许可证", "预包装食品销售；散装食品销售", "普通"),
    "ZJ": ("常住建许", "建筑业企业资质证书", "建筑工程施工总承包叁级", "认可"),
    "WJW": ("常卫许", "医疗机构执业许可证", "内科；外科；预防保健科", "普通"),
    "WL": ("常文旅许", "娱乐经营许可证", "歌舞娱乐场所经营", "普通"),
    "JT": ("常交许", "道路运输经营许可证", "道路普通货物运输", "普通"),
    "STHJ": ("常环许", "排污许可证", "废水、废气污染物排放", "普通"),
    "SWU": ("常商许", "对外贸易经营者备案登记", "货物进出口", "登记"),
    "RS": ("常人社许", "人力资源服务许可证", "职业中介活动", "普通"),
    "TNQ-SCJG": ("天市监许", "食品经营许可证", "预包装食品销售", "普通"),
    "WJQ-SCJG": ("武市监许", "食品经营许可证", "热食类食品制售", "普通"),
    "XBQ-SCJG": ("新市监许", "食品生产许可证", "糕点生产", "普通"),
}
PENALTY_DEPTS = {  # department code → (document prefix, violation, basis)
    "SCJG": (
        "常市监罚",
        "销售不符合食品安全标准的食品",
        "《中华人民共和国食品安全法》第一百二十四条",
    ),
    "SW": ("常税罚", "未按照规定期限办理纳税申报", "《中华人民共和国税收征收管理法》第六十二条"),
    "STHJ": ("常环罚", "超过排放标准排放水污染物", "《中华人民共和国水污染防治法》第八十三条"),
    "GA": ("常公罚", "未落实消防安全责任制", "《中华人民共和国消防法》第六十条"),
    "ZJ": ("常住建罚", "未取得施工许可证擅自施工", "《建筑工程施工许可管理办法》第十二条"),
    "JT": ("常交罚", "超限运输车辆擅自行驶公路", "《中华人民共和国公路法》第七十六条"),
    "YJ": ("常应急罚", "未按规定开展安全生产教育和培训", "《中华人民共和国安全生产法》第九十七条"),
    "CG": ("常城管罚", "擅自设置户外广告", "《江苏省城市市容和环境卫生管理条例》第四十四条"),
    "TNQ-SCJG": ("天市监罚", "未按规定公示年度报告", "《企业信息公示暂行条例》第十八条"),
    "WJQ-SCJG": ("武市监罚", "销售过期食品", "《中华人民共和国食品安全法》第一百二十四条"),
    "LYS-SCJG": ("溧市监罚", "虚假宣传", "《中华人民共和国反不正当竞争法》第二十条"),
}
# 处罚类别 combinations with their share and severity (失信严重程度, NDRC Order 36).
PENALTY_KINDS = [
    ("警告", 18, "轻微"),
    ("通报批评", 4, "轻微"),
    ("罚款", 48, "一般"),
    ("警告;罚款", 10, "一般"),
    ("罚款;没收违法所得", 10, "一般"),
    ("责令停产停业;罚款", 5, "严重"),
    ("吊销许可证件", 2, "严重"),
    ("暂扣许可证件;罚款", 3, "一般"),
]
PUBLICITY_MONTHS = {"轻微": 3, "一般": 12, "严重": 36}
# Record mix: item code → share of all records.
RECORD_MIX = [
    ("admin-license", 56),
    ("admin-penalty", 30),
    ("dishonest-judgment-debtor", 5),
    ("major-tax-violation", 1),
    ("a-grade-taxpayer", 5),
    ("work-safety-blacklist", 1),
    ("customs-dishonest", 0.5),
    ("customs-aeo", 1.5),
]


@dataclass
class RecordRow:
    item: str
    department: str
    subject_kind: str  # "L" | "N"
    subject_ref: int  # index into the generated legal or natural persons
    payload: dict = field(default_factory=dict)


def _date_between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, 28))


def credit_records(
    seed: int,
    count: int,
    lps: list[LegalPersonRow],
    nps: list[NaturalPersonRow],
    departments: dict[str, tuple[str, str]],
) -> Iterator[RecordRow]:
    """``count`` records across items, departments and years 2017–2026, each payload valid
    against its catalog item. ``departments`` maps code → (name, USCC)."""
    rng = random.Random(f"rec-{seed}")
    builders = {
        "admin-license": _license,
        "admin-penalty": penalty,
        "dishonest-judgment-debtor": _court,
        "major-tax-violation": _tax_violation,
        "a-grade-taxpayer": _a_grade,
        "work-safety-blacklist": _work_safety,
        "customs-dishonest": _customs,
        "customs-aeo": _customs,
    }
    serial: dict[str, int] = {}
    for n in range(count):
        item = weighted(rng, RECORD_MIX, 1)[0]
        serial[item] = serial.get(item, 0) + 1
        yield builders[item](rng, item, serial[item], n, lps, nps, departments)


def _subject_fields(lp: LegalPersonRow) -> dict:
    return {
        "subject_name": lp.name,
        "subject_category": lp.category,
        "uscc": lp.uscc,
        "org_code": lp.org_code,
        "tax_no": lp.tax_no,
        "legal_rep": lp.legal_rep,
        "legal_rep_id_type": "居民身份证",
        "legal_rep_id_number": lp.legal_rep_id,
        **({"reg_no": lp.reg_no} if lp.reg_no else {}),
    }


def _person_fields(np_: NaturalPersonRow) -> dict:
    return {
        "subject_name": np_.name,
        "subject_category": "自然人",
        "id_type": "居民身份证",
        "id_number": np_.id_number,
    }


def _pick_subject(rng, lps, nps, natural_share: float) -> tuple[str, int]:
    if nps and rng.random() < natural_share:
        return "N", rng.randrange(len(nps))
    return "L", rng.randrange(len(lps))


def _license(rng, item, serial, n, lps, nps, departments) -> RecordRow:
    dept = rng.choice(list(LICENSE_DEPTS))
    prefix, cert, content, category = LICENSE_DEPTS[dept]
    dept_name, dept_uscc = departments[dept]
    kind, ref = _pick_subject(rng, lps, nps, 0.08)
    subject = _subject_fields(lps[ref]) if kind == "L" else _person_fields(nps[ref])
    start = _date_between(rng, datetime.date(2017, 1, 1), TODAY)
    end = _add_months(start, 12 * rng.choice((3, 5)))
    payload = {
        **subject,
        "decision_doc_name": "准予行政许可决定书",
        "document_no": f"{prefix}〔{start.year}〕{serial:06d}号",
        "license_category": category,
        "license_cert_name": cert,
        "license_no": f"{prefix[:2]}{start.year}{serial:07d}",
        "license_content": content,
        "valid_from": start.isoformat(),
        "valid_to": end.isoformat(),
        "authority": dept_name,
        "authority_uscc": dept_uscc,
        "license_status": "有效" if end >= TODAY else "无效",
        "source_dept": dept_name,
        "source_dept_uscc": dept_uscc,
        "info_usage_scope": "社会公开",
    }
    return RecordRow(item, dept, kind, ref, payload)


def penalty(rng, item, serial, n, lps, nps, departments) -> RecordRow:
    """A 行政处罚 record (the demo batches' file rows start from one too)."""
    dept = rng.choice(list(PENALTY_DEPTS))
    prefix, violation, basis = PENALTY_DEPTS[dept]
    dept_name, dept_uscc = departments[dept]
    kind, ref = _pick_subject(rng, lps, nps, 0.2)
    subject = _subject_fields(lps[ref]) if kind == "L" else _person_fields(nps[ref])
    categories, _, severity = weighted(rng, PENALTY_KINDS, 1)
    decided = _date_between(rng, datetime.date(2017, 1, 1), TODAY)
    payload = {
        **subject,
        "document_no": f"{prefix}〔{decided.year}〕{serial:06d}号",
        "violation_type": violation,
        "violation_facts": f"经查，当事人于{decided:%Y年%m月}存在{violation}的行为。",
        "penalty_basis": basis,
        "penalty_category": categories,
        "decision_date": decided.isoformat(),
        "valid_to": _add_months(decided, 6).isoformat(),
        "publicity_end": _add_months(decided, PUBLICITY_MONTHS[severity]).isoformat(),
        "authority": dept_name,
        "authority_uscc": dept_uscc,
        "source_dept": dept_name,
        "source_dept_uscc": dept_uscc,
        "info_usage_scope": "社会公开",
        "severity": severity,
    }
    content = []
    if "罚款" in categories:
        amount = Decimal(rng.choice((2000, 5000, 10000, 30000, 50000, 200000))) / 10000
        payload["fine_amount"] = str(amount)
        content.append(f"罚款人民币{int(amount * 10000)}元")
    if "没收" in categories:
        payload["confiscation_amount"] = str(Decimal(rng.randint(1, 5000)) / 10000)
        content.append("没收违法所得")
    if "许可证件" in categories:
        payload["license_revoked"] = f"营业执照 {lps[ref].uscc if kind == 'L' else ''}".strip()
        content.append("暂扣许可证件" if "暂扣" in categories else "吊销许可证件")
    payload["penalty_content"] = "；".join(content) or categories.replace(";", "、")
    return RecordRow(item, dept, kind, ref, payload)


def _court(rng, item, serial, n, lps, nps, departments) -> RecordRow:
    dept_name, _ = departments["FY"]
    kind, ref = _pick_subject(rng, lps, nps, 0.35)
    filed = _date_between(rng, datetime.date(2017, 1, 1), TODAY - datetime.timedelta(days=60))
    published = filed + datetime.timedelta(days=rng.randint(30, 59))
    payload = {
        "case_no": f"（{filed.year}）苏04执{serial:05d}号",
        "court": dept_name,
        "dishonest_situation": "有履行能力而拒不履行生效法律文书确定义务",
        "obligation": "支付货款及利息",
        "performance": "全部未履行",
        "publish_date": published.isoformat(),
        "filing_date": filed.isoformat(),
        "region": "江苏",
    }
    if kind == "L":
        lp = lps[ref]
        payload.update(
            debtor_name=lp.name,
            debtor_category=lp.category,
            uscc=lp.uscc,
            legal_rep=lp.legal_rep,
            org_code=lp.org_code,
        )
    else:
        payload.update(
            debtor_name=nps[ref].name, debtor_category="自然人", id_number=nps[ref].id_number
        )
    return RecordRow(item, "FY", kind, ref, payload)


def _tax_violation(rng, item, serial, n, lps, nps, departments) -> RecordRow:
    kind, ref = _pick_subject(rng, lps, nps, 0.1)
    published = _date_between(rng, datetime.date(2018, 1, 1), TODAY)
    nature = rng.choice(["偷税", "虚开增值税专用发票", "逃避追缴欠税", "骗取出口退税"])
    payload = {
        "list_status": "公布",
        "publish_date": published.isoformat(),
        "case_nature": nature,
        "legal_basis_and_handling": "依照《中华人民共和国税收征收管理法》第六十三条，"
        "追缴税款并处罚款",
        "main_facts": f"经检查，该纳税人存在{nature}行为。",
    }
    if kind == "L":
        lp = lps[ref]
        payload.update(
            party_category=lp.category,
            taxpayer_name=lp.name,
            taxpayer_id=lp.uscc,
            uscc=lp.uscc,
            legal_rep=lp.legal_rep,
            org_code=lp.org_code,
            registered_address=lp.address,
        )
    else:
        p = nps[ref]
        payload.update(
            party_category="自然人",
            taxpayer_name=p.name,
            person_name=p.name,
            id_type="居民身份证",
            id_number=p.id_number,
            gender="男" if p.gender == "male" else "女",
        )
    return RecordRow(item, "SW", kind, ref, payload)


def _a_grade(rng, item, serial, n, lps, nps, departments) -> RecordRow:
    ref = rng.randrange(len(lps))
    lp = lps[ref]
    year = rng.randint(2018, 2025)
    payload = {
        "file_name": f"国家税务总局常州市税务局关于公布{year}年度纳税信用A级纳税人名单的公告",
        "taxpayer_name": lp.name,
        "taxpayer_id": lp.uscc,
        "evaluation_year": str(year),
        "uscc": lp.uscc,
    }
    return RecordRow(item, "SW", "L", ref, payload)


def _work_safety(rng, item, serial, n, lps, nps, departments) -> RecordRow:
    ref = rng.randrange(len(lps))
    lp = lps[ref]
    start = _date_between(rng, datetime.date(2018, 1, 1), TODAY)
    payload = {
        "unit_name": lp.name,
        "start_date": start.isoformat(),
        "reason": "发生生产安全责任事故，造成人员死亡",
        "uscc": lp.uscc,
        "reporting_authority": departments["YJ"][0],
        "registered_address": lp.address,
        "main_head": lp.legal_rep,
        "dishonest_summary": "未落实安全生产主体责任",
    }
    return RecordRow(item, "YJ", "L", ref, payload)


def _customs(rng, item, serial, n, lps, nps, departments) -> RecordRow:
    ref = rng.randrange(len(lps))
    lp = lps[ref]
    rated = _date_between(rng, datetime.date(2018, 1, 1), TODAY)
    payload = {
        "rating_date": rated.isoformat(),
        "legal_rep": lp.legal_rep,
        "customs_code": f"3204{rng.randint(0, 999999):06d}",
        "enterprise_name": lp.name,
        "credit_level": "失信企业" if item == "customs-dishonest" else "高级认证企业",
        "registered_address": lp.address,
        "org_code": lp.org_code,
        "uscc": lp.uscc,
        "first_registration_date": lp.established_on.isoformat(),
        "deregistered": "否",
    }
    return RecordRow(item, "HG", "L", ref, payload)
