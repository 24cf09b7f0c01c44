"""A report prints a bounded amount of each person-written text (issue 17, item 3):
a 1 MB note made `summary --pdf` take minutes; now the report says how much more the
journal holds, and any accepted journal prints in seconds."""

from __future__ import annotations

import dataclasses

from report_helpers import AS_OF

from journal.domain.dates import PartialDate
from journal.reports import common
from journal.reports.inputs import NoteItem, QuestionItem, ReportOptions
from journal.reports.screening import build_screening
from journal.reports.text_backend import render_text
from journal.reports.visit import build_visit
from journal.store.validation import MAX_LONG_TEXT

LONG = ("word " * (MAX_LONG_TEXT // 5)).strip()  # the longest text a journal accepts


def test_excerpt_keeps_short_text_and_counts_what_is_left_out():
    assert common.excerpt("Felt fine today.") == "Felt fine today."
    cut = common.excerpt(" ".join(f"w{i}" for i in range(5000)), words=100)
    assert cut.startswith("w0 w1 ")
    assert "w99" in cut and "w100 " not in cut
    assert cut.endswith("… 4,900 more words in the journal")


def test_excerpt_bounds_text_without_spaces():
    cut = common.excerpt("x" * MAX_LONG_TEXT)
    assert len(cut) < 3000
    assert "more characters in the journal" in cut


def test_screening_prints_a_bounded_part_of_a_long_note(demo_inputs):
    note = NoteItem(9001, PartialDate.from_iso("2026-10-01"), "note", "Long diary", LONG, True)
    inputs = dataclasses.replace(demo_inputs, notes=(*demo_inputs.notes, note))
    text = render_text(build_screening(inputs, ReportOptions(as_of=AS_OF)), width=160)
    assert "Long diary" in text
    assert text.count("word") < 2 * common.EXCERPT_WORDS
    assert "more words in the journal" in text


def test_visit_summary_bounds_questions_and_stays(demo_inputs):
    q = QuestionItem(9002, PartialDate.from_iso("2026-10-01"), LONG)
    stay = NoteItem(9003, PartialDate.from_iso("2026-10-02"), "hospital stay", "Ward 3", LONG)
    inputs = dataclasses.replace(
        demo_inputs,
        notes=(*demo_inputs.notes, stay),
        questions=(*demo_inputs.questions, q),
    )
    opts = ReportOptions(as_of=AS_OF, visit_since=PartialDate.from_iso("2026-09").earliest())
    text = render_text(build_visit(inputs, opts), width=160)
    assert text.count("word") < 3 * common.EXCERPT_WORDS
    assert "more words in the journal" in text
