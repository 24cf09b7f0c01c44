"""The SIGKILL test of test_crash.py, on an encrypted journal: no acknowledged write lost,
the file healthy, and what the kill left on disk (the WAL) unreadable without the key."""

import os
import random
import signal
import sys
import time

import pytest

from journal.store import crypto
from journal.store.backup import backup_now, check_journal, list_backups
from journal.store.db import create_journal, open_journal
from journal.store.models import Note, Regimen, RegimenDrug

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs fork and SIGKILL")

ROUNDS = 12
PASS = "crash and burn, then recover"
NOTE = "Velcade week with nausea"


def _child(path, key, wfd, seed):
    rng = random.Random(seed)
    store = open_journal(path, auto_backup=False, passphrase=key)
    n = 0
    while True:
        with store.session() as s:
            reg = Regimen(name=f"R{seed}-{n}", start="2020-01")
            s.add(reg)
            s.flush()
            for k in range(3):
                s.add(RegimenDrug(regimen_id=reg.id, name=f"d{k}", dose=float(k)))
            s.add(Note(date="2020-02", text=NOTE + "x" * rng.randrange(10, 3000)))
            s.commit()
            rid = reg.id
        os.write(wfd, f"{rid}\n".encode())
        n += 1
        if n % 7 == 0:
            with store.session() as s:
                note = s.get(Note, rng.randrange(1, n + 1))
                if note is not None:
                    s.delete(note)
                s.commit()
        if n % 25 == 0:
            backup_now(store, "manual")


def test_sigkill_during_writes_on_an_encrypted_journal(tmp_path):
    path = tmp_path / "crash.sqlite"
    create_journal(path, auto_backup=False, passphrase=PASS).close()
    key = crypto.unlock_key(path, PASS)  # derived once; the children get the key
    rng = random.Random(17)
    acknowledged: set[int] = set()
    wal_seen = False
    for rnd in range(ROUNDS):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(r)
                _child(path, key, w, rnd)
            finally:
                os._exit(1)
        os.close(w)
        time.sleep(rng.uniform(0.1, 0.4))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        with os.fdopen(r) as pipe:
            lines = pipe.read().splitlines()
        acknowledged |= {int(x) for x in lines if x.isdigit()}
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size:
            wal_seen = True
            assert NOTE.encode() not in wal.read_bytes()
        report = check_journal(path, key)
        assert report.ok, f"round {rnd}: {report.problems}"

    assert wal_seen  # the kills did leave WAL content behind to look at
    assert len(acknowledged) > ROUNDS
    conn = crypto.connect(path, key)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA cipher_integrity_check").fetchall() == []
        present = {r[0] for r in conn.execute("SELECT id FROM regimen")}
        assert acknowledged <= present, f"lost: {sorted(acknowledged - present)[:10]}"
        partial = conn.execute(
            "SELECT regimen.id FROM regimen LEFT JOIN regimendrug ON regimen_id = regimen.id "
            "GROUP BY regimen.id HAVING count(regimendrug.id) != 3"
        ).fetchall()
        assert partial == []
    finally:
        conn.close()
    for b in list_backups(path):
        assert check_journal(b.path, key).ok
        assert NOTE.encode() not in b.path.read_bytes()
    with open_journal(path, auto_backup=False, passphrase=PASS) as store:
        assert store.revision
    assert NOTE.encode() not in path.read_bytes()
