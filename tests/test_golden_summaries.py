"""The rules give the same answers after a change that was meant only to make them
faster (issue 16): the summary JSON of the demo journal and of a synthetic long history
is compared with stored files.

A change that is *meant* to change an answer updates the files on purpose, and says so
in its commit message:  TJ_UPDATE_GOLDEN=1 python3 dev.py test tests/test_golden_summaries.py
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
from pathlib import Path

import pytest

from journal.domain.summary import build_summary, summary_to_json
from journal.services.files import _build_then_move, build_demo_file
from journal.services.queries import load_history
from journal.store.db import open_journal
from journal.synthetic import build_synthetic

GOLDEN = Path(__file__).resolve().parent / "golden"
AS_OF = dt.date(2026, 11, 1)


def _summary_text(path: Path) -> str:
    with open_journal(path, readonly=True) as store:
        history = load_history(store)
    return json.dumps(
        summary_to_json(build_summary(history, as_of=AS_OF)), indent=1, sort_keys=True
    )


def _demo(path: Path) -> None:
    build_demo_file(path)


def _synthetic(path: Path) -> None:
    # 25 years at a tenth of the benchmark's size: every rule runs, the file stays small.
    _build_then_move(
        path, lambda s: build_synthetic(s, years=25, regimens=12, labs=800, side_effects=120)
    )


@pytest.mark.parametrize(("name", "make"), [("demo", _demo), ("synthetic", _synthetic)])
def test_summary_json_is_unchanged(tmp_path, name, make):
    journal = tmp_path / f"{name}.sqlite"
    make(journal)
    text = _summary_text(journal) + "\n"
    golden = GOLDEN / f"{name}-summary.json"
    if os.environ.get("TJ_UPDATE_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(
            list(
                difflib.unified_diff(
                    expected.splitlines(True), text.splitlines(True), "stored", "now", n=2
                )
            )[:80]
        )
        pytest.fail(f"The {name} summary changed (first lines of the difference):\n{diff}")
