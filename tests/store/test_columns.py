"""journal.store.columns names the same tables and columns as the models (it stands in
for them where building the SQLModel classes would cost more than the work)."""

from __future__ import annotations

from sqlalchemy import Boolean
from sqlmodel import SQLModel

from journal.store import columns, meta, models  # noqa: F401 - every table registered


def _expected() -> tuple[dict[str, tuple[str, ...]], dict[str, frozenset[str]]]:
    tables = {t.name: tuple(c.name for c in t.columns) for t in SQLModel.metadata.sorted_tables}
    booleans = {
        t.name: frozenset(c.name for c in t.columns if isinstance(c.type, Boolean))
        for t in SQLModel.metadata.sorted_tables
    }
    return tables, {name: cols for name, cols in booleans.items() if cols}


def _source(tables, booleans) -> str:
    lines = ["TABLES: dict[str, tuple[str, ...]] = {"]
    lines += [f"    {name!r}: {cols!r}," for name, cols in tables.items()]
    lines += ["}", "BOOLEAN: dict[str, frozenset[str]] = {"]
    lines += [f"    {name!r}: frozenset({sorted(cols)!r})," for name, cols in booleans.items()]
    return "\n".join([*lines, "}"])


def test_columns_agree_with_the_models_in_their_order():
    tables, booleans = _expected()
    assert list(columns.TABLES.items()) == list(tables.items()) and booleans == columns.BOOLEAN, (
        "journal/store/columns.py no longer matches the models; its new text "
        "(run ruff format after pasting):\n" + _source(tables, booleans)
    )


def test_every_record_table_is_named():
    assert {cls.__tablename__ for cls in models.RECORD_TABLES} <= set(columns.TABLES)
