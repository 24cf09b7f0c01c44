"""A full disk under `journal export`, `journal summary --pdf`, `journal import` and
`journal backup`: the old file is kept, no temporary file is left, one plain message,
exit code 1."""

import errno
import json
import os
import sqlite3

import pytest
from sqlalchemy import event

from journal import fileio
from journal.cli import main
from journal.errors import DiskFullError
from journal.services import queries
from journal.store import backup as backup_mod
from journal.store import db as db_mod
from journal.store.db import create_journal, open_journal

from .conftest import page_count

OLD = b"the previous version of this file\n"


def _enospc_after(monkeypatch, ok_bytes: int = 0):
    """os.write (the temp-file writer) accepts ``ok_bytes`` then the disk is full."""
    real = os.write
    left = [ok_bytes]

    def write(fd, data):
        if left[0] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = real(fd, bytes(data[: left[0]]))
        left[0] -= n
        return n

    monkeypatch.setattr(fileio.os, "write", write)


def _assert_plain_disk_full(err: str):
    assert err.startswith("The disk is full"), err
    assert "Free some space" in err
    assert "Traceback" not in err and "Errno" not in err and "OSError" not in err


def test_export_on_full_disk_keeps_old_file(tmp_path, demo_file, monkeypatch, capsys):
    out = tmp_path / "export.json"
    out.write_bytes(OLD)
    _enospc_after(monkeypatch, 64 * 1024)  # part of it was written before the disk filled
    assert main(["export", "-o", str(out), str(demo_file)]) == 1
    _, err = capsys.readouterr()
    _assert_plain_disk_full(err)
    assert "unchanged" in err
    assert out.read_bytes() == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["export.json"]  # no temp file left


def test_export_to_full_stdout(demo_file, monkeypatch, capsys):
    def full(_text):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("sys.stdout.write", full)
    assert main(["export", str(demo_file)]) == 1
    _assert_plain_disk_full(capsys.readouterr().err)


def test_summary_pdf_on_full_disk_keeps_old_file(qapp, tmp_path, demo_file, monkeypatch, capsys):
    out = tmp_path / "summary.pdf"
    out.write_bytes(OLD)
    _enospc_after(monkeypatch, 10_000)
    assert main(["summary", "--pdf", str(out), str(demo_file)]) == 1
    out_text, err = capsys.readouterr()
    assert out_text == ""
    _assert_plain_disk_full(err)
    assert out.read_bytes() == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["summary.pdf"]


def _cap_every_new_engine(monkeypatch, extra_pages: int):
    real = db_mod.JournalStore._make_engine

    def capped(self):
        engine = real(self)
        limit = page_count(self.path) + extra_pages

        @event.listens_for(engine, "connect")
        def _cap(dbapi_conn, _rec):
            dbapi_conn.execute(f"PRAGMA max_page_count={limit}")

        return engine

    monkeypatch.setattr(db_mod.JournalStore, "_make_engine", capped)


def test_import_on_full_disk_writes_nothing(tmp_path, demo_export, monkeypatch, capsys):
    src = tmp_path / "in.json"
    src.write_text(json.dumps(demo_export), encoding="utf-8")
    existing = tmp_path / "empty.sqlite"
    with create_journal(existing, auto_backup=False):
        pass
    _cap_every_new_engine(monkeypatch, extra_pages=2)

    new = tmp_path / "new.sqlite"
    assert main(["import", str(src), str(new)]) == 1
    _assert_plain_disk_full(capsys.readouterr().err)
    assert not new.exists()  # the file made for the import went too
    assert not list(tmp_path.glob(".new.sqlite*"))

    assert main(["import", str(src), str(existing)]) == 1
    _assert_plain_disk_full(capsys.readouterr().err)
    monkeypatch.undo()
    with open_journal(existing, readonly=True) as s:
        assert queries.is_empty(s)


def test_backup_command_on_full_disk(tmp_path, demo_file, monkeypatch, capsys):
    journal = tmp_path / "j.sqlite"
    journal.write_bytes(demo_file.read_bytes())

    def full(_fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(backup_mod.os, "fsync", full)
    assert main(["backup", str(journal)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    _assert_plain_disk_full(err)
    assert "journal itself was not changed" in err
    assert list((tmp_path / "backups" / "j").iterdir()) == []
    monkeypatch.undo()
    assert main(["check", str(journal)]) == 0


def test_demo_on_full_disk_leaves_no_half_journal(tmp_path, monkeypatch, capsys):
    _cap_every_new_engine(monkeypatch, extra_pages=2)
    target = tmp_path / "demo.sqlite"
    assert main(["demo", str(target)]) == 1
    _assert_plain_disk_full(capsys.readouterr().err)
    assert not target.exists()


def test_opening_on_full_disk(tmp_path, monkeypatch, capsys):
    journal = tmp_path / "j.sqlite"
    with create_journal(journal, auto_backup=False):
        pass
    before = journal.read_bytes()

    def full(self):  # the one write an open makes: which version opened it last
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(db_mod.JournalStore, "_note_version_opened", full)
    with pytest.raises(DiskFullError, match="opening the journal"):
        open_journal(journal, auto_backup=False)
    assert journal.read_bytes() == before
    monkeypatch.undo()
    with open_journal(journal, auto_backup=False) as s:  # not left locked
        assert queries.is_empty(s)
