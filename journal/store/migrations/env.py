"""Alembic environment: only ever run by journal.store.migrate with an open connection.

The connection arrives in ``config.attributes["connection"]`` already inside a
transaction with foreign keys off (SQLite batch mode recreates tables, and a
dropped parent table must not cascade into its children).
"""

from alembic import context
from sqlmodel import SQLModel

from journal.store import meta, models  # noqa: F401 - register every table

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "Journal migrations run inside the app (journal.store.migrate), which backs the "
        "file up first; the alembic command line is not supported."
    )

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
