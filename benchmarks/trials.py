"""Trial checklist speed on the demo journal (figures, not assertions).

    .venv/bin/python benchmarks/trials.py [--runs 5]

Prints the median over runs of: splitting every fixture text (tests/trials/fixtures), building
every checklist against one Summary of the demo journal (the Summary itself is built once, as
the Trials page reuses the app's cached one), and reading a 1000-study search page.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from journal.demo import build_demo
from journal.domain.summary import build_summary
from journal.services.queries import load_history
from journal.store.db import create_journal
from journal.trials.checklist import build_checklist
from journal.trials.criteria import split_criteria
from journal.trials.record import read_record_bytes, record_from_study

TEXTS = Path(__file__).resolve().parents[1] / "tests" / "trials" / "fixtures" / "excerpts"


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    texts = [p.read_text(encoding="utf-8") for p in sorted(TEXTS.glob("*.txt"))]
    with (
        tempfile.TemporaryDirectory() as tmp,
        create_journal(Path(tmp) / "demo.sqlite", auto_backup=False) as store,
    ):
        build_demo(store)
        history = load_history(store)
    summary = build_summary(history)
    records = [
        record_from_study(
            {
                "protocolSection": {
                    "identificationModule": {"nctId": f"NCT{i:08d}"},
                    "eligibilityModule": {"eligibilityCriteria": t},
                }
            }
        )
        for i, t in enumerate(texts)
    ]
    page = json.dumps({"studies": [r.raw for r in records] * (1000 // len(records))}).encode()
    figures = {
        f"split {len(texts)} texts": [
            timed(lambda: [split_criteria(t) for t in texts]) for _ in range(args.runs)
        ],
        f"build {len(records)} checklists": [
            timed(lambda: [build_checklist(r, summary) for r in records]) for _ in range(args.runs)
        ],
        f"read a search page of {len(page) // 1024} kB": [
            timed(lambda: read_record_bytes(page)) for _ in range(args.runs)
        ],
    }
    for what, runs in figures.items():
        print(f"{what:40s} {statistics.median(runs) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
