"""The timeline chart as a report block: the chart engineer's drawing function,
called on a plain Figure, so the PDF shows what the Timeline view shows. A period
(the visit summary) is clipped; the whole history on paper goes through
:mod:`journal.charts.paper` (recent years to scale, earlier ones compressed)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from journal.reports.inputs import ReportInputs

log = logging.getLogger(__name__)


def timeline_chart(
    inputs: ReportInputs,
    date_range: tuple[dt.date, dt.date] | None = None,
    *,
    title: str = "",
    extra_labs: tuple[str, ...] = (),
    label_chars: int = 40,
) -> Callable[[Any], Any] | None:
    """A ``draw(fig)`` function for the document, or None when the chart module
    is not available (the report then simply has no chart)."""
    try:
        from journal.charts.data import timeline_data_from
        from journal.charts.timeline import draw_timeline
    except ImportError:  # pragma: no cover - charts are part of the app
        return None
    today = inputs.summary.as_of
    if date_range is not None:
        today = date_range[1]
    data = timeline_data_from(
        inputs.history,
        inputs.summary,
        today=today,
        extra_labs=extra_labs,
        title=title,
        label_chars=label_chars,
    )
    if date_range is not None:
        data = clip_timeline_data(data, *date_range)

    def draw(fig: Any) -> Any:
        return draw_timeline(fig, data, date_range=date_range)

    return draw


@dataclass(frozen=True)
class PaperTimeline:
    """The whole history's timeline for a printed page (see journal.charts.paper)."""

    draw: Callable[[Any], Any]
    compressed_before: dt.date | None  # the break: earlier years are compressed
    recent_years: int  # years drawn to scale when compressed


def paper_timeline_chart(
    inputs: ReportInputs,
    *,
    extra_labs: tuple[str, ...] = (),
    label_chars: int = 40,
) -> PaperTimeline | None:
    """The timeline of the whole history, legible on paper at any length: the recent
    years to scale, the earlier ones compressed, names only where they fit. None when
    the chart module is not available."""
    try:
        from journal.charts.data import timeline_data_from
        from journal.charts.paper import draw_paper_timeline, paper_time
    except ImportError:  # pragma: no cover - charts are part of the app
        return None
    today = inputs.summary.as_of
    data = timeline_data_from(
        inputs.history,
        inputs.summary,
        today=today,
        extra_labs=extra_labs,
        label_chars=label_chars,
    )
    lo, hi = data.span()
    t = paper_time(lo, max(hi, data.today))

    def draw(fig: Any) -> Any:
        return draw_paper_timeline(fig, data)

    return PaperTimeline(draw, t.brk if t.compressed else None, t.years_recent(data.today))


def _clip(start: dt.date, end: dt.date | None, lo: dt.date, hi: dt.date, today: dt.date):
    """Clip a span to [lo, hi]; None when outside. An ongoing span stays open-ended
    only when the period ends today (its arrow means "still going")."""
    last = end or today
    if last < lo or start > hi:
        return None
    new_end = (
        end if end is not None and end <= hi else (None if end is None and today <= hi else hi)
    )
    return max(start, lo), new_end


def clip_timeline_data(data: Any, lo: dt.date, hi: dt.date) -> Any:
    """Keep only what falls in [lo, hi], cutting spans at the edges.

    Why: the PDF draws charts through QSvgRenderer, which ignores SVG
    ``clipPath`` (Qt documents this), so anything matplotlib would clip at the
    axes edge would spill over the page. Clipping the data first avoids that.
    """
    from dataclasses import replace

    today = data.today
    lanes = []
    for lane in data.lanes:
        span = _clip(lane.start, lane.end, lo, hi, today)
        if span is None:
            continue
        rows = []
        for row in lane.rows:
            bars = []
            for bar in row.bars:
                b = _clip(bar.start, bar.end, lo, hi, today)
                if b is None:
                    continue
                marks = tuple(m for m in bar.marks if lo <= m.date <= hi)
                bars.append(replace(bar, start=b[0], end=b[1], marks=marks))
            if bars:
                rows.append(replace(row, bars=tuple(bars)))
        lanes.append(replace(lane, start=span[0], end=span[1], rows=tuple(rows)))
    effects = []
    for se in data.side_effects:
        c = _clip(se.start, se.end, lo, hi, today)
        if c is not None:
            effects.append(replace(se, start=c[0], end=c[1]))
    labs = []
    for series in data.labs:
        pts = tuple(p for p in series.points if lo <= p.date <= hi)
        if pts:
            labs.append(replace(series, points=pts))
    refs = []
    for ref in data.ref_lines:
        # A level is a step function (RefLine.steps); clip each step.
        steps = tuple(
            replace(st, start=max(st.start, lo), end=min(st.end, hi))
            for st in ref.steps
            if st.end >= lo and st.start <= hi
        )
        if steps:
            refs.append(replace(ref, steps=steps))
    return replace(
        data,
        lanes=tuple(lanes),
        events=tuple(e for e in data.events if lo <= e.date <= hi),
        side_effects=tuple(effects),
        labs=tuple(labs),
        ref_lines=tuple(refs),
    )
