"""Exposure, refractoriness and intolerance per drug and class; class labels;
disease status; early relapse (rules doc sections 2.1-2.4).

One function, :func:`compute_ledger`, used by every screen, the summary JSON and the
PDF. Each answer carries traces naming the rule set, the doses, responses and
progressions behind it, and a person's override wins visibly.

Conventions (the rules doc marks these "(unconfirmed)" or leaves them open)
---------------------------------------------------------------------------
* Exposure = at least one dose (``imwg``); rule set ``two_cycles`` needs at least two
  consecutive cycles of one regimen.
* Only anti-myeloma administrations count. Conditioning drugs (high-dose melphalan)
  count for exposure and "alkylator exposed" but are never judged refractory;
  lymphodepletion, mobilisation, premedication and supportive drugs do not count.
  A transplant whose conditioning is not recorded is assumed to be high-dose melphalan
  (flagged).
* "Refractory" is "ever": refractory in any line counts (rules doc 2.2).
* The 60-day window runs from the real last dose; a drug still being taken is "on"
  it up to ``as_of``. A progression on the day a drug starts is not on it.
* "Best response while on it" takes the responses dated from the first to the last
  dose; "not evaluable" is ignored. With no response recorded the response arm cannot
  fire (shown in the trace). The response arm judges only a drug that has stopped (or,
  for ``mayo``, one given for at least 2 cycles); a drug still taken is judged on
  progression alone.
* Cycles: the regimen's recorded cycle count when the drug ran for the whole regimen,
  else days / cycle length, counting a started cycle; cycle length 28 days when not
  recorded (flagged as estimated).
* CAR-T: no refractory call; best response after the infusion (until the next
  treatment) and days from infusion to the first progression.
* Default progressions are the history's confirmed progressions except "relapse from
  CR" (IMWG 2016 keeps it apart from PD); callers may pass computed ones instead.
* Months = days / 30.44.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from journal.domain.catalog import ANTI_MYELOMA_CLASSES, Catalog, get_catalog
from journal.domain.dates import PartialDate
from journal.domain.events import (
    ORIGIN_COMPUTED,
    ORIGIN_ENTERED,
    ProgressionEvent,
    end_reason_events,
    progression_events,
    replaced_end_reasons,
)
from journal.domain.frozen import slot_init
from journal.domain.lines import LinesResult, catalog_drug, drug_key
from journal.domain.records import History, OverrideRec
from journal.domain.trace import APP_CONVENTION, IMWG_PANEL1_2011, Source, Trace
from journal.domain.vocab import (
    ChangeReason,
    DrugRole,
    ProcedureKind,
    ResponseCategory,
    response_rank,
)

# -- sources -------------------------------------------------------------------------------
CARTITUDE4 = Source(
    "CARTITUDE-4 eligibility (NCT04181827): refractory = < MR or PD on/within 60 days of last dose",
    "https://trials.co/clinical-trials-details/a-study-comparing-jnj-68284528-a-car-t-therapy-directed-against-b-cell-maturation-antigen-bcma-versus-pomalidomide-bortezomib-and-dexamethasone-pvd-or-daratumumab-pomalidomide-and-dexamethasone-dpd-in-participants-with-relapsed-and-lenalidomide-refractory-multiple-myeloma/NCT04181827",
    "2.2",
)
MAMMOTH = Source(
    "MAMMOTH (Gandhi et al., Leukemia 2019)",
    "https://www.nature.com/articles/s41375-019-0435-7",
    "2.2-2.3",
)
ELRANATAMAB_MRD = Source(
    "Phase II MRD-adapted elranatamab study (MediFind listing)",
    "https://www.medifind.com/conditions/multiple-myeloma/3561/clinical-trial/533198495",
    "2.2",
)
MAYO_CD38_CART = Source(
    "Mayo Clinic anti-CD38 CAR-T trial eligibility",
    "https://www.mayo.edu/research/clinical-trials/cls-20467298",
    "2.2",
)
MAGNETISMM32 = Source(
    "MagnetisMM-32 TPS / KarMMa-3: >= 2 consecutive cycles for an exposure",
    "https://inventcures.github.io/tps_abstracts/TPS7568_ABSTRACT502362_stealth.html",
    "2.2",
)
KUMAR_2017 = Source(
    "Kumar SK et al., Leukemia 2017 (double-refractory benchmark)",
    "https://www.nature.com/articles/leu2017138",
    "2.3",
)
MAJESTEC1 = Source(
    "MajesTEC-1 (Moreau et al., NEJM 2022): triple-class exposed",
    "https://pmc.ncbi.nlm.nih.gov/articles/PMC10587778",
    "2.3",
)
MAGNETISMM3 = Source("MagnetisMM-3 design (NCT04649359): triple-class refractory", None, "2.3")
BCD_REVIEW = Source(
    "Blood Cancer Discov review of bispecifics (penta-exposed/refractory)",
    "https://aacrjournals.org/bloodcancerdiscov/article/2/5/423/665839",
    "2.3",
)
RULES_DOC_23 = Source("Treatment Journal rules (myeloma-rules.md 2.3)", None, "2.3")
FHR_FRONTIERS = Source(
    "Functional high-risk MM (Frontiers in Oncology 2023)",
    "https://frontiersin.org/journals/oncology/articles/10.3389/fonc.2023.1240966/full",
    "2.4",
)

PD_WINDOW_DAYS = 60
DEFAULT_CYCLE_DAYS = 28
DAYS_PER_MONTH = 30.44
CORE_CLASSES = ("PI", "IMiD", "anti-CD38", "CELMoD")
_COUNTED_ROLES = {DrugRole.ANTI_MYELOMA.value, DrugRole.CONDITIONING.value}
# A regimen's intent says what its drugs were for when their role was left at the default.
_PART_ROLE = {
    "conditioning": DrugRole.CONDITIONING.value,
    "lymphodepletion": DrugRole.LYMPHODEPLETION.value,
    "mobilisation": DrugRole.MOBILISATION.value,
}
_INTENT_ROLE = {
    "conditioning": DrugRole.CONDITIONING.value,
    "lymphodepletion": DrugRole.LYMPHODEPLETION.value,
    "mobilisation": DrugRole.MOBILISATION.value,
}


@dataclass(frozen=True)
class RuleSet:
    name: str
    description: str
    source: Source
    min_response: str | None = "MR"  # refractory if best response while on it is below this
    min_cycles_for_response: int = 0
    anti_cd38_min_days: int = 0
    anti_cd38_pd_only: bool = False
    exposure_min_cycles: int = 0
    unconfirmed: bool = False


RULE_SETS: dict[str, RuleSet] = {
    "imwg": RuleSet(
        "imwg",
        "Refractory = progression on the drug or within 60 days of its last dose, or best "
        "response below minimal response (MR) while on it. Exposed = at least one dose.",
        CARTITUDE4,
    ),
    "mammoth": RuleSet(
        "mammoth",
        "As imwg, but an anti-CD38 antibody counts as refractory only after at least 4 weeks "
        "of it and progression on it or within 60 days of the last dose.",
        MAMMOTH,
        anti_cd38_min_days=28,
        anti_cd38_pd_only=True,
    ),
    "elranatamab": RuleSet(
        "elranatamab",
        "Refractory = progression on the drug or within 60 days of its last dose, in any line, "
        "regardless of response.",
        ELRANATAMAB_MRD,
        min_response=None,
    ),
    "mayo": RuleSet(
        "mayo",
        "Refractory = progression during or within 60 days of the last dose, or less than a "
        "partial response (PR) after at least 2 cycles.",
        MAYO_CD38_CART,
        min_response="PR",
        min_cycles_for_response=2,
    ),
    "two_cycles": RuleSet(
        "two_cycles",
        "As imwg, but a drug counts as exposure only after at least 2 consecutive cycles "
        "(KarMMa-3 detail unconfirmed).",
        MAGNETISMM32,
        exposure_min_cycles=2,
        unconfirmed=True,
    ),
}


# -- results -------------------------------------------------------------------------------
@slot_init
@dataclass(frozen=True, slots=True)
class Administration:
    """One stretch of a drug: a drug record of a regimen, or a procedure (CAR-T, SCT)."""

    drug_id: str
    name: str
    start: PartialDate
    last_dose: PartialDate | None  # None = still taking as of the ledger date
    role: str
    regimen_id: int | None
    ref: str
    cycles: int | None
    cycles_estimated: bool
    stop_reason: str | None
    lines: tuple[int, ...]
    from_procedure: bool = False
    cycle_days: int | None = None  # the regimen's cycle length, when recorded
    bridging: bool = False  # given as bridging to a CAR-T infusion
    continues: bool = False  # a line's part of a drug that goes on into the next line


#: The three answers to "refractory?" (issue 9 item 4), plus CAR-T's "not applicable".
REFRACTORY = "refractory"
NOT_REFRACTORY = "not refractory"
NOT_ASSESSABLE = "not assessable"
NOT_APPLICABLE = "not applicable"


@dataclass(frozen=True)
class DrugStatus:
    drug_id: str
    name: str
    drug_class: str | None
    target: str | None
    exposed: bool
    refractory: bool | None  # None = not assessable, or not meaningful (CAR-T): see state
    intolerant: bool
    first_dose: PartialDate | None
    last_dose: PartialDate | None
    ongoing: bool
    consecutive_cycles: int | None
    best_response: str | None
    lines: tuple[int, ...]
    administrations: tuple[Administration, ...]
    traces: tuple[Trace, ...]
    overridden: tuple[str, ...] = ()  # which answers a person overrode
    refractory_state: str = NOT_REFRACTORY  # REFRACTORY | NOT_REFRACTORY | NOT_ASSESSABLE | ...
    #: when refractory: the lines of the administrations whose refractory call fired (the
    #: last line for a person's own "refractory"); not in to_json, which the traces explain
    refractory_lines: tuple[int, ...] = ()

    def to_json(self) -> dict:
        return {
            "drug_id": self.drug_id,
            "name": self.name,
            "class": self.drug_class,
            "target": self.target,
            "exposed": self.exposed,
            "refractory": self.refractory,
            "refractory_state": self.refractory_state,
            "intolerant": self.intolerant,
            "first_dose": _iso(self.first_dose),
            "last_dose": _iso(self.last_dose),
            "ongoing": self.ongoing,
            "consecutive_cycles": self.consecutive_cycles,
            "best_response": self.best_response,
            "lines": list(self.lines),
            "overridden": list(self.overridden),
            "traces": [t.to_json() for t in self.traces],
        }


@dataclass(frozen=True)
class ClassStatus:
    drug_class: str
    exposed: bool
    refractory: bool
    intolerant: bool
    exposed_drugs: tuple[str, ...]
    refractory_drugs: tuple[str, ...]
    intolerant_drugs: tuple[str, ...]
    traces: tuple[Trace, ...]
    overridden: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "class": self.drug_class,
            "exposed": self.exposed,
            "refractory": self.refractory,
            "intolerant": self.intolerant,
            "exposed_drugs": list(self.exposed_drugs),
            "refractory_drugs": list(self.refractory_drugs),
            "intolerant_drugs": list(self.intolerant_drugs),
            "overridden": list(self.overridden),
            "traces": [t.to_json() for t in self.traces],
        }


@dataclass(frozen=True)
class Label:
    id: str
    name: str
    applies: bool
    drugs: tuple[str, ...]  # the drugs (or records) behind the answer
    trace: Trace
    plain: str = ""  # what the label means, in one plain sentence
    implied_by: str | None = None  # a stronger applying label that says this one too

    @property
    def shown(self) -> bool:
        """Print it? Labels implied by a stronger one that applies are not all printed."""
        return self.applies and self.implied_by is None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "applies": self.applies,
            "implied_by": self.implied_by,
            "shown": self.shown,
            "drugs": list(self.drugs),
            "plain": self.plain,
            "trace": self.trace.to_json(),
        }


#: label -> the labels it implies (a person refractory to all five is also triple-class
#: refractory, double-refractory, ... ; issue 9 item 6), strongest first.
LABEL_IMPLIES: dict[str, tuple[str, ...]] = {
    "penta_refractory": (
        "quad_refractory_mammoth",
        "quad_refractory_older",
        "triple_class_refractory",
        "double_refractory",
        "penta_exposed",
        "triple_class_exposed",
    ),
    "quad_refractory_mammoth": (
        "triple_class_refractory",
        "double_refractory",
        "triple_class_exposed",
    ),
    "quad_refractory_older": ("double_refractory",),
    "triple_class_refractory": ("double_refractory", "triple_class_exposed"),
    "penta_exposed": ("triple_class_exposed",),
    "prior_car_t": ("prior_t_cell_redirecting",),
    "prior_bispecific": ("prior_t_cell_redirecting",),
}

#: MAMMOTH groups (Gandhi 2019) among people refractory to an anti-CD38, most specific first.
MAMMOTH_GROUPS = (
    ("penta_refractory", "penta-refractory"),
    ("quad_refractory_mammoth", "quad-refractory"),
    ("triple_class_refractory", "triple-refractory"),
)


@dataclass(frozen=True)
class MammothGroup:
    """Exactly one MAMMOTH group (or none: not refractory to an anti-CD38)."""

    group: str | None  # "penta-refractory" | "quad-refractory" | "triple-refractory" |
    #                   "not triple-refractory" | None
    label: str | None  # the label id behind it
    drugs: tuple[str, ...]
    trace: Trace

    def to_json(self) -> dict:
        return {
            "group": self.group,
            "label": self.label,
            "drugs": list(self.drugs),
            "trace": self.trace.to_json(),
        }


def _implied(labels: dict[str, Label]) -> dict[str, Label]:
    out = dict(labels)
    for strong, weaker in LABEL_IMPLIES.items():
        if strong not in labels or not labels[strong].applies:
            continue
        for w in weaker:
            lab = out.get(w)
            if lab is not None and lab.applies and lab.implied_by is None:
                out[w] = dataclasses.replace(lab, implied_by=strong)
    return out


def _mammoth_group(labels: dict[str, Label], classes) -> MammothGroup:
    cd38 = classes.get("anti-CD38")
    if cd38 is None or not cd38.refractory:
        return MammothGroup(
            None,
            None,
            (),
            Trace(
                "ledger.mammoth_group.none",
                "Not in a MAMMOTH group: not refractory to an anti-CD38 antibody.",
                MAMMOTH,
            ),
        )
    for lid, group in MAMMOTH_GROUPS:
        lab = labels.get(lid)
        if lab is not None and lab.applies:
            return MammothGroup(
                group,
                lid,
                lab.drugs,
                Trace(
                    "ledger.mammoth_group",
                    f"MAMMOTH group: {group} (one group per person, the most specific that "
                    f"applies): {lab.trace.explanation}",
                    MAMMOTH,
                    lab.drugs,
                    overridden_by=lab.trace.overridden_by,
                ),
            )
    return MammothGroup(
        "not triple-refractory",
        None,
        cd38.refractory_drugs,
        Trace(
            "ledger.mammoth_group",
            "MAMMOTH group: not triple-refractory — refractory to an anti-CD38 antibody ("
            + ", ".join(cd38.refractory_drugs)
            + ") but not to both a PI and an IMiD.",
            MAMMOTH,
            cd38.refractory_drugs,
        ),
    )


#: One plain sentence per label, for people who are not clinicians.
LABEL_PLAIN: dict[str, str] = {
    "double_refractory": "The myeloma stopped responding to (or came back soon after) both an "
    "immunomodulatory drug such as lenalidomide and a proteasome inhibitor such as bortezomib.",
    "double_refractory_kumar2017": "The stricter Mayo Clinic meaning of double-refractory: "
    "lenalidomide or pomalidomide and bortezomib or carfilzomib stopped working, after at least "
    "three lines and a chemotherapy of the melphalan/cyclophosphamide family.",
    "triple_class_exposed": "You have had at least one drug from each of the three main families: "
    "proteasome inhibitors, immunomodulatory drugs and anti-CD38 antibodies.",
    "triple_class_refractory": "The myeloma stopped responding to at least one drug from each of "
    "those three families.",
    "quad_refractory_mammoth": "Stopped responding to an anti-CD38 antibody and to three more drugs "
    "from the two other main families (the meaning used by the MAMMOTH study).",
    "quad_refractory_older": "Stopped responding to bortezomib, carfilzomib, lenalidomide and "
    "pomalidomide (an older meaning, used before anti-CD38 antibodies were common).",
    "penta_exposed": "You have had all five: bortezomib, carfilzomib, lenalidomide, pomalidomide "
    "and an anti-CD38 antibody.",
    "penta_refractory": "The myeloma stopped responding to all five of those drugs.",
    "prior_bcma": "You have had a treatment aimed at BCMA, a protein on myeloma cells (a CAR-T, a "
    "bispecific antibody or belantamab).",
    "prior_gprc5d": "You have had a treatment aimed at GPRC5D, another protein on myeloma cells "
    "(for example talquetamab).",
    "prior_fcrh5": "You have had a treatment aimed at FcRH5, a protein on myeloma cells (for "
    "example cevostamab).",
    "prior_t_cell_redirecting": "You have had a treatment that steers your own T cells to the "
    "myeloma: a CAR-T or a bispecific antibody.",
    "prior_car_t": "You have had a CAR-T: your own immune cells, changed in a lab to attack "
    "myeloma, given back in one drip.",
    "prior_bispecific": "You have had a bispecific antibody: a drug that links your T cells to "
    "myeloma cells.",
    "prior_allo_sct": "You have had a stem-cell transplant from a donor.",
    "prior_auto_sct": "You have had a transplant of your own stem cells after high-dose "
    "chemotherapy.",
    "alkylator_exposed": "You have had a chemotherapy of the alkylator family, such as melphalan "
    "(including the high dose before a transplant) or cyclophosphamide.",
}


@dataclass(frozen=True)
class DiseaseStatus:
    status: str  # "not treated" | "newly diagnosed, not relapsed" | "primary refractory" |
    #             "relapsed" | "relapsed and refractory" | "progressed, response not recorded"
    trace: Trace

    def to_json(self) -> dict:
        return {"status": self.status, "trace": self.trace.to_json()}


@dataclass(frozen=True)
class EarlyRelapse:
    first_progression: PartialDate | None
    months_from_first_line: float | None
    months_from_first_asct: float | None
    fired: tuple[str, ...]  # definitions that fired
    trace: Trace
    frontline_asct: PartialDate | None = None  # first planned ASCT before any progression
    days_from_first_asct: int | None = None  # frontline ASCT -> first progression

    @property
    def applies(self) -> bool:
        return bool(self.fired)

    def to_json(self) -> dict:
        return {
            "first_progression": _iso(self.first_progression),
            "months_from_first_line": self.months_from_first_line,
            "months_from_first_asct": self.months_from_first_asct,
            "frontline_asct": _iso(self.frontline_asct),
            "days_from_first_asct": self.days_from_first_asct,
            "fired": list(self.fired),
            "applies": self.applies,
            "trace": self.trace.to_json(),
        }


@dataclass(frozen=True)
class CarTOutcome:
    product: str
    drug_id: str
    infusion: PartialDate
    best_response: str | None
    first_progression: PartialDate | None
    days_to_progression: int | None
    trace: Trace

    def to_json(self) -> dict:
        return {
            "product": self.product,
            "drug_id": self.drug_id,
            "infusion": self.infusion.to_iso(),
            "best_response": self.best_response,
            "first_progression": _iso(self.first_progression),
            "days_to_progression": self.days_to_progression,
            "trace": self.trace.to_json(),
        }


@slot_init
@dataclass(frozen=True, slots=True)
class ProgressionUsed:
    """A progression (or non-response) the rules counted, and where it came from."""

    event: ProgressionEvent
    trace: Trace

    def to_json(self) -> dict:
        return {**self.event.to_json(), "trace": self.trace.to_json()}


@dataclass(frozen=True)
class LastProgression:
    """Time since the latest progression (screeners ask "progressed within N months?")."""

    date: PartialDate | None
    days_since: int | None
    months_since: float | None
    ref: str | None
    origin: str | None
    trace: Trace

    def to_json(self) -> dict:
        return {
            "date": _iso(self.date),
            "date_display": self.date.display() if self.date else None,
            "days_since": self.days_since,
            "months_since": self.months_since,
            "ref": self.ref,
            "origin": self.origin,
            "trace": self.trace.to_json(),
        }


@dataclass(frozen=True)
class LastLineStatus:
    """Refractory to the last line? (KarMMa-3 style criterion; issue 9 item 5)."""

    line: int | None
    state: str | None  # REFRACTORY | NOT_REFRACTORY | NOT_ASSESSABLE; None = no line yet
    refractory_drugs: tuple[str, ...]  # drugs of that line judged refractory in it
    not_listed: tuple[str, ...]  # given in the line but not refractory drugs of it (why in trace)
    trace: Trace

    @property
    def refractory(self) -> bool | None:
        return {REFRACTORY: True, NOT_REFRACTORY: False}.get(self.state or "")

    def to_json(self) -> dict:
        return {
            "line": self.line,
            "state": self.state,
            "refractory": self.refractory,
            "refractory_drugs": list(self.refractory_drugs),
            "not_listed": list(self.not_listed),
            "trace": self.trace.to_json(),
        }


@dataclass(frozen=True)
class Ledger:
    rule_set: str
    as_of: PartialDate | None
    drugs: dict[str, DrugStatus]
    classes: dict[str, ClassStatus]
    labels: dict[str, Label]
    disease_status: DiseaseStatus
    early_relapse: EarlyRelapse
    car_t: tuple[CarTOutcome, ...] = ()
    traces: tuple[Trace, ...] = field(default=())
    progressions: tuple[ProgressionUsed, ...] = ()
    last_progression: LastProgression | None = None
    last_line: LastLineStatus | None = None
    mammoth_group: MammothGroup | None = None
    refractory_classes: tuple[str, ...] = ()  # anti-myeloma classes only (item 8)

    def drug(self, drug_id: str) -> DrugStatus | None:
        return self.drugs.get(drug_id)

    def exposed(self, drug_id: str) -> bool:
        d = self.drugs.get(drug_id)
        return bool(d and d.exposed)

    def refractory(self, drug_id: str) -> bool:
        d = self.drugs.get(drug_id)
        return bool(d and d.refractory)

    def label(self, label_id: str) -> Label:
        return self.labels[label_id]

    def to_json(self) -> dict:
        rs = RULE_SETS[self.rule_set]
        return {
            "rule_set": {"name": rs.name, "description": rs.description, "source": rs.source.short},
            "as_of": _iso(self.as_of),
            "drugs": {k: v.to_json() for k, v in sorted(self.drugs.items())},
            "classes": {k: v.to_json() for k, v in sorted(self.classes.items())},
            "labels": {k: v.to_json() for k, v in self.labels.items()},
            "disease_status": self.disease_status.to_json(),
            "early_relapse": self.early_relapse.to_json(),
            "car_t": [c.to_json() for c in self.car_t],
            "progression_events": [p.to_json() for p in self.progressions],
            "last_progression": (
                self.last_progression.to_json() if self.last_progression else None
            ),
            "last_line": self.last_line.to_json() if self.last_line else None,
            "mammoth_group": self.mammoth_group.to_json() if self.mammoth_group else None,
            "refractory_classes": {
                "classes": list(self.refractory_classes),
                "trace": _refractory_classes_trace(self).to_json(),
            },
        }


def _iso(d: PartialDate | None) -> str | None:
    return d.to_iso() if d is not None else None


# -- small helpers -------------------------------------------------------------------------
_FAR = dt.date(9000, 12, 31)  # "no end yet"; leaves room for date arithmetic


def _mid(d: PartialDate | None, default: dt.date = _FAR) -> dt.date:
    return d.midpoint() if d is not None else default


def _coarse(*ds: PartialDate | None) -> bool:
    return any(d is not None and not d.is_exact_day for d in ds)


def _cat_name(cat: Catalog, drug_id: str) -> str:
    d = cat.get(drug_id)
    return d.generic if d else drug_id.removeprefix("name:")


@dataclass(frozen=True)
class _Event:
    date: PartialDate
    ref: str
    category: str | None = None
    event: ProgressionEvent | None = None  # where a progression comes from
    regimen_id: int | None = None  # the regimen a response was linked to
    mid: dt.date = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mid", self.date.midpoint())  # computed once, used often

    def describe(self) -> str:
        return self.event.describe() if self.event is not None else self.date.display()

    @property
    def from_end_reason(self) -> bool:
        return self.event is not None and self.event.from_end_reason

    @property
    def non_response(self) -> bool:
        return self.event is not None and self.event.non_response

    def counts_for(self, a: Administration) -> bool:
        """An end reason says the disease progressed on *that* regimen: it counts for the
        regimen's own drugs, and for another drug only when that drug surely started
        before it (a month-precision end must not hit a regimen begun that month)."""
        if self.event is None or not self.event.from_end_reason:  # not self.from_end_reason
            return True
        if a.regimen_id is not None and a.regimen_id == self.event.regimen_id:
            return True
        return a.start.midpoint() < self.date.earliest()


class _Dated(list):
    """Events in date order (sorted by ``date.sort_key()``, so by midpoint) with their
    midpoints kept beside them. Every drug, stretch and line asks for the events of its
    own window; a walk over all of them for each made long histories quadratic, so the
    window is found by binary search instead. A plain list still works everywhere."""

    def __init__(self, events: Iterable[_Event] = ()) -> None:
        super().__init__(events)
        self.mids = [e.mid for e in self]
        self._split: tuple[_Dated, _Dated] | None = None
        self._by_regimen: dict[int | None, list[_Event]] | None = None

    def window(self, lo: dt.date, hi: dt.date) -> list[_Event]:
        """The events with lo <= midpoint <= hi, in order."""
        return self[bisect.bisect_left(self.mids, lo) : bisect.bisect_right(self.mids, hi)]

    def after(self, lo: dt.date, hi: dt.date) -> list[_Event]:
        """The events with lo < midpoint <= hi, in order."""
        return self[bisect.bisect_right(self.mids, lo) : bisect.bisect_right(self.mids, hi)]

    def split(self) -> tuple[_Dated, _Dated]:
        """(progressions, non-responses), each in order; computed once."""
        if self._split is None:
            self._split = (
                _Dated(e for e in self if not e.non_response),
                _Dated(e for e in self if e.non_response),
            )
        return self._split

    def end_reasons_of(self, regimen_id: int | None) -> list[_Event]:
        """The end-reason events of one regimen, in order."""
        if self._by_regimen is None:
            self._by_regimen = {}
            for e in self:
                if e.from_end_reason:
                    self._by_regimen.setdefault(e.event.regimen_id, []).append(e)
        return self._by_regimen.get(regimen_id, [])


# -- the rule --------------------------------------------------------------------------------
def compute_ledger(
    history: History,
    lines: LinesResult,
    *,
    as_of: PartialDate | None = None,
    rule_set: str = "imwg",
    responses: Iterable[tuple[PartialDate, ResponseCategory | str, str]] | None = None,
    progressions: Iterable[tuple[PartialDate, str] | ProgressionEvent] | None = None,
    catalog: Catalog | None = None,
    celmod_as_imid: bool = False,
) -> Ledger:
    """Per-drug and per-class exposure/refractoriness/intolerance, class labels,
    disease status and early relapse as of ``as_of`` (default: everything recorded).

    ``celmod_as_imid``: count CELMoDs (iberdomide, mezigdomide) as IMiDs in the class
    labels, for a trial that does (rules doc 2.3: trial-specific, unconfirmed); the
    per-class answers keep CELMoD as its own class either way."""
    if rule_set not in RULE_SETS:
        raise ValueError(f"unknown rule set {rule_set!r}; choose one of: {', '.join(RULE_SETS)}")
    cat = catalog or get_catalog()
    rs = RULE_SETS[rule_set]
    cutoff = as_of.midpoint() if as_of is not None else None

    def in_range(d: PartialDate) -> bool:
        return cutoff is None or d.midpoint() <= cutoff

    linked = {r.ref: r.regimen_id for r in history.responses}
    if responses is None:
        resp = [
            _Event(r.date, r.ref, str(r.category), regimen_id=r.regimen_id)
            for r in history.responses
        ]
    else:
        resp = [_Event(d, ref, str(c), regimen_id=linked.get(ref)) for d, c, ref in responses]
    if progressions is None:
        # Entered progressions and the end reasons that state one (events.py).
        progressions = progression_events(history)
    progs = [
        _Event(p.date, p.ref, event=p) if isinstance(p, ProgressionEvent) else _Event(p[0], p[1])
        for p in progressions
    ]
    resp = _Dated(
        sorted((e for e in resp if in_range(e.date)), key=lambda e: (e.date.sort_key(), e.ref))
    )
    all_progs = _Dated(
        sorted((e for e in progs if in_range(e.date)), key=lambda e: (e.date.sort_key(), e.ref))
    )
    # "Ended for inadequate response" is a non-response, not a progression (events.py).
    progs = [e for e in all_progs if not e.non_response]
    nonresp = [e for e in all_progs if e.non_response]
    status_resp = sorted(
        resp + [_Event(e.date, e.ref, ResponseCategory.SD.value, event=e.event) for e in nonresp],
        key=lambda e: (e.date.sort_key(), e.ref),
    )

    admins = _administrations(history, lines, cat, in_range, as_of)
    by_drug: dict[str, list[Administration]] = {}
    for a in admins:
        by_drug.setdefault(a.drug_id, []).append(a)

    drugs: dict[str, DrugStatus] = {}
    for drug_id in sorted(by_drug):
        drugs[drug_id] = _drug_status(
            drug_id, by_drug[drug_id], rs, resp, all_progs, cat, history, cutoff, lines
        )
    o: OverrideRec | CarTOutcome  # an override here, a CAR-T outcome below
    for o in history.overrides:
        # A person's "yes" for a drug the journal has no record of (given abroad, before the
        # journal began) still counts, shown as their answer.
        if o.rule not in ("exposed", "refractory", "intolerant") or o.subject in drugs:
            continue
        found = cat.get(o.subject)  # overrides name drugs by catalog id
        if found is None or found.supportive or found.drug_class not in ANTI_MYELOMA_CLASSES:
            continue
        if found.id not in drugs:
            drugs[found.id] = _override_only_status(found, history)
    classes = _classes(drugs, cat, history)
    procs = [p for p in history.procedures if in_range(p.date)]
    labels = _implied(_labels(drugs, classes, cat, procs, lines, as_of, celmod_as_imid))
    parts = [x for a in admins for x in _per_line(a, lines)]
    status = _disease_status(parts, status_resp, progs, cutoff, lines)
    early = _early_relapse(lines, procs, progs, as_of)
    car_t = _car_t_outcomes(admins, resp, progs, cat, lines)
    for o in car_t:
        # For a CAR-T the best response after the infusion is what "best response" means.
        s = drugs.get(o.drug_id)
        if (
            s is not None
            and o.best_response
            and (
                s.best_response is None
                or response_rank(o.best_response) < response_rank(s.best_response)
            )
        ):
            drugs[o.drug_id] = dataclasses.replace(s, best_response=o.best_response)
    used = _progressions_used(history, all_progs)
    return Ledger(
        rule_set=rule_set,
        as_of=as_of,
        drugs=drugs,
        classes=classes,
        labels=labels,
        disease_status=status,
        early_relapse=early,
        car_t=car_t,
        progressions=used,
        last_progression=_last_progression(progs, as_of),
        last_line=_last_line(lines, admins, resp, all_progs, rs, as_of, cutoff, cat),
        mammoth_group=_mammoth_group(labels, classes),
        refractory_classes=tuple(
            c for c, st in classes.items() if st.refractory and c in REFRACTORY_CLASS_NAMES
        ),
    )


#: Classes a "refractory classes" list may name (issue 9 item 8): anti-myeloma classes.
#: Steroids keep their per-drug answers but are not a refractory class; purine analogues
#: (fludarabine) are lymphodepletion, not myeloma treatment.
REFRACTORY_CLASS_NAMES = frozenset(ANTI_MYELOMA_CLASSES) - {"steroid", "purine-analogue"}


def _refractory_classes_trace(lg: Ledger) -> Trace:
    left = sorted(
        c for c, st in lg.classes.items() if st.refractory and c not in REFRACTORY_CLASS_NAMES
    )
    return Trace(
        "ledger.refractory_classes",
        "Refractory anti-myeloma classes: "
        + (", ".join(lg.refractory_classes) or "none")
        + "."
        + (
            " Not named as refractory classes: "
            + ", ".join(left)
            + " (steroids and preparative agents keep their per-drug answers only)."
            if left
            else ""
        ),
        RULES_DOC_23,
        tuple(d for c in lg.refractory_classes for d in lg.classes[c].refractory_drugs),
    )


KARMMA3 = Source(
    "KarMMa-3 (EU CTR 2018-001023-38): refractory to the last line = PD on or within 60 days "
    "of completing the last therapy",
    "https://www.clinicaltrialsregister.eu/ctr-search/trial/2018-001023-38/ES",
    "2.2",
)


def _last_line(lines: LinesResult, admins, resp, all_progs, rs: RuleSet, as_of, cutoff, cat):
    src = KARMMA3
    if not lines.lines:
        return LastLineStatus(
            None, None, (), (), Trace("ledger.last_line.none", "No line of therapy yet.", src)
        )
    ln = lines.line_at(as_of) if as_of is not None else None
    if ln is None:
        ln = max(lines.lines, key=lambda x: (x.start.sort_key(), x.number))
    mine = [
        x
        for a in admins
        for x in _per_line(a, lines)
        if ln.number in x.lines and x.role == DrugRole.ANTI_MYELOMA.value
    ]
    progs = [p for p in all_progs if not p.non_response]
    nonresp = [p for p in all_progs if p.non_response]
    lo = ln.start.midpoint()
    ongoing = any(a.last_dose is None for a in mine) or (not mine and ln.end is None)
    if ongoing:
        last = None
    elif mine:
        last = max((a.last_dose for a in mine if a.last_dose), key=lambda d: d.sort_key())
    else:
        last = ln.end
    hi = last.midpoint() if last is not None else (cutoff or _FAR)
    window_end = hi + dt.timedelta(days=PD_WINDOW_DAYS)
    name = f"line {ln.number} (from {ln.start.display()})"
    regs = set(ln.regimen_ids)

    # Which drugs of the line are refractory in it; bridging drugs only when their own
    # rule applies (item 8: _refractory_admin cuts their window at the infusion).
    refr: list[str] = []
    not_listed: list[str] = []
    why_not: list[str] = []
    for a in mine:
        name_a = _cat_name(cat, a.drug_id)
        if _refractory_admin(a, name_a, _class_of(cat, a.drug_id), rs, resp, all_progs, cutoff):
            if a.drug_id not in refr:
                refr.append(a.drug_id)
        elif a.bridging and a.drug_id not in not_listed:
            not_listed.append(a.drug_id)
            why_not.append(f"{name_a} (bridging: no progression while on it)")
    tail = (
        " Not listed as refractory drugs of the line: " + "; ".join(why_not) + "."
        if why_not
        else ""
    )

    def own(p) -> bool:
        return p.from_end_reason and p.event.regimen_id in regs

    pds = [
        p
        for p in progs
        if (lo < p.mid or own(p))
        and p.mid <= window_end
        and (not mine or any(p.counts_for(a) for a in mine))
    ]
    refs = tuple(f"regimen:{r}" for r in ln.regimen_ids) + tuple(
        f"procedure:{x}" for x in ln.procedure_ids
    )
    if pds:
        p = pds[0]
        where = (
            "while on it"
            if last is None or p.mid <= hi
            else f"{(p.mid - hi).days} days after its last dose ({last.display()})"
        )
        return LastLineStatus(
            ln.number,
            REFRACTORY,
            tuple(refr),
            tuple(not_listed),
            Trace(
                "ledger.last_line.progression",
                f"Refractory to the last line, {name}: progression on {p.describe()} {where}; "
                f"progression on it or within {PD_WINDOW_DAYS} days of completing it counts."
                + tail,
                src,
                (*refs, p.ref),
                flags=("imprecise date",) if _coarse(p.date, ln.start, last) else (),
            ),
        )
    if rs.min_response and not ongoing:
        ended = next((p for p in nonresp if p.event.regimen_id in regs), None)
        best = best_ref = None
        for a in mine:
            b, r = _best_between(resp, a.start, a.last_dose, cutoff, a.regimen_id)
            if b is not None and (best is None or response_rank(b) < response_rank(best)):
                best, best_ref = b, r
        # The line's best response also counts assessments after its last dose up to the
        # next line (a CAR-T's response is measured weeks after the infusion).
        for e in resp:
            at = lines.line_at(e.date)
            if (
                at is not None
                and at.number == ln.number
                and e.category != ResponseCategory.NE.value
                and (best is None or response_rank(e.category) < response_rank(best))
            ):
                best, best_ref = e.category, e.ref
        if ended is not None and (
            best is None or response_rank(best) > response_rank(rs.min_response)
        ):
            return LastLineStatus(
                ln.number,
                REFRACTORY,
                tuple(refr),
                tuple(not_listed),
                Trace(
                    "ledger.last_line.no_response",
                    f"Refractory to the last line, {name}: it ended on {ended.describe()}, "
                    f"which counts as not reaching {rs.min_response} (rule set {rs.name})." + tail,
                    rs.source,
                    (*refs, ended.ref),
                    unconfirmed=True,
                ),
            )
        if best is not None and response_rank(best) > response_rank(rs.min_response):
            return LastLineStatus(
                ln.number,
                REFRACTORY,
                tuple(refr),
                tuple(not_listed),
                Trace(
                    "ledger.last_line.no_response",
                    f"Refractory to the last line, {name}: best response in it was {best}, "
                    f"below {rs.min_response} (rule set {rs.name})." + tail,
                    rs.source,
                    (*refs, cast(str, best_ref)),  # set together with best
                ),
            )
        if best is None:
            return LastLineStatus(
                ln.number,
                NOT_ASSESSABLE,
                (),
                tuple(not_listed),
                Trace(
                    "ledger.last_line.not_assessable",
                    f"Refractory to the last line, {name}, cannot be assessed: no progression "
                    f"on it or within {PD_WINDOW_DAYS} days of its end, but no response "
                    "assessment in it either. Add the line's best response, or set the answer "
                    "yourself.",
                    src,
                    refs,
                    unconfirmed=True,
                ),
            )
    if ongoing and mine:
        length = mine[0].cycle_days or DEFAULT_CYCLE_DAYS
        best, _ = _best_between(resp, ln.start, None, cutoff)
        if (hi - lo).days + 1 < length and best is None:
            return LastLineStatus(
                ln.number,
                NOT_ASSESSABLE,
                (),
                tuple(not_listed),
                Trace(
                    "ledger.last_line.not_assessable",
                    f"The last line, {name}, has run less than one cycle with no response "
                    "assessment yet: refractory to it cannot be assessed.",
                    src,
                    refs,
                    unconfirmed=True,
                ),
            )
    return LastLineStatus(
        ln.number,
        NOT_REFRACTORY,
        (),
        tuple(not_listed),
        Trace(
            "ledger.last_line.not_refractory",
            f"Not refractory to the last line, {name}: no progression "
            + ("on it so far" if ongoing else f"on it or within {PD_WINDOW_DAYS} days of its end")
            + (
                f", and a response of at least {rs.min_response}"
                if rs.min_response and not ongoing
                else ""
            )
            + f" (rule set {rs.name})."
            + tail,
            src,
            refs,
        ),
    )


def _class_of(cat: Catalog, drug_id: str) -> str | None:
    d = cat.get(drug_id)
    return d.drug_class if d else None


def _event_of(p: _Event) -> ProgressionEvent:
    if p.event is not None:
        return p.event
    origin = ORIGIN_COMPUTED if p.ref.startswith("computed:") else ORIGIN_ENTERED
    return ProgressionEvent(p.date, p.ref, origin)


def _progressions_used(history: History, progs: list[_Event]) -> tuple[ProgressionUsed, ...]:
    out = []
    computed = [(p.date, p.ref) for p in progs if p.ref.startswith("computed:")]
    replaced = {ev.ref: by for ev, by in replaced_end_reasons(history, computed)}
    for p in progs:
        ev = _event_of(p)
        if ev.from_end_reason:
            expl = (
                f"{ev.what} ended on {ev.date.display()} for {ev.reason}: counted as "
                + ("a non-response" if ev.non_response else "a progression")
                + " from the regimen's end reason, dated as entered. A progression record "
                "for the same event would replace it."
            )
            src = APP_CONVENTION
        elif ev.origin == ORIGIN_COMPUTED:
            expl = f"Progression on {ev.date.display()} computed from the labs (IMWG 2016)."
            src = IMWG_PANEL1_2011
        else:
            expl = f"Progression on {ev.date.display()} as entered."
            src = APP_CONVENTION
        out.append(
            ProgressionUsed(
                ev,
                Trace(
                    "ledger.progression." + ev.origin.replace(" ", "_"),
                    expl,
                    src,
                    (ev.ref,),
                    unconfirmed=ev.from_end_reason,
                    flags=("imprecise date",) if not ev.date.is_exact_day else (),
                ),
            )
        )
    for ev in end_reason_events(history):
        by = replaced.get(ev.ref)
        if by is None:
            continue
        out.append(
            ProgressionUsed(
                dataclasses.replace(ev, origin="replaced"),
                Trace(
                    "ledger.progression.replaced",
                    f"{ev.what} ended on {ev.date.display()} for {ev.reason}; the progression "
                    f"on {by.date.display()} ({by.ref}) stands for the same event, so it is "
                    "counted once.",
                    APP_CONVENTION,
                    (ev.ref, by.ref),
                    unconfirmed=True,
                ),
            )
        )
    return tuple(sorted(out, key=lambda u: (u.event.date.sort_key(), u.event.ref, u.event.origin)))


def _last_progression(progs: list[_Event], as_of: PartialDate | None) -> LastProgression:
    src = Source("Treatment Journal: time since the last progression (rules doc 6)", None, "6")
    if not progs:
        return LastProgression(
            None,
            None,
            None,
            None,
            None,
            Trace("ledger.last_progression.none", "No progression is recorded.", src),
        )
    p = max(progs, key=lambda e: (e.date.sort_key(), e.ref))
    ev = _event_of(p)
    days = months = None
    tail = ""
    if as_of is not None:
        days = (as_of.midpoint() - p.date.midpoint()).days
        months = round(days / DAYS_PER_MONTH, 1)
        approx = "" if p.date.is_exact_day else "about "
        tail = f": {approx}{days} days ({approx}{months} months) before {as_of.display()}"
    return LastProgression(
        p.date,
        days,
        months,
        p.ref,
        ev.origin,
        Trace(
            "ledger.last_progression",
            f"Latest progression on {p.describe()}{tail}."
            + (
                " The date is known only to the "
                + str(p.date.precision)
                + ", so the count is from its middle."
                if not p.date.is_exact_day
                else ""
            ),
            src,
            (p.ref,),
            flags=("imprecise date",) if not p.date.is_exact_day else (),
        ),
    )


def _administrations(history, lines, cat, in_range, as_of) -> list[Administration]:
    out: list[Administration] = []
    conditioning_days: list[dt.date] = []
    for r in history.regimens:
        # The regimen's part in a programme (from the lines rule) or its intent says what
        # drugs left at the default role were for.
        part = _PART_ROLE.get(lines.regimen_roles.get(r.id, ""), _INTENT_ROLE.get(r.intent))
        for i, d in enumerate(r.drugs):
            role = (part or d.role) if d.role in _COUNTED_ROLES else d.role
            if role not in _COUNTED_ROLES:
                continue
            if role == DrugRole.CONDITIONING.value:
                conditioning_days.append((d.start or r.start).midpoint())
            found = catalog_drug(d, cat)
            if found is not None and found.supportive:
                continue
            start = d.start or r.start
            if not in_range(start):
                continue
            last = d.last_dose if d.last_dose is not None else r.end
            if last is not None and as_of is not None and not in_range(last):
                last = None  # still taking on the ledger date
            cycles, estimated = _cycles(r, d, start, last, as_of)
            stop = d.stop_reason if last is not None else None  # not stopped yet on as_of
            if stop is None and last is not None and r.end is not None and last == r.end:
                stop = r.end_reason
                # When another drug of the regimen carries the toxicity as its own stop
                # reason, this one only stopped with the regimen: it was not "stopped because
                # of toxicity" (rules doc 2.2), so it does not make the person intolerant.
                tox = ChangeReason.TOXICITY.value
                if stop == tox and any(o.stop_reason == tox for o in r.drugs if o is not d):
                    stop = None
            out.append(
                Administration(
                    drug_id=drug_key(d, cat),
                    name=found.generic if found else d.name,
                    start=start,
                    last_dose=last,
                    role=role,
                    regimen_id=r.id,
                    ref=d.ref or r.ref,
                    cycles=cycles,
                    cycles_estimated=estimated,
                    stop_reason=stop,
                    lines=lines.drug_lines.get((r.id, i), ()),
                    cycle_days=r.cycle_days,
                    bridging=lines.regimen_roles.get(r.id) == "bridging" or r.intent == "bridging",
                )
            )
    for p in history.procedures:
        if not in_range(p.date):
            continue
        line = lines.procedure_line.get(p.id)
        line_t = (line,) if line else ()
        if p.kind == ProcedureKind.CAR_T.value:
            found = cat.get(p.product) or (cat.identify(p.product) if p.product else None)
            drug_id = found.id if found else "name:" + (p.product or "CAR-T")
            out.append(
                Administration(
                    drug_id,
                    found.generic if found else (p.product or "CAR-T"),
                    p.date,
                    p.date,
                    DrugRole.ANTI_MYELOMA.value,
                    None,
                    p.ref,
                    1,
                    False,
                    None,
                    line_t,
                    True,
                )
            )
        elif p.kind in (ProcedureKind.AUTO_SCT.value, ProcedureKind.ALLO_SCT.value):
            if any(0 <= (p.date.midpoint() - c).days <= 30 for c in conditioning_days):
                continue  # its conditioning is recorded as a regimen already
            for found in _conditioning_drugs(p.conditioning, cat):
                out.append(
                    Administration(
                        found.id,
                        found.generic,
                        p.date,
                        p.date,
                        DrugRole.CONDITIONING.value,
                        None,
                        p.ref,
                        1,
                        p.conditioning is None,
                        None,
                        line_t,
                        True,
                    )
                )
    out.sort(key=lambda a: (a.start.sort_key(), a.ref, a.drug_id))
    return out


_CONDITIONING_SPLIT = re.compile(r"\s*(?:\+|/|,|;|&|\band\b|\bplus\b|\bwith\b)\s*", re.I)


def _conditioning_drugs(text: str | None, cat: Catalog) -> list:
    """The drugs of a transplant's conditioning as written ("fludarabine + melphalan"):
    every one counts (melphalan in a Flu/Mel allo conditioning is alkylator exposure).
    Nothing written: high-dose melphalan is assumed (flagged by the caller)."""
    if not text:
        return [cat.get("melphalan")]
    found: list = []
    for part in _CONDITIONING_SPLIT.split(text):
        d = cat.identify(part) if part.strip() else None
        if d is not None and not d.supportive and d not in found:
            found.append(d)
    if not found:
        whole = cat.identify(text)
        found = [whole] if whole is not None and not whole.supportive else []
    return found


def _cycles(r, d, start, last, as_of) -> tuple[int | None, bool]:
    whole = start == r.start and (last == r.end or (last is None and r.end is None))
    if r.cycles is not None and whole and (last is not None):
        return r.cycles, False
    end = last or as_of
    if end is None:
        return None, True
    length = r.cycle_days or DEFAULT_CYCLE_DAYS
    days = (end.midpoint() - start.midpoint()).days + 1
    return max(1, 1 + (days - 1) // length), r.cycle_days is None or _coarse(start, end)


def _per_line(a: Administration, lines: LinesResult) -> list[Administration]:
    """Issue 9 item 3: a drug running across a line boundary (an unplanned addition or
    substitution opened a new line while it continued) is judged per line: one part per
    line, the earlier ones ending the day before the next line starts. The answer then
    does not depend on whether the history was typed as one regimen or two."""
    if len(a.lines) < 2 or a.from_procedure:
        return [a]
    starts = sorted(
        ((ln.start, ln.number) for n in a.lines if (ln := lines.line(n)) is not None),
        key=lambda x: (x[0].sort_key(), x[1]),
    )
    out: list[Administration] = []
    cur = a.start
    for i, (_, number) in enumerate(starts):
        nxt = starts[i + 1][0] if i + 1 < len(starts) else None
        if nxt is None:
            out.append(dataclasses.replace(a, start=cur, lines=(number,)))
            break
        if nxt.midpoint() <= cur.midpoint():
            continue
        if a.last_dose is not None and nxt.midpoint() > a.last_dose.midpoint():
            out.append(dataclasses.replace(a, start=cur, lines=(number,)))
            break
        end = PartialDate.from_date(nxt.midpoint() - dt.timedelta(days=1))
        out.append(
            dataclasses.replace(
                a, start=cur, last_dose=end, lines=(number,), stop_reason=None, continues=True
            )
        )
        cur = nxt
    return out or [a]


def _drug_status(
    drug_id, admins, rs: RuleSet, resp, progs, cat, history, cutoff, lines=None
) -> DrugStatus:
    d = cat.get(drug_id)
    name = d.generic if d else admins[0].name
    dclass = d.drug_class if d else None
    is_cart = dclass == "CAR-T"
    traces: list[Trace] = []
    src = rs.source

    qualifying = [
        a for a in admins if not rs.exposure_min_cycles or (a.cycles or 0) >= rs.exposure_min_cycles
    ]
    exposed = bool(qualifying)
    first = min((a.start for a in admins), key=lambda x: x.sort_key())
    ongoing = any(a.last_dose is None for a in admins)
    last = None if ongoing else max((a.last_dose for a in admins), key=lambda x: x.sort_key())
    all_lines = tuple(sorted({n for a in admins for n in a.lines}))
    if exposed:
        traces.append(
            Trace(
                "ledger.exposed",
                f"Exposed to {name}: "
                + "; ".join(_admin_text(a) for a in qualifying)
                + (
                    f" (rule set {rs.name}: at least {rs.exposure_min_cycles} consecutive cycles)"
                    if rs.exposure_min_cycles
                    else " (at least one dose)"
                )
                + ".",
                src,
                tuple(a.ref for a in qualifying),
                unconfirmed=rs.unconfirmed or rs.name == "imwg",
                flags=("cycles estimated",)
                if any(a.cycles_estimated for a in qualifying) and rs.exposure_min_cycles
                else (),
            )
        )
    else:
        traces.append(
            Trace(
                "ledger.not_exposed",
                f"Not counted as exposed to {name} under rule set {rs.name}: no stretch reached "
                f"{rs.exposure_min_cycles} consecutive cycles ("
                + "; ".join(_admin_text(a) for a in admins)
                + ").",
                src,
                tuple(a.ref for a in admins),
                unconfirmed=rs.unconfirmed,
            )
        )

    # best response while on it
    best = None
    best_ref = None
    for a in admins:
        b, ref = _best_between(resp, a.start, a.last_dose, cutoff, a.regimen_id)
        if b is not None and (best is None or response_rank(b) < response_rank(best)):
            best, best_ref = b, ref
    if best is not None:
        traces.append(
            Trace(
                "ledger.best_response",
                f"Best response while on {name}: {best} (responses dated from the first to the "
                "last dose).",
                src,
                (cast(str, best_ref),),  # set together with best
            )
        )

    refractory: bool | None
    fired: list[Administration] = []  # the stretches whose refractory call fired
    if is_cart:
        refractory = None
        state = NOT_APPLICABLE
        traces.append(
            Trace(
                "ledger.car_t_no_refractory",
                f"{name} is given once: 'refractory' is not meaningful with the 60-day rule; "
                "best response and time from infusion to progression are shown instead.",
                APP_CONVENTION,
                tuple(a.ref for a in admins),
                unconfirmed=True,
            )
        )
    else:
        state = NOT_REFRACTORY
        refractory = False
        reasons: list[Trace] = []
        parts = [x for a in qualifying for x in (_per_line(a, lines) if lines else [a])]
        for a in parts:
            t = _refractory_admin(a, name, dclass, rs, resp, progs, cutoff)
            if t is not None:
                reasons.append(t)
                fired.append(a)
        judged = [a for a in parts if a.role != DrugRole.CONDITIONING.value]
        unknown = [
            (a, why)
            for a in judged
            if (why := _not_assessable(a, dclass, rs, resp, cutoff)) is not None
        ]
        if reasons:
            refractory = True
            state = REFRACTORY
            traces.extend(reasons)
        elif exposed and judged and len(unknown) == len(judged):
            # Issue 9 item 4: "cannot tell" is its own answer, never a silent "no".
            refractory = None
            state = NOT_ASSESSABLE
            traces.append(
                Trace(
                    "ledger.refractory.not_assessable",
                    f"Refractory to {name} cannot be assessed under rule set {rs.name}: "
                    + "; ".join(f"{_admin_text(a)}: {why}" for a, why in unknown)
                    + f". No progression on it or within {PD_WINDOW_DAYS} days of its last "
                    "dose is recorded. Add a response assessment, or set the answer yourself.",
                    src,
                    tuple(a.ref for a, _ in unknown),
                    unconfirmed=True,
                )
            )
        elif exposed:
            skipped = [a for a in qualifying if a.role == DrugRole.CONDITIONING.value]
            bridged = [a for a in qualifying if a.bridging]
            traces.append(
                Trace(
                    "ledger.not_refractory",
                    f"Not refractory to {name} under rule set {rs.name}: no progression on it or "
                    f"within {PD_WINDOW_DAYS} days of its last dose"
                    + (
                        f", and no best response below {rs.min_response} while on it"
                        if rs.min_response
                        else ""
                    )
                    + (
                        " (no response assessment recorded while on it)"
                        if rs.min_response and best is None
                        else ""
                    )
                    + (
                        "; conditioning before a transplant is not judged for refractoriness"
                        if skipped
                        else ""
                    )
                    + (
                        "; as bridging to a CAR-T it is judged only by progression while on "
                        "it (the CAR-T given next answers for what follows)"
                        if bridged
                        else ""
                    )
                    + ".",
                    src,
                    tuple(a.ref for a in qualifying),
                )
            )
    # A pause for side effects after which the same drug was resumed in the same line (the
    # lines rule's short hold) is not "stopped because of toxicity" (rules doc 2.2).
    intolerant_admins = [
        a
        for a in admins
        if a.stop_reason == ChangeReason.TOXICITY.value
        and not (
            a.last_dose is not None
            and any(
                b is not a
                and set(b.lines) & set(a.lines)
                and b.start.sort_key() > a.last_dose.sort_key()
                for b in admins
            )
        )
    ]
    intolerant = bool(intolerant_admins)
    if intolerant:
        traces.append(
            Trace(
                "ledger.intolerant",
                f"Intolerant to {name}: stopped because of side effects on "
                + ", ".join(a.last_dose.display() for a in intolerant_admins if a.last_dose)
                + ".",
                Source(
                    "Rules doc 2.2: intolerant = stopped for toxicity (e.g. DREAMM-7)", None, "2.2"
                ),
                tuple(a.ref for a in intolerant_admins),
            )
        )
    cycles_known = [a.cycles for a in admins if a.cycles is not None and not a.from_procedure]
    overridden: list[str] = []
    for rule in ("exposed", "refractory", "intolerant"):
        o = history.overrides_for(rule, drug_id)
        if o is None:
            continue
        val = o.value.strip().lower() in ("yes", "true", "1", "y")
        computed = {"exposed": exposed, "refractory": refractory, "intolerant": intolerant}[rule]
        if rule == "exposed":
            exposed = val
        elif rule == "refractory":
            refractory = val
            state = REFRACTORY if val else NOT_REFRACTORY
        else:
            intolerant = val
        overridden.append(rule)
        gave = "yes" if computed else "no" if computed is not None else "not applicable"
        if rule == "refractory" and computed is None and not is_cart:
            gave = NOT_ASSESSABLE
        traces.append(
            Trace(
                f"ledger.override.{rule}",
                f"You set {rule} for {name} to '{o.value}' ({o.reason}); the rule gave "
                f"{gave}. "
                "Your answer is used everywhere, including class labels and exports.",
                APP_CONVENTION,
                (o.ref,),
                overridden_by=o.ref,
            )
        )
    return DrugStatus(
        drug_id=drug_id,
        name=name,
        drug_class=dclass,
        target=d.target if d else None,
        exposed=exposed,
        refractory=refractory,
        intolerant=intolerant,
        first_dose=first,
        last_dose=last,
        ongoing=ongoing,
        consecutive_cycles=max(cycles_known) if cycles_known else None,
        best_response=best,
        lines=all_lines,
        administrations=tuple(admins),
        traces=tuple(traces),
        overridden=tuple(overridden),
        refractory_state=state,
        refractory_lines=_refractory_lines(refractory, fired, admins, all_lines),
    )


def _refractory_lines(
    refractory: bool | None,
    fired: list[Administration],
    admins: list[Administration],
    all_lines: tuple[int, ...],
) -> tuple[int, ...]:
    if not refractory:
        return ()
    refs = {a.ref for a in fired}
    lines = {n for a in admins if a.ref in refs for n in a.lines}
    if not lines and all_lines:  # a person's own answer, no call fired: the last line
        lines = {max(all_lines)}
    return tuple(sorted(lines))


def _not_assessable(a: Administration, dclass, rs: RuleSet, resp, cutoff) -> str | None:
    """Why refractoriness of this stretch cannot be judged (None = it can), once neither
    arm fired. Conventions (rules doc 1.2 "before one complete cycle" is ambiguous):
    less than one cycle with no response recorded; stopped with no response assessment
    while on it (the response arm cannot be checked); MAMMOTH anti-CD38 under 4 weeks;
    Mayo under 2 cycles without a PR. A drug still being taken for a cycle or more with
    no progression is "not refractory" so far. A PD-only rule set can always judge."""
    if a.from_procedure or a.bridging:
        return None
    lo = a.start.midpoint()
    hi = a.last_dose.midpoint() if a.last_dose is not None else (cutoff or lo)
    days = (hi - lo).days + 1
    length = a.cycle_days or DEFAULT_CYCLE_DAYS
    if dclass == "anti-CD38" and rs.anti_cd38_min_days and days < rs.anti_cd38_min_days:
        return f"less than the {rs.anti_cd38_min_days // 7} weeks of anti-CD38 the rule needs"
    if rs.min_response is None or (dclass == "anti-CD38" and rs.anti_cd38_pd_only):
        return None
    best, _ = _best_between(resp, a.start, a.last_dose, cutoff, a.regimen_id)
    reached = best is not None and response_rank(best) <= response_rank(rs.min_response)
    if reached:
        return None
    if rs.min_cycles_for_response and (a.cycles or 0) < rs.min_cycles_for_response:
        return f"fewer than {rs.min_cycles_for_response} cycles"
    short = days < length
    if a.last_dose is None:
        return "less than one cycle so far" if short and best is None else None
    if best is None:
        return (
            "less than one complete cycle and no response assessment while on it"
            if short
            else "no response assessment while on it"
        )
    return None


def _override_only_status(d, history: History) -> DrugStatus:
    answers = {}
    traces = []
    for rule in ("exposed", "refractory", "intolerant"):
        o = history.overrides_for(rule, d.id)
        if o is None:
            continue
        answers[rule] = o.value.strip().lower() in ("yes", "true", "1", "y")
        traces.append(
            Trace(
                f"ledger.override.{rule}",
                f"You set {rule} for {d.generic} to '{o.value}' ({o.reason}); the journal has "
                "no record of this drug, so your answer is all there is.",
                APP_CONVENTION,
                (o.ref,),
                overridden_by=o.ref,
            )
        )
    refractory = answers.get("refractory", False)
    exposed = answers.get("exposed", False) or refractory or answers.get("intolerant", False)
    return DrugStatus(
        drug_id=d.id,
        name=d.generic,
        drug_class=d.drug_class,
        target=d.target,
        exposed=exposed,
        refractory=None if d.drug_class == "CAR-T" else refractory,
        refractory_state=NOT_APPLICABLE
        if d.drug_class == "CAR-T"
        else (REFRACTORY if refractory else NOT_REFRACTORY),
        intolerant=answers.get("intolerant", False),
        first_dose=None,
        last_dose=None,
        ongoing=False,
        consecutive_cycles=None,
        best_response=None,
        lines=(),
        administrations=(),
        traces=tuple(traces),
        overridden=tuple(answers),
    )


def _admin_text(a: Administration) -> str:
    span = (
        f"{a.start.display()} to {a.last_dose.display()}"
        if a.last_dose and a.last_dose != a.start
        else a.start.display()
        if a.last_dose
        else f"from {a.start.display()}, ongoing"
    )
    extra = []
    if a.role == DrugRole.CONDITIONING.value:
        extra.append(
            "transplant conditioning"
            + (", assumed" if a.cycles_estimated and a.from_procedure else "")
        )
    elif a.cycles is not None and not a.from_procedure:
        extra.append(
            f"{a.cycles} cycle{'s' if a.cycles != 1 else ''}"
            + (" (estimated)" if a.cycles_estimated else "")
        )
    if a.lines:
        extra.append("line " + ", ".join(str(n) for n in a.lines))
    return span + (f" ({'; '.join(extra)})" if extra else "")


def _best_between(
    resp, start: PartialDate, last: PartialDate | None, cutoff, regimen_id: int | None = None
):
    """Best response from the first to the last dose; a response the person linked to the
    drug's regimen also counts up to 60 days after the last dose (the assessment of the
    last cycle usually comes after it)."""
    lo = start.midpoint()
    hi = last.midpoint() if last is not None else (cutoff or _FAR)
    linked_hi = hi + dt.timedelta(days=PD_WINDOW_DAYS) if last is not None else hi
    best = None
    ref = None
    best_rank = 0
    ne = _NE  # asked once per drug and line: keep the loop plain
    for e in resp.window(lo, linked_hi) if isinstance(resp, _Dated) else resp:
        if e.category == ne or e.mid < lo or e.mid > linked_hi:
            continue
        if e.mid > hi and (regimen_id is None or e.regimen_id != regimen_id):
            continue
        rank = _rank(e.category)
        if best is None or rank < best_rank:
            best, ref, best_rank = e.category, e.ref, rank
    return best, ref


_NE = ResponseCategory.NE.value


@functools.lru_cache(maxsize=64)
def _rank(category: str) -> int:
    return response_rank(category)


def _refractory_admin(a, name, dclass, rs: RuleSet, resp, progs, cutoff) -> Trace | None:
    if a.role == DrugRole.CONDITIONING.value:
        return None
    anti_cd38 = dclass == "anti-CD38"
    lo = a.start.midpoint()
    last = a.last_dose.midpoint() if a.last_dose is not None else (cutoff or _FAR)
    duration = (last - lo).days + 1
    if anti_cd38 and rs.anti_cd38_min_days and duration < rs.anti_cd38_min_days:
        return None
    window_end = last + dt.timedelta(days=PD_WINDOW_DAYS)
    if a.bridging:
        # Bridging to a CAR-T (item 8): the infusion follows within weeks, so a progression
        # after the last bridging dose belongs to what came next; only one while on it counts.
        window_end = last
    if a.continues:
        # A line's part of a drug that goes on: a progression in that line, or on the day the
        # next line began (the one that made it begin), is this line's; later ones are the
        # next part's.
        window_end = last + dt.timedelta(days=1)
    if isinstance(progs, _Dated):
        pd_progs, nonresp_all = progs.split()
        # In date order: the regimen's own end-reason events up to the start (only those
        # can count before it), then every progression after the start in the window.
        candidates = [
            e for e in pd_progs.end_reasons_of(a.regimen_id) if e.mid <= lo and e.mid <= window_end
        ] + pd_progs.after(lo, window_end)
        nonresp = nonresp_all.end_reasons_of(a.regimen_id)
    else:
        nonresp = [p for p in progs if p.non_response]
        candidates = [p for p in progs if not p.non_response]
    for p in candidates:
        pm = p.mid
        own = p.from_end_reason and p.event is not None and a.regimen_id == p.event.regimen_id
        if (lo < pm <= window_end or (own and pm <= window_end)) and p.counts_for(a):
            on = pm <= last
            where = (
                f"while on it (line {a.lines[0]})"
                if on and a.continues
                else "while on it"
                if on
                else "as the next line began"
                if a.continues
                else f"{(pm - last).days} days after its last dose ({a.last_dose.display()})"
            )
            return Trace(
                "ledger.refractory.progression",
                f"Refractory to {name}: progression on {p.describe()} {where} — within "
                f"{PD_WINDOW_DAYS} days of the last dose counts (rule set {rs.name}"
                + (
                    ", after at least 4 weeks of anti-CD38"
                    if anti_cd38 and rs.anti_cd38_min_days
                    else ""
                )
                + ").",
                rs.source,
                (a.ref, p.ref),
                unconfirmed=rs.unconfirmed,
                flags=("imprecise date",) if _coarse(p.date, a.start, a.last_dose) else (),
            )
    if rs.min_response and not (anti_cd38 and rs.anti_cd38_pd_only) and not a.bridging:
        if rs.min_cycles_for_response and (a.cycles or 0) < rs.min_cycles_for_response:
            return None
        if a.last_dose is None and not rs.min_cycles_for_response:
            # Still taking it: "failed to reach MR on it" can only be said once it stopped
            # (an early stable-disease result is not a failure yet).
            return None
        best, ref = _best_between(resp, a.start, a.last_dose, cutoff, a.regimen_id)
        ended = next(
            (
                p
                for p in nonresp
                if p.event is not None  # a non-response always comes from an event
                and p.event.regimen_id == a.regimen_id
                and a.last_dose is not None
                and lo <= p.mid <= last
                and p.counts_for(a)
            ),
            None,
        )
        if ended is not None and (
            best is None or response_rank(best) > response_rank(rs.min_response)
        ):
            return Trace(
                "ledger.refractory.no_response",
                f"Refractory to {name}: stopped on {ended.describe()}; an inadequate response "
                f"counts as not reaching {rs.min_response}"
                + (f" (best recorded while on it: {best})" if best else "")
                + f" (rule set {rs.name}).",
                rs.source,
                (a.ref, ended.ref, *((ref,) if ref else ())),
                unconfirmed=True,
                flags=("imprecise date",) if _coarse(ended.date) else (),
            )
        if best is not None and response_rank(best) > response_rank(rs.min_response):
            return Trace(
                "ledger.refractory.no_response",
                f"Refractory to {name}: best response while on it was {best}, below "
                f"{rs.min_response}"
                + (f" after {a.cycles} cycles" if rs.min_cycles_for_response else "")
                + f" (rule set {rs.name}).",
                rs.source,
                (a.ref, ref),
                unconfirmed=rs.unconfirmed,
            )
    return None


def _classes(
    drugs: dict[str, DrugStatus], cat: Catalog, history: History
) -> dict[str, ClassStatus]:
    names = set(CORE_CLASSES) | {d.drug_class for d in drugs.values() if d.drug_class}
    out: dict[str, ClassStatus] = {}
    for c in sorted(names):
        members = [d for d in drugs.values() if d.drug_class == c]
        exp = tuple(d.drug_id for d in members if d.exposed)
        ref = tuple(d.drug_id for d in members if d.refractory)
        intol = tuple(d.drug_id for d in members if d.intolerant)
        label = cat.drugs_in_class(c)[0].class_label if cat.drugs_in_class(c) else c
        traces = [
            Trace(
                "ledger.class",
                f"{label}: "
                + (
                    f"exposed ({', '.join(_cat_name(cat, x) for x in exp)})"
                    if exp
                    else "not exposed"
                )
                + (f"; refractory ({', '.join(_cat_name(cat, x) for x in ref)})" if ref else "")
                + (f"; intolerant ({', '.join(_cat_name(cat, x) for x in intol)})" if intol else "")
                + ". A class is exposed/refractory when at least one of its drugs is.",
                RULES_DOC_23,
                tuple(t.records[0] for d in members for t in d.traces if t.records)[:20],
            )
        ]
        exposed, refractory, intolerant = bool(exp), bool(ref), bool(intol)
        overridden = []
        for rule in ("exposed", "refractory", "intolerant"):
            o = history.overrides_for(rule, c)
            if o is None:
                continue
            val = o.value.strip().lower() in ("yes", "true", "1", "y")
            if rule == "exposed":
                exposed = val
            elif rule == "refractory":
                refractory = val
            else:
                intolerant = val
            overridden.append(rule)
            traces.append(
                Trace(
                    f"ledger.override.{rule}",
                    f"You set {rule} for the class {label} to '{o.value}' ({o.reason}).",
                    APP_CONVENTION,
                    (o.ref,),
                    overridden_by=o.ref,
                )
            )
        out[c] = ClassStatus(
            c, exposed, refractory, intolerant, exp, ref, intol, tuple(traces), tuple(overridden)
        )
    return out


def _labels(
    drugs, classes, cat, procs, lines: LinesResult, as_of, celmod_as_imid=False
) -> dict[str, Label]:
    def dn(ids):
        return ", ".join(_cat_name(cat, x) for x in ids) or "none"

    def cls(c):
        return classes.get(c) or ClassStatus(c, False, False, False, (), (), (), ())

    def exp(x):
        return bool(drugs.get(x) and drugs[x].exposed)

    def ref(x):
        return bool(drugs.get(x) and drugs[x].refractory)

    def over_for(ids) -> str | None:
        # A label built on an overridden drug (or class) answer says so.
        for x in ids:
            if x in drugs:
                for t in drugs[x].traces:
                    if t.overridden_by:
                        return t.overridden_by
        for c in classes.values():
            if set(ids) & set(c.exposed_drugs + c.refractory_drugs) or not ids:
                for t in c.traces:
                    if t.overridden_by:
                        return t.overridden_by
        return None

    labels: dict[str, Label] = {}

    def add(id, name, applies, ids, expl, src, unconfirmed=False):
        labels[id] = Label(
            id,
            name,
            applies,
            tuple(ids),
            plain=LABEL_PLAIN.get(id, ""),
            trace=Trace(
                f"ledger.label.{id}",
                expl,
                src,
                tuple(ids),
                unconfirmed=unconfirmed,
                overridden_by=over_for(ids),
            ),
        )

    pi, imid, cd38 = cls("PI"), cls("IMiD"), cls("anti-CD38")
    if celmod_as_imid:
        cel = cls("CELMoD")
        imid = ClassStatus(
            "IMiD",
            imid.exposed or cel.exposed,
            imid.refractory or cel.refractory,
            imid.intolerant or cel.intolerant,
            imid.exposed_drugs + cel.exposed_drugs,
            imid.refractory_drugs + cel.refractory_drugs,
            imid.intolerant_drugs + cel.intolerant_drugs,
            imid.traces + cel.traces,
        )
    yes = {True: "yes", False: "no"}
    # Double-refractory: an IMiD and a PI.
    add(
        "double_refractory",
        "double-refractory (IMiD + PI)",
        pi.refractory and imid.refractory,
        imid.refractory_drugs + pi.refractory_drugs,
        f"{yes[pi.refractory and imid.refractory]}: refractory IMiD: {dn(imid.refractory_drugs)}; "
        f"refractory PI: {dn(pi.refractory_drugs)}.",
        KUMAR_2017,
    )
    tce = pi.exposed and imid.exposed and cd38.exposed
    add(
        "triple_class_exposed",
        "triple-class exposed (PI + IMiD + anti-CD38)",
        tce,
        pi.exposed_drugs + imid.exposed_drugs + cd38.exposed_drugs,
        f"{yes[tce]}: PI {dn(pi.exposed_drugs)}; IMiD {dn(imid.exposed_drugs)}; "
        f"anti-CD38 {dn(cd38.exposed_drugs)}.",
        MAJESTEC1,
    )
    tcr = pi.refractory and imid.refractory and cd38.refractory
    add(
        "triple_class_refractory",
        "triple-class refractory",
        tcr,
        pi.refractory_drugs + imid.refractory_drugs + cd38.refractory_drugs,
        f"{yes[tcr]}: refractory PI {dn(pi.refractory_drugs)}; IMiD {dn(imid.refractory_drugs)}; "
        f"anti-CD38 {dn(cd38.refractory_drugs)}.",
        MAGNETISMM3,
    )
    npi, nimid = len(pi.refractory_drugs), len(imid.refractory_drugs)
    quad_m = cd38.refractory and ((npi >= 1 and nimid >= 2) or (npi >= 2 and nimid >= 1))
    add(
        "quad_refractory_mammoth",
        "quad-refractory (MAMMOTH: anti-CD38 + 2 PIs + 1 IMiD, or anti-CD38 + 1 PI + 2 IMiDs)",
        quad_m,
        cd38.refractory_drugs + pi.refractory_drugs + imid.refractory_drugs,
        f"{yes[quad_m]}: refractory anti-CD38 {dn(cd38.refractory_drugs)}; PIs "
        f"{dn(pi.refractory_drugs)}; IMiDs {dn(imid.refractory_drugs)}.",
        MAMMOTH,
    )
    four = ("bortezomib", "carfilzomib", "lenalidomide", "pomalidomide")
    quad_old = all(ref(x) for x in four)
    add(
        "quad_refractory_older",
        "quad-refractory (older usage: bortezomib, carfilzomib, lenalidomide, pomalidomide)",
        quad_old,
        tuple(x for x in four if ref(x)),
        f"{yes[quad_old]}: refractory to {dn([x for x in four if ref(x)])} of the four; this "
        "older usage (e.g. STORM) has no anti-CD38 (unconfirmed).",
        RULES_DOC_23,
        unconfirmed=True,
    )
    cd38_exp = [x for x in ("daratumumab", "isatuximab") if exp(x)]
    cd38_ref = [x for x in ("daratumumab", "isatuximab") if ref(x)]
    penta_e = all(exp(x) for x in four) and bool(cd38_exp)
    add(
        "penta_exposed",
        "penta-exposed",
        penta_e,
        tuple(x for x in four if exp(x)) + tuple(cd38_exp),
        f"{yes[penta_e]}: exposed to {dn([x for x in four if exp(x)] + cd38_exp)} (needs "
        "bortezomib, carfilzomib, lenalidomide, pomalidomide and an anti-CD38).",
        BCD_REVIEW,
    )
    penta_r = all(ref(x) for x in four) and bool(cd38_ref)
    add(
        "penta_refractory",
        "penta-refractory",
        penta_r,
        tuple(x for x in four if ref(x)) + tuple(cd38_ref),
        f"{yes[penta_r]}: refractory to {dn([x for x in four if ref(x)] + cd38_ref)} (needs "
        "bortezomib, carfilzomib, lenalidomide, pomalidomide and an anti-CD38).",
        BCD_REVIEW,
    )
    for target in ("BCMA", "GPRC5D", "FcRH5"):
        ids = [
            d.drug_id
            for d in drugs.values()
            if d.exposed
            and d.target == target
            and d.drug_class in ("bispecific", "CAR-T", "BCMA-ADC")
        ]
        add(
            f"prior_{target.lower()}",
            f"prior {target}-directed therapy",
            bool(ids),
            ids,
            f"{yes[bool(ids)]}: {target}-directed drugs received: {dn(ids)}.",
            RULES_DOC_23,
        )
    tcr_ids = [
        d.drug_id for d in drugs.values() if d.exposed and d.drug_class in ("bispecific", "CAR-T")
    ]
    add(
        "prior_t_cell_redirecting",
        "prior T-cell-redirecting therapy (CAR-T or bispecific)",
        bool(tcr_ids),
        tcr_ids,
        f"{yes[bool(tcr_ids)]}: CAR-T or bispecific received: {dn(tcr_ids)}.",
        RULES_DOC_23,
    )
    for cid, nm in (("CAR-T", "prior CAR-T"), ("bispecific", "prior bispecific antibody")):
        ids = [d.drug_id for d in drugs.values() if d.exposed and d.drug_class == cid]
        add(
            "prior_" + cid.lower().replace("-", "_"),
            nm,
            bool(ids),
            ids,
            f"{yes[bool(ids)]}: {dn(ids)}.",
            RULES_DOC_23,
        )
    allo = [p for p in procs if p.kind == ProcedureKind.ALLO_SCT.value]
    add(
        "prior_allo_sct",
        "prior allogeneic stem-cell transplant",
        bool(allo),
        [p.ref for p in allo],
        f"{yes[bool(allo)]}: " + (", ".join(p.date.display() for p in allo) or "none") + ".",
        RULES_DOC_23,
    )
    auto = [p for p in procs if p.kind == ProcedureKind.AUTO_SCT.value]
    add(
        "prior_auto_sct",
        "prior autologous stem-cell transplant",
        bool(auto),
        [p.ref for p in auto],
        f"{yes[bool(auto)]}: " + (", ".join(p.date.display() for p in auto) or "none") + ".",
        RULES_DOC_23,
    )
    alk = [d for d in drugs.values() if d.exposed and d.drug_class == "alkylator"]
    assumed = any(a.from_procedure and a.cycles_estimated for d in alk for a in d.administrations)
    add(
        "alkylator_exposed",
        "alkylator exposed (including high-dose melphalan)",
        bool(alk),
        [d.drug_id for d in alk],
        f"{yes[bool(alk)]}: {dn([d.drug_id for d in alk])}"
        + (
            " (transplant conditioning not recorded: high-dose melphalan assumed)"
            if assumed
            else ""
        )
        + ".",
        RULES_DOC_23,
        unconfirmed=assumed,
    )
    # Kumar 2017 benchmark: len or pom + bort or carf refractory, alkylator, >= 3 prior lines.
    ir = [x for x in ("lenalidomide", "pomalidomide") if ref(x)]
    pr = [x for x in ("bortezomib", "carfilzomib") if ref(x)]
    nlines = lines.prior_lines(as_of) if as_of is not None else lines.lines_received
    k17 = bool(ir) and bool(pr) and bool(alk) and nlines >= 3
    add(
        "double_refractory_kumar2017",
        "double-refractory, Mayo benchmark (len/pom + bort/carf "
        "refractory, alkylator exposed, >= 3 prior lines)",
        k17,
        ir + pr,
        f"{yes[k17]}: refractory {dn(ir + pr)}; alkylator {'yes' if alk else 'no'}; "
        f"{nlines} lines.",
        KUMAR_2017,
    )
    return labels


def _disease_status(admins, resp, progs, cutoff, lines=None) -> DiseaseStatus:
    src = IMWG_PANEL1_2011
    treated = [a for a in admins if a.role == DrugRole.ANTI_MYELOMA.value]
    if not treated:
        return DiseaseStatus(
            "not treated",
            Trace("ledger.status.not_treated", "No anti-myeloma treatment is recorded.", src),
        )
    first = min(a.start.midpoint() for a in treated)
    pds = [p for p in progs if p.mid > first]
    assessed = [e for e in resp if e.category != ResponseCategory.NE.value]
    responded = [e for e in assessed if response_rank(e.category) <= response_rank("MR")]
    stopped = [a for a in treated if a.last_dose is not None and not a.from_procedure]
    if not pds and assessed and not responded and stopped:
        return DiseaseStatus(
            "primary refractory",
            Trace(
                "ledger.status.primary_refractory",
                "No progression is recorded, but no therapy has reached minimal response (MR) "
                "or better; best recorded was "
                + min((e.category for e in assessed), key=response_rank)
                + f", and {stopped[-1].name} has already stopped.",
                src,
                tuple(e.ref for e in assessed[:10]),
            ),
        )
    if not pds:
        return DiseaseStatus(
            "newly diagnosed, not relapsed",
            Trace(
                "ledger.status.not_relapsed",
                "No progression is recorded since treatment started.",
                src,
            ),
        )
    last_pd = pds[-1]
    if not assessed:
        return DiseaseStatus(
            "progressed, response not recorded",
            Trace(
                "ledger.status.unknown",
                f"Progression on {last_pd.describe()}, but no response assessment is recorded, "
                "so primary refractory cannot be told from relapsed. Add the best response of each "
                "line.",
                src,
                (last_pd.ref,),
            ),
        )
    if not responded:
        return DiseaseStatus(
            "primary refractory",
            Trace(
                "ledger.status.primary_refractory",
                "Never reached minimal response (MR) or better with any therapy; best recorded was "
                + min((e.category for e in assessed), key=response_rank)
                + ".",
                src,
                tuple(e.ref for e in assessed[:10]),
            ),
        )
    pm = last_pd.date.midpoint()
    near = [
        a
        for a in treated
        if (
            a.start.midpoint() < pm
            or (last_pd.from_end_reason and a.regimen_id == last_pd.event.regimen_id)
        )
        and last_pd.counts_for(a)
        and (a.last_dose is None or (pm - a.last_dose.midpoint()).days <= PD_WINDOW_DAYS)
    ]
    # non-responsive on salvage: assessments after the first PD, none >= MR
    first_pd = pds[0].date.midpoint()
    salvage = [e for e in assessed if e.mid > first_pd]
    nonresp = bool(salvage) and all(
        response_rank(e.category) > response_rank("MR") for e in salvage
    )
    # Rules doc 2.1 "non-responsive on salvage therapy": one salvage line since the latest
    # progression (the episode this status describes, as in the 60-day arm) that never reached
    # MR is enough, even if a later line responded. Only a line followed by another one is
    # judged, so an early SD on the line still going on does not count yet.
    failed_line = None
    if not nonresp and lines is not None and salvage:
        started = [ln for ln in lines.lines if ln.start.midpoint() >= pm]
        latest = max((ln.start.sort_key() for ln in lines.lines), default=None)
        for ln in sorted(started, key=lambda x: x.start.sort_key()):
            if ln.start.sort_key() == latest:
                continue
            mine = [e for e in salvage if (at := lines.line_at(e.date)) and at.number == ln.number]
            if mine and all(response_rank(e.category) > response_rank("MR") for e in mine):
                failed_line = (ln, min((e.category for e in mine), key=response_rank), mine)
                break
    if near or nonresp or failed_line:
        if near:
            why = (
                f"the latest progression ({last_pd.describe()}) came on treatment or within "
                f"{PD_WINDOW_DAYS} days of the last dose of "
                f"{', '.join(sorted({a.name for a in near}))}"
            )
        elif nonresp:
            why = "no response of MR or better on treatment after the first progression"
        elif failed_line:
            ln, best, _ = failed_line
            why = (
                f"line {ln.number} (salvage, from {ln.start.display()}) never reached MR "
                f"(best {best})"
            )
        return DiseaseStatus(
            "relapsed and refractory",
            Trace(
                "ledger.status.relapsed_refractory",
                f"Reached at least MR (e.g. {responded[0].category} on "
                f"{responded[0].date.display()}), then {why}.",
                src,
                (
                    responded[0].ref,
                    last_pd.ref,
                    *[a.ref for a in near],
                    *[e.ref for e in (failed_line[2] if failed_line else ())],
                ),
            ),
        )
    return DiseaseStatus(
        "relapsed",
        Trace(
            "ledger.status.relapsed",
            f"Reached at least MR, then progressed on {last_pd.describe()} more than "
            f"{PD_WINDOW_DAYS} days after the last dose of any treatment.",
            src,
            (responded[0].ref, last_pd.ref),
        ),
    )


def _early_relapse(lines: LinesResult, procs, progs, as_of) -> EarlyRelapse:
    src = FHR_FRONTIERS
    first_line = (
        lines.line(min((ln.number for ln in lines.lines), default=0)) if lines.lines else None
    )
    if first_line is None:
        return EarlyRelapse(
            None,
            None,
            None,
            (),
            Trace("ledger.early_relapse.none", "No line of therapy is recorded.", src),
        )
    if first_line.number > 1:
        # The person numbered the lines: line 1 (and a frontline ASCT) happened before this
        # journal, so "months from the start of first-line treatment" cannot be counted here.
        return EarlyRelapse(
            None,
            None,
            None,
            (),
            Trace(
                "ledger.early_relapse.first_line_missing",
                f"Line 1 is not in this journal (the first line here is line "
                f"{first_line.number}, as you numbered it), so the time from the start of "
                "first-line treatment or from a frontline transplant cannot be counted.",
                src,
                tuple(f"regimen:{r}" for r in first_line.regimen_ids[:1]),
            ),
        )
    start = first_line.start.midpoint()
    pds = [p for p in progs if p.mid > start]
    # Frontline ASCT (issue 9 item 5): the first planned autologous transplant after
    # treatment began and before any progression, whichever line it fell in (induction
    # switched for side effects before it opens line 2, the transplant is still frontline).
    first_pd_mid = pds[0].mid if pds else _FAR
    first_asct = min(
        (
            p
            for p in procs
            if p.kind == ProcedureKind.AUTO_SCT.value
            and p.planned
            and start <= p.date.midpoint() < first_pd_mid
        ),
        key=lambda p: p.date.sort_key(),
        default=None,
    )
    if not pds:
        follow = (
            f" ({(as_of.midpoint() - start).days / DAYS_PER_MONTH:.1f} months of follow-up)"
            if as_of is not None
            else ""
        )
        return EarlyRelapse(
            None,
            None,
            None,
            (),
            frontline_asct=first_asct.date if first_asct else None,
            trace=Trace(
                "ledger.early_relapse.no_progression",
                f"No progression recorded after the start of line 1 on "
                f"{first_line.start.display()}{follow}.",
                src,
            ),
        )
    p = pds[0]
    m1 = round((p.date.midpoint() - start).days / DAYS_PER_MONTH, 1)
    m2 = None
    if first_asct is not None and p.date.midpoint() > first_asct.date.midpoint():
        m2 = round((p.date.midpoint() - first_asct.date.midpoint()).days / DAYS_PER_MONTH, 1)
    fired = []
    if m1 < 18:
        fired.append("progression < 18 months from start of first-line treatment")
    if m2 is not None and m2 < 12:
        fired.append("progression < 12 months from frontline ASCT")
    expl = (
        f"First progression on {p.describe()}: {m1} months after line 1 started "
        f"({first_line.start.display()})"
        + (
            f", {m2} months after the frontline ASCT ({first_asct.date.display()}; the first "
            "planned transplant before any progression"
            + (
                f", in line {lines.procedure_line.get(first_asct.id)}"
                if lines.procedure_line.get(first_asct.id, first_line.number) != first_line.number
                else ""
            )
            + ")"
            if m2 is not None and first_asct is not None  # m2 is counted from first_asct
            else ", no frontline ASCT before it"
        )
        + ". "
        + (
            "Early relapse / functional high risk by: " + "; ".join(fired) + "."
            if fired
            else "Neither definition (< 18 months from start, < 12 months from ASCT) fired."
        )
    )
    refs = (p.ref, *(f"regimen:{r}" for r in first_line.regimen_ids[:1]))
    if first_asct is not None:
        refs += (first_asct.ref,)
    return EarlyRelapse(
        p.date,
        m1,
        m2,
        tuple(fired),
        frontline_asct=first_asct.date if first_asct else None,
        days_from_first_asct=(
            (p.date.midpoint() - first_asct.date.midpoint()).days
            if m2 is not None and first_asct is not None
            else None
        ),
        trace=Trace(
            "ledger.early_relapse",
            expl,
            src,
            refs,
            flags=("imprecise date",) if _coarse(p.date, first_line.start) else (),
        ),
    )


def _car_t_outcomes(admins, resp, progs, cat, lines: LinesResult) -> tuple[CarTOutcome, ...]:
    out = []
    seen: list[tuple[str, dt.date]] = []
    for a in sorted(admins, key=lambda a: (not a.from_procedure, a.start.sort_key())):
        d = cat.get(a.drug_id)
        if not (d and d.drug_class == "CAR-T"):
            continue
        # The same infusion entered both as a procedure and as a regimen counts once.
        if any(x == a.drug_id and abs((y - a.start.midpoint()).days) <= 14 for x, y in seen):
            continue
        seen.append((a.drug_id, a.start.midpoint()))
        inf = a.start.midpoint()
        # responses until the next line that started after the infusion
        nxt = [
            ln.start.midpoint()
            for ln in lines.lines
            if ln.start.midpoint() > inf and ln.number not in a.lines
        ]
        until = min(nxt) if nxt else _FAR
        best = None
        for e in resp:
            if (
                inf < e.mid <= until
                and e.category != ResponseCategory.NE.value
                and (best is None or response_rank(e.category) < response_rank(best))
            ):
                best = e.category
        pd = next((p for p in progs if p.mid > inf), None)
        days = (pd.date.midpoint() - inf).days if pd else None
        out.append(
            CarTOutcome(
                d.generic,
                d.id,
                a.start,
                best,
                pd.date if pd else None,
                days,
                Trace(
                    "ledger.car_t_outcome",
                    f"{d.generic} infused on {a.start.display()}: best response "
                    f"{best or 'not recorded'}; "
                    + (
                        f"first progression {pd.date.display()}, {days} days after infusion."
                        if pd
                        else "no progression recorded since."
                    ),
                    APP_CONVENTION,
                    (a.ref, *((pd.ref,) if pd else ())),
                    unconfirmed=True,
                ),
            )
        )
    return tuple(sorted(out, key=lambda o: o.infusion.sort_key()))


__all__ = [
    "RULE_SETS",
    "Administration",
    "CarTOutcome",
    "ClassStatus",
    "DiseaseStatus",
    "DrugStatus",
    "EarlyRelapse",
    "Label",
    "Ledger",
    "RuleSet",
    "compute_ledger",
]
