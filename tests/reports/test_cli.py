"""``journal summary --pdf`` from the command line, with no display."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from report_helpers import pdf_pages_text


def _run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    return subprocess.run(
        [sys.executable, "-m", "journal", "summary", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_pdf_headless_without_name_into_a_folder(demo_path, tmp_path):
    r = _run("--pdf", str(tmp_path), "--without-name", "--as-of", "2026-11-25", str(demo_path))
    assert r.returncode == 0, r.stderr
    files = list(tmp_path.glob("*.pdf"))
    assert [f.name for f in files] == ["TreatmentJournal-screening-2026-11-25.pdf"]
    assert re.search(r"Wrote .*\(\d+ pages\)", r.stdout)
    text = " ".join(pdf_pages_text(files[0]))
    assert "Trial-screening summary" in text and "As of 25 Nov 2026" in text
    assert "Sam" not in text and "Example" not in text and "Sep 1956" not in text


def test_visit_pdf_since_a_date(demo_path, tmp_path):
    out = tmp_path / "visit.pdf"
    r = _run(
        "--pdf", str(out), "--visit", "--since", "1 Sep 2026", "--paper", "Letter", str(demo_path)
    )
    assert r.returncode == 0, r.stderr
    text = " ".join(pdf_pages_text(out))
    assert "Visit summary: 1 Sep 2026 to" in text
    assert "Sam Example" in text


def test_since_without_visit_is_refused_plainly(demo_path, tmp_path, capsys):
    from journal.cli import main

    rc = main(["summary", "--pdf", str(tmp_path / "x.pdf"), "--since", "2026", str(demo_path)])
    assert rc == 1
    assert "--since only applies to the visit summary: add --visit." in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_unwritable_output_is_a_plain_error(qapp, demo_path, tmp_path, capsys):
    from journal.cli import main

    rc = main(["summary", "--pdf", str(tmp_path / "no" / "such" / "x.pdf"), str(demo_path)])
    assert rc == 1
    assert "Choose a folder you can save into" in capsys.readouterr().err
