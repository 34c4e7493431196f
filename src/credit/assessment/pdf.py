"""The data-quality report as an A4 PDF (ReportLab, the reports' shipped Noto Sans SC font).

Layout: the title 「常州市公共信用信息数据质量报告（2026年11月）」 and the unit; then the
report's tables (:mod:`credit.assessment.tables`, the same as the workbook's sheets) under
numbered headings — 一、概况 (volumes and rates, the rank), 二、报送渠道, 三、目录项,
四、问题分类 (the cleaning taxonomy's classes), 五、主要问题 (each with its masked example),
六、近6个月趋势, 七、排名 (the city's and a district's reports); the generated time under the
title and 「第 X 页 共 Y 页」 on every page.

Every string is set in the embedded TrueType subset (:mod:`credit.reports.pdf.fonts`), so the
text of the PDF is extractable; tables' header rows repeat on every page.
"""

from __future__ import annotations

import datetime
import io
import re
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from credit.assessment.tables import tables
from credit.reports.pdf import fonts
from credit.reports.pdf.canvas import PagedCanvas

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
BODY_WIDTH = PAGE_WIDTH - 2 * MARGIN
INK = colors.HexColor("#1F2329")
GREY = colors.HexColor("#5F6670")
RULE = colors.HexColor("#B8BEC6")
HEAD_BG = colors.HexColor("#E8EEF5")
NUMERALS = "一二三四五六七八九十"
EMPTY = "—"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _style(
    size: float, *, bold: bool = False, text: str = "", color: Any = INK, align: int = 0
) -> ParagraphStyle:
    return ParagraphStyle(
        "q",
        fontName=fonts.face_for(text, bold=True) if bold else fonts.REGULAR,
        fontSize=size,
        leading=size * 1.45,
        wordWrap="CJK",
        textColor=color,
        alignment=align,
    )


def _p(value: Any, size: float = 9, **kw: Any) -> Paragraph:
    text = _CONTROL.sub("", "" if value is None else str(value))
    return Paragraph(escape(text).replace("\n", "<br/>"), _style(size, text=text, **kw))


def _table(headers: list[str], rows: list[list[Any]], widths: list[float]) -> LongTable:
    total = sum(widths)
    col_widths = [BODY_WIDTH * w / total for w in widths]
    data = [[_p(h, 8.5, bold=True) for h in headers]]
    data += [[_p(EMPTY if c is None else c, 8.5) for c in row] for row in rows]
    if not rows:
        data.append([_p("本月没有数据", 8.5, color=GREY)] + [""] * (len(headers) - 1))
    table = LongTable(data, colWidths=col_widths, repeatRows=1)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, RULE),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if not rows:
        style.append(("SPAN", (0, 1), (-1, 1)))
    table.setStyle(TableStyle(style))
    return table


class _Canvas(PagedCanvas):
    """Prints 「第 X 页 共 Y 页」 on each page once the count is known."""

    def overlay(self, total: int) -> None:
        self.setFont(fonts.REGULAR, 8.5)
        self.setFillColor(GREY)
        self.drawCentredString(
            PAGE_WIDTH / 2, 10 * mm, f"第 {self.getPageNumber()} 页 共 {total} 页"
        )


def render_pdf(figures: dict[str, Any], *, generated_at: datetime.datetime) -> bytes:
    """The report of ``figures`` (:func:`credit.assessment.services.quality.figures_for`) as
    an A4 PDF."""
    fonts.register()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{figures['title']}·{figures['unit']}",
        author="常州市公共信用信息平台",
    )
    story: list[Any] = [
        _p(figures["title"], 15, bold=True, align=1),
        Spacer(1, 2 * mm),
        _p(f"{figures['scope_label']}：{figures['unit']}", 12, align=1),
        Spacer(1, 1 * mm),
        _p(
            f"统计月份：{figures['month_text']}　　生成时间："
            f"{timezone.localtime(generated_at):%Y-%m-%d %H:%M}",
            9,
            color=GREY,
            align=1,
        ),
        Spacer(1, 5 * mm),
    ]
    for n, table in enumerate(tables(figures, generated_at=generated_at)):
        story.append(_p(f"{NUMERALS[n]}、{table.heading}", 11.5, bold=True))
        story.append(Spacer(1, 1.5 * mm))
        story.append(_table(table.headers, table.rows, list(table.widths)))
        story.append(Spacer(1, 4 * mm))
    story.append(
        _p(
            "说明：有效入库率为入库行数占接收行数的比例；完整性为没有必填项缺失的行的比例；"
            "双公示及时率为在决定后 7 个工作日内报送的双公示信息的比例（按国务院公布的节假日和"
            "调休计算）；综合得分为三项的平均（按行数加权）。统计本月已处理完成的报送批次，"
            "与平台“数据质量”页面的口径一致。示例行中的姓名、证件号码和电话号码已脱敏。",
            8.5,
            color=GREY,
        )
    )
    doc.build(story, canvasmaker=_Canvas)
    return out.getvalue()
