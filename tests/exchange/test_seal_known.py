"""A new journal built by an import is sealed from the rows it was given, not read back:
``backup.rows_as_read`` must give exactly what ``content_seal`` would read (or refuse),
and a commit after the import must send the seal back to reading."""

import math
import sqlite3

import pytest

from journal.services.files import import_into_new_journal
from journal.store import backup, crypto
from journal.store import exchange as ex
from journal.store.db import create_journal

DECLARED = ("INTEGER", "VARCHAR", "TEXT", "FLOAT", "BOOLEAN", "VARCHAR(32)")


def _read_back(declared: tuple[str, ...], rows: list[tuple]) -> list[tuple]:
    conn = sqlite3.connect(":memory:")
    try:
        cols = ", ".join(f"c{i} {t}" for i, t in enumerate(declared))
        conn.execute(f"CREATE TABLE t ({cols})")
        marks = ", ".join("?" * len(declared))
        conn.executemany(f"INSERT INTO t VALUES ({marks})", rows)
        conn.text_factory = bytes
        return conn.execute("SELECT * FROM t ORDER BY rowid").fetchall()
    finally:
        conn.close()


def test_affinities_follow_sqlites_rules():
    assert [backup.column_affinity(t) for t in DECLARED] == [
        "INTEGER", "TEXT", "TEXT", "REAL", "NUMERIC", "TEXT"
    ]  # fmt: skip
    assert backup.column_affinity("") == "BLOB"
    assert backup.column_affinity("DATETIME") == "NUMERIC"
    assert backup.column_affinity("FLOATING POINT") == "INTEGER"  # "INT" first: the docs say so
    assert backup.column_affinity("DOUBLE PRECISION") == "REAL"


@pytest.mark.parametrize(
    "declared, values",
    [
        ("INTEGER", [None, 0, -1, 2**63 - 1, -(2**63), True, False]),
        ("BOOLEAN", [None, True, False, 1, 0, 7]),
        ("VARCHAR", [None, "", "plain", "é ü — 骨髄腫", "a\x00b", "\U0001f600", "2019"]),
        ("TEXT", ["5", "1e3", " 7 "]),
        ("FLOAT", [None, 0.1, -0.0, 0.0, 5e-324, 1e300, -1e300, 25, 0, -(2**63), 2**53 + 1,
                   1.5, 2.0**70, -3]),
    ],
)  # fmt: skip
def test_rows_as_read_are_the_rows_read_back(declared, values):
    rows = [(i, v) for i, v in enumerate(values)]
    got = backup.rows_as_read(["INTEGER", backup.column_affinity(declared)], rows)
    want = _read_back(("INTEGER", declared), rows)
    assert got == want
    # Equal is not enough for the seal (1 == 1.0 == True): the same bytes are.
    assert backup._as_marshal(got) == backup._as_marshal(want)


@pytest.mark.parametrize(
    "declared, value",
    [
        ("INTEGER", 6.0),  # stored as 6: not vouched for
        ("INTEGER", "6"),
        ("BOOLEAN", "yes"),
        ("BOOLEAN", 1.5),
        ("VARCHAR", 5),  # stored as the text "5"
        ("VARCHAR", b"x"),
        ("VARCHAR", "\ud800"),  # a lone surrogate: no UTF-8
        ("FLOAT", math.nan),  # stored as NULL
        ("FLOAT", "1.5"),
        ("", 1),  # no affinity
    ],
)
def test_a_value_whose_stored_form_is_not_certain_sends_the_table_to_be_read(declared, value):
    assert backup.rows_as_read([backup.column_affinity(declared)], [(value,)]) is None


def _seal_of(path, key=None, **kw) -> str:
    conn = crypto.connect(path, key)
    try:
        return backup.content_seal(conn, **kw)
    finally:
        conn.close()


def _spy(monkeypatch) -> list:
    used: list = []
    real = backup.content_seal

    def spy(conn, method=backup.SEAL_METHOD, *, known=None):
        used.append(known)
        return real(conn, method, known=known)

    monkeypatch.setattr(backup, "content_seal", spy)
    return used


def test_a_new_journal_is_sealed_from_the_rows_it_was_given(demo_data, tmp_path, monkeypatch):
    """Every table of the demo (a regimen part of another: a link written after the rows)
    is sealed from the rows given, and the seal is the one reading them back gives."""
    assert any(r["part_of_id"] is not None for r in demo_data["records"]["regimens"])
    used = _spy(monkeypatch)
    out = tmp_path / "new.sqlite"
    import_into_new_journal(demo_data, out)
    filled = {ex.EXCHANGE_NAMES[c]: c.__tablename__ for c in ex.EXCHANGE_NAMES}
    written = {filled[k] for k, rows in demo_data["records"].items() if rows}
    known = [k for k in used if k]
    assert len(known) == 1 and set(known[0]) == written
    monkeypatch.undo()
    conn = sqlite3.connect(out)
    try:
        stored = backup._stored_seal(conn)
    finally:
        conn.close()
    assert stored == f"{backup.SEAL_METHOD}:{_seal_of(out)}"


def test_a_commit_after_the_import_makes_the_seal_read_the_tables(demo_data, tmp_path):
    """The rows handed to the seal are the import's: a change committed after it (by any
    other connection) must be what the seal covers."""
    path = tmp_path / "j.sqlite"
    store = create_journal(path, auto_backup=False, sync=False)  # as services.files does
    ex.import_journal(store, demo_data, new_file=True)
    assert store._written is not None
    with store.engine.begin() as c:
        c.exec_driver_sql("UPDATE labresult SET value = value + 1")
    store.close()
    conn = sqlite3.connect(path)
    try:
        stored = backup._stored_seal(conn)
        assert backup.seal_matches(stored, conn) is True
    finally:
        conn.close()


def test_a_journal_that_can_be_seen_is_always_read(demo_data, tmp_path, monkeypatch):
    used = _spy(monkeypatch)
    with create_journal(tmp_path / "j.sqlite", auto_backup=False) as store:
        ex.import_journal(store, demo_data, new_file=True)
        assert store._written is None
    assert not any(used)
