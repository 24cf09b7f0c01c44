"""Read-only commands leave no empty -wal/-shm beside a journal they only read (issue
17, item 11), and never touch those of a journal another window has open."""

from pathlib import Path

from journal.cli import main
from journal.store import exchange
from journal.store.backup import check_journal
from journal.store.db import open_journal

from .conftest import file_hash


def _side_files(path):
    return sorted(
        p.name for p in Path(path).parent.iterdir() if p.name.startswith(Path(path).name + "-")
    )


def test_check_and_read_only_open_leave_nothing_beside_the_journal(journal_path):
    assert _side_files(journal_path) == []
    before = file_hash(journal_path)
    assert check_journal(journal_path).ok
    assert _side_files(journal_path) == []
    with open_journal(journal_path, readonly=True) as s:
        exchange.export_journal(s)
    assert _side_files(journal_path) == []
    assert file_hash(journal_path) == before


def test_export_command_leaves_nothing(journal_path, tmp_path, capsys):
    assert main(["export", "-o", str(tmp_path / "out.json"), str(journal_path)]) == 0
    assert main(["check", str(journal_path)]) == 0
    assert _side_files(journal_path) == []


def test_side_files_of_an_open_journal_are_left_alone(journal_path):
    with open_journal(journal_path, auto_backup=False) as app:
        from journal.services import queries

        queries.row_counts(app)
        had = _side_files(journal_path)
        assert had  # the open journal's own WAL files
        with open_journal(journal_path, readonly=True) as s:
            exchange.export_journal(s)
        check_journal(journal_path)
        assert _side_files(journal_path) == had
    assert _side_files(journal_path) == []  # and its own close tidies them
