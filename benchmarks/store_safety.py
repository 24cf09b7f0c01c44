"""How much the store's safety costs on a big (25-year-sized) journal.

Prints figures; asserts nothing. Run: .venv/bin/python benchmarks/store_safety.py
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from journal.store import backup as bk
from journal.store.db import create_journal, open_journal
from journal.store.models import LabResult, Note, Regimen, RegimenDrug, SideEffect


def timed(label, fn, repeat=5):
    best = float("inf")
    result = None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    print(f"{label:<48} {best * 1000:9.1f} ms")
    return best, result


def fill(store, rng):
    with store.engine.begin() as c:
        c.execute(
            insert(Regimen),
            [{"name": f"R{i}", "start": f"{2000 + i // 2}-0{1 + i % 9}"} for i in range(40)],
        )
        c.execute(
            insert(RegimenDrug),
            [{"regimen_id": 1 + i % 40, "name": f"d{i}", "dose": 1.0} for i in range(120)],
        )
        c.execute(
            insert(LabResult),
            [
                {
                    "date": f"{2000 + i // 200}-0{1 + i % 9}-1{i % 9}",
                    "test": "m_protein",
                    "value": rng.random() * 30,
                    "unit": "g/L",
                }
                for i in range(5000)
            ],
        )
        c.execute(
            insert(SideEffect),
            [
                {"term": f"t{i}", "onset": f"{2000 + i // 40}", "grade": 1 + i % 4}
                for i in range(1000)
            ],
        )
        c.execute(
            insert(Note),
            [
                {"date": f"{2000 + i // 20}", "text": "word " * rng.randrange(20, 200)}
                for i in range(500)
            ],
        )


def main() -> None:
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "big.sqlite"
        t = time.perf_counter()
        store = create_journal(path, auto_backup=False)
        print(
            f"{'create_journal (new file, stamped at head)':<48} {(time.perf_counter() - t) * 1000:9.1f} ms"
        )
        t = time.perf_counter()
        fill(store, rng)
        print(
            f"{'bulk fill 6,660 rows (SQLAlchemy Core)':<48} {(time.perf_counter() - t) * 1000:9.1f} ms"
        )
        store.close()
        print(f"journal size: {path.stat().st_size / 1e6:.2f} MB")

        def raw_open():
            c = sqlite3.connect(path)
            c.execute("SELECT count(*) FROM labresult").fetchone()
            c.close()

        raw, _ = timed("raw sqlite3 open + one query", raw_open)

        def safe_open():
            s = open_journal(path, auto_backup=False)
            with s.engine.connect() as c:
                c.exec_driver_sql("SELECT count(*) FROM labresult").fetchone()
            s.close()

        safe, _ = timed("open+query+close (lock, checks, seal verify+write)", safe_open)
        print(f"{'  -> safety overhead ratio':<48} {safe / raw:9.1f} x")
        timed("check_journal (integrity + foreign keys)", lambda: bk.check_journal(path))
        store = open_journal(path, auto_backup=False)
        _, b = timed("backup_now (backup API + integrity_check)", lambda: bk.backup_now(store))
        store.close()
        timed("restore (verify, keep replaced copy, copy)", lambda: bk.restore(b, path), repeat=3)
        timed("list_backups + thin", lambda: bk.thin([x.created for x in bk.list_backups(path)]))
        n = iter(range(100))
        timed(
            "create_journal again (warm) + close",
            lambda: create_journal(Path(d) / f"n{next(n)}.sqlite", auto_backup=False).close(),
        )


if __name__ == "__main__":
    main()
