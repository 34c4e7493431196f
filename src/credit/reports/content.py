"""What a report says (报告内容): the frozen data a PDF and the HTML preview are rendered from.

An issued report stores :meth:`ReportContent.as_dict` as its snapshot; rendering reads only
this, so regenerating an issued report never changes what it says.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from typing import Any

#: Shown in a section that has no record.
EMPTY = "暂无记录"
#: The mark of a record under objection (异议处理中) at generation time.
UNDER_OBJECTION = "异议处理中"


@dataclass(frozen=True)
class ReportSection:
    """One numbered section: the catalog items it covers, the chosen fields as columns and a
    row per record (``marks[i]``: the i-th row is under objection)."""

    number: int
    title: str
    items: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    marks: tuple[bool, ...] = ()
    #: Lines of facts instead of a table (the basic-information section).
    facts: tuple[tuple[str, str], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.rows and not self.facts

    @property
    def heading(self) -> str:
        """「一、基本信息」: the number in Chinese and the title."""
        return f"{chinese_numeral(self.number)}、{self.title}"


@dataclass(frozen=True)
class ReportContent:
    """Everything printed on a report. Dates are ISO strings so the snapshot is plain JSON."""

    number: str
    title: str  # 企业信用报告 / 个人信用报告
    subject_name: str
    subject_code: str  # USCC, or the ID number (masked unless the person's own report)
    subject_kind: str  # legal / natural
    purpose: str
    template: str  # template name and version, e.g. "通用版（第3版）"
    issuer: str
    issued_on: str
    valid_until: str
    period_from: str
    period_to: str
    sources: tuple[str, ...] = ()
    sections: tuple[ReportSection, ...] = ()
    verify_url: str = ""
    watermark: str = ""
    notes: tuple[str, ...] = ()
    #: A preview (预览) before issue: no seal, no signature, watermarked 预览.
    preview: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportContent:
        data = dict(data)
        data["sections"] = tuple(
            ReportSection(
                number=s["number"],
                title=s["title"],
                items=tuple(s.get("items", ())),
                columns=tuple(s.get("columns", ())),
                rows=tuple(tuple(r) for r in s.get("rows", ())),
                marks=tuple(s.get("marks", ())),
                facts=tuple(tuple(f) for f in s.get("facts", ())),
            )
            for s in data.get("sections", ())
        )
        data["sources"] = tuple(data.get("sources", ()))
        data["notes"] = tuple(data.get("notes", ()))
        return cls(**data)

    @property
    def marked_rows(self) -> int:
        return sum(sum(1 for m in s.marks if m) for s in self.sections)


def iso(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


_NUMERALS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (beyond 99: the digits)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _NUMERALS[tens] + "十")
    return head + (_NUMERALS[ones] if ones else "")


def date_zh(value: str) -> str:
    """``2025-01-02`` → ``2025年1月2日``; anything else as it is."""
    try:
        day = datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value or ""
    return f"{day.year}年{day.month}月{day.day}日"
