"""The report's shipped CJK font (Noto Sans SC subsets, OFL) registered with ReportLab once.

Guarantees: every text of a report is set in an embedded TrueType subset (never a system or
standard PDF font), and a character the font lacks is found by :func:`missing_chars` rather
than silently dropped — it prints as the font's empty box and is listed in the report.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parents[1] / "fonts"
REGULAR = "NotoSansSC"
BOLD = "NotoSansSC-Bold"
_FILES = {REGULAR: "NotoSansSC-Regular.ttf", BOLD: "NotoSansSC-Bold.ttf"}

_lock = threading.Lock()
_cmaps: dict[str, frozenset[int]] = {}


def register() -> None:
    """Register both faces and their family with ReportLab (idempotent, thread-safe)."""
    if _cmaps:
        return
    with _lock:
        if _cmaps:
            return
        cmaps = {}
        for name in _FILES:
            font = TTFont(name, str(font_file(name)))
            pdfmetrics.registerFont(font)
            cmaps[name] = frozenset(font.face.charToGlyph)
        for bold, italic, name in ((0, 0, REGULAR), (1, 0, BOLD), (0, 1, REGULAR), (1, 1, BOLD)):
            addMapping(REGULAR, bold, italic, name)
        _cmaps.update(cmaps)


def font_file(face: str) -> Path:
    """The TrueType file of ``face`` (:data:`REGULAR` or :data:`BOLD`)."""
    return FONT_DIR / _FILES[face]


def _printable(char: str) -> bool:
    return not char.isspace() and unicodedata.category(char)[0] != "C"


def missing_chars(texts: Iterable[str], face: str = REGULAR) -> list[str]:
    """The distinct characters of ``texts`` that ``face`` cannot draw, in order of appearance."""
    register()
    cmap = _cmaps[face]
    seen: dict[str, None] = {}
    for text in texts:
        for char in text:
            if char not in seen and ord(char) not in cmap and _printable(char):
                seen[char] = None
    return list(seen)


def face_for(text: str, *, bold: bool) -> str:
    """The face to set ``text`` in: bold when asked and the (smaller) bold subset has every
    character of it, else regular, so a rare character in a heading still prints."""
    if bold and not set(missing_chars([text], BOLD)) - set(missing_chars([text], REGULAR)):
        return BOLD
    return REGULAR
