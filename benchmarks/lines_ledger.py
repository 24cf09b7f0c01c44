"""How long the lines-of-therapy and ledger rules take on small and very long histories.

    .venv/bin/python benchmarks/lines_ledger.py [N_RUNS]

Builds synthetic histories (no files, no store): a typical one (6 regimens) and an
extreme one (25 years: 60 regimens, each with 4 drugs and 6 dose changes, 3 transplants,
2 CAR-T programmes, 120 responses, 30 progressions). Times compute_lines and
compute_ledger (median of N runs) and prints the figures and the per-regimen ratio.
Asserts nothing.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time

from journal.domain.catalog import get_catalog
from journal.domain.dates import PartialDate
from journal.domain.ledger import compute_ledger
from journal.domain.lines import compute_lines
from journal.domain.records import (
    DoseChangeRec,
    DrugRec,
    History,
    ProcedureRec,
    ProgressionRec,
    RegimenRec,
    ResponseRec,
)
from journal.domain.vocab import ProcedureKind

NAMES = ["VRd", "KRd", "DPd", "Kd", "IsaKd", "EPd", "Pd", "DVd", "SVd", "Tec", "Tal"]
CATS = ["VGPR", "PR", "MR", "SD", "PD", "CR"]


def _d(n: int) -> PartialDate:
    return PartialDate.from_date(dt.date(2000, 1, 1) + dt.timedelta(days=n))


def history(n_regimens: int) -> History:
    cat = get_catalog()
    regs, procs, progs, resps = [], [], [], []
    day = 0
    for i in range(n_regimens):
        tpl = cat.regimen(NAMES[i % len(NAMES)])
        length = 120
        drugs = tuple(
            DrugRec(
                name=cat.drug(x).generic,
                drug_id=x,
                start=_d(day),
                last_dose=_d(day + length),
                dose_changes=tuple(DoseChangeRec(_d(day + 10 * k), dose=1.0) for k in range(6)),
                ref=f"regimen_drug:{i * 10 + j}",
            )
            for j, x in enumerate(tpl.drug_ids)
        )
        regs.append(
            RegimenRec(
                i + 1, tpl.abbrev, _d(day), _d(day + length), cycles=4, cycle_days=28, drugs=drugs
            )
        )
        for k in range(2):
            resps.append(ResponseRec(len(resps) + 1, _d(day + 40 + 40 * k), CATS[(i + k) % 6]))
        if i % 2:
            progs.append(ProgressionRec(len(progs) + 1, _d(day + length + 20)))
        if i % 20 == 1:
            procs.append(
                ProcedureRec(len(procs) + 1, ProcedureKind.AUTO_SCT.value, _d(day + length + 30))
            )
        if i % 30 == 25:
            procs.append(
                ProcedureRec(
                    len(procs) + 1, ProcedureKind.LEUKAPHERESIS.value, _d(day + length + 25)
                )
            )
            procs.append(
                ProcedureRec(
                    len(procs) + 1,
                    ProcedureKind.CAR_T.value,
                    _d(day + length + 60),
                    product="cilta-cel",
                )
            )
        day += length + 45
    return History(
        regimens=tuple(regs),
        procedures=tuple(procs),
        progressions=tuple(progs),
        responses=tuple(resps),
    )


def _median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(runs: int = 5) -> None:
    get_catalog()  # loading the catalog once is not part of the rule's cost
    for n in (6, 60):
        h = history(n)
        lines = compute_lines(h)
        t_lines = _median(lambda h=h: compute_lines(h), runs)
        t_ledger = _median(lambda h=h, lines=lines: compute_ledger(h, lines), runs)
        print(
            f"{n:3d} regimens -> {lines.lines_received:3d} lines: "
            f"compute_lines {t_lines * 1000:7.1f} ms, compute_ledger {t_ledger * 1000:7.1f} ms, "
            f"per regimen {(t_lines + t_ledger) * 1000 / n:5.2f} ms"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
