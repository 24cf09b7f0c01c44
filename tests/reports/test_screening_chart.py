"""The screening summary's timeline block (issue 11): the whole history at any length,
same block size on A4 and Letter, and a heading that says when years are compressed."""

from __future__ import annotations

import datetime as dt

import pytest

from journal.reports.document import Chart, Heading
from journal.reports.inputs import ReportOptions, load_report_inputs
from journal.reports.screening import build_screening
from journal.store.db import create_journal, open_journal

AS_OF = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def long_inputs(tmp_path_factory):
    from journal.synthetic import build_synthetic

    path = tmp_path_factory.mktemp("synthetic") / "synthetic.sqlite"
    store = create_journal(path)
    build_synthetic(store, years=25)
    store.close()
    with open_journal(path, readonly=True, auto_backup=False) as store:
        return load_report_inputs(store, as_of=AS_OF)


def _chart_and_heading(doc) -> tuple[Chart, str]:
    for i, block in enumerate(doc.blocks):
        if isinstance(block, Chart):
            heading = next(b for b in reversed(doc.blocks[:i]) if isinstance(b, Heading))
            return block, heading.text
    raise AssertionError("no chart in the document")


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_25_year_chart_block_is_the_whole_history_compressed(long_inputs, paper):
    doc = build_screening(long_inputs, ReportOptions(as_of=AS_OF, page_size=paper))
    chart, heading = _chart_and_heading(doc)
    assert chart.size == (7.1, 8.6)  # the block's size contract is unchanged
    assert "the last 6 years to scale" in heading and "before 2021 compressed" in heading
    from matplotlib.figure import Figure

    fig = Figure(figsize=chart.size)
    drawn = chart.draw(fig)
    first = min(r.start.as_date() for r in long_inputs.history.regimens)
    x0, _ = drawn.arts.lanes_ax.get_xlim()
    assert x0 <= drawn.time.x(first)


def test_demo_chart_heading_has_no_compression(demo_inputs):
    doc = build_screening(demo_inputs, ReportOptions(as_of=AS_OF))
    chart, heading = _chart_and_heading(doc)
    assert heading == "Timeline of treatment, responses and side effects"
    assert chart.size == (7.1, 8.6)


@pytest.mark.slow
@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_25_year_pdf_prints_the_compressed_timeline_on_one_page(qapp, long_inputs, tmp_path, paper):
    from functools import partial

    from report_helpers import pdf_pages_text

    from journal.reports.qt_backend import count_pages, write_pdf
    from journal.reports.screening import fit_screening

    opts = ReportOptions(as_of=AS_OF, page_size=paper)
    doc = fit_screening(long_inputs, opts, partial(count_pages, page_size=paper))
    out = tmp_path / f"summary-{paper}.pdf"
    write_pdf(doc, out, page_size=paper)
    pages = pdf_pages_text(out)
    page = next(p for p in pages if "Timeline of treatment" in p)
    # the chart's words are text in the PDF, on the heading's page: the shared lane of the
    # early lines, the latest line, the break, real years on both sides of it
    lines = long_inputs.summary.lines.lines
    assert "Lines 1–" in page and f"Line {lines[-1].number}:" in page
    assert "earlier years compressed" in page and "years to scale" in page
    assert "2010" in page and "2026" in page
