import datetime as dt

import pytest

from journal.store import models as m
from journal.store.validation import RecordError, validate

TODAY = dt.date(2026, 11, 25)


def errors_of(record, **kw):
    with pytest.raises(RecordError) as exc:
        validate(record, today=TODAY, **kw)
    return {e.field: e.message for e in exc.value.errors}


def test_valid_regimen_passes():
    validate(m.Regimen(name="VRd", start="2019-05-01", end="2019-09"), today=TODAY)


def test_stop_before_start_names_field_and_both_dates():
    errs = errors_of(m.Regimen(name="VRd", start="2019-05-01", end="2019-03-12"))
    assert errs["end"] == (
        "Stop date (12 Mar 2019) is before the start date (1 May 2019). Check both dates."
    )


def test_month_precision_end_in_same_month_is_fine():
    # "May 2019" may end on any day in May, so a start of 20 May is not contradicted.
    validate(m.Regimen(name="VRd", start="2019-05-20", end="2019-05"), today=TODAY)


def test_unreadable_date_and_unknown_enum_reported_together():
    errs = errors_of(m.Regimen(name="VRd", start="May 2019", intent="curative"))
    assert "start" in errs and "not a date" in errs["start"]
    assert "intent" in errs and "induction" in errs["intent"]


def test_empty_required_text():
    errs = errors_of(m.Regimen(name="  ", start="2019"))
    assert "name" in errs


def test_birth_date_in_future():
    errs = errors_of(m.Person(birth_date="2026-12-24"))
    assert "future" in errs["birth_date"]


def test_lab_unit_must_fit_test():
    errs = errors_of(m.LabResult(date="2020-01-02", test="flc_kappa", value=12, unit="g/dL"))
    assert "mg/L" in errs["unit"] and "mg/dL" in errs["unit"]


def test_lab_unknown_test():
    errs = errors_of(m.LabResult(date="2020-01-02", test="sodium", value=140, unit="mmol/L"))
    assert "test" in errs


def test_qualitative_lab_needs_text_value():
    errs = errors_of(m.LabResult(date="2020-01-02", test="serum_ife", value=1.0, unit="result"))
    assert "text_value" in errs and "value" in errs
    validate(
        m.LabResult(date="2020-01-02", test="serum_ife", text_value="negative", unit="result"),
        today=TODAY,
    )


def test_quantitative_lab_needs_number():
    errs = errors_of(m.LabResult(date="2020-01-02", test="hb", unit="g/dL", text_value="low"))
    assert "value" in errs


@pytest.mark.parametrize(
    ("scale", "grade", "ok"),
    [
        ("CTCAE v5.0", 5, True),
        ("CTCAE v5.0", 6, False),
        ("KVA", 4, True),
        ("KVA", 5, False),
        ("ASTCT 2019", 1, True),
        ("ASTCT 2019", 0, False),
    ],
)
def test_grade_range_per_scale(scale, grade, ok):
    se = m.SideEffect(term="CRS", onset="2024-03-02", scale=scale, grade=grade)
    if ok:
        validate(se, today=TODAY)
    else:
        assert "grade" in errors_of(se)


def test_ecog_range():
    assert "score" in errors_of(m.Ecog(date="2020-01", score=5))


def test_wrong_types_named():
    errs = errors_of(m.Ecog(date="2020-01", score="one"))
    assert errs["score"] == "The ECOG score must be a whole number."


def test_drug_dates_inside_regimen():
    reg = m.Regimen(name="DKd", start="2020-06-01", end="2021-01-31")
    errs = errors_of(
        m.RegimenDrug(
            regimen_id=1, drug_id="daratumumab", start="2020-05-01", last_dose="2021-03-01"
        ),
        parent=reg,
    )
    assert "before the regimen started" in errs["start"]
    assert "after the regimen ended" in errs["last_dose"]


def test_drug_needs_name():
    assert "name" in errors_of(m.RegimenDrug(regimen_id=1))


def test_far_future_date_is_a_typing_slip():
    errs = errors_of(m.Note(date="2062-01-01", text="x"))
    assert "future" in errs["date"]


def test_override_needs_reason():
    assert "reason" in errors_of(
        m.Override(rule="refractory", subject="lenalidomide", value="no", reason=" ")
    )
