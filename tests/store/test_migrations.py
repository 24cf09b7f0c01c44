"""The migrations and models.py must agree; an old file upgrades with its data intact."""

import re
import sqlite3

import pytest
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
    # Every row kept; tables added by later steps start empty.
    assert {k: after[k] for k in before} == before
    assert all(after[k] == [] for k in set(after) - set(before))
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


def test_step_0003_keeps_rows_of_the_tables_it_rebuilds(tmp_path):
    """0003 rebuilds diagnosis, progression, side effect and lab tables (new columns,
    a new unit in the lab CHECK): their rows survive, the new columns read empty, and
    the new unit is accepted afterwards."""
    path = tmp_path / "v2.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
    conn.close()
    migrate.upgrade(path, "0002")
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        INSERT INTO diagnosis (id, date, heavy_chain, light_chain, ldh_high)
            VALUES (1, '2019-03', 'IgG', 'kappa', 1);
        INSERT INTO regimen (id, name, start, expanded_access) VALUES (1, 'VRd', '2019-04', 0);
        INSERT INTO progression (id, date, kind, confirmed, regimen_id)
            VALUES (1, '2021-05-02', 'biochemical', 1, 1);
        INSERT INTO sideeffect (id, term, scale, grade_source, onset, serious)
            VALUES (1, 'Peripheral sensory neuropathy', 'CTCAE v5.0', 'clinician', '2019-06', 0);
        INSERT INTO labresult (id, date, test, value, unit, context)
            VALUES (1, '2021-05-02', 'hb', 11.2, 'g/dL', 'none');
        """
    )
    conn.commit()
    with pytest.raises(sqlite3.IntegrityError):  # aPTT's seconds are not known at 0002
        conn.execute(
            "INSERT INTO labresult (date, test, value, unit, context) "
            "VALUES ('2021-05-02', 'aptt', 30, 's', 'none')"
        )
    conn.close()

    migrate.upgrade(path)
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    dx = dict(conn.execute("SELECT * FROM diagnosis").fetchone())
    assert (dx["date"], dx["heavy_chain"], dx["ldh_high"]) == ("2019-03", "IgG", 1)
    assert dx["creatinine_mg_dl"] is None and dx["ldh_u_l"] is None
    prog = dict(conn.execute("SELECT * FROM progression").fetchone())
    assert (prog["date"], prog["regimen_id"], prog["confirmed_on"]) == ("2021-05-02", 1, None)
    se = dict(conn.execute("SELECT * FROM sideeffect").fetchone())
    assert se["term"] == "Peripheral sensory neuropathy" and se["regimen_id"] is None
    assert conn.execute("SELECT value FROM labresult").fetchone()[0] == 11.2
    conn.execute(
        "INSERT INTO labresult (date, test, value, unit, context) "
        "VALUES ('2021-05-02', 'aptt', 30, 's', 'none')"
    )
    with pytest.raises(sqlite3.IntegrityError):  # confirmed before first met: refused
        conn.execute("UPDATE progression SET confirmed_on = '2021-04-01' WHERE id = 1")
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_revision_chain_read_without_alembic_agrees_with_alembic():
    """Opening a journal reads the revisions from the files (no Alembic import);
    Alembic's own view of the same folder must be identical."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert [migrate.head_revision()] == list(script.get_heads())
    alembic_order = tuple(reversed([s.revision for s in script.walk_revisions("base", "heads")]))
    assert migrate.known_revisions() == alembic_order


def test_revision_chain_reads_the_ways_a_migration_file_writes_its_revisions(tmp_path, monkeypatch):
    versions = tmp_path / "versions"
    versions.mkdir()
    files = {
        "0001_a.py": 'revision = "0001"\ndown_revision = None\n',
        # As script.py.mako writes them (repr: single quotes), and with annotations.
        "0002_b.py": '"""Revision ID: 0002"""\nrevision = \'0002\'\ndown_revision = \'0001\'\n',
        "0003_c.py": 'revision: str = "0003"  # note\ndown_revision: str | None = "0002"\n'
        '\ndef upgrade():\n    revision = "not this one"\n',
    }
    for name, text in files.items():
        (versions / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", tmp_path)
    migrate._chain.cache_clear()
    try:
        assert migrate._chain() == {"0001": None, "0002": "0001", "0003": "0002"}
    finally:
        migrate._chain.cache_clear()


def test_a_plain_read_only_open_does_not_import_alembic(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "j.sqlite"
    create_journal(path).close()
    code = (
        "import sys; from journal.store.db import open_journal\n"
        f"with open_journal({str(path)!r}, readonly=True) as s: pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
