"""A trial's checklist to bring to the screening call: 1-2 pages, PDF or plain text.

Written against the document model of :mod:`journal.reports.document`, so the same backends
as the summaries render it (Qt PDF, plain text) with the same de-identification choices.
Each criterion is one row: its words (shortened when long; the app and the JSON keep them
whole), the status the app worked out (marked as computed), your own answer when you gave one
(marked as yours), and what the journal records. It never says whether you can take part.
"""

from __future__ import annotations

import datetime as dt

from journal.domain.records import PersonRec
from journal.reports.common import fmt_date, footer, who
from journal.reports.document import Document, Span, computed, overridden
from journal.reports.inputs import ReportOptions
from journal.trials.checklist import (
    DOES_NOT_MEET,
    EXCLUSION,
    MEETS,
    NOT_RECORDED,
    NOTICE,
    STATUS_WORDS,
    TO_DISCUSS,
    Checklist,
    Item,
    record_age_days,
)
from journal.trials.record import EXPANDED_ACCESS_PLAIN

MAX_WORDS = 230  # characters of a criterion shown on paper
MAX_FACTS = 170


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _status_cell(it: Item) -> list:
    cell: list = [computed(STATUS_WORDS[it.status], bold=it.status == DOES_NOT_MEET)]
    if it.answer is not None:
        cell += ["\n", overridden(f"yours: {STATUS_WORDS[it.answer.status]}")]
    return cell


def _facts_cell(it: Item) -> str:
    note = f"Your note: {it.answer.note}. " if it.answer is not None and it.answer.note else ""
    if it.facts:
        shown = "; ".join(f.display() for f in it.facts[:3])
        more = f" (+{len(it.facts) - 3} more)" if len(it.facts) > 3 else ""
        return _short(note + shown + more, MAX_FACTS + len(note))
    if it.missing:
        return note + _short(f"Not in the journal: {it.missing}.", MAX_FACTS)
    return note + _short(it.explanation, MAX_FACTS)


def _rows(items: list[Item]) -> list[tuple]:
    rows = []
    for it in items:
        c = it.criterion
        lead = "    – " * c.level
        rows.append((lead + _short(c.text, MAX_WORDS), _status_cell(it), _facts_cell(it)))
    return rows


def build_trial_checklist(
    cl: Checklist, person: PersonRec, opts: ReportOptions, brought: str | None = None
) -> Document:
    r = cl.record
    name, born = who(person, opts)
    doc = Document(
        title=f"Trial checklist {r.nct_id}",
        header_left=f"{name} · {born}",
        header_right=f"Trial checklist · {r.nct_id}",
        footer_left=footer(dt.date.today(), opts),
    )
    doc.heading(1, _short(r.title, 160))
    age = record_age_days(r, cl.as_of)
    updated = r.last_update or "not given"
    if age is not None:
        updated += f" ({age} days before {fmt_date(cl.as_of)})"
    rows = [
        (
            "Study",
            f"{r.nct_id} · {r.status_label or 'status not given'} · {r.phase_label or 'phase not given'}",
        ),
        ("Registry record last updated", updated),
        ("Brought into the journal", brought[:10] if brought else "not kept (checked from a file)"),
        ("Study page", r.url),
        ("Your facts as of", fmt_date(cl.as_of)),
    ]
    doc.key_value(rows, columns=1)
    if r.expanded_access:
        doc.paragraph([Span("Expanded access. ", bold=True), EXPANDED_ACCESS_PLAIN], "warning")
    for note in cl.notes:
        if note != EXPANDED_ACCESS_PLAIN:
            doc.paragraph(note, "note")
    c = cl.counts()
    doc.paragraph(
        [
            Span("Criteria: ", bold=True),
            f"does not meet {c[DOES_NOT_MEET]} · not recorded {c[NOT_RECORDED]} · "
            f"to discuss {c[TO_DISCUSS]} · meets {c[MEETS]}. ",
            NOTICE,
        ],
        "small",
    )
    header = (("Criterion (the trial's words)", "Status", "What the journal records"),)
    inc = [it for it in cl.all_items() if it.criterion.kind != EXCLUSION]
    exc = [it for it in cl.all_items() if it.criterion.kind == EXCLUSION]
    if inc:
        doc.heading(2, "Inclusion criteria" if exc or cl.criteria.has_headings else "Criteria")
        doc.table(header, _rows(inc), col_widths=(5, 1.6, 4), small=True)
    if exc:
        doc.heading(2, "Exclusion criteria")
        doc.paragraph(
            "For an exclusion, “meets” means the journal records the excluding condition as "
            "absent, and “does not meet” that it is present.",
            "muted",
        )
        doc.table(header, _rows(exc), col_widths=(5, 1.6, 4), small=True)
    if not cl.all_items():
        doc.paragraph("This record has no criteria text to put beside your facts.", "note")
    return doc
