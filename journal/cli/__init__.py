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
from journal.cli.common import error, plain_error, reader_went_away
from journal.domain.cycles import no_cycle_collection

#: The command modules, in the order their commands are listed in --help.
COMMAND_MODULES = (
    "journal.cli.store",  # create, check, backup, backups, restore
    "journal.cli.exchange",  # import, export, demo
    "journal.cli.summary",  # summary
    "journal.cli.trial",  # trial add, list, check, remove
    "journal.cli.interop",  # import-results (CSV and FHIR export: see exchange)
    "journal.cli.desktop",  # install-desktop, uninstall-desktop
    "journal.cli.crypto",  # encrypt, decrypt, rekey
)


def _load_modules():
    for name in COMMAND_MODULES:
        yield importlib.import_module(name)


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
    from journal.cli.crypto import add_to_every_journal_command

    add_to_every_journal_command(sub)
    return parser


def command_names(parser: argparse.ArgumentParser | None = None) -> set[str]:
    """The command words of ``parser`` (default: a new build_parser())."""
    if parser is None:
        with no_cycle_collection():  # imports of every command module: see main
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


def main(
    argv: Sequence[str] | None = None, *, parser: argparse.ArgumentParser | None = None
) -> int:
    """Run one command; ``parser``: a build_parser() made already (``python -m journal``
    makes one to tell a command from a file), else one is made here."""
    # Starting is mostly imports (SQLAlchemy, the commands), hundreds of thousands of
    # objects that live on; the cycle collector walked them again and again, about a
    # tenth of a `journal summary` process. Paused until the command starts (see
    # domain/cycles.py: what was made then goes to the oldest generation).
    with no_cycle_collection():
        from sqlalchemy.exc import SQLAlchemyError

        from journal.errors import DB_ERRORS, JournalError

        if argv is None:  # the `journal` script, not a test calling main([...])
            from journal.paths import protect_new_files

            protect_new_files()
        from journal.logs import setup_logging

        setup_logging("command line")
        if parser is None:
            parser = build_parser()
        args = parser.parse_args(argv)  # exits 2 on wrong usage
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    from journal.cli.crypto import passphrases_from

    try:
        with passphrases_from(args):
            code = int(args.func(args) or 0)
        if sys.stdout is not None:
            sys.stdout.flush()  # a closed pipe or a full disk shows here, not at exit
        return code
    except BrokenPipeError:
        return reader_went_away()
    except JournalError as e:
        return error(str(e))
    except KeyboardInterrupt:
        return error("Stopped.")
    except (OSError, *DB_ERRORS, SQLAlchemyError) as e:
        return error(plain_error(e))
    except Exception as e:  # the last guard: a sentence and the log, never a traceback
        from journal.logs import log_dir, log_unexpected

        log_unexpected(type(e), e, e.__traceback__)
        return error(
            f"Something unexpected went wrong ({type(e).__name__}); nothing saved was lost. "
            f"A note without health details was written to the log in {log_dir()}."
        )


if __name__ == "__main__":
    sys.exit(main())
