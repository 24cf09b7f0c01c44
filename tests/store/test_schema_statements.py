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
