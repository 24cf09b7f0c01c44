"""Kidney function estimated from creatinine: eGFR by the CKD-EPI 2021 equation.

Trial texts ask for "eGFR >= 30 mL/min/1.73 m2" or "creatinine clearance"; most
people have a creatinine on every blood test but no eGFR written down. The
equation (Inker et al., N Engl J Med 2021;385:1737, race-free) needs creatinine
(mg/dL, IDMS-traceable), age in years and sex:

    eGFR = 142 x min(Scr/k, 1)^a x max(Scr/k, 1)^-1.200 x 0.9938^age x 1.012 [female]
    k = 0.7 (female) / 0.9 (male), a = -0.241 (female) / -0.302 (male)

It is defined for adults only and needs a sex of female or male; otherwise
the result says what is missing instead of guessing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from journal.domain.dates import PartialDate, Precision
from journal.domain.records import History, LabRec, labs_of_test_in_order
from journal.domain.trace import Source, Trace

CKD_EPI_2021 = Source(
    "CKD-EPI 2021 creatinine equation (Inker et al., N Engl J Med 2021;385:1737-1749), "
    "as published by the National Kidney Foundation",
    "https://www.kidney.org/ckd-epi-creatinine-equation-2021",
)

UNIT = "mL/min/1.73m2"


def ckd_epi_2021(creatinine_mg_dl: float, age_years: float, sex: str) -> float:
    """eGFR in mL/min/1.73 m2 (unrounded). ``sex`` is "female" or "male"."""
    if sex not in ("female", "male"):
        raise ValueError("the CKD-EPI 2021 equation needs sex female or male")
    if creatinine_mg_dl <= 0:
        raise ValueError("creatinine must be above 0")
    female = sex == "female"
    k = 0.7 if female else 0.9
    a = -0.241 if female else -0.302
    ratio = creatinine_mg_dl / k
    value = 142 * min(ratio, 1) ** a * max(ratio, 1) ** -1.200 * 0.9938**age_years
    return value * 1.012 if female else value


@dataclass(frozen=True)
class EgfrResult:
    """The eGFR computed from one creatinine result, or why it could not be."""

    value: float | None  # rounded to a whole number, as laboratories report it
    date: PartialDate | None  # the creatinine's date
    creatinine_mg_dl: float | None
    age_years: int | None
    sex: str
    missing: str | None  # plain sentence when no value could be computed
    trace: Trace

    def to_json(self) -> dict:
        return {
            "value": self.value,
            "unit": UNIT,
            "date": self.date.to_iso() if self.date else None,
            "inputs": {
                # One rounding everywhere: the value the explanation prints.
                "creatinine_mg_dl": (
                    None if self.creatinine_mg_dl is None else round(self.creatinine_mg_dl, 2)
                ),
                "age_years": self.age_years,
                "sex": self.sex,
            },
            "missing": self.missing,
            "computed": True,
            "trace": self.trace.to_json(),
        }


def _age_on(birth: PartialDate, when: dt.date) -> int:
    b = birth.as_date()
    return when.year - b.year - ((when.month, when.day) < (b.month, b.day))


def egfr_from_creatinine(lab: LabRec, birth: PartialDate | None, sex: str) -> EgfrResult:
    """CKD-EPI 2021 from one creatinine (canonical mg/dL) with the person's age on its date."""
    refs = (lab.ref,)
    when = lab.date.as_date()
    age = _age_on(birth, when) if birth is not None else None

    def missing(why: str) -> EgfrResult:
        return EgfrResult(
            None,
            lab.date,
            lab.value,
            age,
            sex,
            why,
            Trace("kidney.egfr.missing", why, CKD_EPI_2021, refs),
        )

    if lab.value is None or lab.value <= 0:
        return missing("The creatinine result has no number, so no eGFR was computed.")
    if birth is None or age is None:
        return missing("The birth date is not recorded, so the age for the eGFR is unknown.")
    if sex not in ("female", "male"):
        return missing(
            "The CKD-EPI 2021 equation has coefficients for female and male only; "
            "the sex recorded is not one of these, so no eGFR was computed."
        )
    if age < 18:
        return missing("The CKD-EPI 2021 equation is for adults (18 or older).")
    value = round(ckd_epi_2021(lab.value, age, sex))
    flags: tuple[str, ...] = ()
    if birth.precision in (Precision.YEAR, Precision.SEASON):
        flags = ("age from a birth date known only to the year",)
    explanation = (
        f"eGFR {value} {UNIT} on {lab.date.display()}: CKD-EPI 2021 from creatinine "
        f"{lab.value:.2f} mg/dL, age {age}, sex {sex}."
    )
    return EgfrResult(
        value,
        lab.date,
        lab.value,
        age,
        sex,
        None,
        Trace("kidney.egfr.ckd_epi_2021", explanation, CKD_EPI_2021, refs, flags=flags),
    )


def latest_egfr(history: History, as_of: dt.date | None = None) -> EgfrResult | None:
    """The eGFR from the latest creatinine on or before ``as_of`` (None: no creatinine)."""
    # By (date, id): from the end, the first that counts is the latest (the others were
    # all read before, on a long history).
    for lab in reversed(labs_of_test_in_order(history.labs, "creatinine")):
        if lab.value is not None and (as_of is None or lab.date.earliest() <= as_of):
            return egfr_from_creatinine(lab, history.person.birth_date, history.person.sex)
    return None
