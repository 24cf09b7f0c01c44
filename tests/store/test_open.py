"""Opening, creating, refusing: pragmas, identity, permissions, one writer, versions."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from sqlalchemy import text
from sqlmodel import select

from journal.paths import data_dir, default_journal_path
from journal.store import migrate
from journal.store.db import (
    APPLICATION_ID,
    JournalExistsError,
    JournalLockedError,
    JournalNotFoundError,
    NewerVersionError,
    NotAJournalError,
    create_journal,
    open_journal,
    open_or_create_journal,
)
from journal.store.models import Note, Regimen, RegimenDrug

from .conftest import file_hash


def test_every_connection_gets_the_safety_pragmas(tmp_path):
    with create_journal(tmp_path / "j.sqlite") as store:
        # Several pooled connections, not just the first one.
        conns = [store.engine.connect() for _ in range(3)]
        try:
            for c in conns:
                assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert c.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
                assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
                assert c.execute(text("PRAGMA application_id")).scalar() == APPLICATION_ID
        finally:
            for c in conns:
                c.close()


def test_foreign_keys_are_enforced_through_sessions(tmp_path):
    with create_journal(tmp_path / "j.sqlite") as store, store.session() as s:
        s.add(RegimenDrug(regimen_id=999, name="x"))
        with pytest.raises(Exception, match="FOREIGN KEY"):
            s.commit()


def test_new_journal_is_stamped_at_head_and_user_only(tmp_path):
    path = tmp_path / "j.sqlite"
    create_journal(path).close()
    conn = sqlite3.connect(path)
    assert migrate.read_revision(conn) == migrate.head_revision()
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(migrate.known_revisions())
    assert conn.execute("SELECT created_with FROM journal_meta").fetchone()[0]
    conn.close()
    assert path.stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / ".j.sqlite.creating").exists()


def test_wal_and_shm_are_user_only_while_open(tmp_path):
    old = os.umask(0o022)
    try:
        with create_journal(tmp_path / "j.sqlite") as store, store.session() as s:
            s.add(Note(date="2021", text="x"))
            s.commit()
            for suffix in ("-wal", "-shm"):
                p = tmp_path / f"j.sqlite{suffix}"
                assert p.exists()
                assert p.stat().st_mode & 0o077 == 0, suffix
    finally:
        os.umask(old)


def test_open_tightens_a_world_readable_journal(journal_path):
    os.chmod(journal_path, 0o644)
    open_journal(journal_path, auto_backup=False).close()
    assert journal_path.stat().st_mode & 0o777 == 0o600


def test_default_location_is_created_user_only():
    path = default_journal_path()
    assert str(path).startswith(os.environ["TREATMENT_JOURNAL_HOME"])  # never a real home
    if path.exists():
        path.unlink()
    with open_or_create_journal(auto_backup=False) as store:
        assert store.path == path.resolve()
    assert data_dir().stat().st_mode & 0o777 == 0o700
    with open_or_create_journal(auto_backup=False) as store:  # second start: opens it
        assert store.revision == migrate.head_revision()


def test_create_refuses_an_existing_file(journal_path):
    before = file_hash(journal_path)
    with pytest.raises(JournalExistsError, match="already a file"):
        create_journal(journal_path)
    assert file_hash(journal_path) == before


def test_missing_file_is_a_plain_error(tmp_path):
    with pytest.raises(JournalNotFoundError, match="no journal at"):
        open_journal(tmp_path / "nope.sqlite")


@pytest.mark.parametrize("kind", ["other-sqlite", "text", "empty-sqlite"])
def test_non_journal_files_are_refused_and_untouched(tmp_path, kind):
    path = tmp_path / "x.sqlite"
    if kind == "text":
        path.write_text("name,dose\nlenalidomide,25\n")
    else:
        conn = sqlite3.connect(path)
        if kind == "other-sqlite":
            conn.execute("CREATE TABLE t (x)")
            conn.execute("INSERT INTO t VALUES (1)")
        conn.execute("PRAGMA user_version=3")
        conn.commit()
        conn.close()
    before = file_hash(path)
    with pytest.raises(NotAJournalError, match="not a Treatment Journal file"):
        open_journal(path)
    assert file_hash(path) == before
    assert not (tmp_path / "backups").exists()


def test_newer_version_is_refused_and_left_untouched(journal_path):
    conn = sqlite3.connect(journal_path)
    conn.execute("UPDATE alembic_version SET version_num='9001'")
    conn.execute("PRAGMA user_version=99")
    conn.commit()
    conn.close()
    before = file_hash(journal_path)
    with pytest.raises(NewerVersionError, match="newer version") as err:
        open_journal(journal_path)
    assert err.value.revision == "9001"
    assert file_hash(journal_path) == before
    assert not (journal_path.parent / "backups").exists()  # not even a backup was attempted
    # ...and the refused open left no lock behind.
    with pytest.raises(NewerVersionError):
        open_journal(journal_path)


def test_second_writer_in_same_process_is_refused(journal_path):
    with open_journal(journal_path, auto_backup=False):
        with pytest.raises(JournalLockedError, match="already open") as err:
            open_journal(journal_path)
        assert str(journal_path) in str(err.value)
        assert err.value.holder_pid == os.getpid()
        # A read-only look is still possible.
        with open_journal(journal_path, readonly=True) as ro, ro.session() as s:
            assert len(s.exec(select(Regimen)).all()) == 20
    open_journal(journal_path, auto_backup=False).close()  # released on close


def test_read_only_store_cannot_write(journal_path):
    with open_journal(journal_path, readonly=True) as ro, ro.session() as s:
        s.add(Note(date="2022", text="x"))
        with pytest.raises(Exception, match="readonly"):
            s.commit()


_HOLDER = """
import sys, time
from journal.store.db import open_journal
store = open_journal(sys.argv[1], auto_backup=False)
print("open", flush=True)
time.sleep(60)
"""


def test_second_process_is_refused_and_a_killed_holder_does_not_block(journal_path):
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(journal_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "open"
        with pytest.raises(JournalLockedError) as err:
            open_journal(journal_path)
        assert err.value.holder_pid == child.pid
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    # The lock file is still there (nobody cleaned up), but the OS lock died with it.
    assert (journal_path.parent / "j.sqlite.lock").exists()
    deadline = time.monotonic() + 5
    while True:
        try:
            open_journal(journal_path, auto_backup=False).close()
            break
        except JournalLockedError:
            assert time.monotonic() < deadline
            time.sleep(0.05)


def test_a_store_dropped_without_close_does_not_keep_the_lock(journal_path):
    import gc

    store = open_journal(journal_path)  # with its background backup thread
    ticker = store._ticker
    del store
    gc.collect()
    open_journal(journal_path, auto_backup=False).close()
    ticker.join(timeout=5)
    assert not ticker.is_alive()
