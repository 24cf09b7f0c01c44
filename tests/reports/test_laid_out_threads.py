"""Pages laid out on a worker thread paint on the UI thread after that worker has ended.

``lay_out(..., to_thread=...)`` is how the window's Summary preview gets its pages: laid
out on a pool thread, painted on the UI thread whenever a page comes into view. Qt frees
a thread's font engines when the thread ends (the pool ends idle threads after 30 s),
and painting then crashed; the scenario runs in a child process so that a crash fails
the test instead of ending the test run.
"""

from __future__ import annotations

SCENARIO = r"""
from PySide6.QtCore import QThread
from PySide6.QtGui import QGuiApplication, QImage, QPainter

app = QGuiApplication([])
from journal.reports.document import Document
from journal.reports.qt_backend import lay_out

doc = Document(title="Long report")
for i in range(60):
    doc.heading(2, f"Part {i}")
    doc.paragraph("Words laid out on the worker and painted on the UI thread. " * 6)
    if i % 10 == 0:
        doc.table(["Date", "Value"], [[f"2026-01-{d:02d}", str(d * 1.5)] for d in range(1, 25)])

ui_thread = QThread.currentThread()
laid = []


class Worker(QThread):
    def run(self):
        laid.append(lay_out(doc, "A4", to_thread=ui_thread))


worker = Worker()
worker.start()
worker.wait()  # ended: Qt has freed the fonts it used
del worker
assert laid and laid[0].page_count >= 4, laid
image = QImage(1240, 1754, QImage.Format.Format_ARGB32)
for i in range(laid[0].page_count):
    image.fill(0xFFFFFFFF)
    painter = QPainter(image)
    painter.scale(0.5, 0.5)
    laid[0].paint_page(painter, i)
    painter.end()
print("painted", laid[0].page_count, "pages")
"""


def test_pages_laid_out_on_an_ended_thread_still_paint(run_scenario):
    done = run_scenario(SCENARIO)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "painted" in done.stdout
