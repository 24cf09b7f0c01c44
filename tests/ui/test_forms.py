"""Forms: Enter saves, rarely known fields folded away, end-before-start shown at once,
and nothing typed is lost on Escape, Cancel or closing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLineEdit

from journal.services import queries
from journal.store import models as m
from journal.ui import unsaved
from journal.ui.editors import FOLDED, RecordEditor
from journal.ui.kinds import KINDS
from journal.ui.lists import editor_class


def _show(qtbot, dlg):
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.activateWindow()
    qtbot.waitUntil(dlg.isActiveWindow, timeout=2000)
    return dlg


@pytest.mark.parametrize("key", [k for k in KINDS if k != "override"])
def test_enter_in_a_field_saves_every_form(qtbot, ctx, key):
    kind = KINDS[key]
    dlg = _show(qtbot, editor_class(kind)(ctx, kind, None))
    field = next(
        w if isinstance(w, QLineEdit) else w.line
        for w in dlg.widgets.values()
        if isinstance(w, QLineEdit) or hasattr(w, "line")
    )
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_Return)
    if key == "lab":  # the blood-test grid: Enter goes on to the first result, as in a
        first = next(iter(dlg.value_edits.values()))  # spreadsheet; Ctrl+Enter saves
        assert dlg.focusWidget() is first
        qtbot.keyClick(first, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    # Saved, or (when something needed is missing) a message instead: never nothing.
    assert not dlg.isVisible() or dlg.top_error.isVisible(), key


def test_ctrl_enter_saves_where_enter_means_something_else(qtbot, ctx):
    dlg = _show(qtbot, RecordEditor(ctx, KINDS["note"]))
    qtbot.keyClicks(dlg.widgets["date"].line, "May 2024")
    dlg.widgets["text"].setFocus()
    qtbot.keyClicks(dlg.widgets["text"], "line one")
    qtbot.keyClick(dlg.widgets["text"], Qt.Key.Key_Return)  # a new line in a long text
    assert dlg.isVisible()
    qtbot.keyClick(dlg.widgets["text"], Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert not dlg.isVisible()
    assert queries.list_rows(ctx.store, m.Note)[0].text == "line one"


def test_rarely_known_fields_are_folded_and_open_when_needed(qtbot, ctx):
    dlg = _show(qtbot, RecordEditor(ctx, KINDS["regimen"]))
    assert "trial_id" in FOLDED["regimen"]
    assert not dlg.widgets["trial_id"].isVisible() and dlg.widgets["start"].isVisible()
    qtbot.mouseClick(dlg.more_button, Qt.MouseButton.LeftButton)
    assert dlg.widgets["trial_id"].isVisible()
    # an existing record with something in a folded field shows it at once
    ed = _show(
        qtbot,
        RecordEditor(
            ctx, KINDS["regimen"], {"id": 5, "name": "X", "start": "2020", "trial_id": "NCT1"}
        ),
    )
    assert ed.widgets["trial_id"].isVisible()
    # and a message about a folded field unfolds it
    ed2 = _show(qtbot, RecordEditor(ctx, KINDS["regimen"]))
    ed2.show_errors({"line_override": "Must be at most 40."})
    assert ed2.widgets["line_override"].isVisible()


def test_end_before_start_is_shown_as_soon_as_both_are_filled(qtbot, ctx):
    dlg = _show(qtbot, RecordEditor(ctx, KINDS["side_effect"]))
    qtbot.keyClicks(dlg.widgets["onset"].line, "June 2019")
    err = dlg.errors["resolved"]
    assert not err.isVisible()
    qtbot.keyClicks(dlg.widgets["resolved"].line, "2018")
    assert err.isVisible() and "before the start" in err.text()
    assert err.property("role") == "error"
    dlg.widgets["resolved"].line.setText("2020")
    assert not err.isVisible()


def _answer(monkeypatch, answer):
    asked = []
    monkeypatch.setattr(unsaved, "ask_unsaved", lambda parent, title: asked.append(title) or answer)
    return asked


def test_escape_with_changes_asks_and_keep_editing_keeps_everything(qtbot, ctx, monkeypatch):
    dlg = _show(qtbot, RecordEditor(ctx, KINDS["question"]))
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Escape)  # nothing typed: closes quietly
    assert not dlg.isVisible()
    dlg = _show(qtbot, RecordEditor(ctx, KINDS["question"]))
    qtbot.keyClicks(dlg.widgets["text"], "Ask about the scan")
    asked = _answer(monkeypatch, unsaved.KEEP)
    qtbot.keyClick(dlg.widgets["text"], Qt.Key.Key_Escape)
    assert asked == ["Add question"] and dlg.isVisible()
    assert dlg.widgets["text"].text() == "Ask about the scan"
    _answer(monkeypatch, unsaved.DISCARD)
    dlg.close()  # the window's close button
    assert not dlg.isVisible()
    assert queries.list_rows(ctx.store, m.Question) == []


def test_cancel_with_changes_can_save(qtbot, ctx, monkeypatch):
    dlg = _show(qtbot, RecordEditor(ctx, KINDS["question"]))
    qtbot.keyClicks(dlg.widgets["text"], "Ask about the scan")
    qtbot.keyClicks(dlg.widgets["created"].line, "1 Mar 2024")
    _answer(monkeypatch, unsaved.SAVE)
    dlg.reject()  # Cancel
    assert not dlg.isVisible()
    assert [q.text for q in queries.list_rows(ctx.store, m.Question)] == ["Ask about the scan"]


def test_save_answer_with_a_problem_stays_open(qtbot, ctx, monkeypatch):
    dlg = _show(qtbot, RecordEditor(ctx, KINDS["question"]))
    qtbot.keyClicks(dlg.widgets["text"], "Ask about the scan")  # date still missing
    _answer(monkeypatch, unsaved.SAVE)
    dlg.reject()
    assert dlg.isVisible() and dlg.top_error.isVisible()


def test_closing_the_main_window_with_an_open_form_asks(qtbot, ctx, settings, monkeypatch):
    from journal.ui.main_window import MainWindow

    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.set_context(ctx)
    w.show()
    dlg = RecordEditor(ctx, KINDS["question"], None, w)
    dlg.show()
    qtbot.keyClicks(dlg.widgets["text"], "Half typed")
    asked = _answer(monkeypatch, unsaved.KEEP)
    w.close()
    assert asked == ["Add question"]
    assert w.isVisible() and dlg.isVisible()
    _answer(monkeypatch, unsaved.DISCARD)
    w.close()
    assert not w.isVisible()


def test_the_real_question_offers_save_discard_keep_editing(qtbot, monkeypatch):
    monkeypatch.undo()  # the conftest answer off: look at the real message box
    from PySide6.QtWidgets import QMessageBox, QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    seen = {}

    def look():
        box = QApplication.activeModalWidget()
        seen["buttons"] = [b.text() for b in box.findChildren(type(box.defaultButton()))]
        seen["default"] = box.defaultButton().text()
        box.defaultButton().click()

    QTimer.singleShot(50, look)
    assert unsaved.ask_unsaved(parent, "Add question") == unsaved.KEEP
    assert {"Save", "Discard", "Keep editing"} <= set(seen["buttons"])
    assert seen["default"] == "Keep editing"
    assert QMessageBox  # the question is a plain message box
