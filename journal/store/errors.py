"""The store's error classes live in :mod:`journal.errors` (a low, neutral module, so
reports and file helpers can name them without importing the store); this name stays
for code written against it."""

from journal.errors import (  # noqa: F401 - re-exported
    DB_ERRORS,
    BackupError,
    DamagedJournalError,
    DiskFullError,
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
