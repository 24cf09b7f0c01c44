"""File menu: demo journal, back up, check, export and import (in the background)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from journal.services import actions, queries
from journal.store import models as m


@pytest.fixture
def window(qtbot, settings, monkeypatch):
    from journal.ui.app import build_window, make_app

    make_app(["test"])
    w, controller = build_window(settings)
    qtbot.addWidget(w)
    messages = []
    for kind in ("information", "warning"):
        monkeypatch.setattr(
            QMessageBox,
            kind,
            lambda _p, title, text, *a, k=kind, **kw: messages.append((k, title, text)),
        )
    w.messages = messages
    return w, controller


def test_export_then_import_into_a_new_journal(window, qtbot, tmp_path, monkeypatch):
    w, controller = window
    controller.create_path(tmp_path / "a.sqlite", "Jean")
    w.ctx.apply(
        actions.add_regimen,
        m.Regimen(name="VRd", start="2019-05"),
        [m.RegimenDrug(drug_id="bortezomib", name="bortezomib")],
    )
    out = tmp_path / "export.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    controller.export_journal()
    qtbot.waitUntil(lambda: bool(w.messages), timeout=10000)
    assert w.messages[-1][:2] == ("information", "Exported")
    assert out.exists() and '"treatment-journal"' in out.read_text()

    dest = tmp_path / "b.sqlite"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(out), ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(dest), ""))
    controller.import_journal()
    qtbot.waitUntil(lambda: w.ctx is not None and w.ctx.path == dest, timeout=10000)
    assert [r.name for r in queries.list_rows(w.ctx.store, m.Regimen)] == ["VRd"]
    assert queries.person(w.ctx.store).display_name == "Jean"


def test_bad_import_leaves_nothing(window, qtbot, tmp_path, monkeypatch):
    w, controller = window
    src = tmp_path / "bad.json"
    src.write_text(
        '{"format": "treatment-journal", "version": 1, "records": {"regimen": [{"id": 1}]}}'
    )
    dest = tmp_path / "new.sqlite"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(src), ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(dest), ""))
    controller.import_journal()
    qtbot.waitUntil(lambda: bool(w.messages), timeout=10000)
    kind, title, text = w.messages[-1]
    assert (kind, title) == ("warning", "Import failed")
    assert text.startswith("Nothing was imported.")
    assert not dest.exists()


def test_backup_and_check(window, qtbot, tmp_path):
    from journal.store.backup import list_backups

    w, controller = window
    controller.create_path(tmp_path / "a.sqlite", None)
    controller.backup_now()
    qtbot.waitUntil(lambda: bool(w.messages), timeout=10000)
    assert w.messages[-1][:2] == ("information", "Backed up")
    assert list_backups(tmp_path / "a.sqlite")
    controller.check_journal()
    qtbot.waitUntil(lambda: len(w.messages) == 2, timeout=10000)
    kind, title, text = w.messages[-1]
    assert (kind, title) == ("information", "Journal check")
    assert "no problems found" in text


def test_open_demo_builds_it_in_the_background(window, qtbot):
    from journal.ui.app import demo_path

    w, controller = window
    controller.open_demo()
    qtbot.waitUntil(lambda: w.ctx is not None, timeout=60000)
    assert w.ctx.path == demo_path()
    assert len(queries.list_rows(w.ctx.store, m.Regimen)) >= 5
