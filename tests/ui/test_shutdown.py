"""Logout or shutdown goes through the normal close (issue 17, item 4): SIGTERM and
SIGHUP to the window, and the session manager's request, seal the journal and make the
on-close backup, exactly as closing the window does."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from journal.demo import build_demo
from journal.paths import backups_dir
from journal.store.db import create_journal

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _seal(path):
    c = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return c.execute("SELECT content_seal FROM journal_meta").fetchone()[0]
    finally:
        c.close()


def _on_close_backups(path):
    folder = backups_dir(path)
    return [p for p in folder.glob("*-on-close.sqlite")] if folder.is_dir() else []


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
def test_signal_closes_the_journal_like_the_window_does(tmp_path, sig):
    path = tmp_path / "j.sqlite"
    with create_journal(path, auto_backup=False) as s:
        build_demo(s)
    assert _seal(path)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "TREATMENT_JOURNAL_HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "journal", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        while _seal(path) is not None:  # the seal is cleared once the app has it open
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the window never opened the journal"
            time.sleep(0.1)
        time.sleep(1.0)  # let the window finish starting
        # A change, as if the person had typed it, so the close must back it up.
        c = sqlite3.connect(path)
        c.execute(
            "INSERT INTO note (date, kind, text, include_in_summary) VALUES ('2026-01', 'note', 'x', 0)"
        )
        c.commit()
        c.close()
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, proc.stderr.read().decode()
    assert _seal(path), "closed without its content seal"
    assert _on_close_backups(path), "closed without the on-close backup"


def test_logout_request_closes_the_journal_through_the_window(qapp, tmp_path, settings):
    from journal.ui import app as app_module

    path = tmp_path / "j.sqlite"
    create_journal(path, auto_backup=False).close()
    window, _controller = app_module.build_window(settings, path=str(path))
    from PySide6.QtCore import SIGNAL

    signal_name = SIGNAL("commitDataRequest(QSessionManager&)")
    before = qapp.receivers(signal_name)
    close = app_module.install_shutdown_handlers(qapp, window, signals=False)
    assert qapp.receivers(signal_name) == before + 1  # the logout request reaches it
    window.show()
    assert window.ctx is not None and _seal(path) is None
    close()  # what the session manager's "save your work, we are logging out" runs
    assert window.ctx is None
    assert _seal(path), "the logout request did not close the journal cleanly"
