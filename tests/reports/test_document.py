from __future__ import annotations

import pytest

from journal.reports.document import (
    COMPUTED,
    OVERRIDE,
    Document,
    Span,
    computed,
    overridden,
    plain,
    spans,
)
from journal.reports.text_backend import render_text


def test_inline_normalises_strings_spans_and_lists():
    assert spans(None) == []
    assert spans("") == []
    assert spans(["a", computed("b")]) == [Span("a"), Span("b", COMPUTED)]
    assert plain(["x ", overridden("y")]) == "x y"


def test_unknown_marker_and_style_are_refused():
    with pytest.raises(ValueError, match="marker"):
        Span("x", marker="guess")
    with pytest.raises(ValueError, match="style"):
        Document("t").paragraph("x", style="shouting")
    with pytest.raises(ValueError, match="level"):
        Document("t").heading(4, "x")


def test_column_widths_must_match_columns():
    with pytest.raises(ValueError, match="3 column widths given for 2 columns"):
        Document("t").table([["a", "b"]], [["1", "2"]], col_widths=[1, 2, 3])


def test_has_markers_looks_into_tables_and_key_values():
    d = Document("t").paragraph("nothing computed")
    assert not d.has_markers(COMPUTED)
    d.table([["a"]], [[overridden("x")]])
    assert d.has_markers(OVERRIDE) and not d.has_markers(COMPUTED)
    d.key_value([("k", computed("v"))])
    assert d.has_markers(COMPUTED)


def test_text_marks_computed_and_override_and_explains_them(long_doc):
    text = render_text(long_doc)
    assert "Prior lines: 4 [c]" in text
    assert "lenalidomide [override]" in text
    assert "[c] = computed by the app" in text
    assert "[Timeline of treatment]" not in text  # caption follows the alt text
    assert "[chart] Timeline of treatment" in text


def test_text_table_has_every_row_once_and_one_header(long_doc):
    text = render_text(long_doc)
    assert text.count("Date ") == 1
    for i in (0, 77, 159):
        assert text.count(f"row{i:03d}") == 1


def test_text_table_wraps_long_cells_within_width():
    d = Document("t").table(
        [["Regimen", "Why it ended"]],
        [["DKd (daratumumab, carfilzomib, dexamethasone)", "progression " * 12]],
        col_widths=[1, 1],
    )
    text = render_text(d, width=60)
    assert all(len(line) <= 60 for line in text.splitlines())
    assert text.count("progression") == 12


def test_initials_and_file_names():
    import datetime as dt

    from journal.domain.records import PersonRec
    from journal.reports.common import initials, suggested_filename
    from journal.reports.inputs import ReportOptions

    assert initials("Jane Q. Doe") == "JQD"
    assert initials("Sam Example (fictional demo)") == "SE"
    assert initials("Anne-Marie van Dijk") == "AMVD"
    assert initials(None) == ""
    p = PersonRec(display_name="Jane Doe")
    day = dt.date(2026, 11, 25)
    assert (
        suggested_filename("screening", p, ReportOptions(as_of=day))
        == "TreatmentJournal-screening-JD-2026-11-25.pdf"
    )
    assert (
        suggested_filename("visit", p, ReportOptions(identity="none", as_of=day))
        == "TreatmentJournal-visit-2026-11-25.pdf"
    )
