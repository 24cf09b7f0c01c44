"""The personal swimmer chart: lines of therapy, events, side effects and labs over time.

:func:`draw_timeline` draws a :class:`~journal.charts.data.TimelineData` onto a
plain :class:`matplotlib.figure.Figure`. No pyplot (no global state, safe in
a Qt app and in a PDF worker) and no Qt: the Timeline view puts the same
figure on a canvas, the report engine saves it as SVG/PDF.

Reading aids, because a doctor gives the picture five seconds: one lane per
line of therapy, labelled; one row per drug; ongoing things end in an arrow;
every symbol differs by shape as well as colour (Okabe-Ito palette, safe for
the common colour-vision deficiencies) and is explained in the legend.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import TICKDOWN, Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.path import Path
from matplotlib.text import Annotation, Text
from matplotlib.textpath import TextToPath

from journal.charts.data import Bar, TimelineData

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}

ROLE_STYLE = {
    # role: (face colour, hatch, legend text)
    "anti-myeloma": (OKABE_ITO["blue"], "", "Myeloma treatment"),
    "conditioning": (OKABE_ITO["orange"], "..", "Preparing for transplant or CAR-T"),
    "lymphodepletion": (OKABE_ITO["orange"], "..", "Preparing for transplant or CAR-T"),
    "mobilisation": (OKABE_ITO["grey"], "..", "Stem-cell mobilisation"),
}
TRIAL_HATCH = "///"

# Side-effect grade: colour darkens AND the hatch gets denser with the grade.
GRADE_STYLE = {
    None: ("#DDDDDD", "", "grade not recorded"),
    1: (OKABE_ITO["yellow"], "", "grade 1 (mild)"),
    2: (OKABE_ITO["orange"], "..", "grade 2 (moderate)"),
    3: (OKABE_ITO["vermillion"], "//", "grade 3 (severe)"),
    4: ("#882255", "xx", "grade 4 (life-threatening)"),
    5: (OKABE_ITO["black"], "xx", "grade 5"),
}

DOSE_MARKERS = {
    # kind: (marker, filled, legend text)
    "reduced": ("v", True, "dose reduced"),
    "increased": ("^", False, "dose increased"),
    "held": ("s", False, "dose held (paused)"),
    "changed": ("d", False, "dose or schedule changed"),
    "stopped": ("|", True, "drug stopped early"),
}

RESPONSE_COLOURS = {
    "sCR": OKABE_ITO["green"],
    "CR": OKABE_ITO["green"],
    "VGPR": OKABE_ITO["sky"],
    "PR": OKABE_ITO["sky"],
    "MR": OKABE_ITO["grey"],
    "SD": OKABE_ITO["grey"],
    "PD": OKABE_ITO["vermillion"],
}

EVENT_STYLE = {
    # kind: (marker, colour, size, legend text)
    "transplant": ("*", OKABE_ITO["blue"], 13, "stem-cell transplant"),
    "car_t": ("D", OKABE_ITO["purple"], 8, "CAR-T infusion"),
    "trial": ("P", OKABE_ITO["green"], 9, "clinical trial start"),
    "progression": ("^", OKABE_ITO["vermillion"], 10, "progression (PD)"),
    "relapse_cr": ("p", OKABE_ITO["orange"], 9, "relapse from complete response"),
    "response": ("o", OKABE_ITO["sky"], 7, "response"),
}

LAB_STYLE = {
    "m_protein": ("o", OKABE_ITO["blue"]),
    "urine_m_protein": ("s", OKABE_ITO["orange"]),
    "flc_kappa": ("D", OKABE_ITO["purple"]),
    "flc_lambda": ("D", OKABE_ITO["green"]),
    "hb": ("^", OKABE_ITO["vermillion"]),
    "platelets": ("v", OKABE_ITO["sky"]),
    "creatinine": ("P", OKABE_ITO["black"]),
    "dflc": ("D", OKABE_ITO["purple"]),
    "bmpc": ("h", OKABE_ITO["green"]),
}

LOG_CANDIDATES = ("flc_kappa", "flc_lambda", "dflc", "urine_m_protein")
BAR_HEIGHT = 0.62
_TEXT_TO_PATH = TextToPath()
BASE_FONT = 9.0


@dataclass
class TimelineOptions:
    show_side_effects: bool = True
    show_labs: bool = True
    show_legend: bool = True
    show_progression_lines: bool = True  # a thin vertical line through every panel
    max_side_effect_rows: int = 6  # packed rows, when there are too many terms for one each
    max_term_rows: int = 16  # up to this many different terms: one row per term, named
    lab_panel_height: float = 1.6  # relative to one lane row
    # Height of one side-effect row relative to one lane row; None = 0.8 named, 0.6 packed.
    # A printed page with many thin lane rows sets more, so the terms stay readable.
    side_effect_row_height: float | None = None
    log_ratio: float = 30.0  # a lab panel switches to a log axis when max/min exceeds this


@dataclass
class Mark:
    """One clickable thing on the chart."""

    artist: Artist
    ref: str
    tip: str
    kind: str
    ax: Axes
    x0: float
    x1: float
    y0: float
    y1: float
    index: int | None = None  # point index for lab series (one Line2D per series)
    records: tuple[str, ...] = ()  # computed marks: the records the rule used

    @property
    def open_refs(self) -> tuple[str, ...]:
        """Refs to try, in order, when the mark is clicked (computed -> its lab rows)."""
        return tuple(r for r in (self.ref, *self.records) if r)


@dataclass
class TimelineArtists:
    fig: Figure
    data: TimelineData
    lanes_ax: Axes | None = None
    side_effects_ax: Axes | None = None
    lab_axes: dict[str, Axes] = field(default_factory=dict)
    marks: list[Mark] = field(default_factory=list)
    lane_rows: dict[int, tuple[float, float]] = field(default_factory=dict)  # line -> y span
    row_y: dict[tuple[int, str], float] = field(default_factory=dict)  # (line, row label) -> y
    legend_labels: list[str] = field(default_factory=list)
    legend: Artist | None = None
    row_labels: list[Artist] = field(default_factory=list)  # drug names beside the rows
    lane_labels: list[Artist] = field(default_factory=list)  # "Line 2: DKd"
    event_labels: list[Artist] = field(default_factory=list)  # "VGPR", "ASCT" above markers
    side_effect_labels: list[Artist] = field(default_factory=list)  # the terms, rows or spans
    side_effect_terms: list[str] | None = None  # row names when there is one row per term
    options: TimelineOptions = field(default_factory=TimelineOptions)
    text_scale: float = 1.0
    gridspec: Any = None

    @property
    def axes(self) -> list[Axes]:
        out = [a for a in (self.lanes_ax, self.side_effects_ax) if a is not None]
        return out + list(self.lab_axes.values())

    def refs(self) -> dict[Artist, list[str]]:
        """Artist -> the record refs it shows (a lab line shows one ref per point)."""
        out: dict[Artist, list[str]] = {}
        for m in self.marks:
            out.setdefault(m.artist, []).append(m.ref)
        return out

    def marks_for(self, ref: str) -> list[Mark]:
        return [m for m in self.marks if m.ref == ref]

    def _marks_of(self, ax: Axes) -> tuple[list[Mark], np.ndarray]:
        # Cached: hover asks on every mouse move, the marks only change on redraw.
        cache = self.__dict__.setdefault("_hit_cache", {})
        if ax not in cache or cache[ax][2] != len(self.marks):
            marks = [m for m in self.marks if m.ax is ax]
            pts = np.array([(m.x0, m.y0) for m in marks]).reshape(-1, 2)
            cache[ax] = (marks, pts, len(self.marks))
        return cache[ax][0], cache[ax][1]

    def hit(self, x_px: float, y_px: float, tolerance_px: float = 6.0) -> Mark | None:
        """The mark under a display position (pixels, origin bottom-left), if any.

        Points win over bars (a marker sits on top of its bar), the nearest point
        wins among points.
        """
        best: tuple[float, Mark] | None = None
        for ax in self.axes:
            if not ax.bbox.contains(x_px, y_px):
                continue
            marks, pts = self._marks_of(ax)
            if not marks:
                return None
            inv = ax.transData.inverted()
            xd, yd = inv.transform((x_px, y_px))
            disp = ax.transData.transform(pts)
            dist = np.hypot(disp[:, 0] - x_px, disp[:, 1] - y_px)
            for i, m in enumerate(marks):
                is_point = m.x0 == m.x1 and m.y0 == m.y1
                if is_point:
                    if dist[i] <= tolerance_px and (best is None or dist[i] < best[0]):
                        best = (float(dist[i]), m)
                elif m.y0 == m.y1:  # a level line: near it vertically, within its span
                    _, y_line = ax.transData.transform((m.x0, m.y0))
                    if m.x0 <= xd <= m.x1 and abs(y_line - y_px) <= tolerance_px and best is None:
                        best = (tolerance_px + 0.5, m)
                elif best is None and m.x0 <= xd <= m.x1 and m.y0 <= yd <= m.y1:
                    best = (tolerance_px + 1.0, m)
            if best is not None and best[0] > tolerance_px:
                # A bar was hit; a nearby point on it still wins.
                for i, m in enumerate(marks):
                    if m.x0 == m.x1 and m.y0 == m.y1 and dist[i] <= tolerance_px:
                        best = (float(dist[i]), m)
            return best[1] if best else None
        return None


_EPOCH = dt.date.fromisoformat(mdates.get_epoch()[:10]).toordinal()


def _num(d: dt.date) -> float:
    """Matplotlib's date number (days since its epoch), without date2num's overhead."""
    return float(d.toordinal() - _EPOCH)


def side_effect_rows(
    data: TimelineData, options: TimelineOptions, *, named: bool = True
) -> tuple[list[int], list[str] | None]:
    """The row of each side-effect span, and the row labels when there is one row per term.

    Up to ``options.max_term_rows`` different terms: one row per term, in order of
    first onset, named like the drug rows (a doctor reads "Low neutrophils" twice on
    one row). More than that (a long journal), or ``named=False`` (a figure too small
    for a readable row per term): spans packed into a few unnamed rows, each span
    carrying its term as text where the term fits inside it.
    """
    if not data.side_effects:
        return [], None
    terms: list[str] = []
    for span in data.side_effects:
        if span.label not in terms:
            terms.append(span.label)
    if named and len(terms) <= options.max_term_rows:
        return [terms.index(span.label) for span in data.side_effects], terms
    spans = [(_num(s.start), _num(s.end or data.today)) for s in data.side_effects]
    return _pack(spans, options.max_side_effect_rows), None


def _se_panel_rows(n_rows: int, terms: list[str] | None, row: float | None = None) -> float:
    """The side-effect panel's height in lane rows (named rows need room for their text)."""
    return max(1.2, n_rows * (row or (0.8 if terms is not None else 0.6)))


def _pack(spans: Sequence[tuple[float, float]], max_rows: int) -> list[int]:
    """Greedy interval packing: the row each span goes on (overlaps share the last row)."""
    ends: list[float] = []
    rows = []
    for start, end in spans:
        for i, row_end in enumerate(ends):
            if start > row_end:
                ends[i] = end
                rows.append(i)
                break
        else:
            if len(ends) < max_rows:
                ends.append(end)
                rows.append(len(ends) - 1)
            else:
                i = int(np.argmin(ends))
                ends[i] = max(ends[i], end)
                rows.append(i)
    return rows


def draw_timeline(
    fig: Figure,
    data: TimelineData,
    *,
    date_range: tuple[dt.date, dt.date] | None = None,
    text_scale: float = 1.0,
    options: TimelineOptions | None = None,
) -> TimelineArtists:
    """Draw ``data`` on ``fig`` (cleared first; the Figure object itself is kept)."""
    options = options or TimelineOptions()
    fig.clear()
    fs = BASE_FONT * text_scale
    arts = TimelineArtists(fig=fig, data=data, options=options, text_scale=text_scale)
    today = _num(data.today)

    # Rows of the lane panel: per lane one event row, then one row per drug.
    n_lane_rows = sum(1 + len(lane.rows) for lane in data.lanes) or 1
    labs = list(data.labs) if options.show_labs else []
    lab_rows = options.lab_panel_height * max(2.0, text_scale * 1.4)
    se_rows, se_terms = side_effect_rows(data, options)
    if se_terms is not None and options.show_side_effects:
        # A fixed-size figure (a PDF page) may have no room for a readable row per term.
        room = _row_room_pt(fig, data, fs, labs, options, se_terms, n_lane_rows, lab_rows)
        if (
            room
            * _se_panel_rows(len(se_terms), se_terms, options.side_effect_row_height)
            / len(se_terms)
            < fs * 0.85 * 1.25
        ):
            se_rows, se_terms = side_effect_rows(data, options, named=False)
    arts.side_effect_terms = se_terms
    n_se_rows = (max(se_rows) + 1) if se_rows else 0
    heights = [float(n_lane_rows)]
    if options.show_side_effects and data.side_effects:
        heights.append(_se_panel_rows(n_se_rows, se_terms, options.side_effect_row_height))
    heights += [lab_rows] * len(labs)

    # Margins measured from the label texts instead of a layout engine: constrained
    # layout measured every tick of every panel on each draw and doubled the time.
    fig.set_layout_engine("none")
    margins = _margins(fig, data, fs, labs, options, se_terms)
    gs = fig.add_gridspec(len(heights), 1, height_ratios=heights, **margins)
    arts.gridspec = gs
    lanes_ax = fig.add_subplot(gs[0])
    arts.lanes_ax = lanes_ax
    axes: list[Axes] = [lanes_ax]
    if options.show_side_effects and data.side_effects:
        arts.side_effects_ax = fig.add_subplot(gs[len(axes)], sharex=lanes_ax)
        axes.append(arts.side_effects_ax)
    for series in labs:
        ax = fig.add_subplot(gs[len(axes)], sharex=lanes_ax)
        arts.lab_axes[series.code] = ax
        axes.append(ax)

    if date_range is not None:
        xlim = (_num(date_range[0]), _num(date_range[1]))
    else:
        lo, hi = data.span()
        pad = max(5.0, (_num(hi) - _num(lo)) * 0.02)
        xlim = (_num(lo) - pad, _num(hi) + pad)
    _draw_lanes(arts, lanes_ax, data, fs, today, xlim)
    if arts.side_effects_ax is not None:
        _draw_side_effects(
            arts, arts.side_effects_ax, data, se_rows, n_se_rows, se_terms, fs, today, xlim
        )
    for series in labs:
        _draw_lab(arts, arts.lab_axes[series.code], series, data, fs, options)

    prog_days = (
        [_num(e.date) for e in data.events if e.kind == "progression" and not e.pending]
        if options.show_progression_lines
        else []
    )
    for ax in axes:
        ax.axvline(today, color=OKABE_ITO["grey"], lw=0.8, ls=(0, (1, 2)), zorder=0)
        if prog_days:
            ax.vlines(
                prog_days,
                0,
                1,
                transform=ax.get_xaxis_transform(),
                colors=OKABE_ITO["vermillion"],
                linewidths=0.7,
                alpha=0.5,
                linestyles="--",
                zorder=0,
            )
        ax.tick_params(labelsize=fs)
        ax.set_axisbelow(True)
        # The date grid as one line a panel (see _DateTicks).
        ax.grid(False, axis="x")
        ax.add_artist(_DateTicks(ax, grid=True, color="#E6E6E6", lw=0.6))
        # The y axis (lab values, their unit) does not move with the dates: drawn first,
        # under all that does, a zoom frame can keep it in its still image (see
        # draw_frame) and still show what a full render shows.
        ax.yaxis.set_zorder(-2.0)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    for ax in axes[:-1]:
        ax.tick_params(axis="x", labelbottom=False)
        # Their tick marks as one line too. Not the bottom panel's: matplotlib places a
        # panel's title differently when its axis has labels but no tick marks.
        ax.tick_params(axis="x", bottom=False)
        ax.add_artist(_DateTicks(ax, grid=False))
    locator = _SharedDateLocator(minticks=4, maxticks=10)
    axes[-1].xaxis.set_major_locator(locator)
    axes[-1].xaxis.set_major_formatter(_SharedDateFormatter(locator))
    for ax in axes:
        # There is no x label to place: a fixed place spares measuring every tick label
        # again on each frame (matplotlib does it to move the label clear of them).
        ax.xaxis.set_label_coords(0.5, 0.0)

    _install_culling(arts)
    lanes_ax.set_xlim(*xlim)
    if data.title:
        fig.suptitle(data.title, fontsize=fs * 1.25, fontweight="bold")
    if options.show_legend:
        _legend(arts, fig, data, fs)
    return arts


class _DateTicks(Line2D):
    """A panel's date grid lines (``grid=True``) or its tick marks below it, as one
    line through all the ticks in view. Matplotlib's axis draws two lines a tick, each
    with its own transforms and drawing state: a fifth of a zoom frame for three
    panels. The same pixels: the same style and place, one draw call."""

    def __init__(self, ax: Axes, *, grid: bool, **style):
        if grid:
            transform = ax.get_xaxis_transform("grid")
            style = dict(marker="", linestyle=mpl.rcParams["grid.linestyle"], **style)
        else:
            transform = ax.get_xaxis_transform("tick1")
            colour = mpl.rcParams["xtick.color"]
            style = dict(
                color=colour,
                linestyle="none",
                marker=TICKDOWN,
                markeredgecolor=colour,
                markersize=mpl.rcParams["xtick.major.size"],
                markeredgewidth=mpl.rcParams["xtick.major.width"],
                clip_on=False,  # below the panel
            )
        super().__init__([], [], transform=transform, zorder=0.5, **style)
        self._grid = grid

    def draw(self, renderer) -> None:
        ax = self.axes
        lo, hi = sorted(ax.get_xlim())
        tol = (hi - lo) * 1e-10  # as the axis itself decides which ticks are in view
        locs = np.asarray(ax.xaxis.get_majorticklocs(), dtype=float)
        locs = locs[(locs >= lo - tol) & (locs <= hi + tol)]
        if self._grid:  # upright segments, apart
            self.set_data(np.repeat(locs, 3), np.tile([0.0, 1.0, np.nan], len(locs)))
        else:
            self.set_data(locs, np.zeros_like(locs))
        super().draw(renderer)


class _SharedDateLocator(mdates.AutoDateLocator):
    """The panels share one date axis, and each asks for its ticks on every frame
    (twice: once more to measure the spines): worked out once per shown range."""

    _memo: tuple[tuple[float, float], np.ndarray] | None = None

    def __call__(self):
        key = tuple(self.axis.get_view_interval())
        if self._memo is None or self._memo[0] != key:
            self._memo = (key, np.asarray(super().__call__()))
        return self._memo[1].copy()


class _SharedDateFormatter(mdates.ConciseDateFormatter):
    """The tick labels of :class:`_SharedDateLocator`'s ticks, written once per range."""

    _memo: tuple[tuple[float, ...], list[str]] | None = None

    def format_ticks(self, values):
        # Only the last range is kept, so the offset line ("2024") this formatter holds
        # from formatting it is still the right one.
        key = tuple(values)
        if self._memo is None or self._memo[0] != key:
            self._memo = (key, list(super().format_ticks(values)))
        return list(self._memo[1])


def _install_culling(arts: TimelineArtists) -> None:
    """Whenever the shown dates change (zoom, pan, the view's buttons), leave out of the
    drawing what lies outside them: a 25-year history zoomed to one year otherwise
    lays out every label and hatches every side-effect span of all 25 years on each
    frame. Hover and click use the marks, which keep everything."""
    collections: list[tuple[PatchCollection, list, np.ndarray]] = []
    artists: list[Artist] = []
    spans: list[tuple[float, float, bool]] = []  # x from, x to, exactly within the view
    for ax in arts.axes:
        data_x = (ax.transData, ax.get_xaxis_transform())
        for coll in ax.collections:
            if isinstance(coll, PatchCollection):
                paths = list(coll.get_paths())
                collections.append((coll, paths, _x_extents(paths)))
        for patch in ax.patches:
            if isinstance(patch, Rectangle) and patch.get_data_transform() is ax.transData:
                artists.append(patch)
                spans.append((patch.get_x(), patch.get_x() + patch.get_width(), False))
        for line in ax.lines:
            xs = line.get_xdata()
            # Also the nadir and threshold steps of each line of therapy (70 on a long
            # history): a line lies within its points' dates, whatever its length.
            if line.get_transform() is ax.transData and len(xs) > 0:
                artists.append(line)
                spans.append((float(np.nanmin(xs)), float(np.nanmax(xs)), False))
        for text in ax.texts:
            if isinstance(text, Annotation) and text.xycoords == "data":
                # An event's label follows its marker, shown while the marker is in view.
                x, exact = float(text.xy[0]), True
            elif text.get_transform() in data_x:
                x, exact = float(text.get_position()[0]), False
            else:
                continue  # row names sit at the panel's edge whatever the dates
            artists.append(text)
            spans.append((x, x, exact))
    extents = np.array(spans, dtype=float).reshape(-1, 3)
    x_from, x_to, exact = extents[:, 0], extents[:, 1], extents[:, 2] > 0
    shown = np.array([a.get_visible() for a in artists], dtype=bool)

    def cull(ax: Axes) -> None:
        shown_lo, shown_hi = ax.get_xlim()
        # A label anchored just outside may still reach in.
        pad = np.where(exact, 0.0, (shown_hi - shown_lo) * 0.25)
        visible = shown & (x_to >= shown_lo - pad) & (x_from <= shown_hi + pad)
        # Spans are clipped to the panel: only a thick outline may reach in (hatching
        # each span is most of a zoomed frame, so none is drawn for nothing).
        edge = (shown_hi - shown_lo) * 0.01
        for coll, paths, ext in collections:
            keep = (ext[:, 1] >= shown_lo - edge) & (ext[:, 0] <= shown_hi + edge)
            # PatchCollection.set_paths wants patches and re-converts them; the
            # already-converted paths are swapped in place instead.
            coll._paths = [p for p, k in zip(paths, keep, strict=True) if k]
            coll.stale = True
        now = np.array([a.get_visible() for a in artists], dtype=bool)
        for i in np.flatnonzero(now != visible):  # most stay as they were: no stale marks
            artists[i].set_visible(bool(visible[i]))

    arts.lanes_ax.callbacks.connect("xlim_changed", cull)


_STRAIGHT = {Path.MOVETO, Path.LINETO, Path.CLOSEPOLY}
_RECTANGLE_CODES = Path.unit_rectangle().codes


def _rectangle_path(x: float, y: float, width: float, height: float) -> Path:
    """The same vertices, to the last bit, as ``Rectangle((x, y), width, height)`` drawn
    through its patch transform."""
    x1, y1 = x + width, y + height
    return Path(np.array([(x, y), (x1, y), (x1, y1), (x, y1), (x, y)]), _RECTANGLE_CODES)


def _x_extents(paths: list) -> np.ndarray:
    """(x from, x to) of each path: the corners of straight-edged spans, without the
    curve arithmetic of Path.get_extents (a thousand spans on a long history)."""
    out = []
    for p in paths:
        codes = p.codes
        if codes is None:
            xs = p.vertices[:, 0]
        elif set(codes.tolist()) <= _STRAIGHT:
            xs = p.vertices[codes != Path.CLOSEPOLY, 0]  # a closing vertex is not a point
        else:
            out.append(p.get_extents().intervalx)
            continue
        out.append((xs.min(), xs.max()))
    return np.array(out, dtype=float).reshape(-1, 2)


@functools.lru_cache(maxsize=4096)
def _text_width_in(text: str, size: float, bold: bool = False) -> float:
    prop = FontProperties(size=size, weight="bold" if bold else "normal")
    width, _, _ = _TEXT_TO_PATH.get_text_width_height_descent(text, prop, ismath=False)
    return width / 72.0


def _legend_rows(n: int, ncol: int) -> int:
    return -(-n // max(1, ncol))


def _row_room_pt(fig, data, fs, labs, options, se_terms, n_lane_rows, lab_rows) -> float:
    """Points of height one lane row gets in this figure with one named row per term."""
    m = _margins(fig, data, fs, labs, options, se_terms)
    height = fig.get_figheight()
    n_panels = 2 + len(labs)
    plot_h = height * (m["top"] - m["bottom"])
    panel_h = plot_h / (n_panels + m["hspace"] * (n_panels - 1))
    units = n_lane_rows + lab_rows * len(labs)
    units += _se_panel_rows(len(se_terms), se_terms, options.side_effect_row_height)
    return panel_h * n_panels / units * 72.0


def _margins(
    fig: Figure, data: TimelineData, fs: float, labs, options, se_terms: list[str] | None
) -> dict[str, float]:
    width, height = fig.get_figwidth(), fig.get_figheight()
    labels = [(lane.label, fs, True) for lane in data.lanes]
    labels += [(row.label, fs * 0.85, False) for lane in data.lanes for row in lane.rows]
    if not options.show_side_effects:
        se_terms = None
    if se_terms is None:
        labels.append(("Side effects", fs, True))
    else:
        labels += [(t, fs * 0.85, False) for t in se_terms]
    # 10 % slack: at low dpi, hinted glyphs render wider than their outline width.
    left_in = max(_text_width_in(t, size, bold) for t, size, bold in labels) * 1.1 + 0.15
    if labs:  # numbers and the unit on the lab panels' y axes
        left_in = max(left_in, (fs * 5.5 + fs * 1.6) / 72.0)
    bottom_in = fs * 3.2 / 72.0  # date tick labels and the concise offset line
    if options.show_legend:
        n, ncol = _legend_shape(fig, data, fs, options)
        bottom_in += _legend_rows(n, ncol) * fs * 0.85 * 1.45 / 72.0 + 0.12
    top_in = 0.12 + (fs * 2.0 / 72.0 if data.title else fs * 1.2 / 72.0)
    titled = labs or (se_terms is not None and options.show_side_effects)
    gap_in = fs * (2.2 if titled else 0.9) / 72.0  # room for each lower panel's title
    n_panels = 1 + (1 if options.show_side_effects and data.side_effects else 0) + len(labs)
    plot_h = max(0.5, height - bottom_in - top_in - gap_in * (n_panels - 1))
    return {
        "left": min(0.6, left_in / width),
        "right": 1.0 - 0.3 / width,
        "bottom": min(0.6, bottom_in / height),
        "top": 1.0 - top_in / height,
        "hspace": gap_in / (plot_h / n_panels),
    }


def relayout(arts: TimelineArtists) -> None:
    """Fit the margins and the legend to the figure's current size (after a resize).

    The margins are measured in inches from the label texts; when a canvas
    resizes the figure, the fractions must be worked out again or the labels
    are cut off and the gaps grow with the window.
    """
    fig, data, options = arts.fig, arts.data, arts.options
    if arts.gridspec is None:
        return
    fs = BASE_FONT * arts.text_scale
    labs = list(data.labs) if options.show_labs else []
    arts.gridspec.update(**_margins(fig, data, fs, labs, options, arts.side_effect_terms))
    # GridSpec.update only moves axes of pyplot-managed figures; move ours here.
    for ax in fig.axes:
        spec = ax.get_subplotspec()
        if spec is not None and spec.get_gridspec() is arts.gridspec:
            ax.set_position(spec.get_position(fig))
    if arts.legend is not None:
        arts.legend.remove()
        _legend(arts, fig, data, fs)


def suggested_height(
    data: TimelineData, *, text_scale: float = 1.0, options: TimelineOptions | None = None
) -> float:
    """A figure height (inches) at which every row is readable at this text size."""
    options = options or TimelineOptions()
    row_in = 0.24 * text_scale
    rows = sum(1 + len(lane.rows) for lane in data.lanes) or 1
    height = rows * row_in + 0.6
    if options.show_side_effects and data.side_effects:
        se_rows, se_terms = side_effect_rows(data, options)
        height += (
            _se_panel_rows(max(se_rows) + 1, se_terms, options.side_effect_row_height) * row_in
        )
    if options.show_labs:
        height += len(data.labs) * options.lab_panel_height * 0.75 * text_scale
    if options.show_legend:
        height += 1.6 * text_scale
    return max(4.0, height)


def update_timeline(
    arts: TimelineArtists,
    data: TimelineData,
    *,
    date_range: tuple[dt.date, dt.date] | None = None,
) -> TimelineArtists:
    """Redraw new data on the same Figure (same options and text size)."""
    return draw_timeline(
        arts.fig, data, date_range=date_range, text_scale=arts.text_scale, options=arts.options
    )


def set_date_range(arts: TimelineArtists, lo: dt.date, hi: dt.date) -> None:
    """Zoom to a range without redrawing anything (the panels share the x axis)."""
    if arts.lanes_ax is not None:
        arts.lanes_ax.set_xlim(_num(lo), _num(hi))


def shown_range(arts: TimelineArtists) -> tuple[dt.date, dt.date]:
    lo, hi = arts.lanes_ax.get_xlim()
    return (mdates.num2date(lo).date(), mdates.num2date(hi).date())


def _point(ax: Axes, x, y, **style) -> Line2D:
    """A marker added without autoscale bookkeeping (the limits are set explicitly)."""
    xs = x if isinstance(x, list) else [x]
    ys = y if isinstance(y, list) else [y]
    line = Line2D(xs, ys, **style)
    ax.add_artist(line)
    return line


def _bar(
    arts: TimelineArtists, ax: Axes, bar: Bar, y: float, today: float, min_width: float
) -> None:
    x0 = _num(bar.start)
    x1 = _num(bar.end) if bar.end is not None else today
    width = max(x1 - x0, min_width)  # a one-day course (melphalan) still shows
    face, hatch, _ = ROLE_STYLE.get(bar.role, ROLE_STYLE["anti-myeloma"])
    if bar.trial:
        hatch = TRIAL_HATCH
    rect = Rectangle(
        (x0, y - BAR_HEIGHT / 2),
        width,
        BAR_HEIGHT,
        facecolor=face,
        # Dates remembered roughly are drawn at the middle of what they can mean;
        # the dashed edge says "about", so nobody reads a precise day into it.
        edgecolor="black" if bar.approx else "white",
        linestyle="--" if bar.approx else "-",
        hatch=hatch,
        lw=1.0 if bar.approx else 0.5,
        zorder=2,
    )
    ax.add_artist(rect)  # not add_patch: limits are set explicitly, autoscale is wasted work
    arts.marks.append(
        Mark(
            rect,
            bar.ref,
            bar.tip,
            "bar",
            ax,
            x0,
            x0 + width,
            y - BAR_HEIGHT / 2,
            y + BAR_HEIGHT / 2,
        )
    )
    if bar.end is None:
        arrow = _point(
            ax, x1, y, marker=">", ms=7, color=face, mec="black", mew=0.6, ls="none", zorder=4
        )
        arts.marks.append(
            Mark(arrow, bar.ref, bar.tip + "\n(still ongoing)", "ongoing", ax, x1, x1, y, y)
        )
    for mark in bar.marks:
        marker, filled, _ = DOSE_MARKERS[mark.kind]
        x = _num(mark.date)
        art = _point(
            ax,
            x,
            y,
            marker=marker,
            ms=7 if marker != "|" else 11,
            mfc="black" if filled else "white",
            mec="black",
            mew=1.6 if marker == "|" else 0.8,
            ls="none",
            zorder=5,
        )
        arts.marks.append(Mark(art, mark.ref, mark.tip, f"dose:{mark.kind}", ax, x, x, y, y))


LABELLED_EVENTS = ("response", "progression", "transplant", "car_t", "relapse_cr")
LABEL_LEVELS = 3  # steps above a marker; a higher label would reach the lane above


# Where a label may go beside its marker, in order of preference: centred above it,
# starting at it (reaching right), ending at it (reaching left).
LABEL_ALIGNS = ("center", "left", "right")


def event_label_levels(
    labelled: Sequence[tuple[Any, float, float]], size: float, days_per_in: float
) -> list[tuple[int, str] | None]:
    """Where each event label goes: (step above its marker, alignment), or None = left out.

    ``labelled`` holds (event, x in days, lane y) in date order. A response label is
    left out when the lane's previous response said the same (VGPR recorded, then
    VGPR computed from the labs: the category did not change, the marker and its
    hover text remain), and so is a label repeating a touching one ("PD" recorded
    and computed on the same day). The others take the first free place, lowest step
    first, centred before shifted aside, measured with the font's real widths; a
    label with no free place is left out rather than drawn over another (its marker
    and hover text remain).
    """
    pad = 0.06 * days_per_in
    nudge = 3.0 / 72.0 * days_per_in  # the shifted labels start 3 pt before the marker
    placed: dict[tuple[float, int], list[tuple[float, float, str]]] = {}
    last_response: dict[float, str] = {}
    out: list[tuple[int, str] | None] = []
    for ev, x, ey in labelled:
        if ev.kind == "response":
            if last_response.get(ey) == ev.label:
                out.append(None)
                continue
            last_response[ey] = ev.label
        width = _text_width_in(ev.label, size) * days_per_in
        spans = {
            "center": (x - width / 2 - pad, x + width / 2 + pad),
            "left": (x - nudge - pad, x - nudge + width + pad),
            "right": (x + nudge - width - pad, x + nudge + pad),
        }
        where: tuple[int, str] | None = None
        repeat = False
        for step in range(LABEL_LEVELS):
            taken = placed.get((ey, step), [])
            for align in LABEL_ALIGNS:
                lo, hi = spans[align]
                touching = [t for t in taken if t[0] < hi and lo < t[1]]
                if any(t[2] == ev.label for t in touching):
                    repeat = True
                    break
                if not touching:
                    where = (step, align)
                    break
            if repeat or where is not None:
                break
        if repeat:
            out.append(None)
            continue
        if where is not None:
            lo, hi = spans[where[1]]
            placed.setdefault((ey, where[0]), []).append((lo, hi, ev.label))
        out.append(where)
    return out


def _draw_lanes(
    arts: TimelineArtists,
    ax: Axes,
    data: TimelineData,
    fs: float,
    today: float,
    xlim: tuple[float, float],
) -> None:
    lo, hi = data.span()
    min_width = max(1.0, (_num(hi) - _num(lo)) * 0.004)
    extents: list[list[tuple[float, float]]] = []
    y = 0.0
    major_y, major_labels, minor_y, minor_labels = [], [], [], []
    event_y: dict[int | None, float] = {}
    for i, lane in enumerate(data.lanes):
        top = y
        event_y[lane.number] = y
        major_y.append(y)
        major_labels.append(lane.label)
        y += 1.0
        for row in lane.rows:
            minor_y.append(y)
            minor_labels.append(row.label)
            arts.row_y[(lane.number, row.label)] = y
            for bar in row.bars:
                _bar(arts, ax, bar, y, today, min_width)
            y += 1.0
        arts.lane_rows[lane.number] = (top - 0.5, y - 0.5)
        if i % 2 == 0:
            ax.axhspan(top - 0.5, y - 0.5, color="#F2F2F2", zorder=0, lw=0)
        # The line's own extent, thin, on its label row: a lane reads as one unit.
        x0 = _num(lane.start)
        x1 = _num(lane.end) if lane.end else today
        extents.append([(x0, top), (x1, top)])
    lane_lines = LineCollection(
        extents, colors="#666666", linewidths=1.2, capstyle="butt", zorder=1
    )
    ax.add_collection(lane_lines, autolim=False)
    for lane, ((x0, top), (x1, _)) in zip(data.lanes, extents, strict=True):
        # Hovering the lane's line shows its full name, dates and any flag; a click
        # opens its first regimen (a line is computed, it has no record of its own).
        ref = f"regimen:{lane.regimen_ids[0]}" if lane.regimen_ids else ""
        arts.marks.append(Mark(lane_lines, ref, lane.tip, "lane", ax, x0, x1, top, top))
    if not data.lanes:
        ax.text(
            0.5,
            0.5,
            "No treatment recorded yet",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=fs * 1.2,
            color="#555555",
        )
    first_y = event_y[data.lanes[0].number] if data.lanes else 0.0

    # Labels of events close in time go up a step so "VGPR ASCT" stays legible; the
    # widths are measured at the scale the chart opens with (whole history or the range).
    axes_in = max(0.5, ax.get_position().width * arts.fig.get_figwidth())
    days_per_in = max(1.0, xlim[1] - xlim[0]) / axes_in
    labelled = []
    for ev in data.events:
        ey = event_y.get(ev.lane, first_y)
        x = _num(ev.date)
        marker, colour, size, _ = EVENT_STYLE[ev.kind]
        if ev.kind == "response":
            colour = RESPONSE_COLOURS.get(ev.label, OKABE_ITO["grey"])
        # Hollow = computed from labs (response) or not yet confirmed (progression).
        filled = not ((ev.kind == "response" and ev.computed) or ev.pending)
        art = _point(
            ax,
            x,
            ey,
            marker=marker,
            ms=size * arts.text_scale**0.5,
            mfc=colour if filled else "white",
            mec="black" if filled else colour,
            mew=0.8 if filled else 1.8,
            ls="none",
            zorder=6,
        )
        arts.marks.append(
            Mark(art, ev.ref, ev.tip, f"event:{ev.kind}", ax, x, x, ey, ey, records=ev.records)
        )
        if ev.kind in LABELLED_EVENTS:
            labelled.append((ev, x, ey))
    for (ev, x, ey), where in zip(
        labelled, event_label_levels(labelled, fs * 0.8, days_per_in), strict=True
    ):
        if where is None:
            continue
        level, align = where
        arts.event_labels.append(
            ax.annotate(
                ev.label,
                (x, ey),
                xytext=({"center": 0, "left": -3, "right": 3}[align], 4 + level * fs),
                textcoords="offset points",
                ha=align,
                va="bottom",
                fontsize=fs * 0.8,
                color="#222222",
                zorder=7,
                clip_on=False,  # may rise above the panel; hidden when its mark is out of view
                # (by the culling below: matplotlib's own check costs a frame more)
                annotation_clip=False,
            )
        )

    ax.set_ylim(max(y - 0.5, 0.5), -1.1)
    ax.set_yticks([])
    # A fixed-size figure (a PDF page) can give a row less height than the text size:
    # smaller names rather than names printed over each other.
    row_pt = ax.get_position().height * arts.fig.get_figheight() * 72.0 / (max(y, 1.0) + 0.6)
    # Never below 60 %: a name too small to read helps nobody.
    lane_fs = max(fs * 0.6, min(fs, row_pt * 0.95))
    row_fs = max(fs * 0.6, min(fs * 0.85, row_pt * 0.85))
    # Drug names as plain texts left of the axis: 150 minor ticks cost more than the bars.
    label_tf = ax.get_yaxis_transform()
    for y_row, text in zip(major_y, major_labels, strict=True):
        arts.lane_labels.append(
            ax.text(
                -0.006,
                y_row,
                text,
                transform=label_tf,
                ha="right",
                va="center",
                fontsize=lane_fs,
                fontweight="bold",
                clip_on=False,
            )
        )
    for y_row, text in zip(minor_y, minor_labels, strict=True):
        arts.row_labels.append(
            ax.text(
                -0.006,
                y_row,
                text,
                transform=label_tf,
                ha="right",
                va="center",
                fontsize=row_fs,
                color="#333333",
                clip_on=False,
            )
        )
    ax.tick_params(axis="y", which="both", length=0)
    ax.spines["left"].set_visible(False)


# Agg snaps a path's corners to the pixel grid only when it has at most 1024 vertices.
_SPANS_PER_PATH = 200  # five vertices each


class _SpanCollection(PatchCollection):
    """Side-effect spans of one look, hatched ones drawn as a few compound paths.

    Agg renders a hatch's pattern tile afresh for every path it fills (a tile of
    some 150 dots for grade 2): about a millisecond a span, most of a zoom frame and
    half a second of a 25-year chart. One path per 200 spans renders it once per
    200. ``get_paths`` still gives one path per span (culling swaps that list).
    """

    _compound: tuple[list, list] | None = None

    def draw(self, renderer) -> None:
        spans = self._paths
        if not self._hatch or len(spans) < 2:
            super().draw(renderer)
            return
        if self._compound is None or self._compound[0] is not spans:
            self._compound = (
                spans,
                [
                    Path.make_compound_path(*spans[i : i + _SPANS_PER_PATH])
                    for i in range(0, len(spans), _SPANS_PER_PATH)
                ],
            )
        self._paths = self._compound[1]
        try:
            super().draw(renderer)
        finally:
            self._paths = spans


def _draw_side_effects(arts, ax, data, rows, n_rows, terms, fs, today, xlim) -> None:
    # One PatchCollection per look (grade x serious): a 25-year journal has a
    # thousand spans, and one draw call per look keeps zoom and pan fluid.
    groups: dict[tuple[int | None, bool], list[tuple[Path, Any]]] = {}
    min_width = max(2.0, (xlim[1] - xlim[0]) * 0.003)  # a one-day reaction still shows
    for span, row in zip(data.side_effects, rows, strict=True):
        x0 = _num(span.start)
        x1 = _num(span.end) if span.end is not None else today
        width = max(x1 - x0, min_width)
        key = (span.grade if span.grade in GRADE_STYLE else None, span.serious)
        groups.setdefault(key, []).append(
            (_rectangle_path(x0, row - 0.35, width, 0.7), (span, x0, x0 + width, row))
        )
    for (grade, serious), items in groups.items():
        face, hatch, _ = GRADE_STYLE[grade]
        coll = _SpanCollection(
            [],
            facecolor=face,
            hatch=hatch,
            edgecolor="black" if serious else "#777777",
            linewidths=2.0 if serious else 0.4,
            zorder=3 if serious else 2,
        )
        # The paths a Rectangle per span would give, made directly: a Rectangle and
        # its transforms cost more than the drawing of a thousand spans.
        coll._paths = [path for path, _ in items]
        ax.add_collection(coll, autolim=False)
        for _path, (span, x0, x_end, row) in items:
            arts.marks.append(
                Mark(coll, span.ref, span.tip, "side_effect", ax, x0, x_end, row - 0.35, row + 0.35)
            )
    ongoing = [
        (span, row) for span, row in zip(data.side_effects, rows, strict=True) if span.end is None
    ]
    if ongoing:
        arrows = _point(
            ax,
            [today] * len(ongoing),
            [row for _, row in ongoing],
            marker=">",
            ms=6,
            color="#555555",
            mec="black",
            mew=0.6,
            ls="none",
            zorder=4,
        )
        for span, row in ongoing:
            arts.marks.append(
                Mark(
                    arrows,
                    span.ref,
                    span.tip + "\n(still ongoing)",
                    "ongoing",
                    ax,
                    today,
                    today,
                    row,
                    row,
                )
            )
    ax.set_ylim(n_rows - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    if terms is not None:
        ax.set_yticks([])
        label_tf = ax.get_yaxis_transform()
        for row, text in enumerate(terms):
            arts.side_effect_labels.append(
                ax.text(
                    -0.006,
                    row,
                    text,
                    transform=label_tf,
                    ha="right",
                    va="center",
                    fontsize=fs * 0.85,
                    color="#333333",
                    clip_on=False,
                )
            )
        ax.set_title("Side effects", loc="left", fontsize=fs * 0.9, fontweight="bold", pad=2.0)
        return
    ax.set_yticks([(n_rows - 1) / 2], ["Side effects"], fontsize=fs, fontweight="bold")
    # Too many terms for a row each: the term goes on its span wherever it fits inside.
    axes_in = max(0.5, ax.get_position().width * arts.fig.get_figwidth())
    days_per_in = max(1.0, xlim[1] - xlim[0]) / axes_in
    row_pt = ax.get_position().height * arts.fig.get_figheight() * 72.0 / max(n_rows, 1)
    size = min(fs * 0.75, row_pt * 0.8)  # within its row, or it would cover the next one
    for span, row in zip(data.side_effects, rows, strict=True):
        if size < fs * 0.55:
            break  # rows too thin to carry readable words: the hover text names the span
        x0 = _num(span.start)
        x1 = _num(span.end) if span.end is not None else today
        if (x1 - x0) / days_per_in < _text_width_in(span.label, size) + 0.1:
            continue
        arts.side_effect_labels.append(
            ax.text(
                x0 + 0.05 * days_per_in,
                row,
                span.label,
                ha="left",
                va="center",
                fontsize=size,
                color="black",
                clip_on=True,
                zorder=5,
            )
        )


def _draw_lab(arts, ax, series, data, fs, options) -> None:
    marker, colour = LAB_STYLE.get(series.code, ("o", OKABE_ITO["black"]))
    xs = np.array([_num(p.date) for p in series.points])
    ys = np.array([p.value for p in series.points])
    (line,) = ax.plot(
        xs, ys, marker=marker, ms=4.5, lw=1.2, color=colour, mec="black", mew=0.4, zorder=4
    )
    for i, p in enumerate(series.points):
        arts.marks.append(Mark(line, p.ref, p.tip, "lab", ax, xs[i], xs[i], ys[i], ys[i], index=i))
    positive = ys[ys > 0]
    # Only light chains span decades (10 to 10 000 mg/L); an M-spike read on a
    # log axis would exaggerate small wobbles near zero and hide a 0.0 result.
    if (
        series.code in LOG_CANDIDATES
        and positive.size == ys.size
        and positive.max() / max(positive.min(), 1e-9) > options.log_ratio
    ):
        ax.set_yscale("log")
    for level in data.ref_lines:
        if level.code != series.code or not level.steps:
            continue
        xs = [_num(st.start) for st in level.steps] + [_num(level.steps[-1].end)]
        ys = [st.value for st in level.steps] + [level.steps[-1].value]
        style = (
            dict(color="black", ls=":", lw=1.3)
            if level.kind == "nadir"
            else dict(color=OKABE_ITO["vermillion"], ls="--", lw=1.3)
        )
        (hl,) = ax.plot(xs, ys, drawstyle="steps-post", zorder=3, **style)
        for st in level.steps:
            arts.marks.append(
                Mark(
                    hl,
                    "",
                    st.tip,
                    f"level:{level.kind}",
                    ax,
                    _num(st.start),
                    _num(st.end),
                    st.value,
                    st.value,
                )
            )
    ax.set_ylabel(series.unit, fontsize=fs * 0.85)
    # The name above the panel, not inside it, so it never hides a value.
    ax.set_title(series.name, loc="left", fontsize=fs * 0.9, fontweight="bold", pad=2.0)


def _ncol(fig: Figure, labels: list[str], fs: float) -> int:
    """As many legend columns as fit the figure's width, so nothing is cut off at 175 %."""
    longest = max(_text_width_in(t, fs * 0.85) for t in labels)
    entry_in = longest + 3.2 * fs * 0.85 / 72.0
    return max(1, min(5, int(fig.get_figwidth() * 0.96 / entry_in)))


def _legend_shape(fig: Figure, data: TimelineData, fs: float, options) -> tuple[int, int]:
    labels = _legend_labels(data, options)
    return len(labels), _ncol(fig, labels, fs)


def _legend_labels(data: TimelineData, options) -> list[str]:
    """The legend's labels without building it (for the margin arithmetic)."""
    probe = TimelineArtists(fig=None, data=data, options=options)  # type: ignore[arg-type]
    if options.show_side_effects and data.side_effects:
        probe.side_effects_ax = True  # type: ignore[assignment]
    if options.show_labs:
        probe.lab_axes = {s.code: None for s in data.labs}  # type: ignore[misc]
    return [h.get_label() for h in _legend_handles(probe, data)]


def _legend(arts: TimelineArtists, fig: Figure, data: TimelineData, fs: float) -> None:
    handles = _legend_handles(arts, data)
    _place_legend(arts, fig, handles, fs)


def _legend_handles(arts: TimelineArtists, data: TimelineData) -> list[Artist]:
    handles: list[Artist] = []
    roles = {bar.role for lane in data.lanes for row in lane.rows for bar in row.bars}
    seen = set()
    for role in ("anti-myeloma", "conditioning", "lymphodepletion", "mobilisation"):
        if role in roles and ROLE_STYLE[role][2] not in seen:
            face, hatch, text = ROLE_STYLE[role]
            seen.add(text)
            handles.append(Patch(facecolor=face, hatch=hatch, edgecolor="white", label=text))
    bars = [bar for lane in data.lanes for row in lane.rows for bar in row.bars]
    if any(b.trial for b in bars):
        handles.append(
            Patch(
                facecolor=OKABE_ITO["blue"],
                hatch=TRIAL_HATCH,
                edgecolor="white",
                label="given in a clinical trial",
            )
        )
    if any(b.approx for b in bars):
        handles.append(
            Patch(
                facecolor=OKABE_ITO["blue"],
                edgecolor="black",
                linestyle="--",
                label="dates approximate (dashed edge)",
            )
        )
    if any(b.end is None for b in bars) or any(s.end is None for s in data.side_effects):
        handles.append(
            Line2D(
                [], [], marker=">", color="#888888", mec="black", ls="none", label="still ongoing"
            )
        )
    kinds = {m.kind for b in bars for m in b.marks}
    for kind, (marker, filled, text) in DOSE_MARKERS.items():
        if kind in kinds:
            handles.append(
                Line2D(
                    [],
                    [],
                    marker=marker,
                    mfc="black" if filled else "white",
                    mec="black",
                    ls="none",
                    ms=7,
                    mew=1.6 if marker == "|" else 0.8,
                    label=text,
                )
            )
    ev_kinds = {e.kind for e in data.events}
    for kind in ("transplant", "car_t", "trial", "progression", "relapse_cr"):
        if kind in ev_kinds:
            marker, colour, size, text = EVENT_STYLE[kind]
            handles.append(
                Line2D(
                    [],
                    [],
                    marker=marker,
                    mfc=colour,
                    mec="black",
                    ls="none",
                    ms=min(size, 10),
                    label=text,
                )
            )
    if any(e.pending for e in data.events):
        marker, colour, _, _ = EVENT_STYLE["progression"]
        handles.append(
            Line2D(
                [],
                [],
                marker=marker,
                mfc="white",
                mec=colour,
                mew=1.8,
                ls="none",
                label="possible progression (unconfirmed)",
            )
        )
    responses = [e for e in data.events if e.kind == "response"]
    if any(not e.computed for e in responses):
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                mfc=OKABE_ITO["sky"],
                mec="black",
                ls="none",
                label="response recorded (text = category)",
            )
        )
    if any(e.computed for e in responses):
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                mfc="white",
                mec=OKABE_ITO["sky"],
                mew=1.8,
                ls="none",
                label="response computed from labs",
            )
        )
    if any(lane.overridden for lane in data.lanes):
        handles.append(
            Patch(facecolor="white", edgecolor="white", label="* line number set by you")
        )
    grades = {s.grade for s in data.side_effects}
    if arts.side_effects_ax is not None:
        for grade in (1, 2, 3, 4, 5, None):
            if grade in grades:
                face, hatch, text = GRADE_STYLE[grade]
                handles.append(
                    Patch(
                        facecolor=face,
                        hatch=hatch,
                        edgecolor="#777777",
                        label=f"side effect {text}",
                    )
                )
        if any(s.serious for s in data.side_effects):
            handles.append(
                Patch(
                    facecolor="white",
                    edgecolor="black",
                    lw=2.0,
                    label="serious side effect (thick outline)",
                )
            )
    if arts.lab_axes:
        for ref_kind, style, text in (
            ("nadir", dict(color="black", ls=":"), "lowest value (nadir)"),
            ("threshold", dict(color=OKABE_ITO["vermillion"], ls="--"), "progression threshold"),
        ):
            if any(r.kind == ref_kind and r.code in arts.lab_axes for r in data.ref_lines):
                handles.append(Line2D([], [], lw=1.3, label=text, **style))
    if any(e.kind == "progression" for e in data.events):
        handles.append(
            Line2D(
                [],
                [],
                color=OKABE_ITO["vermillion"],
                ls="--",
                lw=0.8,
                label="date of a progression",
            )
        )
    handles.append(Line2D([], [], color=OKABE_ITO["grey"], ls=(0, (1, 2)), lw=0.8, label="today"))
    return handles


def _place_legend(arts: TimelineArtists, fig: Figure, handles: list[Artist], fs: float) -> None:
    ncol = _ncol(fig, [h.get_label() for h in handles], fs)
    arts.legend = fig.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.005),
        ncol=ncol,
        fontsize=fs * 0.85,
        frameon=False,
        handlelength=1.6,
        markerscale=max(1.0, arts.text_scale**0.7),
        columnspacing=1.2,
    )
    arts.legend_labels = [h.get_label() for h in handles]


# -- Fast frames while zooming and panning (blitting) ------------------------------------
# A frame after the dates change redraws only what moves with the dates. What stays put
# (drug and lane names, panel titles, the legend, the shading of alternate lanes) is
# rendered once into a background image, kept until the figure is redrawn, resized or
# laid out again. Text is most of a full render (glyph
# layout and rasterising for some 350 labels), so a zoom frame costs a fraction of it.
# Nothing static overlaps anything that moves (the names sit in the margins, the
# shading lies under everything), so a frame shows the same pixels as a full render.


def _static_in_axes(ax: Axes, artist: Artist) -> bool:
    """True when ``artist`` of ``ax`` does not move when the x limits change."""
    if artist in (ax.title, ax._left_title, ax._right_title):
        return True
    if artist is ax.yaxis:  # when drawn under everything of its panel (see draw_timeline)
        z = artist.get_zorder()
        return all(z < a.get_zorder() for a in ax.get_children() if a not in (artist, ax.patch))
    if isinstance(artist, Annotation):
        return False
    if isinstance(artist, Rectangle):  # the shading of alternate lanes
        transform = artist.get_data_transform()
    elif isinstance(artist, Text):
        transform = artist.get_transform()
    else:
        return False
    # x in axes fractions: at the panel's edge (the names) or across it (the shading).
    return transform is ax._yaxis_transform or transform is ax.transAxes


def _moving_artists(fig: Figure) -> list[tuple[Axes | None, list[Artist]]]:
    """Per axes (in drawing order) its artists that move with the dates, in z-order;
    then the figure's own texts (a title may sit under an event's label)."""
    out: list[tuple[Axes | None, list[Artist]]] = []
    for ax in sorted(fig.axes, key=lambda a: a.zorder):
        kids = [
            a
            for a in ax.get_children()
            if a is not ax.patch and not _static_in_axes(ax, a) and not a.get_animated()
        ]
        out.append((ax, sorted(kids, key=lambda a: a.zorder)))
    out.append((None, sorted(fig.texts, key=lambda a: a.zorder)))
    return out


def _frame_key(arts: TimelineArtists, renderer: Any) -> tuple:
    fig = arts.fig
    return (
        id(renderer),
        renderer.width,
        renderer.height,
        fig.dpi,
        tuple(tuple(ax.get_position().bounds) for ax in fig.axes),
        id(arts.legend),
        tuple(len(ax.get_children()) for ax in fig.axes),
        len(fig.texts),
    )


class _StillImage:
    """The rendered still parts, kept small. Cut into runs of 32 pixels along each
    pixel row, nearly every run is one colour (white, or the grey of a lane's shading:
    the names fill a few runs at the panels' left edge, titles and the legend a few
    rows): such a run keeps one pixel. A 25-year chart 13 inches wide keeps 1.7 MB
    instead of 17.5 MB, and is put back nearly as fast as copied back whole."""

    RUN = 32

    def __init__(self, renderer: Any):
        px = self._pixels(renderer)
        self.shape = px.shape
        runs = self._runs(px)
        self.fill = runs[:, :, 0].copy()
        self.mixed_at = np.nonzero(~(runs == runs[:, :, :1]).all(axis=2))
        self.mixed = runs[self.mixed_at]  # fancy indexing: a copy
        self.tail = px[:, runs.shape[1] * self.RUN :].copy()  # columns short of a run

    @staticmethod
    def _pixels(renderer: Any) -> np.ndarray:
        """The renderer's image, one 32-bit word a pixel (RGBA, rows top down)."""
        rgba = np.asarray(renderer.buffer_rgba())
        return rgba.view(np.uint32).reshape(rgba.shape[:2])

    def _runs(self, px: np.ndarray) -> np.ndarray:
        height, width = px.shape
        n = width // self.RUN
        return px[:, : n * self.RUN].reshape(height, n, self.RUN)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.fill, *self.mixed_at, self.mixed, self.tail))

    def restore(self, renderer: Any) -> None:
        px = self._pixels(renderer)
        if px.shape != self.shape:
            raise ValueError("the still image was kept at another size")
        runs = self._runs(px)
        runs[...] = self.fill[:, :, None]
        runs[self.mixed_at] = self.mixed
        px[:, runs.shape[1] * self.RUN :] = self.tail


def draw_frame(arts: TimelineArtists) -> None:
    """Render one frame on the figure's Agg canvas after the shown dates changed.

    The first frame after a redraw, resize or relayout also renders the still parts
    into the cached background (about as long as a full render); every later frame
    restores that background and draws only what moves. The caller shows the result
    (a Qt canvas: ``canvas.update()``). Saving and printing render everything as usual.
    """
    fig = arts.fig
    canvas = fig.canvas
    if not hasattr(canvas, "copy_from_bbox"):  # not an Agg canvas: no image to keep
        canvas.draw()
        return
    renderer = canvas.get_renderer()
    cached = arts.__dict__.get("_frame_background")
    key = _frame_key(arts, renderer)
    if cached is None or cached[0] != key:
        moving = _moving_artists(fig)
        was = [(a, a.get_visible()) for _ax, group in moving for a in group]
        for a, _ in was:
            a.set_visible(False)
        try:
            renderer.clear()
            fig.draw(renderer)
        finally:
            for a, visible in was:
                a.set_visible(visible)
        cached = (key, _StillImage(renderer), moving)
        arts.__dict__["_frame_background"] = cached
    else:
        cached[1].restore(renderer)
    for _ax, group in cached[2]:
        for a in group:
            a.draw(renderer)
