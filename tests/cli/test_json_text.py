"""journal.cli.json_text writes exactly what json.dumps(indent=N, ensure_ascii=False)
writes (the summary's output format and its golden files depend on it), only faster."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journal.cli import json_text
from journal.cli.json_text import IndentedJSON


def _same(obj, indent=2):
    expected = json.dumps(obj, indent=indent, ensure_ascii=False)
    assert IndentedJSON(indent).text(obj) == expected


AWKWARD_TEXT = [
    "",
    "plain",
    "Müller – 骨髄腫 – 🧪",  # non-ASCII stays as it is (ensure_ascii=False)
    'quote " and backslash \\ and slash /',
    "line\nbreak\ttab\r\x00nul\x1f",
    "\u2028\u2029",
    "[1, 2]",
    '{"a": 1}',
    ",\n  ",
    json_text._MARK,  # the stand-in for a child container, as data
    json_text._MARK_TEXT,
    'ends in a quote"' + json_text._MARK,
]
AWKWARD_NUMBERS = [0, -1, 10**30, 1e-7, -0.0, 1e300, 0.1 + 0.2, 5e-324, math.inf, -math.inf]


@pytest.mark.parametrize("indent", [0, 1, 2, 4])
def test_awkward_values(indent):
    obj = {
        "texts": AWKWARD_TEXT,
        "numbers": AWKWARD_NUMBERS,
        "nan": math.nan,
        "flags": [True, False, None],
        "empties": {"d": {}, "l": [], "t": (), "nested": [[], {}, [[]], {"x": {}}]},
        "deep": {"a": [{"b": [{"c": [1, {"d": "e"}]}]}]},
        "mixed": [1, [2, [3, {"k": AWKWARD_TEXT}]], "x", {}, (4, 5)],
        "keys": {3: "three", 2.5: "float", True: "bool", None: "none", "1": "text one"},
        "Müller 🧪 \x00": {"same key text": json_text._MARK},
    }
    for t in AWKWARD_TEXT:
        obj[t] = [t, {t: [t]}]
    _same(obj, indent)


@pytest.mark.parametrize(
    "obj", [{}, [], (), 0, "text", None, 1e-7, [{}], {"a": []}, [[[[]]]], {"": {"": {"": 1}}}]
)
def test_small_and_empty(obj):
    _same(obj)


def test_a_string_that_looks_like_the_mark_takes_the_slow_path_and_stays_exact(monkeypatch):
    slow = []
    each = IndentedJSON._each
    monkeypatch.setattr(IndentedJSON, "_each", lambda self, *a: slow.append(1) or each(self, *a))
    # The mark's own text beside a real child container: the count of marks is off.
    _same({"a": json_text._MARK, "b": {"c": 1}, "d": [json_text._MARK, [2]]})
    _same([json_text._MARK, {"x": [json_text._MARK]}, 'x"' + json_text._MARK])
    assert len(slow) >= 3
    slow.clear()
    _same({"a": "plain", "b": {"c": [1, {"d": 2}]}})
    assert not slow


def test_refuses_what_json_refuses():
    for bad in ({"a": {1, 2}}, [object()], {("tuple", "key"): 1}, {"a": [1], "b": {(1,): 2}}):
        with pytest.raises(TypeError):
            json.dumps(bad, indent=2)
        with pytest.raises(TypeError):
            IndentedJSON(2).text(bad)


def test_writes_in_batches_that_join_to_the_whole():
    obj = {"rows": [{"i": i, "v": [i, {"w": str(i)}]} for i in range(5000)]}
    writes: list[str] = []
    IndentedJSON(2).write_to(obj, writes.append)
    assert len(writes) > 1  # never one string of the whole
    assert "".join(writes) == json.dumps(obj, indent=2, ensure_ascii=False)


_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.sampled_from(AWKWARD_TEXT)
)
_keys = st.text() | st.sampled_from(AWKWARD_TEXT) | st.integers() | st.booleans() | st.none()
_trees = st.recursive(
    _scalars,
    lambda kids: (
        st.lists(kids, max_size=5)
        | st.lists(kids, max_size=3).map(tuple)
        | st.dictionaries(_keys, kids, max_size=5)
    ),
    max_leaves=40,
)


@settings(max_examples=200, deadline=None)
@given(_trees, st.integers(min_value=0, max_value=4))
def test_any_json_tree(obj, indent):
    _same(obj, indent)
