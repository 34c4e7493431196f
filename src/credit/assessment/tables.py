"""The data-quality report's tables (数据质量报告), written once for both of its files: the PDF
(:mod:`credit.assessment.pdf`) sets each :class:`Table` under its numbered heading, the
workbook (:func:`workbook`) writes each as a sheet. Shares (0–1) are :class:`Share` cells,
shown as percentages with two decimals under headers that say （%）."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from credit.core.http import xlsx_workbook


@dataclass(frozen=True)
class Share:
    """A share 0–1 (None: nothing to measure)."""

    value: float | None

    @property
    def percent(self) -> float | None:
        return None if self.value is None else round(self.value * 100, 2)

    def __str__(self) -> str:
        return "—" if self.value is None else f"{self.value * 100:.2f}"


@dataclass(frozen=True)
class Table:
    """One section: its sheet name, its heading in the PDF, the header row, the rows, and
    the columns' relative widths on the PDF's page."""

    sheet: str
    heading: str
    headers: list[str]
    rows: list[list[Any]]
    widths: tuple[float, ...]


_COUNTS = ["批次", "接收行数", "入库行数", "退回行数", "纠正后入库", "有效入库率（%）"]
_RATES = ["批次", "接收行数", "有效入库率（%）", "完整性（%）", "双公示及时率（%）", "综合得分"]


def _counts(x: dict[str, Any]) -> list[Any]:
    return [
        x["batches"],
        x["total"],
        x["accepted"],
        x["rejected"],
        x["corrected"],
        Share(x["accuracy"]),
    ]


def _rates(x: dict[str, Any]) -> list[Any]:
    return [
        x["batches"],
        x["volume"],
        Share(x["accuracy"]),
        Share(x["completeness"]),
        Share(x["timeliness"]),
        x["score"],
    ]


def example_text(example: dict[str, Any] | None) -> str:
    """An example row in one line: 批次 12 第 3 行：列=值，…（错误说明）."""
    if not example:
        return ""
    cells = "，".join(f"{h}={v}" for h, v in example["cells"] if v)
    text = f"批次 {example['batch_id']} 第 {example['row_no']} 行：{cells}"
    return f"{text}（{example['message']}）" if example.get("message") else text


def tables(figures: dict[str, Any], *, generated_at: datetime.datetime) -> list[Table]:
    """The report of ``figures`` (:func:`credit.assessment.services.quality.figures_for`) as
    its tables, in order."""
    v, r = figures["volumes"], figures["rates"]
    rank = figures.get("rank")
    summary: list[list[Any]] = [
        ["报告", figures["title"]],
        ["单位", figures["unit"]],
        ["范围", figures["scope_label"]],
        ["月份", figures["month_text"]],
        ["报送批次", v["batches"]],
        ["接收行数", v["total"]],
        ["入库行数", v["accepted"]],
        ["其中新增", v["inserted"]],
        ["其中更新", v["updated"]],
        ["其中未变化", v["unchanged"]],
        ["退回行数", v["rejected"]],
        ["纠正后入库", v["corrected"]],
        ["有效入库率（%）", Share(r["accuracy"])],
        ["完整性（%）", Share(r["completeness"])],
        ["双公示及时率（%）", Share(r["timeliness"])],
        ["综合得分", r["score"]],
    ]
    if rank:
        summary.append([f"在{rank['among_label']}中的排名", rank["rank"] or "未参与排名"])
        summary.append(["参与排名的单位数", rank["ranked"]])
    summary.append(["生成时间", f"{timezone.localtime(generated_at):%Y-%m-%d %H:%M}"])
    found = [
        Table("概况", "概况", ["项目", "数值"], summary, (2, 3)),
        Table(
            "报送渠道",
            "报送渠道",
            ["报送渠道", *_COUNTS],
            [[c["label"], *_counts(c)] for c in figures["by_channel"]],
            (3, 1.2, 1.6, 1.6, 1.6, 1.6, 2),
        ),
        Table(
            "目录项",
            "目录项",
            ["目录项", *_COUNTS],
            [[i["name"], *_counts(i)] for i in figures["by_item"]],
            (4, 1.2, 1.6, 1.6, 1.6, 1.6, 2),
        ),
        Table(
            "问题分类",
            "问题分类（单数据源、多数据源 × 结构级、记录级）",
            ["问题类别", "退回行数"],
            [[c["label"], c["rows"]] for c in figures["classes"]],
            (3, 2),
        ),
        Table(
            "主要问题",
            "主要问题及示例（示例已脱敏）",
            ["名次", "问题", "类别", "退回行数", "占接收行数（%）", "怎么改", "示例", "错误代码"],
            [
                [
                    n,
                    p["label"],
                    p["class_label"],
                    p["rows"],
                    Share(p["share"]),
                    p["fix"],
                    example_text(p["example"]),
                    p["code"],
                ]
                for n, p in enumerate(figures["problems"], start=1)
            ],
            (0.8, 2, 1.5, 1.1, 1.3, 3, 4.3, 1.6),
        ),
        Table(
            "近6个月趋势",
            "近6个月趋势",
            ["月份", *_RATES],
            [[t["month_text"], *_rates(t)] for t in figures["trend"]],
            (2, 1, 1.4, 1.6, 1.4, 1.6, 1.4),
        ),
    ]
    for key, label in (("departments", "部门排名"), ("districts", "辖市区排名")):
        rows = (figures.get("ranking") or {}).get(key) or []
        if rows:
            found.append(
                Table(
                    label,
                    label,
                    ["名次", "单位", *_RATES],
                    [[x["rank"], x["name"], *_rates(x)] for x in rows],
                    (0.8, 3.2, 0.8, 1.2, 1.4, 1.4, 1.4, 1.2),
                )
            )
    return found


def workbook(figures: dict[str, Any], *, generated_at: datetime.datetime) -> bytes:
    """The report as a workbook, one sheet per table; shares as percentage numbers."""
    return xlsx_workbook(
        (
            t.sheet,
            t.headers,
            [[c.percent if isinstance(c, Share) else c for c in row] for row in t.rows],
        )
        for t in tables(figures, generated_at=generated_at)
    )
