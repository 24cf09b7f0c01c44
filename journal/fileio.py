"""Writing a file the app makes (export, PDF, CSV) so that it is never half there.

A low, neutral module: the store, the reports and the command line all write files
this way, and none of them needs to import another to do it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from journal.errors import JournalError, disk_full, explain_os_error, is_disk_full


def write_atomic(path: Path | str, data: str | bytes) -> Path:
    """Write via a temporary file in the same folder, fsync, then rename into place.

    On any failure the file already at ``path`` is left as it was and the temporary
    file is removed; the error is a :class:`DiskFullError` or :class:`FileAccessError`
    (both also ``OSError``) whose text is one plain sentence.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if _is_special(path):
        # A device or pipe (-o /dev/stdout): renaming over it would replace the device
        # node itself, so write straight into it; there is no old content to keep.
        try:
            with open(path, "wb") as f:
                f.write(payload)
        except OSError as e:
            raise _write_failed(e, path) from e
        return path
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            view = memoryview(payload)
            while view:  # os.write may write less than asked
                view = view[os.write(fd, view[: 1 << 20]) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, 0o600)  # patient data: readable by the user only
        os.replace(tmp, path)
        tmp = None
        if os.name == "posix":  # make the rename itself survive a power cut
            dfd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
    except BaseException as e:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        if isinstance(e, OSError) and not isinstance(e, JournalError):
            raise _write_failed(e, path) from e
        raise
    return path


def _is_special(path: Path) -> bool:
    try:
        mode = path.stat().st_mode  # follows symlinks: /dev/stdout -> /proc/self/fd/1
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _write_failed(e: OSError, path: Path) -> JournalError:
    if is_disk_full(e):
        return disk_full(
            f"writing {path}",
            "A file that was already there is unchanged, and no unfinished file was left.",
            path,
        )
    return explain_os_error(e, path, "write")
