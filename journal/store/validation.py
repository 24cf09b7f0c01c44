"""Checks on one record before it is written, for everything a CHECK cannot say.

:func:`validate` raises :class:`RecordError` listing every problem at once, each
as a :class:`FieldError` whose ``field`` is the model attribute name (the form
shows the message beside that field) and whose ``message`` says in plain words
what is wrong and how to fix it. The schema's CHECK constraints stay as the last
line of defence; these messages exist so a person never sees an SQL error.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Float, Integer, Table, Text

from journal.domain import vocab
from journal.domain.catalog import get_catalog
from journal.domain.dates import MAX_YEAR, MIN_YEAR, DateError, PartialDate
from journal.domain.labs import LAB_TESTS
from journal.store import models as m


@dataclass(frozen=True)
class FieldError:
    field: str  # model attribute name
    message: str  # plain sentence: what is wrong and how to fix it


class RecordError(ValueError):
    """One or more fields of a record are not acceptable; nothing was saved.

    ``item`` says which row of a multi-row action failed (``"drugs[1]"``,
    ``"rows[0]"``), None for a single record.
    """

    def __init__(self, errors: list[FieldError], what: str | None = None, item: str | None = None):
        self.errors = list(errors)
        self.what = what
        self.item = item
        head = f"{what}: " if what else ""
        super().__init__(head + " ".join(f"[{e.field}] {e.message}" for e in self.errors))

    def for_field(self, name: str) -> list[str]:
        return [e.message for e in self.errors if e.field == name]


# Plain names for fields, used in messages ("Stop date (12 Mar 2019) ...").
LABELS: dict[str, str] = {
    "birth_date": "birth date",
    "date": "date",
    "start": "start date",
    "end": "stop date",
    "last_dose": "last-dose date",
    "resolved": "date it got better",
    "onset": "date it started",
    "created": "date written",
    "asked_on": "date asked",
    "height_cm": "height",
    "weight_kg": "weight",
    "name": "name",
    "term": "side effect",
    "grade": "grade",
    "score": "ECOG score",
    "test": "test",
    "unit": "unit",
    "value": "result",
    "text_value": "result",
    "reason": "reason",
    "cycles": "number of cycles",
    "cycle_days": "cycle length in days",
    "line_override": "line number",
    "units": "number of units",
    "size_mm": "size",
    "percent": "percentage",
    "bmpc_percent": "bone-marrow plasma cell percentage",
    "beta2m_mg_l": "beta-2 microglobulin",
    "albumin_g_dl": "albumin",
    "part_of_id": "programme it belongs to",
    "confirmed_on": "date it was confirmed",
    "creatinine_mg_dl": "creatinine at diagnosis",
    "ldh_u_l": "LDH at diagnosis",
    "ldh_uln_u_l": "upper limit of normal for LDH",
    "topic": "topic",
    "answer": "answer",
    "detail": "details",
    "sensitivity": "sensitivity",
    "sample": "sample",
    "method": "method",
    "result": "result",
}

TABLE_LABELS: dict[str, str] = {
    "person": "person",
    "diagnosis": "diagnosis",
    "isotypeobservation": "isotype",
    "diseasefeature": "disease feature",
    "cytogeneticresult": "cytogenetic result",
    "regimen": "regimen",
    "regimendrug": "drug",
    "dosechange": "dose change",
    "procedure": "procedure",
    "response": "response",
    "progression": "progression",
    "sideeffect": "side effect",
    "sideeffectdrug": "attributed drug",
    "labresult": "lab result",
    "ecog": "ECOG score",
    "supportivecare": "supportive care",
    "note": "note",
    "question": "question",
    "override": "correction",
    "mrdresult": "MRD test",
    "healthhistory": "health history answer",
    "trial_study": "trial record",
    "trial_answer": "answer to a trial criterion",
}


class RowValues:
    """A plain row dict seen as a model object, for checking many rows quickly
    (building a SQLModel object per row costs more than checking it). Missing
    fields read as the model's default."""

    def __init__(self, model_class: type[m.TableModel], values: Mapping[str, Any]):
        self.model_class = model_class
        self.__table__: Table = model_class.__table__
        self.__tablename__: str = model_class.__tablename__
        self._values = values

    def __getattr__(self, name: str):
        values = self.__dict__["_values"]
        if name in values:
            return values[name]
        field = self.model_class.model_fields.get(name)
        if field is None:
            raise AttributeError(name)
        return field.get_default(call_default_factory=True)

    def _read(self, name: str):
        # getattr(row, name, None) without the trip through __getattr__ (the checks
        # read every field of thousands of rows); no column name starts with "_".
        values = self._values
        if name in values:
            return values[name]
        field = self.model_class.model_fields.get(name)
        return None if field is None else field.get_default(call_default_factory=True)


def _model_class(record: m.TableModel | RowValues) -> type[m.TableModel]:
    return record.model_class if isinstance(record, RowValues) else type(record)


def _reader(record: m.TableModel | RowValues) -> Callable[[str], Any]:
    if isinstance(record, RowValues):
        return record._read
    return lambda name: getattr(record, name, None)


# Where a field's plain name depends on its table.
TABLE_FIELD_LABELS: dict[tuple[type[m.TableModel] | None, str], str] = {
    (m.Question, "text"): "question",
    (m.Note, "text"): "note",
    (m.Procedure, "end"): "end date",
    (m.DiseaseFeature, "date"): "date it was found",
    (m.DiseaseFeature, "resolved"): "date it went away",
    (m.SupportiveCare, "name"): "name of the medicine",
    (m.Override, "value"): "corrected value",
    (m.HealthHistory, "date"): "date it began or was checked",
    (m.HealthHistory, "resolved"): "date it ended",
    (m.Progression, "date"): "date first met",
}


def _label(field: str, cls: type[m.TableModel] | None = None) -> str:
    return TABLE_FIELD_LABELS.get((cls, field)) or LABELS.get(field, field.replace("_", " "))


DATE_FIELDS: dict[type[m.TableModel], tuple[str, ...]] = {
    m.Person: ("birth_date",),
    m.Diagnosis: ("date",),
    m.IsotypeObservation: ("date",),
    m.DiseaseFeature: ("date", "resolved"),
    m.CytogeneticResult: ("date",),
    m.Regimen: ("start", "end"),
    m.RegimenDrug: ("start", "last_dose"),
    m.DoseChange: ("date",),
    m.Procedure: ("date", "end"),
    m.Response: ("date",),
    m.Progression: ("date", "confirmed_on"),
    m.SideEffect: ("onset", "resolved"),
    m.LabResult: ("date",),
    m.Ecog: ("date",),
    m.SupportiveCare: ("start", "end"),
    m.Note: ("date",),
    m.Question: ("created", "asked_on"),
    m.MrdResult: ("date",),
    m.HealthHistory: ("date", "resolved"),
}

# (start field, end field) pairs where the end may not come before the start.
DATE_ORDER: dict[type[m.TableModel], tuple[tuple[str, str], ...]] = {
    m.DiseaseFeature: (("date", "resolved"),),
    m.Regimen: (("start", "end"),),
    m.RegimenDrug: (("start", "last_dose"),),
    m.Procedure: (("date", "end"),),
    m.SideEffect: (("onset", "resolved"),),
    m.SupportiveCare: (("start", "end"),),
    m.Question: (("created", "asked_on"),),
    m.Progression: (("date", "confirmed_on"),),
    m.HealthHistory: (("date", "resolved"),),
}

ENUM_FIELDS: dict[type[m.TableModel], dict[str, type[StrEnum]]] = {
    m.Person: {"sex": vocab.Sex},
    m.Diagnosis: {
        "heavy_chain": vocab.HeavyChain,
        "light_chain": vocab.LightChain,
        "iss_stage": vocab.Stage,
        "riss_stage": vocab.Stage,
    },
    m.IsotypeObservation: {"heavy_chain": vocab.HeavyChain, "light_chain": vocab.LightChain},
    m.DiseaseFeature: {"flag": vocab.DiseaseFlag},
    m.CytogeneticResult: {"abnormality": vocab.Cytogenetic},
    m.Regimen: {
        "intent": vocab.RegimenIntent,
        "start_reason": vocab.ChangeReason,
        "end_reason": vocab.ChangeReason,
    },
    m.RegimenDrug: {
        "addition": vocab.AdditionKind,
        "role": vocab.DrugRole,
        "route": vocab.Route,
        "stop_reason": vocab.ChangeReason,
    },
    m.Procedure: {"kind": vocab.ProcedureKind},
    m.Response: {
        "category": vocab.ResponseCategory,
        "assessor": vocab.Assessor,
        "mrd_result": vocab.MRDResult,
        "mrd_method": vocab.MRDMethod,
    },
    m.Progression: {"kind": vocab.ProgressionKind},
    m.SideEffect: {
        "scale": vocab.GradingScale,
        "grade_source": vocab.GradeSource,
        "action": vocab.AEAction,
    },
    m.LabResult: {"context": vocab.LabContext},
    m.Note: {"kind": vocab.NoteKind},
    m.MrdResult: {
        "result": vocab.MRDOutcome,
        "method": vocab.MRDMethod,
        "sensitivity": vocab.MRDSensitivity,
        "sample": vocab.MRDSample,
    },
    m.HealthHistory: {"topic": vocab.HealthTopic, "answer": vocab.HealthAnswer},
}

# Inclusive numeric ranges: field -> (low, high, plain hint).
RANGES: dict[type[m.TableModel], dict[str, tuple[float | None, float | None, str]]] = {
    m.Person: {
        "height_cm": (50.01, 259.99, "Type the height in centimetres, e.g. 172."),
        "weight_kg": (20.01, 399.99, "Type the weight in kilograms, e.g. 78."),
    },
    m.Diagnosis: {
        "beta2m_mg_l": (0, None, "Type the value in mg/L."),
        "albumin_g_dl": (0, 10, "Type the value in g/dL, e.g. 3.8."),
        "bmpc_percent": (0, 100, "Type a percentage between 0 and 100."),
        "creatinine_mg_dl": (0.05, 30, "Type creatinine in mg/dL, e.g. 1.1 (umol/L / 88.4)."),
        "ldh_u_l": (1, 20000, "Type LDH in U/L, e.g. 230."),
        "ldh_uln_u_l": (1, 5000, "Type the lab's upper limit for LDH in U/L, e.g. 250."),
    },
    m.CytogeneticResult: {
        "percent": (0, 100, "Type a percentage between 0 and 100."),
        "copy_number": (0, 10, "Type a copy number between 0 and 10."),
    },
    m.DiseaseFeature: {"size_mm": (0, None, "Type the size in millimetres.")},
    m.Regimen: {
        "line_override": (1, 40, "Type a line number between 1 and 40, or leave it empty."),
        "cycles": (0, None, "Type the number of cycles, or leave it empty."),
        "cycle_days": (1, 365, "Type the cycle length in days, e.g. 28."),
    },
    m.RegimenDrug: {"dose": (0, None, "Type the dose as a number, e.g. 25.")},
    m.DoseChange: {"dose": (0, None, "Type the dose as a number, e.g. 15.")},
    m.Procedure: {"units": (0, None, "Type the number of units, e.g. 2.")},
    m.Ecog: {"score": (0, 4, "ECOG goes from 0 (fully active) to 4 (in bed all day).")},
    m.LabResult: {
        "value": (0, None, "Lab results cannot be negative; check the number."),
        "lln": (0, None, "The lower limit of normal cannot be negative."),
        "uln": (0, None, "The upper limit of normal cannot be negative."),
    },
}

# Text fields that must hold something other than spaces.
REQUIRED_TEXT: dict[type[m.TableModel], tuple[str, ...]] = {
    m.Regimen: ("name",),
    m.SideEffect: ("term",),
    m.SideEffectDrug: (),
    m.SupportiveCare: ("name",),
    m.Question: ("text",),
    m.Override: ("rule", "subject", "value", "reason"),
    m.LabResult: ("test", "unit"),
}

GRADE_RANGES: dict[str, tuple[int, int]] = {
    vocab.GradingScale.CTCAE_V5: (1, 5),
    vocab.GradingScale.CTCAE_V6: (1, 5),
    vocab.GradingScale.ASTCT: (1, 5),
    vocab.GradingScale.KVA: (1, 4),
}

# Bounds every stored value keeps, whatever its field. The exchange schema is built
# from the same numbers, so a table added later gets them without anyone listing it.
MIN_INT, MAX_INT = -(2**63), 2**63 - 1  # SQLite's INTEGER
#: Far beyond any real measurement (red cells per litre are ~5e12), far below
#: where floats lose whole numbers or overflow when written out.
MAX_NUMBER = 1e15
#: Names, codes, reasons: a line of text.
MAX_SHORT_TEXT = 1_000
#: Notes, plans, answers: about 15 printed pages; a report prints less (see
#: journal.reports.common) and says how much more the journal holds.
MAX_LONG_TEXT = 100_000


def text_limit(col) -> int:
    """Most characters a text column accepts: its own ``info["max_length"]`` when it
    declares one (a registry record kept whole), else long free text vs. a line."""
    declared = col.info.get("max_length")
    if declared is not None:
        return int(declared)
    return MAX_LONG_TEXT if isinstance(col.type, Text) else MAX_SHORT_TEXT


def shown(value, limit: int = 60, *, quote=json.dumps) -> str:
    """A value as quoted in a message: short, and safe to print whatever it holds.

    Messages name what is wrong; they never repeat a 10 MB string or a number with
    thousands of digits (Python refuses to print those) back to the person.
    """
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        if abs(value) < 10**30:
            return str(value)
        return f"a number with {int(value.bit_length() * math.log10(2)) + 1:,} digits"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return f"{int(value):,}"
        return repr(value)
    if isinstance(value, str):
        # Both quote styles escape broken characters instead of failing to print.
        if len(value) <= limit:
            return quote(value)
        return quote(value[: limit - 3])[:-1] + f"...{quote('')[0]} ({len(value):,} characters)"
    if isinstance(value, list | tuple):
        return f"a list of {len(value):,} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, dict):
        return f"a group of {len(value):,} field{'' if len(value) == 1 else 's'}"
    return type(value).__name__


def _unstorable_text(value: str) -> bool:
    # A lone surrogate (JSON "\ud800") is not a character: UTF-8 cannot hold it.
    if value.isascii():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# How far ahead a date may lie: plans and appointments, not typing slips.
FUTURE_SLACK_DAYS = 366


def _fmt(d: PartialDate) -> str:
    return d.display()


def _plain_enum(values: type[StrEnum]) -> str:
    return ", ".join(v.value for v in values)


_BOOL, _INT, _FLOAT, _TEXT = range(4)


@functools.cache
def _columns(table) -> tuple[tuple[str, int, bool, int], ...]:
    """(name, kind, required, text limit) of each column but the id, worked out once
    per table: import checks thousands of rows of the same few tables."""
    out = []
    for col in table.columns:
        if col.name == "id":
            continue
        if isinstance(col.type, Boolean):
            kind = _BOOL
        elif isinstance(col.type, Integer):
            kind = _INT
        elif isinstance(col.type, Float):
            kind = _FLOAT
        else:
            kind = _TEXT
        has_default = col.default is not None or col.server_default is not None
        out.append((col.name, kind, not col.nullable and not has_default, text_limit(col)))
    return tuple(out)


def _check_types(
    record: m.TableModel | RowValues, errors: list[FieldError], ignore: Iterable[str] = ()
) -> None:
    cls = _model_class(record)
    read = _reader(record)
    for name, kind, required, most in _columns(record.__table__):
        if name in ignore:
            continue
        value = read(name)
        if value is None:
            if required:
                errors.append(
                    FieldError(name, f"The {_label(name, cls)} is required; please fill it in.")
                )
            continue
        if kind == _BOOL:
            if not isinstance(value, bool):
                errors.append(FieldError(name, f"The {_label(name, cls)} must be yes or no."))
        elif kind == _INT:
            if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_NUMBER:
                continue  # 6.0 is a whole number (JSON Schema agrees); stored as 6
            if isinstance(value, bool) or not isinstance(value, int):
                errors.append(FieldError(name, f"The {_label(name, cls)} must be a whole number."))
            elif not MIN_INT <= value <= MAX_INT:
                errors.append(
                    FieldError(
                        name,
                        f"The {_label(name, cls)} ({shown(value)}) is too large to store; "
                        "check the number.",
                    )
                )
        elif kind == _FLOAT:
            if isinstance(value, bool) or not isinstance(value, int | float):
                errors.append(FieldError(name, f"The {_label(name, cls)} must be a number."))
            elif not (isinstance(value, int) or math.isfinite(value)):
                errors.append(
                    FieldError(
                        name, f"The {_label(name, cls)} must be a number, not {shown(value)}."
                    )
                )
            elif abs(value) > MAX_NUMBER:
                errors.append(
                    FieldError(
                        name,
                        f"The {_label(name, cls)} ({shown(value)}) is far beyond any real value "
                        f"(at most {MAX_NUMBER:g}); check the number.",
                    )
                )
        elif not isinstance(value, str):
            errors.append(FieldError(name, f"The {_label(name, cls)} must be text."))
        elif len(value) > most:
            errors.append(
                FieldError(
                    name,
                    f"The {_label(name, cls)} is {len(value):,} characters long; it can hold "
                    f"at most {most:,}. Shorten it"
                    + (", or split it into several entries." if most == MAX_LONG_TEXT else "."),
                )
            )
        elif _unstorable_text(value):
            errors.append(
                FieldError(
                    name,
                    f"The {_label(name, cls)} holds a broken character (a lone UTF-16 "
                    "surrogate) that cannot be stored as text; retype that part.",
                )
            )


@functools.cache
def _enum_values(enum: type[StrEnum]) -> frozenset[str]:
    return frozenset(v.value for v in enum)


#: Stored dates repeat (every lab of a day, every drug of a regimen); a PartialDate
#: is immutable, so one parse per distinct text is enough.
_parse_date = functools.lru_cache(maxsize=4096)(PartialDate.from_iso)


def validate(
    record: m.TableModel | RowValues,
    *,
    parent: m.TableModel | None = None,
    today: dt.date | None = None,
    ignore: tuple[str, ...] = (),
) -> None:
    """Raise :class:`RecordError` naming every unacceptable field of ``record``.

    ``parent`` is the regimen of a :class:`~journal.store.models.RegimenDrug`
    (its own dates must lie inside the regimen's). ``today`` is for tests.
    ``ignore`` names fields filled in later by the writer (a new child's parent id).
    """
    cls = _model_class(record)
    today = today or dt.date.today()
    errors: list[FieldError] = []
    read = _reader(record)
    _check_types(record, errors, ignore)
    bad = {e.field for e in errors}

    dates: dict[str, PartialDate] = {}
    for f in DATE_FIELDS.get(cls, ()):
        raw = read(f)
        if raw is None or f in bad:
            continue
        try:
            d = _parse_date(raw)
        except DateError:
            errors.append(
                FieldError(
                    f,
                    f"The {_label(f, cls)} ({shown(raw, quote=repr)}) is not a date this app can read. "
                    "Type it like 2019, May 2019 or 14 May 2019.",
                )
            )
            continue
        dates[f] = d
        if d.earliest() > today + dt.timedelta(days=FUTURE_SLACK_DAYS):
            errors.append(
                FieldError(
                    f,
                    f"The {_label(f, cls)} ({_fmt(d)}) is more than a year in the future. "
                    "Check the year.",
                )
            )
    if (
        cls is m.Person
        and "birth_date" in dates
        and today < dates["birth_date"].earliest() <= today + dt.timedelta(days=FUTURE_SLACK_DAYS)
    ):
        errors.append(
            FieldError(
                "birth_date",
                f"The birth date ({_fmt(dates['birth_date'])}) is in the future. Check the year.",
            )
        )

    for start_f, end_f in DATE_ORDER.get(cls, ()):
        s, e = dates.get(start_f), dates.get(end_f)
        if s and e and e.latest() < s.earliest():
            errors.append(
                FieldError(
                    end_f,
                    f"{_label(end_f, cls).capitalize()} ({_fmt(e)}) is before the "
                    f"{_label(start_f, cls)} ({_fmt(s)}). Check both dates.",
                )
            )

    for f, enum in ENUM_FIELDS.get(cls, {}).items():
        raw = read(f)
        if raw is None or f in bad:
            continue
        if raw not in _enum_values(enum):
            errors.append(
                FieldError(
                    f,
                    f"{shown(raw, quote=repr)} is not a known {_label(f, cls)}. "
                    f"Choose one of: {_plain_enum(enum)}.",
                )
            )

    for f, (lo, hi, hint) in RANGES.get(cls, {}).items():
        v = read(f)
        if v is None or f in bad:
            continue
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            errors.append(FieldError(f, f"The {_label(f, cls)} ({v:g}) is out of range. {hint}"))

    for f in REQUIRED_TEXT.get(cls, ()):
        v = read(f)
        if f not in bad and (v is None or not str(v).strip()):
            errors.append(FieldError(f, f"The {_label(f, cls)} is empty; please fill it in."))

    check = _SPECIFIC.get(cls)
    if check:
        check(record, dates, errors, bad, parent)
    if errors:
        raise RecordError(errors, TABLE_LABELS.get(record.__tablename__, record.__tablename__))


# -- the quick check for many rows (import) ---------------------------------------------
#
# Import checks every row of a file; ``validate`` explains, but building its messages'
# machinery per row (a RowValues, generic lookups per field, a model object for each
# drug's regimen) costs most of an import. ``row_checker`` answers only "would validate
# find nothing?", with every per-table decision made once. It may say no to a row that
# is fine (that row then goes through ``validate``, which has the last word and the
# messages), but must never say yes to a row ``validate`` refuses: tests check it on
# hostile values, and that every table-specific check below has its quick twin.

_MISSING = object()


@functools.lru_cache(maxsize=16384)
def _date_span(text: str) -> tuple[dt.date, dt.date] | None:
    """(earliest, latest) of a stored date, None if it is not one; once per text.
    Stricter than from_iso in one way: digits are ASCII (the exchange schema's rule)."""
    if not text.isascii():
        return None
    # The usual exact day, 2019-05-14, without building a PartialDate (a 25-year
    # history holds thousands of distinct days); anything else is read by from_iso.
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        y, mo, d = text[:4], text[5:7], text[8:]
        if y.isdigit() and mo.isdigit() and d.isdigit() and MIN_YEAR <= int(y) <= MAX_YEAR:
            try:
                day = dt.date(int(y), int(mo), int(d))
            except ValueError:
                return None  # no such day (2019-02-30): from_iso refuses it too
            return day, day
    try:
        parsed = PartialDate.from_iso(text)
    except DateError:
        return None
    return parsed.earliest(), parsed.latest()


def _quick_regimen(row: dict, spans: dict, parent: dict | None) -> bool:
    part_of, rid = row["part_of_id"], row["id"]
    return part_of is None or rid is None or part_of != rid


def _quick_known_drug(row: dict) -> bool:
    drug_id = row["drug_id"]
    return drug_id is None or get_catalog().get(drug_id) is not None


def _quick_drug(row: dict, spans: dict, parent: dict | None) -> bool:
    if not _quick_known_drug(row):
        return False
    if not (row["drug_id"] or (row["name"] or "").strip()):
        return False
    if parent is None:
        return True
    # The regimen as validate sees it (a model built from the row: a missing field
    # reads as its default); anything unusual goes the long way.
    start, end = parent.get("start", _MISSING), parent.get("end", _MISSING)
    if type(start) is not str or not (end is None or type(end) is str):
        return False
    rs = _date_span(start)
    re_ = _date_span(end) if end else None
    if rs is None or (end and re_ is None):
        return False
    s, last = spans.get("start"), spans.get("last_dose")
    if s and s[1] < rs[0]:
        return False
    if re_ and s and s[0] > re_[1]:
        return False
    if re_ and last and last[0] > re_[1]:
        return False
    return not (last and last[1] < rs[0])


def _quick_side_effect(row: dict, spans: dict, parent: dict | None) -> bool:
    grade = row["grade"]
    if grade is None:
        return True
    lo, hi = GRADE_RANGES.get(row["scale"], (1, 5))
    return lo <= grade <= hi


def _quick_lab(row: dict, spans: dict, parent: dict | None) -> bool:
    code = row["test"]
    if not code:
        return True
    test = LAB_TESTS.get(code)
    if test is None:
        return False
    unit = row["unit"]
    if unit and unit not in test.units:
        return False
    if test.qualitative:
        text_value = row["text_value"]
        if text_value is None or text_value not in test.qualitative:
            return False
        if row["value"] is not None:
            return False
    elif row["value"] is None:
        return False
    lln, uln = row["lln"], row["uln"]
    return lln is None or uln is None or not lln > uln


def _quick_side_effect_drug(row: dict, spans: dict, parent: dict | None) -> bool:
    return _quick_known_drug(row) and bool(row["drug_id"] or (row["name"] or "").strip())


def _quick_dose_change(row: dict, spans: dict, parent: dict | None) -> bool:
    return parent is None  # checked against its drug only by validate


def _quick_health(row: dict, spans: dict, parent: dict | None) -> bool:
    if row["answer"] != vocab.HealthAnswer.NO:
        return True
    return row["resolved"] is None and not row["treated"]


def _quick_progression(row: dict, spans: dict, parent: dict | None) -> bool:
    return not (row["confirmed_on"] is not None and row["confirmed"] is False)


@functools.cache
def _shape(table) -> tuple[tuple[str, int, bool, bool, int], ...]:
    """(name, kind, nullable, must be given, text limit) of each column but the id: what
    the exchange schema demands of a row's fields, from the same column facts."""
    out = []
    for col in table.columns:
        if col.name == "id":
            continue
        kind = next(k for n, k, _r, _m in _columns(table) if n == col.name)
        given = not col.nullable and col.default is None and col.server_default is None
        out.append((col.name, kind, bool(col.nullable), given, text_limit(col)))
    return tuple(out)


#: From how many rows a table's check is written out as code: compiling it costs about
#: what it saves on a few hundred rows.
COMPILE_FROM = 300


def row_checker(
    model_class: type[m.TableModel], today: dt.date, *, rows: int = COMPILE_FROM
) -> Callable[[dict, dict | None], bool]:
    """``ok(row, parent_row)``: True only if the row is as the store writes it (an id, a
    value of the right kind in every field, no field the table lacks, none missing that
    must be given: what the exchange schema asks of a row) and ``validate(RowValues(
    model_class, row), parent=<model of parent_row>, today=today)`` finds nothing wrong.
    ``parent_row`` is the regimen row of a drug (a plain dict, as in the file), else None.
    ``rows``: about how many rows it will check (fewer than COMPILE_FROM: the loop over
    the columns, which decides the same, without compiling anything)."""
    return _row_checker(model_class, today, rows >= COMPILE_FROM)


@functools.lru_cache(maxsize=128)
def _row_checker(
    model_class: type[m.TableModel], today: dt.date, compiled: bool
) -> Callable[[dict, dict | None], bool]:
    cls = model_class
    cols = _shape(cls.__table__)
    ncols = len(cols) + 1
    fields = cls.model_fields
    # What validate reads for a field the row leaves out: the model's default.
    defaults = {name: f.get_default(call_default_factory=True) for name, f in fields.items()}
    limit = today + dt.timedelta(days=FUTURE_SLACK_DAYS)
    date_fields = DATE_FIELDS.get(cls, ())
    order = DATE_ORDER.get(cls, ())
    born = "birth_date" if cls is m.Person else None
    enums = tuple((f, _enum_values(e)) for f, e in ENUM_FIELDS.get(cls, {}).items())
    ranges = tuple((f, lo, hi) for f, (lo, hi, _hint) in RANGES.get(cls, {}).items())
    texts = REQUIRED_TEXT.get(cls, ())
    specific = _QUICK_SPECIFIC.get(cls)
    text_kind, float_kind, int_kind = _TEXT, _FLOAT, _INT
    lowest, highest, biggest = MIN_INT, MAX_INT, MAX_NUMBER

    def ok(row: dict, parent: dict | None = None) -> bool:
        try:
            get = row.get
            rid = get("id")
            if type(rid) is not int or not lowest <= rid <= highest:
                return False
            given = 1
            for name, kind, nullable, must_give, most in cols:
                v = get(name, _MISSING)
                if v is _MISSING:
                    if must_give:
                        return False
                    v = defaults[name]
                else:
                    given += 1
                if v is None:
                    if not nullable:
                        return False
                    continue
                t = type(v)
                if kind == text_kind:
                    if t is not str or len(v) > most or (not v.isascii() and _unstorable_text(v)):
                        return False
                elif kind == float_kind:
                    if (t is not float and t is not int) or not -biggest <= v <= biggest:
                        return False  # also NaN, which compares false with everything
                elif kind == int_kind:
                    if t is not int or not lowest <= v <= highest:
                        return False  # 6.0 is fine too, but rare: validate decides
                elif t is not bool:
                    return False
            if given != len(row):
                return False  # a field the table does not have
            if given != ncols:
                row = {**defaults, **row}
            spans = {}
            for f in date_fields:
                v = row[f]
                if v is None:
                    continue
                span = _date_span(v)
                if span is None or span[0] > limit:
                    return False
                spans[f] = span
            if born and born in spans and spans[born][0] > today:
                return False
            for start_f, end_f in order:
                s, e = spans.get(start_f), spans.get(end_f)
                if s and e and e[1] < s[0]:
                    return False
            for f, values in enums:
                v = row[f]
                if v is not None and v not in values:
                    return False
            for f, lo, hi in ranges:
                v = row[f]
                if v is not None and ((lo is not None and v < lo) or (hi is not None and v > hi)):
                    return False
            for f in texts:
                v = row[f]
                if v is None or not str(v).strip():
                    return False
            return specific is None or specific(row, spans, parent)
        except Exception:  # anything odd: validate decides, and explains
            return False

    if not compiled:
        return ok
    # The same decisions written out as code for this table, for the usual row that
    # gives every field (an export's rows): no loop over the columns, no lookups of
    # what each column is. Any other row goes to ``ok`` above.
    names: dict[str, Any] = {
        "generic": ok, "unstorable": _unstorable_text, "date_span": _date_span,
        "specific": specific, "LIMIT": limit, "TODAY": today,
        "LOWEST": lowest, "HIGHEST": highest, "BIGGEST": biggest,
    }  # fmt: skip
    code = [
        "def full_row(row, parent=None):",
        "    try:",
        f"        if len(row) != {ncols}:",
        "            return generic(row, parent)",
        "        v = row['id']",
        "        if type(v) is not int or not LOWEST <= v <= HIGHEST: return False",
    ]
    local = {name: f"c{i}" for i, (name, *_rest) in enumerate(cols)}
    for name, kind, nullable, _must_give, most in cols:
        code.append(f"        v = {local[name]} = row[{name!r}]")
        pad = "        "
        if nullable:
            code.append("        if v is not None:")
            pad += "    "
        if kind == text_kind:
            code.append(
                f"{pad}if type(v) is not str or len(v) > {most} "
                "or (not v.isascii() and unstorable(v)): return False"
            )
        elif kind == float_kind:
            code.append(f"{pad}t = type(v)")
            code.append(
                f"{pad}if (t is not float and t is not int) or not -BIGGEST <= v <= BIGGEST: "
                "return False"
            )
        elif kind == int_kind:
            code.append(f"{pad}if type(v) is not int or not LOWEST <= v <= HIGHEST: return False")
        else:
            code.append(f"{pad}if type(v) is not bool: return False")
    code.append("        spans = {}")
    for f in date_fields:
        code += [
            f"        if {local[f]} is not None:",
            f"            s = date_span({local[f]})",
            "            if s is None or s[0] > LIMIT: return False",
            f"            spans[{f!r}] = s",
        ]
    if born:
        code.append(f"        s = spans.get({born!r})")
        code.append("        if s and s[0] > TODAY: return False")
    for start_f, end_f in order:
        code.append(f"        s, e = spans.get({start_f!r}), spans.get({end_f!r})")
        code.append("        if s and e and e[1] < s[0]: return False")
    for i, (f, values) in enumerate(enums):
        names[f"ENUM{i}"] = values
        code.append(
            f"        if {local[f]} is not None and {local[f]} not in ENUM{i}: return False"
        )
    for i, (f, lo, hi) in enumerate(ranges):
        names[f"LO{i}"], names[f"HI{i}"] = lo, hi
        v = local[f]
        out = [f"{v} < LO{i}"] * (lo is not None) + [f"{v} > HI{i}"] * (hi is not None)
        if out:
            code.append(f"        if {v} is not None and ({' or '.join(out)}): return False")
    for f in texts:
        code.append(f"        if {local[f]} is None or not str({local[f]}).strip(): return False")
    code.append(
        "        return True" if specific is None else "        return specific(row, spans, parent)"
    )
    code += ["    except Exception:", "        return False"]
    exec("\n".join(code), names)  # text made above from the tables alone
    full_row = names["full_row"]
    full_row.__doc__ = ok.__doc__
    full_row.source = "\n".join(code)  # for a reader (and the tests)
    full_row.generic = ok
    return full_row


def _regimen(r: m.Regimen, dates, errors, bad, parent) -> None:
    if r.part_of_id is not None and r.id is not None and r.part_of_id == r.id:
        errors.append(
            FieldError(
                "part_of_id",
                "A regimen cannot be part of its own programme. "
                "Choose the earlier regimen it belongs to, or none.",
            )
        )


def _known_drug(record, errors, bad) -> None:
    drug_id = record.drug_id
    if drug_id is None or "drug_id" in bad or get_catalog().get(drug_id) is not None:
        return
    errors.append(
        FieldError(
            "drug_id",
            f"{shown(drug_id, quote=repr)} is not a drug in this app's catalog. Choose the drug from "
            "the list, or leave the catalog id empty and type its name.",
        )
    )


def _drug(d: m.RegimenDrug, dates, errors, bad, parent) -> None:
    _known_drug(d, errors, bad)
    if not (d.drug_id or (d.name or "").strip()) and "name" not in bad:
        errors.append(
            FieldError("name", "The drug has no name. Choose it from the list or type its name.")
        )
    if parent is None:
        return
    try:
        rs = PartialDate.from_iso(parent.start)
        re_ = PartialDate.from_iso(parent.end) if parent.end else None
    except (DateError, TypeError):
        return  # the regimen's own check reports its dates
    s, last = dates.get("start"), dates.get("last_dose")
    if s and s.latest() < rs.earliest():
        errors.append(
            FieldError(
                "start",
                f"The drug's start date ({_fmt(s)}) is before the regimen started "
                f"({_fmt(rs)}). Check the date, or change the regimen's start.",
            )
        )
    if re_ and s and s.earliest() > re_.latest():
        errors.append(
            FieldError(
                "start",
                f"The drug's start date ({_fmt(s)}) is after the regimen ended "
                f"({_fmt(re_)}). Check the date.",
            )
        )
    if re_ and last and last.earliest() > re_.latest():
        errors.append(
            FieldError(
                "last_dose",
                f"The last dose ({_fmt(last)}) is after the regimen ended "
                f"({_fmt(re_)}). Check the date, or change the regimen's stop date.",
            )
        )
    if last and last.latest() < rs.earliest():
        errors.append(
            FieldError(
                "last_dose",
                f"The last dose ({_fmt(last)}) is before the regimen started "
                f"({_fmt(rs)}). Check the date.",
            )
        )


def _side_effect(se: m.SideEffect, dates, errors, bad, parent) -> None:
    if se.grade is None or "grade" in bad or "scale" in bad:
        return
    lo, hi = GRADE_RANGES.get(se.scale, (1, 5))
    if not lo <= se.grade <= hi:
        errors.append(
            FieldError(
                "grade",
                f"Grade {se.grade} does not exist on the {se.scale} scale. "
                f"Choose a grade from {lo} to {hi}.",
            )
        )


def _lab(lab: m.LabResult, dates, errors, bad, parent) -> None:
    if "test" in bad or not lab.test:
        return
    test = LAB_TESTS.get(lab.test)
    if test is None:
        errors.append(
            FieldError(
                "test",
                f"{shown(lab.test, quote=repr)} is not a test this app knows. Choose the test from the list.",
            )
        )
        return
    if "unit" not in bad and lab.unit and lab.unit not in test.units:
        errors.append(
            FieldError(
                "unit",
                f"{test.name} is not measured in {shown(lab.unit, quote=repr)}. Use {' or '.join(test.units)}.",
            )
        )
    if test.qualitative:
        if lab.text_value is None or lab.text_value not in test.qualitative:
            errors.append(
                FieldError(
                    "text_value",
                    f"{test.name} is a yes/no kind of test. "
                    f"Choose one of: {', '.join(test.qualitative)}.",
                )
            )
        if lab.value is not None:
            errors.append(
                FieldError(
                    "value",
                    f"{test.name} has no number; leave the number empty "
                    "and choose the result instead.",
                )
            )
    elif lab.value is None and "value" not in bad:
        errors.append(FieldError("value", f"Type the {test.name} result as a number."))
    if (
        lab.lln is not None
        and lab.uln is not None
        and "lln" not in bad
        and "uln" not in bad
        and lab.lln > lab.uln
    ):
        errors.append(
            FieldError(
                "uln",
                f"The upper limit of normal ({lab.uln:g}) is below the lower limit "
                f"({lab.lln:g}). Check both limits.",
            )
        )


def _side_effect_drug(sd: m.SideEffectDrug, dates, errors, bad, parent) -> None:
    _known_drug(sd, errors, bad)
    if not (sd.drug_id or (sd.name or "").strip()):
        errors.append(
            FieldError(
                "name", "The attributed drug has no name. Choose it from the list or type its name."
            )
        )


def _dose_change(c: m.DoseChange, dates, errors, bad, parent) -> None:
    # parent: the drug with its dates resolved from its regimen.
    if parent is None or "date" not in dates:
        return
    d = dates["date"]
    try:
        start = PartialDate.from_iso(parent.start) if parent.start else None
        last = PartialDate.from_iso(parent.last_dose) if parent.last_dose else None
    except DateError:
        return
    if start and d.latest() < start.earliest():
        errors.append(
            FieldError(
                "date",
                f"The dose change ({_fmt(d)}) is before the drug was started ({_fmt(start)}). "
                "Check the date.",
            )
        )
    if last and d.earliest() > last.latest():
        errors.append(
            FieldError(
                "date",
                f"The dose change ({_fmt(d)}) is after the last dose ({_fmt(last)}). "
                "Check the date.",
            )
        )


def _health(h: m.HealthHistory, dates, errors, bad, parent) -> None:
    if h.answer != vocab.HealthAnswer.NO or "answer" in bad:
        return
    if h.resolved is not None and "resolved" not in bad:
        errors.append(
            FieldError(
                "resolved",
                "The answer is 'no', so there is nothing that ended. Leave the end date "
                "empty, or change the answer to 'yes' if it happened and is over.",
            )
        )
    if h.treated and "treated" not in bad:
        errors.append(
            FieldError(
                "treated",
                "The answer is 'no', so nothing was treated. Leave 'treated' empty, or "
                "change the answer to 'yes'.",
            )
        )


def _progression(p: m.Progression, dates, errors, bad, parent) -> None:
    if p.confirmed_on is not None and p.confirmed is False and "confirmed" not in bad:
        errors.append(
            FieldError(
                "confirmed",
                "A date confirmed is given, but 'confirmed' is not ticked. Tick it, or "
                "clear the date confirmed.",
            )
        )


_SPECIFIC: dict[type[m.TableModel], Callable[..., None]] = {
    m.Progression: _progression,
    m.HealthHistory: _health,
    m.DoseChange: _dose_change,
    m.Regimen: _regimen,
    m.RegimenDrug: _drug,
    m.SideEffect: _side_effect,
    m.LabResult: _lab,
    m.SideEffectDrug: _side_effect_drug,
}


_QUICK_SPECIFIC = {
    m.Progression: _quick_progression,
    m.HealthHistory: _quick_health,
    m.DoseChange: _quick_dose_change,
    m.Regimen: _quick_regimen,
    m.RegimenDrug: _quick_drug,
    m.SideEffect: _quick_side_effect,
    m.LabResult: _quick_lab,
    m.SideEffectDrug: _quick_side_effect_drug,
}
