"""The QR code of a report: it decodes to the verification address, alone and as printed on
the cover of the rendered PDF."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import segno
import zxingcpp
from PIL import Image

from credit.reports.pdf.render import render_pdf
from credit.reports.qr import qr_png
from tests.reports.conftest import VERIFY_URL, sample_content


def decode(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image) if result.valid]


def test_the_png_decodes_to_the_address_with_error_correction_m():
    url = "https://credit.changzhou.gov.cn/portal/reports/verify/CZXY-2025-000123?c=K7M2Q9"
    image = Image.open(io.BytesIO(qr_png(url)))
    assert decode(image) == [url]
    assert segno.make(url, error="m", boost_error=False).error == "M"
    assert image.width >= 300  # sharp when printed at about 3 cm


def test_the_qr_on_the_cover_of_the_pdf_decodes_to_the_verify_url():
    pdf = render_pdf(sample_content(rows=3))
    document = pdfium.PdfDocument(pdf)
    try:
        cover = document[0].render(scale=200 / 72).to_pil().convert("L")
        later = document[1].render(scale=200 / 72).to_pil().convert("L")
    finally:
        document.close()
    assert decode(cover) == [VERIFY_URL]
    assert decode(later) == []  # only the cover carries it


def test_a_preview_has_no_qr_code():
    pdf = render_pdf(sample_content(rows=3, preview=True))
    document = pdfium.PdfDocument(pdf)
    try:
        cover = document[0].render(scale=200 / 72).to_pil().convert("L")
    finally:
        document.close()
    assert decode(cover) == []
