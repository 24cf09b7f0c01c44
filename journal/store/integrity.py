"""Checks of a journal file beyond SQLite's own, shared by open and ``journal check``
so that the two never disagree: what open would refuse, check reports.

All read-only, on a connection the caller opened (``?mode=ro``). Each function
returns plain problem sentences (empty = fine); :func:`journal.store.backup.inspect_file`
turns them into its report.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlmodel import SQLModel

from journal.errors import JournalError
from journal.store import meta, migrate, models  # noqa: F401 - every table registered


def header_problems(header: bytes) -> list[str]:
    """The file-format versions in the 100-byte header (offsets 18 and 19).

    1 = rollback journal, 2 = WAL. A higher write version makes SQLite open the
    file read-only ("attempt to write a readonly database" at the first save); a
    higher read version makes it unreadable.
    """
    write, read = header[18], header[19]
    out = []
    if read not in (1, 2):
        out.append(
            f"its header says only a newer SQLite can read it (file format read version {read})"
        )
    elif write not in (1, 2):
        out.append(
            "its header says only a newer SQLite can write it (file format write version "
            f"{write}), so nothing could be saved to it"
        )
    return out


def schema_problems(conn: sqlite3.Connection, revision: str | None) -> list[str]:
    """Tables or columns missing from a journal at this app's newest schema step.

    (An older step is brought up to date by its migration, which has its own check.)
    """
    if revision != migrate.head_revision():
        return []
    have: dict[str, set[str]] = {}
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'"):
        have[name] = {r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')}
    out = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name not in have:
            out.append(f"its table {table.name} is missing")
            continue
        missing = [c.name for c in table.columns if c.name not in have[table.name]]
        if missing:
            out.append(f"its table {table.name} lacks the column(s) {', '.join(missing)}")
    return out


def schema_number_problem(conn: sqlite3.Connection, revision: str | None) -> int | None:
    """The schema number (``PRAGMA user_version``) when it is above every step this
    version knows: a newer app wrote the file, whatever its revision table says."""
    number = conn.execute("PRAGMA user_version").fetchone()[0]
    return number if number > len(migrate.known_revisions()) else None


def broken_links(conn: sqlite3.Connection) -> int:
    """How many rows point to rows that no longer exist (``foreign_key_check``; it
    uses the child columns' indexes, so it costs little even on a large journal)."""
    return len(conn.execute("PRAGMA foreign_key_check").fetchall())


def open_failed(e: BaseException, path: Path) -> JournalError:
    """One sentence for an SQLite refusal while opening for writing (after the checks
    passed: a file made read-only underneath, a lock SQLite could not get)."""
    detail = getattr(e, "orig", None) or e
    return JournalError(
        f"The journal {path} could not be opened for writing (SQLite said: {detail}). "
        "It was not changed. Check that the file and its folder can be written to, "
        f'and run: journal check "{path}"',
        path,
    )


def side_files_present(path: Path) -> bool:
    return Path(f"{path}-wal").exists() or Path(f"{path}-shm").exists()


def tidy_side_files(path: Path, existed_before: bool) -> None:
    """Remove the empty ``-wal``/``-shm`` a read-only look created.

    A read-only SQLite connection on a WAL journal creates both files but may not
    delete them. When they were not there before, hold nothing unsaved (empty WAL)
    and no window has the journal open (the writer lock is free), a plain
    connection opened and closed lets SQLite itself remove them: it does so only
    as the last connection, so a second reader is never pulled from under.
    """
    from journal.errors import JournalLockedError
    from journal.store.lock import JournalLock

    path = Path(path)
    wal = Path(f"{path}-wal")
    try:
        if existed_before or not side_files_present(path):
            return
        if wal.exists() and wal.stat().st_size > 0:
            return  # someone wrote meanwhile: not ours to tidy
        lock = JournalLock(path).acquire()
    except (OSError, JournalLockedError):
        return
    try:
        conn = sqlite3.connect(path, timeout=0)
        try:
            conn.execute("PRAGMA schema_version").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        pass
    finally:
        lock.release()
