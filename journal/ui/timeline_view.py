"""The Timeline view: the swimmer chart of one journal, with hover, click, zoom and export.

Takes the UI's :class:`journal.ui.context.JournalContext` (``ctx``). The chart is
drawn by :func:`journal.charts.timeline.draw_timeline` on ONE long-lived
:class:`~matplotlib.figure.Figure` (never pyplot: pyplot keeps global figures
alive and fights Qt's event loop). The data comes from ``ctx.history()`` and
``ctx.summary()`` through :func:`journal.charts.data.timeline_data_from`; this
widget computes nothing medical.

Interaction: hover shows what a mark is (also in the line under the chart, for
screen readers and for people who cannot hold the mouse still); a click opens
the record's editor through ``ctx.open_editor(ref)`` (a computed mark opens
the lab results it rests on); the plain mouse wheel scrolls the page while
Ctrl+wheel (or a pinch) zooms around the pointer, never wider than the whole
history; dragging pans; buttons and keys do the same (+, -, Left, Right, Home). Without a
mouse, N and P step through the treatments, events and side effects in time
order (the hover text shows in the line under the chart) and Enter opens one.
"Use for visit summary" stores the shown period on ``ctx.visit_range`` and
emits :attr:`TimelineView.rangeChosen`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QEvent,
    QPoint,
    QRect,
    QSize,
    QStandardPaths,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QCursor, QKeySequence, QPainter, QPalette, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLayout,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from journal.charts.data import EXTRA_LABS, TimelineData, timeline_data_from
from journal.charts.timeline import (
    Mark,
    TimelineArtists,
    TimelineOptions,
    draw_frame,
    draw_timeline,
    relayout,
    set_date_range,
    shown_range,
    suggested_height,
)

log = logging.getLogger(__name__)

EXPORT_FILTERS = "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"
DRAG_PIXELS = 5  # a press that moves less than this is a click, not a pan


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


class FlowLayout(QLayout):
    """Lays widgets left to right and wraps them onto the next row when the width runs out.

    The toolbar needs ~1,400 px in one row at 200 % text size; wrapping keeps every
    button visible (and in the same Tab order) instead of scrolling the page sideways.
    """

    def __init__(self, parent: QWidget | None = None, spacing: int = 6):
        super().__init__(parent)
        self._items: list = []
        # Qt asks the same widths again and again while a page is laid out (a dozen
        # times when the Timeline is first shown), and each answer asks every control
        # its size; kept until anything in the layout changes (invalidate).
        self._heights: dict[int, int] = {}
        self.setContentsMargins(0, 0, 0, 0)
        self.setSpacing(spacing)

    def addItem(self, item) -> None:  # noqa: N802 - Qt override
        self._items.append(item)
        self._heights.clear()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):  # noqa: N802 - Qt override
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):  # noqa: N802 - Qt override
        self._heights.clear()
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 - Qt override
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        h = self._heights.get(width)
        if h is None:
            h = self._heights[width] = self._arrange(QRect(0, 0, width, 0), move=False)
        return h

    def invalidate(self) -> None:
        self._heights.clear()
        super().invalidate()

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 - Qt override
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        # One row when there is room: the widest the toolbar ever wants to be.
        m = self.contentsMargins()
        visible = [i for i in self._items if not i.isEmpty()]
        w = sum(i.sizeHint().width() for i in visible) + self.spacing() * max(len(visible) - 1, 0)
        h = max((i.sizeHint().height() for i in visible), default=0)
        return QSize(w + m.left() + m.right(), h + m.top() + m.bottom())

    def minimumSize(self) -> QSize:  # noqa: N802 - Qt override
        # As narrow as the widest single control: everything else wraps.
        m = self.contentsMargins()
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        gap = self.spacing()
        rows: list[list[tuple]] = [[]]
        x = area.x()
        for item in self._items:
            if item.isEmpty():
                continue
            hint = item.sizeHint()
            w = min(hint.width(), max(area.width(), item.minimumSize().width()))
            if rows[-1] and x + w > area.x() + area.width():
                rows.append([])
                x = area.x()
            rows[-1].append((item, x, w, hint.height()))
            x += w + gap
        y = area.y()
        for row in rows:
            row_h = max((h for *_, h in row), default=0)
            if move:
                # Centred in the row: a check box is shorter than the buttons beside it.
                for item, ix, w, h in row:
                    item.setGeometry(QRect(ix, y + (row_h - h) // 2, w, h))
            y += row_h + gap
        return max(y - gap - rect.y(), 0) + m.bottom()


class _TimelineCanvas(FigureCanvasQTAgg):
    """A full render that also keeps the chart's still parts (names, titles, legend)
    as an image, so the zoom and pan frames after it draw only what moves."""

    artists: TimelineArtists | None = None
    # Set by the view for a chart too big to render on the UI thread: called instead
    # of rendering (a resize), it renders a fresh figure in the background.
    render_elsewhere: Any = None
    # Set by the view while a long history's drawing data is worked out on a worker.
    awaiting_data = False

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.artists is None and (self.render_elsewhere is not None or self.awaiting_data):
            # The first drawing is on its way: no full-size image of nothing, but the
            # plain ground (left unpainted, the area showed black).
            painter = QPainter(self)
            painter.fillRect(event.rect(), self.palette().color(QPalette.ColorRole.Base))
            painter.end()
            return
        super().paintEvent(event)

    def draw(self) -> None:
        arts = self.artists
        if arts is None and self.render_elsewhere is not None:
            return  # the first drawing is on its way (see paintEvent)
        if arts is None or arts.fig is not self.figure or self._is_drawing:
            super().draw()
            return
        if self.render_elsewhere is not None:
            self.render_elsewhere()
            return
        arts.__dict__.pop("_frame_background", None)  # a full render: nothing reused
        self._is_drawing = True
        try:
            draw_frame(arts)
        finally:
            self._is_drawing = False
        self.update()


# A chart with more marks than this (bars, events, side effects, lab points) is laid
# out and rendered on a worker thread: on a 25-year history that is about two seconds.
BACKGROUND_MARKS = 1500
# A zoom or pan frame of such a chart showing more marks than this is drawn on the
# worker too (a frame of the whole 25-year history takes most of a second; one of a
# year's 150 marks about 0.1 s).
FRAME_MARKS = 250
# A history with more records than this has its drawing data worked out on a worker
# too: for the 25-year journal (some 6,500 records) that is 75 ms of Python, which on
# the UI thread was most of the longest stop while the Timeline page opened.
BACKGROUND_RECORDS = 2000


_HINT = "Point at a mark to see what it is; click it to open the record."
# Shown while a long history's first drawing is made in the background (a second or so
# for 25 years), so an empty chart area does not look like an empty journal.
_DRAWING = "Drawing the timeline of your history; it appears here in a moment."


def _records_in(history: Any) -> int:
    return sum(
        len(getattr(history, name, ()))
        for name in ("regimens", "procedures", "responses", "progressions", "side_effects", "labs")
    )


def _marks_in(data: TimelineData) -> int:
    bars = sum(len(row.bars) for lane in data.lanes for row in lane.rows)
    return bars + len(data.events) + len(data.side_effects) + sum(len(s.points) for s in data.labs)


def _render_figure(
    data: TimelineData,
    date_range: tuple[dt.date, dt.date] | None,
    text_scale: float,
    size: tuple[float, float],
    dpi: float,
    original_dpi: float,
) -> tuple[Figure, TimelineArtists]:
    """Runs on a worker: matplotlib only, nothing of Qt."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=size, dpi=dpi)
    fig._original_dpi = original_dpi  # what the canvas scales for high-density screens
    FigureCanvasAgg(fig)
    arts = draw_timeline(fig, data, date_range=date_range, text_scale=text_scale)
    draw_frame(arts)  # a full render that also keeps the still parts for zoom frames
    return fig, arts


def _dispose(fig: Figure, arts: Any) -> None:
    """Take apart a chart nobody shows any more (runs on a worker; nothing of Qt).

    A matplotlib figure is a web of reference cycles (figure, axes, artists, their
    transforms and callbacks all point at each other), so a replaced one is freed only by
    a full garbage collection: some 20 MB and 70,000 memory blocks a redraw of a long
    history, and that collection stops the window for 0.2-0.5 s. Emptied of their
    attributes, its objects are freed at once by their reference counts instead."""
    objects = fig.findobj(include_self=True)
    for obj in objects:
        obj.__dict__.clear()
    if hasattr(arts, "__dict__"):
        arts.__dict__.clear()


def _group(*widgets: QWidget) -> QWidget:
    """Widgets that must stay on one row together (a label and its field)."""
    box = QWidget()
    lay = QHBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        lay.addWidget(w)
    return box


class TimelineView(QWidget):
    """The Timeline page. ``rangeChosen(date, date)``: the period chosen for the visit summary."""

    rangeChosen = Signal(object, object)  # noqa: N815 - Qt signal naming

    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.data: TimelineData | None = None
        self.artists: TimelineArtists | None = None
        self.hover_text = ""
        self.hover_mark: Mark | None = None
        self._press: tuple[float, float, tuple[float, float]] | None = None
        self._dragged = False
        self._stale = False
        self._frame_pending = False
        self._generation = 0  # of background drawings: an older one is dropped
        self._data_generation = 0  # of drawing data worked out on a worker, likewise
        self._in_flight = False  # a background drawing is being made
        self._wanted: tuple | None = None  # (generation, dates) asked for meanwhile
        self._render_when_shown: tuple | None = None  # (generation, dates) for showEvent
        self.rendering = False  # a drawing is being made in the background
        self._text_scale = self._current_text_scale()

        self.setAccessibleName("Timeline")
        self.figure = Figure(figsize=(10, 6), dpi=96)
        self.canvas = _TimelineCanvas(self.figure)
        self.canvas.setAccessibleName("Timeline chart")
        self.canvas.setFocusPolicy(Qt.StrongFocus)
        self.canvas.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self._connect_events()
        # The plain wheel scrolls the page as everywhere else; Ctrl+wheel and a pinch zoom.
        self.canvas.installEventFilter(self)
        self.canvas.grabGesture(Qt.GestureType.PinchGesture)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.canvas)
        self.scroll.setAccessibleName("Timeline chart area")

        def button(text: str, name: str, tip: str, slot) -> QPushButton:
            b = QPushButton(text)
            b.setAccessibleName(name)
            b.setToolTip(tip)
            b.setAutoDefault(False)
            b.clicked.connect(slot)
            return b

        self.whole_button = button(
            "Whole history", "Show the whole history", "Show everything (Home)", self.show_all
        )
        self.year_button = button(
            "Last 12 months",
            "Show the last 12 months",
            "Show the twelve months up to today",
            self.show_last_year,
        )
        self.zoom_in_button = button(
            "Zoom in", "Zoom in", "Show a shorter period (+)", self.zoom_in
        )
        self.zoom_out_button = button(
            "Zoom out", "Zoom out", "Show a longer period (-)", self.zoom_out
        )
        self.earlier_button = button(
            "◀ Earlier", "Move to earlier dates", "Move back in time (Left arrow)", self.pan_earlier
        )
        self.later_button = button(
            "Later ▶", "Move to later dates", "Move forward in time (Right arrow)", self.pan_later
        )
        self.counts_box = QCheckBox("Blood counts and kidney")
        self.counts_box.setAccessibleName("Show haemoglobin, platelets and creatinine")
        self.counts_box.setToolTip(
            "Add panels for haemoglobin, platelets and creatinine under the myeloma markers."
        )
        self.counts_box.toggled.connect(lambda _on: self.refresh())

        self.from_edit = QDateEdit()
        self.to_edit = QDateEdit()
        for edit, name in ((self.from_edit, "Period from"), (self.to_edit, "Period to")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setAccessibleName(name)
        self.show_period_button = button(
            "Show period",
            "Show the chosen period",
            "Zoom the chart to these dates",
            self.show_period,
        )
        self.use_button = button(
            "Use for visit summary",
            "Use this period for the visit summary",
            "The Summary page's visit summary will cover these dates.",
            self.use_for_visit,
        )
        self.export_button = button(
            "Export chart…",
            "Export the chart as a picture or PDF",
            "Save the chart as PNG, SVG or PDF",
            self.export_dialog,
        )

        self.status = QLabel(_HINT)
        self.status.setAccessibleName("What the pointer is on")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)

        # Two groups that each wrap onto more rows when the window is narrow or the
        # text large; the order (and so the Tab order) is the same as one long row.
        row1 = FlowLayout()
        for w in (
            self.whole_button,
            self.year_button,
            self.zoom_in_button,
            self.zoom_out_button,
            self.earlier_button,
            self.later_button,
            self.counts_box,
            self.export_button,
        ):
            row1.addWidget(w)
        from_label = QLabel("Period from")
        from_label.setBuddy(self.from_edit)
        to_label = QLabel("to")
        to_label.setBuddy(self.to_edit)
        row2 = FlowLayout()
        row2.addWidget(_group(from_label, self.from_edit))
        row2.addWidget(_group(to_label, self.to_edit))
        row2.addWidget(self.show_period_button)
        row2.addWidget(self.use_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.status)

        for keys, slot in (
            ("+", self.zoom_in),
            ("=", self.zoom_in),
            ("-", self.zoom_out),
            ("Left", self.pan_earlier),
            ("Right", self.pan_later),
            ("Home", self.show_all),
            ("N", self.next_mark),
            ("P", self.previous_mark),
            ("Return", self.open_current),
            ("Enter", self.open_current),
        ):
            sc = QShortcut(QKeySequence(keys), self.canvas)
            sc.setContext(Qt.WidgetShortcut)
            sc.activated.connect(slot)

        changed = getattr(ctx, "changed", None)
        if changed is not None:
            changed.connect(self._on_changed)
        self.refresh()

    def _connect_events(self) -> None:
        # Matplotlib keeps these on the Figure: a figure drawn in the background and
        # put on the canvas gets them again.
        self.canvas.mpl_connect("motion_notify_event", self._on_move)
        self.canvas.mpl_connect("button_press_event", self._on_press)
        self.canvas.mpl_connect("button_release_event", self._on_release)
        self.canvas.mpl_connect("scroll_event", self._on_scroll)
        self.canvas.mpl_connect("resize_event", self._on_resize)
        self.canvas.mpl_connect("figure_leave_event", lambda _e: self._set_hover(None))

    # -- data ---------------------------------------------------------------------
    def _current_text_scale(self) -> float:
        settings = getattr(self.ctx, "settings", None)
        pct = getattr(settings, "text_scale", 100) if settings is not None else 100
        try:
            return max(1.0, float(pct) / 100.0)
        except (TypeError, ValueError):
            return 1.0

    def _on_changed(self, _change: Any = None) -> None:
        # A hidden page only notes the change: redrawing 25 years of data for a page
        # nobody looks at would slow every edit made elsewhere.
        if self.isVisible():
            self.refresh(keep_range=True)
        else:
            self._stale = True

    def refresh(self, *, keep_range: bool = True) -> None:
        """Rebuild the drawing data from the journal and redraw on the same Figure."""
        previous = shown_range(self.artists) if (keep_range and self.artists) else None
        extra = EXTRA_LABS if self.counts_box.isChecked() else ()
        if getattr(self.ctx, "summary_ready", True) is False and hasattr(
            self.ctx, "load_summary_in_background"
        ):
            # The rules take a second on a long history: worked out off the UI thread
            # (together with the Overview's, when it asked first), drawn when ready.
            self.ctx.load_summary_in_background(
                lambda: self._alive() and self.refresh(keep_range=keep_range),
                lambda _exc: self._alive() and self._draw_failed(),
            )
            return
        self._data_generation += 1
        generation = self._data_generation
        try:
            history = self.ctx.history()
            # The same Summary as every other view: when the rules fail, the chart says
            # so rather than drawing lines of therapy worked out some other way.
            results = self.ctx.summary()
        except Exception as exc:
            self._data_failed(generation, exc)
            return
        if _records_in(history) < BACKGROUND_RECORDS:
            try:
                data = timeline_data_from(history, results, extra_labs=extra)
            except Exception as exc:
                self._data_failed(generation, exc)
                return
            self._data_ready(generation, previous, data)
            return
        from journal.ui.tasks import run_task

        # Until it comes the old drawing stays, and tests and benchmarks wait on this.
        self.rendering = True
        self.canvas.awaiting_data = True
        self._say_drawing()
        run_task(
            None,
            "Preparing the timeline",
            lambda _control: timeline_data_from(history, results, extra_labs=extra),
            on_done=lambda data: self._data_ready(generation, previous, data),
            on_error=lambda exc: self._data_failed(generation, exc),
            progress=False,
        )

    def _period_widgets(self) -> tuple[QWidget, ...]:
        return (self.from_edit, self.to_edit, self.show_period_button, self.use_button)

    def _say_drawing(self) -> None:
        if self.artists is None:  # only before the first drawing: a redraw keeps the old
            self.status.setText(_DRAWING)
            # Until then the dates are a date edit's default (1 Jan 2000), not the chart's.
            for w in self._period_widgets():
                w.setEnabled(False)

    def _data_ready(self, generation: int, previous, data: TimelineData) -> None:
        if generation != self._data_generation or not self._alive():
            return  # the journal changed meanwhile: newer data is on its way
        self.canvas.awaiting_data = False
        self.data = data
        self._text_scale = self._current_text_scale()
        self._draw(previous)

    def _data_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._data_generation or not self._alive():
            return
        # A chart must never take the window down; say so and keep the old drawing.
        log.error("timeline data could not be built", exc_info=exc)
        self.canvas.awaiting_data = False
        self.rendering = False
        self._draw_failed()

    def _draw_failed(self) -> None:
        self.status.setText(
            "The timeline could not be drawn, because the facts behind it could not be "
            "worked out. Nothing you saved is lost; Help > Show log folder has a note "
            "for the people who make the app."
        )

    def _alive(self) -> bool:
        import shiboken6

        return shiboken6.isValid(self)

    def _draw(self, date_range: tuple[dt.date, dt.date] | None = None) -> None:
        data = self.data
        options = TimelineOptions()
        height = suggested_height(data, text_scale=self._text_scale, options=options)
        self.canvas.setMinimumHeight(int(height * self.figure.dpi))
        if _marks_in(data) >= BACKGROUND_MARKS:
            self._render_in_background(date_range)
            return
        self.canvas.render_elsewhere = None
        self._generation += 1  # a background drawing still on its way is out of date
        self._wanted = None
        self.rendering = False
        self.artists = draw_timeline(
            self.figure, data, date_range=date_range, text_scale=self._text_scale, options=options
        )
        self.canvas.artists = self.artists
        self.canvas.setAccessibleDescription(self._describe(data))
        self._sync_dates()
        if self.status.text() == _DRAWING:
            self.status.setText(_HINT)
        self.canvas.draw_idle()

    def _target_size(self) -> tuple[int, int]:
        """The canvas size in pixels once the scroll area has laid it out."""
        viewport = self.scroll.viewport().size()
        return (
            max(viewport.width(), self.canvas.minimumWidth(), 1),
            max(viewport.height(), self.canvas.minimumHeight(), 1),
        )

    def _render_in_background(self, date_range: tuple[dt.date, dt.date] | None = None) -> None:
        """Lay out and render a long history's chart on a worker thread, on a Figure of
        its own (no Qt in there), and put it on the canvas when done: the window keeps
        answering meanwhile. A resize meanwhile starts it again at the new size."""

        if date_range is None and self.artists is not None and self.artists.data is self.data:
            date_range = shown_range(self.artists)  # a resize keeps what is shown
        self._generation += 1
        self.canvas.render_elsewhere = self._render_in_background
        self.rendering = True
        self._say_drawing()
        if not self.isVisible():
            # Not laid out yet (the page is being built): a drawing at today's guess of
            # the size would be thrown away and made again once shown, and for a moment
            # both would be in memory (some 16 MB each for 25 years).
            self._render_when_shown = (self._generation, date_range)
            return
        self._render_when_shown = None
        if self._in_flight:  # one at a time: the latest wish starts when it is done
            self._wanted = (self._generation, date_range)
            return
        self._start_render(self._generation, date_range)

    def _start_render(self, generation: int, date_range) -> None:
        from journal.ui.tasks import run_task

        self._in_flight = True
        # The canvas's new height (set just before) shows the scroll bar only once the
        # layout request is handled: measured before that, the drawing came out one bar
        # too wide and was made again (two 25-year drawings in memory at once: +15 MB).
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        w_px, h_px = self._target_size()
        ratio = self.canvas.device_pixel_ratio or 1.0
        dpi = self.figure.dpi
        job = dict(
            data=self.data,
            date_range=date_range,
            text_scale=self._text_scale,
            size=(w_px * ratio / dpi, h_px * ratio / dpi),
            dpi=dpi,
            original_dpi=getattr(self.figure, "_original_dpi", dpi),
        )
        run_task(
            None,
            "Drawing the timeline",
            lambda _control: _render_figure(**job),
            on_done=lambda result: self._rendered(generation, (w_px, h_px), result),
            on_error=lambda exc: self._rendered(generation, (w_px, h_px), None, exc),
            progress=False,
        )

    def _rendered(self, generation, size, result, exc: BaseException | None = None) -> None:
        self._in_flight = False
        if not self._alive():
            return
        wanted, self._wanted = self._wanted, None
        if wanted is not None and wanted[0] == self._generation:
            self._start_render(*wanted)  # asked again meanwhile (a resize, new data)
            return
        if exc is not None:
            self._render_failed(exc)
            return
        self._install(generation, size, result)

    def _install(self, generation: int, size: tuple[int, int], result) -> None:
        if generation != self._generation:
            return  # a newer drawing is on its way
        if size != self._target_size():  # the window changed size meanwhile
            self._render_in_background()
            return
        fig, arts = result
        old = (self.figure, self.artists)
        agg = fig.canvas  # the worker's plain Agg canvas holds the rendered image
        fig.set_canvas(self.canvas)
        self.canvas.figure = fig
        self.figure = fig
        self.canvas.renderer, self.canvas._lastKey = agg.renderer, agg._lastKey
        self._connect_events()
        self.artists = arts
        self.canvas.artists = arts
        self.canvas.setAccessibleDescription(self._describe(arts.data))
        self._sync_dates()
        self.rendering = False
        if self.status.text() == _DRAWING:
            self.status.setText(_HINT)
        self.canvas.update()
        if old[1] is not None and old[0] is not fig:
            from journal.ui.tasks import run_task

            run_task(None, "Freeing the old timeline", lambda _c: _dispose(*old), progress=False)

    def _render_failed(self, exc: BaseException) -> None:
        log.error("timeline could not be drawn: %s", type(exc).__name__)
        self.rendering = False
        self.status.setText(
            "The timeline could not be drawn. Nothing you saved is lost; Help > Show log "
            "folder has a note for the people who make the app."
        )

    def _frame_soon(self) -> None:
        """Show the new dates: one frame per turn of the event loop, however many wheel
        steps or drag moves came in, drawing only what moves (``draw_frame``)."""
        if self._frame_pending:
            return
        self._frame_pending = True
        QTimer.singleShot(0, self._frame)

    def _frame(self) -> None:
        self._frame_pending = False
        if self.artists is None:
            return
        if getattr(self.canvas, "_draw_pending", False):
            return  # a full render is due anyway (a new drawing, a resize)
        if self.canvas.render_elsewhere is not None and self._marks_shown() > FRAME_MARKS:
            # Years of a long history in view: drawn on the worker like a new chart (the
            # window answers meanwhile), the picture follows a moment later.
            self._render_in_background(shown_range(self.artists))
            return
        draw_frame(self.artists)
        self.canvas.update()

    def _marks_shown(self) -> int:
        arts = self.artists
        spans = arts.__dict__.get("_mark_spans")
        if spans is None or len(spans) != len(arts.marks):
            spans = np.array([(m.x0, m.x1) for m in arts.marks], dtype=float).reshape(-1, 2)
            arts.__dict__["_mark_spans"] = spans
        lo, hi = arts.lanes_ax.get_xlim()
        return int(((spans[:, 1] >= lo) & (spans[:, 0] <= hi)).sum())

    def _on_resize(self, _event=None) -> None:
        if self.artists is not None:
            relayout(self.artists)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        # View > Text size changes the application font: follow it at once.
        if event.type() == QEvent.Type.FontChange and self.data is not None:
            scale = self._current_text_scale()
            if scale != self._text_scale:
                self._text_scale = scale
                self._draw(shown_range(self.artists) if self.artists else None)
        super().changeEvent(event)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        waiting, self._render_when_shown = self._render_when_shown, None
        if waiting is not None:
            # After this turn of the event loop: the scroll area has its size (and its
            # scroll bar) by then, so the drawing is made once, at the size shown.
            QTimer.singleShot(0, lambda: self._alive() and self._render_shown(*waiting))
        if self._stale:
            self._stale = False
            self.refresh(keep_range=True)
        # The text size is a setting changed from the View menu; pick it up when shown.
        elif self.data is not None and self._current_text_scale() != self._text_scale:
            self._text_scale = self._current_text_scale()
            self._draw(shown_range(self.artists) if self.artists else None)
        super().showEvent(event)

    def _render_shown(self, generation: int, date_range) -> None:
        if generation == self._generation and self.isVisible():
            self._render_in_background(date_range)
        elif generation == self._generation:
            self._render_when_shown = (generation, date_range)  # hidden again meanwhile

    @staticmethod
    def _describe(data: TimelineData) -> str:
        if not data.lanes:
            return "No treatment recorded yet."
        first, last = data.lanes[0], data.lanes[-1]
        state = "ongoing" if last.end is None else f"ended {last.end:%d %b %Y}"
        return (
            f"{len(data.lanes)} lines of therapy from {first.start:%b %Y}. "
            f"Latest: {last.full_label}, {state}. "
            f"{sum(1 for e in data.events if e.kind == 'progression' and not e.pending)} "
            f"progressions, {len(data.side_effects)} side effects."
        )

    # -- range --------------------------------------------------------------------
    def shown_range(self) -> tuple[dt.date, dt.date]:
        return shown_range(self.artists)

    def set_range(self, lo: dt.date, hi: dt.date) -> None:
        if self.artists is None or hi <= lo:
            return
        set_date_range(self.artists, lo, hi)
        self._sync_dates()
        self._frame_soon()

    def _sync_dates(self) -> None:
        if self.artists is None:
            return
        for w in self._period_widgets():
            w.setEnabled(True)
        lo, hi = self.shown_range()
        for edit, value in ((self.from_edit, lo), (self.to_edit, hi)):
            edit.blockSignals(True)
            edit.setDate(_qdate(value))
            edit.blockSignals(False)

    def show_all(self) -> None:
        if self.data is None:
            return
        lo, hi = self.data.span()
        pad = dt.timedelta(days=max(5, (hi - lo).days // 50))
        self.set_range(lo - pad, hi + pad)

    def show_last_year(self) -> None:
        if self.data is None:
            return
        today = self.data.today
        self.set_range(today - dt.timedelta(days=365), today + dt.timedelta(days=10))

    def _whole_span(self) -> tuple[float, float] | None:
        """The whole history (padded as "Whole history" shows it) in axis units."""
        if self.data is None:
            return None
        import matplotlib.dates as mdates

        lo, hi = self.data.span()
        pad = dt.timedelta(days=max(5, (hi - lo).days // 50))
        return float(mdates.date2num(lo - pad)), float(mdates.date2num(hi + pad))

    def _zoom(self, factor: float, centre: float | None = None) -> None:
        if self.artists is None:
            return
        ax = self.artists.lanes_ax
        lo, hi = ax.get_xlim()
        mid = centre if centre is not None else (lo + hi) / 2
        new_lo, new_hi = mid - (mid - lo) * factor, mid + (hi - mid) * factor
        if new_hi - new_lo < 14:  # two weeks is as close as a timeline needs to go
            return
        whole = self._whole_span()
        if whole is not None and factor > 1:  # zooming out stops at the whole history
            if new_hi - new_lo >= whole[1] - whole[0]:
                new_lo, new_hi = whole
            elif new_lo < whole[0]:
                new_lo, new_hi = whole[0], whole[0] + (new_hi - new_lo)
            elif new_hi > whole[1]:
                new_lo, new_hi = whole[1] - (new_hi - new_lo), whole[1]
        ax.set_xlim(new_lo, new_hi)
        self._sync_dates()
        self._frame_soon()

    def zoom_in(self) -> None:
        self._zoom(0.5)

    def zoom_out(self) -> None:
        self._zoom(2.0)

    def _pan(self, fraction: float) -> None:
        if self.artists is None:
            return
        ax = self.artists.lanes_ax
        lo, hi = ax.get_xlim()
        shift = (hi - lo) * fraction
        ax.set_xlim(lo + shift, hi + shift)
        self._sync_dates()
        self._frame_soon()

    def pan_earlier(self) -> None:
        self._pan(-0.25)

    def pan_later(self) -> None:
        self._pan(0.25)

    def show_period(self) -> None:
        lo, hi = _pydate(self.from_edit.date()), _pydate(self.to_edit.date())
        if hi <= lo:
            self.status.setText(
                "The period's end must be after its start; change one of the dates."
            )
            return
        self.set_range(lo, hi)

    def use_for_visit(self) -> None:
        lo, hi = _pydate(self.from_edit.date()), _pydate(self.to_edit.date())
        if hi <= lo:
            self.status.setText(
                "The period's end must be after its start; change one of the dates."
            )
            return
        self.ctx.visit_range = (lo, hi)
        self.status.setText(
            f"The visit summary will cover {lo:%d %b %Y} to {hi:%d %b %Y} "
            "(open the Summary page to see it)."
        )
        self.rangeChosen.emit(lo, hi)

    # -- mouse --------------------------------------------------------------------
    def _set_hover(self, mark: Mark | None) -> None:
        self.hover_mark = mark
        self.hover_text = mark.tip if mark is not None else ""
        if mark is None:
            QToolTip.hideText()
            return
        QToolTip.showText(QCursor.pos(), mark.tip, self.canvas)
        self.status.setText(mark.tip.replace("\n", " · "))

    def _on_move(self, event) -> None:
        if self.artists is None:
            return
        if self._press is not None and event.x is not None:
            x0, _y0, (lo, hi) = self._press
            if abs(event.x - x0) > DRAG_PIXELS or self._dragged:
                self._dragged = True
                ax = self.artists.lanes_ax
                width_px = ax.bbox.width or 1.0
                shift = (event.x - x0) / width_px * (hi - lo)
                ax.set_xlim(lo - shift, hi - shift)
                self._frame_soon()
                return
        if event.x is None:
            self._set_hover(None)
            return
        mark = self.artists.hit(event.x, event.y)
        if mark is not self.hover_mark:
            self._set_hover(mark)

    def _on_press(self, event) -> None:
        if event.button != 1 or self.artists is None or event.x is None:
            return
        self._press = (event.x, event.y, self.artists.lanes_ax.get_xlim())
        self._dragged = False

    def _on_release(self, event) -> None:
        pressed, dragged = self._press, self._dragged
        self._press, self._dragged = None, False
        if pressed is None or self.artists is None:
            return
        if dragged:
            self._sync_dates()
            return
        mark = self.artists.hit(event.x, event.y) if event.x is not None else None
        if mark is not None:
            self.open_mark(mark)

    # -- keyboard: step through the marks without a mouse ---------------------------
    def _keyboard_marks(self) -> list[Mark]:
        # Bars, events and side effects in time order; lab points and levels are
        # many and are read in the lab table.
        kinds = ("bar", "side_effect")
        marks = [m for m in self.artists.marks if m.kind in kinds or m.kind.startswith("event:")]
        return sorted(marks, key=lambda m: (m.x0, m.y0))

    def _step(self, direction: int) -> None:
        if self.artists is None:
            return
        marks = self._keyboard_marks()
        if not marks:
            return
        current = self.hover_mark
        i = marks.index(current) if current in marks else (-1 if direction > 0 else len(marks))
        mark = marks[(i + direction) % len(marks)]
        lo, hi = self.artists.lanes_ax.get_xlim()
        if not lo <= mark.x0 <= hi:  # bring it into view, keeping the zoom
            half = (hi - lo) / 2
            self.artists.lanes_ax.set_xlim(mark.x0 - half, mark.x0 + half)
            self._sync_dates()
            self._frame_soon()
        self.hover_mark = mark
        self.hover_text = mark.tip
        self.status.setText(mark.tip.replace("\n", " · ") + "  (Enter opens it)")
        x, y = mark.ax.transData.transform((mark.x0, mark.y0))
        QToolTip.showText(self.canvas.mapToGlobal(self.widget_pos(x, y)), mark.tip, self.canvas)

    def next_mark(self) -> None:
        """N: the next treatment, event or side effect in time (shown like a hover)."""
        self._step(1)

    def previous_mark(self) -> None:
        self._step(-1)

    def open_current(self) -> None:
        if self.hover_mark is not None:
            self.open_mark(self.hover_mark)

    def open_mark(self, mark: Mark) -> bool:
        """Open the record behind a mark; a computed mark opens the first lab row it used."""
        for ref in mark.open_refs:
            if self.ctx.open_editor(ref):
                return True
        self.status.setText(
            "This mark is computed by the app; its explanation is shown when you point at it."
        )
        return False

    def _on_scroll(self, event) -> None:
        if self.artists is None:
            return
        gui = getattr(event, "guiEvent", None)
        if gui is not None and hasattr(gui, "modifiers"):  # the wheel event's own keys
            ctrl = bool(gui.modifiers() & Qt.KeyboardModifier.ControlModifier)
        else:
            held = set(getattr(event, "modifiers", None) or ()) | {event.key or ""}
            ctrl = bool(held & {"ctrl", "control"})
        if not ctrl:
            return  # a plain wheel scrolls the page (see eventFilter)
        # Ctrl+wheel zooms around the pointer so the thing looked at stays put.
        centre = event.xdata if event.inaxes is self.artists.lanes_ax else None
        self._zoom(0.8 if event.button == "up" else 1.25, centre=centre)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if obj is self.canvas and event.type() == QEvent.Type.Wheel:
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                return False  # matplotlib turns it into a zoom (_on_scroll)
            return self._scroll_page(event.angleDelta().y() or event.angleDelta().x())
        pinched = (
            obj is self.canvas
            and event.type() == QEvent.Type.NativeGesture
            and event.gestureType() == Qt.NativeGestureType.ZoomNativeGesture
        )
        if pinched:  # a touchpad pinch (macOS, Wayland)
            self._zoom(max(0.5, min(2.0, 1.0 - event.value())))
            return True
        if obj is self.canvas and event.type() == QEvent.Type.Gesture:
            pinch = event.gesture(Qt.GestureType.PinchGesture)
            if pinch is not None and pinch.scaleFactor() > 0:
                self._zoom(max(0.5, min(2.0, 1.0 / pinch.scaleFactor())))
                return True
        return super().eventFilter(obj, event)

    def _scroll_page(self, delta: int) -> bool:
        """Scroll the nearest scroll area that can scroll (the chart's, then the page's)."""
        w = self.canvas.parentWidget()
        while w is not None:
            if isinstance(w, QScrollArea):
                bar = w.verticalScrollBar()
                if bar.maximum() > bar.minimum():
                    bar.setValue(bar.value() - delta)
                    return True
            w = w.parentWidget()
        return True  # nothing to scroll: still never a zoom

    # -- export -------------------------------------------------------------------
    def export(self, path: str | os.PathLike) -> Path:
        """Save the chart (format from the suffix: .png, .svg, .pdf) through a temp file."""
        path = Path(path)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in ("png", "svg", "pdf"):
            raise ValueError(f"{path.name}: choose a name ending in .png, .svg or .pdf")
        fd, tmp = tempfile.mkstemp(prefix=".timeline-", suffix=path.suffix, dir=path.parent)
        os.close(fd)
        try:
            self.figure.savefig(tmp, format=fmt, dpi=200 if fmt == "png" else None)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def export_dialog(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        name, chosen = QFileDialog.getSaveFileName(
            self, "Export the timeline chart", str(Path(folder) / "timeline.png"), EXPORT_FILTERS
        )
        if not name:
            return
        if not Path(name).suffix:
            name += {"SVG": ".svg", "PDF": ".pdf"}.get(chosen.split()[0], ".png")
        try:
            self.export(name)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Could not export the chart", f"{exc}\nNothing was changed.")
            return
        self.status.setText(f"Chart saved to {name}.")

    def widget_pos(self, x_px: float, y_px: float) -> QPoint:
        """Widget position (for tests and keyboard users' tooltips) of a figure pixel."""
        ratio = self.canvas.devicePixelRatioF() or 1.0
        height = self.figure.bbox.height
        return QPoint(round(x_px / ratio), round((height - y_px) / ratio))
