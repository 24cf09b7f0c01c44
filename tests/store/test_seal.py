"""The content seal: each method hashes exactly what is stored, the digests do not move
between Python versions or machines, and a journal sealed the older way ("s1") still
opens and is still checked."""

import math
import sqlite3

import pytest

from journal.store import backup
from journal.store.db import DamagedJournalError, open_journal

from .conftest import file_hash


def _tiny() -> sqlite3.Connection:
    """A small database with every kind of value SQLite hands back: text (non-ASCII,
    quotes, one that is not UTF-8), reals at the edges, integers of every width, blobs,
    NULLs, an index and a table name that needs quoting."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(
        """
        CREATE TABLE journal_meta (id INTEGER PRIMARY KEY, content_seal TEXT);
        CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b REAL, c INTEGER, d BLOB);
        CREATE INDEX ix_t_a ON t (a);
        CREATE TABLE u ('odd "name"' TEXT);
        """
    )
    rows = [
        (1, "plain", 0.1, 6, None),
        (2, "é ü — 骨髄腫", -0.0, -(2**63), b"\x00\xff"),
        (3, None, 1e300, 2**40, b""),
        (4, 'it\'s "quoted"\n', 5e-324, 0, None),
        (5, "", 1.0, 2**31, b"x"),
    ]
    conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", rows)
    conn.execute("INSERT INTO t VALUES (6, CAST(x'ff41' AS TEXT), NULL, -1, NULL)")
    conn.execute("INSERT INTO u VALUES ('x'), (NULL)")
    conn.execute("INSERT INTO journal_meta VALUES (1, 'not hashed')")
    return conn


#: Digests of _tiny(). "s1" was computed with the seal code as it was before "s2"
#: existed: a journal sealed then must still verify. A change of Python, machine or
#: code that moves either digest would make healthy journals look damaged.
PINNED = {
    "s1": "453a1d64c23a793f65f91a3adf2852a3287e7df334bbf9400b09aeb2f4e737fc",
    "s2": "9e8e8bb1f69f4e8ceda65863bb6526613f740b3f4b4978c4901619800029c71f",
}


@pytest.mark.parametrize("method", sorted(PINNED))
def test_each_method_gives_its_pinned_digest(method):
    assert backup.content_seal(_tiny(), method) == PINNED[method]


def test_journals_are_sealed_the_newer_way():
    assert backup.SEAL_METHOD == "s2"
    assert backup.sealed(_tiny()) == "s2:" + PINNED["s2"]


#: (statement, whether it changes what is stored)
CHANGES = [
    ("UPDATE t SET b = {nudged} WHERE id = 1", True),  # the last bit of a real
    ("UPDATE t SET c = 7 WHERE id = 1", True),
    ("UPDATE t SET b = 0.0 WHERE id = 2", False),  # SQLite stored the -0.0 as 0.0 already
    ("UPDATE t SET a = 'plaiN' WHERE id = 1", True),
    ("UPDATE t SET a = CAST(x'fe41' AS TEXT) WHERE id = 6", True),  # text that is not UTF-8
    ("UPDATE t SET d = x'00fe' WHERE id = 2", True),
    ("UPDATE t SET d = NULL WHERE id = 3", True),  # an empty blob is not NULL
    ("UPDATE t SET c = 6.5 WHERE id = 1", True),
    ("UPDATE t SET b = 6 WHERE id = 1", True),
    ("DELETE FROM u WHERE rowid = 2", True),
    ("CREATE INDEX ix_t_b ON t (b)", True),
    ("UPDATE t SET c = 6.0 WHERE id = 1", False),  # INTEGER affinity stores 6
    ("UPDATE t SET c = '6' WHERE id = 1", False),  # likewise
    ("UPDATE t SET b = 1 WHERE id = 5", False),  # REAL affinity stores 1.0, as it was
    ("UPDATE journal_meta SET content_seal = 'x'", False),  # not hashed
]


@pytest.mark.parametrize("method", sorted(PINNED))
@pytest.mark.parametrize(("change", "changes_content"), CHANGES)
def test_every_stored_change_moves_the_digest(method, change, changes_content):
    conn = _tiny()
    before = backup.content_seal(conn, method)
    conn.execute(change.format(nudged=repr(math.nextafter(0.1, 1))))
    assert (backup.content_seal(conn, method) != before) is changes_content


def _reseal(path, seal: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute("UPDATE journal_meta SET content_seal = ?", (seal,))
    conn.commit()
    conn.close()


def _s1_seal(path) -> str:
    conn = sqlite3.connect(path)
    try:
        return "s1:" + backup.content_seal(conn, "s1")
    finally:
        conn.close()


def test_a_journal_sealed_the_older_way_opens_and_is_resealed(journal_path):
    _reseal(journal_path, _s1_seal(journal_path))  # as a version before "s2" left it
    with open_journal(journal_path, auto_backup=False):
        pass
    conn = sqlite3.connect(journal_path)
    stored = conn.execute("SELECT content_seal FROM journal_meta").fetchone()[0]
    assert stored.startswith("s2:") and backup.seal_matches(stored, conn) is True
    conn.close()


def test_a_journal_sealed_the_older_way_is_still_checked(journal_path):
    seal = _s1_seal(journal_path)
    conn = sqlite3.connect(journal_path)
    conn.execute("UPDATE note SET text = 'note 3 é ü!' WHERE text = 'note 3 é ü'")
    conn.commit()
    conn.close()
    _reseal(journal_path, seal)
    before = file_hash(journal_path)
    with pytest.raises(DamagedJournalError, match="changed after it was last closed"):
        open_journal(journal_path)
    assert file_hash(journal_path) == before
