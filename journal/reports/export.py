"""Headless PDF export for the command line and scripts.

``export_pdf(store, out, ...)`` works without a display: it selects Qt's
offscreen platform itself when no display is available, creates the Qt
application object if there is none, and imports Qt only when called (so
``journal.reports`` stays importable without PySide6 for the layer check).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

from journal.reports.inputs import ReportOptions, load_report_inputs


def ensure_qt_headless() -> object:
    """Return a Qt application object, making one that needs no display if needed."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance()
    if app is None:
        app = QGuiApplication(["journal"])
    return app


def export_pdf(
    store,
    out: Path | str,
    *,
    kind: str = "screening",
    identity: str = "full",
    as_of: dt.date | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    page_size: str = "A4",
    appendix: bool = True,
) -> int:
    """Build the report from an open journal and write it to ``out``. Returns pages."""
    from functools import partial

    from journal.reports import build_report

    opts = ReportOptions(
        identity=identity,
        as_of=as_of,
        page_size=page_size,
        visit_since=since,
        visit_until=until,
        appendix=appendix,
    )
    inputs = load_report_inputs(store, as_of=as_of)
    ensure_qt_headless()
    from journal.reports.qt_backend import count_pages, write_pdf

    doc = build_report(kind, inputs, opts, count_pages=partial(count_pages, page_size=page_size))

    return write_pdf(doc, out, page_size=page_size)


def export_text(
    store,
    *,
    kind: str = "screening",
    identity: str = "full",
    as_of: dt.date | None = None,
    since: dt.date | None = None,
) -> str:
    from journal.reports import build_report
    from journal.reports.text_backend import render_text

    opts = ReportOptions(identity=identity, as_of=as_of, visit_since=since)
    return render_text(build_report(kind, load_report_inputs(store, as_of=as_of), opts))
