"""The trial-screening summary printed from the demo journal's computed summary."""

from __future__ import annotations

import dataclasses
import re

import pytest
from report_helpers import AS_OF, pdf_pages_text

from journal.domain.records import OverrideRec
from journal.domain.summary import build_summary
from journal.reports.common import fmt_date
from journal.reports.inputs import ReportInputs, ReportOptions
from journal.reports.qt_backend import count_pages, write_pdf
from journal.reports.screening import build_screening, fit_screening
from journal.reports.text_backend import render_text

OPTS = ReportOptions(as_of=AS_OF)


@pytest.fixture(scope="module")
def text(demo_inputs) -> str:
    return render_text(build_screening(demo_inputs, OPTS), width=160)


def _line_of(text: str, start: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(start))


def test_header_names_the_person_and_says_verify(text, demo_inputs):
    person = demo_inputs.history.person
    assert person.display_name in text.splitlines()[0]
    assert f"born {fmt_date(person.birth_date)}" in text
    assert "patient-kept record: verify with medical records" in text


def test_prior_line_count_is_the_summarys(text, demo_inputs):
    s = demo_inputs.summary
    assert re.search(rf"Prior lines of therapy\s*: {s.prior_lines} \[c\]", text)
    regimens = {r.id: r for r in demo_inputs.history.regimens}
    for ln in s.lines.lines:
        first = regimens[ln.regimen_ids[0]].name
        assert re.search(rf"^{ln.number} \[c\]\s+\| {re.escape(first[:20])}", text, re.M)


def test_refractory_classes_and_labels_with_drugs_behind(text, demo_inputs):
    ledger = demo_inputs.summary.ledger
    refr = [k for k, c in ledger.classes.items() if c.refractory]
    assert refr, "the demo person is refractory to something"
    facts = _line_of(text, "Refractory classes")
    for cls in refr:
        # Issue 9 item 8: only anti-myeloma classes are named; a steroid keeps its
        # per-drug answer but is not a refractory class.
        assert (cls in facts) == (cls in ledger.refractory_classes), cls
    assert "steroid" not in facts
    for lab in ledger.labels.values():
        # Labels implied by a stronger one are named once, in one line (issue 9 item 6).
        if lab.shown and lab.drugs and not lab.drugs[0].startswith("procedure:"):
            row = _line_of(text, lab.name[:30])
            assert ledger.drugs[lab.drugs[0]].name in row
    assert "Labels that do not apply:" in text
    # Implied labels are not repeated in the key facts (issue 9 item 6); the appendix
    # table of the drugs behind each label still lists every label that applies.
    implied = [lab.name for lab in ledger.labels.values() if lab.implied_by]
    facts_line = "".join(_line_of(text, "Class labels").split())
    assert implied and not any("".join(n.split()) + ";" in facts_line for n in implied)


def test_every_last_dose_is_printed_with_days_since(text, demo_inputs):
    from journal.reports.screening import _short_label

    w = demo_inputs.summary.washouts
    for item in (*w.drugs, *w.procedures):
        label = _short_label(item.label)
        if item.ongoing:
            assert re.search(rf"{re.escape(label)}\s*\| ongoing", text)
        else:
            assert re.search(
                rf"{re.escape(label)}\s*\| {fmt_date(item.last)}\s*\| "
                rf"{re.escape(item.display())} \[c\]",
                text,
            ), item.label


def test_ongoing_side_effects_with_grade_and_ctcae_version(text, demo_inputs):
    ongoing = demo_inputs.summary.ongoing_side_effects
    assert ongoing
    section = text[text.index("Ongoing side effects") : text.index("Latest labs")]
    for v in ongoing:
        row = _line_of(section, v.term)
        assert f"grade {v.grade}" in row and v.scale in row


def test_latest_labs_ecog_supportive_and_measurable(text, demo_inputs):
    s = demo_inputs.summary
    labs = text[text.index("Latest labs") :]
    for name in ("Neutrophils (ANC)", "Platelets", "Haemoglobin", "Creatinine", "Calcium"):
        assert name in labs
    assert "Creatinine clearance" in labs and "Cockcroft-Gault" in labs
    assert f"ECOG performance status: {s.ecog.score}" in text
    for sup in s.supportive:
        assert sup.name in text
    assert "IMWG: no [c]" in text or "IMWG: yes" in text


def test_appendix_has_chart_lab_table_side_effect_history_and_chosen_notes(text, demo_inputs):
    appendix = text[text.index("Appendix") :]
    # the demo's ten years: the chart shows the whole history, to scale
    assert "[timeline chart of the whole history]" in appendix
    assert "compressed" not in appendix[: appendix.index("[timeline chart")]
    n_lab_dates = len({lab.date for lab in demo_inputs.history.labs})
    lab_rows = re.findall(r"^\d{1,2} \w{3} \d{4}\s+\| [\d.]*", appendix, re.M)
    assert len(lab_rows) >= n_lab_dates
    assert "Side-effect history" in appendix
    chosen = [n for n in demo_inputs.notes if n.include_in_summary]
    assert chosen
    for n in chosen:
        assert n.title in appendix
    for n in demo_inputs.notes:
        if not n.include_in_summary and n.text:
            assert n.text[:40] not in text


def test_overrides_are_marked_as_such(demo_inputs):
    h = demo_inputs.history
    over = OverrideRec(99, "refractory", "lenalidomide", "no", "my haematologist disagrees")
    h2 = dataclasses.replace(h, overrides=(*h.overrides, over))
    s2 = build_summary(h2, as_of=AS_OF)
    inputs = ReportInputs(h2, s2, demo_inputs.notes, demo_inputs.questions, AS_OF)
    text = render_text(build_screening(inputs, OPTS), width=160)
    assert "lenalidomide [override]" not in text  # no longer refractory: not listed...
    assert "my haematologist disagrees" in text  # ...and the correction is shown with its reason
    assert "Corrections by the person: 1" in text.replace(" [override]", "")
    over2 = OverrideRec(98, "refractory", "bortezomib", "yes", "progressed on it in 2017")
    h3 = dataclasses.replace(h, overrides=(over2,))
    s3 = build_summary(h3, as_of=AS_OF)
    t3 = render_text(build_screening(ReportInputs(h3, s3, (), (), AS_OF), OPTS), width=160)
    assert "bortezomib [override]" in t3


def test_deidentified_leaves_out_name_birth_date_and_notes(demo_inputs):
    opts = ReportOptions(identity="none", as_of=AS_OF)
    text = render_text(build_screening(demo_inputs, opts))
    person = demo_inputs.history.person
    for part in person.display_name.split():
        if len(part) > 3:
            assert part not in text
    assert fmt_date(person.birth_date) not in text
    assert "age 70" in text
    assert "note(s) left out" in text


def test_pdf_first_two_pages_hold_the_screening_facts(qapp, tmp_path, demo_inputs):
    out = tmp_path / "screening.pdf"
    pages = write_pdf(fit_screening(demo_inputs, OPTS, count_pages), out)
    texts = pdf_pages_text(out)
    assert len(texts) == pages
    front = " ".join(texts[:2])
    s = demo_inputs.summary
    assert re.search(rf"Prior lines of therapy\s+{s.prior_lines}\s", front)
    assert "Last doses and days since" in front
    assert "Supportive care now" in front  # the whole screening part fits two sides
    assert texts[2].lstrip().splitlines()[1].startswith("Appendix") or "Appendix" in texts[2]
    for i, t in enumerate(texts, 1):
        assert f"page {i} of {pages}" in t
    # the long lab table repeats its header on every page it spans
    flat = [re.sub(r"\s+", " ", t) for t in texts]
    first = next(i for i, t in enumerate(flat) if "All lab results" in t)
    last = next(i for i, t in enumerate(flat) if "Side-effect history" in t)
    assert last > first, "the demo's lab table spans pages"
    for t in flat[first : last + 1]:
        if "Side-effect history" in t and len(t.split("Side-effect history")[0]) < 200:
            continue  # the table ended on the page before; this page starts the next section
        assert "DateM-protg/dLκmg/Lλmg/Lκ/λHbg/dL" in t.replace(" ", ""), t[:400]


def test_deidentified_pdf_contains_no_name_or_birth_date(qapp, tmp_path, demo_inputs):
    out = tmp_path / "deid.pdf"
    write_pdf(
        build_screening(demo_inputs, ReportOptions(identity="without_name", as_of=AS_OF)), out
    )
    whole = " ".join(pdf_pages_text(out))
    person = demo_inputs.history.person
    assert "Sam" not in whole and "Example" not in whole
    assert fmt_date(person.birth_date) not in whole
    assert person.birth_date.to_iso() not in whole


def test_appendix_explains_each_computed_fact_with_its_source(text, demo_inputs):
    part = text[text.index("How the computed facts were worked out") :]
    s = demo_inputs.summary
    assert "IMWG 2015 lines of therapy" in part
    for ln in s.lines.lines:
        assert f"Line {ln.number} starts" in part
    for d in s.ledger.drugs.values():
        if d.refractory:
            assert f"Refractory to {d.name}" in part
    assert "(default rule, unconfirmed)" in part  # defaults marked unconfirmed say so


def test_an_empty_journal_gives_a_plain_summary(qapp, tmp_path):
    from journal.domain.records import History
    from journal.reports.visit import build_visit

    h = History()
    inputs = ReportInputs(h, build_summary(h, as_of=AS_OF), (), (), AS_OF)
    text = render_text(build_screening(inputs, OPTS))
    assert re.search(r"Prior lines of therapy\s*: 0 \[c\]", text)
    assert "No treatment recorded." in text and "name not recorded" in text
    assert "No ongoing side effects recorded." in text
    out = tmp_path / "empty.pdf"
    assert write_pdf(build_visit(inputs, OPTS), out) == 1


def test_lines_header_promises_doses_only_when_the_core_prints_them(demo_inputs):
    from journal.reports.screening import BUDGETS

    with_doses = next(b for b in BUDGETS if b.doses)
    without = next(b for b in BUDGETS if not b.doses)
    full = render_text(build_screening(demo_inputs, OPTS, with_doses), width=200)
    folded = render_text(build_screening(demo_inputs, OPTS, without), width=200)
    core = folded.split("Appendix")[0]
    assert "dose, route, schedule" in full.split("Appendix")[0]
    assert "dose, route, schedule" not in core
    assert "doses in the appendix" in core
    # ... and the appendix then lists every line with its doses.
    assert "dose, route, schedule" in folded.split("Appendix", 1)[1]
