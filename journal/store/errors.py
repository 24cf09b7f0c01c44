"""Why a journal could not be opened, in plain words that say what to do next.

Every message names the file. None of them contains anything from the record.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from journal.store.backup import BackupInfo


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
        backups: list[BackupInfo],
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
