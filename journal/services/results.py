"""Importing many lab results at once (a patient-portal download): all or nothing, one undo.

The reading, matching and duplicate checks live in :mod:`journal.interop.portal`;
this is the writer. Every row is validated before anything is written; the
rows go in with one ``executemany`` in one transaction; the returned
:class:`~journal.services.actions.Change` holds every new row, so one undo
takes the whole import back.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, select

from journal.services.actions import (
    Change,
    RowImage,
    _finish,
    _prepare,
    _transaction,
    values_of,
)
from journal.store import models as m
from journal.store.validation import FieldError, RecordError, validate


def import_lab_results(store, rows: Sequence[m.LabResult], source: str = "a file") -> Change:
    """Add all ``rows`` in one transaction, or none of them (the first bad row is named)."""
    if not rows:
        raise RecordError([FieldError("value", "There are no results to import.")], "lab result")
    values = []
    for i, r in enumerate(rows):
        try:
            validate(_prepare(r))
        except RecordError as err:
            # Name the row in the message: the person fixes the file, not a form.
            where = f"result {i + 1} of {len(rows)}"
            raise RecordError(err.errors, f"{where}; nothing was imported", where) from None
        v = values_of(r)
        v.pop("id", None)
        values.append(v)
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
        r.id = img.id
    n = len(values)
    return _finish(store, w, f"Import {n} lab result{'s' if n != 1 else ''} from {source}")
