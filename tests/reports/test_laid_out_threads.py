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


def test_a_long_report_laid_out_on_a_worker_pauses_between_its_qt_calls(
    qapp, long_doc, monkeypatch
):
    """Each Qt call holds Python's lock throughout (PySide6): between them the worker
    pauses now and then so the window gets the lock (journal.pacing)."""
    import threading

    from PySide6.QtCore import QThread

    from journal import pacing
    from journal.reports.document import Table
    from journal.reports.qt_backend import lay_out

    pauses: list[float] = []
    monkeypatch.setattr(pacing, "EVERY_S", 0.0)  # pause at every chance, to count them
    monkeypatch.setattr(pacing.time, "sleep", pauses.append)
    ui = QThread.currentThread()
    laid: list = []
    worker = threading.Thread(target=lambda: laid.append(lay_out(long_doc, "A4", to_thread=ui)))
    worker.start()
    worker.join()
    assert laid[0].page_count > 1
    # Pouring in each table and laying out each ten blocks are separate calls, each
    # followed by a chance to pause.
    tables = sum(isinstance(b, Table) for b in long_doc.blocks)
    assert tables > 0
    assert len(pauses) > tables
    pauses.clear()
    lay_out(long_doc, "A4")  # on the main thread (the command line's): never a pause
    assert pauses == []


def test_in_the_window_a_chart_is_drawn_by_the_worker_that_lays_the_report_out(qapp, monkeypatch):
    """In the window a chart drawn on a thread of its own beside the layout worker only
    took turns with it for Python's lock, and two busy threads kept the window waiting.
    The worker that needs the chart draws it, once, even when several ask at once."""
    import threading

    from PySide6.QtCore import QThread
    from PySide6.QtWidgets import QApplication

    from journal.reports import qt_backend
    from journal.reports.document import Document

    assert isinstance(qapp, QApplication)  # the window's kind of application
    drawn_on: list[str] = []
    real = qt_backend.chart_bytes

    def spy(chart):
        drawn_on.append(threading.current_thread().name)
        return real(chart)

    monkeypatch.setattr(qt_backend, "chart_bytes", spy)
    doc = Document(title="With a chart")
    doc.paragraph("Before the chart.")
    doc.chart(lambda fig: fig.add_subplot().plot([0, 1, 2], [1, 3, 2]), size=(6.0, 3.0))
    doc.paragraph("After the chart.")
    ui = QThread.currentThread()
    laid: list = []
    worker = threading.Thread(
        name="layout-worker",
        target=lambda: laid.append(qt_backend.lay_out(doc, "A4", to_thread=ui)),
    )
    worker.start()
    worker.join()
    assert drawn_on == ["layout-worker"]
    assert laid[0].chart_rects and laid[0].chart_rects[0][1].renderer is not None

    # Asked by two threads at once: drawn once, both get the same drawing.
    drawn_on.clear()
    chart = next(b for b in doc.blocks if type(b).__name__ == "Chart")
    future = qt_backend._chart_future(chart, "thread")
    got: list = []
    askers = [threading.Thread(target=lambda: got.append(future.result())) for _ in range(2)]
    for t in askers:
        t.start()
    for t in askers:
        t.join()
    assert len(drawn_on) == 1 and got[0] is got[1]


def test_laid_out_pages_keep_the_bytes_their_writer_writes_into(qapp):
    """QBuffer keeps a raw pointer to its bytes and Python no reference: the layout
    keeps them, so its writer never writes into freed memory."""
    import gc

    from journal.reports.document import Document
    from journal.reports.qt_backend import lay_out

    doc = Document(title="Short report")
    doc.paragraph("A few words.")
    laid = lay_out(doc, "A4")
    gc.collect()
    before = laid.data.size()
    assert laid.buffer.write(b"%written%") == len(b"%written%")
    assert laid.data.size() == before + len(b"%written%")
    assert bytes(laid.data).endswith(b"%written%")
