"""Command line for health-record formats.

    journal import-results FILE_OR_BUNDLE [JOURNAL] [--dry-run] [--date-order ...]

reads lab results downloaded from a patient portal (FHIR R4 Bundle, NDJSON or a
CSV of any layout), shows what would be added, what is already in the journal
and what cannot be read and why, then adds them all in one step (or nothing).
CSV and FHIR export are options of ``journal export`` (:func:`export_other`).
"""

from __future__ import annotations

import json
import sys

from journal.cli.common import add_file_argument, error
from journal.errors import JournalError

SHOWN = 20  # lines per list before "... and N more"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "import-results",
        help="add lab results downloaded from a patient portal (FHIR or CSV)",
        description="Read lab results from a patient-portal download: a FHIR R4 Bundle, "
        "NDJSON of Observations, or a CSV (one result per row, or one column per test). "
        "Shows what will be added, what is already in the journal and what cannot be "
        "read, then adds all of them in one step. Medicines and procedures in the file "
        "are listed as suggestions only.",
    )
    p.add_argument("input", metavar="FILE_OR_BUNDLE", help="the downloaded file")
    add_file_argument(p)
    p.add_argument("--dry-run", action="store_true", help="show the preview only; change nothing")
    p.add_argument(
        "--date-order",
        choices=("auto", "dmy", "mdy"),
        default="auto",
        help="how to read dates like 03/05/2024 (auto: decided by the file, else day first)",
    )
    p.set_defaults(func=cmd_import_results)


def _more(items: list[str]) -> list[str]:
    extra = len(items) - SHOWN
    return items[:SHOWN] + ([f"  ... and {extra} more"] if extra > 0 else [])


def preview_text(preview) -> str:
    lines = [preview.summary()]
    lines += [f"Note: {n}" for n in preview.notes]
    if preview.to_add:
        lines.append("To add:")
        lines += _more(
            [f"  {c.shown()}" + (f" ({c.note})" if c.note else "") for c in preview.to_add]
        )
    if preview.duplicates:
        lines.append("Already there (not added):")
        lines += _more([f"  {c.shown()} - {why}" for c, why in preview.duplicates])
    if preview.unreadable:
        lines.append("Could not be read:")
        lines += _more([f"  {u.where}: {u.why}" for u in preview.unreadable])
    if preview.suggestions:
        lines.append("Medicines and procedures in the file (add them yourself if they belong):")
        lines += _more(
            [
                f"  {s.name} ({s.kind}, from {s.start or 'unknown date'})"
                for s in preview.suggestions
            ]
        )
    return "\n".join(lines)


def cmd_import_results(args) -> int:
    from journal.interop.portal import PortalFileError, import_preview, preview_file
    from journal.store.db import open_journal
    from journal.store.validation import RecordError

    try:
        with open_journal(args.file, readonly=args.dry_run) as store:
            preview = preview_file(store, args.input, date_order=args.date_order)
            print(preview_text(preview))
            if args.dry_run:
                print("Dry run: nothing was changed.", file=sys.stderr)
                return 0
            if not preview.to_add:
                print("Nothing new to add; the journal was not changed.", file=sys.stderr)
                return 0
            import_preview(store, preview)
    except PortalFileError as e:
        return error(f"Nothing was imported. {e}")
    except RecordError as e:
        return error(f"Nothing was imported: {e}")
    except JournalError as e:
        return error(str(e))
    n = len(preview.to_add)
    print(f"Added {n} result{'s' if n != 1 else ''} to {store.path}.", file=sys.stderr)
    return 0


def export_other(store, fmt: str, args) -> str | bytes:
    """The CSV (zip bytes) or FHIR (JSON text) export for ``journal export --format``."""
    if fmt == "csv":
        from journal.interop.csv_export import export_csv_zip

        return export_csv_zip(store, bom=not getattr(args, "no_bom", False))
    from journal.interop.fhir_export import build_ips, export_fhir

    bundle = export_fhir(store)
    if getattr(args, "ips", False):
        bundle = build_ips(bundle)
    return json.dumps(bundle, ensure_ascii=False, indent=1) + "\n"
