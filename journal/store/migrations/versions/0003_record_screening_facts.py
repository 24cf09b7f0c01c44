"""screening facts: health history, MRD tests, side effect -> regimen, progression
confirmed date, creatinine and LDH at diagnosis, lab unit "s" (aPTT)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Frozen here (not read from journal.domain.labs): this step must always do the same.
_UNITS_BEFORE = (
    "'%','/uL','10^3/uL','10^9/L','U/L','g/24h','g/L','g/dL','kg','lb','mL/min/1.73m2',"
    "'mg/24h','mg/L','mg/dL','mmol/L','nmol/L','ratio','result','ug/mL','umol/L'"
)
_UNITS_AFTER = (
    "'%','/uL','10^3/uL','10^9/L','U/L','g/24h','g/L','g/dL','kg','lb','mL/min/1.73m2',"
    "'mg/24h','mg/L','mg/dL','mmol/L','nmol/L','ratio','result','s','ug/mL','umol/L'"
)


def _date_ok(col: str) -> str:
    return (
        f"{col} IS NULL OR ({col} GLOB '[0-9][0-9][0-9][0-9]*' "
        f"OR {col} GLOB '[~<>][0-9][0-9][0-9][0-9]*')"
    )


def _not_before(start: str, end: str) -> str:
    s, e = f"ltrim({start},'~<>')", f"ltrim({end},'~<>')"
    return (
        f"{end} IS NULL OR {start} IS NULL OR instr({s},'S')>0 OR instr({e},'S')>0 "
        f"OR instr({s},'A')>0 OR instr({e},'A')>0 OR instr({s},'W')>0 OR instr({e},'W')>0 "
        f"OR substr({e},1,min(length({e}),length({s}))) >= substr({s},1,min(length({e}),length({s})))"
    )


def upgrade() -> None:
    op.create_table(
        "mrdresult",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.String(), nullable=False),
        sa.Column("result", sa.String(), nullable=False),
        sa.Column("method", sa.String(), nullable=True),
        sa.Column("sensitivity", sa.String(), nullable=True),
        sa.Column("sample", sa.String(), nullable=True),
        sa.Column("regimen_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint(_date_ok("date"), name=op.f("ck_mrdresult_date_format")),
        sa.CheckConstraint(
            "result IN ('negative','positive')", name=op.f("ck_mrdresult_result_value")
        ),
        sa.ForeignKeyConstraint(
            ["regimen_id"],
            ["regimen.id"],
            name=op.f("fk_mrdresult_regimen_id_regimen"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mrdresult")),
    )
    op.create_table(
        "healthhistory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
        sa.Column("date", sa.String(), nullable=True),
        sa.Column("resolved", sa.String(), nullable=True),
        sa.Column("detail", sa.String(), nullable=True),
        sa.Column("treated", sa.Boolean(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint(_date_ok("date"), name=op.f("ck_healthhistory_date_format")),
        sa.CheckConstraint(_date_ok("resolved"), name=op.f("ck_healthhistory_resolved_format")),
        sa.CheckConstraint(
            _not_before("date", "resolved"),
            name=op.f("ck_healthhistory_resolved_not_before_date"),
        ),
        sa.CheckConstraint("answer IN ('yes','no')", name=op.f("ck_healthhistory_answer_value")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_healthhistory")),
    )
    with op.batch_alter_table("diagnosis") as b:
        b.add_column(sa.Column("creatinine_mg_dl", sa.Float(), nullable=True))
        b.add_column(sa.Column("ldh_u_l", sa.Float(), nullable=True))
        b.add_column(sa.Column("ldh_uln_u_l", sa.Float(), nullable=True))
        b.create_check_constraint("creatinine", "creatinine_mg_dl IS NULL OR creatinine_mg_dl >= 0")
        b.create_check_constraint("ldh", "ldh_u_l IS NULL OR ldh_u_l >= 0")
        b.create_check_constraint("ldh_uln", "ldh_uln_u_l IS NULL OR ldh_uln_u_l > 0")
    with op.batch_alter_table("progression") as b:
        b.add_column(sa.Column("confirmed_on", sa.String(), nullable=True))
        b.create_check_constraint("confirmed_on_format", _date_ok("confirmed_on"))
        b.create_check_constraint("confirmed_not_before_date", _not_before("date", "confirmed_on"))
    with op.batch_alter_table("sideeffect") as b:
        b.add_column(sa.Column("regimen_id", sa.Integer(), nullable=True))
        b.create_foreign_key(
            op.f("fk_sideeffect_regimen_id_regimen"),
            "regimen",
            ["regimen_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("labresult") as b:
        b.drop_constraint(op.f("ck_labresult_known_unit"), type_="check")
        b.create_check_constraint("known_unit", f"unit IN ({_UNITS_AFTER})")


def downgrade() -> None:
    with op.batch_alter_table("labresult") as b:
        b.drop_constraint(op.f("ck_labresult_known_unit"), type_="check")
        b.create_check_constraint("known_unit", f"unit IN ({_UNITS_BEFORE})")
    with op.batch_alter_table("sideeffect") as b:
        b.drop_constraint(op.f("fk_sideeffect_regimen_id_regimen"), type_="foreignkey")
        b.drop_column("regimen_id")
    with op.batch_alter_table("progression") as b:
        b.drop_constraint(op.f("ck_progression_confirmed_not_before_date"), type_="check")
        b.drop_constraint(op.f("ck_progression_confirmed_on_format"), type_="check")
        b.drop_column("confirmed_on")
    with op.batch_alter_table("diagnosis") as b:
        for name in ("ck_diagnosis_ldh_uln", "ck_diagnosis_ldh", "ck_diagnosis_creatinine"):
            b.drop_constraint(op.f(name), type_="check")
        for col in ("ldh_uln_u_l", "ldh_u_l", "creatinine_mg_dl"):
            b.drop_column(col)
    op.drop_table("healthhistory")
    op.drop_table("mrdresult")
