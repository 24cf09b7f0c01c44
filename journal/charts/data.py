"""Drawing data for the timeline: rule results and records, rearranged, nothing computed.

:func:`timeline_data_from` takes a :class:`~journal.domain.records.History` and
the results of the rules (``build_summary`` output, or anything carrying the
lines of therapy and, optionally, the response assessment) and returns a
:class:`TimelineData` that the drawing code turns into artists. The lines,
the computed responses, the confirmed progressions, the nadir and the
progression thresholds all come from :mod:`journal.domain`; this module only
decides *where* they go (which lane, which row) and what the hover text says.

Every mark carries the ``ref`` of the record it shows ("regimen:3", "lab:17"),
so a click can open that record's editor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from journal.domain.dates import PartialDate
from journal.domain.event_dates import procedure_date
from journal.domain.labs import LAB_TESTS
from journal.domain.lines import Line, LinesResult
from journal.domain.records import DrugRec, History, LabRec, RegimenRec
from journal.domain.vocab import ProcedureKind
from journal.pacing import breathe

if TYPE_CHECKING:
    from journal.domain.ledger import Ledger
    from journal.domain.response import NadirStep, ResponseResult
    from journal.domain.summary import Summary
    from journal.domain.trace import Trace

# Roles drawn as bars; premedication and supportive drugs are not part of a
# line (the lines rule ignores them) and would only add noise to the lanes.
DRAWN_ROLES = ("anti-myeloma", "conditioning", "lymphodepletion", "mobilisation")

EXTRA_LABS = ("hb", "platelets", "creatinine")

EVENT_KINDS = ("transplant", "car_t", "trial", "response", "relapse_cr", "progression")


@dataclass(frozen=True)
class DoseMark:
    date: dt.date
    kind: str  # "reduced" | "increased" | "held" | "changed" | "stopped"
    tip: str
    ref: str


@dataclass(frozen=True)
class Bar:
    """One drug (or one whole regimen when a line has many drugs) on one row of a lane."""

    label: str  # drug name, or "VRd: bortezomib, lenalidomide, ..." for a regimen bar
    start: dt.date
    end: dt.date | None  # None = ongoing (drawn to `TimelineData.today` with an arrow)
    role: str
    ref: str
    tip: str
    trial: bool = False
    marks: tuple[DoseMark, ...] = ()
    approx: bool = False  # a start or end remembered only roughly ("spring 2019")


@dataclass(frozen=True)
class Row:
    label: str  # what the row shows ("lenalidomide")
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Lane:
    number: int
    label: str  # "Line 2: DKd"
    full_label: str  # untruncated, for the hover text
    start: dt.date
    end: dt.date | None
    rows: tuple[Row, ...]
    overridden: bool = False
    collapsed: bool = False  # True = one bar per regimen instead of one per drug
    regimen_ids: tuple[int, ...] = ()
    tip: str = ""


@dataclass(frozen=True)
class Event:
    kind: str  # one of EVENT_KINDS
    date: dt.date
    label: str  # short text drawn beside the marker ("VGPR", "ASCT")
    tip: str
    ref: str
    lane: int | None  # line number, None = before any line
    computed: bool = False  # True = from the rules engine, False = recorded by a person
    pending: bool = False  # computed progression still awaiting its confirming reading
    records: tuple[str, ...] = ()  # for computed marks: the lab rows the rule used


@dataclass(frozen=True)
class SideEffectSpan:
    term: str
    start: dt.date
    end: dt.date | None  # None = ongoing
    grade: int | None
    serious: bool
    ref: str
    tip: str
    short: str = ""  # the term as written on the chart ("Low neutrophils"); "" = the term

    @property
    def label(self) -> str:
        return self.short or self.term


# Chart words for the long CTCAE terms: what a doctor writes on a chart and a patient
# can read. The official term stays in the hover text.
SHORT_TERMS = {
    "peripheral sensory neuropathy": "Neuropathy (sensory)",
    "peripheral motor neuropathy": "Neuropathy (motor)",
    "neutrophil count decreased": "Low neutrophils",
    "platelet count decreased": "Low platelets",
    "lymphocyte count decreased": "Low lymphocytes",
    "white blood cell decreased": "Low white cells",
    "upper respiratory infection": "Cold / chest infection",
    "infusion related reaction": "Infusion reaction",
    "cytokine release syndrome": "CRS",
    "immune effector cell-associated neurotoxicity syndrome": "ICANS",
    "palmar-plantar erythrodysesthesia syndrome": "Hand-foot syndrome",
    "alanine aminotransferase increased": "ALT raised",
    "aspartate aminotransferase increased": "AST raised",
    "blood bilirubin increased": "Bilirubin raised",
    "creatinine increased": "Creatinine raised",
    "thromboembolic event": "Blood clot",
    "rash maculo-papular": "Rash",
    "keratopathy (belantamab)": "Keratopathy",
    "dysgeusia": "Taste change",
    "dysphagia": "Trouble swallowing",
    "pruritus": "Itching",
    "alopecia": "Hair loss",
    "dyspnea": "Breathlessness",
    "edema limbs": "Swollen limbs",
    "herpes zoster": "Shingles",
}
SHORT_TERM_CHARS = 22


def side_effect_short(term: str) -> str:
    """The term shortly, for a row label or the text on a span."""
    known = SHORT_TERMS.get(term.strip().lower())
    return known or _short(term.strip(), SHORT_TERM_CHARS)


@dataclass(frozen=True)
class LabPoint:
    date: dt.date
    value: float
    ref: str
    tip: str


@dataclass(frozen=True)
class LabSeries:
    code: str
    name: str
    unit: str
    points: tuple[LabPoint, ...]
    disease_marker: bool


@dataclass(frozen=True)
class LevelStep:
    start: dt.date
    end: dt.date
    value: float
    tip: str


@dataclass(frozen=True)
class RefLine:
    """A level the rules computed for one line and one marker: the nadir so far, or the
    value at which a reading would meet progression. A step function over time."""

    code: str  # series code the level belongs to ("m_protein", "dflc", ...)
    kind: str  # "nadir" | "threshold"
    line: int
    steps: tuple[LevelStep, ...]

    @property
    def value(self) -> float:
        """The latest level (what a reading is compared with now)."""
        return self.steps[-1].value


@dataclass(frozen=True)
class TimelineData:
    lanes: tuple[Lane, ...]
    events: tuple[Event, ...] = ()
    side_effects: tuple[SideEffectSpan, ...] = ()
    labs: tuple[LabSeries, ...] = ()
    ref_lines: tuple[RefLine, ...] = ()
    today: dt.date = field(default_factory=dt.date.today)
    title: str = ""

    def span(self) -> tuple[dt.date, dt.date]:
        """First and last day anything is drawn (today when something is ongoing)."""
        days: list[dt.date] = []
        for lane in self.lanes:
            days.append(lane.start)
            days.append(lane.end or self.today)
            for row in lane.rows:
                for bar in row.bars:
                    days += [bar.start, bar.end or self.today]
        days += [e.date for e in self.events]
        for s in self.side_effects:
            days += [s.start, s.end or self.today]
        for series in self.labs:
            days += [p.date for p in series.points]
        if not days:
            return (self.today - dt.timedelta(days=365), self.today)
        return (min(days), max(days))

    def lab_series(self, code: str) -> LabSeries:
        for series in self.labs:
            if series.code == code:
                return series
        raise KeyError(f"no lab series {code}")

    def lane(self, number: int) -> Lane:
        for lane in self.lanes:
            if lane.number == number:
                return lane
        raise KeyError(f"no lane for line {number}")


# -- the rule results the chart reads ------------------------------------------------------


@dataclass(frozen=True)
class RuleResults:
    """The part of the rules' results the timeline draws: the lines of therapy and, when
    known, the response assessment, the ledger (progressions taken from end reasons) and
    the as-of date. :func:`timeline_data_from` makes one from a ``Summary``; tests write
    one by hand to fix what "the rules returned"."""

    lines: LinesResult
    responses: ResponseResult | None = None
    ledger: Ledger | None = None
    as_of: dt.date | None = None

    @classmethod
    def of(cls, results: Summary | LinesResult | RuleResults) -> RuleResults:
        if isinstance(results, RuleResults):
            return results
        if isinstance(results, LinesResult):
            return cls(results)
        return cls(results.lines, results.responses, results.ledger, results.as_of)


def _d(p: PartialDate | None) -> dt.date | None:
    return p.as_date() if p is not None else None


def _txt(p: PartialDate | None, ongoing: str = "ongoing") -> str:
    return p.display() if p is not None else ongoing


def _dose_text(drug: DrugRec) -> str:
    parts = []
    if drug.dose is not None:
        amount = f"{drug.dose:g}"
        parts.append(f"{amount} {drug.dose_unit or ''}".strip())
    if drug.route:
        parts.append(drug.route)
    if drug.schedule:
        parts.append(drug.schedule)
    return ", ".join(parts)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _dose_marks(drug: DrugRec, regimen: RegimenRec) -> tuple[DoseMark, ...]:
    marks: list[DoseMark] = []
    previous = drug.dose
    for change in sorted(drug.dose_changes, key=lambda c: c.date.sort_key()):
        when = change.date.as_date()
        if change.held:
            kind = "held"
        elif change.dose is not None and previous is not None and change.dose < previous:
            kind = "reduced"
        elif change.dose is not None and previous is not None and change.dose > previous:
            kind = "increased"
        else:
            kind = "changed"
        dose = f"{change.dose:g} {change.dose_unit or drug.dose_unit or ''}".strip()
        words = {
            "held": "held",
            "reduced": f"reduced to {dose}",
            "increased": f"increased to {dose}",
            "changed": "schedule changed" if change.dose is None else f"dose set to {dose}",
        }[kind]
        tip = f"{drug.name} {words} on {change.date.display()}"
        if change.schedule:
            tip += f" ({change.schedule})"
        if change.reason:
            tip += f"; reason: {change.reason}"
        if change.dose is not None:
            previous = change.dose
        marks.append(DoseMark(when, kind, tip, change.ref or drug.ref or regimen.ref))
    # A drug stopped while the rest of the regimen went on is worth seeing: that
    # is how a doctor spots "lenalidomide stopped for neuropathy".
    if drug.last_dose is not None and (
        regimen.end is None or drug.last_dose.as_date() < regimen.end.as_date()
    ):
        tip = f"{drug.name} stopped on {drug.last_dose.display()}"
        if drug.stop_reason:
            tip += f"; reason: {drug.stop_reason}"
        marks.append(DoseMark(drug.last_dose.as_date(), "stopped", tip, drug.ref or regimen.ref))
    return tuple(marks)


def _approx(start: PartialDate, end: PartialDate | None) -> bool:
    return not start.is_exact_day or (end is not None and not end.is_exact_day)


def _drug_bar(drug: DrugRec, regimen: RegimenRec) -> Bar:
    start = drug.start or regimen.start
    last = drug.last_dose if drug.last_dose is not None else regimen.end
    dose = _dose_text(drug)
    tip = f"{drug.name} ({regimen.name})\n{start.display()} – {_txt(last)}"
    if dose:
        tip += f"\nDose: {dose}"
    if drug.role != "anti-myeloma":
        tip += f"\nRole: {drug.role}"
    if regimen.trial_id:
        tip += f"\nClinical trial: {regimen.trial_id}"
    return Bar(
        label=drug.name,
        start=start.as_date(),
        end=_d(last),
        role=drug.role,
        ref=regimen.ref,
        tip=tip,
        trial=bool(regimen.trial_id),
        marks=_dose_marks(drug, regimen),
        approx=_approx(start, last),
    )


def _regimen_bar(regimen: RegimenRec, drugs: Sequence[DrugRec]) -> Bar:
    names = ", ".join(d.name for d in drugs)
    tip = f"{regimen.name}: {names}\n{regimen.start.display()} – {_txt(regimen.end)}"
    if regimen.trial_id:
        tip += f"\nClinical trial: {regimen.trial_id}"
    return Bar(
        label=f"{regimen.name}: {names}",
        start=regimen.start.as_date(),
        end=_d(regimen.end),
        role="anti-myeloma",
        ref=regimen.ref,
        tip=tip,
        trial=bool(regimen.trial_id),
        approx=_approx(regimen.start, regimen.end),
    )


# -- short lane labels: what defines the line, in the words a doctor writes ------------------

# Regimens that prepare for the defining step; they stay rows inside the lane.
_PREPARING_INTENTS = ("conditioning", "mobilisation", "bridging", "lymphodepletion")
_PREPARING_ROLES = ("conditioning", "lymphodepletion", "mobilisation")
_TRANSPLANT_SHORT = {
    ProcedureKind.AUTO_SCT.value: "ASCT",
    ProcedureKind.ALLO_SCT.value: "allo-SCT",
}


def _catalog():
    from journal.domain.catalog import get_catalog

    return get_catalog()


def drug_short_name(name: str, drug_id: str | None = None, *, alone: bool = False) -> str:
    """The name a doctor writes in a line summary: "len", "dara", "cilta-cel".

    From the catalog: a CAR-T product's "-cel" name; otherwise the shortest alias
    that begins the generic name ("len" for lenalidomide). ``alone`` = the drug is
    the whole line, where the full generic name reads better than a clipped one.
    """
    cat = _catalog()
    drug = cat.get(drug_id) or cat.identify(name)
    if drug is None:
        return name
    if drug.drug_class == "CAR-T":
        cel = [a for a in drug.aliases if a.endswith("-cel")]
        return min(cel, key=len) if cel else drug.generic
    if alone:
        return drug.generic
    generic = drug.generic.lower()
    prefixes = [a for a in drug.aliases if len(a) >= 3 and generic.startswith(a.lower())]
    return min(prefixes, key=len) if prefixes else drug.generic


def _regimen_short(reg: RegimenRec, drugs: Sequence[DrugRec], alone: bool) -> str:
    cat = _catalog()
    template = cat.regimen(reg.name)
    if template is None and len(drugs) > 1:
        ids = {
            d.drug_id or (cat.identify(d.name).id if cat.identify(d.name) else d.name)
            for d in drugs
        }
        # Only a multi-drug set names a regimen; one drug alone reads better by its name.
        template = next((t for t in cat.regimens if set(t.drug_ids) == ids), None)
    if template is not None:
        text = template.abbrev
    elif len(drugs) == 1:
        text = drug_short_name(drugs[0].name, drugs[0].drug_id, alone=alone)
    elif len(reg.name) <= 16:
        text = reg.name
    else:
        text = "+".join(drug_short_name(d.name, d.drug_id) for d in drugs)
    maintenance = reg.intent == "maintenance" or "mainten" in reg.name.lower()
    return f"{text} maint." if maintenance and "maint" not in text.lower() else text


def _row_name(name: str, drug_id: str | None) -> str:
    """A drug row's name; a CAR-T product by the name doctors use ("cilta-cel (CAR-T)"),
    its 25-letter generic name would set the width of every label column."""
    if _is_car_t([DrugRec(name=name, drug_id=drug_id)]):
        return f"{drug_short_name(name, drug_id)} (CAR-T)"
    return name


def _is_car_t(drugs: Sequence[DrugRec]) -> bool:
    cat = _catalog()
    found = [cat.get(d.drug_id) or cat.identify(d.name) for d in drugs]
    return bool(found) and all(f is not None and f.drug_class == "CAR-T" for f in found)


def short_line_label(
    regimens: Sequence[RegimenRec], procedures: Sequence[Any], limit: int = 40
) -> str:
    """What defines a line, shortly: "VRd → ASCT → len maint.", "CAR-T cilta-cel".

    Built from the line's records, not by clipping the rules' label: a transplant
    stands for its conditioning, a CAR-T infusion for its bridging and
    lymphodepletion (those stay rows inside the lane), regimens go by their catalog
    abbreviation. The full wording stays in the lane's hover text.
    """
    parts: list[tuple[tuple, str]] = []
    has_transplant = any(p.kind in _TRANSPLANT_SHORT for p in procedures)
    car_t_procs = [p for p in procedures if p.kind == ProcedureKind.CAR_T.value]
    for p in procedures:
        if p.kind in _TRANSPLANT_SHORT:
            parts.append((p.date.sort_key(), _TRANSPLANT_SHORT[p.kind]))
        elif p.kind == ProcedureKind.CAR_T.value:
            product = drug_short_name(p.product, p.product) if p.product else ""
            parts.append((p.date.sort_key(), f"CAR-T {product}".strip()))
    car_t_line = bool(car_t_procs) or any(
        _is_car_t([d for d in r.drugs if d.role in DRAWN_ROLES]) for r in regimens
    )
    defining = []
    for reg in regimens:
        drugs = [d for d in reg.drugs if d.role in DRAWN_ROLES]
        preparing = reg.intent in _PREPARING_INTENTS or (
            drugs and all(d.role in _PREPARING_ROLES for d in drugs)
        )
        if _is_car_t(drugs):
            if not car_t_procs:
                parts.append(
                    (
                        reg.start.sort_key(),
                        "CAR-T " + drug_short_name(drugs[0].name, drugs[0].drug_id),
                    )
                )
            continue
        if preparing and (car_t_line or has_transplant or reg.intent == "bridging"):
            continue
        defining.append((reg, drugs))
    alone = len(defining) == 1 and not parts
    for reg, drugs in defining:
        parts.append((reg.start.sort_key(), _regimen_short(reg, drugs, alone)))
    if not parts:  # only preparation recorded (the CAR-T never happened): name what there is
        parts = [(r.start.sort_key(), r.name) for r in regimens]
    parts.sort(key=lambda p: p[0])
    texts: list[str] = []
    for _, text in parts:
        if not texts or texts[-1] != text:
            texts.append(text)
    label = " → ".join(texts) or "(no regimen)"
    if len(label) > limit:  # narrow (a printed page): the same steps, set closer
        label = "→".join(texts)
    if len(label) > limit and len(texts) > 2:
        label = f"{texts[0]} → … → {texts[-1]}"
    return _short(label, limit)


def _lane_for(date: dt.date, lanes: Sequence[Lane], today: dt.date) -> int | None:
    """The line running on ``date``, else the last line started before it."""
    best = None
    for lane in lanes:
        if lane.start <= date <= (lane.end or today):
            return lane.number
        if lane.start <= date:
            best = lane.number
    return best


def _build_lanes(
    history: History,
    lines: Sequence[Line],
    *,
    max_drug_rows: int,
    label_chars: int,
) -> list[Lane]:
    regimens = {r.id: r for r in history.regimens}
    procedures = {p.id: p for p in history.procedures}
    lanes: list[Lane] = []
    for line in sorted(lines, key=lambda ln: (ln.start.sort_key(), ln.number)):
        regs = [regimens[i] for i in line.regimen_ids if i in regimens]
        regs.sort(key=lambda r: r.start.sort_key())
        drawn = [(r, [d for d in r.drugs if d.role in DRAWN_ROLES]) for r in regs]
        names: list[str] = []
        for _, drugs in drawn:
            for d in sorted(drugs, key=lambda d: (d.start or PartialDate(1900)).sort_key()):
                if d.name not in names:
                    names.append(d.name)
        collapsed = len(names) > max_drug_rows
        if collapsed:
            rows = tuple(Row(r.name, (_regimen_bar(r, drugs),)) for r, drugs in drawn)
        else:
            by_name: dict[str, list[Bar]] = {n: [] for n in names}
            ids: dict[str, str | None] = {}
            for r, drugs in drawn:
                for d in drugs:
                    by_name[d.name].append(_drug_bar(d, r))
                    ids.setdefault(d.name, d.drug_id)
            rows = tuple(Row(_row_name(n, ids.get(n)), tuple(by_name[n])) for n in names)
        body = line.label or " + ".join(r.name for r in regs) or "(no regimen)"
        body = body.replace("->", "→")
        mark = "*" if line.overridden else ""
        full = f"Line {line.number}{mark}: {body}"
        procs = [procedures[i] for i in line.procedure_ids if i in procedures]
        short = short_line_label(regs, procs, label_chars - len(f"Line {line.number}{mark}: "))
        trials = sorted({r.trial_id for r in regs if r.trial_id})
        tip = f"{full}\n{line.start.display()} – {_txt(line.end)}"
        if trials:
            tip += "\nClinical trial: " + ", ".join(trials)
        if line.overridden:
            tip += "\n* line number set by you (your correction wins over the rule)"
        flags = line.flags
        if flags:
            tip += "\nNote: " + "; ".join(flags)
        lanes.append(
            Lane(
                number=line.number,
                label=_short(f"Line {line.number}{mark}: {short}", label_chars),
                full_label=full,
                start=line.start.as_date(),
                end=_d(line.end),
                rows=rows,
                overridden=line.overridden,
                collapsed=collapsed,
                regimen_ids=tuple(r.id for r in regs),
                tip=tip,
            )
        )
    return lanes


_PROCEDURE_EVENTS = {
    ProcedureKind.AUTO_SCT.value: ("transplant", "ASCT"),
    ProcedureKind.ALLO_SCT.value: ("transplant", "allo-SCT"),
    ProcedureKind.CAR_T.value: ("car_t", "CAR-T"),
}


def _events(
    history: History,
    results: RuleResults,
    lanes: Sequence[Lane],
    today: dt.date,
) -> list[Event]:
    events: list[Event] = []
    regimen_line = results.lines.regimen_line
    proc_line = {pid: line.number for line in results.lines.lines for pid in line.procedure_ids}

    def lane_of(date: dt.date, regimen_id: int | None = None) -> int | None:
        if regimen_id is not None and regimen_id in regimen_line:
            return regimen_line[regimen_id]
        return _lane_for(date, lanes, today)

    for p in history.procedures:
        if p.kind not in _PROCEDURE_EVENTS:
            continue
        kind, short = _PROCEDURE_EVENTS[p.kind]
        day = procedure_date(p)  # the same date the summary and the PDF print
        when = day.as_date()
        tip = f"{p.kind} on {day.display()}"
        if p.end is not None and p.end != day:
            tip += f" ({p.date.display()} – {p.end.display()})"
        if p.product:
            tip += f"\nProduct: {p.product}"
        if p.conditioning:
            tip += f"\nConditioning: {p.conditioning}"
        label = short  # a product name is long; it is in the hover text
        lane = proc_line.get(p.id) or lane_of(when, p.regimen_id)
        events.append(Event(kind, when, label, tip, p.ref, lane))

    for r in history.regimens:
        if r.trial_id:
            when = r.start.as_date()
            tip = f"Clinical trial {r.trial_id}"
            if r.trial_arm:
                tip += f", arm {r.trial_arm}"
            tip += f"\n{r.name} from {r.start.display()}"
            events.append(Event("trial", when, "trial", tip, r.ref, lane_of(when, r.id)))

    for resp in history.responses:
        when = resp.date.as_date()
        who = {"clinician": "by your doctor", "patient": "noted by you"}.get(
            resp.assessor, f"by {resp.assessor}"
        )
        tip = f"Response {resp.category} ({who}) on {resp.date.display()}"
        if resp.mrd_result:
            tip += f"\nMRD: {resp.mrd_result}"
        events.append(
            Event(
                "response",
                when,
                str(resp.category),
                tip,
                resp.ref,
                lane_of(when, resp.regimen_id),
                computed=resp.assessor == "computed",
            )
        )

    for prog in history.progressions:
        when = prog.date.as_date()
        tip = f"Progression recorded on {prog.date.display()} ({prog.kind})"
        if not prog.confirmed:
            tip += "\nnot yet confirmed"
        events.append(
            Event("progression", when, "PD", tip, prog.ref, lane_of(when, prog.regimen_id))
        )

    events += _end_reason_events(results.ledger, lane_of)
    events += _computed_events(results.responses, lane_of)
    events.sort(key=lambda e: (e.date, EVENT_KINDS.index(e.kind), e.ref))
    return events


def _records(trace: Trace | None) -> tuple[str, ...]:
    return tuple(trace.records) if trace is not None else ()


def _why(trace: Trace | None) -> str:
    text = trace.explanation if trace is not None else ""
    return f"\nWhy: {text}" if text else ""


# The response rule's parameter names -> the lab series they are drawn on.
PARAM_SERIES = {"serum": "m_protein", "urine": "urine_m_protein", "flc": "dflc", "bmpc": "bmpc"}
SERIES_NAMES = {
    "dflc": ("dFLC (involved minus uninvolved free light chain)", "mg/L"),
}


def _end_reason_events(ledger: Ledger | None, lane_of) -> list[Event]:
    """Progressions the rules took from a regimen's "why it ended" (no separate record
    was typed): drawn where the rules count them, with the rule's own explanation."""
    out: list[Event] = []
    for used in ledger.progressions if ledger is not None else ():
        ev = used.event
        if not ev.from_end_reason:
            continue
        when = ev.date.as_date()
        label = "no resp." if ev.non_response else "PD"
        tip = f"{label if ev.non_response else 'Progression'}: {used.trace.explanation}"
        out.append(Event("progression", when, label, tip, ev.ref, lane_of(when, ev.regimen_id)))
    return out


def _computed_events(rr: ResponseResult | None, lane_of) -> list[Event]:
    """Assessments, progressions and relapses the rules engine computed from labs."""
    if rr is None:
        return []
    out: list[Event] = []
    for lr in rr.lines:
        # One mark per line: the best confirmed response the rule found. Every lab
        # day's category would bury the lane in circles (SD, MR, PR, VGPR within weeks).
        best = lr.best
        if best is None or best.date is None or best.category in ("PD", "not evaluable"):
            continue
        tip = (
            f"Best response in line {lr.line}: {best.category} "
            f"(computed from your labs, confirmed) from {best.date:%d %b %Y}"
        )
        out.append(
            Event(
                "response",
                best.date,
                best.category,
                tip + _why(best.trace),
                best.ref or f"computed:response:line{lr.line}:{best.date.isoformat()}",
                lr.line,
                computed=True,
                records=_records(best.trace),
            )
        )
    for p in rr.progressions:
        tip = (
            f"Progression (computed from your labs) on {p.date:%d %b %Y}\n"
            f"{_param_name(p.parameter)}: {p.value:g}, lowest before: {p.nadir:g}"
        )
        if p.confirmed_on:
            tip += f"\nconfirmed by the reading of {p.confirmed_on:%d %b %Y}"
        out.append(
            Event(
                "progression",
                p.date,
                "PD",
                tip + _why(p.trace),
                p.ref,
                p.line,
                computed=True,
                records=_records(p.trace),
            )
        )
    for p in rr.pending_progressions:
        tip = (
            f"Possible progression on {p.date:%d %b %Y}, awaiting a confirming test\n"
            f"{_param_name(p.parameter)}: {p.value:g}, lowest before: {p.nadir:g}"
        )
        out.append(
            Event(
                "progression",
                p.date,
                "PD?",
                tip + _why(p.trace),
                p.ref,
                p.line,
                computed=True,
                pending=True,
                records=_records(p.trace),
            )
        )
    for r in rr.relapses_from_cr:
        tip = f"Relapse from complete response on {r.date:%d %b %Y}: {r.finding}"
        out.append(
            Event(
                "relapse_cr",
                r.date,
                "relapse",
                tip + _why(r.trace),
                "",  # computed from labs: no record of its own to open
                r.line,
                computed=True,
                records=_records(r.trace),
            )
        )
    return out


def _param_name(param: str) -> str:
    from journal.domain.measurable import PARAM_LABELS

    return PARAM_LABELS.get(param, param).capitalize()


def _lab_name(code: str) -> str:
    if code in SERIES_NAMES:
        return SERIES_NAMES[code][0]
    test = LAB_TESTS.get(code)
    return test.name if test else code


def _side_effects(history: History) -> list[SideEffectSpan]:
    spans = []
    for s in history.side_effects:
        grade = f"grade {s.grade} ({s.scale})" if s.grade is not None else "grade not recorded"
        tip = f"{s.term}, {grade}\n{s.onset.display()} – {_txt(s.resolved)}"
        if s.grade_source == "patient-reported":
            tip += "\npatient-reported, to be confirmed"
        if s.serious:
            tip += "\nSerious (for example needed a hospital stay)"
        if s.drugs:
            tip += "\nLinked to: " + ", ".join(s.drugs)
        spans.append(
            SideEffectSpan(
                s.term,
                s.onset.as_date(),
                _d(s.resolved),
                s.grade,
                s.serious,
                s.ref,
                tip,
                side_effect_short(s.term),
            )
        )
    spans.sort(key=lambda s: (s.start, s.ref))
    return spans


def _followed(rr: ResponseResult | None) -> list[str]:
    """Series codes of the parameters the response rule follows in any line, in IMWG order."""
    params = {p for lr in (rr.lines if rr is not None else ()) for p in lr.followed}
    return [PARAM_SERIES[p] for p in ("serum", "urine", "flc", "bmpc") if p in params]


def _dflc_series(history: History) -> LabSeries:
    # The same pairing of kappa and lambda the response rule uses, so the drawn
    # dFLC is the value the nadir and threshold refer to.
    from journal.domain.measurable import marker_series

    name, unit = SERIES_NAMES["dflc"]
    points = []
    for r in marker_series(history).flc:
        tip = f"dFLC {r.value:g} mg/L on {r.date:%d %b %Y}"
        if r.involved is not None:
            tip += f"\ninvolved ({r.involved_chain}) {r.involved:g} mg/L"
        if r.ratio is not None:
            tip += f", kappa/lambda ratio {r.ratio:.3g}"
        points.append(LabPoint(r.date, r.value, r.refs[0] if r.refs else "", tip))
    return LabSeries("dflc", name, unit, tuple(points), True)


def _involved_flc(history: History, labs: dict[str, list[LabRec]]) -> list[str]:
    chain = history.diagnosis.light_chain if history.diagnosis else "unknown"
    if chain in ("kappa", "lambda"):
        code = f"flc_{chain}"
        return [code] if labs.get(code) else []
    # Unknown light chain: show both and let the reader see which one is high.
    return [c for c in ("flc_kappa", "flc_lambda") if labs.get(c)]


def _lab_series(
    history: History, rr: ResponseResult | None, extra_labs: Sequence[str]
) -> list[LabSeries]:
    by_code: dict[str, list[LabRec]] = {}
    for lab in history.labs:
        if lab.value is not None:
            by_code.setdefault(lab.test, []).append(lab)
    wanted = _followed(rr)
    if not wanted:
        # No response assessment to ask: show the markers that have values.
        wanted = [c for c in ("m_protein", "urine_m_protein") if by_code.get(c)]
        if not wanted:
            wanted = _involved_flc(history, by_code)
    wanted += [c for c in extra_labs if by_code.get(c) and c not in wanted]
    out = []
    for code in wanted:
        if code == "dflc":
            series = _dflc_series(history)
            if series.points:
                out.append(series)
            continue
        if not by_code.get(code):
            continue
        test = LAB_TESTS.get(code)
        name = test.name if test else code
        unit = test.unit if test else ""
        points = []
        for lab in sorted(by_code[code], key=lambda x: (x.date.sort_key(), x.id)):
            tip = f"{name}: {lab.value:g} {unit} on {lab.date.display()}"
            if lab.context and lab.context != "none":
                tip += f"\n({lab.context})"
            points.append(LabPoint(lab.date.as_date(), float(lab.value), lab.ref, tip))
        out.append(LabSeries(code, name, unit, tuple(points), bool(test and test.disease_marker)))
    return out


def _ref_lines(rr: ResponseResult | None, today: dt.date) -> list[RefLine]:
    out: list[RefLine] = []
    for lr in rr.lines if rr is not None else ():
        end = lr.until or today
        by_param: dict[str, list[NadirStep]] = {}
        for step in lr.nadir_steps:
            by_param.setdefault(step.parameter, []).append(step)
        for param, steps in by_param.items():
            steps.sort(key=lambda st: st.date)
            code = PARAM_SERIES.get(param, param)
            unit = SERIES_NAMES.get(
                code, (None, LAB_TESTS[code].unit if code in LAB_TESTS else "")
            )[1]
            nadir, threshold = [], []
            for i, st in enumerate(steps):
                stop = steps[i + 1].date if i + 1 < len(steps) else max(end, st.date)
                since = f"line {lr.line}, from {st.date:%d %b %Y}"
                nadir.append(
                    LevelStep(
                        st.date,
                        stop,
                        st.nadir,
                        f"Lowest value so far (nadir): {st.nadir:g} {unit}\n"
                        f"{_lab_name(code)}, {since}",
                    )
                )
                threshold.append(
                    LevelStep(
                        st.date,
                        stop,
                        st.pd_threshold,
                        f"Progression threshold: {st.pd_threshold:g} {unit}\n"
                        f"a confirmed reading at or above this would mean progression (IMWG 2016)\n"
                        f"{_lab_name(code)}, {since}",
                    )
                )
            out.append(RefLine(code, "nadir", lr.line, tuple(nadir)))
            out.append(RefLine(code, "threshold", lr.line, tuple(threshold)))
    return out


def timeline_data_from(
    history: History,
    results: Summary | LinesResult | RuleResults,
    *,
    today: dt.date | None = None,
    extra_labs: Sequence[str] = (),
    max_drug_rows: int = 5,
    label_chars: int = 40,
    title: str = "",
) -> TimelineData:
    """Rearrange records and rule results into drawing data.

    ``results`` is what :func:`journal.domain.summary.build_summary` returns, a
    :class:`RuleResults`, or a ``LinesResult`` alone (lanes only, no computed marks).
    ``extra_labs`` adds non-disease labs, e.g. ``("hb", "platelets", "creatinine")``.
    """
    rules = RuleResults.of(results)
    today = today or rules.as_of or dt.date.today()
    lanes = _build_lanes(
        history, rules.lines.lines, max_drug_rows=max_drug_rows, label_chars=label_chars
    )
    breathe()
    events = _events(history, rules, lanes, today)
    breathe()
    side_effects = tuple(_side_effects(history))
    breathe()
    labs = tuple(_lab_series(history, rules.responses, extra_labs))
    breathe()
    return TimelineData(
        lanes=tuple(lanes),
        events=tuple(events),
        side_effects=side_effects,
        labs=labs,
        ref_lines=tuple(_ref_lines(rules.responses, today)),
        today=today,
        title=title,
    )
