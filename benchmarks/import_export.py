"""Import/export speed on a 25-year synthetic journal (figures, not assertions).

    .venv/bin/python benchmarks/import_export.py [--runs 3] [--labs 5000] ...

Prints the median over runs of: building the synthetic journal (Core bulk
insert), exporting it (query + JSON text), checking the file (JSON Schema +
field rules + references), importing it (check + one-transaction insert), and
reading it back for the rules (load_history); plus the ORM-vs-Core insert ratio
for the lab rows, the reason bulk paths use Core.

Then the issue-16 figure: importing the exported file (read + parse + check +
insert into a new journal) against its floor, reading and parsing the same file
with json.loads alone, measured alternately (--pairs times) so both see the same
load; target: ratio <= 3x. Beside it the driver's floor (``bare_insert``): the same
parse, then the same rows into the same tables with Python's sqlite3 alone, nothing
checked, written the way the import writes them (20 rows to a statement); what any
import through the driver pays, so the distance to it is what the checks, the
indexes, the seal and the file's safety cost. The one-off compile of the
schema is printed apart.

Last, where an import's time goes (--phases runs, medians; wall clock and CPU
time, which a busy machine disturbs less): reading and parsing the file, checking
it, making the empty journal, writing the rows (insert, indexes, the tables' CHECK
rules, links, COMMIT), closing (the content seal), and syncing before the rename.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import operator
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import delete

from journal.services import files
from journal.services.queries import load_history
from journal.store import backup, db, exchange
from journal.store import models as m
from journal.store.db import create_journal, schema_statements
from journal.store.exchange import (
    EXCHANGE_NAMES,
    check_exchange,
    dumps,
    export_journal,
    import_journal,
    read_file,
)
from journal.synthetic import build_synthetic


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def bare_insert(path: Path, target: Path) -> None:
    """The driver's floor of an import: read and parse ``path`` as the first floor does,
    then write its rows into a new file ``target`` with Python's sqlite3 alone, the
    quickest way this project knows: the journal's own CREATE TABLE texts (its indexes
    left out), the rows as plain tuples, 20 to a multi-row INSERT as the import writes
    them (``exchange.ROWS_PER_STATEMENT``; the rest by one executemany), None and bool
    bound through the C adapters journal.store.crypto registers, in one transaction,
    the tables' CHECK rules and links off, no sync, nothing checked, no seal. About 3 us
    a row on a 2-core machine, almost all of it the driver binding each value in
    Python (SQLite itself copies the same rows between two files in a fifth of that)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for p in (target, Path(f"{target}-journal")):
        p.unlink(missing_ok=True)
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA ignore_check_constraints=ON")
        conn.execute("BEGIN")
        for statement in schema_statements():
            if statement.startswith("CREATE TABLE"):
                conn.execute(statement)
        records = data["records"]
        for cls in m.RECORD_TABLES:
            rows = records.get(EXCHANGE_NAMES[cls])
            if rows:
                names = [c.name for c in cls.__table__.columns]
                columns = ", ".join(f'"{n}"' for n in names)
                insert = f'INSERT INTO "{cls.__tablename__}" ({columns}) VALUES '
                one = f"({', '.join('?' * len(names))})"
                tuples = list(map(operator.itemgetter(*names), rows))
                k = max(1, min(exchange.ROWS_PER_STATEMENT, exchange.MAX_PARAMETERS // len(names)))
                whole = len(tuples) - len(tuples) % k if k > 1 else 0
                if whole:
                    chunk, step = insert + ", ".join([one] * k), k * len(names)
                    flat = tuple(itertools.chain.from_iterable(tuples[:whole]))
                    for i in range(0, len(flat), step):
                        conn.execute(chunk, flat[i : i + step])
                conn.executemany(insert + one, tuples[whole:])
        conn.execute("COMMIT")
    finally:
        conn.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--years", type=int, default=25)
    ap.add_argument("--regimens", type=int, default=40)
    ap.add_argument("--labs", type=int, default=5000)
    ap.add_argument("--side-effects", type=int, default=1000)
    ap.add_argument("--pairs", type=int, default=5, help="alternate import / json.loads runs")
    ap.add_argument("--phases", type=int, default=7, help="runs of the per-phase timing")
    a = ap.parse_args()
    exchange._fast_validator.cache_clear()
    t_compile, _ = timed(exchange._fast_validator)
    figures: dict[str, list[float]] = {}
    size = 0
    rows = {}
    with tempfile.TemporaryDirectory() as d:
        for run in range(a.runs):
            src = create_journal(Path(d) / f"src{run}.sqlite", auto_backup=False)
            dst = create_journal(Path(d) / f"dst{run}.sqlite", auto_backup=False)
            t, rows = timed(
                lambda src=src, run=run: build_synthetic(
                    src, a.years, a.regimens, a.labs, a.side_effects, seed=run + 1
                )
            )
            figures.setdefault("build synthetic (Core bulk insert)", []).append(t)
            t, text = timed(lambda src=src: dumps(export_journal(src)))
            size = len(text.encode())
            figures.setdefault("export (query + JSON text)", []).append(t)
            data = json.loads(text)
            t, problems = timed(lambda data=data: check_exchange(data))
            assert problems == [], problems[:3]
            figures.setdefault("check only (part of import)", []).append(t)
            t, _ = timed(lambda dst=dst, text=text: import_journal(dst, json.loads(text)))
            figures.setdefault("import (parse + check + insert)", []).append(t)
            t, _ = timed(lambda dst=dst: load_history(dst))
            figures.setdefault("load_history (read side for rules)", []).append(t)

            # ORM, one object per row, for the same lab rows (one transaction).
            labs = [r for r in json.loads(text)["records"]["lab_results"]]
            with dst.engine.begin() as conn:
                conn.execute(delete(m.LabResult.__table__))

            def orm(dst=dst, labs=labs):
                with dst.session() as s:
                    for r in labs:
                        s.add(m.LabResult(**r))
                    s.commit()

            t_orm, _ = timed(orm)
            with dst.engine.begin() as conn:
                conn.execute(delete(m.LabResult.__table__))
            from journal.store.exchange import insert_rows

            def core(dst=dst, labs=labs):
                with dst.engine.begin() as conn:
                    insert_rows(conn, {m.LabResult: labs})

            t_core, _ = timed(core)
            figures.setdefault(f"insert {len(labs)} labs: ORM objects", []).append(t_orm)
            figures.setdefault(f"insert {len(labs)} labs: Core executemany", []).append(t_core)
            src.close()
            dst.close()
        path = Path(d) / "export.json"
        path.write_text(text, encoding="utf-8")
        bare_insert(path, Path(d) / "bare.sqlite")  # compiles the schema texts once
        imports, parses, bares = [], [], []
        for pair in range(a.pairs):
            target = Path(d) / f"import{pair}.sqlite"
            t, _ = timed(lambda: json.loads(path.read_bytes()))
            parses.append(t)
            t, _ = timed(
                lambda target=target: files.import_into_new_journal(read_file(path), target)
            )
            imports.append(t)
            t, _ = timed(lambda: bare_insert(path, Path(d) / "bare.sqlite"))
            bares.append(t)
        per_phase = phases(path, Path(d), a.phases)
    total = sum(rows.values())
    print(
        f"synthetic journal: {a.years} years, {total} rows "
        f"({rows.get('regimen')} regimens, {rows.get('labresult')} labs, "
        f"{rows.get('sideeffect')} side effects); export file {size / 1e6:.2f} MB; "
        f"median of {a.runs} runs"
    )
    for name, vals in figures.items():
        print(f"  {name:45s} {statistics.median(vals) * 1000:8.0f} ms")
    orm_key = next(k for k in figures if k.endswith("ORM objects"))
    core_key = next(k for k in figures if k.endswith("Core executemany"))
    ratio = statistics.median(figures[orm_key]) / statistics.median(figures[core_key])
    print(f"  ORM / Core insert time ratio: {ratio:.1f}x")
    t_imp, t_parse = statistics.median(imports), statistics.median(parses)
    t_bare = statistics.median(bares)
    print(
        f"import of the file into a new journal vs its floor (read + json.loads), median "
        f"of {a.pairs} alternate runs:\n  import {t_imp * 1000:.0f} ms, floor "
        f"{t_parse * 1000:.0f} ms, ratio {t_imp / t_parse:.2f}x (target <= 3x); compiling "
        f"the schema, once per process and only for a file the quick pass does not clear: "
        f"{t_compile * 1000:.0f} ms\n  driver floor (read + json.loads + a bare insert "
        f"of the same rows into the same tables, 20 to a statement, nothing checked): "
        f"{t_bare * 1000:.0f} ms, import / driver floor {t_imp / t_bare:.2f}x"
    )
    print(f"where a new journal's import goes, median of {a.phases} runs (wall / CPU ms):")
    for name, (wall, cpu) in per_phase.items():
        print(f"  {name:45s} {wall * 1000:8.1f} {cpu * 1000:8.1f}")
    (wall, cpu), (floor_wall, floor_cpu) = per_phase["total"], per_phase["floor"]
    print(f"  {'ratio total / floor':45s} {wall / floor_wall:7.2f}x {cpu / floor_cpu:7.2f}x")
    bare_wall, bare_cpu = per_phase["driver floor"]
    print(f"  {'ratio total / driver floor':45s} {wall / bare_wall:7.2f}x {cpu / bare_cpu:7.2f}x")
    print(f"  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


#: (module, function, phase) timed inside import_into_new_journal; the rest of the
#: total is bookkeeping (the lock, connections, the rename).
PHASES = (
    (exchange, "read_file", "read + parse the file"),
    (exchange, "check_exchange", "check (schema, rows, links)"),
    (db, "create_journal", "make the empty journal"),
    (exchange, "_write_import", "write (insert, indexes, CHECKs, COMMIT)"),
    (db.JournalStore, "close", "close (content seal)"),
    (backup, "_fsync_path", "sync before the rename"),
)


def phases(path: Path, folder: Path, runs: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds of each phase of import_into_new_journal, with the
    total and its two floors (read + json.loads; the driver's, ``bare_insert``) measured
    alternately."""
    spent: dict[str, list[float]] = {}

    def timed_phase(fn, name):
        @functools.wraps(fn)
        def run(*args, **kw):
            t, c = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kw)
            finally:
                spent[name][-1] += time.perf_counter() - t
                spent[name + " cpu"][-1] += time.process_time() - c

        return run

    saved = [(owner, fn_name, getattr(owner, fn_name)) for owner, fn_name, _ in PHASES]
    for owner, fn_name, name in PHASES:
        setattr(owner, fn_name, timed_phase(getattr(owner, fn_name), name))
    totals: dict[str, list[float]] = {
        k: []
        for k in ("total", "total cpu", "floor", "floor cpu", "driver floor", "driver floor cpu")
    }
    try:
        for run in range(runs + 1):
            for _owner, _fn, name in PHASES:
                spent.setdefault(name, []).append(0.0)
                spent.setdefault(name + " cpu", []).append(0.0)
            target = folder / f"phases{run}.sqlite"
            t, c = time.perf_counter(), time.process_time()
            files.import_into_new_journal(files.read_exchange_file(path), target)
            totals["total"].append(time.perf_counter() - t)
            totals["total cpu"].append(time.process_time() - c)
            t, c = time.perf_counter(), time.process_time()
            json.loads(path.read_text(encoding="utf-8"))
            totals["floor"].append(time.perf_counter() - t)
            totals["floor cpu"].append(time.process_time() - c)
            t, c = time.perf_counter(), time.process_time()
            bare_insert(path, folder / "bare.sqlite")
            totals["driver floor"].append(time.perf_counter() - t)
            totals["driver floor cpu"].append(time.process_time() - c)
    finally:
        for owner, fn_name, fn in saved:
            setattr(owner, fn_name, fn)
    out = {}
    for name, vals in [*spent.items(), *totals.items()]:
        if name.endswith(" cpu"):
            continue
        cpu = statistics.median((spent | totals)[name + " cpu"][1:])  # the first warms up
        out[name] = (statistics.median(vals[1:]), cpu)
    return out


if __name__ == "__main__":
    main()
