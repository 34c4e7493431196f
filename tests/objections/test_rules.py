"""Pure rules: the objection and repair transition tables (every allowed and every forbidden
pair), the deadline table, repair eligibility (each reason, and properties), and the
applicant's identifiers."""

from __future__ import annotations

import datetime
import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credit.catalog.constants import Category, PublicityMode
from credit.core.access import Perm
from credit.core.errors import ValidationFailed
from credit.core.identifiers import make_resident_id, make_uscc
from credit.objections import rules
from credit.objections.constants import (
    Action,
    ObjectionStatus,
    RepairAction,
    RepairStatus,
    SubmitterKind,
)
from credit.records.constants import RecordStatus, Severity

S = ObjectionStatus
D = datetime.date
CJK = re.compile(r"[\u4e00-\u9fff]")

#: The workflow written out independently of the implementation: (status, action) → target.
EXPECTED = {
    (S.SUBMITTED, Action.ACCEPT): S.ACCEPTED,
    (S.SUBMITTED, Action.REFUSE): S.REFUSED,
    (S.SUBMITTED, Action.WITHDRAW): S.WITHDRAWN,
    (S.ACCEPTED, Action.ASSIGN): S.VERIFYING,
    (S.ACCEPTED, Action.WITHDRAW): S.WITHDRAWN,
    (S.VERIFYING, Action.REASSIGN): S.VERIFYING,
    (S.VERIFYING, Action.VERIFY): S.VERIFIED,
    (S.VERIFYING, Action.WITHDRAW): S.WITHDRAWN,
    (S.VERIFIED, Action.RETURN): S.VERIFYING,
    (S.VERIFIED, Action.CORRECT): S.CORRECTED,
    (S.VERIFIED, Action.REVOKE): S.REVOKED,
    (S.VERIFIED, Action.UPHOLD): S.UPHELD,
    (S.VERIFIED, Action.WITHDRAW): S.WITHDRAWN,
    (S.REFUSED, Action.CLOSE): S.CLOSED,
    (S.CORRECTED, Action.CLOSE): S.CLOSED,
    (S.REVOKED, Action.CLOSE): S.CLOSED,
    (S.UPHELD, Action.CLOSE): S.CLOSED,
    (S.WITHDRAWN, Action.CLOSE): S.CLOSED,
}
ACTIONS = [a for a in Action if a != Action.SUBMIT]
PAIRS = list(itertools.product(list(ObjectionStatus), ACTIONS))


@pytest.mark.parametrize(("status", "action"), [p for p in PAIRS if p in EXPECTED])
def test_an_allowed_transition_leads_to_its_target(status, action):
    assert rules.transition(status, action).target == EXPECTED[(status, action)]


@pytest.mark.parametrize(("status", "action"), [p for p in PAIRS if p not in EXPECTED])
def test_a_forbidden_transition_is_refused_with_a_chinese_message(status, action):
    with pytest.raises(ValidationFailed) as raised:
        rules.transition(status, action)
    assert raised.value.code == "transition_forbidden"
    assert ObjectionStatus(status).label in raised.value.message
    assert Action(action).label in raised.value.message
    assert raised.value.details == {"status": status, "action": action}


def test_the_table_has_exactly_the_expected_pairs():
    table = {
        (status, row.action): row.target
        for row in rules.TRANSITIONS.values()
        for status in row.sources
    }
    assert table == EXPECTED


def test_an_unknown_action_is_refused():
    with pytest.raises(ValidationFailed) as raised:
        rules.transition(S.SUBMITTED, "delete")
    assert raised.value.code == "transition_unknown"


def test_closed_is_final_and_every_status_is_reachable():
    assert rules.allowed_actions(S.CLOSED) == []
    reachable = {S.SUBMITTED} | {row.target for row in rules.TRANSITIONS.values()}
    assert reachable == set(ObjectionStatus)


def test_who_may_do_what():
    by_action = {row.action: row.perm for row in rules.TRANSITIONS.values()}
    assert by_action.pop(Action.VERIFY) == Perm.OBJECTION_VERIFY
    assert set(by_action.values()) == {Perm.OBJECTION_HANDLE}


def test_record_effects_of_the_transitions():
    effects = {row.action: row.effect for row in rules.TRANSITIONS.values()}
    assert effects[Action.ACCEPT] == rules.Effect.SUSPEND
    assert effects[Action.CORRECT] == rules.Effect.CORRECT
    assert effects[Action.REVOKE] == rules.Effect.REVOKE
    assert effects[Action.UPHOLD] == rules.Effect.RESTORE
    withdraw = rules.TRANSITIONS[Action.WITHDRAW]
    assert withdraw.effect_from(S.SUBMITTED) == rules.Effect.NONE  # never suspended
    assert withdraw.effect_from(S.VERIFYING) == rules.Effect.RESTORE


def test_reasons_required_and_public():
    for action in (Action.REFUSE, Action.CORRECT, Action.REVOKE, Action.UPHOLD):
        row = rules.TRANSITIONS[action]
        assert row.reason_required and row.reason_public
    assert rules.TRANSITIONS[Action.VERIFY].reason_required
    assert not rules.TRANSITIONS[Action.VERIFY].reason_public  # internal opinion
    assert not rules.TRANSITIONS[Action.ACCEPT].reason_required


@pytest.mark.parametrize(
    ("status", "action", "target"),
    [
        (RepairStatus.SUBMITTED, RepairAction.GRANT, RepairStatus.GRANTED),
        (RepairStatus.SUBMITTED, RepairAction.REFUSE, RepairStatus.REFUSED),
    ],
)
def test_repair_transitions_allowed(status, action, target):
    row = rules.transition(status, action, rules.REPAIR_TRANSITIONS)
    assert row.target == target and row.perm == Perm.REPAIR_REVIEW


@pytest.mark.parametrize(
    ("status", "action"),
    list(
        itertools.product(
            [RepairStatus.GRANTED, RepairStatus.REFUSED], [RepairAction.GRANT, RepairAction.REFUSE]
        )
    ),
)
def test_repair_transitions_forbidden(status, action):
    with pytest.raises(ValidationFailed) as raised:
        rules.transition(status, action, rules.REPAIR_TRANSITIONS)
    assert raised.value.code == "transition_forbidden"
    assert RepairStatus(status).label in raised.value.message


# --- deadlines --------------------------------------------------------------------------------


def test_deadlines_cite_their_source_and_are_marked_to_verify():
    for row in rules.DEADLINES:
        assert row.source and row.working_days > 0 and CJK.search(row.label)
        assert row.verified or "[to verify]" in row.source
    assert rules.deadline("objection.accept", D(2026, 5, 1)).working_days == 3
    assert rules.deadline("objection.verify", D(2026, 5, 1)).working_days == 10
    assert rules.deadline("objection.total", D(2026, 5, 1)).working_days == 15


def test_the_deadline_in_force_is_chosen_by_date():
    assert "令第58号" in rules.deadline("repair.review", D(2024, 1, 1)).source
    assert "令第36号" in rules.deadline("repair.review", D(2026, 4, 1)).source
    # before every row: the earliest
    assert "令第58号" in rules.deadline("repair.review", D(2020, 1, 1)).source
    with pytest.raises(KeyError):
        rules.deadline("nothing", D(2026, 1, 1))


def test_overdue_days():
    assert rules.overdue_days(None, D(2026, 5, 1)) == 0
    assert rules.overdue_days(D(2026, 5, 1), D(2026, 5, 1)) == 0
    assert rules.overdue_days(D(2026, 5, 1), D(2026, 5, 4)) == 3


# --- repair eligibility -----------------------------------------------------------------------

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


# --- identifiers --------------------------------------------------------------------------


def test_the_submitter_id_is_a_resident_id_or_a_uscc():
    number = make_resident_id("320402", D(1980, 5, 17), 7)
    assert rules.parse_submitter_id(f" {number.lower()} ") == (SubmitterKind.NATURAL, number)
    uscc = make_uscc("91", "320402", "12345678")
    assert rules.parse_submitter_id(uscc) == (SubmitterKind.LEGAL, uscc)
    rural = make_uscc("N2", "320402", "12345678")
    assert rules.parse_submitter_id(rural) == (SubmitterKind.LEGAL, rural)


@pytest.mark.parametrize(("value", "code"), [("", "id_required"), ("12345", "id_invalid")])
def test_a_bad_submitter_id_is_refused(value, code):
    with pytest.raises(ValidationFailed) as raised:
        rules.parse_submitter_id(value)
    assert raised.value.code == code and CJK.search(raised.value.message)


def test_a_resident_id_with_a_wrong_check_digit_gets_its_own_message():
    number = make_resident_id("320402", D(1980, 5, 17), 7)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as raised:
        rules.parse_submitter_id(wrong)
    assert raised.value.code == "id_invalid" and "校验" in raised.value.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
    ],
)
def test_mobile_numbers_are_normalised(value, expected):
    assert rules.normalize_phone(value) == expected


@pytest.mark.parametrize("value", ["", "0519-88881234", "12812345678", "1381234567", "abc"])
def test_other_phone_numbers_are_refused(value):
    with pytest.raises(ValidationFailed) as raised:
        rules.normalize_phone(value)
    assert raised.value.code == "phone_invalid"
