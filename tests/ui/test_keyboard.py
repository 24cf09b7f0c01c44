"""Keyboard only: reach a list, add a record in its editor, save with Enter, undo with Ctrl+Z."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QPushButton

from journal.services import queries
from journal.store import models as m


def test_add_a_question_and_undo_with_the_keyboard_alone(qtbot, settings, tmp_path):
    from journal.ui.app import build_window, make_app

    make_app(["test"])
    w, controller = build_window(settings)
    qtbot.addWidget(w)
    controller.create_path(tmp_path / "j.sqlite", None)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)
    w.nav.setFocus()

    qtbot.keyClick(w.nav, Qt.Key.Key_7, Qt.KeyboardModifier.ControlModifier)  # Notes & questions
    assert w.nav.currentItem().text() == "Notes & questions"
    # Tab from the navigation into the page until the "Add question..." button has focus.
    for _ in range(30):
        qtbot.keyClick(w.focusWidget(), Qt.Key.Key_Tab)
        f = w.focusWidget()
        if isinstance(f, QPushButton) and f.text().replace("&", "") == "Add question...":
            break
    else:
        raise AssertionError("the Add button cannot be reached with Tab")

    seen = {}

    def fill_dialog():
        dlg = QApplication.activeModalWidget()
        try:
            seen["title"] = dlg.windowTitle()
            field = dlg.focusWidget()
            seen["first_field"] = field.accessibleName()
            qtbot.keyClicks(field, "Can we space out the doses?")
            qtbot.keyClick(field, Qt.Key.Key_Tab)
            qtbot.keyClicks(dlg.focusWidget(), "1 Nov 2026")
            qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Return)  # Save is the default
        except BaseException as exc:  # reported after the dialog closes
            seen["error"] = repr(exc)
        finally:
            if dlg is not None and dlg.isVisible():  # never leave the test hanging
                seen["left_open"] = (
                    getattr(dlg, "top_error", dlg).text() if hasattr(dlg, "top_error") else True
                )
                dlg.reject()

    QTimer.singleShot(100, fill_dialog)
    qtbot.keyClick(w.focusWidget(), Qt.Key.Key_Space)
    assert seen == {"title": "Add question", "first_field": "Question for the next visit"}
    rows = queries.list_rows(w.ctx.store, m.Question)
    assert [(q.text, q.created) for q in rows] == [("Can we space out the doses?", "2026-11-01")]

    w.activateWindow()  # offscreen Qt does not hand activation back after a dialog
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)
    assert w.undo_action.text() == "&Undo Add question Can we space out the doses?"
    qtbot.keyClick(w.focusWidget(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert queries.list_rows(w.ctx.store, m.Question) == []
    qtbot.keyClick(w.focusWidget(), Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert len(queries.list_rows(w.ctx.store, m.Question)) == 1
