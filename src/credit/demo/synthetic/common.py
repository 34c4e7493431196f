"""What every generator of synthetic Changzhou shares: the fixed day the data is as of
(:data:`TODAY`), the sizes of the data set (:data:`SCALES`) and a weighted choice."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

TODAY = datetime.date(2026, 11, 1)  # fixed, so the data set does not change from day to day


@dataclass(frozen=True)
class Scale:
    legal_persons: int
    natural_persons: int
    records: int


SCALES = {
    "small": Scale(legal_persons=3_000, natural_persons=2_000, records=9_000),
    "large": Scale(legal_persons=1_000_000, natural_persons=300_000, records=5_000_000),
}


def weighted(rng: random.Random, options: list, weight_index: int):
    """One of ``options`` (tuples), drawn with the weights at ``weight_index``."""
    weights = [o[weight_index] for o in options]
    return rng.choices(options, weights=weights)[0]
