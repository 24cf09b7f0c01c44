"""How long building the screening summary takes (build_summary + summary_to_json).

    .venv/bin/python benchmarks/summary.py [N_RUNS]

Builds the demo journal in a temporary folder, then times load_history, build_summary and
summary_to_json (median of N runs), and the same on a history with every lab repeated
weekly for 25 years (a heavy record). Prints figures; asserts nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

from journal.demo import build_demo
from journal.domain.dates import PartialDate
from journal.domain.records import LabRec
from journal.domain.summary import build_summary, summary_to_json
from journal.services.queries import load_history
from journal.store.db import create_journal


def _median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(runs: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.journal"
        with create_journal(path, auto_backup=False) as store:
            build_demo(store)
            load = _median(lambda: load_history(store), runs)
            history = load_history(store)
    build = _median(lambda: build_summary(history), runs)
    summary = build_summary(history)
    to_json = _median(lambda: summary_to_json(summary), runs)
    print(f"demo journal: {len(history.labs)} labs, {len(history.regimens)} regimens")
    print(f"  load_history    {load * 1000:8.1f} ms")
    print(f"  build_summary   {build * 1000:8.1f} ms")
    print(f"  summary_to_json {to_json * 1000:8.1f} ms")

    # Heavy: weekly M-protein, FLC, blood counts for 25 years.
    start = dt.date(2001, 1, 1)
    labs, i = [], 100000
    for week in range(25 * 52):
        d = PartialDate.from_date(start + dt.timedelta(weeks=week))
        for test, value in (
            ("m_protein", 1.0 + (week % 50) / 25),
            ("flc_kappa", 80.0),
            ("flc_lambda", 10.0),
            ("anc", 2.0),
            ("platelets", 150.0),
            ("hb", 11.0),
            ("creatinine", 1.0),
        ):
            i += 1
            labs.append(LabRec(i, d, test, value))
    heavy = dataclasses.replace(history, labs=history.labs + tuple(labs))
    build_h = _median(lambda: build_summary(heavy), max(1, runs // 2))
    print(f"heavy record: {len(heavy.labs)} labs")
    print(f"  build_summary   {build_h * 1000:8.1f} ms  (ratio to demo {build_h / build:.1f}x)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
