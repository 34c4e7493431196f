"""The official PDF: what a reader sees and what a machine extracts — cover, numbered
sections, 暂无记录, rows under objection, page X of Y on every page, the shipped font
embedded as TrueType subsets, the watermark, the seal, the preview, and characters the font
lacks reported rather than dropped."""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
from dataclasses import replace

import pypdfium2 as pdfium
import pytest
from django.test import override_settings
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader

from credit.reports.content import chinese_numeral, date_zh
from credit.reports.pdf import SEAL_BOX
from credit.reports.pdf.fonts import BOLD, REGULAR, face_for, missing_chars
from credit.reports.pdf.render import missing_chars_of, render_pdf
from credit.reports.signing import SetupError
from tests.reports.conftest import sample_content

CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> bytes:
    """One rendered sample report (60 records), shared by the module's read-only tests."""
    folder = tmp_path_factory.mktemp("render") / "keys"
    with override_settings(CREDIT_REPORT_KEYS_DIR=folder, CREDIT_REPORT_SEAL_IMAGE=""):
        return render_pdf(sample_content())


def page_texts(pdf: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def page_image(pdf: bytes, index: int = 0, dpi: int = 72) -> Image.Image:
    document = pdfium.PdfDocument(pdf)
    try:
        return document[index].render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        document.close()


def red_pixels_in_seal_box(pdf: bytes) -> int:
    """Strongly red pixels where the seal goes on the cover (72 dpi: 1 px = 1 pt)."""
    image = page_image(pdf)
    x1, y1, x2, y2 = SEAL_BOX
    height = image.height
    box = image.crop((int(x1), int(height - y2), int(x2), int(height - y1)))
    data = box.tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    return sum(1 for r, g, b in pixels if r > 170 and g < 110 and b < 110)


def fonts_of(pdf: bytes) -> list[dict]:
    """Every font dictionary the pages use (page resources and their forms)."""
    reader = PdfFileReader(io.BytesIO(pdf))
    found = {}
    for page_ref in reader.root["/Pages"]["/Kids"]:
        resources = page_ref.get_object()["/Resources"]
        for ref in resources["/Font"].values():
            font = ref.get_object()
            found[str(font["/BaseFont"])] = font
    return list(found.values())


def test_the_cover_names_the_report_subject_purpose_issuer_and_dates(report):
    cover = page_texts(report)[0]
    for text in (
        "企业信用报告",
        "报告编号：CZXY-2025-000123",
        "常州市天宁区示例科技有限公司",
        "统一社会信用代码",
        "91320402MA1XXXXX0X",
        "报告用途",
        "政府采购",
        "出具机构：常州市公共信用信息中心",
        "出具日期：2025年3月1日",
        "有效期至",
        "2025年5月30日",
        "通用版（第3版）",
        "扫描二维码或访问",
        "核验报告真伪",
    ):
        assert text in cover, text
    assert "http://testserver/portal/reports/verify/CZXY-2025-000123?c=K7M2Q9" in cover


def test_sections_are_numbered_in_chinese_and_an_empty_one_says_no_record(report):
    text = squeeze("".join(page_texts(report)))
    first, second, third = (text.index(h) for h in ("一、基本信息", "二、行政许可", "三、行政处罚"))
    assert first < second < third
    assert text[second:third] == "二、行政许可暂无记录"
    assert "暂无记录" not in text[third:]  # the section with records does not say it


def test_every_page_has_the_number_in_its_header_and_page_x_of_y(report):
    pages = page_texts(report)
    total = len(pages)
    assert total >= 3
    for number, text in enumerate(pages, start=1):
        assert "报告编号：CZXY-2025-000123" in text
        assert f"第{number}页共{total}页" in squeeze(text)


def test_the_records_table_repeats_its_header_row_on_each_page_it_spans(report):
    pages = page_texts(report)
    with_rows = [t for t in pages if "常市监处罚" in t]
    assert len(with_rows) >= 2
    assert all("违法行为类型" in t and "处罚机关" in t for t in with_rows)


def test_a_row_under_objection_carries_the_mark_and_others_do_not():
    def marks(content) -> int:
        return squeeze("".join(page_texts(render_pdf(content, seal=False)))).count("异议处理中")

    one = sample_content(rows=6)
    penalties = one.sections[2]
    three = replace(
        one,
        sections=(*one.sections[:2], replace(penalties, marks=(True, True, False, True))),
    )
    unmarked = replace(one, sections=(*one.sections[:2], replace(penalties, marks=())))
    # the closing note names the mark once; each marked row carries it once more
    assert marks(unmarked) == 1
    assert marks(one) == 1 + 1
    assert marks(three) == 1 + 3
    assert "状态" in squeeze("".join(page_texts(render_pdf(one, seal=False))))
    assert "状态" not in squeeze("".join(page_texts(render_pdf(unmarked, seal=False))))


def test_the_closing_part_states_period_sources_scope_and_notes(report):
    text = squeeze(page_texts(report)[-1])
    assert "报告说明" in text
    assert "信息时段：2022年3月1日至2025年3月1日" in text
    assert "数据来源：常州市市场监督管理局、常州市税务局、常州市中级人民法院" in text
    assert "仅包含依法可以公开、并经本报告模板选定的信用信息" in text
    assert "本报告内容以出具日期时平台归集的信息为准" in text


def test_all_fonts_are_the_shipped_font_embedded_as_truetype_subsets(report):
    fonts = fonts_of(report)
    assert fonts
    names = set()
    for font in fonts:
        base = str(font["/BaseFont"])
        assert font["/Subtype"] == "/TrueType", base
        assert re.fullmatch(r"/[A-Z]{6}\+NotoSansSC(-Bold|-Regular)?", base), base
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, base  # the TrueType program is in the file
        assert "/ToUnicode" in font, base  # and the text extractable
        names.add(base.split("+")[1])
    assert {"NotoSansSC-Regular", "NotoSansSC-Bold"} <= names


def test_the_watermark_is_on_every_page_but_not_in_the_text(report):
    reader = PdfFileReader(io.BytesIO(report))
    for page_ref in reader.root["/Pages"]["/Kids"]:
        xobjects = page_ref.get_object()["/Resources"]["/XObject"]
        assert "/FormXob.CreditWatermark" in xobjects
    assert "仅供政府采购使用" not in "".join(page_texts(report))


def test_the_seal_is_printed_over_the_issuer_only_when_asked():
    content = sample_content(rows=2)
    assert red_pixels_in_seal_box(render_pdf(content)) > 500
    assert red_pixels_in_seal_box(render_pdf(content, seal=False)) < 50


def test_the_generated_seal_is_kept_beside_the_keys_folder(settings):
    render_pdf(sample_content(rows=1))
    assert (settings.CREDIT_REPORT_KEYS_DIR.parent / "seal.png").is_file()


def test_a_configured_seal_image_replaces_the_generated_one(tmp_path, settings):
    blue = tmp_path / "seal.png"
    Image.new("RGBA", (200, 200), (20, 40, 220, 255)).save(blue)
    settings.CREDIT_REPORT_SEAL_IMAGE = str(blue)
    pdf = render_pdf(sample_content(rows=1))
    image = page_image(pdf)
    x1, y1, x2, y2 = SEAL_BOX
    centre = image.getpixel((int((x1 + x2) / 2), int(image.height - (y1 + y2) / 2)))
    assert centre[2] > 180 and centre[0] < 80
    assert red_pixels_in_seal_box(pdf) < 50


def test_a_missing_configured_seal_image_is_a_clear_setup_error(tmp_path, settings):
    settings.CREDIT_REPORT_SEAL_IMAGE = str(tmp_path / "none.png")
    with pytest.raises(SetupError, match="找不到印章图像文件"):
        render_pdf(sample_content(rows=1))


def test_a_preview_is_marked_and_has_no_seal_qr_or_verification_wording():
    pdf = render_pdf(sample_content(rows=3, preview=True))
    text = "".join(page_texts(pdf))
    assert "预览" in page_texts(pdf)[0]
    assert "预览件" in text
    assert "扫描二维码" not in text and "核验报告真伪" not in text and "电子签章" not in text
    assert red_pixels_in_seal_box(pdf) < 50


def test_a_character_the_font_lacks_is_reported_not_dropped(caplog):
    rare = "\U00020000"  # 𠀀, CJK Extension B: outside the shipped subset
    assert missing_chars([f"张{rare}明"]) == [rare]
    content = sample_content(rows=2, subject_name=f"常州{rare}明科技有限公司")
    assert missing_chars_of(content) == [rare]
    with caplog.at_level(logging.WARNING, logger="credit.reports.pdf.render"):
        pdf = render_pdf(content, seal=False)
    assert "U+20000" in caplog.text
    text = squeeze("".join(page_texts(pdf)))
    assert "常州" in text and "明科技有限公司" in text  # the rest of the name is there
    assert "字符说明" in text and "U+20000" in text  # and the report says what is missing


def test_every_gb2312_hanzi_and_the_seed_text_are_in_the_font():
    gb2312 = []
    for row in range(16, 88):
        for cell in range(1, 95):
            try:
                gb2312.append(bytes([0xA0 + row, 0xA0 + cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    assert len(gb2312) == 6763
    assert missing_chars(gb2312) == []
    assert missing_chars(["企业信用报告 异议处理中 第 1 页 共 3 页 「」（）《》"], BOLD) == []


def test_a_bold_heading_with_a_rare_character_falls_back_to_the_regular_face():
    level2 = [bytes([row, 0xA1]).decode("gb2312") for row in range(0xD8, 0xF8)]
    rare = next(c for c in level2 if missing_chars([c], BOLD))  # level 2: regular face only
    assert missing_chars([rare]) == []
    assert face_for("行政处罚", bold=True) == BOLD
    assert face_for(f"关于{rare}的处罚", bold=True) == REGULAR
    assert face_for("行政处罚", bold=False) == REGULAR


def test_user_text_with_markup_and_control_characters_is_printed_as_text():
    content = sample_content(
        rows=2, subject_name="A<b>&amp;</b>公司\x00\x07", purpose="用途\n第二行"
    )
    text = "".join(page_texts(render_pdf(content, seal=False)))
    assert "A<b>&amp;</b>公司" in text


def test_a_very_long_subject_name_still_leaves_the_cover_readable():
    content = sample_content(rows=1, subject_name="常州" + "很长的名称" * 40 + "有限公司")
    pdf = render_pdf(content, seal=False)
    assert "有限公司" in page_texts(pdf)[0]


def test_chinese_numerals_and_dates():
    assert [chinese_numeral(n) for n in (1, 9, 10, 11, 20, 35, 99)] == [
        "一",
        "九",
        "十",
        "十一",
        "二十",
        "三十五",
        "九十九",
    ]
    assert chinese_numeral(100) == "100"
    assert date_zh("2025-01-02") == "2025年1月2日"
    assert date_zh("不是日期") == "不是日期"


@pytest.mark.skipif(
    shutil.which("pdftotext") is None and not CI,
    reason="pdftotext (poppler-utils) is not installed; CI installs it",
)
def test_pdftotext_extracts_the_sections_marks_and_page_numbers(report, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(report)
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    text = squeeze(result.stdout.decode("utf-8"))
    total = len(page_texts(report))
    for expected in (
        "企业信用报告",
        "CZXY-2025-000123",
        "一、基本信息",
        "二、行政许可",
        "三、行政处罚",
        "暂无记录",
        "异议处理中",
        f"第1页共{total}页",
        f"第{total}页共{total}页",
    ):
        assert expected in text, expected
