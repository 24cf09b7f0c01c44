"""Hand-made documents for the report machinery tests."""

from __future__ import annotations

import pytest

from journal.reports.document import Document, computed, overridden


def _draw(fig):
    ax = fig.add_subplot()
    ax.plot([1, 2, 3], [3.1, 1.2, 2.4])
    ax.set_title("Serum M-protein chartlabel")


@pytest.fixture
def long_doc() -> Document:
    """Three-plus pages: a long table whose header must repeat, a chart, a page break."""
    d = Document(
        "Trial-screening summary",
        header_left="Jane Doe",
        header_right="born 3 Mar 1957",
        footer_left="generated 25 Nov 2026 · patient-kept record: verify with medical records",
    )
    d.heading(1, "Trial-screening summary")
    d.key_value([("Prior lines", computed("4")), ("Refractory", overridden("lenalidomide"))], 2)
    d.table(
        [["Date", "Test", "Value", "Unit"]],
        [[f"2020-01-{(i % 28) + 1:02d}", f"row{i:03d}", str(i), "g/dL"] for i in range(160)],
        col_widths=[2, 3, 1, 1],
    )
    d.chart(_draw, (7, 3), caption="Timeline of treatment")
    d.page_break()
    d.heading(2, "Appendix: notes")
    d.paragraph("Appendix starts on its own page.")
    return d
