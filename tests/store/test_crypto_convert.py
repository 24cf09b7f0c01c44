"""Encrypt in place, decrypt, change passphrase: every record kept (the exports compared),
plain copies encrypted or removed, and old backups keeping their old passphrase."""

import pytest

from journal.errors import JournalLockedError
from journal.store import crypto
from journal.store.backup import backup_file, inspect_file, list_backups
from journal.store.db import create_journal, open_journal
from journal.store.encryption import (
    EncryptionError,
    change_passphrase,
    decrypt_journal,
    encrypt_journal,
)
from journal.store.exchange import dumps, export_journal

from .conftest import fill
from .test_crypto import NAME, _add_record, assert_no_plaintext

PASS = "otters hold hands while sleeping"
NEW = "a different, longer passphrase"


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch):
    monkeypatch.setattr(crypto, "_failures", {})
    monkeypatch.setattr(crypto, "_sleep", lambda s: None)


def exported(path, passphrase=None) -> str:
    with open_journal(path, passphrase=passphrase, readonly=True) as store:
        return dumps(export_journal(store, exported_at="2025-01-01T00:00:00+00:00"))


@pytest.fixture
def plain_path(tmp_path):
    path = tmp_path / "j.sqlite"
    with create_journal(path, auto_backup=False) as store:
        fill(store, 15)
        _add_record(store, 3)
    backup_file(path, "manual")
    backup_file(path, "before-upgrade")
    return path


def test_encrypt_in_place_keeps_every_record_and_encrypts_backups(plain_path):
    before = exported(plain_path)
    assert NAME in before
    backups = [b.path for b in list_backups(plain_path)]
    result = encrypt_journal(plain_path, PASS)
    assert sorted(result.backups_encrypted) == sorted(backups)
    assert not result.backups_removed and not result.backups_left_plain
    assert any("synced" in line for line in result.plain_copies())
    assert_no_plaintext(plain_path, *backups)
    assert not plain_path.with_name(plain_path.name + "-wal").exists() or (
        plain_path.with_name(plain_path.name + "-wal").stat().st_size == 0
    )
    assert exported(plain_path, PASS) == before
    key = crypto.unlock_key(plain_path, PASS)
    for b in backups:
        assert inspect_file(b, key=key, full=True).ok
    # Nothing left behind under any other name in the folder.
    names = sorted(p.name for p in plain_path.parent.iterdir())
    assert names == ["backups", "j.sqlite", "j.sqlite-shm", "j.sqlite-wal"] or names == [
        "backups",
        "j.sqlite",
    ]


def test_encrypt_may_remove_plain_backups_with_consent(plain_path):
    backups = [b.path for b in list_backups(plain_path)]
    result = encrypt_journal(plain_path, PASS, remove_plain_backups=True)
    assert sorted(result.backups_removed) == sorted(backups)
    assert list_backups(plain_path) == []
    assert_no_plaintext(plain_path)


def test_decrypt_gives_back_the_same_plain_journal(plain_path):
    before = exported(plain_path)
    encrypt_journal(plain_path, PASS)
    with pytest.raises(crypto.WrongPassphraseError):
        decrypt_journal(plain_path, "wrong")
    decrypt_journal(plain_path, PASS)
    assert plain_path.read_bytes().startswith(b"SQLite format 3\x00")
    assert exported(plain_path) == before
    # Its backups stay encrypted, under the passphrase they were made with.
    for b in list_backups(plain_path):
        assert inspect_file(b.path).kind == "encrypted"
    with open_journal(plain_path) as store:  # a normal plain journal again
        assert store.key is None


def test_change_passphrase_keeps_records_and_old_backups_keep_the_old_one(plain_path):
    encrypt_journal(plain_path, PASS)
    with open_journal(plain_path, passphrase=PASS, auto_backup=False) as store:
        from journal.store.backup import backup_now

        old_backup = backup_now(store, "manual")
    before = exported(plain_path, PASS)
    with pytest.raises(crypto.WrongPassphraseError):
        change_passphrase(plain_path, "not the old one", NEW)
    change_passphrase(plain_path, PASS, NEW)
    assert exported(plain_path, NEW) == before
    with pytest.raises(crypto.WrongPassphraseError):
        open_journal(plain_path, passphrase=PASS)
    assert_no_plaintext(plain_path)
    assert crypto.unlock_key(old_backup, PASS)  # the old backup: the old passphrase
    with pytest.raises(crypto.WrongPassphraseError):
        crypto.unlock_key(old_backup, NEW)
    # Any SQLCipher program opens the rekeyed file with the new passphrase alone.
    from sqlcipher3 import dbapi2 as sqlcipher

    c = sqlcipher.connect(str(plain_path))
    c.execute(f"PRAGMA key = '{NEW}'")
    assert c.execute("SELECT display_name FROM person").fetchone() == (NAME,)
    c.close()


def test_conversions_refuse_plainly(plain_path):
    with open_journal(plain_path), pytest.raises(JournalLockedError):
        encrypt_journal(plain_path, PASS)
    with pytest.raises(EncryptionError, match="is not encrypted"):
        decrypt_journal(plain_path, PASS)
    with pytest.raises(EncryptionError, match="use 'journal encrypt'"):
        change_passphrase(plain_path, PASS, NEW)
    encrypt_journal(plain_path, PASS)
    with pytest.raises(EncryptionError, match="already encrypted"):
        encrypt_journal(plain_path, NEW)


# --------------------------------------------------------------------------- one library at a time
#
# Python's sqlite3 and SQLCipher are two SQLite libraries in one process: neither sees the
# other's locks on a journal, so each may truncate or delete the "-wal"/"-shm" files the
# other has open (a crash, "Bus error", when the other touches its memory map).


def _side_files(path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(f"{path.name}-"))


def test_a_closed_store_never_opens_its_file_again(plain_path, monkeypatch):
    from journal.services.history import load_history
    from journal.store.db import JournalClosedError

    store = open_journal(plain_path, auto_backup=False)
    assert load_history(store).person.display_name == NAME
    store.close()
    encrypt_journal(plain_path, PASS)
    opened = []
    real = crypto.connect
    monkeypatch.setattr(crypto, "connect", lambda *a, **k: opened.append(a) or real(*a, **k))
    # A view's late reload of the journal as it was before: nothing touches the file.
    with pytest.raises(JournalClosedError, match="was closed"):
        load_history(store)
    with pytest.raises(JournalClosedError), store.session() as s:
        s.connection()
    assert opened == []


@pytest.mark.parametrize("direction", ["decrypted", "encrypted"])
def test_a_store_closed_before_a_conversion_leaves_the_new_ones_files_alone(plain_path, direction):
    from journal.services.history import load_history
    from journal.store.db import JournalClosedError

    if direction == "decrypted":
        encrypt_journal(plain_path, PASS)
        old, new_pass = open_journal(plain_path, passphrase=PASS, auto_backup=False), None
        old.close()
        decrypt_journal(plain_path, PASS)
    else:
        old, new_pass = open_journal(plain_path, auto_backup=False), PASS
        old.close()
        encrypt_journal(plain_path, PASS)
    # The journal as it is now, open with a write pending in its WAL...
    with open_journal(plain_path, passphrase=new_pass, auto_backup=False) as store:
        _add_record(store, 1)
        regimens = len(load_history(store).regimens)
        before = _side_files(plain_path)
        assert {f"{plain_path.name}-wal", f"{plain_path.name}-shm"} <= set(before)
        # ...while a late task of the store from before (the other key, the other
        # library) asks for the history: it would have deleted both files.
        with pytest.raises(JournalClosedError):
            load_history(old)
        assert _side_files(plain_path) == before
        assert len(load_history(store).regimens) == regimens
