"""Importing many lab results at once (a patient-portal download): all or nothing, one undo.

The reading, matching and duplicate checks live in :mod:`journal.interop.portal`;
this is the writer. Every row is validated before anything is written; the
rows go in with one ``executemany`` in one transaction; the returned
:class:`~journal.services.actions.Change` holds every new row, so one undo
takes the whole import back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert, select

from journal.services.actions import Change, RowImage, _finish, _transaction, values_of
from journal.store import models as m
from journal.store.validation import FieldError, RecordError, RowValues, validate

_FIELDS = tuple(c.name for c in m.LabResult.__table__.columns if c.name != "id")


def _as_values(r: m.LabResult | Mapping[str, Any]) -> dict[str, Any]:
    raw = values_of(r) if isinstance(r, m.LabResult) else dict(r)
    out = {f: raw.get(f) for f in _FIELDS}
    if out.get("context") is None:
        out["context"] = "none"
    return out


def _plain_number(v: Any) -> bool:
    return type(v) in (int, float) and not math.isnan(v) and not math.isinf(v) and v >= 0


def _validate_all(values: list[dict[str, Any]]) -> None:
    """The store's own checks for every row, without paying for them 5,000 times.

    For a lab result the checks split into three independent parts: the date
    alone (readable, not in the future), the value alone (a non-negative
    number, or none) and the rest of the row (test, unit, text result, limits).
    A row whose date and "rest" have already passed in another row, and whose
    value is a plain non-negative number or none, passes too; every other row
    gets the full check, which raises with the store's own message.
    """
    ok_dates: set[str] = set()
    ok_shapes: set[tuple] = set()
    n = len(values)
    for i, v in enumerate(values):
        shape = (
            v["test"], v["unit"], v["text_value"], v["context"], v["lln"], v["uln"],
            v["notes"], v["value"] is None,
        )  # fmt: skip
        if (
            shape in ok_shapes
            and v["date"] in ok_dates
            and (v["value"] is None or _plain_number(v["value"]))
        ):
            continue
        try:
            validate(RowValues(m.LabResult, v))
        except RecordError as err:
            # Name the row in the message: the person fixes the file, not a form.
            where = f"result {i + 1} of {n}"
            raise RecordError(err.errors, f"{where}; nothing was imported", where) from None
        ok_shapes.add(shape)
        ok_dates.add(v["date"])


def import_lab_results(
    store, rows: Sequence[m.LabResult | Mapping[str, Any]], source: str = "a file"
) -> Change:
    """Add all ``rows`` in one transaction, or none of them (the first bad row is named).

    ``rows`` are LabResult objects or plain dicts of their fields (faster for thousands).
    """
    if not rows:
        raise RecordError([FieldError("value", "There are no results to import.")], "lab result")
    values = [_as_values(r) for r in rows]
    _validate_all(values)
    tb = m.LabResult.__table__
    with _transaction(store) as w:
        first = w.conn.execute(select(tb.c.id).order_by(tb.c.id.desc()).limit(1)).scalar() or 0
        w.conn.execute(insert(tb), values)
        # SQLite hands out ids above the current maximum, in insert order, inside
        # this transaction: read the new rows back for the undo images.
        new = w.conn.execute(select(tb).where(tb.c.id > first).order_by(tb.c.id)).mappings().all()
        if len(new) != len(values):  # another writer slipped in: refuse rather than guess
            raise RuntimeError("the journal changed during the import; nothing was imported")
        w.images.extend(RowImage(tb.name, int(r["id"]), None, dict(r)) for r in new)
    for r, img in zip(rows, w.images, strict=False):
        if isinstance(r, m.LabResult):
            r.id = img.id
    n = len(values)
    return _finish(store, w, f"Import {n} lab result{'s' if n != 1 else ''} from {source}")
