"""Importing 5,000 portal results from a FHIR Bundle (a figure, not an assertion).

    .venv/bin/python benchmarks/import_results.py [--results 5000] [--runs 3]

Builds a portal-style FHIR R4 Bundle of lab Observations (LOINC codes, UCUM
units, date-times with a zone, reference ranges; like a hospital portal's
download), then times, on a journal that already holds 1,000 results:
reading it into a preview (JSON, matching, units, duplicate check) and the
all-or-nothing import (validation + one transaction). Target: under 2 s for
5,000 results in total. Prints the medians.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from journal.interop.portal import existing_results, import_preview, read_results
from journal.services import actions
from journal.store import models as m
from journal.store.db import create_journal

TESTS = [  # (LOINC, name, UCUM, journal unit, low, high)
    ("718-7", "Hemoglobin", "g/dL", "g/dL", 8.0, 15.0),
    ("777-3", "Platelets", "10*9/L", "10^9/L", 40, 400),
    ("751-8", "Neutrophils", "10*9/L", "10^9/L", 0.5, 6.0),
    ("2160-0", "Creatinine", "mg/dL", "mg/dL", 0.6, 2.5),
    ("17861-6", "Calcium", "mg/dL", "mg/dL", 8.5, 11.5),
    ("1751-7", "Albumin", "g/dL", "g/dL", 2.8, 4.8),
    ("33358-3", "M-protein", "g/dL", "g/dL", 0.0, 3.5),
    ("36916-5", "Kappa free light chain", "mg/L", "mg/L", 3.0, 800.0),
    ("33944-0", "Lambda free light chain", "mg/L", "mg/L", 3.0, 40.0),
    ("2532-0", "LDH", "U/L", "U/L", 120, 400),
]


def portal_bundle(n: int, seed: int = 1) -> bytes:
    rnd = random.Random(seed)
    start = dt.datetime(2015, 1, 5, 8, 30)
    entries = []
    for i in range(n):
        code, name, ucum, _unit, lo, hi = TESTS[i % len(TESTS)]
        when = start + dt.timedelta(days=(i // len(TESTS)) * 3)
        entries.append(
            {
                "fullUrl": f"urn:uuid:{i:08d}-0000-4000-8000-000000000000",
                "resource": {
                    "resourceType": "Observation",
                    "id": f"obs{i}",
                    "status": "final",
                    "category": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                    "code": "laboratory",
                                }
                            ]
                        }
                    ],
                    "code": {
                        "coding": [{"system": "http://loinc.org", "code": code}],
                        "text": name,
                    },
                    "effectiveDateTime": when.isoformat() + "+01:00",
                    "valueQuantity": {
                        "value": round(rnd.uniform(lo, hi), 2),
                        "unit": ucum,
                        "system": "http://unitsofmeasure.org",
                        "code": ucum,
                    },
                    "referenceRange": [{"low": {"value": lo}, "high": {"value": hi}}],
                },
            }
        )
    return json.dumps({"resourceType": "Bundle", "type": "searchset", "entry": entries}).encode()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    data = portal_bundle(a.results)
    read_t, write_t, total_t = [], [], []
    with tempfile.TemporaryDirectory() as d:
        for run in range(a.runs):
            store = create_journal(Path(d) / f"j{run}.sqlite", auto_backup=False)
            actions.add_lab_results(
                store,
                [
                    m.LabResult(
                        date=f"2014-{1 + k % 12:02d}-{1 + k % 28:02d}",
                        test="hb",
                        value=10 + (k % 50) / 10,
                        unit="g/dL",
                    )
                    for k in range(1000)
                ],
            )
            t0 = time.perf_counter()
            preview = read_results(data, "portal.json", existing_results(store))
            t1 = time.perf_counter()
            import_preview(store, preview)
            t2 = time.perf_counter()
            store.close()
            assert len(preview.to_add) == a.results, preview.summary()
            read_t.append(t1 - t0)
            write_t.append(t2 - t1)
            total_t.append(t2 - t0)
    print(f"bundle: {a.results} Observations, {len(data) / 1e6:.1f} MB")
    print(f"read + match + duplicate check: {statistics.median(read_t):.2f} s")
    print(f"validate + import (one transaction): {statistics.median(write_t):.2f} s")
    print(f"total: {statistics.median(total_t):.2f} s (target < 2 s)")
    # The machine is shared: say how busy it was, so a figure can be read fairly.
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
