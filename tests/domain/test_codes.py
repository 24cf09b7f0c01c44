"""The standard-code tables: every catalog entry covered, every code well formed,
no code shared by mistake, every gap explained."""

import json
from collections import Counter
from pathlib import Path

import pytest

from journal.domain import codes as c
from journal.domain.catalog import get_catalog
from journal.domain.ctcae import get_terms
from journal.domain.labs import LAB_TESTS
from journal.resources import resource_path

T = c.get_code_tables()


def test_check_digit_helpers_catch_one_wrong_digit():
    assert c.loinc_ok("33944-0")  # lambda FLC
    # The known trap: 33944-8 was seeded as an FLC code by a public project; not LOINC.
    assert not c.loinc_ok("33944-8")
    assert not c.loinc_ok("2472-4") and c.loinc_ok("2472-9")
    assert not c.loinc_ok("718") and not c.loinc_ok("71a-7")
    assert c.snomed_ok("109989006")
    assert not c.snomed_ok("109989007") and not c.snomed_ok("109989060")


def test_every_catalog_entry_has_a_row():
    assert set(T.drugs) == {d.id for d in get_catalog().drugs}
    assert set(T.labs) == set(LAB_TESTS)
    assert set(T.terms) == {t.id for t in get_terms().terms}


def test_drug_codes_have_the_right_form_and_are_not_shared():
    rx = [d.rxnorm.code for d in T.drugs.values() if d.rxnorm]
    atc = [d.atc.code for d in T.drugs.values() if d.atc]
    assert all(c.RXNORM_RE.match(x) for x in rx), rx
    assert all(c.ATC_RE.match(x) for x in atc), atc
    assert [k for k, n in Counter(rx).items() if n > 1] == []
    assert [k for k, n in Counter(atc).items() if n > 1] == []
    # The core anti-myeloma drugs are coded (checked against the source table).
    assert T.drugs["bortezomib"].atc.code == "L01XG01"
    assert T.drugs["daratumumab"].rxnorm.code == "1721947"
    assert T.drugs["ciltacabtagene-autoleucel"].atc.code == "L01XL05"


def test_gaps_carry_a_reason_and_car_t_products_say_so():
    for drug_id, d in T.drugs.items():
        assert d.rxnorm or d.rxnorm_reason, drug_id
        assert d.atc or d.atc_reason, drug_id
    car_t = [d.id for d in get_catalog().drugs if d.modality == "CAR-T"]
    for drug_id in car_t:
        if T.drugs[drug_id].rxnorm is None:
            assert "CAR-T" in T.drugs[drug_id].rxnorm_reason


def test_loinc_codes_pass_the_check_digit_and_map_to_one_test():
    seen: list[str] = []
    for test, lc in T.labs.items():
        codes = ([lc.loinc.code] if lc.loinc else []) + list(lc.also_accepted)
        for code in codes:
            assert c.loinc_ok(code), f"{test}: {code}"
        seen += codes
        assert lc.loinc or lc.loinc_reason, test
    assert [k for k, n in Counter(seen).items() if n > 1] == []
    assert T.loinc_to_test()["33944-0"] == "flc_lambda"


def test_every_lab_unit_has_a_ucum_code():
    for test, t in LAB_TESTS.items():
        if t.qualitative:
            continue
        assert set(T.labs[test].ucum) == set(t.units), test
    assert T.labs["platelets"].ucum["10^9/L"] == "10*9/L"


def test_meddra_codes_are_eight_digits_and_not_shared():
    md = {k: v.meddra.code for k, v in T.terms.items() if v.meddra}
    assert all(c.MEDDRA_RE.match(x) for x in md.values()), md
    assert [k for k, n in Counter(md.values()).items() if n > 1] == []
    assert md["peripheral_sensory_neuropathy"] == "10034620"
    assert T.terms["icans"].meddra is None and "ASTCT" in T.terms["icans"].meddra_reason
    # Every CTCAE v5.0 term of the catalog is coded.
    for term in get_terms().terms:
        if "CTCAE v5.0" in term.versions:
            assert term.id in md, term.id


def test_diagnosis_and_snomed_codes():
    codings = c.myeloma_codings("in_relapse")
    assert [x.code for x in codings] == ["109989006", "C90.0", "C90.02"]
    diag = json.loads(resource_path("codes", "diagnosis.json").read_text(encoding="utf-8"))
    for group in ("procedures", "response_values", "stop_reasons"):
        for node in diag[group].values():
            assert c.snomed_ok(node["code"]), node
    for node in diag["diagnosis"]["icd10cm"].values():
        assert c.ICD10CM_RE.match(node["code"])


@pytest.mark.parametrize("name", ["drugs", "labs", "ctcae", "diagnosis"])
def test_each_table_names_its_source_and_version(name):
    systems = T.sources[name]
    assert systems
    for s in systems.values():
        assert s["source"] and s["version"] and s["uri"].startswith("http")


def test_a_null_without_reason_is_refused(tmp_path):
    for name in ("labs", "ctcae", "diagnosis"):
        (tmp_path / f"{name}.json").write_text(
            resource_path("codes", f"{name}.json").read_text(encoding="utf-8"), encoding="utf-8"
        )
    (tmp_path / "drugs.json").write_text(
        json.dumps({"drugs": {"x": {"rxnorm": None, "atc": None, "atc_reason": "no"}}}),
        encoding="utf-8",
    )
    with pytest.raises(c.CodeTableError, match=r"drugs\.json: x: rxnorm is null without a reason"):
        c.load_code_tables(tmp_path)


def _raw(name: str) -> dict:
    return json.loads(resource_path("codes", f"{name}.json").read_text(encoding="utf-8"))


def test_every_drug_code_names_the_published_tables_it_was_seen_in():
    raw = _raw("drugs")
    for system in ("rxnorm", "atc"):
        tables = raw["systems"][system]["tables"]
        for table in tables.values():
            assert table["where"] and table["version"], table
        for drug_id, entry in raw["drugs"].items():
            node = entry[system]
            if node is not None:
                assert node["seen_in"], (drug_id, system)
                assert set(node["seen_in"]) <= set(tables), (drug_id, system, node["seen_in"])


def test_a_drug_code_without_its_table_is_refused(tmp_path):
    for name in ("labs", "ctcae", "diagnosis"):
        (tmp_path / f"{name}.json").write_text(json.dumps(_raw(name)), encoding="utf-8")
    systems = {"rxnorm": {"tables": {"t1": {}}}, "atc": {"tables": {"t1": {}}}}
    bad = {"rxnorm": {"code": "3264", "display": "dexamethasone"}, "atc": None, "atc_reason": "no"}
    (tmp_path / "drugs.json").write_text(
        json.dumps({"systems": systems, "drugs": {"x": bad}}), encoding="utf-8"
    )
    with pytest.raises(c.CodeTableError, match=r"x: rxnorm 3264 does not say which table"):
        c.load_code_tables(tmp_path)
    bad["rxnorm"]["seen_in"] = ["t2"]
    (tmp_path / "drugs.json").write_text(
        json.dumps({"systems": systems, "drugs": {"x": bad}}), encoding="utf-8"
    )
    with pytest.raises(c.CodeTableError, match="names unknown tables: t2"):
        c.load_code_tables(tmp_path)


def test_coverage_every_gap_says_why():
    """Every catalog drug has an RxNorm and an ATC code or a reason that says why not
    (investigational, CAR-T, a group, or which tables were searched); the same for labs."""
    for d in get_catalog().drugs:
        codes = T.drugs[d.id]
        for code, reason in ((codes.rxnorm, codes.rxnorm_reason), (codes.atc, codes.atc_reason)):
            if code is None:
                assert reason and reason.strip() != "not confirmed", (d.id, reason)
        if d.modality == "CAR-T" and codes.rxnorm is None:
            assert "CAR-T" in codes.rxnorm_reason
    for test, lc in T.labs.items():
        if lc.loinc is None:
            assert lc.loinc_reason and lc.loinc_reason.strip() != "not confirmed", test


def test_monoclonal_antibodies_use_the_atc_classes_after_2022():
    # WHO moved antibodies out of L01XC in 2022 (CD38: L01FC, PD-1: L01FF, other: L01FX).
    for d in get_catalog().drugs:
        atc = T.drugs[d.id].atc
        if d.modality in ("mAb", "bispecific", "ADC") and atc is not None:
            assert not atc.code.startswith("L01XC"), (d.id, atc.code)
    assert T.drugs["isatuximab"].atc.code == "L01FC02"
    assert T.drugs["elranatamab"].atc.code == "L01FX32"


def test_codes_added_from_published_tables():
    assert T.drugs["dexamethasone"].rxnorm.code == "3264"
    assert T.drugs["pomalidomide"].rxnorm.code == "1369713"
    assert T.drugs["isatuximab"].rxnorm.code == "2282018"
    # RxNorm spells the ingredient the US way; the catalog id keeps the INN.
    assert T.drugs["aciclovir"].rxnorm.display == "acyclovir"
    assert T.drugs["ondansetron"].atc.code == "A04AA01"
    # A fixed combination is one multiple-ingredient RxNorm concept, not two ingredients.
    tmp_smx = _raw("drugs")["drugs"]["trimethoprim-sulfamethoxazole"]["rxnorm"]
    assert (tmp_smx["code"], tmp_smx["tty"]) == ("10831", "MIN")
    assert T.labs["hbv_dna"].loinc.code == "29610-3"
    assert T.labs["urine_m_protein"].loinc.code == "42482-0"
    # An entered eGFR keeps no formula, so it has no code of its own; the CKD-EPI 2021
    # code from a portal is still read as eGFR.
    assert T.labs["egfr"].loinc is None
    assert T.loinc_to_test()["98979-8"] == "egfr"


def test_yes_and_no_are_loinc_answer_codes():
    assert c.loinc_answer("yes").code == "LA33-6" and c.loinc_answer("no").code == "LA32-8"
    assert c.loinc_answer("yes").system == c.LOINC
    assert c.loinc_answer("maybe") is None


def test_the_coverage_table_in_the_docs_matches_the_code_tables():
    # The docs state how many drugs are coded; a new code must not leave them stale.
    docs = Path(__file__).resolve().parents[2] / "docs" / "exchange-format.md"
    rows = [r for r in docs.read_text(encoding="utf-8").splitlines() if r.startswith("| drugs |")]
    stated = {r.split("|")[2].split()[0].strip(): r.split("|")[3].strip() for r in rows}
    rx = [d.rxnorm for d in T.drugs.values() if d.rxnorm]
    atc = [d.atc for d in T.drugs.values() if d.atc]
    raw = _raw("drugs")["drugs"].values()
    single = sum(1 for e in raw if e["rxnorm"] and len(e["rxnorm"]["seen_in"]) == 1)
    assert stated["RxNorm"] == (
        f"{len(rx)} of {len(T.drugs)} ({len(rx) - single} seen in two or more tables, "
        f"{single} in one)"
    )
    assert stated["WHO"] == f"{len(atc)} of {len(T.drugs)}"
