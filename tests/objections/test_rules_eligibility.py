"""Repair eligibility (:mod:`credit.objections.rules.eligibility`): each reason, and
properties over generated facts."""

from __future__ import annotations

import datetime
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credit.catalog.constants import Category, PublicityMode
from credit.objections import rules
from credit.records.constants import RecordStatus, Severity

D = datetime.date
CJK = re.compile(r"[\u4e00-\u9fff]")

TODAY = D(2026, 11, 27)
POLICY = rules.RepairPolicy(excluded_items=frozenset({"dishonest-judgment-debtor"}), repeat_years=3)


def facts(**changes) -> rules.RepairFacts:
    base = {
        "item_code": "admin-penalty",
        "item_name": "行政处罚",
        "category": Category.DOUBLE_PUBLICITY,
        "publicity_mode": PublicityMode.SEVERITY,
        "severity": Severity.GENERAL,
        "status": RecordStatus.ACTIVE,
        "repair_from": D(2026, 8, 1),
        "other_serious_penalties": (),
    }
    return rules.RepairFacts(**{**base, **changes})


def codes(found: rules.Eligibility) -> list[str]:
    return [r.code for r in found.reasons]


def test_a_general_penalty_past_its_minimum_period_is_eligible():
    found = rules.repair_eligibility(facts(), POLICY, TODAY)
    assert found.eligible and found.as_dict() == {"eligible": True, "reasons": []}
    assert rules.repair_eligibility(facts(severity=Severity.SERIOUS), POLICY, TODAY).eligible


def test_a_black_or_attention_list_entry_is_eligible():
    for category in (Category.BLACK_LIST, Category.ATTENTION_LIST):
        entry = facts(
            item_code="major-tax-violation",
            category=category,
            publicity_mode=PublicityMode.VALIDITY,
            severity="",
        )
        assert rules.repair_eligibility(entry, POLICY, TODAY).eligible


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"category": Category.RED_LIST, "publicity_mode": PublicityMode.VALIDITY}, "red_list"),
        ({"severity": Severity.MINOR}, "severity_not_repairable"),
        ({"severity": ""}, "severity_not_repairable"),
        (
            {"category": Category.DOUBLE_PUBLICITY, "publicity_mode": PublicityMode.VALIDITY},
            "kind_not_repairable",
        ),
        ({"category": Category.BASIC, "publicity_mode": PublicityMode.NONE}, "kind_not_repairable"),
        ({"item_code": "dishonest-judgment-debtor"}, "item_excluded"),
        ({"status": RecordStatus.SUSPENDED}, "status_not_active"),
        ({"status": RecordStatus.EXPIRED}, "status_not_active"),
        ({"status": RecordStatus.REPAIRED}, "status_not_active"),
        ({"status": RecordStatus.REVOKED}, "status_not_active"),
        ({"repair_from": None}, "no_repair_date"),
        ({"repair_from": D(2026, 11, 28)}, "minimum_period"),
        ({"other_serious_penalties": (D(2024, 1, 5),)}, "repeat_offence"),
    ],
)
def test_each_reason_of_ineligibility(changes, code):
    found = rules.repair_eligibility(facts(**changes), POLICY, TODAY)
    assert not found.eligible
    assert codes(found) == [code]
    assert CJK.search(found.reasons[0].message)


def test_the_minimum_period_reason_names_the_date():
    found = rules.repair_eligibility(facts(repair_from=D(2027, 1, 3)), POLICY, TODAY)
    assert "2027年01月03日" in found.reasons[0].message


def test_repeat_offence_window_and_switch():
    old = facts(other_serious_penalties=(D(2023, 11, 26),))  # just over 3 years ago
    assert rules.repair_eligibility(old, POLICY, TODAY).eligible
    edge = facts(other_serious_penalties=(D(2023, 11, 27),))
    assert codes(rules.repair_eligibility(edge, POLICY, TODAY)) == ["repeat_offence"]
    off = rules.RepairPolicy(repeat_years=0)
    assert rules.repair_eligibility(edge, off, TODAY).eligible


def test_every_reason_is_returned_at_once():
    found = rules.repair_eligibility(
        facts(
            item_code="dishonest-judgment-debtor",
            status=RecordStatus.SUSPENDED,
            repair_from=D(2027, 1, 1),
            other_serious_penalties=(D(2026, 1, 1),),
        ),
        POLICY,
        TODAY,
    )
    assert codes(found) == [
        "item_excluded",
        "status_not_active",
        "minimum_period",
        "repeat_offence",
    ]


dates = st.dates(min_value=D(2015, 1, 1), max_value=D(2035, 12, 31))
fact_strategy = st.builds(
    rules.RepairFacts,
    item_code=st.sampled_from(["admin-penalty", "dishonest-judgment-debtor", "a-grade-taxpayer"]),
    item_name=st.just("目录项"),
    category=st.sampled_from([c.value for c in Category]),
    publicity_mode=st.sampled_from([m.value for m in PublicityMode]),
    severity=st.sampled_from([s.value for s in Severity]),
    status=st.sampled_from([s.value for s in RecordStatus]),
    repair_from=st.none() | dates,
    other_serious_penalties=st.lists(dates, max_size=3).map(tuple),
)
policy_strategy = st.builds(
    rules.RepairPolicy,
    excluded_items=st.frozensets(st.sampled_from(["admin-penalty", "dishonest-judgment-debtor"])),
    repeat_years=st.integers(min_value=0, max_value=5),
)


@settings(max_examples=300, deadline=None)
@given(fact_strategy, policy_strategy, dates)
def test_eligible_exactly_when_every_condition_holds(f, policy, today):
    found = rules.repair_eligibility(f, policy, today)
    penalty = rules.is_penalty(f.category, f.publicity_mode)
    since = rules.years_before(today, policy.repeat_years)
    expected = (
        (
            (penalty and f.severity in (Severity.GENERAL, Severity.SERIOUS))
            or (not penalty and f.category in (Category.BLACK_LIST, Category.ATTENTION_LIST))
        )
        and f.item_code not in policy.excluded_items
        and f.status == RecordStatus.ACTIVE
        and f.repair_from is not None
        and f.repair_from <= today
        and not (
            policy.repeat_years and any(since <= d <= today for d in f.other_serious_penalties)
        )
    )
    assert found.eligible == expected
    assert len(set(codes(found))) == len(found.reasons)
    assert all(CJK.search(r.message) for r in found.reasons)


@settings(max_examples=200, deadline=None)
@given(fact_strategy, policy_strategy, dates, st.integers(min_value=0, max_value=2000))
def test_waiting_never_makes_a_record_ineligible_without_new_penalties(f, policy, today, days):
    f = rules.RepairFacts(**{**f.__dict__, "other_serious_penalties": ()})
    if rules.repair_eligibility(f, policy, today).eligible:
        later = today + datetime.timedelta(days=days)
        assert rules.repair_eligibility(f, policy, later).eligible


@settings(max_examples=200, deadline=None)
@given(fact_strategy, policy_strategy, dates, st.sampled_from(["admin-penalty", "x"]))
def test_an_exclusion_only_adds_reasons(f, policy, today, extra):
    before = set(codes(rules.repair_eligibility(f, policy, today)))
    stricter = rules.RepairPolicy(policy.excluded_items | {extra}, policy.repeat_years)
    assert before <= set(codes(rules.repair_eligibility(f, stricter, today)))


@settings(max_examples=100, deadline=None)
@given(fact_strategy, policy_strategy, dates)
def test_red_lists_are_never_repairable(f, policy, today):
    red = rules.RepairFacts(**{**f.__dict__, "category": Category.RED_LIST})
    assert "red_list" in codes(rules.repair_eligibility(red, policy, today))
