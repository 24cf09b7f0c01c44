"""Background work with progress and cancel; accessible names on every control."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QTableView,
    QWidget,
)

from journal.ui.editors import RecordEditor
from journal.ui.kinds import KINDS
from journal.ui.tasks import run_task


def test_task_runs_off_the_ui_thread_and_reports(qtbot):
    ui_thread = threading.get_ident()
    seen = {}

    def work(control):
        seen["thread"] = threading.get_ident()
        control.report(1, 2, "half way")
        return 42

    results = []
    run_task(None, "Working", work, on_done=results.append)
    qtbot.waitUntil(lambda: results == [42], timeout=5000)
    assert seen["thread"] != ui_thread


def test_cancel_discards_result_and_is_seen_by_the_work(qtbot):
    gate = threading.Event()
    saw_cancel = []

    def work(control):
        gate.wait(5)
        saw_cancel.append(control.cancelled)
        return "late"

    results = []
    control = run_task(None, "Working", work, on_done=results.append)
    control.cancel()
    gate.set()
    qtbot.waitUntil(lambda: saw_cancel == [True], timeout=5000)
    qtbot.wait(50)
    assert results == []


def test_errors_come_back_to_the_ui_thread(qtbot):
    errors = []

    def work(_control):
        raise ValueError("disk full")

    run_task(None, "Working", work, on_error=errors.append)
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=5000)
    assert str(errors[0]) == "disk full"


_CONTROLS = (QLineEdit, QComboBox, QPlainTextEdit, QAbstractButton, QListWidget, QTableView)


def _unnamed(root) -> list[str]:
    missing = []
    for w in root.findChildren(QWidget):
        if not isinstance(w, _CONTROLS):
            continue
        if w.objectName().startswith("qt_") or not w.focusPolicy():
            continue
        if isinstance(w, QLineEdit) and isinstance(w.parent(), QComboBox):
            continue
        if not (w.accessibleName() or (isinstance(w, QAbstractButton) and w.text())):
            missing.append(f"{type(w).__name__} {w.objectName()!r}")
    return missing


@pytest.mark.parametrize("key", sorted(KINDS))
def test_every_editor_control_has_an_accessible_name(qtbot, ctx, key):
    from journal.ui.lists import editor_class

    dlg = editor_class(KINDS[key])(ctx, KINDS[key], None, None)
    qtbot.addWidget(dlg)
    assert _unnamed(dlg) == []
    assert isinstance(dlg, RecordEditor)


def test_every_page_control_has_an_accessible_name(qtbot, settings, tmp_path):
    from journal.ui.app import build_window

    w, controller = build_window(settings)
    qtbot.addWidget(w)
    controller.create_path(tmp_path / "j.sqlite", None)
    for i in range(w.nav.count()):
        w.go_to(i)
    assert _unnamed(w.centralWidget()) == []


def test_the_accessibility_check_catches_an_unnamed_field(qtbot):
    box = QWidget()
    qtbot.addWidget(box)
    QLineEdit(box)
    named = QLineEdit(box)
    named.setAccessibleName("Named")
    assert _unnamed(box) == ["QLineEdit ''"]


def test_workers_never_collect_garbage(qtbot):
    import gc

    states = []

    def work(_control):
        states.append(gc.isenabled())  # a collection here could destroy UI-thread Qt objects
        return 1

    done = []
    was = gc.isenabled()
    run_task(None, "Working", work, on_done=done.append, progress=False)
    qtbot.waitUntil(lambda: done == [1], timeout=5000)
    assert states == [False]
    assert gc.isenabled() == was  # restored afterwards
