"""Scoring rules (计分规则) of automatic indicators: from a metric's value to points.

Pure: no database, no clock. An indicator's ``formula`` (JSON) is one of:

- ``{"type": "ratio", "full_at": 100, "floor": 0}``: points × min(value, full_at) / full_at;
  a value below ``floor`` scores 0 (a negative value counts as 0);
- ``{"type": "thresholds", "steps": [[95, 3], [80, 2], [60, 1]]}``: the points of the first
  step whose minimum is ≤ the value (minima strictly descending, points not increasing, none
  above the indicator's points), else 0;
- ``{"type": "rank", "bands": [[0.2, 1.0], [0.5, 0.8], [1.0, 0.6]]}``: the unit's rank among
  the ``ranked`` units of its kind (:func:`competition_rank`), as a share rank/ranked; the
  first band whose share is ≥ it gives that fraction of the points; past the last band 0;
- ``{"type": "per_count", "each": 0.5}``: min(points, each × value).

Optional ``"when_none": "max" | "zero"``: the result when there is nothing to measure (value
None); by default the full points for an item (加分前的基本项: nothing to report is no fault),
zero for a bonus and a deduction.

Kinds: an ``item`` and a ``bonus`` score 0 … points; a ``deduction`` (扣分项) computes the
amount taken away the same way and returns it negative (−points … 0). Every result is
quantized to 2 places, half up (:func:`quantize`).
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)

CENT = Decimal("0.01")
HUNDRED = Decimal(100)

#: The formula types and the parameters each may carry (besides ``type`` and ``when_none``).
TYPES: dict[str, frozenset[str]] = {
    "ratio": frozenset({"full_at", "floor"}),
    "thresholds": frozenset({"steps"}),
    "rank": frozenset({"bands"}),
    "per_count": frozenset({"each"}),
}
TYPE_LABELS = {
    "ratio": "按比例",
    "thresholds": "分档",
    "rank": "按排名",
    "per_count": "按次数",
}
WHEN_NONE = ("max", "zero")
#: Indicator kinds that carry a formula.
SCORED_KINDS = ("item", "bonus", "deduction")


def quantize(d: Decimal) -> Decimal:
    """``d`` to 2 decimal places, half up."""
    return d.quantize(CENT, rounding=ROUND_HALF_UP)


def _number(value: Any) -> Decimal | None:
    """A JSON number as a Decimal; None for anything else (booleans included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    try:
        found = Decimal(str(value))
    except InvalidOperation:  # pragma: no cover - str() of a number always parses
        return None
    return found if found.is_finite() else None


def _pairs(value: Any) -> list[tuple[Decimal, Decimal]] | None:
    """A non-empty list of two-number lists, else None."""
    if not isinstance(value, list) or not value:
        return None
    found = []
    for pair in value:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            return None
        a, b = _number(pair[0]), _number(pair[1])
        if a is None or b is None:
            return None
        found.append((a, b))
    return found


def validate_formula(formula: dict, *, points: Decimal, kind: str) -> list[str]:
    """What is wrong with ``formula`` for an indicator of ``kind`` worth ``points``, in
    Chinese; an empty list when it is valid."""
    if kind not in SCORED_KINDS:
        return [] if not formula else ["考核内容（分组）的分值是下级指标的合计，不设计分公式"]
    if not isinstance(formula, dict):
        return ["计分公式应为JSON对象"]
    kind_of = formula.get("type")
    if kind_of not in TYPES:
        names = "、".join(f"{code}（{label}）" for code, label in TYPE_LABELS.items())
        return [f"计分公式类型应为{names}之一"]
    errors: list[str] = []
    unknown = sorted(set(formula) - TYPES[kind_of] - {"type", "when_none"})
    if unknown:
        errors.append(f"计分公式有不认识的参数：{'、'.join(map(str, unknown))}")
    if "when_none" in formula and formula["when_none"] not in WHEN_NONE:
        errors.append("无数据时的得分（when_none）应为max（满分）或zero（零分）")
    if points < 0:
        errors.append("分值不能为负数")
    if kind_of == "ratio":
        errors += _ratio_errors(formula)
    elif kind_of == "thresholds":
        errors += _threshold_errors(formula, points)
    elif kind_of == "rank":
        errors += _rank_errors(formula)
    else:
        each = _number(formula.get("each"))
        if each is None or each <= 0:
            errors.append("按次数计分的每次分值（each）应为正数")
    return errors


def _ratio_params(formula: dict) -> tuple[Decimal | None, Decimal | None]:
    """``full_at`` (default 100) and ``floor`` (default 0) of a ratio formula; None when
    not a number."""
    return _number(formula.get("full_at", 100)), _number(formula.get("floor", 0))


def _ratio_errors(formula: dict) -> list[str]:
    errors = []
    full_at, floor = _ratio_params(formula)
    full_ok = full_at is not None and full_at > 0
    if not full_ok:
        errors.append("满分对应的值（full_at）应为正数")
    if floor is None or floor < 0:
        errors.append("得分下限（floor）应为不小于0的数")
    elif full_ok and floor > full_at:
        errors.append("得分下限（floor）不能大于满分对应的值（full_at）")
    return errors


def _threshold_errors(formula: dict, points: Decimal) -> list[str]:
    steps = _pairs(formula.get("steps"))
    if steps is None:
        return ["分档（steps）应为非空列表，每档为[最低值, 得分]"]
    errors = []
    minima = [m for m, _ in steps]
    scores = [s for _, s in steps]
    if any(a <= b for a, b in itertools.pairwise(minima)):
        errors.append("分档应按最低值从高到低排列，且最低值不能重复")
    if any(a < b for a, b in itertools.pairwise(scores)):
        errors.append("较低档的得分不能高于较高档")
    if any(s < 0 for s in scores):
        errors.append("分档得分不能为负数")
    if any(s > points for s in scores):
        errors.append(f"分档得分不能超过指标分值{quantize(points)}分")
    return errors


def _rank_errors(formula: dict) -> list[str]:
    bands = _pairs(formula.get("bands"))
    if bands is None:
        return ["排名分段（bands）应为非空列表，每段为[名次占比, 得分比例]"]
    errors = []
    shares = [s for s, _ in bands]
    fractions = [f for _, f in bands]
    if any(s <= 0 or s > 1 for s in shares):
        errors.append("名次占比应大于0且不超过1")
    if any(a >= b for a, b in itertools.pairwise(shares)):
        errors.append("排名分段应按名次占比从小到大排列，且不能重复")
    if any(f < 0 or f > 1 for f in fractions):
        errors.append("得分比例应在0到1之间")
    if any(a < b for a, b in itertools.pairwise(fractions)):
        errors.append("名次靠后的分段得分比例不能高于靠前的分段")
    return errors


def needs_rank(formula: dict) -> bool:
    """True when the formula scores by rank (the units must be ranked first)."""
    return isinstance(formula, dict) and formula.get("type") == "rank"


def competition_rank(
    values: dict[K, Decimal | None], *, higher_is_better: bool = True
) -> dict[K, int | None]:
    """Standard competition ranks (1, 2, 2, 4) of ``values``; a None value has no rank."""
    present = [v for v in values.values() if v is not None]
    ranks: dict[K, int | None] = {}
    for key, value in values.items():
        if value is None:
            ranks[key] = None
            continue
        if higher_is_better:
            better = sum(1 for v in present if v > value)
        else:
            better = sum(1 for v in present if v < value)
        ranks[key] = better + 1
    return ranks


def _raw(formula: dict, value: Decimal, points: Decimal, rank: int | None, ranked: int | None):
    kind_of = formula.get("type")
    if kind_of == "ratio":
        full_at, floor = _ratio_params(formula)
        if full_at is None or full_at <= 0:  # not a valid formula: scored as full_at 100
            full_at = HUNDRED
        if floor is not None and value < floor:
            return Decimal(0)
        return points * min(max(value, Decimal(0)), full_at) / full_at
    if kind_of == "thresholds":
        for minimum, score in _pairs(formula.get("steps")) or []:
            if minimum <= value:
                return score
        return Decimal(0)
    if kind_of == "rank":
        if rank is None or not ranked:
            return Decimal(0)
        share = Decimal(rank) / Decimal(ranked)
        for limit, fraction in _pairs(formula.get("bands")) or []:
            if share <= limit:
                return points * fraction
        return Decimal(0)
    if kind_of == "per_count":
        each = _number(formula.get("each"))
        return each * value if each is not None else Decimal(0)
    raise ValueError(f"unknown formula type {kind_of!r}")


def points_for(
    formula: dict,
    value: Decimal | None,
    *,
    points: Decimal,
    kind: str,
    rank: int | None = None,
    ranked: int | None = None,
) -> Decimal:
    """The points of a unit whose metric is ``value`` (see the module's docstring): 0 …
    ``points`` for an item or a bonus, −``points`` … 0 for a deduction; quantized."""
    if value is None:
        when_none = formula.get("when_none")
        full = kind == "item" if when_none is None else when_none == "max"
        raw = points if full else Decimal(0)
    else:
        raw = _raw(formula, Decimal(value), points, rank, ranked)
    amount = quantize(min(max(raw, Decimal(0)), points))
    if kind == "deduction" and amount:
        return -amount
    return amount
