"""A trace's JSON is written out field by field (for speed); it must stay what
``dataclasses.asdict`` gives, with the tuples as lists, for every field there is."""

from __future__ import annotations

import dataclasses
import json

from journal.domain.trace import APP_CONVENTION, IMWG_RESPONSE_2016, Source, Trace


def _asdict_json(t: Trace) -> dict:
    d = dataclasses.asdict(t)
    d["records"] = list(t.records)
    d["flags"] = list(t.flags)
    return d


def test_trace_json_is_asdict_with_lists_for_every_field():
    traces = [
        Trace("a.rule", "One sentence.", APP_CONVENTION),
        Trace(
            "response.imwg2016.pr",
            "PR on 3 May 2024: serum M-protein 0.4 g/dL.",
            IMWG_RESPONSE_2016,
            ("lab:1", "lab:2"),
            unconfirmed=True,
            overridden_by="override:4",
            flags=("imprecise date", "downgraded"),
        ),
        Trace("x", "y", Source("only a name")),
    ]
    for t in traces:
        got = t.to_json()
        assert got == _asdict_json(t)
        assert list(got) == [f.name for f in dataclasses.fields(Trace)]  # order too
        assert json.dumps(got) == json.dumps(_asdict_json(t))
