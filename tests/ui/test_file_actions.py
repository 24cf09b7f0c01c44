"""File menu: demo journal, back up, check, export and import (in the background)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QFileDialog

from journal.services import actions, queries
from journal.store import models as m


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


def test_open_demo_builds_it_in_the_background_without_backups(window, qtbot):
    from journal.paths import BACKUPS_DIR_NAME
    from journal.ui.app import demo_path

    w, controller = window
    controller.open_demo()
    qtbot.waitUntil(lambda: w.ctx is not None, timeout=60000)
    assert w.ctx.path == demo_path()
    assert len(queries.list_rows(w.ctx.store, m.Regimen)) >= 5
    folder = demo_path().parent
    assert not (folder / BACKUPS_DIR_NAME).exists()  # building made no backup
    assert [p.name for p in folder.iterdir() if "building" in p.name] == []


@pytest.mark.parametrize(
    "content",
    [b'{"format": "treatment-journal", "version": 1, "records": {', b"\xff\xfe not text"],
    ids=["cut-short", "not-utf8"],
)
def test_malformed_import_file_gives_the_exchange_message(
    window, qtbot, tmp_path, monkeypatch, content
):
    from journal.store.exchange import ExchangeError, read_file

    w, controller = window
    src = tmp_path / "bad.json"
    src.write_bytes(content)
    with pytest.raises(ExchangeError) as expected:
        read_file(src)
    before = sorted(p.name for p in tmp_path.iterdir())
    dest = tmp_path / "new.sqlite"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(src), ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(dest), ""))
    controller.import_journal()
    qtbot.waitUntil(lambda: bool(w.messages), timeout=10000)
    assert w.messages[-1] == (
        "warning",
        "Import failed",
        f"Nothing was imported.\n\n{expected.value}",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no journal, lock or backup
    assert w.ctx is None


def test_demo_that_cannot_be_built_leaves_no_file(window, qtbot, monkeypatch):
    import errno

    import journal.demo
    from journal.ui.app import demo_path

    def no_space(_store):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal.demo, "build_demo", no_space)
    w, controller = window
    controller.open_demo()
    qtbot.waitUntil(lambda: bool(w.messages), timeout=10000)
    kind, title, text = w.messages[-1]
    assert (kind, title) == ("warning", "Demo journal")
    assert text == (
        "Your computer's disk is full, so the demo journal could not be made. "
        "Free some space and try again."
    )
    assert w.ctx is None
    assert sorted(p.name for p in demo_path().parent.iterdir()) == []
