import json

from journal.cli.exchange import main
from journal.services import actions, queries
from journal.store import models as m
from journal.store.db import create_journal, open_journal
from journal.store.exchange import FORMAT


def test_demo_export_import_export(tmp_path, capsys):
    demo = tmp_path / "demo.sqlite"
    assert main(["demo", str(demo)]) == 0
    assert "fictional" in capsys.readouterr().err
    out = tmp_path / "demo.json"
    assert main(["export", "-o", str(out), str(demo)]) == 0
    assert (out.stat().st_mode & 0o777) == 0o600
    assert not list(tmp_path.glob(".demo.json.*"))  # no temp file left behind
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == FORMAT and len(data["records"]["regimens"]) == 9

    copy = tmp_path / "copy.sqlite"
    assert main(["import", str(out), str(copy)]) == 0
    capsys.readouterr()
    assert main(["export", str(copy)]) == 0  # to stdout
    again = json.loads(capsys.readouterr().out)
    assert again["records"] == data["records"]


def test_import_refuses_non_empty_journal(tmp_path, capsys):
    full = tmp_path / "full.sqlite"
    with create_journal(full, auto_backup=False) as s:
        actions.add_note(s, m.Note(date="2020-01-01", text="mine"))
    empty = tmp_path / "x.sqlite"
    with create_journal(empty, auto_backup=False):
        pass
    out = tmp_path / "x.json"
    assert main(["export", "-o", str(out), str(empty)]) == 0
    capsys.readouterr()
    assert main(["import", str(out), str(full)]) == 1
    err = capsys.readouterr().err
    assert "already holds data" in err and "new journal file" in err
    with open_journal(full, readonly=True) as s:
        assert queries.row_counts(s)["note"] == 1


def test_failed_import_leaves_no_new_file(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"format": "treatment-journal", "version": 1, "records": '
        '{"notes": [{"id": 1, "date": "soon"}]}}',
        encoding="utf-8",
    )
    target = tmp_path / "new.sqlite"
    assert main(["import", str(bad), str(target)]) == 1
    err = capsys.readouterr().err
    assert "Nothing was imported" in err and "records.notes[0].date" in err
    assert not target.exists()


def test_malformed_and_newer_files(tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json", encoding="utf-8")
    assert main(["import", str(broken), str(tmp_path / "a.sqlite")]) == 1
    assert "not valid JSON (line 1" in capsys.readouterr().err
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({"format": FORMAT, "version": 9, "records": {}}))
    assert main(["import", str(newer), str(tmp_path / "b.sqlite")]) == 1
    assert "newer Treatment Journal" in capsys.readouterr().err
    assert not (tmp_path / "b.sqlite").exists()


def test_demo_refuses_existing_file(tmp_path, capsys):
    f = tmp_path / "d.sqlite"
    with create_journal(f, auto_backup=False):
        pass
    assert main(["demo", str(f)]) == 1
    assert "already a file" in capsys.readouterr().err
