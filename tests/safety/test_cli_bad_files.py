"""Every command given something that is not a journal says so in plain words and
exits 1: never a traceback, never a change to the file (issue 2, "bad input")."""

import builtins
import errno
import json
import os
import shutil
import subprocess
import sys

import pytest

from journal.cli import main


def _not_a_journal(tmp_path):
    p = tmp_path / "notes.sqlite"
    p.write_text("my shopping list\n", encoding="utf-8")
    return p


def _empty(tmp_path):
    p = tmp_path / "empty.sqlite"
    p.touch()
    return p


def _folder(tmp_path):
    p = tmp_path / "a-folder"
    p.mkdir()
    return p


def _missing(tmp_path):
    return tmp_path / "nowhere.sqlite"


def _unreadable(tmp_path, demo_file, monkeypatch):
    p = tmp_path / "locked.sqlite"
    shutil.copyfile(demo_file, p)
    p.chmod(0)
    if os.geteuid() == 0:  # root reads anything: make the read fail as it would for a user
        real_open = builtins.open

        def refusing_open(file, *a, **kw):
            if os.fspath(file) == os.fspath(p):
                raise PermissionError(errno.EACCES, "Permission denied", os.fspath(p))
            return real_open(file, *a, **kw)

        monkeypatch.setattr(builtins, "open", refusing_open)
    return p


#: What each message must say (any one of these; `check` words its report its own way).
KINDS = {
    "not a journal": (_not_a_journal, ("not a Treatment Journal file", "not a database file")),
    "empty": (_empty, ("the file is empty",)),
    "folder": (_folder, ("is a folder",)),
    "missing": (_missing, ("no journal at", "does not exist")),
    "unreadable": (_unreadable, ("permission",)),
}

COMMANDS = {
    "check": lambda tmp: ["check"],
    "backup": lambda tmp: ["backup"],
    "export": lambda tmp: ["export"],
    "export -o": lambda tmp: ["export", "-o", str(tmp / "out.json")],
    "export --format csv": lambda tmp: ["export", "--format", "csv", "-o", str(tmp / "o.zip")],
    "export --format fhir": lambda tmp: ["export", "--format", "fhir"],
    "import-results": lambda tmp: ["import-results", str(tmp / "results.csv")],
    "summary": lambda tmp: ["summary"],
    "summary --pdf": lambda tmp: ["summary", "--pdf", str(tmp / "out.pdf")],
}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_bad_journal_file(kind, command, tmp_path, demo_file, monkeypatch, capsys):
    make, expected = KINDS[kind]
    path = make(tmp_path, demo_file, monkeypatch) if kind == "unreadable" else make(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    code = main([*COMMANDS[command](tmp_path), str(path)])
    out, err = capsys.readouterr()
    said = out + err
    assert code == 1, said
    assert any(e in said for e in expected), said
    assert path.name in said  # the message names the file
    assert "Traceback" not in said and "Error:" not in said
    if command != "check":  # check prints a short report; the others one message
        assert out == "" and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing made or changed


def test_import_into_bad_target(tmp_path, demo_export, capsys):
    src = tmp_path / "in.json"
    src.write_text(json.dumps(demo_export), encoding="utf-8")
    for target in (_not_a_journal(tmp_path), _folder(tmp_path)):
        assert main(["import", str(src), str(target)]) == 1
        err = capsys.readouterr().err
        assert target.name in err and "Traceback" not in err
    assert (tmp_path / "notes.sqlite").read_text(encoding="utf-8") == "my shopping list\n"
    assert list((tmp_path / "a-folder").iterdir()) == []


@pytest.mark.parametrize("make", [_folder, _missing, _empty])
def test_import_from_bad_input(make, tmp_path, capsys):
    src = make(tmp_path)
    target = tmp_path / "new.sqlite"
    assert main(["import", str(src), str(target)]) == 1
    err = capsys.readouterr().err
    assert src.name in err and "Traceback" not in err
    assert not target.exists()


def test_backups_of_a_folder(tmp_path, capsys):
    folder = _folder(tmp_path)
    assert main(["backups", str(folder)]) == 1
    assert "is a folder" in capsys.readouterr().err


def test_create_on_a_folder(tmp_path, capsys):
    folder = _folder(tmp_path)
    assert main(["create", str(folder)]) == 1
    assert "is a folder" in capsys.readouterr().err
    assert list(folder.iterdir()) == []


def test_restore_onto_a_folder(tmp_path, demo_file, capsys):
    folder = _folder(tmp_path)
    assert main(["restore", str(demo_file), str(folder)]) == 1
    assert "is a folder" in capsys.readouterr().err
    assert list(folder.iterdir()) == []


def test_export_to_a_folder_or_missing_folder(tmp_path, demo_file, capsys):
    folder = _folder(tmp_path)
    assert main(["export", "-o", str(folder), str(demo_file)]) == 1
    assert "is a folder, not a file" in capsys.readouterr().err
    assert list(folder.iterdir()) == []
    assert main(["export", "-o", str(tmp_path / "no" / "x.json"), str(demo_file)]) == 1
    assert "does not exist" in capsys.readouterr().err


def _run_into_closed_pipe(args):
    """Like `journal ARGS | head -c 100`: the reader stops early and closes the pipe."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "journal", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    first = proc.stdout.read(100)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    return first, proc.wait(timeout=120), err


@pytest.mark.parametrize("command", ["summary", "export"])
def test_closed_pipe_ends_quietly(command, demo_file):
    first, code, err = _run_into_closed_pipe([command, str(demo_file)])
    assert first.startswith(b"{")
    assert err == ""  # no BrokenPipeError traceback, no "Exception ignored" line
    assert code == 0
