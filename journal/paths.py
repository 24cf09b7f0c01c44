"""Where a journal lives on this machine (platformdirs), and where its backups go.

``TREATMENT_JOURNAL_HOME`` overrides the data folder; the test suite sets it so
no test ever reads or writes a real person's journal.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

from journal import APP_ID

HOME_ENV = "TREATMENT_JOURNAL_HOME"
DEFAULT_JOURNAL_NAME = "journal.sqlite"
BACKUPS_DIR_NAME = "backups"


def protect_new_files() -> None:
    """Everything the app writes (journals, exports, PDFs) is readable by the user only."""
    if os.name == "posix":
        os.umask(0o077)


def data_dir() -> Path:
    """The folder holding the default journal (created on first use, user-only)."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    return user_data_path(APP_ID, appauthor=False)


def default_journal_path() -> Path:
    return data_dir() / DEFAULT_JOURNAL_NAME


def backups_dir(journal_path: Path | str) -> Path:
    """Backups of ``journal_path``: ``<its folder>/backups/<its name without suffix>/``.

    One sub-folder per journal so two journals in one folder never thin each
    other's backups.
    """
    p = Path(journal_path).expanduser().resolve()
    return p.parent / BACKUPS_DIR_NAME / p.stem


def lock_path(journal_path: Path | str) -> Path:
    p = Path(journal_path)
    return p.with_name(p.name + ".lock")


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable by the user only; tighten it if it exists."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for p in reversed(missing):  # parents too: mkdir(parents=True) ignores mode for them
        p.mkdir(mode=0o700, exist_ok=True)
    if os.name == "posix" and (path.stat().st_mode & 0o077):
        os.chmod(path, 0o700)
    return path
