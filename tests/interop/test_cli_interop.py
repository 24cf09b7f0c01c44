"""journal export --format csv|fhir and journal import-results."""

import json
import zipfile

from journal.cli import main
from journal.services import queries
from journal.store import models as m
from journal.store.db import open_journal


def test_export_csv_and_fhir(store, history, tmp_path, capsys):
    path = str(store.path)
    store.close()
    assert main(["export", "--format", "csv", path]) == 1
    assert "name it with -o" in capsys.readouterr().err
    out = tmp_path / "j.zip"
    assert main(["export", "--format", "csv", "-o", str(out), path]) == 0
    assert "treatment-journal/labs.csv" in zipfile.ZipFile(out).namelist()
    assert main(["export", "--format", "fhir", path]) == 0
    bundle = json.loads(capsys.readouterr().out)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    assert main(["export", "--format", "fhir", "--ips", path]) == 0
    assert json.loads(capsys.readouterr().out)["type"] == "document"


def test_import_results_dry_run_then_import(store, tmp_path, capsys):
    path = str(store.path)
    store.close()
    f = tmp_path / "portal.csv"
    f.write_text("Date,Test,Value,Unit\n2024-03-05,Hb,11.2,g/dL\n2024-03-05,Glucose,5,mmol/L\n")
    assert main(["import-results", str(f), path, "--dry-run"]) == 0
    out = capsys.readouterr()
    assert "1 to add" in out.out and "'Glucose' is not a test the journal keeps" in out.out
    assert "nothing was changed" in out.err
    assert main(["import-results", str(f), path]) == 0
    assert "Added 1 result" in capsys.readouterr().err
    with open_journal(path, readonly=True) as s:
        assert len(queries.list_dicts(s, m.LabResult)) == 1


def test_import_results_unreadable_file_changes_nothing(store, tmp_path, capsys):
    path = str(store.path)
    store.close()
    f = tmp_path / "broken.json"
    f.write_text('{"resourceType": "Bundle", "entry": [')
    assert main(["import-results", str(f), path]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Nothing was imported.") and "Traceback" not in err
    with open_journal(path, readonly=True) as s:
        assert queries.list_dicts(s, m.LabResult) == []
