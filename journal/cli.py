"""The ``journal`` command line: headless use and scripting, beside the window.

Each command group lives in its own module exposing ``register(subparsers)``;
each sub-command sets ``func(args) -> int`` with ``set_defaults``. Modules not
written yet are skipped. Exit codes: 0 ok, 1 a problem the person can fix
(message on stderr, in plain words), 2 wrong usage.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sqlite3
import sys
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError

from journal import __version__

#: The command modules, in the order their commands are listed in --help.
COMMAND_MODULES = (
    "journal.store.cli",  # create, check, backup, backups, restore
    "journal.services.cli",  # import, export, demo
    "journal.summary_cli",  # summary
)


def _load_modules():
    for name in COMMAND_MODULES:
        try:
            yield importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:  # a real missing dependency inside the module: say so
                raise


def add_file_argument(parser: argparse.ArgumentParser) -> None:
    """The optional journal FILE every command takes (default: the app's own journal)."""
    parser.add_argument(
        "file",
        nargs="?",
        metavar="FILE",
        help="the journal file (default: the app's own journal, see 'journal where')",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="journal",
        description="Treatment Journal on the command line. Without a command, "
        "'python -m journal' opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"Treatment Journal {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    where = sub.add_parser("where", help="show where the journal and its backups are kept")
    where.set_defaults(func=_where)
    for module in _load_modules():
        module.register(sub)
    return parser


def command_names() -> set[str]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def _where(args) -> int:
    from journal.paths import backups_dir, default_journal_path

    path = default_journal_path()
    print(f"Journal: {path}" + ("" if path.exists() else " (not created yet)"))
    print(f"Backups: {backups_dir(path)}")
    return 0


def error(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    from journal.store.errors import JournalError

    if argv is None:  # the `journal` script, not a test calling main([...])
        from journal.__main__ import protect_new_files

        protect_new_files()
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on wrong usage
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        code = int(args.func(args) or 0)
        if sys.stdout is not None:
            sys.stdout.flush()  # a closed pipe or a full disk shows here, not at exit
        return code
    except BrokenPipeError:
        return _reader_went_away()
    except JournalError as e:
        return error(str(e))
    except KeyboardInterrupt:
        return error("Stopped.")
    except (OSError, sqlite3.Error, SQLAlchemyError) as e:
        return error(plain_error(e))


def _reader_went_away() -> int:
    # `journal summary | head -3`: the reader stopped reading on purpose. Point stdout
    # at nothing so Python's own flush at exit does not print a second traceback.
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return 0


def plain_error(e: BaseException) -> str:
    """The last resort: one sentence for a file or database error no command expected."""
    from journal.store.errors import explain_os_error, is_disk_full

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


if __name__ == "__main__":
    sys.exit(main())
