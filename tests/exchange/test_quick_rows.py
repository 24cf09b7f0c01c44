"""The quick row check import runs on every row (validation.row_checker) never passes a
row that ``validate`` refuses; it passes the rows of real journals (or import would be
slow for nothing); and a file's problems read the same whether or not it ran."""

import copy
import datetime as dt

import pytest
from exchange_places import mutation_places
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal.demo import build_demo
from journal.domain.labs import KNOWN_UNITS, LAB_TESTS
from journal.store import exchange, validation
from journal.store import models as m
from journal.store.db import create_journal
from journal.store.exchange import EXCHANGE_NAMES, export_journal
from journal.store.validation import RecordError, RowValues, row_checker, validate

FIXED = "2026-11-25T00:00:00+00:00"
TODAY = dt.date(2026, 11, 25)
BY_KEY = {v: k for k, v in EXCHANGE_NAMES.items()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = create_journal(tmp_path_factory.mktemp("d") / "demo.sqlite", auto_backup=False)
    build_demo(store)
    data = export_journal(store, exported_at=FIXED)
    store.close()
    return data


def _validate_finds_nothing(cls, row: dict, parent: dict | None) -> bool:
    try:
        validate(RowValues(cls, row), parent=m.Regimen(**parent) if parent else None, today=TODAY)
    except RecordError:
        return False
    return True


def _parent(data: dict, key: str, row: dict) -> dict | None:
    if key != "regimen_drugs":
        return None
    return next((r for r in data["records"]["regimens"] if r["id"] == row.get("regimen_id")), None)


def test_every_specific_rule_has_a_quick_twin():
    # A rule added to validate without its quick twin would let rows skip it.
    assert set(validation._QUICK_SPECIFIC) == set(validation._SPECIFIC)


def test_every_row_of_a_real_journal_passes_quickly(demo):
    for key, rows in demo["records"].items():
        cls = BY_KEY[key]
        ok = row_checker(cls, TODAY)
        for row in rows:
            assert ok(row, _parent(demo, key, row)), (key, row)


#: Rows for the tables the demo leaves empty, so every table is tried.
EXTRA_ROWS = {
    "disease_features": {
        "id": 1, "flag": "extramedullary disease", "date": "2020-03", "resolved": "2021",
        "site": "rib", "size_mm": 12, "notes": None,
    },
    "overrides": {
        "id": 1, "rule": "line", "subject": "regimen 1", "value": "2", "reason": "doctor",
        "created_at": "2026-01-01T00:00:00",
    },
    "trial_studies": {
        "id": 1, "nct_id": "NCT01234567", "title": "A study", "raw_record": "{}",
        "record_updated": "2025-01-01", "brought_at": "2026-01-01T00:00:00",
        "source_name": None,
    },
    "trial_answers": {
        "id": 1, "trial_id": 1, "criterion_index": 0, "criterion_text": "Age 18 or over",
        "status": "met", "note": None, "answered_at": "2026-01-01T00:00:00",
    },
}  # fmt: skip

DATES = [
    "1850", "1899-01-01", "1999-01-01", "2000", "2000-SP", "~2019-WI", "<2019-05", "2019-05-14",
    "2025-06", "2026-11-25", "2026-12", "2027-11-25", "2027-12-01", "2030", "2019-02-30",
    "2019-13", "2019\n", "\uff12\uff10\uff11\uff19", "", " ", None, 2019,
]  # fmt: skip
HOSTILE = [
    None, True, False, 0, -1, 1, 2, 4, 5, 6, 40, 41, 365, 366, 6.0, 0.5, -0.5, 2**63,
    -(2**63) - 1, 1e15, 1.5e15, 1e17, float("nan"), float("inf"), -float("inf"), "", " ",
    "\ud800", "a\udfffb", "x" * 1001, "x" * 100_001, "no", "yes", "unknown", "other", [], {},
]  # fmt: skip


@pytest.fixture(scope="module")
def rows(demo) -> dict[str, list[dict]]:
    out = {k: v[:12] for k, v in demo["records"].items()}
    labs = demo["records"]["lab_results"]
    yes_no = [r for r in labs if LAB_TESTS[r["test"]].qualitative][:2]
    out["lab_results"] = yes_no + labs[::40]  # every kind of test
    for key, row in EXTRA_ROWS.items():
        assert not out[key], key  # the demo has some now: use them instead
        out[key] = [row]
    return out


@pytest.fixture(scope="module")
def pools(rows) -> dict[tuple[str, str], list]:
    """Values worth trying per (table, field): what real rows hold (swapped between rows,
    they reach the rules that tie fields together: unit per test, grade per scale), every
    allowed value of a coded field, dates near the limits, and hostile values."""
    out: dict[tuple[str, str], list] = {}
    for key in rows:
        cls = BY_KEY[key]
        for col in cls.__table__.columns:
            vals: list = []
            for other in rows.values():
                for row in other:
                    v = row.get(col.name)
                    if v not in vals and len(vals) < 40:
                        vals.append(v)
            enum = validation.ENUM_FIELDS.get(cls, {}).get(col.name)
            vals += [e.value for e in enum or ()]
            if cls is m.LabResult and col.name in ("test", "unit", "text_value"):
                vals += sorted(LAB_TESTS) + sorted(KNOWN_UNITS) + ["positive", "negative"]
            if cls is m.SideEffect and col.name == "scale":
                vals += list(validation.GRADE_RANGES)
            if col.name in validation.DATE_FIELDS.get(cls, ()):
                vals += DATES
            out[key, col.name] = vals + HOSTILE
    return out


def _check(key: str, row: dict, parent: dict | None) -> None:
    cls = BY_KEY[key]
    if row_checker(cls, TODAY)(row, parent):
        assert _validate_finds_nothing(cls, row, parent), (key, row, parent)


def test_quick_never_passes_what_validate_refuses_one_change(demo, rows, pools):
    for key, table_rows in rows.items():
        for row in table_rows[:4]:
            parent = _parent(demo, key, row)
            for field in row:
                for value in pools[key, field]:
                    _check(key, {**row, field: value}, parent)
                _check(key, {f: v for f, v in row.items() if f != field}, parent)
            for field in parent or ():
                for value in pools["regimens", field]:
                    _check(key, row, {**parent, field: value})


def test_the_compiled_check_decides_as_the_generic_one(demo, rows, pools):
    """A row that gives every field goes through code written out per table; it must
    answer exactly as the loop over the columns does, hostile values and all."""
    tried = 0
    for key, table_rows in rows.items():
        ok = row_checker(BY_KEY[key], TODAY)
        assert "def full_row" in ok.source
        for row in table_rows[:4]:
            parent = _parent(demo, key, row)
            for field in row:
                for value in pools[key, field]:
                    changed = {**row, field: value}
                    assert ok(changed, parent) == ok.generic(changed, parent), (key, changed)
                    tried += 1
                renamed = {("x" if f == field else f): v for f, v in row.items()}
                assert not ok(renamed, parent) and not ok.generic(renamed, parent)
            for field in parent or ():
                for value in pools["regimens", field]:
                    p = {**parent, field: value}
                    assert ok(row, p) == ok.generic(row, p), (key, row, p)
    assert tried > 5000
    few = row_checker(m.LabResult, TODAY, rows=validation.COMPILE_FROM - 1)
    assert not hasattr(few, "source")  # a small table: the loop, nothing compiled
    assert not row_checker(m.LabResult, TODAY)(None, None)
    assert not row_checker(m.LabResult, TODAY)(list(range(10)), None)


@settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_quick_never_passes_what_validate_refuses(demo, rows, pools, data):
    key = data.draw(st.sampled_from(sorted(rows)))
    row = copy.deepcopy(data.draw(st.sampled_from(rows[key])))
    parent = copy.deepcopy(_parent(demo, key, row))
    for _ in range(data.draw(st.integers(min_value=2, max_value=4))):
        on_parent = parent is not None and data.draw(st.booleans())
        target, table = (parent, "regimens") if on_parent else (row, key)
        field = data.draw(st.sampled_from(sorted(target)))
        if data.draw(st.integers(0, 9)) == 0:
            target.pop(field, None)  # a field left out reads as its default
        else:
            target[field] = data.draw(st.sampled_from(pools[table, field]))
    _check(key, row, parent)


def test_problems_read_the_same_without_the_quick_check(demo, monkeypatch):
    doc = copy.deepcopy(demo)
    rec = doc["records"]
    rec["regimens"][0]["end"] = "1990-01-01"  # before its start
    rec["lab_results"][0]["unit"] = "mmol/L"  # not a unit of that test
    rec["lab_results"][3]["value"] = None
    rec["side_effects"][0]["grade"] = 5
    rec["side_effects"][0]["scale"] = "KVA"
    rec["regimen_drugs"][1]["start"] = "1999-01-01"  # before its regimen
    rec["notes"][0]["text"] = "a\ud800b"
    rec["health_history"][0]["answer"] = "no"
    rec["health_history"][0]["treated"] = True
    quick = exchange.check_exchange(doc)
    assert len(quick) >= 7, quick
    monkeypatch.setattr(exchange, "row_checker", lambda cls, today, **_: lambda row, parent: False)
    assert exchange.check_exchange(doc) == quick


# -- the whole file: schema and rules in one quick pass -------------------------------


def _small(data: dict) -> dict:
    return {**data, "records": {k: rows[:3] for k, rows in data["records"].items()}}


def _full_check(doc: dict, monkeypatch) -> list[str]:
    with monkeypatch.context() as mp:
        mp.setattr(exchange, "_clean_file", lambda data, today: False)
        mp.setattr(exchange, "schema_valid", lambda data: False)  # jsonschema itself
        mp.setattr(exchange, "row_checker", lambda cls, today, **_: lambda row, parent: False)
        return exchange.check_exchange(doc)


def test_a_real_export_is_clean(demo):
    assert exchange._clean_file(demo, dt.date.today())


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data(), drop=st.booleans())
def test_the_quick_passes_change_no_message(demo, pools, monkeypatch, data, drop):
    doc = copy.deepcopy(_small(demo))
    places = mutation_places(doc)
    for _ in range(data.draw(st.integers(min_value=1, max_value=2))):
        path = data.draw(st.sampled_from(places))
        at = doc
        for p in path[:-1]:
            at = _step(at, p)
            if at is None:
                break
        last = path[-1]
        in_list = isinstance(at, list) and type(last) is int and 0 <= last < len(at)
        if not (isinstance(at, dict) or in_list):
            continue  # an earlier change took this place away (or put a shorter list there)
        if drop and isinstance(at, dict):
            at.pop(path[-1], None)  # a missing field (required or not)
            continue
        if len(path) == 4 and (path[1], path[3]) in pools:
            value = data.draw(st.sampled_from(pools[path[1], path[3]]))
        else:
            value = data.draw(st.sampled_from(SMALL_HOSTILE))
        at[path[-1]] = value
    clean = exchange._clean_file(doc, dt.date.today())
    problems = _full_check(doc, monkeypatch)
    assert exchange.check_exchange(doc) == problems  # the same, word for word
    if clean:  # it vouched for the schema and every row rule; not for links between rows
        between = ("which is not in", "circle", "is used twice")
        assert all(any(w in p for w in between) for p in problems), problems


def _step(at, p):
    """``at[p]`` if that place exists (a field of a group, an index of a list), else None."""
    if isinstance(at, dict):
        return at.get(p)
    if isinstance(at, list) and type(p) is int and 0 <= p < len(at):
        return at[p]
    return None


SMALL_HOSTILE = [v for v in HOSTILE if not (isinstance(v, str) and len(v) > 2000)] + [
    [{}],
    [{"id": 1}],
    {"a": []},
    "2",
]
