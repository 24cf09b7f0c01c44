"""Helpers every command module of the command line shares."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys


def add_file_argument(parser: argparse.ArgumentParser) -> None:
    """The optional journal FILE every command takes (default: the app's own journal)."""
    parser.add_argument(
        "file",
        nargs="?",
        metavar="FILE",
        help="the journal file (default: the app's own journal, see 'journal where')",
    )


def error(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


def reader_went_away() -> int:
    # `journal summary | head -3`: the reader stopped reading on purpose. Point stdout
    # at nothing so Python's own flush at exit does not print a second traceback.
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return 0


def plain_error(e: BaseException) -> str:
    """The last resort: one sentence for a file or database error no command expected."""
    from journal.errors import explain_os_error, is_disk_full

    if is_disk_full(e):
        return (
            "The disk is full, so the command could not finish. Nothing saved before was "
            "changed. Free some space and try again."
        )
    if isinstance(e, OSError):
        target = e.filename if e.filename is not None else "a file"
        return str(explain_os_error(e, target, "use"))
    detail = getattr(e, "orig", None) or e
    return (
        f"The journal file could not be read or written ({detail}). Nothing was changed. "
        "Run 'journal check FILE' to look for damage."
    )
