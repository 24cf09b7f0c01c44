"""The journal record: SQLModel tables, with the checks the schema can express.

Dates are stored as the canonical text of :class:`journal.domain.dates.PartialDate`
(``2019``, ``2019-05``, ``~2019-SP``, ``<2020-03-14``). Enumerated fields hold
the string values of :mod:`journal.domain.vocab`. Everything a CHECK cannot
express is checked in :mod:`journal.store.validation`, which names the field.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import CheckConstraint, Column, Table, Text
from sqlalchemy import MetaData as SAMetaData
from sqlmodel import Field, SQLModel

from journal.domain.labs import KNOWN_UNITS

# Named constraints make Alembic's batch mode able to recreate SQLite tables.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: SAMetaData = SQLModel.metadata

if TYPE_CHECKING:

    class TableModel(SQLModel):
        """What every ``table=True`` class has once SQLModel has mapped it, which
        SQLModel's own annotations leave out (``__table__``) or type too widely
        (``__tablename__`` may be a callable there). Seen by type checkers only."""

        __table__: ClassVar[Table]
        __tablename__: ClassVar[str]
        id: int | None = None
else:
    # At run time the tables are plain SQLModel subclasses, exactly as before.
    TableModel = SQLModel


def _date_ok(col: str) -> str:
    # Canonical partial-date text; the full grammar is enforced in Python.
    return f"{col} IS NULL OR ({col} GLOB '[0-9][0-9][0-9][0-9]*' OR {col} GLOB '[~<>][0-9][0-9][0-9][0-9]*')"


def _not_before(start: str, end: str) -> str:
    # Compare at the coarser of the two precisions: an end may not fall before
    # the start. Seasons ("-SP") and qualifiers are left to the Python check.
    s, e = f"ltrim({start},'~<>')", f"ltrim({end},'~<>')"
    return (
        f"{end} IS NULL OR {start} IS NULL OR instr({s},'S')>0 OR instr({e},'S')>0 "
        f"OR instr({s},'A')>0 OR instr({e},'A')>0 OR instr({s},'W')>0 OR instr({e},'W')>0 "
        f"OR substr({e},1,min(length({e}),length({s}))) >= substr({s},1,min(length({e}),length({s})))"
    )


def _text(**kw: Any) -> Any:  # long free text (Field() is typed as Any too)
    return Field(default=None, sa_column=Column(Text, nullable=True), **kw)


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class Person(TableModel, table=True):
    __table_args__ = (
        CheckConstraint(_date_ok("birth_date"), name="birth_date_format"),
        CheckConstraint("height_cm IS NULL OR (height_cm > 50 AND height_cm < 260)", name="height"),
        CheckConstraint("weight_kg IS NULL OR (weight_kg > 20 AND weight_kg < 400)", name="weight"),
    )
    id: int | None = Field(default=None, primary_key=True)
    display_name: str | None = None
    birth_date: str | None = None
    sex: str = "unknown"
    height_cm: float | None = None
    weight_kg: float | None = None
    created_at: str = Field(default_factory=_now)


class Diagnosis(TableModel, table=True):
    __table_args__ = (
        CheckConstraint(_date_ok("date"), name="date_format"),
        CheckConstraint("beta2m_mg_l IS NULL OR beta2m_mg_l >= 0", name="b2m"),
        CheckConstraint("creatinine_mg_dl IS NULL OR creatinine_mg_dl >= 0", name="creatinine"),
        CheckConstraint("ldh_u_l IS NULL OR ldh_u_l >= 0", name="ldh"),
        CheckConstraint("ldh_uln_u_l IS NULL OR ldh_uln_u_l > 0", name="ldh_uln"),
    )
    id: int | None = Field(default=None, primary_key=True)
    date: str | None = None
    heavy_chain: str = "unknown"
    light_chain: str = "unknown"
    iss_stage: str | None = None  # as written in the clinic letter, if any
    riss_stage: str | None = None
    # Values at diagnosis used by the staging rules when no lab row exists.
    beta2m_mg_l: float | None = None
    albumin_g_dl: float | None = None
    ldh_high: bool | None = None
    bmpc_percent: float | None = None
    notes: str | None = _text()
    # Measured values at diagnosis (schema 0003): staging and high-risk items read
    # them when no lab row of that time exists. LDH is judged against its own ULN.
    creatinine_mg_dl: float | None = None
    ldh_u_l: float | None = None
    ldh_uln_u_l: float | None = None


class IsotypeObservation(TableModel, table=True):
    """Isotype can change at relapse (light-chain escape): one row per time point."""

    __table_args__ = (CheckConstraint(_date_ok("date"), name="date_format"),)
    id: int | None = Field(default=None, primary_key=True)
    date: str
    heavy_chain: str = "unknown"
    light_chain: str = "unknown"
    notes: str | None = _text()


class DiseaseFeature(TableModel, table=True):
    """Extramedullary disease, plasma cell leukaemia, amyloidosis, POEMS, CNS."""

    __table_args__ = (
        CheckConstraint(_date_ok("date"), name="date_format"),
        CheckConstraint(_date_ok("resolved"), name="resolved_format"),
        CheckConstraint(_not_before("date", "resolved"), name="resolved_not_before_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    flag: str
    date: str | None = None
    resolved: str | None = None
    site: str | None = None
    size_mm: float | None = None
    notes: str | None = _text()


class CytogeneticResult(TableModel, table=True):
    __table_args__ = (
        CheckConstraint(_date_ok("date"), name="date_format"),
        CheckConstraint("percent IS NULL OR (percent >= 0 AND percent <= 100)", name="percent"),
        CheckConstraint(
            "copy_number IS NULL OR (copy_number >= 0 AND copy_number <= 10)", name="copies"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    date: str | None = None
    abnormality: str
    detail: str | None = None  # free text for "other"
    present: bool = True
    percent: float | None = None
    copy_number: int | None = None
    biallelic: bool | None = None
    sample: str | None = None  # e.g. "CD138-sorted bone marrow"
    at_relapse: bool = False
    notes: str | None = _text()


class Regimen(TableModel, table=True):
    __table_args__ = (
        CheckConstraint(_date_ok("start"), name="start_format"),
        CheckConstraint(_date_ok("end"), name="end_format"),
        CheckConstraint(_not_before("start", '"end"'), name="end_not_before_start"),
        CheckConstraint(
            "line_override IS NULL OR (line_override >= 1 AND line_override <= 40)",
            name="line_override_range",
        ),
        CheckConstraint("cycles IS NULL OR cycles >= 0", name="cycles"),
        CheckConstraint(
            "cycle_days IS NULL OR (cycle_days >= 1 AND cycle_days <= 365)", name="cycle_days"
        ),
        CheckConstraint("part_of_id IS NULL OR part_of_id <> id", name="not_part_of_itself"),
    )
    id: int | None = Field(default=None, primary_key=True)
    name: str
    start: str
    end: str | None = None  # None = ongoing
    intent: str | None = None
    plan: str | None = _text()  # the plan as written when it started
    # Planned as part of an earlier regimen's programme (induction -> ASCT -> maintenance).
    part_of_id: int | None = Field(default=None, foreign_key="regimen.id", ondelete="SET NULL")
    start_reason: str | None = None
    end_reason: str | None = None
    end_reason_detail: str | None = None
    trial_id: str | None = None
    trial_arm: str | None = None
    expanded_access: bool = False
    cycles: int | None = None
    cycle_days: int | None = None
    line_override: int | None = None
    line_override_reason: str | None = None
    notes: str | None = _text()


class RegimenDrug(TableModel, table=True):
    __table_args__ = (
        CheckConstraint(_date_ok("start"), name="start_format"),
        CheckConstraint(_date_ok("last_dose"), name="last_dose_format"),
        CheckConstraint(_not_before("start", "last_dose"), name="last_dose_not_before_start"),
        CheckConstraint("dose IS NULL OR dose >= 0", name="dose"),
        CheckConstraint("drug_id IS NOT NULL OR length(trim(coalesce(name,''))) > 0", name="named"),
    )
    id: int | None = Field(default=None, primary_key=True)
    regimen_id: int = Field(foreign_key="regimen.id", ondelete="CASCADE", index=True)
    drug_id: str | None = None  # catalog id; None = free text in ``name``
    name: str | None = None  # as the person wrote it
    dose: float | None = None
    dose_unit: str | None = None
    route: str | None = None
    schedule: str | None = None
    start: str | None = None  # None = the regimen's start
    last_dose: str | None = None  # None = the regimen's end (or ongoing)
    addition: str = "part of the original plan"
    role: str = "anti-myeloma"
    stop_reason: str | None = None
    stop_reason_detail: str | None = None


class DoseChange(TableModel, table=True):
    __table_args__ = (
        CheckConstraint(_date_ok("date"), name="date_format"),
        CheckConstraint("dose IS NULL OR dose >= 0", name="dose"),
    )
    id: int | None = Field(default=None, primary_key=True)
    regimen_drug_id: int = Field(foreign_key="regimendrug.id", ondelete="CASCADE", index=True)
    date: str
    dose: float | None = None
    dose_unit: str | None = None
    schedule: str | None = None
    reason: str | None = None
    held: bool = False  # a pause rather than a new dose


class Procedure(TableModel, table=True):
    __table_args__ = (
        CheckConstraint(_date_ok("date"), name="date_format"),
        CheckConstraint(_date_ok("end"), name="end_format"),
        CheckConstraint(_not_before("date", '"end"'), name="end_not_before_date"),
        CheckConstraint("units IS NULL OR units >= 0", name="units"),
    )
    id: int | None = Field(default=None, primary_key=True)
    kind: str
    date: str
    end: str | None = None
    regimen_id: int | None = Field(default=None, foreign_key="regimen.id", ondelete="SET NULL")
    planned: bool = True  # part of the plan of its line (first ASCT after induction)
    planned_tandem: bool = False
    conditioning: str | None = None
    product: str | None = None  # CAR-T product (catalog id or name)
    site: str | None = None  # radiotherapy / surgery site
    dose_text: str | None = None  # e.g. "20 Gy in 5 fractions"
    units: float | None = None  # transfusion units
    reason: str | None = None
    trial_id: str | None = None
    notes: str | None = _text()


class Response(TableModel, table=True):
    __table_args__ = (CheckConstraint(_date_ok("date"), name="date_format"),)
    id: int | None = Field(default=None, primary_key=True)
    date: str
    category: str
    assessor: str = "clinician"
    regimen_id: int | None = Field(default=None, foreign_key="regimen.id", ondelete="SET NULL")
    mrd_result: str | None = None
    mrd_method: str | None = None
    mrd_sensitivity: str | None = None  # "10^-5", "10^-6"
    notes: str | None = _text()


class Progression(TableModel, table=True):
    """``date`` is the date the criteria were first met (the IMWG progression date);
    ``confirmed_on`` the date of the confirming test, when there was one."""

    __table_args__ = (
        CheckConstraint(_date_ok("date"), name="date_format"),
        CheckConstraint(_date_ok("confirmed_on"), name="confirmed_on_format"),
        CheckConstraint(_not_before("date", "confirmed_on"), name="confirmed_not_before_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    date: str
    kind: str = "unknown"
    confirmed: bool = True
    regimen_id: int | None = Field(default=None, foreign_key="regimen.id", ondelete="SET NULL")
    notes: str | None = _text()
    confirmed_on: str | None = None


class SideEffect(TableModel, table=True):
    __table_args__ = (
        CheckConstraint(_date_ok("onset"), name="onset_format"),
        CheckConstraint(_date_ok("resolved"), name="resolved_format"),
        CheckConstraint(_not_before("onset", "resolved"), name="resolved_not_before_onset"),
        CheckConstraint("grade IS NULL OR (grade >= 1 AND grade <= 5)", name="grade_range"),
    )
    id: int | None = Field(default=None, primary_key=True)
    term_id: str | None = None  # CTCAE catalog id
    term: str  # as shown / as the person wrote it
    scale: str = "CTCAE v5.0"
    grade: int | None = None
    grade_source: str = "clinician"
    onset: str
    resolved: str | None = None  # None = ongoing
    serious: bool = False
    action: str | None = None
    patient_words: str | None = _text()
    notes: str | None = _text()
    # Blamed on a whole regimen (not one of its drugs); drugs go in SideEffectDrug.
    regimen_id: int | None = Field(default=None, foreign_key="regimen.id", ondelete="SET NULL")


class SideEffectDrug(TableModel, table=True):
    """A drug the side effect is attributed to."""

    id: int | None = Field(default=None, primary_key=True)
    side_effect_id: int = Field(foreign_key="sideeffect.id", ondelete="CASCADE", index=True)
    drug_id: str | None = None
    name: str | None = None


class LabResult(TableModel, table=True):
    __table_args__ = (
        CheckConstraint(_date_ok("date"), name="date_format"),
        CheckConstraint("value IS NOT NULL OR text_value IS NOT NULL", name="has_value"),
        CheckConstraint(
            "unit IN (" + ",".join(f"'{u}'" for u in sorted(KNOWN_UNITS)) + ")",
            name="known_unit",
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    date: str = Field(index=True)
    test: str = Field(index=True)
    value: float | None = None
    text_value: str | None = None
    unit: str
    context: str = "none"
    lln: float | None = None
    uln: float | None = None
    notes: str | None = None


class Ecog(TableModel, table=True):
    __table_args__ = (
        CheckConstraint(_date_ok("date"), name="date_format"),
        CheckConstraint("score >= 0 AND score <= 4", name="score_range"),
    )
    id: int | None = Field(default=None, primary_key=True)
    date: str
    score: int
    notes: str | None = None


class SupportiveCare(TableModel, table=True):
    __table_args__ = (
        CheckConstraint(_date_ok("start"), name="start_format"),
        CheckConstraint(_date_ok("end"), name="end_format"),
        CheckConstraint(_not_before("start", '"end"'), name="end_not_before_start"),
    )
    id: int | None = Field(default=None, primary_key=True)
    drug_id: str | None = None
    name: str
    purpose: str | None = None
    dose: str | None = None
    start: str | None = None
    end: str | None = None
    notes: str | None = None


class MrdResult(TableModel, table=True):
    """One measurable-residual-disease test: what it found, how, how finely, on what."""

    __table_args__ = (
        CheckConstraint(_date_ok("date"), name="date_format"),
        CheckConstraint("result IN ('negative','positive')", name="result_value"),
    )
    id: int | None = Field(default=None, primary_key=True)
    date: str
    result: str
    method: str | None = None
    sensitivity: str | None = None  # "10^-5", "10^-6"
    sample: str | None = None
    regimen_id: int | None = Field(default=None, foreign_key="regimen.id", ondelete="SET NULL")
    notes: str | None = _text()


class HealthHistory(TableModel, table=True):
    """An answer to a screening question about health beyond the myeloma treatment:
    "yes" (with when and what) or a checked "no". No row = not recorded."""

    __table_args__ = (
        CheckConstraint(_date_ok("date"), name="date_format"),
        CheckConstraint(_date_ok("resolved"), name="resolved_format"),
        CheckConstraint(_not_before("date", "resolved"), name="resolved_not_before_date"),
        CheckConstraint("answer IN ('yes','no')", name="answer_value"),
    )
    id: int | None = Field(default=None, primary_key=True)
    topic: str
    answer: str = "yes"
    date: str | None = None  # when it began or was found; for "no": when that was checked
    resolved: str | None = None  # when it ended, if it did
    detail: str | None = None  # which cancer, which disease, which medicine ...
    treated: bool | None = None
    notes: str | None = _text()


class Note(TableModel, table=True):
    __table_args__ = (CheckConstraint(_date_ok("date"), name="date_format"),)
    id: int | None = Field(default=None, primary_key=True)
    date: str
    kind: str = "note"
    title: str | None = None
    text: str | None = _text()
    include_in_summary: bool = False


class Question(TableModel, table=True):
    __table_args__ = (
        CheckConstraint(_date_ok("created"), name="created_format"),
        CheckConstraint(_date_ok("asked_on"), name="asked_format"),
    )
    id: int | None = Field(default=None, primary_key=True)
    created: str
    text: str
    asked_on: str | None = None  # None = still open
    answer: str | None = _text()


class Override(TableModel, table=True):
    """A person's correction of a computed classification, shown as such everywhere.

    ``rule`` names the classification (``refractory``, ``exposed``, ``response``,
    ``progression``...), ``subject`` what it is about (a catalog drug id, a class,
    ``regimen:12``), ``value`` the corrected result as text.
    """

    __table_args__ = (CheckConstraint("length(trim(reason)) > 0", name="has_reason"),)
    id: int | None = Field(default=None, primary_key=True)
    rule: str
    subject: str
    value: str
    reason: str
    created_at: str = Field(default_factory=_now)


class TrialStudy(TableModel, table=True):
    """A trial's registry record the person brought, kept exactly as downloaded.

    ``record_updated`` is the registry's own last-update date, ``brought_at`` when it
    was brought into the journal: together they say how old the record is.
    """

    __tablename__ = "trial_study"
    __table_args__ = (
        CheckConstraint("nct_id GLOB 'NCT[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'", name="nct_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    nct_id: str = Field(unique=True)
    title: str | None = None
    # The study JSON as brought; a record may be far longer than any note (the
    # registry file limit, journal.trials.record.MAX_RECORD_BYTES, bounds it).
    raw_record: str = Field(
        sa_column=Column(Text, nullable=False, info={"max_length": 16 * 1024 * 1024})
    )
    record_updated: str | None = None  # lastUpdatePostDateStruct.date (YYYY-MM[-DD])
    brought_at: str = Field(default_factory=_now)  # UTC, ISO 8601
    source_name: str | None = None  # the file it came from (name only)


class TrialAnswer(TableModel, table=True):
    """A person's own answer to one criterion of a trial, shown as theirs."""

    __tablename__ = "trial_answer"
    __table_args__ = (
        CheckConstraint(
            "status IN ('meets', 'does_not_meet', 'not_recorded', 'to_discuss')", name="status"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    trial_id: int = Field(foreign_key="trial_study.id", ondelete="CASCADE")
    criterion_index: int  # position in the checklist (-1 = the record's age fields)
    criterion_text: str = Field(sa_column=Column(Text, nullable=False))  # words answered
    status: str
    note: str | None = _text()
    answered_at: str = Field(default_factory=_now)


#: Every table holding the person's data, parents before children (export order).
RECORD_TABLES: tuple[type[TableModel], ...] = (
    Person,
    Diagnosis,
    IsotypeObservation,
    DiseaseFeature,
    CytogeneticResult,
    Regimen,
    RegimenDrug,
    DoseChange,
    Procedure,
    Response,
    Progression,
    SideEffect,
    SideEffectDrug,
    LabResult,
    Ecog,
    SupportiveCare,
    MrdResult,
    HealthHistory,
    Note,
    Question,
    Override,
    TrialStudy,
    TrialAnswer,
)
