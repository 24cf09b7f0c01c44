"""Structural tests on the drawn timeline: what is on the figure, where, and what it points to."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import matplotlib.dates as mdates
import pytest
from chart_samples import TODAY
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from journal.charts.data import timeline_data_from
from journal.charts.timeline import (
    TimelineOptions,
    draw_timeline,
    set_date_range,
    shown_range,
    suggested_height,
    update_timeline,
)


def num(day: dt.date) -> float:
    return float(mdates.date2num(day))


@pytest.fixture
def data(history, results):
    return timeline_data_from(history, results, today=TODAY, extra_labs=("hb",))


@pytest.fixture
def drawn(data):
    fig = Figure(figsize=(12, suggested_height(data)), dpi=72)
    arts = draw_timeline(fig, data)
    fig.canvas.draw()
    return arts


def agg_renderer(fig):
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def bar_marks(arts, ref):
    return [m for m in arts.marks_for(ref) if m.kind == "bar"]


def test_bars_span_the_regimen_dates(drawn):
    dkd = bar_marks(drawn, "regimen:4")
    assert len(dkd) == 3  # daratumumab, carfilzomib, dexamethasone
    extents = sorted((m.artist.get_x(), m.artist.get_x() + m.artist.get_width()) for m in dkd)
    assert extents[0] == (num(dt.date(2022, 3, 1)), num(dt.date(2022, 11, 1)))
    assert extents[-1] == (num(dt.date(2022, 3, 1)), num(dt.date(2023, 4, 20)))
    # Ongoing: drawn to "today" and ends in an arrow.
    (tec,) = bar_marks(drawn, "regimen:5")
    assert tec.artist.get_x() + tec.artist.get_width() == num(TODAY)
    (arrow,) = [m for m in drawn.marks_for("regimen:5") if m.kind == "ongoing"]
    assert arrow.artist.get_marker() == ">" and arrow.x0 == num(TODAY)
    assert tec.artist.get_hatch() == "///"  # trial, by pattern and not only colour


def test_one_lane_per_line_with_labels(drawn, data):
    major = [t.get_text() for t in drawn.lane_labels]
    tops = [t.get_position()[1] for t in drawn.lane_labels]
    assert tops == [drawn.lane_rows[n][0] + 0.5 for n in (1, 2, 3)]
    assert all(t.get_fontweight() == "bold" for t in drawn.lane_labels)
    assert (
        major
        == [lane.label for lane in data.lanes]
        == [
            "Line 1: VRd → ASCT → len maint.",
            "Line 2: DKd",
            "Line 3*: Tec",
        ]
    )
    rows = [(t.get_text(), t.get_position()[1]) for t in drawn.row_labels]
    assert [r[0] for r in rows[:4]] == ["bortezomib", "lenalidomide", "dexamethasone", "melphalan"]
    assert rows[1][1] == drawn.row_y[(1, "lenalidomide")]
    # Each lane's bars sit inside its own band.
    for lane in data.lanes:
        top, bottom = drawn.lane_rows[lane.number]
        for rid in lane.regimen_ids:
            for m in bar_marks(drawn, f"regimen:{rid}"):
                assert top < m.y0 < m.y1 < bottom


def test_event_markers_at_their_dates(drawn):
    def at(ref, kind):
        (m,) = [m for m in drawn.marks_for(ref) if m.kind == kind]
        return m

    asct = at("procedure:1", "event:transplant")
    assert asct.artist.get_xdata()[0] == num(dt.date(2019, 10, 3))
    assert asct.artist.get_marker() == "*"
    prog = at("progression:1", "event:progression")
    assert prog.artist.get_xdata()[0] == num(dt.date(2022, 1, 15))
    assert prog.artist.get_marker() == "^"
    # Clinician response filled, computed response hollow: fill, not just colour.
    doctor = at("response:1", "event:response")
    assert doctor.artist.get_markerfacecolor() != "white"
    computed = [
        m for m in drawn.marks if m.kind == "event:response" and m.ref.startswith("computed:")
    ]
    assert computed and all(m.artist.get_markerfacecolor() == "white" for m in computed)
    assert computed[0].open_refs == (computed[0].ref, "lab:2")  # click falls back to the lab
    pending = at("computed:progression:line3:2024-03-01", "event:progression")
    assert pending.artist.get_markerfacecolor() == "white"
    texts = {t.get_text() for t in drawn.lanes_ax.texts}
    assert {"ASCT", "VGPR", "PR", "PD"} <= texts


def test_dose_marks_on_the_bar(drawn):
    reduced = [m for m in drawn.marks if m.kind == "dose:reduced"]
    (m,) = reduced
    assert m.artist.get_marker() == "v" and m.x0 == num(dt.date(2019, 5, 10))
    assert m.ref == "dose_change:1"
    (stop,) = [m for m in drawn.marks if m.kind == "dose:stopped"]
    assert stop.x0 == num(dt.date(2022, 11, 1))


def test_side_effect_spans_grade_and_serious(drawn):
    ax = drawn.side_effects_ax
    spans = {m.ref: m for m in drawn.marks if m.kind == "side_effect"}
    assert set(spans) == {f"side_effect:{i}" for i in (1, 2, 3, 4)}
    heart, rash = spans["side_effect:3"], spans["side_effect:1"]
    assert heart.artist.get_linewidth()[0] > rash.artist.get_linewidth()[0]
    hatches = {m.artist.get_hatch() for m in spans.values()}
    assert len(hatches) == 4  # grades 1-4 differ by pattern too, not only colour
    assert (heart.x0, heart.x1) == (num(dt.date(2022, 10, 20)), num(dt.date(2022, 12, 1)))
    assert [m.ref for m in drawn.marks if m.kind == "ongoing" and m.ax is ax] == ["side_effect:4"]
    # Overlapping spans (neuropathy and rash in 2019) go on different rows.
    assert spans["side_effect:1"].y0 != spans["side_effect:2"].y0
    # Each span is one path in its grade's collection.
    patch_colls = [c for c in ax.collections if isinstance(c, PatchCollection)]
    assert sum(len(c.get_paths()) for c in patch_colls) == 4


def test_lab_panels_share_time_axis_and_show_levels(drawn):
    assert list(drawn.lab_axes) == ["m_protein", "hb"]
    ax = drawn.lab_axes["m_protein"]
    assert ax.get_shared_x_axes().joined(ax, drawn.lanes_ax)
    (line,) = [m.artist for m in drawn.marks if m.kind == "lab" and m.ax is ax][:1]
    assert list(line.get_ydata())[:3] == [3.2, 1.1, 0.4]
    levels = {(m.kind, m.y0): m for m in drawn.marks if m.kind.startswith("level:")}
    assert set(levels) == {
        ("level:nadir", 0.9),
        ("level:nadir", 0.3),
        ("level:threshold", 1.4),
        ("level:threshold", 0.8),
    }
    nadir = levels[("level:nadir", 0.3)]
    assert nadir.artist.get_linestyle() == ":" and nadir.artist.get_drawstyle() == "steps-post"
    assert (nadir.x0, nadir.x1) == (num(dt.date(2022, 6, 1)), num(dt.date(2023, 5, 31)))
    assert levels[("level:threshold", 0.8)].artist.get_linestyle() == "--"
    assert ax.get_yscale() == "linear"


def test_legend_explains_every_symbol(drawn):
    labels = set(drawn.legend_labels)
    for needed in [
        "Myeloma treatment",
        "Preparing for transplant or CAR-T",
        "given in a clinical trial",
        "still ongoing",
        "dose reduced",
        "drug stopped early",
        "stem-cell transplant",
        "progression (PD)",
        "possible progression (unconfirmed)",
        "response computed from labs",
        "side effect grade 4 (life-threatening)",
        "serious side effect (thick outline)",
        "lowest value (nadir)",
        "progression threshold",
        "* line number set by you",
    ]:
        assert needed in labels
    # Nothing in the legend that is not on the chart: no CAR-T in this history.
    assert "CAR-T infusion" not in labels


def test_hit_finds_bars_and_points(drawn):
    fig = drawn.fig
    (m,) = [m for m in drawn.marks if m.kind == "dose:reduced"]
    x, y = m.ax.transData.transform((m.x0, m.y0))
    assert drawn.hit(x + 2, y).ref == "dose_change:1"  # marker wins over its bar
    bar = bar_marks(drawn, "regimen:4")[0]
    x, y = bar.ax.transData.transform(((bar.x0 + bar.x1) / 2, (bar.y0 + bar.y1) / 2))
    assert drawn.hit(x, y).ref == "regimen:4"
    lab = next(m for m in drawn.marks if m.kind == "lab" and m.ref == "lab:4")
    x, y = lab.ax.transData.transform((lab.x0, lab.y0))
    hit = drawn.hit(x + 1, y - 1)
    assert hit.ref == "lab:4" and "0.2 g/dL" in hit.tip
    assert drawn.hit(1, 1) is None
    lane = next(m for m in drawn.marks if m.kind == "lane" and m.tip.startswith("Line 1"))
    x, y = lane.ax.transData.transform((lane.x0 + 600, lane.y0))  # no event near
    got = drawn.hit(x, y + 1)
    assert got.kind == "lane" and "VRd → ASCT → lenalidomide maintenance" in got.tip
    assert got.ref == "regimen:1"
    thr = next(m for m in drawn.marks if m.kind == "level:threshold" and m.y0 == 0.8)
    x, y = thr.ax.transData.transform(((thr.x0 + thr.x1) / 2, thr.y0))
    assert "Progression threshold: 0.8 g/dL" in drawn.hit(x, y + 2).tip
    assert fig.bbox.width > 0


def test_text_scale_and_date_range(data):
    fig = Figure(figsize=(12, suggested_height(data, text_scale=1.75)))
    arts = draw_timeline(
        fig, data, text_scale=1.75, date_range=(dt.date(2023, 6, 1), dt.date(2024, 6, 30))
    )
    assert arts.lane_labels[0].get_fontsize() == pytest.approx(9 * 1.75)
    assert arts.row_labels[0].get_fontsize() == pytest.approx(9 * 1.75 * 0.85)
    lo, hi = shown_range(arts)
    assert lo <= dt.date(2023, 6, 1) and hi >= dt.date(2024, 6, 30)
    assert (hi - lo).days < 400
    set_date_range(arts, dt.date(2020, 1, 1), dt.date(2021, 1, 1))
    assert shown_range(arts) == (dt.date(2020, 1, 1), dt.date(2021, 1, 1))
    assert suggested_height(data, text_scale=1.75) > suggested_height(data)


def test_redraw_on_the_same_figure(data, history, results):
    fig = Figure(figsize=(10, 8))
    arts = draw_timeline(fig, data)
    fewer = timeline_data_from(history, results.lines, today=TODAY)
    again = update_timeline(arts, fewer)
    assert again.fig is fig
    assert len(fig.axes) == 1 + 1 + 1  # lanes, side effects, M-spike; no Hb asked for now
    assert not any(m.kind.startswith("level:") for m in again.marks)
    rects = [p for p in again.lanes_ax.patches if isinstance(p, Rectangle)]
    bars = [m.artist for m in again.marks if m.kind == "bar"]
    zebra = (len(fewer.lanes) + 1) // 2  # every other lane has a light band
    assert set(bars) <= set(rects) and len(rects) == len(bars) + zebra  # old artists gone


def test_options_hide_panels(data):
    fig = Figure(figsize=(10, 6))
    arts = draw_timeline(
        fig, data, options=TimelineOptions(show_side_effects=False, show_labs=False)
    )
    assert arts.side_effects_ax is None and arts.lab_axes == {}
    assert len(fig.axes) == 1
    assert not any(label.startswith("side effect") for label in arts.legend_labels)


def test_empty_journal_draws_a_message():
    from journal.charts.data import TimelineData

    fig = Figure(figsize=(8, 4))
    arts = draw_timeline(fig, TimelineData(lanes=(), today=TODAY))
    fig.canvas.draw()
    assert any("No treatment recorded" in t.get_text() for t in arts.lanes_ax.texts)


def test_charts_import_neither_qt_nor_pyplot():
    code = (
        "import sys, journal.charts.timeline, journal.charts.data;"
        "bad = [m for m in sys.modules if m.startswith('PySide6') or m == 'matplotlib.pyplot'];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_relayout_fits_labels_after_a_resize(data):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from journal.charts.timeline import relayout

    fig = Figure(figsize=(6, 4), dpi=72)
    FigureCanvasAgg(fig)
    arts = draw_timeline(fig, data, text_scale=1.75)
    fig.set_size_inches(14, 12)  # what a canvas does when the window grows
    relayout(arts)
    renderer = agg_renderer(fig)
    axes_left = arts.lanes_ax.get_window_extent(renderer).x0
    for text in arts.lane_labels + arts.row_labels:
        box = text.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= axes_left + 1
    # The gaps between panels stay a few points, not a share of a huge figure.
    se_top = arts.side_effects_ax.get_window_extent(renderer).y1
    lanes_bottom = arts.lanes_ax.get_window_extent(renderer).y0
    assert 0 < lanes_bottom - se_top < 40
    legend = arts.legend.get_window_extent(renderer)
    assert legend.y0 >= 0 and legend.x0 >= 0 and legend.x1 <= fig.bbox.width


def test_approximate_dates_get_a_dashed_edge(history, results):
    from dataclasses import replace

    from journal.domain.dates import PartialDate

    dkd = next(r for r in history.regimens if r.id == 4)
    rough = replace(
        dkd,
        start=PartialDate(2022, season="spring"),
        drugs=tuple(replace(d, start=PartialDate(2022, season="spring")) for d in dkd.drugs),
    )
    h = replace(history, regimens=tuple(rough if r.id == 4 else r for r in history.regimens))
    data = timeline_data_from(h, results, today=TODAY)
    fig = Figure(figsize=(10, 7))
    arts = draw_timeline(fig, data)
    rough_bars = bar_marks(arts, "regimen:4")
    exact_bars = bar_marks(arts, "regimen:1")
    assert all(m.artist.get_linestyle() == "--" for m in rough_bars)
    assert all(m.artist.get_linestyle() == "-" for m in exact_bars)
    # Drawn from the middle of spring, and the hover says "spring 2022", not a day.
    assert rough_bars[0].x0 == num(PartialDate(2022, season="spring").midpoint())
    assert "spring 2022" in rough_bars[0].tip
    assert "dates approximate (dashed edge)" in arts.legend_labels


def test_side_effect_rows_are_named_by_term(drawn, data):
    ax = drawn.side_effects_ax
    names = [t.get_text() for t in drawn.side_effect_labels]
    assert names == ["Neuropathy (sensory)", "Rash", "Heart failure", "Neutropenia"]
    # Each term's span sits on the row its name is written beside.
    for label in drawn.side_effect_labels:
        (span,) = [s for s in data.side_effects if s.label == label.get_text()]
        (mark,) = [m for m in drawn.marks if m.kind == "side_effect" and m.ref == span.ref]
        assert mark.y0 < label.get_position()[1] < mark.y1
    assert ax.get_title(loc="left") == "Side effects"
    # The names are inside the figure, left of the panel, not cut off.
    renderer = agg_renderer(drawn.fig)
    panel = ax.get_window_extent(renderer)
    for label in drawn.side_effect_labels:
        box = label.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= panel.x0


def test_many_side_effect_terms_pack_rows_and_write_the_term_where_it_fits(history, results):
    from dataclasses import replace

    from chart_samples import d

    from journal.domain.records import SideEffectRec

    effects = [
        SideEffectRec(
            10 + i,
            f"Term number {i}",
            d(f"{2019 + i % 5}-0{1 + i % 9}-01"),
            grade=1 + i % 3,
            resolved=d(f"{2019 + i % 5}-{'0' if i % 9 < 8 else ''}{2 + i % 9}-01")
            if i % 4
            else d(f"{2019 + i % 5 + 1}-06-01"),
        )
        for i in range(20)
    ]
    h = replace(history, side_effects=tuple(effects))
    data = timeline_data_from(h, results, today=TODAY)
    options = TimelineOptions(max_term_rows=8, max_side_effect_rows=4)
    fig = Figure(figsize=(12, suggested_height(data, options=options)), dpi=72)
    arts = draw_timeline(fig, data, options=options)
    fig.canvas.draw()
    ax = arts.side_effects_ax
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Side effects"]
    rows = {m.y0 for m in arts.marks if m.kind == "side_effect"}
    assert 1 < len(rows) <= 4
    # Long spans carry their term, written inside the span; short ones only hover.
    assert arts.side_effect_labels
    renderer = agg_renderer(fig)
    spans = {s.label: s for s in data.side_effects}
    for text in arts.side_effect_labels:
        span = spans[text.get_text()]
        (mark,) = [m for m in arts.marks if m.kind == "side_effect" and m.ref == span.ref]
        box = text.get_window_extent(renderer)
        x0, _ = ax.transData.transform((mark.x0, 0))
        x1, _ = ax.transData.transform((mark.x1, 0))
        assert x0 <= box.x0 and box.x1 <= x1
    written = {t.get_text() for t in arts.side_effect_labels}
    assert any(
        s.end is not None and s.end.year - s.start.year >= 1
        for s in data.side_effects
        if s.label in written
    )


def _overlaps(boxes):
    return [
        (a, b)
        for i, (a, abox) in enumerate(boxes)
        for b, bbox in boxes[i + 1 :]
        if abox.overlaps(bbox)
    ]


def test_event_labels_never_overlap_and_an_unchanged_response_is_not_relabelled(drawn):
    renderer = agg_renderer(drawn.fig)
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in drawn.event_labels]
    assert boxes and not _overlaps(boxes)
    texts = [t.get_text() for t in drawn.event_labels]
    # Line 1: PR computed, VGPR recorded, ASCT: all three named, close in time.
    assert texts[:3] == ["PR", "VGPR", "ASCT"]


def test_event_label_levels_step_up_only_when_labels_touch():
    from types import SimpleNamespace

    from journal.charts.timeline import event_label_levels

    def ev(kind, label):
        return SimpleNamespace(kind=kind, label=label)

    days_per_in = 100.0
    labelled = [
        (ev("response", "VGPR"), 0.0, 0.0),
        (ev("transplant", "ASCT"), 40.0, 0.0),  # centred it would touch VGPR
        (ev("response", "VGPR"), 60.0, 0.0),  # same category as before: no label
        (ev("progression", "PD"), 500.0, 0.0),  # far away: back on the first step
        (ev("progression", "PD"), 501.0, 0.0),  # recorded and computed together: one label
        (ev("response", "VGPR"), 20.0, 5.0),  # another lane: its own steps
    ]
    assert event_label_levels(labelled, 8.0, days_per_in) == [
        (0, "center"),
        (0, "left"),  # touches VGPR centred: starts at its own marker instead
        None,
        (0, "center"),
        None,
        (0, "center"),
    ]
    # Seven different labels on one day: three places per step, three steps; the
    # rest are left to their markers' hover text.
    crowd = [
        (ev("progression", t), 0.0, 0.0) for t in ("PD", "CR", "ASCT", "CAR-T", "PR", "MR", "SD")
    ]
    # Centred, then shifted aside; a shifted label clashes with the centred one on the same
    # day, so each further label goes a step up.
    assert event_label_levels(crowd, 8.0, days_per_in) == [
        (0, "center"),
        (1, "center"),
        (2, "center"),
        None,
        None,
        None,
        None,
    ]


def test_a_small_fixed_figure_packs_side_effects_and_shrinks_names_instead_of_overlapping(data):
    # A PDF page gives the chart a fixed size; one row per term would not be readable.
    fig = Figure(figsize=(7.1, 5.5), dpi=100)
    arts = draw_timeline(fig, data)
    renderer = agg_renderer(fig)
    assert arts.side_effect_terms is None
    assert [t.get_text() for t in arts.side_effects_ax.get_yticklabels()] == ["Side effects"]
    names = arts.lane_labels + arts.row_labels
    assert min(t.get_fontsize() for t in names) < 9 * 0.85  # shrunk to fit its row
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in names]
    assert not _overlaps(boxes)
    # The same data on a figure of the suggested height: one named row per term.
    tall = draw_timeline(Figure(figsize=(7.1, suggested_height(data)), dpi=100), data)
    assert tall.side_effect_terms == [
        "Neuropathy (sensory)",
        "Rash",
        "Heart failure",
        "Neutropenia",
    ]


def test_zoom_leaves_out_what_is_off_screen_and_zooming_out_brings_it_back(drawn):
    """Culling for fluid zoom: spans, bars, markers and event labels outside the shown
    dates are not drawn; hover still finds everything once it is in view again."""
    spans = [c for c in drawn.side_effects_ax.collections if isinstance(c, PatchCollection)]
    before = sum(len(c.get_paths()) for c in spans)
    labels_before = sum(t.get_visible() for t in drawn.event_labels)
    bars = [m.artist for m in drawn.marks if m.kind == "bar"]
    bars_before = sum(b.get_visible() for b in bars)
    lo, hi = shown_range(drawn)
    assert before > 2 and labels_before > 2

    # Far to the right of the whole history: nothing of it is in view.
    set_date_range(drawn, hi + dt.timedelta(days=3000), hi + dt.timedelta(days=3100))
    drawn.fig.canvas.draw()
    assert sum(len(c.get_paths()) for c in spans) == 0
    assert not any(t.get_visible() for t in drawn.event_labels)
    assert not any(b.get_visible() for b in bars)

    set_date_range(drawn, lo, hi)
    drawn.fig.canvas.draw()
    assert sum(len(c.get_paths()) for c in spans) == before
    assert sum(t.get_visible() for t in drawn.event_labels) == labels_before
    assert sum(b.get_visible() for b in bars) == bars_before > 2
    bar = bar_marks(drawn, "regimen:4")[0]
    x, y = bar.ax.transData.transform(((bar.x0 + bar.x1) / 2, (bar.y0 + bar.y1) / 2))
    assert drawn.hit(x, y).ref == "regimen:4"


def test_a_zoom_frame_shows_the_same_pixels_as_a_full_render(drawn, data):
    """draw_frame (cached still parts + what moves) is a faster way to the same picture:
    at several ranges, and after the figure was laid out again."""
    import numpy as np

    from journal.charts.timeline import draw_frame, relayout

    fig = drawn.fig
    FigureCanvasAgg(fig)
    lo, hi = shown_range(drawn)
    ranges = [
        (TODAY - dt.timedelta(days=365), TODAY),
        (lo + dt.timedelta(days=200), lo + dt.timedelta(days=900)),
        # A year's first day at each edge: x grid lines on the lab panels' y axes.
        (dt.date(TODAY.year - 2, 1, 1), dt.date(TODAY.year, 1, 1)),
        (lo, hi),
    ]
    for step, (a, b) in enumerate(ranges):
        if step == 3:
            fig.set_size_inches(10, fig.get_figheight())
            relayout(drawn)
        set_date_range(drawn, a, b)
        draw_frame(drawn)
        frame = np.asarray(fig.canvas.buffer_rgba()).copy()
        draw_frame(drawn)  # the cached background this time
        again = np.asarray(fig.canvas.buffer_rgba()).copy()
        fig.canvas.draw()
        full = np.asarray(fig.canvas.buffer_rgba())
        assert frame.shape == full.shape
        assert (frame == full).all() and (again == full).all(), (a, b)


def test_hatched_spans_drawn_as_one_path_give_the_pixels_of_spans_drawn_one_by_one():
    """Side-effect spans of one hatched look go to Agg as compound paths (the hatch tile
    is rendered once per path): apart they look exactly as when drawn one by one."""
    import numpy as np

    from journal.charts.timeline import _rectangle_path, _SpanCollection

    # 450 spans: more than one compound path, each small enough to be snapped to pixels.
    spans = [_rectangle_path(i * 7.0 + 0.3, (i % 9) - 0.35, 4.1, 0.7) for i in range(450)]

    def render(collection_type):
        fig = Figure(figsize=(8, 3), dpi=72)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.set_xlim(0, 3200)
        ax.set_ylim(9, -1)
        coll = collection_type(
            [], facecolor="#E69F00", hatch="..", edgecolor="#777777", linewidths=0.4
        )
        coll._paths = spans
        ax.add_collection(coll, autolim=False)
        fig.canvas.draw()
        return coll, np.asarray(fig.canvas.buffer_rgba()).copy()

    compound, image = render(_SpanCollection)
    _, one_by_one = render(PatchCollection)
    assert len(compound.get_paths()) == 450  # culling and tests still see one path a span
    assert (image == one_by_one).all()


def test_the_kept_still_image_is_small_and_puts_back_every_pixel(drawn):
    """draw_frame keeps the still parts as runs of one colour where they are (most of
    the chart) and whole pixels elsewhere: restored, not one pixel differs."""
    import numpy as np

    from journal.charts.timeline import _StillImage

    fig = drawn.fig
    fig.set_size_inches(11.3, fig.get_figheight())  # not a whole number of runs wide
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    rgba = np.asarray(renderer.buffer_rgba())
    rgba[5:9, 3:40] = (10, 200, 30, 255)  # a mark across a run's edge
    before = rgba.copy()
    kept = _StillImage(renderer)
    assert kept.nbytes < before.nbytes / 2  # a whole render, busier than the still parts
    rgba[...] = 0
    kept.restore(renderer)
    assert (np.asarray(renderer.buffer_rgba()) == before).all()
