"""The log helps find a failure and holds nothing about the person's health."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

from journal import logs

MARKERS = ["Zebulon-Quartermaine", "MARKER-DRUG-Xq7", "MARKER-NOTE-pancakes", "1931-02-29"]


def _reset_file_handler():
    root = logging.getLogger()
    for h in list(root.handlers):
        if h.get_name() == logs._HANDLER_NAME:
            root.removeHandler(h)
            h.close()


def test_formatter_keeps_template_and_error_location_but_no_values():
    f = logs.HealthFreeFormatter()
    try:
        raise ValueError(f"cannot read {MARKERS[1]} for {MARKERS[0]}")
    except ValueError:
        rec = logging.LogRecord(
            "journal.x",
            logging.ERROR,
            __file__,
            1,
            "saving %s failed for %r",
            (MARKERS[2], {"name": MARKERS[0]}),
            sys.exc_info(),
        )
    text = f.format(rec)
    assert "saving <str> failed for '<dict>'" in text
    assert "ValueError at test_logs.py:" in text
    for marker in MARKERS:
        assert marker not in text


def test_a_journal_full_of_markers_leaves_no_trace_in_the_log(tmp_path, monkeypatch):
    """Commands and an unexpected error run over a journal full of marker strings;
    the log is written, and none of the markers is in it."""
    home = tmp_path / "home"
    monkeypatch.setenv("TREATMENT_JOURNAL_HOME", str(home))
    _reset_file_handler()
    from journal.cli import main
    from journal.services.files import build_demo_file
    from journal.store.db import open_journal
    from journal.store.exchange import dumps, export_journal

    journal = tmp_path / "j.sqlite"
    build_demo_file(journal)
    with open_journal(journal) as store:
        data = json.loads(dumps(export_journal(store)))
    data["records"]["person"][0]["display_name"] = MARKERS[0]
    for note in data["records"].get("notes", []):
        note["text"] = MARKERS[2]
    marked = tmp_path / "marked.json"
    marked.write_text(json.dumps(data))
    target = tmp_path / "marked.sqlite"
    assert main(["import", str(marked), str(target)]) == 0
    assert main(["summary", "--json", str(target)]) == 0
    bad = dict(data, version=MARKERS[3])
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    assert main(["import", str(tmp_path / "bad.json"), str(tmp_path / "x.sqlite")]) == 1

    # An error nobody expected, whose message quotes the record.
    import journal.cli.summary as summary_cli

    def boom(args):
        raise RuntimeError(f"{MARKERS[1]} broke for {MARKERS[0]}")

    monkeypatch.setattr(summary_cli, "cmd_summary", boom)
    code = main(["summary", "--json", str(target)])
    assert code == 1
    _reset_file_handler()

    text = (home / "logs" / logs.LOG_FILE_NAME).read_text()
    assert "start: command line" in text
    assert "RuntimeError at" in text  # the failure is findable
    for marker in MARKERS:
        assert marker not in text, marker


def test_cli_unexpected_error_is_one_sentence_not_a_traceback(tmp_path):
    code = (
        "import journal.cli.summary as s, sys\n"
        "s.cmd_summary = lambda a: 1/0\n"
        "from journal.cli import main\n"
        "sys.exit(main(['summary', '--json', 'x.sqlite']))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**__import__("os").environ, "TREATMENT_JOURNAL_HOME": str(tmp_path / "h")},
        timeout=120,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "Something unexpected went wrong (ZeroDivisionError)" in run.stderr
    assert str(tmp_path / "h" / "logs") in run.stderr
