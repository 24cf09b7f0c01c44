"""The reference history of issue 10 still goes in with at most 150 key presses and clicks
(benchmarks/entry_actions.py, run as a person's keyboard would drive the window)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_reference_history_in_at_most_150_actions(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "entry_actions.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    lines = [ln for ln in run.stdout.splitlines() if ln.strip()]
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Overview is not right" not in run.stdout
    assert lines[-1].startswith("actions: ")
    assert int(lines[-1].split(": ")[1]) <= 150
