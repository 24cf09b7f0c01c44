"""``journal summary``: the trial-screening facts of a journal, as JSON (and, added by the
reports module, as PDF).

    journal summary --json [--as-of DATE] [--rule-set NAME] [--measurable NAME] [FILE]

Every fact comes from :func:`journal.domain.summary.build_summary`; nothing is computed
here. The fields are documented in docs/summary-json.md.
"""

from __future__ import annotations

import argparse
import sys

from journal.cli.common import add_file_argument, error


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "summary",
        help="print the trial-screening summary (lines, refractoriness, response, washouts...)",
        description="Print every computed fact of the journal with its reasons. "
        "Without an output option, --json is assumed.",
    )
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.add_argument(
        "--as-of",
        metavar="DATE",
        help="compute as the journal stood on this date (e.g. 2024-03-01 or 'May 2024'; "
        "default: today)",
    )
    p.add_argument(
        "--rule-set",
        metavar="NAME",
        default="imwg",
        help="refractoriness rule set (default: imwg; e.g. mammoth, elranatamab, mayo, two_cycles)",
    )
    p.add_argument(
        "--measurable",
        metavar="NAME",
        default="imwg",
        help="measurable-disease rule (default: imwg; serum_0_5, candor, ecog_acrin, ikema)",
    )
    p.add_argument("--indent", type=int, default=2, help=argparse.SUPPRESS)
    # -- Report options (--pdf OUT, --visit, --since DATE, --deidentified) are added here by
    # -- journal.reports (register_report_options), and handled in cmd_summary below.
    from journal.cli.report_options import register_report_options

    register_report_options(p)
    add_file_argument(p)
    p.set_defaults(func=cmd_summary)


def _as_of(text: str | None):
    from journal.domain.dates import DateError, PartialDate

    if not text:
        return None
    try:
        return PartialDate.parse(text)
    except DateError as e:
        raise SystemExit(error(f"--as-of: {e}")) from None


def _check_names(args) -> str | None:
    from journal.domain.measurable import MEASURABLE_VARIANTS

    if args.measurable not in MEASURABLE_VARIANTS:
        return f"--measurable {args.measurable!r} is not known; use one of " + ", ".join(
            MEASURABLE_VARIANTS
        )
    try:
        from journal.domain.ledger import RULE_SETS
    except ImportError:
        return None
    if args.rule_set not in RULE_SETS:
        return f"--rule-set {args.rule_set!r} is not known; use one of " + ", ".join(RULE_SETS)
    return None


def load_summary(args):
    """Open the journal read-only, load the history and build the summary."""
    from pathlib import Path

    from journal.domain.summary import build_summary
    from journal.paths import default_journal_path
    from journal.services.history import load_history  # not queries: no models
    from journal.store.db import open_journal

    path = Path(args.file).expanduser() if args.file else default_journal_path()
    if not path.exists():
        raise SystemExit(
            error(f"There is no journal at {path}. Give the journal file, or create one first.")
        )
    with open_journal(path, readonly=True, auto_backup=False) as store:
        history = load_history(store)
    return build_summary(
        history,
        as_of=_as_of(args.as_of),
        rule_set=args.rule_set,
        measurable_variant=args.measurable,
    )


def cmd_summary(args) -> int:
    from journal.domain.cycles import no_cycle_collection

    # The first imports of the rules (and below: the history, the summary, its text):
    # objects by the hundred thousand and no reference cycles (see domain/cycles.py).
    with no_cycle_collection():
        problem = _check_names(args)
    if problem:
        return error(problem)
    if getattr(args, "pdf", None):
        # Report output (journal.cli.report_options): it builds the summary itself.
        from journal.cli.report_options import run_report

        return run_report(args, load_summary)
    from journal.cli.json_text import IndentedJSON
    from journal.domain.summary import summary_to_json

    with no_cycle_collection():
        try:
            summary = load_summary(args)
        except SystemExit as e:
            return int(e.code or 1)
        # What json.dump(indent=...) writes, byte for byte, at about the C encoder's
        # speed, and in batches: one string of the whole (24 MB on a 10x journal) would
        # double the peak memory, a write per piece cost a system call each when stdout
        # is unbuffered.
        IndentedJSON(args.indent).write_to(summary_to_json(summary), sys.stdout.write)
        sys.stdout.write("\n")
    return 0
