"""Size-parameterised synthetic journals for benchmarks and load tests.

``build_synthetic(store, years=25, regimens=40, labs=5000, side_effects=1000)``
writes a plausible-looking but meaningless history (valid for every check the
app makes) straight through SQLAlchemy Core ``executemany`` in one transaction:
one ORM object per row is many times slower at these sizes. Deterministic per
``seed``. Not a medical story: use :mod:`journal.demo` for that.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from journal.store import models as m
from journal.store.exchange import insert_rows

LAB_PANEL = [
    # code, unit, typical value, relative spread
    ("m_protein", "g/dL", 1.0, 0.25),
    ("flc_kappa", "mg/L", 80.0, 0.3),
    ("flc_lambda", "mg/L", 10.0, 0.2),
    ("flc_ratio", "ratio", 8.0, 0.3),
    ("hb", "g/dL", 12.0, 0.08),
    ("platelets", "10^9/L", 200.0, 0.15),
    ("anc", "10^9/L", 3.0, 0.2),
    ("creatinine", "umol/L", 85.0, 0.1),
    ("calcium", "mg/dL", 9.4, 0.03),
    ("albumin", "g/dL", 4.0, 0.05),
]
DRUGS = [
    "bortezomib",
    "carfilzomib",
    "ixazomib",
    "lenalidomide",
    "pomalidomide",
    "thalidomide",
    "daratumumab",
    "isatuximab",
    "elotuzumab",
    "selinexor",
    "cyclophosphamide",
    "melphalan",
    "bendamustine",
    "venetoclax",
    "belantamab-mafodotin",
    "teclistamab",
    "elranatamab",
    "talquetamab",
]
TERMS = [
    "Fatigue",
    "Peripheral sensory neuropathy",
    "Neutrophil count decreased",
    "Platelet count decreased",
    "Anemia",
    "Diarrhea",
    "Nausea",
    "Insomnia",
    "Upper respiratory infection",
    "Rash maculo-papular",
    "Hypertension",
    "Dysgeusia",
]
INTENTS = [
    "induction",
    "consolidation",
    "maintenance",
    "salvage",
    "continuous (until progression)",
    "fixed duration",
]


def _iso(d: dt.date) -> str:
    return d.isoformat()


def build_synthetic(
    store,
    years: int = 25,
    regimens: int = 40,
    labs: int = 5000,
    side_effects: int = 1000,
    seed: int = 1,
    *,
    end: dt.date = dt.date(2026, 10, 31),
) -> dict[str, int]:
    """Fill an empty journal; returns rows written per table name."""
    rng = random.Random(seed)
    start = dt.date(end.year - years, end.month, 1)
    span = (end - start).days
    rows: dict[type, list[dict]] = {t: [] for t in m.RECORD_TABLES}

    rows[m.Person].append(
        {
            "id": 1,
            "display_name": "Synthetic person",
            "birth_date": "1950-03",
            "sex": "female",
            "height_cm": 165.0,
            "weight_kg": 64.0,
        }
    )
    rows[m.Diagnosis].append(
        {
            "id": 1,
            "date": _iso(start),
            "heavy_chain": "IgA",
            "light_chain": "lambda",
            "iss_stage": "III",
        }
    )

    # Regimens back to back, each followed by a progression (the last one ongoing).
    slot = span / max(regimens, 1)
    drug_id = change_id = 0
    for i in range(regimens):
        r_start = start + dt.timedelta(days=int(i * slot) + 1)
        last = i == regimens - 1
        r_end = None if last else r_start + dt.timedelta(days=max(int(slot) - 10, 1))
        rid = i + 1
        rows[m.Regimen].append(
            {
                "id": rid,
                "name": f"Regimen {rid}",
                "start": _iso(r_start),
                "end": None if r_end is None else _iso(r_end),
                "intent": rng.choice(INTENTS),
                "cycle_days": 28,
                "part_of_id": rid - 1 if i and rng.random() < 0.15 else None,
                "start_reason": "progression" if i else "new diagnosis",
                "end_reason": None if last else "progression",
            }
        )
        for d in [*rng.sample(DRUGS, rng.randint(1, 4)), "dexamethasone"]:
            drug_id += 1
            rows[m.RegimenDrug].append(
                {
                    "id": drug_id,
                    "regimen_id": rid,
                    "drug_id": d,
                    "dose": float(rng.randint(1, 40)),
                    "dose_unit": "mg",
                }
            )
            if rng.random() < 0.2:
                change_id += 1
                rows[m.DoseChange].append(
                    {
                        "id": change_id,
                        "regimen_drug_id": drug_id,
                        "date": _iso(
                            r_start + dt.timedelta(days=rng.randint(0, max(int(slot) - 11, 0)))
                        ),
                        "dose": float(rng.randint(1, 20)),
                        "dose_unit": "mg",
                        "reason": "toxicity",
                    }
                )
        mid = r_start + dt.timedelta(days=int(slot / 2))
        rows[m.Response].append(
            {"date": _iso(mid), "category": rng.choice(["CR", "VGPR", "PR"]), "regimen_id": rid}
        )
        if r_end is not None:
            rows[m.Progression].append(
                {"date": _iso(r_end), "kind": "biochemical", "regimen_id": rid}
            )
        if i % 8 == 0:
            rows[m.Procedure].append(
                {
                    "kind": "autologous stem-cell transplant",
                    "date": _iso(mid),
                    "regimen_id": rid,
                    "conditioning": "melphalan 200 mg/m2",
                }
            )

    # Labs: whole panels on evenly spaced days, values wandering around typical ones.
    n_dates = max(1, -(-labs // len(LAB_PANEL)))
    written = 0
    level = {code: typical for code, _u, typical, _s in LAB_PANEL}
    for k in range(n_dates):
        day = start + dt.timedelta(days=int(k * span / n_dates))
        for code, unit, typical, spread in LAB_PANEL:
            if written == labs:
                break
            level[code] = max(
                0.0, level[code] * (1 + rng.gauss(0, spread / 4)) + (typical - level[code]) * 0.1
            )
            rows[m.LabResult].append(
                {"date": _iso(day), "test": code, "unit": unit, "value": round(level[code], 3)}
            )
            written += 1

    for k in range(side_effects):
        onset = start + dt.timedelta(days=rng.randint(0, span - 1))
        resolved = onset + dt.timedelta(days=rng.randint(1, 120))
        rows[m.SideEffect].append(
            {
                "id": k + 1,
                "term": rng.choice(TERMS),
                "onset": _iso(onset),
                "resolved": _iso(resolved) if resolved <= end and rng.random() < 0.9 else None,
                "grade": rng.randint(1, 4),
                "action": rng.choice(["none", "dose reduced", "treated"]),
            }
        )
        rows[m.SideEffectDrug].append({"side_effect_id": k + 1, "drug_id": rng.choice(DRUGS)})

    for k in range(years * 2):
        day = start + dt.timedelta(days=int(k * span / (years * 2)))
        rows[m.Ecog].append({"date": _iso(day), "score": rng.randint(0, 2)})
        rows[m.Note].append(
            {
                "date": _iso(day),
                "kind": "clinic visit",
                "title": f"Visit {k + 1}",
                "text": "Synthetic visit note. " * 5,
            }
        )
    rows[m.SupportiveCare].append(
        {
            "drug_id": "aciclovir",
            "name": "Aciclovir",
            "purpose": "shingles prevention",
            "start": _iso(start),
        }
    )

    with store.engine.begin() as conn:
        insert_rows(conn, rows)
    return {t.__tablename__: len(v) for t, v in rows.items()}


def main(argv: list[str] | None = None) -> int:
    """``python -m journal.synthetic OUT [--years 25] [--scale 10]``: a synthetic journal
    for anyone to try the app's speed on (40 regimens, 5,000 labs, 1,000 side effects
    per 25 years at scale 1)."""
    import argparse
    import sys

    from journal.errors import JournalError
    from journal.services.files import _build_then_move

    p = argparse.ArgumentParser(
        prog="python -m journal.synthetic",
        description="Write a synthetic journal (meaningless but valid data) for speed tests.",
    )
    p.add_argument("out", metavar="OUT", help="the new journal file (must not exist)")
    p.add_argument("--years", type=int, default=25, help="length of the history (default 25)")
    p.add_argument(
        "--scale", type=float, default=1.0, help="multiply the record counts (default 1)"
    )
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    if not 1 <= args.years <= 80 or not 0 < args.scale <= 100:
        p.error("--years must be 1 to 80 and --scale above 0 and at most 100")
    per = args.years / 25 * args.scale
    sizes = {
        "regimens": max(1, round(40 * per)),
        "labs": max(1, round(5000 * per)),
        "side_effects": max(0, round(1000 * per)),
    }
    try:
        counts = _build_then_move(
            Path(args.out),
            lambda store: build_synthetic(store, years=args.years, seed=args.seed, **sizes),
        )
    except JournalError as e:
        print(e, file=sys.stderr)
        return 1
    print(
        f"Synthetic journal written to {args.out}: {counts['regimen']} regimens, "
        f"{counts['labresult']} lab results, {counts['sideeffect']} side effects.",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
