"""What `check` finds is what open refuses (issue 17, items 5-7): a header only a newer
SQLite may write, a missing table, a schema number above what the app knows, links to
records that are gone. Each: `check` reports it, open refuses in one plain sentence
(never a raw sqlite3 error), and the file is left byte for byte as it was."""

import sqlite3

import pytest

from journal.errors import DamagedJournalError, JournalError, NewerVersionError
from journal.store import backup, migrate
from journal.store.db import create_journal, open_journal

from .conftest import file_hash, fill


def _write_version_3(path):
    with open(path, "r+b") as f:
        f.seek(18)
        f.write(b"\x03")


def _drop_meta(path):
    c = sqlite3.connect(path)
    c.execute("DROP TABLE journal_meta")
    c.commit()
    c.close()


def _drop_notes(path):
    c = sqlite3.connect(path)
    c.execute("DROP TABLE note")
    c.commit()
    c.close()


def _dangling(path):
    c = sqlite3.connect(path)
    c.execute("PRAGMA foreign_keys=OFF")
    c.execute(
        "INSERT INTO regimendrug (regimen_id, name, addition, role) VALUES (999, 'x', 'part of the original plan', 'anti-myeloma')"
    )
    c.execute("UPDATE journal_meta SET content_seal=NULL")  # an edit on purpose, as the docs say
    c.commit()
    c.close()


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (_write_version_3, "newer SQLite"),
        (_drop_meta, "journal_meta"),
        (_drop_notes, "note"),
        (_dangling, "point to records that no longer exist"),
    ],
    ids=["write-version-3", "no-journal_meta", "no-note-table", "dangling-link"],
)
def test_check_finds_what_open_refuses(journal_path, damage, words):
    with open_journal(journal_path) as s:  # a good backup to offer
        backup.backup_now(s, "manual")
    damage(journal_path)
    before = file_hash(journal_path)
    report = backup.check_journal(journal_path)
    assert not report.ok, report.text()
    assert words in report.text()
    with pytest.raises(DamagedJournalError) as e:
        open_journal(journal_path)
    msg = str(e.value)
    assert words in msg and "journal restore" in msg
    assert "\n" not in msg and "Traceback" not in msg
    assert file_hash(journal_path) == before
    # The read-only look (export while the app runs) is refused the same way.
    with pytest.raises(DamagedJournalError):
        open_journal(journal_path, readonly=True)
    assert file_hash(journal_path) == before


def test_schema_number_above_what_the_app_knows_is_a_newer_journal(journal_path):
    c = sqlite3.connect(journal_path)
    c.execute("PRAGMA user_version=99")
    c.close()
    before = file_hash(journal_path)
    with pytest.raises(NewerVersionError, match="newer version"):
        open_journal(journal_path)
    assert file_hash(journal_path) == before
    report = backup.check_journal(journal_path)
    assert report.kind == "newer" and not report.ok
    assert "99" in report.text()


def test_known_schema_number_still_opens(journal_path):
    with open_journal(journal_path, auto_backup=False) as s:
        assert s.revision == migrate.head_revision()


def test_writable_open_never_raises_a_raw_sqlite_error(journal_path, monkeypatch):
    """Whatever SQLite says while the journal is being opened becomes one sentence."""
    real = sqlite3.connect

    class Refusing(sqlite3.Connection):
        def execute(self, sql, *a):
            if "journal_meta" in sql and sql.lstrip().upper().startswith(("UPDATE", "INSERT")):
                raise sqlite3.OperationalError("attempt to write a readonly database")
            return super().execute(sql, *a)

    def connect(*a, **kw):
        if "factory" not in kw and not str(a[0]).startswith("file:"):
            kw["factory"] = Refusing
        return real(*a, **kw)

    monkeypatch.setattr(sqlite3, "connect", connect)
    with pytest.raises(JournalError) as e:
        open_journal(journal_path)
    assert not isinstance(e.value, sqlite3.Error)
    assert "could not be opened for writing" in str(e.value)


def test_new_journal_passes_every_check(tmp_path):
    path = tmp_path / "j.sqlite"
    with create_journal(path, auto_backup=False) as s:
        fill(s, 3)
    assert backup.check_journal(path).ok


def test_check_finds_an_older_journal_that_cannot_be_updated(tmp_path):
    """An older journal whose update would fail: check says so first, file untouched."""
    path = tmp_path / "old.sqlite"
    c = sqlite3.connect(path)
    c.execute(f"PRAGMA application_id={migrate.APPLICATION_ID}")
    c.execute("PRAGMA journal_mode=WAL")
    c.close()
    migrate.upgrade(path, "0001")  # a journal made by the first version
    assert backup.check_journal(path).ok  # it updates fine...
    c = sqlite3.connect(path)
    c.execute("CREATE TABLE journal_meta (x)")  # ...unless another program took a name
    c.commit()
    c.close()
    before = file_hash(path)
    report = backup.check_journal(path)
    assert not report.ok and "cannot be updated" in report.text()
    assert file_hash(path) == before
