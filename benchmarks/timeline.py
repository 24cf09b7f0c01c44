"""Timeline drawing speed against a bare matplotlib figure with the same content.

The chart: ``draw_timeline`` on a plain Figure for the synthetic 25-year journal
(``journal.synthetic.build_synthetic``: 40 regimens, 5000 labs, 1000 side
effects), then an Agg render. The floor: a bare Figure with the same number of
axes, rectangles (bars and side-effect spans), single markers, lines (with the
same number of points) and text labels, drawn with plain ``add_patch``/``plot``/
``text`` calls and no layout engine, then the same Agg render. Also timed: a
redraw on the same Figure (what the Timeline view does when the journal
changes), a zoom with a full render (set_xlim + render), and a zoom or pan frame
as the view draws it (``draw_frame``: only what moves, over the kept still parts).

Prints medians and the ratio chart/floor (target <= 1.5).

Run: ``.venv/bin/python benchmarks/timeline.py [--runs 7] [--width 13] [--dpi 96]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text


def load_results(history):
    try:
        from journal.domain.summary import build_summary

        return build_summary(history)
    except ImportError:
        from journal.domain.lines import compute_lines
        from journal.domain.response import compute_responses

        lines = compute_lines(history)
        return SimpleNamespace(lines=lines, responses=compute_responses(history, lines))


def fallback_history():
    """Same size as build_synthetic's defaults, built in memory (only while it is missing)."""
    import random

    from journal.domain.dates import PartialDate
    from journal.domain.records import DrugRec, History, LabRec, RegimenRec, SideEffectRec

    rng = random.Random(1)
    start = dt.date(2000, 1, 1)
    day = lambda n: PartialDate.from_date(start + dt.timedelta(days=n))  # noqa: E731
    regimens = []
    names = [
        "bortezomib",
        "lenalidomide",
        "dexamethasone",
        "carfilzomib",
        "daratumumab",
        "pomalidomide",
        "isatuximab",
        "elotuzumab",
        "cyclophosphamide",
        "selinexor",
    ]
    for i in range(40):
        a, b = i * 228, i * 228 + 200
        drugs = tuple(DrugRec(n, n, day(a), day(b)) for n in rng.sample(names, 3))
        regimens.append(
            RegimenRec(i + 1, f"R{i + 1}", day(a), day(b) if i < 39 else None, drugs=drugs)
        )
    labs = []
    for i in range(5000):
        test = ("m_protein", "flc_kappa", "flc_lambda", "hb")[i % 4]
        n = (i // 4) * 7
        value = {
            "m_protein": 0.2 + (n % 400) / 200,
            "flc_kappa": 20 + n % 900,
            "flc_lambda": 10.0,
            "hb": 9 + (n % 50) / 10,
        }[test]
        labs.append(LabRec(i + 1, day(n), test, value))
    effects = [
        SideEffectRec(
            i + 1,
            f"effect {i % 30}",
            day(i * 9),
            grade=1 + i % 4,
            resolved=day(i * 9 + 20) if i % 50 else None,
            serious=i % 40 == 0,
        )
        for i in range(1000)
    ]
    return History(regimens=tuple(regimens), labs=tuple(labs), side_effects=tuple(effects))


def synthetic_history():
    from journal.services.queries import load_history
    from journal.store.db import create_journal

    try:
        from journal.synthetic import build_synthetic
    except ImportError:
        print("journal.synthetic is not there yet: using this script's own generator")
        t = time.perf_counter()
        return fallback_history(), time.perf_counter() - t

    path = Path(tempfile.mkdtemp(prefix="timeline-bench-")) / "synthetic.journal"
    store = create_journal(path)
    t = time.perf_counter()
    build_synthetic(store)
    built = time.perf_counter() - t
    history = load_history(store)
    store.close()
    return history, built


def census(fig: Figure) -> dict[str, int]:
    """What is on the figure, counted the way the floor will rebuild it: every bar or
    span (also those drawn as one path of a collection), every single marker, every
    line (a segment of a line collection counts as a line) and its points, every text."""
    counts = {"axes": len(fig.axes), "bars": 0, "markers": 0, "lines": 0, "points": 0, "texts": 0}
    for ax in fig.axes:
        counts["bars"] += sum(isinstance(p, Rectangle) for p in ax.patches)
        for coll in ax.collections:
            if isinstance(coll, PatchCollection):
                counts["bars"] += len(coll.get_paths())
            elif isinstance(coll, LineCollection):
                counts["lines"] += len(coll.get_segments())
                counts["points"] += 2 * len(coll.get_segments())
        for line in ax.lines:
            if type(line).__name__ == "_DateTicks":
                continue  # the axis' grid and tick marks, drawn by the chart's own means
            n = len(line.get_xdata())
            if line.get_linestyle() in ("None", "none", "") or n <= 1:
                counts["markers"] += n
            else:
                counts["lines"] += 1
                counts["points"] += n
        counts["texts"] += sum(isinstance(t, Text) for t in ax.texts)
    counts["texts"] += len(fig.legends) and sum(len(lg.get_texts()) for lg in fig.legends)
    return counts


def draw_floor(
    fig: Figure, counts: dict[str, int], x0: float, x1: float, collected: int = 0
) -> None:
    """The same amount of stuff, the plain matplotlib way: barh, plot, text.

    ``collected`` bars go into one PatchCollection instead (the strict floor: the
    chart draws its side-effect spans that way)."""
    fig.clear()
    n_axes = counts["axes"]
    axes = [fig.add_subplot(n_axes, 1, i + 1) for i in range(n_axes)]
    span = x1 - x0
    if collected:
        rects = [Rectangle((x0 + (i * 37) % span, i % 20), 30, 0.6) for i in range(collected)]
        axes[-1].add_collection(PatchCollection(rects, facecolor="#E69F00"), autolim=False)
    n_bars = counts["bars"] - collected
    per_axes = -(-n_bars // n_axes)
    for k, a in enumerate(axes):
        n = min(per_axes, n_bars - k * per_axes)
        if n > 0:
            a.barh(
                [i % 20 for i in range(n)],
                [30] * n,
                left=[x0 + (i * 37) % span for i in range(n)],
                height=0.6,
                color="#0072B2",
            )
    for i in range(counts["markers"]):
        a = axes[i % n_axes]
        a.plot([x0 + (i * 53) % span], [i % 20], marker="o", ls="none")
    per_line = max(2, counts["points"] // max(1, counts["lines"]))
    for i in range(counts["lines"]):
        a = axes[i % n_axes]
        xs = [x0 + span * k / per_line for k in range(per_line)]
        a.plot(xs, [(k * 7 + i) % 11 for k in range(per_line)], marker="o", ms=3)
    for i in range(counts["texts"]):
        axes[0].text(x0 + (i * 41) % span, i % 20, "VGPR", fontsize=8)
    for a in axes:
        a.set_xlim(x0, x1)
        a.set_ylim(0, 20)


def new_figure(size, dpi) -> Figure:
    fig = Figure(figsize=size, dpi=dpi)
    FigureCanvasAgg(fig)  # a bare Figure's canvas does not render at all
    return fig


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--width", type=float, default=13.0, help="figure width, inches")
    ap.add_argument("--dpi", type=float, default=96.0)
    args = ap.parse_args()

    from journal.charts.data import timeline_data_from
    from journal.charts.timeline import (
        draw_frame,
        draw_timeline,
        set_date_range,
        suggested_height,
    )

    history, built = synthetic_history()
    print(
        f"synthetic journal built in {built:.2f} s: {len(history.regimens)} regimens, "
        f"{len(history.labs)} labs, {len(history.side_effects)} side effects"
    )
    t = time.perf_counter()
    results = load_results(history)
    rules = time.perf_counter() - t
    t = time.perf_counter()
    data = timeline_data_from(history, results)
    prep = time.perf_counter() - t
    print(
        f"rules (summary) {rules * 1000:.0f} ms; timeline_data_from {prep * 1000:.1f} ms; "
        f"{len(data.lanes)} lanes"
    )

    size = (args.width, suggested_height(data))
    probe = new_figure(size, args.dpi)
    arts = draw_timeline(probe, data)
    probe.canvas.draw()
    counts = census(probe)
    print("content:", ", ".join(f"{k} {v}" for k, v in counts.items()))
    x0, x1 = arts.lanes_ax.get_xlim()

    def chart():
        fig = new_figure(size, args.dpi)
        draw_timeline(fig, data)
        fig.canvas.draw()

    def floor():
        fig = new_figure(size, args.dpi)
        draw_floor(fig, counts, x0, x1)
        fig.canvas.draw()

    chart(), floor()  # warm font caches
    chart_t, floor_t = [], []
    for _ in range(args.runs):  # alternate so machine noise hits both alike
        chart_t.append(median_time(chart, 1))
        floor_t.append(median_time(floor, 1))
    c, f = statistics.median(chart_t), statistics.median(floor_t)
    print(f"timeline draw+render median {c * 1000:.0f} ms")
    print(f"bare figure  draw+render median {f * 1000:.0f} ms")
    print(f"ratio {c / f:.2f} (target <= 1.5)")
    spans = len(data.side_effects)

    def strict_floor():
        fig = new_figure(size, args.dpi)
        draw_floor(fig, counts, x0, x1, collected=spans)
        fig.canvas.draw()

    strict_floor()
    s_t = [median_time(strict_floor, 1) for _ in range(args.runs)]
    sf = statistics.median(s_t)
    print(
        f"strict floor (its {spans} side-effect spans as one collection, like the chart) "
        f"median {sf * 1000:.0f} ms; ratio {c / sf:.2f}"
    )

    fig = new_figure(size, args.dpi)
    state = {"arts": draw_timeline(fig, data)}
    fig.canvas.draw()

    def redraw():
        state["arts"] = draw_timeline(fig, data)
        fig.canvas.draw()

    print(f"redraw on the same Figure median {median_time(redraw, args.runs) * 1000:.0f} ms")
    today = data.today

    def zoom():
        set_date_range(state["arts"], today - dt.timedelta(days=365), today)
        fig.canvas.draw()
        set_date_range(state["arts"], *data.span())
        fig.canvas.draw()

    print(f"zoom (set range + render) median {median_time(zoom, args.runs) / 2 * 1000:.0f} ms")

    # What the Timeline view does per zoom or pan step: draw_frame draws only what moves
    # over the kept still parts. A one-year window stepped across the whole history,
    # so no frame repeats the one before it.
    arts = state["arts"]
    draw_frame(arts)  # the first frame keeps the still parts
    lo = data.span()[0]
    years = max(1, (data.today - lo).days // 365)
    frames = []
    for k in range(years):
        start = lo + dt.timedelta(days=365 * k)
        t = time.perf_counter()
        set_date_range(arts, start, start + dt.timedelta(days=365))
        draw_frame(arts)
        frames.append(time.perf_counter() - t)
    kept = arts.__dict__["_frame_background"][1]
    image = fig.canvas.get_renderer().buffer_rgba().nbytes
    print(
        f"zoom/pan frame (one year, {len(frames)} steps) median "
        f"{statistics.median(frames) * 1000:.0f} ms, slowest {max(frames) * 1000:.0f} ms "
        f"(target median <= 100 ms); still image kept {getattr(kept, 'nbytes', 0) / 1e6:.1f} MB "
        f"of a {image / 1e6:.1f} MB render"
    )

    # The demo journal: what a real person's ten years look like.
    from journal.demo import build_demo
    from journal.services.queries import load_history
    from journal.store.db import create_journal

    store = create_journal(Path(tempfile.mkdtemp(prefix="timeline-bench-")) / "demo.journal")
    build_demo(store)
    demo = load_history(store)
    store.close()
    demo_data = timeline_data_from(demo, load_results(demo))
    size = (args.width, suggested_height(demo_data))
    demo_fig = new_figure(size, args.dpi)

    def demo_redraw():
        draw_timeline(demo_fig, demo_data)
        demo_fig.canvas.draw()

    print(
        f"demo journal: redraw + render median {median_time(demo_redraw, args.runs) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
