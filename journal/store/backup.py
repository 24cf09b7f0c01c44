"""Backups, restore and the "Check journal" report. Nothing here ever repairs a file.

A backup is a single self-contained SQLite file made with SQLite's online
backup API (a consistent snapshot even while the app writes), checked with
``PRAGMA integrity_check``, flushed to disk, then renamed into place, so a
backup that exists under its final name is complete and verified.

Backups of ``<folder>/<name>.sqlite`` live in ``<folder>/backups/<name>/``
(see :func:`journal.paths.backups_dir`), named
``<name>-<UTC yyyymmdd-HHMMSS-ffffff>-<reason>.sqlite``. Automatic ones
(reasons in :data:`AUTO_REASONS`) are thinned by :func:`thin`; the others
(on demand, before an upgrade, before a restore) are kept until the person
deletes them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import marshal
import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from journal.errors import (
    DB_ERRORS,
    BackupError,
    DamagedJournalError,
    FileAccessError,
    JournalNotFoundError,
    NewerVersionError,
    NotAJournalError,
    is_disk_full,
)
from journal.paths import backups_dir, ensure_private_dir
from journal.store import crypto, integrity, migrate
from journal.store.lock import JournalLock

SQLITE_MAGIC = b"SQLite format 3\x00"
AUTO_REASONS = frozenset({"auto", "on-close"})
REASONS = AUTO_REASONS | {"manual", "before-upgrade", "before-restore", "replaced-damaged"}
DEFAULT_INTERVAL = dt.timedelta(minutes=30)
FULL_CHECK_MAX_BYTES = 64 * 1024 * 1024
#: Thinning policy: keep the newest N, then the newest of each of the latest
#: 7 days, 4 weeks and 12 months that have backups.
POLICY = {"recent": 10, "daily": 7, "weekly": 4, "monthly": 12}
_STAMP = "%Y%m%d-%H%M%S-%f"


class _Store(Protocol):  # what backup_now needs from journal.store.db.JournalStore
    path: Path
    key: crypto.Key | None

    def data_version(self) -> int | None: ...
    def mark_backed_up(self, version: int | None) -> None: ...
    def changed_since_backup(self) -> bool: ...


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created: dt.datetime  # UTC
    reason: str

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def describe(self) -> str:
        local = self.created.astimezone()
        return f"{local:%Y-%m-%d %H:%M} ({self.reason})"


# --------------------------------------------------------------------------- files


def _ro_uri(path: Path) -> str:
    return Path(path).resolve().as_uri() + "?mode=ro"


def _fsync_path(path: Path, directory: bool = False) -> None:
    if directory and os.name == "nt":  # pragma: no cover - no directory fsync on Windows
        return
    fd = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_database(
    src: Path, dest: Path, *, journal_mode: str = "DELETE", key: crypto.Key | None = None
) -> None:
    """Snapshot ``src`` into ``dest`` safely: temp file, backup API, integrity_check,
    fsync, atomic rename. ``dest`` is only ever replaced by a verified copy. The copy of
    an encrypted journal (``key``) is encrypted with the same key and salt from its
    first page on, so the same passphrase opens it."""
    src, dest = Path(src), Path(dest)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        source = crypto.connect(_ro_uri(src), key, uri=True)
        target = crypto.connect(tmp, key, isolation_level=None)
        try:
            source.backup(target)
            target.execute(f"PRAGMA journal_mode={journal_mode}")
            rows = [r[0] for r in target.execute("PRAGMA integrity_check").fetchall()]
        finally:
            target.close()
            source.close()
        if rows != ["ok"]:
            raise BackupError(
                f"The copy of {src} did not pass its check ({rows[0]}); it was not kept. "
                "Run 'journal check' on the journal.",
                src,
            )
        for extra in ("-wal", "-shm"):  # a copy must be one self-contained file
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{tmp}{extra}")
        _fsync_path(tmp)
        os.replace(tmp, dest)
        _fsync_path(dest.parent, directory=True)
    except BaseException:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)
        raise


def _remove_stale_temps(folder: Path, older_than_s: float = 3600) -> None:
    # A crash in the middle of a backup leaves ".<name>.<pid>.tmp" behind.
    now = time.time()
    for p in folder.glob(".*.tmp*"):
        with contextlib.suppress(OSError):
            if now - p.stat().st_mtime > older_than_s:
                p.unlink()


def backup_file(
    journal_path: Path | str,
    reason: str = "manual",
    now: dt.datetime | None = None,
    *,
    key: crypto.Key | None = None,
) -> Path:
    """Make a verified backup of the journal file (encrypted like it: ``key``); returns
    its path."""
    if reason not in REASONS:
        raise ValueError(f"unknown backup reason {reason!r}; use one of {sorted(REASONS)}")
    journal_path = Path(journal_path).resolve()
    folder = backups_dir(journal_path)
    try:
        ensure_private_dir(folder)
        _remove_stale_temps(folder)
        now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        while True:
            dest = folder / f"{journal_path.stem}-{now.strftime(_STAMP)}-{reason}.sqlite"
            if not dest.exists():
                break
            now += dt.timedelta(microseconds=1)
        copy_database(journal_path, dest, journal_mode="DELETE", key=key)
    except (OSError, *DB_ERRORS) as e:
        raise _backup_failed(e, journal_path, folder) from e
    return dest


def _backup_failed(e: Exception, journal_path: Path, folder: Path) -> BackupError:
    # copy_database has already removed its temp file: there is no half backup.
    safe = "The journal itself was not changed, and no unfinished backup was left behind."
    if is_disk_full(e):
        return BackupError(
            f"The disk is full, so the backup could not be finished. {safe} "
            "Free some space (empty the wastebasket, or move large files elsewhere) "
            "and make the backup again.",
            journal_path,
        )
    if isinstance(e, PermissionError):
        why = "you do not have permission to write there"
    else:
        why = getattr(e, "strerror", None) or str(e) or type(e).__name__
    return BackupError(
        f"The backup could not be written to {folder} ({why}). {safe} "
        "Check that the folder can be written to, then make the backup again.",
        journal_path,
    )


def list_backups(journal_path: Path | str) -> list[BackupInfo]:
    """Every finished backup of this journal, newest first (temp files never listed)."""
    journal_path = Path(journal_path).resolve()
    folder = backups_dir(journal_path)
    if not folder.is_dir():
        return []
    pattern = re.compile(
        rf"^{re.escape(journal_path.stem)}-(\d{{8}}-\d{{6}}-\d{{6}})-([a-z-]+)\.sqlite$"
    )
    found = []
    for p in folder.iterdir():
        m = pattern.match(p.name)
        if m and p.is_file():
            created = dt.datetime.strptime(m.group(1), _STAMP).replace(tzinfo=dt.UTC)
            found.append(BackupInfo(p, created, m.group(2)))
    return sorted(found, key=lambda b: b.created, reverse=True)


def good_backups(journal_path: Path | str, key: crypto.Key | None = None) -> list[BackupInfo]:
    """Backups that pass the open-time checks and that this version can open, newest first
    (encrypted ones: those that ``key`` opens)."""
    return [b for b in list_backups(journal_path) if inspect_file(b.path, key=key).kind == "ok"]


# --------------------------------------------------------------------------- thinning


def thin(
    stamps: Iterable[dt.datetime],
    *,
    recent: int = POLICY["recent"],
    daily: int = POLICY["daily"],
    weekly: int = POLICY["weekly"],
    monthly: int = POLICY["monthly"],
) -> set[dt.datetime]:
    """Which backup times to keep: the ``recent`` newest, plus the newest of each of the
    ``daily`` latest days, ``weekly`` latest ISO weeks and ``monthly`` latest months
    that HAVE backups (counted from the newest backup, not from today, so a journal
    left alone for a year keeps its history)."""
    ordered = sorted(set(stamps), reverse=True)
    keep = set(ordered[:recent])
    buckets = (
        (daily, lambda t: t.date()),
        (weekly, lambda t: t.isocalendar()[:2]),
        (monthly, lambda t: (t.year, t.month)),
    )
    for limit, key in buckets:
        seen: set = set()
        for t in ordered:
            k = key(t)
            if k in seen:
                continue
            if len(seen) >= limit:
                break
            seen.add(k)
            keep.add(t)  # the first met is the newest of its bucket
    return keep


def prune_backups(journal_path: Path | str) -> list[Path]:
    """Delete automatic backups the policy no longer keeps; returns what was deleted."""
    autos = [b for b in list_backups(journal_path) if b.reason in AUTO_REASONS]
    keep = thin([b.created for b in autos])
    removed = []
    for b in autos:
        if b.created not in keep:
            with contextlib.suppress(FileNotFoundError):
                b.path.unlink()
            removed.append(b.path)
    return removed


# --------------------------------------------------------------------------- store-level


def backup_now(store: _Store, reason: str = "manual") -> Path:
    """Back up an open journal now (on demand, or automatic reasons); thins automatic ones."""
    version = store.data_version()
    path = backup_file(store.path, reason, key=getattr(store, "key", None))
    store.mark_backed_up(version)
    if reason in AUTO_REASONS:
        prune_backups(store.path)
    return path


def maybe_backup(
    store: _Store,
    *,
    min_interval: dt.timedelta = DEFAULT_INTERVAL,
    now: dt.datetime | None = None,
) -> Path | None:
    """Back up if the data changed since the last backup and the newest backup is older
    than ``min_interval``. Services/UI call this after changes; it is cheap otherwise."""
    if not store.changed_since_backup():
        return None
    now = now or dt.datetime.now(dt.UTC)
    existing = list_backups(store.path)
    if existing and now - existing[0].created < min_interval:
        return None
    return backup_now(store, "auto")


# --------------------------------------------------------------------------- checks


#: Tag of the sealing method written now. A seal with a tag this version does not
#: know (a newer way of hashing) is not compared: a change of method must never make
#: a healthy journal look damaged.
SEAL_METHOD = "s2"


def _as_repr(rows: list | tuple) -> bytes:
    return repr(rows).encode()


def _as_marshal(rows: list | tuple) -> bytes:
    # Format version 2 of marshal: no back-references (later versions mark objects
    # seen twice, which depends on object identity), floats as their 8 bytes; for
    # None, int, float, bytes, tuple and list it has not changed since Python 2.5
    # and is the same on every machine. tests/store/test_seal.py pins a digest.
    return marshal.dumps(rows, 2)


#: How each known method writes the rows it hashes. "s1" (``repr`` of each batch)
#: sealed every journal closed by earlier versions; it is still checked. "s2" hashes the same
#: values in the same batches, written out about seven times faster than ``repr``
#: (floats exact in both).
_SEAL_FORMS = {"s1": _as_repr, "s2": _as_marshal}


def sealed(conn: sqlite3.Connection) -> str:
    """The seal as stored: ``<method>:<sha256 hex>``."""
    return f"{SEAL_METHOD}:{content_seal(conn)}"


def seal_matches(stored: str, conn: sqlite3.Connection) -> bool | None:
    """True/False when ``stored`` was made by a method this version knows, None when
    it cannot be judged."""
    method, _, digest = stored.partition(":")
    if method not in _SEAL_FORMS or not digest:
        return None
    return digest == content_seal(conn, method)


def content_seal(conn: sqlite3.Connection, method: str = SEAL_METHOD) -> str:
    """SHA-256 over the schema and every row of every table but ``journal_meta``.

    SQLite keeps no checksum of stored values, so a bit flipped inside a value
    passes every SQLite check. The store writes this seal on a clean close and
    compares it on the next open: any change made while the app was not running
    (disk error, another program) is caught. ``method``: one of ``_SEAL_FORMS``.
    """
    form = _SEAL_FORMS[method]
    h = hashlib.sha256()
    saved = conn.text_factory
    conn.text_factory = bytes  # hash what is stored, even text that no longer decodes
    try:
        schema = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        for row in schema:
            h.update(form(row))
        for kind, name, _tbl, _sql in schema:
            name = name.decode("utf-8", "replace")
            if kind != b"table" or name == "journal_meta" or name.startswith("sqlite_"):
                continue
            h.update(name.encode())
            cur = conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid')
            # Fixed batches: the digest depends on them, and the method names them.
            while rows := cur.fetchmany(2000):  # one call per batch: far fewer calls
                h.update(form(rows))
    finally:
        conn.text_factory = saved
    return h.hexdigest()


def _stored_seal(conn: sqlite3.Connection) -> str | None:
    cols = {r[1] for r in conn.execute("PRAGMA table_info(journal_meta)")}
    if "content_seal" not in cols:
        return None
    row = conn.execute("SELECT content_seal FROM journal_meta WHERE id=1").fetchone()
    return row[0] if row else None


#: Kinds of report where the file was not even opened as a database.
UNOPENED_KINDS = (
    "missing",
    "folder",
    "unreadable",
    "empty",
    "not_sqlite",
    "foreign",
    "encrypted",  # an encrypted file and no passphrase given
    "wrong_passphrase",
)


@dataclass
class CheckReport:
    """What ``journal check`` found. ``kind``: ok, missing, folder, unreadable, empty,
    not_sqlite, foreign, encrypted, wrong_passphrase, damaged or newer."""

    path: Path
    kind: str = "ok"
    size: int = 0
    application_id_ok: bool = False
    integrity: list[str] = field(default_factory=list)
    foreign_key_problems: int | None = None
    revision: str | None = None
    schema_number: int | None = None
    wal_present: bool = False
    encrypted: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        lines = [f"Journal: {self.path}"]
        if self.kind in UNOPENED_KINDS:
            lines.append("Result: " + "; ".join(self.problems))
            return "\n".join(lines)
        lines += [
            f"Size: {self.size:,} bytes"
            + (" (plus unsaved-to-main-file changes)" if self.wal_present else ""),
            "Encrypted: " + ("yes (SQLCipher 4)" if self.encrypted else "no"),
            "Belongs to Treatment Journal: " + ("yes" if self.application_id_ok else "no"),
            "Structure check: " + ("passed" if self.integrity == ["ok"] else "FAILED"),
        ]
        if self.foreign_key_problems is not None:
            lines.append(f"Broken links between records: {self.foreign_key_problems}")
        known = self.revision in migrate.known_revisions()
        lines.append(
            f"Schema step: {self.revision or 'none'}"
            + ("" if known or self.revision is None else " (made by a newer version)")
        )
        lines.append("Result: " + ("no problems found" if self.ok else "; ".join(self.problems)))
        return "\n".join(lines)


def _problem(report: CheckReport, kind: str, text: str) -> CheckReport:
    report.kind = kind if report.kind == "ok" else report.kind
    report.problems.append(text)
    return report


def inspect_file(
    path: Path | str, *, full: bool = False, key: crypto.Key | None = None, quick: bool = False
) -> CheckReport:
    """Look at a journal file without changing it (read-only connection).

    On every open: header, size, integrity_check (quick_check above
    FULL_CHECK_MAX_BYTES), the checks of :mod:`journal.store.integrity` and the
    content seal. ``full`` (for "Check journal") always runs integrity_check. An
    encrypted file is looked at through ``key`` (its header is encrypted too, so the
    same checks are made on what SQLCipher decrypts); without one it is reported as
    "encrypted". ``quick`` (a read-only open) runs quick_check at any size: see
    verify_journal_file.
    """
    path = Path(path)
    had_side_files = integrity.side_files_present(path)
    try:
        return _inspect_file(path, full, key, quick)
    finally:
        integrity.tidy_side_files(path, had_side_files)


def _inspect_file(
    path: Path, full: bool, key: crypto.Key | None = None, quick: bool = False
) -> CheckReport:
    r = CheckReport(path=path)
    try:
        if path.is_dir():
            return _problem(r, "folder", "it is a folder, not a journal file")
        if not path.is_file():
            return _problem(r, "missing", "the file does not exist")
        r.size = path.stat().st_size
        r.wal_present = Path(f"{path}-wal").exists() and Path(f"{path}-wal").stat().st_size > 0
        if r.size == 0:
            return _problem(r, "empty", "the file is empty")
        with open(path, "rb") as f:
            header = f.read(100)
    except PermissionError:
        return _problem(r, "unreadable", "you do not have permission to read it")
    except OSError as e:
        return _problem(r, "unreadable", f"it cannot be read ({e.strerror or e})")
    if not header.startswith(SQLITE_MAGIC):
        if not crypto.looks_encrypted(path):
            return _problem(
                r, "not_sqlite", "it is not a database file (its first bytes are wrong)"
            )
        if key is None:
            return _problem(r, "encrypted", "it is encrypted, and its passphrase is needed")
        return _inspect_encrypted(r, key, full, quick)
    if len(header) < 100:
        return _problem(r, "damaged", "the file is cut short")
    r.application_id_ok = int.from_bytes(header[68:72], "big") == migrate.APPLICATION_ID
    if not r.application_id_ok:
        return _problem(r, "foreign", "it is a database, but not one made by Treatment Journal")
    for text in integrity.header_problems(header):
        _problem(r, "damaged", text)
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    in_header_pages = int.from_bytes(header[28:32], "big")
    header_size_valid = header[24:28] == header[92:96]
    # Without a WAL the main file must hold every page its header counts; SQLite
    # itself would quietly read the missing tail as zeros in some cases.
    if not r.wal_present and (
        page_size < 512
        or r.size % page_size
        or (header_size_valid and in_header_pages * page_size > r.size)
    ):
        _problem(r, "damaged", "the file is cut short (pages are missing at its end)")
    scratch: tempfile.TemporaryDirectory | None = None
    try:
        hot = Path(f"{path}-journal")
        if hot.exists() and hot.stat().st_size > 0:
            # A crash mid-transaction in rollback mode: SQLite must undo it, which
            # writes. Check a copy (where SQLite may undo it) and leave the file alone.
            scratch = tempfile.TemporaryDirectory(prefix="tj-check-")
            copy = Path(scratch.name) / path.name
            shutil.copyfile(path, copy)
            shutil.copyfile(hot, f"{copy}-journal")
            conn = sqlite3.connect(copy)
        else:
            conn = sqlite3.connect(_ro_uri(path), uri=True)
    except (sqlite3.Error, OSError) as e:
        if scratch is not None:
            scratch.cleanup()
        return _problem(r, "damaged", f"SQLite cannot read it ({e})")
    return _inspect_tables(r, conn, full, scratch, key, quick)


def _inspect_encrypted(
    r: CheckReport, key: crypto.Key, full: bool, quick: bool = False
) -> CheckReport:
    path = r.path
    r.encrypted = True
    scratch: tempfile.TemporaryDirectory | None = None
    try:
        hot = Path(f"{path}-journal")
        if hot.exists() and hot.stat().st_size > 0:  # see inspect_file: check a copy
            scratch = tempfile.TemporaryDirectory(prefix="tj-check-")
            copy = Path(scratch.name) / path.name
            shutil.copyfile(path, copy)
            shutil.copyfile(hot, f"{copy}-journal")
            conn = crypto.connect(copy, key)
        else:
            conn = crypto.connect(_ro_uri(path), key, uri=True)
    except (*DB_ERRORS, OSError) as e:
        if scratch is not None:
            scratch.cleanup()
        if crypto.is_wrong_key_error(e):
            # A wrong key and a ruined first page look the same to SQLCipher.
            return _problem(r, "wrong_passphrase", "the passphrase given does not open it")
        return _problem(r, "damaged", f"SQLite cannot read it ({e})")
    try:
        r.application_id_ok = (
            conn.execute("PRAGMA application_id").fetchone()[0] == migrate.APPLICATION_ID
        )
        # int(): SQLCipher answers some pragmas as text.
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    except (*DB_ERRORS, ValueError, TypeError) as e:
        conn.close()
        if scratch is not None:
            scratch.cleanup()
        return _problem(r, "damaged", f"SQLite cannot read it ({e})")
    if not r.application_id_ok:
        conn.close()
        if scratch is not None:
            scratch.cleanup()
        return _problem(r, "foreign", "it is a database, but not one made by Treatment Journal")
    if not r.wal_present and (r.size % page_size or pages * page_size > r.size):
        _problem(r, "damaged", "the file is cut short (pages are missing at its end)")
    return _inspect_tables(r, conn, full, scratch, key, quick)


def _inspect_tables(
    r: CheckReport,
    conn,
    full: bool,
    scratch: tempfile.TemporaryDirectory | None,
    key: crypto.Key | None = None,
    quick: bool = False,
) -> CheckReport:
    path = r.path
    # Damaged pages can hold text that is not valid UTF-8 (even in check messages).
    conn.text_factory = lambda b: b.decode("utf-8", "replace")
    try:
        # integrity_check also compares every index with its table; it costs a few
        # ms per MB, so only very large files fall back to quick_check on open.
        thorough = full or (r.size <= FULL_CHECK_MAX_BYTES and not quick)
        check = "integrity_check" if thorough else "quick_check"
        r.integrity = [row[0] for row in conn.execute(f"PRAGMA {check}").fetchall()]
        if r.integrity != ["ok"]:
            shown = "; ".join(r.integrity[:3]) + (" ..." if len(r.integrity) > 3 else "")
            _problem(r, "damaged", f"the structure check failed: {shown}")
        r.revision = migrate.read_revision(conn)
        r.schema_number = conn.execute("PRAGMA user_version").fetchone()[0]
        if r.kind == "ok" and integrity.schema_number_problem(conn, r.revision) is not None:
            _problem(
                r, "newer", f"it was saved by a newer version (schema number {r.schema_number})"
            )
        if r.kind == "ok":
            for text in integrity.schema_problems(conn, r.revision):
                _problem(r, "damaged", text)
        # A newer version may seal differently: only check a seal this version wrote.
        if r.kind == "ok" and r.revision in migrate.known_revisions():
            seal = _stored_seal(conn)
            if seal is not None and seal_matches(seal, conn) is False:
                _problem(
                    r,
                    "damaged",
                    "its content changed after it was last closed (a disk error, or "
                    "another program wrote to it)",
                )
        if full and r.kind == "ok" and (lost := integrity.lost_changes(conn, path)):
            _problem(r, "damaged", lost)
        known = r.revision in migrate.known_revisions()
        if (
            full
            and r.kind == "ok"
            and known
            and (bad := integrity.upgrade_problem(path, r.revision, key))
        ):
            _problem(r, "damaged", bad)
        # Links are checked on every open too: a journal with dangling links opens,
        # summarises and exports, but that export cannot be imported again.
        if r.kind in ("ok", "damaged") and r.revision in migrate.known_revisions():
            r.foreign_key_problems = integrity.broken_links(conn)
            if r.foreign_key_problems:
                _problem(
                    r,
                    "damaged",
                    f"{r.foreign_key_problems} records point to records that no longer exist",
                )
    except (*DB_ERRORS, ValueError) as e:  # ValueError: undecodable text in a damaged page
        _problem(r, "damaged", f"SQLite cannot read it ({type(e).__name__}: {e})")
    finally:
        conn.close()
        if scratch is not None:
            scratch.cleanup()
    if r.kind == "ok":
        if r.revision is None:
            _problem(r, "damaged", "it has no schema version (it was never finished)")
        elif r.revision not in migrate.known_revisions():
            _problem(r, "newer", f"it was saved by a newer version (schema step {r.revision})")
    return r


def check_journal(path: Path | str, key: crypto.Key | None = None) -> CheckReport:
    """The full "Check journal" report. Read-only: it never repairs or rewrites anything."""
    return inspect_file(path, full=True, key=key)


def verify_journal_file(
    path: Path | str, key: crypto.Key | None = None, *, quick: bool = False
) -> str:
    """Raise the right JournalError unless ``path`` is a healthy journal this version can
    open; returns its schema revision. Never writes to the file.

    ``quick`` (for a read-only open, e.g. ``journal summary``) runs quick_check instead of
    integrity_check: it still walks every page and row, and the content seal still hashes
    every value; what it skips is comparing each index with its table, which matters
    before writing through an index (a writable open, ``journal check``) but not for
    reading rows by id, and skipping it saves about a third of the check on a long
    history."""
    path = Path(path)
    r = inspect_file(path, key=key, quick=quick)
    if r.kind == "ok":
        return r.revision  # type: ignore[return-value]
    if r.kind == "encrypted":
        raise crypto.passphrase_needed(path)
    if r.kind == "wrong_passphrase":
        raise crypto.wrong_passphrase(path)
    if r.kind == "missing":
        raise JournalNotFoundError(
            f"There is no journal at {path}. Check the name, or create a new journal.", path
        )
    if r.kind == "folder":
        raise FileAccessError(
            f"{path} is a folder, not a journal file. Give the journal file itself "
            "(its name usually ends in .sqlite).",
            path,
        )
    if r.kind == "unreadable":
        raise FileAccessError(
            f"The journal {path} could not be opened: {r.problems[0]}. It was not changed. "
            "Check the file's permissions (it must belong to you), then try again.",
            path,
        )
    if r.kind == "newer":
        raise NewerVersionError(
            f"The journal {path} was saved by a newer version of Treatment Journal ("
            + (
                f"schema step {r.revision}"
                if r.revision not in migrate.known_revisions()
                else f"schema number {r.schema_number}"
            )
            + "). This version cannot read it safely, so it was left "
            "untouched. Install the newer version of the app to open it.",
            path,
            r.revision,
        )
    backups = good_backups(path, key)
    if r.kind in ("not_sqlite", "foreign") and not backups:
        raise NotAJournalError(
            f"{path} is not a Treatment Journal file ({r.problems[0]}), so it was not "
            "opened. Choose a journal made by this app, or create a new one.",
            path,
        )
    if backups:
        newest = backups[0]
        offer = (
            f"The newest good backup is from {newest.describe()}: {newest.path}. "
            f'To go back to it, run: journal restore "{newest.path}" "{path}"'
        )
    else:
        offer = "No good backup of it was found. Keep the file as it is and ask for help."
    raise DamagedJournalError(
        f"The journal {path} is damaged: {r.problems[0]}. It has not been changed. {offer}",
        path,
        r.problems,
        backups,
    )


# --------------------------------------------------------------------------- restore


def restore(
    backup: Path | str,
    target: Path | str,
    *,
    passphrase: str | crypto.Key | None = None,
    target_passphrase: str | crypto.Key | None = None,
) -> Path | None:
    """Put the backup's content in place of ``target`` (which must not be open).

    The file being replaced is kept first: a verified backup when it is healthy,
    or the untouched file itself (with its WAL) when it is not. Returns where it
    was kept, or None when there was no file. A backup from a newer version or a
    damaged backup is refused.

    An encrypted backup needs ``passphrase``: the journal's passphrase when the backup
    was made. The restored journal opens with that passphrase. An encrypted journal
    being replaced is kept as it is (still encrypted) unless ``target_passphrase``
    is given, in which case a verified backup of it is made.
    """
    backup, target = Path(backup), Path(target).resolve()
    key = crypto.key_for(backup, passphrase, what="backup")
    if key is None and crypto.looks_encrypted(backup):
        raise crypto.PassphraseNeededError(
            f"The backup {backup} is encrypted. Give the passphrase the journal had when "
            "the backup was made. Nothing was changed.",
            backup,
        )
    r = inspect_file(backup, full=True, key=key)
    if r.kind == "newer":
        raise NewerVersionError(
            f"The backup {backup} was made by a newer version of Treatment Journal; this "
            "version cannot restore it. Nothing was changed.",
            backup,
            r.revision,
        )
    if not r.ok:
        raise BackupError(
            f"The backup {backup} cannot be used: {r.problems[0]}. Nothing was changed. "
            "Choose another backup ('journal backups' lists them).",
            backup,
        )
    if target.is_dir():
        raise FileAccessError(
            f"{target} is a folder, not a journal file. Nothing was changed. "
            "Give the journal file to put the backup in place of.",
            target,
        )
    with JournalLock(target):
        kept: Path | None = None
        if target.exists():
            try:
                target_key = crypto.key_for(target, target_passphrase, ask=False)
            except crypto.WrongPassphraseError:
                target_key = None
            if inspect_file(target, key=target_key).kind in ("ok", "newer"):
                kept = backup_file(target, "before-restore", key=target_key)
            elif crypto.looks_encrypted(target):  # kept whole; it stays encrypted
                kept = _set_aside(target, "before-restore")
            else:
                kept = _set_aside(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Stale WAL/SHM of the replaced file must never be replayed into the new one.
        for extra in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{target}{extra}")
        copy_database(backup, target, journal_mode="WAL", key=key)
        integrity.forget_acknowledged(target)  # older on purpose: no lost-changes warning
    return kept


def _set_aside(target: Path, reason: str = "replaced-damaged") -> Path:
    folder = ensure_private_dir(backups_dir(target))
    stamp = dt.datetime.now(dt.UTC).strftime(_STAMP)
    dest = folder / f"{target.stem}-{stamp}-{reason}.sqlite"
    os.replace(target, dest)
    for extra in ("-wal", "-shm"):
        if Path(f"{target}{extra}").exists():
            os.replace(f"{target}{extra}", f"{dest}{extra}")
    return dest
