"""Hostile values in an exchange file (issue 17, items 1, 2 and 11): every one is
refused before anything is written, with one short message naming the field's path;
never a traceback, never the whole bad value echoed back."""

import copy
import json

import pytest

from journal.store import exchange
from journal.store import models as m
from journal.store.db import create_journal
from journal.store.exchange import ExchangeError, check_exchange, export_journal
from journal.store.validation import MAX_LONG_TEXT

FIXED = "2026-11-25T00:00:00+00:00"
HUGE = "x" * 10_000_000


def _set(table, field, value, row=0):
    def change(d):
        d["records"][table][row][field] = value

    return change


def _problems(demo_data, change):
    d = copy.deepcopy(demo_data)
    change(d)
    return check_exchange(d)


# Item 1: each of these reached the database (OverflowError, UnicodeEncodeError) or
# crashed the checker (TypeError) instead of being refused with the field's path.
@pytest.mark.parametrize(
    ("change", "path"),
    [
        (_set("ecog", "id", 2**63), "records.ecog[0].id"),
        (_set("regimens", "cycles", 10**20), "records.regimens[0].cycles"),
        (_set("notes", "text", "\ud800"), "records.notes[0].text"),
        (_set("ecog", "id", [1]), "records.ecog[0].id"),
        (_set("ecog", "id", {"a": 1}), "records.ecog[0].id"),
        (_set("regimen_drugs", "dose", 10**400), "records.regimen_drugs[0].dose"),
        (_set("regimen_drugs", "regimen_id", [1]), "records.regimen_drugs[0].regimen_id"),
        (_set("lab_results", "value", float("nan")), "records.lab_results[0].value"),
        (_set("lab_results", "value", float("inf")), "records.lab_results[0].value"),
        (_set("lab_results", "value", 1e308), "records.lab_results[0].value"),
        (_set("regimens", "name", "\udfff VRd"), "records.regimens[0].name"),
    ],
    ids=[
        "id-2**63",
        "cycles-10**20",
        "surrogate",
        "id-list",
        "id-object",
        "dose-10**400",
        "fk-list",
        "nan",
        "inf",
        "lab-1e308",
        "surrogate-name",
    ],
)
def test_out_of_bounds_value_is_refused_with_its_path(demo_data, change, path):
    problems = _problems(demo_data, change)
    assert problems, "accepted"
    assert problems[0].startswith(path + ":"), problems
    assert len(problems) == 1, problems
    assert len(problems[0]) < 1000


@pytest.mark.parametrize(
    "change",
    [
        _set("regimens", "start", HUGE),
        _set("regimens", "intent", HUGE),
        _set("lab_results", "unit", HUGE),
        _set("regimens", HUGE, 1),
        _set("regimens", "name", HUGE),
        _set("notes", "text", HUGE),
        _set("ecog", "score", HUGE),
        lambda d: d.__setitem__("format", HUGE),
        lambda d: d.__setitem__("version", HUGE),
        lambda d: d.__setitem__("version", 10**5000),
        lambda d: d["records"].__setitem__(HUGE, []),
    ],
    ids=[
        "date",
        "enum",
        "unit",
        "unknown-key",
        "short-text",
        "long-text",
        "int-as-text",
        "format",
        "version",
        "version-5000-digits",
        "unknown-table",
    ],
)
def test_message_never_repeats_a_huge_value(demo_data, change):
    """Item 2: a 10 MB value gave a 10 MB message (and a 10 MB dialog)."""
    problems = _problems(demo_data, change)
    assert problems
    text = str(ExchangeError(problems))
    assert len(text) < 1000, text[:300]


def test_too_long_text_names_the_limit(demo_data):
    problems = _problems(demo_data, _set("notes", "text", "word " * 200_000))
    assert len(problems) == 1
    assert problems[0].startswith("records.notes[0].text:")
    assert "1,000,000 characters" in problems[0] and f"{MAX_LONG_TEXT:,}" in problems[0]


def test_schema_bounds_every_field_by_kind():
    """Limits come from the column's type, so tables added later get them too."""
    schema = exchange.build_schema()
    for key, table in schema["properties"]["records"]["properties"].items():
        for name, prop in table["items"]["properties"].items():
            kinds = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
            where = f"{key}.{name}"
            if "integer" in kinds:
                assert prop["minimum"] >= -(2**63) and prop["maximum"] <= 2**63 - 1, where
            if "number" in kinds:
                assert abs(prop["minimum"]) <= 1e15 and prop["maximum"] <= 1e15, where
            if "string" in kinds:
                assert prop["maxLength"] <= (16 << 20 if name == "raw_record" else MAX_LONG_TEXT), (
                    where
                )
    assert schema["properties"]["records"]["properties"]["person"]["maxItems"] == 1


# Item 11.
def test_wrong_type_id_is_reported_once(demo_data):
    def change(d):
        d["records"]["regimens"][0]["id"] = "a"

    problems = _problems(demo_data, change)
    assert problems == [
        'records.regimens[0].id: should be a whole number, not "a"; change the value'
    ]


def test_two_person_rows_refused(demo_data):
    def change(d):
        d["records"]["person"].append(dict(d["records"]["person"][0], id=2))

    problems = _problems(demo_data, change)
    assert len(problems) == 1 and problems[0].startswith("records.person:"), problems
    assert "one" in problems[0]


def test_cyclic_part_of_refused(demo_data):
    def change(d):
        regs = d["records"]["regimens"]
        regs[0]["part_of_id"] = regs[1]["id"]
        regs[1]["part_of_id"] = regs[0]["id"]

    problems = _problems(demo_data, change)
    assert len(problems) == 1, problems
    assert problems[0].startswith("records.regimens[0].part_of_id:")
    assert "circle" in problems[0]


def test_unknown_drug_id_refused(demo_data):
    problems = _problems(demo_data, _set("regimen_drugs", "drug_id", "no-such-drug"))
    assert len(problems) == 1
    assert problems[0].startswith("records.regimen_drugs[0].drug_id:")
    assert "not a drug" in problems[0]


def test_integers_stay_integers_on_re_export(demo_data, tmp_path):
    d = copy.deepcopy(demo_data)
    d["records"]["regimen_drugs"][0]["dose"] = 25
    d["records"]["regimens"][0]["cycles"] = 6.0  # JSON Schema counts 6.0 as a whole number
    with create_journal(tmp_path / "j.sqlite", auto_backup=False) as s:
        exchange.import_journal(s, d)
        again = json.loads(exchange.dumps(export_journal(s)))
    dose = again["records"]["regimen_drugs"][0]["dose"]
    cycles = again["records"]["regimens"][0]["cycles"]
    assert type(cycles) is int and cycles == 6
    assert dose == 25


def test_import_error_is_plain_even_past_the_checks(demo_data, tmp_path, monkeypatch):
    """The last guard: whatever slips past the checks is one sentence, not a traceback."""
    monkeypatch.setattr(exchange, "check_exchange", lambda data, progress=None: [])
    d = copy.deepcopy(demo_data)
    d["records"]["notes"][0]["text"] = "\ud800"
    with create_journal(tmp_path / "j.sqlite", auto_backup=False) as s:
        with pytest.raises(ExchangeError, match="nothing was written"):
            exchange.import_journal(s, d)
        with s.engine.connect() as c:
            assert c.execute(m.Note.__table__.select()).first() is None
