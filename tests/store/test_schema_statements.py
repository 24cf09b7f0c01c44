"""A new journal's schema is made from statements compiled once per process
(db.schema_statements); it must be exactly what create_all makes."""

import sqlite3

from sqlalchemy import create_engine
from sqlmodel import SQLModel

from journal.store import crypto, meta, migrate, models  # noqa: F401 - every table registered
from journal.store.db import create_journal, open_journal, schema_statements


def _schema(path, key=None) -> list[tuple]:
    conn = crypto.connect(path, key)
    try:
        return conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE name != 'alembic_version' AND name NOT LIKE 'sqlite_autoindex_alembic%' "
            "ORDER BY type, name"
        ).fetchall()
    finally:
        conn.close()


def test_the_statements_make_what_create_all_makes(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'all.sqlite'}")
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    create_journal(tmp_path / "j.sqlite", auto_backup=False).close()
    made = _schema(tmp_path / "j.sqlite")
    assert made == _schema(tmp_path / "all.sqlite")
    assert len(made) > 25 and len(schema_statements()) == len(made) - _autoindexes(made)
    assert schema_statements() is schema_statements()  # compiled once


def _autoindexes(rows) -> int:
    return sum(1 for _t, name, _tb, sql in rows if sql is None)


def test_a_new_journal_is_at_the_head_and_opens(tmp_path):
    path = tmp_path / "j.sqlite"
    create_journal(path, auto_backup=False).close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
        (migrate.head_revision(),)
    ]
    conn.close()
    with open_journal(path, auto_backup=False) as s:
        assert s.revision == migrate.head_revision()


def test_an_encrypted_journal_gets_the_same_schema(tmp_path):
    plain, secret = tmp_path / "p.sqlite", tmp_path / "e.sqlite"
    create_journal(plain, auto_backup=False).close()
    s = create_journal(secret, auto_backup=False, passphrase="correct horse")
    key = s.key
    s.close()
    assert secret.read_bytes()[:16] != b"SQLite format 3\x00"
    assert _schema(secret, key) == _schema(plain)


def _file_facts(path) -> dict:
    conn = sqlite3.connect(path)
    try:
        facts = {
            p: conn.execute(f"PRAGMA {p}").fetchall()
            for p in ("application_id", "user_version", "page_size", "auto_vacuum", "encoding",
                      "journal_mode", "integrity_check", "foreign_key_check", "freelist_count")
        }  # fmt: skip
        facts["schema"] = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        facts["alembic"] = conn.execute("SELECT * FROM alembic_version").fetchall()
        facts["meta"] = conn.execute(
            "SELECT id, created_with, last_opened_with FROM journal_meta"
        ).fetchall()
        return facts
    finally:
        conn.close()


def test_a_journal_copied_from_the_empty_image_is_one_made_by_the_statements(tmp_path, monkeypatch):
    """A plain journal is copied from an empty one made once per process; one made
    statement by statement (where SQLite cannot serialize, and every encrypted one) is
    the same file in every respect a journal is read by."""
    from journal.store import db

    assert db._empty_image() is not None  # this SQLite copies: the test compares both
    create_journal(tmp_path / "copied.sqlite", auto_backup=False).close()
    monkeypatch.setattr(db, "_empty_image", lambda: None)
    create_journal(tmp_path / "made.sqlite", auto_backup=False).close()
    copied, made = _file_facts(tmp_path / "copied.sqlite"), _file_facts(tmp_path / "made.sqlite")
    assert copied == made
    assert copied["journal_mode"] == [("wal",)] and copied["meta"][0][0] == 1
    with open_journal(tmp_path / "copied.sqlite", auto_backup=False) as s:  # seal, head: opens
        assert s.revision == migrate.head_revision()
