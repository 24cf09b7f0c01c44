"""SIGKILL in the middle of writes never costs an acknowledged write or the file's health.

Each round forks a child that opens the journal through the store (so the
store's own pragmas are what is tested) and writes as fast as it can: a regimen
with three drugs per transaction, plus updates and deletes, and now and then a
backup. After each commit it reports the regimen id. The parent kills it with
SIGKILL at a random moment, then checks the file.
"""

import os
import random
import signal
import sqlite3
import sys
import time

import pytest

from journal.store.backup import backup_now, check_journal, list_backups
from journal.store.db import create_journal, open_journal
from journal.store.models import Note, Regimen, RegimenDrug

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs fork and SIGKILL")

ROUNDS = 24


def _child(path, wfd, seed):
    rng = random.Random(seed)
    store = open_journal(path, auto_backup=False)
    n = 0
    while True:
        with store.session() as s:
            reg = Regimen(name=f"R{seed}-{n}", start="2020-01")
            s.add(reg)
            s.flush()
            for k in range(3):
                s.add(RegimenDrug(regimen_id=reg.id, name=f"d{k}", dose=float(k)))
            s.add(Note(date="2020-02", text="x" * rng.randrange(10, 3000)))
            s.commit()
            rid = reg.id
        os.write(wfd, f"{rid}\n".encode())  # acknowledged only after the commit returned
        n += 1
        if n % 7 == 0:
            with store.session() as s:  # rewrite and delete something old, too
                note = s.get(Note, rng.randrange(1, n + 1))
                if note is not None:
                    s.delete(note)
                s.commit()
        if n % 25 == 0:
            backup_now(store, "manual")


def test_sigkill_during_writes_keeps_every_acknowledged_write(tmp_path):
    path = tmp_path / "crash.sqlite"
    create_journal(path, auto_backup=False).close()
    rng = random.Random(7)
    acknowledged: set[int] = set()
    for rnd in range(ROUNDS):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: never returns into pytest
            try:
                os.close(r)
                _child(path, w, rnd)
            finally:
                os._exit(1)
        os.close(w)
        time.sleep(rng.uniform(0.05, 0.35))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        with os.fdopen(r) as pipe:
            lines = pipe.read().splitlines()
        # A line cut by the kill was never fully acknowledged.
        acknowledged |= {int(x) for x in lines if x.isdigit()}
        # Health after every kill, read-only first (the kill left a WAL behind).
        report = check_journal(path)
        assert report.ok, f"round {rnd}: {report.problems}"

    print(f"{len(acknowledged)} acknowledged, {len(list_backups(path))} backups")
    assert len(acknowledged) > ROUNDS  # the children really wrote
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        present = {r[0] for r in conn.execute("SELECT id FROM regimen")}
        assert acknowledged <= present, f"lost: {sorted(acknowledged - present)[:10]}"
        # Every transaction is all or nothing: each regimen has exactly its 3 drugs.
        partial = conn.execute(
            "SELECT regimen.id FROM regimen LEFT JOIN regimendrug ON regimen_id = regimen.id "
            "GROUP BY regimen.id HAVING count(regimendrug.id) != 3"
        ).fetchall()
        assert partial == []
    finally:
        conn.close()
    # Backups cut short by a kill are never listed; the listed ones are all good.
    for b in list_backups(path):
        assert check_journal(b.path).ok
    with open_journal(path, auto_backup=False) as store:  # and the app opens it normally
        assert store.revision


def _kept(after: dict, before: dict) -> bool:
    """Every row kept; tables added by later migration steps are empty."""
    return {k: after[k] for k in before} == before and all(
        after[k] == [] for k in set(after) - set(before)
    )


def test_sigkill_during_an_upgrade_never_leaves_half_a_schema(tmp_path):
    import shutil

    from sqlalchemy import create_engine

    from journal.store import migrate
    from journal.store.db import APPLICATION_ID, JournalStore

    from .conftest import fill, table_dump

    template = tmp_path / "old-template.sqlite"
    conn = sqlite3.connect(template)
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
    conn.close()
    migrate.upgrade(template, "0001")
    holder = JournalStore.__new__(JournalStore)
    holder.engine = create_engine(f"sqlite:///{template}")
    fill(holder, 40)
    holder.engine.dispose()
    original = table_dump(template)

    rng = random.Random(11)
    outcomes = set()
    for rnd in range(10):
        path = tmp_path / f"old{rnd}.sqlite"
        shutil.copy(template, path)
        pid = os.fork()
        if pid == 0:
            try:
                open_journal(path, auto_backup=False).close()
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.0, 0.12))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        report = check_journal(path)
        assert report.ok, f"round {rnd}: {report.problems}"
        assert report.revision in ("0001", migrate.head_revision())
        outcomes.add(report.revision)
        assert _kept(table_dump(path), original)
        for b in list_backups(path):
            assert check_journal(b.path).ok
        with open_journal(path, auto_backup=False) as store:  # finishes the upgrade
            assert store.revision == migrate.head_revision()
        assert _kept(table_dump(path), original)


def test_crash_in_rollback_mode_is_checked_on_a_copy_then_undone(journal_path):
    """A backup file is in rollback-journal mode; a crash mid-transaction leaves a hot
    journal that SQLite must undo (a write). The check must not do that to the file."""
    from .conftest import file_hash, table_dump

    with open_journal(journal_path, auto_backup=False) as store:
        b = backup_now(store, "manual")
    original = table_dump(b)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            conn = sqlite3.connect(b, isolation_level=None)
            conn.execute("PRAGMA cache_size=1")  # spill changed pages into the file itself
            conn.execute("BEGIN")
            conn.execute("UPDATE note SET text = text || 'never committed'")
            conn.execute("DELETE FROM labresult")
            os.write(w, b"x")
            time.sleep(30)
        finally:
            os._exit(1)
    os.read(r, 1)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    assert os.path.getsize(f"{b}-journal") > 0  # a hot journal
    before = file_hash(b)
    report = check_journal(b)
    assert report.ok, report.problems
    assert file_hash(b) == before  # checked on a copy
    with open_journal(b, auto_backup=False):  # opening for real undoes the transaction
        pass
    assert not os.path.exists(f"{b}-journal") or os.path.getsize(f"{b}-journal") == 0
    assert table_dump(b) == original
