"""Deterministic generators of synthetic Changzhou subjects and credit records.

The same ``seed`` and ``scale`` always give the same rows in the same order, whatever has been
loaded before, which is what makes ``credit seed-demo`` idempotent. Generators yield plain
dataclasses; :mod:`credit.demo.loader` turns them into COPY rows.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from credit.core.identifiers import USCC_ALPHABET, make_resident_id, make_uscc

TODAY = datetime.date(2026, 11, 1)  # fixed, so the data set does not change from day to day


@dataclass(frozen=True)
class Scale:
    legal_persons: int
    natural_persons: int
    records: int


SCALES = {
    "small": Scale(legal_persons=3_000, natural_persons=2_000, records=9_000),
    "large": Scale(legal_persons=1_000_000, natural_persons=300_000, records=5_000_000),
}

# District division codes with the share of subjects registered there. 320400 is the city's
# own registration authority.
DISTRICTS = [
    ("320402", "天宁区", 14),
    ("320404", "钟楼区", 14),
    ("320411", "新北区", 20),
    ("320412", "武进区", 26),
    ("320413", "金坛区", 8),
    ("320481", "溧阳市", 9),
    ("320400", "", 9),
]
DISTRICT_NAME = {code: name for code, name, _ in DISTRICTS}

# (authority+type, share, kind) — kind as the subjects app names it.
ORG_TYPES = [
    ("91", 70, "organisation"),
    ("92", 21, "sole_trader"),
    ("93", 2, "organisation"),
    ("12", 2, "organisation"),
    ("11", 0.5, "organisation"),
    ("51", 1.5, "organisation"),
    ("52", 2, "organisation"),
    ("N2", 1, "organisation"),
]

INDUSTRIES = {
    "C": (
        30,
        [
            "机械制造",
            "精密模具",
            "新材料",
            "纺织",
            "电子科技",
            "光伏科技",
            "汽车零部件",
            "化工",
            "电机",
            "轨道交通装备",
        ],
    ),
    "F": (22, ["商贸", "贸易", "五金交电", "建材", "食品", "医药连锁"]),
    "E": (8, ["建设工程", "建筑安装", "装饰工程", "市政工程"]),
    "I": (6, ["信息技术", "软件", "网络科技", "数据科技"]),
    "H": (7, ["餐饮管理", "酒店管理", "餐饮"]),
    "G": (5, ["物流", "运输", "货运代理"]),
    "K": (3, ["房地产开发", "物业管理"]),
    "L": (6, ["企业管理咨询", "人力资源", "广告"]),
    "M": (3, ["检测技术", "工程设计", "环保科技"]),
    "O": (4, ["家政服务", "汽车维修", "美容美发"]),
    "Q": (1.5, ["医疗器械", "医疗管理"]),
    "P": (1.5, ["教育科技", "职业技能培训"]),
    "R": (1.5, ["文化传媒", "体育发展"]),
    "A": (1.5, ["农业发展", "生态农业", "水产养殖"]),
}
SOLE_TRADER_WORDS = [
    "便利店",
    "小吃店",
    "五金店",
    "服装店",
    "理发店",
    "水果店",
    "副食品店",
    "汽车修理部",
    "家电维修部",
    "面馆",
    "快餐店",
    "建材经营部",
]
BRAND_CHARS = "鑫达华恒盛源泰隆金宏嘉瑞丰益通信诚和康美新创博远中天龙凯德润安辰科宇航星海江峰锦晟"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强晓东海燕红梅玉"
    "兰春花文杰浩然子轩雨涵欣怡梓涵一诺宇航俊杰思远佳怡"
)
ROADS = [
    "延陵西路",
    "和平北路",
    "劳动中路",
    "晋陵北路",
    "通江中路",
    "长江北路",
    "武宜南路",
    "龙城大道",
    "常武中路",
    "人民东路",
    "关河西路",
    "太湖东路",
    "汉江路",
    "华山中路",
]
VILLAGES = ["新安", "前黄", "礼河", "湟里", "嘉泽", "雪堰", "横林", "洛阳", "牛塘", "南夏墅"]

# Resident ID division codes by birth year: the code in force where the number was first
# issued stays for life (RULES.md). (code, first_year, last_year, share).
ID_DIVISIONS = [
    ("320402", 1940, 2010, 14),
    ("320404", 1940, 2010, 13),
    ("320411", 2002, 2010, 6),
    ("320411", 1940, 2001, 6),  # 常州市郊区 carried 320411 before it became 新北区
    ("320412", 1995, 2010, 10),
    ("320421", 1940, 1994, 12),  # 武进县
    ("320483", 1995, 2002, 3),  # 武进市
    ("320405", 1940, 2010, 3),  # 戚墅堰区, merged 2015
    ("320482", 1940, 2010, 9),  # 金坛市 — the code on most 金坛 adults' IDs
    ("320481", 1940, 2010, 9),
    ("320400", 1940, 2010, 2),
    ("320402", 1940, 1970, 3),
    ("320106", 1950, 2000, 1),  # born in 南京 — numbers from elsewhere live here too
]

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
class LegalPersonRow:
    uscc: str
    name: str
    kind: str
    org_type: str
    division_code: str
    industry: str
    legal_rep: str
    address: str
    established_on: datetime.date
    status: str
    reg_no: str = ""
    legal_rep_id: str = ""

    @property
    def org_code(self) -> str:
        return self.uscc[8:17]

    @property
    def tax_no(self) -> str:
        return self.uscc[2:8] + self.uscc[8:17]

    @property
    def category(self) -> str:
        return "个体工商户" if self.kind == "sole_trader" else "法人及非法人组织"


@dataclass
class NaturalPersonRow:
    name: str
    id_number: str
    gender: str
    birth_date: datetime.date
    division_code: str


@dataclass
class RecordRow:
    item: str
    department: str
    subject_kind: str  # "L" | "N"
    subject_ref: int  # index into the generated legal or natural persons
    payload: dict = field(default_factory=dict)


def _weighted(rng: random.Random, options: list, weight_index: int):
    weights = [o[weight_index] for o in options]
    return rng.choices(options, weights=weights)[0]


def _person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def _reg_no(rng: random.Random, division: str) -> str:
    """A 15-digit 工商注册号 (GB 12... MOD 11,10 check, ISO 7064)."""
    body = division + "".join(rng.choice("0123456789") for _ in range(8))
    p = 10
    for ch in body:
        s = (p + int(ch)) % 10 or 10
        p = (s * 2) % 11
    return body + str((11 - p) % 10)


def legal_persons(seed: int, count: int) -> Iterator[LegalPersonRow]:
    """``count`` legal persons with valid USCCs and distinct organisation codes."""
    rng = random.Random(f"lp-{seed}")
    seen: set[str] = set()
    industries = list(INDUSTRIES.items())
    industry_weights = [v[0] for _, v in industries]
    made = 0
    while made < count:
        division, district, _ = _weighted(rng, DISTRICTS, 2)
        org_type, _, kind = _weighted(rng, ORG_TYPES, 1)
        established = TODAY - datetime.timedelta(days=rng.randint(30, 40 * 365))
        if established.year >= 2016 and org_type == "91":
            body = "MA" + "".join(rng.choice(USCC_ALPHABET) for _ in range(6))
        else:
            body = "".join(rng.choice("0123456789") for _ in range(8))
        try:
            uscc = make_uscc(org_type, division, body)
        except ValueError:
            continue
        # The organisation code (characters 9–17) is unique nationwide, whatever the prefix.
        if uscc[8:17] in seen:
            continue
        seen.add(uscc[8:17])
        section, (_, words) = rng.choices(industries, weights=industry_weights)[0]
        brand = rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)
        place = f"常州市{district}" if district else "常州"
        rep = _person_name(rng)
        if org_type == "92":
            name = f"{place}{rep[0]}记{rng.choice(SOLE_TRADER_WORDS)}"
            if rng.random() < 0.5:
                name = f"{place}{brand}{rng.choice(SOLE_TRADER_WORDS)}"
            section = rng.choice(["F", "H", "O"])
        elif org_type == "93":
            name = f"{place}{brand}{rng.choice(['蔬菜', '稻麦', '水产', '苗木'])}专业合作社"
            section = "A"
        elif org_type == "12":
            name = f"{place}{brand}{rng.choice(['公共服务中心', '检验检测中心', '职业学校'])}"
            section = rng.choice(["P", "M", "N"])
        elif org_type == "11":
            name = f"{place}{rng.choice(VILLAGES)}{rng.choice(['街道办事处', '镇人民政府'])}"
            section = "S"
        elif org_type == "51":
            name = f"常州市{rng.choice(words)}行业协会"
            section = "S"
        elif org_type == "52":
            name = f"{place}{brand}{rng.choice(['培训中心', '养老服务中心', '社会工作服务社'])}"
            section = rng.choice(["P", "Q", "O"])
        elif org_type == "N2":
            name = f"{place}{rng.choice(VILLAGES)}村股份经济合作社"
            section = "A"
        else:
            legal_form = rng.choice(["有限公司", "有限公司", "有限公司", "股份有限公司"])
            name = f"{place}{brand}{rng.choice(words)}{legal_form}"
        road = rng.choice(ROADS)
        address = f"江苏省常州市{district or '天宁区'}{road}{rng.randint(1, 999)}号"
        status = rng.choices(["active", "revoked", "cancelled"], weights=[92, 3, 5])[0]
        reg_no = (
            _reg_no(rng, division) if org_type in {"91", "92"} and established.year < 2015 else ""
        )
        rep_birth = datetime.date(rng.randint(1950, 1998), rng.randint(1, 12), rng.randint(1, 28))
        rep_id = make_resident_id(_id_division(rng, rep_birth.year), rep_birth, rng.randint(1, 999))
        yield LegalPersonRow(
            uscc=uscc,
            name=name,
            kind=kind,
            org_type=org_type,
            division_code=division,
            industry=section,
            legal_rep=rep,
            address=address,
            established_on=established,
            status=status,
            reg_no=reg_no,
            legal_rep_id=rep_id,
        )
        made += 1


def _id_division(rng: random.Random, year: int) -> str:
    options = [d for d in ID_DIVISIONS if d[1] <= year <= d[2] and d[3] > 0]
    return _weighted(rng, options, 3)[0]


def natural_persons(seed: int, count: int) -> Iterator[NaturalPersonRow]:
    """``count`` people born 1940–2010 with distinct valid resident ID numbers, many carrying
    division codes no longer in force (320421 武进县, 320482 金坛市, 320405 戚墅堰区…)."""
    rng = random.Random(f"np-{seed}")
    seen: set[str] = set()
    made = 0
    while made < count:
        year = min(2010, max(1940, int(rng.gauss(1975, 15))))
        birth = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
        division = _id_division(rng, year)
        seq = rng.randint(1, 999)
        number = make_resident_id(division, birth, seq)
        if number in seen:
            continue
        seen.add(number)
        yield NaturalPersonRow(
            name=_person_name(rng),
            id_number=number,
            gender="male" if seq % 2 else "female",
            birth_date=birth,
            division_code=division,
        )
        made += 1


def _date_between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, 28))


def records(
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
        "admin-penalty": _penalty,
        "dishonest-judgment-debtor": _court,
        "major-tax-violation": _tax_violation,
        "a-grade-taxpayer": _a_grade,
        "work-safety-blacklist": _work_safety,
        "customs-dishonest": _customs,
        "customs-aeo": _customs,
    }
    serial: dict[str, int] = {}
    for n in range(count):
        item = _weighted(rng, RECORD_MIX, 1)[0]
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


def _penalty(rng, item, serial, n, lps, nps, departments) -> RecordRow:
    dept = rng.choice(list(PENALTY_DEPTS))
    prefix, violation, basis = PENALTY_DEPTS[dept]
    dept_name, dept_uscc = departments[dept]
    kind, ref = _pick_subject(rng, lps, nps, 0.2)
    subject = _subject_fields(lps[ref]) if kind == "L" else _person_fields(nps[ref])
    categories, _, severity = _weighted(rng, PENALTY_KINDS, 1)
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
