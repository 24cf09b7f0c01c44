"""The adapters journal.store.crypto registers for None and bool (they spare both drivers
an exception per value bound) change nothing that is stored or read back."""

import sqlite3

import pytest
from sqlcipher3 import dbapi2 as sqlcipher

from journal.store import crypto


@pytest.mark.parametrize("module", [sqlite3, sqlcipher], ids=["sqlite3", "sqlcipher3"])
def test_none_and_bools_are_stored_as_null_and_integers(module):
    assert (type(None), module.PrepareProtocol) in module.adapters  # crypto registered it
    conn = module.connect(":memory:")
    try:
        conn.execute("CREATE TABLE t (a, b INTEGER, c BOOLEAN, d REAL, e TEXT)")
        rows = [(None, True, False, None, None), (True, None, True, False, "x")]
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", rows)
        conn.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)", (False, False, None, True, None))
        got = conn.execute(
            "SELECT a, typeof(a), b, typeof(b), c, typeof(c), d, typeof(d), e FROM t ORDER BY rowid"
        ).fetchall()
    finally:
        conn.close()
    assert got == [
        (None, "null", 1, "integer", 0, "integer", None, "null", None),
        (1, "integer", None, "null", 1, "integer", 0.0, "real", "x"),
        (0, "integer", 0, "integer", None, "null", 1.0, "real", None),
    ]
    assert all(type(v) is int for row in got for v in (row[2], row[4]) if v is not None)


def test_registering_again_changes_nothing():
    before = dict(sqlite3.adapters)
    crypto._bind_quickly(sqlite3)
    assert sqlite3.adapters == before
