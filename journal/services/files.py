"""File operations, the same for the window and the command line.

Making a journal file is all or nothing: it is built under a temporary name beside
its destination and moved into place only when complete, so a failure (a full disk,
a bad import file, a killed process) never leaves a half-made journal that blocks the
next attempt or that someone opens by mistake.
"""

from __future__ import annotations

import contextlib
import enum
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

Progress = Callable[[int, int, str], None]

#: How many bytes are read to tell what kind of file was dropped or chosen.
_SNIFF_BYTES = 64 * 1024


class FileKind(enum.Enum):
    JOURNAL = "journal"  # an SQLite journal file
    EXCHANGE = "exchange"  # the journal's own JSON exchange format
    TRIAL_RECORD = "trial record"  # a registry record (ClinicalTrials.gov JSON or XML)
    UNKNOWN = "unknown"


def sniff_file(path: str | Path) -> FileKind:
    """What a file is, from its first bytes only (a 200 MB file is not read whole)."""
    try:
        with open(path, "rb") as f:
            head = f.read(_SNIFF_BYTES)
    except OSError:
        return FileKind.UNKNOWN
    if head.startswith(b"SQLite format 3\x00"):
        return FileKind.JOURNAL
    if head.startswith(b"PK\x03\x04"):
        return FileKind.TRIAL_RECORD  # the registry's bulk download (the reader checks)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<") and b"clinical_study" in head:
        return FileKind.TRIAL_RECORD
    if not text.startswith((b"{", b"[")):
        return FileKind.UNKNOWN
    if b'"protocolSection"' in head or b'"studies"' in head:
        return FileKind.TRIAL_RECORD
    from journal.store.exchange import FORMAT

    if f'"{FORMAT}"'.encode() in head:
        return FileKind.EXCHANGE
    return FileKind.UNKNOWN


def remove_journal_files(path: Path) -> None:
    """A journal and its SQLite side files, gone (a failed build leaves nothing)."""
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _has_content(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False


def _building_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.building-{os.getpid()}")


def _pid_alive(pid: int) -> bool:
    if os.name != "posix":  # os.kill(pid, 0) would end the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, but belongs to someone else
        return True
    return True


def _remove_stale_builds(target: Path) -> None:
    """What a killed build left beside ``target`` (its temporary journal, the lock and
    SQLite side files of it): only files of processes that no longer run."""
    prefixes = (f".{target.name}.building-", f"..{target.name}.building-")
    for p in target.parent.iterdir():
        if not p.name.startswith(prefixes):
            continue
        pid = p.name.split(".building-", 1)[1].split(".")[0].split("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            with contextlib.suppress(OSError):
                p.unlink()


def _build_then_move(target: Path, fill: Callable[[Any], Any]) -> Any:
    """Create a journal under a temporary name, ``fill(store)``, then move it to
    ``target``. On any failure the temporary file goes and ``target`` is untouched."""
    from journal.errors import FileAccessError, JournalExistsError
    from journal.store.db import create_journal

    target = Path(target)
    if target.is_dir():
        raise FileAccessError(
            f"{target} is a folder. Give a name for the new journal file inside it "
            f"(for example {target / 'journal.sqlite'}).",
            target,
        )
    if _has_content(target):
        raise JournalExistsError(
            f"There is already a file at {target}; open it, or choose another name.", target
        )
    tmp = _building_name(target)
    remove_journal_files(tmp)
    _remove_stale_builds(target)
    # No automatic backups while it is being filled: a failed build must leave no backup
    # folder named after the temporary file. Not synced when made: it is synced once,
    # whole, before it gets its real name (below).
    store = create_journal(tmp, auto_backup=False, sync=False)
    try:
        result = fill(store)
    except BaseException:
        store.close()
        remove_journal_files(tmp)
        raise
    store.close()
    try:
        from journal.store.backup import _fsync_path

        # On disk before it gets its real name, whatever the fill did not sync itself.
        _fsync_path(tmp)
        if _has_content(target):
            # Never replace a journal that appeared meanwhile: the person's data wins.
            raise JournalExistsError(
                f"There is already a file at {target}; open it, or choose another name.",
                target,
            )
        tmp.replace(target)
        from journal.store import integrity

        integrity.forget_acknowledged(target)  # a count left by an older journal of this name
    except BaseException:
        remove_journal_files(tmp)
        raise
    # The new name itself on disk. The file under it is complete and synced: if this
    # fails, the journal is there all the same, and saying the import failed would
    # be wrong.
    with contextlib.suppress(OSError):
        _fsync_path(target.parent, directory=True)
    return result


def build_demo_file(target: str | Path) -> dict[str, int]:
    """The fictional demo journal at ``target``; returns its record counts."""
    from journal.demo import build_demo

    return _build_then_move(Path(target), build_demo)


def import_into_new_journal(
    data: dict, target: str | Path, progress: Progress | None = None, cancelled=None
) -> Path:
    """An exchange document (already read and checked by ``exchange.read_file``) as a
    new journal at ``target``. All or nothing; ``cancelled()`` may stop it."""
    from journal.services.actions import import_exchange

    def fill(store) -> None:
        import_exchange(store, data, progress=progress, new_file=True)
        if cancelled is not None and cancelled():
            raise InterruptedError("cancelled")

    _build_then_move(Path(target), fill)
    return Path(target)


def read_exchange_file(path: str | Path) -> dict:
    """Read and check an exchange file before any journal is made (plain errors)."""
    from journal.store.exchange import read_file

    return read_file(path)
