"""Command-line subcommands for the exchange format and the demo journal.

``journal/cli/__init__.py`` calls :func:`register` with its ``subparsers``; each command
sets ``func`` (``func(args) -> int`` exit code: 0 done, 1 refused/failed with a
plain message on stderr). :func:`main` runs these commands on their own
(``python -m journal.cli.exchange export ...``).

    journal export [--format json|csv|fhir] [-o OUT] [FILE]
                                     whole journal as JSON, CSV (zip) or FHIR R4
    journal import IN [FILE]         JSON export into a new or empty journal
    journal demo [FILE]              a new journal with the fictional demo history
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from journal.errors import JournalError

DEMO_FILE_NAME = "demo-journal.sqlite"


def _journal_arg(p: argparse.ArgumentParser, help_text: str) -> None:
    p.add_argument(
        "file",
        nargs="?",
        default=None,
        metavar="FILE",
        help=help_text + " (default: your journal in the app's data folder)",
    )


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "export",
        help="write the whole journal as JSON, CSV (zip) or FHIR R4",
        description="Write every record of the journal to one file: the open JSON "
        "exchange format (default), a zip of CSV files for spreadsheets, or a FHIR R4 "
        "Bundle for health-record systems (see docs/exchange-format.md).",
    )
    p.add_argument(
        "--format",
        choices=("json", "csv", "fhir"),
        default="json",
        help="json: the journal's own format (can be imported again); csv: one CSV per "
        "record kind, zipped, with a README; fhir: one FHIR R4 Bundle",
    )
    p.add_argument(
        "--ips",
        action="store_true",
        help="with --format fhir: an International Patient Summary-shaped document instead",
    )
    p.add_argument(
        "--no-bom",
        action="store_true",
        help="with --format csv: UTF-8 without the byte-order mark Excel needs",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="file to write (written safely via a temporary file); "
        "without it the JSON goes to standard output",
    )
    _journal_arg(p, "journal to export")
    p.set_defaults(func=cmd_export)

    p = subparsers.add_parser(
        "import",
        help="load a JSON exchange file into a new or empty journal",
        description="Load a JSON export into a journal. The journal must be new or "
        "empty; on any problem nothing is written and every problem is listed.",
    )
    p.add_argument("input", metavar="IN", help="the JSON exchange file")
    _journal_arg(p, "journal to create or fill")
    p.set_defaults(func=cmd_import)

    p = subparsers.add_parser(
        "demo",
        help="create a journal holding a fictional demo history",
        description="Create a new journal file with a made-up person's ten-year myeloma "
        "history, to try the app. It is not anyone's real record.",
    )
    p.add_argument(
        "file",
        nargs="?",
        default=None,
        metavar="FILE",
        help=f"new journal file (default: {DEMO_FILE_NAME} in the app's data folder)",
    )
    p.set_defaults(func=cmd_demo)


def _err(msg: str) -> int:
    print(msg, file=sys.stderr)
    return 1


def cmd_export(args) -> int:
    from journal.fileio import write_atomic
    from journal.store.db import open_journal
    from journal.store.exchange import dumps, export_journal

    fmt = getattr(args, "format", "json")
    if fmt == "csv" and args.output in (None, "-"):
        return _err("A CSV export is a zip of several files: name it with -o, e.g. -o labs.zip")
    try:
        # Read-only: works while the app has the journal open, and cannot harm it.
        with open_journal(args.file, readonly=True) as store:
            if fmt == "json":
                text = dumps(export_journal(store))
            else:
                from journal.cli.interop import export_other

                text = export_other(store, fmt, args)
    except JournalError as e:
        return _err(str(e))
    if args.output in (None, "-"):
        sys.stdout.write(text)
        return 0
    try:
        out = write_atomic(Path(args.output), text)
    except OSError as e:  # DiskFullError / FileAccessError: already one plain sentence
        return _err(str(e))
    print(f"Exported to {out}", file=sys.stderr)
    return 0


def cmd_import(args) -> int:
    from journal.paths import default_journal_path
    from journal.services.actions import import_exchange
    from journal.services.files import import_into_new_journal, read_exchange_file
    from journal.store.db import open_journal
    from journal.store.exchange import ExchangeError, JournalNotEmptyError

    try:
        data = read_exchange_file(args.input)
    except ExchangeError as e:
        return _err(f"Cannot import {args.input}:\n{e}")
    target = Path(args.file) if args.file else default_journal_path()
    try:
        if not target.exists() or target.stat().st_size == 0:
            # Built beside the target and moved into place only when complete.
            import_into_new_journal(data, target)
        else:
            store = open_journal(target)  # an existing, empty journal
            ok = False
            try:
                import_exchange(store, data)
                ok = True
            finally:
                store.auto_backup = store.auto_backup and ok
                store.close()
        # All or nothing: every row of the file is in the journal now (counted from
        # the file, not by opening the journal again and reading it back).
        total = sum(len(rows) for rows in data["records"].values())
    except JournalNotEmptyError as e:
        return _err(f"Nothing was imported. {e}")
    except ExchangeError as e:
        return _err(f"Nothing was imported. Problems in {args.input}:\n{e}")
    except JournalError as e:  # a full disk while writing: rolled back, nothing left
        return _err(str(e))
    print(f"Imported {total} records into {target}.", file=sys.stderr)
    return 0


def cmd_demo(args) -> int:
    from journal.paths import data_dir, ensure_private_dir
    from journal.services.files import build_demo_file

    target = Path(args.file) if args.file else ensure_private_dir(data_dir()) / DEMO_FILE_NAME
    try:
        counts = build_demo_file(target)
    except JournalError as e:  # a full disk: nothing half-made is left
        return _err(str(e))
    print(
        f"Demo journal created at {target} ({counts['regimen']} regimens, "
        f"{counts['labresult']} lab results). The person in it is fictional.",
        file=sys.stderr,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="journal")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
