"""File > Import results from portal (preview, import, one undo) and File > Export as."""

from __future__ import annotations

import json
import zipfile

import pytest
from PySide6.QtWidgets import QDialog, QFileDialog

from journal.interop.portal import read_results
from journal.services import queries
from journal.store import models as m

PORTAL_CSV = (
    "Date,Test,Value,Unit\n"
    "2024-03-05,Hb,11.2,g/dL\n"
    "2024-03-05,PLT,150,10^9/L\n"
    "2024-03-05,Glucose,5.1,mmol/L\n"
)


def _menu_texts(w):
    out = []
    for top in w.menuBar().actions():
        stack = [top.menu()]
        while stack:
            menu = stack.pop()
            for a in menu.actions():
                out.append(a.text().replace("&", ""))
                if a.menu() is not None:
                    stack.append(a.menu())
    return out


def test_the_file_menu_offers_the_new_entries(window):
    w, _ = window
    texts = _menu_texts(w)
    for t in (
        "Import results from portal...",
        "Export as",
        "CSV for spreadsheets...",
        "FHIR R4 for health records...",
    ):
        assert t in texts


def test_preview_dialog_shows_each_list_and_the_import_button(qtbot, ctx):
    preview = read_results(PORTAL_CSV.encode(), "portal.csv", [])
    from journal.ui.interop_dialogs import ResultsPreviewDialog

    dlg = ResultsPreviewDialog(preview)
    qtbot.addWidget(dlg)
    tabs = [dlg.tabs.tabText(i) for i in range(dlg.tabs.count())]
    assert tabs == [
        "To add (2)",
        "Already there (0)",
        "Cannot be read (1)",
        "Medicines and procedures (0)",
    ]
    assert dlg.import_button.text() == "Import 2 results" and dlg.import_button.isEnabled()
    unreadable = dlg.tabs.widget(2)
    assert "not a test the journal keeps" in unreadable.item(0, 1).text()
    nothing = ResultsPreviewDialog(
        read_results(
            PORTAL_CSV.encode(),
            "p.csv",
            [
                {"test": "hb", "date": "2024-03-05", "value": 11.2, "unit": "g/dL"},
                {"test": "platelets", "date": "2024-03-05", "value": 150, "unit": "10^9/L"},
            ],
        )
    )
    qtbot.addWidget(nothing)
    assert not nothing.import_button.isEnabled()


def test_import_from_the_menu_is_one_undoable_step(window, qtbot, tmp_path, monkeypatch):
    w, controller = window
    controller.create_path(tmp_path / "a.sqlite", "Jean")
    src = tmp_path / "portal.csv"
    src.write_text(PORTAL_CSV)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(src), ""))
    shown = []

    def fake_exec(dlg):
        shown.append(dlg)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr("journal.ui.interop_dialogs.ResultsPreviewDialog.exec", fake_exec)
    from journal.ui import interop_dialogs

    interop_dialogs.import_results(w, w.ctx)
    qtbot.waitUntil(lambda: bool(shown), timeout=10000)
    labs = queries.list_dicts(w.ctx.store, m.LabResult)
    assert sorted(r["test"] for r in labs) == ["hb", "platelets"]
    assert w.ctx.undo_stack.undoText() == "Import 2 lab results from portal.csv"
    w.ctx.undo_stack.undo()
    assert queries.list_dicts(w.ctx.store, m.LabResult) == []


def test_unreadable_portal_file_is_a_plain_message(window, qtbot, tmp_path, monkeypatch):
    w, controller = window
    controller.create_path(tmp_path / "a.sqlite", "Jean")
    src = tmp_path / "broken.json"
    src.write_text('{"resourceType": "Patient"}')
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(src), ""))
    from journal.ui import interop_dialogs

    interop_dialogs.import_results(w, w.ctx)
    qtbot.waitUntil(lambda: bool(w.messages), timeout=10000)
    kind, title, text = w.messages[-1]
    assert (kind, title) == ("warning", "Nothing was imported")
    assert "not a Bundle" in text and "Traceback" not in text


@pytest.mark.parametrize("fmt", ["csv", "fhir"])
def test_export_as_csv_and_fhir(window, qtbot, tmp_path, monkeypatch, fmt):
    w, controller = window
    controller.create_path(tmp_path / "a.sqlite", "Jean")
    out = tmp_path / ("out.zip" if fmt == "csv" else "out.json")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    from journal.ui import interop_dialogs

    interop_dialogs.export_as(w, w.ctx, fmt)
    qtbot.waitUntil(lambda: bool(w.messages), timeout=10000)
    assert w.messages[-1][:2] == ("information", "Exported")
    if fmt == "csv":
        assert "treatment-journal/README.csv" in zipfile.ZipFile(out).namelist()
    else:
        assert json.loads(out.read_text())["resourceType"] == "Bundle"


def test_a_suggested_medicine_opens_the_regimen_form_filled_in(qtbot, ctx, monkeypatch):
    bundle = {
        "resourceType": "Bundle",
        "entry": [
            {
                "resource": {
                    "resourceType": "MedicationStatement",
                    "medicationCodeableConcept": {"text": "Pomalidomide"},
                    "effectivePeriod": {"start": "2024-01-02", "end": "2024-05-30"},
                }
            },
            {
                "resource": {
                    "resourceType": "Procedure",
                    "code": {"text": "Marrow biopsy"},
                    "performedDateTime": "2024-02-01",
                }
            },
        ],
    }
    preview = read_results(json.dumps(bundle), "p.json", [])
    from journal.ui import interop_dialogs
    from journal.ui.editors import RecordEditor

    opened = []

    def fake_exec(dlg):
        opened.append(dlg)
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(RecordEditor, "exec", fake_exec)
    dlg = interop_dialogs.ResultsPreviewDialog(preview, None, ctx)
    qtbot.addWidget(dlg)
    assert not dlg.add_suggestion.isEnabled()
    dlg.suggestion_table.selectRow(0)
    assert dlg.add_suggestion.isEnabled()
    dlg.add_suggestion.click()
    reg = opened[-1]
    assert reg.is_new and reg.row["name"] == "Pomalidomide"
    assert (reg.row["start"], reg.row["end"]) == ("2024-01-02", "2024-05-30")
    assert reg.search.text() == "Pomalidomide"
    dlg.suggestion_table.selectRow(1)
    dlg.add_suggestion.click()
    proc = opened[-1]
    assert proc.row["kind"] == "other" and proc.row["notes"] == "Marrow biopsy"
    assert queries.list_dicts(ctx.store, m.Regimen) == []  # nothing added by itself


def test_csv_and_fhir_exports_of_an_encrypted_journal_say_once_they_are_plain(
    window, qtbot, tmp_path, monkeypatch
):
    w, controller = window
    controller.create_path(tmp_path / "e.sqlite", "Jean", passphrase="a long passphrase 1")
    assert w.ctx.store.key is not None
    from journal.ui import interop_dialogs

    for fmt in ("csv", "fhir"):
        out = tmp_path / f"out-{fmt}"
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, o=out, **k: (str(o), ""))
        interop_dialogs.export_as(w, w.ctx, fmt)
        qtbot.waitUntil(lambda o=out: o.exists(), timeout=10000)
        qtbot.waitUntil(lambda: w.messages[-1][1] == "Exported", timeout=10000)
    titles = [m[1] for m in w.messages]
    assert titles.count("Exports are not encrypted") == 1  # shown before the first only
    assert titles.index("Exports are not encrypted") < titles.index("Exported")
