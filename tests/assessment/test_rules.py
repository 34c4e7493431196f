"""The scoring rules (credit.assessment.rules): exact points per formula type, the bounds and
monotonicity as properties, competition ranks, and the Chinese messages of a bad formula."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credit.assessment.rules import (
    competition_rank,
    needs_rank,
    points_for,
    quantize,
    validate_formula,
)

D = Decimal
RATIO = {"type": "ratio", "full_at": 100, "floor": 0}
STEPS = {"type": "thresholds", "steps": [[95, 3], [80, 2], [60, 1]]}
BANDS = {"type": "rank", "bands": [[0.2, 1.0], [0.5, 0.8], [1.0, 0.6]]}
PER = {"type": "per_count", "each": 0.5}

values = st.decimals(min_value=-50, max_value=500, places=2, allow_nan=False)
points_st = st.decimals(min_value=0, max_value=40, places=2, allow_nan=False)
kinds = st.sampled_from(["item", "bonus", "deduction"])


def formulas():
    ratio = st.builds(
        lambda full, floor: {"type": "ratio", "full_at": full, "floor": min(floor, full)},
        st.integers(1, 200),
        st.integers(0, 100),
    )
    per = st.builds(lambda e: {"type": "per_count", "each": e}, st.sampled_from([0.25, 0.5, 1, 2]))
    steps = st.lists(st.integers(0, 150), min_size=1, max_size=5, unique=True).map(
        lambda mins: {
            "type": "thresholds",
            "steps": [[m, 3 - i * 0.5] for i, m in enumerate(sorted(mins, reverse=True))],
        }
    )
    return st.one_of(ratio, per, steps)


# --------------------------------------------------------------------------------------------
# quantize
# --------------------------------------------------------------------------------------------


def test_quantize_rounds_half_up_to_two_places():
    assert quantize(D("1.005")) == D("1.01")
    assert quantize(D("1.004")) == D("1.00")
    assert quantize(D("-1.005")) == D("-1.01")
    assert str(quantize(D(2))) == "2.00"


# --------------------------------------------------------------------------------------------
# ratio
# --------------------------------------------------------------------------------------------


def test_ratio_gives_the_share_of_points():
    assert points_for(RATIO, D("85"), points=D(6), kind="item") == D("5.10")
    assert points_for(RATIO, D("100"), points=D(6), kind="item") == D("6.00")


def test_ratio_is_capped_at_full_at():
    formula = {"type": "ratio", "full_at": 90}
    assert points_for(formula, D("45"), points=D(8), kind="item") == D("4.00")
    assert points_for(formula, D("99"), points=D(8), kind="item") == D("8.00")


def test_ratio_below_the_floor_scores_nothing_and_at_the_floor_scores_its_share():
    formula = {"type": "ratio", "full_at": 100, "floor": 60}
    assert points_for(formula, D("59.99"), points=D(10), kind="item") == D("0.00")
    assert points_for(formula, D("60"), points=D(10), kind="item") == D("6.00")


def test_ratio_defaults_to_full_at_100_and_floor_0():
    assert points_for({"type": "ratio"}, D("50"), points=D(4), kind="item") == D("2.00")
    assert points_for({"type": "ratio"}, D("-5"), points=D(4), kind="item") == D("0.00")


def test_ratio_rounds_the_points_half_up():
    # 3 × 33.5 / 100 = 1.005 → 1.01
    assert points_for(RATIO, D("33.5"), points=D(3), kind="item") == D("1.01")


# --------------------------------------------------------------------------------------------
# thresholds
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("100", "3.00"), ("95", "3.00"), ("94.99", "2.00"), ("80", "2.00"), ("60", "1.00"),
     ("59.99", "0.00"), ("-1", "0.00")],
)  # fmt: skip
def test_thresholds_take_the_first_step_reached(value, expected):
    assert points_for(STEPS, D(value), points=D(3), kind="item") == D(expected)


def test_thresholds_never_exceed_the_indicator_points():
    formula = {"type": "thresholds", "steps": [[90, 5]]}
    assert points_for(formula, D(95), points=D(3), kind="item") == D("3.00")


# --------------------------------------------------------------------------------------------
# rank
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rank", "expected"),
    [(1, "10.00"), (2, "10.00"), (3, "8.00"), (5, "8.00"), (6, "6.00"), (10, "6.00")],
)
def test_rank_bands_give_a_fraction_by_rank_share(rank, expected):
    assert points_for(BANDS, D(1), points=D(10), kind="item", rank=rank, ranked=10) == D(expected)


def test_rank_past_the_last_band_scores_nothing():
    formula = {"type": "rank", "bands": [[0.5, 1]]}
    assert points_for(formula, D(1), points=D(4), kind="item", rank=3, ranked=4) == D("0.00")
    assert points_for(formula, D(1), points=D(4), kind="item", rank=2, ranked=4) == D("4.00")


def test_rank_without_a_rank_scores_nothing():
    assert points_for(BANDS, D(1), points=D(10), kind="item") == D("0.00")
    assert points_for(BANDS, D(1), points=D(10), kind="item", rank=1, ranked=0) == D("0.00")


def test_needs_rank_only_for_rank_formulas():
    assert needs_rank(BANDS)
    assert not needs_rank(RATIO)
    assert not needs_rank({})


# --------------------------------------------------------------------------------------------
# per_count, deductions, bonuses
# --------------------------------------------------------------------------------------------


def test_per_count_multiplies_up_to_the_points():
    assert points_for(PER, D(3), points=D(2), kind="bonus") == D("1.50")
    assert points_for(PER, D(4), points=D(2), kind="bonus") == D("2.00")
    assert points_for(PER, D(9), points=D(2), kind="bonus") == D("2.00")
    assert points_for(PER, D(0), points=D(2), kind="bonus") == D("0.00")


def test_a_deduction_is_returned_negative():
    assert points_for(PER, D(3), points=D(2), kind="deduction") == D("-1.50")
    assert points_for(PER, D(10), points=D(2), kind="deduction") == D("-2.00")


def test_a_deduction_of_nothing_is_plain_zero():
    found = points_for(PER, D(0), points=D(2), kind="deduction")
    assert found == 0 and not found.is_signed()


def test_unknown_formula_type_is_an_error_for_the_caller():
    with pytest.raises(ValueError):
        points_for({"type": "magic"}, D(1), points=D(1), kind="item")


# --------------------------------------------------------------------------------------------
# when_none
# --------------------------------------------------------------------------------------------


def test_nothing_to_measure_gives_an_item_full_points_by_default():
    assert points_for(RATIO, None, points=D(6), kind="item") == D("6.00")


def test_nothing_to_measure_gives_a_bonus_and_a_deduction_zero_by_default():
    assert points_for(PER, None, points=D(2), kind="bonus") == D("0.00")
    assert points_for(PER, None, points=D(2), kind="deduction") == D("0.00")


def test_when_none_overrides_the_default():
    assert points_for({**RATIO, "when_none": "zero"}, None, points=D(6), kind="item") == D("0.00")
    assert points_for({**PER, "when_none": "max"}, None, points=D(2), kind="bonus") == D("2.00")
    assert points_for({**PER, "when_none": "max"}, None, points=D(2), kind="deduction") == D(
        "-2.00"
    )


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(formula=formulas(), value=st.one_of(st.none(), values), points=points_st, kind=kinds)
def test_points_are_always_within_the_indicator_bounds(formula, value, points, kind):
    found = points_for(formula, value, points=points, kind=kind)
    if kind == "deduction":
        assert -points <= found <= 0
    else:
        assert 0 <= found <= points
    assert found == quantize(found)


@settings(max_examples=300, deadline=None)
@given(formula=formulas(), a=values, b=values, points=points_st)
def test_more_value_never_scores_less(formula, a, b, points):
    low, high = sorted([a, b])
    assert points_for(formula, low, points=points, kind="item") <= points_for(
        formula, high, points=points, kind="item"
    )
    # a deduction grows with the value: more taken away
    assert points_for(formula, low, points=points, kind="deduction") >= points_for(
        formula, high, points=points, kind="deduction"
    )


@settings(max_examples=200, deadline=None)
@given(
    ranked=st.integers(1, 40), data=st.data(), points=points_st,
)  # fmt: skip
def test_a_better_rank_never_scores_less(ranked, data, points):
    a = data.draw(st.integers(1, ranked))
    b = data.draw(st.integers(a, ranked))
    better = points_for(BANDS, D(1), points=points, kind="item", rank=a, ranked=ranked)
    worse = points_for(BANDS, D(1), points=points, kind="item", rank=b, ranked=ranked)
    assert better >= worse
    assert 0 <= worse <= better <= points


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.integers(0, 30), st.one_of(st.none(), st.integers(0, 5).map(D))))
def test_competition_ranks_count_the_strictly_better(values_by_key):
    ranks = competition_rank(values_by_key)
    for key, value in values_by_key.items():
        if value is None:
            assert ranks[key] is None
        else:
            better = [v for v in values_by_key.values() if v is not None and v > value]
            assert ranks[key] == len(better) + 1


# --------------------------------------------------------------------------------------------
# competition_rank
# --------------------------------------------------------------------------------------------


def test_competition_rank_shares_ties_and_skips():
    ranks = competition_rank({"a": D(90), "b": D(80), "c": D(80), "d": D(70), "e": None})
    assert ranks == {"a": 1, "b": 2, "c": 2, "d": 4, "e": None}


def test_competition_rank_lower_is_better():
    ranks = competition_rank({"a": D(0), "b": D(3), "c": D(0)}, higher_is_better=False)
    assert ranks == {"a": 1, "b": 3, "c": 1}


def test_competition_rank_of_nothing_is_empty():
    assert competition_rank({}) == {}


# --------------------------------------------------------------------------------------------
# validate_formula
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("formula", [RATIO, STEPS, BANDS, PER, {"type": "ratio"},
                                     {**RATIO, "when_none": "zero"}])  # fmt: skip
def test_valid_formulas_have_no_errors(formula):
    assert validate_formula(formula, points=D(3), kind="item") == []


def test_a_section_takes_no_formula():
    assert validate_formula({}, points=D(40), kind="section") == []
    assert validate_formula(RATIO, points=D(40), kind="section") == [
        "考核内容（分组）的分值是下级指标的合计，不设计分公式"
    ]


def test_a_formula_must_be_an_object_of_a_known_type():
    assert validate_formula([], points=D(1), kind="item") == ["计分公式应为JSON对象"]
    assert validate_formula({"type": "x"}, points=D(1), kind="item") == [
        "计分公式类型应为ratio（按比例）、thresholds（分档）、rank（按排名）、per_count（按次数）之一"
    ]


def test_unknown_parameters_and_when_none_are_named():
    errors = validate_formula({**RATIO, "cap": 1, "when_none": "half"}, points=D(1), kind="item")
    assert errors == [
        "计分公式有不认识的参数：cap",
        "无数据时的得分（when_none）应为max（满分）或zero（零分）",
    ]


def test_negative_points_are_refused():
    assert validate_formula(PER, points=D(-1), kind="bonus") == ["分值不能为负数"]


@pytest.mark.parametrize(
    ("formula", "errors"),
    [
        ({"type": "ratio", "full_at": 0}, ["满分对应的值（full_at）应为正数"]),
        ({"type": "ratio", "full_at": "100"}, ["满分对应的值（full_at）应为正数"]),
        ({"type": "ratio", "full_at": True}, ["满分对应的值（full_at）应为正数"]),
        ({"type": "ratio", "floor": -1}, ["得分下限（floor）应为不小于0的数"]),
        ({"type": "ratio", "full_at": 80, "floor": 90},
         ["得分下限（floor）不能大于满分对应的值（full_at）"]),
        ({"type": "ratio", "full_at": 80, "floor": 80}, []),
        ({"type": "per_count", "each": 0}, ["按次数计分的每次分值（each）应为正数"]),
        ({"type": "per_count"}, ["按次数计分的每次分值（each）应为正数"]),
    ],
)  # fmt: skip
def test_ratio_and_per_count_parameters_are_checked(formula, errors):
    assert validate_formula(formula, points=D(3), kind="item") == errors


@pytest.mark.parametrize(
    ("steps", "errors"),
    [
        ([], ["分档（steps）应为非空列表，每档为[最低值, 得分]"]),
        ([[95]], ["分档（steps）应为非空列表，每档为[最低值, 得分]"]),
        ([[95, "3"]], ["分档（steps）应为非空列表，每档为[最低值, 得分]"]),
        ("95:3", ["分档（steps）应为非空列表，每档为[最低值, 得分]"]),
        ([[80, 2], [95, 2]], ["分档应按最低值从高到低排列，且最低值不能重复"]),
        ([[80, 2], [80, 1]], ["分档应按最低值从高到低排列，且最低值不能重复"]),
        ([[95, 1], [80, 2]], ["较低档的得分不能高于较高档"]),
        ([[95, 3], [80, 3]], []),
        ([[95, 1], [80, -1]], ["分档得分不能为负数"]),
        ([[95, 4]], ["分档得分不能超过指标分值3.00分"]),
        ([[95, 3]], []),
    ],
)
def test_threshold_steps_are_checked(steps, errors):
    formula = {"type": "thresholds", "steps": steps}
    assert validate_formula(formula, points=D(3), kind="item") == errors


@pytest.mark.parametrize(
    ("bands", "errors"),
    [
        (None, ["排名分段（bands）应为非空列表，每段为[名次占比, 得分比例]"]),
        ([[0, 1]], ["名次占比应大于0且不超过1"]),
        ([[1.5, 1]], ["名次占比应大于0且不超过1"]),
        ([[1, 1]], []),
        ([[0.5, 1], [0.5, 0.5]], ["排名分段应按名次占比从小到大排列，且不能重复"]),
        ([[0.5, 1], [0.2, 0.5]], ["排名分段应按名次占比从小到大排列，且不能重复"]),
        ([[0.5, 1.1]], ["得分比例应在0到1之间"]),
        ([[0.5, -0.1]], ["得分比例应在0到1之间"]),
        ([[0.5, 0]], []),
        ([[0.5, 0.5], [1, 0.8]], ["名次靠后的分段得分比例不能高于靠前的分段"]),
        ([[0.5, 0.8], [1, 0.8]], []),
    ],
)
def test_rank_bands_are_checked(bands, errors):
    formula = {"type": "rank", "bands": bands}
    assert validate_formula(formula, points=D(3), kind="item") == errors


# --------------------------------------------------------------------------------------------
# Edges found by mutation testing
# --------------------------------------------------------------------------------------------


def test_infinite_numbers_are_not_numbers():
    assert validate_formula(
        {"type": "ratio", "full_at": float("inf")}, points=D(1), kind="item"
    ) == ["满分对应的值（full_at）应为正数"]


def test_every_unknown_parameter_is_named():
    errors = validate_formula({**PER, "cap": 1, "bonus": 2}, points=D(1), kind="item")
    assert errors == ["计分公式有不认识的参数：bonus、cap"]


def test_zero_and_fractional_points_are_allowed():
    assert validate_formula(PER, points=D(0), kind="item") == []
    assert validate_formula(PER, points=D("0.5"), kind="item") == []


@pytest.mark.parametrize(
    "formula",
    [{"type": "thresholds", "steps": [], "x": 1}, {"type": "rank", "bands": [], "x": 1},
     {"type": "ratio", "full_at": 0, "x": 1}],
)  # fmt: skip
def test_errors_of_every_part_are_reported_together(formula):
    assert len(validate_formula(formula, points=D(1), kind="item")) == 2


@pytest.mark.parametrize(
    ("formula", "errors"),
    [
        ({"type": "ratio", "full_at": 0.5}, []),
        ({"type": "ratio", "full_at": 1, "floor": 1}, []),
        ({"type": "ratio", "full_at": 1, "floor": 2},
         ["得分下限（floor）不能大于满分对应的值（full_at）"]),
        ({"type": "ratio", "full_at": 0, "floor": 5}, ["满分对应的值（full_at）应为正数"]),
        ({"type": "thresholds", "steps": [[95, 3], [80, 0]]}, []),
        ({"type": "thresholds", "steps": [[95, 0.5]]}, []),
    ],
)  # fmt: skip
def test_parameter_bounds_are_inclusive_where_they_should_be(formula, errors):
    assert validate_formula(formula, points=D(3), kind="item") == errors


def test_a_ratio_of_a_small_value_is_not_rounded_up_to_one():
    # 3 × 0.5 / 100 = 0.015 → 0.02
    assert points_for(RATIO, D("0.5"), points=D(3), kind="item") == D("0.02")


def test_a_ratio_with_an_unusable_full_at_scores_as_full_at_100():
    assert points_for({"type": "ratio", "full_at": 0}, D(50), points=D(4), kind="item") == D("2.00")
    assert points_for({"type": "ratio", "floor": "x"}, D(50), points=D(4), kind="item") == D("2.00")


def test_per_count_without_each_scores_nothing():
    assert points_for({"type": "per_count"}, D(3), points=D(2), kind="bonus") == D("0.00")


def test_the_unknown_type_is_named_in_the_error():
    with pytest.raises(ValueError, match="magic"):
        points_for({"type": "magic"}, D(1), points=D(1), kind="item")


def test_a_ratio_may_be_full_at_a_value_below_one():
    formula = {"type": "ratio", "full_at": 0.5}
    assert points_for(formula, D("0.25"), points=D(4), kind="item") == D("2.00")
