"""The read side: every query the screens, charts and reports need. SQL lives here.

:func:`load_history` builds the rules' input (:class:`journal.domain.records.History`);
it lives in :mod:`journal.services.history`, which reads without the models. The list
queries return model objects (detached, safe to keep) for the UI's table models.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import func, select

from journal.domain.dates import PartialDate
from journal.services.history import load_history  # noqa: F401 - the rules' input, here as before
from journal.store import models as m

_T = TypeVar("_T", bound=m.TableModel)

_DATE_ORDER: dict[type[m.TableModel], str] = {
    m.Diagnosis: "date",
    m.IsotypeObservation: "date",
    m.DiseaseFeature: "date",
    m.CytogeneticResult: "date",
    m.Regimen: "start",
    m.DoseChange: "date",
    m.Procedure: "date",
    m.Response: "date",
    m.Progression: "date",
    m.SideEffect: "onset",
    m.LabResult: "date",
    m.Ecog: "date",
    m.SupportiveCare: "start",
    m.Note: "date",
    m.Question: "created",
    m.MrdResult: "date",
    m.HealthHistory: "date",
}


def _rows(conn, cls: type[m.TableModel]) -> list[dict[str, Any]]:
    tb = cls.__table__
    # Plain rows zipped with the column names: a mapping object per row took three times
    # as long, for the same dicts.
    result = conn.execute(select(tb).order_by(tb.c.id))
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


# -- simple queries for screens --------------------------------------------------------


def list_rows(
    store,
    table_cls: type[_T],
    order_by: str | None = None,
    where: dict[str, Any] | None = None,
    descending: bool = False,
) -> list[_T]:
    """Rows of one table as model objects (detached; edit one and pass it to
    ``actions.save``). Ordering and filtering as :func:`list_dicts`."""
    return [table_cls(**x) for x in list_dicts(store, table_cls, order_by, where, descending)]


def list_dicts(
    store,
    table_cls: type[m.TableModel],
    order_by: str | None = None,
    where: dict[str, Any] | None = None,
    descending: bool = False,
) -> list[dict[str, Any]]:
    """Rows of one table as plain dicts: the fast path for table views (thousands
    of lab rows) since no model object is built per row.

    ``order_by`` None sorts date tables by their date (partial dates by their
    real sort key, not as text) and others by id; a column name sorts by it.
    ``where`` is column -> value equality.
    """
    tb = table_cls.__table__
    stmt = select(tb)
    for col, val in (where or {}).items():
        stmt = stmt.where(tb.c[col].is_(None) if val is None else tb.c[col] == val)
    with store.engine.connect() as conn:
        rows = [dict(x) for x in conn.execute(stmt.order_by(tb.c.id)).mappings()]
    date_col = order_by if order_by is not None else _DATE_ORDER.get(table_cls)
    if date_col is not None and date_col in _date_columns(table_cls):
        rows.sort(
            key=lambda x: (
                PartialDate.from_iso(x[date_col]).sort_key() if x[date_col] else (0, 0, 0),
                x["id"],
            )
        )
    elif order_by is not None:
        rows.sort(
            key=lambda x: (
                x[order_by] is None,
                x[order_by] if x[order_by] is not None else 0,
                x["id"],
            )
        )
    if descending:
        rows.reverse()
    return rows


def _date_columns(cls: type[m.TableModel]) -> set[str]:
    from journal.store.validation import DATE_FIELDS

    return set(DATE_FIELDS.get(cls, ()))


def get(store, table_cls: type[_T], id: int) -> _T | None:
    tb = table_cls.__table__
    with store.engine.connect() as conn:
        row = conn.execute(select(tb).where(tb.c.id == id)).mappings().first()
    return table_cls(**dict(row)) if row else None


def regimen_drugs(store, regimen_id: int) -> list[m.RegimenDrug]:
    return list_rows(store, m.RegimenDrug, "id", {"regimen_id": regimen_id})


def attributed_drugs(store, side_effect_id: int) -> list[m.SideEffectDrug]:
    return list_rows(store, m.SideEffectDrug, "id", {"side_effect_id": side_effect_id})


def person(store) -> m.Person | None:
    rows = list_rows(store, m.Person, "id")
    return rows[0] if rows else None


def diagnosis(store) -> m.Diagnosis | None:
    rows = list_rows(store, m.Diagnosis, "id")
    return rows[0] if rows else None


def open_questions(store) -> list[m.Question]:
    return list_rows(store, m.Question, where={"asked_on": None})


def row_counts(store) -> dict[str, int]:
    """Rows per record table (for the status bar, 'is it empty?' and checks)."""
    out = {}
    with store.engine.connect() as conn:
        for cls in m.RECORD_TABLES:
            out[cls.__tablename__] = conn.execute(
                select(func.count()).select_from(cls.__table__)
            ).scalar_one()
    return out


def is_empty(store) -> bool:
    return not any(row_counts(store).values())


def lab_dates(store) -> list[str]:
    """Distinct blood-test dates, oldest first (canonical text)."""
    tb = m.LabResult.__table__
    with store.engine.connect() as conn:
        dates = conn.execute(select(tb.c.date).distinct()).scalars().all()
    return sorted(dates, key=lambda d: PartialDate.from_iso(d).sort_key())


def all_rows(store) -> dict[str, list[dict[str, Any]]]:
    """Every record table's rows as dicts, by id (export, checks and tests)."""
    with store.engine.connect() as conn:
        return {cls.__tablename__: _rows(conn, cls) for cls in m.RECORD_TABLES}
