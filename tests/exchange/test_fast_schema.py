"""The compiled schema check (fastjsonschema, draft-07) that import tries first agrees
with the JSON Schema 2020-12 check (jsonschema) on valid and invalid files; a file it
refuses still gets the jsonschema messages, word for word."""

import copy
import json

import jsonschema
from exchange_places import mutation_places
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal.store import exchange

FIXED = "2026-11-25T00:00:00+00:00"


def _keywords(node, names=False, out=None) -> set[str]:
    out = set() if out is None else out
    if isinstance(node, dict):
        for k, v in node.items():
            if not names:
                out.add(k)
            _keywords(v, not names and k == "properties", out)
    elif isinstance(node, list):
        for v in node:
            _keywords(v, False, out)
    return out


def test_schema_uses_only_keywords_that_mean_the_same_in_draft_07():
    # A keyword outside this list (prefixItems, $defs, unevaluated*...) may be read
    # differently by the draft-07 compiler: extend the list only after checking it.
    used = _keywords(exchange.load_schema())
    assert used <= exchange.FAST_SCHEMA_KEYWORDS, used - exchange.FAST_SCHEMA_KEYWORDS
    assert "const" not in _keywords(exchange.fast_schema())


def _slow_valid(data) -> bool:
    return not any(True for _ in exchange._validator().iter_errors(data))


def _small(data: dict) -> dict:
    return {**data, "records": {k: rows[:3] for k, rows in data["records"].items()}}


def test_a_real_export_passes_both(demo_data):
    assert exchange.schema_valid(demo_data)
    assert _slow_valid(demo_data)


VALUES = st.one_of(
    st.sampled_from(
        [
            None,
            True,
            False,
            0,
            -1,
            1,
            6.0,
            6.5,
            2**63,
            -(2**63) - 1,
            10**30,
            1e15,
            1.5e15,
            float("nan"),
            float("inf"),
            -float("inf"),
            "",
            "2019",
            "2019-05",
            "2019-05-14",
            "~2019-SP",
            "2019-13",
            "2019-05-14T00:00",
            "19-05-14",
            "x" * 1001,
            "x" * 100_001,
            "hb",
            "g/dL",
            "mg/dL",
            "other",
            "VRd",
            [],
            [1],
            {},
            {"a": 1},
            "treatment-journal",
        ]
    ),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), value=VALUES, drop=st.booleans())
def test_both_validators_agree_on_one_changed_value(demo_data, data, value, drop):
    doc = copy.deepcopy(_small(demo_data))
    path = data.draw(st.sampled_from(mutation_places(doc)))
    at = doc
    for p in path[:-1]:
        at = at[p]
    if drop and isinstance(at, dict):
        at.pop(path[-1], None)  # a missing field (required or not)
    else:
        at[path[-1]] = value
    fast, slow = exchange.schema_valid(doc), _slow_valid(doc)
    if fast != slow:
        # The one known difference, on the strict side: the compiled pattern reads "$"
        # as the very end, so "2019\n" is refused and then judged by jsonschema.
        assert slow and isinstance(value, str) and value.endswith("\n"), (path, value)


def test_missing_field_and_wrong_type_are_refused_by_both(demo_data):
    for change in (
        lambda d: d["records"]["regimens"][0].pop("id"),
        lambda d: d["records"]["regimens"][0].update(start=True),
        lambda d: d["records"]["lab_results"][0].update(value="12"),
        lambda d: d["records"]["lab_results"][0].update(test="no such test"),
        lambda d: d["records"].update(person=[{"id": 1}, {"id": 2}]),
        lambda d: d.update(format="other"),
    ):
        doc = copy.deepcopy(demo_data)
        change(doc)
        assert not exchange.schema_valid(doc)
        assert not _slow_valid(doc)


def test_messages_are_the_jsonschema_ones(demo_data, monkeypatch):
    doc = copy.deepcopy(demo_data)
    doc["records"]["regimens"][0]["start"] = "May 2019"
    doc["records"]["lab_results"][1]["value"] = "high"
    for row in doc["records"]["lab_results"][5:10]:
        row["unit"] = "furlongs"
    quick = exchange.check_exchange(doc)
    monkeypatch.setattr(exchange, "schema_valid", lambda data: False)  # the full walk only
    assert exchange.check_exchange(doc) == quick
    assert any(p.startswith("records.regimens[0].start: ") for p in quick)
    assert any("records.lab_results[1].value: " in p for p in quick)


def test_the_compiled_validator_is_built_once(demo_data):
    exchange.schema_valid(demo_data)
    assert exchange._fast_validator() is exchange._fast_validator()
    # Every version this app reads (1 and 2): an enum already, kept as it is.
    assert json.dumps(exchange.fast_schema()["properties"]["version"]) == json.dumps(
        {"enum": list(exchange.READABLE_VERSIONS)}
    )
    assert json.dumps(exchange.fast_schema()["properties"]["format"]) == json.dumps(
        {"enum": [exchange.FORMAT]}  # a const, written as a one-value enum
    )
    assert isinstance(exchange._validator(), jsonschema.Draft202012Validator)
