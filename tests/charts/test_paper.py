"""The timeline on paper (issue 11): a 25-year history on one page, its recent years to
scale and its earlier years compressed, with no name printed over another and no solid
block of side effects; a short history (the demo) drawn whole and to scale."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from matplotlib.figure import Figure

from journal.charts.data import timeline_data_from
from journal.charts.paper import (
    MIN_LANE_PT,
    PaperTime,
    budget_side_effects,
    draw_paper_timeline,
    lane_label_boxes,
    paper_time,
)
from journal.charts.timeline import _num

AS_OF = dt.date(2026, 11, 25)
PAGE = (7.1, 8.6)  # the screening PDF's chart block (inches)


def _journal_data(build, tmp_path_factory, name: str):
    from journal.reports.inputs import load_report_inputs
    from journal.store.db import create_journal, open_journal

    path = tmp_path_factory.mktemp(name) / f"{name}.sqlite"
    store = create_journal(path)
    build(store)
    store.close()
    with open_journal(path, readonly=True, auto_backup=False) as store:
        inputs = load_report_inputs(store, as_of=AS_OF)
    data = timeline_data_from(
        inputs.history, inputs.summary, today=AS_OF, extra_labs=("hb", "platelets"), label_chars=30
    )
    return inputs, data


@pytest.fixture(scope="module")
def long_history(tmp_path_factory):
    from journal.synthetic import build_synthetic

    return _journal_data(lambda s: build_synthetic(s, years=25), tmp_path_factory, "synthetic")


@pytest.fixture(scope="module")
def demo_history(tmp_path_factory):
    demo = pytest.importorskip("journal.demo")
    return _journal_data(demo.build_demo, tmp_path_factory, "demo")


@pytest.fixture(scope="module")
def long_chart(long_history):
    _, data = long_history
    fig = Figure(figsize=PAGE)
    chart = draw_paper_timeline(fig, data)
    fig.canvas.draw()  # lay the texts out as the PDF will
    return chart


@pytest.fixture(scope="module")
def demo_chart(demo_history):
    _, data = demo_history
    fig = Figure(figsize=PAGE)
    chart = draw_paper_timeline(fig, data)
    fig.canvas.draw()
    return chart


def _first_start(inputs) -> dt.date:
    return min(r.start.as_date() for r in inputs.history.regimens)


# --------------------------------------------------------------------------- time axis
def test_paper_time_keeps_recent_years_to_scale_and_compresses_the_rest():
    t = paper_time(dt.date(2001, 10, 2), dt.date(2026, 11, 25))
    assert t.compressed and t.brk == dt.date(2021, 1, 1)
    # after the break a day is a day; before it, days are closer by the factor
    assert t.x(dt.date(2024, 5, 1)) == _num(dt.date(2024, 5, 1))
    assert t.x(dt.date(2020, 1, 1)) == pytest.approx(_num(t.brk) - 366 / t.factor)
    days = [dt.date(2001, 10, 2) + dt.timedelta(days=90 * i) for i in range(100)]
    xs = [t.x(d) for d in days]
    assert xs == sorted(xs)  # order kept
    share = (_num(dt.date(2026, 11, 25)) - _num(t.brk)) / (
        _num(dt.date(2026, 11, 25)) - t.x(dt.date(2001, 10, 2))
    )
    assert share == pytest.approx(2 / 3, abs=0.01)


def test_a_ten_year_history_is_drawn_to_scale():
    t = paper_time(dt.date(2017, 3, 6), dt.date(2026, 11, 25))
    assert not t.compressed
    assert t.x(dt.date(2018, 1, 1)) == _num(dt.date(2018, 1, 1))


# --------------------------------------------------------------------------- 25 years
def test_25_year_chart_shows_the_whole_history(long_history, long_chart):
    inputs, _ = long_history
    ax = long_chart.arts.lanes_ax
    x0, x1 = ax.get_xlim()
    t = long_chart.time
    assert x0 <= t.x(_first_start(inputs)) and x1 >= _num(AS_OF)
    # every line is on it: the merged early lane names its range, the later ones their own
    shown = set()
    for text in long_chart.arts.lane_labels:
        if not text.get_visible():
            continue
        m = re.match(r"Lines (\d+)–(\d+)", text.get_text())
        if m:
            shown |= set(range(int(m[1]), int(m[2]) + 1))
        else:
            shown.add(int(re.match(r"Line (\d+)", text.get_text())[1]))
    assert shown == {ln.number for ln in inputs.summary.lines.lines}


def test_25_year_recent_years_get_most_of_the_width(long_chart):
    x0, x1 = long_chart.arts.lanes_ax.get_xlim()
    brk = _num(long_chart.time.brk)
    assert (x1 - brk) / (x1 - x0) > 0.6
    # the break is marked and said in words under the axis
    words = " ".join(t.get_text() for ax in long_chart.arts.axes for t in ax.texts)
    assert "earlier years compressed" in words and "years to scale" in words


def test_25_year_ticks_are_real_years_and_do_not_touch(long_chart):
    bottom = long_chart.arts.axes[-1]
    t = long_chart.time
    xs = bottom.xaxis.get_majorticklocs()
    labels = [lb.get_text() for lb in bottom.get_xticklabels()]
    assert labels and all(re.fullmatch(r"\d{4}", s) for s in labels)
    for x, s in zip(xs, labels, strict=True):
        assert x == pytest.approx(t.x(dt.date(int(s), 1, 1)))
    assert any(int(s) < t.brk.year for s in labels)  # the compressed years are labelled too
    boxes = [lb.get_window_extent() for lb in bottom.get_xticklabels() if lb.get_text()]
    assert not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))


@pytest.mark.parametrize("which", ["long_chart", "demo_chart"])
def test_no_two_names_overlap(request, which):
    chart = request.getfixturevalue(which)
    boxes = lane_label_boxes(chart.arts)
    assert len(boxes) >= 5
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b)
    lane_sizes = [t.get_fontsize() for t in chart.arts.lane_labels if t.get_visible()]
    assert min(lane_sizes) >= MIN_LANE_PT - 0.01
    se = [t.get_window_extent() for t in chart.arts.side_effect_labels if t.get_visible()]
    for a, b in itertools.combinations(se, 2):
        assert not a.overlaps(b)
    # the words beside event markers ("PD", "VGPR", "ASCT") neither
    events = [
        t.get_window_extent() for t in chart.arts.event_labels if t.get_visible() and t.get_text()
    ]
    assert events
    for a, b in itertools.combinations(events + boxes, 2):
        assert not a.overlaps(b)


def test_25_year_side_effects_are_named_rows_without_overprint(long_history, long_chart):
    _, data = long_history
    arts = long_chart.arts
    assert len(data.side_effects) == 1000
    # every row has a name (no packed, unnamed rows), and only a few
    assert arts.side_effect_terms is not None and len(arts.side_effect_terms) <= 16
    marks = [m for m in arts.marks if m.kind == "side_effect"]
    assert len(marks) < 200  # merged, not a thousand bars
    brk = _num(long_chart.time.brk)
    # what lies wholly in the compressed years is on the grade-band rows only (a term
    # still present after the break keeps its row, reaching back)
    early_rows = {m.y0 for m in marks if m.x1 < brk}
    assert len(early_rows) <= 2
    assert any(t.startswith("Others, grade") for t in arts.side_effect_terms)
    by_row: dict[float, list] = {}
    for m in marks:
        by_row.setdefault(m.y0, []).append((m.x0, m.x1))
    for spans in by_row.values():
        spans.sort()
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert end <= start  # no bar drawn over another on one row


def test_25_year_compressed_years_carry_no_response_or_progression_text(long_chart):
    brk = _num(long_chart.time.brk)
    early = [t.get_text() for t in long_chart.arts.event_labels if t.xy[0] < brk]
    assert not any(s.strip() in {"PD", "PR", "VGPR", "CR", "sCR", "SD", "MR"} for s in early)
    # the dashed line per progression stays out of the compressed years
    for ax in long_chart.arts.axes:
        for coll in ax.collections:
            if coll.get_transform() is ax.get_xaxis_transform():
                assert all(seg[0][0] >= brk for seg in coll.get_segments())


# --------------------------------------------------------------------------- demo
def test_demo_is_drawn_whole_and_to_scale_with_every_name(demo_history, demo_chart):
    inputs, data = demo_history
    assert not demo_chart.time.compressed
    x0, x1 = demo_chart.arts.lanes_ax.get_xlim()
    assert x0 <= _num(_first_start(inputs)) and x1 >= _num(AS_OF)
    names = [t.get_text() for t in demo_chart.arts.lane_labels if t.get_visible()]
    assert names == [ln.label for ln in data.lanes]
    drugs = {t.get_text() for t in demo_chart.arts.row_labels if t.get_visible()}
    assert {"bortezomib", "daratumumab", "talquetamab"} <= drugs
    # every side-effect term on its own named row, as on screen
    assert demo_chart.arts.side_effect_terms is not None
    assert set(demo_chart.arts.side_effect_terms) == {s.label for s in data.side_effects}


# --------------------------------------------------------------------------- budget
def test_side_effect_budget_names_ongoing_and_severe_first(demo_history):
    _, data = demo_history
    out = budget_side_effects(data, 4, 0.0, None)
    rows = list(dict.fromkeys(s.label for s in out.side_effects))
    assert rows[-2:] == ["Others, grade 1–2", "Others, grade 3+"] or rows[-1].startswith("Others")
    assert len(rows) <= 4
    ongoing = {s.label for s in data.side_effects if s.end is None}
    named = [r for r in rows if not r.startswith("Others")]
    assert named and set(named) <= ongoing
    # nothing is lost: every span is inside some drawn span of its row
    for s in data.side_effects:
        row = s.label if s.label in named else None
        candidates = [
            o
            for o in out.side_effects
            if (o.label == row if row else o.label.startswith("Others"))
            and o.start <= s.start
            and (o.end is None or (s.end is not None and s.end <= o.end))
        ]
        assert candidates, s.term


def test_paper_time_without_compression_changes_nothing(demo_history):
    from journal.charts.paper import compress

    _, data = demo_history
    assert compress(data, PaperTime(start=data.span()[0])) is data


def test_25_year_lab_markers_in_the_compressed_years_keep_apart(long_history, long_chart):
    _, data = long_history
    brk = long_chart.time.brk
    for series in long_chart.data.labs:
        early = [p for p in series.points if p.date < brk]
        before = [p for p in data.lab_series(series.code).points if p.date < brk]
        assert 0 < len(early) < len(before)
        # at most one marker per 6 points of paper in the compressed years
        ax = long_chart.arts.lab_axes[series.code]
        x0, x1 = ax.get_xlim()
        pt_per_x = ax.get_position().width * PAGE[0] * 72 / (x1 - x0)
        zone_pt = (_num(brk) - x0) * pt_per_x
        assert len(early) <= zone_pt / 6.0 * 1.3 + 1
        values = sorted(p.value for p in before)
        centre = values[len(values) // 2]
        most = max(before, key=lambda p: abs(p.value - centre))
        assert any(p.value == most.value for p in early)


# --------------------------------------------------------------------------- edge cases
def _lane(n: int, start: dt.date, end: dt.date | None, rows: int = 2):
    from journal.charts.data import Bar, Lane, Row

    bars = [
        Row(f"drug {n}.{i}", (Bar(f"drug {n}.{i}", start, end, "anti-myeloma", f"r{n}", ""),))
        for i in range(rows)
    ]
    return Lane(n, f"Line {n}: R{n}", f"Line {n}: R{n}", start, end, tuple(bars))


def test_an_empty_journal_still_draws():
    from journal.charts.data import TimelineData

    fig = Figure(figsize=PAGE)
    chart = draw_paper_timeline(fig, TimelineData(lanes=(), today=AS_OF))
    assert not chart.time.compressed and chart.arts.lanes_ax is not None


def test_one_long_line_started_20_years_ago_keeps_its_own_lane():
    """A line running across the break is not merged: it is drawn from its real start,
    the early part compressed."""
    from journal.charts.data import TimelineData

    start = dt.date(2005, 3, 1)
    data = TimelineData(lanes=(_lane(1, start, None),), today=AS_OF)
    fig = Figure(figsize=PAGE)
    chart = draw_paper_timeline(fig, data)
    assert chart.time.compressed
    assert [t.get_text() for t in chart.arts.lane_labels] == ["Line 1: R1"]
    bars = [m for m in chart.arts.marks if m.kind == "bar"]
    assert bars and min(m.x0 for m in bars) == pytest.approx(chart.time.x(start), abs=1)
    assert chart.arts.lanes_ax.get_xlim()[0] <= chart.time.x(start)


def test_many_short_early_lines_share_one_lane_with_numbers_where_they_fit():
    from journal.charts.data import TimelineData

    lanes = [_lane(i + 1, dt.date(2008 + i, 1, 10), dt.date(2008 + i, 12, 20)) for i in range(10)]
    lanes.append(_lane(11, dt.date(2022, 1, 10), None, rows=3))
    fig = Figure(figsize=PAGE)
    chart = draw_paper_timeline(fig, TimelineData(lanes=tuple(lanes), today=AS_OF))
    names = [t.get_text() for t in chart.arts.lane_labels if t.get_visible()]
    assert names == ["Lines 1–10", "Line 11: R11"]
    numbers = [t.get_text() for t in chart.line_numbers or []]
    assert numbers and set(numbers) <= {str(i) for i in range(1, 11)}
    # neighbouring lines alternate rows, so they never touch on paper
    rows = chart.data.lanes[0].rows
    assert len(rows) == 2 and len(rows[0].bars) == 5 and len(rows[1].bars) == 5


def test_the_shared_lane_names_exactly_the_lines_it_holds():
    from journal.charts.data import TimelineData
    from journal.charts.paper import merge_earlier_lanes

    lanes = [
        _lane(1, dt.date(2005, 1, 1), dt.date(2006, 1, 1)),
        _lane(2, dt.date(2006, 2, 1), None),  # still running: keeps its own lane
        _lane(3, dt.date(2007, 1, 1), dt.date(2008, 1, 1)),
        _lane(4, dt.date(2008, 2, 1), dt.date(2009, 1, 1)),
    ]
    data, row_of = merge_earlier_lanes(
        TimelineData(lanes=tuple(lanes), today=AS_OF), brk=dt.date(2021, 1, 1)
    )
    shared = data.lanes[0]
    assert shared.label == "Lines 1, 3–4"
    assert [r.label for r in shared.rows] == ["lines 1, 4", "line 3"]
    assert row_of == {1: 0, 3: 1, 4: 0}
    assert [ln.label for ln in data.lanes[1:]] == ["Line 2: R2"]
    many = [_lane(i, dt.date(2000 + i, 1, 1), dt.date(2000 + i, 6, 1)) for i in range(1, 9)]
    data, _ = merge_earlier_lanes(TimelineData(lanes=tuple(many), today=AS_OF), dt.date(2021, 1, 1))
    assert data.lanes[0].label == "Lines 1–8"
    assert [r.label for r in data.lanes[0].rows] == ["lines 1, 3, 5 …", "lines 2, 4, 6 …"]


@pytest.mark.parametrize("which", ["long_chart", "demo_chart"])
def test_the_layout_is_worked_out_before_drawing_and_drawn_once(request, which):
    """The scale and the budget come from draw_timeline's own margin arithmetic, so the
    chart is drawn once (each drawing costs a good part of a second); the guess is
    what the drawing then measures."""
    from journal.charts.paper import _layout_guess

    chart = request.getfixturevalue(which)
    assert chart.attempts == 1
    arts = chart.arts
    fig = arts.fig
    total_pt, row_pt, days_per_pt, named = _layout_guess(fig, chart.data, arts.options)
    assert named == (arts.side_effect_terms is not None)
    drawn_total = sum(ax.get_position().height for ax in arts.axes) * fig.get_figheight() * 72
    x0, x1 = arts.lanes_ax.get_xlim()
    drawn_scale = (x1 - x0) / (arts.lanes_ax.get_position().width * fig.get_figwidth() * 72)
    assert total_pt == pytest.approx(drawn_total, rel=1e-6)
    assert days_per_pt == pytest.approx(drawn_scale, rel=1e-6)
    rows = sum(1 + len(ln.rows) for ln in chart.data.lanes)
    lane_pt = arts.lanes_ax.get_position().height * fig.get_figheight() * 72 / (rows + 0.6)
    assert row_pt == pytest.approx(lane_pt, rel=1e-6)
