import pytest

from journal.domain.dates import PartialDate
from journal.services import actions, queries
from journal.store import models as m


def test_load_history_resolves_drug_dates_and_converts_labs(store):
    actions.set_person(store, m.Person(birth_date="1955-06", sex="male", weight_kg=80))
    actions.set_diagnosis(
        store, m.Diagnosis(date="2017-02", heavy_chain="IgG", light_chain="kappa", iss_stage="II")
    )
    reg = m.Regimen(name="DKd", start="2020-06-01", end="2021-12")
    drugs = [
        m.RegimenDrug(drug_id="daratumumab"),
        m.RegimenDrug(drug_id="carfilzomib", last_dose="2021-05-03"),
        m.RegimenDrug(drug_id="dexamethasone", start="2020-07", role="premedication"),
    ]
    actions.add_regimen(store, reg, drugs)
    early = m.Regimen(name="VRd", start="2017-03")
    actions.add_regimen(store, early, [m.RegimenDrug(name=" Velcade ")])
    actions.add_lab_results(
        store,
        [
            m.LabResult(date="2020-06-01", test="m_protein", value=25.0, unit="g/L"),
            m.LabResult(date="2020-06-01", test="flc_kappa", value=12.0, unit="mg/dL", uln=1.94),
            m.LabResult(date="2020-05-01", test="serum_ife", text_value="positive", unit="result"),
        ],
    )
    se = m.SideEffect(term="Fatigue", onset="2020-07", grade=1)
    actions.record_side_effect(store, se, [{"drug_id": "carfilzomib"}, "dex"])
    actions.set_override(store, "refractory", "carfilzomib", "no", "stopped for toxicity")

    h = queries.load_history(store)
    assert h.person.sex == "male" and h.person.birth_date == PartialDate(1955, 6)
    assert h.diagnosis.iss_stage == "II" and h.diagnosis.ref.startswith("diagnosis:")
    assert [r.name for r in h.regimens] == ["VRd", "DKd"]  # by date, not by id
    dkd = h.regimens[1]
    assert dkd.ref == f"regimen:{reg.id}"
    dara, carf, dex = dkd.drugs
    assert dara.start == PartialDate(2020, 6, 1) and dara.last_dose == PartialDate(2021, 12)
    assert carf.last_dose == PartialDate(2021, 5, 3)
    assert dex.start == PartialDate(2020, 7) and dex.role == "premedication"
    assert h.regimens[0].drugs[0].name == "Velcade" and h.regimens[0].drugs[0].last_dose is None
    labs = {x.test: x for x in h.labs}
    assert labs["m_protein"].value == pytest.approx(2.5)
    assert labs["flc_kappa"].value == pytest.approx(120.0)
    assert labs["flc_kappa"].uln == pytest.approx(19.4)
    assert labs["serum_ife"].value is None and labs["serum_ife"].text_value == "positive"
    assert h.labs[0].test == "serum_ife"  # earliest date first
    assert h.side_effects[0].drugs == ("carfilzomib", "dex")
    assert h.overrides_for("refractory", "carfilzomib").value == "no"


def test_list_rows_sorts_partial_dates_by_meaning(store):
    for d in ["2019-12-01", "2019", "2019-02", "~2019-SP"]:
        actions.add_note(store, m.Note(date=d, text=d))
    got = [n.date for n in queries.list_rows(store, m.Note)]
    assert got == ["2019-02", "~2019-SP", "2019", "2019-12-01"]
    assert [n.date for n in queries.list_rows(store, m.Note, descending=True)] == got[::-1]


def test_empty_and_counts(store):
    assert queries.is_empty(store)
    actions.add_question(store, m.Question(created="2026-11-01", text="Is my IgG low?"))
    assert queries.row_counts(store)["question"] == 1
    assert len(queries.open_questions(store)) == 1


def test_list_dicts_matches_list_rows(store):
    actions.add_lab_results(
        store,
        [
            m.LabResult(date="2020-02-03", test="hb", value=11.0, unit="g/dL"),
            m.LabResult(date="2019-12", test="hb", value=12.0, unit="g/dL"),
        ],
    )
    dicts = queries.list_dicts(store, m.LabResult)
    assert [d["date"] for d in dicts] == ["2019-12", "2020-02-03"]
    assert dicts == [r.model_dump() for r in queries.list_rows(store, m.LabResult)]


def test_load_history_leaves_the_cycle_collector_as_it_found_it(store):
    import gc

    actions.add_lab_results(
        store, [m.LabResult(date="2020-06-01", test="m_protein", value=2.5, unit="g/dL")]
    )
    gc.enable()
    try:
        assert len(queries.load_history(store).labs) == 1
        assert gc.isenabled()
    finally:
        gc.enable()
