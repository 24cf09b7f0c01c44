"""Results in from a portal: hand-made bundles and CSVs of several layouts, units,
duplicates and malformed files; all or nothing with one undo; and a round trip
labs -> FHIR -> import -> the same values."""

import json

import pytest

from journal.interop.fhir_export import export_fhir
from journal.interop.portal import (
    PortalFileError,
    import_preview,
    match_unit,
    preview_file,
    read_results,
)
from journal.services import actions, queries
from journal.store import models as m


def obs(
    code=None,
    name=None,
    value=None,
    unit=None,
    ucum=None,
    when="2024-03-05T08:30:00+01:00",
    **extra,
):
    o = {"resourceType": "Observation", "status": "final", "code": {}}
    if code:
        o["code"]["coding"] = [{"system": "http://loinc.org", "code": code}]
    if name:
        o["code"]["text"] = name
    if when:
        o["effectiveDateTime"] = when
    if value is not None:
        q = {"value": value}
        if unit:
            q["unit"] = unit
        if ucum:
            q.update(system="http://unitsofmeasure.org", code=ucum)
        o["valueQuantity"] = q
    o.update(extra)
    return o


def bundle(*resources):
    return json.dumps(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": r} for r in resources],
        }
    ).encode()


def lab_rows(store):
    return sorted(
        (r["test"], r["date"], r["value"], r["unit"], r["text_value"])
        for r in queries.list_dicts(store, m.LabResult)
    )


def test_portal_bundle_matches_loinc_and_names_and_converts_ucum():
    p = read_results(
        bundle(
            obs("718-7", "Hemoglobin", 11.2, "g/dL", "g/dL"),
            obs("777-3", None, 150, "x10E3/uL", "10*3/uL"),
            obs(None, "Creatinine", 12, "mg/L"),  # no code: by name; mg/L converted
            obs("33944-0", "Lambda FLC", 25, "mg/L", "mg/L", when="2024-03"),
            obs("2345-7", "Glucose", 5.1, "mmol/L"),  # not a test the journal keeps
            obs("1751-7", "Albumin", None, dataAbsentReason={"text": "specimen haemolysed"}),
            obs(
                "36916-5",
                "Kappa",
                None,
                valueQuantity={"value": 5, "comparator": "<", "unit": "mg/L"},
            ),
            obs("718-7", "Hemoglobin", 11.0, "g/dL", when=None),
            {
                "resourceType": "MedicationStatement",
                "medicationCodeableConcept": {"text": "Lenalidomide 10 mg"},
                "effectivePeriod": {"start": "2024-01-02"},
            },
            {
                "resourceType": "Procedure",
                "code": {"text": "Bone marrow biopsy"},
                "performedDateTime": "2024-02-01",
            },
            {"resourceType": "Patient", "id": "x"},
        ),
        "portal.json",
    )
    assert p.kind == "FHIR Bundle"
    got = {(c.test, c.date, c.value, c.unit) for c in p.to_add}
    assert got == {
        ("hb", "2024-03-05", 11.2, "g/dL"),
        ("platelets", "2024-03-05", 150.0, "10^3/uL"),
        ("creatinine", "2024-03-05", 1.2, "mg/dL"),
        ("flc_lambda", "2024-03", 25.0, "mg/L"),
    }
    crea = next(c for c in p.to_add if c.test == "creatinine")
    assert crea.note == "converted from 12 mg/L"
    why = " | ".join(u.why for u in p.unreadable)
    assert "'Glucose' (LOINC 2345-7) is not a test the journal keeps" in why
    assert "specimen haemolysed" in why
    assert "'<5' is a value beyond the lab's measuring limit" in why
    assert "no date" in why
    assert len(p.unreadable) == 4
    assert [(s.kind, s.name, s.start) for s in p.suggestions] == [
        ("regimen", "Lenalidomide 10 mg", "2024-01-02"),
        ("procedure", "Bone marrow biopsy", "2024-02-01"),
    ]


def test_ndjson_and_a_single_observation():
    nd = "\n".join(
        json.dumps(o)
        for o in [obs("718-7", "Hb", 10.1, "g/dL"), obs("751-8", "ANC", 1.2, "10*9/L")]
    )
    p = read_results(nd.encode(), "obs.ndjson")
    assert p.kind == "NDJSON" and len(p.to_add) == 2
    single = read_results(json.dumps(obs("718-7", "Hb", 10.1, "g/dL")), "one.json")
    assert len(single.to_add) == 1


@pytest.mark.parametrize(
    ("text", "layout"),
    [
        # long, semicolon, decimal comma, German day-first dates, reference range
        (
            "Datum;Untersuchung;Wert;Einheit;Referenzbereich\n"
            "05.03.2024;Hämoglobin;11,2;g/dl;12,0 - 16,0\n"
            "05.03.2024;Thrombozyten;150;G/l;150 - 400\n",
            "one result per row",
        ),
        # long, comma, LOINC column, US dates with a day above 12
        (
            "Collected,Test Name,LOINC,Result,Units\n"
            "03/05/2024,Hgb,718-7,11.2,g/dL\n"
            "03/13/2024,Plt,777-3,150,x10^9/L\n",
            "one result per row",
        ),
        # wide: one row per date, unit in the column name
        (
            "Date,Hb (g/dL),Platelets [10^9/L],Notes\n2024-03-05,11.2,150,ok\n",
            "one column per test",
        ),
        # by test: one row per test, one column per date
        ("Test\tUnit\t2024-03-05\nHaemoglobin\tg/dL\t11.2\nPLT\t10^9/L\t150\n", "one row per test"),
    ],
)
def test_csv_layouts(text, layout):
    p = read_results(text.encode("utf-8"), "results.csv")
    assert p.kind == f"CSV, {layout}"
    hb = next(c for c in p.to_add if c.test == "hb")
    assert (hb.value, hb.unit) == (11.2, "g/dL")
    assert any(c.test == "platelets" and c.value == 150 for c in p.to_add)
    assert hb.date == "2024-03-05"


def test_day_month_order_decided_by_the_file_and_said():
    us = read_results(
        b"Date,Test,Value,Unit\n03/13/2024,Hb,11,g/dL\n03/05/2024,Hb,12,g/dL\n", "us.csv"
    )
    assert [c.date for c in us.to_add] == ["2024-03-13", "2024-03-05"]
    assert any("month/day/year" in n for n in us.notes)
    ambiguous = read_results(b"Date,Test,Value,Unit\n03/05/2024,Hb,11,g/dL\n", "x.csv")
    assert ambiguous.to_add[0].date == "2024-05-03"
    assert any("day/month/year" in n for n in ambiguous.notes)
    forced = read_results(
        b"Date,Test,Value,Unit\n03/05/2024,Hb,11,g/dL\n", "x.csv", date_order="mdy"
    )
    assert forced.to_add[0].date == "2024-03-05"


def test_wide_column_without_unit_is_refused_when_the_unit_is_ambiguous():
    p = read_results(b"Date,Hb,Platelets (10^9/L)\n2024-03-05,11.2,150\n", "w.csv")
    assert [c.test for c in p.to_add] == ["platelets"]
    assert "name it e.g. 'Hb (g/dL)'" in p.unreadable[0].why


def test_units_the_journal_does_not_know_are_unreadable_not_guessed():
    p = read_results(
        b"Date,Test,Value,Unit\n2024-03-05,Lymphocytes,22,%\n"
        b"2024-03-05,Hb,7.1,mmol/L\n2024-03-05,Calcium,2.4,mg\n",
        "u.csv",
    )
    assert [c.test for c in p.to_add] == ["hb"]  # Hb mmol/L is a journal unit
    assert "unit '%' is not one the journal knows" in p.unreadable[0].why
    assert "unit 'mg' is not one" in p.unreadable[1].why
    assert match_unit("platelets", "G/L") == "10^9/L"  # giga per litre for counts...
    assert match_unit("hb", "G/L") == "g/L"  # ...grams per litre for haemoglobin


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b'{"resourceType": "Bundle", "entry": [', "cut off while downloading"),
        (b'{"resourceType": "Patient"}', "is a FHIR Patient, not a Bundle"),
        (b'{"name": "x"}', "not FHIR"),
        (b"%PDF-1.7\x00\x00binary", "not a text file"),
        (b"just one line\n", "no rows of results"),
        (b"foo,bar\n1,2\n", "columns could not be matched"),
    ],
)
def test_malformed_files_get_one_plain_sentence(data, message):
    with pytest.raises(PortalFileError, match=message):
        read_results(data, "file")


def test_duplicates_in_the_journal_and_in_the_file(store):
    actions.add_lab_results(
        store, [m.LabResult(date="2024-03-05", test="hb", value=112, unit="g/L")]
    )
    p = read_results(
        b"Date,Test,Value,Unit\n2024-03-05,Hb,11.2,g/dL\n2024-03-05,Hb,11.4,g/dL\n"
        b"2024-03-05,Hb,11.4,g/dL\n2024-03-06,Hb,11.2,g/dL\n",
        "d.csv",
        queries.list_dicts(store, m.LabResult),
    )
    # 11.2 g/dL is the 112 g/L already there: same test, day and value.
    assert [(c.value, why) for c, why in p.duplicates] == [
        (11.2, "already in the journal"),
        (11.4, "appears twice in this file"),
    ]
    assert [(c.date, c.value) for c in p.to_add] == [("2024-03-05", 11.4), ("2024-03-06", 11.2)]


def test_import_is_all_or_nothing_with_one_undo(store, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("Date,Test,Value,Unit\n2024-03-05,Hb,11.2,g/dL\n2024-03-05,PLT,150,10^9/L\n")
    p = preview_file(store, f)
    change = import_preview(store, p)
    assert change.undoable and change.label == "Import 2 lab results from r.csv"
    assert len(lab_rows(store)) == 2
    again = preview_file(store, f)
    assert len(again.to_add) == 0 and len(again.duplicates) == 2
    actions.undo(store, change)
    assert lab_rows(store) == []


def test_a_bad_row_writes_nothing(store):
    p = read_results(b"Date,Test,Value,Unit\n2024-03-05,Hb,11.2,g/dL\n", "x.csv")
    bad = p.to_add[0].__class__(**{**p.to_add[0].__dict__, "date": "2024-13-40"})
    p.to_add.append(bad)
    with pytest.raises(Exception, match="result 2"):
        import_preview(store, p)
    assert lab_rows(store) == []


def test_missing_file_is_a_plain_message(store, tmp_path):
    with pytest.raises(PortalFileError, match="There is no file"):
        preview_file(store, tmp_path / "nope.json")


def test_round_trip_labs_to_fhir_and_back(store, history, tmp_path):
    from journal.store.db import create_journal

    before = lab_rows(store)
    data = json.dumps(export_fhir(store)).encode()
    other = create_journal(tmp_path / "other.sqlite", auto_backup=False)
    try:
        p = read_results(data, "export.json", queries.list_dicts(other, m.LabResult))
        assert len(p.to_add) == len(before)
        import_preview(other, p)
        assert lab_rows(other) == before  # same tests, dates, values, units, text results
        # ...and the medicines of the export come back as suggestions only.
        drugs = {s.name: (s.start, s.end) for s in p.suggestions if s.kind == "regimen"}
        assert drugs["bortezomib"] == ("2019-06-03", "2019-10")  # partial end date kept
        assert drugs["daratumumab"] == ("2022-02-01", None)  # still going
        assert [s.name for s in p.suggestions if s.kind == "procedure"] == [
            "autologous stem-cell transplant"
        ]
        assert queries.list_dicts(other, m.Regimen) == []
    finally:
        other.close()
    # Into the same journal: everything is a duplicate.
    same = read_results(data, "export.json", queries.list_dicts(store, m.LabResult))
    assert same.to_add == [] and len(same.duplicates) == len(before)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"value": -1.0}, "cannot be negative"),
        ({"value": float("nan")}, "must be a number"),
        ({"date": "2024-02-30"}, "not a date this app can read"),
        ({"unit": "mmol/L", "test": "platelets"}, "not measured in"),
    ],
)
def test_every_row_is_checked_even_when_many_share_a_shape(store, bad, message):
    from journal.services.results import import_lab_results
    from journal.store.validation import RecordError

    good = {"date": "2024-02-01", "test": "hb", "value": 11.0, "unit": "g/dL"}
    rows = [good, {**good, "value": 12.0}, {**good, "date": "2024-02-02"}, {**good, **bad}]
    with pytest.raises(RecordError, match=message) as err:
        import_lab_results(store, rows)
    assert "result 4 of 4; nothing was imported" in str(err.value)
    assert lab_rows(store) == []


def test_round_trip_through_the_csv_export(store, history, tmp_path):
    """The labs.csv of the journal's own CSV export reads back as the same results."""
    import io
    import zipfile

    from journal.interop.csv_export import export_csv_zip
    from journal.store.db import create_journal

    before = lab_rows(store)
    labs_csv = zipfile.ZipFile(io.BytesIO(export_csv_zip(store))).read("treatment-journal/labs.csv")
    other = create_journal(tmp_path / "other.sqlite", auto_backup=False)
    try:
        p = read_results(labs_csv, "labs.csv", [])
        assert p.unreadable == [] and len(p.to_add) == len(before)
        import_preview(other, p)
        assert lab_rows(other) == before
    finally:
        other.close()


def test_codes_confirmed_today_are_read_from_a_portal():
    # The CKD-EPI 2021 eGFR, 24 h urine M-protein and HBV DNA codes added to the tables.
    p = read_results(
        bundle(
            obs("98979-8", "eGFR", 58, "mL/min/{1.73_m2}", "mL/min/{1.73_m2}"),
            obs("42482-0", "M-protein 24h urine", 120, "mg/(24.h)", "mg/(24.h)"),
            obs("29610-3", "HBV DNA", None, valueString="Not detected"),
            obs("29610-3", "HBV DNA", None, valueString="Negative", when="2024-04-02"),
        ),
        "portal.json",
    )
    assert p.unreadable == []
    got = {(c.test, c.date): (c.value, c.unit, c.text_value) for c in p.to_add}
    assert got[("egfr", "2024-03-05")][:2] == (58.0, "mL/min/1.73m2")
    assert got[("urine_m_protein", "2024-03-05")][:2] == (120.0, "mg/24h")
    # A test kept as detected / not detected reads "negative" in its own words.
    assert got[("hbv_dna", "2024-03-05")][2] == "not detected"
    assert got[("hbv_dna", "2024-04-02")][2] == "not detected"
