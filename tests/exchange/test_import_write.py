"""How import writes: SQLite's per-row foreign-key lookups are off while it writes (the
checks already matched every link to the file's ids) and one foreign_key_check vouches
before COMMIT; a journal built beside its destination skips the COMMIT's fsync. The
connection goes back to the pool with its usual checks and syncing either way."""

import copy

import pytest

from journal.services.files import import_into_new_journal
from journal.store import exchange
from journal.store import models as m
from journal.store.db import create_journal, open_journal
from journal.store.exchange import ExchangeError, dumps, export_journal

FIXED = "2026-11-25T00:00:00+00:00"


def _pragmas(store) -> tuple[int, int]:
    with store.engine.connect() as c:
        fk = c.exec_driver_sql("PRAGMA foreign_keys").scalar()
        sync = c.exec_driver_sql("PRAGMA synchronous").scalar()
    return fk, sync


def _empty(store) -> bool:
    with store.engine.connect() as c:
        return exchange._is_empty(c)


@pytest.mark.parametrize("new_file", [False, True])
def test_the_connection_gets_its_checks_back(demo_data, tmp_path, new_file):
    with create_journal(tmp_path / "j.sqlite", auto_backup=False) as s:
        assert _pragmas(s) == (1, 2)  # foreign keys on, synchronous=FULL
        exchange.import_journal(s, demo_data, new_file=new_file)
        assert _pragmas(s) == (1, 2)
        with pytest.raises(exchange.JournalNotEmptyError):  # refused inside the write
            exchange.import_journal(s, demo_data, new_file=new_file)
        assert _pragmas(s) == (1, 2)


def test_a_link_that_slipped_past_the_checks_is_still_refused(demo_data, tmp_path, monkeypatch):
    monkeypatch.setattr(exchange, "check_exchange", lambda data, progress=None: [])
    d = copy.deepcopy(demo_data)
    d["records"]["regimen_drugs"][0]["regimen_id"] = 999_999  # no such regimen
    with create_journal(tmp_path / "j.sqlite", auto_backup=False) as s:
        with pytest.raises(ExchangeError, match=r"nothing was written.*regimendrug points to"):
            exchange.import_journal(s, d)
        assert _empty(s)
        assert _pragmas(s) == (1, 2)
        monkeypatch.undo()
        exchange.import_journal(s, demo_data)  # the same connection imports a good file
        with s.engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA foreign_key_check").first() is None


def test_a_new_journal_holds_exactly_the_file(demo_data, tmp_path):
    out = tmp_path / "new.sqlite"
    import_into_new_journal(demo_data, out)
    assert [p.name for p in tmp_path.iterdir()] == ["new.sqlite"]  # nothing left beside it
    with open_journal(out, readonly=True) as s:
        again = dumps(export_journal(s, exported_at=FIXED))
        with s.engine.connect() as c:
            assert c.execute(m.Regimen.__table__.select()).first() is not None
    assert again == dumps(demo_data)


def _schema(path) -> set[tuple]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return set(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    finally:
        conn.close()


def test_every_check_of_a_journal_is_read_from_its_tables(tmp_path):
    """The write turns SQLite's per-row CHECKs off and checks every row after: that is
    only as strong as the reading of the rules, so it must find each one."""
    import sqlite3

    from sqlalchemy import CheckConstraint

    create_journal(tmp_path / "j.sqlite", auto_backup=False).close()
    conn = sqlite3.connect(tmp_path / "j.sqlite")
    tables = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type='table'"))
    conn.close()
    seen = 0
    for cls in m.RECORD_TABLES:
        names = [name for name, _expr in exchange.table_checks(tables[cls.__tablename__])]
        declared = [c for c in cls.__table__.constraints if isinstance(c, CheckConstraint)]
        assert len(names) == len(declared) == tables[cls.__tablename__].count(" CHECK ")
        assert all(n.startswith(f"ck_{cls.__tablename__}_") for n in names)
        seen += len(names)
    assert seen > 50


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE t (a INT, CHECK (a > 0) -- a comment\n)",
        "CREATE TABLE t (a INT CHECK (a > 0 /* why */))",
        "CREATE TABLE t (a INT, CONSTRAINT c CHECK (a IN ('(', ')')",  # never closed
        "CREATE TABLE t (a INT, CHECK a > 0)",
    ],
)
def test_a_rule_that_cannot_be_read_for_certain_keeps_the_checks_on(sql):
    assert exchange.table_checks(sql) is None


def test_rules_are_read_through_quotes_and_brackets():
    sql = (
        'CREATE TABLE "t" ("check" TEXT CHECK ("check" <> \')\'), b INT, '
        "CONSTRAINT [odd name] CHECK (b IN (1, (2)) AND 'it''s' <> \"check\"))"
    )
    assert exchange.table_checks(sql) == (
        ("CHECK at 38", "\"check\" <> ')'"),
        ("odd name", "b IN (1, (2)) AND 'it''s' <> \"check\""),
    )


@pytest.mark.parametrize(
    ("table", "field", "value", "rule"),
    [
        ("lab_results", "unit", "furlongs", "ck_labresult_known_unit"),
        ("lab_results", "date", "May 2019", "ck_labresult_date_format"),
        ("side_effects", "grade", 9, "ck_sideeffect_grade_range"),
        ("regimens", "part_of_id", "self", "ck_regimen_not_part_of_itself"),  # written last
    ],
)
def test_a_row_that_slipped_past_the_checks_breaks_the_tables_rules(
    demo_data, tmp_path, monkeypatch, table, field, value, rule
):
    monkeypatch.setattr(exchange, "check_exchange", lambda data, progress=None: [])
    d = copy.deepcopy(demo_data)
    row = d["records"][table][-1]
    row[field] = row["id"] if value == "self" else value
    with create_journal(tmp_path / "j.sqlite", auto_backup=False) as s:
        before = _schema(tmp_path / "j.sqlite")
        with pytest.raises(ExchangeError, match=rf"nothing was written.*CHECK .*failed: {rule}"):
            exchange.import_journal(s, d, new_file=True)
        assert _empty(s)
        assert _schema(tmp_path / "j.sqlite") == before  # its indexes are all back
        with s.engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA ignore_check_constraints").scalar() == 0
        monkeypatch.undo()
        exchange.import_journal(s, demo_data)  # the same connection imports a good file
        tb = m.LabResult.__table__
        with s.engine.begin() as c, pytest.raises(Exception, match="CHECK constraint failed"):
            c.execute(tb.update().values(unit="furlongs"))  # its rules are on again


def test_an_imported_journal_has_the_schema_of_a_new_one(demo_data, tmp_path):
    """Indexes are dropped for the write and made again from their own text."""
    import_into_new_journal(demo_data, tmp_path / "new.sqlite")
    create_journal(tmp_path / "fresh.sqlite", auto_backup=False).close()
    assert _schema(tmp_path / "new.sqlite") == _schema(tmp_path / "fresh.sqlite")
    assert any(
        t == "index" and n == "ix_labresult_date" for t, n, *_ in _schema(tmp_path / "new.sqlite")
    )


def test_bulk_rows_get_defaults_and_unknown_fields_are_refused(tmp_path):
    """insert_rows takes an export's full rows in one pass, and rows that leave fields
    out (the demo, the synthetic journal) with the model's defaults; a field that is
    no column is refused, even in a row of the full length."""
    from sqlalchemy.exc import CompileError

    full = {"id": 1, "date": "2020-01-02", "test": "hb", "value": 11.5, "text_value": None,
            "unit": "g/dL", "context": "routine", "lln": None, "uln": None, "notes": None}  # fmt: skip
    short = {"id": 2, "date": "2020-02-02", "test": "hb", "value": 12, "unit": "g/dL"}
    swapped = {**{k: v for k, v in full.items() if k != "notes"}, "id": 3, "note": "x"}
    with create_journal(tmp_path / "j.sqlite", auto_backup=False) as s:
        with s.engine.begin() as c:
            exchange.insert_rows(c, {m.LabResult: [full, short]})
        got = export_journal(s)["records"]["lab_results"]
        assert got[0] == full
        assert got[1] == {**full, **short, "context": "none"}  # the model's default
        with pytest.raises(CompileError, match="note"), s.engine.begin() as c:
            exchange.insert_rows(c, {m.LabResult: [swapped]})
        with pytest.raises(CompileError, match="note"), s.engine.begin() as c:
            exchange.insert_rows(c, {m.LabResult: [{**full, "id": 4}, swapped]})
        assert len(export_journal(s)["records"]["lab_results"]) == 2


def _sealed_and_whole(path, key=None) -> bool:
    from journal.store import backup, crypto

    conn = crypto.connect(path, key)
    try:
        stored = backup._stored_seal(conn)
        checked = conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return bool(stored) and backup.seal_matches(stored, conn) is True and checked
    finally:
        conn.close()


def test_a_new_journal_is_sealed_and_opens_for_writing(demo_data, tmp_path):
    out = tmp_path / "new.sqlite"
    import_into_new_journal(demo_data, out)
    assert _sealed_and_whole(out)
    with open_journal(out, auto_backup=False) as s:  # the full check of a writable open
        assert dumps(export_journal(s, exported_at=FIXED)) == dumps(demo_data)
    assert _sealed_and_whole(out)


def test_a_new_journal_is_synced_once_whole_before_it_gets_its_name(
    demo_data, tmp_path, monkeypatch
):
    """The journal is built under a temporary name that nobody opens: it is not synced
    while it is made and sealed, but whole, once, before the rename, and the folder
    after it (so the new name itself is on disk)."""
    from journal.store import backup

    out = tmp_path / "new.sqlite"
    synced = []
    real = backup._fsync_path

    def record(path, directory=False):
        synced.append((path, directory, out.exists()))
        real(path, directory)

    monkeypatch.setattr(backup, "_fsync_path", record)
    import_into_new_journal(demo_data, out)
    assert [(d, named) for _p, d, named in synced] == [(False, False), (True, True)]
    assert synced[0][0].parent == tmp_path and synced[0][0] != out  # the temporary file
    assert synced[1][0] == tmp_path
    assert _sealed_and_whole(out)
    synced.clear()
    for name, sync in (("plain.sqlite", True), ("unseen.sqlite", False)):
        with create_journal(tmp_path / name, auto_backup=False, sync=sync) as s:
            # FULL (2) for every journal but one its maker syncs itself
            assert s._monitor.execute("PRAGMA synchronous").fetchone()[0] == (2 if sync else 0)
            assert _pragmas(s) == (1, 2)
    assert [d for _p, d, _named in synced] == [False, True]  # the journal made in place


@pytest.mark.parametrize("new_file", [False, True])
def test_an_encrypted_journal_imports_the_same(demo_data, tmp_path, new_file):
    path = tmp_path / "secret.sqlite"
    with create_journal(path, auto_backup=False, passphrase="correct horse") as s:
        key = s.key
        exchange.import_journal(s, demo_data, new_file=new_file)
        assert _pragmas(s) == (1, 2)
    assert not path.read_bytes().startswith(b"SQLite format 3\x00")
    assert _sealed_and_whole(path, key)
    with open_journal(path, auto_backup=False, passphrase="correct horse") as s:
        assert dumps(export_journal(s, exported_at=FIXED)) == dumps(demo_data)
        with s.engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA ignore_check_constraints").scalar() == 0


def test_rules_that_cannot_be_read_stay_on_and_say_the_same(demo_data, tmp_path, monkeypatch):
    """If a table's SQL cannot be read for certain, SQLite checks each row itself, and a
    broken rule reads as it does when the rules are checked after the write."""
    monkeypatch.setattr(exchange, "check_exchange", lambda data, progress=None: [])
    d = copy.deepcopy(demo_data)
    d["records"]["lab_results"][-1]["unit"] = "furlongs"
    messages = []
    for readable in (True, False):
        if not readable:
            monkeypatch.setattr(exchange, "table_checks", lambda sql: None)
        with create_journal(tmp_path / f"{readable}.sqlite", auto_backup=False) as s:
            with pytest.raises(ExchangeError) as e:
                exchange.import_journal(s, d, new_file=True)
            assert _empty(s)
            with s.engine.connect() as c:
                assert c.exec_driver_sql("PRAGMA ignore_check_constraints").scalar() == 0
        messages.append(str(e.value))
    assert messages[0] == messages[1]
    assert "CHECK constraint failed: ck_labresult_known_unit" in messages[0]


def _labs(count: int, start: int = 1) -> list[dict]:
    """Lab rows of every kind of value a bulk insert binds: text, whole and fractional
    numbers, a whole number in a number field, NULL."""
    return [
        {"id": i, "date": f"2020-01-{1 + i % 28:02d}", "test": "hb",
         "value": [11.5, 12, 9.25][i % 3], "text_value": None, "unit": "g/dL",
         "context": "routine", "lln": 12.0 if i % 2 else None, "uln": None,
         "notes": None if i % 4 else f"note {i} é"}
        for i in range(start, start + count)
    ]  # fmt: skip


def _lab_export(labs: list[dict]) -> dict:
    """An export file holding only these lab rows."""
    return {
        "format": exchange.FORMAT,
        "version": exchange.VERSION,
        "records": {"lab_results": labs},
    }


@pytest.mark.parametrize(
    "count",
    [0, 1, exchange.ROWS_PER_STATEMENT - 1, exchange.ROWS_PER_STATEMENT,
     exchange.ROWS_PER_STATEMENT + 1, 3 * exchange.ROWS_PER_STATEMENT + 7],
)  # fmt: skip
def test_bulk_rows_are_written_whole_at_every_chunk_boundary(tmp_path, count):
    """insert_rows writes whole chunks as multi-row statements and the rest row by row:
    every row comes back exactly, in order, whatever the count."""
    rows = _labs(count)
    with create_journal(tmp_path / "j.sqlite", auto_backup=False) as s:
        with s.engine.begin() as c:
            exchange.insert_rows(c, {m.LabResult: rows})
        assert export_journal(s)["records"]["lab_results"] == rows


@pytest.mark.parametrize("rules_readable", [True, False])
@pytest.mark.parametrize(
    "at", [0, exchange.ROWS_PER_STATEMENT // 2, exchange.ROWS_PER_STATEMENT, -1]
)
def test_a_bad_row_anywhere_in_a_chunk_says_the_same_and_writes_nothing(
    tmp_path, monkeypatch, rules_readable, at
):
    """A row that breaks a table's rule, first in a chunk, in its middle, or in the rows
    after the last whole chunk, gives the same one sentence, and nothing is written,
    whether the rules run per row (a table's SQL that cannot be read) or after."""
    monkeypatch.setattr(exchange, "check_exchange", lambda data, progress=None: [])
    if not rules_readable:
        monkeypatch.setattr(exchange, "table_checks", lambda sql: None)
    labs = _labs(2 * exchange.ROWS_PER_STATEMENT + 3)
    labs[at]["unit"] = "furlongs"
    data = _lab_export(labs)
    with create_journal(tmp_path / "j.sqlite", auto_backup=False) as s:
        with pytest.raises(ExchangeError) as e:
            exchange.import_journal(s, data, new_file=True)
        assert _empty(s)
    assert str(e.value) == (
        "The import failed and nothing was written (IntegrityError: CHECK constraint "
        "failed: ck_labresult_known_unit)."
    )


def test_an_id_used_twice_inside_a_chunk_is_refused_in_one_sentence(tmp_path, monkeypatch):
    """The driver's own refusal, from a multi-row statement, reads as from any other: a
    plain sentence naming the rule, no values, and nothing written."""
    monkeypatch.setattr(exchange, "check_exchange", lambda data, progress=None: [])
    labs = _labs(exchange.ROWS_PER_STATEMENT)
    labs[5]["id"] = labs[4]["id"]
    data = _lab_export(labs)
    with create_journal(tmp_path / "j.sqlite", auto_backup=False) as s:
        with pytest.raises(ExchangeError) as e:
            exchange.import_journal(s, data)
        assert _empty(s)
    assert str(e.value) == (
        "The import failed and nothing was written (IntegrityError: UNIQUE constraint "
        "failed: labresult.id)."
    )
    assert "\n" not in str(e.value)
