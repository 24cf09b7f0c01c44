"""FHIR R4 out: a collection Bundle that the R4B models accept, whose references
all resolve, with codes wherever the catalogs hold a confirmed one."""

import json

import pytest

from journal.domain import codes as c
from journal.domain.catalog import get_catalog
from journal.interop.fhir_export import build_ips, export_fhir, icd10cm_status
from journal.services import actions
from journal.store import models as m

fhir_bundle = pytest.importorskip("fhir.resources.R4B.bundle")

TS = "2026-01-02T03:04:05+00:00"


def _by_type(bundle):
    out = {}
    for e in bundle["entry"]:
        out.setdefault(e["resource"]["resourceType"], []).append(e["resource"])
    return out


def _references(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "reference" and isinstance(v, str):
                yield v
            else:
                yield from _references(v)
    elif isinstance(node, list):
        for v in node:
            yield from _references(v)


def test_bundle_validates_with_r4b_models_and_references_resolve(store, history):
    bundle = export_fhir(store, timestamp=TS)
    fhir_bundle.Bundle.model_validate(bundle)  # raises on any structural error
    full_urls = {e["fullUrl"] for e in bundle["entry"]}
    refs = set(_references(bundle))
    assert refs and refs <= full_urls
    assert bundle["type"] == "collection" and "meta" not in bundle  # no profile claimed
    types = _by_type(bundle)
    assert {t: len(v) for t, v in types.items()} == {
        "Patient": 1,
        "Condition": 1,
        "CarePlan": 2,
        "MedicationStatement": 6,
        "Procedure": 1,
        "Observation": len(types["Observation"]),
        "AdverseEvent": 1,
        "Provenance": 1,
    }
    # Provenance: every other resource is its target; the patient is the author.
    prov = types["Provenance"][0]
    assert len(prov["target"]) == len(bundle["entry"]) - 1
    assert prov["agent"][0]["type"]["coding"][0]["code"] == "author"
    assert prov["agent"][0]["who"]["reference"].endswith(types["Patient"][0]["id"])


def test_the_same_journal_exports_the_same_ids(store, history):
    a = export_fhir(store, timestamp=TS)
    b = export_fhir(store, timestamp=TS)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_codes_are_present_where_the_catalog_has_them(store, history):
    types = _by_type(export_fhir(store, timestamp=TS))
    cond = types["Condition"][0]
    systems = {x["system"]: x["code"] for x in cond["code"]["coding"]}
    assert systems[c.SNOMED] == "109989006" and systems[c.ICD10] == "C90.0"
    assert systems[c.ICD10CM] == "C90.00"  # VGPR then progression: never in remission
    assert cond["code"]["text"] == "Multiple myeloma, IgG kappa"
    assert cond["onsetDateTime"] == "2019"  # a season keeps its year...
    assert any("about spring 2019" in n["text"] for n in cond["note"])  # ...and its words
    meds = {m_["medicationCodeableConcept"]["text"]: m_ for m_ in types["MedicationStatement"]}
    bz = {x["system"]: x["code"] for x in meds["bortezomib"]["medicationCodeableConcept"]["coding"]}
    assert bz == {c.RXNORM: "358258", c.ATC: "L01XG01"}
    # Every catalog drug carries exactly the codes its table has: none guessed, none dropped.
    by_generic = {d.generic: d.id for d in get_catalog().drugs}
    for text, med in meds.items():
        if text not in by_generic:
            continue
        codes = c.drug_codes(by_generic[text])
        want = {s: x.code for s, x in ((c.RXNORM, codes.rxnorm), (c.ATC, codes.atc)) if x}
        got = {x["system"]: x["code"] for x in med["medicationCodeableConcept"].get("coding", [])}
        assert got == want, text
    pom = meds["pomalidomide"]["medicationCodeableConcept"]["coding"]
    assert {x["system"]: x["code"] for x in pom} == {c.RXNORM: "1369713", c.ATC: "L04AX06"}
    assert "coding" not in meds['=HYPERLINK("x")']["medicationCodeableConcept"]
    assert meds["bortezomib"]["effectivePeriod"] == {"start": "2019-06-03", "end": "2019-10"}
    assert meds["daratumumab"]["status"] == "active"
    labs = [
        o
        for o in types["Observation"]
        if o.get("category", [{}])[0].get("coding", [{}])[0].get("code") == "laboratory"
    ]
    for o in labs:
        test = o["code"]["text"]
        lc = next(v for k, v in c.get_code_tables().labs.items() if _name(k) == test)
        if lc.loinc:
            assert o["code"]["coding"][0]["code"] == lc.loinc.code
        else:
            assert "coding" not in o["code"]
    plt = next(o for o in labs if o["code"]["text"] == "Platelets")
    assert plt["valueQuantity"] == {
        "value": 180.0,
        "unit": "10^9/L",
        "system": c.UCUM,
        "code": "10*9/L",
    }
    ife = next(o for o in labs if o["code"]["text"] == "Serum immunofixation")
    assert ife["valueString"] == "positive"
    proc = types["Procedure"][0]
    assert proc["code"]["coding"][0]["code"] == "234336002"


def _name(test):
    from journal.domain.labs import LAB_TESTS

    return LAB_TESTS[test].name


def test_computed_facts_say_so_and_name_the_rule(store, history):
    types = _by_type(export_fhir(store, timestamp=TS))
    plans = sorted(types["CarePlan"], key=lambda p: p["title"])
    assert [p["title"] for p in plans] == ["Line 1", "Line 2"]
    assert plans[0]["extension"][0]["valueInteger"] == 1
    assert "computed by Treatment Journal" in plans[0]["note"][0]["text"]
    assert "rules:" in plans[0]["note"][0]["text"]
    entered = [
        o for o in types["Observation"] if o["code"].get("coding", [{}])[0].get("code") == "97509-4"
    ]
    methods = {o["valueCodeableConcept"]["text"]: o["method"]["text"] for o in entered}
    assert methods["IMWG: VGPR"].startswith("entered by the person")
    cond = types["Condition"][0]
    assert any("interop.icd10cm_remission_status" in n["text"] for n in cond["note"])


def test_an_override_is_exported_visibly(store, history):
    actions.set_override(store, "refractory", "lenalidomide", "no", "my doctor disagrees")
    cond = _by_type(export_fhir(store, timestamp=TS))["Condition"][0]
    assert any(
        "Corrected by the person: refractory of lenalidomide set to no (my doctor disagrees)"
        in n["text"]
        for n in cond["note"]
    )


def test_side_effect_grade_severity_and_suspect_drug(store, history):
    types = _by_type(export_fhir(store, timestamp=TS))
    ae = types["AdverseEvent"][0]
    assert ae["event"] == {"text": "Peripheral sensory neuropathy"}  # no MedDRA unless asked
    assert ae["severity"]["coding"][0]["code"] == "moderate"
    assert ae["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "C41339"
    bz = next(
        m_
        for m_ in types["MedicationStatement"]
        if m_["medicationCodeableConcept"]["text"] == "bortezomib"
    )
    assert ae["suspectEntity"] == [{"instance": {"reference": f"urn:uuid:{bz['id']}"}}]
    with_meddra = _by_type(export_fhir(store, timestamp=TS, include_meddra=True))
    assert with_meddra["AdverseEvent"][0]["event"]["coding"][0]["code"] == "10034620"


def test_ips_document_validates_and_lists_medicines_and_problems(store, history):
    ips = build_ips(export_fhir(store, timestamp=TS))
    fhir_bundle.Bundle.model_validate(ips)
    comp = ips["entry"][0]["resource"]
    assert ips["type"] == "document" and comp["resourceType"] == "Composition"
    sections = {s["code"]["coding"][0]["code"]: s for s in comp["section"]}
    assert set(sections) == {"10160-0", "48765-2", "11450-4"}
    assert len(sections["10160-0"]["entry"]) == 6
    assert sections["48765-2"]["emptyReason"]["coding"][0]["code"] == "notasked"
    full_urls = {e["fullUrl"] for e in ips["entry"]}
    assert set(_references(ips)) <= full_urls


def test_an_empty_journal_still_gives_a_valid_bundle(store):
    bundle = export_fhir(store, timestamp=TS)
    fhir_bundle.Bundle.model_validate(bundle)
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} == {
        "Patient",
        "Condition",
        "Provenance",
    }


@pytest.mark.parametrize(
    ("events", "status"),
    [
        ([], "not_in_remission"),
        ([("r", "2020-01", "CR")], "in_remission"),
        ([("r", "2020-01", "CR"), ("p", "2021-03", None)], "in_relapse"),
        ([("r", "2020-01", "VGPR"), ("p", "2021-03", None)], "not_in_remission"),
        ([("p", "2019", None), ("r", "2020-SP", "sCR")], "in_remission"),
    ],
)
def test_icd10cm_fifth_character_rule(events, status):
    responses = [{"date": d, "category": cat} for k, d, cat in events if k == "r"]
    progressions = [{"date": d} for k, d, _ in events if k == "p"]
    assert icd10cm_status(responses, progressions) == status


def test_partial_and_qualified_dates_keep_their_words(store):
    actions.add_regimen(
        store,
        m.Regimen(name="MP", start="<2015-03", end="~2015-AU"),
        [m.RegimenDrug(drug_id="melphalan")],
    )
    ms = _by_type(export_fhir(store, timestamp=TS))["MedicationStatement"][0]
    assert ms["effectivePeriod"] == {"start": "2015-03", "end": "2015"}
    notes = " ".join(n["text"] for n in ms["note"])
    assert "before Mar 2015" in notes and "about autumn 2015" in notes


def test_the_remission_status_can_be_corrected_and_says_so(store, history):
    actions.set_override(store, "icd10cm_status", "diagnosis", "in_remission", "letter of May")
    cond = _by_type(export_fhir(store, timestamp=TS))["Condition"][0]
    codes = {x["system"]: x["code"] for x in cond["code"]["coding"]}
    assert codes[c.ICD10CM] == "C90.01"
    assert cond["clinicalStatus"]["coding"][0]["code"] == "remission"
    assert any(
        "Corrected by the person from 'not_in_remission' to 'in_remission' (letter of May)"
        in n["text"]
        for n in cond["note"]
    )


def test_mrd_tests_and_health_history_answers_are_observations(store, history, mrd_and_answers):
    bundle = export_fhir(store, timestamp=TS)
    fhir_bundle.Bundle.model_validate(bundle)
    assert set(_references(bundle)) <= {e["fullUrl"] for e in bundle["entry"]}
    obs = {o["code"].get("text"): o for o in _by_type(bundle)["Observation"]}
    condition = _by_type(bundle)["Condition"][0]
    mrd = obs["Measurable residual disease (MRD)"]
    assert "coding" not in mrd["code"]  # no confirmed code for a single MRD result
    assert mrd["valueCodeableConcept"] == {"text": "MRD negative"}
    assert (mrd["effectiveDateTime"], mrd["method"]["text"]) == ("2020-03", "next-generation flow")
    assert mrd["specimen"]["display"] == "bone marrow"
    assert mrd["focus"][0]["reference"].endswith(condition["id"])
    assert any("10^-5" in n["text"] for n in mrd["note"])
    cancer = obs["Health history: another cancer"]
    assert cancer["valueCodeableConcept"]["coding"] == [
        {"system": c.LOINC, "code": "LA33-6", "display": "Yes"}
    ]
    assert cancer["effectivePeriod"] == {"start": "2015", "end": "2016"}
    notes = " ".join(n["text"] for n in cancer["note"])
    assert "melanoma, removed" in notes and "Treated." in notes and "about 2015" in notes
    hep_b = obs["Health history: hepatitis B"]
    assert hep_b["valueCodeableConcept"]["coding"][0]["code"] == "LA32-8"
    assert hep_b["valueCodeableConcept"]["text"] == "no"
    assert hep_b["effectiveDateTime"] == "2024-01-10"
