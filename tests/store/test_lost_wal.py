"""Lost WAL content is noticed (issue 17, item 10). SQLite silently drops committed
transactions whose WAL file is deleted or damaged after a crash. The store counts its
commits in the journal and records the last count it acknowledged outside the WAL
(beside the backups); an open that finds the journal older warns and offers the
newest backup."""

import os
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from journal.cli import main
from journal.store import backup
from journal.store.db import create_journal, open_journal
from journal.store.models import Note

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs fork and SIGKILL")


def _add_notes(store, n):
    for i in range(n):
        with store.session() as s:
            s.add(Note(date="2020-05", text=f"entry {i}"))
            s.commit()


def _crash_after_writes(path, n):
    """A child opens the journal, commits n notes, and is killed before closing."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os.close(r)
        store = open_journal(path)
        _add_notes(store, n)
        os.write(w, b"done")
        signal.pause()
    os.close(w)
    assert os.read(r, 4) == b"done"
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    os.close(r)


def _notes(path):
    c = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return c.execute("SELECT count(*) FROM note").fetchone()[0]
    finally:
        c.close()


@pytest.fixture
def journal_with_backup(tmp_path):
    path = tmp_path / "j.sqlite"
    with create_journal(path) as s:
        _add_notes(s, 3)
        backup.backup_now(s, "manual")
    return path


def test_deleted_wal_after_a_crash_is_noticed_and_the_backup_offered(journal_with_backup):
    path = journal_with_backup
    _crash_after_writes(path, 5)
    wal = Path(f"{path}-wal")
    assert wal.exists() and wal.stat().st_size > 0
    wal.unlink()  # what a clean-up tool, a sync client or a damaged disk can do
    Path(f"{path}-shm").unlink(missing_ok=True)
    assert _notes(path) == 3  # SQLite itself says nothing: five entries are gone
    with open_journal(path) as s:
        assert s.lost_changes is not None
        msg = s.lost_changes
    assert "older than" in msg and "journal restore" in msg and "\n" not in msg
    report = backup.check_journal(path)
    assert any("older than" in p for p in report.problems), report.text()


def test_a_crash_with_its_wal_intact_loses_nothing_and_warns_nothing(journal_with_backup):
    path = journal_with_backup
    _crash_after_writes(path, 5)
    with open_journal(path) as s:
        assert s.lost_changes is None
    assert _notes(path) == 8
    assert backup.check_journal(path).ok


def test_a_restored_backup_is_not_taken_for_lost_changes(journal_with_backup, tmp_path):
    path = journal_with_backup
    with open_journal(path) as s:
        _add_notes(s, 4)
    newest = backup.list_backups(path)[-1].path  # the manual one, older than the notes
    backup.restore(newest, path)
    with open_journal(path) as s:
        assert s.lost_changes is None


def test_a_new_journal_under_an_old_name_is_not_taken_for_lost_changes(journal_with_backup):
    path = journal_with_backup
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    with create_journal(path) as s:
        assert s.lost_changes is None
    with open_journal(path) as s:
        assert s.lost_changes is None


def test_the_command_line_says_so(journal_with_backup, capsys):
    path = journal_with_backup
    _crash_after_writes(path, 2)
    Path(f"{path}-wal").unlink()
    Path(f"{path}-shm").unlink(missing_ok=True)
    assert main(["check", str(path)]) == 1
    assert "older than" in capsys.readouterr().out
