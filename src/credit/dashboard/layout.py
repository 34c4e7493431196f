"""The built-in 一张图: which dataset each panel shows, as which chart, where.

The same panels make the staff page (``/dashboard/``) and the wall screen
(``/dashboard/screen/``); a composed dashboard (:mod:`credit.boards`) chooses its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from credit.dashboard.datasets import GROUPS, catalogue


@dataclass(frozen=True)
class Panel:
    dataset: str
    chart: str
    area: str  # the screen's grid area (CSS class screen-<area>)
    title: str = ""  # the dataset's title when empty
    options: dict[str, Any] = field(default_factory=dict)


PANELS: list[Panel] = [
    Panel("collection_summary", "number", "l1"),
    Panel("collection_by_department", "bar", "l2", options={"horizontal": True, "top": 10}),
    Panel(
        "quality_ranking", "bar", "l3", options={"horizontal": True, "top": 10, "series": ["score"]}
    ),
    Panel("collection_trend", "line", "l4"),
    Panel("subjects_summary", "number", "c1"),
    Panel("district_overview", "map", "c2", options={"metric": "legal_persons"}),
    Panel("credit_trend", "line", "c3", options={"percent_axis": True}),
    Panel("legal_by_industry", "bar", "r1", options={"horizontal": True, "top": 10}),
    Panel("legal_by_kind", "pie", "r2"),
    Panel("legal_by_capital", "bar", "r3"),
    Panel("legal_by_age", "bar", "r4"),
    Panel("lists_in_force", "bar", "r5"),
    Panel("records_by_severity", "pie", "r6"),
    Panel("publicity_volume", "bar", "b1", options={"percent_axis": True}),
    Panel("checks_feedback", "bar", "b2"),
    Panel("objections_repairs", "bar", "b3"),
    Panel("api_calls", "line", "b4"),
    Panel("warnings_open", "table", "b5", options={"limit": 6}),
    Panel("batches_today", "table", "l5", options={"limit": 6}),
    Panel("legal_by_district", "bar", "c4"),
]


def panels_for(actor: Any) -> list[dict[str, Any]]:
    """The built-in panels the actor may see, grouped as the catalogue's groups are."""
    allowed = {d.code: d for d in catalogue(actor)}
    out = []
    for p in PANELS:
        dataset = allowed.get(p.dataset)
        if dataset is None:
            continue
        out.append(
            {
                "dataset": p.dataset,
                "chart": p.chart,
                "area": p.area,
                "title": p.title or dataset.title,
                "group": GROUPS[dataset.group],
                "group_code": dataset.group,
                "optional": dataset.optional,
                "options": p.options,
                "options_json": json.dumps(p.options, ensure_ascii=False),
            }
        )
    return out
