"""Fixtures for the desktop app tests: a fresh journal per test, a demo journal built
once per session and copied, settings in a temp file (never the real user's)."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import QSettings

from journal.store.db import create_journal, open_journal
from journal.ui.settings import Settings


@pytest.fixture(autouse=True)
def _private_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TREATMENT_JOURNAL_HOME", str(tmp_path / "home"))


@pytest.fixture
def settings(tmp_path):
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def store(make_store):
    # As the app opens a journal: automatic backups and the commit count on.
    return make_store(auto_backup=True)


@pytest.fixture
def ctx(qapp, store, settings):
    from journal.ui.context import JournalContext

    c = JournalContext(store, settings)
    yield c
    c.undo_stack.clear()


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory):
    demo = pytest.importorskip("journal.demo")
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    s = create_journal(path, auto_backup=False)
    demo.build_demo(s)
    s.close()
    return path


@pytest.fixture
def demo_store(demo_master, tmp_path):
    target = tmp_path / "demo.sqlite"
    shutil.copy(demo_master, target)
    s = open_journal(target)
    yield s
    s.close()


@pytest.fixture
def demo_ctx(qapp, demo_store, settings):
    from journal.ui.context import JournalContext

    c = JournalContext(demo_store, settings)
    yield c
    c.undo_stack.clear()


@pytest.fixture(autouse=True)
def _unsaved_forms_discard_at_teardown(monkeypatch):
    """pytest-qt closes every widget after a test; a form with changes would then wait for
    an answer to "Save / Discard / Keep editing" forever. Tests that check the question
    replace this answer with their own."""
    monkeypatch.setattr("journal.ui.unsaved.ask_unsaved", lambda parent, title: "discard")


@pytest.fixture
def window(qtbot, settings, monkeypatch):
    """A main window with its controller; message boxes are recorded in ``w.messages``
    as (kind, title, text) instead of being shown."""
    from PySide6.QtWidgets import QMessageBox

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
