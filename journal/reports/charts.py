"""The timeline chart as a report block: the chart engineer's drawing function,
called on a plain Figure, so the PDF shows exactly what the Timeline view shows."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from journal.reports.inputs import ReportInputs

log = logging.getLogger(__name__)


def timeline_chart(
    inputs: ReportInputs,
    date_range: tuple[dt.date, dt.date] | None = None,
    *,
    title: str = "",
    extra_labs: tuple[str, ...] = (),
) -> Callable[[Any], Any] | None:
    """A ``draw(fig)`` function for the document, or None when the chart module
    is not available (the report then simply has no chart)."""
    try:
        from journal.charts.data import timeline_data_from
        from journal.charts.timeline import draw_timeline
    except ImportError:  # pragma: no cover - charts are part of the app
        return None
    as_of = getattr(inputs.summary, "as_of", None)
    today = as_of if isinstance(as_of, dt.date) else inputs.generated
    if date_range is not None:
        today = date_range[1]
    data = timeline_data_from(
        inputs.history, inputs.summary, today=today, extra_labs=extra_labs, title=title
    )

    def draw(fig: Any) -> Any:
        return draw_timeline(fig, data, date_range=date_range)

    return draw
