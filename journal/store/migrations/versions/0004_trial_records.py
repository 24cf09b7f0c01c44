"""trial_study and trial_answer: registry records brought by the person, and their answers

Revision ID: 0004
Revises: 0003 (re-chained after the record step 0003 when the branches met)
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trial_study",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nct_id", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("raw_record", sa.Text(), nullable=False),
        sa.Column("record_updated", sa.String(), nullable=True),
        sa.Column("brought_at", sa.String(), nullable=False),
        sa.Column("source_name", sa.String(), nullable=True),
        sa.CheckConstraint(
            "nct_id GLOB 'NCT[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'",
            name=op.f("ck_trial_study_nct_id"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trial_study")),
        sa.UniqueConstraint("nct_id", name=op.f("uq_trial_study_nct_id")),
    )
    op.create_table(
        "trial_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("criterion_index", sa.Integer(), nullable=False),
        sa.Column("criterion_text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.String(), nullable=False),
        sa.CheckConstraint(
            "status IN ('meets', 'does_not_meet', 'not_recorded', 'to_discuss')",
            name=op.f("ck_trial_answer_status"),
        ),
        sa.ForeignKeyConstraint(
            ["trial_id"],
            ["trial_study.id"],
            name=op.f("fk_trial_answer_trial_id_trial_study"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trial_answer")),
    )


def downgrade() -> None:
    op.drop_table("trial_answer")
    op.drop_table("trial_study")
