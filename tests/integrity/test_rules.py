"""The pure rules of the civil servants' score (:mod:`credit.integrity.rules`) and the seed's
table as shipped (``credit/integrity/data/rules.json``): every line's points as the seed says,
the default lines, grade boundaries (500, 451, 450, 351, 350), the windows in which points
count, the version in force by date and the history's years. No database."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import credit.integrity
from credit.integrity import rules

RULES_FILE = Path(credit.integrity.__file__).resolve().parent / "data" / "rules.json"
DOC = json.loads(RULES_FILE.read_text(encoding="utf-8"))
SEED = rules.versions_from_file(DOC)[0]

#: The seed's table (L168–L428), line by line: (item, field value) → points.
SEED_POINTS = {
    # 纪律处分: 【公务员】警告-50,记过-80,记大过-110,降级-140,撤职-170,开除-200;
    # 【党员】警告-50,严噩(重)警告-80,撤销党内职务-110,留党察看-140,开除党籍-170
    ("cs-discipline", "警告"): -50,
    ("cs-discipline", "记过"): -80,
    ("cs-discipline", "记大过"): -110,
    ("cs-discipline", "降级"): -140,
    ("cs-discipline", "撤职"): -170,
    ("cs-discipline", "开除"): -200,
    ("cs-discipline", "严重警告"): -80,
    ("cs-discipline", "撤销党内职务"): -110,
    ("cs-discipline", "留党察看"): -140,
    ("cs-discipline", "开除党籍"): -170,
    # 问责: 【公务员】责令公开道歉-40,停职检查-70,引咎辞职-100,责令辞职-130,免职-160;
    # 【党员】通报-40,诫勉-70,组织调整或组织处理-100
    ("cs-accountability", "责令公开道歉"): -40,
    ("cs-accountability", "停职检查"): -70,
    ("cs-accountability", "引咎辞职"): -100,
    ("cs-accountability", "责令辞职"): -130,
    ("cs-accountability", "免职"): -160,
    ("cs-accountability", "通报"): -40,
    ("cs-accountability", "诫勉"): -70,
    ("cs-accountability", "组织调整或组织处理"): -100,
    # 行政处罚, 文明交通: 一般失信-50,较重失信-100,严重失信-150 (未标明的按照一般失信处理)
    ("admin-penalty", "一般"): -50,
    ("admin-penalty", "较重"): -100,
    ("admin-penalty", "严重"): -150,
    ("civil-traffic", "一般"): -50,
    ("civil-traffic", "较重"): -100,
    ("civil-traffic", "严重"): -150,
    # 个人事项报告: 责令作出检查-40,诫勉谈话-70,通报批评或调整岗位-100,免职或降职-130
    ("cs-personal-matters", "责令作出检查"): -40,
    ("cs-personal-matters", "诫勉谈话"): -70,
    ("cs-personal-matters", "通报批评"): -100,
    ("cs-personal-matters", "调整岗位"): -100,
    ("cs-personal-matters", "免职"): -130,
    ("cs-personal-matters", "降职"): -130,
    # 公务员考核: 优秀+20,称职0,基本称职-10,不称职-20
    ("cs-assessment", "优秀"): 20,
    ("cs-assessment", "称职"): 0,
    ("cs-assessment", "基本称职"): -10,
    ("cs-assessment", "不称职"): -20,
    # 党员评议: 优秀+20,合格0,基本合格-10,不合格-20
    ("party-review", "优秀"): 20,
    ("party-review", "合格"): 0,
    ("party-review", "基本合格"): -10,
    ("party-review", "不合格"): -20,
}
#: Items scored whatever the record says: 其他处分-10 per handling, 失信被执行人-150,
#: 被执行人-100, 犯罪-200; 行政处罚 and 文明交通 without a severity count as 一般 (-50).
DEFAULT_POINTS = {
    "cs-other-handling": -10,
    "dishonest-judgment-debtor": -150,
    "judgment-debtor": -100,
    "criminal-judgment": -200,
    "admin-penalty": -50,
    "civil-traffic": -50,
}
FIELD = {line.item: line.field for line in SEED.lines if line.field}

days = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2090, 12, 31))
months = st.one_of(st.none(), st.integers(min_value=0, max_value=120))
other_fields = st.dictionaries(
    st.sampled_from(["name", "unit", "violation", "document_no", "remark"]),
    st.text(max_size=10),
    max_size=4,
)


def line(**values) -> rules.Line:
    return rules.Line(**{"id": 1, "item": "x", "points": -50, **values})


# --- the seed's table ---------------------------------------------------------------------


def test_the_shipped_rules_file_is_valid_and_has_one_line_per_seed_value():
    assert rules.check_rules_file(DOC) == []
    assert len(rules.versions_from_file(DOC)) == 1
    valued = {(ln.item, ln.value) for ln in SEED.lines if ln.value}
    assert set(SEED_POINTS) <= valued
    assert SEED.base == 500
    assert (SEED.grade_a_min, SEED.grade_b_min, SEED.grade_c_min) == (500, 451, 351)


@given(st.sampled_from(sorted(SEED_POINTS)), other_fields)
def test_every_seed_line_scores_the_points_the_seed_gives(case, others):
    item, value = case
    payload = {**others, FIELD[item]: value}
    found = rules.match(SEED.lines_of(item), payload)
    assert found is not None
    assert found.points == SEED_POINTS[case]
    assert found.value == value


@given(st.sampled_from(sorted(DEFAULT_POINTS)), other_fields, st.sampled_from(["", None, "  "]))
def test_an_item_without_a_listed_value_scores_its_default_line(item, others, blank):
    payload = dict(others)
    if item in FIELD:
        payload[FIELD[item]] = blank
    found = rules.match(SEED.lines_of(item), payload)
    assert found is not None and found.is_default
    assert found.points == DEFAULT_POINTS[item]


@given(st.text(min_size=1, max_size=6))
def test_a_result_the_table_does_not_list_is_not_scored(value):
    listed = {v for (item, v) in SEED_POINTS if item in ("cs-discipline", "cs-assessment")}
    assume(value.strip() not in listed)
    assert rules.match(SEED.lines_of("cs-discipline"), {"result": value}) is None
    assert rules.match(SEED.lines_of("cs-assessment"), {"result": value}) is None


def test_items_outside_the_table_are_not_scored():
    for item in ("cs-basic", "cs-dishonesty", "gov-dishonesty", "admin-license"):
        assert SEED.lines_of(item) == ()
        assert rules.match(SEED.lines_of(item), {"result": "警告"}) is None


def test_the_minor_and_the_old_moderate_penalty_are_explained():
    by_value = {ln.value: ln for ln in SEED.lines_of("admin-penalty")}
    # 轻微: not in the seed's table, treated as 一般 (未标明的按照一般失信处理).
    assert by_value["轻微"].points == -50 and "[to verify]" in _note("admin-penalty", "轻微")
    # 较重: mapped to 一般 on ingest since the national table of 2026-04-01.
    assert "2026-04-01" in _note("admin-penalty", "较重")
    assert "严噩警告" in _note("cs-discipline", "严重警告")


def test_discipline_and_accountability_labels_name_civil_servants_or_party_members():
    for item in ("cs-discipline", "cs-accountability"):
        for ln in SEED.lines_of(item):
            assert "【公务员】" in ln.label or "【党员】" in ln.label
    labels = {ln.value: ln.label for ln in SEED.lines_of("cs-discipline")}
    assert "【公务员】" in labels["警告"] and "【党员】" in labels["警告"]


def test_annual_results_count_from_the_next_year_for_twelve_months():
    for item in ("cs-assessment", "party-review"):
        for ln in SEED.lines_of(item):
            assert (ln.date_field, ln.months) == ("year", 12)
    for ln in SEED.lines_of("civil-traffic"):
        assert ln.months is None  # 有效期按失信信息使用有效期执行


def test_every_line_states_its_period():
    for rs in DOC["rulesets"]:
        for rule in rs["rules"]:
            assert rule["note"], rule["label"]


def _note(item: str, value: str) -> str:
    rs = DOC["rulesets"][0]
    return next(r["note"] for r in rs["rules"] if r["item"] == item and r["value"] == value)


# --- matching -----------------------------------------------------------------------------


@given(st.lists(st.sampled_from(["警告", "记过", "开除", "撤职"]), min_size=1, max_size=4))
def test_a_list_value_scores_its_most_serious_line(values):
    found = rules.match(SEED.lines_of("cs-discipline"), {"result": values})
    assert found.points == min(SEED_POINTS[("cs-discipline", v)] for v in values)


payload_values = st.one_of(
    st.none(),
    st.sampled_from(["警告", "开除", "一般", "严重", "优秀", " 称职 ", "", "其他"]),
    st.lists(st.sampled_from(["警告", "记过", "撤职", "通报批评", "调整岗位"]), max_size=3),
)


@given(
    st.sampled_from(sorted({ln.item for ln in SEED.lines} | {"cs-basic"})),
    st.dictionaries(st.sampled_from(["result", "severity", "year"]), payload_values, max_size=3),
)
def test_the_indexed_match_gives_the_same_line_as_the_plain_one(item, payload):
    assert SEED.match(item, payload) == rules.match(SEED.lines_of(item), payload)


@given(st.lists(st.tuples(st.sampled_from(["a", "b"]), st.integers(-3, 3)), max_size=6))
def test_among_equal_points_the_earlier_line_wins_both_ways(specs):
    lines = tuple(
        rules.Line(id=n, item="x", field="f", value=value, points=points)
        for n, (value, points) in enumerate(specs)
    )
    version = rules.Version(id=1, code="v", effective_from=datetime.date(2026, 1, 1), lines=lines)
    for payload in ({"f": "a"}, {"f": "b"}, {"f": ["a", "b"]}, {"f": ["b", "a"]}, {}):
        assert version.match("x", payload) == rules.match(lines, payload)


def test_a_default_line_before_the_valued_ones_does_not_hide_them():
    lines = [line(id=1, points=-5), line(id=2, field="r", value="甲", points=-1)]
    assert rules.match(lines, {"r": "甲"}).id == 2
    assert rules.match(lines, {"r": "乙"}).id == 1


def test_values_are_trimmed_and_the_first_default_wins():
    lines = [
        line(id=1, field="r", value="甲", points=-1),
        line(id=2, points=-2),
        line(id=3, points=-3),
    ]
    assert rules.match(lines, {"r": " 甲 "}).id == 1
    assert rules.match(lines, {"r": "乙"}).id == 2
    assert rules.match(lines, {}).id == 2
    assert rules.match([], {"r": "甲"}) is None
    assert rules.values_of(None) == []
    assert rules.values_of(["a", None, " ", 3]) == ["a", "3"]
    assert rules.values_of(2024) == ["2024"]


# --- grades -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "grade"),
    [(620, "A"), (500, "A"), (499, "B"), (451, "B"), (450, "C"), (351, "C"), (350, "D"), (0, "D")],
)
def test_grade_boundaries(score, grade):
    assert rules.grade(score) == grade
    assert SEED.grade(score) == grade


@given(st.integers(min_value=-2000, max_value=2000))
def test_grade_follows_the_thresholds(score):
    g = SEED.grade(score)
    assert (g == "A") == (score >= 500)
    assert (g == "B") == (451 <= score <= 499)
    assert (g == "C") == (351 <= score <= 450)
    assert (g == "D") == (score <= 350)


@given(st.integers(min_value=-100, max_value=100), st.integers(min_value=1, max_value=100))
def test_a_version_with_other_thresholds_grades_by_them(c_min, step):
    version = rules.Version(
        id=9,
        code="v",
        effective_from=datetime.date(2030, 1, 1),
        grade_a_min=c_min + 2 * step,
        grade_b_min=c_min + step,
        grade_c_min=c_min,
    )
    assert version.grade(c_min + 2 * step) == "A"
    assert version.grade(c_min + 2 * step - 1) == "B"
    assert version.grade(c_min + step) == "B"
    assert version.grade(c_min + step - 1) == "C"
    assert version.grade(c_min) == "C"
    assert version.grade(c_min - 1) == "D"


# --- windows ------------------------------------------------------------------------------


@given(days, days, st.integers(min_value=0, max_value=120))
def test_points_count_from_the_decision_date_for_the_lines_months(decided, day, n):
    win = rules.window(line(months=n), {}, decision_date=decided, created=datetime.date(2099, 1, 1))
    assert win.counts_from == decided
    assert win.counts_until == rules.add_months(decided, n)
    assert win.contains(day) == (decided <= day < rules.add_months(decided, n))


@given(days, days)
def test_without_months_points_count_while_the_record_is_valid(decided, day):
    win = rules.window(line(), {}, decision_date=decided, created=decided)
    assert win.counts_until is None
    assert win.contains(day) == (day >= decided)


@given(days, days)
def test_without_a_decision_date_points_count_from_arrival(created, day):
    win = rules.window(line(months=6), {}, decision_date=None, created=created)
    assert win.counts_from == created
    assert win.contains(created)
    assert not win.contains(created - datetime.timedelta(days=1))


@given(st.integers(min_value=2000, max_value=2080), days, st.sampled_from([int, str]))
def test_a_year_field_counts_from_the_first_of_january_after_it(year, day, kind):
    ln = line(date_field="year", months=12)
    win = rules.window(ln, {"year": kind(year)}, decision_date=day, created=day)
    assert win.counts_from == datetime.date(year + 1, 1, 1)
    assert win.counts_until == datetime.date(year + 2, 1, 1)
    assert win.contains(datetime.date(year + 1, 12, 31))
    assert not win.contains(datetime.date(year, 12, 31))
    assert rules.dated(ln, {"year": year}, decision_date=day, created=day) == (
        datetime.date(year, 12, 31),
        datetime.date(year + 1, 1, 1),
    )


@given(days, days)
def test_a_date_field_wins_over_the_decision_date(field_day, decided):
    ln = line(date_field="handled_on", months=None)
    win = rules.window(
        ln, {"handled_on": field_day.isoformat()}, decision_date=decided, created=decided
    )
    assert win.counts_from == field_day
    bad = rules.window(ln, {"handled_on": "not a date"}, decision_date=decided, created=decided)
    assert bad.counts_from == decided


@given(days, months, st.one_of(st.none(), days), st.one_of(st.none(), days), days)
def test_validity_and_publicity_end_the_window_the_day_after(start, n, valid_to, pub_end, day):
    win = rules.window(
        line(months=n),
        {},
        decision_date=start,
        created=start,
        valid_to=valid_to,
        publicity_end=pub_end,
    )
    by_months = n is None or day < rules.add_months(start, n)
    by_validity = valid_to is None or day <= valid_to
    by_publicity = pub_end is None or day <= pub_end
    assert win.contains(day) == (start <= day and by_months and by_validity and by_publicity)
    assert win.counts_until is None or win.counts_until >= win.counts_from


def test_a_window_ending_before_it_begins_never_counts():
    day = datetime.date(2026, 5, 1)
    win = rules.window(
        line(), {}, decision_date=day, created=day, valid_to=datetime.date(2026, 1, 1)
    )
    assert win == rules.Window(day, day)
    assert not win.contains(day)


@given(days, st.integers(min_value=0, max_value=240))
def test_add_months_keeps_the_day_or_the_months_last(day, n):
    later = rules.add_months(day, n)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == n
    month_end = (later + datetime.timedelta(days=1)).day == 1
    assert later.day == day.day or (later.day < day.day and month_end)


def test_parsing_of_year_and_date_values():
    assert rules.as_year(2024) == 2024
    assert rules.as_year(" 2024 ") == 2024
    assert rules.as_year("24") is None
    assert rules.as_year(True) is None
    assert rules.as_year(0) is None
    assert rules.as_year(1) == 1
    assert rules.as_year(9998) == 9998
    assert rules.as_year(9999) is None  # 1 January after it is no date
    assert rules.year_start(9998) == datetime.date(9999, 1, 1)
    assert rules.as_year(None) is None
    assert rules.as_date("2026-02-30") is None
    assert rules.as_date(" 2026-02-03 ") == datetime.date(2026, 2, 3)
    assert rules.as_date(datetime.date(2026, 2, 3)) == datetime.date(2026, 2, 3)
    assert rules.as_date(None) is None


# --- versions, score, history -------------------------------------------------------------


@given(st.lists(days, min_size=1, max_size=5, unique=True), days)
def test_the_version_in_force_is_the_latest_effective_on_or_before_the_day(starts, day):
    versions = [rules.Version(id=n, code=f"v{n}", effective_from=d) for n, d in enumerate(starts)]
    found = rules.version_at(versions, day)
    earlier = [v for v in versions if v.effective_from <= day]
    if earlier:
        assert found == max(earlier, key=lambda v: v.effective_from)
    else:
        assert found == min(versions, key=lambda v: v.effective_from)


def test_no_version_no_rules():
    assert rules.version_at([], datetime.date(2026, 1, 1)) is None


def test_a_version_is_in_force_from_its_effective_date():
    first = rules.Version(id=1, code="a", effective_from=datetime.date(2026, 1, 1))
    second = rules.Version(id=2, code="b", effective_from=datetime.date(2026, 3, 1))
    assert rules.version_at([second, first], datetime.date(2026, 3, 1)) == second
    assert rules.version_at([second, first], datetime.date(2026, 2, 28)) == first
    assert rules.version_at([second, first], datetime.date(2025, 12, 31)) == first


@given(st.lists(st.tuples(days, months, st.integers(-200, 20)), max_size=8), days)
def test_the_score_is_the_base_plus_the_windows_containing_the_day(records, day):
    scored = [
        (rules.window(line(months=n), {}, decision_date=d, created=d), pts) for d, n, pts in records
    ]
    expected = 500 + sum(p for w, p in scored if w.contains(day))
    assert rules.score_at(500, scored, day) == expected


@given(days, days)
def test_history_runs_from_the_first_record_year_to_this_year(first, today):
    years = rules.history(first, today)
    assert years[-1] == (today.year, today)
    assert [y for y, _ in years] == list(range(years[0][0], today.year + 1))
    assert all(as_of == datetime.date(y, 12, 31) for y, as_of in years[:-1])
    assert years[0][0] == max(min(first.year, today.year), today.year - rules.MAX_HISTORY_YEARS + 1)


# --- the rules file's checks --------------------------------------------------------------


def test_a_rules_file_with_problems_is_refused_with_each_problem():
    assert rules.check_rules_file([]) == ["规则文件须为含 rulesets 列表的 JSON 对象"]
    doc = {
        "rulesets": [
            {
                "code": "a",
                "name": "甲",
                "effective_from": "2026-01-01",
                "grade_b_min": 600,
                "rules": [
                    {
                        "item": "cs-discipline",
                        "label": "x",
                        "field": "result",
                        "value": "警告",
                        "points": "-50",
                    },
                    {
                        "item": "cs-discipline",
                        "label": "y",
                        "field": "result",
                        "value": "警告",
                        "points": -50,
                        "months": -1,
                    },
                    {"item": "nope", "label": "z", "value": "v", "points": 1},
                    {"label": "no item"},
                    "text",
                ],
            },
            {"code": "b", "name": "乙", "effective_from": "2026-01-01"},
            {"code": "c", "name": "丙", "effective_from": "2026-13-01"},
            {"name": "no code"},
        ]
    }
    problems = rules.check_rules_file(doc, items={"cs-discipline"})
    text = "\n".join(problems)
    for expected in (
        "等级下限",
        "分值 points 须为整数",
        "计分期限 months",
        "重复",
        "目录项 nope 不存在",
        "有字段值而无判定字段",
        "缺少目录项",
        "格式不正确",
        "与其他版本相同",
        "须为 YYYY-MM-DD",
        "缺少 code 或 name",
    ):
        assert expected in text, expected
    assert len(problems) == 11


def test_the_rules_file_becomes_versions_with_numbered_lines():
    doc = {
        "rulesets": [
            {
                "code": "a",
                "name": "甲",
                "effective_from": "2026-01-01",
                "rules": [
                    {"item": "i", "label": "一", "points": -10},
                    {
                        "item": "j",
                        "label": "二",
                        "field": "result",
                        "value": "优秀",
                        "points": 20,
                        "date_field": "year",
                        "months": 12,
                    },
                ],
            },
            {
                "code": "b",
                "name": "乙",
                "effective_from": "2027-01-01",
                "base": 600,
                "grade_a_min": 600,
                "grade_b_min": 550,
                "grade_c_min": 400,
                "rules": [{"item": "i", "label": "三", "points": -30, "months": 0}],
            },
            {"code": "c", "name": "丙", "effective_from": "2028-01-01"},
        ]
    }
    first, second, third = rules.versions_from_file(doc)
    assert first == rules.Version(
        id=1,
        code="a",
        effective_from=datetime.date(2026, 1, 1),
        lines=(
            rules.Line(id=1, item="i", points=-10, label="一"),
            rules.Line(
                id=2,
                item="j",
                points=20,
                field="result",
                value="优秀",
                date_field="year",
                months=12,
                label="二",
            ),
        ),
    )
    assert (first.base, first.grade_a_min, first.grade_b_min, first.grade_c_min) == (
        500,
        500,
        451,
        351,
    )
    assert second == rules.Version(
        id=2,
        code="b",
        effective_from=datetime.date(2027, 1, 1),
        base=600,
        grade_a_min=600,
        grade_b_min=550,
        grade_c_min=400,
        lines=(rules.Line(id=3, item="i", points=-30, months=0, label="三"),),
    )
    assert third == rules.Version(id=3, code="c", effective_from=datetime.date(2028, 1, 1))
    assert rules.versions_from_file(DOC)[0] == SEED


def _ruleset(code: str, rules_: list | None = None, **extra) -> dict:
    return {
        "code": code,
        "name": code,
        "effective_from": "2026-01-01",
        "rules": rules_ or [],
        **extra,
    }


def test_the_rules_files_problems_name_where_they_are():
    doc = {
        "rulesets": [
            {"name": "无标识"},
            _ruleset(
                "a",
                [
                    "text",
                    {"item": "i", "label": "一", "points": 1, "months": "6"},
                    {"item": "j", "label": "二", "points": 1, "months": 0},
                ],
            ),
        ]
    }
    assert rules.check_rules_file(doc) == [
        "第1个规则版本缺少 code 或 name",
        "规则版本 a第1条格式不正确",
        "规则版本 a第2条的计分期限 months 须为非负整数或 null",
    ]
    bad_date = {"rulesets": [{"code": "d", "name": "丁", "effective_from": "2026-1-1"}]}
    assert rules.check_rules_file(bad_date) == [
        "规则版本 d的施行日期 effective_from 须为 YYYY-MM-DD"
    ]


@pytest.mark.parametrize(
    ("grades", "valid"),
    [
        ({}, True),
        ({"grade_a_min": 400}, False),
        ({"grade_a_min": 451}, False),
        ({"grade_c_min": 460}, False),
        ({"grade_c_min": 451}, False),
        ({"grade_c_min": 450}, True),
        ({"grade_b_min": "451"}, False),
    ],
)
def test_grade_thresholds_must_fall(grades, valid):
    problems = rules.check_rules_file({"rulesets": [_ruleset("g", **grades)]})
    assert (problems == []) == valid
    assert valid or problems == ["规则版本 g的等级下限须满足 A > B > C"]


def test_lines_are_duplicates_only_with_the_same_item_field_and_value():
    def dup(*lines) -> bool:
        problems = rules.check_rules_file({"rulesets": [_ruleset("x", list(lines))]})
        return any("重复" in p for p in problems)

    base = {"item": "i", "label": "甲", "points": 1}
    assert not dup({**base, "field": "a", "value": "x"}, {**base, "field": "b", "value": "x"})
    assert not dup({**base, "field": "a", "value": "x"}, {**base, "field": "a", "value": "y"})
    assert not dup(
        {**base, "field": "a", "value": "x"}, {**base, "item": "j", "field": "a", "value": "x"}
    )
    assert dup(dict(base), {**base, "field": "", "value": ""})
    assert dup({**base, "field": "a"}, {**base, "field": "a", "value": ""})
    assert dup({**base, "field": "a", "value": "x"}, {**base, "field": "a", "value": "x"})
