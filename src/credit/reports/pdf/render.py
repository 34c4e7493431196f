"""Render a frozen :class:`ReportContent` as the official A4 PDF (ReportLab, no system library).

Layout, fixed so a printed report always looks the same:

- Page 1, the cover: title, 报告编号, the subject and its code, 报告用途, 报告模板, 信息时段,
  出具机构 and 出具日期 with the seal over them (:data:`credit.reports.pdf.SEAL_BOX`), 有效期至,
  and the QR code of ``content.verify_url`` with 「扫描二维码或访问 … 核验报告真伪」.
- Then the numbered sections 「一、基本信息」…: facts as a two-column table, records as a table
  whose header row repeats on every page, 「暂无记录」 when empty; a row under objection is
  shaded and says 「异议处理中」 in its own column.
- Last, 报告说明: 信息时段, 数据来源, the notes, and what the report includes.
- Every page: a header with the report number, 「第 X 页 共 Y 页」 (the total known after a
  first pass over the pages), and the light diagonal watermark ``content.watermark``.
- A preview (``content.preview``) has a large 「预览」 across each page, no seal, no QR code and
  none of the verification wording of an official report.

Every string is set in the shipped font and stays extractable (TrueType subsets with a
ToUnicode map). A character the font lacks prints as an empty box, is logged, and is listed by
its code point in 报告说明 — never dropped silently.
"""

from __future__ import annotations

import functools
import io
import logging
import re
from collections.abc import Iterator
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    LongTable,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from credit.reports.content import (
    EMPTY,
    UNDER_OBJECTION,
    ReportContent,
    ReportSection,
    date_zh,
)
from credit.reports.pdf import PAGE_HEIGHT, PAGE_WIDTH, SEAL_BOX, fonts
from credit.reports.pdf.canvas import PagedCanvas
from credit.reports.qr import qr_png

logger = logging.getLogger(__name__)

MARGIN_X = 20 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 20 * mm
BODY_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

INK = colors.HexColor("#1F2329")
GREY = colors.HexColor("#5F6670")
RULE = colors.HexColor("#B8BEC6")
HEAD_BG = colors.HexColor("#E8EEF5")
LABEL_BG = colors.HexColor("#F3F5F8")
MARK_BG = colors.HexColor("#FDECEC")
MARK_INK = colors.HexColor("#C0141C")
BRAND = colors.HexColor("#B3121B")

QR_SIZE = 32 * mm
QR_ORIGIN = (MARGIN_X + 5 * mm, 30 * mm)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _text(value: Any) -> str:
    """Plain text made safe for a Paragraph: control characters out, markup escaped."""
    text = _CONTROL.sub("", "" if value is None else str(value)).replace("\t", " ")
    return escape(text).replace("\r\n", "\n").replace("\n", "<br/>")


def _style(size: float, *, bold: bool = False, text: str = "", **kw: Any) -> ParagraphStyle:
    return ParagraphStyle(
        "s",
        fontName=fonts.face_for(text, bold=bold) if bold else fonts.REGULAR,
        fontSize=size,
        leading=kw.pop("leading", size * 1.45),
        wordWrap="CJK",
        textColor=kw.pop("textColor", INK),
        **kw,
    )


def _p(value: Any, size: float = 10, *, bold: bool = False, **kw: Any) -> Paragraph:
    raw = "" if value is None else str(value)
    return Paragraph(_text(raw), _style(size, bold=bold, text=raw, **kw))


def strings_of(content: ReportContent) -> Iterator[str]:
    """Every string the report prints."""

    def walk(value: Any) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                yield from walk(v)

    data = content.as_dict()
    data.pop("extra", None)
    yield from walk(data)


def missing_chars_of(content: ReportContent) -> list[str]:
    """The characters of ``content`` the shipped font cannot draw (rare hanzi, emoji …)."""
    return fonts.missing_chars(strings_of(content))


# --- Pages ----------------------------------------------------------------------------------


class _Canvas(PagedCanvas):
    """Draws, once the page count is known, the footer and the watermarks over the content,
    so neither a table's shading nor an image can hide them."""

    def __init__(self, *args: Any, content: ReportContent, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._content = content
        self._forms: set[str] = set()  # shared by every saved page state

    def overlay(self, total: int) -> None:
        content = self._content
        self.saveState()
        self.setFont(fonts.REGULAR, 9)
        self.setFillColor(GREY)
        page = self.getPageNumber()
        self.drawCentredString(PAGE_WIDTH / 2, 11 * mm, f"第 {page} 页 共 {total} 页")
        if content.watermark:
            self._watermark_tiles(content.watermark)
        if content.preview:
            self.setFillColor(MARK_INK)
            self.setFillAlpha(0.13)
            self.setFont(fonts.BOLD, 120)
            self.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
            self.rotate(35)
            self.drawCentredString(0, -40, "预览")
        self.restoreState()

    def _watermark_tiles(self, text: str) -> None:
        """The tiled watermark, drawn once into a form that every page shows."""
        form = "CreditWatermark"
        if form not in self._forms:
            self._forms.add(form)
            image, width, height = _watermark_image(text)
            self.beginForm(form)
            self.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
            self.rotate(30)
            for row in range(-4, 5):
                for col in range(-2, 3):
                    x = col * 120 * mm + (60 * mm if row % 2 else 0)
                    y = row * 58 * mm
                    self.drawImage(image, x - width / 2, y - height / 2, width, height, mask="auto")
            self.endForm()
        self.doForm(form)


@functools.lru_cache(maxsize=32)
def _watermark_image(text: str) -> tuple[ImageReader, float, float]:
    """The watermark text as a faint grey image (300 dpi, transparent around the letters):
    seen on screen and paper, but not mixed into the report's text when it is extracted."""
    from PIL import Image, ImageDraw, ImageFont

    size_pt, dpi = 15, 300
    font = ImageFont.truetype(str(fonts.font_file(fonts.REGULAR)), int(size_pt * dpi / 72))
    left, top, right, bottom = font.getbbox(text)
    mask = Image.new("L", (right - left + 8, bottom - top + 8), 0)
    ImageDraw.Draw(mask).text((4 - left, 4 - top), text, font=font, fill=255)
    image = Image.new("RGBA", mask.size, (122, 130, 140, 0))
    image.putalpha(mask.point(lambda v: v * 28 // 255))
    scale = 72 / dpi
    return ImageReader(image), mask.width * scale, mask.height * scale


def _header(canv: rl_canvas.Canvas, content: ReportContent) -> None:
    canv.saveState()
    top = PAGE_HEIGHT - 14 * mm
    canv.setFillColor(GREY)
    canv.setFont(fonts.REGULAR, 8.5)
    canv.drawString(MARGIN_X, top, f"信用常州 · {content.title}")
    canv.drawRightString(PAGE_WIDTH - MARGIN_X, top, f"报告编号：{content.number}")
    canv.setStrokeColor(RULE)
    canv.setLineWidth(0.6)
    canv.line(MARGIN_X, top - 2.5 * mm, PAGE_WIDTH - MARGIN_X, top - 2.5 * mm)
    canv.restoreState()


def _draw(
    paragraph: Paragraph, canv: rl_canvas.Canvas, x: float, top: float, width: float
) -> float:
    """Draw ``paragraph`` with its top at ``top``; returns its height."""
    _, height = paragraph.wrapOn(canv, width, PAGE_HEIGHT)
    paragraph.drawOn(canv, x, top - height)
    return height


def _code_label(content: ReportContent) -> str:
    return {"legal": "统一社会信用代码", "natural": "身份证号码"}.get(
        content.subject_kind, "主体代码"
    )


def _cover(canv: rl_canvas.Canvas, content: ReportContent, *, seal: bool) -> None:
    """Page 1, drawn at fixed places."""
    canv.saveState()
    canv.setFillColor(BRAND)
    canv.rect(MARGIN_X, PAGE_HEIGHT - 42 * mm, BODY_WIDTH, 1.2 * mm, stroke=0, fill=1)
    title = content.title or "信用报告"
    canv.setFillColor(INK)
    canv.setFont(fonts.face_for(title, bold=True), 30)
    canv.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 68 * mm, title)
    canv.setFont(fonts.REGULAR, 12)
    canv.setFillColor(GREY)
    canv.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 80 * mm, f"报告编号：{content.number}")

    rows = [
        ("主体名称", content.subject_name),
        (_code_label(content), content.subject_code),
        ("报告用途", content.purpose),
        ("报告模板", content.template),
        ("信息时段", f"{date_zh(content.period_from)} 至 {date_zh(content.period_to)}"),
        ("有效期至", date_zh(content.valid_until)),
    ]
    left, label_w, value_w = 32 * mm, 38 * mm, PAGE_WIDTH - 64 * mm - 38 * mm
    top, floor = PAGE_HEIGHT - 100 * mm, 125 * mm
    for size in (12, 10.5, 9, 7.5):  # a very long name: smaller type, never over the seal
        paras = [(_p(k, size, textColor=GREY), _p(v, size, bold=True)) for k, v in rows]
        heights = [max(p.wrap(value_w, PAGE_HEIGHT)[1], size * 1.45) for _, p in paras]
        if top - sum(heights) - len(rows) * 5 * mm > floor:
            break
    canv.setStrokeColor(RULE)
    canv.setLineWidth(0.5)
    y = top
    for (label, value), height in zip(paras, heights, strict=True):
        _draw(label, canv, left, y, label_w)
        _draw(value, canv, left + label_w, y, value_w)
        y -= height + 2.5 * mm
        canv.line(left, y, left + label_w + value_w, y)
        y -= 2.5 * mm

    right = PAGE_WIDTH - 25 * mm
    issuer = _p(f"出具机构：{content.issuer}", 12, alignment=2)
    _draw(issuer, canv, right - 100 * mm, 104 * mm, 100 * mm)
    _draw(
        _p(f"出具日期：{date_zh(content.issued_on)}", 12, alignment=2),
        canv,
        right - 100 * mm,
        94 * mm,
        100 * mm,
    )

    if seal and not content.preview:
        from credit.reports.pdf.seal import seal_png

        image = ImageReader(io.BytesIO(seal_png(content.issuer)))
        x1, y1, x2, y2 = SEAL_BOX
        canv.drawImage(image, x1, y1, x2 - x1, y2 - y1, mask="auto")

    x, y = QR_ORIGIN
    text_left, text_width = x + QR_SIZE + 6 * mm, PAGE_WIDTH - MARGIN_X - (x + QR_SIZE + 6 * mm)
    if content.preview:
        notice = "预览件：本报告尚未审核签发，不具有证明效力，不得作为信用证明使用。"
        _draw(
            _p(notice, 11, bold=True, textColor=MARK_INK),
            canv,
            x,
            y + QR_SIZE,
            BODY_WIDTH - 10 * mm,
        )
    elif content.verify_url:
        canv.drawImage(ImageReader(io.BytesIO(qr_png(content.verify_url))), x, y, QR_SIZE, QR_SIZE)
        # The address on a line of its own, in a size that keeps it on one line when it can.
        url = content.verify_url
        url_size = max(
            6.5, min(10.5, (text_width - 2) / max(stringWidth(url, fonts.REGULAR, 1), 1))
        )
        line = (
            f"扫描二维码或访问<br/><font size={url_size:.1f}>{_text(url)}</font><br/>核验报告真伪"
        )
        para = Paragraph(line, _style(10.5))
        used = _draw(para, canv, text_left, y + QR_SIZE - 2 * mm, text_width)
        hint = "本报告经出具机构电子签章，对文件的任何修改都会使签章失效。"
        _draw(_p(hint, 9, textColor=GREY), canv, text_left, y + QR_SIZE - 5 * mm - used, text_width)
    canv.restoreState()


# --- Sections -------------------------------------------------------------------------------


def _table_style(*, header: bool) -> list[tuple]:
    style = [
        ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),  # else the table sets Helvetica
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), HEAD_BG))
    return style


def _column_widths(
    columns: list[str], rows: list[list[str]], free: float, size: float
) -> list[float]:
    """Widths of the record columns within ``free`` points: a column whose longest value fits
    on one line in 30 mm gets that (dates, amounts, codes never wrap); the others share the
    rest by their typical (80th percentile) length, dampened so a long text column does not
    squeeze the others to a few characters a line, at least 14 mm each."""
    pad = 9.0
    longest, typical = [], []
    for i, header in enumerate(columns):
        values = sorted(stringWidth(r[i], fonts.REGULAR, size) for r in rows) or [0.0]
        head = stringWidth(header, fonts.BOLD, size) / 2  # a header may wrap to two lines
        longest.append(max(values[-1], head) + pad)
        typical.append(max(values[int((len(values) - 1) * 0.8)], head) + pad)
    if sum(longest) <= free:  # everything on one line: share the spare room alike
        spare = (free - sum(longest)) / len(columns)
        return [w + spare for w in longest]
    short = [w <= 30 * mm for w in longest]
    fixed = sum(w for w, s in zip(longest, short, strict=True) if s)
    floor = 14 * mm
    flexible = [i for i, s in enumerate(short) if not s]
    room = free - fixed
    if room < floor * len(flexible):  # too many short columns: all share by typical length
        total = sum(typical)
        return [free * t / total for t in typical]
    widths = [longest[i] if short[i] else 0.0 for i in range(len(columns))]
    weight = {i: typical[i] ** 0.6 for i in flexible}
    total = sum(weight.values())
    for i in flexible:
        widths[i] = room * weight[i] / total
    low = [i for i in flexible if widths[i] < floor]
    if low:  # raise the narrow ones to the floor, taking it from the others by share
        for i in low:
            widths[i] = floor
        rest = [i for i in flexible if i not in low]
        scale = (room - floor * len(low)) / sum(widths[i] for i in rest)
        for i in rest:
            widths[i] *= scale
    return widths


def _records_table(section: ReportSection) -> LongTable:
    columns = list(section.columns) or ["内容"]
    marked = any(section.marks)
    count = len(columns)
    size = 9 if count <= 5 else (8 if count <= 8 else 7)
    rows = [
        [_CONTROL.sub("", str(v)) for v in r[:count]] + [""] * (count - len(r))
        for r in section.rows
    ]

    number_w = 9 * mm
    mark_w = stringWidth(UNDER_OBJECTION, fonts.BOLD, size) + 10 if marked else 0
    widths = _column_widths(columns, rows, BODY_WIDTH - number_w - mark_w, size)

    header = [_p("序号", size, bold=True, alignment=TA_CENTER)]
    header += [_p(h, size, bold=True) for h in columns]
    if marked:
        header.append(_p("状态", size, bold=True, alignment=TA_CENTER))
    data = [header]
    style = _table_style(header=True)
    cell = _style(size)
    centred = _style(size, alignment=TA_CENTER)
    mark_style = _style(
        size, bold=True, text=UNDER_OBJECTION, alignment=TA_CENTER, textColor=MARK_INK
    )
    for i, row in enumerate(rows, start=1):
        line = [Paragraph(str(i), centred)]
        line += [Paragraph(_text(v), cell) for v in row]
        is_marked = i - 1 < len(section.marks) and bool(section.marks[i - 1])
        if marked:
            line.append(Paragraph(UNDER_OBJECTION if is_marked else "", mark_style))
        if is_marked:
            style.append(("BACKGROUND", (0, i), (-1, i), MARK_BG))
        data.append(line)
    col_widths = [number_w, *widths] + ([mark_w] if marked else [])
    table = LongTable(data, colWidths=col_widths, repeatRows=1, splitByRow=1)
    table.setStyle(TableStyle(style))
    return table


def _facts_table(section: ReportSection) -> Table:
    data = [[_p(k, 9.5, textColor=GREY), _p(v, 9.5)] for k, v in section.facts]
    table = Table(data, colWidths=[38 * mm, BODY_WIDTH - 38 * mm])
    style = _table_style(header=False)
    style.append(("BACKGROUND", (0, 0), (0, -1), LABEL_BG))
    table.setStyle(TableStyle(style))
    return table


def _heading(text: str) -> list[Any]:
    """A heading, on a new page when less than a few lines would follow it here."""
    return [
        CondPageBreak(40 * mm),
        _p(text, 13, bold=True, spaceBefore=5 * mm, spaceAfter=2.5 * mm),
    ]


def _sections(content: ReportContent) -> list[Any]:
    story: list[Any] = []
    for section in content.sections:
        story += _heading(section.heading)
        if section.facts:
            story.append(_facts_table(section))
        if section.rows:
            if section.facts:
                story.append(Spacer(1, 3 * mm))
            story.append(_records_table(section))
        if section.empty:
            story.append(_p(EMPTY, 10, textColor=GREY, leftIndent=4 * mm))
    return story


def _closing(content: ReportContent, missing: list[str]) -> list[Any]:
    story: list[Any] = _heading("报告说明")
    body = _style(9.5, spaceAfter=1.5 * mm)

    def add(label: str, text: str) -> None:
        story.append(Paragraph(f"{escape(label)}{_text(text)}", body))

    add("信息时段：", f"{date_zh(content.period_from)} 至 {date_zh(content.period_to)}")
    add("数据来源：", "、".join(content.sources) or "—")
    add(
        "信息范围：",
        "本报告仅包含依法可以公开、并经本报告模板选定的信用信息；"
        f"标注「{UNDER_OBJECTION}」的记录，其异议尚在处理，以处理结果为准。",
    )
    for i, note in enumerate(content.notes, start=1):
        add(f"{i}. ", note)
    if content.preview:
        add("", "本文件为预览件，未经审核签发，不具有证明效力。")
    else:
        add(
            "报告核验：",
            f"本报告由{content.issuer}出具，有效期至{date_zh(content.valid_until)}，"
            "经出具机构电子签章；"
            + (
                f"请访问 {content.verify_url} 或扫描首页二维码核验真伪。"
                if content.verify_url
                else ""
            ),
        )
    if missing:
        codes = "、".join(f"U+{ord(c):04X}" for c in missing)
        add(
            "字符说明：",
            f"本报告中以方框显示的 {len(missing)} 个字符为字库未收录的字符（{codes}）。",
        )
    story.append(Spacer(1, 6 * mm))
    story.append(_p("—— 报告结束 ——", 9.5, textColor=GREY, alignment=TA_CENTER))
    return story


# --- The document ---------------------------------------------------------------------------


def render_pdf(content: ReportContent, *, seal: bool = True) -> bytes:
    """The report as PDF bytes (not signed: see :func:`credit.reports.pdf.official_pdf`).
    ``seal``: print the issuer's seal on the cover (never on a preview)."""
    fonts.register()
    missing = missing_chars_of(content)
    if missing:
        logger.warning(
            "报告 %s 含字库未收录的字符，以方框显示：%s",
            content.number,
            " ".join(f"{c}(U+{ord(c):04X})" for c in missing),
        )
    out = io.BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=f"{content.title} {content.number}",
        author=content.issuer,
        subject=content.subject_name,
        creator="常州市公共信用信息平台",
        lang="zh-CN",
        initialFontName=fonts.REGULAR,  # no standard (unembedded) font in the file at all
    )
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, BODY_WIDTH, PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM)

    def cover(canv: rl_canvas.Canvas, _doc: Any) -> None:
        _header(canv, content)
        _cover(canv, content, seal=seal)

    def body(canv: rl_canvas.Canvas, _doc: Any) -> None:
        _header(canv, content)

    doc.addPageTemplates(
        [
            PageTemplate(id="cover", frames=[frame], onPage=cover),
            PageTemplate(id="body", frames=[frame], onPage=body),
        ]
    )
    story = [
        NextPageTemplate("body"),
        PageBreak(),
        *_sections(content),
        *_closing(content, missing),
    ]
    doc.build(story, canvasmaker=lambda *a, **kw: _Canvas(*a, content=content, **kw))
    return out.getvalue()
