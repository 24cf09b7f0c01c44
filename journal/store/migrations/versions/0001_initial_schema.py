"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 02:13:42.471573
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cytogeneticresult",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.String(), nullable=True),
        sa.Column("abnormality", sa.String(), nullable=False),
        sa.Column("detail", sa.String(), nullable=True),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("percent", sa.Float(), nullable=True),
        sa.Column("copy_number", sa.Integer(), nullable=True),
        sa.Column("biallelic", sa.Boolean(), nullable=True),
        sa.Column("sample", sa.String(), nullable=True),
        sa.Column("at_relapse", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "date IS NULL OR (date GLOB '[0-9][0-9][0-9][0-9]*' OR date GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_cytogeneticresult_date_format"),
        ),
        sa.CheckConstraint(
            "copy_number IS NULL OR (copy_number >= 0 AND copy_number <= 10)",
            name=op.f("ck_cytogeneticresult_copies"),
        ),
        sa.CheckConstraint(
            "percent IS NULL OR (percent >= 0 AND percent <= 100)",
            name=op.f("ck_cytogeneticresult_percent"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cytogeneticresult")),
    )
    op.create_table(
        "diagnosis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.String(), nullable=True),
        sa.Column("heavy_chain", sa.String(), nullable=False),
        sa.Column("light_chain", sa.String(), nullable=False),
        sa.Column("iss_stage", sa.String(), nullable=True),
        sa.Column("riss_stage", sa.String(), nullable=True),
        sa.Column("beta2m_mg_l", sa.Float(), nullable=True),
        sa.Column("albumin_g_dl", sa.Float(), nullable=True),
        sa.Column("ldh_high", sa.Boolean(), nullable=True),
        sa.Column("bmpc_percent", sa.Float(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "date IS NULL OR (date GLOB '[0-9][0-9][0-9][0-9]*' OR date GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_diagnosis_date_format"),
        ),
        sa.CheckConstraint(
            "beta2m_mg_l IS NULL OR beta2m_mg_l >= 0", name=op.f("ck_diagnosis_b2m")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnosis")),
    )
    op.create_table(
        "diseasefeature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag", sa.String(), nullable=False),
        sa.Column("date", sa.String(), nullable=True),
        sa.Column("resolved", sa.String(), nullable=True),
        sa.Column("site", sa.String(), nullable=True),
        sa.Column("size_mm", sa.Float(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "date IS NULL OR (date GLOB '[0-9][0-9][0-9][0-9]*' OR date GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_diseasefeature_date_format"),
        ),
        sa.CheckConstraint(
            "resolved IS NULL OR (resolved GLOB '[0-9][0-9][0-9][0-9]*' OR resolved GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_diseasefeature_resolved_format"),
        ),
        sa.CheckConstraint(
            "resolved IS NULL OR date IS NULL OR instr(ltrim(date,'~<>'),'S')>0 OR instr(ltrim(resolved,'~<>'),'S')>0 OR instr(ltrim(date,'~<>'),'A')>0 OR instr(ltrim(resolved,'~<>'),'A')>0 OR instr(ltrim(date,'~<>'),'W')>0 OR instr(ltrim(resolved,'~<>'),'W')>0 OR substr(ltrim(resolved,'~<>'),1,min(length(ltrim(resolved,'~<>')),length(ltrim(date,'~<>')))) >= substr(ltrim(date,'~<>'),1,min(length(ltrim(resolved,'~<>')),length(ltrim(date,'~<>'))))",
            name=op.f("ck_diseasefeature_resolved_not_before_date"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diseasefeature")),
    )
    op.create_table(
        "ecog",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.String(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("notes", sa.String(), nullable=True),
        sa.CheckConstraint(
            "date IS NULL OR (date GLOB '[0-9][0-9][0-9][0-9]*' OR date GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_ecog_date_format"),
        ),
        sa.CheckConstraint("score >= 0 AND score <= 4", name=op.f("ck_ecog_score_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ecog")),
    )
    op.create_table(
        "isotypeobservation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.String(), nullable=False),
        sa.Column("heavy_chain", sa.String(), nullable=False),
        sa.Column("light_chain", sa.String(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "date IS NULL OR (date GLOB '[0-9][0-9][0-9][0-9]*' OR date GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_isotypeobservation_date_format"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_isotypeobservation")),
    )
    op.create_table(
        "labresult",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.String(), nullable=False),
        sa.Column("test", sa.String(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("text_value", sa.String(), nullable=True),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("context", sa.String(), nullable=False),
        sa.Column("lln", sa.Float(), nullable=True),
        sa.Column("uln", sa.Float(), nullable=True),
        sa.Column("notes", sa.String(), nullable=True),
        sa.CheckConstraint(
            "date IS NULL OR (date GLOB '[0-9][0-9][0-9][0-9]*' OR date GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_labresult_date_format"),
        ),
        sa.CheckConstraint(
            "unit IN ('%','/uL','10^3/uL','10^9/L','U/L','g/24h','g/L','g/dL','kg','lb','mL/min/1.73m2','mg/24h','mg/L','mg/dL','mmol/L','nmol/L','ratio','result','ug/mL','umol/L')",
            name=op.f("ck_labresult_known_unit"),
        ),
        sa.CheckConstraint(
            "value IS NOT NULL OR text_value IS NOT NULL", name=op.f("ck_labresult_has_value")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labresult")),
    )
    with op.batch_alter_table("labresult", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_labresult_date"), ["date"], unique=False)
        batch_op.create_index(batch_op.f("ix_labresult_test"), ["test"], unique=False)

    op.create_table(
        "note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("include_in_summary", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "date IS NULL OR (date GLOB '[0-9][0-9][0-9][0-9]*' OR date GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_note_date_format"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note")),
    )
    op.create_table(
        "override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.CheckConstraint("length(trim(reason)) > 0", name=op.f("ck_override_has_reason")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_override")),
    )
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(), nullable=True),
        sa.Column("birth_date", sa.String(), nullable=True),
        sa.Column("sex", sa.String(), nullable=False),
        sa.Column("height_cm", sa.Float(), nullable=True),
        sa.Column("weight_kg", sa.Float(), nullable=True),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.CheckConstraint(
            "birth_date IS NULL OR (birth_date GLOB '[0-9][0-9][0-9][0-9]*' OR birth_date GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_person_birth_date_format"),
        ),
        sa.CheckConstraint(
            "height_cm IS NULL OR (height_cm > 50 AND height_cm < 260)",
            name=op.f("ck_person_height"),
        ),
        sa.CheckConstraint(
            "weight_kg IS NULL OR (weight_kg > 20 AND weight_kg < 400)",
            name=op.f("ck_person_weight"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    op.create_table(
        "question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("asked_on", sa.String(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "asked_on IS NULL OR (asked_on GLOB '[0-9][0-9][0-9][0-9]*' OR asked_on GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_question_asked_format"),
        ),
        sa.CheckConstraint(
            "created IS NULL OR (created GLOB '[0-9][0-9][0-9][0-9]*' OR created GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_question_created_format"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question")),
    )
    op.create_table(
        "regimen",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("start", sa.String(), nullable=False),
        sa.Column("end", sa.String(), nullable=True),
        sa.Column("intent", sa.String(), nullable=True),
        sa.Column("plan", sa.Text(), nullable=True),
        sa.Column("part_of_id", sa.Integer(), nullable=True),
        sa.Column("start_reason", sa.String(), nullable=True),
        sa.Column("end_reason", sa.String(), nullable=True),
        sa.Column("end_reason_detail", sa.String(), nullable=True),
        sa.Column("trial_id", sa.String(), nullable=True),
        sa.Column("trial_arm", sa.String(), nullable=True),
        sa.Column("expanded_access", sa.Boolean(), nullable=False),
        sa.Column("cycles", sa.Integer(), nullable=True),
        sa.Column("cycle_days", sa.Integer(), nullable=True),
        sa.Column("line_override", sa.Integer(), nullable=True),
        sa.Column("line_override_reason", sa.String(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "end IS NULL OR (end GLOB '[0-9][0-9][0-9][0-9]*' OR end GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_regimen_end_format"),
        ),
        sa.CheckConstraint(
            "start IS NULL OR (start GLOB '[0-9][0-9][0-9][0-9]*' OR start GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_regimen_start_format"),
        ),
        sa.CheckConstraint(
            "\"end\" IS NULL OR start IS NULL OR instr(ltrim(start,'~<>'),'S')>0 OR instr(ltrim(\"end\",'~<>'),'S')>0 OR instr(ltrim(start,'~<>'),'A')>0 OR instr(ltrim(\"end\",'~<>'),'A')>0 OR instr(ltrim(start,'~<>'),'W')>0 OR instr(ltrim(\"end\",'~<>'),'W')>0 OR substr(ltrim(\"end\",'~<>'),1,min(length(ltrim(\"end\",'~<>')),length(ltrim(start,'~<>')))) >= substr(ltrim(start,'~<>'),1,min(length(ltrim(\"end\",'~<>')),length(ltrim(start,'~<>'))))",
            name=op.f("ck_regimen_end_not_before_start"),
        ),
        sa.CheckConstraint(
            "cycle_days IS NULL OR (cycle_days >= 1 AND cycle_days <= 365)",
            name=op.f("ck_regimen_cycle_days"),
        ),
        sa.CheckConstraint("cycles IS NULL OR cycles >= 0", name=op.f("ck_regimen_cycles")),
        sa.CheckConstraint(
            "line_override IS NULL OR (line_override >= 1 AND line_override <= 40)",
            name=op.f("ck_regimen_line_override_range"),
        ),
        sa.CheckConstraint(
            "part_of_id IS NULL OR part_of_id <> id", name=op.f("ck_regimen_not_part_of_itself")
        ),
        sa.ForeignKeyConstraint(
            ["part_of_id"],
            ["regimen.id"],
            name=op.f("fk_regimen_part_of_id_regimen"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regimen")),
    )
    op.create_table(
        "sideeffect",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.String(), nullable=True),
        sa.Column("term", sa.String(), nullable=False),
        sa.Column("scale", sa.String(), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=True),
        sa.Column("grade_source", sa.String(), nullable=False),
        sa.Column("onset", sa.String(), nullable=False),
        sa.Column("resolved", sa.String(), nullable=True),
        sa.Column("serious", sa.Boolean(), nullable=False),
        sa.Column("action", sa.String(), nullable=True),
        sa.Column("patient_words", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "onset IS NULL OR (onset GLOB '[0-9][0-9][0-9][0-9]*' OR onset GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_sideeffect_onset_format"),
        ),
        sa.CheckConstraint(
            "resolved IS NULL OR (resolved GLOB '[0-9][0-9][0-9][0-9]*' OR resolved GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_sideeffect_resolved_format"),
        ),
        sa.CheckConstraint(
            "resolved IS NULL OR onset IS NULL OR instr(ltrim(onset,'~<>'),'S')>0 OR instr(ltrim(resolved,'~<>'),'S')>0 OR instr(ltrim(onset,'~<>'),'A')>0 OR instr(ltrim(resolved,'~<>'),'A')>0 OR instr(ltrim(onset,'~<>'),'W')>0 OR instr(ltrim(resolved,'~<>'),'W')>0 OR substr(ltrim(resolved,'~<>'),1,min(length(ltrim(resolved,'~<>')),length(ltrim(onset,'~<>')))) >= substr(ltrim(onset,'~<>'),1,min(length(ltrim(resolved,'~<>')),length(ltrim(onset,'~<>'))))",
            name=op.f("ck_sideeffect_resolved_not_before_onset"),
        ),
        sa.CheckConstraint(
            "grade IS NULL OR (grade >= 1 AND grade <= 5)", name=op.f("ck_sideeffect_grade_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sideeffect")),
    )
    op.create_table(
        "supportivecare",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drug_id", sa.String(), nullable=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("purpose", sa.String(), nullable=True),
        sa.Column("dose", sa.String(), nullable=True),
        sa.Column("start", sa.String(), nullable=True),
        sa.Column("end", sa.String(), nullable=True),
        sa.Column("notes", sa.String(), nullable=True),
        sa.CheckConstraint(
            "end IS NULL OR (end GLOB '[0-9][0-9][0-9][0-9]*' OR end GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_supportivecare_end_format"),
        ),
        sa.CheckConstraint(
            "start IS NULL OR (start GLOB '[0-9][0-9][0-9][0-9]*' OR start GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_supportivecare_start_format"),
        ),
        sa.CheckConstraint(
            "\"end\" IS NULL OR start IS NULL OR instr(ltrim(start,'~<>'),'S')>0 OR instr(ltrim(\"end\",'~<>'),'S')>0 OR instr(ltrim(start,'~<>'),'A')>0 OR instr(ltrim(\"end\",'~<>'),'A')>0 OR instr(ltrim(start,'~<>'),'W')>0 OR instr(ltrim(\"end\",'~<>'),'W')>0 OR substr(ltrim(\"end\",'~<>'),1,min(length(ltrim(\"end\",'~<>')),length(ltrim(start,'~<>')))) >= substr(ltrim(start,'~<>'),1,min(length(ltrim(\"end\",'~<>')),length(ltrim(start,'~<>'))))",
            name=op.f("ck_supportivecare_end_not_before_start"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supportivecare")),
    )
    op.create_table(
        "procedure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("date", sa.String(), nullable=False),
        sa.Column("end", sa.String(), nullable=True),
        sa.Column("regimen_id", sa.Integer(), nullable=True),
        sa.Column("planned", sa.Boolean(), nullable=False),
        sa.Column("planned_tandem", sa.Boolean(), nullable=False),
        sa.Column("conditioning", sa.String(), nullable=True),
        sa.Column("product", sa.String(), nullable=True),
        sa.Column("site", sa.String(), nullable=True),
        sa.Column("dose_text", sa.String(), nullable=True),
        sa.Column("units", sa.Float(), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("trial_id", sa.String(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "date IS NULL OR (date GLOB '[0-9][0-9][0-9][0-9]*' OR date GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_procedure_date_format"),
        ),
        sa.CheckConstraint(
            "end IS NULL OR (end GLOB '[0-9][0-9][0-9][0-9]*' OR end GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_procedure_end_format"),
        ),
        sa.CheckConstraint(
            "\"end\" IS NULL OR date IS NULL OR instr(ltrim(date,'~<>'),'S')>0 OR instr(ltrim(\"end\",'~<>'),'S')>0 OR instr(ltrim(date,'~<>'),'A')>0 OR instr(ltrim(\"end\",'~<>'),'A')>0 OR instr(ltrim(date,'~<>'),'W')>0 OR instr(ltrim(\"end\",'~<>'),'W')>0 OR substr(ltrim(\"end\",'~<>'),1,min(length(ltrim(\"end\",'~<>')),length(ltrim(date,'~<>')))) >= substr(ltrim(date,'~<>'),1,min(length(ltrim(\"end\",'~<>')),length(ltrim(date,'~<>'))))",
            name=op.f("ck_procedure_end_not_before_date"),
        ),
        sa.CheckConstraint("units IS NULL OR units >= 0", name=op.f("ck_procedure_units")),
        sa.ForeignKeyConstraint(
            ["regimen_id"],
            ["regimen.id"],
            name=op.f("fk_procedure_regimen_id_regimen"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure")),
    )
    op.create_table(
        "progression",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("regimen_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "date IS NULL OR (date GLOB '[0-9][0-9][0-9][0-9]*' OR date GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_progression_date_format"),
        ),
        sa.ForeignKeyConstraint(
            ["regimen_id"],
            ["regimen.id"],
            name=op.f("fk_progression_regimen_id_regimen"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progression")),
    )
    op.create_table(
        "regimendrug",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regimen_id", sa.Integer(), nullable=False),
        sa.Column("drug_id", sa.String(), nullable=True),
        sa.Column("name", sa.String(), nullable=True),
        sa.Column("dose", sa.Float(), nullable=True),
        sa.Column("dose_unit", sa.String(), nullable=True),
        sa.Column("route", sa.String(), nullable=True),
        sa.Column("schedule", sa.String(), nullable=True),
        sa.Column("start", sa.String(), nullable=True),
        sa.Column("last_dose", sa.String(), nullable=True),
        sa.Column("addition", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("stop_reason", sa.String(), nullable=True),
        sa.Column("stop_reason_detail", sa.String(), nullable=True),
        sa.CheckConstraint(
            "drug_id IS NOT NULL OR length(trim(coalesce(name,''))) > 0",
            name=op.f("ck_regimendrug_named"),
        ),
        sa.CheckConstraint(
            "last_dose IS NULL OR (last_dose GLOB '[0-9][0-9][0-9][0-9]*' OR last_dose GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_regimendrug_last_dose_format"),
        ),
        sa.CheckConstraint(
            "last_dose IS NULL OR start IS NULL OR instr(ltrim(start,'~<>'),'S')>0 OR instr(ltrim(last_dose,'~<>'),'S')>0 OR instr(ltrim(start,'~<>'),'A')>0 OR instr(ltrim(last_dose,'~<>'),'A')>0 OR instr(ltrim(start,'~<>'),'W')>0 OR instr(ltrim(last_dose,'~<>'),'W')>0 OR substr(ltrim(last_dose,'~<>'),1,min(length(ltrim(last_dose,'~<>')),length(ltrim(start,'~<>')))) >= substr(ltrim(start,'~<>'),1,min(length(ltrim(last_dose,'~<>')),length(ltrim(start,'~<>'))))",
            name=op.f("ck_regimendrug_last_dose_not_before_start"),
        ),
        sa.CheckConstraint(
            "start IS NULL OR (start GLOB '[0-9][0-9][0-9][0-9]*' OR start GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_regimendrug_start_format"),
        ),
        sa.CheckConstraint("dose IS NULL OR dose >= 0", name=op.f("ck_regimendrug_dose")),
        sa.ForeignKeyConstraint(
            ["regimen_id"],
            ["regimen.id"],
            name=op.f("fk_regimendrug_regimen_id_regimen"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regimendrug")),
    )
    with op.batch_alter_table("regimendrug", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_regimendrug_regimen_id"), ["regimen_id"], unique=False)

    op.create_table(
        "response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("assessor", sa.String(), nullable=False),
        sa.Column("regimen_id", sa.Integer(), nullable=True),
        sa.Column("mrd_result", sa.String(), nullable=True),
        sa.Column("mrd_method", sa.String(), nullable=True),
        sa.Column("mrd_sensitivity", sa.String(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "date IS NULL OR (date GLOB '[0-9][0-9][0-9][0-9]*' OR date GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_response_date_format"),
        ),
        sa.ForeignKeyConstraint(
            ["regimen_id"],
            ["regimen.id"],
            name=op.f("fk_response_regimen_id_regimen"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response")),
    )
    op.create_table(
        "sideeffectdrug",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("side_effect_id", sa.Integer(), nullable=False),
        sa.Column("drug_id", sa.String(), nullable=True),
        sa.Column("name", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["side_effect_id"],
            ["sideeffect.id"],
            name=op.f("fk_sideeffectdrug_side_effect_id_sideeffect"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sideeffectdrug")),
    )
    with op.batch_alter_table("sideeffectdrug", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sideeffectdrug_side_effect_id"), ["side_effect_id"], unique=False
        )

    op.create_table(
        "dosechange",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("regimen_drug_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.String(), nullable=False),
        sa.Column("dose", sa.Float(), nullable=True),
        sa.Column("dose_unit", sa.String(), nullable=True),
        sa.Column("schedule", sa.String(), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "date IS NULL OR (date GLOB '[0-9][0-9][0-9][0-9]*' OR date GLOB '[~<>][0-9][0-9][0-9][0-9]*')",
            name=op.f("ck_dosechange_date_format"),
        ),
        sa.CheckConstraint("dose IS NULL OR dose >= 0", name=op.f("ck_dosechange_dose")),
        sa.ForeignKeyConstraint(
            ["regimen_drug_id"],
            ["regimendrug.id"],
            name=op.f("fk_dosechange_regimen_drug_id_regimendrug"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dosechange")),
    )
    with op.batch_alter_table("dosechange", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dosechange_regimen_drug_id"), ["regimen_drug_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("dosechange", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dosechange_regimen_drug_id"))

    op.drop_table("dosechange")
    with op.batch_alter_table("sideeffectdrug", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sideeffectdrug_side_effect_id"))

    op.drop_table("sideeffectdrug")
    op.drop_table("response")
    with op.batch_alter_table("regimendrug", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_regimendrug_regimen_id"))

    op.drop_table("regimendrug")
    op.drop_table("progression")
    op.drop_table("procedure")
    op.drop_table("supportivecare")
    op.drop_table("sideeffect")
    op.drop_table("regimen")
    op.drop_table("question")
    op.drop_table("person")
    op.drop_table("override")
    op.drop_table("note")
    with op.batch_alter_table("labresult", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_labresult_test"))
        batch_op.drop_index(batch_op.f("ix_labresult_date"))

    op.drop_table("labresult")
    op.drop_table("isotypeobservation")
    op.drop_table("ecog")
    op.drop_table("diseasefeature")
    op.drop_table("diagnosis")
    op.drop_table("cytogeneticresult")
