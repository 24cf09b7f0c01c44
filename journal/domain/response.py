"""IMWG 2016 response and progression computed from the entered labs.

One function, :func:`compute_responses`, used by every screen, chart, summary
and PDF. For each line of therapy it fixes the baseline (the last value of each
disease marker on or before the line's start, within :data:`LOOKBACK_DAYS`),
decides which parameters are followed (see :mod:`journal.domain.measurable`),
then classifies every later assessment date up to the next line:
sCR / CR / VGPR / PR / MR / SD, or PD against the nadir.

Conventions (rules doc section 3, where it says "(unconfirmed)"):

* An assessment date is any day on which a followed parameter (or, for serum/urine
  disease, an immunofixation) was measured. At each date the last value of each
  parameter since the line started is used, so a marrow result need not be repeated.
* A category is **confirmed** by two consecutive assessments at that level or better;
  the best confirmed response is dated at the first of the pair.
* Progression is **confirmed** when the next reading of the same parameter still meets
  the PD criteria against the same nadir; the PD date is the **first** of the pair.
  A marrow-only progression needs no repeat. A single reading that meets PD without a
  repeat yet is reported as "awaiting confirmation", never as PD.
* The nadir is the lowest value since (and including) the baseline, up to the reading
  before the one being judged.
* Downgrade rule: the category is the best level whose criteria are all met; the trace
  names the criteria of the level above that were missing.
* Relapse from CR (reappearing M-protein by IFE/SPEP, or marrow plasma cells ≥ 5%
  after a confirmed CR) is reported apart; it is not PD.

Clinician- and patient-entered responses (``history.responses``) are never changed:
they are returned beside the computed ones.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from journal.domain.dates import PartialDate, day_text
from journal.domain.events import ProgressionEvent, progression_events
from journal.domain.frozen import slot_init
from journal.domain.measurable import (
    LOOKBACK_DAYS,
    MEASURABLE_VARIANTS,
    PARAM_LABELS,
    MarkerSeries,
    MeasurableStatus,
    Reading,
    day,
    fmt,
    ge,
    gt,
    is_measurable,
    marker_series,
    measurable_all_variants,
    measurable_disease,
    ratio_abnormal,
)
from journal.domain.records import History, ResponseRec
from journal.domain.trace import APP_CONVENTION, IMWG_RESPONSE_2016, Trace
from journal.domain.vocab import ResponseCategory, response_rank

UNITS = {"serum": "g/dL", "urine": "mg/24h", "flc": "mg/L", "bmpc": "%"}

#: Category by its text (a member hashes and compares as its text, so a member finds
#: itself too): ``RC(text)`` builds the lookup anew each time, thousands of times here.
_RC: dict[str, ResponseCategory] = {c.value: c for c in ResponseCategory}
RC = ResponseCategory


def _r(v: float | None) -> float | None:
    """JSON value without float noise from unit conversion (108.89999999999999 -> 108.9)."""
    return None if v is None else round(v, 6)


class LineLike(Protocol):
    number: int
    start: PartialDate
    end: PartialDate | None
    regimen_ids: Sequence[int]


@dataclass(frozen=True)
class NoLine:
    """Stands for "no line recorded yet" (number 0) so labs alone can be read."""

    number: int
    start: PartialDate
    end: PartialDate | None = None
    regimen_ids: tuple[int, ...] = ()


# --------------------------------------------------------------------------- results
@slot_init
@dataclass(frozen=True, slots=True)
class Assessment:
    date: dt.date
    line: int
    category: str  # ResponseCategory value
    confirmed: bool
    values: dict[str, float]  # parameter -> value used
    changes: dict[str, float]  # parameter -> % change from baseline (negative = fall)
    trace: Trace

    @property
    def ref(self) -> str:
        return f"computed:response:line{self.line}:{self.date.isoformat()}"

    def to_json(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "line": self.line,
            "category": self.category,
            "confirmed": self.confirmed,
            "values": {k: _r(v) for k, v in self.values.items()},
            "change_from_baseline_percent": {k: round(v, 1) for k, v in self.changes.items()},
            "computed": True,
            "ref": self.ref,
            "trace": self.trace.to_json(),
        }


@dataclass(frozen=True)
class Progression:
    date: dt.date  # first of the confirming pair
    line: int
    parameter: str
    value: float
    nadir: float
    confirmed_on: dt.date | None  # second reading; None while awaiting confirmation
    confirmed: bool
    trace: Trace

    @property
    def ref(self) -> str:
        return f"computed:progression:line{self.line}:{self.date.isoformat()}"

    def to_json(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "line": self.line,
            "parameter": self.parameter,
            "value": _r(self.value),
            "nadir": _r(self.nadir),
            "confirmed": self.confirmed,
            "confirmed_on": self.confirmed_on.isoformat() if self.confirmed_on else None,
            "computed": True,
            "ref": self.ref,
            "trace": self.trace.to_json(),
        }


@dataclass(frozen=True)
class RelapseFromCR:
    date: dt.date
    line: int
    finding: str
    trace: Trace

    def to_json(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "line": self.line,
            "finding": self.finding,
            "computed": True,
            "trace": self.trace.to_json(),
        }


@slot_init
@dataclass(frozen=True, slots=True)
class NadirStep:
    """From ``date`` on, a reading at or above ``pd_threshold`` would meet PD (for charts)."""

    parameter: str
    date: dt.date
    nadir: float
    pd_threshold: float

    def to_json(self) -> dict:
        return {
            "parameter": self.parameter,
            "date": self.date.isoformat(),
            "nadir": _r(self.nadir),
            "pd_threshold": _r(self.pd_threshold),
        }


@slot_init
@dataclass(frozen=True, slots=True)
class BestResponse:
    category: str
    date: dt.date | None
    confirmed: bool
    trace: Trace | None = None
    ref: str | None = None

    def to_json(self) -> dict:
        return {
            "category": self.category,
            "date": self.date.isoformat() if self.date else None,
            "confirmed": self.confirmed,
            "ref": self.ref,
            "computed": bool(self.ref and self.ref.startswith("computed:")),
            "overridden": bool(self.trace and self.trace.overridden_by),
            "trace": self.trace.to_json() if self.trace else None,
        }


@slot_init
@dataclass(frozen=True, slots=True)
class LineResponse:
    line: int
    start: dt.date
    until: dt.date | None  # the next line's start day (None = still current)
    baseline: MeasurableStatus
    followed: tuple[str, ...]
    assessments: tuple[Assessment, ...]
    best: BestResponse | None  # best confirmed computed response
    best_unconfirmed: BestResponse | None
    clinician: tuple[ResponseRec, ...]  # entered responses for this line, untouched
    best_clinician: BestResponse | None
    progression: Progression | None  # first confirmed PD in the line
    pending_progression: Progression | None
    relapses_from_cr: tuple[RelapseFromCR, ...]
    nadir: dict[str, float]
    nadir_steps: tuple[NadirStep, ...]
    trace: Trace
    best_patient: BestResponse | None = None  # best patient-reported response, kept apart
    #: the best response the rules use (computed, entered by the care team, or yours)
    best_used: BestResponse | None = None
    #: set when the labs and the care team's record disagree: says which one is used
    disagreement: Trace | None = None

    def to_json(self) -> dict:
        return {
            "line": self.line,
            "start": self.start.isoformat(),
            "until": self.until.isoformat() if self.until else None,
            "baseline": self.baseline.to_json(),
            "followed": list(self.followed),
            "assessments": [a.to_json() for a in self.assessments],
            "best_computed": self.best.to_json() if self.best else None,
            "best_computed_unconfirmed": (
                self.best_unconfirmed.to_json() if self.best_unconfirmed else None
            ),
            "best_clinician": self.best_clinician.to_json() if self.best_clinician else None,
            "best_patient": self.best_patient.to_json() if self.best_patient else None,
            "best_used": self.best_used.to_json() if self.best_used else None,
            "response_disagreement": (
                {"computed": True, "trace": self.disagreement.to_json()}
                if self.disagreement
                else None
            ),
            "clinician_responses": [_resp_json(r) for r in self.clinician],
            "progression": self.progression.to_json() if self.progression else None,
            "pending_progression": (
                self.pending_progression.to_json() if self.pending_progression else None
            ),
            "relapses_from_cr": [r.to_json() for r in self.relapses_from_cr],
            "nadir": {k: _r(v) for k, v in self.nadir.items()},
            "nadir_steps": [s.to_json() for s in self.nadir_steps],
            "computed": True,
            "trace": self.trace.to_json(),
        }


def _resp_json(r: ResponseRec) -> dict:
    return {
        "date": r.date.to_iso(),
        "date_display": r.date.display(),
        "category": r.category,
        "assessor": r.assessor,
        "regimen_id": r.regimen_id,
        "mrd_result": r.mrd_result,
        "mrd_method": r.mrd_method,
        "mrd_sensitivity": r.mrd_sensitivity,
        "ref": r.ref,
        "computed": False,
    }


@dataclass(frozen=True)
class ResponseResult:
    variant: str
    as_of: dt.date
    lines: tuple[LineResponse, ...]
    progressions: tuple[Progression, ...]  # confirmed, all lines, by date
    pending_progressions: tuple[Progression, ...]
    relapses_from_cr: tuple[RelapseFromCR, ...]
    latest: Assessment | None
    latest_clinician: ResponseRec | None
    current_measurable: MeasurableStatus
    measurable_by_variant: dict[str, MeasurableStatus] = field(default_factory=dict)

    def line(self, number: int) -> LineResponse | None:
        return next((lr for lr in self.lines if lr.line == number), None)

    def ledger_responses(self) -> list[tuple[PartialDate, ResponseCategory, str]]:
        """Computed (confirmed) assessments plus every entered response, for the ledger.
        A best response a person set (override) is passed too, dated at the best's date."""
        out: list[tuple[PartialDate, ResponseCategory, str]] = []
        for lr in self.lines:
            if lr.best is not None and lr.best.ref and lr.best.ref.startswith("override:"):
                when = lr.best.date or lr.start
                out.append((PartialDate.from_date(when), _RC[lr.best.category], lr.best.ref))
            for a in lr.assessments:
                if a.confirmed and a.category != RC.PD:
                    out.append((PartialDate.from_date(a.date), _RC[a.category], a.ref))
            for r in lr.clinician:
                if r.category in _RC and r.category != RC.NE:
                    out.append((r.date, _RC[r.category], r.ref))
        return out

    def ledger_progressions(self, history: History) -> list[ProgressionEvent]:
        """Computed confirmed progressions, entered ones and the end reasons that state a
        progression no other record stands for (events.py), for the ledger."""
        return progression_events(
            history, [(PartialDate.from_date(p.date), p.ref) for p in self.progressions]
        )


# --------------------------------------------------------------------------- helpers
@dataclass(frozen=True)
class PdCriterion:
    """IMWG 2016 progression from the nadir for one disease marker: a rise of at least
    ``relative`` x |nadir| and at least (``strict``: more than) ``absolute``; for a
    high nadir (``high_nadir`` or more) a rise of ``high_rise`` alone is enough."""

    relative: float
    absolute: float
    text: str
    strict: bool = False
    high_nadir: float | None = None
    high_rise: float | None = None
    high_text: str = ""

    def is_high(self, nadir: float) -> bool:
        return self.high_nadir is not None and ge(nadir, self.high_nadir)


#: The one table of IMWG progression criteria (Kumar et al., Lancet Oncol 2016, table 3);
#: the threshold drawn on the chart, the test and the words in "Why?" all read it.
PD_CRITERIA: dict[str, PdCriterion] = {
    "serum": PdCriterion(
        0.25,
        0.5,
        "a rise of at least 25% from the nadir and at least 0.5 g/dL",
        high_nadir=5.0,
        high_rise=1.0,
        high_text="a rise of at least 1 g/dL is enough when the nadir was 5 g/dL or more",
    ),
    "urine": PdCriterion(
        0.25, 200.0, "a rise of at least 25% from the nadir and at least 200 mg/24h"
    ),
    "flc": PdCriterion(
        0.25,
        100.0,
        "a rise in dFLC of at least 25% from the nadir and more than 100 mg/L (10 mg/dL)",
        strict=True,
    ),
    "bmpc": PdCriterion(
        0.0, 10.0, "a rise of at least 10 percentage points in bone-marrow plasma cells"
    ),
}


def _pd_threshold(param: str, nadir: float) -> float:
    c = PD_CRITERIA[param] if param in PD_CRITERIA else PD_CRITERIA["bmpc"]
    if c.is_high(nadir) and c.high_rise is not None:  # a high nadir comes with its rise
        return nadir + c.high_rise
    return nadir + max(c.relative * abs(nadir), c.absolute)


def _meets_pd(param: str, value: float, nadir: float) -> bool:
    c = PD_CRITERIA[param] if param in PD_CRITERIA else PD_CRITERIA["bmpc"]
    inc = value - nadir
    if c.is_high(nadir) and c.high_rise is not None and ge(inc, c.high_rise):
        return True
    enough = gt(inc, c.absolute) if c.strict else ge(inc, c.absolute)
    return ge(inc, c.relative * abs(nadir)) and enough


def _pd_rule_text(param: str, nadir: float) -> str:
    c = PD_CRITERIA[param] if param in PD_CRITERIA else PD_CRITERIA["bmpc"]
    return c.high_text if c.is_high(nadir) else c.text


def _latest(readings: Sequence[Reading], lo: dt.date, hi: dt.date) -> Reading | None:
    """The last reading dated lo..hi. Readings are in date order; a binary search, as
    this is asked once per assessment date (a scan made long histories quadratic)."""
    i = bisect.bisect_right(readings, hi, key=_reading_date)
    if i and readings[i - 1].date >= lo:
        return readings[i - 1]
    return None


# The keys of the binary searches, in C (attrgetter, itemgetter): each search calls its key
# a dozen times, and a Python function there was a tenth of the searches' time.
_reading_date: Callable[[Reading], dt.date] = operator.attrgetter("date")


_T = TypeVar("_T")


_row_date: Callable[[tuple[dt.date, str, str]], dt.date] = operator.itemgetter(0)


def _latest_q(rows, lo: dt.date, hi: dt.date):
    """The last (day, text, ref) row dated lo..hi; rows are in date order (binary search)."""
    i = bisect.bisect_right(rows, hi, key=_row_date)
    if i and rows[i - 1][0] >= lo:
        return tuple(rows[i - 1])
    return None


def _between(rows: Sequence[_T], lo: dt.date, hi: dt.date, key=_reading_date) -> Sequence[_T]:
    """The rows dated lo..hi (rows in date order): a slice found by binary search, so a
    line or an assessment day reads only its own stretch of a long history."""
    return rows[bisect.bisect_left(rows, lo, key=key) : bisect.bisect_right(rows, hi, key=key)]


def _fall(baseline: float, value: float) -> float:
    """Percent fall from baseline (positive = lower)."""
    if baseline == 0:
        return 0.0
    return (baseline - value) / baseline * 100.0


def _d(x: dt.date) -> str:
    return day_text(x)


# --------------------------------------------------------------------------- categories
def _classify(
    followed: tuple[str, ...],
    base: dict[str, Reading],
    cur: dict[str, Reading],
    series: MarkerSeries,
    lo: dt.date,
    at: dt.date,
    emd: str | None = None,
) -> tuple[str, list[str], list[str]]:
    """Best level whose criteria are all met (the downgrade rule), with reasons.

    Returns (category, facts, missing-for-next-level).
    """
    facts: list[str] = []
    fall = {p: _fall(base[p].value, cur[p].value) for p in followed if p in cur and p in base}
    for p in followed:
        if p in cur:
            facts.append(
                f"{PARAM_LABELS[p]} {fmt(cur[p].value, UNITS[p])} "
                f"(baseline {fmt(base[p].value, UNITS[p])}, fall {fall[p]:.0f}%)"
            )
        else:
            facts.append(f"no {PARAM_LABELS[p]} measured since the line started")

    def have(p: str) -> bool:
        return p in fall

    sp = [p for p in followed if p in ("serum", "urine")]
    urine_any = _latest(series.urine, lo, at)
    missing: dict[str, list[str]] = {}

    # MR
    mr_ok = bool(sp)
    if sp:
        if "serum" in sp:
            mr_ok &= have("serum") and ge(fall["serum"], 25.0)
        if "urine" in sp:
            mr_ok &= have("urine") and ge(fall["urine"], 50.0)
    # PR
    pr_ok, pr_missing = True, []
    if sp:
        if "serum" in sp and not (have("serum") and ge(fall["serum"], 50.0)):
            pr_ok = False
            pr_missing.append("serum M-protein fall of 50% or more")
        if "urine" in sp and not (
            have("urine") and (ge(fall["urine"], 90.0) or cur["urine"].value < 200.0)
        ):
            pr_ok = False
            pr_missing.append("urine M-protein fall of 90% or more, or below 200 mg/24h")
    elif followed == ("flc",):
        if not (have("flc") and ge(fall["flc"], 50.0)):
            pr_ok = False
            pr_missing.append("dFLC fall of 50% or more")
    elif followed == ("bmpc",):
        if base["bmpc"].value < 30.0:
            pr_ok = False
            pr_missing.append("baseline marrow plasma cells of 30% or more")
        elif not (have("bmpc") and ge(fall["bmpc"], 50.0)):
            pr_ok = False
            pr_missing.append("marrow plasma-cell fall of 50% or more")
    else:
        pr_ok = False
    missing["PR"] = pr_missing
    # VGPR
    vgpr_ok, vgpr_missing = pr_ok, []
    if sp:
        if "serum" in sp and not (
            have("serum") and (ge(fall["serum"], 90.0) or cur["serum"].value <= 0.0)
        ):
            vgpr_ok = False
            vgpr_missing.append("serum M-protein fall of 90% or more (or not seen on SPEP)")
        if ("urine" in sp or urine_any is not None) and not (
            urine_any is not None and urine_any.value < 100.0
        ):
            vgpr_ok = False
            vgpr_missing.append("urine M-protein below 100 mg/24h")
    elif followed == ("flc",):
        if not (have("flc") and ge(fall["flc"], 90.0)):
            vgpr_ok = False
            vgpr_missing.append("dFLC fall of 90% or more")
    else:
        vgpr_ok = False
    missing["VGPR"] = vgpr_missing
    # CR
    cr_missing = []
    s_ife = _latest_q(series.serum_ife, lo, at)
    u_ife = _latest_q(series.urine_ife, lo, at)
    bm = _latest(series.bmpc, lo, at)
    ratio = _latest(series.ratio, lo, at)
    if not (s_ife and s_ife[1] == "negative"):
        cr_missing.append("negative serum immunofixation")
    if not (u_ife and u_ife[1] == "negative"):
        cr_missing.append("negative urine immunofixation")
    if not (bm and bm.value < 5.0):
        cr_missing.append("bone-marrow plasma cells below 5%")
    if followed == ("flc",) and not (ratio and ratio_abnormal(ratio.value) is False):
        cr_missing.append("normal kappa/lambda ratio")
    if followed == ("bmpc",):
        cr_missing.append("a followed serum, urine or FLC parameter")
    if emd:
        cr_missing.append(f"disappearance of soft-tissue plasmacytomas ({emd} still recorded)")
    cr_ok = not cr_missing and (vgpr_ok or followed == ("flc",) or bool(sp))
    missing["CR"] = cr_missing
    # sCR
    scr_missing = []
    clon = _latest_q(series.clonality, lo, at)
    if not (ratio and ratio_abnormal(ratio.value) is False):
        scr_missing.append("normal kappa/lambda ratio")
    if not (clon and clon[1] == "polyclonal"):
        scr_missing.append("no clonal plasma cells in the marrow (IHC)")
    missing["sCR"] = scr_missing
    scr_ok = cr_ok and not scr_missing

    if s_ife:
        facts.append(f"serum immunofixation {s_ife[1]} ({_d(s_ife[0])})")
    if u_ife:
        facts.append(f"urine immunofixation {u_ife[1]} ({_d(u_ife[0])})")
    if bm and "bmpc" not in followed:
        facts.append(f"marrow plasma cells {fmt(bm.value, '%')} ({_d(bm.date)})")

    if scr_ok:
        return RC.SCR, facts, []
    if cr_ok:
        return RC.CR, facts, missing["sCR"]
    if vgpr_ok:
        return RC.VGPR, facts, missing["CR"]
    if pr_ok:
        return RC.PR, facts, missing["VGPR"]
    if mr_ok:
        return RC.MR, facts, missing["PR"]
    return RC.SD, facts, missing["PR"] if sp or followed else []


# --------------------------------------------------------------------------- per line
def _line_period(
    lines: Sequence[LineLike], as_of: dt.date
) -> list[tuple[LineLike, dt.date, dt.date]]:
    """(line, start day, last day) per line. A line's last day is the next line's start day:
    a reading taken that day is drawn before the new treatment, so it still tells how the
    old line ended (it can confirm a progression) and is also the new line's baseline."""
    ordered = sorted(lines, key=lambda ln: (ln.start.sort_key(), ln.number))
    out = []
    for i, ln in enumerate(ordered):
        start = day(ln.start)
        nxt = day(ordered[i + 1].start) if i + 1 < len(ordered) else as_of
        out.append((ln, start, min(max(nxt, start), as_of)))
    return out


def _assess_line(
    history: History,
    number: int,
    start: dt.date,
    until: dt.date,
    series: MarkerSeries,
    variant: str,
    lookback_days: int,
    recorded_cr: Sequence[ResponseRec] = (),
) -> LineResponse:
    baseline = measurable_disease(
        history, start, variant=variant, lookback_days=lookback_days, series=series
    )
    followed = baseline.followed
    base = {p: baseline.baseline[p] for p in followed if p in baseline.baseline}
    lo = start + dt.timedelta(days=1)
    # PD parameters: serum and urine whenever read; dFLC only for FLC-only disease;
    # marrow only when nothing else is followed (rules doc 3.3).
    pd_params = ["serum", "urine"]
    if followed == ("flc",):
        pd_params.append("flc")
    if followed == ("bmpc",):
        pd_params.append("bmpc")

    days = set()
    for p in followed:
        days |= {r.date for r in _between(series.of(p), lo, until)}
    if any(p in ("serum", "urine") for p in followed):
        for rows in (series.serum_ife, series.urine_ife):
            days |= {d for d, _, _ in _between(rows, lo, until, _row_date)}
    # The line's readings of each PD parameter by day (the later row of a day wins).
    on_day: dict[str, dict[dt.date, Reading]] = {
        p: {r.date: r for r in _between(series.of(p), lo, until)} for p in pd_params
    }
    for p in pd_params:
        days |= on_day[p].keys()
    assessment_days = sorted(days)

    nadir: dict[str, float] = {}
    nadir_src: dict[str, Reading] = {}
    steps: list[NadirStep] = []
    b: Reading | Assessment | None  # names reused below: a baseline reading, then assessments
    r: ResponseRec | Reading | None
    for p in pd_params:
        b = baseline.baseline.get(p)
        if b is not None and (p in followed or p in ("serum", "urine")):
            nadir[p] = b.value
            nadir_src[p] = b
            steps.append(NadirStep(p, b.date, b.value, _pd_threshold(p, b.value)))

    assessments: list[Assessment] = []
    pending: dict[str, tuple[Reading, float]] = {}  # param -> (first PD reading, nadir)
    progression: Progression | None = None
    relapses: list[RelapseFromCR] = []
    in_cr_since: dt.date | None = None
    cr_relapsed = False
    nadir_why: dict[str, str] = {}

    # Evidence of M-protein 0 (issue 9 item 1): a CR/sCR recorded by the care team means
    # no M-protein in serum or urine, a negative immunofixation none in that fluid. From
    # that day it is the nadir for progression (IMWG 2016: +25 % and +0.5 g/dL from the
    # lowest response value), even with no baseline reading, and a CR arms relapse-from-CR.
    zero: list[tuple[dt.date, tuple[str, ...], str, bool]] = []
    for r in recorded_cr:
        zero.append(
            (day(r.date), ("serum", "urine"), f"{r.category} recorded on {r.date.display()}", True)
        )
    for rows, fluid in ((series.serum_ife, "serum"), (series.urine_ife, "urine")):
        for dd, text, _ in _between(rows, lo, until, _row_date):
            if text == "negative":
                zero.append((dd, (fluid,), f"negative {fluid} immunofixation on {_d(dd)}", False))
    zero.sort(key=lambda z: z[0])
    zero_done: set[int] = set()

    def apply_zero(upto: dt.date, strict: bool) -> None:
        nonlocal in_cr_since
        for i, (zd, params, why, is_cr) in enumerate(zero):
            if i in zero_done or (zd >= upto if strict else zd > upto):
                continue
            zero_done.add(i)
            if is_cr and in_cr_since is None:
                in_cr_since = zd
            for p in params:
                if p not in pd_params or (p in nadir and nadir[p] <= 0.0) or not series.of(p):
                    continue  # a fluid never measured needs no nadir (nor a chart step)
                nadir[p] = 0.0
                nadir_why[p] = why
                steps.append(NadirStep(p, zd, 0.0, _pd_threshold(p, 0.0)))

    # With nothing followed no category can be given, but a serum or urine rise can still
    # meet the progression thresholds, so those readings are still walked.

    for d in assessment_days:
        apply_zero(d, strict=True)
        today = {p: on_day[p][d] for p in pd_params if d in on_day[p]}
        # Progression first: it overrides any response level.
        confirmed_now: Progression | None = None
        for p in pd_params:
            r = today.get(p)
            if r is None or p not in nadir:
                continue
            if p in pending:
                first, n0 = pending.pop(p)
                if _meets_pd(p, r.value, n0):
                    confirmed_now = confirmed_now or _progression(
                        number, p, first, n0, r, nadir_why.get(p)
                    )
                    continue
            if _meets_pd(p, r.value, nadir[p]):
                if p == "bmpc":
                    # Marrow results need not be repeated (rules doc 3.3, unconfirmed).
                    confirmed_now = confirmed_now or _progression(
                        number, p, r, nadir[p], r, nadir_why.get(p)
                    )
                else:
                    pending[p] = (r, nadir[p])
        if confirmed_now is not None:
            progression = confirmed_now
            for i, a in enumerate(assessments):
                if a.date >= progression.date:
                    assessments[i] = _pd_assessment(number, a.date, progression, True)
            assessments.append(_pd_assessment(number, d, progression, True))
            break

        cur = {}
        for p in followed:
            r = _latest(series.of(p), lo, d)
            if r is not None:
                cur[p] = r
        if pending:
            p, (first, n0) = sorted(pending.items())[0]
            pend = _progression(number, p, first, n0, None, nadir_why.get(p))
            assessments.append(_pd_assessment(number, d, pend, False))
        elif followed:
            cat, facts, missing = _classify(
                followed, base, cur, series, lo, d, _open_plasmacytoma(history, d)
            )
            changes = {
                p: -_fall(base[p].value, cur[p].value) for p in followed if p in cur and p in base
            }
            rc = _RC[cat]
            text = f"{rc.value} on {_d(d)}: " + "; ".join(facts)
            if missing:
                text += ". Not the next level up because it lacks: " + ", ".join(missing)
            refs = tuple(ref for r in cur.values() for ref in r.refs)
            assessments.append(
                Assessment(
                    d,
                    number,
                    rc.value,
                    False,
                    {p: r.value for p, r in cur.items()},
                    changes,
                    Trace(
                        f"response.imwg2016.{rc.name.lower()}",
                        text + ".",
                        IMWG_RESPONSE_2016,
                        refs,
                        flags=(("downgraded",) if missing and cat != RC.SD else ())
                        + (
                            ("incomplete: a followed parameter was not measured",)
                            if any(p not in cur for p in followed)
                            else ()
                        ),
                    ),
                )
            )
        # Relapse from CR: only after a confirmed CR, and kept apart from PD.
        if in_cr_since is not None and not cr_relapsed:
            finding = _cr_relapse_finding(series, d)
            if finding:
                cr_relapsed = True
                relapses.append(
                    RelapseFromCR(
                        d,
                        number,
                        finding,
                        Trace(
                            "response.relapse_from_cr",
                            f"Relapse from complete response on {_d(d)}: {finding}. "
                            "This counts for disease-free survival only; it is not "
                            "progression (PD) unless the PD thresholds are also met.",
                            IMWG_RESPONSE_2016,
                        ),
                    )
                )
        if in_cr_since is None and len(assessments) >= 2:
            a, b = assessments[-2], assessments[-1]
            if response_rank(a.category) <= 1 and response_rank(b.category) <= 1:
                in_cr_since = a.date
        # Update nadirs after judging today's readings.
        apply_zero(d, strict=False)
        for p, r in today.items():
            if (p in nadir and r.value < nadir[p]) or p not in nadir:
                nadir[p] = r.value
                nadir_src[p] = r
                steps.append(NadirStep(p, r.date, r.value, _pd_threshold(p, r.value)))

    assessments = _confirm(assessments)
    best, best_unconf = _best(assessments)
    pending_prog = None
    if progression is None and pending:
        p, (first, n0) = sorted(pending.items())[0]
        pending_prog = _progression(number, p, first, n0, None, nadir_why.get(p))

    explanation = f"Line {number} baseline: {baseline.trace.explanation}"
    if not followed:
        explanation += " No response can be computed for this line."
        others = [
            name
            for name in MEASURABLE_VARIANTS
            if name != variant
            and is_measurable(
                history, start, variant=name, lookback_days=lookback_days, series=series
            )
        ]
        if others:
            explanation += " It would be measurable under: " + ", ".join(others) + "."
    else:
        explanation += f" Followed: {', '.join(PARAM_LABELS[p] for p in followed)}."
    trace = Trace(
        "response.imwg2016.line",
        explanation,
        IMWG_RESPONSE_2016,
        baseline.trace.records,
        unconfirmed=True,
        flags=(f"baseline = last value within {lookback_days} days before the line start",),
    )
    return LineResponse(
        number,
        start,
        until,
        baseline,
        followed,
        tuple(assessments),
        best,
        best_unconf,
        (),
        None,
        progression,
        pending_prog,
        tuple(relapses),
        {p: v for p, v in nadir.items()},
        tuple(steps),
        trace,
    )


def _open_plasmacytoma(history: History, d: dt.date) -> str | None:
    """An extramedullary plasmacytoma recorded on or before ``d`` and not resolved by then."""
    for f in sorted(history.features, key=lambda f: f.ref):
        if f.flag != "extramedullary disease" or (f.date is not None and day(f.date) > d):
            continue
        if f.resolved is None or day(f.resolved) > d:
            return "extramedullary disease" + (f" ({f.site})" if f.site else "")
    return None


def _cr_relapse_finding(series: MarkerSeries, d: dt.date) -> str | None:
    for rows, label in ((series.serum_ife, "serum"), (series.urine_ife, "urine")):
        for _day, text, _ in _between(rows, d, d, _row_date):
            if text == "positive":
                return f"{label} immunofixation positive again"
    for r in _between(series.serum, d, d):
        if r.value > 0:
            return f"serum M-protein {fmt(r.value, 'g/dL')} seen again"
    for r in _between(series.urine, d, d):
        if r.value > 0:
            return f"urine M-protein {fmt(r.value, 'mg/24h')} seen again"
    for r in _between(series.bmpc, d, d):
        if ge(r.value, 5.0):
            return f"bone-marrow plasma cells {fmt(r.value, '%')} (5% or more)"
    return None


def _progression(
    line: int,
    p: str,
    first: Reading,
    nadir: float,
    second: Reading | None,
    why: str | None = None,
) -> Progression:
    unit = UNITS[p]
    zero_from = f" ({why}: no M-protein, so the nadir is 0)" if why and nadir <= 0.0 else ""
    if second is not None and second is not first:
        how = (
            f"confirmed by the next reading {fmt(second.value, unit)} on {_d(second.date)}; "
            "the PD date is the first of the two"
        )
    elif second is first:
        how = "a bone-marrow result need not be repeated"
    else:
        how = "awaiting a second reading to confirm"
    refs = first.refs + (second.refs if second is not None and second is not first else ())
    return Progression(
        first.date,
        line,
        p,
        first.value,
        nadir,
        second.date if second is not None else None,
        second is not None,
        Trace(
            f"response.pd.{p}",
            f"Progression by {PARAM_LABELS[p]}: {fmt(first.value, unit)} on {_d(first.date)} "
            f"against a nadir of {fmt(nadir, unit)}{zero_from} ({_pd_rule_text(p, nadir)}); {how}.",
            IMWG_RESPONSE_2016,
            refs,
            unconfirmed=True,  # which date of the pair is the PD date is a convention
            flags=() if second is not None else ("awaiting confirmation",),
        ),
    )


def _pd_assessment(line: int, d: dt.date, prog: Progression, confirmed: bool) -> Assessment:
    return Assessment(d, line, RC.PD.value, confirmed, {prog.parameter: prog.value}, {}, prog.trace)


def _confirm(assessments: list[Assessment]) -> list[Assessment]:
    """An assessment is confirmed when a neighbouring one shows its level or better."""
    out = list(assessments)
    # Each rank once (None for PD), not twice per neighbour.
    ranks = [None if a.category == RC.PD else response_rank(a.category) for a in assessments]
    for i, a in enumerate(assessments):
        rank = ranks[i]
        if rank is None:
            continue
        if any(
            o is not None and o <= rank for o in ranks[max(0, i - 1) : i] + ranks[i + 1 : i + 2]
        ):
            out[i] = Assessment(a.date, a.line, a.category, True, a.values, a.changes, a.trace)
    return out


def _best(assessments: list[Assessment]) -> tuple[BestResponse | None, BestResponse | None]:
    non_pd = [a for a in assessments if a.category != RC.PD]
    if not non_pd:
        return None, None
    ranks = [response_rank(a.category) for a in non_pd]  # each once
    single = min(zip(ranks, non_pd, strict=True), key=lambda ra: (ra[0], ra[1].date))[1]
    unconf = BestResponse(single.category, single.date, False, single.trace, single.ref)
    best_pair = None
    for i in range(len(non_pd) - 1):
        level = max(ranks[i], ranks[i + 1])
        if best_pair is None or level < best_pair[0]:
            best_pair = (level, non_pd[i], non_pd[i + 1])
    if best_pair is None:
        return None, unconf
    level, a, b = best_pair
    cat = next(c for c in RC if response_rank(c) == level)
    trace = Trace(
        "response.best_confirmed",
        f"Best confirmed response {cat.value}: met at two consecutive assessments "
        f"({_d(a.date)} {a.category}, {_d(b.date)} {b.category}); dated at the first.",
        IMWG_RESPONSE_2016,
        a.trace.records + b.trace.records,
        unconfirmed=True,  # two assessments for every category (rules doc 3.3)
    )
    return BestResponse(cat.value, a.date, True, trace, a.ref), unconf


def _best_entered(responses: Sequence[ResponseRec]) -> BestResponse | None:
    usable = [r for r in responses if r.category != RC.NE]
    if not usable:
        return None
    r = min(usable, key=lambda r: (response_rank(r.category), r.date.sort_key(), r.id))
    label = "patient-reported" if r.assessor == "patient" else "entered by the care team"
    return BestResponse(
        r.category,
        day(r.date),
        True,
        Trace(
            "response.entered",
            f"{r.category} on {r.date.display()} ({label}); kept as entered, never recomputed.",
            APP_CONVENTION,
            (r.ref,),
        ),
        r.ref,
    )


# --------------------------------------------------------------------------- entry point
def compute_responses(
    history: History,
    lines,
    *,
    measurable_variant: str = "imwg",
    as_of: PartialDate | dt.date | None = None,
    lookback_days: int = LOOKBACK_DAYS,
) -> ResponseResult:
    """IMWG 2016 response per line of therapy, from the entered labs.

    ``lines`` is a :class:`journal.domain.lines.LinesResult` (or any sequence of objects
    with ``number``, ``start``, ``end``, ``regimen_ids``). Labs and responses after
    ``as_of`` are ignored.
    """
    when = (
        dt.date.today() if as_of is None else (as_of if isinstance(as_of, dt.date) else day(as_of))
    )
    line_list = list(getattr(lines, "lines", lines) or ())
    regimen_line: dict[int | None, int] = dict(getattr(lines, "regimen_line", {}) or {})
    for ln in line_list:
        for rid in ln.regimen_ids:
            regimen_line.setdefault(rid, ln.number)

    # A regimen split over two lines (an unplanned addition to it opened a new line): its
    # responses belong to the line going on at their date, not always to the first one.
    lines_of: dict[int, list[int]] = {}
    for ln in line_list:
        for rid in ln.regimen_ids:
            lines_of.setdefault(rid, []).append(ln.number)
    split = {rid for rid, nums in lines_of.items() if len(set(nums)) > 1}

    series = _cut(marker_series(history), when)
    no_line = False
    if not line_list:
        # Issue 9 item 7: someone who starts by typing blood tests has no line yet; the
        # labs still speak, read from the first disease-marker result as the baseline.
        first = min(
            (r.date for p in ("serum", "urine", "flc", "bmpc") for r in series.of(p)),
            default=None,
        )
        if first is not None:
            line_list = [NoLine(0, PartialDate.from_date(first))]
            no_line = True
    periods = _line_period(line_list, when)
    split_line: dict[int, int] = {}
    for r in history.responses:
        if r.regimen_id in split:
            started = [
                ln.number
                for ln, st, _ in periods
                if ln.number in lines_of[r.regimen_id] and st <= day(r.date)
            ]
            split_line[r.id] = started[-1] if started else min(lines_of[r.regimen_id])
    results: list[LineResponse] = []
    entered = sorted(
        (r for r in history.responses if day(r.date) <= when),
        key=lambda r: (r.date.sort_key(), r.id),
    )
    # Each line picks its responses from these by regimen, or by date (binary search on
    # the days, which follow the sort order): asking every response per line was quadratic.
    entered_days = [day(r.date) for r in entered]
    linked: dict[int, list[int]] = {}  # line number -> indexes into entered
    unlinked: list[int] = []
    for i, r in enumerate(entered):
        if r.regimen_id in regimen_line:
            n = split_line[r.id] if r.regimen_id in split else regimen_line[r.regimen_id]
            linked.setdefault(n, []).append(i)
        else:
            unlinked.append(i)
    unlinked_days = [entered_days[i] for i in unlinked]
    for ln, start, until in periods:
        if start > when:
            continue
        recorded_cr = [
            r
            for r in entered[
                bisect.bisect_right(entered_days, start) : bisect.bisect_right(entered_days, until)
            ]
            if r.assessor != "patient" and r.category in (RC.CR.value, RC.SCR.value)
        ]
        lr = _assess_line(
            history,
            ln.number,
            start,
            until,
            series,
            measurable_variant,
            lookback_days,
            recorded_cr,
        )
        # Unlinked responses dated start..until (the last line, still going on, keeps
        # every later one too).
        open_ended = until >= when and ln is periods[-1][0]
        lo_i = bisect.bisect_left(unlinked_days, start)
        hi_i = len(unlinked) if open_ended else bisect.bisect_left(unlinked_days, until)
        mine = tuple(entered[i] for i in sorted(linked.get(ln.number, []) + unlinked[lo_i:hi_i]))
        results.append(
            LineResponse(
                lr.line,
                lr.start,
                None if until >= when and ln is periods[-1][0] else until,
                lr.baseline,
                lr.followed,
                lr.assessments,
                lr.best,
                lr.best_unconfirmed,
                mine,
                _best_entered([r for r in mine if r.assessor != "patient"]),
                lr.progression,
                lr.pending_progression,
                lr.relapses_from_cr,
                lr.nadir,
                lr.nadir_steps,
                lr.trace
                if ln.start.is_exact_day
                else dataclasses.replace(lr.trace, flags=(*lr.trace.flags, "imprecise date")),
                best_patient=_best_entered([r for r in mine if r.assessor == "patient"]),
            )
        )
    if no_line:
        results = [
            dataclasses.replace(
                lr,
                trace=dataclasses.replace(
                    lr.trace,
                    explanation="No line of therapy is recorded yet: the labs are read from "
                    f"the first disease-marker result ({_d(lr.start)}) as the baseline. "
                    + lr.trace.explanation,
                    flags=(*lr.trace.flags, "no line of therapy recorded"),
                ),
            )
            for lr in results
        ]
    results = [_with_used(_override_best(history, lr)) for lr in results]
    results.sort(key=lambda lr: (lr.start, lr.line))
    all_assess = [a for lr in results for a in lr.assessments]
    latest = max(all_assess, key=lambda a: a.date) if all_assess else None
    return ResponseResult(
        measurable_variant,
        when,
        tuple(results),
        tuple(lr.progression for lr in results if lr.progression is not None),
        tuple(lr.pending_progression for lr in results if lr.pending_progression is not None),
        tuple(r for lr in results for r in lr.relapses_from_cr),
        latest,
        entered[-1] if entered else None,
        override_measurable(
            history, measurable_disease(history, when, variant=measurable_variant, series=series)
        ),
        {
            k: override_measurable(history, v)
            for k, v in measurable_all_variants(history, when, series=series).items()
        },
    )


def _with_used(lr: LineResponse) -> LineResponse:
    """Which best response the rules use, and a trace when labs and record disagree.

    Convention (issue 9 item 1): a person's override wins; otherwise the better of the
    confirmed computed response and the care team's record, because a recorded response
    is evidence of reaching that level (the team may have seen marrow or imaging results
    that are not in the journal). The ledger reads every response the same way."""
    comp, clin = lr.best, lr.best_clinician
    if comp is not None and comp.trace is not None and comp.trace.overridden_by:
        return dataclasses.replace(lr, best_used=comp)
    if comp is None or clin is None:
        return dataclasses.replace(lr, best_used=comp or clin)
    if comp.category == clin.category:
        return dataclasses.replace(lr, best_used=comp)
    used = clin if response_rank(clin.category) < response_rank(comp.category) else comp
    other = comp if used is clin else clin
    entered = {r.ref: r for r in lr.clinician}

    def when(b: BestResponse) -> str:
        if b.ref in entered:  # as entered: "Jan 2022" stays a month
            return f" on {entered[b.ref].date.display()}"
        return f" on {_d(b.date)}" if b.date else ""

    trace = Trace(
        "response.disagreement",
        f"Line {lr.line}: the labs give {comp.category}{when(comp)} (IMWG 2016, confirmed), "
        f"the care team recorded {clin.category}{when(clin)}. The rules use {used.category}, "
        f"the better of the two: a recorded response is evidence of reaching that level; "
        f"{other.category} is shown beside it. Set the line's best response yourself if "
        "one of them is wrong.",
        APP_CONVENTION,
        tuple(x for x in (comp.ref, clin.ref) if x),
        unconfirmed=True,
    )
    return dataclasses.replace(lr, best_used=used, disagreement=trace)


def _override_best(history: History, lr: LineResponse) -> LineResponse:
    """Rule "response", subject "line:N", value a category: the person's best response wins."""
    o = history.overrides_for("response", f"line:{lr.line}")
    if o is None or o.value not in {c.value for c in RC}:
        return lr
    computed = lr.best.category if lr.best else "none confirmed"
    best = BestResponse(
        o.value,
        lr.best.date if lr.best else None,
        True,
        Trace(
            "response.override",
            f"Best response of line {lr.line} set to {o.value} by you ({o.reason}); "
            f"the labs gave {computed}.",
            APP_CONVENTION,
            (o.ref, *(lr.best.trace.records if lr.best and lr.best.trace else ())),
            overridden_by=o.ref,
        ),
        o.ref,
    )
    return dataclasses.replace(lr, best=best)


def override_measurable(history: History, st: MeasurableStatus) -> MeasurableStatus:
    """Rule "measurable", subject the rule name (e.g. "imwg"), value yes/no."""
    o = history.overrides_for("measurable", st.variant)
    if o is None:
        return st
    val = o.value.strip().lower() in ("yes", "true", "1", "y")
    t = st.trace
    trace = dataclasses.replace(
        t,
        explanation=t.explanation
        + f" Set to {'measurable' if val else 'not measurable'} by you ({o.reason}).",
        records=(*t.records, o.ref),
        overridden_by=o.ref,
    )
    return dataclasses.replace(st, measurable=val, trace=trace)


def _cut(series: MarkerSeries, when: dt.date) -> MarkerSeries:
    def r(rows):
        return tuple(x for x in rows if x.date <= when)

    def q(rows):
        return tuple(x for x in rows if x[0] <= when)

    return MarkerSeries(
        r(series.serum),
        r(series.urine),
        r(series.flc),
        r(series.bmpc),
        r(series.ratio),
        q(series.serum_ife),
        q(series.urine_ife),
        q(series.clonality),
    )
