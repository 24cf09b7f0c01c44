"""Damaged files are detected on open, never written to, and good backups are offered."""

import random
import sqlite3

import pytest

from journal.store import backup
from journal.store.backup import backup_file, list_backups
from journal.store.db import DamagedJournalError, NotAJournalError, open_journal

from .conftest import file_hash, table_dump


def _page_size(data: bytes) -> int:
    n = int.from_bytes(data[16:18], "big")
    return 65536 if n == 1 else n


def _assert_refused_untouched(path, expected=DamagedJournalError):
    before = file_hash(path)
    with pytest.raises(expected) as err:
        open_journal(path)
    assert file_hash(path) == before
    return err.value


@pytest.mark.parametrize("keep", [0.5, 0.9, "page-100", 4096, 60])
def test_truncated_copies_are_detected(journal_path, keep):
    data = journal_path.read_bytes()
    ps = _page_size(data)
    cut = {"page-100": len(data) - 100}.get(keep, keep)
    if isinstance(cut, float):
        cut = int(len(data) * cut) // ps * ps  # cut on a page boundary: the hard case
    journal_path.write_bytes(data[:cut])
    err = _assert_refused_untouched(journal_path)
    assert "damaged" in str(err) and "It has not been changed" in str(err)
    assert err.problems


def test_bit_flips_in_page_structure_are_detected(journal_path):
    """SQLite keeps no checksum of stored values, so a flipped bit INSIDE a text is
    invisible to any SQLite check; flips in the b-tree structure (page headers,
    where most random damage is fatal) must all be caught."""
    data = journal_path.read_bytes()
    ps = _page_size(data)
    pages = len(data) // ps
    assert pages >= 8
    rng = random.Random(20261125)
    for _ in range(25):
        page = rng.randrange(1, pages)  # page 0 = file header + schema, tested below
        pos = page * ps + rng.randrange(8)
        damaged = bytearray(data)
        damaged[pos] ^= 1 << rng.randrange(8)
        journal_path.write_bytes(damaged)
        _assert_refused_untouched(journal_path)


def test_damaged_schema_page_is_detected(journal_path):
    data = bytearray(journal_path.read_bytes())
    data[100] ^= 0xFF  # b-tree page type of the schema table
    journal_path.write_bytes(data)
    _assert_refused_untouched(journal_path)


def test_good_backups_are_offered_newest_first(journal_path):
    older = backup_file(journal_path, "manual")
    newer = backup_file(journal_path, "auto")
    # A broken backup must not be offered.
    bad = backup_file(journal_path, "manual")
    bad.write_bytes(bad.read_bytes()[:4096])
    data = journal_path.read_bytes()
    journal_path.write_bytes(data[: len(data) // 2])
    err = _assert_refused_untouched(journal_path)
    assert [b.path for b in err.backups] == [newer, older]
    assert str(newer) in str(err) and "journal restore" in str(err)
    assert len(list_backups(journal_path)) == 3


def test_wiped_header_with_backups_is_called_damaged_not_foreign(journal_path):
    backup_file(journal_path, "manual")
    data = bytearray(journal_path.read_bytes())
    data[0:16] = b"\0" * 16
    journal_path.write_bytes(data)
    err = _assert_refused_untouched(journal_path)
    assert err.backups


def test_wiped_header_without_backups_is_not_a_journal(journal_path):
    data = bytearray(journal_path.read_bytes())
    data[0:16] = b"\0" * 16
    journal_path.write_bytes(data)
    _assert_refused_untouched(journal_path, NotAJournalError)


def test_empty_file_is_damaged(journal_path):
    journal_path.write_bytes(b"")
    err = _assert_refused_untouched(journal_path)
    assert "empty" in str(err)


def test_any_bit_flip_is_caught_or_changed_nothing(journal_path):
    """With the content seal written on close, a flip ANYWHERE in the file is either
    refused on open or provably harmless (it landed in unused space)."""
    original = table_dump(journal_path)
    data = journal_path.read_bytes()
    rng = random.Random(4242)
    caught = harmless = 0
    for _ in range(80):
        pos = rng.randrange(len(data))
        flipped = bytearray(data)
        flipped[pos] ^= 1 << rng.randrange(8)
        journal_path.write_bytes(flipped)
        before = file_hash(journal_path)
        try:
            open_journal(journal_path, readonly=True).close()
        except (DamagedJournalError, NotAJournalError):
            caught += 1
        else:
            assert table_dump(journal_path) == original, f"flip at byte {pos} went unnoticed"
            harmless += 1
        assert file_hash(journal_path) == before
    assert caught >= 5  # (most of this small file is empty page space)


def test_a_value_changed_by_another_program_is_caught(journal_path):
    conn = sqlite3.connect(journal_path)
    conn.execute("UPDATE labresult SET value = value + 1 WHERE id = 3")
    conn.commit()
    conn.close()
    err = _assert_refused_untouched(journal_path)
    assert "changed after it was last closed" in str(err)


def test_no_seal_while_open_or_after_a_crash(journal_path):
    with open_journal(journal_path, auto_backup=False):
        conn = sqlite3.connect(journal_path)
        seal = conn.execute("SELECT content_seal FROM journal_meta").fetchone()[0]
        conn.close()
        assert seal is None  # a crash now leaves nothing stale to compare against
    conn = sqlite3.connect(journal_path)
    method, digest = conn.execute("SELECT content_seal FROM journal_meta").fetchone()[0].split(":")
    assert (method, len(digest)) == (backup.SEAL_METHOD, 64)
    conn.close()


@pytest.mark.parametrize("stored", ["0" * 64, "s0:" + "0" * 64, "s9:abc"])
def test_a_seal_made_another_way_is_not_judged(journal_path, stored):
    # An older or newer sealing method must never make a healthy journal look damaged.
    conn = sqlite3.connect(journal_path)
    conn.execute("UPDATE journal_meta SET content_seal = ?", (stored,))
    conn.commit()
    conn.close()
    with open_journal(journal_path, auto_backup=False) as store:
        assert store.path == journal_path


@pytest.mark.parametrize("method", ["s1", "s2"])  # the older method is still checked
def test_a_wrong_seal_of_a_known_method_is_caught(journal_path, method):
    conn = sqlite3.connect(journal_path)
    conn.execute("UPDATE journal_meta SET content_seal = ?", (f"{method}:" + "0" * 64,))
    conn.commit()
    conn.close()
    err = _assert_refused_untouched(journal_path)
    assert "changed after it was last closed" in str(err)
