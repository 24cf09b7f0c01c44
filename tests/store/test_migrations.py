"""The migrations and models.py must agree; an old file upgrades with its data intact."""

import re
import sqlite3

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from journal.store import migrate
from journal.store.backup import list_backups
from journal.store.db import APPLICATION_ID, create_journal, open_journal

from .conftest import fill, table_dump


def _migrated(path):
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
    conn.close()
    migrate.upgrade(path)
    return path


def _schema(path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
            "AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    finally:
        conn.close()
    return {f"{t} {n}": sql for t, n, sql in rows}


def _checks(sql: str) -> dict[str, str]:
    """name -> whitespace-normalised expression of every named CHECK.

    compare_metadata cannot see CHECK constraints, and a unit list or a range
    there is real behaviour, so compare them from the SQL text.
    """
    found = {}
    for m in re.finditer(r"CONSTRAINT (\w+) CHECK \(", sql):
        depth, i = 1, m.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(sql[i], 0)
            i += 1
        found[m.group(1)] = " ".join(sql[m.end() : i - 1].split())
    return found


def test_migrations_build_exactly_the_models(tmp_path):
    """If this fails you changed journal/store/models.py (or meta.py) without a migration:
    add one in journal/store/migrations/versions/ (autogenerate, then read it)."""
    path = _migrated(tmp_path / "m.sqlite")
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(ctx, SQLModel.metadata)
    engine.dispose()
    assert diffs == [], f"models and migrations disagree: {diffs}"

    made = tmp_path / "c.sqlite"
    create_journal(made, auto_backup=False).close()
    a, b = _schema(path), _schema(made)
    assert set(a) - {"table alembic_version"} == set(b) - {"table alembic_version"}
    seen = 0
    for key in b:
        if key.startswith("table "):
            assert _checks(a[key]) == _checks(b[key]), f"CHECK constraints differ in {key}"
            seen += len(_checks(b[key]))
    assert seen > 30  # the comparison really looked at the constraints


def test_single_head_and_user_version_mirror():
    revs = migrate.known_revisions()
    assert revs[0] == "0001" and migrate.head_revision() == revs[-1]
    assert migrate.schema_number(migrate.head_revision()) == len(revs)


def test_first_migration_file_upgrades_with_data_intact(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    migrate.upgrade(path, "0001")
    conn = sqlite3.connect(path)
    assert migrate.read_revision(conn) == "0001"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name='journal_meta'").fetchone()
    conn.close()

    # Fill it through the store's engine but without letting open() upgrade it.
    from journal.store.db import JournalStore

    store = JournalStore.__new__(JournalStore)
    store.path, store.readonly = path, False
    store.engine = create_engine(f"sqlite:///{path}")
    fill(store, 30)
    store.engine.dispose()
    before = table_dump(path)
    assert sum(len(v) for v in before.values()) == 120

    with open_journal(path, auto_backup=False) as upgraded:
        assert upgraded.revision == migrate.head_revision()
    after = table_dump(path)
    assert after == before
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM journal_meta").fetchone()[0] == 1
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()

    # The verified backup taken before the upgrade holds the old file, unchanged.
    (pre,) = list_backups(path)
    assert pre.reason == "before-upgrade"
    old = sqlite3.connect(pre.path)
    assert migrate.read_revision(old) == "0001"
    old.close()
    assert table_dump(pre.path) == before
    assert pre.path.stat().st_mode & 0o777 == 0o600


def test_failed_migration_changes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
    conn.close()
    migrate.upgrade(path, "0001")
    # A row that makes step 0002 fail: journal_meta already exists with a clashing id.
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE journal_meta (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    before = table_dump(path)
    try:
        migrate.upgrade(path)
    except Exception:
        pass
    else:
        raise AssertionError("the clashing table should have stopped the upgrade")
    conn = sqlite3.connect(path)
    assert migrate.read_revision(conn) == "0001"  # all or nothing
    conn.close()
    assert table_dump(path) == before


def test_open_reports_a_failed_upgrade_plainly_and_keeps_the_file(tmp_path):
    import pytest

    from journal.errors import UpgradeError

    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
    conn.close()
    migrate.upgrade(path, "0001")
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE journal_meta (id INTEGER PRIMARY KEY)")  # makes 0002 fail
    conn.commit()
    conn.close()
    before = table_dump(path)
    with pytest.raises(UpgradeError, match="left exactly as it was"):
        open_journal(path)
    assert table_dump(path) == before
    (saved,) = list_backups(path)
    assert saved.reason == "before-upgrade"
    from journal.store.lock import JournalLock

    JournalLock(path).acquire().release()  # and the lock was released
