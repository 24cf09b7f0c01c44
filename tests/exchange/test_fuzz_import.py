"""Fuzz (issue 17): a valid export, one field at a time set to a hostile value (huge,
deep, wrong type, broken characters, NaN, 2**63, 10**400 ...). Whatever the value,
import either takes it or refuses it with ONE short message naming that field's path;
on refusal nothing is written; never a traceback (any other exception fails the test).

In-process import checks for the many examples; a handful go through `journal import`.
"""

import copy
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete as sa_delete

from journal.cli import main
from journal.demo import build_demo
from journal.store import exchange
from journal.store import models as m
from journal.store.db import create_journal
from journal.store.exchange import EXCHANGE_NAMES, ExchangeError, export_journal, json_path

FIXED = "2026-11-25T00:00:00+00:00"
ROWS_PER_TABLE = 2
EXAMPLES = int(__import__("os").environ.get("FUZZ_EXAMPLES", "2000"))


def _small_export(full: dict) -> dict:
    """The demo export cut to a few rows per table, every link kept valid (checking
    1,400 lab rows per example would make the fuzz run minutes instead of seconds)."""
    kept: dict[type, set] = {}
    records = {}
    for cls in m.RECORD_TABLES:
        key = EXCHANGE_NAMES[cls]
        rows = []
        for row in full["records"][key]:
            ok = True
            for col in cls.__table__.columns:
                for fk in col.foreign_keys:
                    target = next(c for c in m.RECORD_TABLES if c.__table__ is fk.column.table)
                    ref = row.get(col.name)
                    if ref is not None and ref not in kept.get(target, set()):
                        ok = False
            if ok:
                rows.append(row)
            if len(rows) == ROWS_PER_TABLE:
                break
        kept[cls] = {r["id"] for r in rows}
        records[key] = rows
    return {**full, "records": records}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    store = create_journal(tmp_path_factory.mktemp("d") / "demo.sqlite", auto_backup=False)
    build_demo(store)
    data = _small_export(export_journal(store, exported_at=FIXED))
    store.close()
    assert exchange.check_exchange(data) == []
    assert all(data["records"][k] for k in ("regimens", "regimen_drugs", "notes", "lab_results"))
    return data


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    s = create_journal(tmp_path_factory.mktemp("t") / "target.sqlite", auto_backup=False)
    yield s
    s.close()


def _deep(n: int):
    v: object = "x"
    for _ in range(n):
        v = [v]
    return v


HOSTILE = st.one_of(
    st.sampled_from(
        [
            2**63,
            -(2**63) - 1,
            2**64,
            10**400,
            -(10**400),
            float("nan"),
            float("inf"),
            float("-inf"),
            1e308,
            -1e308,
            5e-324,
            True,
            False,
            None,
            0,
            -1,
            "",
            " ",
            "\x00",
            "\ud800",
            "ok \udfff end",
            "\U0001f600" * 50,
            "x" * 2_000_000,
            "word " * 30_000,
            "2019-13-45",
            "~2019-SP",
            "9999",
            [],
            [1],
            {},
            {"a": 1},
            _deep(200),
            _deep(900),
            list(range(10_000)),
            {str(i): i for i in range(1000)},
        ]
    ),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=50),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1),
)


def _paths(data: dict) -> list[tuple]:
    """Every place a value can sit: each field of each row, each row, each table, and
    the top-level keys."""
    out: list[tuple] = [("format",), ("version",), ("records",), ("exported_at",)]
    for key, rows in data["records"].items():
        out.append(("records", key))
        for i, row in enumerate(rows):
            out.append(("records", key, i))
            out.extend(("records", key, i, f) for f in row)
    return out


def _set(data: dict, path: tuple, value) -> None:
    at = data
    for p in path[:-1]:
        at = at[p]
    at[path[-1]] = value


def _children(key: str) -> list[str]:
    parent = next(c for c, k in EXCHANGE_NAMES.items() if k == key)
    return [
        EXCHANGE_NAMES[c]
        for c in m.RECORD_TABLES
        if any(
            fk.column.table is parent.__table__
            for col in c.__table__.columns
            for fk in col.foreign_keys
        )
    ]


def _empty(store) -> bool:
    with store.engine.connect() as conn:
        return all(
            conn.execute(cls.__table__.select().limit(1)).first() is None for cls in m.RECORD_TABLES
        )


def _wipe(store) -> None:
    with store.engine.begin() as conn:
        for cls in reversed(m.RECORD_TABLES):
            conn.execute(sa_delete(cls.__table__))


COUNTS = {"examples": 0, "refused": 0, "imported": 0}


@pytest.mark.slow
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    database=None,
)
@given(data=st.data(), value=HOSTILE)
def test_one_hostile_field_is_refused_by_name_or_taken(base, target, data, value):
    path = data.draw(st.sampled_from(_paths(base)))
    d = copy.deepcopy(base)
    _set(d, path, value)
    COUNTS["examples"] += 1
    try:
        exchange.import_journal(target, d)
    except ExchangeError as e:
        COUNTS["refused"] += 1
        text = str(e)
        assert len(text.encode("utf-8")) < 1024, text[:200]
        assert e.errors
        named = json_path(path)
        changed_id = len(path) == 4 and path[3] == "id"
        # Some paths' problem is reported on the row or the table holding it (a
        # missing/unknown field, one person too many); all others on the field. A
        # row given another valid id leaves the rows pointing to it pointing to
        # nothing: those are what is wrong then.
        row = json_path(path[:3])
        children = _children(path[1]) if len(path) == 4 else ()
        assert any(
            err.startswith((named + ":", named + "[", named + "."))
            # a rule between two fields of the row (limits of normal, dates in order)
            or (len(path) == 4 and err.startswith(row + "."))
            # a rule between the row and rows inside it (a drug's dates in its regimen)
            or err.startswith(tuple(f"records.{c}[" for c in children))
            or err.startswith(json_path(path[:-1]) + ":")
            or err.startswith(json_path(path[:2]) + ":")
            or (changed_id and f"points to {path[1]} id " in err)
            # a table given as another list (an empty one): its rows' children dangle
            or (len(path) == 2 and f"points to {path[1]} id " in err)
            or (changed_id and f"used twice in {path[1]}" in err)
            for err in e.errors
        ), (path, e.errors[:3])
        if not changed_id:
            # A table given as a long list: three rows show the flaw, a count the rest;
            # a one-row table (the person, the diagnosis) also says it holds too many.
            single = {EXCHANGE_NAMES[c] for c in exchange.SINGLE_ROW_TABLES if c in EXCHANGE_NAMES}
            limit = (4 if path[1] in single else 3) if len(path) == 2 else 2
            assert len(e.errors) <= limit, (path, e.errors[:5])
        assert _empty(target)
        return
    COUNTS["imported"] += 1
    # Taken: it must read back as stored (nothing garbled on the way).
    again = export_journal(target, exported_at=FIXED)
    _wipe(target)
    if len(path) == 4 and path[3] != "id" and path[3] in again["records"][path[1]][path[2]]:
        got = again["records"][path[1]][path[2]][path[3]]
        finite = isinstance(value, float) and math.isfinite(value)
        if finite or isinstance(value, str | type(None)):
            assert got == value


@pytest.mark.parametrize("key", ["person", "diagnosis"])
def test_a_one_row_table_given_a_long_list_is_refused_in_four_lines(base, target, key):
    # Found by the fuzz above: the table's row count and three rows showing the flaw.
    d = copy.deepcopy(base)
    d["records"][key] = list(range(10_000))
    with pytest.raises(ExchangeError) as caught:
        exchange.import_journal(target, d)
    errors = caught.value.errors
    assert errors[0] == (
        f"records.{key}: holds 10,000 rows, but a journal has only one; "
        "keep one and remove the others"
    )
    assert [e.split(":")[0] for e in errors[1:]] == [f"records.{key}[{i}]" for i in range(3)]
    assert "(and the same in 9,997 more rows" in errors[3]
    assert _empty(target)


def test_a_lost_table_names_three_dangling_rows_and_counts_the_rest(base, target):
    # Found by the fuzz above: every row pointing into a table given as [] dangles, and a
    # long journal has hundreds of them.
    d = copy.deepcopy(base)
    d["records"]["regimens"] = []
    pointing = [
        (key, i)
        for key, rows in d["records"].items()
        for i, row in enumerate(rows)
        if isinstance(row, dict) and row.get("regimen_id") is not None
    ]
    assert len(pointing) > 3
    with pytest.raises(ExchangeError) as caught:
        exchange.import_journal(target, d)
    errors = caught.value.errors
    assert len(errors) == 3
    assert [e.split(":")[0] for e in errors] == [
        f"records.{k}[{i}].regimen_id" for k, i in pointing[:3]
    ]
    assert errors[2].endswith(
        f"(and {len(pointing) - 3:,} more rows point to regimens that are not in the file)"
    )
    assert _empty(target)


def test_fuzz_counts_reported(request):
    """Prints the fuzz counts for the report (runs after the fuzz in file order)."""
    if COUNTS["examples"]:
        print(f"\nfuzz: {COUNTS}")
        assert COUNTS["refused"] > COUNTS["examples"] // 2


@pytest.mark.parametrize(
    ("text_of", "path"),
    [
        (lambda d: _dump_with(d, ("records", "ecog", 0, "id"), 2**63), "records.ecog[0].id"),
        (
            lambda d: _dump_with(d, ("records", "notes", 0, "text"), "\ud800"),
            "records.notes[0].text",
        ),
        (
            lambda d: _dump_with(d, ("records", "regimen_drugs", 0, "dose"), 10**400),
            "records.regimen_drugs[0].dose",
        ),
        (
            lambda d: _dump_with(d, ("records", "lab_results", 0, "value"), float("nan")),
            "records.lab_results[0].value",
        ),
        (
            lambda d: _dump_with(d, ("records", "regimens", 0, "name"), _deep(500)),
            "records.regimens[0].name",
        ),
        (
            lambda d: _dump_with(d, ("records", "regimens", 0, "start"), "9" * 5_000_000),
            "records.regimens[0].start",
        ),
    ],
    ids=["2**63", "surrogate", "10**400", "NaN", "deep", "huge-date"],
)
def test_hostile_file_through_the_command_line(base, tmp_path, capsys, text_of, path):
    src = tmp_path / "bad.json"
    src.write_text(text_of(base), "utf-8")
    new = tmp_path / "new.sqlite"
    code = main(["import", str(src), str(new)])
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    assert len(err.encode()) < 1024, err[:300]
    assert path + ":" in err
    assert not new.exists()


def _dump_with(base, path, value) -> str:
    d = copy.deepcopy(base)
    _set(d, path, value)
    return json.dumps(d)  # NaN as the NaN literal, broken characters as \\ud800 escapes


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "value"),
    [(("records", "ecog", 0, "id"), 2**63), (("records", "notes", 0, "text"), "\ud800")],
    ids=["2**63", "surrogate"],
)
def test_hostile_file_through_the_real_program(base, tmp_path, path, value):
    """The same through `python -m journal import` in its own process."""
    import subprocess
    import sys

    src = tmp_path / "bad.json"
    src.write_text(_dump_with(base, path, value), "utf-8")
    new = tmp_path / "new.sqlite"
    run = subprocess.run(
        [sys.executable, "-m", "journal", "import", str(src), str(new)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr and len(run.stderr.encode()) < 1024
    assert json_path(path) + ":" in run.stderr
    assert not new.exists()
