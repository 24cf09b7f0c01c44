"""Plain, immutable inputs for the rules: one person's history as the rules see it.

Built from the store by :func:`journal.services.queries.load_history`, or by
hand in tests. Every record keeps ``ref`` (``"regimen:3"``) so a result can
name the records it used. Lab values are already in canonical units.

The records have slots: a long history holds tens of thousands of them, and each pass of
the rules reads them all; without an instance dict they take a third less memory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from journal.domain.dates import PartialDate


@dataclass(frozen=True, slots=True)
class PersonRec:
    birth_date: PartialDate | None = None
    sex: str = "unknown"
    height_cm: float | None = None
    weight_kg: float | None = None
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class DiagnosisRec:
    date: PartialDate | None = None
    heavy_chain: str = "unknown"
    light_chain: str = "unknown"
    iss_stage: str | None = None
    riss_stage: str | None = None
    beta2m_mg_l: float | None = None
    albumin_g_dl: float | None = None
    ldh_high: bool | None = None
    bmpc_percent: float | None = None
    creatinine_mg_dl: float | None = None  # measured at diagnosis
    ldh_u_l: float | None = None
    ldh_uln_u_l: float | None = None  # the lab's upper limit for that LDH
    ref: str = "diagnosis:1"


@dataclass(frozen=True, slots=True)
class IsotypeRec:
    date: PartialDate
    heavy_chain: str
    light_chain: str
    ref: str = ""


@dataclass(frozen=True, slots=True)
class FeatureRec:
    flag: str
    date: PartialDate | None = None
    resolved: PartialDate | None = None
    site: str | None = None
    ref: str = ""


@dataclass(frozen=True, slots=True)
class CytogeneticRec:
    abnormality: str
    present: bool = True
    date: PartialDate | None = None
    percent: float | None = None
    copy_number: int | None = None
    biallelic: bool | None = None
    at_relapse: bool = False
    ref: str = ""


@dataclass(frozen=True, slots=True)
class DoseChangeRec:
    date: PartialDate
    dose: float | None = None
    dose_unit: str | None = None
    schedule: str | None = None
    reason: str | None = None
    held: bool = False
    ref: str = ""


@dataclass(frozen=True, slots=True)
class DrugRec:
    """One drug in a regimen. ``start``/``last_dose`` are already resolved: a drug
    without its own dates takes the regimen's; ``last_dose`` None = still taking."""

    name: str  # display name: catalog generic name or the free text
    drug_id: str | None = None  # catalog id
    start: PartialDate | None = None
    last_dose: PartialDate | None = None
    role: str = "anti-myeloma"
    addition: str = "part of the original plan"
    stop_reason: str | None = None
    dose: float | None = None
    dose_unit: str | None = None
    route: str | None = None
    schedule: str | None = None
    dose_changes: tuple[DoseChangeRec, ...] = ()
    ref: str = ""


@dataclass(frozen=True, slots=True)
class RegimenRec:
    id: int
    name: str
    start: PartialDate
    end: PartialDate | None = None  # None = ongoing
    intent: str | None = None
    plan: str | None = None
    part_of_id: int | None = None
    start_reason: str | None = None
    end_reason: str | None = None
    trial_id: str | None = None
    trial_arm: str | None = None
    expanded_access: bool = False
    cycles: int | None = None
    cycle_days: int | None = None
    line_override: int | None = None
    line_override_reason: str | None = None
    drugs: tuple[DrugRec, ...] = ()

    @property
    def ref(self) -> str:
        return f"regimen:{self.id}"


@dataclass(frozen=True, slots=True)
class ProcedureRec:
    id: int
    kind: str
    date: PartialDate
    end: PartialDate | None = None
    regimen_id: int | None = None
    planned: bool = True
    planned_tandem: bool = False
    conditioning: str | None = None
    product: str | None = None  # catalog id or name of a CAR-T product
    site: str | None = None
    units: float | None = None

    @property
    def ref(self) -> str:
        return f"procedure:{self.id}"


@dataclass(frozen=True, slots=True)
class ResponseRec:
    id: int
    date: PartialDate
    category: str
    assessor: str = "clinician"
    regimen_id: int | None = None
    mrd_result: str | None = None
    mrd_method: str | None = None
    mrd_sensitivity: str | None = None

    @property
    def ref(self) -> str:
        return f"response:{self.id}"


@dataclass(frozen=True, slots=True)
class ProgressionRec:
    id: int
    date: PartialDate
    kind: str = "unknown"
    confirmed: bool = True
    regimen_id: int | None = None
    confirmed_on: PartialDate | None = None  # ``date`` is the date first met

    @property
    def ref(self) -> str:
        return f"progression:{self.id}"


@dataclass(frozen=True, slots=True)
class SideEffectRec:
    id: int
    term: str
    onset: PartialDate
    term_id: str | None = None
    scale: str = "CTCAE v5.0"
    grade: int | None = None
    grade_source: str = "clinician"
    resolved: PartialDate | None = None
    serious: bool = False
    action: str | None = None
    drugs: tuple[str, ...] = ()  # catalog ids or names
    regimen_id: int | None = None  # blamed on the whole regimen

    @property
    def ref(self) -> str:
        return f"side_effect:{self.id}"


@dataclass(frozen=True, slots=True)
class LabRec:
    id: int
    date: PartialDate
    test: str  # code in journal.domain.labs.LAB_TESTS
    value: float | None  # canonical unit
    text_value: str | None = None
    context: str = "none"
    lln: float | None = None
    uln: float | None = None

    @property
    def ref(self) -> str:
        return f"lab:{self.id}"


@dataclass(frozen=True, slots=True)
class EcogRec:
    id: int
    date: PartialDate
    score: int

    @property
    def ref(self) -> str:
        return f"ecog:{self.id}"


@dataclass(frozen=True, slots=True)
class SupportiveRec:
    id: int
    name: str
    drug_id: str | None = None
    purpose: str | None = None
    start: PartialDate | None = None
    end: PartialDate | None = None

    @property
    def ref(self) -> str:
        return f"supportive:{self.id}"


@dataclass(frozen=True, slots=True)
class MrdRec:
    """One MRD test. ``ref`` is ``mrd:N`` for an MRD record, ``response:N`` when the
    result was entered on a response (the older way)."""

    date: PartialDate
    result: str  # "negative" / "positive"
    method: str | None = None
    sensitivity: str | None = None  # "10^-5", "10^-6"
    sample: str | None = None
    regimen_id: int | None = None
    ref: str = ""


@dataclass(frozen=True, slots=True)
class HealthRec:
    """An answer to a screening question: ``answer`` "yes" or "no" (a checked no)."""

    id: int
    topic: str  # a journal.domain.vocab.HealthTopic value
    answer: str = "yes"
    date: PartialDate | None = None
    resolved: PartialDate | None = None
    detail: str | None = None
    treated: bool | None = None

    @property
    def ref(self) -> str:
        return f"health:{self.id}"


@dataclass(frozen=True, slots=True)
class OverrideRec:
    id: int
    rule: str
    subject: str
    value: str
    reason: str

    @property
    def ref(self) -> str:
        return f"override:{self.id}"


@dataclass(frozen=True)
class History:
    person: PersonRec = field(default_factory=PersonRec)
    diagnosis: DiagnosisRec | None = None
    isotypes: tuple[IsotypeRec, ...] = ()
    features: tuple[FeatureRec, ...] = ()
    cytogenetics: tuple[CytogeneticRec, ...] = ()
    regimens: tuple[RegimenRec, ...] = ()
    procedures: tuple[ProcedureRec, ...] = ()
    responses: tuple[ResponseRec, ...] = ()
    progressions: tuple[ProgressionRec, ...] = ()
    side_effects: tuple[SideEffectRec, ...] = ()
    labs: tuple[LabRec, ...] = ()
    ecog: tuple[EcogRec, ...] = ()
    supportive: tuple[SupportiveRec, ...] = ()
    overrides: tuple[OverrideRec, ...] = ()
    mrd: tuple[MrdRec, ...] = ()
    health: tuple[HealthRec, ...] = ()

    def overrides_for(self, rule: str, subject: str) -> OverrideRec | None:
        found = [o for o in self.overrides if o.rule == rule and o.subject == subject]
        return found[-1] if found else None


_labs_in_order: tuple[tuple[LabRec, ...], tuple[LabRec, ...]] = ((), ())


def labs_in_order(labs: tuple[LabRec, ...]) -> tuple[LabRec, ...]:
    """``labs`` by (date, id), the order in which several rules walk them. The last answer
    is kept (one entry, matched by identity): one summary asks it about the same tuple of
    thousands of labs five times, and sorting it each time was a good part of the work."""
    global _labs_in_order
    last_in, last_out = _labs_in_order
    if labs is last_in:
        return last_out
    out = tuple(sorted(labs, key=_lab_order))
    if type(labs) is tuple:  # immutable: the answer can never go stale
        _labs_in_order = (labs, out)
    return out


def _lab_order(lab: LabRec) -> tuple:
    date = lab.date  # date.sort_key(), inlined: this is the key of every sort of the labs
    return ((date._derived or date._derive())[3], lab.id)


_labs_by_test: tuple[tuple[LabRec, ...], dict[str, tuple[LabRec, ...]]] = ((), {})


def labs_of_test(labs: tuple[LabRec, ...], test: str) -> tuple[LabRec, ...]:
    """The labs of one test, in the order given. Grouped once per tuple of labs (kept like
    :func:`labs_in_order`): staging and the kidney rule ask for a test at a time, and each
    walked every lab of a long history."""
    global _labs_by_test
    last_in, groups = _labs_by_test
    if labs is not last_in:
        grouping: dict[str, list[LabRec]] = {}
        for lab in labs:
            grouping.setdefault(lab.test, []).append(lab)
        groups = {t: tuple(rows) for t, rows in grouping.items()}
        if type(labs) is tuple:  # immutable: the answer can never go stale
            _labs_by_test = (labs, groups)
    return groups.get(test, ())


_labs_by_test_in_order: tuple[tuple[LabRec, ...], dict[str, tuple[LabRec, ...]]] = ((), {})


def labs_of_test_in_order(labs: tuple[LabRec, ...], test: str) -> tuple[LabRec, ...]:
    """The labs of one test by (date, id), as :func:`labs_in_order` puts them; kept like
    it. In this order the days (``date.as_date()``, the midpoint the sort key starts with)
    never go down, so a rule after the last result before a day, or the results near one,
    finds them by binary search instead of reading every result of a long history."""
    global _labs_by_test_in_order
    last_in, groups = _labs_by_test_in_order
    if labs is not last_in:
        grouping: dict[str, list[LabRec]] = {}
        for lab in labs_in_order(labs):
            grouping.setdefault(lab.test, []).append(lab)
        groups = {t: tuple(rows) for t, rows in grouping.items()}
        if type(labs) is tuple:  # immutable: the answer can never go stale
            _labs_by_test_in_order = (labs, groups)
    return groups.get(test, ())


def lab_day(lab: LabRec) -> dt.date:
    """The day a lab stands for (its date's midpoint): the key to binary-search
    :func:`labs_of_test_in_order` with."""
    return lab.date.as_date()
