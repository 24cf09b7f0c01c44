"""Pages of a laid-out report, painted only when they come into view.

Looks like ``QPrintPreviewWidget`` (pages with a shadow on a dark ground, fit to
the width at first) and shows the very pages the PDF gets: the report is laid out
by :func:`journal.reports.qt_backend.lay_out` on a worker, and each page is painted
by the function that paints the PDF's pages. Unlike ``QPrintPreviewWidget``, which
records every page on the UI thread at once (seconds for a long history), a page is
painted only while it is in view, straight from the laid-out text (a few tens of
milliseconds a page; recording pages as ``QPicture`` to replay them was slower and
took memory for every page).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

_GAP = 0.04  # between pages and round them, as a share of the page's width
_SHADOW = 0.006
_ZOOM_STEP = 1.25


class _PageItem(QGraphicsItem):
    def __init__(self, preview: PagePreview, laid: Any, index: int):
        super().__init__()
        self.preview, self.laid, self.index = preview, laid, index
        self.page = QRectF(laid.full)
        self.page.moveTo(0, 0)
        s = self.page.width() * _SHADOW
        self._bounds = self.page.adjusted(0, 0, s, s)

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return self._bounds

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        s = self.page.width() * _SHADOW
        painter.fillRect(self.page.translated(s, s), QColor(0, 0, 0, 90))
        painter.fillRect(self.page, Qt.GlobalColor.white)
        painter.save()
        painter.setClipRect(self.page)
        self.laid.paint_page(painter, self.index)
        painter.restore()
        self.preview.painted.add(self.index)


class PagePreview(QGraphicsView):
    """The pages of a :class:`~journal.reports.qt_backend.LaidOut`, one under the other."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing
            | QPainter.RenderHint.TextAntialiasing
            | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setBackgroundBrush(QBrush(self.palette().color(QPalette.ColorRole.Dark)))
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self._items: list[_PageItem] = []
        self._fit = "page"  # like QPrintPreviewWidget: a whole page in view at first
        self.painted: set[int] = set()  # pages painted so far (for tests and benchmarks)

    def set_pages(self, laid: Any | None) -> None:
        """Show ``laid``'s pages (None: none); nothing is painted until seen."""
        self.scene().clear()
        self._items = []
        self.painted = set()
        if laid is None or not laid.page_count:
            return
        w, h = laid.full.width(), laid.full.height()
        gap = w * _GAP
        y = gap
        for i in range(laid.page_count):
            item = _PageItem(self, laid, i)
            item.setPos(gap, y)
            self.scene().addItem(item)
            self._items.append(item)
            y += h + gap
        self.scene().setSceneRect(QRectF(0, 0, w + 2 * gap, y))
        self._refit()

    def pageCount(self) -> int:  # noqa: N802 - the name QPrintPreviewWidget uses
        return len(self._items)

    def zoomIn(self, factor: float = _ZOOM_STEP) -> None:  # noqa: N802
        self._fit = ""
        self.scale(factor, factor)

    def zoomOut(self, factor: float = _ZOOM_STEP) -> None:  # noqa: N802
        self._fit = ""
        self.scale(1 / factor, 1 / factor)

    def fitToWidth(self) -> None:  # noqa: N802
        self._fit = "width"
        self._refit()

    def fitInView(self) -> None:  # noqa: N802 - a whole page in view
        self._fit = "page"
        self._refit()

    def _refit(self) -> None:
        rect = self.sceneRect()
        if not self._fit or not self._items or rect.width() <= 0:
            return
        bar = self.verticalScrollBar().sizeHint().width()
        width = max(
            1, self.viewport().width() - (0 if self.verticalScrollBar().isVisible() else bar)
        )
        k = width / rect.width()
        if self._fit == "page":
            page = self._items[0].page
            gap = page.width() * _GAP
            k = min(k, max(1, self.viewport().height()) / (page.height() + 2 * gap))
        self.resetTransform()
        self.scale(k, k)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._refit()
