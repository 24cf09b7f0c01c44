"""Standard shortcuts (Ctrl+F, Ctrl+P, F1), the shortcut list, files dropped on the
window, and the plain message for an unexpected error."""

from __future__ import annotations

import sys

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from journal.services.files import build_demo_file
from journal.store.db import open_journal
from journal.store.exchange import dumps, export_journal


def test_ctrl_f_focuses_find_on_a_list_page(window, qtbot, tmp_path):
    w, controller = window
    controller.create_path(tmp_path / "j.sqlite", None)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)
    w.go_to(4)  # Side effects
    qtbot.keyClick(w.focusWidget() or w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    focused = QApplication.focusWidget()
    assert isinstance(focused, QLineEdit) and focused.objectName() == "find"
    assert focused.accessibleName() == "Find in Side effects"
    # Alt+F stays the File menu's: the Find label no longer claims it.
    labels = [a.text() for a in w.menuBar().actions()]
    assert "&File" in labels


def test_shortcut_list_names_the_standard_keys(window):
    w, _ = window
    rows = dict(w.shortcut_rows())
    assert "Ctrl+P" in rows and rows["Ctrl+P"].startswith("Print summary")
    assert "Ctrl+F" in rows and rows["Ctrl+F"].startswith("Find")
    assert "F1" in rows and "words mean" in rows["F1"]
    assert "Ctrl+Z" in rows
    assert all("&" not in what for what in rows.values())


def test_ctrl_p_opens_the_print_dialog_of_the_summary(window, qtbot, tmp_path, monkeypatch):
    w, controller = window
    controller.create_path(tmp_path / "j.sqlite", None)
    from journal.ui import summary_view

    opened = []
    monkeypatch.setattr(summary_view.SummaryView, "print_dialog", lambda self: opened.append(self))
    assert w.print_action.isEnabled()
    w.print_action.trigger()
    assert len(opened) == 1
    assert w.nav.currentItem().text() == "Summary"


def _drop(w, path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    ev = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    w.dropEvent(ev)


def test_dropping_a_journal_opens_it_and_an_export_imports_it(window, qtbot, tmp_path, monkeypatch):
    w, controller = window
    demo = tmp_path / "demo.sqlite"
    build_demo_file(demo)
    _drop(w, demo)
    assert w.ctx is not None and w.ctx.path == demo

    with open_journal(demo, readonly=True) as s:
        text = dumps(export_journal(s))
    exported = tmp_path / "export.json"
    exported.write_text(text)
    imported = []
    monkeypatch.setattr(controller, "import_journal", lambda src=None: imported.append(src))
    _drop(w, exported)
    assert imported == [str(exported)]

    junk = tmp_path / "notes.json"
    junk.write_text('{"hello": 1}')
    _drop(w, junk)
    assert w.messages[-1][0] == "warning" and "notes.json" in w.messages[-1][2]


def test_unexpected_error_in_the_window_is_a_plain_message(window, monkeypatch, tmp_path):
    from journal.ui import app

    try:
        raise RuntimeError("secret Revlimid detail")
    except RuntimeError:
        app._show_unexpected(*sys.exc_info())
    kind, _title, text = window[0].messages[-1]
    assert kind == "warning"
    assert "Everything you had saved is safe" in text
    assert "Revlimid" not in text and "Traceback" not in text


def test_dropping_a_trial_record_brings_it_to_the_trials_page(window, qtbot, tmp_path):
    import json

    w, controller = window
    controller.create_path(tmp_path / "j.sqlite", None)
    w.show()
    qtbot.waitExposed(w)
    record = {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT09999999", "briefTitle": "A made-up study"},
            "eligibilityModule": {
                "eligibilityCriteria": "Inclusion Criteria:\n\n* Age 18 or older\n"
            },
        }
    }
    path = tmp_path / "study.json"
    path.write_text(json.dumps(record))
    _drop(w, path)
    assert w.nav.currentItem().text() == "Trials"
    page = w.stack.currentWidget().page()
    assert getattr(page, "last_error", None) is None
    qtbot.waitUntil(lambda: page.current_nct() == "NCT09999999", timeout=10000)


def test_no_two_menu_items_share_a_key(window, tmp_path):
    from collections import Counter

    w, controller = window
    controller.create_path(tmp_path / "j.sqlite", None)
    keys = Counter()
    for keys_text, _what in w.shortcut_rows():
        for k in keys_text.split(" or "):
            keys[k] += 1
    shared = {k: n for k, n in keys.items() if n > 1 and "Tab" not in k}
    assert shared == {}, shared
    rows = dict(w.shortcut_rows())
    assert rows["Ctrl+L"].startswith("Lock now")
    assert rows["Ctrl+T"].startswith("Add a line of therapy")


def test_summary_page_loads_its_modules_in_the_background_then_shows(
    window, qtbot, tmp_path, monkeypatch
):
    w, controller = window
    controller.create_path(tmp_path / "j.sqlite", None)
    # As in a fresh app: the Summary's modules not loaded yet.
    monkeypatch.delitem(sys.modules, "journal.ui.summary_view", raising=False)
    n = w.nav.row(w.nav.findItems("Summary", Qt.MatchFlag.MatchExactly)[0])
    w.go_to(n)
    first = w.page(n)
    assert not hasattr(first, "is_ready")  # says what will be there meanwhile
    qtbot.waitUntil(lambda: hasattr(w.page(n), "is_ready"), timeout=20000)
    view = w.page(n)
    assert w.stack.widget(n).page() is view
    qtbot.waitUntil(lambda: view.is_ready, timeout=20000)
    assert view.last_error is None
