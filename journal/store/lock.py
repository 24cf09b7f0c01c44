"""One writer per journal: an OS lock on ``<journal>.lock``, held while the journal is open.

The operating system drops the lock when the holding process ends, however it
ends (crash, SIGKILL, power cut), so a stale lock file never blocks anybody; its
contents (the holder's process id) are only used in the message.
"""

from __future__ import annotations

import contextlib
import os
import sys
import weakref
from pathlib import Path

from journal.errors import JournalLockedError
from journal.paths import lock_path

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        # flock (not fcntl/lockf): it conflicts between two opens in the SAME
        # process too, so a second window in one process is refused as well.
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class JournalLock:
    def __init__(self, journal_path: Path | str):
        self.journal_path = Path(journal_path)
        self.path = lock_path(self.journal_path)
        self._fd: int | None = None
        self._finalizer: weakref.finalize | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> JournalLock:
        if self._fd is not None:
            return self
        for _ in range(5):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            if not _try_lock(fd):
                pid = _read_pid(fd)
                os.close(fd)
                who = f" (process {pid})" if pid else ""
                raise JournalLockedError(
                    f"The journal {self.journal_path} is already open in another Treatment "
                    f"Journal window or command{who}. Close it there first, then try again.",
                    self.journal_path,
                    pid,
                )
            # The previous holder unlinks the file on release; if that happened
            # between our open and our lock we hold a lock on a dead inode: retry.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self._fd = fd
                # A store dropped without close() must not keep the journal locked
                # for the rest of the process.
                self._finalizer = weakref.finalize(self, os.close, fd)
                return self
            _unlock(fd)
            os.close(fd)
        raise JournalLockedError(
            f"Could not take the lock on {self.journal_path}; another program keeps "
            "replacing its lock file. Try again in a moment.",
            self.journal_path,
        )

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        # Unlink while still holding the lock, so nobody can lock the old inode
        # after we let go (acquire() re-checks the inode for the same reason).
        with contextlib.suppress(OSError):  # Windows cannot unlink an open file
            os.unlink(self.path)
        _unlock(fd)
        os.close(fd)

    def __enter__(self) -> JournalLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return int(os.read(fd, 32).decode().strip() or 0) or None
    except (OSError, ValueError):
        return None
