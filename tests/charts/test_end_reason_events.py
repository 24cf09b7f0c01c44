"""A regimen that "ended for progression" shows a progression on the timeline, where the
rules count it, with the rule's words (issue 9: an end reason is an event)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from journal.charts.data import timeline_data_from
from journal.domain.summary import build_summary
from journal.services.files import import_into_new_journal
from journal.services.queries import load_history
from journal.store.db import open_journal

CASE = (
    Path(__file__).resolve().parents[1]
    / "cases"
    / "28_letter_end_reason_no_progression_record.json"
)


def _data(tmp_path, data):
    path = tmp_path / "j.sqlite"
    import_into_new_journal(data, path)
    with open_journal(path, readonly=True) as store:
        history = load_history(store)
    summary = build_summary(history, as_of=None)
    return timeline_data_from(history, summary, today=dt.date(2024, 1, 1))


def test_end_reason_progression_is_drawn_once(tmp_path):
    data = json.loads(CASE.read_text())
    tl = _data(tmp_path, data)
    progs = [e for e in tl.events if e.kind == "progression"]
    assert len(progs) == 1
    (p,) = progs
    assert p.ref == "regimen:1" and p.label == "PD"
    assert p.date.year == 2022 and p.date.month == 2
    assert "end reason" in p.tip

    # Typing the progression record for the same event replaces it: still one marker.
    data["records"]["progressions"] = [
        {"id": 1, "date": "2022-02-10", "kind": "biochemical", "regimen_id": 1, "confirmed": True}
    ]
    (tmp_path / "b").mkdir()
    tl = _data(tmp_path / "b", data)
    progs = [e for e in tl.events if e.kind == "progression"]
    assert [e.ref for e in progs] == ["progression:1"]
