"""Image comparisons of the drawn timeline against committed baselines.

Style and fonts are fixed (matplotlib defaults, DejaVu Sans, Agg) so the only
thing that can move the pixels is the drawing code. After an intended change,
regenerate with ``TIMELINE_REGEN=1 .venv/bin/pytest tests/charts/test_images.py``,
LOOK at the new PNGs, and commit them.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import matplotlib as mpl
import matplotlib.style
import pytest
from chart_samples import TODAY
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.testing.compare import compare_images

from journal.charts.data import timeline_data_from
from journal.charts.timeline import draw_timeline

BASELINE = Path(__file__).parent / "baseline"
TOLERANCE = 2.0  # RMS on 0-255; a moved bar or a lost marker is far above this

CASES = {
    "timeline_whole": dict(text_scale=1.0, date_range=None, size=(11, 7.5)),
    "timeline_175_zoom": dict(
        text_scale=1.75, date_range=(dt.date(2021, 10, 1), dt.date(2024, 7, 31)), size=(11, 10)
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_baseline(name, history, results, tmp_path):
    case = CASES[name]
    data = timeline_data_from(history, results, today=TODAY, extra_labs=("hb",))
    with mpl.style.context("default"), mpl.rc_context({"font.family": "DejaVu Sans"}):
        fig = Figure(figsize=case["size"], dpi=72)
        FigureCanvasAgg(fig)
        draw_timeline(fig, data, text_scale=case["text_scale"], date_range=case["date_range"])
        actual = tmp_path / f"{name}.png"
        fig.savefig(actual)
    expected = BASELINE / f"{name}.png"
    if os.environ.get("TIMELINE_REGEN"):
        shutil.copyfile(actual, expected)
    assert expected.exists(), f"no baseline {expected.name}; run with TIMELINE_REGEN=1"
    result = compare_images(str(expected), str(actual), tol=TOLERANCE)
    assert result is None, result
