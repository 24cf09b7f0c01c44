"""A log for when things go wrong, that never holds anything about a person's health.

One rotating file per user (``platformdirs``' log folder, or ``logs/`` inside
``TREATMENT_JOURNAL_HOME`` when that is set, as in the tests). What a record may
carry is limited by construction, not by discipline:

- the message *template* only (``"backup on close failed: %s"``); the values that
  were passed in are written as their type names, since a value may be a drug name,
  a note or a date of birth;
- for an error, the exception's *type* and the code locations of its traceback
  (file, line, function), never the exception's message, which may quote a record.

So a developer still sees where and what kind of failure happened, and a person can
attach the file to a bug report without reading it first.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import traceback
from pathlib import Path

from journal import APP_ID, __version__
from journal.paths import HOME_ENV

LOG_FILE_NAME = "treatment-journal.log"
MAX_BYTES = 512 * 1024
BACKUP_COUNT = 3
_HANDLER_NAME = "treatment-journal-file"


def log_dir() -> Path:
    """The folder the log file lives in (it need not exist yet)."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser() / "logs"
    from platformdirs import user_log_path

    return user_log_path(APP_ID, appauthor=False)


def log_file() -> Path:
    return log_dir() / LOG_FILE_NAME


def _where(tb) -> str:
    frames = traceback.extract_tb(tb)
    return " <- ".join(
        f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in reversed(frames[-8:])
    )


class HealthFreeFormatter(logging.Formatter):
    """Writes the template, the argument types and the error's type and location only."""

    def format(self, record: logging.LogRecord) -> str:
        template = str(record.msg)
        args = record.args
        if isinstance(args, dict):
            kinds: tuple | dict = {k: f"<{type(v).__name__}>" for k, v in args.items()}
        else:
            kinds = tuple(f"<{type(a).__name__}>" for a in (args or ()))
        try:
            text = template % kinds if kinds else template
        except (TypeError, ValueError, KeyError):
            text = template
        when = self.formatTime(record, "%Y-%m-%d %H:%M:%S")
        line = f"{when} {record.levelname} {record.name}: {text}"
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, _exc, tb = record.exc_info
            line += f" | {exc_type.__name__} at {_where(tb)}"
        return line


def setup_logging(role: str = "app") -> Path | None:
    """Send the app's log records to the rotating file; returns its path, or None when
    the folder cannot be made (a read-only home must not stop the app)."""
    root = logging.getLogger()
    for h in root.handlers:
        if h.get_name() == _HANDLER_NAME:
            return Path(h.baseFilename)  # type: ignore[attr-defined]
    folder = log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if os.name == "posix":
            folder.chmod(0o700)
        handler = logging.handlers.RotatingFileHandler(
            folder / LOG_FILE_NAME, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
        )
    except OSError:
        return None
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(HealthFreeFormatter())
    handler.setLevel(logging.INFO)
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    # Built into the template on purpose: none of it is about the person.
    logging.getLogger("journal").info(
        f"start: {role} {__version__} on Python {sys.version.split()[0]}"
    )
    return folder / LOG_FILE_NAME


def log_unexpected(exc_type, exc, tb) -> None:
    """Record an error nobody caught (type and location only, see the module's text)."""
    logging.getLogger("journal").error("unexpected error", exc_info=(exc_type, exc, tb))
