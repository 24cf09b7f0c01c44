"""journal_meta.change_count: how many write transactions the journal has had

Revision ID: 0005
Revises: 0004 (written against 0002; re-chained when main brought 0004)

The store also records the last count it acknowledged outside the file (beside
the backups), so an open can tell when committed changes were lost with the
WAL file (see journal/store/integrity.py).
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("journal_meta") as batch:
        batch.add_column(
            sa.Column("change_count", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("journal_meta") as batch:
        batch.drop_column("change_count")
