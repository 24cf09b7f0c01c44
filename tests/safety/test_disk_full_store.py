"""A full disk while saving: the action fails with one plain message, and the journal
holds exactly what it held before (issue 2: nothing already saved is lost)."""

import datetime as dt
import errno
import os

import pytest

from journal.errors import BackupError, DiskFullError, is_disk_full
from journal.services import actions, queries
from journal.store import backup as backup_mod
from journal.store import exchange
from journal.store import models as m
from journal.store.db import open_journal

from .conftest import cap_pages


def _labs(n, day=dt.date(2024, 1, 1)):
    return [
        m.LabResult(test="hb", value=100 + i % 40, unit="g/L", date=day.isoformat(), note="x" * 200)
        for i in range(n)
    ]


def test_services_action_on_full_disk_changes_nothing(store):
    actions.add_lab_results(store, _labs(3))
    before = queries.row_counts(store)
    cap_pages(store)
    with pytest.raises(DiskFullError) as exc:
        actions.add_lab_results(store, _labs(400))
    msg = str(exc.value)
    assert msg.startswith("The disk is full")
    assert "Nothing was saved" in msg and "Free some space" in msg
    assert "OperationalError" not in msg
    assert queries.row_counts(store) == before


def test_journal_intact_after_full_disk(tmp_path, store):
    actions.add_lab_results(store, _labs(5))
    cap_pages(store)
    with pytest.raises(DiskFullError):
        actions.add_lab_results(store, _labs(400))
    path = store.path
    store.close()
    with open_journal(path, auto_backup=False) as again:  # passes the open-time checks
        assert queries.row_counts(again)["labresult"] == 5
        actions.add_lab_results(again, _labs(400))  # room again: the same action works
        assert queries.row_counts(again)["labresult"] == 405


def test_batch_on_full_disk_changes_nothing(store):
    cap_pages(store)
    with pytest.raises(DiskFullError), actions.batch(store):
        for i in range(50):
            actions.add_lab_results(store, _labs(20, dt.date(2020, 1, 1) + dt.timedelta(i)))
    assert queries.is_empty(store)


def test_import_on_full_disk_writes_nothing(store, demo_file):
    with open_journal(demo_file, readonly=True) as demo:
        data = exchange.export_journal(demo)
    cap_pages(store)
    with pytest.raises(DiskFullError, match="Nothing was written"):
        actions.import_exchange(store, data)
    assert queries.is_empty(store)


def test_backup_on_full_disk_leaves_no_half_backup(store, monkeypatch):
    actions.add_lab_results(store, _labs(50))
    real_fsync = os.fsync

    def full(fd):  # the copy is written, but the disk cannot take it
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(backup_mod.os, "fsync", full)
    with pytest.raises(BackupError) as exc:
        backup_mod.backup_now(store, "manual")
    monkeypatch.setattr(backup_mod.os, "fsync", real_fsync)
    assert is_disk_full(exc.value)
    assert str(exc.value).startswith("The disk is full")
    assert "journal itself was not changed" in str(exc.value)
    folder = store.backups_dir
    assert list(folder.iterdir()) == []  # neither a temp file nor a half backup
    assert backup_mod.list_backups(store.path) == []
    assert queries.row_counts(store)["labresult"] == 50


def test_backup_copy_refused_by_sqlite_for_space(store, monkeypatch):
    """The backup API itself hits the limit (SQLITE_FULL on the copy)."""
    actions.add_lab_results(store, _labs(200))
    real_connect = backup_mod.sqlite3.connect

    def capped(target, *a, **kw):
        conn = real_connect(target, *a, **kw)
        if str(target).endswith(".tmp"):
            conn.execute("PRAGMA max_page_count=2")
        return conn

    monkeypatch.setattr(backup_mod.sqlite3, "connect", capped)
    with pytest.raises(BackupError, match=r"^The disk is full"):
        backup_mod.backup_now(store, "manual")
    assert list(store.backups_dir.iterdir()) == []


def test_create_on_full_disk_leaves_nothing(tmp_path, monkeypatch):
    from journal.store import db as db_mod
    from journal.store.db import create_journal

    def full(path, directory=False):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(db_mod._backup, "_fsync_path", full)
    target = tmp_path / "new.sqlite"
    with pytest.raises(DiskFullError, match="No journal file was made"):
        create_journal(target, auto_backup=False)
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if "creating" in p.name] == []
    monkeypatch.undo()
    create_journal(target, auto_backup=False).close()  # the lock was released
