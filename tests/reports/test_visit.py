from __future__ import annotations

import datetime as dt

from journal.reports.inputs import ReportOptions
from journal.reports.text_backend import render_text
from journal.reports.visit import build_visit, trend_arrow, visit_period

OPTS = ReportOptions(as_of=dt.date(2026, 11, 25))


def test_period_defaults_to_since_last_clinic_visit(small_inputs):
    lo, hi, why = visit_period(small_inputs, OPTS)
    assert (lo, hi) == (dt.date(2026, 9, 30), dt.date(2026, 11, 25))
    assert "30 Sep 2026" in why


def test_period_without_visits_is_last_90_days(small_inputs):
    small_inputs.notes = ()
    lo, hi, why = visit_period(small_inputs, OPTS)
    assert (hi - lo).days == 90 and "no clinic visit" in why


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
    # results: latest in period, arrow vs the one before, supported values flagged
    assert "1.45 g/dL" in text and "1.4 on 1 Oct 2026" in text
    hb_line = next(line for line in text.splitlines() if line.startswith("Haemoglobin"))
    assert "↓" in hb_line and "transfusion-supported" in hb_line
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
    text = render_text(build_visit(small_inputs, OPTS), width=140)
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
