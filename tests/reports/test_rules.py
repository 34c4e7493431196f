"""The pure rules of credit reports (:mod:`credit.reports.rules`): what a template may hold, the
period a report covers, numbers and codes, the four-eyes rule, authorisations in force, the
status a verifier reads and the digest of a record's content. No database."""

from __future__ import annotations

import calendar
import datetime
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credit.reports import rules
from credit.reports.constants import LEGAL_FACTS, NATURAL_FACTS, ReportStatus

DAY = datetime.date(2026, 12, 6)
ITEMS = {
    "admin-penalty": {"document_no": "决定文书号", "penalty_content": "处罚内容"},
    "admin-license": {"document_no": "许可文书号"},
}
days = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2100, 12, 31))
#: The report tests' autouse fixture (keys in a temporary folder) is function-scoped; these
#: properties read nothing of it.
PROPERTY = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def basic(title="基本信息", facts=("uscc",)):
    return {"kind": "basic", "title": title, "facts": list(facts)}


def records(title="行政处罚", items=(("admin-penalty", ("document_no",)),)):
    return {
        "kind": "records",
        "title": title,
        "items": [{"code": code, "fields": list(fields)} for code, fields in items],
    }


def problems(sections, subject_type="legal"):
    return rules.check_sections(sections, subject_type=subject_type, item_fields=ITEMS)


# --- what a template may hold -------------------------------------------------------------


def test_a_template_with_basic_facts_and_public_fields_is_valid():
    assert problems([basic(), records()]) == []
    assert problems([basic(facts=("id_number", "region"))], subject_type="natural") == []


def test_the_facts_offered_depend_on_the_subject_type():
    assert rules.facts_for("legal") is LEGAL_FACTS
    assert rules.facts_for("natural") is NATURAL_FACTS
    assert problems([basic(facts=("uscc",))], subject_type="natural") == [
        "第1章（基本信息）没有基本信息项“uscc”"
    ]


@pytest.mark.parametrize("sections", [[], None, "基本信息", {"kind": "basic"}])
def test_a_template_needs_a_list_of_sections(sections):
    assert problems(sections) == ["模板至少需要一个章节"]


@pytest.mark.parametrize(
    ("sections", "found"),
    [
        ([basic(title="")], "第1章缺少标题"),
        ([basic(title="  ")], "第1章缺少标题"),
        ([basic(title="题" * 31)], "第1章标题超过30个字"),
        ([basic(), records(title="基本信息")], "第2章标题“基本信息”重复"),
        ([basic(facts=())], "第1章（基本信息）至少选择一项基本信息"),
        ([{"kind": "basic", "title": "基本信息", "facts": "uscc"}], "至少选择一项基本信息"),
        ([basic(facts=("nonsense",))], "第1章（基本信息）没有基本信息项“nonsense”"),
        ([records(items=())], "第1章（行政处罚）至少选择一个目录项"),
        ([records(items=(("unknown", ("x",)),))], "的目录项“unknown”不存在、已停用或不适用"),
        ([records(items=(("admin-penalty", ()),))], "的目录项“admin-penalty”至少选择一个字段"),
        ([records(items=(("admin-penalty", ("secret",)),))], "没有可公开的字段“secret”"),
        ([{"kind": "chart", "title": "图表"}], "第1章（图表）类型不正确"),
        (["基本信息"], "第1章格式不正确"),
        (
            [records(), records(title="处罚二")],
            "目录项“admin-penalty”出现在多个章节",
        ),
    ],
)
def test_each_problem_of_a_template_is_named(sections, found):
    found_all = problems(sections)
    assert any(found in p for p in found_all), found_all


def test_a_template_has_at_most_twenty_sections_and_thirty_items_a_section():
    many = [basic(title=f"第{n}节") for n in range(rules.MAX_SECTIONS + 1)]
    assert "章节不能超过20个" in problems(many)
    assert "章节不能超过20个" not in problems(many[:-1])
    items = {f"item-{n}": {"f": "字段"} for n in range(rules.MAX_ITEMS + 1)}
    section = {
        "kind": "records",
        "title": "很多",
        "items": [{"code": code, "fields": ["f"]} for code in items],
    }
    found = rules.check_sections([section], subject_type="legal", item_fields=items)
    assert found == ["第1章（很多）目录项不能超过30个"]
    section["items"] = section["items"][:-1]
    assert rules.check_sections([section], subject_type="legal", item_fields=items) == []


def test_an_entry_that_is_not_an_object_is_an_unknown_item():
    section = {"kind": "records", "title": "行政处罚", "items": ["admin-penalty"]}
    assert problems([section]) == ["第1章（行政处罚）的目录项“None”不存在、已停用或不适用"]


# --- the period ------------------------------------------------------------------------------


@PROPERTY
@given(today=days, months=st.integers(min_value=1, max_value=120))
def test_the_default_period_is_whole_months_back_to_today(today, months):
    start, end = rules.default_period(today, months)
    assert end == today and start < today
    assert (today.year * 12 + today.month) - (start.year * 12 + start.month) == months
    # The same day of the month, or the last day of a shorter month.
    assert start.day == min(today.day, calendar.monthrange(start.year, start.month)[1])
    assert rules.check_period(start, end, today=today, months=months) is None
    earlier = start - datetime.timedelta(days=1)
    assert rules.check_period(earlier, end, today=today, months=months) == (
        f"信息时段不能超过模板规定的{months}个月"
    )


def test_the_default_period_ends_a_shorter_month_on_its_last_day():
    assert rules.default_period(datetime.date(2026, 3, 31), 1)[0] == datetime.date(2026, 2, 28)
    assert rules.default_period(datetime.date(2024, 3, 31), 1)[0] == datetime.date(2024, 2, 29)
    assert rules.default_period(datetime.date(2026, 1, 15), 1)[0] == datetime.date(2025, 12, 15)
    assert rules.default_period(datetime.date(2026, 12, 31), 12)[0] == datetime.date(2025, 12, 31)


def test_a_period_ends_by_today_and_starts_before_it_ends():
    assert rules.check_period(DAY, DAY - datetime.timedelta(days=1), today=DAY, months=12) == (
        "信息时段的起始日期不能晚于截止日期"
    )
    tomorrow = DAY + datetime.timedelta(days=1)
    assert rules.check_period(DAY, tomorrow, today=DAY, months=12) == "信息时段不能晚于今天"
    assert rules.check_period(DAY, DAY, today=DAY, months=12) is None


# --- numbers and codes ---------------------------------------------------------------------


def test_a_report_number_is_xy_the_date_and_eight_digits():
    numbers = {rules.new_number(DAY) for _ in range(50)}
    assert all(re.fullmatch(r"XY20261206\d{8}", n) for n in numbers)
    assert len(numbers) > 45  # random, not a sequence


def test_a_reissue_is_numbered_after_the_first():
    assert rules.reissue_number("XY2026120612345678", 1) == "XY2026120612345678"
    assert rules.reissue_number("XY2026120612345678", 0) == "XY2026120612345678"
    assert rules.reissue_number("XY2026120612345678", 2) == "XY2026120612345678-2"
    assert rules.reissue_number("XY2026120612345678", 3) == "XY2026120612345678-3"


def test_codes_use_the_unambiguous_alphabet():
    assert not set("01ILO") & set(rules.CODE_ALPHABET)
    code = rules.new_code()
    assert len(code) == rules.CODE_LENGTH == 8 and set(code) <= set(rules.CODE_ALPHABET)
    assert len(rules.new_code(rules.VERIFY_CODE_LENGTH)) == 10


@PROPERTY
@given(st.text(max_size=60))
def test_a_typed_code_is_read_without_spaces_upper_case_and_bounded(typed):
    code = rules.normalize_code(typed)
    assert not any(ch.isspace() for ch in code) and len(code) <= 32
    assert code == code.upper()


def test_normalizing_a_code():
    assert rules.normalize_code(" ab cd\t12 ") == "ABCD12"
    assert rules.normalize_code(None) == ""
    assert rules.normalize_code("x" * 40) == "X" * 32


# --- four eyes, authorisation, status, digest ----------------------------------------------


def test_the_second_review_needs_a_third_person():
    refuse = rules.approval_refusal
    assert refuse(approver_id=None, reviewer_id=1, entered_by_id=2) == "复核须由审核人员完成"
    assert "初审人" in refuse(approver_id=1, reviewer_id=1, entered_by_id=None)
    assert "录入申请" in refuse(approver_id=2, reviewer_id=1, entered_by_id=2)
    assert refuse(approver_id=3, reviewer_id=1, entered_by_id=2) is None
    assert refuse(approver_id=3, reviewer_id=1, entered_by_id=None) is None


def test_an_authorisation_holds_within_its_days_unless_revoked():
    holds = rules.authorisation_in_force
    span = {"valid_from": DAY, "valid_to": DAY + datetime.timedelta(days=30)}
    assert holds(**span, revoked=False, today=DAY)
    assert holds(**span, revoked=False, today=DAY + datetime.timedelta(days=30))
    assert not holds(**span, revoked=False, today=DAY - datetime.timedelta(days=1))
    assert not holds(**span, revoked=False, today=DAY + datetime.timedelta(days=31))
    assert not holds(**span, revoked=True, today=DAY)


def test_the_status_a_verifier_reads():
    label = rules.status_label
    assert label(ReportStatus.VALID, DAY, DAY) == "有效"
    assert label(ReportStatus.VALID, DAY - datetime.timedelta(days=1), DAY) == "已过期"
    assert label(ReportStatus.SUPERSEDED, DAY, DAY) == "已更新"
    assert label(ReportStatus.REVOKED, DAY - datetime.timedelta(days=9), DAY) == "已撤销"


def test_a_digest_reads_the_content_not_the_order_of_its_keys():
    a = rules.digest({"a": 1, "b": "处罚"})
    assert a == rules.digest({"b": "处罚", "a": 1})
    assert a != rules.digest({"a": 2, "b": "处罚"})
    assert re.fullmatch(r"[0-9a-f]{64}", a)
    assert rules.digest({"d": DAY}) == rules.digest({"d": "2026-12-06"})


def test_every_section_is_checked_after_a_problem():
    found = problems(
        [
            {"kind": "chart", "title": "图表"},
            "基本信息",
            records(title="空", items=()),
            basic(facts=()),
            basic(title="甲", facts=("nonsense",)),
            records(title="乙", items=(("unknown", ("x",)), ("admin-penalty", ("secret",)))),
            records(title="丙", items=(("admin-license", ()), ("admin-penalty", ("nope",)))),
        ]
    )
    assert found == [
        "第1章（图表）类型不正确",
        "第2章格式不正确",
        "第3章（空）至少选择一个目录项",
        "第4章（基本信息）至少选择一项基本信息",
        "第5章（甲）没有基本信息项“nonsense”",
        "第6章（乙）的目录项“unknown”不存在、已停用或不适用",
        "第6章（乙）的目录项“admin-penalty”没有可公开的字段“secret”",
        "第7章（丙）的目录项“admin-license”至少选择一个字段",
        "目录项“admin-penalty”出现在多个章节",
        "第7章（丙）的目录项“admin-penalty”没有可公开的字段“nope”",
    ]


def test_a_title_is_required_and_may_have_thirty_characters():
    assert problems([{"kind": "basic", "facts": ["uscc"]}]) == ["第1章缺少标题"]
    assert problems([basic(title="题" * 30)]) == []


def test_the_four_eyes_refusals_say_why():
    refuse = rules.approval_refusal
    assert refuse(approver_id=1, reviewer_id=1, entered_by_id=None) == (
        "复核人不能是初审人：同一人不能完成两道审核"
    )
    assert refuse(approver_id=2, reviewer_id=1, entered_by_id=2) == "录入申请的人员不能复核该申请"


def test_the_digest_is_the_sha256_of_the_sorted_json_with_chinese_kept():
    # (Surviving mutants here and in _days_in are equivalent: ensure_ascii=None is False, and
    # the last day of December is the 31st whichever year the next January is taken from.)
    import hashlib

    text = '{"a": 1, "b": "处罚"}'
    assert rules.digest({"b": "处罚", "a": 1}) == hashlib.sha256(text.encode()).hexdigest()
