"""Each metric computed from constructed source rows on PostgreSQL, at the boundary of its
rule: one row fewer and the warning is not raised."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from credit.alerts import metrics, services
from credit.alerts.models import Warning
from credit.alerts.periods import span_of
from credit.core import workdays
from tests.alerts.conftest import at

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 20)  # a Friday
NOVEMBER = span_of("month", TODAY)


def _keys(rule) -> set[str]:
    return set(Warning.objects.filter(rule=rule).values_list("key", flat=True))


# --- 新增失信记录数 (ratio to the 12-month average) --------------------------------------------


def _history(make_record, subject, per_month: int = 2, department: str = "TNQ-SCJG"):
    for span in NOVEMBER.before(12):
        for _ in range(per_month):
            make_record("admin-penalty", department, subject, decided=span.start.replace(day=15))


@pytest.mark.parametrize(("this_month", "raised"), [(3, False), (4, True)])
def test_dishonesty_above_one_and_a_half_times_its_average(
    make_record, make_rule, legal_person, this_month, raised
):
    """Two records a month for a year: the average is 2, the bound 3; 3 is not above it."""
    _history(make_record, legal_person)
    for n in range(this_month):
        make_record(
            "admin-penalty", "TNQ-SCJG", legal_person, decided=datetime.date(2026, 11, 1 + n)
        )
    rule = make_rule("dishonesty_records", "district", "gt", ratio="1.5")
    services.evaluate(today=TODAY)
    assert _keys(rule) == ({"district:320402@2026-11"} if raised else set())
    if raised:
        w = Warning.objects.get(rule=rule)
        assert (w.region_id, w.department_id, w.value, w.threshold) == (
            "320402",
            None,
            Decimal(4),
            Decimal(3),
        )
        assert w.text.startswith(
            "天宁区2026年11月新增失信记录为4条，高于前12个月平均值2条的1.5倍（3条）"
        )
        assert w.evidence_url == (
            "/dashboard/records/?region=320402&dishonest=1&from=2026-11&to=2026-11"
        )
        assert w.period_label == "2026-11"


def test_dishonesty_counts_lists_and_penalties_by_the_subjects_district(
    make_record, legal_person, another_person
):
    """As the dashboards' map: list entries and records with a severity, by the district of
    the subject (a city department's record about a 钟楼区 company counts for 钟楼区)."""
    d = datetime.date(2026, 11, 3)
    make_record("admin-penalty", "TNQ-SCJG", legal_person, decided=d)
    make_record("dishonest-judgment-debtor", "FY", legal_person, decided=d)
    make_record("admin-license", "TNQ-SCJG", legal_person, decided=d)
    make_record("admin-penalty", "TNQ-SCJG", legal_person, decided=d, severity="")  # none
    make_record("admin-penalty", "TNQ-SCJG", legal_person, decided=d, status="revoked")
    make_record("admin-penalty", "TNQ-SCJG", legal_person, arrived=at(d))  # no decision date
    make_record("admin-penalty", "TNQ-SCJG", legal_person, decided=datetime.date(2026, 10, 31))
    make_record("admin-penalty", "SCJG", another_person(division="320404"), decided=d)
    found = metrics.get("dishonesty_records").observe("district", [NOVEMBER], TODAY)
    values = {o.entity: o.value for o in found}
    assert values["district:320402"] == 3
    assert values["district:320404"] == 1
    assert values["district:320411"] == 0  # every district is observed
    by_department = metrics.get("dishonesty_records").observe("department", [NOVEMBER], TODAY)
    values = {o.entity: o.value for o in by_department}
    assert (values["department:TNQ-SCJG"], values["department:FY"]) == (2, 1)
    city = metrics.get("dishonesty_records").observe("city", [NOVEMBER], TODAY)
    assert [o.value for o in city] == [4]
    assert city[0].evidence_url == "/dashboard/records/?dishonest=1&from=2026-11&to=2026-11"


def test_a_ratio_rule_without_history_raises_nothing(make_record, make_rule, legal_person):
    for _ in range(10):
        make_record("admin-penalty", "TNQ-SCJG", legal_person, decided=datetime.date(2026, 11, 2))
    rule = make_rule("dishonesty_records", "district", "gt", ratio="1.5")
    services.evaluate(today=TODAY)
    assert _keys(rule) == set()


def test_a_fixed_threshold_on_the_city(make_record, make_rule, legal_person):
    rule = make_rule("dishonesty_records", "city", "gte", threshold="2")
    make_record("admin-penalty", "SCJG", legal_person, decided=datetime.date(2026, 11, 2))
    services.evaluate(today=TODAY)
    assert _keys(rule) == set()
    make_record("admin-penalty", "SCJG", legal_person, decided=datetime.date(2026, 11, 3))
    services.evaluate(today=TODAY)
    assert _keys(rule) == {"city@2026-11"}
    assert Warning.objects.get(rule=rule).region_id == "320400"


# --- 双公示 7-working-day timeliness ------------------------------------------------------------


@pytest.mark.parametrize(("late", "raised"), [(1, False), (2, True)])
def test_timeliness_below_90_percent(make_record, make_rule, legal_person, late, raised):
    """Ten decisions: nine on time is 90 % (not below 90), eight is 80 %."""
    decided = datetime.date(2026, 11, 2)
    due = workdays.deadline(decided)
    for n in range(10):
        arrived = due + datetime.timedelta(days=1) if n < late else due
        make_record("admin-penalty", "TNQ-SCJG", legal_person, decided=decided,
                    arrived=at(arrived, 23))  # fmt: skip
    rule = make_rule("publicity_timeliness", "department", "lt", threshold="90")
    services.evaluate(today=TODAY)
    assert _keys(rule) == ({"department:TNQ-SCJG@2026-11"} if raised else set())
    if raised:
        w = Warning.objects.get(rule=rule)
        assert w.value == Decimal("80")
        assert "报送及时率为80%，低于阈值90%" in w.text
        assert "共10条，其中8条" in w.text
        assert w.evidence_url == "/ingest/quality/TNQ-SCJG/"


def test_timeliness_counts_the_working_days_of_the_official_calendar(make_record, legal_person):
    """Decided on the eve of 国庆: the deadline is counted in working days, not days."""
    decided = datetime.date(2026, 9, 30)
    due = workdays.deadline(decided)
    assert (due - decided).days > 7
    make_record("admin-license", "TNQ-SCJG", legal_person, decided=decided, arrived=at(due))
    make_record("admin-license", "TNQ-SCJG", legal_person, decided=decided,
                arrived=at(due + datetime.timedelta(days=1)))  # fmt: skip
    found = metrics.get("publicity_timeliness").observe(
        "department", [span_of("month", decided)], decided
    )
    values = {o.entity: o.value for o in found}
    assert values["department:TNQ-SCJG"] == Decimal("50.00")
    assert values["department:SCJG"] is None  # nothing decided: nothing to measure


# --- a source department that reported nothing ------------------------------------------------


def test_a_silent_source_department_is_warned_for_its_items_last_period(make_batch, make_rule):
    """重大税收违法 is monthly from 税务局: on 6 December, November is the period judged."""
    rule = make_rule("source_reports", "department", "lte", threshold="0")
    today = datetime.date(2026, 12, 6)
    make_batch("major-tax-violation", "SW", at(datetime.date(2026, 11, 5)), inserted=0, rejected=3)
    make_batch("major-tax-violation", "SW", at(datetime.date(2026, 12, 1)))  # this month's
    make_batch("major-tax-violation", "SW", at(datetime.date(2026, 11, 6)), status="failed")
    services.evaluate(today=today)
    key = "department:SW/item:major-tax-violation@2026-11"
    assert key in _keys(rule)
    w = Warning.objects.get(rule=rule, key=key)
    assert w.department.code == "SW"
    assert w.text.startswith(
        "税务局「重大税收违法案件当事人」2026年11月报送数据为0条，不高于阈值0条。"
    )
    assert w.evidence_url == (
        "/ingest/batches/?item=major-tax-violation&department=SW"
        "&date_from=2026-11-01&date_to=2026-11-30"
    )
    make_batch("major-tax-violation", "SW", at(datetime.date(2026, 11, 30), 23))
    summary = services.evaluate(today=today)
    w.refresh_from_db()
    assert (w.status, w.close_reason, w.auto_closed) == ("closed", "条件已解除", True)
    assert summary["closed"] >= 1


def test_a_daily_item_is_judged_on_the_last_working_day(make_batch):
    """失信被执行人 is daily from 法院: on Monday 7 December the period is Friday the 4th."""
    monday = datetime.date(2026, 12, 7)
    make_batch("dishonest-judgment-debtor", "FY", at(datetime.date(2026, 12, 5)))  # Saturday
    found = {o.entity: o for o in metrics.get("source_reports").observe("department", [], monday)}
    court = found["department:FY/item:dishonest-judgment-debtor"]
    assert (court.span.label, court.value) == ("2026-12-04", 0)
    make_batch("dishonest-judgment-debtor", "FY", at(datetime.date(2026, 12, 4)), inserted=5)
    found = {o.entity: o for o in metrics.get("source_reports").observe("department", [], monday)}
    assert found["department:FY/item:dishonest-judgment-debtor"].value == 5
    # Items updated irregularly are not judged
    assert not any("quality-dishonest" in key for key in found)


# --- objections past their deadline -------------------------------------------------------------


@pytest.fixture
def objection(admin_user, legal_person, resident_id_factory):
    from credit.objections import services as objections
    from credit.objections.uploads import Upload
    from tests.records.factories import penalty

    record = penalty(legal_person, "TNQ-SCJG", "天市监罚〔2026〕77号").record
    return objections.record_offline_objection(
        actor=admin_user,
        record=record,
        name="李四",
        id_number=resident_id_factory(),
        phone="13812345678",
        reason="本人未实施该违法行为。",
        files=[Upload("证明.pdf", b"%PDF-1.4\n%%EOF\n", "")],
    )


@pytest.mark.parametrize(("days_past", "raised"), [(0, False), (1, True)])
def test_objections_past_their_deadline(objection, make_rule, days_past, raised):
    from credit.objections.models import Objection

    today = datetime.date.today()
    Objection.objects.filter(pk=objection.pk).update(
        accept_due=today - datetime.timedelta(days=days_past)
    )
    rule = make_rule("overdue_objections", "department", "gt", threshold="0")
    services.evaluate(today=today)
    assert _keys(rule) == ({"department:TNQ-SCJG"} if raised else set())
    if raised:
        w = Warning.objects.get(rule=rule)
        assert w.value == 1
        assert w.evidence_url == "/objections/manage/?status=open&overdue=1&department=TNQ-SCJG"
        Objection.objects.filter(pk=objection.pk).update(status="refused")
        services.evaluate(today=today)
        w.refresh_from_db()
        assert w.status == "closed" and w.auto_closed


# --- a blacklisted subject that holds a valid licence ---------------------------------------------


@pytest.mark.parametrize(
    ("valid_to", "raised"),
    [(TODAY, True), (TODAY - datetime.timedelta(days=1), False), (None, True)],
)
def test_blacklisted_subject_with_a_valid_licence(
    make_record, make_rule, legal_person, valid_to, raised
):
    since = datetime.date(2024, 1, 1)
    make_record("admin-license", "TNQ-SCJG", legal_person, valid_to=valid_to, valid_from=since,
                arrived=at(since))  # fmt: skip
    make_record("dishonest-judgment-debtor", "FY", legal_person, arrived=at(TODAY),
                document_no="（2026）苏04执9号")  # fmt: skip
    rule = make_rule("blacklisted_licenses", "subject", "gte", threshold="1")
    services.evaluate(today=TODAY)
    key = f"legal:{legal_person.pk}@2026-11"
    assert _keys(rule) == ({key} if raised else set())
    if raised:
        w = Warning.objects.get(rule=rule)
        assert (w.legal_person_id, w.department.code, w.region_id) == (
            legal_person.pk,
            "FY",
            legal_person.region_id,
        )
        assert legal_person.name in w.text and "失信被执行人（法院，（2026）苏04执9号）" in w.text
        assert w.evidence_url == f"/subjects/legal/{legal_person.pk}/"


def test_a_blacklist_entry_of_an_earlier_month_or_a_revoked_licence_is_not_counted(
    make_record, make_rule, legal_person, another_person
):
    make_record("admin-license", "TNQ-SCJG", legal_person, status="revoked")
    make_record("dishonest-judgment-debtor", "FY", legal_person, arrived=at(TODAY))
    other = another_person()
    make_record("admin-license", "TNQ-SCJG", other)
    make_record("dishonest-judgment-debtor", "FY", other, arrived=at(datetime.date(2026, 10, 31)))
    rule = make_rule("blacklisted_licenses", "subject", "gte", threshold="1")
    services.evaluate(today=TODAY)
    assert _keys(rule) == set()


def test_a_natural_persons_name_is_masked_in_the_text(make_record, make_rule, resident_id_factory):
    from credit.subjects.services import register_natural_person

    person, _ = register_natural_person(actor=None, name="王小五", id_number=resident_id_factory())
    make_record("admin-license", "TNQ-SCJG", person)
    make_record("dishonest-judgment-debtor", "FY", person, arrived=at(TODAY))
    rule = make_rule("blacklisted_licenses", "subject", "gte", threshold="1")
    services.evaluate(today=TODAY)
    w = Warning.objects.get(rule=rule)
    assert "王小五" not in w.text and w.text.startswith("王**")
    assert w.natural_person_id == person.pk


def test_a_blacklist_entry_no_longer_in_force_counts_no_licence(
    make_record, make_rule, legal_person
):
    """The subject still holds a valid licence, but its black-list entry (listed this month)
    has already ended: the metric is 0 for it and nothing is raised."""
    make_record("admin-license", "TNQ-SCJG", legal_person)
    make_record("dishonest-judgment-debtor", "FY", legal_person, arrived=at(TODAY),
                valid_to=TODAY - datetime.timedelta(days=1))  # fmt: skip
    found = metrics.get("blacklisted_licenses").observe("subject", [NOVEMBER], TODAY)
    assert [(o.entity, o.value) for o in found] == [(f"legal:{legal_person.pk}", 0)]
    rule = make_rule("blacklisted_licenses", "subject", "gte", threshold="1")
    services.evaluate(today=TODAY)
    assert _keys(rule) == set()
