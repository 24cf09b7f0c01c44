"""The Summary view: report choice, options, preview pages, PDF, copy as text."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from pypdf import PdfReader

from journal.services import actions
from journal.store import models as m


def _fill(store) -> None:
    actions.set_person(
        store, m.Person(display_name="Jane Q. Doe", birth_date="1957-03-03", sex="female")
    )
    actions.add_regimen(
        store,
        m.Regimen(name="DKd", start="2026-03-02", end="2026-10-20", end_reason="progression"),
        [
            m.RegimenDrug(name="daratumumab", drug_id="daratumumab"),
            m.RegimenDrug(name="carfilzomib", drug_id="carfilzomib"),
        ],
    )
    actions.add_note(store, m.Note(date="2026-09-30", kind="clinic visit", title="Visit"))
    actions.add_question(store, m.Question(created="2026-11-03", text="Space out the doses?"))
    actions.add_lab_results(
        store,
        [
            m.LabResult(date="2026-10-01", test="m_protein", value=1.4, unit="g/dL"),
            m.LabResult(date="2026-11-15", test="m_protein", value=1.9, unit="g/dL"),
        ],
    )


@pytest.fixture
def view(ctx, qtbot):
    from journal.ui.summary_view import SummaryView

    _fill(ctx.store)
    v = SummaryView(ctx)
    qtbot.addWidget(v)
    v.set_report("visit")
    v.refresh()
    qtbot.waitUntil(lambda: v.is_ready, timeout=10000)
    return v


def test_visit_preview_shows_pages_and_period_since_last_visit(view):
    assert view.last_error is None
    assert view.page_count() >= 1
    assert view.since.date().toPython() == dt.date(2026, 9, 30)
    assert view.period_row.isVisibleTo(view)


def test_copy_as_text_puts_the_report_on_the_clipboard(view, qapp):
    text = view.copy_text()
    assert qapp.clipboard().text() == text
    assert "Stopped DKd — why: progression" in text
    assert "Space out the doses?" in text
    assert "Jane Q. Doe" in text


def test_deidentified_option_removes_name_from_text(view):
    view.set_identity("none")
    view.refresh()
    text = view.copy_text()
    assert "Jane" not in text and "1957" not in text


def test_deidentified_option_leaves_no_exact_date(view):
    view.set_identity("deidentified")
    view.refresh()
    text = view.copy_text()
    assert "Jane" not in text and "1957" not in text
    assert not re.search(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}", text)
    assert "days from diagnosis" in text


def test_file_name_says_who_and_when(view):
    today = dt.date.today().isoformat()
    assert view.suggested_name() == f"TreatmentJournal-visit-JQD-{today}.pdf"
    view.set_identity("none")
    assert view.suggested_name() == f"TreatmentJournal-visit-{today}.pdf"


def test_save_pdf_in_background_writes_readable_pdf(view, qtbot, tmp_path):
    out = tmp_path / "visit.pdf"
    view.save_pdf(out)
    qtbot.waitUntil(lambda: view.last_saved == out, timeout=20000)
    pages = PdfReader(out).pages
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pages))
    assert "Visit summary" in text and f"page 1 of {len(pages)}" in text
    assert len(pages) == view.page_count()  # the preview shows the pages the PDF gets


def test_custom_period_is_used(view, qtbot):
    view.since.setDate(dt.date(2026, 11, 1))
    view.refresh()
    text = view.copy_text()
    assert "1 Nov 2026 to" in text
    assert "Stopped DKd" not in text  # 20 Oct is before the chosen period


def test_print_dialog_previews_the_same_pages(view, qtbot):
    from PySide6.QtPrintSupport import QPrintPreviewWidget

    dlg = view.print_dialog()
    qtbot.addWidget(dlg)
    preview = dlg.findChild(QPrintPreviewWidget)
    qtbot.waitUntil(lambda: preview.pageCount() > 0, timeout=10000)
    assert preview.pageCount() == view.page_count()
    dlg.reject()


def test_period_chosen_on_the_timeline_is_offered(view, ctx):
    assert not view.use_timeline.isEnabled()
    ctx.visit_range = (dt.date(2026, 10, 1), dt.date(2026, 11, 20))
    view._update_period_row()
    assert view.use_timeline.isEnabled()
    view.use_timeline.click()
    view.refresh()
    assert "Visit summary: 1 Oct 2026 to 20 Nov 2026" in view.copy_text()
    view.default_period.click()
    view.refresh()
    assert "since the last clinic visit on 30 Sep 2026" in view.copy_text()


def test_new_entries_refresh_the_summary(view, ctx, qtbot):
    view.show()
    ctx.apply(actions.add_question, m.Question(created="2026-11-20", text="Ask about IVIG?"))
    qtbot.waitUntil(lambda: "Ask about IVIG?" in view.copy_text(), timeout=5000)


def test_screening_as_of_a_past_date(view):
    view.set_report("screening")
    view.as_of_today.setChecked(False)
    view.as_of.setDate(dt.date(2026, 10, 15))
    view.refresh()
    assert view.last_error is None, view.last_error
    text = view.copy_text()
    assert "As of 15 Oct 2026" in text
    assert "Stopped DKd" not in text  # a visit-summary line, not in this report
    prior = view._inputs.summary.prior_lines  # the rules' count as of that day, printed as is
    assert view._inputs.summary.as_of == dt.date(2026, 10, 15)
    assert re.search(rf"Prior lines of therapy\s*: {prior} \[c\]", text)


def test_empty_journal_shows_a_summary_not_an_error(ctx, qtbot):
    from journal.ui.summary_view import SummaryView

    v = SummaryView(ctx)
    qtbot.addWidget(v)
    qtbot.waitUntil(lambda: v.is_ready, timeout=10000)
    assert v.last_error is None, v.last_error
    assert v.page_count() >= 1
    assert "No treatment recorded." in v.copy_text()


def test_hidden_view_rebuilds_only_when_shown_again(view, ctx, qtbot):
    view.hide()
    ctx.apply(actions.add_question, m.Question(created="2026-11-21", text="Hidden change?"))
    qtbot.wait(400)
    assert "Hidden change?" not in view.copy_text()  # not rebuilt while hidden
    view.show()
    qtbot.waitUntil(lambda: "Hidden change?" in view.copy_text(), timeout=5000)


def test_demo_preview_has_the_pdfs_pages(demo_store, settings, qtbot, tmp_path):
    from journal.ui.context import JournalContext
    from journal.ui.summary_view import SummaryView

    ctx = JournalContext(demo_store, settings)
    v = SummaryView(ctx)
    qtbot.addWidget(v)
    # the chart is drawn on a worker thread; the pages appear when it is done
    qtbot.waitUntil(lambda: v.is_ready, timeout=10000)
    assert v.last_error is None, v.last_error
    out = tmp_path / "demo.pdf"
    v.save_pdf(out, background=False)
    assert v.page_count() == len(PdfReader(out).pages) >= 4


def test_preview_paints_only_the_pages_in_view(demo_store, settings, qtbot):
    from journal.ui.context import JournalContext
    from journal.ui.summary_view import SummaryView

    v = SummaryView(JournalContext(demo_store, settings))
    qtbot.addWidget(v)
    v.resize(900, 700)
    v.show()
    qtbot.waitUntil(lambda: v.is_ready, timeout=10000)
    qtbot.waitUntil(lambda: 0 in v.preview.painted, timeout=5000)
    count = v.page_count()
    assert count >= 4
    # A long report is not painted all at once: the pages out of view wait until seen.
    assert count - 1 not in v.preview.painted
    bar = v.preview.verticalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: count - 1 in v.preview.painted, timeout=5000)
    assert len(v.preview.painted) < count


def test_pages_counted_in_short_calls_are_the_pages_of_the_pdf(view):
    """The window fits the screening summary with count_pages(in_steps=True) (short calls
    into Qt, so the window answers meanwhile): the same pages as the PDF's own count."""
    from journal.reports.qt_backend import count_pages

    view.set_report("screening")
    doc = view.document()
    for size in ("A4", "Letter"):
        counted = count_pages(doc, size, in_steps=True)
        assert counted == count_pages(doc, size)
        assert counted >= 1
