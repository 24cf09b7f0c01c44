"""How long a UI-like thread waits for Python's lock while a report is laid out on a
worker, with and without the workers' pauses (``journal.pacing.breathe``).

    .venv/bin/python benchmarks/gil_handoff.py [--runs N]

A worker lays out a long report (PySide6 keeps Python's lock through each Qt call) while
a second thread runs busy Python (as the chart thread does); the main thread wakes every
2 ms, as an idle event loop would, and records how long it waited each time. Runs
alternate between pauses on (as shipped) and off (``EVERY_S`` out of reach), so a busy
machine slows both alike. Prints the longest and the 99th-percentile wait of each, and
their ratio. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _long_doc():
    from journal.reports.document import Document

    doc = Document(title="Long report")
    for i in range(120):
        doc.heading(2, f"Part {i}")
        doc.paragraph("Words laid out on the worker, painted on the UI thread. " * 6)
        if i % 5 == 0:
            rows = [[f"2026-01-{d:02d}", str(d * 1.5), "x y z " * 5] for d in range(1, 40)]
            doc.table(["Date", "Value", "More"], rows)
    return doc


def one_run(doc, paced: bool) -> tuple[float, float]:
    """(longest, 99th percentile) wait of the main thread, in seconds."""
    from journal import pacing
    from journal.reports.qt_backend import lay_out

    pacing.EVERY_S = 0.006 if paced else float("inf")
    stop = threading.Event()

    def busy():
        while not stop.is_set():
            sum(i * i for i in range(2000))
            pacing.breathe()

    worker = threading.Thread(target=lambda: lay_out(doc, "A4") and None)
    other = threading.Thread(target=busy)
    other.start()
    worker.start()
    waits = []
    last = time.perf_counter()
    while worker.is_alive():
        time.sleep(0.002)
        now = time.perf_counter()
        waits.append(now - last - 0.002)
        last = now
    stop.set()
    other.join()
    waits.sort()
    return waits[-1], waits[int(0.99 * (len(waits) - 1))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    from PySide6.QtGui import QGuiApplication

    from journal import pacing

    _app = QGuiApplication.instance() or QGuiApplication(["bench"])
    shipped = pacing.EVERY_S
    doc = _long_doc()
    got: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    try:
        for _ in range(args.runs):
            for paced in (False, True):
                got[paced].append(one_run(doc, paced))
    finally:
        pacing.EVERY_S = shipped
    for paced in (False, True):
        longest = statistics.median(w[0] for w in got[paced]) * 1000
        p99 = statistics.median(w[1] for w in got[paced]) * 1000
        print(
            f"pauses {'on ' if paced else 'off'}: longest wait {longest:.0f} ms, p99 {p99:.0f} ms"
        )
    on = statistics.median(w[0] for w in got[True])
    off = statistics.median(w[0] for w in got[False])
    print(f"longest wait with pauses / without: {on / off:.2f} (median of {args.runs} runs each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
