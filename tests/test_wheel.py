"""The installed app is the one people get: build the sdist and the wheel from it,
install the wheel (not editable) into a fresh virtual environment, and use it.

The fresh environment borrows the third-party packages of the test environment
through a .pth line (no download), but not the editable install of this checkout:
.pth files inside a borrowed folder are not read, so ``journal`` can only come from
the wheel. Run from a temporary folder, so the checkout is nowhere on the path.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

WINDOW_SCRIPT = r"""
import sys
from PySide6.QtWidgets import QApplication, QLabel
from journal.ui.app import build_window, make_app
from journal.ui.settings import Settings

app = make_app(["treatment-journal"])
window, controller = build_window(Settings(), sys.argv[1])
window.show()
deadline = __import__("time").monotonic() + 60
text = ""
while __import__("time").monotonic() < deadline:
    app.processEvents()
    text = " ".join(w.text() for w in window.findChildren(QLabel) if w.isVisible())
    if "refractory" in text.lower():
        break
print("WINDOW-TITLE:", window.windowTitle())
print("OVERVIEW-HAS-REFRACTORY:", "refractory" in text.lower())
window.close()
"""


def _clean_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["TREATMENT_JOURNAL_HOME"] = str(tmp / "home")
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".venv",
            ".git",
            "build",
            "dist",
            "*.egg-info",
            "__pycache__",
            ".pytest_cache",
            ".ruff_cache",
            ".hypothesis",
            "out",
        ),
    )
    dist = tmp / "dist"
    env = _clean_env(tmp)
    build = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(src)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    wheels = list(dist.glob("*.whl"))
    assert len(wheels) == 1, list(dist.iterdir())
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    borrowed = sysconfig.get_paths()["purelib"]
    Path(site, "borrowed-test-deps.pth").write_text(borrowed + "\n")
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            str(wheels[0]),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    return venv, env


def _run(env, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*args], capture_output=True, text=True, env=env, cwd=cwd, timeout=240)


def test_installed_wheel_has_its_data_and_runs(installed, tmp_path):
    venv, env = installed
    journal = str(venv / "bin" / "journal")
    where = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import journal, journal.resources as r; "
            "print(journal.__file__); print(r.RESOURCES_DIR)",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    ).stdout.splitlines()
    # The package and its data come from the installed wheel, not from this checkout.
    assert where[0].startswith(str(venv)), where
    assert where[1].startswith(str(venv)) and where[1].endswith("_resources"), where

    demo = tmp_path / "demo.sqlite"
    run = _run(env, journal, "demo", str(demo), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    run = _run(env, journal, "summary", "--json", str(demo), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["lines"], "the installed app computed no lines of therapy"
    assert "Traceback" not in run.stderr

    pdf = tmp_path / "summary.pdf"
    run = _run(env, journal, "summary", "--pdf", str(pdf), str(demo), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert pdf.read_bytes().startswith(b"%PDF")

    window = tmp_path / "window.py"
    window.write_text(WINDOW_SCRIPT)
    run = subprocess.run(
        [str(venv / "bin" / "python"), str(window), str(demo)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=240,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "OVERVIEW-HAS-REFRACTORY: True" in run.stdout, run.stdout + run.stderr[-2000:]
