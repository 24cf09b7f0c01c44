"""PDF export time of the trial-screening summary for the synthetic 25-year journal.

Prints medians over several runs of:
  - load: reading the journal and building the rules' summary (shared with the screens);
  - build: turning the summary into the report document (incl. the timeline data and
    fitting the screening core to two pages: a few page counts of the core);
  - pdf: drawing the chart (SVG, on a worker thread) while laying out and writing the PDF
    (QTextDocument + QPdfWriter through QSaveFile);
  - export = build + pdf (what "Save PDF" costs once the summary is on screen);
  - end-to-end = load + build + pdf (the CLI from a cold journal, minus imports).
Target: export < 1.5 s on the 2-core machine.

Usage: .venv/bin/python benchmarks/pdf_export.py [--runs 5] [--kind screening|visit]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


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
    args = ap.parse_args(argv)

    from journal.reports import build_report
    from journal.reports.export import ensure_qt_headless
    from journal.reports.inputs import ReportOptions, load_report_inputs
    from journal.store.db import create_journal

    ensure_qt_headless()
    from functools import partial

    from journal.reports.qt_backend import count_pages, write_pdf

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        t0 = time.perf_counter()
        store = create_journal(tmpdir / "journal.sqlite")
        if args.journal == "synthetic":
            from journal.synthetic import build_synthetic

            build_synthetic(store, years=25)
        else:
            from journal.demo import build_demo

            build_demo(store)
        print(f"{args.journal} journal built in {time.perf_counter() - t0:.2f} s")
        loads, builds, pdfs, pages = [], [], [], 0
        opts = ReportOptions()
        for i in range(args.runs):
            t0 = time.perf_counter()
            inputs = load_report_inputs(store)
            t1 = time.perf_counter()
            # As the CLI and the window do: the screening core fitted to two pages.
            doc = build_report(args.kind, inputs, opts, count_pages=partial(count_pages))
            t2 = time.perf_counter()
            pages = write_pdf(doc, tmpdir / f"out{i}.pdf")
            t3 = time.perf_counter()
            loads.append(t1 - t0)
            builds.append(t2 - t1)
            pdfs.append(t3 - t2)
        store.close()
        size_kb = (tmpdir / "out0.pdf").stat().st_size / 1024
    med = statistics.median
    export = med([b + p for b, p in zip(builds, pdfs, strict=True)])
    total = med([a + b + p for a, b, p in zip(loads, builds, pdfs, strict=True)])
    print(
        f"{args.kind} summary: {pages} pages, {size_kb:.0f} KiB, runs={args.runs}, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"  load (history + rules summary): median {med(loads):.3f} s")
    print(f"  build document:                   median {med(builds):.3f} s")
    print(f"  chart + lay out + write PDF:      median {med(pdfs):.3f} s")
    print(
        f"  export (build + PDF):             median {export:.3f} s  (target < 1.5 s: "
        f"{'OK' if export < 1.5 else 'SLOW'}; ratio {export / 1.5:.2f})"
    )
    print(f"  end-to-end (load + export):       median {total:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
