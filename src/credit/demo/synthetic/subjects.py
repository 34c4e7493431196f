"""Synthetic legal persons (法人及非法人组织, with valid USCCs and distinct organisation codes)
and natural persons (自然人, with valid resident ID numbers) spread over Changzhou's districts,
division codes no longer in force included."""

from __future__ import annotations

import datetime
import decimal
import random
from collections.abc import Iterator
from dataclasses import dataclass

from credit.core.identifiers import USCC_ALPHABET, make_resident_id, make_uscc
from credit.demo.synthetic.common import TODAY, weighted

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
    def registered_capital(self) -> decimal.Decimal | None:
        """注册资本 in 万元, drawn from its own generator keyed by the USCC (so adding it left
        every other generated value as it was); none for bodies that register no capital."""
        if self.org_type not in {"91", "92", "93"}:
            return None
        rng = random.Random(f"capital-{self.uscc}")
        if self.org_type == "92":
            return decimal.Decimal(rng.choice((1, 2, 3, 5, 10, 20, 50)))
        bands = ((10, 100, 35), (100, 500, 30), (500, 1000, 15), (1000, 5000, 14), (5000, 50000, 6))
        low, high, _ = rng.choices(bands, weights=[b[2] for b in bands])[0]
        return decimal.Decimal(rng.randint(low, high))

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
        division, district, _ = weighted(rng, DISTRICTS, 2)
        org_type, _, kind = weighted(rng, ORG_TYPES, 1)
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
    return weighted(rng, options, 3)[0]


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
