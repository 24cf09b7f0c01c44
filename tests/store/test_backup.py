"""Backups: verified, user-only, automatic when data changed, thinned; restore; check."""

import datetime as dt
import os
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journal.errors import BackupError
from journal.store import backup as bk
from journal.store.backup import (
    backup_now,
    check_journal,
    list_backups,
    maybe_backup,
    prune_backups,
    restore,
    thin,
)
from journal.store.db import JournalLockedError, create_journal, open_journal
from journal.store.models import Note

from .conftest import file_hash, table_dump


def _add_note(store, text="x"):
    with store.session() as s:
        s.add(Note(date="2023-04", text=text))
        s.commit()


def test_backup_now_is_a_verified_private_single_file(journal_path):
    with open_journal(journal_path, auto_backup=False) as store:
        _add_note(store, "in the WAL only")  # not yet checkpointed into the main file
        path = backup_now(store, "manual")
    assert path.parent == journal_path.parent / "backups" / "j"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert (journal_path.parent / "backups").stat().st_mode & 0o777 == 0o700
    assert not list(path.parent.glob("*-wal")) and not list(path.parent.glob(".*"))
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM note WHERE text='in the WAL only'").fetchone()[0]
    conn.close()
    assert check_journal(path).ok


def test_list_ignores_temp_files_and_other_journals(journal_path):
    b = bk.backup_file(journal_path, "manual")
    (b.parent / f".{b.name}.123.tmp").write_bytes(b"partial")
    (b.parent / "other-20240101-000000-000000-auto.sqlite").write_bytes(b"x")
    assert [x.path for x in list_backups(journal_path)] == [b]


def test_changes_are_backed_up_on_close_and_only_then(journal_path):
    with open_journal(journal_path):
        pass  # nothing changed
    assert list_backups(journal_path) == []
    with open_journal(journal_path) as store:
        _add_note(store)
        assert store.changed_since_backup()
    (b,) = list_backups(journal_path)
    assert b.reason == "on-close"
    assert table_dump(b.path) == table_dump(journal_path)


def test_maybe_backup_is_throttled_and_needs_a_change(journal_path):
    with open_journal(journal_path, auto_backup=False) as store:
        assert maybe_backup(store) is None  # nothing changed
        _add_note(store)
        first = maybe_backup(store)
        assert first is not None and not store.changed_since_backup()
        _add_note(store)
        assert maybe_backup(store) is None  # too soon after the last one
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        second = maybe_backup(store, now=later)
        assert second is not None and second != first
        assert maybe_backup(store, now=later + dt.timedelta(hours=1)) is None  # no change


def test_restore_round_trip_keeps_the_replaced_file(journal_path):
    with open_journal(journal_path, auto_backup=False) as store:
        saved = backup_now(store, "manual")
        before = table_dump(journal_path)
        _add_note(store, "added after the backup")
    changed = table_dump(journal_path)
    assert changed != before
    kept = restore(saved, journal_path)
    assert table_dump(journal_path) == before
    assert kept is not None and kept.name.endswith("-before-restore.sqlite")
    assert table_dump(kept) == changed  # nothing is lost by restoring
    with open_journal(journal_path, auto_backup=False) as store:  # still a good journal
        _add_note(store)
    conn = sqlite3.connect(journal_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_restore_refuses_while_the_journal_is_open(journal_path):
    saved = bk.backup_file(journal_path, "manual")
    with open_journal(journal_path, auto_backup=False):
        before = file_hash(journal_path)
        with pytest.raises(JournalLockedError):
            restore(saved, journal_path)
        assert file_hash(journal_path) == before


def test_restore_refuses_a_damaged_backup(journal_path):
    saved = bk.backup_file(journal_path, "manual")
    saved.write_bytes(saved.read_bytes()[:8192])
    before = file_hash(journal_path)
    with pytest.raises(BackupError, match="cannot be used"):
        restore(saved, journal_path)
    assert file_hash(journal_path) == before


def test_restore_over_a_damaged_journal_sets_it_aside_untouched(journal_path):
    saved = bk.backup_file(journal_path, "manual")
    good = table_dump(journal_path)
    data = journal_path.read_bytes()
    journal_path.write_bytes(data[: len(data) // 2])
    damaged_hash = file_hash(journal_path)
    kept = restore(saved, journal_path)
    assert kept.name.endswith("-replaced-damaged.sqlite") and file_hash(kept) == damaged_hash
    assert table_dump(journal_path) == good
    assert [b.path for b in bk.good_backups(journal_path)] == [saved]


def test_check_reports_without_repairing(journal_path):
    r = check_journal(journal_path)
    assert r.ok and r.kind == "ok" and r.foreign_key_problems == 0
    assert "no problems found" in r.text()
    conn = sqlite3.connect(journal_path)
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute(
        "INSERT INTO regimendrug (regimen_id, name, addition, role) VALUES (999,'x','p','a')"
    )
    conn.commit()
    conn.close()
    before = file_hash(journal_path)
    r = check_journal(journal_path)
    assert not r.ok and r.foreign_key_problems == 1
    assert "point to records that no longer exist" in r.text()
    assert file_hash(journal_path) == before


def test_backup_of_a_damaged_journal_is_refused(journal_path):
    data = bytearray(journal_path.read_bytes())
    data[4096] ^= 0xFF  # page 2's b-tree type byte
    journal_path.write_bytes(data)
    with pytest.raises((BackupError, sqlite3.DatabaseError)):
        bk.backup_file(journal_path, "manual")
    folder = journal_path.parent / "backups" / "j"
    assert not folder.exists() or list(folder.iterdir()) == []


# --- thinning: a pure function, property-tested -----------------------------------

_T0 = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
stamps = st.lists(
    st.integers(min_value=0, max_value=3 * 365 * 24 * 60).map(
        lambda m: _T0 + dt.timedelta(minutes=m)
    ),
    max_size=150,
)


@settings(max_examples=150, deadline=None)
@given(stamps)
def test_thinning_properties(ts):
    keep = thin(ts, recent=5, daily=7, weekly=4, monthly=12)
    assert keep <= set(ts)
    assert len(keep) <= 5 + 7 + 4 + 12
    if ts:
        assert max(ts) in keep
    assert thin(keep, recent=5, daily=7, weekly=4, monthly=12) == keep  # stable
    newest_first = sorted(set(ts), reverse=True)
    assert set(newest_first[:5]) <= keep
    for limit, key in ((7, dt.datetime.date), (12, lambda t: (t.year, t.month))):
        groups = []
        for t in newest_first:
            if key(t) not in groups:
                groups.append(key(t))
        for g in groups[:limit]:  # the newest backup of each of the latest groups
            assert max(t for t in ts if key(t) == g) in keep
    if len(set(ts)) <= 5:
        assert keep == set(ts)


def test_prune_only_touches_automatic_backups(journal_path):
    t = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    for i in range(40):
        bk.backup_file(journal_path, "auto", now=t + dt.timedelta(hours=6 * i))
    manual = bk.backup_file(journal_path, "manual", now=t)
    removed = prune_backups(journal_path)
    left = list_backups(journal_path)
    assert manual in [b.path for b in left]
    autos = [b for b in left if b.reason == "auto"]
    assert len(autos) + len(removed) == 40
    assert {b.created for b in autos} == thin([t + dt.timedelta(hours=6 * i) for i in range(40)])
    assert len(autos) < 40


def test_backups_are_user_only_even_with_a_loose_umask(tmp_path):
    old = os.umask(0o022)
    try:
        with create_journal(tmp_path / "k.sqlite") as store:
            p = backup_now(store)
        assert p.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)


def test_an_open_journal_backs_itself_up_in_the_background(journal_path, monkeypatch):
    import time

    from journal.store import db

    monkeypatch.setattr(db, "AUTO_BACKUP_CHECK_SECONDS", 0.02)
    with open_journal(journal_path) as store:
        _add_note(store, "changed while open")
        deadline = time.monotonic() + 10
        # Done when the store has also noted it (just after the file appears).
        while not list_backups(journal_path) or store.changed_since_backup():
            assert time.monotonic() < deadline, "no automatic backup appeared"
            time.sleep(0.02)
        (b,) = list_backups(journal_path)
        assert b.reason == "auto"
        assert not store.changed_since_backup()
        time.sleep(0.1)  # unchanged since: no more backups
        assert len(list_backups(journal_path)) == 1
    assert store._ticker is not None and not store._ticker.is_alive()
    assert len(list_backups(journal_path)) == 1  # nothing changed after the auto backup
