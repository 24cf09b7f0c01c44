import pytest

from journal.services import actions
from journal.store import models as m


@pytest.fixture
def history(store):
    """A small history typed the way people remember it."""
    actions.set_person(
        store, m.Person(display_name="A. Person", birth_date="1958-04", sex="female")
    )
    actions.set_diagnosis(
        store, m.Diagnosis(date="~2019-SP", heavy_chain="IgG", light_chain="kappa")
    )
    vrd = actions.add_regimen(
        store,
        m.Regimen(
            name="VRd",
            start="2019-06-03",
            end="2019-10",
            intent="induction",
            end_reason="plan completed",
        ),
        [
            m.RegimenDrug(drug_id="bortezomib", dose=1.3, dose_unit="mg/m2", route="SC"),
            m.RegimenDrug(drug_id="lenalidomide", dose=25, dose_unit="mg", route="oral"),
            m.RegimenDrug(drug_id="dexamethasone", dose=40, dose_unit="mg", route="oral"),
        ],
    )
    actions.add_procedure(
        store,
        m.Procedure(
            kind="autologous stem-cell transplant",
            date="2019-11-20",
            conditioning="melphalan 200 mg/m2",
        ),
    )
    dpd = actions.add_regimen(
        store,
        m.Regimen(name="DPd", start="2022-02-01", end_reason=None),
        [
            m.RegimenDrug(drug_id="daratumumab", route="SC"),
            m.RegimenDrug(drug_id="pomalidomide"),
            m.RegimenDrug(name='=HYPERLINK("x")', role="supportive"),
        ],
    )
    actions.record_response(store, m.Response(date="2019-09-10", category="VGPR"))
    actions.record_progression(store, m.Progression(date="2022-01-15", kind="biochemical"))
    actions.record_side_effect(
        store,
        m.SideEffect(
            term_id="peripheral_sensory_neuropathy",
            term="Peripheral sensory neuropathy",
            grade=2,
            onset="2019-08",
        ),
        [{"drug_id": "bortezomib"}],
    )
    actions.add_lab_results(
        store,
        [
            m.LabResult(date="2019-05-20", test="m_protein", value=3.1, unit="g/dL"),
            m.LabResult(date="2019-05-20", test="flc_kappa", value=45.0, unit="mg/dL"),
            m.LabResult(date="2019-05-20", test="hb", value=98, unit="g/L", lln=120, uln=160),
            m.LabResult(date="2019-05-20", test="platelets", value=180, unit="10^9/L"),
            m.LabResult(date="2019-05-20", test="serum_ife", text_value="positive", unit="result"),
            m.LabResult(date="2019-05-20", test="egfr", value=64, unit="mL/min/1.73m2"),
        ],
    )
    actions.record_ecog(store, m.Ecog(date="2019-05-20", score=1))
    actions.add_note(
        store,
        m.Note(
            date="2019-05-21",
            kind="clinic visit",
            title="Diagnosis talk",
            text="Explained the plan.",
        ),
    )
    return {"vrd": vrd.new_id, "dpd": dpd.new_id}


@pytest.fixture
def mrd_and_answers(store, history):
    """An MRD test after induction and two health-history answers, typed loosely."""
    actions.record_mrd(
        store,
        m.MrdResult(
            date="2020-03",
            result="negative",
            method="next-generation flow",
            sensitivity="10^-5",
            sample="bone marrow",
            regimen_id=history["vrd"],
        ),
    )
    actions.record_health_answers(
        store,
        [
            m.HealthHistory(
                topic="another cancer",
                answer="yes",
                date="~2015",
                resolved="2016",
                detail="melanoma, removed",
                treated=True,
            ),
            m.HealthHistory(topic="hepatitis B", answer="no", date="2024-01-10"),
        ],
    )
