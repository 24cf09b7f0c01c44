"""Schema versions of a journal file: Alembic, run programmatically.

Every journal carries two marks:

* ``PRAGMA application_id`` = :data:`APPLICATION_ID` (``0x544A524E``, the bytes
  ``"TJRN"``), set once at creation. It is stored in the SQLite file header
  (offset 68), so a file can be recognised without trusting its tables.
* the Alembic revision in ``alembic_version`` and, mirrored for a quick look,
  ``PRAGMA user_version`` = the step number (``0001`` -> 1). A revision this
  copy of the app does not know means the file was written by a newer version.

Callers: :mod:`journal.store.db` (which backs the file up before upgrading).
"""

from __future__ import annotations

import functools
import re
import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

#: "TJRN" as a big-endian 32-bit integer; fits a signed int, as SQLite stores it.
APPLICATION_ID = 0x544A524E
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


#: ``revision = "0005"`` or ``down_revision: str | None = None`` at the start of a line of a
#: migration file, as Alembic's template and ours write them.
_REVISION_LINE = re.compile(
    r"""^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(None|"[^"\n]*"|'[^'\n]*')\s*(?:\#.*)?$""",
    re.MULTILINE,
)


@functools.cache
def _chain() -> dict[str, str | None]:
    """revision -> down_revision, read from the migration files themselves.

    Opening a journal only needs to know the newest revision, and importing Alembic
    to learn it costs about a third of a command's start-up; Alembic is imported only
    when a file really has to be upgraded. A line pattern, not ``ast.parse`` of every
    file (about 10 ms at each start, for five lines). A test checks this agrees with
    Alembic.
    """
    chain: dict[str, str | None] = {}
    for f in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        values: dict[str, str | None] = {}
        for name, value in _REVISION_LINE.findall(f.read_text(encoding="utf-8")):
            values.setdefault(name, None if value == "None" else value[1:-1])
        revision = values.get("revision")
        if revision is not None:
            chain[revision] = values.get("down_revision")
    return chain


def _heads() -> list[str]:
    chain = _chain()
    pointed_to = set(chain.values())
    return sorted(r for r in chain if r not in pointed_to)


@functools.cache
def known_revisions() -> tuple[str, ...]:
    """Every revision this version of the app knows, oldest first."""
    chain, revs = _chain(), []
    rev: str | None = head_revision()
    while rev is not None:
        revs.append(rev)
        rev = chain.get(rev)
    return tuple(reversed(revs))


def head_revision() -> str:
    heads = _heads()
    if len(heads) != 1:  # two people added a step from the same parent
        raise RuntimeError(f"Journal migrations have {len(heads)} heads; merge them: {heads}")
    return heads[0]


def schema_number(revision: str | None) -> int:
    """1 for the first step, 2 for the second...; 0 for an empty file."""
    if revision is None:
        return 0
    return known_revisions().index(revision) + 1


def read_revision(conn: sqlite3.Connection) -> str | None:
    """The Alembic revision stamped in the file, or None when it has none."""
    has = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
    ).fetchone()
    if not has:
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def _migration_engine(path: Path, key=None):
    from journal.store import crypto

    if key is None:
        engine = create_engine(f"sqlite:///{path}", poolclass=NullPool)
    else:  # an encrypted journal: SQLCipher, keyed on every connection
        engine = create_engine(
            "sqlite://",
            module=crypto.engine_module(key),
            creator=lambda: crypto.connect(path, key),
            poolclass=NullPool,
        )

    # pysqlite would otherwise run DDL outside any transaction, so a failed step
    # could leave half a schema; take control of BEGIN ourselves (SQLAlchemy's
    # documented recipe). Foreign keys must be switched off before BEGIN.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _rec):
        dbapi_conn.isolation_level = None
        dbapi_conn.execute("PRAGMA foreign_keys=OFF")
        dbapi_conn.execute("PRAGMA journal_mode=WAL")  # e.g. a backup file opened directly
        dbapi_conn.execute("PRAGMA synchronous=FULL")
        dbapi_conn.execute("PRAGMA busy_timeout=5000")

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def upgrade(path: Path | str, revision: str = "head", *, key=None) -> str:
    """Bring the file at ``path`` to ``revision`` in ONE transaction; returns the new revision.

    Callers must hold the journal's lock and have made a verified backup. ``key``: the
    :class:`journal.store.crypto.Key` of an encrypted journal.
    """
    from alembic import command

    engine = _migration_engine(Path(path), key)
    try:
        with engine.connect() as conn, conn.begin():
            command.upgrade(alembic_config(conn), revision)
            bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if bad:
                raise RuntimeError(
                    f"Upgrading the journal would break {len(bad)} links between "
                    "records; nothing was changed."
                )
            new = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            conn.exec_driver_sql(f"PRAGMA user_version={schema_number(new)}")
    finally:
        engine.dispose()
    return new


def stamp_head(conn: sqlite3.Connection) -> None:
    """Mark a schema made by ``metadata.create_all`` as being at the newest step."""
    head = head_revision()
    conn.execute(
        "CREATE TABLE IF NOT EXISTS alembic_version ("
        "version_num VARCHAR(32) NOT NULL, "
        "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
    )
    conn.execute("DELETE FROM alembic_version")
    conn.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (head,))
    conn.execute(f"PRAGMA user_version={schema_number(head)}")
