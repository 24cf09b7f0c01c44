"""PDF export time of the trial-screening summary for the synthetic 25-year journal.

Prints medians over several runs of:
  - load: reading the journal and building the rules' summary (shared with the screens);
  - build: turning the summary into the report document (incl. the timeline data and
    fitting the screening core to two pages: a few page counts of the core);
  - pdf: laying out and writing the PDF (one Qt layout, our own page breaks) while a
    forked child draws the chart (SVG);
  - export = build + pdf (what "Save PDF" costs once the summary is on screen), as wall
    time and as this process's CPU time (the chart child's CPU is printed apart: it runs
    on the other core, and is on the critical path when it ends after the text is laid
    out);
  - end-to-end = load + build + pdf (the CLI from a cold journal, minus imports);
  - with --process: `journal summary --pdf` as a whole process (imports included);
  - with --scales 1,3,10: the export at each scale of the synthetic journal and the
    growth exponent k of t = c * n^k fitted over them (target k <= 1.1: linear).
Target: export < 1.5 s on the 2-core machine when idle. The load average is printed: on a
shared machine the wall figures grow with it, the CPU figure much less.

Usage: .venv/bin/python benchmarks/pdf_export.py [--runs 5] [--kind screening|visit]
       [--journal synthetic|demo] [--paper A4|Letter] [--process] [--scales 1,3,10]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _journal(folder: Path, kind: str, scale: float = 1.0) -> Path:
    from journal.store.db import create_journal

    path = folder / f"{kind}-{scale:g}x.sqlite"
    if path.exists():
        return path
    store = create_journal(path)
    if kind == "synthetic":
        from journal.synthetic import build_synthetic

        build_synthetic(
            store,
            regimens=round(40 * scale),
            labs=round(5000 * scale),
            side_effects=round(1000 * scale),
        )
    else:
        from journal.demo import build_demo

        build_demo(store)
    store.close()
    return path


def _measure(path: Path, kind: str, paper: str, runs: int, out: Path) -> dict:
    """Medians of load, build, pdf (wall) and export CPU over ``runs`` runs."""
    from functools import partial

    from journal.reports import build_report
    from journal.reports.inputs import ReportOptions, load_report_inputs
    from journal.reports.qt_backend import count_pages, write_pdf
    from journal.store.db import open_journal

    loads, builds, pdfs, cpus, child_cpus, pages = [], [], [], [], [], 0

    def children_cpu() -> float:  # the chart's forked child, once collected
        t = os.times()
        return t.children_user + t.children_system

    opts = ReportOptions(page_size=paper)
    with open_journal(path, readonly=True, auto_backup=False) as store:
        for _ in range(runs):
            t0, k0 = time.perf_counter(), children_cpu()
            inputs = load_report_inputs(store)
            t1, c1 = time.perf_counter(), time.process_time()
            # As the CLI and the window do: the screening core fitted to two pages.
            doc = build_report(
                kind, inputs, opts, count_pages=partial(count_pages, page_size=paper)
            )
            t2 = time.perf_counter()
            pages = write_pdf(doc, out, page_size=paper)
            t3, c3 = time.perf_counter(), time.process_time()
            loads.append(t1 - t0)
            builds.append(t2 - t1)
            pdfs.append(t3 - t2)
            cpus.append(c3 - c1)
            child_cpus.append(children_cpu() - k0)
    med = statistics.median
    return {
        "pages": pages,
        "size_kb": out.stat().st_size / 1024,
        "load": med(loads),
        "build": med(builds),
        "pdf": med(pdfs),
        "export": med([b + p for b, p in zip(builds, pdfs, strict=True)]),
        "export_cpu": med(cpus),
        "chart_cpu": med(child_cpus),
        "total": med([a + b + p for a, b, p in zip(loads, builds, pdfs, strict=True)]),
    }


def growth(sizes: list[float], times: list[float]) -> float:
    """Least-squares slope of log t over log n (the k of t = c * n^k)."""
    xs, ys = [math.log(s) for s in sizes], [math.log(t) for t in times]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def _process_time(path: Path, paper: str, runs: int, out: Path) -> float:
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=str(root), QT_QPA_PLATFORM="offscreen")
    cmd = [sys.executable, "-m", "journal", "summary", "--pdf", str(out), "--paper", paper]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        done = subprocess.run([*cmd, str(path)], env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - t)
        if done.returncode != 0:
            raise RuntimeError(f"journal summary --pdf failed:\n{done.stderr[-2000:]}")
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--kind", default="screening", choices=["screening", "visit"])
    ap.add_argument(
        "--journal",
        default="synthetic",
        choices=["synthetic", "demo"],
        help="the synthetic 25-year journal (default) or the realistic demo journal",
    )
    ap.add_argument("--paper", default="A4", choices=["A4", "Letter"])
    ap.add_argument(
        "--process", action="store_true", help="also time `journal summary --pdf` as a process"
    )
    ap.add_argument(
        "--scales",
        default="",
        help="comma-separated scales of the synthetic journal (e.g. 1,3,10): the export at "
        "each and the growth exponent fitted over them",
    )
    args = ap.parse_args(argv)

    from journal.reports.export import ensure_qt_headless

    ensure_qt_headless()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        t0 = time.perf_counter()
        path = _journal(tmpdir, args.journal)
        print(f"{args.journal} journal built in {time.perf_counter() - t0:.2f} s")
        r = _measure(path, args.kind, args.paper, args.runs, tmpdir / "out.pdf")
        print(
            f"{args.kind} summary ({args.paper}): {r['pages']} pages, {r['size_kb']:.0f} KiB, "
            f"runs={args.runs}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        print(f"  load (history + rules summary): median {r['load']:.3f} s")
        print(f"  build document:                   median {r['build']:.3f} s")
        print(f"  chart + lay out + write PDF:      median {r['pdf']:.3f} s")
        export = r["export"]
        print(
            f"  export (build + PDF):             median {export:.3f} s  (target < 1.5 s: "
            f"{'OK' if export < 1.5 else 'SLOW'}; ratio {export / 1.5:.2f}); "
            f"CPU of this process {r['export_cpu']:.3f} s, of the chart's child "
            f"{r['chart_cpu']:.3f} s"
        )
        print(f"  end-to-end (load + export):       median {r['total']:.3f} s")
        if args.process:
            took = _process_time(path, args.paper, max(1, min(args.runs, 3)), tmpdir / "p.pdf")
            print(f"  `journal summary --pdf` process:  median {took:.3f} s (imports included)")
        if args.scales:
            sizes = [float(x) for x in args.scales.split(",") if x.strip()]
            times, cpus = [], []
            for s in sizes:
                p = _journal(tmpdir, "synthetic", s)
                runs = 1 if s > 3 else max(1, min(args.runs, 3))
                m = _measure(p, args.kind, args.paper, runs, tmpdir / f"out-{s:g}.pdf")
                times.append(m["export"])
                cpus.append(m["export_cpu"])
                print(
                    f"  {s:g}x: export {m['export']:.2f} s (CPU {m['export_cpu']:.2f} s), "
                    f"{m['pages']} pages, load average {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
            if len(sizes) >= 2:
                k, kc = growth(sizes, times), growth(sizes, cpus)
                print(
                    f"  growth exponent of the export over {args.scales}: {k:.2f} wall, "
                    f"{kc:.2f} CPU of this process (target <= 1.1: "
                    f"{'OK' if max(k, kc) <= 1.1 else 'OVER'})"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
