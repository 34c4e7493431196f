"""The issuer's seal image (电子印章图像) printed on a report's cover.

``CREDIT_REPORT_SEAL_IMAGE`` (a PNG with a transparent background) when set; otherwise a red
round seal — ring, five-pointed star, the issuer's name along the upper arc and
「信用报告专用章」 below the star — drawn with Pillow in the shipped font and kept in
``var/reports/seal.png`` (beside the signing keys' folder). The file records the issuer it was
drawn for and is drawn again when the issuer changes. The image only shows the seal; what
proves the report is the digital signature whose field lies over it (credit.reports.signing).
"""

from __future__ import annotations

import io
import math
import os
import tempfile
import threading
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

from credit.reports.pdf import fonts
from credit.reports.signing import SetupError

#: Words under the star.
PURPOSE = "信用报告专用章"
RED = (215, 25, 32, 235)
SIZE = 600  # pixels; printed at about 42 mm that is about 360 dpi
#: Raised when the drawing changes, so a seal kept on disk is drawn again.
DRAWING_VERSION = "2"

_lock = threading.Lock()
_cache: dict[tuple[str, str], bytes] = {}


def seal_path() -> Path:
    """Where the generated seal is kept: ``<keys dir>/../seal.png`` (var/reports/seal.png)."""
    return Path(settings.CREDIT_REPORT_KEYS_DIR).parent / "seal.png"


def _font(text: str, size: int) -> ImageFont.FreeTypeFont:
    face = fonts.face_for(text, bold=True)
    return ImageFont.truetype(str(fonts.font_file(face)), size)


def _glyph(char: str, font: ImageFont.FreeTypeFont, angle: float) -> Image.Image:
    """One character on a transparent square, turned ``angle`` degrees clockwise."""
    box = int(font.size * 1.6)
    tile = Image.new("RGBA", (box, box), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((box / 2, box / 2), char, font=font, fill=RED, anchor="mm")
    return tile.rotate(-angle, resample=Image.Resampling.BICUBIC)


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        a = math.radians(-90 + i * 36)
        points.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    draw.polygon(points, fill=RED)


def draw_seal(issuer: str, *, purpose: str = PURPOSE) -> bytes:
    """A round red seal for ``issuer`` as PNG bytes (RGBA, transparent outside the seal)."""
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = SIZE / 2
    ring = SIZE * 0.03
    inset = ring / 2 + 2
    draw.ellipse((inset, inset, SIZE - inset, SIZE - inset), outline=RED, width=int(ring))
    _star(draw, c, c, SIZE * 0.14)
    name = "".join(issuer.split())[:24] or "出具机构"
    count = len(name)
    span = min(240.0, max(60.0, count * 22.0))  # degrees of the upper arc the name takes
    rim = c - inset - ring - SIZE * 0.035  # inner edge of the ring, less a gap
    step = (rim - SIZE * 0.06) * math.radians(span) / count  # room along the arc per char
    size = int(min(SIZE * 0.115, step * 0.92))
    font = _font(name, size)
    radius = rim - size * 0.55
    for i, char in enumerate(name):
        angle = -span / 2 + span * (i + 0.5) / count
        tile = _glyph(char, font, angle)
        x = c + radius * math.sin(math.radians(angle))
        y = c - radius * math.cos(math.radians(angle))
        image.alpha_composite(tile, (int(x - tile.width / 2), int(y - tile.height / 2)))
    if purpose:
        small = _font(purpose, int(SIZE * 0.068))
        draw.text((c, c + SIZE * 0.23), purpose, font=small, fill=RED, anchor="mm")
    info = PngImagePlugin.PngInfo()
    info.add_text("issuer", issuer)
    info.add_text("drawing", DRAWING_VERSION)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, optimize=True)
    return out.getvalue()


def ensure_seal_file(issuer: str) -> Path:
    """The generated seal on disk, drawn (atomically) when missing or drawn for another issuer."""
    path = seal_path()
    if path.exists():
        try:
            with Image.open(path) as existing:
                info = existing.info
                if info.get("issuer") == issuer and info.get("drawing") == DRAWING_VERSION:
                    return path
        except OSError:
            pass  # unreadable: draw it again
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".seal-", suffix=".png")
    with os.fdopen(fd, "wb") as fh:
        fh.write(draw_seal(issuer))
    os.replace(tmp, path)
    return path


def seal_png(issuer: str) -> bytes:
    """The seal image to print for ``issuer``: the configured file, else the generated one."""
    configured = settings.CREDIT_REPORT_SEAL_IMAGE
    key = (configured or str(seal_path()), issuer)
    with _lock:
        if key in _cache:
            return _cache[key]
        if configured:
            try:
                data = Path(configured).read_bytes()
            except OSError:
                raise SetupError(
                    f"找不到印章图像文件 {configured}，请检查 CREDIT_REPORT_SEAL_IMAGE 设置",
                    code="report_seal_missing",
                ) from None
        else:
            data = ensure_seal_file(issuer).read_bytes()
        _cache[key] = data
        return data
