"""How the rules (``build_summary``) grow with the length of the history: 1x, 3x and 10x.

    .venv/bin/python benchmarks/rules_scaling.py [--quick] [--runs N] [--scales 1,3,10]

Times ``build_summary`` on the synthetic 25-year journal at each scale (1x: 40 regimens,
5,000 labs, 1,000 side effects; 10x: 400, 50,000 and 10,000), beside its floor (reading
every row of the same file with ``sqlite3`` in the same process), and fits the growth
exponent k of t = c * n^k over the scales (k <= 1.1: linear, no quadratic step). The fit
uses the least CPU time (``process_time``) of the runs at each scale: on a shared machine
other processes stretch wall time unevenly between the scales, the fastest CPU time much
less. Medians of wall and CPU time are printed beside it. A smaller scale gets more runs
(``runs`` times the largest scale over its own, about the same time at each scale): with
two or three runs of 40 ms at 1x, one unlucky run set the fastest time and swung the
exponent between 1.03 and 1.15 on an idle machine.

The journals are generated once (``python -m journal.synthetic``) and cached in the
temporary folder under a name that changes with the generator and the schema, so later
runs start at once; ``TJ_BENCH_CACHE`` names another folder. Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import math
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

SCALES = (1.0, 3.0, 10.0)


def cache_dir() -> Path:
    folder = Path(os.environ.get("TJ_BENCH_CACHE") or Path(tempfile.gettempdir()) / "tj-bench")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _generator_key() -> str:
    """Changes when the synthetic data or the schema could change."""
    import journal
    from journal.store.migrate import head_revision

    package = Path(journal.__file__).parent  # the journal being measured (PYTHONPATH)
    h = hashlib.sha256(head_revision().encode())
    for name in ("synthetic.py", "store/models.py"):
        h.update((package / name).read_bytes())
    return h.hexdigest()[:10]


def journal_at(scale: float) -> Path:
    """The cached synthetic 25-year journal at ``scale``, written first if missing.
    Open it read-only (or copy it): every run shares it."""
    path = cache_dir() / f"synthetic-{scale:g}x-{_generator_key()}.sqlite"
    if not path.exists():
        from journal.synthetic import main as write_synthetic

        # Written under a private name and moved into place: a second run started at
        # the same time never sees half a journal.
        partial = path.with_name(f"{path.stem}.{os.getpid()}.partial.sqlite")
        if write_synthetic([str(partial), "--years", "25", "--scale", f"{scale:g}"]) != 0:
            raise RuntimeError(f"could not write the synthetic journal at {scale:g}x")
        os.replace(partial, path)
    return path


def read_every_row(path: Path) -> int:
    """The floor: every row of every table, read with sqlite3."""
    conn = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return sum(len(conn.execute(f'SELECT * FROM "{n}"').fetchall()) for n in names)
    finally:
        conn.close()


def _once(fn) -> tuple[float, float]:
    gc.collect()
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def rules_times(path: Path, runs: int) -> dict[str, float]:
    """Medians of ``build_summary`` and of the floor, alternating run by run so a busy
    machine slows both alike: keys rules/floor (wall), rules_cpu/floor_cpu, and
    rules_cpu_min (the fastest run's CPU time, for the fit)."""
    from journal.domain.summary import build_summary
    from journal.services.queries import load_history
    from journal.store.db import open_journal

    with open_journal(path, readonly=True, auto_backup=False) as store:
        history = load_history(store)
    build_summary(history)  # warm caches (catalog, CTCAE terms)
    read_every_row(path)
    got: dict[str, list[float]] = {"rules": [], "rules_cpu": [], "floor": [], "floor_cpu": []}
    for _ in range(runs):
        for name, fn in (
            ("rules", lambda: build_summary(history)),
            ("floor", lambda: read_every_row(path)),
        ):
            wall, cpu = _once(fn)
            got[name].append(wall)
            got[f"{name}_cpu"].append(cpu)
    return {k: statistics.median(v) for k, v in got.items()} | {
        "rules_cpu_min": min(got["rules_cpu"])
    }


def growth(sizes: list[float], times: list[float]) -> float:
    """Least-squares slope of log t over log n."""
    xs, ys = [math.log(s) for s in sizes], [math.log(t) for t in times]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def measure(scales=SCALES, runs: int = 3, out=print) -> tuple[float | None, list[dict[str, float]]]:
    """(growth exponent from the fastest CPU times, None with fewer than two scales;
    per-scale figures)."""
    per_scale = []
    for s in scales:
        t = rules_times(journal_at(s), max(runs, math.ceil(runs * max(scales) / s)))
        per_scale.append(t)
        out(
            f"  {s:g}x: build_summary {t['rules'] * 1000:.0f} ms "
            f"(CPU {t['rules_cpu'] * 1000:.0f} ms, fastest {t['rules_cpu_min'] * 1000:.0f} ms), "
            f"floor {t['floor'] * 1000:.0f} ms "
            f"(CPU {t['floor_cpu'] * 1000:.0f} ms), ratio {t['rules'] / t['floor']:.1f}x"
        )
    if len(set(scales)) < 2:
        return None, per_scale
    return growth(list(scales), [t["rules_cpu_min"] for t in per_scale]), per_scale


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="two runs at the largest scale (more at smaller ones)"
    )
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--scales", default="1,3,10", help="comma-separated (default 1,3,10)")
    args = ap.parse_args(argv)
    runs = args.runs or (2 if args.quick else 5)
    scales = [float(x) for x in args.scales.split(",")]
    print(f"journals cached in {cache_dir()}", flush=True)
    k, _ = measure(scales, runs, out=lambda line: print(line, flush=True))
    if k is not None:
        print(f"growth exponent of build_summary over {args.scales}x: {k:.2f} (target <= 1.1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
