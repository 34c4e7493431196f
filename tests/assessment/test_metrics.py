"""The assessment metrics on small known data sets: exact values, counts and export rows; the
working-day calendar around the 2026 National Day holiday; a district summing its departments
and not another district's; revoked records left out; None when nothing is measured; and a
number of queries that does not grow with the targets."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credit.assessment import metrics
from credit.assessment.metrics import Measure, Target, department_q, target_of
from credit.assessment.periods import parse_period
from credit.core.models import Department
from credit.core.workdays import WorkdayCalendar, library_covers
from tests.assessment.factories import (
    at,
    dept,
    make_batch,
    make_call,
    make_check,
    make_natural,
    make_objection,
    make_record,
)

pytestmark = pytest.mark.django_db

D = Decimal
date = datetime.date
Q3 = parse_period("2026Q3")
Q4 = parse_period("2026Q4")


def department(code: str) -> Target:
    d = dept(code)
    return Target("department", d.pk, d.region_id, d.name)


def district(code: str) -> Target:
    return Target("district", None, code, code)


@pytest.fixture
def units():
    """Targets by name: the city market supervision (a city department), 天宁区 market
    supervision, the district 天宁区, and 新北区 (nothing reported)."""
    return {
        "scjg": department("SCJG"),
        "tnq_scjg": department("TNQ-SCJG"),
        "tnq": district("320402"),
        "xbq": district("320411"),
    }


def measure(code: str, units: dict) -> dict[str, Measure]:
    found = metrics.measure(code, list(units.values()), Q3)
    return {name: found[t] for name, t in units.items()}


def export(code: str, target: Target, span=Q3) -> tuple[list[str], list[list]]:
    headers, rows = metrics.rows(code, target, span)
    return headers, list(rows)


def fix_today(monkeypatch, day: date) -> None:
    monkeypatch.setattr("credit.assessment.metrics.base.today", lambda: day)


# --------------------------------------------------------------------------------------------
# Registry and targets
# --------------------------------------------------------------------------------------------


def test_the_registry_has_the_thirteen_metrics_of_the_design():
    assert [code for code, _ in metrics.choices()] == [
        "reporting_channel",
        "reporting_volume",
        "publicity_timeliness",
        "monthly_reporting",
        "valid_entry_rate",
        "normativity",
        "list_reports",
        "objection_timeliness",
        "overdue_objections",
        "check_feedback_rate",
        "commitment_coverage",
        "interface_calls",
        "portal_publicity",
    ]
    assert metrics.get("publicity_timeliness").name == "双公示报送及时率"
    assert not metrics.get("overdue_objections").higher_is_better
    assert all(m.definition and m.unit for m in metrics.METRICS.values())
    with pytest.raises(KeyError):
        metrics.get("nonsense")


def test_a_target_is_compared_without_its_label():
    assert Target("department", 3, "320400", "甲") == Target("department", 3, "320400", "乙")
    assert len({Target("district", None, "320402", "a"), Target("district", None, "320402")}) == 1


def test_target_of_a_unit_and_the_rows_it_selects():
    from credit.assessment.models import Unit

    d = dept("TNQ-SCJG")
    unit = Unit(kind="department", department=d, region_id=d.region_id, name=d.name)
    assert target_of(unit) == Target("department", d.pk, "320402")
    assert target_of(unit).label == d.name
    district_unit = Unit(kind="district", region_id="320402", name="天宁区")
    assert target_of(district_unit) == Target("district", None, "320402")
    july = at(date(2026, 7, 1))
    for code in ("TNQ-SCJG", "TNQ-FG", "ZLQ-SCJG", "SCJG"):
        make_batch("admin-penalty", code, july)
    from credit.ingest.models import Batch

    def reporters(target: Target) -> set[str]:
        return set(
            Batch.objects.filter(department_q(target)).values_list("department__code", flat=True)
        )

    assert reporters(target_of(district_unit)) == {"TNQ-SCJG", "TNQ-FG"}
    assert reporters(target_of(unit)) == {"TNQ-SCJG"}
    assert department_q(target_of(unit), "check_ref__department").children == [
        ("check_ref__department_id", d.pk)
    ]


# --------------------------------------------------------------------------------------------
# 双公示报送及时率
# --------------------------------------------------------------------------------------------


def test_the_calendar_knows_2026_and_the_national_day_holiday():
    assert library_covers(2026)
    calendar = WorkdayCalendar(date(2026, 9, 1), date(2026, 10, 31))
    # decided Friday 25 September: 28, 29, 30 Sep, 8, 9, 10 (Saturday, 调休), 12 Oct
    assert calendar.deadline(date(2026, 9, 25), 7) == date(2026, 10, 12)
    assert calendar.deadline(date(2026, 7, 1), 7) == date(2026, 7, 10)


@pytest.fixture
def publicity(units):
    """双公示 records decided in 2026 Q3 (and around it)."""
    person = make_natural("王小明")
    return {
        # 7 working days after Wednesday 1 July end on Friday 10 July: on time
        "july": make_record("admin-penalty", "SCJG", decided=date(2026, 7, 1),
                            arrived=at(date(2026, 7, 10), 18), subject=person),
        # before National Day: the 7th working day is 12 October
        "on_time": make_record("admin-license", "SCJG", decided=date(2026, 9, 25),
                               arrived=at(date(2026, 10, 12), 23)),
        # 13 October 07:00 in Beijing is still 12 October in UTC: late all the same
        "late": make_record("admin-penalty", "SCJG", decided=date(2026, 9, 25),
                            arrived=at(date(2026, 10, 13), 7)),
        "revoked": make_record("admin-penalty", "SCJG", decided=date(2026, 8, 3),
                               arrived=at(date(2026, 9, 30)), status="revoked"),
        "june": make_record("admin-penalty", "SCJG", decided=date(2026, 6, 30),
                            arrived=at(date(2026, 7, 1))),
        "not_dp": make_record("a-grade-taxpayer", "SCJG", decided=date(2026, 8, 3),
                              arrived=at(date(2026, 12, 1))),
        "tnq": make_record("admin-penalty", "TNQ-SCJG", decided=date(2026, 8, 3),
                           arrived=at(date(2026, 8, 4))),
        "tnq_fg": make_record("admin-license", "TNQ-FG", decided=date(2026, 8, 10),
                              arrived=at(date(2026, 9, 30))),
        "zlq": make_record("admin-penalty", "ZLQ-SCJG", decided=date(2026, 8, 3),
                           arrived=at(date(2026, 8, 4))),
    }  # fmt: skip


def test_publicity_timeliness_counts_working_days_by_the_official_calendar(units, publicity):
    found = measure("publicity_timeliness", units)
    assert found["scjg"] == Measure(
        D("66.67"), 2, 3, "本期决定的双公示信息共3条，其中2条在7个工作日内报送。"
    )
    assert (found["tnq_scjg"].value, found["tnq_scjg"].numerator) == (D("100.00"), 1)
    # the district: its market supervision on time, its credit office late; not 钟楼区's
    assert (found["tnq"].value, found["tnq"].numerator, found["tnq"].denominator) == (
        D("50.00"), 1, 2,
    )  # fmt: skip
    assert found["xbq"] == Measure(
        None, 0, 0, "本期决定的双公示信息共0条，其中0条在7个工作日内报送。"
    )


def test_publicity_timeliness_rows_are_the_records_counted(units, publicity):
    headers, rows = export("publicity_timeliness", units["scjg"])
    assert headers == ["决定文书号", "目录项", "主体名称", "报送部门", "决定日期", "入库日期",
                       "报送期限", "是否及时"]  # fmt: skip
    assert [r[0] for r in rows] == [publicity[k].document_no for k in ("july", "on_time", "late")]
    assert rows[0][2] == "王**"  # a natural person's name is masked
    assert [r[4:] for r in rows] == [
        ["2026-07-01", "2026-07-10", "2026-07-10", "是"],
        ["2026-09-25", "2026-10-12", "2026-10-12", "是"],
        ["2026-09-25", "2026-10-13", "2026-10-12", "否"],
    ]
    assert len(export("publicity_timeliness", units["tnq"])[1]) == 2


# --------------------------------------------------------------------------------------------
# 门户网站专栏公示率
# --------------------------------------------------------------------------------------------


def test_portal_publicity_is_the_share_of_records_due_that_the_portal_shows(units, monkeypatch):
    fix_today(monkeypatch, date(2026, 12, 6))
    decided = date(2026, 8, 3)
    shown = make_record("admin-penalty", "SCJG", decided=decided)
    shared = make_record("admin-penalty", "SCJG", decided=decided, usage_scope="shared")
    suspended = make_record("admin-license", "SCJG", decided=decided, status="suspended")
    later = make_record("admin-penalty", "SCJG", decided=decided,
                        publicity_start=date(2027, 1, 1))  # fmt: skip
    # not due on the portal: revoked, not published by the policy, past validity or publicity
    make_record("admin-penalty", "SCJG", decided=decided, status="revoked")
    make_record("admin-penalty", "SCJG", decided=decided, publishable=False)
    make_record("admin-license", "SCJG", decided=decided, valid_to=date(2026, 9, 30))
    make_record("admin-penalty", "SCJG", decided=decided, publicity_end=date(2026, 12, 5))
    make_record("admin-penalty", "SCJG", decided=date(2026, 10, 1))
    make_record("admin-penalty", "TNQ-SCJG", decided=decided)

    found = measure("portal_publicity", units)
    assert found["scjg"] == Measure(
        D("25.00"), 1, 4, "本期决定且仍应公示的双公示信息共4条，目前在门户网站专栏公示1条。"
    )
    assert found["tnq"].value == D("100.00")
    assert found["xbq"].value is None

    headers, rows = export("portal_publicity", units["scjg"])
    assert headers[-2:] == ["是否在门户公示", "未公示原因"]
    by_doc = {r[0]: r[-2:] for r in rows}
    assert by_doc == {
        shown.document_no: ["是", ""],
        shared.document_no: ["否", "信息使用范围为“政务共享”"],
        suspended.document_no: ["否", "异议处理中，暂停公示"],
        later.document_no: ["否", "公示起始日为2027-01-01"],
    }


# --------------------------------------------------------------------------------------------
# 红黑名单报送
# --------------------------------------------------------------------------------------------


def test_list_reports_count_red_and_black_entries_received_in_the_span(units):
    # 1 July 00:30 in Beijing is 30 June in UTC: inside the quarter
    black = make_record("dishonest-judgment-debtor", "TNQ-SCJG", arrived=at(date(2026, 7, 1), 0))
    red = make_record("a-grade-taxpayer", "TNQ-SCJG", arrived=at(date(2026, 9, 30), 23))
    make_record("dishonest-judgment-debtor", "TNQ-SCJG", arrived=at(date(2026, 8, 1)),
                status="revoked")  # fmt: skip
    make_record("commitment-breach", "TNQ-SCJG", arrived=at(date(2026, 8, 1)))  # attention list
    make_record("customs-aeo", "TNQ-SCJG", arrived=at(date(2026, 6, 30), 23))
    make_record("customs-aeo", "TNQ-SCJG", arrived=at(date(2026, 10, 1), 0))
    make_record("customs-aeo", "TNQ-FG", arrived=at(date(2026, 8, 1)))
    make_record("customs-aeo", "ZLQ-SCJG", arrived=at(date(2026, 8, 1)))

    found = measure("list_reports", units)
    assert found["tnq_scjg"] == Measure(
        D(2), 2, None, "本期新入库红名单信息1条、黑名单信息1条（已撤销的不计）。"
    )
    assert found["tnq"].value == D(3)
    assert found["scjg"].value == D(0) and found["xbq"].value == D(0)
    headers, rows = export("list_reports", units["tnq_scjg"])
    assert headers[4:] == ["名单类别", "决定日期", "入库时间", "状态"]
    assert [(r[0], r[4], r[6]) for r in rows] == [
        (black.document_no, "黑名单", "2026-07-01 00:00"),
        (red.document_no, "红名单", "2026-09-30 23:00"),
    ]
    assert len(export("list_reports", units["tnq"])[1]) == 3


# --------------------------------------------------------------------------------------------
# Batches: 报送渠道, 有效入库率, 数据规范率
# --------------------------------------------------------------------------------------------


def test_reporting_channel_levels(units):
    july = at(date(2026, 7, 15))
    make_batch("quality-dishonest", "SCJG", july, channel="api")
    make_batch("quality-dishonest", "SCJG", july, channel="upload")
    make_batch("admin-penalty", "TNQ-SCJG", july, channel="upload")
    # an interface batch whose rows were all rejected, and a refused file: no channel
    make_batch("admin-penalty", "TNQ-SCJG", july, channel="api", inserted=0, rejected=5)
    make_batch("admin-penalty", "TNQ-SCJG", july, channel="api", status="failed")
    make_batch("admin-penalty", "TNQ-FG", july, channel="cli", unchanged=3, inserted=0)
    make_batch("admin-penalty", "ZLQ-SCJG", july, channel="api")
    make_batch("admin-penalty", "TNQ-FG", at(date(2026, 10, 1), 0), channel="api")

    found = measure("reporting_channel", units)
    assert found["scjg"] == Measure(
        D(2), 1, 2, "本期数据被接收的报送批次共2个，其中通过接口推送的1个。"
    )
    assert (found["tnq_scjg"].value, found["tnq"].value) == (D(1), D(1))
    assert (found["tnq"].numerator, found["tnq"].denominator) == (0, 2)
    assert found["xbq"].value == D(0)
    headers, rows = export("reporting_channel", units["tnq"])
    assert headers == ["批次号", "报送部门", "目录项", "报送渠道", "接收时间", "接收条数",
                       "是否接口报送"]  # fmt: skip
    assert sorted((r[3], r[5], r[6]) for r in rows) == [("命令行", 3, "否"), ("页面上传", 1, "否")]


@pytest.fixture
def batches():
    july = at(date(2026, 7, 15))
    return [
        make_batch("admin-penalty", "TNQ-SCJG", july, inserted=8, updated=1, unchanged=1,
                   rejected=10, corrected=2),
        make_batch("admin-penalty", "TNQ-SCJG", july, inserted=5, corrected=1),
        make_batch("admin-penalty", "TNQ-SCJG", july, inserted=0, rejected=7, status="failed"),
        make_batch("admin-penalty", "TNQ-SCJG", at(date(2026, 10, 1), 0), inserted=9),
        make_batch("admin-license", "TNQ-FG", july, inserted=5),
        make_batch("admin-license", "ZLQ-SCJG", july, inserted=1, rejected=99),
    ]  # fmt: skip


def test_valid_entry_rate_is_accepted_over_all_rows_of_done_batches(units, batches):
    found = measure("valid_entry_rate", units)
    assert found["tnq_scjg"] == Measure(
        D("60.00"), 15, 25, "本期报送数据共25条，其中有效入库15条。"
    )
    assert (found["tnq"].value, found["tnq"].numerator, found["tnq"].denominator) == (
        D("66.67"), 20, 30,
    )  # fmt: skip
    assert found["xbq"].value is None and found["scjg"].value is None


def test_normativity_is_the_share_of_accepted_rows_needing_no_correction(units, batches):
    found = measure("normativity", units)
    assert found["tnq_scjg"] == Measure(
        D("80.00"),
        12,
        15,
        "本期有效入库数据共15条，其中无需纠正即符合规范的12条（经自动纠正后入库3条）。",
    )
    assert (found["tnq"].value, found["tnq"].numerator, found["tnq"].denominator) == (
        D("85.00"), 17, 20,
    )  # fmt: skip
    assert found["xbq"].value is None


def test_entry_rows_add_up_to_the_figures(units, batches):
    headers, rows = export("valid_entry_rate", units["tnq"])
    assert headers[5:] == ["总行数", "有效入库", "退回", "经纠正后入库", "无需纠正"]
    assert len(rows) == 3
    assert sum(r[5] for r in rows) == 30 and sum(r[6] for r in rows) == 20
    assert sum(r[9] for r in rows) == 17


# --------------------------------------------------------------------------------------------
# 其他信用信息按月报送
# --------------------------------------------------------------------------------------------


def test_monthly_reporting_counts_months_with_other_credit_information(units, monkeypatch):
    make_batch("quality-dishonest", "SCJG", at(date(2026, 7, 31), 23))
    make_batch("admin-penalty", "SCJG", at(date(2026, 8, 5)))  # 双公示: not counted
    make_batch("quality-dishonest", "SCJG", at(date(2026, 8, 6)), inserted=0, rejected=3)
    make_batch("quality-dishonest", "SCJG", at(date(2026, 9, 2)))
    make_batch("cs-discipline", "TNQ-ZZB", at(date(2026, 8, 1), 0))

    found = measure("monthly_reporting", units)
    assert found["scjg"] == Measure(
        D("66.67"), 2, 3, "本期应按月报送3个月，其中2个月报送了双公示以外的信用信息。"
    )
    assert (found["tnq"].value, found["tnq"].numerator) == (D("33.33"), 1)
    assert found["tnq_scjg"].value == D("0.00")

    # on 15 August only July and August are due (the September batch is not counted)
    fix_today(monkeypatch, date(2026, 8, 15))
    found = measure("monthly_reporting", units)
    assert (found["scjg"].value, found["scjg"].numerator, found["scjg"].denominator) == (
        D("50.00"), 1, 2,
    )  # fmt: skip
    headers, rows = export("monthly_reporting", units["scjg"])
    assert headers == ["月份", "是否报送", "批次数", "有效入库条数"]
    assert rows == [["2026年7月", "是", 1, 1], ["2026年8月", "否", 0, 0]]

    fix_today(monkeypatch, date(2026, 6, 30))
    assert measure("monthly_reporting", units)["scjg"].value is None


# --------------------------------------------------------------------------------------------
# 数据报送量
# --------------------------------------------------------------------------------------------


def test_reporting_volume_counts_the_update_periods_reported(units):
    sw = department("SW")
    # 重大税收违法案件当事人 (monthly): July reported, August only rejected rows, September late
    # at night; A级纳税人 (yearly) ends in Q4, so it is not due in Q3
    make_batch("major-tax-violation", "SW", at(date(2026, 7, 3)))
    make_batch("major-tax-violation", "SW", at(date(2026, 8, 3)), inserted=0, rejected=2)
    make_batch("major-tax-violation", "SW", at(date(2026, 9, 30), 23))
    make_batch("major-tax-violation", "SW", at(date(2026, 9, 30), 22), status="failed")

    found = metrics.measure("reporting_volume", [sw, units["tnq"]], Q3)
    assert found[sw] == Measure(D("66.67"), 2, 3, "按目录更新周期本期应报送3期，实际报送2期。")
    # 天宁区's departments are source departments of irregular items only
    assert found[units["tnq"]] == Measure(None, 0, 0, "本期没有按固定周期应报送的目录项。")

    headers, rows = export("reporting_volume", sw)
    assert headers == ["目录项", "更新周期", "报送部门", "报送周期", "开始日期", "结束日期",
                       "是否报送"]  # fmt: skip
    assert [(r[0], r[3], r[6]) for r in rows] == [
        ("重大税收违法案件当事人", "2026年7月", "是"),
        ("重大税收违法案件当事人", "2026年8月", "否"),
        ("重大税收违法案件当事人", "2026年9月", "是"),
    ]


def test_a_yearly_item_is_due_in_the_quarter_its_year_ends(monkeypatch):
    fix_today(monkeypatch, date(2027, 1, 5))
    sw = department("SW")
    make_batch("a-grade-taxpayer", "SW", at(date(2026, 3, 20)))
    make_batch("major-tax-violation", "SW", at(date(2026, 11, 2)))
    found = metrics.measure("reporting_volume", [sw], Q4)[sw]
    # October, November, December of the monthly item and the year 2026 of the yearly one
    assert (found.value, found.numerator, found.denominator) == (D("50.00"), 2, 4)


def test_a_daily_item_is_due_on_each_working_day_before_today(monkeypatch):
    fix_today(monkeypatch, date(2026, 7, 8))
    fy = department("FY")
    # working days before 8 July: 1, 2, 3, 6, 7 July (失信被执行人 is daily; the monthly and
    # quarterly items of the court have not ended)
    make_batch("dishonest-judgment-debtor", "FY", at(date(2026, 7, 2)))
    make_batch("dishonest-judgment-debtor", "FY", at(date(2026, 7, 4)))  # Saturday
    make_batch("dishonest-judgment-debtor", "FY", at(date(2026, 7, 6)))
    make_batch("dishonest-judgment-debtor", "FY", at(date(2026, 7, 8)))  # today
    found = metrics.measure("reporting_volume", [fy], Q3)[fy]
    assert (found.value, found.numerator, found.denominator) == (D("40.00"), 2, 5)
    assert len(export("reporting_volume", fy)[1]) == 5


# --------------------------------------------------------------------------------------------
# Objections
# --------------------------------------------------------------------------------------------


def test_objection_timeliness_compares_the_beijing_date_with_the_deadline(units):
    due = date(2026, 8, 10)
    on_time = make_objection("TNQ-SCJG", status="verified", verify_due=due,
                             verified_at=at(due, 18))  # fmt: skip
    # 11 August 07:00 in Beijing is 10 August in UTC: late
    late = make_objection("TNQ-SCJG", status="verified", verify_due=due,
                          verified_at=at(date(2026, 8, 11), 7))  # fmt: skip
    make_objection("TNQ-SCJG", status="upheld", verify_due=due,
                   verified_at=at(date(2026, 10, 1), 0))  # fmt: skip
    make_objection("TNQ-SCJG", status="upheld", verified_at=at(due))  # no deadline: not counted
    make_objection("TNQ-FG", status="upheld", verify_due=due, verified_at=at(due))
    make_objection("ZLQ-SCJG", status="upheld", verify_due=due, verified_at=at(due, 23))

    found = measure("objection_timeliness", units)
    assert found["tnq_scjg"] == Measure(
        D("50.00"), 1, 2, "本期完成核实的异议共2件，其中1件在核实期限内完成。"
    )
    assert (found["tnq"].value, found["tnq"].denominator) == (D("66.67"), 3)
    assert found["scjg"].value is None
    headers, rows = export("objection_timeliness", units["tnq_scjg"])
    assert headers == ["受理编号", "核实部门", "核实期限", "核实时间", "是否按期"]
    assert [(r[0], r[4]) for r in rows] == [(on_time.number, "是"), (late.number, "否")]


def test_overdue_objections_are_open_unverified_and_past_their_deadline(units, monkeypatch):
    overdue = make_objection("TNQ-SCJG", status="verifying", verify_due=date(2026, 9, 29))
    make_objection("TNQ-SCJG", status="verifying", verify_due=date(2026, 9, 30))  # the last day
    make_objection("TNQ-SCJG", status="verified", verify_due=date(2026, 9, 1),
                   verified_at=at(date(2026, 9, 3)))  # fmt: skip
    make_objection("TNQ-SCJG", status="corrected", verify_due=date(2026, 9, 1))  # decided
    early = make_objection("TNQ-FG", status="verifying", verify_due=date(2026, 8, 1))
    make_objection("ZLQ-SCJG", status="verifying", verify_due=date(2026, 8, 1))

    found = measure("overdue_objections", units)
    assert found["tnq_scjg"] == Measure(
        D(1), 1, None, "截至2026年9月30日，超过核实期限仍未核实的异议1件。"
    )
    assert found["tnq"].value == D(2)
    assert found["scjg"].value == D(0) and found["xbq"].value == D(0)
    headers, rows = export("overdue_objections", units["tnq"])
    assert headers == ["受理编号", "核实部门", "状态", "核实期限", "超期天数"]
    assert [(r[0], r[4]) for r in rows] == [(early.number, 60), (overdue.number, 1)]

    # read before the quarter ends: as at today
    fix_today(monkeypatch, date(2026, 9, 15))
    found = measure("overdue_objections", units)
    assert (found["tnq_scjg"].value, found["tnq"].value) == (D(0), D(1))


# --------------------------------------------------------------------------------------------
# 核查反馈率
# --------------------------------------------------------------------------------------------


def test_check_feedback_rate_is_the_share_of_hits_with_feedback(units):
    july = at(date(2026, 7, 20))
    answered = make_check("TNQ-SCJG", checked=july, feedback=True)
    silent = make_check("TNQ-SCJG", checked=july)
    make_check("TNQ-SCJG", checked=july, result="clean")
    make_check("TNQ-SCJG", checked=at(date(2026, 10, 1), 0))
    make_check("TNQ-FG", checked=july, feedback=True)
    make_check("ZLQ-SCJG", checked=july)

    found = measure("check_feedback_rate", units)
    assert found["tnq_scjg"] == Measure(
        D("50.00"), 1, 2, "本期核查发现名单信息2次，其中1次反馈了措施实施情况。"
    )
    assert (found["tnq"].value, found["tnq"].numerator, found["tnq"].denominator) == (
        D("66.67"), 2, 3,
    )  # fmt: skip
    assert found["scjg"].value is None
    headers, rows = export("check_feedback_rate", units["tnq_scjg"])
    assert headers[-2:] == ["是否反馈", "反馈条数"]
    assert sorted((r[0], r[5], r[6]) for r in rows) == sorted(
        [(answered.number, "是", 1), (silent.number, "否", 0)]
    )


# --------------------------------------------------------------------------------------------
# 数据归集接口调用
# --------------------------------------------------------------------------------------------


def test_interface_calls_count_successful_calls_of_the_units_clients(units):
    july = at(date(2026, 7, 20))
    make_call("TNQ-SCJG", called=july, status=200)
    make_call("TNQ-SCJG", called=july, status=201)
    make_call("TNQ-SCJG", called=july, status=404)
    make_call("TNQ-SCJG", called=july, status=200, client_id=None)  # staff session
    make_call("TNQ-SCJG", called=at(date(2026, 10, 1), 0), status=200)
    make_call("TNQ-FG", called=july, status=204)
    make_call("ZLQ-SCJG", called=july, status=200)

    found = measure("interface_calls", units)
    assert found["tnq_scjg"] == Measure(D(2), 2, None, "本期部门接口调用方成功调用数据接口2次。")
    assert found["tnq"].value == D(3)
    assert found["scjg"].value == D(0)
    headers, rows = export("interface_calls", units["tnq"])
    assert headers == ["调用时间", "接口调用方", "调用部门", "方法", "接口", "状态码"]
    assert sorted(r[5] for r in rows) == [200, 201, 204]


# --------------------------------------------------------------------------------------------
# Bounded queries
# --------------------------------------------------------------------------------------------


def _queries(code: str, targets: list[Target]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        metrics.measure(code, targets, Q3)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("code", list(metrics.METRICS))
def test_measuring_every_unit_takes_as_many_queries_as_measuring_one(code):
    everyone = [department(d.code) for d in Department.objects.filter(kind="city")] + [
        district(code) for code in ("320402", "320404", "320411", "320412", "320413", "320481")
    ]
    one = [department("SW"), district("320402")]
    _queries(code, one)  # warm caches (the calendar library's year, content types)
    assert _queries(code, everyone) == _queries(code, one)


# --------------------------------------------------------------------------------------------
# 信用承诺覆盖率
# --------------------------------------------------------------------------------------------


def _expected_value(figures) -> Decimal | None:
    from fractions import Fraction

    shares = [
        min(Fraction(f.covered, f.total) / Fraction(str(f.target_ratio)), Fraction(1))
        for f in figures
        if f.total
    ]
    if not shares:
        return None
    mean = sum(shares, Fraction(0)) / len(shares) * 100
    return (Decimal(mean.numerator) / Decimal(mean.denominator)).quantize(Decimal("0.01"))


def test_commitment_coverage_agrees_with_the_coverage_page():
    from django.utils import timezone

    from credit.alerts.periods import span_of
    from credit.commitments.constants import Kind
    from credit.commitments.selectors.coverage import Scope, compute
    from tests.commitments.factories import item_of, make_commitment
    from tests.commitments.factories import make_subject as company

    span = span_of("quarter", timezone.localdate())
    day = min(span.last_day, timezone.localdate())
    for _ in range(3):
        make_commitment(Kind.VOLUNTARY, subject=company("320402"))
    company("320402")  # an operating company without a commitment
    make_commitment(Kind.VOLUNTARY, subject=company("320404"))
    make_commitment(Kind.NOTIFY, subject=company("320402"), item=item_of(Kind.NOTIFY, "SCJG"))
    scjg, tnq = department("SCJG"), district("320402")

    found = metrics.measure("commitment_coverage", [scjg, tnq, district("320411")], span)

    district_figures = compute(day, Scope(region="320402"))
    assert found[tnq].value == _expected_value(district_figures)
    assert found[tnq].denominator == sum(f.total for f in district_figures)
    assert found[tnq].numerator == sum(f.covered for f in district_figures)
    voluntary = next(f for f in district_figures if f.target == "voluntary")
    assert (voluntary.covered, voluntary.total) == (3, 5)  # the notify one has none

    items = [
        f
        for f in compute(day, Scope(departments=frozenset({scjg.department_id})))
        if f.target in ("notify", "tolerance")
    ]
    assert found[scjg].value == _expected_value(items)
    assert found[scjg].numerator == sum(f.covered for f in items) >= 1
    assert found[scjg].text.startswith(f"截至{day:%Y-%m-%d}，")

    headers, rows = export("commitment_coverage", tnq, span)
    assert headers == ["覆盖指标", "已覆盖", "应覆盖", "覆盖率（%）", "目标值（%）", "是否计入"]
    assert [(r[1], r[2]) for r in rows] == [(f.covered, f.total) for f in district_figures]


def test_commitment_coverage_is_none_when_there_is_nothing_to_cover():
    from credit.commitments.models import CommitmentItem

    CommitmentItem.objects.filter(department__code="TJ").delete()
    tj = department("TJ")
    assert metrics.measure("commitment_coverage", [tj], Q3)[tj].value is None
