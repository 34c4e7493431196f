"""A ReportLab canvas that keeps every page until the document ends, so what needs the page
count (「第 X 页 共 Y 页」) can be drawn on each page — over its content — once the count is
known. Subclasses draw it in :meth:`PagedCanvas.overlay`."""

from __future__ import annotations

from typing import Any

from reportlab.pdfgen import canvas as rl_canvas


class PagedCanvas(rl_canvas.Canvas):
    """Holds the pages' states and, on :meth:`save`, calls :meth:`overlay` on each with the
    total number of pages before writing it."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.overlay(total)
            super().showPage()
        super().save()

    def overlay(self, total: int) -> None:
        """Draw on the current page what needs the page count (nothing by default)."""
