"""CSV out: one sheet per record kind, zipped, readable by spreadsheets."""

import io
import zipfile

from journal.interop.csv_export import build_csv_files, export_csv_zip, read_zip, sheets
from journal.services import actions
from journal.store import models as m


def test_every_record_kind_gets_a_sheet_and_the_readme_explains_every_column(store, history):
    files = read_zip(export_csv_zip(store))
    assert set(files) == {
        "README.csv",
        "diagnosis.csv",
        "regimens.csv",
        "regimen_drugs.csv",
        "procedures.csv",
        "responses.csv",
        "progressions.csv",
        "side_effects.csv",
        "labs.csv",
        "ecog.csv",
        "notes.csv",
        "supportive_care.csv",
        "cytogenetics.csv",
        "disease_features.csv",
        "mrd.csv",
        "health_history.csv",
    }
    explained = {(r[0], r[1]) for r in files["README.csv"][1:]}
    for name, rows in files.items():
        if name == "README.csv":
            continue
        for col in rows[0]:
            assert (name, col) in explained, (name, col)


def test_a_new_record_table_cannot_be_left_out_unnoticed():
    covered = {s.table for s in sheets()}
    # Folded into another sheet, about the person or the app, or not exported yet (said so).
    elsewhere = {
        "person",  # name and birth date stay out of spreadsheets
        "sideeffectdrug",  # side_effects.csv attributed_to
        "question",  # questions for the doctor: app notes, not records
        "override",  # corrections: shown in the FHIR export and the PDF
        "trial_study",  # trial screening: its own export
        "trial_answer",
        "isotypeobservation",  # not exported yet
        "dosechange",  # not exported yet
    }
    tables = {cls.__tablename__ for cls in m.RECORD_TABLES}
    assert tables - covered == elsewhere
    assert covered <= tables


def test_partial_dates_stay_as_written_with_a_sortable_column(store, history):
    files = read_zip(export_csv_zip(store))
    diag = dict(zip(*files["diagnosis.csv"][:2], strict=True))
    assert diag["date"] == "~2019-SP"
    assert diag["date_sort"] == "2019-04-15"  # middle of March-May 2019
    reg = [dict(zip(files["regimens.csv"][0], r, strict=True)) for r in files["regimens.csv"][1:]]
    vrd = next(r for r in reg if r["name"] == "VRd")
    assert (vrd["start"], vrd["end"], vrd["end_sort"]) == ("2019-06-03", "2019-10", "2019-10-16")
    assert vrd["drugs"] == "bortezomib; lenalidomide; dexamethasone"
    assert vrd["line_computed"] == "1"
    dpd = next(r for r in reg if r["name"] == "DPd")
    assert dpd["line_computed"] == "2" and dpd["end"] == ""


def test_labs_long_format_with_codes_units_and_canonical_values(store, history):
    files = read_zip(export_csv_zip(store))
    labs = [dict(zip(files["labs.csv"][0], r, strict=True)) for r in files["labs.csv"][1:]]
    by_test = {r["test_id"]: r for r in labs}
    assert len(labs) == 6
    kappa = by_test["flc_kappa"]
    assert (kappa["loinc"], kappa["value"], kappa["unit"]) == ("36916-5", "45.0", "mg/dL")
    assert (kappa["value_canonical"], kappa["unit_canonical"]) == ("450.0", "mg/L")
    assert by_test["platelets"]["ucum"] == "10*9/L"
    assert by_test["serum_ife"]["text_value"] == "positive" and by_test["serum_ife"]["loinc"] == ""
    assert by_test["egfr"]["loinc"] == ""  # no single code: the formula is unknown
    assert (by_test["hb"]["lln"], by_test["hb"]["uln"]) == ("120.0", "160.0")


def test_drug_codes_and_formula_text_made_harmless(store, history):
    files = read_zip(export_csv_zip(store))
    drugs = [
        dict(zip(files["regimen_drugs.csv"][0], r, strict=True))
        for r in files["regimen_drugs.csv"][1:]
    ]
    bz = next(d for d in drugs if d["drug_id"] == "bortezomib")
    assert (bz["rxnorm"], bz["atc"]) == ("358258", "L01XG01")
    pom = next(d for d in drugs if d["drug_id"] == "pomalidomide")
    assert (pom["rxnorm"], pom["atc"]) == ("1369713", "L04AX06")
    free = next(d for d in drugs if not d["drug_id"])
    assert free["rxnorm"] == "" and free["atc"] == ""  # a drug outside the catalog: no code
    free = next(d for d in drugs if not d["drug_id"])
    assert free["drug"].startswith("'=")  # a spreadsheet shows it, never runs it
    se = dict(zip(*files["side_effects.csv"][:2], strict=True))
    assert se["attributed_to"] == "bortezomib" and se["grade"] == "2"
    assert "meddra_code" not in se


def test_bom_is_an_option(store, history):
    with_bom = zipfile.ZipFile(io.BytesIO(export_csv_zip(store, bom=True)))
    without = zipfile.ZipFile(io.BytesIO(export_csv_zip(store, bom=False)))
    name = "treatment-journal/labs.csv"
    assert with_bom.read(name).startswith(b"\xef\xbb\xbf")
    assert not without.read(name).startswith(b"\xef\xbb\xbf")
    assert without.read(name).decode("utf-8").splitlines()[0].startswith("id,date,date_sort")


def test_an_empty_journal_gives_headers_only(store):
    files = build_csv_files({})
    assert files["labs.csv"].count("\r\n") == 1
    assert len(sheets()) == 15


def test_supportive_care_in_csv_and_fhir(store, history):
    from journal.interop.fhir_export import export_fhir
    from journal.store import models as m

    actions.add_supportive_care(
        store,
        m.SupportiveCare(
            drug_id="zoledronic-acid",
            name="zoledronic acid",
            purpose="bone protection",
            start="2019-06",
            dose="4 mg monthly",
        ),
    )
    files = read_zip(export_csv_zip(store))
    sc = dict(zip(*files["supportive_care.csv"][:2], strict=True))
    assert (sc["atc"], sc["start"], sc["end"]) == ("M05BA08", "2019-06", "")
    meds = [
        e["resource"]
        for e in export_fhir(store)["entry"]
        if e["resource"]["resourceType"] == "MedicationStatement"
        and e["resource"]["medicationCodeableConcept"]["text"] == "zoledronic acid"
    ]
    assert meds[0]["status"] == "active"
    assert meds[0]["medicationCodeableConcept"]["coding"][0]["code"] == "M05BA08"
    assert "bone protection" in meds[0]["note"][0]["text"]


def test_mrd_and_health_history_have_their_sheets(store, history, mrd_and_answers):
    files = read_zip(export_csv_zip(store))
    mrd = [dict(zip(files["mrd.csv"][0], r, strict=True)) for r in files["mrd.csv"][1:]]
    assert len(mrd) == 1
    assert (mrd[0]["date"], mrd[0]["date_sort"], mrd[0]["result"]) == (
        "2020-03",
        "2020-03-16",
        "negative",
    )
    assert (mrd[0]["sensitivity"], mrd[0]["regimen_id"]) == ("10^-5", str(history["vrd"]))
    hh = {
        r[1]: dict(zip(files["health_history.csv"][0], r, strict=True))
        for r in files["health_history.csv"][1:]
    }
    cancer, hep_b = hh["another cancer"], hh["hepatitis B"]
    assert (cancer["answer"], cancer["date"], cancer["resolved"]) == ("yes", "~2015", "2016")
    assert (cancer["detail"], cancer["treated"]) == ("melanoma, removed", "1")
    assert (hep_b["answer"], hep_b["date"], hep_b["treated"]) == ("no", "2024-01-10", "")
    readme = {(r[0], r[1]) for r in files["README.csv"][1:]}
    assert ("mrd.csv", "sensitivity") in readme and ("health_history.csv", "answer") in readme
    assert ("health_history.csv", "resolved_sort") in readme
