import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete as sa_delete

from journal.services import actions, bus_for, queries
from journal.store import models as m
from journal.store.db import create_journal
from journal.store.validation import RecordError

snapshot = queries.all_rows


def vrd():
    reg = m.Regimen(name="VRd", start="2017-03-01", end="2017-07-15", intent="induction")
    drugs = [
        m.RegimenDrug(drug_id="bortezomib", dose=1.3, dose_unit="mg/m2", route="SC"),
        m.RegimenDrug(drug_id="lenalidomide", dose=25, dose_unit="mg", route="oral"),
        m.RegimenDrug(drug_id="dexamethasone", dose=40, dose_unit="mg", route="oral"),
    ]
    return reg, drugs


def test_add_regimen_writes_regimen_and_drugs_and_publishes(store):
    seen = []
    bus_for(store).subscribe(seen.append)
    reg, drugs = vrd()
    ch = actions.add_regimen(store, reg, drugs)
    assert ch.label == "Add regimen VRd"
    assert ch.tables == {"regimen", "regimendrug"}
    assert ch.new_id == reg.id and ch.inserted("regimendrug") == [d.id for d in drugs]
    assert seen == [ch]
    assert [d.drug_id for d in queries.regimen_drugs(store, reg.id)] == [
        "bortezomib",
        "lenalidomide",
        "dexamethasone",
    ]


def test_invalid_drug_writes_nothing(store):
    reg, drugs = vrd()
    drugs[1].last_dose = "2018-01-01"  # after the regimen ended
    before = snapshot(store)
    with pytest.raises(RecordError) as exc:
        actions.add_regimen(store, reg, drugs)
    assert exc.value.item == "drugs[1]"
    assert exc.value.errors[0].field == "last_dose"
    assert snapshot(store) == before


def test_delete_regimen_cascades_and_undo_restores_everything(store):
    reg, drugs = vrd()
    actions.add_regimen(store, reg, drugs)
    actions.add_dose_change(
        store,
        m.DoseChange(
            regimen_drug_id=drugs[1].id, date="2017-05", dose=15, dose_unit="mg", reason="rash"
        ),
    )
    maint = m.Regimen(name="R", start="2017-10", intent="maintenance", part_of_id=reg.id)
    actions.add_regimen(store, maint, [m.RegimenDrug(drug_id="lenalidomide")])
    actions.record_response(store, m.Response(date="2017-07", category="VGPR", regimen_id=reg.id))
    full = snapshot(store)
    ch = actions.delete(store, m.Regimen, reg.id)
    after = snapshot(store)
    assert {"regimen", "regimendrug", "dosechange", "response"} <= ch.tables
    assert after["dosechange"] == [] and len(after["regimendrug"]) == 1
    assert after["response"][0]["regimen_id"] is None
    assert [r["part_of_id"] for r in after["regimen"]] == [None]
    actions.undo(store, ch)
    assert snapshot(store) == full
    actions.redo(store, ch)
    assert snapshot(store) == after


def test_end_regimen_and_undo(store):
    reg = m.Regimen(name="Tal", start="2025-06-02")
    actions.add_regimen(store, reg, [m.RegimenDrug(drug_id="talquetamab")])
    ch = actions.end_regimen(store, reg.id, "2026-01-10", "progression")
    assert ch.label == "End regimen Tal"
    got = queries.get(store, m.Regimen, reg.id)
    assert (got.end, got.end_reason) == ("2026-01-10", "progression")
    with pytest.raises(RecordError) as exc:
        actions.end_regimen(store, reg.id, "2025-01-01", "progression")
    assert exc.value.errors[0].field == "end"
    actions.undo(store, ch)
    assert queries.get(store, m.Regimen, reg.id).end is None


def test_undo_conflict_detected(store):
    reg, drugs = vrd()
    ch = actions.add_regimen(store, reg, drugs)
    reg.name = "RVd"
    actions.update_regimen(store, reg)
    with pytest.raises(actions.UndoConflictError):
        actions.undo(store, ch)
    assert queries.get(store, m.Regimen, reg.id).name == "RVd"


def test_update_regimen_syncs_drug_list(store):
    reg, drugs = vrd()
    actions.add_regimen(store, reg, drugs)
    before = snapshot(store)
    keep = drugs[:2]
    keep[0].dose = 1.0
    new = m.RegimenDrug(drug_id="daratumumab", addition="unplanned addition", start="2017-05-01")
    ch = actions.update_regimen(store, reg, [*keep, new])
    assert [d.drug_id for d in queries.regimen_drugs(store, reg.id)] == [
        "bortezomib",
        "lenalidomide",
        "daratumumab",
    ]
    actions.undo(store, ch)
    assert snapshot(store) == before


def test_side_effect_with_attributions(store):
    se = m.SideEffect(term="Peripheral sensory neuropathy", onset="2017-05", grade=2)
    ch = actions.record_side_effect(store, se, ["bortezomib", {"drug_id": "bortezomib"}])
    assert ch.tables == {"sideeffect", "sideeffectdrug"}
    assert len(queries.attributed_drugs(store, se.id)) == 2
    se.grade = 3
    actions.record_side_effect(store, se, [{"drug_id": "bortezomib"}])
    assert [d.drug_id for d in queries.attributed_drugs(store, se.id)] == ["bortezomib"]
    assert queries.get(store, m.SideEffect, se.id).grade == 3


def test_lab_results_one_step_stored_as_entered(store):
    rows = [
        m.LabResult(date="2020-02-03", test="m_protein", value=12.0, unit="g/L"),
        m.LabResult(date="2020-02-03", test="hb", value=11.2, unit="g/dL"),
    ]
    ch = actions.add_lab_results(store, rows)
    assert ch.label == "Add 2 lab results (3 Feb 2020)"
    assert queries.list_rows(store, m.LabResult)[0].unit == "g/L"
    bad = [
        m.LabResult(date="2020-02-04", test="hb", value=11, unit="g/dL"),
        m.LabResult(date="2020-02-04", test="hb", value=11, unit="mg/L"),
    ]
    with pytest.raises(RecordError) as exc:
        actions.add_lab_results(store, bad)
    assert exc.value.item == "rows[1]"
    assert len(queries.list_rows(store, m.LabResult)) == 2


def test_single_rows_and_overrides(store):
    actions.set_person(store, m.Person(birth_date="1957-04", sex="female", created_at="x"))
    ch = actions.set_person(store, m.Person(birth_date="1957-04-12", sex="female"))
    assert len(queries.list_rows(store, m.Person)) == 1
    assert queries.person(store).created_at == "x"  # kept from the first entry
    (img,) = ch.rows
    assert {k for k in img.after if img.after[k] != img.before[k]} == {"birth_date"}
    assert queries.person(store).birth_date == "1957-04-12"
    actions.set_diagnosis(store, m.Diagnosis(date="2017-02", heavy_chain="IgG"))
    actions.set_override(store, "refractory", "lenalidomide", "no", "dose was too low")
    ch = actions.set_override(store, "refractory", "lenalidomide", "yes", "on reflection")
    rows = queries.list_rows(store, m.Override)
    assert [(o.value, o.reason) for o in rows] == [("yes", "on reflection")]
    actions.undo(store, ch)
    assert queries.list_rows(store, m.Override)[0].value == "no"
    actions.clear_override(store, "refractory", "lenalidomide")
    assert queries.list_rows(store, m.Override) == []


def test_failing_subscriber_does_not_block_others(store):
    got = []

    def boom(_change):
        raise RuntimeError("view broke")

    bus_for(store).subscribe(boom)
    unsub = bus_for(store).subscribe(got.append)
    actions.add_note(store, m.Note(date="2020-01-02", text="hello"))
    unsub()
    actions.add_note(store, m.Note(date="2020-01-03", text="again"))
    assert len(got) == 1


# -- property: random actions, undo all == start; redo all == end -------------------------

dates = st.builds(
    lambda y, mo, d: f"{y:04d}-{mo:02d}-{d:02d}",
    st.integers(2015, 2025),
    st.integers(1, 12),
    st.integers(1, 28),
)


@st.composite
def an_action(draw):
    kind = draw(
        st.sampled_from(
            [
                "regimen",
                "end",
                "delete_regimen",
                "labs",
                "side_effect",
                "note",
                "edit_note",
                "delete_note",
                "response",
                "override",
                "clear_override",
                "person",
                "dose_change",
            ]
        )
    )
    return kind, draw(dates), draw(st.integers(0, 10_000))


def run_action(store, kind, date, n):
    regs = queries.list_rows(store, m.Regimen, "id")
    notes = queries.list_rows(store, m.Note, "id")
    drugs = queries.list_rows(store, m.RegimenDrug, "id")
    if kind == "regimen":
        part = regs[n % len(regs)].id if regs and n % 3 == 0 else None
        return actions.add_regimen(
            store,
            m.Regimen(name=f"R{n}", start=date, part_of_id=part),
            [m.RegimenDrug(drug_id="lenalidomide"), m.RegimenDrug(name="dex")][: 1 + n % 2],
        )
    if kind == "end" and regs:
        r = regs[n % len(regs)]
        return actions.end_regimen(store, r.id, r.start, "progression")
    if kind == "delete_regimen" and regs:
        return actions.delete(store, m.Regimen, regs[n % len(regs)].id)
    if kind == "labs":
        return actions.add_lab_results(
            store,
            [
                m.LabResult(date=date, test="m_protein", value=n / 1000, unit="g/dL"),
                m.LabResult(date=date, test="serum_ife", text_value="positive", unit="result"),
            ],
        )
    if kind == "side_effect":
        return actions.record_side_effect(
            store, m.SideEffect(term="Fatigue", onset=date, grade=1 + n % 3), ["x", "y"][: n % 3]
        )
    if kind == "note":
        return actions.add_note(store, m.Note(date=date, text=str(n)))
    if kind == "edit_note" and notes:
        note = notes[n % len(notes)]
        note.text = f"edited {n}"
        return actions.save(store, note)
    if kind == "delete_note" and notes:
        return actions.delete(store, m.Note, notes[n % len(notes)].id)
    if kind == "response":
        rid = regs[n % len(regs)].id if regs else None
        return actions.record_response(store, m.Response(date=date, category="PR", regimen_id=rid))
    if kind == "override":
        return actions.set_override(store, "refractory", f"d{n % 3}", str(n), "because")
    if kind == "clear_override":
        return actions.clear_override(store, "refractory", f"d{n % 3}")
    if kind == "person":
        return actions.set_person(store, m.Person(birth_date="1955", weight_kg=60 + n % 40))
    if kind == "dose_change" and drugs:
        drug = drugs[n % len(drugs)]
        start = queries.get(store, m.Regimen, drug.regimen_id).start  # inside the drug's dates
        return actions.add_dose_change(
            store, m.DoseChange(regimen_drug_id=drug.id, date=start, dose=n % 50)
        )
    return None


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    # One journal for all examples, emptied in between: creating files costs fsyncs.
    s = create_journal(tmp_path_factory.mktemp("j") / "j.sqlite", auto_backup=False)
    yield s
    s.close()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(an_action(), min_size=1, max_size=12))
def test_undo_all_then_redo_all_is_exact(shared_store, steps):
    store = shared_store
    with store.engine.begin() as conn:
        for cls in reversed(m.RECORD_TABLES):
            conn.execute(sa_delete(cls.__table__))
    start = snapshot(store)
    done = [c for c in (run_action(store, *s) for s in steps) if c is not None]
    end = snapshot(store)
    for c in reversed(done):
        actions.undo(store, c)
    assert snapshot(store) == start
    for c in done:
        actions.redo(store, c)
    assert snapshot(store) == end


def test_batch_is_one_transaction_published_after_commit(store):
    seen = []
    bus_for(store).subscribe(lambda c: seen.append((c.label, queries.row_counts(store)["note"])))
    with actions.batch(store):
        actions.add_note(store, m.Note(date="2020-01-01", text="a"))
        actions.add_note(store, m.Note(date="2020-01-02", text="b"))
        assert seen == []
    assert seen == [("Add note", 2), ("Add note", 2)]


def test_error_inside_batch_rolls_back_everything(store):
    with pytest.raises(RuntimeError, match="nothing was written"), actions.batch(store):
        actions.add_note(store, m.Note(date="2020-01-01", text="a"))
        with pytest.raises(RecordError):
            actions.add_note(store, m.Note(date="someday", text="b"))
    assert queries.is_empty(store)


def test_date_objects_are_stored_as_canonical_text(store):
    import datetime as dt

    from journal.domain.dates import PartialDate, Qualifier

    reg = m.Regimen(name="Kd", start=PartialDate(2021, season="spring", qualifier=Qualifier.ABOUT))
    actions.add_regimen(
        store, reg, [m.RegimenDrug(drug_id="carfilzomib", last_dose=dt.date(2021, 9, 1))]
    )
    got = queries.get(store, m.Regimen, reg.id)
    assert got.start == "~2021-SP"
    assert queries.regimen_drugs(store, reg.id)[0].last_dose == "2021-09-01"
    actions.add_note(store, m.Note(date=dt.date(2021, 5, 2), text="x"))
    assert queries.list_rows(store, m.Note)[0].date == "2021-05-02"


def test_regimen_dates_must_still_hold_its_drugs(store):
    reg = m.Regimen(name="DKd", start="2020-03-02")
    carf = m.RegimenDrug(drug_id="carfilzomib", start="2020-03-09", last_dose="2021-06-01")
    actions.add_regimen(store, reg, [m.RegimenDrug(drug_id="daratumumab"), carf])
    with pytest.raises(RecordError) as exc:
        actions.end_regimen(store, reg.id, "2021-01-15", "progression")
    (err,) = exc.value.errors
    assert err.field == "end" and err.message.startswith("carfilzomib: The last dose (1 Jun 2021)")
    reg.start = "2020-04-01"
    with pytest.raises(RecordError) as exc:
        actions.update_regimen(store, reg)
    assert exc.value.errors[0].field == "start"
    assert queries.get(store, m.Regimen, reg.id).start == "2020-03-02"


def test_dose_change_inside_the_drugs_dates(store):
    reg = m.Regimen(name="VRd", start="2017-03-06", end="2017-06-25")
    bor = m.RegimenDrug(drug_id="bortezomib")
    actions.add_regimen(store, reg, [bor])
    with pytest.raises(RecordError) as exc:
        actions.add_dose_change(store, m.DoseChange(regimen_drug_id=bor.id, date="2017-08-01"))
    assert "after the last dose (25 Jun 2017)" in exc.value.errors[0].message
    actions.add_dose_change(store, m.DoseChange(regimen_drug_id=bor.id, date="2017-05"))


def test_undo_and_redo_are_published_with_their_kind(store):
    kinds = []
    bus_for(store).subscribe(lambda c: kinds.append((c.kind, c.label, c.tables)))
    ch = actions.record_ecog(store, m.Ecog(date="2024-03-04", score=2))
    actions.undo(store, ch)
    actions.redo(store, ch)
    assert kinds == [
        ("do", "Record ECOG 2", {"ecog"}),
        ("undo", "Undo Record ECOG 2", {"ecog"}),
        ("redo", "Redo Record ECOG 2", {"ecog"}),
    ]
    with pytest.raises(actions.UndoConflictError):
        actions.redo(store, ch)  # already there: refusing beats duplicating
