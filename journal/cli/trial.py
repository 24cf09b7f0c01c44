"""``journal trial``: bring a trial's registry record, list the trials, see one checklist.

    journal trial add RECORD [FILE] [--nct NCT]
    journal trial list [FILE] [--json]
    journal trial check NCT [FILE] [--json | --pdf OUT | --text] [--as-of DATE] [--rule-set NAME]
    journal trial remove NCT [FILE]

``RECORD`` is a file saved from ClinicalTrials.gov (one study, a search page, an array of
studies, the bulk zip with ``--nct``, or an old clinical_study XML file). The app never
fetches anything. ``check`` also takes a record file in place of an NCT number, to look at a
trial without keeping it. The checklist JSON is described in docs/trials.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from journal.cli.common import add_file_argument, error


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "trial",
        help="trial records: bring one, list them, see a trial's criteria beside your facts",
        description="Keep trial records saved from ClinicalTrials.gov in the journal and put "
        "each criterion beside what the journal records. The study team decides who can "
        "take part; the checklist only prepares the conversation.",
    )
    tsub = p.add_subparsers(dest="trial_command", metavar="ACTION")
    tsub.required = True

    a = tsub.add_parser("add", help="bring a saved study record into the journal")
    a.add_argument(
        "record", metavar="RECORD", help="the saved record (.json, .xml or the bulk .zip)"
    )
    a.add_argument("--nct", metavar="NCT", help="which study to take from a zip or search page")
    add_file_argument(a)
    a.set_defaults(func=cmd_add)

    ls = tsub.add_parser("list", help="the trials in the journal, with their counts")
    ls.add_argument("--json", action="store_true", help="print the list as JSON")
    _summary_options(ls)
    add_file_argument(ls)
    ls.set_defaults(func=cmd_list)

    c = tsub.add_parser("check", help="one trial's checklist (JSON, text or PDF)")
    c.add_argument("nct", metavar="NCT", help="the trial's NCT number, or a saved record file")
    out = c.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the checklist as JSON (default)")
    out.add_argument("--text", action="store_true", help="print the checklist as plain text")
    out.add_argument("--pdf", metavar="OUT", help="write the checklist as a PDF to OUT")
    c.add_argument(
        "--deidentified", action="store_true", help="with --pdf or --text: no name or birth date"
    )
    _summary_options(c)
    add_file_argument(c)
    c.set_defaults(func=cmd_check)

    r = tsub.add_parser("remove", help="remove a trial and your answers to it")
    r.add_argument("nct", metavar="NCT")
    add_file_argument(r)
    r.set_defaults(func=cmd_remove)


def _summary_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as-of", metavar="DATE", help="the journal as it stood on this date")
    p.add_argument("--rule-set", metavar="NAME", default="imwg", help="refractoriness rule set")
    p.add_argument("--measurable", metavar="NAME", default="imwg", help=argparse.SUPPRESS)
    p.add_argument("--indent", type=int, default=2, help=argparse.SUPPRESS)


def _journal_path(args) -> Path:
    from journal.paths import default_journal_path

    return Path(args.file).expanduser() if args.file else default_journal_path()


def cmd_add(args) -> int:
    from journal.services.trials import add_trial_record, read_record_file
    from journal.store.db import open_journal
    from journal.trials.record import RecordError

    path = _journal_path(args)
    if not path.exists():
        return error(f"There is no journal at {path}. Give the journal file, or create one first.")
    try:
        records = read_record_file(args.record, args.nct)
    except RecordError as e:
        return error(f"{e} Nothing was changed.")
    with open_journal(path) as store:
        for rec in records:
            add_trial_record(store, rec, source_name=args.record)
    for rec in records:
        line = f"Brought {rec.nct_id}: {rec.title}"
        if not rec.criteria:
            line += " (this record has no criteria text)"
        print(line)
    return 0


def _load(args):
    from journal.cli.summary import _check_names, load_summary

    problem = _check_names(args)
    if problem:
        raise SystemExit(error(problem))
    return load_summary(args)


def cmd_list(args) -> int:
    from journal.services.trials import list_trials, trial_checklist
    from journal.store.db import open_journal
    from journal.trials.checklist import record_age_days

    path = _journal_path(args)
    try:
        summary = _load(args)
    except SystemExit as e:
        return int(e.code or 1)
    rows = []
    with open_journal(path, readonly=True, auto_backup=False) as store:
        for t in list_trials(store):
            cl = trial_checklist(store, t, summary)
            rows.append(
                {
                    "nct_id": t.nct_id,
                    "title": t.record.title,
                    "status": t.record.overall_status,
                    "expanded_access": t.record.expanded_access,
                    "registry_last_updated": t.record_updated,
                    "record_age_days": record_age_days(t.record, summary.as_of),
                    "brought": t.brought_at,
                    "counts": cl.counts(),
                }
            )
    if args.json:
        json.dump(
            {"as_of": summary.as_of.isoformat(), "trials": rows},
            sys.stdout,
            indent=args.indent,
            ensure_ascii=False,
        )
        sys.stdout.write("\n")
        return 0
    if not rows:
        print("No trials in the journal yet. Bring one with: journal trial add RECORD.json")
        return 0
    for r in rows:
        c = r["counts"]
        age = (
            f", record {r['record_age_days']} days old" if r["record_age_days"] is not None else ""
        )
        print(
            f"{r['nct_id']}  does not meet {c['does_not_meet']}, not recorded {c['not_recorded']}, "
            f"to discuss {c['to_discuss']}, meets {c['meets']}{age}  {r['title']}"
        )
    return 0


def cmd_check(args) -> int:
    from journal.services.trials import get_trial, read_record_file, trial_checklist
    from journal.store.db import open_journal
    from journal.trials.checklist import build_checklist, checklist_to_json
    from journal.trials.record import RecordError

    path = _journal_path(args)
    try:
        summary = _load(args)
    except SystemExit as e:
        return int(e.code or 1)
    brought = None
    if Path(args.nct).expanduser().is_file():
        try:
            (rec,) = read_record_file(Path(args.nct).expanduser())[:1]
        except RecordError as e:
            return error(str(e))
        cl = build_checklist(rec, summary)
    else:
        with open_journal(path, readonly=True, auto_backup=False) as store:
            t = get_trial(store, args.nct)
            if t is None:
                return error(
                    f"{args.nct} is not in the journal. Bring its record first: "
                    "journal trial add RECORD.json, or give the record file instead of the number."
                )
            cl = trial_checklist(store, t, summary)
            brought = t.brought_at
    if args.pdf or args.text:
        return _write_checklist(cl, summary, args, brought)
    json.dump(
        checklist_to_json(cl, brought=brought), sys.stdout, indent=args.indent, ensure_ascii=False
    )
    sys.stdout.write("\n")
    return 0


def _write_checklist(cl, summary, args, brought) -> int:
    """``--pdf OUT`` (a file, or a folder for a name that says which trial and when) or ``--text``."""
    from journal.reports.inputs import ReportOptions
    from journal.reports.trial_checklist import build_trial_checklist

    opts = ReportOptions(identity="none" if args.deidentified else "full", as_of=summary.as_of)
    doc = build_trial_checklist(cl, summary.history.person, opts, brought)
    if args.text:
        from journal.reports.text_backend import render_text

        sys.stdout.write(render_text(doc))
        return 0
    from journal.reports.export import ensure_qt_headless

    ensure_qt_headless()
    from journal.reports.qt_backend import write_pdf

    out = Path(args.pdf).expanduser()
    if out.is_dir():
        out = out / f"TreatmentJournal-trial-{cl.record.nct_id}-{summary.as_of.isoformat()}.pdf"
    try:
        pages = write_pdf(doc, out)
    except OSError as e:
        return error(str(e))
    print(f"Wrote {out} ({pages} page{'' if pages == 1 else 's'}).")
    return 0


def cmd_remove(args) -> int:
    from journal.services.actions import NotFoundError
    from journal.services.trials import remove_trial
    from journal.store.db import open_journal

    path = _journal_path(args)
    if not path.exists():
        return error(f"There is no journal at {path}.")
    with open_journal(path) as store:
        try:
            remove_trial(store, args.nct)
        except NotFoundError as e:
            return error(str(e))
    print(f"Removed {args.nct.upper()} and your answers to it.")
    return 0
