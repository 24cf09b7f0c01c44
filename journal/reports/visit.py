"""The visit summary: what changed since the last clinic visit, for caregivers.

One page when possible: treatment changes, new results with trend arrows, new or
worse side effects, hospital stays, the questions still open, and the timeline
of the period. It lists what was recorded; it computes no medical rule (trend
arrows only compare a result with the one before it).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from journal.domain.dates import PartialDate
from journal.domain.labs import LAB_TESTS
from journal.domain.numbers import fmt_number
from journal.domain.records import LabRec
from journal.domain.vocab import NoteKind
from journal.reports import common
from journal.reports.charts import timeline_chart
from journal.reports.deid import deidentify_document
from journal.reports.document import Document, Inline, Span, computed
from journal.reports.inputs import ReportInputs, ReportOptions

DEFAULT_DAYS = 90  # period when no clinic visit has been recorded yet
STEADY = 0.05  # a change under 5 % of the previous value is shown as steady


def visit_period(inputs: ReportInputs, opts: ReportOptions) -> tuple[dt.date, dt.date, str]:
    """(first day, last day, why this period) for the summary.

    Default: since the last clinic visit or the last entry made at a visit (an ECOG score,
    a question marked as asked), whichever is later; 90 days when there is none."""
    until = opts.visit_until or opts.day
    if opts.visit_since is not None:
        return opts.visit_since, until, "period chosen"
    marks: list[tuple[dt.date, str]] = [
        (n.date.latest(), "the last clinic visit")
        for n in inputs.notes
        if n.kind == NoteKind.VISIT and n.date.latest() < until
    ]
    marks += [
        (e.date.latest(), "the last ECOG score entered")
        for e in inputs.history.ecog
        if e.date.latest() < until
    ]
    marks += [
        (q.asked_on.latest(), "the last question answered at a visit")
        for q in inputs.questions
        if q.asked_on is not None and q.asked_on.latest() < until
    ]
    if marks:
        last, what = max(marks, key=lambda m: m[0])
        return last, until, f"since {what} on {common.fmt_date(last)}"
    return (
        until - dt.timedelta(days=DEFAULT_DAYS),
        until,
        f"last {DEFAULT_DAYS} days (no clinic visit recorded yet)",
    )


def _in(d: PartialDate | None, lo: dt.date, hi: dt.date) -> bool:
    """A partial date is in the period if it could be (fuzzy dates are not dropped)."""
    return d is not None and d.latest() >= lo and d.earliest() <= hi


def _fmt_value(v: float) -> str:
    return fmt_number(v)  # one rounding with the screening summary and the screens


SUPPORT_MARK = "§"


def trend_arrow(previous: float | None, latest: float | None) -> str:
    """↑ / ↓ / → comparing two results (→ when within 5 %); '' without a previous one."""
    if previous is None or latest is None:
        return ""
    if previous == 0:
        return "→" if latest == 0 else "↑"
    change = (latest - previous) / abs(previous)
    if abs(change) < STEADY:
        return "→"
    return "↑" if change > 0 else "↓"


def treatment_changes(inputs: ReportInputs, lo: dt.date, hi: dt.date) -> list[tuple[str, str]]:
    """(date text, what happened) for regimen and drug starts, stops and dose changes."""
    events: list[tuple[tuple, str, str]] = []

    def add(d: PartialDate, text: str) -> None:
        events.append((d.sort_key(), common.fmt_date(d), text))

    for reg in inputs.history.regimens:
        if _in(reg.start, lo, hi):
            names = ", ".join(d.name for d in reg.drugs if d.role == "anti-myeloma")
            why = f" ({reg.start_reason})" if reg.start_reason else ""
            add(reg.start, f"Started {reg.name}" + (f": {names}" if names else "") + why)
        if _in(reg.end, lo, hi):
            why = f" — why: {reg.end_reason}" if reg.end_reason else ""
            add(reg.end, f"Stopped {reg.name}{why}")
        for drug in reg.drugs:
            if drug.role != "anti-myeloma":  # premedication stops are not treatment changes
                continue
            if drug.start and drug.start != reg.start and _in(drug.start, lo, hi):
                add(drug.start, f"{drug.name} added to {reg.name} ({drug.addition})")
            if drug.last_dose and drug.last_dose != reg.end and _in(drug.last_dose, lo, hi):
                why = f" — why: {drug.stop_reason}" if drug.stop_reason else ""
                add(drug.last_dose, f"Last dose of {drug.name} ({reg.name}){why}")
            for ch in drug.dose_changes:
                if _in(ch.date, lo, hi):
                    what = "held" if ch.held else "dose changed"
                    dose = (
                        f" to {_fmt_value(ch.dose)} {ch.dose_unit or ''}".rstrip()
                        if (ch.dose is not None and not ch.held)
                        else ""
                    )
                    why = f" ({ch.reason})" if ch.reason else ""
                    add(ch.date, f"{drug.name} {what}{dose}{why}")
    for proc in inputs.history.procedures:
        if _in(proc.date, lo, hi):
            add(proc.date, proc.kind[0].upper() + proc.kind[1:])
    events.sort(key=lambda e: e[0])
    return [(d, t) for _, d, t in events]


def new_results(inputs: ReportInputs, lo: dt.date, hi: dt.date) -> list[tuple[Inline, ...]]:
    """Per test with a result in the period: latest value with its CTCAE grade and support
    flag (both from the summary), the trend against the start of the period, and the value
    then (the last one on or before the first day; else the period's first)."""
    by_test: dict[str, list[LabRec]] = defaultdict(list)
    for lab in inputs.history.labs:
        if lab.value is not None and lab.date.latest() <= hi:
            by_test[lab.test].append(lab)
    s = inputs.summary
    grades = {g.lab_ref: g for g in s.lab_grades if g.lab_ref}
    washouts = s.washouts
    rows = []
    order = {code: i for i, code in enumerate(LAB_TESTS)}
    for code in sorted(by_test, key=lambda c: order.get(c, len(order))):
        series = sorted(by_test[code], key=lambda r: r.date.sort_key())
        latest = series[-1]
        if not _in(latest.date, lo, hi):
            continue
        before = [r for r in series if r.date.latest() < lo]
        start = before[-1] if before else series[0]
        if start is latest:
            start = None
        test = LAB_TESTS.get(code)
        unit = common.unit_text(test.unit) if test else ""
        n_in = sum(1 for r in series if _in(r.date, lo, hi))
        value: list[Inline] = [f"{_fmt_value(latest.value)} {unit}".strip()]
        g = grades.get(latest.ref)
        if g is not None and g.grade > 0:
            value.append(computed(f" G{g.grade}"))
        sup = washouts.is_supported(latest.ref)
        if sup is not None or latest.context not in ("none", ""):
            value.append(computed(f" {SUPPORT_MARK}") if sup else f" ({latest.context})")
        rows.append(
            (
                test.name if test else code,
                value,
                common.fmt_date(latest.date),
                trend_arrow(start.value if start else None, latest.value),
                f"{_fmt_value(start.value)} on {common.fmt_date(start.date)}" if start else "—",
                str(n_in),
            )
        )
    return rows


def assessments(inputs: ReportInputs, lo: dt.date, hi: dt.date) -> list[tuple[Inline, ...]]:
    """Responses, progressions (recorded and computed), ECOG and supportive care in the period."""
    h = inputs.history
    out: list[tuple[tuple, tuple[Inline, ...]]] = []

    def add(d: PartialDate, what: Inline, by: str) -> None:
        out.append((d.sort_key(), (common.fmt_date(d), what, by)))

    for r in h.responses:
        if _in(r.date, lo, hi):
            mrd = f", MRD {r.mrd_result}" if r.mrd_result and r.mrd_result != "not done" else ""
            add(r.date, f"Response: {r.category}{mrd}", f"recorded ({r.assessor})")
    for p in h.progressions:
        if _in(p.date, lo, hi):
            sure = "" if p.confirmed else ", not confirmed"
            add(p.date, f"Progression ({p.kind}{sure})", "recorded")
    results = inputs.summary.responses
    for p in results.progressions:
        day = PartialDate.from_date(p.date)
        if _in(day, lo, hi):
            add(
                day, computed(f"Progression by {p.parameter} (line {p.line})"), "computed from labs"
            )
    # Computed responses: each change of category within a line.
    for lr in results.lines:
        prev = None
        for a in lr.assessments:
            day = PartialDate.from_date(a.date)
            if prev is not None and a.category != prev and _in(day, lo, hi):
                sure = "" if a.confirmed else ", not yet confirmed"
                add(
                    day,
                    computed(f"Response computed from labs: {prev} → {a.category}{sure}"),
                    f"computed (line {lr.line})",
                )
            prev = a.category
    for e in h.ecog:
        if _in(e.date, lo, hi):
            add(e.date, f"ECOG performance status {e.score}", "recorded")
    for sc in h.supportive:
        if sc.start and _in(sc.start, lo, hi):
            add(
                sc.start,
                f"Started {sc.name}" + (f" ({sc.purpose})" if sc.purpose else ""),
                "supportive care",
            )
        if sc.end and _in(sc.end, lo, hi):
            add(sc.end, f"Stopped {sc.name}", "supportive care")
    out.sort(key=lambda e: e[0])
    return [r for _, r in out]


def side_effect_changes(inputs: ReportInputs, lo: dt.date, hi: dt.date) -> list[tuple[str, ...]]:
    """New, worse or resolved side effects in the period."""
    out: list[tuple[tuple, tuple[str, ...]]] = []
    effects = sorted(inputs.history.side_effects, key=lambda s: s.onset.sort_key())
    for se in effects:
        earlier = [
            o for o in effects if o.term == se.term and o.onset.sort_key() < se.onset.sort_key()
        ]
        grade = f"grade {se.grade}" if se.grade is not None else "grade not recorded"
        if se.grade_source != "clinician":
            grade += f" ({se.grade_source})"
        if _in(se.onset, lo, hi):
            prev_grades = [o.grade for o in earlier if o.grade is not None]
            if prev_grades and se.grade is not None and se.grade > max(prev_grades):
                what = f"worse (was grade {max(prev_grades)})"
            elif earlier:
                what = "again"
            else:
                what = "new"
            status = (
                "ongoing" if se.resolved is None else f"resolved {common.fmt_date(se.resolved)}"
            )
            serious = ", serious" if se.serious else ""
            out.append(
                (
                    se.onset.sort_key(),
                    (
                        se.term,
                        what + serious,
                        f"{grade}, {se.scale}",
                        common.fmt_date(se.onset),
                        status,
                    ),
                )
            )
        elif _in(se.resolved, lo, hi):
            out.append(
                (
                    se.resolved.sort_key(),
                    (
                        se.term,
                        "resolved",
                        f"{grade}, {se.scale}",
                        common.fmt_date(se.onset),
                        f"resolved {common.fmt_date(se.resolved)}",
                    ),
                )
            )
    out.sort(key=lambda e: e[0])
    return [r for _, r in out]


def build_visit(inputs: ReportInputs, opts: ReportOptions) -> Document:
    person = inputs.history.person
    lo, hi, why = visit_period(inputs, opts)
    name, born = common.who(person, opts)
    doc = Document(
        "Visit summary",
        header_left=name,
        header_right=born,
        footer_left=common.footer(inputs.generated, opts),
    )
    doc.heading(1, f"Visit summary: {common.fmt_date(lo)} to {common.fmt_date(hi)}")
    doc.paragraph(f"What was recorded in the journal {why}. A {common.VERIFY}.", "muted")

    doc.heading(2, "Current treatment")
    now = common.current_drugs(inputs.history, hi)
    if now:
        for reg, drug in now:
            name = reg.name if not opts.deidentified else "treatment"
            doc.paragraph(
                [
                    Span(f"{name}: ", bold=True),
                    common.dose_text(drug, hi, current=True, deidentified=opts.deidentified),
                ]
            )
    else:
        doc.paragraph("No anti-myeloma treatment being taken.")

    doc.heading(2, "Treatment changes")
    changes = treatment_changes(inputs, lo, hi)
    if changes:
        doc.table([["Date", "What changed"]], changes, col_widths=[1, 6])
    else:
        doc.paragraph("No treatment changes recorded in this period.")

    doc.heading(2, "New results")
    results = new_results(inputs, lo, hi)
    if results:
        doc.paragraph(
            "↑ higher, ↓ lower, → about the same (within 5 %) as at the start of the period. "
            f"G1-G4: CTCAE grade computed from the value; {SUPPORT_MARK}: a transfusion or "
            "growth factor shortly before may have raised it.",
            "small",
        )
        doc.table(
            [["Test", "Latest", "Date", "Trend", "At the start", "Results in period"]],
            results,
            col_widths=[3.2, 2.2, 1.5, 0.8, 2.4, 1.2],
        )
    else:
        doc.paragraph("No new blood or urine results recorded in this period.")

    doc.heading(2, "Responses, progressions and other changes")
    rows = assessments(inputs, lo, hi)
    if rows:
        doc.table([["Date", "What", "From"]], rows, col_widths=[1.2, 4.6, 1.6])
    else:
        doc.paragraph("No response assessments or other changes recorded in this period.")

    doc.heading(2, "Side effects: new, worse or resolved")
    effects = side_effect_changes(inputs, lo, hi)
    if effects:
        doc.table(
            [["Side effect", "Change", "Grade and scale", "Started", "Now"]],
            effects,
            col_widths=[2.6, 1.8, 2.2, 1.4, 1.8],
        )
    else:
        doc.paragraph("No new or changed side effects recorded in this period.")

    stays = [n for n in inputs.notes if n.kind == NoteKind.HOSPITAL_STAY and _in(n.date, lo, hi)]
    doc.heading(2, "Hospital stays")
    if stays:
        if opts.deidentified:  # a title is free text too
            rows = [(common.fmt_date(n.date), "hospital stay") for n in stays]
        elif opts.no_free_text:
            rows = [(common.fmt_date(n.date), n.title or "hospital stay") for n in stays]
        else:
            rows = [
                (
                    common.fmt_date(n.date),
                    common.excerpt(" — ".join(x for x in (n.title, n.text) if x)),
                )
                for n in stays
            ]
        doc.table([["Date", "Hospital stay"]], rows, col_widths=[1, 6])
    else:
        doc.paragraph("No hospital stays recorded in this period.")

    doc.heading(2, "Questions for this visit")
    open_q = [q for q in inputs.questions if q.asked_on is None]
    if open_q:
        for i, q in enumerate(sorted(open_q, key=lambda q: q.created.sort_key()), 1):
            doc.paragraph(f"{i}. {common.excerpt(q.text)}  (noted {common.fmt_date(q.created)})")
    else:
        doc.paragraph("No open questions recorded.")

    written = [
        n for n in inputs.notes if n.kind in (NoteKind.NOTE, NoteKind.VISIT) and _in(n.date, lo, hi)
    ]
    doc.heading(2, "Notes written in this period")
    if written and opts.no_free_text:
        doc.paragraph(f"{len(written)} note(s) left out: free text can contain names.", "muted")
    elif written:
        for n in sorted(written, key=lambda n: n.date.sort_key()):
            title = f"{common.fmt_date(n.date)} — {n.title}" if n.title else common.fmt_date(n.date)
            doc.paragraph([Span(title, bold=True), f" ({n.kind})"])
            if n.text:
                doc.paragraph(n.text)
    else:
        doc.paragraph("No notes written in this period.")

    draw = (
        None
        if opts.deidentified
        else timeline_chart(inputs, (lo, hi), title="This period on the timeline")
    )
    if opts.deidentified:
        deidentify_document(doc, inputs, opts)
        return doc
    if draw is not None:
        # The chart carries its own title: a separate heading could be left alone at the
        # foot of the page while the chart moves to the next one.
        doc.chart(draw, (7.1, 3.0), alt_text="timeline chart of the period")
    return doc
