from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from journal.reports.document import Document
from journal.reports.qt_backend import build_qtextdocument, write_pdf


@pytest.fixture
def pdf_text(qapp, tmp_path, long_doc):
    out = tmp_path / "out.pdf"
    pages = write_pdf(long_doc, out)
    reader = PdfReader(out)
    assert len(reader.pages) == pages
    # pypdf reports word gaps as tabs; compare words, not spacing
    return [re.sub(r"[ \t]+", " ", p.extract_text()) for p in reader.pages]


def test_pdf_text_is_selectable_and_footer_counts_pages(pdf_text):
    n = len(pdf_text)
    assert n >= 4
    for i, text in enumerate(pdf_text, start=1):
        assert f"page {i} of {n}" in text
        assert "Jane Doe" in text  # header on every page
        assert "patient-kept record: verify with medical records" in text


def test_table_header_rows_repeat_on_every_page_the_table_spans(pdf_text):
    pages_with_rows = [t for t in pdf_text if re.search(r"row\d{3}", t)]
    assert len(pages_with_rows) >= 2
    for t in pages_with_rows:
        assert re.search(r"Date\s*Test\s*Value\s*Unit", t), t[:300]
    rows = [m for t in pdf_text for m in re.findall(r"row\d{3}", t)]
    assert sorted(rows) == [f"row{i:03d}" for i in range(160)]  # each row exactly once


def test_chart_is_vector_with_text_kept_as_text(pdf_text):
    assert any("Serum M-protein chartlabel" in t for t in pdf_text)


def test_page_break_starts_the_appendix_on_a_new_page(pdf_text):
    last = pdf_text[-1]
    assert "Appendix: notes" in last
    assert not re.search(r"row\d{3}", last)


def test_letter_size_is_used_when_asked(qapp, tmp_path):
    out = tmp_path / "letter.pdf"
    write_pdf(Document("t").paragraph("hello"), out, page_size="Letter")
    box = PdfReader(out).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    with pytest.raises(ValueError, match="A4 or Letter"):
        write_pdf(Document("t"), tmp_path / "x.pdf", page_size="A5")


def test_failed_write_leaves_existing_file_untouched(qapp, tmp_path, monkeypatch):
    out = tmp_path / "keep.pdf"
    out.write_bytes(b"old contents")

    def boom(*a, **k):
        raise RuntimeError("drawing failed")

    monkeypatch.setattr("journal.reports.qt_backend.paint_document", boom)
    with pytest.raises(RuntimeError):
        write_pdf(Document("t").paragraph("new"), out)
    assert out.read_bytes() == b"old contents"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.pdf"]


def test_unwritable_folder_gives_a_plain_message(qapp, tmp_path):
    with pytest.raises(OSError, match="Choose a folder you can save into"):
        write_pdf(Document("t").paragraph("x"), tmp_path / "missing" / "dir" / "x.pdf")


def test_markers_are_visible_in_the_qt_document(qapp, long_doc):
    text = build_qtextdocument(long_doc).qdoc.toPlainText()
    # The marks are pictures after the text (U+FFFC in plain text), never letters.
    assert "4\ufffc" in text and "4c" not in text
    assert "lenalidomide\ufffc" in text and "lenalidomideoverride" not in text
    assert "computed by the app" in text  # legend


def test_text_is_searchable_without_ligatures(qapp, tmp_path):
    out = tmp_path / "lig.pdf"
    write_pdf(Document("t").paragraph("confirmed, specific, office").heading(2, "fine"), out)
    text = PdfReader(out).pages[0].extract_text()
    assert "confirmed" in text and "specific" in text and "office" in text and "fine" in text
    assert "\ufb01" not in text and "\ufb03" not in text


def _hatched(fig, n):
    from matplotlib.patches import Patch

    ax = fig.add_subplot()
    ax.barh(range(n), [1] * n, hatch="//", color="#e69f00", label="grade 2")
    ax.set_title("Hatched chartlabel")
    ax.legend(handles=[Patch(facecolor="#d55e00", hatch="xx", label="grade 3")])


def test_heavily_hatched_chart_stays_vector_and_light(qapp, tmp_path):
    from journal.reports.document import Chart
    from journal.reports.qt_backend import MAX_PATTERN_FILLS, chart_bytes

    kind, svg = chart_bytes(Chart(lambda f: _hatched(f, MAX_PATTERN_FILLS + 20)))
    assert kind == "svg"
    text = svg.decode()
    legend = text[text.index('id="legend_1"') :]
    # Only the legend keeps its hatch (drawn as strokes, see vector_hatches).
    assert text.count('class="hatch"') == legend.count('class="hatch"') >= 1
    assert "url(#h" not in text  # no pattern fill left for QtSvg to paint as a picture
    kind, svg = chart_bytes(Chart(lambda f: _hatched(f, 5)))
    # Light charts keep every hatch, drawn as strokes (see the next test).
    assert svg.decode().count('class="hatch"') >= 5 + 1  # the bars' and the legend's
    out = tmp_path / "hatched.pdf"
    doc = Document("t").chart(lambda f: _hatched(f, 300), (7, 4))
    write_pdf(doc, out)
    assert out.stat().st_size < 400_000
    assert "Hatched chartlabel" in re.sub(r"\s+", " ", PdfReader(out).pages[0].extract_text())


def _raster(svg: bytes):
    from PySide6.QtCore import QByteArray, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    r = QSvgRenderer(QByteArray(svg))
    size = r.defaultSize() * 3
    img = QImage(size, QImage.Format.Format_RGB32)
    img.fill(Qt.GlobalColor.white)
    p = QPainter(img)
    r.render(p)
    p.end()
    return img


def test_hatches_drawn_as_strokes_look_as_the_patterns_did_and_cost_less(qapp):
    """The hatch of every bar and legend patch is the pattern's own strokes and dots,
    cut to the shape: the same picture as QtSvg's pattern fill, without the picture
    per fill in the PDF."""
    from matplotlib.figure import Figure
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgRenderer

    from journal.reports.document import Chart
    from journal.reports.qt_backend import (
        _memory_writer,
        chart_svg,
        flatten_hatches,
        vector_hatches,
    )

    def draw(fig):
        from matplotlib.patches import Patch

        ax = fig.add_subplot()
        ax.barh(range(4), [3, 1, 2, 4], left=[0.3, 1, 0, 0.5], hatch="xx", color="#882255")
        ax.barh([5], [2], hatch="..", color="#e69f00")
        # Several spans in one path, as draw_timeline batches hatched side effects.
        from matplotlib.patches import PathPatch
        from matplotlib.path import Path

        spans = [
            Path([(a, y), (b, y), (b, y + 0.6), (a, y + 0.6), (a, y)], closed=True)
            for a, b, y in ((0.2, 1.5, 6), (2.0, 3.8, 6), (0.5, 2.5, 7))
        ]
        ax.add_patch(PathPatch(Path.make_compound_path(*spans), fc="#882255", hatch="//"))
        ax.set_ylim(-1, 8)
        ax.legend(handles=[Patch(facecolor="#d55e00", hatch="//", label="grade 3")])

    fig = Figure(figsize=(5, 3))
    draw(fig)
    svg = chart_svg(Chart(draw), fig)
    assert svg.count(b"url(#h") >= 7
    new = vector_hatches(svg)
    assert b"url(#h" not in new  # no shape is filled with a pattern any more
    a = _raster(svg)

    def share_differing(other) -> float:
        b = _raster(other)
        differ = sum(
            1
            for y in range(0, a.height(), 2)
            for x in range(0, a.width(), 2)
            if abs(a.pixelColor(x, y).lightness() - b.pixelColor(x, y).lightness()) > 64
        )
        return differ / (a.width() * a.height() / 4)

    # Only specks at the shapes' edges differ (a dot cut in half by the edge); without
    # the strokes, a good part of every bar would.
    assert share_differing(new) < 0.004
    assert share_differing(flatten_hatches(svg)) > 0.02
    sizes = []
    for data in (svg, new):
        writer, _buf, out = _memory_writer("A4")
        painter = QPainter(writer)
        QSvgRenderer(data).render(painter, QRectF(0, 0, 1500, 900))
        painter.end()
        del writer
        sizes.append(out.size())
    assert sizes[1] < sizes[0] / 2  # no picture per hatched shape


def test_many_qt_calls_do_not_exhaust_none(tmp_path):
    """PySide6 6.12 on Python 3.11 drops a reference to None on every void call; without
    the guard, painting long PDFs ends in 'Fatal Python error: none_dealloc'."""
    import subprocess
    import sys

    code = (
        "import os; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtGui import QGuiApplication, QPen\n"
        "app = QGuiApplication([])\n"
        "import journal.reports.qt_backend\n"
        "pen = QPen()\n"
        "for _ in range(100000):\n"
        "    pen.setWidthF(1.0)\n"
        "print('ok')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-500:]


def test_chart_drawn_by_a_child_process_is_the_same_and_survives_a_failing_child(qapp, monkeypatch):
    """write_pdf draws charts in a forked child (PySide keeps the GIL while Qt lays out,
    so a thread gains nothing); a child that fails leaves the chart to be drawn here."""
    import os

    from journal.reports import qt_backend
    from journal.reports.document import Chart
    from journal.reports.qt_backend import _chart_future, chart_bytes

    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    # The test's QApplication is the window's kind of app, where nothing forks (below).
    monkeypatch.setattr(qt_backend, "_may_fork", lambda: True)
    forks = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or real_fork())
    chart = Chart(lambda f: _hatched(f, 3))
    kind, svg = _chart_future(chart, "process").result(timeout=60)
    assert forks, "the chart was not drawn by a child"
    assert (
        kind == "svg"
        and svg.count(b"Hatched chartlabel")
        == chart_bytes(chart)[1].count(b"Hatched chartlabel")
        == 1
    )
    parent = os.getpid()

    def only_here(fig):
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        _hatched(fig, 3)

    kind, svg = _chart_future(Chart(only_here), "process").result(timeout=60)
    assert b"Hatched chartlabel" in svg


def test_a_chart_larger_than_a_pipe_comes_back_whole_from_the_child(qapp, monkeypatch):
    """The child hands its drawing over in a memory file (a pipe holds 64 KB, and a child
    waiting on a full pipe waits for the main thread's painting)."""
    import os

    from journal.reports import qt_backend
    from journal.reports.document import Chart
    from journal.reports.qt_backend import _chart_future, chart_bytes

    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    monkeypatch.setattr(qt_backend, "_may_fork", lambda: True)

    def many(fig):
        ax = fig.add_subplot()
        for k in range(300):
            ax.plot(range(20), [(i * k) % 17 for i in range(20)], marker="o")

    def not_here(chart):
        raise AssertionError("drawn here, not by the child")

    monkeypatch.setattr(qt_backend, "_on_thread", not_here)
    chart = Chart(many)
    kind, svg = _chart_future(chart, "process").result(timeout=60)
    here = chart_bytes(chart)[1]
    assert len(svg) > 500_000

    def plain(b):  # without the moment drawn and the ids matplotlib makes from hashes
        return re.sub(rb"[0-9a-f]{10}", b"", re.sub(rb"<dc:date>[^<]*</dc:date>", b"", b))

    assert kind == "svg" and plain(svg) == plain(here)


def test_the_chart_child_never_collects_garbage(qapp, monkeypatch):
    """The forked child shares the parent's whole history; a collection there walks it
    all and copies its pages. The child says whether its collector was on."""
    import gc
    import os

    from journal.reports import qt_backend
    from journal.reports.document import Chart

    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    monkeypatch.setattr(qt_backend, "_may_fork", lambda: True)
    parent = os.getpid()
    monkeypatch.setattr(
        qt_backend,
        "chart_bytes",
        lambda chart: ("svg", f"{os.getpid() != parent} {gc.isenabled()}".encode()),
    )
    assert gc.isenabled()
    _kind, said = qt_backend._chart_future(Chart(lambda f: None), "process").result(timeout=60)
    assert said == b"True False"
    assert gc.isenabled()  # the parent's own collector is left as it was


def test_preview_layout_has_the_pdfs_document_and_pages(qapp, long_doc):
    # The preview's document goes in by shorter Qt calls and is laid out in steps
    # (lay_out); it must be the very document and pages the PDF gets.
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QPdfWriter

    from journal.reports.qt_backend import (
        _prepare,
        lay_out,
        layout_pages,
        page_layout,
    )

    long_doc.paragraph("After the chart: a paragraph, then another table.")
    long_doc.table([["A", "B"]], [[str(i), "x" * (i % 7)] for i in range(40)])
    whole = build_qtextdocument(long_doc, charts_by="none")
    laid = lay_out(long_doc)
    assert laid.built.qdoc.toHtml() == whole.qdoc.toHtml()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buf)
    writer.setResolution(300)
    writer.setPageLayout(page_layout("A4"))
    _full, body = _prepare(writer)
    pages = layout_pages(whole.qdoc, writer, body).pages
    assert [(p.top, p.bottom, p.header) for p in laid.paged.pages] == [
        (p.top, p.bottom, p.header) for p in pages
    ]
    assert laid.page_count >= 4


def test_the_window_never_forks_for_a_chart(qapp, monkeypatch):
    # In the window other threads run matplotlib; a fork could inherit a held lock.
    import os

    from journal.reports.document import Chart
    from journal.reports.qt_backend import _chart_future

    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    forks = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or real_fork())
    kind, svg = _chart_future(Chart(lambda f: _hatched(f, 3)), "process").result(timeout=60)
    assert kind == "svg" and b"Hatched chartlabel" in svg and not forks


class _DrawnWhenAwaited:
    """A chart future that is not done until the PDF waits for it (then it draws): the
    chart child still at work while every other page is painted, without timing."""

    def __init__(self, chart):
        from concurrent.futures import Future

        self.chart, self.future = chart, Future()

    def done(self) -> bool:
        return self.future.done()

    def result(self, timeout=None):
        from journal.reports.qt_backend import chart_bytes

        if not self.future.done():
            self.future.set_result(chart_bytes(self.chart))
        return self.future.result(timeout)


def _pages(path) -> list[tuple[str, bytes]]:
    reader = PdfReader(path)
    return [
        (re.sub(r"[ \t]+", " ", p.extract_text()), p.get_contents().get_data())
        for p in reader.pages
    ]


def test_a_page_whose_chart_is_still_drawn_is_painted_last_and_read_in_its_place(
    qapp, tmp_path, monkeypatch, long_doc
):
    """write_pdf paints the pages after the chart's page while the chart is drawn; the
    PDF's page list then puts that page back in its place: the same pages as a PDF
    painted in order, word for word and drawing for drawing."""
    from journal.reports import qt_backend

    in_order = tmp_path / "in-order.pdf"
    write_pdf(long_doc, in_order)
    painted = []
    real = qt_backend.pages_in_order
    monkeypatch.setattr(
        qt_backend, "pages_in_order", lambda pdf, order: painted.extend(order) or real(pdf, order)
    )
    monkeypatch.setattr(qt_backend, "_chart_future", lambda chart, how: _DrawnWhenAwaited(chart))
    deferred = tmp_path / "deferred.pdf"
    pages = write_pdf(long_doc, deferred)
    chart_page = next(i for i, (t, _) in enumerate(_pages(in_order)) if "chartlabel" in t)
    assert chart_page < pages - 1  # pages follow the chart's: it really went last
    assert painted[-1] == chart_page and sorted(painted) == list(range(pages))
    assert _pages(deferred) == _pages(in_order)


def test_pages_in_order_swaps_only_the_page_list():
    from journal.reports.qt_backend import pages_in_order

    pdf = (
        b"%PDF-1.4\n4 0 obj\n<<\n/Type /Pages\n/Kids \n[\n10 0 R\n26 0 R\n131 0 R\n]\n"
        b"/Count 3\n>>\nendobj\nxref\n"
    )
    fixed = pages_in_order(pdf, [0, 2, 1])  # page 2 (131 0 R) was painted second
    assert fixed == pdf.replace(b"26 0 R\n131 0 R", b"131 0 R\n26 0 R")
    assert len(fixed) == len(pdf)
    assert pages_in_order(pdf, [0, 1]) is None  # not the pages this PDF holds
    assert pages_in_order(pdf.replace(b"/Type /Pages", b"/Type /Pagez"), [0, 2, 1]) is None


def test_a_page_list_not_understood_means_the_pages_are_painted_again_in_order(
    qapp, tmp_path, monkeypatch, long_doc
):
    from journal.reports import qt_backend

    in_order = tmp_path / "in-order.pdf"
    write_pdf(long_doc, in_order)
    monkeypatch.setattr(qt_backend, "pages_in_order", lambda pdf, order: None)
    monkeypatch.setattr(qt_backend, "_chart_future", lambda chart, how: _DrawnWhenAwaited(chart))
    again = tmp_path / "again.pdf"
    write_pdf(long_doc, again)
    # (A second painting numbers the fonts' glyphs and the pictures its own way.)
    assert [t for t, _ in _pages(again)] == [t for t, _ in _pages(in_order)]
