"""Encrypted journals (SQLCipher 4): nothing readable on disk, the store's guarantees kept.

The plaintext checks look for three things a person writes (their name, a drug,
a note) in the raw bytes of every file the journal leaves on disk.
"""

import hashlib
import sqlite3

import pytest
from sqlalchemy import create_engine
from sqlcipher3 import dbapi2 as sqlcipher
from sqlmodel import select

from journal.errors import DamagedJournalError, JournalLockedError
from journal.store import crypto, migrate
from journal.store.backup import (
    backup_file,
    backup_now,
    check_journal,
    good_backups,
    inspect_file,
    list_backups,
    restore,
)
from journal.store.db import create_journal, open_journal
from journal.store.migrate import APPLICATION_ID
from journal.store.models import Note, Person, Regimen, RegimenDrug

PASS = "blue heron at seven"
NAME = "Margarethe Oyelaran-Quist"
DRUG = "Teclistamab"
NOTE = "my sister drove me to the infusion centre"
SECRETS = [s.encode() for s in (NAME, DRUG, NOTE)] + [s.encode("utf-16-le") for s in (NAME,)]


def _add_record(store, n: int = 1) -> None:
    with store.session() as s:
        if not s.get(Person, 1):
            s.add(Person(display_name=NAME))
        for i in range(n):
            reg = Regimen(name=f"{DRUG} monotherapy {i}", start="2024-03")
            s.add(reg)
            s.flush()
            s.add(RegimenDrug(regimen_id=reg.id, name=DRUG, dose=1.5, dose_unit="mg/kg"))
            s.add(Note(date="2024-03-04", text=f"{NOTE} ({i})"))
        s.commit()


def dump(path, key=None) -> dict[str, list[tuple]]:
    conn = crypto.connect(path, key)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                "AND name NOT IN ('alembic_version', 'journal_meta')"
            )
        ]
        return {n: conn.execute(f'SELECT * FROM "{n}" ORDER BY 1').fetchall() for n in names}
    finally:
        conn.close()


def assert_no_plaintext(*paths) -> None:
    for p in paths:
        raw = p.read_bytes()
        assert raw, p
        for secret in SECRETS:
            assert secret not in raw, f"{secret!r} readable in {p.name}"
        assert not raw.startswith(b"SQLite format 3"), p.name


@pytest.fixture
def enc_path(tmp_path):
    path = tmp_path / "secret.sqlite"
    with create_journal(path, passphrase=PASS, auto_backup=False) as store:
        _add_record(store, 5)
    return path


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch):
    """Forget earlier failures and record (instead of sleeping) the slow-down."""
    waits: list[float] = []
    monkeypatch.setattr(crypto, "_failures", {})
    monkeypatch.setattr(crypto, "_sleep", waits.append)
    return waits


# --------------------------------------------------------------------------- on disk


def test_encrypted_file_wal_and_backups_hold_no_plaintext(tmp_path):
    path = tmp_path / "j.sqlite"
    store = create_journal(path, passphrase=PASS, auto_backup=False)
    _add_record(store, 30)
    wal = path.with_name(path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the writes are in the WAL right now
    assert_no_plaintext(path, wal)
    b = backup_now(store, "manual")
    store.close()
    assert_no_plaintext(path, b)
    # The same passphrase opens the backup in any SQLCipher 4 program (no app code).
    conn = sqlcipher.connect(str(b))
    conn.execute(f"PRAGMA key = '{PASS}'")
    assert conn.execute("SELECT display_name FROM person").fetchone() == (NAME,)
    assert conn.execute("PRAGMA application_id").fetchone() == (APPLICATION_ID,)
    conn.close()
    # And the plain library cannot read it at all.
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(path).execute("SELECT * FROM sqlite_master").fetchall()


def test_the_journal_opens_with_its_passphrase_in_plain_sqlcipher(enc_path):
    conn = sqlcipher.connect(str(enc_path))
    conn.execute(f"PRAGMA key = '{PASS}'")
    assert conn.execute("SELECT count(*) FROM regimendrug").fetchone() == (5,)
    assert conn.execute("PRAGMA cipher_version").fetchone()[0].startswith("4.")
    conn.close()


def test_the_passphrase_is_not_written_anywhere(enc_path):
    with open_journal(enc_path, passphrase=PASS) as store:
        backup_now(store)
    files = [p for p in enc_path.parent.rglob("*") if p.is_file()]
    assert len(files) >= 2
    for p in files:
        assert PASS.encode() not in p.read_bytes(), p
    assert "Key" in repr(store.key) and PASS not in repr(store.key)


# --------------------------------------------------------------------------- passphrase


def test_open_with_the_passphrase_reads_every_record(enc_path):
    with open_journal(enc_path, passphrase=PASS) as store:
        assert store.key is not None
        with store.session() as s:
            assert s.get(Person, 1).display_name == NAME
            assert len(s.exec(select(Note)).all()) == 5


def test_no_passphrase_is_asked_for_plainly(enc_path):
    before = hashlib.sha256(enc_path.read_bytes()).hexdigest()
    with pytest.raises(crypto.PassphraseNeededError) as e:
        open_journal(enc_path)
    assert str(e.value) == f"The journal {enc_path} is encrypted. Give its passphrase to open it."
    assert hashlib.sha256(enc_path.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("wrong", ["blue heron at Seven", "x", " " + PASS])
def test_a_wrong_passphrase_gets_a_plain_sentence(enc_path, wrong):
    before = hashlib.sha256(enc_path.read_bytes()).hexdigest()
    with pytest.raises(crypto.WrongPassphraseError) as e:
        open_journal(enc_path, passphrase=wrong)
    msg = str(e.value)
    assert msg.startswith(f"That passphrase does not open the journal {enc_path}.")
    assert "not a database" not in msg and "Error" not in msg
    assert hashlib.sha256(enc_path.read_bytes()).hexdigest() == before
    # The journal is not left locked by the failed try.
    open_journal(enc_path, passphrase=PASS).close()


def test_repeated_failures_slow_down_but_never_lock_out(enc_path, _no_waiting, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(crypto, "_clock", lambda: now[0])
    for _ in range(6):
        with pytest.raises(crypto.WrongPassphraseError):
            open_journal(enc_path, passphrase="guess")
    # Two free tries, then 1, 2, 4, 8 s waits before each further try.
    assert _no_waiting == [1.0, 2.0, 4.0, 8.0]
    assert crypto.wait_before_next_try(enc_path) == 16.0
    now[0] += 16.0
    assert crypto.wait_before_next_try(enc_path) == 0.0
    open_journal(enc_path, passphrase=PASS).close()  # still opens: no lockout
    assert crypto.wait_before_next_try(enc_path) == 0.0
    assert crypto.delay_after(40) == crypto.MAX_DELAY


def test_the_lock_page_check_counts_tries_as_opening_does(enc_path, _no_waiting, monkeypatch):
    """confirm_passphrase: the open journal's key for its passphrase, nothing read
    from the file, with the same waits after repeated wrong tries."""
    key = crypto.unlock_key(enc_path, PASS)
    now = [1000.0]
    monkeypatch.setattr(crypto, "_clock", lambda: now[0])
    monkeypatch.setattr(crypto, "read_salt", lambda _p: pytest.fail("the file was read"))
    assert crypto.confirm_passphrase(enc_path, key, PASS) is key
    for guess in ("guess", "", PASS + " "):
        with pytest.raises(crypto.WrongPassphraseError):
            crypto.confirm_passphrase(enc_path, key, guess)
    with pytest.raises(crypto.WrongPassphraseError):
        crypto.confirm_passphrase(enc_path, key, "again")
    assert _no_waiting == [1.0, 2.0]  # two free tries, then 1 s, 2 s, as on opening
    now[0] += 60
    assert crypto.confirm_passphrase(enc_path, key, PASS) is key
    assert crypto.wait_before_next_try(enc_path) == 0.0


def test_a_plain_journal_ignores_a_passphrase(tmp_path):
    path = tmp_path / "plain.sqlite"
    create_journal(path, auto_backup=False).close()
    with open_journal(path, passphrase=PASS) as store:
        assert store.key is None
    assert path.read_bytes().startswith(b"SQLite format 3\x00")


# --------------------------------------------------------------------------- checks


def test_check_report_says_encrypted_and_runs_every_check(enc_path):
    key = crypto.unlock_key(enc_path, PASS)
    r = check_journal(enc_path, key)
    assert r.ok and r.kind == "ok" and r.encrypted and r.application_id_ok
    assert r.integrity == ["ok"] and r.foreign_key_problems == 0
    assert r.revision == migrate.head_revision()
    assert "Encrypted: yes" in r.text()
    blind = check_journal(enc_path)
    assert blind.kind == "encrypted" and "passphrase is needed" in blind.text()
    wrong = check_journal(enc_path, crypto.derive("nope", crypto.read_salt(enc_path)))
    assert wrong.kind == "wrong_passphrase"


def test_content_changed_behind_the_apps_back_is_caught(enc_path):
    # Another program WITH the passphrase edits the closed journal: SQLCipher's page
    # HMACs are fine, so only the content seal can notice.
    conn = sqlcipher.connect(str(enc_path))
    conn.execute(f"PRAGMA key = '{PASS}'")
    conn.execute("UPDATE regimendrug SET dose = 15 WHERE id = 1")
    conn.commit()
    conn.close()
    with pytest.raises(DamagedJournalError) as e:
        open_journal(enc_path, passphrase=PASS)
    assert "content changed" in str(e.value)


def test_a_flipped_bit_in_an_encrypted_page_is_refused(enc_path):
    data = bytearray(enc_path.read_bytes())
    data[4096 + 200] ^= 0x10  # inside page 2: its HMAC no longer matches
    enc_path.write_bytes(bytes(data))
    with pytest.raises(DamagedJournalError) as e:
        open_journal(enc_path, passphrase=PASS)
    assert "damaged" in str(e.value)


def test_one_writer_lock_holds_for_encrypted_journals(enc_path):
    with open_journal(enc_path, passphrase=PASS), pytest.raises(JournalLockedError):
        open_journal(enc_path, passphrase=PASS)
    # A read-only second look works meanwhile.
    with (
        open_journal(enc_path, passphrase=PASS),
        open_journal(enc_path, passphrase=PASS, readonly=True) as ro,
        ro.session() as s,
    ):
        assert s.get(Person, 1).display_name == NAME


# --------------------------------------------------------------------------- backups


def test_backups_of_an_encrypted_journal_use_its_key(enc_path):
    key = crypto.unlock_key(enc_path, PASS)
    b = backup_file(enc_path, "manual", key=key)
    assert_no_plaintext(b)
    assert crypto.read_salt(b) == crypto.read_salt(enc_path)
    assert inspect_file(b).kind == "encrypted"
    assert inspect_file(b, key=key).kind == "ok"
    assert [g.path for g in good_backups(enc_path, key)] == [b]
    assert dump(b, key) == dump(enc_path, key)


def test_restore_asks_for_the_backups_passphrase(enc_path):
    with open_journal(enc_path, passphrase=PASS) as store:
        b = backup_now(store, "manual")
        _add_record(store, 2)  # changes after the backup
    with pytest.raises(crypto.PassphraseNeededError) as e:
        restore(b, enc_path)
    assert "Give the passphrase the journal had when the backup was made" in str(e.value)
    with pytest.raises(crypto.WrongPassphraseError):
        restore(b, enc_path, passphrase="not it")
    key = crypto.unlock_key(b, PASS)
    expected = dump(b, key)
    kept = restore(b, enc_path, passphrase=PASS)
    assert kept is not None and kept.name.endswith("-before-restore.sqlite")
    assert_no_plaintext(enc_path, kept)
    with open_journal(enc_path, passphrase=PASS, auto_backup=False) as store:
        pass
    assert dump(enc_path, store.key) == expected
    assert len(dump(kept, store.key)["note"]) == 7  # the replaced journal, whole


def test_upgrade_of_an_encrypted_journal_backs_up_encrypted_first(tmp_path):
    path = tmp_path / "old.sqlite"
    key = crypto.new_key(PASS)
    conn = crypto.connect(path, key)
    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    migrate.upgrade(path, "0001", key=key)
    engine = create_engine("sqlite://", module=sqlcipher, creator=lambda: crypto.connect(path, key))
    with engine.begin() as c:
        c.exec_driver_sql(
            "INSERT INTO note (date, kind, text, include_in_summary) VALUES ('2024-01', 'note', ?, 0)",
            (NOTE,),
        )
    engine.dispose()
    before = dump(path, key)

    with open_journal(path, passphrase=PASS, auto_backup=False) as store:
        assert store.revision == migrate.head_revision()
    after = dump(path, store.key)
    assert {t: after[t] for t in before} == before  # later steps may add empty tables
    (pre,) = list_backups(path)
    assert pre.reason == "before-upgrade"
    assert_no_plaintext(path, pre.path)
    c = crypto.connect(pre.path, key)
    assert migrate.read_revision(c) == "0001"
    c.close()


# --------------------------------------------------------------------------- full disk


def test_full_disk_on_an_encrypted_journal_is_one_plain_sentence(tmp_path):
    from sqlalchemy import event

    from journal.errors import DiskFullError
    from journal.services import actions, queries

    store = create_journal(tmp_path / "full.sqlite", passphrase=PASS, auto_backup=False)
    _add_record(store, 1)
    before = queries.row_counts(store)
    c = crypto.connect(store.path, store.key)
    limit = int(c.execute("PRAGMA page_count").fetchone()[0])
    c.close()
    # SQLCipher's errors are not sqlite3's: the store must still recognise "disk full".
    event.listen(store.engine, "connect", lambda d, _r: d.execute(f"PRAGMA max_page_count={limit}"))
    store.engine.dispose()
    from journal.store.models import LabResult

    labs = [
        LabResult(test="hb", value=100 + i % 40, unit="g/L", date="2024-01-01", note="x" * 300)
        for i in range(400)
    ]
    with pytest.raises(DiskFullError) as e:
        actions.add_lab_results(store, labs)
    assert str(e.value).startswith("The disk is full")
    assert queries.row_counts(store) == before
    store.close()
