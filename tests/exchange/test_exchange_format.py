import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete as sa_delete
from sqlalchemy.exc import OperationalError

from journal.domain.labs import LAB_TESTS
from journal.services import actions, queries
from journal.store import exchange
from journal.store import models as m
from journal.store.db import create_journal
from journal.store.exchange import ExchangeError, check_exchange, dumps, export_journal

FIXED = "2026-11-25T00:00:00+00:00"


def test_schema_file_matches_tables():
    """The shipped schema is generated from the tables; regenerate it after a table change:
    python -c "from journal.store import exchange; open(exchange.SCHEMA_PATH, 'w').write(exchange.schema_text())"
    """
    assert exchange.SCHEMA_PATH.read_text(encoding="utf-8") == exchange.schema_text()


def test_every_record_table_is_carried():
    assert set(exchange.EXCHANGE_NAMES) == set(m.RECORD_TABLES)


def test_demo_round_trip_is_byte_identical(demo_data, make_store):
    text = dumps(demo_data)
    assert demo_data["format"] == "treatment-journal" and demo_data["version"] == exchange.VERSION
    store = make_store()
    actions.import_exchange(store, json.loads(text))
    assert dumps(export_journal(store, exported_at=FIXED)) == text


def test_import_publishes_one_change(demo_data, make_store):
    store = make_store()
    seen = []
    from journal.services import bus_for

    bus_for(store).subscribe(seen.append)
    actions.import_exchange(store, demo_data)
    assert len(seen) == 1 and not seen[0].undoable and "labresult" in seen[0].tables


def test_refuses_non_empty_journal(demo_data, make_store):
    store = make_store()
    actions.add_note(store, m.Note(date="2020-01-01", text="mine"))
    with pytest.raises(ExchangeError) as exc:
        exchange.import_journal(store, demo_data)
    assert "already holds data" in str(exc.value) and "new journal file" in str(exc.value)
    assert queries.row_counts(store)["note"] == 1


def test_malformed_json():
    with pytest.raises(ExchangeError) as exc:
        exchange.loads('{"format": "treatment-journal", "version": 1,\n "records": {')
    assert "not valid JSON (line 2" in str(exc.value)
    with pytest.raises(ExchangeError, match="not a Treatment Journal export"):
        exchange.loads("[1, 2]")


def test_wrong_format_and_newer_version(demo_data):
    d = copy.deepcopy(demo_data)
    d["format"] = "something-else"
    assert check_exchange(d) == [
        'format: this is not a Treatment Journal export (format is "something-else", '
        'expected "treatment-journal")'
    ]
    d = copy.deepcopy(demo_data)
    d["version"] = exchange.VERSION + 1
    (msg,) = check_exchange(d)
    assert "newer Treatment Journal" in msg and "Update the app" in msg


def test_version_1_file_without_trial_lists_still_imports(demo_data, make_store):
    d = copy.deepcopy(demo_data)
    d["version"] = 1
    del d["records"]["trial_studies"], d["records"]["trial_answers"]
    assert check_exchange(d) == []
    store = make_store()
    counts = exchange.import_journal(store, d)
    assert counts["regimens"] == len(demo_data["records"]["regimens"])
    assert counts["trial_studies"] == 0


def _bad(demo_data, mutate):
    d = copy.deepcopy(demo_data)
    mutate(d["records"])
    return check_exchange(d)


def test_out_of_range_values_named_by_path(demo_data):
    def mutate(r):
        r["side_effects"][2]["grade"] = 7
        r["ecog"][0]["score"] = 9
        r["lab_results"][5]["unit"] = "furlongs"
        r["regimens"][3]["end"] = "2019-02-30x"
        r["person"][0]["height_cm"] = 12.0

    errs = _bad(demo_data, mutate)
    joined = "\n".join(errs)
    assert "records.side_effects[2].grade: 7 is above the highest allowed value (5)" in joined
    assert "records.ecog[0].score: 9 is above the highest allowed value (4)" in joined
    assert 'records.lab_results[5].unit: "furlongs" is not an allowed value' in joined
    assert 'records.regimens[3].end: "2019-02-30x" is not a date' in joined
    assert "records.person[0].height_cm:" in joined


def test_rules_beyond_the_schema(demo_data):
    def mutate(r):
        r["regimens"][3]["end"] = "2019-01-01"  # before its start (2020-03-02)
        lab = next(i for i, x in enumerate(r["lab_results"]) if x["test"] == "flc_kappa")
        r["lab_results"][lab]["unit"] = "g/dL"  # a known unit, but not for FLC
        r["side_effects"][7]["scale"] = "KVA"
        r["side_effects"][7]["grade"] = 5

    errs = _bad(demo_data, mutate)
    assert any(
        e.startswith("records.regimens[3].end: Stop date (1 Jan 2019) is before") for e in errs
    )
    assert any(".unit: Free light chain kappa is not measured in 'g/dL'" in e for e in errs)
    assert any(
        e.startswith("records.side_effects[7].grade: Grade 5 does not exist on the KVA")
        for e in errs
    )


def test_dangling_references_and_duplicate_ids(demo_data):
    def mutate(r):
        r["regimen_drugs"][0]["regimen_id"] = 999
        r["responses"][1]["regimen_id"] = 998
        r["notes"][1]["id"] = r["notes"][0]["id"]

    errs = _bad(demo_data, mutate)
    assert (
        "records.regimen_drugs[0].regimen_id: points to regimens id 999, which is not in "
        "the file; fix the id or add that record"
    ) in errs
    assert any(
        e.startswith("records.responses[1].regimen_id: points to regimens id 998") for e in errs
    )
    assert any(e.startswith("records.notes[1].id: id") and "used twice" in e for e in errs)


def test_missing_and_unknown_fields(demo_data):
    def mutate(r):
        del r["regimens"][0]["name"]
        r["notes"][0]["colour"] = "blue"
        r["pets"] = []

    errs = _bad(demo_data, mutate)
    assert "records.regimens[0].name: this field is missing; add it" in errs
    assert "records.notes[0]: unknown field(s) 'colour'; remove or rename them" in errs
    assert "records: unknown field(s) 'pets'; remove or rename them" in errs


def test_bad_file_writes_nothing(demo_data, make_store):
    store = make_store()
    d = copy.deepcopy(demo_data)
    d["records"]["questions"][-1]["created"] = "yesterday"
    with pytest.raises(ExchangeError) as exc:
        exchange.import_journal(store, d)
    assert exc.value.errors == [
        'records.questions[2].created: "yesterday" is not a date in the stored form '
        "(2019, 2019-05, 2019-05-14, 2019-SP; optional ~ < > in front)"
    ]
    assert queries.is_empty(store)


def test_database_failure_midway_rolls_back(demo_data, make_store, monkeypatch):
    store = make_store()
    real = exchange.insert_rows

    def half_then_fail(conn, rows):
        real(conn, {m.Person: rows[m.Person], m.Regimen: rows[m.Regimen]})
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(exchange, "insert_rows", half_then_fail)
    with pytest.raises(ExchangeError, match="nothing was written"):
        exchange.import_journal(store, demo_data)
    assert queries.is_empty(store)


def test_self_reference_to_later_row_imports(make_store):
    data = export_journal(make_store("a.sqlite"), exported_at=FIXED)
    data["records"]["regimens"] = [
        {"id": 1, "name": "R maintenance", "start": "2018-01", "part_of_id": 2},
        {"id": 2, "name": "VRd", "start": "2017-03"},
    ]
    store = make_store("b.sqlite")
    exchange.import_journal(store, data)
    got = {r.id: r.part_of_id for r in queries.list_rows(store, m.Regimen)}
    assert got == {1: 2, 2: None}
    # Missing optional fields took the table defaults.
    assert queries.get(store, m.Regimen, 2).expanded_access is False


# -- property: random journal -> export -> import -> export is identical ----------------

text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)
opt_text = st.none() | text
day = st.builds(
    lambda y, mo, d: (y, mo, d), st.integers(2000, 2025), st.integers(1, 12), st.integers(1, 28)
)


def iso(t, precision=3, prefix=""):
    y, mo, d = t
    return prefix + [f"{y}", f"{y}-{mo:02d}", f"{y}-{mo:02d}-{d:02d}"][precision - 1]


@st.composite
def journals(draw):
    rows: dict = {}
    rows[m.Person] = [
        {
            "birth_date": iso(draw(day), draw(st.integers(1, 3))),
            "sex": draw(st.sampled_from(["female", "male", "unknown"])),
            "display_name": draw(opt_text),
            "weight_kg": draw(st.none() | st.floats(30, 200)),
        }
    ]
    regs, drugs, labs, ses, sedrugs, notes, ovs = [], [], [], [], [], [], []
    for i in range(draw(st.integers(0, 4))):
        s = draw(day)
        ended = draw(st.booleans())
        regs.append(
            {
                "id": i + 1,
                "name": draw(text.filter(str.strip)),
                "start": iso(s),
                "end": iso((s[0] + 1, s[1], s[2])) if ended else None,
                "part_of_id": 1 if i and draw(st.booleans()) else None,
                "cycles": draw(st.none() | st.integers(0, 30)),
                "plan": draw(opt_text),
            }
        )
        for _ in range(draw(st.integers(0, 3))):
            drugs.append(
                {
                    "id": len(drugs) + 1,
                    "regimen_id": i + 1,
                    "name": draw(text.filter(str.strip)),
                    "dose": draw(st.none() | st.floats(0, 1e4)),
                    "role": draw(st.sampled_from(["anti-myeloma", "premedication"])),
                }
            )
    for _ in range(draw(st.integers(0, 15))):
        code = draw(st.sampled_from(sorted(LAB_TESTS)))
        t = LAB_TESTS[code]
        q = bool(t.qualitative)
        labs.append(
            {
                "date": iso(draw(day), draw(st.integers(1, 3))),
                "test": code,
                "unit": draw(st.sampled_from(sorted(t.units))),
                "value": None if q else draw(st.floats(0, 1e5)),
                "text_value": draw(st.sampled_from(t.qualitative)) if q else None,
                "context": draw(st.sampled_from(["none", "transfusion-supported"])),
            }
        )
    for i in range(draw(st.integers(0, 3))):
        ses.append(
            {
                "id": i + 1,
                "term": draw(text.filter(str.strip)),
                "onset": iso(draw(day)),
                "grade": draw(st.none() | st.integers(1, 4)),
                "serious": draw(st.booleans()),
                "patient_words": draw(opt_text),
            }
        )
        sedrugs += [{"side_effect_id": i + 1, "drug_id": "bortezomib"}] * draw(st.integers(0, 2))
    for _ in range(draw(st.integers(0, 3))):
        notes.append(
            {
                "date": iso(draw(day), 1, draw(st.sampled_from(["", "~", "<", ">"]))),
                "text": draw(opt_text),
                "include_in_summary": draw(st.booleans()),
            }
        )
    for i in range(draw(st.integers(0, 2))):
        ovs.append(
            {
                "rule": "refractory",
                "subject": f"drug{i}",
                "value": draw(text.filter(str.strip)),
                "reason": draw(text.filter(str.strip)),
            }
        )
    rows.update(
        {
            m.Regimen: regs,
            m.RegimenDrug: drugs,
            m.LabResult: labs,
            m.SideEffect: ses,
            m.SideEffectDrug: sedrugs,
            m.Note: notes,
            m.Override: ovs,
        }
    )
    # The remaining tables, so every table crosses the round trip.
    reg_ids = [r["id"] for r in regs]
    maybe_reg = st.none() | st.sampled_from(reg_ids) if reg_ids else st.none()
    one = st.integers(0, 2)
    rows[m.Diagnosis] = [
        {
            "date": iso(draw(day)),
            "heavy_chain": draw(st.sampled_from(["IgG", "IgA", "unknown"])),
            "iss_stage": draw(st.sampled_from([None, "I", "II", "III"])),
            "ldh_high": draw(st.none() | st.booleans()),
            "notes": draw(opt_text),
        }
    ][: draw(st.integers(0, 1))]
    rows[m.IsotypeObservation] = [
        {"date": iso(draw(day)), "light_chain": draw(st.sampled_from(["kappa", "lambda"]))}
        for _ in range(draw(one))
    ]
    rows[m.DiseaseFeature] = [
        {
            "flag": draw(st.sampled_from(["extramedullary disease", "CNS involvement"])),
            "site": draw(opt_text),
            "size_mm": draw(st.none() | st.floats(0, 300)),
        }
        for _ in range(draw(one))
    ]
    rows[m.CytogeneticResult] = [
        {
            "abnormality": draw(st.sampled_from(["del(17p)", "t(4;14)", "other"])),
            "present": draw(st.booleans()),
            "percent": draw(st.none() | st.floats(0, 100)),
            "copy_number": draw(st.none() | st.integers(0, 10)),
        }
        for _ in range(draw(one))
    ]
    rows[m.DoseChange] = [
        {
            "regimen_drug_id": d["id"],
            "date": next(r["start"] for r in regs if r["id"] == d["regimen_id"]),
            "dose": draw(st.none() | st.floats(0, 100)),
            "held": draw(st.booleans()),
        }
        for d in drugs[: draw(one)]
    ]
    rows[m.Procedure] = [
        {
            "kind": draw(st.sampled_from(["CAR-T infusion", "radiotherapy"])),
            "date": iso(draw(day)),
            "regimen_id": draw(maybe_reg),
            "units": draw(st.none() | st.floats(0, 10)),
        }
        for _ in range(draw(one))
    ]
    rows[m.Response] = [
        {
            "date": iso(draw(day)),
            "category": draw(st.sampled_from(["sCR", "PR", "not evaluable"])),
            "regimen_id": draw(maybe_reg),
            "mrd_result": draw(st.sampled_from([None, "negative"])),
        }
        for _ in range(draw(one))
    ]
    rows[m.Progression] = []
    for _ in range(draw(one)):
        first_met = draw(day)
        confirmed = draw(st.booleans())
        later = [iso(first_met), iso(first_met, 2)] if confirmed else []
        rows[m.Progression].append(
            {
                "date": iso(first_met),
                "confirmed": confirmed,
                "regimen_id": draw(maybe_reg),
                "confirmed_on": draw(st.sampled_from([None, *later])),
            }
        )
    for se in ses:
        se["regimen_id"] = draw(maybe_reg)
    rows[m.MrdResult] = [
        {
            "date": iso(draw(day)),
            "result": draw(st.sampled_from(["negative", "positive"])),
            "method": draw(st.sampled_from([None, "next-generation sequencing"])),
            "sensitivity": draw(st.sampled_from([None, "10^-5", "10^-6"])),
            "sample": draw(st.sampled_from([None, "bone marrow"])),
            "regimen_id": draw(maybe_reg),
        }
        for _ in range(draw(one))
    ]
    rows[m.HealthHistory] = [
        {
            "topic": draw(st.sampled_from(["another cancer", "hepatitis B", "POEMS"])),
            "answer": "no",
            "date": draw(st.none() | day.map(iso)),
            "detail": draw(opt_text),
        }
        for _ in range(draw(one))
    ]
    if rows[m.Diagnosis]:
        rows[m.Diagnosis][0]["creatinine_mg_dl"] = draw(st.none() | st.floats(0.3, 12))
        rows[m.Diagnosis][0]["ldh_u_l"] = draw(st.none() | st.floats(50, 3000))
    rows[m.Ecog] = [
        {"date": iso(draw(day)), "score": draw(st.integers(0, 4))} for _ in range(draw(one))
    ]
    rows[m.SupportiveCare] = [
        {"name": draw(text.filter(str.strip)), "start": iso(draw(day))} for _ in range(draw(one))
    ]
    rows[m.Question] = [
        {"created": iso(draw(day)), "text": draw(text.filter(str.strip)), "answer": draw(opt_text)}
        for _ in range(draw(one))
    ]
    return rows


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    # Two journals reused by every example (emptied in between): creating a
    # journal file costs fsyncs, and the property is about the data.
    d = tmp_path_factory.mktemp("rt")
    a = create_journal(d / "a.sqlite", auto_backup=False)
    b = create_journal(d / "b.sqlite", auto_backup=False)
    yield a, b
    a.close()
    b.close()


def wipe(store):
    with store.engine.begin() as conn:
        for cls in reversed(m.RECORD_TABLES):
            conn.execute(sa_delete(cls.__table__))


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(journals())
def test_random_journal_round_trip(pair, rows):
    a, b = pair
    wipe(a)
    wipe(b)
    actions.bulk_insert(a, rows)
    first = dumps(export_journal(a, exported_at=FIXED))
    exchange.import_journal(b, json.loads(first))
    assert dumps(export_journal(b, exported_at=FIXED)) == first


def test_import_reports_progress(demo_data, make_store):
    seen = []
    exchange.import_journal(make_store(), demo_data, lambda d, t, text: seen.append((d, t)))
    assert seen == [(0, 4), (1, 4), (2, 4), (4, 4)]


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "export.json"
    exchange.write_atomic(target, "old\n")

    def boom(_src, _dst):
        raise OSError(28, "No space left on device")

    import journal.fileio

    monkeypatch.setattr(journal.fileio.os, "replace", boom)
    with pytest.raises(OSError):
        exchange.write_atomic(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["export.json"]


# -- version 1 files --------------------------------------------------------------------

_V2_TABLES = ("mrd_results", "health_history", "trial_studies", "trial_answers")
_V2_FIELDS = {
    "diagnosis": ("creatinine_mg_dl", "ldh_u_l", "ldh_uln_u_l"),
    "progressions": ("confirmed_on",),
    "side_effects": ("regimen_id",),
}
_V2_LABS = {"inr", "aptt", "spo2", "hiv", "hbsag", "anti_hbc", "hbv_dna", "anti_hcv", "hcv_rna"}


def as_version_1(data):
    """The file an earlier app (format version 1) would have written for this journal."""
    d = copy.deepcopy(data)
    d["version"] = 1
    for key in _V2_TABLES:
        d["records"].pop(key, None)
    for key, fields in _V2_FIELDS.items():
        for row in d["records"][key]:
            for f in fields:
                row.pop(f)
    d["records"]["lab_results"] = [
        r for r in d["records"]["lab_results"] if r["test"] not in _V2_LABS
    ]
    return d


def test_version_1_file_still_imports(demo_data, make_store):
    assert demo_data["records"]["health_history"] and demo_data["records"]["mrd_results"]
    v1 = as_version_1(demo_data)
    assert check_exchange(v1) == []
    store = make_store()
    actions.import_exchange(store, v1)
    again = export_journal(store, exported_at=FIXED)
    assert again["version"] == exchange.VERSION == 2
    assert again["records"]["health_history"] == [] and again["records"]["mrd_results"] == []
    # Every version-1 field came through unchanged; the version-2 fields read empty.
    assert as_version_1(again) == v1
    assert all(p["confirmed_on"] is None for p in again["records"]["progressions"])
    assert again["records"]["diagnosis"][0]["creatinine_mg_dl"] is None


def test_version_2_records_refused_with_their_path(demo_data):
    def mutate(r):
        r["health_history"][0]["answer"] = "maybe"
        r["mrd_results"][0]["sensitivity"] = "1e-5"
        r["progressions"][0]["confirmed_on"] = "1990-01-01"

    errors = _bad(demo_data, mutate)
    assert any(e.startswith("records.health_history[0].answer:") for e in errors)
    assert any(e.startswith("records.mrd_results[0].sensitivity:") for e in errors)
    assert any(
        e.startswith("records.progressions[0].confirmed_on:") and "before" in e for e in errors
    )
