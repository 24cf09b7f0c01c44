"""Every reference history of tests/cases through both exports: no crash on odd data
(partial dates, seasons, CAR-T programmes, overrides), FHIR valid, references resolve."""

import json
from pathlib import Path

import pytest

from journal.interop.csv_export import export_csv_zip, read_zip
from journal.interop.fhir_export import build_ips, export_fhir
from journal.services.actions import import_exchange
from journal.store.db import create_journal

fhir_bundle = pytest.importorskip("fhir.resources.R4B.bundle")
CASES = sorted(
    p
    for p in (Path(__file__).parents[1] / "cases").glob("*.json")
    if not p.name.endswith(".expected.json")
)


def _refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "reference" and isinstance(v, str):
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_case_exports(case, tmp_path):
    store = create_journal(tmp_path / "j.sqlite", auto_backup=False)
    try:
        import_exchange(store, json.loads(case.read_text(encoding="utf-8")))
        bundle = export_fhir(store, timestamp="2026-01-01T00:00:00+00:00")
        fhir_bundle.Bundle.model_validate(bundle)
        urls = {e["fullUrl"] for e in bundle["entry"]}
        assert set(_refs(bundle)) <= urls
        fhir_bundle.Bundle.model_validate(build_ips(bundle))
        files = read_zip(export_csv_zip(store))
        n_regimens = len(json.loads(case.read_text())["records"].get("regimens", []))
        assert len(files["regimens.csv"]) - 1 == n_regimens
    finally:
        store.close()
