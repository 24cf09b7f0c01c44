"""The layers below the views type-check clean: mypy over ``journal/domain``,
``journal/store`` and ``journal/services`` with the settings in pyproject.toml, the same
command CI runs, so a type error there is a red build."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _mypy() -> list[str]:
    exe = Path(sys.executable).with_name("mypy")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("mypy")
    if found is None:
        pytest.skip("mypy is not installed (it comes with the test extras)")
    return [found]


def test_mypy_is_clean():
    run = subprocess.run(_mypy(), cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
