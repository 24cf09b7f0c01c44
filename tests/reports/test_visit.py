from __future__ import annotations

import datetime as dt

from journal.reports.inputs import ReportOptions
from journal.reports.text_backend import render_text
from journal.reports.visit import SUPPORT_MARK, build_visit, trend_arrow, visit_period

OPTS = ReportOptions(as_of=dt.date(2026, 11, 25))


def test_period_defaults_to_since_last_clinic_visit(small_inputs):
    lo, hi, why = visit_period(small_inputs, OPTS)
    assert (lo, hi) == (dt.date(2026, 9, 30), dt.date(2026, 11, 25))
    assert "30 Sep 2026" in why


def test_period_without_visits_is_last_90_days(small_inputs):
    small_inputs.notes = ()
    small_inputs.questions = ()
    lo, hi, why = visit_period(small_inputs, OPTS)
    assert (hi - lo).days == 90 and "no clinic visit" in why


def test_period_starts_at_a_later_visit_entry(small_inputs):
    """An ECOG score or a question answered at a visit marks a visit too."""
    import dataclasses

    from report_helpers import P

    from journal.domain.records import EcogRec

    lo, _hi, _why = visit_period(small_inputs, OPTS)
    assert lo == dt.date(2026, 9, 30)
    small_inputs.history = dataclasses.replace(
        small_inputs.history, ecog=(EcogRec(1, P("2026-10-12"), 1),)
    )
    lo, _hi, why = visit_period(small_inputs, OPTS)
    assert lo == dt.date(2026, 10, 12) and "ECOG" in why


def test_chosen_period_wins(small_inputs):
    opts = ReportOptions(as_of=dt.date(2026, 11, 25), visit_since=dt.date(2026, 11, 1))
    assert visit_period(small_inputs, opts)[:2] == (dt.date(2026, 11, 1), dt.date(2026, 11, 25))


def test_trend_arrows():
    assert trend_arrow(1.0, 1.4) == "↑"
    assert trend_arrow(11.8, 9.6) == "↓"
    assert trend_arrow(1.4, 1.45) == "→"  # within 5 %
    assert trend_arrow(None, 3) == ""
    assert trend_arrow(0, 0) == "→"


def test_visit_lists_what_changed(small_inputs):
    text = render_text(build_visit(small_inputs, OPTS), width=140)
    assert "Visit summary: 30 Sep 2026 to 25 Nov 2026" in text
    # treatment changes, in date order
    i_dose = text.index("carfilzomib dose changed to 56 mg/m2 (side effects)")
    i_stop = text.index("Stopped DKd — why: progression")
    i_start = text.index("Started Talquetamab: talquetamab (progression)")
    assert i_dose < i_stop < i_start
    assert "Red-cell transfusion" in text
    # results: latest in period, arrow vs the start of the period, supported values flagged
    assert "1.45 g/dL" in text and "0.9 on 1 Aug 2026" in text
    mp_line = next(line for line in text.splitlines() if line.startswith("Serum M-protein"))
    assert "↑" in mp_line
    hb_line = next(line for line in text.splitlines() if line.startswith("Haemoglobin"))
    # the summary's CTCAE grade and its "may be supported" flag (entered as transfusion-supported)
    assert "↓" in hb_line and "G2" in hb_line and SUPPORT_MARK in hb_line
    assert "Platelets" not in text  # no result in the period
    # side effects: worse, new (patient-reported), resolved
    fat = next(line for line in text.splitlines() if line.startswith("Fatigue"))
    assert "worse (was grade 1)" in fat and "grade 2, CTCAE v5.0" in fat
    dys = next(line for line in text.splitlines() if line.startswith("Dysgeusia"))
    assert "new" in dys and "patient-reported" in dys and "ongoing" in dys
    assert "resolved 30 Oct 2026" in text
    # hospital stay and open questions only
    assert "Admitted with fever — 3 nights, Jane" in text
    assert "1. Should the talquetamab dose be spaced out?" in text
    assert "Old question" not in text


def test_empty_period_says_so(small_inputs):
    opts = ReportOptions(
        as_of=dt.date(2026, 11, 25),
        visit_since=dt.date(2024, 1, 1),
        visit_until=dt.date(2024, 2, 1),
    )
    text = render_text(build_visit(small_inputs, opts))
    assert "No treatment changes recorded in this period." in text
    assert "No new blood or urine results recorded in this period." in text
    assert "No hospital stays recorded in this period." in text


def test_deidentified_visit_has_no_name_or_birth_date(small_inputs):
    opts = ReportOptions(identity="without_name", as_of=dt.date(2026, 11, 25))
    text = render_text(build_visit(small_inputs, opts))
    assert "Jane" not in text and "Doe" not in text
    assert "1957" not in text and "age 69" in text


def test_responses_progressions_ecog_and_supportive_changes(small_inputs):
    import dataclasses

    from report_helpers import P

    from journal.domain.records import EcogRec, ProgressionRec, ResponseRec, SupportiveRec

    h = small_inputs.history
    small_inputs.history = dataclasses.replace(
        h,
        responses=(ResponseRec(1, P("2026-08-01"), "VGPR"), ResponseRec(2, P("2026-11-18"), "PR")),
        progressions=(ProgressionRec(1, P("2026-10-15"), "biochemical", confirmed=False),),
        ecog=(EcogRec(1, P("2026-11-02"), 2),),
        supportive=(
            SupportiveRec(1, "Aciclovir", purpose="shingles prevention", start=P("2026-11-02")),
        ),
    )
    opts = ReportOptions(as_of=dt.date(2026, 11, 25), visit_since=dt.date(2026, 9, 30))
    text = render_text(build_visit(small_inputs, opts), width=140)
    part = text[text.index("Responses, progressions") : text.index("Side effects: new")]
    assert "VGPR" not in part  # before the period
    order = [
        part.index(x)
        for x in (
            "Progression (biochemical, not confirmed)",
            "ECOG performance status 2",
            "Started Aciclovir (shingles prevention)",
            "Response: PR",
        )
    ]
    assert order == sorted(order)


def test_visit_shows_current_treatment_with_doses_notes_and_grades(small_inputs):
    from journal.domain.summary import build_summary

    small_inputs.summary = build_summary(small_inputs.history, as_of=dt.date(2026, 11, 25))
    text = render_text(build_visit(small_inputs, OPTS), width=160)
    cur = text[text.index("Current treatment") : text.index("Treatment changes")]
    assert "Talquetamab: talquetamab" in cur
    assert "Chosen note" in text and "Bring the pill box" in text  # written in the period
    assert "June visit" not in text  # before the period
    hb_line = next(line for line in text.splitlines() if line.startswith("Haemoglobin"))
    assert "G2" in hb_line  # 9.6 g/dL: CTCAE anaemia grade 2, from the summary
    assert "§" in hb_line  # 3 days after a red-cell transfusion


def test_computed_response_changes_are_listed(demo_inputs):
    from journal.reports.visit import assessments

    s = demo_inputs.summary
    changes = [
        (lr.line, a)
        for lr in s.responses.lines
        for prev, a in zip(lr.assessments, lr.assessments[1:], strict=False)
        if a.category != prev.category
    ]
    assert changes, "the demo's computed responses change over time"
    _line, a = changes[-1]
    lo = a.date - dt.timedelta(days=1)
    rows = assessments(demo_inputs, lo, a.date)
    texts = [render_text_cell(r[1]) for r in rows]
    assert any("Response computed from labs" in t and a.category in t for t in texts)


def render_text_cell(v) -> str:
    from journal.reports.text_backend import inline_text

    return inline_text(v)
