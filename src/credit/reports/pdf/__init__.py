"""The official PDF of a credit report: fixed A4 layout in the shipped CJK font (render), the
issuer's seal image (seal), and :func:`official_pdf`, which renders and signs.

:data:`SEAL_BOX` is the one place the cover's seal lies; the renderer prints the seal there
and the signer puts its signature field over it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

if TYPE_CHECKING:
    from credit.reports.content import ReportContent
    from credit.reports.signing import Signer

PAGE_WIDTH, PAGE_HEIGHT = A4
#: Diameter of the printed seal (the size of an official round seal).
SEAL_SIZE = 42 * mm
SEAL_CENTER = (PAGE_WIDTH - 55 * mm, 92 * mm)
#: The seal's square on page 1, in PDF points: (left, bottom, right, top).
SEAL_BOX = (
    SEAL_CENTER[0] - SEAL_SIZE / 2,
    SEAL_CENTER[1] - SEAL_SIZE / 2,
    SEAL_CENTER[0] + SEAL_SIZE / 2,
    SEAL_CENTER[1] + SEAL_SIZE / 2,
)


def official_pdf(content: ReportContent, *, signer: Signer | None = None) -> bytes:
    """The report as issued: rendered with seal and QR code, then signed (PAdES) by ``signer``
    (default: the configured one). A preview is only rendered: never signed."""
    from credit.reports.pdf.render import render_pdf
    from credit.reports.signing import sign_report

    pdf = render_pdf(content)
    if content.preview:
        return pdf
    return sign_report(pdf, field_box=SEAL_BOX, signer=signer)
