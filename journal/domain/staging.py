"""Staging and risk: ISS, R-ISS, R2-ISS, IMS/IMWG 2025 high risk, creatinine
clearance (Cockcroft-Gault) and corrected calcium (rules doc section 7).

ISS, R-ISS and R2-ISS are validated for newly diagnosed myeloma, so the stage
*at diagnosis* (values from the diagnosis record, or labs within
:data:`DIAGNOSIS_WINDOW_DAYS` of the diagnosis date, and FISH not marked as
done at relapse) is kept apart from the *current* ISS computed from the latest
labs, which is labelled as not validated at relapse.

Screeners ask "any high-risk cytogenetics?": the answer is the list of
abnormalities found and each high-risk item that fired, never a bare yes/no.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from journal.domain.dates import PartialDate
from journal.domain.numbers import fmt_number
from journal.domain.records import CytogeneticRec, History, LabRec, lab_day, labs_of_test_in_order
from journal.domain.trace import APP_CONVENTION, Source, Trace

ISS_SOURCE = Source("ISS (Greipp et al., JCO 2005)", "https://www.mdcalc.com/", "7.1")
RISS_SOURCE = Source(
    "R-ISS (Palumbo et al., JCO 2015)",
    "https://www.mdcalc.com/revised-multiple-myeloma-international-staging-system-r-iss",
    "7.1",
)
R2ISS_SOURCE = Source("R2-ISS (D'Agostino et al., JCO 2022)", None, "7.1")
IMS2025_SOURCE = Source(
    "IMS/IMWG high-risk consensus (Avet-Loiseau et al., JCO 2025;43(24):2739)",
    "https://doi.org/10.1200/JCO-24-01893",
    "7.2",
)
CG_SOURCE = Source("Cockcroft-Gault creatinine clearance (Cockcroft & Gault, 1976)", None, "6.2")
CA_SOURCE = Source("Albumin-corrected calcium: Ca + 0.8 × (4 − albumin)", None, "6.2")

DIAGNOSIS_WINDOW_DAYS = 60  # app convention: labs this close to the diagnosis date count
WEIGHT_WINDOW_DAYS = 90
ALBUMIN_PAIR_DAYS = 7

HIGH_RISK_FISH_RISS = ("del(17p)", "t(4;14)", "t(14;16)")
R2ISS_POINTS = {
    "ISS II": 1.0,
    "ISS III": 1.5,
    "del(17p)": 1.0,
    "high LDH": 1.0,
    "t(4;14)": 1.0,
    "1q gain/amp": 0.5,
}


@dataclass(frozen=True)
class StageResult:
    system: str  # ISS | R-ISS | R2-ISS
    stage: str | None  # "I".."IV" or None when it cannot be computed
    trace: Trace
    recorded: str | None = None  # the stage written in a clinic letter, if entered
    score: float | None = None
    inputs: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "system": self.system,
            "stage": self.stage,
            "recorded": self.recorded,
            "score": self.score,
            "inputs": self.inputs,
            "computed": True,
            "overridden": bool(self.trace.overridden_by),
            "trace": self.trace.to_json(),
        }


@dataclass(frozen=True)
class HighRisk:
    high_risk: bool | None  # None = not enough tested to say
    items: tuple[str, ...]  # each IMS/IMWG 2025 item that fired, in words
    abnormalities: tuple[str, ...]  # every abnormality found, with % / copies
    tested_negative: tuple[str, ...]
    not_assessable: tuple[str, ...]
    trace: Trace

    def to_json(self) -> dict:
        return {
            "high_risk": self.high_risk,
            "items": list(self.items),
            "abnormalities": list(self.abnormalities),
            "tested_negative": list(self.tested_negative),
            "not_assessable": list(self.not_assessable),
            "computed": True,
            "overridden": bool(self.trace.overridden_by),
            "trace": self.trace.to_json(),
        }


@dataclass(frozen=True)
class ValueResult:
    name: str
    value: float | None
    unit: str
    date: PartialDate | None
    trace: Trace
    low_high: tuple[float, float] | None = None

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "value": None if self.value is None else round(self.value, 1),
            "unit": self.unit,
            "date": self.date.to_iso() if self.date else None,
            "range": [round(x, 1) for x in self.low_high] if self.low_high else None,
            "computed": True,
            "trace": self.trace.to_json(),
        }


@dataclass(frozen=True)
class Staging:
    at_diagnosis: dict[str, StageResult]
    current_iss: StageResult
    high_risk: HighRisk
    high_risk_at_relapse: HighRisk | None
    creatinine_clearance: ValueResult
    corrected_calcium: ValueResult

    def to_json(self) -> dict:
        return {
            "at_diagnosis": {k: v.to_json() for k, v in self.at_diagnosis.items()},
            "current_iss": self.current_iss.to_json(),
            "high_risk": self.high_risk.to_json(),
            "high_risk_at_relapse": (
                self.high_risk_at_relapse.to_json() if self.high_risk_at_relapse else None
            ),
            "creatinine_clearance": self.creatinine_clearance.to_json(),
            "corrected_calcium": self.corrected_calcium.to_json(),
        }


# --------------------------------------------------------------------------- formulas
def iss(b2m_mg_l: float | None, albumin_g_dl: float | None, refs=()) -> StageResult:
    """ISS: I = β2M < 3.5 and albumin ≥ 3.5; III = β2M ≥ 5.5; II = neither."""
    inputs = {"beta2m_mg_l": b2m_mg_l, "albumin_g_dl": albumin_g_dl}
    if b2m_mg_l is not None and b2m_mg_l >= 5.5:
        stage, why = "III", f"β2-microglobulin {b2m_mg_l:g} mg/L is 5.5 or more"
    elif b2m_mg_l is None or albumin_g_dl is None:
        stage, why = None, "needs both β2-microglobulin and albumin"
    elif b2m_mg_l < 3.5 and albumin_g_dl >= 3.5:
        stage = "I"
        why = f"β2-microglobulin {b2m_mg_l:g} mg/L is below 3.5 and albumin {albumin_g_dl:g} g/dL is 3.5 or more"
    else:
        stage = "II"
        why = f"β2-microglobulin {b2m_mg_l:g} mg/L and albumin {albumin_g_dl:g} g/dL fit neither stage I nor III"
    text = f"ISS stage {stage}: {why}." if stage else f"ISS cannot be computed: {why}."
    return StageResult(
        "ISS", stage, Trace("staging.iss", text, ISS_SOURCE, tuple(refs)), inputs=inputs
    )


def _present(cyto: list[CytogeneticRec], name: str) -> bool | None:
    recs = [c for c in cyto if c.abnormality == name]
    if not recs:
        return None
    return any(c.present for c in recs)


def riss(
    iss_stage: str | None, cyto: list[CytogeneticRec], ldh_high: bool | None, refs=()
) -> StageResult:
    """R-ISS: I = ISS I + standard-risk FISH + normal LDH; III = ISS III + (high-risk FISH or
    high LDH); II = all others."""
    hr = [n for n in HIGH_RISK_FISH_RISS if _present(cyto, n)]
    fish_known = bool(cyto)
    inputs = {
        "iss": iss_stage,
        "high_risk_fish": hr,
        "fish_tested": fish_known,
        "ldh_high": ldh_high,
    }
    stage, why = None, ""
    if iss_stage is None:
        why = "needs the ISS stage"
    elif iss_stage == "III" and (hr or ldh_high):
        stage = "III"
        why = "ISS III with " + " and ".join(
            ([f"high-risk FISH ({', '.join(hr)})"] if hr else [])
            + (["high LDH"] if ldh_high else [])
        )
    elif iss_stage == "II":
        stage, why = "II", "ISS II is always R-ISS II"
    elif iss_stage == "I":
        if hr or ldh_high:
            stage, why = "II", "ISS I but high-risk FISH or high LDH"
        elif fish_known and ldh_high is False:
            stage, why = "I", "ISS I, no del(17p), t(4;14) or t(14;16), normal LDH"
        else:
            why = "ISS I, but FISH or LDH is missing, so it is I or II"
    elif iss_stage == "III":
        if fish_known and ldh_high is False:
            stage, why = "II", "ISS III without high-risk FISH and with normal LDH"
        else:
            why = "ISS III, but FISH or LDH is missing, so it is II or III"
    text = f"R-ISS stage {stage}: {why}." if stage else f"R-ISS cannot be computed: {why}."
    return StageResult(
        "R-ISS", stage, Trace("staging.riss", text, RISS_SOURCE, tuple(refs)), inputs=inputs
    )


def _r2_stage(score: float) -> str:
    if score == 0:
        return "I"
    if score <= 1.0:
        return "II"
    if score <= 2.5:
        return "III"
    return "IV"


def r2iss(
    iss_stage: str | None, cyto: list[CytogeneticRec], ldh_high: bool | None, refs=()
) -> StageResult:
    """R2-ISS additive score; point values are unconfirmed (rules doc 7.1)."""
    factors = {
        "ISS II": None if iss_stage is None else iss_stage == "II",
        "ISS III": None if iss_stage is None else iss_stage == "III",
        "del(17p)": _present(cyto, "del(17p)"),
        "high LDH": ldh_high,
        "t(4;14)": _present(cyto, "t(4;14)"),
        "1q gain/amp": _present(cyto, "1q gain/amp"),
    }
    lo = sum(R2ISS_POINTS[k] for k, v in factors.items() if v)
    hi = lo + (R2ISS_POINTS["ISS III"] if iss_stage is None else 0.0)
    hi += sum(R2ISS_POINTS[k] for k in list(factors)[2:] if factors[k] is None)
    fired = [f"{k} (+{R2ISS_POINTS[k]:g})" for k, v in factors.items() if v]
    missing = ["ISS"] if iss_stage is None else []
    missing += [k for k in list(factors)[2:] if factors[k] is None]
    lo_stage, hi_stage = _r2_stage(lo), _r2_stage(hi)
    stage = lo_stage if lo_stage == hi_stage else None
    text = f"R2-ISS score {lo:g}" + (f"–{hi:g}" if hi != lo else "")
    text += ": " + (", ".join(fired) if fired else "no risk factor present")
    if missing:
        text += "; not known: " + ", ".join(missing)
    text += f". Stage {stage}." if stage else f". Stage {lo_stage} to {hi_stage}; cannot be fixed."
    return StageResult(
        "R2-ISS",
        stage,
        Trace("staging.r2iss", text, R2ISS_SOURCE, tuple(refs), unconfirmed=True),
        score=lo if stage else None,
        inputs={k: v for k, v in factors.items()},
    )


def creatinine_clearance(age: float, weight_kg: float, sex: str, creatinine_mg_dl: float) -> float:
    """Cockcroft-Gault, mL/min: (140 − age) × weight / (72 × creatinine), × 0.85 if female."""
    value = (140.0 - age) * weight_kg / (72.0 * creatinine_mg_dl)
    return value * 0.85 if sex == "female" else value


def corrected_calcium(calcium_mg_dl: float, albumin_g_dl: float) -> float:
    return calcium_mg_dl + 0.8 * (4.0 - albumin_g_dl)


def _cyto_text(c: CytogeneticRec) -> str:
    extra = []
    if c.percent is not None:
        extra.append(f"{c.percent:g}% of plasma cells")
    if c.copy_number is not None:
        extra.append(
            f"{c.copy_number} copies" + (" (amplification)" if c.copy_number >= 4 else " (gain)")
        )
    if c.biallelic:
        extra.append("biallelic")
    when = f", {c.date.display()}" if c.date else ""
    where = ", at relapse" if c.at_relapse else ""
    return c.abnormality + (f" ({'; '.join(extra)})" if extra else "") + when + where


def ims_high_risk(
    cyto: list[CytogeneticRec], b2m_mg_l: float | None, creatinine_mg_dl: float | None, refs=()
) -> HighRisk:
    """IMS/IMWG 2025: high risk if any of the four items fires (rules doc 7.2)."""
    present = [c for c in cyto if c.present]
    names = {c.abnormality for c in present}
    items, not_assessable = [], []
    flags = []
    del17 = [c for c in present if c.abnormality == "del(17p)"]
    if del17:
        big = [c for c in del17 if c.percent is None or c.percent >= 20]
        if big:
            unknown = any(c.percent is None for c in big)
            items.append(
                "del(17p)"
                + (
                    " (percentage not entered; counted as ≥ 20%)"
                    if unknown
                    else " in ≥ 20% of cells"
                )
            )
            if unknown:
                flags.append("del(17p) percentage unknown")
    if "TP53 mutation" in names:
        items.append("TP53 mutation")
    trans = sorted(names & {"t(4;14)", "t(14;16)", "t(14;20)"})
    one_q = "1q gain/amp" in names
    del1p = [c for c in present if c.abnormality == "del(1p32)"]
    if trans and (one_q or del1p):
        partner = " and ".join(
            (["1q gain/amp"] if one_q else []) + (["del(1p32)"] if del1p else [])
        )
        items.append(f"{', '.join(trans)} together with {partner}")
    if any(c.biallelic for c in del1p):
        items.append("biallelic del(1p32)")
    elif del1p and one_q:
        items.append("monoallelic del(1p32) with 1q gain/amp")
    if b2m_mg_l is not None and b2m_mg_l >= 5.5:
        if creatinine_mg_dl is None:
            not_assessable.append(
                "β2-microglobulin ≥ 5.5 mg/L but no creatinine to check it is normal"
            )
        elif creatinine_mg_dl < 1.2:
            items.append(
                f"β2-microglobulin {b2m_mg_l:g} mg/L with normal creatinine ({creatinine_mg_dl:g} mg/dL)"
            )
    if not cyto:
        not_assessable.append("no FISH / cytogenetics entered")
    negatives = tuple(sorted({c.abnormality for c in cyto if not c.present} - names))
    if items:
        hr: bool | None = True
        text = "High risk by IMS/IMWG 2025: " + "; ".join(items) + "."
    elif cyto:
        hr = False
        text = "No IMS/IMWG 2025 high-risk item fired with the results entered."
    else:
        hr = None
        text = "High risk cannot be judged: no FISH or cytogenetic results are entered."
    if present:
        text += " Abnormalities found: " + "; ".join(_cyto_text(c) for c in present) + "."
    return HighRisk(
        hr,
        tuple(items),
        tuple(_cyto_text(c) for c in present),
        negatives,
        tuple(not_assessable),
        Trace(
            "staging.high_risk.ims2025",
            text,
            IMS2025_SOURCE,
            tuple(refs) + tuple(c.ref for c in cyto if c.ref),
            flags=tuple(flags),
        ),
    )


# --------------------------------------------------------------------------- from a history
def _last(history: History, test: str, when: dt.date) -> LabRec | None:
    """The last result of ``test`` with a value dated on or before ``when``, by (date, id)."""
    rows = labs_of_test_in_order(history.labs, test)
    for i in range(bisect.bisect_right(rows, when, key=lab_day) - 1, -1, -1):
        if rows[i].value is not None:
            return rows[i]
    return None


def _around(history: History, test: str, center: dt.date, window: int) -> Sequence[LabRec]:
    """The results of ``test`` dated within ``window`` days of ``center`` (any value)."""
    rows = labs_of_test_in_order(history.labs, test)
    span = dt.timedelta(days=window)
    return rows[
        bisect.bisect_left(rows, center - span, key=lab_day) : bisect.bisect_right(
            rows, center + span, key=lab_day
        )
    ]


def _near(
    history: History, test: str, center: dt.date, window: int, before: dt.date | None = None
) -> LabRec | None:
    rows = [
        x
        for x in _around(history, test, center, window)
        if x.value is not None and (before is None or x.date.as_date() <= before)
    ]
    return min(rows, key=lambda x: (abs((x.date.as_date() - center).days), x.id), default=None)


def _ldh_high(lab: LabRec | None) -> bool | None:
    if lab is None or lab.uln is None or lab.value is None:
        return None
    return lab.value > lab.uln


def compute_staging(history: History, *, as_of: PartialDate | dt.date | None = None) -> Staging:
    when = (
        dt.date.today()
        if as_of is None
        else (as_of if isinstance(as_of, dt.date) else as_of.as_date())
    )
    dx = history.diagnosis
    cyto_all = sorted(
        (c for c in history.cytogenetics if c.date is None or c.date.as_date() <= when),
        key=lambda c: ((c.date.sort_key() if c.date else (0, 0, 0)), c.ref),
    )
    cyto_dx = [c for c in cyto_all if not c.at_relapse]
    cyto_rel = [c for c in cyto_all if c.at_relapse]

    # -- at diagnosis
    dx_day = dx.date.as_date() if dx and dx.date else None
    refs: list[str] = [dx.ref] if dx else []
    b2m = dx.beta2m_mg_l if dx else None
    alb = dx.albumin_g_dl if dx else None
    ldh_high = dx.ldh_high if dx else None
    # Measured values typed on the diagnosis record: LDH judged against the lab's own ULN.
    if ldh_high is None and dx and dx.ldh_u_l is not None and dx.ldh_uln_u_l:
        ldh_high = dx.ldh_u_l > dx.ldh_uln_u_l
    creat_dx = dx.creatinine_mg_dl if dx else None
    # Diagnosis-time values must predate treatment, which changes β2M, albumin and LDH.
    first_tx = min((r.start.as_date() for r in history.regimens), default=None)
    if dx_day is not None:
        if b2m is None and (lab := _near(history, "b2m", dx_day, DIAGNOSIS_WINDOW_DAYS, first_tx)):
            b2m, refs = lab.value, [*refs, lab.ref]
        if alb is None and (
            lab := _near(history, "albumin", dx_day, DIAGNOSIS_WINDOW_DAYS, first_tx)
        ):
            alb, refs = lab.value, [*refs, lab.ref]
        if ldh_high is None and (
            lab := _near(history, "ldh", dx_day, DIAGNOSIS_WINDOW_DAYS, first_tx)
        ):
            ldh_high = _ldh_high(lab)
            refs = [*refs, lab.ref]
        if creat_dx is None and (
            lab := _near(history, "creatinine", dx_day, DIAGNOSIS_WINDOW_DAYS, first_tx)
        ):
            creat_dx, refs = lab.value, [*refs, lab.ref]
    s_iss = iss(b2m, alb, refs)
    # A person's ISS override feeds R-ISS and R2-ISS, which are built on it.
    s_iss = _override_stage(history, _with_recorded(s_iss, dx.iss_stage if dx else None))
    cyto_refs = [c.ref for c in cyto_dx if c.ref]
    s_riss = _with_recorded(
        riss(s_iss.stage, cyto_dx, ldh_high, refs + cyto_refs), dx.riss_stage if dx else None
    )
    s_r2 = r2iss(s_iss.stage, cyto_dx, ldh_high, refs + cyto_refs)

    # -- now
    b2m_last = _last(history, "b2m", when)
    alb_last = _last(history, "albumin", when)
    cur = iss(
        b2m_last.value if b2m_last else None,
        alb_last.value if alb_last else None,
        tuple(x.ref for x in (b2m_last, alb_last) if x is not None),
    )
    cur = StageResult(
        "ISS",
        cur.stage,
        Trace(
            "staging.iss.current",
            cur.trace.explanation
            + (f" (β2M {b2m_last.date.display()}" if b2m_last else "")
            + (f", albumin {alb_last.date.display()})" if alb_last else (")" if b2m_last else ""))
            + " ISS is validated at diagnosis, not at relapse.",
            ISS_SOURCE,
            cur.trace.records,
            flags=("not validated at relapse",),
        ),
        inputs=cur.inputs,
    )

    hr = _override_hr(history, ims_high_risk(cyto_all, b2m, creat_dx, refs))
    hr_rel = ims_high_risk(cyto_rel, None, None) if cyto_rel else None
    return Staging(
        {
            "ISS": s_iss,
            "R-ISS": _override_stage(history, s_riss),
            "R2-ISS": _override_stage(history, s_r2),
        },
        cur,
        hr,
        hr_rel,
        _crcl(history, when),
        _ca(history, when),
    )


def _overridden(t: Trace, o, text: str) -> Trace:
    return dataclasses.replace(
        t,
        explanation=f"{t.explanation} {text} by you ({o.reason}).",
        records=(*t.records, o.ref),
        overridden_by=o.ref,
    )


def _override_stage(history: History, res: StageResult) -> StageResult:
    """Rule "staging", subject "ISS" / "R-ISS" / "R2-ISS" (at diagnosis), value the stage."""
    o = history.overrides_for("staging", res.system)
    if o is None:
        return res
    trace = _overridden(res.trace, o, f"Stage set to {o.value}")
    return dataclasses.replace(res, stage=o.value, trace=trace)


def _override_hr(history: History, hr: HighRisk) -> HighRisk:
    """Rule "staging", subject "high_risk", value yes/no."""
    o = history.overrides_for("staging", "high_risk")
    if o is None:
        return hr
    val = o.value.strip().lower() in ("yes", "true", "1", "y")
    trace = _overridden(hr.trace, o, f"High risk set to {'yes' if val else 'no'}")
    return dataclasses.replace(hr, high_risk=val, trace=trace)


def _with_recorded(res: StageResult, recorded: str | None) -> StageResult:
    if not recorded:
        return res
    note = f" The clinic letter says {res.system} {recorded}."
    if res.stage and res.stage != recorded:
        note += " The two differ: check the values entered."
    t = res.trace
    return StageResult(
        res.system,
        res.stage,
        Trace(
            t.rule,
            t.explanation + note,
            t.source,
            t.records,
            t.unconfirmed,
            t.overridden_by,
            t.flags,
        ),
        recorded,
        res.score,
        res.inputs,
    )


def _crcl(history: History, when: dt.date) -> ValueResult:
    c = _last(history, "creatinine", when)
    p = history.person
    missing = []
    if c is None:
        missing.append("a creatinine result")
    if p.birth_date is None:
        missing.append("date of birth")
    weight_src, weight = None, None
    if c is not None:
        wl = [
            w
            for w in _around(history, "weight", c.date.as_date(), WEIGHT_WINDOW_DAYS)
            if w.value is not None and w.date.as_date() <= when
        ]
        if wl:
            w = min(wl, key=lambda w: (abs((w.date.as_date() - c.date.as_date()).days), -w.id))
            weight, weight_src = w.value, f"weight {fmt_number(w.value)} kg on {w.date.display()}"
    if weight is None and p.weight_kg is not None:
        weight, weight_src = (
            p.weight_kg,
            f"weight {fmt_number(p.weight_kg)} kg from the profile (undated)",
        )
    if weight is None:
        missing.append("a weight")
    # The None tests repeat what ``missing`` says, for the type checker (_labs keeps
    # only results with a value).
    if missing or c is None or c.value is None or p.birth_date is None or weight is None:
        return ValueResult(
            "creatinine clearance",
            None,
            "mL/min",
            None,
            Trace(
                "staging.crcl",
                "Creatinine clearance cannot be computed: needs " + ", ".join(missing) + ".",
                CG_SOURCE,
            ),
        )
    cday = c.date.as_date()
    # Completed years, as clinical calculators use.
    b = p.birth_date.as_date()
    age = cday.year - b.year - ((cday.month, cday.day) < (b.month, b.day))
    refs = (c.ref,)
    male = creatinine_clearance(age, weight, "male", c.value)
    female = creatinine_clearance(age, weight, "female", c.value)
    if p.sex in ("male", "female"):
        value, rng, sex_text = (male if p.sex == "male" else female), None, p.sex
        flags: tuple[str, ...] = ()
    else:
        value, rng, sex_text = (
            female,
            (female, male),
            "sex not entered: the lower (female) value is shown",
        )
        flags = ("sex unknown",)
    text = (
        f"Cockcroft-Gault: (140 − age {age:.0f}) × {weight_src} / (72 × creatinine "
        f"{fmt_number(c.value)} mg/dL "
        f"on {c.date.display()})"
        + (" × 0.85 (female)" if p.sex == "female" else "")
        + f" = {value:.0f} mL/min; {sex_text}."
    )
    return ValueResult(
        "creatinine clearance",
        value,
        "mL/min",
        c.date,
        Trace("staging.crcl", text, CG_SOURCE, refs, flags=flags),
        rng,
    )


def _ca(history: History, when: dt.date) -> ValueResult:
    ca = _last(history, "calcium", when)
    if ca is None:
        return ValueResult(
            "corrected calcium",
            None,
            "mg/dL",
            None,
            Trace(
                "staging.corrected_calcium",
                "Corrected calcium cannot be computed: no calcium result.",
                CA_SOURCE,
            ),
        )
    alb = _near(history, "albumin", ca.date.as_date(), ALBUMIN_PAIR_DAYS)
    # (_labs and _near keep only results with a value.)
    if alb is None or alb.date.as_date() > when or alb.value is None or ca.value is None:
        return ValueResult(
            "corrected calcium",
            None,
            "mg/dL",
            ca.date,
            Trace(
                "staging.corrected_calcium",
                f"Corrected calcium cannot be computed: no albumin within {ALBUMIN_PAIR_DAYS} days of the calcium of {ca.date.display()}.",
                CA_SOURCE,
                (ca.ref,),
            ),
        )
    value = corrected_calcium(ca.value, alb.value)
    return ValueResult(
        "corrected calcium",
        value,
        "mg/dL",
        ca.date,
        Trace(
            "staging.corrected_calcium",
            f"Calcium {ca.value:g} mg/dL ({ca.date.display()}) + 0.8 × (4 − albumin {alb.value:g} g/dL "
            f"({alb.date.display()})) = {value:.1f} mg/dL.",
            CA_SOURCE,
            (ca.ref, alb.ref),
        ),
    )


__all__ = [
    "APP_CONVENTION",
    "HighRisk",
    "StageResult",
    "Staging",
    "ValueResult",
    "compute_staging",
    "corrected_calcium",
    "creatinine_clearance",
    "ims_high_risk",
    "iss",
    "r2iss",
    "riss",
]
