"""The Summary preview keeps painting after the worker that laid it out is gone.

The preview's pages are laid out on a pool thread and painted on the UI thread. Qt's
text layouts remember the font engines they were shaped with, and those belong to the
font cache of the thread that made them: Qt frees that cache when the thread ends, as
the pool's idle threads do after 30 s. Reading a summary for half a minute and then
scrolling it crashed the app (a segmentation fault in ``QTextDocumentLayout::draw``).

A crash would take the test process with it, so the scenario runs in a child process
and the test asserts that it ended cleanly.
"""

from __future__ import annotations

import shutil

import pytest

SCENARIO = r"""
import sys, time
from PySide6.QtCore import QSettings, QThreadPool
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication

app = QApplication([])
from journal.store.db import open_journal
from journal.ui.context import JournalContext
from journal.ui.settings import Settings
from journal.ui.summary_view import SummaryView

journal_path, settings_path = sys.argv[1:3]
store = open_journal(journal_path)
settings = Settings(QSettings(settings_path, QSettings.Format.IniFormat))
view = SummaryView(JournalContext(store, settings))
view.resize(900, 700)
view.show()
deadline = time.monotonic() + 60
while not view.is_ready and time.monotonic() < deadline:
    app.processEvents()
    time.sleep(0.01)
assert view.is_ready and view.last_error is None, view.last_error
count = view.page_count()
assert count >= 4, count

# What the pool does to a thread idle for 30 s, at once: every worker ends, and with it
# the font cache of the thread that laid the pages out.
QThreadPool.globalInstance().waitForDone()

# A person scrolls through the summary: every page is painted on the UI thread.
bar = view.preview.verticalScrollBar()
for value in range(0, bar.maximum() + bar.pageStep(), bar.pageStep()):
    bar.setValue(value)
    view.preview.viewport().grab()
scene = view.preview.scene()
image = QImage(400, 600, QImage.Format.Format_ARGB32)
image.fill(0)
painter = QPainter(image)
scene.render(painter)
painter.end()
assert view.preview.painted == set(range(count)), (sorted(view.preview.painted), count)
print("painted", count, "pages")
view.close()
store.close()
"""


@pytest.mark.slow  # a child process with the window's modules and the demo summary
def test_preview_paints_after_its_layout_thread_ended(demo_master, tmp_path, run_scenario):
    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_master, path)
    done = run_scenario(SCENARIO, str(path), str(tmp_path / "s.ini"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "painted" in done.stdout
