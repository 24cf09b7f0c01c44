"""Hand-made documents for the report machinery tests."""

from __future__ import annotations

import pytest

from journal.reports.document import Document, computed, overridden


def _draw(fig):
    ax = fig.add_subplot()
    ax.plot([1, 2, 3], [3.1, 1.2, 2.4])
    ax.set_title("Serum M-protein chartlabel")


@pytest.fixture
def long_doc() -> Document:
    """Three-plus pages: a long table whose header must repeat, a chart, a page break."""
    d = Document(
        "Trial-screening summary",
        header_left="Jane Doe",
        header_right="born 3 Mar 1957",
        footer_left="generated 25 Nov 2026 · patient-kept record: verify with medical records",
    )
    d.heading(1, "Trial-screening summary")
    d.key_value([("Prior lines", computed("4")), ("Refractory", overridden("lenalidomide"))], 2)
    d.table(
        [["Date", "Test", "Value", "Unit"]],
        [[f"2020-01-{(i % 28) + 1:02d}", f"row{i:03d}", str(i), "g/dL"] for i in range(160)],
        col_widths=[2, 3, 1, 1],
    )
    d.chart(_draw, (7, 3), caption="Timeline of treatment")
    d.page_break()
    d.heading(2, "Appendix: notes")
    d.paragraph("Appendix starts on its own page.")
    return d


# --- a small hand-made journal for report content tests ------------------------------

import datetime as dt  # noqa: E402

from journal.domain.dates import PartialDate  # noqa: E402
from journal.domain.records import (  # noqa: E402
    DoseChangeRec,
    DrugRec,
    History,
    LabRec,
    PersonRec,
    ProcedureRec,
    RegimenRec,
    SideEffectRec,
)
from journal.domain.summary import build_summary  # noqa: E402
from journal.reports.inputs import NoteItem, QuestionItem, ReportInputs  # noqa: E402


def P(text: str) -> PartialDate:
    return PartialDate.from_iso(text)


@pytest.fixture
def small_inputs() -> ReportInputs:
    """A person on DKd who started talquetamab in the visit period."""
    dkd = RegimenRec(
        id=1,
        name="DKd",
        start=P("2026-03-02"),
        end=P("2026-10-20"),
        end_reason="progression",
        drugs=(
            DrugRec("daratumumab", "daratumumab", P("2026-03-02"), P("2026-10-20")),
            DrugRec(
                "carfilzomib",
                "carfilzomib",
                P("2026-03-02"),
                P("2026-10-20"),
                dose_changes=(DoseChangeRec(P("2026-10-05"), 56, "mg/m2", reason="side effects"),),
            ),
            DrugRec("dexamethasone", "dexamethasone", P("2026-03-02"), P("2026-10-20")),
        ),
    )
    tal = RegimenRec(
        id=2,
        name="Talquetamab",
        start=P("2026-11-02"),
        start_reason="progression",
        drugs=(DrugRec("talquetamab", "talquetamab", P("2026-11-02"), None),),
    )
    labs = (
        LabRec(1, P("2026-08-01"), "m_protein", 0.9),
        LabRec(2, P("2026-10-01"), "m_protein", 1.4),
        LabRec(3, P("2026-11-15"), "m_protein", 1.45),
        LabRec(4, P("2026-09-20"), "hb", 11.8),
        LabRec(5, P("2026-11-15"), "hb", 9.6, context="transfusion-supported"),
        LabRec(6, P("2026-05-01"), "platelets", 150),  # before the period: not "new"
    )
    effects = (
        SideEffectRec(1, "Fatigue", P("2026-04-01"), grade=1, resolved=P("2026-06-01")),
        SideEffectRec(2, "Fatigue", P("2026-10-10"), grade=2),
        SideEffectRec(3, "Dysgeusia", P("2026-11-10"), grade=1, grade_source="patient-reported"),
        SideEffectRec(
            4, "Peripheral sensory neuropathy", P("2025-01-01"), grade=2, resolved=P("2026-10-30")
        ),
    )
    history = History(
        person=PersonRec(P("1957-03-03"), "female", 165, 70, "Jane Q. Doe"),
        regimens=(dkd, tal),
        procedures=(ProcedureRec(1, "red-cell transfusion", P("2026-11-12")),),
        labs=labs,
        side_effects=effects,
    )
    notes = (
        NoteItem(1, P("2026-06-01"), "clinic visit", "June visit", "all fine"),
        NoteItem(2, P("2026-09-30"), "clinic visit", "September visit", "M-protein rising"),
        NoteItem(3, P("2026-10-25"), "hospital stay", "Admitted with fever", "3 nights, Jane"),
        NoteItem(4, P("2026-11-01"), "note", "Chosen note", "Bring the pill box", True),
    )
    questions = (
        QuestionItem(1, P("2026-11-03"), "Should the talquetamab dose be spaced out?"),
        QuestionItem(2, P("2026-06-02"), "Old question", asked_on=P("2026-09-30"), answer="done"),
    )
    summary = build_summary(history, as_of=dt.date(2026, 11, 25))
    return ReportInputs(history, summary, notes, questions, generated=dt.date(2026, 11, 25))


# --- the demo journal, built once per test session ----------------------------------------

from report_helpers import AS_OF  # noqa: E402


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory):
    demo = pytest.importorskip("journal.demo")
    from journal.store.db import create_journal

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    store = create_journal(path)
    demo.build_demo(store)
    store.close()
    return path


@pytest.fixture(scope="session")
def demo_inputs(demo_path):
    from journal.reports.inputs import load_report_inputs
    from journal.store.db import open_journal

    with open_journal(demo_path, readonly=True, auto_backup=False) as store:
        return load_report_inputs(store, as_of=AS_OF)
