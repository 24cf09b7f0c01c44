"""Why a journal could not be opened, in plain words that say what to do next.

Every message names the file. None of them contains anything from the record.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path
from typing import Any

from sqlcipher3 import dbapi2 as _sqlcipher


class JournalError(Exception):
    """Base of every store error; ``str(err)`` is the message to show the person."""

    def __init__(self, message: str, path: Path | str | None = None):
        super().__init__(message)
        self.path = Path(path) if path is not None else None


class JournalNotFoundError(JournalError):
    pass


class JournalExistsError(JournalError):
    pass


class NotAJournalError(JournalError):
    pass


class NewerVersionError(JournalError):
    def __init__(self, message: str, path: Path | str, revision: str | None):
        super().__init__(message, path)
        self.revision = revision


class DamagedJournalError(JournalError):
    """The file failed its check. It was not written to. ``backups``: good ones, newest first."""

    def __init__(
        self,
        message: str,
        path: Path | str,
        problems: list[str],
        backups: list[Any],  # journal.store.backup.BackupInfo, newest first
    ):
        super().__init__(message, path)
        self.problems = problems
        self.backups = backups


class JournalLockedError(JournalError):
    def __init__(self, message: str, path: Path | str, holder_pid: int | None = None):
        super().__init__(message, path)
        self.holder_pid = holder_pid


class BackupError(JournalError):
    pass


class UpgradeError(JournalError):
    """The file's format could not be brought up to date; it was left as it was."""


class DiskFullError(JournalError, OSError):
    """The disk (or the person's quota) ran out while writing. Whatever was being
    written was abandoned; what was saved before is unchanged. Also an OSError, so
    callers that guard file writes with ``except OSError`` still catch it."""


class FileAccessError(JournalError, OSError):
    """A file or folder could not be read or written (permissions, a folder where a
    file was expected, a read-only disk)."""


#: Every error either SQLite library can raise: the standard one (plain journals) and
#: SQLCipher's (encrypted journals, journal/store/crypto.py); they share no base class.
DB_ERRORS: tuple[type[sqlite3.Error], type[Exception]] = (sqlite3.Error, _sqlcipher.Error)

_DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
_SQLITE_FULL = 13  # SQLITE_FULL: "database or disk is full" (also PRAGMA max_page_count)


def _causes(exc: BaseException | None):
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        orig = getattr(exc, "orig", None)  # SQLAlchemy wraps the driver's error
        if isinstance(orig, BaseException):
            yield orig
        exc = exc.__cause__ or exc.__context__


def is_disk_full(exc: BaseException) -> bool:
    """True when ``exc`` (or what it wraps) says the disk or the database is full."""
    for e in _causes(exc):
        if isinstance(e, DiskFullError):
            return True
        if isinstance(e, OSError) and e.errno in _DISK_FULL_ERRNOS:
            return True
        if isinstance(e, DB_ERRORS) and (
            getattr(e, "sqlite_errorcode", None) == _SQLITE_FULL
            or "database or disk is full" in str(e)
        ):
            return True
    return False


def disk_full(what: str, kept: str, path: Path | str | None = None) -> DiskFullError:
    """The one message for a full disk: what failed, what is safe, what to do."""
    return DiskFullError(
        f"The disk is full, so {what} could not be finished. {kept} "
        "Free some space (empty the wastebasket, or move large files elsewhere) and try again.",
        path,
    )


def explain_os_error(exc: OSError, path: Path | str, doing: str) -> JournalError:
    """One plain sentence for an OSError met while ``doing`` (e.g. "read", "write to")
    ``path``; the disk-full case is left to :func:`disk_full` by the callers that know
    what was kept."""
    p = Path(path)
    code = exc.errno
    if code in _DISK_FULL_ERRNOS:
        return disk_full(f"writing {p}", "Nothing saved before was changed.", p)
    writing = doing.startswith(("write", "create", "save"))
    elsewhere = "Choose a folder you can save into." if writing else "Check the name."
    if code in (errno.EACCES, errno.EPERM):
        return FileAccessError(
            f"You do not have permission to {doing} {p}. "
            + (elsewhere if writing else "Check the file's permissions (it must be yours)."),
            p,
        )
    if code == errno.EISDIR or (code is None and p.is_dir()):
        return FileAccessError(f"{p} is a folder, not a file. Give the name of a file.", p)
    if code == errno.ENOENT:
        if not writing:
            where = f"{p} was not found"
        elif p.parent.is_dir():  # e.g. a system folder such as /proc that takes no new files
            where = f"{p.name} cannot be made in the folder {p.parent}"
        else:
            where = f"The folder {p.parent} does not exist"
        return FileAccessError(f"{where}. {elsewhere}", p)
    if code == errno.EROFS:
        return FileAccessError(f"{p} is on a disk that cannot be written to. {elsewhere}", p)
    reason = exc.strerror or type(exc).__name__
    return FileAccessError(f"Could not {doing} {p} ({reason}). {elsewhere}", p)
