"""The demo journal end to end: store -> History -> build_summary -> timeline data -> figure.

Checks the chart against the rules' own results, whatever they are: one lane per
line, bars at the regimen dates, every confirmed progression and every best
response drawn at its date in its line's lane, the nadir/threshold levels drawn.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from journal.charts.data import timeline_data_from
from journal.charts.timeline import draw_timeline, suggested_height


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from journal.demo import build_demo
    from journal.domain.summary import build_summary
    from journal.services.queries import load_history
    from journal.store.db import create_journal

    store = create_journal(tmp_path_factory.mktemp("demo") / "demo.journal")
    try:
        build_demo(store)
        history = load_history(store)
    finally:
        store.close()
    summary = build_summary(history)
    return history, summary


def test_demo_timeline_draws_what_the_rules_return(demo):
    history, summary = demo
    data = timeline_data_from(history, summary)
    assert [lane.number for lane in data.lanes] == [ln.number for ln in summary.lines.lines]
    assert data.today == summary.as_of

    fig = Figure(figsize=(12, suggested_height(data)), dpi=72)
    FigureCanvasAgg(fig)
    arts = draw_timeline(fig, data)
    fig.canvas.draw()

    regimens = {r.id: r for r in history.regimens}
    for line in summary.lines.lines:
        top, bottom = arts.lane_rows[line.number]
        for rid in line.regimen_ids:
            reg = regimens[rid]
            bars = [m for m in arts.marks_for(reg.ref) if m.kind == "bar"]
            drawn_drugs = [
                d for d in reg.drugs if d.role != "premedication" and d.role != "supportive"
            ]
            assert len(bars) == len(drawn_drugs)
            for m in bars:
                assert top < m.y0 < bottom
                assert m.x0 >= mdates.date2num(reg.start.as_date()) - 1e-9

    def event_marks(kind):
        return [m for m in arts.marks if m.kind == f"event:{kind}"]

    for p in summary.responses.progressions:
        (m,) = [m for m in event_marks("progression") if m.ref == p.ref]
        assert m.x0 == mdates.date2num(p.date)
        top, bottom = arts.lane_rows[p.line]
        assert top < m.y0 < bottom
    bests = [lr.best for lr in summary.responses.lines if lr.best and lr.best.date]
    assert bests, "the demo has computed responses"
    for best in bests:
        assert any(m.x0 == mdates.date2num(best.date) for m in event_marks("response"))
    levels = [m for m in arts.marks if m.kind.startswith("level:")]
    steps = sum(len(lr.nadir_steps) for lr in summary.responses.lines)
    assert len(levels) == 2 * steps  # a nadir and a threshold step for each rule step
    procs = [p for p in history.procedures if p.kind == "CAR-T infusion"]
    assert len(event_marks("car_t")) == len(procs) >= 1


def test_demo_timeline_reads_at_a_glance(demo):
    """The three things a doctor stumbled on: clipped lane names, unnamed side effects,
    response labels stacked over each other near the transplant."""
    history, summary = demo
    data = timeline_data_from(history, summary)
    labels = [lane.label for lane in data.lanes]
    assert labels[0] == "Line 1: VRd → ASCT → len maint."
    assert labels[3] == "Line 4: CAR-T cilta-cel"
    assert not any(label.endswith("…") for label in labels)
    for lane, line in zip(data.lanes, summary.lines.lines, strict=True):
        assert line.label.replace("->", "→") in lane.tip  # the rules' full wording on hover

    fig = Figure(figsize=(12, suggested_height(data)), dpi=72)
    canvas = FigureCanvasAgg(fig)
    arts = draw_timeline(fig, data)
    canvas.draw()
    renderer = canvas.get_renderer()

    terms = {s.label for s in data.side_effects}
    names = [t.get_text() for t in arts.side_effect_labels]
    assert set(names) == terms and len(names) == len(terms)
    assert "Low neutrophils" in names and "CRS" in names

    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in arts.event_labels]
    clashes = [
        (a, b)
        for i, (a, abox) in enumerate(boxes)
        for b, bbox in boxes[i + 1 :]
        if abox.overlaps(bbox)
    ]
    assert not clashes
    line1_top, line1_bottom = arts.lane_rows[1]
    line1 = [
        t.get_text()
        for t in arts.event_labels
        if line1_top < t.xy[1] < line1_bottom  # annotations anchor at their marker
    ]
    assert line1.count("VGPR") == 1 and "ASCT" in line1
