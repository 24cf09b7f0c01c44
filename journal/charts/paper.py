"""The timeline on paper: any history length on one fixed-size page.

A printed chart cannot zoom. A 25-year history drawn to scale gives each year a
quarter of an inch and thirty lanes a few points each: names print over each other
and a thousand side effects become one solid block. On paper, therefore:

- **Time**: the recent years are drawn to scale on about two thirds of the width;
  the earlier years are compressed (linearly, by one stated factor) into the rest,
  with a visible break and "earlier years compressed" under the axis. The ticks
  give real years, thinned to what fits. A history up to ``LINEAR_YEARS`` long
  is drawn to scale throughout, as on screen.
- **Lanes**: the lines that ended before the break share one lane (odd and even
  lines on alternate rows so neighbours stay apart), their number printed on the
  bar where it fits. When the remaining rows are still too thin for a readable
  name, the oldest detailed lines lose their per-drug rows (one bar per line).
  A name that would still touch another is left out. The lines table carries
  every line in full.
- **Side effects**: the terms most worth seeing (still ongoing, highest grade,
  most recent) get a named row each, as many as fit; everything else shares two
  rows by grade band ("Others, grade 1-2" / "Others, grade 3+"); spans on one row
  that touch on paper are merged (darkest grade wins), so no row is a pile of
  overprinted bars.

Nothing here is computed medically: the same :class:`TimelineData` is rearranged
(dates moved, rows merged) and drawn by :func:`journal.charts.timeline.draw_timeline`,
whose own placement rules (event labels, text fitting) then work in the paper's
coordinates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedFormatter, FixedLocator

from journal.charts.data import (
    Bar,
    Event,
    LabSeries,
    Lane,
    Row,
    SideEffectSpan,
    TimelineData,
)
from journal.charts.timeline import (
    BASE_FONT,
    TimelineArtists,
    TimelineOptions,
    _margins,
    _num,
    _row_room_pt,
    _se_panel_rows,
    _text_width_in,
    draw_timeline,
    side_effect_rows,
)
from journal.pacing import breathe

RECENT_YEARS = 6  # drawn to scale at the right
RECENT_SHARE = 2 / 3  # of the time axis's width
LINEAR_YEARS = 10  # a history up to this long is drawn to scale throughout
MIN_FACTOR = 1.5  # a milder compression is not worth a break in the axis
MIN_LANE_PT = 7.5  # a lane name smaller than this is hard to read on paper
SE_ROW_PT = BASE_FONT * 0.85 * 1.25 + 0.5  # a named side-effect row (draw_timeline's test)
MIN_NAMED_SE_ROWS = 2  # at least the two "Others" grade bands
FEW_NAMED_SE_ROWS = 6  # side-effect rows give way to lanes down to this many
MAX_NAMED_SE_ROWS = 16  # as on screen (TimelineOptions.max_term_rows)
MERGE_GAP_PT = 1.5  # side-effect spans closer than this on paper merge into one
LAB_MARKER_PT = 6.0  # in the compressed years, one lab marker per this much paper
COMPRESSED_EVENT_LABELS = ("transplant", "car_t")  # rare and worth naming even there


# --------------------------------------------------------------------------- time axis
@dataclass(frozen=True)
class PaperTime:
    """Dates from ``brk`` on to scale; earlier ones ``factor`` times closer together."""

    brk: dt.date | None = None
    factor: float = 1.0
    start: dt.date | None = None  # the first day drawn (real)

    @property
    def compressed(self) -> bool:
        return self.brk is not None and self.factor > 1.0

    def to_paper(self, d: dt.date) -> dt.date:
        if not self.compressed or d >= self.brk:  # type: ignore[operator]
            return d
        days = (self.brk - d).days  # type: ignore[operator]
        return self.brk - dt.timedelta(days=round(days / self.factor))  # type: ignore[operator]

    def x(self, d: dt.date) -> float:
        """Matplotlib's x of a real date on the paper axis."""
        if not self.compressed or d >= self.brk:  # type: ignore[operator]
            return _num(d)
        return _num(self.brk) - (self.brk - d).days / self.factor  # type: ignore[operator]

    @property
    def years_compressed(self) -> int:
        if not self.compressed or self.start is None:
            return 0
        return max(1, round((self.brk - self.start).days / 365.25))  # type: ignore[operator]

    def years_recent(self, today: dt.date) -> int:
        return round((today - self.brk).days / 365.25) if self.compressed else 0  # type: ignore[operator]


def paper_time(
    first: dt.date,
    today: dt.date,
    *,
    recent_years: int = RECENT_YEARS,
    recent_share: float = RECENT_SHARE,
    linear_years: float = LINEAR_YEARS,
) -> PaperTime:
    """The time axis for a history from ``first`` to ``today``."""
    if (today - first).days <= linear_years * 365.25:
        return PaperTime(start=first)
    # The break on a new year, so the recent part starts with a labelled year.
    brk = dt.date(today.year - recent_years + (1 if today.month > 6 else 0), 1, 1)
    earlier, recent = (brk - first).days, max(1, (today - brk).days)
    factor = earlier * recent_share / (recent * (1.0 - recent_share))
    if factor < MIN_FACTOR:
        return PaperTime(start=first)
    return PaperTime(brk=brk, factor=factor, start=first)


# --------------------------------------------------------------------------- data moves
def compress(data: TimelineData, t: PaperTime) -> TimelineData:
    """Every date of ``data`` moved onto the paper axis (to_paper)."""
    if not t.compressed:
        return data
    p = t.to_paper

    def opt(d: dt.date | None) -> dt.date | None:
        return None if d is None else p(d)

    lanes = tuple(
        replace(
            lane,
            start=p(lane.start),
            end=opt(lane.end),
            rows=tuple(
                replace(
                    row,
                    bars=tuple(
                        replace(
                            b,
                            start=p(b.start),
                            end=opt(b.end),
                            marks=tuple(replace(m, date=p(m.date)) for m in b.marks),
                        )
                        for b in row.bars
                    ),
                )
                for row in lane.rows
            ),
        )
        for lane in data.lanes
    )
    return replace(
        data,
        lanes=lanes,
        events=tuple(replace(e, date=p(e.date)) for e in data.events),
        side_effects=tuple(replace(s, start=p(s.start), end=opt(s.end)) for s in data.side_effects),
        labs=tuple(
            replace(s, points=tuple(replace(pt, date=p(pt.date)) for pt in s.points))
            for s in data.labs
        ),
        ref_lines=tuple(
            replace(r, steps=tuple(replace(st, start=p(st.start), end=p(st.end)) for st in r.steps))
            for r in data.ref_lines
        ),
    )


def _union(spans: Sequence[tuple[dt.date, dt.date]], gap_days: float = 0.0):
    """Overlapping (or closer than ``gap_days``) date spans merged, with their indexes."""
    out: list[list[Any]] = []
    for i, (a, b) in sorted(enumerate(spans), key=lambda it: it[1]):
        if out and (a - out[-1][1]).days <= gap_days:
            out[-1][1] = max(out[-1][1], b)
            out[-1][2].append(i)
        else:
            out.append([a, b, [i]])
    return out


def _line_bars(lane: Lane, today: dt.date) -> tuple[Bar, ...]:
    """One bar per treatment role for a whole line (its drugs' spans merged)."""
    by_role: dict[str, list[Bar]] = {}
    for row in lane.rows:
        for bar in row.bars:
            by_role.setdefault(bar.role, []).append(bar)
    out = []
    for role in sorted(by_role, key=lambda r: r != "anti-myeloma"):  # others drawn on top
        bars = by_role[role]
        spans = [(b.start, b.end or today) for b in bars]
        for a, b, idx in _union(spans, 1):
            ongoing = any(bars[i].end is None for i in idx)
            out.append(
                Bar(
                    label=lane.full_label,
                    start=a,
                    end=None if ongoing else b,
                    role=role,
                    ref=bars[idx[0]].ref,
                    tip=lane.tip,
                    trial=any(bars[i].trial for i in idx),
                )
            )
    return tuple(out)


def collapse_lane(lane: Lane, today: dt.date) -> Lane:
    """The line on one row, without a row per drug (its name stays on the lane)."""
    if len(lane.rows) <= 1:
        return lane
    return replace(lane, rows=(Row("", _line_bars(lane, today)),), collapsed=True)


def merge_earlier_lanes(data: TimelineData, brk: dt.date) -> tuple[TimelineData, dict[int, int]]:
    """Lines that ended before ``brk`` (paper date) on one shared lane.

    Returns the new data and, for the merged lane, line number -> row index (to
    print the numbers on the bars afterwards)."""
    early = [ln for ln in data.lanes if ln.end is not None and ln.end < brk]
    if len(early) < 2:
        return data, {}
    numbers = {ln.number for ln in early}
    first = early[0]
    rows: list[list[Bar]] = [[], []]
    row_of: dict[int, int] = {}
    for i, lane in enumerate(early):
        rows[i % 2].extend(_line_bars(lane, data.today))
        row_of[lane.number] = i % 2
    merged = Lane(
        number=first.number,
        label=f"Lines {_ranges(ln.number for ln in early)}",
        full_label=f"Lines {_ranges(ln.number for ln in early)}",
        start=first.start,
        end=max(ln.end for ln in early if ln.end is not None),
        rows=(
            Row(_row_name(early[0::2]), tuple(rows[0])),
            Row(_row_name(early[1::2]), tuple(rows[1])),
        ),
        overridden=any(ln.overridden for ln in early),
        collapsed=True,
        regimen_ids=tuple(i for ln in early for i in ln.regimen_ids),
        tip=f"Lines {_ranges(ln.number for ln in early)} (see the table of every line)",
    )
    lanes = (merged, *(ln for ln in data.lanes if ln.number not in numbers))
    events = tuple(replace(e, lane=first.number) if e.lane in numbers else e for e in data.events)
    return replace(data, lanes=lanes, events=events), row_of


def _ranges(numbers) -> str:
    """1, 2, 3, 5, 6 -> "1–3, 5–6"."""
    out: list[list[int]] = []
    for n in sorted(numbers):
        if out and n == out[-1][1] + 1:
            out[-1][1] = n
        else:
            out.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in out)


def _row_name(lanes: Sequence[Lane]) -> str:
    """ "lines 1, 3, 5 …": which lines a row of the shared lane holds."""
    nums = [str(ln.number) for ln in lanes]
    word = "line" if len(nums) == 1 else "lines"
    return f"{word} {', '.join(nums[:3])}{' …' if len(nums) > 3 else ''}"


def thin_compressed_events(data: TimelineData, brk: dt.date) -> TimelineData:
    """In the compressed years: no response markers (the table has the best response
    of every line) and no text beside progressions; transplants and CAR-T keep theirs."""
    out: list[Event] = []
    for e in data.events:
        if e.date < brk:
            if e.kind == "response":
                continue
            if e.kind not in COMPRESSED_EVENT_LABELS:
                e = replace(e, label="")
        out.append(e)
    return replace(data, events=tuple(out))


def thin_labs(data: TimelineData, brk: dt.date, min_days: float) -> TimelineData:
    """Lab points in the compressed years closer than ``min_days`` (paper) thinned to one
    per stretch: the one furthest from the series' median (a peak of M-protein, a trough
    of haemoglobin), so what stood out stays and the markers don't pile up."""
    labs: list[LabSeries] = []
    for series in data.labs:
        values = sorted(p.value for p in series.points)
        centre = values[len(values) // 2] if values else 0.0
        kept, bucket = [], []
        for pt in series.points:
            if pt.date >= brk:
                kept += _notable(bucket, centre)
                bucket = []
                kept.append(pt)
            elif bucket and (pt.date - bucket[0].date).days > min_days:
                kept += _notable(bucket, centre)
                bucket = [pt]
            else:
                bucket.append(pt)
        kept += _notable(bucket, centre)
        labs.append(replace(series, points=tuple(kept)))
    return replace(data, labs=tuple(labs))


def _notable(bucket: list, centre: float) -> list:
    return [max(bucket, key=lambda p: abs(p.value - centre))] if bucket else []


def _band(grade: int | None) -> str:
    return "Others, grade 3+" if grade is not None and grade >= 3 else "Others, grade 1–2"


def budget_side_effects(
    data: TimelineData, named_rows: int, gap_days: float, brk: dt.date | None
) -> TimelineData:
    """Side effects on at most ``named_rows`` rows: one per term while they fit, else
    the first terms named and two grade-band rows for the rest.

    The terms named first: still ongoing, then highest grade, then most recent (what a
    screener asks about). The rest share "Others" rows by grade band. Spans on one row
    that touch on paper (``gap_days``) merge; the merged span shows the highest grade.
    Spans that end before ``brk`` (in the compressed years) always go to the band rows,
    so there only the two band rows and the named terms still present after the break
    (reaching back) carry marks."""
    if not data.side_effects:
        return data
    today = data.today
    order, row_of = _side_effect_rows(data, named_rows, brk)
    out: list[SideEffectSpan] = []
    for label in order:
        spans = row_of[label]
        for a, b, idx in _union([(s.start, s.end or today) for s in spans], gap_days):
            group = [spans[i] for i in idx]
            grades = [s.grade for s in group if s.grade is not None]
            top = max(group, key=lambda s: s.grade or 0)
            ongoing = any(s.end is None for s in group)
            tip = (
                top.tip
                if len(group) == 1
                else f"{len(group)} side effects; the highest:\n{top.tip}"
            )
            out.append(
                SideEffectSpan(
                    term=label if len(group) > 1 else top.term,
                    start=a,
                    end=None if ongoing else b,
                    grade=max(grades) if grades else None,
                    serious=any(s.serious for s in group),
                    ref=top.ref,
                    tip=tip,
                    short=label,
                )
            )
    return replace(data, side_effects=tuple(out))


def _side_effect_rows(
    data: TimelineData, named_rows: int, brk: dt.date | None
) -> tuple[list[str], dict[str, list[SideEffectSpan]]]:
    """The rows of budget_side_effects, in order, and the spans on each (unmerged)."""
    today = data.today
    rank: dict[str, tuple] = {}
    for s in data.side_effects:
        key = (s.end is None, s.grade or 0, s.end or today)
        rank[s.label] = max(rank.get(s.label, key), key)
    terms = sorted(rank, key=lambda t: rank[t], reverse=True)
    # Everything named when it fits; else the band rows take the last two places.
    fits = brk is None and len(terms) <= named_rows
    named = set(terms if fits else terms[: max(0, named_rows - 2)])
    row_of: dict[str, list[SideEffectSpan]] = {}
    for s in data.side_effects:
        in_named = s.label in named and (brk is None or (s.end or today) >= brk)
        row_of.setdefault(s.label if in_named else _band(s.grade), []).append(s)
    order = [t for t in terms if t in named and t in row_of]
    order += [b for b in ("Others, grade 1–2", "Others, grade 3+") if b in row_of]
    return order, row_of


# --------------------------------------------------------------------------- drawing
@dataclass
class PaperChart:
    arts: TimelineArtists
    time: PaperTime
    data: TimelineData  # as drawn (paper dates)
    collapsed_lanes: int = 0
    named_side_effect_rows: int = 0
    dropped_labels: list[str] | None = None
    line_numbers: list[Any] | None = None  # texts on the merged lane's bars
    attempts: int = 1  # drawings made to find the budget (each costs ~0.5 s)


def draw_paper_timeline(
    fig: Figure,
    data: TimelineData,
    *,
    recent_years: int = RECENT_YEARS,
    options: TimelineOptions | None = None,
) -> PaperChart:
    """Draw the whole history of ``data`` legibly on ``fig`` (a fixed-size page figure)."""
    options = options or TimelineOptions()
    fs = BASE_FONT
    lo, hi = data.span()
    t = paper_time(lo, max(hi, data.today), recent_years=recent_years)
    paper = compress(data, t)
    row_of: dict[int, int] = {}
    brk_p = t.brk if t.compressed else None
    # Paper days per point at the printed width, for "touching on paper".
    width_in = fig.get_figwidth() * 0.8
    span_days = max(1.0, _num(max(hi, data.today)) - _num(t.to_paper(lo)))
    days_per_pt = span_days / (width_in * 72.0)
    if brk_p is not None:
        paper, row_of = merge_earlier_lanes(paper, brk_p)
        paper = thin_compressed_events(paper, brk_p)
    # A line without drug rows (a transplant alone) would put its name right under the
    # next one's; an empty row keeps the names apart.
    paper = replace(
        paper,
        lanes=tuple(ln if ln.rows else replace(ln, rows=(Row("", ()),)) for ln in paper.lanes),
    )
    unthinned = paper
    if brk_p is not None:
        paper = thin_labs(unthinned, brk_p, days_per_pt * LAB_MARKER_PT)
    detailed = [i for i, ln in enumerate(paper.lanes) if not ln.collapsed and len(ln.rows) > 1]
    named = min(MAX_NAMED_SE_ROWS, len({s.label for s in data.side_effects}))
    se_row: float | None = None
    collapsed = 0
    gap = days_per_pt * MERGE_GAP_PT
    planned = False
    # Each drawing costs a good part of a second: the scale and the budget are worked
    # out first from draw_timeline's own margin arithmetic; the drawing then checks them.
    total_pt, row_pt, guess, se_named = _layout_guess(
        fig, budget_side_effects(paper, named, gap, brk_p), options
    )
    if abs(guess / days_per_pt - 1.0) > 0.05:
        days_per_pt, gap = guess, guess * MERGE_GAP_PT
        if brk_p is not None:
            paper = thin_labs(unthinned, brk_p, days_per_pt * LAB_MARKER_PT)
    if row_pt * 0.95 < MIN_LANE_PT or not se_named:  # as the first drawing would find
        planned = True
        named, collapsed, se_row = _plan(total_pt, paper, detailed, named, gap, brk_p, options)
    attempts = 0
    while attempts < 12:
        attempts += 1
        breathe()  # drawn on a worker of the window: each try is tens of ms of Python
        drawn = _collapse_oldest(paper, detailed, collapsed)
        drawn = budget_side_effects(drawn, named, gap, brk_p)
        arts = draw_timeline(fig, drawn, options=replace(options, side_effect_row_height=se_row))
        row_pt = _lane_row_pt(arts, drawn)
        se_ok = not drawn.side_effects or arts.side_effect_terms is not None
        lanes_ok = row_pt * 0.95 >= MIN_LANE_PT
        if attempts == 1:
            # The axis is narrower than guessed (the names' margin): measure "on paper" again.
            x0, x1 = arts.lanes_ax.get_xlim()
            axes_pt = arts.lanes_ax.get_position().width * fig.get_figwidth() * 72.0
            measured = (x1 - x0) / max(axes_pt, 1.0)
            if abs(measured / days_per_pt - 1.0) > 0.05:
                days_per_pt, gap = measured, measured * MERGE_GAP_PT
                if brk_p is not None:
                    paper = thin_labs(unthinned, brk_p, days_per_pt * LAB_MARKER_PT)
                se_ok = False  # draw again with the measured scale
        if lanes_ok and se_ok:
            break
        if not planned:
            # Each drawing costs half a second: work the budget out from the first one
            # (panel heights are shared in proportion), then check it by drawing.
            planned = True
            total_pt = sum(ax.get_position().height for ax in arts.axes) * fig.get_figheight()
            named, collapsed, se_row = _plan(
                total_pt * 72.0, paper, detailed, named, gap, brk_p, options
            )
            continue
        # Named side-effect rows need about 10 pt each: taller rows than on screen.
        want = max(0.8, SE_ROW_PT / max(row_pt, 1.0))
        # Treatment before side effects: their rows give way first, down to a few.
        if not se_ok and (se_row is None or se_row < want - 0.05):
            se_row = want
        elif not lanes_ok and named > FEW_NAMED_SE_ROWS:
            named = max(FEW_NAMED_SE_ROWS, named - 2)
        elif not lanes_ok and collapsed < len(detailed):
            collapsed = _more_collapsed(paper, detailed, collapsed, row_pt)
        elif named > MIN_NAMED_SE_ROWS:
            named -= 1
        else:
            break
    chart = PaperChart(arts, t, drawn, collapsed, named, attempts=attempts)
    _paper_axis(chart, fs)
    if row_of:
        chart.line_numbers = _number_merged_lines(chart, data, row_of, fs)
    chart.dropped_labels = drop_overlapping_labels(arts)
    return chart


def _layout_guess(
    fig: Figure, data: TimelineData, options: TimelineOptions
) -> tuple[float, float, float, bool]:
    """(height of all panels in points, of one lane row in points, paper days per point
    of the time axis, whether the side effects get a named row each) that draw_timeline
    will give ``data`` on ``fig``, worked out with its own arithmetic without drawing.
    A wrong guess costs one more drawing (the drawing is checked), never another chart."""
    fs = BASE_FONT
    n_lane_rows = sum(1 + len(ln.rows) for ln in data.lanes) or 1
    labs = list(data.labs) if options.show_labs else []
    lab_rows = options.lab_panel_height * 2.0
    se_rows, se_terms = side_effect_rows(data, options)
    if se_terms is not None and options.show_side_effects:
        room = _row_room_pt(fig, data, fs, labs, options, se_terms, n_lane_rows, lab_rows)
        panel = _se_panel_rows(len(se_terms), se_terms, options.side_effect_row_height)
        if room * panel / len(se_terms) < fs * 0.85 * 1.25:
            se_rows, se_terms = side_effect_rows(data, options, named=False)
    heights = [float(n_lane_rows)]
    if options.show_side_effects and data.side_effects:
        n_se_rows = (max(se_rows) + 1) if se_rows else 0
        heights.append(_se_panel_rows(n_se_rows, se_terms, options.side_effect_row_height))
    heights += [lab_rows] * len(labs)
    m = _margins(fig, data, fs, labs, options, se_terms)
    n = len(heights)
    plot_in = fig.get_figheight() * (m["top"] - m["bottom"])
    total_in = plot_in * n / (n + m["hspace"] * (n - 1))  # as a GridSpec shares it
    row_pt = total_in * heights[0] / sum(heights) * 72.0 / (n_lane_rows + 0.6)
    lo, hi = data.span()
    pad = max(5.0, (_num(hi) - _num(lo)) * 0.02)
    axes_pt = (m["right"] - m["left"]) * fig.get_figwidth() * 72.0
    scale = (_num(hi) - _num(lo) + 2 * pad) / axes_pt
    return total_in * 72.0, row_pt, scale, not data.side_effects or se_terms is not None


def _plan(total_pt, paper, detailed, named, gap, brk, options) -> tuple[int, int, float | None]:
    """(named side-effect rows, lanes on one row, side-effect row height) expected to
    give readable lane names when the panels have ``total_pt`` of height between them:
    they share it in proportion to their rows."""
    lab_units = len(paper.labs) * options.lab_panel_height * 2.0 if options.show_labs else 0.0

    def fits(n_named: int, n_collapsed: int) -> tuple[bool, float | None]:
        data = _collapse_oldest(paper, detailed, n_collapsed)
        rows = sum(1 + len(ln.rows) for ln in data.lanes)
        # The rows only (merging spans changes no row): a fraction of budget_side_effects.
        n_se = len(_side_effect_rows(data, n_named, brk)[0]) if data.side_effects else 0
        u = 0.8
        for _ in range(4):  # the row height depends on the share it gets itself
            ppu = total_pt / (rows + (max(1.2, n_se * u) if n_se else 0.0) + lab_units)
            u = max(0.8, SE_ROW_PT / ppu)
        ok = ppu * rows / (rows + 0.6) * 0.95 >= MIN_LANE_PT * 1.02
        return ok, (u if u > 0.8 else None)

    candidates = [(n, 0) for n in range(named, FEW_NAMED_SE_ROWS - 1, -1)]
    candidates += [(min(named, FEW_NAMED_SE_ROWS), k) for k in range(1, len(detailed) + 1)]
    candidates += [
        (n, len(detailed))
        for n in range(min(named, FEW_NAMED_SE_ROWS) - 1, MIN_NAMED_SE_ROWS - 1, -1)
    ]
    for n, k in candidates:
        ok, u = fits(n, k)
        if ok:
            return n, k, u
    n, k = candidates[-1] if candidates else (named, 0)
    return n, k, fits(n, k)[1]


def _lane_row_pt(arts: TimelineArtists, data: TimelineData) -> float:
    """Height of one lane row in points (what the lane names are sized to)."""
    rows = sum(1 + len(ln.rows) for ln in data.lanes) or 1
    height_pt = arts.lanes_ax.get_position().height * arts.fig.get_figheight() * 72.0
    return height_pt / (rows + 0.6)


def _more_collapsed(paper: TimelineData, detailed: list[int], done: int, row_pt: float) -> int:
    """How many of the oldest detailed lanes to put on one row so the rows reach
    MIN_LANE_PT, estimated (the next drawing checks it)."""
    rows = sum(1 + len(ln.rows) for ln in paper.lanes)
    for i in detailed[:done]:
        rows -= len(paper.lanes[i].rows) - 1
    surplus = rows - rows * row_pt * 0.95 / MIN_LANE_PT
    n = done
    for i in detailed[done:]:
        if surplus <= 0:
            break
        surplus -= len(paper.lanes[i].rows) - 1
        n += 1
    return min(len(detailed), max(done + 1, n))


def _collapse_oldest(data: TimelineData, detailed: list[int], n: int) -> TimelineData:
    if n <= 0:
        return data
    gone = set(detailed[:n])
    lanes = tuple(
        collapse_lane(ln, data.today) if i in gone else ln for i, ln in enumerate(data.lanes)
    )
    return replace(data, lanes=lanes)


def year_ticks(t: PaperTime, lo: dt.date, hi: dt.date, in_per_x: float, fs: float):
    """(paper x, "2021") for 1 January of the years from ``lo`` to ``hi``, thinned per
    zone (every 1, 2, 5, 10 or 20 years) so the labels keep apart; ``in_per_x`` is
    inches per unit of paper x."""
    label_in = _text_width_in("2026", fs) * 1.35
    ticks: list[tuple[float, str]] = []
    zones = [(lo, hi)] if not t.compressed else [(lo, t.brk), (t.brk, hi)]
    for a, b in zones:
        years = list(range(a.year + (0 if (a.month, a.day) == (1, 1) else 1), b.year + 1))
        if not years:
            continue
        year_in = (t.x(b) - t.x(a)) * in_per_x / max(1.0, (b - a).days / 365.25)  # type: ignore[operator]
        step = next((s for s in (1, 2, 5, 10, 20) if year_in * s >= label_in), 50)
        for y in years:
            x = t.x(dt.date(y, 1, 1))
            # not so near the break that its label runs into the first recent year's
            near = b == t.brk and (t.x(b) - x) * in_per_x < label_in  # type: ignore[arg-type]
            if y % step == 0 and not near:
                ticks.append((x, str(y)))
    return ticks


def _paper_axis(chart: PaperChart, fs: float) -> None:
    """Real years on the ticks; the break and what it means under the axis."""
    arts, t = chart.arts, chart.time
    bottom = arts.axes[-1]
    x0, x1 = arts.lanes_ax.get_xlim()
    axes_in = arts.lanes_ax.get_position().width * arts.fig.get_figwidth()
    lo = t.start or chart.data.span()[0]
    hi = chart.data.today
    # the real date at the left edge of the axis
    left = lo - dt.timedelta(days=max(0.0, _num(t.to_paper(lo)) - x0) * t.factor)
    in_per_x = axes_in / max(1.0, x1 - x0)
    ticks = [(x, s) for x, s in year_ticks(t, left, hi, in_per_x, fs) if x0 <= x <= x1]
    bottom.xaxis.set_major_locator(FixedLocator([x for x, _ in ticks]))
    bottom.xaxis.set_major_formatter(FixedFormatter([s for _, s in ticks]))
    if not t.compressed:
        return
    xb = _num(t.brk)  # type: ignore[arg-type]
    for ax in arts.axes:
        ax.axvspan(x0, xb, color="#F4F4F4", zorder=-2, lw=0)
        ax.axvline(xb, color="#555555", lw=0.9, zorder=1)
        # A dashed line through every panel per progression would hatch the compressed
        # years solid; there the triangles on the lane say it.
        for coll in ax.collections:
            if (
                isinstance(coll, LineCollection)
                and coll.get_transform() is ax.get_xaxis_transform()
            ):
                coll.set_segments([seg for seg in coll.get_segments() if seg[0][0] >= xb])
    for mark in arts.marks:
        if mark.kind.startswith("event:") and mark.x0 < xb and isinstance(mark.artist, Line2D):
            mark.artist.set_markersize(mark.artist.get_markersize() * 0.6)
    # The usual broken-axis sign on the time axis.
    bottom.text(
        xb,
        0.0,
        "//",
        transform=bottom.get_xaxis_transform(),
        ha="center",
        va="center",
        fontsize=fs,
        fontweight="bold",
        bbox=dict(facecolor="white", edgecolor="none", pad=0.5),
        zorder=10,
        clip_on=False,
    )
    y_pt = -fs * 1.8
    for dx, text, ha in (
        (-fs, f"◀ {t.years_compressed} earlier years compressed ({t.factor:.0f}×)", "right"),
        (fs, f"last {t.years_recent(hi)} years to scale ▶", "left"),
    ):
        bottom.annotate(
            text,
            (xb, 0.0),
            xycoords=("data", "axes fraction"),
            xytext=(dx, y_pt),
            textcoords="offset points",
            ha=ha,
            va="top",
            fontsize=fs * 0.8,
            color="#333333",
            annotation_clip=False,
        )


def _number_merged_lines(chart: PaperChart, data: TimelineData, row_of, fs) -> list[Any]:
    """The line number on each merged bar wide enough to hold it."""
    arts, t = chart.arts, chart.time
    ax = arts.lanes_ax
    merged = chart.data.lanes[0]
    axes_in = ax.get_position().width * arts.fig.get_figwidth()
    x0, x1 = ax.get_xlim()
    in_per_day = axes_in / max(1.0, x1 - x0)
    size = fs * 0.7
    texts = []
    base = arts.lane_rows[merged.number][0] + 0.5
    for lane in data.lanes:
        if lane.number not in row_of:
            continue
        a = t.x(lane.start)
        b = t.x(lane.end or data.today)
        label = str(lane.number)
        if (b - a) * in_per_day < _text_width_in(label, size, True) + 0.03:
            continue
        y = base + 1 + row_of[lane.number]
        texts.append(
            ax.text(
                (a + b) / 2,
                y,
                label,
                ha="center",
                va="center",
                fontsize=size,
                fontweight="bold",
                color="white",
                zorder=8,
            )
        )
    return texts


def drop_overlapping_labels(arts: TimelineArtists) -> list[str]:
    """Hide every text whose box touches one already kept: lane names first, then drug
    rows, side-effect rows, and the words beside event markers (placed per lane by
    draw_timeline, so a label can still reach into the lane above). The marker of a
    dropped event label stays, and its hover text; returns the texts left out."""
    kept: list[Any] = []
    dropped: list[str] = []
    texts = [*arts.lane_labels, *arts.row_labels, *arts.side_effect_labels, *arts.event_labels]
    # One renderer to measure them all (each text would make its own: 5 ms apiece).
    renderer = arts.fig._get_renderer()
    for text in texts:
        if not text.get_visible() or not text.get_text().strip():
            continue
        box = text.get_window_extent(renderer)
        if any(box.overlaps(k) for k in kept):
            text.set_visible(False)
            dropped.append(text.get_text())
        else:
            kept.append(box)
    return dropped


def lane_label_boxes(arts: TimelineArtists) -> list[Any]:
    """Window extents of the lane and row names drawn (for tests and checks)."""
    return [
        t.get_window_extent()
        for t in [*arts.lane_labels, *arts.row_labels]
        if t.get_visible() and t.get_text().strip()
    ]
