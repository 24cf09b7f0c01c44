"""Qt rendering of a :class:`~journal.reports.document.Document`: preview, print, PDF.

The only module under ``journal/reports`` that imports PySide6.

How it works: the document becomes a ``QTextDocument`` (HTML per block;
tables use ``<thead>`` so Qt's paginated layout repeats the header rows on
every page). Charts are drawn by matplotlib into SVG with
``svg.fonttype = "none"`` (text stays text) and inserted as a custom text
object that paints through ``QSvgRenderer`` — so the PDF chart is vector and its
labels are selectable and searchable. :func:`paint_document` lays the text
out for the target device and paints each page with a header and a
"page i of N" footer; the same function feeds ``QPdfWriter`` (PDF),
``QPrinter`` (printing) and ``QPrintPreviewWidget``/``QPrintPreviewDialog``.

PDFs are drawn in memory and written through a temp file, fsync and atomic rename
(journal.fileio.write_atomic), so a crash or full disk never leaves half a file.
"""

from __future__ import annotations

import html
import io
import logging
import re
import threading
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QFont,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextImageFormat,
    QTextOption,
    QTextTable,
)
from PySide6.QtSvg import QSvgRenderer

from journal.pacing import breathe
from journal.reports.document import (
    COMPUTED,
    OVERRIDE,
    Chart,
    Document,
    Heading,
    Inline,
    KeyValue,
    PageBreak,
    Paragraph,
    Table,
    spans,
)

log = logging.getLogger(__name__)

FONT_FAMILY = "DejaVu Sans"
BASE_PT = 9.0  # body and every table: nothing a screener reads is under 9 pt on paper
PAGE_SIZES = {"A4": QPageSize.PageSizeId.A4, "Letter": QPageSize.PageSizeId.Letter}
LAYOUT_DPI = 300  # every output is laid out at this resolution (see _prepare)
MARGINS_MM = QMarginsF(13, 14, 13, 12)  # left, top (room for the header), right, bottom

# The marks after computed and corrected text are small pictures, not letters: copied
# text then reads "steroid", never "steroidc" (issue 11).
MARK_C = "<img src='mark:c' width='5' height='9'/>"
MARK_O = "<img src='mark:o' width='9' height='9'/>"
LEGEND_HTML = (
    f"<span class='c'>blue text</span>{MARK_C} = computed by the app from the entries, "
    "following the rule it names (check with the medical team). "
    f"<span class='o'>brown italic text</span>{MARK_O} = the app's result corrected by the "
    "person."
)

_CSS = f"""
body {{ font-family: '{FONT_FAMILY}'; font-size: {BASE_PT}pt; }}
h1 {{ font-size: {BASE_PT + 4}pt; font-weight: bold; margin-top: 0px; margin-bottom: 3px; }}
h2 {{ font-size: {BASE_PT + 1.5}pt; font-weight: bold; margin-top: 5px; margin-bottom: 1px;
      color: #1a1a1a; }}
h3 {{ font-size: {BASE_PT + 0.5}pt; font-weight: bold; margin-top: 4px; margin-bottom: 1px; }}
p {{ margin-top: 1px; margin-bottom: 2px; }}
p.small, p.legend {{ font-size: {BASE_PT - 0.5}pt; }}
p.muted {{ color: #555555; font-size: {BASE_PT - 0.5}pt; }}
p.warning {{ font-weight: bold; }}
p.note {{ font-style: italic; }}
p.caption {{ font-size: {BASE_PT - 1}pt; color: #444444; margin-bottom: 1px; }}
table.t {{ border-color: #b0b0b0; margin-top: 1px;
           margin-bottom: 3px; }}
table.t td, table.t th {{ padding: 1px 3px; }}
table.t th {{ background-color: #e4e8ee; font-weight: bold; text-align: left; }}
table.s {{ font-size: {BASE_PT}pt; }}
table.kv td {{ padding: 0px 4px 0px 0px; vertical-align: top; }}
td.k {{ color: #333333; font-weight: bold; }}
span.c {{ color: #174a7c; }}
span.o {{ color: #8a3b00; font-style: italic; }}
"""


def _font(pt: float) -> QFont:
    """The report font without ligatures: "fi" drawn as one glyph would make the PDF
    text read "ﬁ", and a search for "confirmed" or "specific" would not find it."""
    f = QFont(FONT_FAMILY)
    f.setPointSizeF(pt)
    for tag in ("liga", "clig", "dlig"):
        f.setFeature(QFont.Tag(tag), 0)
    return f


def _inline_html(value: Inline | None) -> str:
    if isinstance(value, str):  # most table cells: no spans to make
        return html.escape(value).replace("\n", "<br/>")
    out = []
    for s in spans(value):
        t = html.escape(s.text).replace("\n", "<br/>")
        if s.bold:
            t = f"<b>{t}</b>"
        if s.italic:
            t = f"<i>{t}</i>"
        if s.marker == COMPUTED:
            t = f"<span class='c'>{t}</span>{MARK_C}"
        elif s.marker == OVERRIDE:
            t = f"<span class='o'>{t}</span>{MARK_O}"
        out.append(t)
    return "".join(out)


def _table_html(t: Table) -> str:
    n = t.n_cols
    if n == 0:
        return ""
    rel = list(t.col_widths) if t.col_widths else [1.0] * n
    total = sum(rel) or 1.0
    pct = [max(1, round(100 * w / total)) for w in rel]
    cls = "t s" if t.small else "t"
    parts = []
    if t.caption:
        parts.append(f"<p class='caption'><b>{html.escape(t.caption)}</b></p>")
    parts.append(f"<table class='{cls}' width='100%' border='1' cellspacing='0' cellpadding='1'>")
    if t.header_rows:
        parts.append("<thead>" if t.repeat_header else "")
        for r in t.header_rows:
            cells = "".join(
                f"<th width='{pct[i]}%'>{_inline_html(c)}</th>" for i, c in enumerate(r)
            )
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</thead>" if t.repeat_header else "")
    parts.append("<tbody>")
    for k, r in enumerate(t.rows):
        # Widths on the first body row too: Qt sizes columns from the cells it meets.
        if k == 0 and not t.header_rows:
            cells = "".join(
                f"<td width='{pct[i]}%'>{_inline_html(c)}</td>" for i, c in enumerate(r)
            )
        else:
            cells = "".join(f"<td>{_inline_html(c)}</td>" for c in r)
        cells += "<td></td>" * (n - len(r))
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def _kv_html(b: KeyValue) -> str:
    cols = max(1, b.columns)
    rows = list(b.rows)
    per_col = -(-len(rows) // cols)
    grid = [rows[i * per_col : (i + 1) * per_col] for i in range(cols)]
    out = ["<table class='kv' width='100%' cellspacing='0' cellpadding='0'>"]
    for i in range(per_col):
        cells = []
        for g in grid:
            if i < len(g):
                k, v = g[i]
                cells.append(f"<td class='k'>{html.escape(k)}</td><td>{_inline_html(v)}</td>")
            else:
                cells.append("<td></td><td></td>")
        out.append(f"<tr>{''.join(cells)}</tr>")
    out.append("</table>")
    return "".join(out)


def _block_html(b, pending_break: bool) -> str:
    brk = " style='page-break-before: always'" if pending_break else ""
    if isinstance(b, Heading):
        return f"<h{b.level}{brk}>{html.escape(b.text)}</h{b.level}>"
    if isinstance(b, Paragraph):
        return f"<p class='{b.style}'{brk}>{_inline_html(b.text)}</p>"
    if isinstance(b, KeyValue):
        return (f"<p{brk}></p>" if brk else "") + _kv_html(b)
    if isinstance(b, Table):
        return (f"<p{brk}></p>" if brk else "") + _table_html(b)
    raise TypeError(type(b))


# --- charts -------------------------------------------------------------------


def _figure(chart: Chart):
    from matplotlib.figure import Figure

    if isinstance(chart.draw, Figure):
        return chart.draw
    fig = Figure(figsize=chart.size)
    chart.draw(fig)
    return fig


def chart_svg(chart: Chart, fig=None) -> bytes:
    """Draw a chart into SVG bytes with text kept as text (not paths)."""
    import matplotlib

    fig = fig if fig is not None else _figure(chart)
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "font.family": FONT_FAMILY}):
        fig.savefig(buf, format="svg")
    return buf.getvalue()


# QtSvg turns every hatch-pattern fill into its own embedded image in the PDF (a
# 25-year history with 1000 hatched side-effect bars gave 30 MB and 18 s). Above this
# many pattern fills, the bars get the plain colour of their hatch (at that density a
# hatch is too small to see anyway) while the legend keeps its hatches; the chart stays
# vector with selectable text.
MAX_PATTERN_FILLS = 40
_SVG_NS = "http://www.w3.org/2000/svg"
_FILL_URL = re.compile(r"fill:\s*url\(#(h[0-9a-f]+)\)")


def _pattern_fills(fig) -> int:
    """How many hatched shapes the figure holds (each becomes a pattern fill in SVG)."""
    from matplotlib.collections import Collection
    from matplotlib.patches import Patch

    n = 0
    for artist in fig.findobj():
        if isinstance(artist, Collection) and artist.get_hatch():
            n += len(artist.get_paths())
        elif isinstance(artist, Patch) and artist.get_hatch():
            n += 1
    return n


def flatten_hatches(svg: bytes) -> bytes:
    """Replace hatch-pattern fills outside the legend by the hatch's base colour."""
    import xml.etree.ElementTree as ET

    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ET.fromstring(svg)
    base: dict[str, str] = {}
    for pat in root.iter(f"{{{_SVG_NS}}}pattern"):
        rect = pat.find(f"{{{_SVG_NS}}}rect")
        if rect is not None and pat.get("id"):
            base[pat.get("id")] = rect.get("fill", "#888888")

    def walk(el, in_legend: bool) -> None:
        in_legend = in_legend or (el.get("id") or "").startswith("legend")
        style = el.get("style")
        if style and not in_legend and "url(#h" in style:
            el.set("style", _FILL_URL.sub(lambda m: f"fill: {base.get(m[1], '#888888')}", style))
        for child in el:
            walk(child, in_legend)

    walk(root, False)
    return ET.tostring(root, encoding="utf-8")


_PATH_OK = re.compile(r"[MLCQZz\s0-9.eE+-]*")  # absolute commands, as matplotlib writes
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def _pairs_box(d: str) -> tuple[float, float, float, float] | None:
    """Bounding box of every point of path data (curve control points included)."""
    nums = [float(n) for n in _NUMBER.findall(d)]
    if len(nums) < 2 or len(nums) % 2:
        return None
    xs, ys = nums[0::2], nums[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def _shifted(d: str, dx: float, dy: float) -> str:
    """Path data moved by (dx, dy): every number alternates x, y (absolute commands)."""
    k = [0]

    def move(m: re.Match) -> str:
        k[0] += 1
        return f"{float(m[0]) + (dx if k[0] % 2 else dy):g}"

    return _NUMBER.sub(move, d)


def _pattern_tiles(pat) -> tuple[str, float, float, float, float, list] | None:
    """(base colour, x, y, width, height, [(subpath, box, style)]) of a matplotlib hatch
    pattern, or None when it is not the plain kind (then it is left as it is)."""
    if pat.get("patternUnits") != "userSpaceOnUse" or pat.get("patternTransform"):
        return None
    try:
        x, y = float(pat.get("x", 0)), float(pat.get("y", 0))
        w, h = float(pat.get("width")), float(pat.get("height"))
    except (TypeError, ValueError):
        return None
    base, subs = None, []
    for child in pat:
        tag = child.tag.rpartition("}")[2]
        if tag == "rect" and base is None:
            base = child.get("fill")
        elif tag == "path" and _PATH_OK.fullmatch(child.get("d", "")):
            for sub in re.split(r"(?=M)", child.get("d", "")):
                box = _pairs_box(sub)
                if box is not None:
                    subs.append((sub.strip(), box, child.get("style", "")))
        else:
            return None
    if not base or w <= 0 or h <= 0:
        return None
    return base, x, y, w, h, subs


def _rectangle(d: str) -> tuple[float, float, float, float] | None:
    """(x0, y0, x1, y1) when path data is one axis-aligned rectangle, else None."""
    if not re.fullmatch(r"\s*M[^MLCQZz]*(?:L[^MLCQZz]*){3,4}[Zz]?\s*", d):
        return None
    nums = [float(n) for n in _NUMBER.findall(d)]
    pts = set(zip(nums[0::2], nums[1::2], strict=True))
    xs, ys = {x for x, _ in pts}, {y for _, y in pts}
    if len(pts) != 4 or len(xs) != 2 or len(ys) != 2:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def _clip_segment(x0, y0, x1, y1, box) -> tuple[float, float, float, float] | None:
    """The part of a segment inside ``box`` (Liang-Barsky), or None."""
    bx0, by0, bx1, by1 = box
    dx, dy = x1 - x0, y1 - y0
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, x0 - bx0), (dx, bx1 - x0), (-dy, y0 - by0), (dy, by1 - y0)):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
        if lo > hi:
            return None
    return x0 + lo * dx, y0 + lo * dy, x0 + hi * dx, y0 + hi * dy


def _hatch_in(box, tiles) -> dict[str, list[str]]:
    """The pattern's strokes and dots over the rectangle ``box``, tiled as SVG tiles a
    pattern (from its x, y), cut to the rectangle: path data per style."""
    import math

    _base, px, py, w, h, subs = tiles
    x0, y0, x1, y1 = box
    out: dict[str, list[str]] = {}
    for ty in range(math.floor((y0 - py) / h), math.floor((y1 - py) / h) + 1):
        for tx in range(math.floor((x0 - px) / w), math.floor((x1 - px) / w) + 1):
            dx, dy = px + tx * w, py + ty * h
            for sub, (a, b, c, e), style in subs:
                a, b, c, e = a + dx, b + dy, c + dx, e + dy
                if c < x0 or a > x1 or e < y0 or b > y1:
                    continue
                if re.fullmatch(r"\s*M[^MLCQZz]*L[^MLCQZz]*", sub):  # a stroke
                    n = [float(v) for v in _NUMBER.findall(sub)]
                    cut = _clip_segment(n[0] + dx, n[1] + dy, n[2] + dx, n[3] + dy, box)
                    if cut is not None:
                        out.setdefault(style, []).append(
                            "M {:.3f} {:.3f} L {:.3f} {:.3f}".format(*cut)
                        )
                elif x0 <= (a + c) / 2 <= x1 and y0 <= (b + e) / 2 <= y1:
                    # A dot whose centre is inside (the pattern would show part of it).
                    out.setdefault(style, []).append(_shifted(sub, dx, dy))
    return out


def vector_hatches(svg: bytes) -> bytes:
    """Each hatch-pattern fill of a rectangle (or of a path of rectangles) drawn as what
    it is: the rectangle in the hatch's base colour, the hatch's own strokes (or dots) tiled as the pattern tiles
    them and cut to the rectangle, and its outline on top.

    Why: QtSvg paints every pattern fill as a picture, which the PDF then carries as an
    image; the 25-year chart's eight hatched shapes were half a second of the PDF's
    painting and 390 KB of the file. As lines they look the same and cost nothing.
    (QtSvg ignores clip paths, so the strokes are cut here.) Any other shape, or one
    under a transform, keeps its pattern."""
    import copy
    import xml.etree.ElementTree as ET

    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ET.fromstring(svg)
    ns = f"{{{_SVG_NS}}}"
    patterns = {}
    by_id = {}
    for el in root.iter():
        if el.get("id"):
            by_id[el.get("id")] = el
        if el.tag == f"{ns}pattern" and el.get("id"):
            tiles = _pattern_tiles(el)
            if tiles is not None:
                patterns[el.get("id")] = tiles
    if not patterns:
        return svg

    def redraw(parent, i: int, el) -> int:
        """Replace ``parent[i]`` (a hatched shape); returns how many elements it became."""
        style = el.get("style", "")
        m = _FILL_URL.search(style)
        if m is None or m[1] not in patterns or el.get("transform"):
            return 1
        if el.tag == f"{ns}path":
            d = el.get("d", "")
        elif el.tag == f"{ns}use":
            ref = by_id.get((el.get(_XLINK_HREF) or el.get("href") or "").lstrip("#"))
            if ref is None or ref.tag != f"{ns}path" or ref.get("transform"):
                return 1
            d = _shifted(ref.get("d", ""), float(el.get("x", 0)), float(el.get("y", 0)))
        else:
            return 1
        # One rectangle, or several in one path (draw_timeline batches hatched spans).
        parts = re.split(r"(?=M)", d.strip()) if _PATH_OK.fullmatch(d) else []
        boxes = [_rectangle(part) for part in parts if part.strip()]
        if not boxes or None in boxes:
            return 1
        fill = copy.deepcopy(el)
        fill.set("style", _FILL_URL.sub(f"fill: {patterns[m[1]][0]}", style) + "; stroke: none")
        outline = copy.deepcopy(el)
        outline.set("style", _FILL_URL.sub("fill: none", style))
        outline.attrib.pop("id", None)
        hatch: dict[str, list[str]] = {}
        for box in boxes:
            for s, ds in _hatch_in(box, patterns[m[1]]).items():
                hatch.setdefault(s, []).extend(ds)
        strokes = [
            ET.Element(f"{ns}path", {"class": "hatch"}, d=" ".join(ds), style=s)
            for s, ds in hatch.items()
        ]
        parent[i : i + 1] = [fill, *strokes, outline]
        return 2 + len(strokes)

    def walk(el) -> None:
        if el.get("transform") or el.tag in (f"{ns}defs", f"{ns}pattern", f"{ns}clipPath"):
            return  # shapes under a transform keep their pattern
        i = 0
        while i < len(el):
            child = el[i]
            if _FILL_URL.search(child.get("style", "")):
                i += redraw(el, i, child)
            else:
                walk(child)
                i += 1

    walk(root)
    return ET.tostring(root, encoding="utf-8")


def chart_bytes(chart: Chart) -> tuple[str, bytes]:
    """SVG of the chart, lightened when heavily hatched; hatches as vector lines (see
    vector_hatches). No Qt here, so it can run on a worker thread while Qt lays the
    text out."""
    fig = _figure(chart)
    svg = chart_svg(chart, fig)
    if _pattern_fills(fig) > MAX_PATTERN_FILLS:
        svg = flatten_hatches(svg)
    return "svg", vector_hatches(svg)


_CHART_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-chart")
_CHILD_TIMEOUT_S = 60.0  # a 10x history draws in well under this even under load


def _chart_in_child(chart: Chart) -> Future:
    """``chart_bytes(chart)`` worked out by a forked child process, collected by the
    chart thread.

    Why a process: PySide keeps the GIL while Qt lays text out and paints, so a chart
    drawn on a thread (matplotlib is Python) only takes turns with the layout; the
    25-year chart alone is most of a second. A forked child draws it on the other core
    meanwhile. The child touches no Qt (chart_bytes is matplotlib and XML only) and
    leaves by ``os._exit``; if it fails or hangs, the chart is drawn here as before.
    """
    import os

    # The drawing goes into an anonymous memory file, not down the pipe: a pipe holds
    # 64 KB, and a child with a full pipe waits for the chart thread to read it, which
    # needs Python's lock, which the main thread holds while Qt paints (the 25-year
    # chart's 300 KB then took twice as long). The pipe only tells when the child is gone.
    try:
        out = os.memfd_create("journal-chart", os.MFD_CLOEXEC)
    except (AttributeError, OSError):
        return _CHART_POOL.submit(chart_bytes, chart)
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        for fd in (r, w, out):
            os.close(fd)
        return _CHART_POOL.submit(chart_bytes, chart)
    if pid == 0:  # the child: draw, write, leave without running any clean-up
        code = 1
        try:
            os.close(r)
            # The child has a copy of every object of the parent (the whole history): a
            # collection walks them all and, touching each, copies its memory page. It
            # lives for one drawing and leaves by os._exit, so it never collects (25-year
            # chart: 0.98 -> 0.77 s from fork to bytes).
            import gc

            gc.disable()
            kind, data = chart_bytes(chart)
            view = memoryview(kind.encode("ascii") + b"\n" + data)
            while view:
                view = view[os.write(out, view) :]
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    return _CHART_POOL.submit(_collect_child, pid, r, out, chart)


def _collect_child(pid: int, fd: int, out: int, chart: Chart) -> tuple[str, bytes]:
    import os
    import select
    import signal
    import time

    deadline = time.monotonic() + _CHILD_TIMEOUT_S
    ok = False
    data = b""
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                break
            if not os.read(fd, 64):  # the pipe closed: the child has left
                ok = True
                break
    finally:
        os.close(fd)
        _pid, status = os.waitpid(pid, 0)
        if ok:
            # (The child's writes moved the offset this file shares with it: read from 0.)
            data = os.pread(out, os.fstat(out).st_size, 0)
        os.close(out)
    if ok and os.waitstatus_to_exitcode(status) == 0 and b"\n" in data:
        kind, _, body = data.partition(b"\n")
        return kind.decode("ascii"), body
    _THREAD_JOBS[0] += 1  # the child failed: draw it here
    return _on_thread(chart)


_THREAD_JOBS = [0]  # charts being drawn on the chart thread right now
# Charts started by count_pages for a document still to come (Document.prefetch); gone
# with the chart when nothing used it.
_PREFETCHED: weakref.WeakKeyDictionary[Chart, Future] = weakref.WeakKeyDictionary()


def _on_thread(chart: Chart) -> tuple[str, bytes]:
    try:
        return chart_bytes(chart)
    finally:
        _THREAD_JOBS[0] -= 1


def _may_fork() -> bool:
    """Only outside the window. The window runs matplotlib on other threads (the
    timeline is drawn on workers), and a lock one of them holds at the fork, such as
    Agg's renderer lock, would stay locked in the child: a PDF a minute late. The
    command line has no such threads; the window's charts are drawn when asked for
    (_DrawnWhenAsked)."""
    from PySide6.QtCore import QCoreApplication

    app = QCoreApplication.instance()
    return app is None or not app.inherits("QApplication")


class _DrawnWhenAsked(Future):
    """A chart drawn by the first thread that asks for it (``result``), in the window.

    There a chart drawn on the chart thread beside the worker laying the report out
    gained nothing: both are Python or PySide calls that hold Python's lock, so they only
    take turns, and two busy threads kept the window from the lock for 120-190 ms at a
    time (the window only gets it from a thread that pauses, journal.pacing, and with two
    busy threads the other one took it). The worker draws it itself, pausing as it goes.
    """

    def __init__(self, chart: Chart):
        super().__init__()
        self._chart = chart
        self._drawing = threading.Lock()

    def result(self, timeout: float | None = None):
        with self._drawing:  # two threads asking at once draw it once
            if not self.done():
                try:
                    self.set_result(chart_bytes(self._chart))
                except BaseException as exc:  # kept for result() to raise, as a pool does
                    self.set_exception(exc)
        return super().result(timeout)


def _chart_future(chart: Chart, how: str) -> Future:
    import os
    import sys

    if how == "none":  # laid out only (count_pages): the chart is never painted
        future: Future = Future()
        future.cancel()
        return future
    if not _may_fork():  # the window: drawn by the thread that needs it
        return _DrawnWhenAsked(chart)
    # Never fork while the chart thread draws: a lock it holds would stay locked in
    # the child (which then times out and the chart is drawn here after all).
    if (
        how == "process"
        and _THREAD_JOBS[0] == 0
        and hasattr(os, "fork")
        and sys.platform.startswith("linux")
    ):
        return _chart_in_child(chart)
    _THREAD_JOBS[0] += 1
    return _CHART_POOL.submit(_on_thread, chart)


MAX_CHART_W_IN = 7.1  # the text width of A4 and Letter with our margins
_SCREEN_DPI = 96.0  # Qt scales inline image sizes from 96 dpi to the device


@dataclass
class _ChartSlot:
    position: int  # character position of the placeholder image
    future: Future  # -> chart_bytes(chart)
    w_in: float
    h_in: float
    renderer: QSvgRenderer | None = None
    image: QImage | None = None  # raster fallback (see MAX_PATTERN_FILLS)

    def load(self) -> None:
        """Wait for the chart and parse it (done once; any thread)."""
        if self.renderer is None and self.image is None:
            kind, data = self.future.result()
            if kind == "svg":
                self.renderer = QSvgRenderer(QByteArray(data))
            else:
                self.image = QImage()
                self.image.loadFromData(data, "PNG")

    def paint(self, painter: QPainter, rect: QRectF) -> None:
        self.load()
        if self.renderer is not None:
            self.renderer.render(painter, rect)
        elif self.image is not None:
            painter.drawImage(rect, self.image)


# --- building and painting ----------------------------------------------------


@dataclass
class Built:
    """A QTextDocument plus the vector charts painted over its placeholders.

    Charts reserve their space with an empty inline image (so the text layout
    paginates around them) and are painted from SVG at paint time. A custom
    QTextObjectInterface would be neater, but PySide6 6.12 does not call
    Python implementations of it (registerHandler ignores them).
    """

    qdoc: QTextDocument
    charts: list[_ChartSlot]


def _mark_image(text: str, color, w: int, h: int, italic: bool = False) -> QImage:
    """A mark drawn as a picture (at 8x, so it stays sharp on paper), raised like a
    superscript: it shows on the page and in print but is not part of copied text."""
    scale = 8
    img = QImage(w * scale, h * scale, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    try:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        f = QFont(FONT_FAMILY)
        f.setPixelSize(int(h * scale * (0.62 if text.isascii() else 0.85)))
        f.setItalic(italic)
        f.setBold(True)
        p.setFont(f)
        p.setPen(QPen(color))
        p.drawText(
            QRectF(0, 0, w * scale, h * scale * (0.62 if text.isascii() else 0.9)),
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop),
            text,
        )
    finally:
        p.end()
    return img


_MARKS: dict[str, QImage] = {}


def _marks() -> dict[str, QImage]:
    if not _MARKS:
        from PySide6.QtGui import QColor

        _MARKS["mark:c"] = _mark_image("c", QColor("#174a7c"), 5, 9)
        _MARKS["mark:o"] = _mark_image("\u270e", QColor("#8a3b00"), 9, 9)
    return _MARKS


def build_qtextdocument(
    doc: Document, *, legend: bool = True, charts_by: str = "thread", split: bool = False
) -> Built:
    """The Qt text document of ``doc``. Charts are drawn meanwhile on the chart thread, or
    with ``charts_by="process"`` in a forked child (see _chart_in_child). ``split``: the
    HTML goes in by several shorter calls (see layout_pages' ``in_steps``)."""
    qdoc = QTextDocument()
    qdoc.setDefaultFont(_font(BASE_PT))
    qdoc.setDefaultStyleSheet(_CSS)
    qdoc.setDocumentMargin(0)
    # Words are never broken inside (the default also breaks "anywhere" when a word is
    # wider than its column, which printed "cyclophosphamid-ec").
    opt = qdoc.defaultTextOption()
    opt.setWrapMode(QTextOption.WrapMode.WordWrap)
    qdoc.setDefaultTextOption(opt)
    for name, img in _marks().items():
        qdoc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), img)
    charts: list[_ChartSlot] = []
    # Every chart starts before any text goes in: the chart is the longest single job
    # (unless count_pages started it already, see Document.prefetch).
    futures = iter(
        [
            _PREFETCHED.pop(b, None) or _chart_future(b, charts_by)
            for b in doc.blocks
            if isinstance(b, Chart)
        ]
    )
    blank = QImage(1, 1, QImage.Format.Format_ARGB32)
    blank.fill(Qt.GlobalColor.transparent)
    qdoc.addResource(QTextDocument.ResourceType.ImageResource, QUrl("chart:blank"), blank)
    cursor = QTextCursor(qdoc)
    chunk: list[str] = []
    # The legend explaining the marks goes right under the title (or first, without one).
    want_legend = legend and (doc.has_markers(COMPUTED) or doc.has_markers(OVERRIDE))
    if want_legend and not (doc.blocks and isinstance(doc.blocks[0], Heading)):
        chunk.append(f"<p class='legend'>{LEGEND_HTML}</p>")
        want_legend = False
    pending_break = False

    after_chart = [False]

    def flush() -> None:
        if chunk:
            cursor.movePosition(QTextCursor.MoveOperation.End)
            if after_chart[0]:
                # Qt pours the first HTML block into the block the cursor is in (the
                # chart's), losing its heading level; a tiny no-break space takes that
                # place, so what follows keeps its own blocks and formats.
                chunk.insert(0, "<span style='font-size:1pt'>&nbsp;</span>")
                after_chart[0] = False
            if not split:
                cursor.insertHtml("".join(chunk))
            else:
                # Before each table: a table after a block starts a frame of its own,
                # so the document comes out as from one call (the lay_out test
                # compares them); one call per part keeps each call short.
                starts = [i for i, h in enumerate(chunk) if i and h.startswith("<table")]
                for lo, hi in zip([0, *starts], [*starts, len(chunk)], strict=True):
                    cursor.movePosition(QTextCursor.MoveOperation.End)
                    cursor.insertHtml("".join(chunk[lo:hi]))
                    breathe()  # each call held Python's lock throughout: let the window in
            chunk.clear()

    for b in doc.blocks:
        if isinstance(b, PageBreak):
            pending_break = True
            continue
        if isinstance(b, Chart):
            flush()
            w_in, h_in = float(b.size[0]), float(b.size[1])
            if w_in > MAX_CHART_W_IN:
                h_in, w_in = h_in * MAX_CHART_W_IN / w_in, MAX_CHART_W_IN
            fmt = QTextImageFormat()
            fmt.setName("chart:blank")
            fmt.setWidth(w_in * _SCREEN_DPI)
            fmt.setHeight(h_in * _SCREEN_DPI)
            cursor.movePosition(QTextCursor.MoveOperation.End)
            # A plain block: inheriting the heading above would make the chart a "heading".
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
            if pending_break:
                bf = cursor.blockFormat()
                bf.setPageBreakPolicy(bf.PageBreakFlag.PageBreak_AlwaysBefore)
                cursor.setBlockFormat(bf)
                pending_break = False
            # Drawn meanwhile (chart thread or child process); awaited when painted.
            slot = _ChartSlot(cursor.position(), next(futures), w_in, h_in)
            charts.append(slot)
            cursor.insertImage(fmt)
            # What follows starts a block of its own (else the next heading shares the
            # chart's block and moves with it); nothing after a last chart (no blank page).
            after_chart[0] = True
            if b.caption:
                chunk.append(f"<p class='caption'>{html.escape(b.caption)}</p>")
            continue
        chunk.append(_block_html(b, pending_break))
        pending_break = False
        if want_legend:
            chunk.append(f"<p class='legend'>{LEGEND_HTML}</p>")
            want_legend = False
    flush()
    return Built(qdoc, charts)


def _tables(frame) -> list[QTextTable]:
    out = []
    for child in frame.childFrames():
        if isinstance(child, QTextTable):
            out.append(child)
        out.extend(_tables(child))
    return out


# Kinds of the pieces a page is made of (see paginate).
LINE, HEADING, CHART, HEADER_ROW, ROW = "line", "heading", "chart", "header", "row"


@dataclass
class Piece:
    """Something a page break must not cut: a line of a paragraph, a chart, or a whole
    table row. ``top``/``bottom`` bound its text (document pixels, laid out as one long
    page); ``keep_next`` = it goes on the page of what follows (a heading, a caption,
    a table's header rows); ``break_before`` = it starts a page (the appendix)."""

    top: float
    bottom: float
    kind: str
    keep_next: bool = False
    break_before: bool = False
    table: int = -1  # index into Pagination.headers for rows of a table with a header


@dataclass
class Page:
    top: float  # the slice of the long layout this page shows
    bottom: float
    header: tuple[float, float] | None = None  # the slice of a table's header rows, again


@dataclass
class Pagination:
    pieces: list[Piece]
    pages: list[Page]
    page_height: float


def _lines_of(lay, block) -> list[tuple[float, float]]:
    """(top, bottom) of each line of a block, in document pixels."""
    layout = block.layout()
    n = layout.lineCount()
    if n == 0:
        return []
    top = lay.blockBoundingRect(block).top()
    out = []
    for i in range(n):
        line = layout.lineAt(i)
        y = top + line.y()
        out.append((y, y + line.height()))
    return out


def _row_lines(qdoc, lay, table: QTextTable, r: int) -> list[tuple[float, float]]:
    """Every text line of a table row (all its cells)."""
    out: list[tuple[float, float]] = []
    for c in range(table.columns()):
        cell = table.cellAt(r, c)
        if not cell.isValid() or cell.row() != r:
            continue  # spanned from a row above
        block = qdoc.findBlock(cell.firstPosition())
        last = cell.lastPosition()
        while block.isValid() and block.position() <= last:
            out.extend(_lines_of(lay, block))
            block = block.next()
    return out


def _row_top(qdoc, lay, table: QTextTable, r: int) -> float:
    cell = table.cellAt(r, 0)
    if cell.row() != r:  # spanned from a row above: ask every cell
        return min((a for a, _ in _row_lines(qdoc, lay, table, r)), default=0.0)
    block = qdoc.findBlock(cell.firstPosition())
    layout = block.layout()
    first = layout.lineAt(0).y() if layout.lineCount() else 0.0
    return lay.blockBoundingRect(block).top() + first


def _bands(lines: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Lines side by side merged into bands a page break may pass between."""
    bands: list[list[float]] = []
    for top, bottom in sorted(lines):
        if bands and top < bands[-1][1] - 0.5:
            bands[-1][1] = max(bands[-1][1], bottom)
        else:
            bands.append([top, bottom])
    return [(a, b) for a, b in bands]


def _pieces(qdoc: QTextDocument, page_h: float) -> tuple[list[Piece], list[tuple]]:
    """The pieces of the document in order, and the header slice of each table."""
    lay = qdoc.documentLayout()
    pieces: list[Piece] = []
    headers: list[tuple] = []
    tables = sorted(_tables(qdoc.rootFrame()), key=lambda t: t.firstPosition())
    ti = 0
    pending_break = False
    block = qdoc.begin()
    AlwaysBefore = QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore  # noqa: N806

    def add_rows(table: QTextTable) -> None:
        nonlocal pending_break
        fmt = table.format()
        n_header = fmt.headerRowCount()
        if fmt.pageBreakPolicy() & AlwaysBefore:
            pending_break = True
        if pieces and not pending_break and pieces[-1].kind in (LINE, HEADING):
            # The line right above a table (its caption or heading) goes with its first row.
            pieces[-1].keep_next = True
        idx = -1
        first_body = len(pieces) + n_header
        rows = table.rows()
        # Cells are top-aligned and rows follow each other with the same padding and
        # border between them: one call per row finds its top, and the text bottom of a
        # row is the next row's top less that gap. Asking every line of every cell
        # costed more than Qt's whole layout.
        tops = [_row_top(qdoc, lay, table, r) for r in range(rows)]
        sample = max(0, n_header - 1)
        sample_bottom = max((b for _, b in _row_lines(qdoc, lay, table, sample)), default=0.0)
        between = tops[sample + 1] - sample_bottom if rows > sample + 1 else 0.0
        for r in range(rows):
            top = tops[r]
            if r + 1 < rows:
                bottom = tops[r + 1] - between
            else:
                bottom = max((b for _, b in _row_lines(qdoc, lay, table, r)), default=top)
            if r < n_header:
                pieces.append(Piece(top, bottom, HEADER_ROW, keep_next=True))
                if r == n_header - 1:
                    headers.append([lay.frameBoundingRect(table).top(), bottom, bottom])
                    idx = len(headers) - 1
            elif bottom - top > page_h * 0.9:
                # Taller than a page: it must be cut, but between lines.
                for a, b in _bands(_row_lines(qdoc, lay, table, r)):
                    pieces.append(Piece(a, b, ROW, table=idx))
            else:
                pieces.append(Piece(top, bottom, ROW, table=idx))
            if pending_break:
                pieces[-1].break_before = True
                pending_break = False
        if idx >= 0 and len(pieces) > first_body:  # the header slice ends where row 1 starts
            headers[idx][2] = pieces[first_body].top

    while block.isValid():
        pos = block.position()
        if ti < len(tables) and pos >= tables[ti].firstPosition():
            table = tables[ti]
            ti += 1
            add_rows(table)
            block = qdoc.findBlock(table.lastPosition() + 1)
            # Tables inside this one were walked as its cells' text.
            while ti < len(tables) and tables[ti].firstPosition() <= table.lastPosition():
                ti += 1
            continue
        fmt = block.blockFormat()
        if fmt.pageBreakPolicy() & AlwaysBefore:
            pending_break = True
        text = block.text()
        if text.strip():
            heading = fmt.headingLevel() > 0
            chart = text == "\ufffc"
            lines = _lines_of(lay, block)
            for k, (top, bottom) in enumerate(lines):
                kind = HEADING if heading else CHART if chart else LINE
                pieces.append(Piece(top, bottom, kind, keep_next=heading))
                if k == 0 and pending_break:
                    pieces[-1].break_before = True
                    pending_break = False
            if chart and lines:
                nxt = block.next()
                if nxt.isValid() and nxt.text().strip() and nxt.layout().lineCount() == 1:
                    pieces[-1].keep_next = not nxt.blockFormat().headingLevel()  # its caption
        block = block.next()
    return pieces, headers


# Room for what sits between two pieces (cell padding and borders, a table's frame) on
# both pages of a break; gaps wider than this are empty space and are left out.
_GAP_MM = 1.5


def paginate(qdoc: QTextDocument, page_h: float, gap: float) -> Pagination:
    """Cut the document, laid out as one long page, into pages of ``page_h`` pixels.

    Qt's own pagination breaks between lines anywhere, inside table rows too, and leaves
    a heading alone at a page foot; correcting it changes the layout and makes Qt lay
    the whole document out again, once per fix (quadratic in the pages). Here Qt lays the
    text out once, without pages; pages are then cut in one pass between pieces (lines,
    whole rows, a heading with what follows), and a table going on to a new page gets
    its header rows painted again on top.
    """
    # The whole layout first: Qt lays out lazily, and a block not laid out yet has no lines.
    doc_h = qdoc.size().height()
    pieces, headers = _pieces(qdoc, page_h)
    n = len(pieces)
    pages: list[Page] = []

    # A row's borders lie in the gaps around its text; a line of text has none (its gap
    # would show the border of the table before or after it).
    def gap_above(k: int) -> float:
        if pieces[k].kind not in (ROW, HEADER_ROW):
            return 0.0
        prev = pieces[k - 1].bottom if k else 0.0
        return max(0.0, min(pieces[k].top - prev, gap))

    def gap_below(k: int) -> float:
        if pieces[k].kind not in (ROW, HEADER_ROW):
            return 0.0
        nxt = pieces[k + 1].top if k + 1 < n else doc_h
        return max(0.0, min(nxt - pieces[k].bottom, gap))

    k = 0
    while k < n:
        p = pieces[k]
        header = None
        if p.kind == ROW and p.table >= 0:
            h_top, h_text, h_next = headers[p.table]
            header = (h_top, h_text + max(0.0, min(h_next - h_text, gap)))
        top = 0.0 if k == 0 else p.top - gap_above(k)
        room = page_h - (header[1] - header[0] if header else 0.0)
        fits = ok = None
        j = k
        while j < n:
            if j > k and pieces[j].break_before:
                break
            if pieces[j].bottom + gap_below(j) - top > room and j > k:
                break
            fits = j
            if not pieces[j].keep_next or j == n - 1:
                ok = j
            if pieces[j].bottom + gap_below(j) - top > room:
                break  # a single piece taller than the page: it goes alone
            j += 1
        end = ok if ok is not None else fits
        bottom = doc_h if end == n - 1 else pieces[end].bottom + gap_below(end)
        pages.append(Page(top, bottom, header))
        k = end + 1
    if not pages:
        pages.append(Page(0.0, doc_h))
    return Pagination(pieces, pages, page_h)


def layout_pages(
    qdoc: QTextDocument, device, body: QRectF, *, in_steps: bool = False
) -> Pagination:
    """Lay ``qdoc`` out for ``device`` at the body's width and cut it into pages.

    ``in_steps``: laid out a few blocks per call into Qt (on a worker): PySide holds
    Python's lock for the whole of a call, so one call laying out a long report stops
    the UI thread that long (a fifth of a second for the 25-year journal); in steps it
    waits at most for one table. Costs the worker more in all, so not for the PDF."""
    # A document's layout, when first asked for, lays out its first part at once, for
    # the screen; with no page size it waits for the device and width below (a layout
    # thrown away: 15 ms for the 25-year summary).
    qdoc.setPageSize(QSizeF(0, 0))
    lay = qdoc.documentLayout()
    lay.setPaintDevice(device)
    qdoc.setPageSize(QSizeF(body.width(), -1))  # one long page: Qt does not paginate
    if in_steps:
        block, n = qdoc.begin(), 0
        while block.isValid():
            n += 1
            if n % 10 == 0:
                lay.blockBoundingRect(block)  # lays the document out up to this block
                breathe()
            block = block.next()
    mm = device.resolution() / 25.4
    return paginate(qdoc, body.height(), _GAP_MM * mm)


def _prepare(device: QPagedPaintDevice) -> tuple[QRectF, QRectF]:
    """Make the device paint from the page corner; return (full page, body) in pixels.

    We draw our own margins (with room for the header and footer) instead of
    the device's, so the PDF, the printer and the preview look the same.
    """
    try:
        from PySide6.QtPrintSupport import QPrinter
    except ImportError:  # pragma: no cover - QtPrintSupport ships with Essentials
        QPrinter = None  # noqa: N806
    if QPrinter is not None and isinstance(device, QPrinter):
        device.setFullPage(True)
        # Lay out at the PDF's resolution: font metrics and pixel spacings differ with the
        # resolution, and the preview, the printout and the PDF must break pages alike.
        if device.resolution() != LAYOUT_DPI:
            device.setResolution(LAYOUT_DPI)
    else:
        device.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    res = device.resolution()
    full = QRectF(device.pageLayout().fullRectPixels(res))
    mm = res / 25.4
    body = full.adjusted(
        MARGINS_MM.left() * mm,
        MARGINS_MM.top() * mm,
        -MARGINS_MM.right() * mm,
        -MARGINS_MM.bottom() * mm,
    )
    return full, body


def paint_document(
    doc: Document,
    device: QPagedPaintDevice,
    built: Built | None = None,
    *,
    painted: list[int] | None = None,
) -> int:
    """Paint every page of ``doc`` on ``device`` (PDF writer or printer). Returns pages.

    ``painted``: the device may take the pages out of order (a PDF whose page list
    :func:`pages_in_order` puts in order afterwards). A page whose chart is still being
    drawn then waits until every other page is painted, and the order the pages went in
    is appended to ``painted``. Why: the chart of a long history is most of a second of
    work on the other core; painting the pages after it meanwhile takes it off the
    export's critical path (25-year journal: 26 pages of lab tables after the chart)."""
    built = built or build_qtextdocument(doc)
    _full, body = _prepare(device)
    qdoc = built.qdoc
    paged = layout_pages(qdoc, device, body)
    pages = len(paged.pages)
    chart_rects = [(_chart_rect(qdoc, s, device), s) for s in built.charts]
    later: list[int] = []  # pages whose chart is not drawn yet
    done = 0

    def waits(i: int) -> bool:
        page = paged.pages[i]
        on_page = QRectF(0, page.top, body.width(), page.bottom - page.top)
        return any(
            s.renderer is None and s.image is None and not s.future.done()
            for r, s in chart_rects
            if r.intersects(on_page)
        )

    painter = QPainter()
    if not painter.begin(device):
        raise OSError("could not start drawing on the output (printer or PDF file)")
    try:
        for i in range(pages):
            if painted is not None and waits(i):
                later.append(i)
                continue
            if done:
                device.newPage()
            _paint_page(painter, doc, qdoc, paged, i, body, chart_rects, device.resolution())
            done += 1
            if painted is not None:
                painted.append(i)
        for i in later:  # every other page is out: now the charts are awaited
            if done:
                device.newPage()
            _paint_page(painter, doc, qdoc, paged, i, body, chart_rects, device.resolution())
            done += 1
            painted.append(i)
    finally:
        painter.end()
    return pages


# Qt's PDF writer lists the pages in one array in the order they were painted:
# "/Type /Pages /Kids [ 10 0 R 26 0 R ... ] /Count 33".
_PAGE_TREE = re.compile(rb"/Type\s*/Pages\s*/Kids\s*\[([\s\d0R]*)\]\s*/Count\s+(\d+)")
_PAGE_REF = re.compile(rb"\d+\s+0\s+R")


def pages_in_order(pdf: bytes, painted: list[int]) -> bytes | None:
    """The PDF with its pages listed in reading order, when ``painted`` says in which
    order they were painted (page ``painted[k]`` is the k-th painted). The page objects
    stay where they are: only the references in the page list swap places, so the file
    keeps its length and every offset of its cross-reference table holds. None when the
    page list is not the plain kind Qt writes (then the pages are painted again)."""
    found = list(_PAGE_TREE.finditer(pdf))
    if len(found) != 1:
        return None
    m = found[0]
    refs = list(_PAGE_REF.finditer(pdf, m.start(1), m.end(1)))
    n = len(painted)
    if int(m[2]) != n or len(refs) != n or sorted(painted) != list(range(n)):
        return None
    kids: list[bytes] = [b""] * n
    for k, page in enumerate(painted):
        kids[page] = refs[k][0]
    out = bytearray(pdf)
    # Right to left, so the positions still to replace do not move.
    for ref, new in reversed(list(zip(refs, kids, strict=True))):
        out[ref.start() : ref.end()] = new
    return bytes(out) if len(out) == len(pdf) else None


def _paint_page(painter, doc, qdoc, paged, i, body, chart_rects, res) -> None:
    page = paged.pages[i]
    lay = qdoc.documentLayout()
    y = body.top()
    if page.header is not None:
        _draw_slice(painter, lay, body, y, *page.header)
        y += page.header[1] - page.header[0]
    clip = _draw_slice(painter, lay, body, y, page.top, page.bottom)
    for rect, slot in chart_rects:
        if rect.intersects(clip):
            painter.save()
            painter.translate(body.left(), y - page.top)
            painter.setClipRect(clip)
            slot.paint(painter, rect)
            painter.restore()
    # Sized for the page's resolution whatever the painter's device (the preview paints
    # on the screen, scaled): the same size in the PDF and in the preview.
    small = _font(BASE_PT - 1.5)
    dpi = painter.device().logicalDpiY() if painter.device() is not None else res
    if dpi and dpi != res:
        small.setPointSizeF(small.pointSizeF() * res / dpi)
    _furniture(painter, doc, i + 1, len(paged.pages), body, small, res / 25.4)


@dataclass
class LaidOut:
    """A document laid out in pages, to be painted one page at a time (the preview).

    Made on any thread by :func:`lay_out`: Qt lays the text out (the long part of a long
    history's report) with a PDF writer at the PDF's resolution, so the pages break
    exactly as in the saved PDF; only painting a page is left for the UI thread.
    """

    doc: Document
    built: Built
    paged: Pagination
    full: QRectF  # the page, in layout pixels (LAYOUT_DPI)
    body: QRectF
    chart_rects: list[tuple[QRectF, _ChartSlot]]
    device: QPdfWriter  # the layout measured with it; Qt keeps a raw pointer to it
    buffer: QBuffer
    # The bytes behind the buffer: QBuffer keeps only a raw pointer to them, and Python
    # holds no other reference (let go, the writer would write into freed memory).
    data: QByteArray

    @property
    def page_count(self) -> int:
        return len(self.paged.pages)

    def paint_page(self, painter: QPainter, i: int) -> None:
        """Page ``i`` (from 0) in layout pixels from the page's corner."""
        self.built.qdoc.documentLayout().setPaintDevice(self.device)
        _paint_page(
            painter,
            self.doc,
            self.built.qdoc,
            self.paged,
            i,
            self.body,
            self.chart_rects,
            LAYOUT_DPI,
        )


def lay_out(doc: Document, page_size: str = "A4", *, to_thread=None) -> LaidOut:
    """Lay ``doc`` out in pages (any thread; no widgets). The charts are drawn and parsed
    here too, so painting a page later never waits. ``to_thread``: the Qt objects are
    handed to that thread (the UI thread) when made elsewhere."""
    writer, buf, data = _memory_writer(page_size)
    built = build_qtextdocument(doc, split=True)
    full, body = _prepare(writer)
    paged = layout_pages(built.qdoc, writer, body, in_steps=True)
    chart_rects = [(_chart_rect(built.qdoc, s, writer), s) for s in built.charts]
    for slot in built.charts:
        slot.load()
    if to_thread is not None:
        _forget_font_engines(built.qdoc)
        for obj in (built.qdoc, writer, buf, *(s.renderer for s in built.charts)):
            if obj is not None:
                obj.moveToThread(to_thread)
    return LaidOut(doc, built, paged, full, body, chart_rects, writer, buf, data)


def _forget_font_engines(qdoc: QTextDocument) -> None:
    """Make the text layouts of ``qdoc`` look their fonts up again when next used.

    Each block's layout keeps a bare pointer to the last font engine it shaped with,
    and that engine belongs to the font cache of the thread that laid it out. A pool
    thread ends after 30 s idle and Qt frees its cache: the UI thread then painted the
    preview with freed engines (a crash once a person had read for half a minute and
    scrolled), or shared live ones with a worker laying out the next report. Setting
    the layout's own font again empties that one-entry cache (the lines stay laid out),
    so the painting thread shapes with engines from its own cache: the same fonts and
    glyphs, drawn the same."""
    block = qdoc.begin()
    while block.isValid():
        tl = block.layout()
        tl.setFont(tl.font())
        block = block.next()


def _draw_slice(painter, lay, body, y, top, bottom) -> QRectF:
    """Paint the part ``top``..``bottom`` of the long layout at height ``y`` of the page.
    Qt is told the same part, a hair inside, so it skips every line not wholly in it (a
    line hidden by the clip alone would still be in the PDF's text, and in what a reader
    copies) but still draws the borders of the cells around it."""
    painter.save()
    clip = QRectF(0, top, body.width(), bottom - top)
    painter.translate(body.left(), y - top)
    painter.setClipRect(clip)
    ctx = QAbstractTextDocumentLayout.PaintContext()
    ctx.clip = QRectF(0, top + 0.5, body.width(), max(0.0, bottom - top - 1.0))
    ctx.palette.setColor(ctx.palette.ColorRole.Text, Qt.GlobalColor.black)
    lay.draw(painter, ctx)
    painter.restore()
    return clip


def _chart_rect(qdoc: QTextDocument, slot: _ChartSlot, device) -> QRectF:
    block = qdoc.findBlock(slot.position)
    rel = slot.position - block.position()
    line = block.layout().lineForTextPosition(rel)
    top_left = qdoc.documentLayout().blockBoundingRect(block).topLeft()
    x = line.cursorToX(rel)[0] if isinstance(line.cursorToX(rel), tuple) else line.cursorToX(rel)
    dpi = device.logicalDpiY()
    return QRectF(top_left.x() + x, top_left.y() + line.y(), slot.w_in * dpi, slot.h_in * dpi)


def _furniture(painter, doc, page, pages, body, font, mm) -> None:
    painter.save()
    painter.setFont(font)
    painter.setPen(QPen(Qt.GlobalColor.black))
    fm_h = painter.fontMetrics().height()
    top = QRectF(body.left(), body.top() - 2.5 * mm - fm_h * 1.2, body.width(), fm_h * 1.2)
    left = doc.title + (f" · {doc.header_left}" if doc.header_left else "")
    painter.drawText(top, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom), left)
    painter.drawText(
        top, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom), doc.header_right
    )
    pen = QPen(Qt.GlobalColor.darkGray)
    pen.setWidthF(0.25 * mm)
    painter.setPen(pen)
    y = body.top() - 1.5 * mm
    painter.drawLine(int(body.left()), int(y), int(body.right()), int(y))
    painter.setPen(QPen(Qt.GlobalColor.black))
    bottom = QRectF(body.left(), body.bottom() + 2 * mm, body.width(), fm_h * 1.2)
    painter.drawText(
        bottom, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), doc.footer_left
    )
    painter.drawText(
        bottom,
        int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
        f"page {page} of {pages}",
    )
    painter.restore()


def page_layout(page_size: str = "A4") -> QPageLayout:
    if page_size not in PAGE_SIZES:
        raise ValueError(f"unknown page size {page_size!r}; use A4 or Letter")
    return QPageLayout(
        QPageSize(PAGE_SIZES[page_size]),
        QPageLayout.Orientation.Portrait,
        MARGINS_MM,
        QPageLayout.Unit.Millimeter,
    )


def _memory_writer(
    page_size: str, resolution: int = LAYOUT_DPI
) -> tuple[QPdfWriter, QBuffer, QByteArray]:
    """A PDF writer into memory on ``page_size`` paper: the PDF, the page counter and the
    preview all lay out through the same kind of writer, so their pages agree. The
    buffer and its bytes are returned too: they must outlive the writer."""
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buf)
    writer.setResolution(resolution)
    writer.setPageLayout(page_layout(page_size))
    return writer, buf, data


def _pdf_bytes(
    doc: Document, built: Built, page_size: str, resolution: int, painted: list[int] | None
) -> tuple[int, bytes]:
    writer, buf, data = _memory_writer(page_size, resolution or LAYOUT_DPI)
    writer.setTitle(doc.title)
    writer.setCreator("Treatment Journal")
    pages = paint_document(doc, writer, built, painted=painted)
    del writer  # flushes the PDF trailer into the buffer
    buf.close()
    return pages, data.data()


def write_pdf(
    doc: Document,
    path: Path | str,
    *,
    page_size: str = "A4",
    resolution: int = LAYOUT_DPI,
    password: str | None = None,
) -> int:
    """Write ``doc`` as a PDF at ``path`` atomically. Returns the number of pages.
    With ``password`` the file is encrypted (AES-256, reports/protect.py).

    Raises OSError (a :class:`journal.errors.DiskFullError` or
    ``FileAccessError``) with a plain message when the file cannot be written; the
    previous file at ``path`` (if any) is then left as it was, and no temporary
    file is left behind.
    """
    from journal.fileio import write_atomic

    path = Path(path)
    # Drawn in memory, then written by the same temp-file + fsync + rename writer as
    # exports: a full disk or a missing folder is reported in one plain sentence
    # (QSaveFile only says "No space left on device").
    built = build_qtextdocument(doc, charts_by="process")
    painted: list[int] = []
    pages, content = _pdf_bytes(doc, built, page_size, resolution, painted)
    if painted != sorted(painted):
        in_order = pages_in_order(content, painted)
        if in_order is None:  # not the page list Qt writes: painted again, in order
            log.warning("PDF pages painted again in order (unexpected page list)")
            pages, content = _pdf_bytes(doc, built, page_size, resolution, None)
        else:
            content = in_order
    if doc.private:  # de-identified: the file's own dates cut to the year
        from journal.reports.deid import deidentify_pdf_bytes

        content = deidentify_pdf_bytes(bytes(content))
    if password:
        from journal.reports.protect import protect_pdf

        content = protect_pdf(bytes(content), password)
    write_atomic(path, content)
    return pages


def count_pages(doc: Document, page_size: str = "A4", *, in_steps: bool = False) -> int:
    """Pages ``doc`` takes on ``page_size`` paper, laid out as :func:`write_pdf` would
    (used to fit the screening core on two pages). Charts are not drawn.

    ``in_steps``: for a worker of the window. PySide holds Python's lock for the whole of
    each call into Qt, and pouring a long core in with one call and laying it out with
    another each stopped the window 0.1-0.25 s. Poured in per table and laid out in parts
    (as :func:`lay_out` does for the preview), the same document breaks into the same
    pages (a test compares them); the worker takes a little longer in all."""
    writer, buf, _data = _memory_writer(page_size)
    for chart in doc.prefetch:
        if chart not in _PREFETCHED:
            _PREFETCHED[chart] = _chart_future(chart, "process")
    built = build_qtextdocument(doc, charts_by="none", split=in_steps)
    _full, body = _prepare(writer)
    pages = len(layout_pages(built.qdoc, writer, body, in_steps=in_steps).pages)
    del writer
    buf.close()
    return pages


def render_to_printer(doc: Document, printer) -> int:
    """Slot body for ``QPrintPreviewDialog.paintRequested`` and for printing."""
    return paint_document(doc, printer)
