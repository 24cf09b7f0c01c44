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


@pytest.fixture
def window_collection():
    """The window's own garbage collection (as ``journal.ui.app.main`` sets it up)."""
    from journal.ui import tasks

    tasks.collect_garbage_on_ui_thread_only(interval_ms=10)
    yield tasks._UI_GC[0]
    tasks.stop_collecting_on_ui_thread()


class _Cycle:
    def __init__(self):
        self.me = self


def test_the_window_collects_young_garbage_on_the_ui_thread_while_workers_run(
    qtbot, window_collection
):
    import gc

    threads = []

    def note(phase, _info):
        if phase == "start":
            threads.append(threading.current_thread() is threading.main_thread())

    gate = threading.Event()
    made = []

    def work(_control):
        for _ in range(50):  # cyclic garbage, a worker's drawing leaves plenty
            for _ in range(1000):
                _Cycle()
            made.append(1)
            gate.wait(0.01)
        gate.wait(5)
        return 1

    done = []
    gc.callbacks.append(note)
    try:
        run_task(None, "Working", work, on_done=done.append, progress=False)
        qtbot.waitUntil(lambda: len(made) == 50, timeout=10000)
        assert threads, "nothing was collected while the worker ran"
        gate.set()
        qtbot.waitUntil(lambda: done == [1], timeout=5000)
    finally:
        gc.callbacks.remove(note)
    assert all(threads)  # never on the worker: it could destroy the UI thread's objects
    assert not gc.isenabled()  # the worker's pause did not turn automatic collection on


def test_a_full_collection_waits_for_a_quiet_moment(qtbot, window_collection, monkeypatch):
    import gc
    import weakref

    monkeypatch.setattr(window_collection, "MIN_GROWTH", 1000)
    monkeypatch.setattr(window_collection, "quiet_ticks_needed", 5)  # 50 ms of quiet
    fulls = []

    def note(phase, info):
        if phase == "start" and info["generation"] == 2:
            fulls.append(1)

    old = [_Cycle() for _ in range(5000)]
    gc.collect(1)  # promoted to the old generation, as a drawing kept for a while is
    probe = weakref.ref(old[0])
    del old
    gc.callbacks.append(note)
    try:
        gate = threading.Event()
        run_task(None, "Working", lambda _c: gate.wait(5), progress=False)
        qtbot.wait(300)
        assert probe() is not None and not fulls  # busy: only the young are collected
        gate.set()
        qtbot.waitUntil(lambda: probe() is None, timeout=5000)  # quiet: the old ones too
    finally:
        gc.callbacks.remove(note)
    assert fulls


def test_long_lived_objects_are_set_aside_until_the_journal_closes(qtbot, window_collection):
    import gc

    from journal.ui.tasks import freeze_long_lived, unfreeze_long_lived

    freeze_long_lived()
    assert gc.get_freeze_count() > 0  # the modules, the history, the pages
    unfreeze_long_lived()
    assert gc.get_freeze_count() == 0  # a closed journal's objects can be freed


def test_the_window_sets_a_journals_objects_aside_once_its_facts_are_shown(
    qtbot, settings, tmp_path, window_collection
):
    import gc

    from journal.ui.app import build_window

    w, controller = build_window(settings)
    qtbot.addWidget(w)
    controller.create_path(tmp_path / "j.sqlite", None)
    qtbot.waitUntil(lambda: getattr(w.page(0), "ready", False), timeout=20000)
    # After the chart modules are loaded in the background: then set aside.
    qtbot.waitUntil(lambda: gc.get_freeze_count() > 0, timeout=20000)
    w.set_context(None)  # the journal is closed: its objects can be freed again
    assert gc.get_freeze_count() == 0


def test_no_full_collection_is_forced_while_a_worker_builds(qtbot, window_collection, monkeypatch):
    """Memory far beyond the last full pass forces one, but not in the middle of a
    worker's job (what it made is alive until it is done): once the worker is done."""
    import gc
    import time

    monkeypatch.setattr(window_collection, "MAX_GROWTH", 1000)
    monkeypatch.setattr(window_collection, "blocks", 0)  # "grown" far beyond MAX_GROWTH
    fulls = []

    def note(phase, info):
        if phase == "start" and info["generation"] == 2:
            fulls.append(1)

    gc.callbacks.append(note)
    try:
        gate = threading.Event()

        def work(_c):
            junk = []
            while not gate.is_set():  # young objects: the UI thread's ticks collect them
                junk.append([_Cycle() for _ in range(2000)])
                time.sleep(0.005)
            return len(junk)

        run_task(None, "Working", work, progress=False)
        qtbot.wait(300)
        assert not fulls
        gate.set()
        qtbot.waitUntil(lambda: bool(fulls), timeout=5000)
    finally:
        gate.set()
        gc.callbacks.remove(note)
