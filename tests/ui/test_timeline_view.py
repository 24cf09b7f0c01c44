"""TimelineView with pytest-qt: hover, click, zoom, presets, period, redraw, export."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "charts"))

from chart_samples import TODAY, sample_history, sample_results
from PySide6.QtCore import QObject, Qt, Signal

from journal.ui.timeline_view import TimelineView


class FakeSettings:
    text_scale = 100


class FakeCtx(QObject):
    """The part of journal.ui.context.JournalContext the view uses."""

    changed = Signal(object)

    def __init__(self):
        super().__init__()
        self._history = sample_history()
        self._results = sample_results()
        self.settings = FakeSettings()
        self.visit_range = None
        self.opened: list[str] = []
        self.known = {"regimen:4", "lab:2", "side_effect:3", "dose_change:1"}

    def history(self):
        return self._history

    def summary(self):
        return self._results

    def open_editor(self, ref: str) -> bool:
        self.opened.append(ref)
        return ref in self.known


def renders_counted(monkeypatch) -> list[dict]:
    """The jobs of every background drawing made from now on (each still drawn)."""
    import journal.ui.timeline_view as tv

    made: list[dict] = []
    real = tv._render_figure
    monkeypatch.setattr(tv, "_render_figure", lambda **job: (made.append(job), real(**job))[1])
    return made


@pytest.fixture
def view(qtbot):
    ctx = FakeCtx()
    v = TimelineView(ctx)
    qtbot.addWidget(v)
    v.resize(1200, 800)
    v.show()
    qtbot.waitExposed(v)
    v.canvas.draw()
    return v


@pytest.fixture
def window(qtbot, settings):
    from journal.ui.app import build_window, make_app

    make_app(["test"])
    w, controller = build_window(settings)
    qtbot.addWidget(w)
    return w, controller


def centre_of(view, mark):
    x = (mark.x0 + mark.x1) / 2
    y = (mark.y0 + mark.y1) / 2
    return mark.ax.transData.transform((x, y))


def first(view, kind, ref=None):
    return next(m for m in view.artists.marks if m.kind == kind and (ref is None or m.ref == ref))


def test_hover_says_what_a_mark_is(view, qtbot):
    bar = first(view, "bar", "regimen:4")
    x, y = centre_of(view, bar)
    qtbot.mouseMove(view.canvas, view.widget_pos(x, y))
    qtbot.waitUntil(lambda: view.hover_text != "")
    assert "(DKd)" in view.hover_text and "1 Mar 2022" in view.hover_text
    assert "DKd" in view.status.text()
    se = first(view, "side_effect", "side_effect:3")
    x, y = centre_of(view, se)
    qtbot.mouseMove(view.canvas, view.widget_pos(x, y))
    qtbot.waitUntil(lambda: "Heart failure" in view.hover_text)
    assert "grade 3" in view.hover_text and "Serious" in view.hover_text


def test_click_opens_the_record_and_computed_marks_open_their_lab(view, qtbot):
    bar = first(view, "bar", "regimen:4")
    qtbot.mouseClick(view.canvas, Qt.LeftButton, pos=view.widget_pos(*centre_of(view, bar)))
    assert view.ctx.opened == ["regimen:4"]
    view.ctx.opened.clear()
    computed = first(view, "event:response", "computed:response:line1:2019-05-01")
    qtbot.mouseClick(view.canvas, Qt.LeftButton, pos=view.widget_pos(*centre_of(view, computed)))
    assert view.ctx.opened == ["computed:response:line1:2019-05-01", "lab:2"]


def test_zoom_pan_and_presets(view, qtbot):
    lo, hi = view.shown_range()
    span = (hi - lo).days
    qtbot.mouseClick(view.zoom_in_button, Qt.LeftButton)
    lo2, hi2 = view.shown_range()
    assert abs((hi2 - lo2).days - span / 2) <= 2
    qtbot.mouseClick(view.earlier_button, Qt.LeftButton)
    lo3, _ = view.shown_range()
    assert lo3 < lo2
    qtbot.mouseClick(view.year_button, Qt.LeftButton)
    lo4, hi4 = view.shown_range()
    assert lo4 == TODAY - dt.timedelta(days=365) and hi4 >= TODAY
    assert view.from_edit.date().toPython() == lo4  # the period chooser follows the chart
    qtbot.mouseClick(view.whole_button, Qt.LeftButton)
    lo5, hi5 = view.shown_range()
    assert lo5 <= dt.date(2019, 2, 15) and hi5 >= TODAY
    # Keyboard: + zooms in when the chart has focus.
    view.canvas.setFocus()
    qtbot.keyClick(view.canvas, Qt.Key_Plus)
    lo6, hi6 = view.shown_range()
    assert (hi6 - lo6).days < (hi5 - lo5).days


def test_a_zoom_step_draws_only_what_moves_and_shows_what_a_full_render_shows(
    view, qtbot, monkeypatch
):
    import numpy as np

    import journal.ui.timeline_view as tv

    drawn: list = []
    real = tv.draw_frame
    monkeypatch.setattr(tv, "draw_frame", lambda arts: (drawn.append(arts), real(arts)))
    view.canvas.draw()  # a full render keeps the still parts
    assert "_frame_background" in view.artists.__dict__
    drawn.clear()
    for _ in range(3):  # steps within one turn of the event loop: one frame
        view.zoom_in()
    qtbot.waitUntil(lambda: len(drawn) == 1)
    qtbot.wait(20)
    assert len(drawn) == 1
    frame = np.asarray(view.canvas.buffer_rgba()).copy()
    view.canvas.draw()
    assert (frame == np.asarray(view.canvas.buffer_rgba())).all()


def test_wheel_zooms_around_the_pointer(view):
    from matplotlib.backend_bases import MouseEvent

    ax = view.artists.lanes_ax
    before = ax.get_xlim()
    x, y = ax.transData.transform((ax.get_xlim()[0] + 100, 1.0))
    MouseEvent("scroll_event", view.canvas, x, y, button="up", step=1, key="control")._process()
    after = ax.get_xlim()
    assert after[1] - after[0] < before[1] - before[0]
    # without Ctrl the wheel never zooms (it scrolls the page)
    MouseEvent("scroll_event", view.canvas, x, y, button="up", step=1)._process()
    assert ax.get_xlim() == after


def _wheel(view, qtbot, dy, modifiers=Qt.KeyboardModifier.NoModifier):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    pos = QPointF(view.canvas.width() / 2, view.canvas.height() / 2)
    ev = QWheelEvent(
        pos,
        view.canvas.mapToGlobal(pos),
        QPoint(0, 0),
        QPoint(0, dy),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.canvas, ev)


def test_plain_wheel_scrolls_the_page_ctrl_wheel_zooms_within_the_history(view, qtbot):
    view.resize(900, 300)  # the chart is taller than the window: there is a page to scroll
    qtbot.wait(50)
    view.show_all()
    bar = view.scroll.verticalScrollBar()
    lim = view.artists.lanes_ax.get_xlim()
    if bar.maximum() > 0:
        _wheel(view, qtbot, -120)
        assert bar.value() > 0  # scrolled down
    assert view.artists.lanes_ax.get_xlim() == lim  # and not zoomed
    _wheel(view, qtbot, 120, Qt.KeyboardModifier.ControlModifier)
    zoomed = view.artists.lanes_ax.get_xlim()
    assert zoomed[1] - zoomed[0] < lim[1] - lim[0]
    for _ in range(10):  # zooming out stops at the whole history
        _wheel(view, qtbot, -120, Qt.KeyboardModifier.ControlModifier)
    assert view.artists.lanes_ax.get_xlim() == pytest.approx(lim)
    assert view.whole_button.text() == "Whole history"


def test_drag_pans(view, qtbot):
    lo, hi = view.shown_range()
    ax = view.artists.lanes_ax
    cx, cy = ax.bbox.x0 + ax.bbox.width / 2, ax.bbox.y0 + 3
    start, end = view.widget_pos(cx, cy), view.widget_pos(cx + 200, cy)
    qtbot.mousePress(view.canvas, Qt.LeftButton, pos=start)
    qtbot.mouseMove(view.canvas, end)
    qtbot.mouseRelease(view.canvas, Qt.LeftButton, pos=end)
    lo2, hi2 = view.shown_range()
    assert lo2 < lo and abs((hi2 - lo2).days - (hi - lo).days) <= 1
    assert view.ctx.opened == []  # a drag is not a click


def test_period_for_the_visit_summary(view, qtbot):
    view.from_edit.setDate(dt.date(2023, 1, 1))
    view.to_edit.setDate(dt.date(2024, 6, 1))
    with qtbot.waitSignal(view.rangeChosen) as sig:
        qtbot.mouseClick(view.use_button, Qt.LeftButton)
    assert sig.args == [dt.date(2023, 1, 1), dt.date(2024, 6, 1)]
    assert view.ctx.visit_range == (dt.date(2023, 1, 1), dt.date(2024, 6, 1))
    qtbot.mouseClick(view.show_period_button, Qt.LeftButton)
    assert view.shown_range() == (dt.date(2023, 1, 1), dt.date(2024, 6, 1))
    # A backwards period is refused with a message, nothing stored.
    view.to_edit.setDate(dt.date(2022, 1, 1))
    qtbot.mouseClick(view.use_button, Qt.LeftButton)
    assert "after its start" in view.status.text()
    assert view.ctx.visit_range == (dt.date(2023, 1, 1), dt.date(2024, 6, 1))


def test_redraws_on_change_on_the_same_figure(view):
    figure = view.figure
    assert len(view.data.lanes) == 3
    view.set_range(dt.date(2022, 1, 1), dt.date(2023, 1, 1))
    ctx = view.ctx
    lines = ctx._results.lines
    ctx._results = replace(ctx._results, lines=replace(lines, lines=lines.lines[:2]))
    ctx.changed.emit(None)
    assert view.figure is figure and len(view.data.lanes) == 2
    assert view.shown_range() == (dt.date(2022, 1, 1), dt.date(2023, 1, 1))  # zoom kept


def test_hidden_view_redraws_when_shown_again(view, qtbot):
    view.hide()
    lines = view.ctx._results.lines
    view.ctx._results = replace(view.ctx._results, lines=replace(lines, lines=lines.lines[:1]))
    view.ctx.changed.emit(None)
    assert len(view.data.lanes) == 3  # not redrawn while hidden
    view.show()
    qtbot.waitUntil(lambda: len(view.data.lanes) == 1)


def test_blood_count_panels(view, qtbot):
    assert list(view.artists.lab_axes) == ["m_protein"]
    view.counts_box.setChecked(True)
    assert list(view.artists.lab_axes) == ["m_protein", "hb"]


def test_export_png_svg_pdf(view, tmp_path):
    for name, magic in (("t.png", b"\x89PNG"), ("t.svg", b"<?xml"), ("t.pdf", b"%PDF")):
        out = view.export(tmp_path / name)
        assert out.read_bytes().startswith(magic)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.pdf", "t.png", "t.svg"]
    with pytest.raises(ValueError, match=r"\.png, \.svg or \.pdf"):
        view.export(tmp_path / "t.jpg")


def test_buttons_have_accessible_names_and_take_focus(view):
    for b in (
        view.whole_button,
        view.year_button,
        view.zoom_in_button,
        view.export_button,
        view.use_button,
    ):
        assert b.accessibleName() and b.focusPolicy() & Qt.TabFocus
    assert "3 lines of therapy" in view.canvas.accessibleDescription()


def test_a_failing_summary_is_said_plainly_not_worked_around(qtbot):
    """The chart draws from the one Summary; when the rules fail it says so instead of
    working lines of therapy out some other way (issue 15)."""
    ctx = FakeCtx()

    def broken():
        raise RuntimeError("staging rule failed")

    ctx.summary = broken
    v = TimelineView(ctx)
    qtbot.addWidget(v)
    assert v.data is None or not v.data.lanes
    assert "could not be drawn" in v.status.text()
    assert "staging rule failed" not in v.status.text()  # no internals on screen


def test_keyboard_steps_through_marks_and_opens_one(view, qtbot):
    view.canvas.setFocus()
    qtbot.keyClick(view.canvas, Qt.Key_N)
    first = view.hover_mark
    assert first is not None and first.x0 == min(
        m.x0
        for m in view.artists.marks
        if m.kind in ("bar", "side_effect") or m.kind.startswith("event:")
    )
    assert first.tip.split("\n")[0] in view.status.text()
    qtbot.keyClick(view.canvas, Qt.Key_N)
    assert view.hover_mark is not first and view.hover_mark.x0 >= first.x0
    qtbot.keyClick(view.canvas, Qt.Key_P)
    assert view.hover_mark is first
    # Walk to DKd's first bar and open it with Enter.
    for _ in range(60):
        if view.hover_mark.ref == "regimen:4" and view.hover_mark.kind == "bar":
            break
        qtbot.keyClick(view.canvas, Qt.Key_N)
    qtbot.keyClick(view.canvas, Qt.Key_Return)
    assert view.ctx.opened[-1] == "regimen:4"


def test_follows_the_text_size_setting(view, qtbot):
    from PySide6.QtGui import QFont

    assert view.artists.text_scale == 1.0
    view.ctx.settings.text_scale = 175
    font = QFont(view.font())
    font.setPointSizeF(font.pointSizeF() * 1.75)
    view.setFont(font)  # what View > Text size does through the application font
    qtbot.waitUntil(lambda: view.artists.text_scale == 1.75)
    assert view.canvas.minimumHeight() > 0


def test_toolbar_wraps_to_fit_an_1100_px_window_at_200_percent(
    window, qtbot, demo_master, tmp_path
):
    import shutil

    from PySide6.QtWidgets import QAbstractButton, QApplication

    from journal.ui.main_window import PAGES

    w, controller = window
    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_master, path)
    assert controller.open_path(path)
    w.set_text_scale(200)
    try:
        w.resize(1100, 800)
        w.show()
        qtbot.waitExposed(w)
        i = next(n for n, p in enumerate(PAGES) if p[1] == "timeline")
        w.go_to(i)
        QApplication.processEvents()
        holder = w.stack.currentWidget()
        page = w.page(i)
        assert isinstance(page, TimelineView)
        # One row would need ~1,400 px here; wrapped, the page fits beside the navigation.
        assert page.minimumSizeHint().width() <= holder.viewport().width() <= 1100
        assert not holder.horizontalScrollBar().isVisible()
        assert page.width() <= holder.viewport().width()
        controls = [
            page.whole_button,
            page.year_button,
            page.zoom_in_button,
            page.zoom_out_button,
            page.earlier_button,
            page.later_button,
            page.counts_box,
            page.export_button,
            page.from_edit,
            page.to_edit,
            page.show_period_button,
            page.use_button,
        ]
        rows = set()
        for c in controls:
            # Every action is still shown whole inside the page, named and reachable by Tab.
            assert c.isVisible() and c.accessibleName()
            assert c.focusPolicy() & Qt.TabFocus
            top_left = c.mapTo(page, c.rect().topLeft())
            assert top_left.x() >= 0 and top_left.x() + c.width() <= page.width()
            assert c.width() >= c.sizeHint().width() or not isinstance(c, QAbstractButton)
            rows.add(top_left.y())
        assert len(rows) > 2  # it did wrap
        # Tab walks the toolbar in reading order.
        order, widget = [], controls[0]
        for _ in range(40):
            if widget in controls and widget not in order:
                order.append(widget)
            widget = widget.nextInFocusChain()
        assert order == controls
    finally:
        w.set_text_scale(100)


def test_a_long_history_is_drawn_in_the_background_and_then_works_the_same(qtbot, monkeypatch):
    """Above BACKGROUND_MARKS the chart is laid out and rendered on a worker on a
    Figure of its own; when it is put on the canvas, hover, click and zoom work on it."""
    import numpy as np

    import journal.ui.timeline_view as tv

    monkeypatch.setattr(tv, "BACKGROUND_MARKS", 1)
    ctx = FakeCtx()
    v = TimelineView(ctx)
    qtbot.addWidget(v)
    v.resize(1200, 800)
    v.show()
    qtbot.waitExposed(v)
    qtbot.waitUntil(lambda: v.artists is not None and not v.rendering, timeout=30000)
    assert v.canvas.figure is v.figure is v.artists.fig
    assert "_frame_background" in v.artists.__dict__  # the worker kept the still parts
    w, h = v.canvas.get_width_height(physical=True)
    assert (w, h) == (v.canvas.width(), v.canvas.height())
    shown = np.asarray(v.canvas.buffer_rgba()).copy()
    assert (shown[..., :3] < 128).any()  # something was drawn, not a blank canvas

    mark = first(v, "bar", "regimen:4")
    x, y = centre_of(v, mark)
    qtbot.mouseMove(v.canvas, v.widget_pos(x, y))
    qtbot.waitUntil(lambda: v.hover_mark is not None)
    qtbot.mouseClick(v.canvas, Qt.LeftButton, pos=v.widget_pos(x, y))
    assert ctx.opened[-1] == "regimen:4"

    lo, hi = v.shown_range()
    v.zoom_in()
    qtbot.wait(50)
    lo2, hi2 = v.shown_range()
    assert (hi2 - lo2).days < (hi - lo).days
    figure = v.figure
    v.figure.canvas.draw()  # a full render goes to the worker again ...
    assert v.rendering
    qtbot.waitUntil(lambda: not v.rendering, timeout=30000)
    assert v.figure is not figure and v.shown_range() == (lo2, hi2)  # ... keeping the zoom
    assert (np.asarray(v.canvas.buffer_rgba())[..., :3] < 128).any()

    # Asked five times while one is being drawn (a window dragged wider): one drawing
    # now, one more for the latest wish, not six.
    made = renders_counted(monkeypatch)
    for _ in range(5):
        v._render_in_background()
    qtbot.waitUntil(lambda: not v.rendering, timeout=30000)
    qtbot.wait(50)
    assert len(made) == 2

    # A frame showing many marks is drawn on the worker too: a new figure at the new dates.
    monkeypatch.setattr(tv, "FRAME_MARKS", 0)
    figure = v.figure
    v.zoom_in()
    qtbot.waitUntil(lambda: v.rendering, timeout=5000)
    qtbot.waitUntil(lambda: not v.rendering, timeout=30000)
    assert v.figure is not figure
    assert made[-1]["date_range"] == v.shown_range()


def test_a_long_history_built_hidden_is_drawn_once_at_the_size_shown(qtbot, monkeypatch):
    """The page is built before it is laid out: the background drawing waits for the
    real size instead of being made at a guess and made again (twice the time, and
    both images in memory for a moment)."""
    import journal.ui.timeline_view as tv

    monkeypatch.setattr(tv, "BACKGROUND_MARKS", 1)
    made = renders_counted(monkeypatch)
    v = TimelineView(FakeCtx())
    qtbot.addWidget(v)
    assert v.rendering and v.artists is None  # asked for, waiting to be shown
    qtbot.wait(50)
    assert made == []
    v.resize(900, 700)
    v.show()
    qtbot.waitExposed(v)
    qtbot.waitUntil(lambda: v.artists is not None and not v.rendering, timeout=30000)
    qtbot.wait(50)
    assert len(made) == 1
    w, h = v.canvas.get_width_height(physical=True)
    assert (w, h) == (v.canvas.width(), v.canvas.height())


def test_a_replaced_drawing_is_freed_without_a_full_garbage_collection(qtbot, monkeypatch):
    """A matplotlib figure is a web of reference cycles; a redrawn timeline's old figure
    is taken apart on a worker, so it goes at once instead of waiting (some 20 MB a
    redraw of a long history) for a full collection that stops the window."""
    import gc
    import weakref

    import journal.ui.timeline_view as tv

    monkeypatch.setattr(tv, "BACKGROUND_MARKS", 1)
    v = TimelineView(FakeCtx())
    qtbot.addWidget(v)
    v.resize(1000, 700)
    v.show()
    qtbot.waitExposed(v)
    qtbot.waitUntil(lambda: v.artists is not None and not v.rendering, timeout=30000)
    old = weakref.ref(v.figure)
    old_axes = weakref.ref(v.artists.lanes_ax)
    gc.disable()
    try:
        v._render_in_background()
        qtbot.waitUntil(lambda: not v.rendering, timeout=30000)
        assert v.figure is not old()
        qtbot.waitUntil(lambda: old() is None and old_axes() is None, timeout=10000)
    finally:
        gc.enable()
    # The new drawing still answers: hover and zoom work on it.
    mark = first(v, "bar", "regimen:4")
    qtbot.mouseMove(v.canvas, v.widget_pos(*centre_of(v, mark)))
    qtbot.waitUntil(lambda: v.hover_mark is not None)
    lo, hi = v.shown_range()
    v.zoom_in()
    qtbot.wait(50)
    lo2, hi2 = v.shown_range()
    assert (hi2 - lo2).days < (hi - lo).days


def test_a_long_history_has_its_drawing_data_worked_out_off_the_ui_thread(qtbot, monkeypatch):
    """Above BACKGROUND_RECORDS the drawing data (75 ms of Python for 25 years) is made
    on a worker: the page opens at once, the same chart comes when it is ready, and data
    made for a journal that changed meanwhile is dropped for the newer."""
    import threading

    import journal.ui.timeline_view as tv

    made_on: list[threading.Thread] = []
    real = tv.timeline_data_from
    go = threading.Event()

    def spy(*args, **kwargs):
        made_on.append(threading.current_thread())
        go.wait(30)  # until the test has looked at the page meanwhile
        return real(*args, **kwargs)

    monkeypatch.setattr(tv, "timeline_data_from", spy)
    monkeypatch.setattr(tv, "BACKGROUND_RECORDS", 1)
    ctx = FakeCtx()
    v = TimelineView(ctx)
    qtbot.addWidget(v)
    assert v.rendering and v.data is None  # asked for, not built here
    assert "Drawing the timeline" in v.status.text()  # not an empty chart without a word
    v.resize(1200, 800)
    v.show()
    qtbot.waitExposed(v)
    # Meanwhile the chart area is the plain ground, not an unpainted (black) hole.
    from PySide6.QtGui import QPalette

    middle = v.canvas.grab().toImage()
    ground = v.canvas.palette().color(QPalette.ColorRole.Base)
    assert middle.pixelColor(middle.width() // 2, middle.height() // 2) == ground
    go.set()
    qtbot.waitUntil(lambda: v.artists is not None and not v.rendering, timeout=30000)
    assert made_on and all(t is not threading.main_thread() for t in made_on)
    assert v.status.text().startswith("Point at a mark")  # the hint is back once drawn
    assert first(v, "bar", "regimen:4") is not None  # the same marks as drawn in place
    first_data = v.data

    # Two refreshes in a row (two quick edits): only the newer data is drawn.
    v.refresh()
    stale_generation = v._data_generation
    v.refresh()
    qtbot.waitUntil(lambda: not v.rendering, timeout=30000)
    qtbot.wait(50)
    assert v._data_generation == stale_generation + 1
    assert v.data is not first_data
    v._data_ready(stale_generation, None, first_data)  # a late answer to the older one
    assert v.data is not first_data


def test_drawing_data_that_fails_on_the_worker_says_so_and_keeps_the_window(qtbot, monkeypatch):
    import journal.ui.timeline_view as tv

    monkeypatch.setattr(tv, "BACKGROUND_RECORDS", 1)
    monkeypatch.setattr(
        tv, "timeline_data_from", lambda *a, **k: (_ for _ in ()).throw(ValueError("bad"))
    )
    v = TimelineView(FakeCtx())
    qtbot.addWidget(v)
    qtbot.waitUntil(lambda: not v.rendering, timeout=30000)
    assert "could not be drawn" in v.status.text()
    assert "Nothing you saved is lost" in v.status.text()


def test_while_a_long_historys_first_drawing_is_made_the_chart_area_is_plain_ground(
    qtbot, monkeypatch
):
    """Left unpainted, the waiting chart area showed black (a screenshot of the 25-year
    journal); it shows the palette's ground, and a word on what is coming."""
    import threading

    from PySide6.QtGui import QPalette

    import journal.ui.timeline_view as tv

    monkeypatch.setattr(tv, "BACKGROUND_MARKS", 1)
    go = threading.Event()
    real = tv._render_figure
    monkeypatch.setattr(tv, "_render_figure", lambda **job: (go.wait(30), real(**job))[1])
    v = TimelineView(FakeCtx())
    qtbot.addWidget(v)
    v.setStyleSheet("")  # the palette as the app sets it
    pal = v.palette()
    pal.setColor(QPalette.ColorRole.Base, Qt.GlobalColor.yellow)  # unlike white or black
    v.canvas.setPalette(pal)
    v.resize(1000, 700)
    v.show()
    qtbot.waitExposed(v)
    qtbot.waitUntil(lambda: v._in_flight, timeout=10000)
    img = v.canvas.grab().toImage()
    assert img.pixelColor(img.width() // 2, img.height() // 2) == Qt.GlobalColor.yellow
    assert "Drawing the timeline" in v.status.text()
    # No dates to choose from yet (the date edits would read 1 Jan 2000).
    assert not v.from_edit.isEnabled() and not v.use_button.isEnabled()
    go.set()
    qtbot.waitUntil(lambda: v.artists is not None and not v.rendering, timeout=30000)
    assert v.status.text().startswith("Point at a mark")
    assert v.from_edit.isEnabled() and v.use_button.isEnabled()
    assert v.from_edit.date().year() > 2000  # the chart's own dates


def test_a_long_history_shown_before_its_data_is_ready_is_drawn_once(qtbot, monkeypatch):
    """The data comes after the page is shown; the canvas then grows taller than the
    view and the scroll bar appears. Measured before that, the drawing came out a bar too
    wide and was made again: two drawings in memory at once (+15 MB for 25 years)."""
    import journal.ui.timeline_view as tv

    monkeypatch.setattr(tv, "BACKGROUND_RECORDS", 1)
    monkeypatch.setattr(tv, "BACKGROUND_MARKS", 1)
    made = renders_counted(monkeypatch)
    v = TimelineView(FakeCtx())
    qtbot.addWidget(v)
    v.resize(900, 260)  # shorter than the chart: it scrolls
    v.show()
    qtbot.waitExposed(v)
    qtbot.waitUntil(lambda: v.artists is not None and not v.rendering, timeout=30000)
    qtbot.wait(100)
    assert v.scroll.verticalScrollBar().isVisible()
    assert len(made) == 1
    w, h = v.canvas.get_width_height(physical=True)
    assert (w, h) == (v.canvas.width(), v.canvas.height())
