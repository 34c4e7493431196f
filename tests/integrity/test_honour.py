"""The 红黑榜 (:mod:`credit.integrity.selectors.honour`): who is on the black and the red list
under the rule in force, the period's first day included and the day before it not, the count
and results, how long a red-list member kept faith, and the public list only while the rule
publishes it — names masked, no ID number, no document number.

The helpers here build civil servants, their records and their explained score items
directly, so that each test states the dates it depends on.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from django.utils import timezone

from credit.accounts.roles import Role
from credit.catalog.models import CatalogItem
from credit.core.identifiers import make_resident_id
from credit.core.models import Department
from credit.integrity.constants import ASSESSMENT, CS_DISHONESTY, DISCIPLINE, PARTY_REVIEW
from credit.integrity.models import (
    CivilServant,
    HonourRule,
    ScoreItem,
    ScoreRule,
    ScoreRuleSet,
)
from credit.integrity.selectors import honour
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord
from credit.subjects.services import register_natural_person

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TODAY_IS_LOCAL = True  # TODAY (and YESTERDAY, TOMORROW) set before each test: tests/conftest.py
_serial = iter(range(1, 10_000))


# --------------------------------------------------------------------------------------------
# Helpers (also used by the other test modules of this brief)
# --------------------------------------------------------------------------------------------


def new_id_number(division: str = "320402") -> str:
    n = next(_serial)
    birth = datetime.date(1961 + n % 37, 1 + n % 12, 1 + n % 27)
    return make_resident_id(division, birth, 500 + n % 499)


def civil_servant(
    name: str,
    *,
    unit: str = "SCJG",
    id_number: str | None = None,
    score: int | None = 500,
    grade: str = "A",
    **extra: Any,
) -> CivilServant:
    """A civil servant of ``unit`` (a department's code) with a current score."""
    person, _ = register_natural_person(
        actor=None, name=name, id_number=id_number or new_id_number()
    )
    dept = Department.objects.get(code=unit)
    return CivilServant.objects.create(
        natural_person=person,
        unit=dept,
        unit_name=dept.name,
        region_id=dept.region_id,
        position=extra.pop("position", "科员"),
        score=score,
        grade=grade if score is not None else "",
        computed_at=timezone.now() if score is not None else None,
        **extra,
    )


def archive_record(
    cs: CivilServant,
    item: str,
    *,
    decided: datetime.date | None,
    payload: dict[str, Any] | None = None,
    status: str = RecordStatus.ACTIVE,
    valid_to: datetime.date | None = None,
    department: str = "JWJW",
    document_no: str | None = None,
) -> CreditRecord:
    """A record of ``item`` about ``cs`` as the library holds it (written directly, so the
    test decides its dates and status)."""
    catalog_item = CatalogItem.objects.get(code=item)
    dept = Department.objects.get(code=department)
    number = document_no if document_no is not None else f"常纪处〔{TODAY.year}〕{next(_serial)}号"
    return CreditRecord.objects.create(
        item=catalog_item,
        natural_person=cs.natural_person,
        department=dept,
        region_id=dept.region_id,
        natural_key=uuid.uuid4().hex,
        document_no=number,
        payload={"name": cs.natural_person.name, **(payload or {})},
        decision_date=decided,
        valid_to=valid_to,
        status=status,
        usage_scope=catalog_item.usage_scope,
        publishable=False,
    )


def assessment(cs: CivilServant, year: int, result: str = "优秀", **kw: Any) -> CreditRecord:
    return archive_record(
        cs,
        ASSESSMENT,
        decided=datetime.date(year + 1, 2, 10) if year + 1 <= TODAY.year else TODAY,
        payload={"year": str(year), "result": result},
        department="RS",
        document_no="",
        **kw,
    )


def _ruleset() -> ScoreRuleSet:
    found, _ = ScoreRuleSet.objects.get_or_create(
        code="test-honour",
        defaults={"name": "测试规则", "effective_from": datetime.date(1990, 1, 1)},
    )
    return found


def score_item(
    cs: CivilServant,
    record: CreditRecord,
    *,
    points: int = -50,
    start: datetime.date,
    until: datetime.date | None,
    in_force: bool = True,
) -> ScoreItem:
    """An explained point change of ``cs`` counting from ``start`` until ``until``
    (exclusive)."""
    rule, _ = ScoreRule.objects.get_or_create(
        ruleset=_ruleset(),
        item=record.item,
        field="",
        value="",
        defaults={"label": f"{record.item.name}（测试）", "points": points},
    )
    return ScoreItem.objects.create(
        civil_servant=cs,
        record=record,
        rule=rule,
        points=points,
        counts_from=start,
        counts_until=until,
        in_force=in_force,
    )


def honour_rule(kind: str, **changes: Any) -> HonourRule:
    """The only rule of ``kind`` (others removed), in force since 2020."""
    HonourRule.objects.filter(kind=kind).delete()
    values = {
        "name": "公务员诚信黑榜规则" if kind == "black" else "公务员诚信红榜规则",
        "effective_from": datetime.date(2020, 1, 1),
        "items": [CS_DISHONESTY, DISCIPLINE] if kind == "black" else [],
        "min_count": 1,
        "years": 3,
        "require_excellent": True,
        "published": True,
        "measures": "取消当年评优评先资格" if kind == "black" else "评优评先同等条件下优先",
        "basis": "《常州市公务员诚信档案管理办法》",
    }
    values.update(changes)
    return HonourRule.objects.create(kind=kind, **values)


def dishonesty(cs: CivilServant, decided: datetime.date, **kw: Any) -> CreditRecord:
    payload = {
        "behaviour": "拖欠企业工程款",
        "handling": kw.pop("handling", "通报批评"),
        "accountability": "诫勉谈话",
    }
    return archive_record(
        cs, CS_DISHONESTY, decided=decided, payload=payload, department="FGW", **kw
    )


def names(rows) -> list[str]:
    return [r.name for r in rows]


# --------------------------------------------------------------------------------------------
# The period
# --------------------------------------------------------------------------------------------


def test_the_period_begins_the_same_day_years_earlier():
    assert honour.period_start(datetime.date(2026, 5, 17), 3) == datetime.date(2023, 5, 17)
    assert honour.period_start(datetime.date(2028, 2, 29), 1) == datetime.date(2027, 2, 28)


def test_the_rule_in_force_is_the_latest_effective_one():
    honour_rule("black")
    later = HonourRule.objects.create(
        kind="black", name="新规则", effective_from=TODAY, items=[CS_DISHONESTY], years=2
    )
    HonourRule.objects.create(
        kind="black",
        name="未施行",
        effective_from=TODAY + datetime.timedelta(days=1),
        items=[CS_DISHONESTY],
    )
    assert honour.rule_in_force("black") == later
    assert honour.rule_in_force("black", TODAY - datetime.timedelta(days=1)).name == (
        "公务员诚信黑榜规则"
    )
    assert honour.rule_in_force("red") is None or honour.rule_in_force("red").kind == "red"


# --------------------------------------------------------------------------------------------
# 黑榜
# --------------------------------------------------------------------------------------------


def test_the_black_list_counts_active_records_of_the_rule_items_with_their_results():
    honour_rule("black")
    twice = civil_servant("钱多多")
    once = civil_servant("孙一次")
    clean = civil_servant("李清白")
    dishonesty(twice, TODAY - datetime.timedelta(days=30), handling="通报批评")
    archive_record(
        twice, DISCIPLINE, decided=TODAY - datetime.timedelta(days=400), payload={"result": "记过"}
    )
    dishonesty(once, TODAY - datetime.timedelta(days=10))
    # Not counted: revoked, an item outside the rule, an expired validity.
    dishonesty(clean, TODAY - datetime.timedelta(days=5), status=RecordStatus.REVOKED)
    assessment(clean, TODAY.year - 1, "不称职")
    dishonesty(clean, TODAY - datetime.timedelta(days=50), valid_to=TODAY - datetime.timedelta(1))

    found = honour.black_list(make_admin())
    rows = found.rows(found.people)
    assert names(rows) == ["钱多多", "孙一次"]
    first = rows[0]
    assert first.count == 2
    assert [o.text for o in first.outcomes] == [
        "公务员政务失信记录（通报批评）",
        "纪律处分信息（记过）",
    ]
    assert first.outcomes[0].document_no  # staff see the document numbers
    assert first.latest == TODAY - datetime.timedelta(days=30)
    assert first.id_masked == twice.natural_person.id_masked


def test_the_black_list_needs_min_count_records():
    honour_rule("black", min_count=2)
    twice = civil_servant("钱两次")
    once = civil_servant("孙一次")
    dishonesty(twice, TODAY - datetime.timedelta(days=3))
    dishonesty(twice, TODAY - datetime.timedelta(days=4))
    dishonesty(once, TODAY - datetime.timedelta(days=3))
    found = honour.black_list(make_admin())
    assert names(found.rows(found.people)) == ["钱两次"]


def test_the_black_list_period_includes_its_first_day_only():
    honour_rule("black", years=3)
    start = honour.period_start(TODAY, 3)
    on_the_day = civil_servant("周首日")
    day_before = civil_servant("吴前日")
    dishonesty(on_the_day, start)
    dishonesty(day_before, start - datetime.timedelta(days=1))
    found = honour.black_list(make_admin())
    assert names(found.rows(found.people)) == ["周首日"]


def test_no_rule_or_no_items_means_no_black_list():
    HonourRule.objects.filter(kind="black").delete()
    cs = civil_servant("郑无规")
    dishonesty(cs, TODAY)
    assert honour.black_list(make_admin()).count() == 0
    honour_rule("black", items=[])
    assert honour.black_list(make_admin()).count() == 0


# --------------------------------------------------------------------------------------------
# 红榜
# --------------------------------------------------------------------------------------------


def test_the_red_list_takes_no_deduction_in_the_period_and_an_excellent_assessment():
    honour_rule("red", years=3)
    start = honour.period_start(TODAY, 3)
    model = civil_servant("王守信", score=520, grade="A")
    assessment(model, TODAY.year - 1)
    party = archive_record(
        model, PARTY_REVIEW, decided=TODAY, payload={"year": str(TODAY.year - 2), "result": "优秀"}
    )
    assert party.pk
    deducted = civil_servant("赵扣分")
    assessment(deducted, TODAY.year - 1)
    score_item(
        deducted,
        dishonesty(deducted, TODAY - datetime.timedelta(days=400)),
        start=TODAY - datetime.timedelta(days=400),
        until=TODAY - datetime.timedelta(days=35),
    )
    no_excellent = civil_servant("孙称职")
    assessment(no_excellent, TODAY.year - 1, "称职")
    too_old = civil_servant("李当年")
    assessment(too_old, start.year - 2)

    found = honour.red_list(make_admin())
    rows = found.rows(found.people)
    assert names(rows) == ["王守信"]
    row = rows[0]
    assert row.honours == (f"{TODAY.year - 1}年度考核优秀", f"{TODAY.year - 2}党员年度评议优秀")
    assert row.score == 520 and row.grade == "A"
    # Never deducted: faith kept since the archive begins, the first year it was assessed.
    assert row.faith_since == datetime.date(TODAY.year - 2, 1, 1)


def test_a_deduction_that_ended_on_the_first_day_does_not_keep_anyone_off_the_red_list():
    honour_rule("red", years=3)
    start = honour.period_start(TODAY, 3)
    ended = civil_servant("钱刚满")
    ended_later = civil_servant("孙差一天")
    for cs, until in ((ended, start), (ended_later, start + datetime.timedelta(days=1))):
        assessment(cs, TODAY.year - 1)
        record = dishonesty(cs, start - datetime.timedelta(days=365))
        score_item(cs, record, start=start - datetime.timedelta(days=365), until=until)
    found = honour.red_list(make_admin())
    rows = found.rows(found.people)
    assert names(rows) == ["钱刚满"]
    assert rows[0].faith_since == start  # the first day the deduction no longer counted
    assert rows[0].kept_days == (TODAY - start).days
    assert rows[0].kept_text == "3年"


def test_a_revoked_or_repaired_record_deducts_nothing_for_the_red_list():
    honour_rule("red", years=3, require_excellent=False)
    cs = civil_servant("周撤销")
    record = dishonesty(cs, TODAY - datetime.timedelta(days=20), status=RecordStatus.REVOKED)
    score_item(cs, record, start=TODAY - datetime.timedelta(days=20), until=None)
    found = honour.red_list(make_admin())
    assert "周撤销" in names(found.rows(found.people))


def test_without_the_excellent_requirement_no_deduction_is_enough():
    honour_rule("red", require_excellent=False)
    cs = civil_servant("吴平稳", score=500)
    found = honour.red_list(make_admin())
    rows = found.rows(found.people.filter(pk=cs.pk))
    assert names(rows) == ["吴平稳"]
    assert rows[0].honours == ()
    assert rows[0].faith_since <= TODAY


# --------------------------------------------------------------------------------------------
# Who reads them
# --------------------------------------------------------------------------------------------


def make_admin():
    from credit.accounts.services import create_user
    from credit.core.models import Region

    return create_user(
        actor=None,
        username=f"honour-admin-{next(_serial)}",
        password="pw",
        role=Role.CITY_ADMIN,
        region=Region.objects.get(code="320400"),
    )


def test_staff_read_the_lists_within_the_archives_they_may_read(make_user):
    honour_rule("black")
    city = civil_servant("钱市局", unit="SCJG")
    district = civil_servant("孙区局", unit="TNQ-SCJG")
    for cs in (city, district):
        dishonesty(cs, TODAY - datetime.timedelta(days=3))

    def seen(user) -> list[str]:
        found = honour.black_list(user)
        return sorted(names(found.rows(found.people)))

    assert seen(make_user(Role.CITY_REVIEWER)) == ["孙区局", "钱市局"]
    assert seen(make_user(Role.DISTRICT_ADMIN, region="320402")) == ["孙区局"]
    assert seen(make_user(Role.ORG_HR, department="SCJG")) == ["钱市局"]
    assert seen(make_user(Role.ORG_HR, region="320402", department="TNQ-ZZB")) == ["孙区局"]
    assert seen(make_user(Role.DEPT_OFFICER, department="SCJG")) == []
    assert seen(None) == []


def test_staff_filter_by_region_unit_and_name():
    honour_rule("black")
    city = civil_servant("钱市局", unit="SCJG")
    district = civil_servant("孙区局", unit="TNQ-SCJG")
    for cs in (city, district):
        dishonesty(cs, TODAY - datetime.timedelta(days=3))
    admin = make_admin()

    def seen(**filters) -> list[str]:
        found = honour.black_list(admin, filters=honour.HonourFilters(**filters))
        return names(found.rows(found.people))

    assert seen(region="320402") == ["孙区局"]
    assert seen(unit="SCJG") == ["钱市局"]
    assert seen(name="孙区") == ["孙区局"]


def test_the_public_reads_a_list_only_while_its_rule_publishes_it():
    honour_rule("black", published=False)
    cs = civil_servant("钱公开")
    dishonesty(cs, TODAY - datetime.timedelta(days=3))
    hidden = honour.black_list(public=True)
    assert not hidden.shown and hidden.count() == 0

    honour_rule("black", published=True)
    shown = honour.black_list(public=True)
    rows = shown.rows(shown.people)
    assert shown.shown and names(rows) == ["钱**"]
    assert rows[0].id_masked == "" and rows[0].position == ""
    assert all(o.document_no == "" for o in rows[0].outcomes)
    assert rows[0].unit == cs.unit_name
    # A name filter is a staff filter: the public cannot find a masked person by name.
    same = honour.black_list(public=True, filters=honour.HonourFilters(name="不存在"))
    assert same.count() == 1


def test_the_public_red_list_shows_no_score():
    honour_rule("red", require_excellent=False)
    cs = civil_servant("王公开", score=530)
    found = honour.red_list(public=True)
    rows = found.rows(found.people.filter(pk=cs.pk))
    assert rows[0].name == "王**"
    assert rows[0].score is None and rows[0].grade == ""


# --------------------------------------------------------------------------------------------
# With the platform's own scoring
# --------------------------------------------------------------------------------------------


def test_the_lists_read_the_archives_the_platform_scored(make_civil_servant, add_record):
    from credit.integrity.services import scoring

    honour_rule("red", years=3)
    honour_rule("black", items=[CS_DISHONESTY])
    model = make_civil_servant("SCJG", name="王计分")
    deducted = make_civil_servant("SCJG", grade="C", name="赵计分")
    for cs in (model, deducted):
        add_record(cs, ASSESSMENT)  # 优秀 last year
    dishonest = make_civil_servant("SCJG", name="钱计分")
    add_record(dishonest, CS_DISHONESTY)
    scoring.recompute(person_ids=[cs.natural_person_id for cs in (model, deducted, dishonest)])
    admin = make_admin()

    red = honour.red_list(admin)
    assert names(red.rows(red.people)) == ["王计分"]
    black = honour.black_list(admin)
    rows = black.rows(black.people)
    assert names(rows) == ["钱计分"] and rows[0].count == 1
