"""Lines of therapy by the IMWG rules (rules doc section 1.2).

One function, :func:`compute_lines`, used by the screens, the timeline chart, the
summary JSON and the PDF. Every decision ("new line" or "same line") leaves a
:class:`~journal.domain.trace.Trace` naming the rule and the records.

How the history is read
-----------------------
* Only drugs with the role "anti-myeloma" that the catalog does not call supportive
  form lines ("line-forming drugs"). Premedication and supportive drugs are ignored
  entirely; conditioning, lymphodepletion and mobilisation drugs belong to the
  transplant / CAR-T programme they prepare and never start a line.
* Transplants and CAR-T infusions are procedures. A CAR-T programme (leukapheresis,
  bridging, lymphodepletion, infusion) is one line; it starts at its earliest part.
  A regimen with intent "bridging", or any line-forming regimen that starts between a
  leukapheresis and the infusion it leads to, is bridging (unconfirmed convention).
* Events are walked in date order (ties: regimens before procedures, then by id), and
  each event either joins the current line or opens a new one, so a later event can
  never change an earlier line's number.

Conventions where the rules doc says "(unconfirmed)"
----------------------------------------------------
* Short hold: the same drugs restarted within :data:`HOLD_MAX_DAYS` days, with no
  progression recorded in between and the previous regimen not ended as "plan
  completed" / "progression" / "relapse", continue the line (flagged). Otherwise a
  restart of the same drugs is a new line (observation period interrupted).
* A regimen shorter than one complete cycle (``cycles == 0`` or fewer days than
  ``cycle_days``) is counted (strict default) and its line is flagged.
* An unplanned dexamethasone-only (steroid-only) addition is a new line (strict),
  flagged.
* A planned tandem transplant joins the line of the previous transplant whatever the
  interval; intervals over :data:`TANDEM_USUAL_MAX_DAYS` days are flagged.
* Radiotherapy and other procedures are not lines.
* A first transplant, or "maintenance"/"consolidation" known only by its intent, more
  than :data:`FIRST_SCT_MAX_GAP_DAYS` / :data:`CONTINUATION_MAX_GAP_DAYS` days after the
  line's last dose is not part of that line's plan (an explicit ``part_of_id`` link or
  ``regimen_id`` on the procedure still wins).
* Regimens started the same day are one combination. Fludarabine (+/- cyclophosphamide)
  within :data:`LYMPHODEPLETION_WINDOW_DAYS` days before an infusion is lymphodepletion
  whatever its recorded role; a CAR-T entered only as a regimen anchors its programme.

Partial dates: order uses :meth:`PartialDate.sort_key` (midpoint of the span), day
arithmetic uses midpoints (:func:`journal.domain.dates.days_between`); a decision that
rests on a date coarser than a day carries the flag "imprecise date".

Overrides: ``RegimenRec.line_override = k`` puts that regimen (and what follows it in
the same programme) in line k. If line k exists it is joined, otherwise line k is
opened. Lines opened later are numbered max(number so far) + 1, so numbers never
repeat and every later line renumbers after the override. A number above the next
free one means "earlier lines are not in this journal" and is kept as given.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from journal.domain.catalog import Catalog, Drug, get_catalog, normalise
from journal.domain.dates import PartialDate
from journal.domain.event_dates import procedure_date
from journal.domain.events import ProgressionEvent, progression_events
from journal.domain.records import DrugRec, History, ProcedureRec, ProgressionRec, RegimenRec
from journal.domain.trace import (
    APP_CONVENTION,
    CIBMTR_LINES,
    IMWG_LINES_2015,
    IMWG_PANEL1_2011,
    Source,
    Trace,
)
from journal.domain.vocab import ChangeReason, DrugRole, ProcedureKind, RegimenIntent

HOLD_MAX_DAYS = 90
TANDEM_USUAL_MAX_DAYS = 180
BRIDGING_WINDOW_DAYS = 180  # bridging/lymphodepletion regimens up to this long before CAR-T
APHERESIS_WINDOW_DAYS = 365
CONDITIONING_WINDOW_DAYS = 30
MOBILISATION_WINDOW_DAYS = 365
LYMPHODEPLETION_WINDOW_DAYS = 14
_LYMPHODEPLETION_DRUGS = frozenset({"fludarabine", "cyclophosphamide", "bendamustine"})
CART_RECORD_DAYS = 14  # a CAR-T regimen this close to an infusion is that infusion
FIRST_SCT_MAX_GAP_DAYS = 365  # a first SCT this long after the line's last dose is not its plan
CONTINUATION_MAX_GAP_DAYS = 365  # nor is "maintenance" by intent alone this long after it

FLAG_SHORT = "shorter than one complete cycle (counted: strict reading)"
FLAG_STEROID_ONLY = "steroid-only addition (counted: strict reading)"
FLAG_HOLD = "treated as a short hold"
FLAG_IMPRECISE = "imprecise date"

HEALTHTREE = Source(
    "HealthTree: What is a 'Line' of Therapy in Multiple Myeloma? (2015 guideline examples)",
    "https://healthtree.org/myeloma/community/articles/myeloma-101-what-is-a-line-of-therapy-in-multiple-myeloma",
    "1.1",
)
RULES_DOC_12 = Source("Treatment Journal rules table (myeloma-rules.md 1.2)", None, "1.2")

_SCT = {ProcedureKind.AUTO_SCT.value, ProcedureKind.ALLO_SCT.value}
_CONTINUATION_INTENTS = {RegimenIntent.CONSOLIDATION.value, RegimenIntent.MAINTENANCE.value}
_PLANNED_REASONS = {None, "", ChangeReason.PLANNED.value, ChangeReason.PLAN_COMPLETED.value}
_OBSERVATION_END = {
    ChangeReason.PLAN_COMPLETED.value,
    ChangeReason.PROGRESSION.value,
    ChangeReason.RELAPSE.value,
}
_DISEASE_REASONS = {
    ChangeReason.PROGRESSION.value,
    ChangeReason.RELAPSE.value,
    ChangeReason.INADEQUATE_RESPONSE.value,
}
_LINE_ROLES = {DrugRole.ANTI_MYELOMA.value}
_PROGRAMME_ROLES = {
    DrugRole.CONDITIONING.value,
    DrugRole.LYMPHODEPLETION.value,
    DrugRole.MOBILISATION.value,
}
_UNPLANNED = {"unplanned addition", "unplanned substitution"}


# -- results ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    number: int
    start: PartialDate
    end: PartialDate | None  # None = still going
    regimen_ids: tuple[int, ...]
    procedure_ids: tuple[int, ...]
    label: str
    traces: tuple[Trace, ...]
    overridden: bool = False
    flags: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "number": self.number,
            "start": self.start.to_iso(),
            "end": self.end.to_iso() if self.end else None,
            "regimen_ids": list(self.regimen_ids),
            "procedure_ids": list(self.procedure_ids),
            "label": self.label,
            "overridden": self.overridden,
            "flags": list(self.flags),
            "traces": [t.to_json() for t in self.traces],
        }


@dataclass(frozen=True)
class LinesResult:
    lines: tuple[Line, ...]
    #: regimen id -> the line it belongs to (the line at its start when it was split)
    regimen_line: dict[int, int]
    procedure_line: dict[int, int]
    #: (regimen id, drug index in RegimenRec.drugs) -> every line that drug was given in
    drug_lines: dict[tuple[int, int], tuple[int, ...]]
    #: records that are not lines and why (supportive regimens, radiotherapy, ...)
    traces: tuple[Trace, ...] = ()
    #: regimen id -> its part in a transplant / CAR-T programme: "bridging",
    #: "lymphodepletion", "conditioning", "mobilisation", "car-t infusion"
    regimen_roles: dict[int, str] = field(default_factory=dict)

    @property
    def lines_received(self) -> int:
        """Lines received so far (the highest line number; 0 when none)."""
        return max((ln.number for ln in self.lines), default=0)

    def line(self, number: int) -> Line | None:
        return next((ln for ln in self.lines if ln.number == number), None)

    def line_of_regimen(self, regimen_id: int) -> Line | None:
        n = self.regimen_line.get(regimen_id)
        return self.line(n) if n is not None else None

    def line_at(self, when: PartialDate) -> Line | None:
        """The line going on at ``when`` (the latest line started on or before it)."""
        started = [ln for ln in self.lines if ln.start.sort_key() <= when.sort_key()]
        return max(started, key=lambda ln: (ln.start.sort_key(), ln.number), default=None)

    def prior_lines(self, as_of: PartialDate) -> int:
        """Lines started BEFORE ``as_of``, including one still going on then (rules doc 1.2:
        "lines started before that date"; the line that starts on ``as_of``, e.g. a trial's,
        is the one that is not prior)."""
        return self._prior(as_of)[0]

    def prior_lines_trace(self, as_of: PartialDate) -> Trace:
        n, before, uncertain = self._prior(as_of)
        listed = ", ".join(f"line {ln.number} from {ln.start.display()}" for ln in before)
        expl = (
            f"{n} prior line{'s' if n != 1 else ''} before {as_of.display()}"
            + (f": {listed}." if listed else ".")
            + " A line counts as prior when it started before that date, even if it is still "
            "going on then; a line starting that day (such as a trial's) is not prior."
        )
        if before and n != len(before):
            expl += " The numbering follows a line number you set yourself."
        flags = (FLAG_IMPRECISE,) if uncertain else ()
        if uncertain:
            expl += (
                " Line "
                + ", ".join(str(ln.number) for ln in uncertain)
                + " has an imprecise start date that could fall on either side."
            )
        return Trace(
            rule="lines.prior_lines",
            explanation=expl,
            source=IMWG_LINES_2015,
            records=tuple(r for ln in before for r in _line_refs(ln)),
            flags=flags,
        )

    def _prior(self, as_of: PartialDate) -> tuple[int, list[Line], list[Line]]:
        before = [ln for ln in self.lines if ln.start.sort_key() < as_of.sort_key()]
        uncertain = [
            ln
            for ln in self.lines
            if ln.start.earliest() <= as_of.latest()
            and ln.start.latest() >= as_of.earliest()
            and not (ln.start.is_exact_day and as_of.is_exact_day)
        ]
        return max((ln.number for ln in before), default=0), before, uncertain

    def to_json(self) -> dict:
        return {
            "lines_received": self.lines_received,
            "lines": [ln.to_json() for ln in self.lines],
            "regimen_line": {str(k): v for k, v in sorted(self.regimen_line.items())},
            "procedure_line": {str(k): v for k, v in sorted(self.procedure_line.items())},
            "not_lines": [t.to_json() for t in self.traces],
        }


def _line_refs(ln: Line) -> tuple[str, ...]:
    return tuple(f"regimen:{i}" for i in ln.regimen_ids) + tuple(
        f"procedure:{i}" for i in ln.procedure_ids
    )


# -- helpers ---------------------------------------------------------------------------
def _key(d: PartialDate | None) -> tuple:
    return d.sort_key() if d is not None else (10**9, 0, 0)


def _days(a: PartialDate, b: PartialDate) -> int:
    return (b.midpoint() - a.midpoint()).days


def _imprecise(*dates: PartialDate | None) -> bool:
    return any(d is not None and not d.is_exact_day for d in dates)


def drug_key(d: DrugRec, cat: Catalog | None = None) -> str:
    """Identity of a drug for comparing regimens: catalog id, else its normalised name."""
    cat = cat or get_catalog()
    if d.drug_id:
        return d.drug_id
    found = cat.identify(d.name)
    return found.id if found else "name:" + normalise(d.name)


def catalog_drug(d: DrugRec, cat: Catalog | None = None) -> Drug | None:
    cat = cat or get_catalog()
    return cat.get(d.drug_id) or cat.identify(d.name)


def is_line_forming(d: DrugRec, cat: Catalog | None = None) -> bool:
    """Anti-myeloma role and not a supportive agent per the catalog."""
    if d.role not in _LINE_ROLES:
        return False
    found = catalog_drug(d, cat)
    return not (found and found.supportive)


def _is_steroid(key: str, cat: Catalog) -> bool:
    d = cat.get(key)
    return bool(d and d.drug_class == "steroid")


def _short_regimen(r: RegimenRec) -> bool:
    if r.cycles is not None and r.cycles < 1:
        return True
    if r.cycle_days and r.end is not None:
        return _days(r.start, r.end) + 1 < r.cycle_days
    return False


def _names(keys: Iterable[str], cat: Catalog) -> str:
    out = []
    for k in sorted(keys):
        d = cat.get(k)
        out.append(d.generic if d else k.removeprefix("name:"))
    return ", ".join(out)


@dataclass
class _Reg:
    rec: RegimenRec
    kind: str  # "line" | "programme" | "supportive"
    keys: frozenset[str]  # line-forming drug keys
    drugs: list[tuple[int, DrugRec, str]]  # line-forming (index, drug, key)


def _keys_at_end(rg: _Reg) -> frozenset[str]:
    """The drugs still taken when a regimen ended: after a planned drop (bortezomib stopped
    after 8 cycles of DVd) a pause and resumption of daratumumab-dex is "the same drugs"."""
    end = rg.rec.end
    if end is None:
        return rg.keys
    return frozenset(
        k for _, d, k in rg.drugs if d.last_dose is None or d.last_dose.sort_key() >= end.sort_key()
    )


@dataclass
class _LineB:
    number: int
    starts: list[PartialDate] = field(default_factory=list)
    regimen_ids: list[int] = field(default_factory=list)
    procedure_ids: list[int] = field(default_factory=list)
    labels: list[tuple[tuple, str]] = field(default_factory=list)
    traces: list[Trace] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    overridden: bool = False
    ends: list[PartialDate | None] = field(default_factory=list)

    def add_regimen(
        self, rid: int, start: PartialDate, label: str | None, anchor: bool = True
    ) -> None:
        # anchor=False: a member that must not move the line's start (stem-cell mobilisation
        # done months or years before a later transplant).
        if rid not in self.regimen_ids:
            self.regimen_ids.append(rid)
        if anchor:
            self.starts.append(start)
        if label:
            self.labels.append((start.sort_key(), label))

    def add_procedure(self, p: ProcedureRec, label: str | None, anchor: bool = True) -> None:
        if p.id not in self.procedure_ids:
            self.procedure_ids.append(p.id)
        if anchor:
            self.starts.append(p.date)
        self.ends.append(procedure_date(p))  # day 0 of a transplant, not the discharge
        if label:
            self.labels.append((p.date.sort_key(), label))

    def flag(self, f: str) -> None:
        if f not in self.flags:
            self.flags.append(f)


class _DrugAdded(NamedTuple):
    """A drug joining a running regimen later than it began: one event of the walk."""

    rg: _Reg
    idx: int
    drug: DrugRec
    start: PartialDate  # the drug's own start (an event exists only when there is one)
    key: str


@dataclass
class _Unit:
    """A transplant or CAR-T programme: the procedure and the regimens that prepare it."""

    kind: str  # "sct" | "cart"
    proc: ProcedureRec
    regimens: list[_Reg] = field(default_factory=list)
    procs: list[ProcedureRec] = field(default_factory=list)  # apheresis / collection
    inferred: set[int] = field(default_factory=set)  # bridging by timing, not by intent
    recognised: set[int] = field(default_factory=set)  # lymphodepletion by its drugs

    @property
    def start(self) -> PartialDate:
        dates = [self.proc.date]
        if self.kind == "cart":
            dates += [r.rec.start for r in self.regimens] + [p.date for p in self.procs]
        else:  # conditioning shortly before; collections may be years earlier
            dates += [r.rec.start for r in self.regimens if _is_conditioning(r.rec)]
        return min(dates, key=lambda d: d.sort_key())


# -- the rule ----------------------------------------------------------------------------
def compute_lines(history: History, catalog: Catalog | None = None) -> LinesResult:
    """Number the lines of therapy of ``history`` (IMWG 2015; rules doc 1.2)."""
    return _Walker(history, catalog or get_catalog()).run()


class _Walker:
    def __init__(self, history: History, cat: Catalog) -> None:
        self.h = history
        self.cat = cat
        self.regs: dict[int, _Reg] = {}
        self.lines: list[_LineB] = []
        self.current: _LineB | None = None
        self.segments: dict[int, list[tuple[PartialDate, _LineB]]] = {}
        self.proc_line: dict[int, _LineB] = {}
        self.not_lines: list[Trace] = []
        self.sct_done: list[tuple[ProcedureRec, _LineB]] = []
        self.roles: dict[int, str] = {}  # regimen id -> its part in a programme
        # A regimen that ended "for progression" is a progression here too (events.py).
        stated = [
            e for e in progression_events(history) if e.from_end_reason and not e.non_response
        ]
        self.progressions: list[ProgressionRec | ProgressionEvent] = sorted(
            [*history.progressions, *stated], key=lambda p: (_key(p.date), p.ref)
        )
        # Asked at every regimen: the progressions between two dates are found by binary
        # search, the next line number and a line by number kept as lines open.
        self.progression_keys = [p.date.sort_key() for p in self.progressions]
        self.top_number = 0
        self.by_number: dict[int, _LineB] = {}

    # -- classification ------------------------------------------------------------
    def classify(self) -> None:
        for r in sorted(self.h.regimens, key=lambda r: r.id):
            line_drugs = [
                (i, d, drug_key(d, self.cat))
                for i, d in enumerate(r.drugs)
                if is_line_forming(d, self.cat)
            ]
            prog = any(d.role in _PROGRAMME_ROLES for d in r.drugs)
            if r.intent in (
                RegimenIntent.CONDITIONING.value,
                RegimenIntent.LYMPHODEPLETION.value,
                RegimenIntent.MOBILISATION.value,
            ) or (not line_drugs and prog):
                kind = "programme"
            elif not line_drugs and r.drugs:
                kind = "supportive"
                self.not_lines.append(
                    Trace(
                        rule="lines.ignored.supportive",
                        explanation=f"{r.name} from {r.start.display()} has only supportive or "
                        "premedication drugs, which never form or split a line.",
                        source=RULES_DOC_12,
                        records=(r.ref,),
                    )
                )
            else:
                kind = "line"
            keys = frozenset(k for _, _, k in line_drugs)
            if not r.drugs:
                keys = frozenset({"regimen:" + normalise(r.name)})
            self.regs[r.id] = _Reg(r, kind, keys, line_drugs)

    def _root(self, r: RegimenRec) -> RegimenRec:
        seen = {r.id}
        while r.part_of_id is not None and r.part_of_id in self.regs:
            parent = self.regs[r.part_of_id].rec
            if parent.id in seen:
                break
            seen.add(parent.id)
            r = parent
        return r

    def build_units(self) -> tuple[list[_Unit], set[int]]:
        procs = sorted(self.h.procedures, key=lambda p: (_key(p.date), p.id))
        units: list[_Unit] = []
        used_regs: set[int] = set()
        used_procs: set[int] = set()
        carts = [p for p in procs if p.kind == ProcedureKind.CAR_T.value]
        # A CAR-T entered only as a regimen (its product as the drug) anchors its programme
        # like the infusion procedure would; it gets a stand-in procedure with a negative id.
        for rid, rg in sorted(self.regs.items()):
            if (
                rg.kind == "line"
                and self._is_cart_record(rg)
                and not any(abs(_days(p.date, rg.rec.start)) <= CART_RECORD_DAYS for p in carts)
            ):
                carts.append(
                    ProcedureRec(
                        -rid, ProcedureKind.CAR_T.value, rg.rec.start, product=sorted(rg.keys)[0]
                    )
                )
        carts.sort(key=lambda p: (p.date.sort_key(), p.id))
        prev_date: PartialDate | None = None
        for c in carts:
            u = _Unit("cart", c)
            aph = [
                p
                for p in procs
                if p.kind == ProcedureKind.LEUKAPHERESIS.value
                and p.id not in used_procs
                and p.date.sort_key() <= c.date.sort_key()
                and _days(p.date, c.date) <= APHERESIS_WINDOW_DAYS
                and (prev_date is None or p.date.sort_key() > prev_date.sort_key())
            ]
            u.procs.extend(aph)
            used_procs.update(p.id for p in aph)
            first_aph = min((p.date for p in aph), key=lambda d: d.sort_key(), default=None)
            for rid, rg in sorted(self.regs.items()):
                r = rg.rec
                if rid in used_regs or rg.kind == "supportive":
                    continue
                if self._is_cart_record(rg) and abs(_days(r.start, c.date)) <= CART_RECORD_DAYS:
                    u.regimens.append(rg)  # the same infusion, entered as a regimen
                    used_regs.add(rid)
                    self.roles[rid] = "car-t infusion"
                    continue
                if r.start.sort_key() > c.date.sort_key():
                    continue
                if prev_date is not None and r.start.sort_key() <= prev_date.sort_key():
                    continue
                near = _days(r.start, c.date) <= BRIDGING_WINDOW_DAYS
                lympho = r.intent == RegimenIntent.LYMPHODEPLETION.value or (
                    rg.kind == "programme"
                    and any(d.role == DrugRole.LYMPHODEPLETION.value for d in r.drugs)
                )
                # Fludarabine (+/- cyclophosphamide) just before an infusion is lymphodepletion
                # even when entered with the default role.
                lympho_by_drugs = (
                    rg.kind == "line"
                    and "fludarabine" in rg.keys
                    and rg.keys <= _LYMPHODEPLETION_DRUGS
                    and _days(r.start, c.date) <= LYMPHODEPLETION_WINDOW_DAYS
                )
                bridging = r.intent == RegimenIntent.BRIDGING.value
                after_aph = first_aph is not None and r.start.sort_key() >= first_aph.sort_key()
                if lympho_by_drugs:
                    u.regimens.append(rg)
                    used_regs.add(rid)
                    self.roles[rid] = "lymphodepletion"
                    u.recognised.add(rid)
                elif (lympho and near) or (bridging and near) or (rg.kind == "line" and after_aph):
                    u.regimens.append(rg)
                    used_regs.add(rid)
                    self.roles[rid] = (
                        "car-t infusion"
                        if self._is_cart_record(rg)
                        else "lymphodepletion"
                        if lympho
                        else "bridging"
                    )
                    if rg.kind == "line" and not bridging and not self._is_cart_record(rg):
                        u.inferred.add(rid)
            units.append(u)
            prev_date = c.date
        scts = [p for p in procs if p.kind in _SCT]
        for s in scts:
            u = _Unit("sct", s)
            for rid, rg in sorted(self.regs.items()):
                r = rg.rec
                if rid in used_regs or rg.kind != "programme":
                    continue
                if r.start.sort_key() > s.date.sort_key():
                    continue
                window = (
                    CONDITIONING_WINDOW_DAYS
                    if r.intent == RegimenIntent.CONDITIONING.value
                    or any(d.role == DrugRole.CONDITIONING.value for d in r.drugs)
                    else MOBILISATION_WINDOW_DAYS
                )
                if r.intent == RegimenIntent.LYMPHODEPLETION.value:
                    continue
                if _days(r.start, s.date) <= window:
                    u.regimens.append(rg)
                    used_regs.add(rid)
                    self.roles[rid] = (
                        "conditioning" if window == CONDITIONING_WINDOW_DAYS else "mobilisation"
                    )
            coll = [
                p
                for p in procs
                if p.kind == ProcedureKind.STEM_CELL_COLLECTION.value
                and p.id not in used_procs
                and p.date.sort_key() <= s.date.sort_key()
                and _days(p.date, s.date) <= MOBILISATION_WINDOW_DAYS
            ]
            u.procs.extend(coll)
            used_procs.update(p.id for p in coll)
            units.append(u)
        for p in procs:
            if p.kind in _SCT or p.kind == ProcedureKind.CAR_T.value or p.id in used_procs:
                continue
            what = (
                "Radiotherapy is recorded for washouts but is not a systemic line "
                "(unconfirmed convention)."
                if p.kind == ProcedureKind.RADIOTHERAPY.value
                else "This procedure is recorded but is not a line of therapy."
            )
            self.not_lines.append(
                Trace(
                    rule="lines.ignored.procedure",
                    explanation=f"{p.kind} on {p.date.display()}: {what}",
                    source=RULES_DOC_12,
                    records=(p.ref,),
                    unconfirmed=p.kind == ProcedureKind.RADIOTHERAPY.value,
                )
            )
        return units, used_regs

    # -- line bookkeeping ----------------------------------------------------------------
    def next_number(self) -> int:
        return self.top_number + 1

    def open_line(self, number: int | None = None) -> _LineB:
        ln = _LineB(number if number is not None else self.next_number())
        self.lines.append(ln)
        self.top_number = max(self.top_number, ln.number)
        self.by_number.setdefault(ln.number, ln)
        return ln

    def find_line(self, number: int) -> _LineB | None:
        return self.by_number.get(number)

    def progression_between(
        self, after: PartialDate | None, upto: PartialDate
    ) -> list[ProgressionRec | ProgressionEvent]:
        keys = self.progression_keys
        i = bisect.bisect_right(keys, after.sort_key()) if after is not None else 0
        return self.progressions[i : bisect.bisect_right(keys, upto.sort_key())]

    def place(
        self,
        decision_new: bool,
        join: _LineB | None,
        trace: Trace,
        override_from: list[RegimenRec],
    ) -> _LineB:
        """Apply a decision (and a person's line override if any) and return the line."""
        ovr = next((r for r in override_from if r.line_override is not None), None)
        if ovr is not None and ovr.line_override is not None:
            k = ovr.line_override
            target = self.find_line(k) or self.open_line(k)
            computed = "a new line" if decision_new else f"line {join.number if join else '?'}"
            target.overridden = True
            target.traces.append(trace)
            target.traces.append(
                Trace(
                    rule="lines.override",
                    explanation=f"You put {ovr.name} in line {k}"
                    + (f" ({ovr.line_override_reason})" if ovr.line_override_reason else "")
                    + f"; the rule above gave {computed}. Your choice is used, and later lines "
                    "are numbered after it.",
                    source=APP_CONVENTION,
                    records=(ovr.ref,),
                    overridden_by=f"{ovr.ref}.line_override",
                )
            )
            self.current = target
            return target
        ln = self.open_line() if decision_new or join is None else join
        ln.traces.append(trace)
        self.current = ln
        return ln

    # -- events ------------------------------------------------------------------------
    @staticmethod
    def _last_end(line: _LineB) -> PartialDate | None:
        """The line's last recorded end; None while any part is still going."""
        ends = [e for e in line.ends if e is not None]
        if not ends or len(ends) < len(line.ends):
            return None
        return max(ends, key=lambda d: d.sort_key())

    def active_at(self, line: _LineB, when: PartialDate, exclude: int) -> list[_Reg]:
        out = []
        for rid in line.regimen_ids:
            rg = self.regs.get(rid)
            if rg is None or rg.kind != "line" or rid == exclude:
                continue
            r = rg.rec
            if r.start.sort_key() <= when.sort_key() and (
                r.end is None or r.end.sort_key() > when.sort_key()
            ):
                out.append(rg)
        return out

    def last_regimen(self, line: _LineB, exclude: int) -> _Reg | None:
        cands = [
            self.regs[rid]
            for rid in line.regimen_ids
            if rid in self.regs and self.regs[rid].kind == "line" and rid != exclude
        ]
        return max(
            cands,
            key=lambda rg: (_key(rg.rec.end), rg.rec.start.sort_key(), rg.rec.id),
            default=None,
        )

    def on_regimen(self, rg: _Reg) -> None:
        r = rg.rec
        cur = self.current
        src = IMWG_LINES_2015
        refs = (r.ref,)
        when = r.start.display()
        if cur is None:
            t = Trace(
                "lines.new_line.first",
                f"{r.name} started on {when}: the first "
                "anti-myeloma treatment in the journal starts line 1.",
                src,
                refs,
            )
            ln = self.place(True, None, t, [r])
        elif r.part_of_id is not None and self._root(r).id in self.segments:
            root = self._root(r)
            parent_line = self.segments[root.id][-1][1]
            moved = ""
            if (
                cur is not parent_line
                and _line_start(cur).sort_key() > _line_start(parent_line).sort_key()
            ):
                # The plan went on in a newer line (e.g. induction changed for toxicity, then
                # the planned transplant and maintenance): it continues there, not back in time.
                moved = (
                    f" The plan continued in line {cur.number} after a change of regimen, so it "
                    "stays in that line (HealthTree example 2)."
                )
                parent_line = cur
            flags: tuple[str, ...] = ()
            pds = self.progression_between(_line_start(parent_line), r.start)
            if pds:
                flags = ("progression recorded inside this planned programme",)
            t = Trace(
                "lines.same_line.planned_programme",
                f"{r.name} from {when} is part of the plan that started with {root.name}: "
                "a planned sequence is one line." + moved,
                IMWG_PANEL1_2011,
                (r.ref, root.ref, *[p.ref for p in pds]),
                flags=flags,
            )
            ln = self.place(False, parent_line, t, [r])
            for f in flags:
                ln.flag(f)
        else:
            ln = self._decide_regimen(rg, cur)
        ln.add_regimen(r.id, r.start, _regimen_label(r))
        ln.ends.append(r.end)
        self.segments.setdefault(r.id, []).append((r.start, ln))
        if _short_regimen(r):
            ln.traces.append(
                Trace(
                    "lines.flag.short_regimen",
                    f"{r.name} lasted less than one complete cycle. The 2015 definition asks for "
                    "one or more complete cycles; the app counts it anyway (strict default) — "
                    "correct the line number if your team counts it differently.",
                    IMWG_LINES_2015,
                    refs,
                    unconfirmed=True,
                    flags=(FLAG_SHORT,),
                )
            )
            ln.flag(FLAG_SHORT)

    def _decide_regimen(self, rg: _Reg, cur: _LineB) -> _LineB:
        r = rg.rec
        when = r.start.display()
        refs = (r.ref,)
        if r.intent in _CONTINUATION_INTENTS and r.start_reason in _PLANNED_REASONS:
            pds = self.progression_between(min(cur.starts, key=lambda d: d.sort_key()), r.start)
            last_end = self._last_end(cur)
            soon = last_end is None or _days(last_end, r.start) <= CONTINUATION_MAX_GAP_DAYS
            if not pds and soon:
                t = Trace(
                    "lines.same_line.planned_continuation",
                    f"{r.name} started on {when} as planned {r.intent} after line "
                    f"{cur.number}, with no progression in between: planned consolidation or "
                    "maintenance stays in the same line.",
                    IMWG_PANEL1_2011,
                    refs,
                )
                return self.place(False, cur, t, [r])
        active = self.active_at(cur, r.start, r.id)
        if active:
            given = frozenset().union(*(a.keys for a in active))
            new = rg.keys - given
            arefs = refs + tuple(a.rec.ref for a in active)
            anames = ", ".join(a.rec.name for a in active)
            together = [a for a in active if a.rec.start.sort_key() == r.start.sort_key()]
            if together and new:
                t = Trace(
                    "lines.same_line.started_together",
                    f"{r.name} started on {when}, the same day as "
                    f"{', '.join(a.rec.name for a in together)}: drugs started together are "
                    "one combination, same line.",
                    IMWG_LINES_2015,
                    (*refs, *(a.rec.ref for a in together)),
                )
                return self.place(False, cur, t, [r])
            if not new:
                t = Trace(
                    "lines.same_line.no_new_drug",
                    f"{r.name} from {when} adds no drug that was not already being given in "
                    f"{anames}: same line.",
                    IMWG_LINES_2015,
                    arefs,
                )
                return self.place(False, cur, t, [r])
            pds = self.progression_between(
                max((a.rec.start for a in active), key=lambda d: d.sort_key()), r.start
            )
            if pds:
                open_ended = [a.rec.name for a in active if a.rec.end is None]
                t = Trace(
                    "lines.new_line.different_regimen",
                    f"new line: {r.name} started on {when} after progression on "
                    f"{pds[-1].date.display()} while {anames} was still recorded as going on — "
                    "treated as a change of regimen, IMWG 2015 condition 1."
                    + (
                        f" Please record when {', '.join(open_ended)} stopped."
                        if open_ended
                        else ""
                    ),
                    IMWG_LINES_2015,
                    (*arefs, *(p.ref for p in pds)),
                    flags=("previous regimen has no end date",) if open_ended else (),
                )
                return self.place(True, cur, t, [r])
            if r.start_reason == ChangeReason.PLANNED.value:
                t = Trace(
                    "lines.same_line.planned_addition",
                    f"{_names(new, self.cat)} joined {anames} on {when} as planned: same line.",
                    IMWG_LINES_2015,
                    arefs,
                )
                return self.place(False, cur, t, [r])
            steroid_only = all(_is_steroid(k, self.cat) for k in new)
            t = Trace(
                "lines.new_line.unplanned_addition",
                f"new line: unplanned addition of {_names(new, self.cat)} to {anames} on {when}"
                " — IMWG 2015 condition 2"
                + (
                    ". Only a steroid was added; some clinicians do not count that as a new line."
                    if steroid_only
                    else "."
                ),
                IMWG_LINES_2015,
                arefs,
                unconfirmed=steroid_only,
                flags=(FLAG_STEROID_ONLY,) if steroid_only else (),
            )
            ln = self.place(True, cur, t, [r])
            if steroid_only:
                ln.flag(FLAG_STEROID_ONLY)
            return ln
        prev = self.last_regimen(cur, r.id)
        if prev is None or rg.keys not in (prev.keys, _keys_at_end(prev)):
            prev_txt = (
                f" after all drugs of {prev.rec.name} had stopped"
                + (f" on {prev.rec.end.display()}" if prev.rec.end else "")
                + (f" ({prev.rec.end_reason})" if prev.rec.end_reason else "")
                if prev
                else ""
            )
            t = Trace(
                "lines.new_line.different_regimen",
                f"new line: {r.name} started on {when}{prev_txt} — a different regimen after "
                "discontinuation, IMWG 2015 condition 1.",
                IMWG_LINES_2015,
                refs + ((prev.rec.ref,) if prev else ()),
            )
            return self.place(True, cur, t, [r])
        # Same drugs again.
        p = prev.rec
        gap = _days(p.end, r.start) if p.end is not None else 0
        pds = self.progression_between(p.end or p.start, r.start)
        imprecise = _imprecise(p.end, r.start)
        restart_for_disease = r.start_reason in _DISEASE_REASONS
        if pds or p.end_reason in _OBSERVATION_END or gap > HOLD_MAX_DAYS or restart_for_disease:
            why = (
                f"progression on {pds[0].date.display()}"
                if pds
                else f"{p.name} ended with '{p.end_reason}'"
                if p.end_reason in _OBSERVATION_END
                else f"restarted because of '{r.start_reason}'"
                if restart_for_disease
                else f"{gap} days off treatment (more than {HOLD_MAX_DAYS})"
            )
            t = Trace(
                "lines.new_line.restart_after_observation",
                f"new line: {r.name} restarted on {when} after a period off treatment ({why}) — "
                "treatment needed again after observation is a new line, even with the same "
                "drugs.",
                CIBMTR_LINES,
                (*refs, p.ref, *tuple(x.ref for x in pds)),
                flags=(FLAG_IMPRECISE,) if imprecise else (),
            )
            return self.place(True, cur, t, [r])
        t = Trace(
            "lines.same_line.short_hold",
            f"{r.name} resumed on {when} after a {gap}-day pause with no progression recorded: "
            f"treated as a short hold (up to {HOLD_MAX_DAYS} days), same line.",
            APP_CONVENTION,
            (*refs, p.ref),
            unconfirmed=True,
            flags=(FLAG_HOLD, FLAG_IMPRECISE) if imprecise else (FLAG_HOLD,),
        )
        ln = self.place(False, cur, t, [r])
        ln.flag(FLAG_HOLD)
        return ln

    def on_drug_added(self, rg: _Reg, idx: int, d: DrugRec, start: PartialDate, key: str) -> None:
        """``d`` joined ``rg`` after it began, on ``start`` (its own start date)."""
        r = rg.rec
        segs = self.segments.get(r.id)
        if not segs:
            return
        cur_line = segs[-1][1]
        when = start.display()
        others_active = [
            (i, o, k)
            for i, o, k in rg.drugs
            if i != idx
            and o.start is not None
            and o.start.sort_key() <= start.sort_key()
            and (o.last_dose is None or o.last_dose.sort_key() >= start.sort_key())
        ]
        if d.addition in ("planned addition",) or key in {k for _, _, k in others_active}:
            cur_line.traces.append(
                Trace(
                    "lines.same_line.planned_addition",
                    f"{d.name} joined {r.name} on {when} as planned: same line.",
                    IMWG_LINES_2015,
                    (r.ref, d.ref) if d.ref else (r.ref,),
                )
            )
            return
        substitution = d.addition == "unplanned substitution"
        replaced = None
        if substitution:
            cands = [
                (i, o, o.last_dose)
                for i, o, k in rg.drugs
                if i != idx
                and k != key
                and o.last_dose is not None
                and _days(o.last_dose, start) >= -1
            ]
            if cands:
                replaced = max(cands, key=lambda x: (x[2].sort_key(), -x[0]))[1]
        steroid = _is_steroid(key, self.cat)
        if substitution:
            what = (
                f"unplanned substitution of {replaced.name} by {d.name}"
                if replaced
                else f"unplanned substitution: {d.name} replaced another drug"
            )
            rule = "lines.new_line.unplanned_substitution"
        else:
            what = f"unplanned addition of {d.name} to {r.name}"
            rule = "lines.new_line.unplanned_addition"
        t = Trace(
            rule,
            f"new line: {what} on {when} — IMWG 2015 condition 2"
            + (
                ". Only a steroid was added; some clinicians do not count that as a new line."
                if steroid and not substitution
                else "."
            ),
            IMWG_LINES_2015,
            tuple(x for x in (r.ref, d.ref, replaced.ref if replaced else "") if x),
            unconfirmed=steroid and not substitution,
            flags=(FLAG_STEROID_ONLY,) if steroid and not substitution else (),
        )
        self.current = cur_line
        ln = self.place(True, cur_line, t, [])
        if steroid and not substitution:
            ln.flag(FLAG_STEROID_ONLY)
        label = (
            f"{r.name} with {d.name}"
            if not replaced
            else (f"{r.name} ({replaced.name} replaced by {d.name})")
        )
        ln.add_regimen(r.id, start, label)
        ln.ends.append(r.end)
        segs.append((start, ln))

    def _is_cart_record(self, rg: _Reg) -> bool:
        """A regimen whose only line-forming drug is a CAR-T product (the infusion itself)."""
        return bool(rg.keys) and all(
            (d := self.cat.get(k)) is not None and d.drug_class == "CAR-T" for k in rg.keys
        )

    def on_unit(self, u: _Unit) -> None:
        members = [rg.rec for rg in u.regimens]
        stand_in = u.proc.id < 0  # CAR-T known only from a regimen
        refs = (
            *(() if stand_in else (u.proc.ref,)),
            *[r.ref for r in members],
            *[p.ref for p in u.procs],
        )
        pdate = u.proc.date.display()
        cur = self.current
        linked = (
            self.segments[u.proc.regimen_id][-1][1]
            if u.proc.regimen_id is not None and u.proc.regimen_id in self.segments
            else None
        )
        if u.kind == "cart":
            product = _product(u.proc, self.cat)
            parts = []
            if u.procs:
                parts.append(f"leukapheresis on {u.procs[0].date.display()}")
            for rg in u.regimens:
                if self._is_cart_record(rg):
                    continue  # the infusion entered as a regimen: the procedure says it
                word = (
                    "lymphodepletion"
                    if rg.kind == "programme" or rg.rec.id in u.recognised
                    else "bridging"
                )
                name = rg.rec.name
                parts.append(
                    (name if word in name.lower() else f"{word} {name}")
                    + (
                        " (no intent recorded; counted as bridging because it started after "
                        "the leukapheresis)"
                        if rg.rec.id in u.inferred
                        else " (recognised as lymphodepletion by its drugs)"
                        if rg.rec.id in u.recognised
                        else ""
                    )
                )
            parts.append(f"infusion of {product} on {pdate}")
            if linked is not None:
                t = Trace(
                    "lines.same_line.planned_car_t",
                    f"CAR-T ({product}) on {pdate} is linked to a regimen of line "
                    f"{linked.number} as part of its plan: same line.",
                    IMWG_LINES_2015,
                    refs,
                )
                ln = self.place(False, linked, t, members)
            else:
                t = Trace(
                    "lines.new_line.car_t_programme",
                    "new line: CAR-T programme — " + ", ".join(parts) + ". Apheresis, bridging, "
                    "lymphodepletion and infusion are counted as one planned line (as in "
                    "CARTITUDE-4 / KarMMa-3; unconfirmed).",
                    RULES_DOC_12,
                    refs,
                    unconfirmed=True,
                )
                ln = self.place(True, None, t, members)
        else:
            allo = u.proc.kind == ProcedureKind.ALLO_SCT.value
            what = "allogeneic SCT" if allo else "autologous SCT"
            if self.sct_done:
                prev_p, prev_ln = self.sct_done[-1]
                gap = _days(prev_p.date, u.proc.date)
                if u.proc.planned_tandem:
                    flags = (
                        ("tandem interval longer than usual",)
                        if gap > TANDEM_USUAL_MAX_DAYS
                        else ()
                    )
                    t = Trace(
                        "lines.same_line.planned_tandem",
                        f"{what} on {pdate}, {gap} days after the transplant of "
                        f"{prev_p.date.display()}, was a planned tandem: same line "
                        "(IMWG 2015 condition 3).",
                        IMWG_LINES_2015,
                        (*refs, prev_p.ref),
                        flags=flags,
                    )
                    ln = self.place(False, prev_ln, t, members)
                    for f in flags:
                        ln.flag(f)
                else:
                    t = Trace(
                        "lines.new_line.further_sct",
                        f"new line: {what} on {pdate} is a further transplant after the one of "
                        f"{prev_p.date.display()} and not a planned tandem — each further SCT "
                        "is a new line, IMWG 2015 condition 3.",
                        IMWG_LINES_2015,
                        (*refs, prev_p.ref),
                    )
                    ln = self.place(True, None, t, members)
            elif linked is not None:
                t = Trace(
                    "lines.same_line.planned_sct",
                    f"{what} on {pdate} is linked to the plan of line {linked.number}: the "
                    "first transplant of a planned programme is part of the line.",
                    IMWG_LINES_2015,
                    refs,
                )
                ln = self.place(False, linked, t, members)
            elif cur is None:
                t = Trace(
                    "lines.new_line.first",
                    f"{what} on {pdate} is the first treatment in the journal: line 1 "
                    "(no induction recorded).",
                    IMWG_LINES_2015,
                    refs,
                    flags=("no induction recorded",),
                )
                ln = self.place(True, None, t, members)
            else:
                pds = self.progression_between(
                    min(cur.starts, key=lambda d: d.sort_key()), u.proc.date
                )
                last_end = self._last_end(cur)
                long_gap = (
                    last_end is not None and _days(last_end, u.proc.date) > FIRST_SCT_MAX_GAP_DAYS
                )
                if u.proc.planned and not pds and not long_gap:
                    t = Trace(
                        "lines.same_line.planned_sct",
                        f"{what} on {pdate} was part of the plan of line {cur.number}: the first "
                        "planned transplant belongs to the line (2015 example: induction, SCT, "
                        "consolidation, maintenance = 1 line).",
                        IMWG_LINES_2015,
                        refs,
                    )
                    ln = self.place(False, cur, t, members)
                else:
                    why = (
                        f"after progression on {pds[0].date.display()}"
                        if pds
                        else f"{_days(last_end, u.proc.date)} days after the last treatment of "
                        f"line {cur.number} (more than {FIRST_SCT_MAX_GAP_DAYS})"
                        if long_gap and last_end is not None
                        else "not part of the earlier plan"
                    )
                    t = Trace(
                        "lines.new_line.salvage_sct",
                        f"new line: {what} on {pdate} {why} — a different treatment after the "
                        "previous one, IMWG 2015 condition 1.",
                        IMWG_LINES_2015,
                        refs + tuple(p.ref for p in pds),
                        unconfirmed=long_gap and not pds,
                    )
                    ln = self.place(True, None, t, members)
            self.sct_done.append((u.proc, ln))
        label = _procedure_label(u.proc, self.cat)
        if stand_in:
            ln.starts.append(u.proc.date)
            ln.labels.append((u.proc.date.sort_key(), label))
        else:
            ln.add_procedure(u.proc, label)
            self.proc_line[u.proc.id] = ln
        for p in u.procs:
            ln.add_procedure(p, None, anchor=u.kind == "cart")
            self.proc_line[p.id] = ln
        for rg in u.regimens:
            r = rg.rec
            cart_record = u.kind == "cart" and self._is_cart_record(rg)
            ln.add_regimen(
                r.id,
                r.start,
                None if cart_record else _regimen_label(r),
                anchor=u.kind == "cart" or _is_conditioning(r),
            )
            ln.ends.append(r.end)
            self.segments.setdefault(r.id, []).append((r.start, ln))

    # -- main ------------------------------------------------------------------------------
    def run(self) -> LinesResult:
        self.classify()
        units, used = self.build_units()
        events: list[tuple[tuple, int, int, int, _Reg | _DrugAdded | _Unit]] = []
        for rid, rg in self.regs.items():
            if rid in used or rg.kind != "line":
                continue
            events.append((rg.rec.start.sort_key(), 0, rid, -1, rg))
            for i, d, k in rg.drugs:
                if (
                    d.start is not None
                    and d.start.sort_key() > rg.rec.start.sort_key()
                    and (d.addition in _UNPLANNED or d.addition == "planned addition")
                ):
                    events.append((d.start.sort_key(), 1, rid, i, _DrugAdded(rg, i, d, d.start, k)))
        for u in units:
            events.append((u.start.sort_key(), 2, u.proc.id, -1, u))
        events.sort(key=lambda e: e[:4])
        for *_, obj in events:
            if isinstance(obj, _Reg):
                self.on_regimen(obj)
            elif isinstance(obj, _DrugAdded):
                self.on_drug_added(obj.rg, obj.idx, obj.drug, obj.start, obj.key)
            else:
                self.on_unit(obj)
        self.attach_leftovers(used)
        self.within_line_traces()
        return self.result()

    def attach_leftovers(self, used: set[int]) -> None:
        """Programme regimens not tied to a transplant or CAR-T join a line, never open one."""
        for rid, rg in sorted(self.regs.items()):
            if rg.kind != "programme" or rid in used:
                continue
            r = rg.rec
            target = None
            if r.line_override is not None:
                target = self.find_line(r.line_override)
            if target is None and r.part_of_id is not None and self._root(r).id in self.segments:
                target = self.segments[self._root(r).id][-1][1]
            if target is None:
                started = [
                    ln
                    for ln in self.lines
                    if min(ln.starts, key=lambda d: d.sort_key()).sort_key() <= r.start.sort_key()
                ]
                target = max(
                    started,
                    key=lambda ln: min(ln.starts, key=lambda d: d.sort_key()).sort_key(),
                    default=None,
                )
            if target is None:
                self.not_lines.append(
                    Trace(
                        "lines.ignored.programme",
                        f"{r.name} ({r.intent or 'conditioning/lymphodepletion'}) from "
                        f"{r.start.display()} prepares a transplant or CAR-T and does not start "
                        "a line; no line was found for it.",
                        RULES_DOC_12,
                        (r.ref,),
                    )
                )
                continue
            target.traces.append(
                Trace(
                    "lines.same_line.programme_part",
                    f"{r.name} from {r.start.display()} "
                    f"({r.intent or 'conditioning, lymphodepletion or mobilisation'}) is part of "
                    f"line {target.number}; such treatment never starts a line.",
                    RULES_DOC_12,
                    (r.ref,),
                )
            )
            target.add_regimen(r.id, r.start, _regimen_label(r))
            target.ends.append(r.end)
            self.segments.setdefault(r.id, []).append((r.start, target))
            self.roles[rid] = _programme_role(r)

    def within_line_traces(self) -> None:
        """Traces for the events that do not change the line (rules doc 1.2 rows 1-4)."""
        for rid, _segs in self.segments.items():
            rg = self.regs[rid]
            r = rg.rec
            for _, d, _ in rg.drugs:
                for c in d.dose_changes:
                    lnc = self._line_for(rid, c.date)
                    if c.held:
                        rule, expl, unc = (
                            "lines.same_line.hold",
                            f"{d.name} was paused on {c.date.display()}"
                            + (f" ({c.reason})" if c.reason else "")
                            + ": a hold is not a new line (unconfirmed).",
                            True,
                        )
                    else:
                        what = "schedule" if c.schedule and c.dose is None else "dose"
                        rule, expl, unc = (
                            f"lines.same_line.{what}_change",
                            f"{d.name} {what} changed on {c.date.display()}"
                            + (f" ({c.reason})" if c.reason else "")
                            + f": a {what} change is never a new line.",
                            what == "schedule",
                        )
                    lnc.traces.append(
                        Trace(
                            rule,
                            expl,
                            CIBMTR_LINES,
                            tuple(x for x in (r.ref, d.ref) if x),
                            unconfirmed=unc,
                        )
                    )
                ends_early = d.last_dose is not None and (
                    r.end is None or d.last_dose.sort_key() < r.end.sort_key()
                )
                substituted = d.last_dose is not None and any(
                    o.addition == "unplanned substitution"
                    and o.start is not None
                    and -1 <= _days(d.last_dose, o.start) <= 7
                    for _, o, _ in rg.drugs
                )
                if substituted:
                    continue  # the substitution's own trace explains this stop
                if ends_early and d.last_dose is not None:
                    planned = d.stop_reason in (
                        ChangeReason.PLANNED.value,
                        ChangeReason.PLAN_COMPLETED.value,
                    )
                    ln = self._line_for(rid, d.last_dose)
                    ln.traces.append(
                        Trace(
                            "lines.same_line.planned_drop"
                            if planned
                            else "lines.same_line.partial_stop",
                            f"{d.name} stopped on {d.last_dose.display()}"
                            + (f" ({d.stop_reason})" if d.stop_reason else "")
                            + f" while the rest of {r.name} continued: "
                            + (
                                "a planned drop is not a new line."
                                if planned
                                else "a regimen is discontinued only when all its drugs stop, so this "
                                "is not a new line (IMWG 2015 condition 1)."
                            ),
                            IMWG_LINES_2015,
                            tuple(x for x in (r.ref, d.ref) if x),
                        )
                    )

    def _line_for(self, rid: int, when: PartialDate | None) -> _LineB:
        segs = self.segments[rid]
        if when is None:
            return segs[0][1]
        chosen = segs[0][1]
        for start, ln in segs:
            if start.sort_key() <= when.sort_key():
                chosen = ln
        return chosen

    def result(self) -> LinesResult:
        lines = []
        for ln in sorted(self.lines, key=lambda x: x.number):
            if not ln.starts:
                continue
            start = min(ln.starts, key=lambda d: d.sort_key())
            end = self._line_end(ln)
            label = " -> ".join(lbl for _, lbl in sorted(ln.labels, key=lambda x: x[0]))
            lines.append(
                Line(
                    number=ln.number,
                    start=start,
                    end=end,
                    regimen_ids=tuple(ln.regimen_ids),
                    procedure_ids=tuple(ln.procedure_ids),
                    label=label,
                    traces=tuple(ln.traces),
                    overridden=ln.overridden,
                    flags=tuple(ln.flags),
                )
            )
        regimen_line = {rid: segs[0][1].number for rid, segs in self.segments.items()}
        drug_lines: dict[tuple[int, int], tuple[int, ...]] = {}
        for rid, segs in self.segments.items():
            r = self.regs[rid].rec
            for i, d in enumerate(r.drugs):
                start = d.start or r.start
                stop = d.last_dose if d.last_dose is not None else r.end
                nums: list[int] = []
                for j, (s, ln) in enumerate(segs):
                    nxt = segs[j + 1][0] if j + 1 < len(segs) else None
                    if nxt is not None and start.sort_key() >= nxt.sort_key():
                        continue  # the drug started after this stretch of the regimen
                    if j > 0 and stop is not None and stop.sort_key() <= s.sort_key():
                        continue  # the drug had stopped by the time this stretch began
                    if ln.number not in nums:
                        nums.append(ln.number)
                drug_lines[(rid, i)] = tuple(nums)
        return LinesResult(
            lines=tuple(lines),
            regimen_line=regimen_line,
            procedure_line={pid: ln.number for pid, ln in self.proc_line.items()},
            drug_lines=drug_lines,
            traces=tuple(self.not_lines),
            regimen_roles=dict(self.roles),
        )

    def _line_end(self, ln: _LineB) -> PartialDate | None:
        ends: list[PartialDate] = []
        for rid in ln.regimen_ids:
            segs = self.segments[rid]
            idx = [j for j, (_, x) in enumerate(segs) if x is ln]
            for j in idx:
                if j + 1 < len(segs) and segs[j + 1][1] is not ln:
                    ends.append(segs[j + 1][0])
                else:
                    e = self.regs[rid].rec.end
                    if e is None:
                        return None
                    ends.append(e)
        for pid in ln.procedure_ids:
            p = next(p for p in self.h.procedures if p.id == pid)
            ends.append(procedure_date(p))
        return max(ends, key=lambda d: d.sort_key()) if ends else None


def _line_start(ln: _LineB) -> PartialDate:
    return min(ln.starts, key=lambda d: d.sort_key())


def _programme_role(r: RegimenRec) -> str:
    if r.intent in (
        RegimenIntent.CONDITIONING.value,
        RegimenIntent.LYMPHODEPLETION.value,
        RegimenIntent.MOBILISATION.value,
    ):
        return r.intent
    roles = [d.role for d in r.drugs if d.role in _PROGRAMME_ROLES]
    return roles[0] if roles else "conditioning"


def _is_conditioning(r: RegimenRec) -> bool:
    return r.intent == RegimenIntent.CONDITIONING.value or any(
        d.role == DrugRole.CONDITIONING.value for d in r.drugs
    )


def _regimen_label(r: RegimenRec) -> str:
    name = r.name
    if (
        r.intent
        in (
            RegimenIntent.MAINTENANCE.value,
            RegimenIntent.CONSOLIDATION.value,
            RegimenIntent.BRIDGING.value,
            RegimenIntent.LYMPHODEPLETION.value,
            RegimenIntent.CONDITIONING.value,
        )
        and r.intent not in name.lower()
    ):
        if r.intent == RegimenIntent.BRIDGING.value:
            return f"bridging {name}"
        return f"{name} {r.intent}"
    return name


def _product(p: ProcedureRec, cat: Catalog) -> str:
    if not p.product:
        return "CAR-T"
    d = cat.get(p.product) or cat.identify(p.product)
    return d.generic if d else p.product


def _procedure_label(p: ProcedureRec, cat: Catalog) -> str:
    if p.kind == ProcedureKind.AUTO_SCT.value:
        return "tandem ASCT" if p.planned_tandem else "ASCT"
    if p.kind == ProcedureKind.ALLO_SCT.value:
        return "allo SCT"
    if p.kind == ProcedureKind.CAR_T.value:
        return f"CAR-T ({_product(p, cat)})" if p.product else "CAR-T"
    return p.kind


def line_start_dates(result: LinesResult) -> dict[int, dt.date]:
    """Line number -> best single start day (midpoint for partial dates); for charts."""
    return {ln.number: ln.start.as_date() for ln in result.lines}
