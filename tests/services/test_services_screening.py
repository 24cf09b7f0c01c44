"""Actions for the screening facts: health-history answers, MRD tests, a progression's
confirmation, a side effect blamed on a whole regimen; each one undoable step."""

import datetime as dt

import pytest

from journal.domain.dates import PartialDate
from journal.domain.exclusions import exclusion_facts
from journal.services import actions, bus_for, queries
from journal.store import models as m
from journal.store.validation import RecordError

snapshot = queries.all_rows


def test_health_answer_is_loaded_and_answers_its_question(store):
    seen = []
    bus_for(store).subscribe(seen.append)
    item = m.HealthHistory(
        topic="another cancer",
        answer="yes",
        date="2014-05",
        resolved="2014-06",
        detail="basal cell skin cancer",
        treated=True,
    )
    ch = actions.record_health_answer(store, item)
    assert ch.label == "Record health history: another cancer (yes)" and seen == [ch]
    assert ch.tables == {"healthhistory"} and ch.new_id == item.id
    h = queries.load_history(store)
    (rec,) = h.health
    assert (rec.topic, rec.date, rec.treated, rec.ref) == (
        "another cancer",
        PartialDate.from_iso("2014-05"),
        True,
        f"health:{item.id}",
    )
    fact = next(f for f in exclusion_facts(h, dt.date(2026, 1, 1)) if f.key == "other_cancer")
    assert fact.status == "yes" and fact.records == (rec.ref,)
    actions.undo(store, ch)
    assert queries.load_history(store).health == ()


def test_health_no_with_an_end_date_or_treated_is_refused_plainly(store):
    before = snapshot(store)
    with pytest.raises(RecordError) as exc:
        actions.record_health_answer(
            store, m.HealthHistory(topic="HIV", answer="no", resolved="2020", treated=True)
        )
    assert {e.field for e in exc.value.errors} == {"resolved", "treated"}
    assert "nothing that ended" in exc.value.for_field("resolved")[0]
    with pytest.raises(RecordError) as exc:
        actions.record_health_answer(store, m.HealthHistory(topic="gout", answer="perhaps"))
    assert {e.field for e in exc.value.errors} == {"topic", "answer"}
    assert "Choose one of" in exc.value.for_field("answer")[0]
    assert snapshot(store) == before


def test_several_no_answers_in_one_step_keep_existing_answers(store):
    actions.record_health_answer(store, m.HealthHistory(topic="HIV", answer="yes", date="2010"))
    ch = actions.record_health_no(
        store, ["HIV", "hepatitis B", "hepatitis C", "hepatitis B"], dt.date(2025, 5, 20)
    )
    rows = queries.list_dicts(store, m.HealthHistory)
    assert [(r["topic"], r["answer"], r["date"]) for r in rows] == [
        ("HIV", "yes", "2010"),
        ("hepatitis B", "no", "2025-05-20"),
        ("hepatitis C", "no", "2025-05-20"),
    ]
    assert ch.label == "Record 2 health history answer(s): no"
    actions.undo(store, ch)
    assert len(queries.list_dicts(store, m.HealthHistory)) == 1


def test_mrd_result_own_record_and_on_a_response_counted_once(store):
    reg = m.Regimen(name="Cilta-cel", start="2024-01-15", end="2024-01-15")
    actions.add_regimen(store, reg)
    actions.record_response(
        store,
        m.Response(date="2024-07-16", category="sCR", regimen_id=reg.id, mrd_result="negative"),
    )
    actions.record_response(
        store,
        m.Response(date="2025-01-14", category="sCR", regimen_id=reg.id, mrd_result="not done"),
    )
    mrd = m.MrdResult(
        date="2024-07-16",
        result="negative",
        method="next-generation sequencing",
        sensitivity="10^-6",
        sample="bone marrow",
        regimen_id=reg.id,
    )
    ch = actions.record_mrd(store, mrd)
    assert ch.label == "Record MRD negative"
    (got,) = queries.load_history(store).mrd
    assert (got.sensitivity, got.sample, got.ref) == ("10^-6", "bone marrow", f"mrd:{mrd.id}")
    actions.undo(store, ch)
    (older,) = queries.load_history(store).mrd  # the response's MRD, now the only one
    assert older.ref.startswith("response:") and older.sensitivity is None
    with pytest.raises(RecordError) as exc:
        actions.record_mrd(
            store, m.MrdResult(date="2024-07", result="negative", sensitivity="1e-5")
        )
    assert "10^-5" in exc.value.for_field("sensitivity")[0]


def test_progression_first_met_and_confirmed(store):
    prog = m.Progression(date="2020-01-07", kind="biochemical", confirmed=False)
    actions.record_progression(store, prog)
    ch = actions.confirm_progression(store, prog.id, dt.date(2020, 2, 4))
    assert ch.label == "Confirm progression"
    (p,) = queries.load_history(store).progressions
    assert p.date == PartialDate.from_iso("2020-01-07") and p.confirmed
    assert p.confirmed_on == PartialDate.from_iso("2020-02-04")
    with pytest.raises(RecordError) as exc:
        actions.confirm_progression(store, prog.id, "2019-12-01")
    assert "before the date first met" in exc.value.for_field("confirmed_on")[0]
    actions.undo(store, ch)
    (p,) = queries.load_history(store).progressions
    assert p.confirmed_on is None and not p.confirmed
    with pytest.raises(actions.NotFoundError):
        actions.confirm_progression(store, 999, "2020-02-04")


def test_side_effect_blamed_on_a_whole_regimen(store):
    reg = m.Regimen(name="DKd", start="2020-03-02")
    actions.add_regimen(store, reg)
    se = m.SideEffect(term="Fatigue", onset="2020-04", grade=2, regimen_id=reg.id)
    actions.record_side_effect(store, se, [])
    (rec,) = queries.load_history(store).side_effects
    assert rec.regimen_id == reg.id and rec.drugs == ()
    ch = actions.delete(store, m.Regimen, reg.id)  # the side effect stays, unlinked
    (rec,) = queries.load_history(store).side_effects
    assert rec.regimen_id is None
    actions.undo(store, ch)
    assert queries.load_history(store).side_effects[0].regimen_id == reg.id


def test_values_at_diagnosis(store):
    actions.set_diagnosis(
        store,
        m.Diagnosis(
            heavy_chain="IgG",
            light_chain="kappa",
            creatinine_mg_dl=2.4,
            ldh_u_l=310,
            ldh_uln_u_l=250,
        ),
    )
    dx = queries.load_history(store).diagnosis
    assert (dx.creatinine_mg_dl, dx.ldh_u_l, dx.ldh_uln_u_l) == (2.4, 310, 250)
    with pytest.raises(RecordError) as exc:
        actions.set_diagnosis(
            store, m.Diagnosis(heavy_chain="IgG", light_chain="kappa", creatinine_mg_dl=212)
        )
    assert "umol/L" in exc.value.for_field("creatinine_mg_dl")[0]


def test_new_lab_tests_with_their_units(store):
    actions.add_lab_results(
        store,
        [
            m.LabResult(date="2025-05-20", test="aptt", value=29, unit="s"),
            m.LabResult(date="2025-05-20", test="inr", value=1.1, unit="ratio"),
            m.LabResult(date="2025-05-20", test="spo2", value=97, unit="%"),
            m.LabResult(
                date="2025-05-20", test="hcv_rna", text_value="not detected", unit="result"
            ),
        ],
    )
    tests = {x.test for x in queries.load_history(store).labs}
    assert tests == {"aptt", "inr", "spo2", "hcv_rna"}
    with pytest.raises(RecordError) as exc:
        actions.add_lab_results(
            store,
            [m.LabResult(date="2025-05-20", test="hcv_rna", text_value="negative", unit="result")],
        )
    assert "detected, not detected" in exc.value.for_field("text_value")[0]


def test_a_confirmation_date_needs_confirmed_ticked(store):
    with pytest.raises(RecordError) as exc:
        actions.record_progression(
            store, m.Progression(date="2020-01-07", confirmed=False, confirmed_on="2020-02-04")
        )
    assert "Tick it" in exc.value.for_field("confirmed")[0]
    assert queries.list_dicts(store, m.Progression) == []
