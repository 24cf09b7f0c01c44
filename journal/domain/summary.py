"""Everything a trial screener asks, computed once: the one object the screens,
charts, PDF and ``journal summary --json`` all show.

:func:`build_summary` calls every rule exactly once on the history as it was
known on the as-of date (records dated later are left out; a drug or side
effect still going on that date is shown as ongoing). :func:`summary_to_json`
turns the result into one documented JSON object (``docs/summary-json.md``,
schema ``resources/schema/summary.schema.json``). Each computed fact carries
``computed: true`` and its trace(s) so a screen can offer "Why?"; a fact a
person corrected carries ``overridden: true``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import TypeVar

from journal.domain.ctcae import (
    GradeResult,
    SideEffectView,
    lab_grade,
    lab_grades,
    side_effect_views,
)
from journal.domain.cycles import no_cycle_collection
from journal.domain.dates import PartialDate
from journal.domain.event_dates import CurrentResponse, current_response, procedure_date
from journal.domain.exclusions import AskedLab, ExclusionFact, asked_labs, exclusion_facts
from journal.domain.kidney import EgfrResult, latest_egfr
from journal.domain.labs import LAB_TESTS
from journal.domain.ledger import Ledger, compute_ledger
from journal.domain.lines import LinesResult, compute_lines
from journal.domain.measurable import heavy_chain_at
from journal.domain.records import (
    EcogRec,
    History,
    LabRec,
    OverrideRec,
    SupportiveRec,
    labs_in_order,
    labs_of_test_in_order,
)
from journal.domain.response import ResponseResult, compute_responses
from journal.domain.staging import Staging, compute_staging
from journal.domain.supportive import SupportiveEvent, supportive_events
from journal.domain.trace import APP_CONVENTION, Trace
from journal.domain.washout import Washouts, compute_washouts

SCHEMA_VERSION = 2

#: Labs shown in the "latest labs" block, in screening order.
KEY_LABS = (
    "anc",
    "platelets",
    "hb",
    "lymphocytes",
    "creatinine",
    "egfr",
    "calcium",
    "albumin",
    "bilirubin",
    "alt",
    "ast",
    "ldh",
    "b2m",
    "m_protein",
    "urine_m_protein",
    "flc_kappa",
    "flc_lambda",
    "flc_ratio",
    "serum_ife",
    "bmpc",
    "circulating_pc",
    "igg",
    "iga",
    "igm",
    "lvef",
)


@dataclass(frozen=True)
class LatestLab:
    lab: LabRec
    days_old: int
    supported: str | None  # why the value may be transfusion/G-CSF-supported
    grade: GradeResult | None  # CTCAE grade (the summary's scale) when lab-graded

    def to_json(self) -> dict:
        t = LAB_TESTS.get(self.lab.test)
        return {
            "test": self.lab.test,
            "name": t.name if t else self.lab.test,
            "value": None if self.lab.value is None else round(self.lab.value, 6),
            "text_value": self.lab.text_value,
            "unit": t.unit if t else None,
            "date": self.lab.date.to_iso(),
            "days_old": self.days_old,
            "lln": self.lab.lln,
            "uln": self.lab.uln,
            "context": self.lab.context,
            "supported": self.supported,
            "ctcae": self.grade.to_json() if self.grade else None,
            "ref": self.lab.ref,
        }


@dataclass(frozen=True)
class Summary:
    history: History  # as known on the as-of date
    as_of: dt.date
    rule_set: str
    measurable_variant: str
    ctcae_scale: str
    lines: LinesResult
    ledger: Ledger
    responses: ResponseResult
    washouts: Washouts
    staging: Staging
    side_effects: tuple[SideEffectView, ...]  # every entered side effect
    lab_grades: tuple[GradeResult, ...]
    latest_labs: tuple[LatestLab, ...]
    ecog: EcogRec | None
    supportive: tuple[SupportiveRec, ...]  # going on at the as-of date
    overrides: tuple[OverrideRec, ...]
    # Screening questions beyond treatment, each yes / no / not_recorded (exclusions.py).
    exclusions: tuple[ExclusionFact, ...] = ()
    egfr: EgfrResult | None = None  # CKD-EPI 2021 from the latest creatinine (kidney.py)
    supportive_events: tuple[SupportiveEvent, ...] = ()  # transfusions, growth factors
    asked_labs: tuple[AskedLab, ...] = ()  # commonly asked labs: recent / older / not recorded

    @property
    def current_response(self) -> CurrentResponse:
        """The one "current response" screens, PDF and JSON show (journal.domain.event_dates)."""
        return current_response(self.history, self.responses, self.as_of)

    @property
    def ongoing_side_effects(self) -> tuple[SideEffectView, ...]:
        return tuple(v for v in self.side_effects if v.ongoing)

    @property
    def worst_side_effects(self) -> tuple[SideEffectView, ...]:
        """The highest grade ever entered for each term (screeners ask "any history of
        grade 3 or more motor neuropathy?"); ties go to the latest onset."""
        worst: dict[str, SideEffectView] = {}
        for v in self.side_effects:  # already in onset order
            if v.grade is None:
                continue
            key = v.term_id or v.term.strip().lower()
            if key not in worst or v.grade >= (worst[key].grade or 0):
                worst[key] = v
        return tuple(sorted(worst.values(), key=lambda v: (-(v.grade or 0), v.term)))

    @property
    def prior_lines(self) -> int:
        return self.lines.prior_lines(PartialDate.from_date(self.as_of))


# --------------------------------------------------------------------------- as-of cut
_R = TypeVar("_R")


def _d(p: PartialDate | None) -> dt.date | None:
    return p.as_date() if p is not None else None


def history_as_of(history: History, when: dt.date) -> History:
    """The history as it could be known on ``when``: later records left out, and anything
    that ended after ``when`` shown as still going on then."""

    def started(p: PartialDate | None) -> bool:
        return p is None or p.earliest() <= when

    def open_end(p: PartialDate | None) -> PartialDate | None:
        return p if p is not None and p.earliest() <= when else None

    def kept(xs: tuple[_R, ...], start: str, end: str | None = None) -> tuple[_R, ...]:
        # The records begun by ``when``, any end after it left open; the very tuple given
        # when that is all of them unchanged (most of the time: the summary as of today).
        # One loop with the dates read inline: two calls per record over a long history's
        # thousands of side effects were a twentieth of the rules.
        out = []
        changed = type(xs) is not tuple
        for x in xs:
            s = getattr(x, start)
            if s is not None and s.earliest() > when:
                changed = True
                continue
            if end is not None:
                e = getattr(x, end)
                if e is not None and e.earliest() > when:
                    x = dataclasses.replace(x, **{end: None})  # type: ignore[type-var]
                    changed = True
            out.append(x)
        return tuple(out) if changed else xs

    regimens = []
    for r in history.regimens:
        if not started(r.start):
            continue
        drugs = []
        for d in r.drugs:
            if not started(d.start):
                continue
            changes = tuple(c for c in d.dose_changes if started(c.date))
            if (
                open_end(d.last_dose) is not d.last_dose
                or len(changes) != len(d.dose_changes)
                or type(d.dose_changes) is not tuple
            ):
                d = dataclasses.replace(d, last_dose=open_end(d.last_dose), dose_changes=changes)
            drugs.append(d)
        if (
            open_end(r.end) is not r.end
            or type(r.drugs) is not tuple
            or len(drugs) != len(r.drugs)
            or any(a is not b for a, b in zip(drugs, r.drugs, strict=True))
        ):
            r = dataclasses.replace(r, end=open_end(r.end), drugs=tuple(drugs))
        regimens.append(r)
    return dataclasses.replace(
        history,
        isotypes=kept(history.isotypes, "date"),
        features=kept(history.features, "date", "resolved"),
        cytogenetics=kept(history.cytogenetics, "date"),
        regimens=tuple(regimens),
        procedures=kept(history.procedures, "date", "end"),
        responses=kept(history.responses, "date"),
        progressions=kept(history.progressions, "date"),
        side_effects=kept(history.side_effects, "onset", "resolved"),
        labs=_labs_known_by(history.labs, when),
        ecog=kept(history.ecog, "date"),
        supportive=kept(history.supportive, "start", "end"),
    )


def _labs_known_by(labs: tuple[LabRec, ...], when: dt.date) -> tuple[LabRec, ...]:
    """The labs whose date begins on or before ``when``. The very tuple given when that is
    all of them (the usual case: the summary as of today): the rules keep their sorted and
    per-test views of a tuple by identity, so a copy would sort tens of thousands of labs
    again, and picking them one by one was itself the largest step that grew faster than
    the history (memory traffic over every result)."""
    if not labs:
        return labs
    # Sorted by midpoint (kept per tuple; the rules ask for it anyway), and no date begins
    # after its own midpoint: when the last midpoint is known by then, every lab is.
    if labs_in_order(labs)[-1].date.as_date() <= when:
        return labs
    # Inline, not started(): a long history has tens of thousands of labs.
    return tuple(x for x in labs if x.date.earliest() <= when)


# --------------------------------------------------------------------------- build
def build_summary(
    history: History,
    *,
    as_of: PartialDate | dt.date | None = None,
    rule_set: str = "imwg",
    measurable_variant: str = "imwg",
    ctcae_scale: str = "CTCAE v5.0",
) -> Summary:
    """Run every rule once on ``history`` as known on ``as_of`` (default: today).

    A date coarser than a day ("May 2024") means its last day: the summary as the
    journal stood at the end of that month."""
    with no_cycle_collection():
        return _build_summary(history, as_of, rule_set, measurable_variant, ctcae_scale)


def _build_summary(
    history: History,
    as_of: PartialDate | dt.date | None,
    rule_set: str,
    measurable_variant: str,
    ctcae_scale: str,
) -> Summary:
    when = (
        dt.date.today()
        if as_of is None
        else (as_of if isinstance(as_of, dt.date) else as_of.latest())
    )
    h = history_as_of(history, when)
    lines = compute_lines(h)
    responses = compute_responses(h, lines, measurable_variant=measurable_variant, as_of=when)
    ledger = _ledger(h, lines, responses, when, rule_set)
    washouts = compute_washouts(h, as_of=when)
    staging = compute_staging(h, as_of=when)
    side_effects = side_effect_views(
        sorted(h.side_effects, key=lambda s: (s.onset.sort_key(), s.id)), as_of=when
    )
    grades = lab_grades(h, as_of=when, scale=ctcae_scale)

    latest: dict[str, LabRec] = {}
    lab: LabRec | None
    for test in KEY_LABS:
        # The last result with a value or a text, by (date, id).
        for lab in reversed(labs_of_test_in_order(h.labs, test)):
            if lab.value is not None or lab.text_value:
                latest[test] = lab
                break
    latest_labs = []
    for test in KEY_LABS:
        lab = latest.get(test)
        if lab is None:
            continue
        sup = washouts.is_supported(lab.ref)
        latest_labs.append(
            LatestLab(
                lab,
                (when - lab.date.as_date()).days,
                sup.reason if sup else None,
                lab_grade(lab, ctcae_scale),
            )
        )
    ecog = max(h.ecog, key=lambda e: (e.date.sort_key(), e.id), default=None)
    supportive = tuple(
        s for s in sorted(h.supportive, key=lambda s: (_key(s.start), s.id)) if s.end is None
    )
    return Summary(
        h,
        when,
        rule_set,
        measurable_variant,
        ctcae_scale,
        lines,
        ledger,
        responses,
        washouts,
        staging,
        side_effects,
        grades,
        tuple(latest_labs),
        ecog,
        supportive,
        tuple(h.overrides),
        exclusions=exclusion_facts(history, when),
        egfr=latest_egfr(h, when),
        supportive_events=supportive_events(h, when),
        asked_labs=asked_labs(h, when),
    )


def _ledger(
    h: History, lines: LinesResult, responses: ResponseResult, when, rule_set: str
) -> Ledger:
    # The ledger sees computed (confirmed) responses and progressions beside the entered ones.
    return compute_ledger(
        h,
        lines,
        as_of=PartialDate.from_date(when),
        rule_set=rule_set,
        responses=responses.ledger_responses(),
        progressions=responses.ledger_progressions(h),
    )


def _key(p: PartialDate | None) -> tuple:
    return p.sort_key() if p is not None else (0, 0, 0)


# --------------------------------------------------------------------------- JSON
def _iso(p: PartialDate | None) -> str | None:
    return p.to_iso() if p is not None else None


def _age(birth: PartialDate | None, when: dt.date) -> int | None:
    if birth is None:
        return None
    b = birth.as_date()
    return when.year - b.year - ((when.month, when.day) < (b.month, b.day))


def _regimen_json(r) -> dict:
    return {
        "id": r.id,
        "ref": r.ref,
        "name": r.name,
        "start": _iso(r.start),
        "end": _iso(r.end),
        "intent": r.intent,
        "end_reason": r.end_reason,
        "trial_id": r.trial_id,
        "line_override": r.line_override,
        "drugs": [
            {
                "name": d.name,
                "drug_id": d.drug_id,
                "role": d.role,
                "start": _iso(d.start),
                "last_dose": _iso(d.last_dose),
                "ongoing": d.last_dose is None,
                "stop_reason": d.stop_reason,
                "ref": d.ref,
            }
            for d in r.drugs
        ],
    }


def _procedure_json(p) -> dict:
    return {
        "id": p.id,
        "ref": p.ref,
        "kind": p.kind,
        "date": _iso(p.date),
        "end": _iso(p.end),
        "event_date": _iso(procedure_date(p)),
        "planned": p.planned,
        "planned_tandem": p.planned_tandem,
        "product": p.product,
    }


def _lines_json(s: Summary) -> dict:
    base = s.lines.to_json()
    regs = {r.id: r for r in s.history.regimens}
    procs = {p.id: p for p in s.history.procedures}
    out = []
    for ln, lj in zip(s.lines.lines, base["lines"], strict=True):
        lr = s.responses.line(ln.number)
        lj["computed"] = True
        lj["regimens"] = [_regimen_json(regs[i]) for i in ln.regimen_ids if i in regs]
        lj["procedures"] = [_procedure_json(procs[i]) for i in ln.procedure_ids if i in procs]
        lj["best_response"] = {
            "computed": lr.best.to_json() if lr and lr.best else None,
            "computed_unconfirmed": (
                lr.best_unconfirmed.to_json() if lr and lr.best_unconfirmed else None
            ),
            "clinician": lr.best_clinician.to_json() if lr and lr.best_clinician else None,
            "patient": lr.best_patient.to_json() if lr and lr.best_patient else None,
            "used": lr.best_used.to_json() if lr and lr.best_used else None,
            "disagreement": (
                {"computed": True, "trace": lr.disagreement.to_json()}
                if lr and lr.disagreement
                else None
            ),
        }
        lj["progression"] = lr.progression.to_json() if lr and lr.progression else None
        out.append(lj)
    base["lines"] = out
    as_of = PartialDate.from_date(s.as_of)
    base["prior_lines"] = {
        "count": s.lines.prior_lines(as_of),
        "as_of": s.as_of.isoformat(),
        "computed": True,
        "trace": s.lines.prior_lines_trace(as_of).to_json(),
    }
    current = s.lines.line_at(as_of)
    base["current_line"] = current.number if current and current.end is None else None
    return base


def _ledger_json(ledger: Ledger) -> dict:
    """The ledger's own JSON, with the summary's uniform markers added: ``computed: true``
    on every fact, ``overridden`` as a bool (the ledger's list of overridden answers is
    kept as ``overridden_fields``)."""
    data = ledger.to_json()
    for group in ("drugs", "classes"):
        for item in data.get(group, {}).values():
            fields = item.get("overridden") or []
            item["overridden_fields"] = list(fields)
            item["overridden"] = bool(fields)
            item["computed"] = True
    for item in data.get("labels", {}).values():
        item["computed"] = True
        item["overridden"] = bool(item.get("trace", {}).get("overridden_by"))
    for key in ("disease_status", "early_relapse"):
        if isinstance(data.get(key), dict):
            data[key]["computed"] = True
            data[key]["overridden"] = bool(data[key].get("trace", {}).get("overridden_by"))
    for item in data.get("car_t", []):
        item["computed"] = True
    for item in data.get("progression_events", []):
        item["computed"] = True  # the rules' reading of the record, not the record itself
    for key in ("last_progression", "last_line", "refractory_classes", "mammoth_group"):
        if isinstance(data.get(key), dict):
            data[key]["computed"] = True
            data[key]["overridden"] = bool(data[key].get("trace", {}).get("overridden_by"))
    return data


def summary_to_json(s: Summary) -> dict:
    """The documented JSON object (docs/summary-json.md)."""
    h = s.history
    p = h.person
    dx = h.diagnosis
    r = s.responses
    heavy = heavy_chain_at(h, s.as_of)
    return {
        "schema_version": SCHEMA_VERSION,
        "as_of": s.as_of.isoformat(),
        "settings": {
            "rule_set": s.rule_set,
            "measurable_variant": s.measurable_variant,
            "ctcae_scale": s.ctcae_scale,
        },
        "person": {
            "display_name": p.display_name,
            "birth_date": _iso(p.birth_date),
            "age": _age(p.birth_date, s.as_of),
            "sex": p.sex,
            "height_cm": p.height_cm,
            "weight_kg": p.weight_kg,
        },
        "diagnosis": {
            "date": _iso(dx.date) if dx else None,
            "heavy_chain": dx.heavy_chain if dx else None,
            "light_chain": dx.light_chain if dx else None,
            "heavy_chain_now": heavy,
            # Measured at diagnosis, as typed on the diagnosis record (staging reads them).
            "creatinine_mg_dl": dx.creatinine_mg_dl if dx else None,
            "ldh_u_l": dx.ldh_u_l if dx else None,
            "ldh_uln_u_l": dx.ldh_uln_u_l if dx else None,
            "isotypes": [
                {"date": _iso(i.date), "heavy_chain": i.heavy_chain, "light_chain": i.light_chain}
                for i in h.isotypes
            ],
            "features": [
                {
                    "flag": f.flag,
                    "date": _iso(f.date),
                    "resolved": _iso(f.resolved),
                    "site": f.site,
                    "ref": f.ref,
                }
                for f in h.features
            ],
        },
        "lines": _lines_json(s),
        "ledger": _ledger_json(s.ledger),
        "response": {
            "measurable_variant": r.variant,
            "current": s.current_response.to_json(),
            "per_line": [lr.to_json() for lr in r.lines],
            "latest": r.latest.to_json() if r.latest else None,
            "latest_clinician": (
                {
                    "date": _iso(r.latest_clinician.date),
                    "category": r.latest_clinician.category,
                    "assessor": r.latest_clinician.assessor,
                    "ref": r.latest_clinician.ref,
                    "computed": False,
                }
                if r.latest_clinician
                else None
            ),
            "progressions": [x.to_json() for x in r.progressions],
            "pending_progressions": [x.to_json() for x in r.pending_progressions],
            "relapses_from_cr": [x.to_json() for x in r.relapses_from_cr],
            "entered_progressions": [
                {
                    "date": _iso(x.date),
                    "kind": x.kind,
                    "confirmed": x.confirmed,
                    "confirmed_on": _iso(x.confirmed_on),
                    "regimen_id": x.regimen_id,
                    "ref": x.ref,
                    "computed": False,
                }
                for x in h.progressions
            ],
        },
        "measurable_disease": {
            "current": r.current_measurable.to_json(),
            "by_variant": {k: v.to_json() for k, v in r.measurable_by_variant.items()},
        },
        "washouts": s.washouts.to_json(),
        "staging": s.staging.to_json(),
        "side_effects": {
            "ongoing": [v.to_json() for v in s.ongoing_side_effects],
            "all": [v.to_json() for v in s.side_effects],
            "worst_by_term": [v.to_json() for v in s.worst_side_effects],
            "lab_grades": [g.to_json() for g in s.lab_grades],
        },
        "labs": {
            "latest": [x.to_json() for x in s.latest_labs],
            "asked": [x.to_json() for x in s.asked_labs],
        },
        "ecog": (
            {
                "score": s.ecog.score,
                "date": _iso(s.ecog.date),
                "days_old": (s.as_of - s.ecog.date.as_date()).days,
                "ref": s.ecog.ref,
            }
            if s.ecog
            else None
        ),
        "supportive_care": [
            {
                "name": x.name,
                "drug_id": x.drug_id,
                "purpose": x.purpose,
                "start": _iso(x.start),
                "ref": x.ref,
            }
            for x in s.supportive
        ],
        "supportive_events": [e.to_json(s.as_of) for e in s.supportive_events],
        "exclusions": [f.to_json() for f in s.exclusions],
        "egfr_computed": s.egfr.to_json() if s.egfr else None,
        "mrd": [
            {
                "date": _iso(x.date),
                "result": x.result,
                "method": x.method,
                "sensitivity": x.sensitivity,
                "sample": x.sample,
                "regimen_id": x.regimen_id,
                "ref": x.ref,
                "computed": False,
            }
            for x in h.mrd
            if x.date.earliest() <= s.as_of
        ],
        "overrides": [
            {
                "rule": o.rule,
                "subject": o.subject,
                "value": o.value,
                "reason": o.reason,
                "ref": o.ref,
            }
            for o in s.overrides
        ],
        "notice": Trace(
            "summary.notice",
            "Patient-kept record: computed by Treatment Journal from what was entered. "
            "Verify with medical records. It never recommends a treatment.",
            APP_CONVENTION,
        ).explanation,
    }
