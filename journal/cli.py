"""The ``journal`` command line: headless use and scripting, beside the window.

Each command group lives in its own module exposing ``register(subparsers)``;
each sub-command sets ``func(args) -> int`` with ``set_defaults``. Modules not
written yet are skipped. Exit codes: 0 ok, 1 a problem the person can fix
(message on stderr, in plain words), 2 wrong usage.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

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
        return int(args.func(args) or 0)
    except JournalError as e:
        return error(str(e))
    except KeyboardInterrupt:
        return error("Stopped.")


if __name__ == "__main__":
    sys.exit(main())
