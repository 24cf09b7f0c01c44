"""Opening one journal (= one SQLite file) safely.

Public surface: :func:`create_journal`, :func:`open_journal`,
:func:`open_or_create_journal`, :class:`JournalStore` (``.engine``, ``.path``,
``.session()``, ``.close()``, context manager) and the errors re-exported from
:mod:`journal.errors`.

What happens on open, in order (nothing writes to the file before step 3):

1. take the one-writer lock ``<file>.lock`` (:class:`JournalLockedError`);
2. read the header, run ``integrity_check`` and compare the content seal on a
   read-only connection
   (:class:`NotAJournalError`, :class:`DamagedJournalError` with good backups,
   :class:`NewerVersionError`);
3. if the schema is older: a verified backup, then the Alembic steps in one
   transaction;
4. the engine, whose every connection gets WAL, ``synchronous=FULL`` and
   ``foreign_keys=ON``.

Closing writes the content seal, then makes an automatic backup when the data
changed since the last one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import sqlite3
import threading
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import QueuePool

import journal
from journal.errors import (
    DB_ERRORS,
    BackupError,
    DamagedJournalError,
    FileAccessError,
    JournalError,
    JournalExistsError,
    JournalLockedError,
    JournalNotFoundError,
    NewerVersionError,
    NotAJournalError,
    UpgradeError,
    disk_full,
    explain_os_error,
    is_disk_full,
)
from journal.paths import data_dir, default_journal_path, ensure_private_dir
from journal.store import backup as _backup
from journal.store import crypto, integrity, migrate  # not models: see schema_statements
from journal.store.lock import JournalLock
from journal.store.migrate import APPLICATION_ID

__all__ = [
    "APPLICATION_ID",
    "BackupError",
    "DamagedJournalError",
    "JournalClosedError",
    "JournalError",
    "JournalExistsError",
    "JournalLockedError",
    "JournalNotFoundError",
    "JournalStore",
    "NewerVersionError",
    "NotAJournalError",
    "UpgradeError",
    "create_journal",
    "open_journal",
    "open_or_create_journal",
]

if TYPE_CHECKING:
    from sqlmodel import Session

log = logging.getLogger(__name__)

#: How often an open journal looks for unsaved-to-backup changes (backup.maybe_backup
#: then applies its own 30-minute throttle). Runs on a background thread.
AUTO_BACKUP_CHECK_SECONDS = 120.0


def _pragmas(dbapi_conn, _rec) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def _make_private(path: Path) -> None:
    if os.name != "posix":
        return
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(FileNotFoundError):
            if p.stat().st_mode & 0o077:
                os.chmod(p, 0o600)


class JournalClosedError(JournalError):
    """The store was closed: it opens no connection to its file any more."""


class JournalStore:
    """An open journal. ``readonly=True`` takes no lock, never migrates and never writes
    (for a second look while the app has the journal open)."""

    def __init__(
        self,
        path: Path | str,
        *,
        readonly: bool = False,
        auto_backup: bool = True,
        passphrase: str | crypto.Key | None = None,
        _lock: JournalLock | None = None,
        _created: bool = False,
        _unseen: bool = False,
    ):
        self.path = Path(path).expanduser().resolve()
        #: A file nobody sees until its maker syncs and renames it (create_journal's
        #: ``sync=False``): closing it need not wait for the disk.
        self._unseen = _unseen
        self.readonly = readonly
        self.auto_backup = auto_backup and not readonly
        self.closed = False
        self.last_backup_error: Exception | None = None
        self._lock = _lock
        self._monitor: sqlite3.Connection | None = None
        #: The derived key of an encrypted journal (None: a plain file); see store/crypto.py.
        self.key: crypto.Key | None = None
        self._monitor_mutex = threading.Lock()
        self._connect_mutex = threading.Lock()
        self._baseline: int | None = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        #: A sentence when committed changes were lost with the WAL file (see
        #: integrity.lost_changes): the journal opens, and the caller warns.
        self.lost_changes: str | None = None
        self._had_side_files = integrity.side_files_present(self.path)
        try:
            if not readonly and self._lock is None:
                self._lock = JournalLock(self.path).acquire()
            self.key = crypto.key_for(self.path, passphrase)
            if _created:
                # Made a moment ago by create_journal, under the lock still held: an
                # empty schema at the head, with nothing in it to check yet.
                self.revision = migrate.head_revision()
            else:
                # Read-only: quick_check is enough (see verify_journal_file).
                self.revision = _backup.verify_journal_file(self.path, key=self.key, quick=readonly)
            if not readonly and self.revision != migrate.head_revision():
                self.revision = _upgrade(self.path, self.key)
            if not readonly:
                _make_private(self.path)
            self.engine = self._make_engine()
            if not readonly:
                integrity.count_commits(self.engine, self.path, record=self.auto_backup)
                self._monitor = crypto.connect(
                    self.path, self.key, isolation_level=None, check_same_thread=False, timeout=5
                )
                if self._unseen:
                    # Its bookkeeping, its seal, and the checkpoint when this, the last
                    # connection, closes: the maker syncs the whole file once, after.
                    self._monitor.execute("PRAGMA synchronous=OFF")
                lost = integrity.lost_changes(self._monitor, self.path)
                if lost:
                    log.warning("journal older than its last acknowledged change count")
                    self.lost_changes = integrity.lost_changes_warning(self.path, lost)
                self._note_version_opened()
                self._baseline = self.data_version()
            if self.auto_backup:
                # The thread holds only a weak reference, so a store dropped without
                # close() can still be collected (and its lock released).
                self._ticker = threading.Thread(
                    target=_backup_loop,
                    args=(weakref.ref(self), self._stop),
                    name="journal-auto-backup",
                    daemon=True,
                )
                self._ticker.start()
                weakref.finalize(self, self._stop.set)
        except BaseException as e:
            self._release()
            if is_disk_full(e) and not isinstance(e, JournalError):
                # Opening writes a line of bookkeeping (which version opened it last).
                raise disk_full(
                    f"opening the journal {self.path}", "The journal was not changed.", self.path
                ) from e
            if isinstance(e, sqlite3.Error | SQLAlchemyError):
                raise integrity.open_failed(e, self.path) from e
            raise

    def _connect(self):
        # A disposed engine quietly makes a new pool, so without this a task left over
        # from a closed journal (a view's late reload) would open the file again, even
        # while it is being encrypted, decrypted or re-keyed, or after another store
        # reopened it: with the other key, through the other SQLite library, whose
        # locks this one does not see. That library then takes itself for the only
        # user of the "-shm" file, truncates it under this one's memory map, and the
        # process dies (SIGBUS). Checked under the mutex close() sets ``closed`` with.
        with self._connect_mutex:
            if self.closed:
                raise JournalClosedError(
                    f"The journal {self.path} was closed; open it again to read it.", self.path
                )
            if self.readonly:
                uri = self.path.as_uri() + "?mode=ro"
                return crypto.connect(uri, self.key, uri=True, check_same_thread=False)
            return crypto.connect(self.path, self.key, check_same_thread=False, timeout=5)

    def _make_engine(self):
        if self.readonly:
            return create_engine(
                "sqlite://",
                module=crypto.engine_module(self.key),
                creator=self._connect,
                poolclass=QueuePool,
            )
        engine = create_engine(
            "sqlite://",
            module=crypto.engine_module(self.key),
            creator=self._connect,
            poolclass=QueuePool,
        )
        event.listen(engine, "connect", _pragmas)
        return engine

    def _note_version_opened(self) -> None:
        # Written through the monitor connection on purpose: PRAGMA data_version
        # only counts commits by OTHER connections, so this does not count as a
        # change of the person's data.
        m = self._monitor
        assert m is not None
        # The seal is cleared while the journal is open: after a crash there is
        # no seal to check, only SQLite's own checks.
        row = m.execute(
            "SELECT last_opened_with, content_seal FROM journal_meta WHERE id=1"
        ).fetchone()
        if row is None:
            m.execute(
                "INSERT INTO journal_meta (id, created_at, created_with, last_opened_with) "
                "VALUES (1, ?, ?, ?)",
                (_now(), journal.__version__, journal.__version__),
            )
        elif row != (journal.__version__, None):
            m.execute(
                "UPDATE journal_meta SET last_opened_with=?, content_seal=NULL WHERE id=1",
                (journal.__version__,),
            )

    # -- the public surface ------------------------------------------------------

    def session(self) -> Session:
        # Imported here: SQLModel brings pydantic and the ORM (a third of a second at
        # start), which opening a journal and reading it for the rules never need.
        from sqlmodel import Session

        return Session(self.engine, expire_on_commit=False)

    @property
    def backups_dir(self) -> Path:
        from journal.paths import backups_dir

        return backups_dir(self.path)

    def data_version(self) -> int | None:
        """Changes whenever another connection commits (PRAGMA data_version)."""
        if self._monitor is None:
            return None
        with self._monitor_mutex:
            return self._monitor.execute("PRAGMA data_version").fetchone()[0]

    def changed_since_backup(self) -> bool:
        if self._monitor is None:
            return False
        return self.data_version() != self._baseline

    def mark_backed_up(self, version: int | None) -> None:
        self._baseline = version

    def close(self) -> None:
        if self.closed:
            return
        with self._connect_mutex:
            self.closed = True
        self._stop.set()
        if self._ticker is not None and self._ticker is not threading.current_thread():
            self._ticker.join()
        try:
            changed = self.auto_backup and self.changed_since_backup()
            self.engine.dispose()
            self._seal()
            if changed:  # after sealing, so a restored backup can be checked too
                _backup.backup_now(self, "on-close")
        except (OSError, *DB_ERRORS, JournalError) as e:
            # Closing must still release the journal; the caller can show this.
            self.last_backup_error = e
            log.warning("backup on close failed: %s", type(e).__name__)
        finally:
            self._release()

    def _seal(self) -> None:
        m = self._monitor
        if m is None:
            return
        with self._monitor_mutex:
            m.execute("BEGIN IMMEDIATE")  # nobody may write between hashing and storing
            try:
                seal = _backup.sealed(m)
                m.execute("UPDATE journal_meta SET content_seal=? WHERE id=1", (seal,))
                m.execute("COMMIT")
            except BaseException:
                m.execute("ROLLBACK")
                raise

    def _release(self) -> None:
        engine = getattr(self, "engine", None)
        if engine is not None:
            engine.dispose()
        if self._monitor is not None:
            with self._monitor_mutex:
                self._monitor.close()
            self._monitor = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        elif self.readonly:  # a read-only look leaves nothing behind (see integrity)
            integrity.tidy_side_files(self.path, self._had_side_files)

    def __enter__(self) -> JournalStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("read-only" if self.readonly else "open")
        return f"<JournalStore {self.path} {state}>"


def _upgrade(path: Path, key: crypto.Key | None = None) -> str:
    """Verified backup first, then every step in one transaction; plain errors."""
    try:
        saved = _backup.backup_file(path, "before-upgrade", key=key)
    except (OSError, *DB_ERRORS, BackupError) as e:
        why = "the disk is full" if is_disk_full(e) else f"{e.__class__.__name__}: {e}"
        raise BackupError(
            f"The journal {path} needs a format update, and the safety copy made before "
            f"it could not be written ({why}). Nothing was changed. "
            "Free some disk space (or check the folder's permissions) and open it again.",
            path,
        ) from e
    try:
        return migrate.upgrade(path, key=key)
    except Exception as e:
        raise UpgradeError(
            f"The journal {path} could not be updated to this version's format, so it was "
            f"left exactly as it was (a copy is also in {saved}). Please report this "
            f"problem: {e.__class__.__name__}.",
            path,
        ) from e


def _backup_loop(ref: weakref.ref, stop: threading.Event) -> None:
    # Off the UI thread: a backup reads through its own connection (WAL lets the
    # app keep writing meanwhile).
    while not stop.wait(AUTO_BACKUP_CHECK_SECONDS):
        store = ref()
        if store is None or store.closed:
            return
        try:
            _backup.maybe_backup(store)
        except Exception as e:  # a failed backup must never take the app down
            store.last_backup_error = e
            log.warning("automatic backup failed: %s", type(e).__name__)
        del store


@functools.cache
def schema_statements() -> tuple[str, ...]:
    """The statements ``SQLModel.metadata.create_all`` runs on a new file, in its order,
    compiled once per process (compiling them is most of making a journal)."""
    from sqlalchemy import create_mock_engine
    from sqlmodel import SQLModel

    # Imported here, not by this module: their SQLModel classes take about 0.15 s to
    # build, and opening a journal needs only the names of their tables (columns.py).
    # Whatever reads or writes records imports the models it uses.
    from journal.store import meta, models  # noqa: F401 - every table registered

    out: list[str] = []

    def collect(ddl, *_args, **_kw) -> None:
        out.append(str(ddl.compile(dialect=mock.dialect)).strip())

    mock = create_mock_engine("sqlite://", collect)
    SQLModel.metadata.create_all(mock, checkfirst=False)
    return tuple(out)


def _make_schema(conn) -> None:
    """The schema of a new journal, at the newest revision, on an open transaction."""
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
    for statement in schema_statements():
        conn.execute(statement)
    migrate.stamp_head(conn)


@functools.cache
def _empty_image() -> bytes | None:
    """An empty journal's file image (the schema, application_id and user_version, no
    rows), made once per process in memory; None where this SQLite cannot serialize."""
    if not hasattr(sqlite3.Connection, "serialize"):
        return None
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.execute("BEGIN")
        _make_schema(conn)
        conn.execute("COMMIT")
        return conn.serialize()
    finally:
        conn.close()


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _resolve(path: Path | str | None) -> Path:
    if path is None:
        ensure_private_dir(data_dir())
        return default_journal_path().resolve()
    return Path(path).expanduser().resolve()


def create_journal(
    path: Path | str | None = None,
    *,
    auto_backup: bool = True,
    passphrase: str | None = None,
    sync: bool = True,
) -> JournalStore:
    """Make a new, empty journal (default location when ``path`` is None) and open it.
    With a ``passphrase`` the file is encrypted from its first byte (store/crypto.py).

    The file is built under a temporary name and renamed into place, so a crash
    never leaves a half-made journal under the real name. ``sync=False`` leaves out
    the two syncs of that rename, and those of its bookkeeping and seal, for a journal that
    is itself a temporary file the caller fills, closes, syncs and renames before
    anyone can see it (services.files): a crash then leaves only a temporary file,
    which the next attempt removes.
    """
    path = _resolve(path)
    if path.is_dir():
        raise FileAccessError(
            f"{path} is a folder. Give a name for the new journal file inside it "
            f"(for example {path / 'journal.sqlite'}).",
            path,
        )
    if path.exists() and path.stat().st_size > 0:
        raise JournalExistsError(
            f"There is already a file at {path}; open it, or choose another name.", path
        )
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock = JournalLock(path).acquire()
    except OSError as e:
        raise _create_failed(e, path) from e
    tmp = path.with_name(f".{path.name}.creating")
    key = crypto.new_key(passphrase) if passphrase else None
    try:
        for p in (tmp, Path(f"{tmp}-journal")):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(p)
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        conn = crypto.connect(tmp, key, isolation_level=None)
        try:
            # Nobody sees this file before it is complete, synced and renamed (a crash
            # leaves a temporary file that the next attempt removes), so it is written
            # without syncs and without a rollback journal on disk.
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("PRAGMA journal_mode=MEMORY")
            image = _empty_image() if key is None else None
            if image is not None:
                # The empty schema, made once per process, copied page by page: about
                # 3 ms less than running its statements again for every new journal.
                src = sqlite3.connect(":memory:")
                try:
                    src.deserialize(image)
                    src.backup(conn)
                finally:
                    src.close()
                conn.execute("BEGIN")
            else:
                # A brand-new file: no table to look for first, and the whole schema in
                # one transaction with its bookkeeping instead of a commit per statement.
                conn.execute("BEGIN")
                _make_schema(conn)
            conn.execute(
                "INSERT INTO journal_meta (id, created_at, created_with, last_opened_with) "
                "VALUES (1, ?, ?, ?)",
                (_now(), journal.__version__, journal.__version__),
            )
            conn.execute("COMMIT")
            conn.execute("PRAGMA journal_mode=WAL")  # persistent: stored in the header
        finally:
            conn.close()
        if sync:
            _backup._fsync_path(tmp)
        os.replace(tmp, path)
        if sync:
            _backup._fsync_path(path.parent, directory=True)
        integrity.forget_acknowledged(path)  # a count left by an older journal of this name
        return JournalStore(
            path,
            auto_backup=auto_backup,
            passphrase=key,
            _lock=lock,
            _created=True,
            _unseen=not sync,
        )
    except BaseException as e:
        lock.release()
        if isinstance(e, JournalError) or not isinstance(e, (OSError, *DB_ERRORS, SQLAlchemyError)):
            raise
        for p in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            with contextlib.suppress(OSError):
                os.unlink(p)
        raise _create_failed(e, path) from e


def _create_failed(e: BaseException, path: Path) -> JournalError:
    if is_disk_full(e):
        return disk_full(f"creating the journal {path}", "No journal file was made.", path)
    if isinstance(e, OSError):
        return explain_os_error(e, path, "create")
    return JournalError(f"The journal {path} could not be created ({e}). No file was made.", path)


def open_journal(
    path: Path | str | None = None,
    *,
    readonly: bool = False,
    auto_backup: bool = True,
    passphrase: str | crypto.Key | None = None,
) -> JournalStore:
    """Open an existing journal (default location when ``path`` is None). An encrypted
    one needs its ``passphrase`` (PassphraseNeededError / WrongPassphraseError otherwise)."""
    return JournalStore(
        _resolve(path), readonly=readonly, auto_backup=auto_backup, passphrase=passphrase
    )


def open_or_create_journal(path: Path | str | None = None, **kw) -> JournalStore:
    """What the app does on start: open the journal, or create it if there is none yet."""
    path = _resolve(path)
    if not path.exists():
        try:
            return create_journal(path, **kw)
        except JournalExistsError:  # another process made it just now
            pass
    return open_journal(path, **kw)
