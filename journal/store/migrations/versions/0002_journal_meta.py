"""journal_meta: when and by which version the file was made, content seal

Revision ID: 0002
Revises: 0001
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Frozen here: later versions of the app must not change what this step does.
_APP_VERSION_AT_STEP = "0.1.0"


def upgrade() -> None:
    meta = op.create_table(
        "journal_meta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("created_with", sa.String(), nullable=False),
        sa.Column("last_opened_with", sa.String(), nullable=True),
        sa.Column("content_seal", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_meta")),
    )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    op.bulk_insert(meta, [{"id": 1, "created_at": now, "created_with": _APP_VERSION_AT_STEP}])


def downgrade() -> None:
    op.drop_table("journal_meta")
