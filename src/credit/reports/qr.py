"""The QR code (二维码) of a report's verification address, as a PNG for print.

Error correction level M (15 % of the symbol may be soiled or stamped over) and modules of
:data:`SCALE` pixels, so the code stays sharp when the PDF places it at about 3 cm.
"""

from __future__ import annotations

import io

import segno

#: Pixels per module: a version-5 symbol (37 modules + 8 quiet zone) is 450 px wide.
SCALE = 10
#: Modules of white margin (the standard's quiet zone).
BORDER = 4


def qr_png(url: str) -> bytes:
    """A black-on-white PNG of ``url`` encoded as a QR code (never a Micro QR)."""
    code = segno.make(url, error="m", micro=False, boost_error=False)
    out = io.BytesIO()
    code.save(out, kind="png", scale=SCALE, border=BORDER)
    return out.getvalue()
