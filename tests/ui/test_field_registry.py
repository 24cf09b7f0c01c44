"""One registry of field rules: the editors show the bounds the store enforces."""

from __future__ import annotations

from journal.store.validation import RANGES, REQUIRED_TEXT
from journal.ui.kinds import BY_TABLE


def test_editor_bounds_and_required_fields_are_the_stores():
    checked = 0
    for table, fields in RANGES.items():
        kind = BY_TABLE.get(table)
        if kind is None:
            continue
        by_name = {f.name: f for f in kind.fields}
        for name, (lo, hi, _msg) in fields.items():
            if name in by_name:
                assert (by_name[name].minimum, by_name[name].maximum) == (lo, hi), (table, name)
                checked += 1
    for table, names in REQUIRED_TEXT.items():
        kind = BY_TABLE.get(table)
        for name in names:
            f = next((f for f in kind.fields if f.name == name), None) if kind else None
            if f is not None:
                assert f.required, (table, name)
                checked += 1
    assert checked >= 15  # the registry really was walked
