"""Reports: the trial-screening summary and the visit summary.

``build_report(kind, inputs, opts) -> Document`` builds either report against the
document model in :mod:`journal.reports.document`; backends render it:
:func:`journal.reports.text_backend.render_text` (plain text) and
:mod:`journal.reports.qt_backend` (preview, printing, PDF; the only module here
that imports PySide6).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from journal.reports.document import Document
    from journal.reports.inputs import ReportInputs, ReportOptions

REPORT_KINDS = {
    "screening": "Trial-screening summary",
    "visit": "Visit summary",
}


def build_report(
    kind: str, inputs: ReportInputs, opts: ReportOptions, *, count_pages=None
) -> Document:
    """Build a report. ``count_pages(doc) -> int`` (a paged backend's page counter, e.g.
    ``functools.partial(qt_backend.count_pages, page_size="A4")``) lets the screening
    summary fit its core on two pages; without it the core holds every line."""
    if kind == "screening":
        from journal.reports.screening import build_screening, fit_screening

        if count_pages is not None:
            return fit_screening(inputs, opts, count_pages)
        return build_screening(inputs, opts)
    if kind == "visit":
        from journal.reports.visit import build_visit

        return build_visit(inputs, opts)
    raise ValueError(f"unknown report {kind!r}; use one of {', '.join(REPORT_KINDS)}")
