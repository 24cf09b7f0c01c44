"""Report options of ``journal summary`` (registered by journal/cli/summary.py).

    journal summary --pdf OUT.pdf [--visit [--since DATE]]
                    [--initials | --without-name | --deidentified [--with-sex-weight]]
                    [--no-appendix] [--as-of DATE] [--paper A4|Letter] [FILE]

Works without a display: Qt's offscreen platform is chosen when none is available.
``OUT`` may be a folder: the file is then named after who and when, e.g.
``TreatmentJournal-screening-JD-2026-11-25.pdf``.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register_report_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("PDF report")
    g.add_argument(
        "--pdf",
        metavar="OUT",
        help="write the trial-screening summary (or with --visit the visit summary) as a PDF "
        "to OUT (a file, or a folder to get a file name that says who and when)",
    )
    g.add_argument(
        "--visit",
        action="store_true",
        help="with --pdf: the visit summary (what changed since the last clinic visit)",
    )
    g.add_argument(
        "--since",
        metavar="DATE",
        help="with --visit: start of the period (default: the last clinic-visit note)",
    )
    who = g.add_mutually_exclusive_group()
    who.add_argument(
        "--without-name",
        action="store_true",
        help="with --pdf: leave out name and date of birth (age only) and free-text notes; "
        "dates stay exact, so this is not de-identified",
    )
    who.add_argument(
        "--deidentified",
        action="store_true",
        help="with --pdf: de-identified by HIPAA Safe Harbor: no name, no date finer than the "
        "year (days from diagnosis instead), ages over 89 as 90+, no free text, no sex or "
        "weight (add --with-sex-weight to keep them)",
    )
    who.add_argument(
        "--initials", action="store_true", help="with --pdf: initials and age instead of the name"
    )
    g.add_argument(
        "--with-sex-weight",
        action="store_true",
        help="with --deidentified: keep sex and weight (trial formulas need them)",
    )
    g.add_argument(
        "--no-appendix",
        action="store_true",
        help="with --pdf: the two-page trial-screening summary alone, without the appendix",
    )
    g.add_argument(
        "--paper", choices=["A4", "Letter"], default="A4", help="paper size (default: A4)"
    )


def _since(text: str | None):
    from journal.cli.common import error
    from journal.domain.dates import DateError, PartialDate

    if not text:
        return None
    try:
        return PartialDate.parse(text).earliest()
    except DateError as e:
        raise SystemExit(error(f"--since: {e}")) from None


def pdf_password(args) -> str | None:
    """--pdf-password-file (added with the passphrase options, journal/cli/crypto.py)."""
    name = getattr(args, "pdf_password_file", None)
    if not name:
        return None
    from journal.cli.crypto import read_first_line

    return read_first_line(name)


def run_report(args, load_summary) -> int:
    """Build the summary with the caller's options, then write the chosen report as PDF."""
    from journal.cli.common import error
    from journal.paths import default_journal_path
    from journal.reports import build_report
    from journal.reports.common import suggested_filename
    from journal.reports.export import ensure_qt_headless
    from journal.reports.inputs import ReportOptions, load_report_inputs
    from journal.store.db import open_journal

    if args.since and not args.visit:
        return error("--since only applies to the visit summary: add --visit.")
    try:
        since = _since(args.since)
        summary = load_summary(args)
    except SystemExit as e:
        return int(e.code or 1)
    kind = "visit" if args.visit else "screening"
    if args.with_sex_weight and not args.deidentified:
        return error("--with-sex-weight only applies to --deidentified.")
    if args.no_appendix and args.visit:
        return error("--no-appendix only applies to the trial-screening summary: drop --visit.")
    identity = (
        "deidentified"
        if args.deidentified
        else "without_name"
        if args.without_name
        else "initials"
        if args.initials
        else "full"
    )
    as_of = summary.as_of if args.as_of else None
    opts = ReportOptions(
        identity=identity,
        as_of=as_of,
        page_size=args.paper,
        visit_since=since,
        appendix=not args.no_appendix,
        show_sex_weight=True if args.with_sex_weight else None,
    )
    path = Path(args.file).expanduser() if args.file else default_journal_path()
    with open_journal(path, readonly=True, auto_backup=False) as store:
        inputs = load_report_inputs(
            store, as_of=summary.as_of, summary=summary, history=summary.history
        )
    ensure_qt_headless()
    from functools import partial

    from journal.reports.qt_backend import count_pages, write_pdf

    doc = build_report(kind, inputs, opts, count_pages=partial(count_pages, page_size=args.paper))
    out = Path(args.pdf).expanduser()
    if out.is_dir():
        out = out / suggested_filename(kind, summary.history.person, opts)

    try:
        pages = write_pdf(doc, out, page_size=args.paper, password=pdf_password(args))
    except OSError as e:
        return error(str(e))
    print(f"Wrote {out} ({pages} page{'' if pages == 1 else 's'}).")
    return 0
