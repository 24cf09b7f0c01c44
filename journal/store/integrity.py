"""Checks of a journal file beyond SQLite's own, shared by open and ``journal check``
so that the two never disagree: what open would refuse, check reports.

All read-only, on a connection the caller opened (``?mode=ro``). Each function
returns plain problem sentences (empty = fine); :func:`journal.store.backup.inspect_file`
turns them into its report.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from pathlib import Path

from journal.errors import DB_ERRORS, JournalError
from journal.store import columns, crypto, migrate


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
    # The models' names (store/columns.py): every open runs this, building them would not pay.
    for table, names in columns.TABLES.items():
        if table not in have:
            out.append(f"its table {table} is missing")
            continue
        missing = [c for c in names if c not in have[table]]
        if missing:
            out.append(f"its table {table} lacks the column(s) {', '.join(missing)}")
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


# -- lost WAL content -------------------------------------------------------------------
#
# SQLite keeps committed transactions in the -wal file until a checkpoint copies
# them into the journal. A WAL deleted or damaged after a crash takes them away
# without a word. So every write transaction through the store adds one to
# journal_meta.change_count, and after each commit the store writes the count
# (with the journal's created_at, to tell journals of the same name apart) to a
# small file beside the backups, which the WAL cannot take with it. An open that
# finds the journal's count below the acknowledged one warns.

ACK_NAME = "last-acknowledged.json"


def _ack_path(path: Path) -> Path:
    from journal.paths import backups_dir

    return backups_dir(Path(path)) / ACK_NAME


def read_acknowledged(path: Path) -> dict | None:
    try:
        data = json.loads(_ack_path(path).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_acknowledged(path: Path, created_at: str, count: int) -> None:
    """Best effort and without fsync (it runs after every commit): a power cut may
    leave an older count, which only means less to compare, never a false alarm."""
    from journal.paths import ensure_private_dir

    target = _ack_path(path)
    try:
        ensure_private_dir(target.parent)
        tmp = target.with_name(f".{ACK_NAME}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"created_at": created_at, "change_count": count}), "utf-8")
        os.replace(tmp, target)
    except OSError:
        pass


def forget_acknowledged(path: Path) -> None:
    """A new or restored journal under this name: its count starts afresh."""
    with contextlib.suppress(OSError):
        _ack_path(path).unlink()


def _meta_count(conn: sqlite3.Connection) -> tuple[str, int] | None:
    cols = {r[1] for r in conn.execute("PRAGMA table_info(journal_meta)")}
    if "change_count" not in cols:
        return None
    row = conn.execute("SELECT created_at, change_count FROM journal_meta WHERE id=1").fetchone()
    return (row[0], row[1]) if row else None


def lost_changes(conn: sqlite3.Connection, path: Path) -> str | None:
    """A sentence when the journal holds fewer changes than the app acknowledged."""
    ack = read_acknowledged(path)
    have = _meta_count(conn)
    if ack is None or have is None or ack.get("created_at") != have[0]:
        return None
    acknowledged = ack.get("change_count")
    if not isinstance(acknowledged, int) or acknowledged <= have[1]:
        return None
    missing = acknowledged - have[1]
    return (
        f"it is older than what the app last saved: {missing:,} saved change"
        f"{'' if missing == 1 else 's'} are missing (the file that held the newest "
        "changes, its -wal file, was lost or damaged after a crash)"
    )


def count_commits(engine, path: Path, *, record: bool) -> None:
    """Count every write transaction of ``engine`` in journal_meta.change_count and,
    with ``record``, acknowledge the count outside the file after each commit."""
    from sqlalchemy import event

    def begin(conn) -> None:
        conn.info["tj_changes"] = conn.connection.driver_connection.total_changes

    def commit(conn) -> None:
        raw = conn.connection.driver_connection
        if raw.total_changes != conn.info.pop("tj_changes", raw.total_changes):
            raw.execute("UPDATE journal_meta SET change_count = change_count + 1 WHERE id = 1")
            conn.connection.info["tj_counted"] = True

    event.listen(engine, "begin", begin)
    event.listen(engine, "commit", commit)
    if not record:
        return

    def checkin(dbapi_conn, record_) -> None:
        # After the commit returned: what is read here is what SQLite acknowledged.
        if dbapi_conn is None or not record_.info.pop("tj_counted", False):
            return
        try:
            have = _meta_count(dbapi_conn)
        except sqlite3.Error:
            return
        if have is not None:
            write_acknowledged(path, *have)

    event.listen(engine, "checkin", checkin)


def lost_changes_warning(path: Path, problem: str) -> str:
    """The whole warning for the person: what happened, what is safe, what to do."""
    from journal.store.backup import good_backups

    backups = good_backups(path)
    if backups:
        newest = backups[0]
        offer = (
            f"The newest good backup is from {newest.describe()}; it may hold some of them. "
            f'To go back to it, close the journal and run: journal restore "{newest.path}" '
            f'"{path}"'
        )
    else:
        offer = "No backup of it was found; check whether the missing entries matter."
    return f"The journal {path} {problem}. What it still holds is intact. {offer}"


def upgrade_problem(path: Path, revision: str | None, key=None) -> str | None:
    """For ``journal check`` of a journal at an older schema step: would the update
    that open makes succeed? Tried on a temporary copy (the file is not touched), so
    check finds what open would refuse (a table dropped by another program, ...)."""
    import shutil
    import tempfile

    if revision is None or revision == migrate.head_revision():
        return None
    with tempfile.TemporaryDirectory(prefix="tj-check-") as scratch:
        copy = Path(scratch) / "copy.sqlite"
        try:
            # An encrypted journal is copied and updated under its own key (``key``).
            src = crypto.connect(f"{Path(path).resolve().as_uri()}?mode=ro", key, uri=True)
            dest = crypto.connect(copy, key)
            try:
                src.backup(dest)
            finally:
                dest.close()
                src.close()
            migrate.upgrade(copy, key=key)
        except (OSError, *DB_ERRORS) as e:
            if isinstance(e, OSError) and not isinstance(e, DB_ERRORS):
                return None  # no room for a scratch copy: not the journal's fault
            return f"it cannot be updated to this version's format ({_short(e)})"
        except Exception as e:  # Alembic and SQLAlchemy wrap what SQLite said
            return f"it cannot be updated to this version's format ({_short(e)})"
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return None


def _short(e: BaseException) -> str:
    detail = str(getattr(e, "orig", None) or e).splitlines()[0] if str(e) else type(e).__name__
    return detail if len(detail) <= 120 else detail[:117] + "..."
