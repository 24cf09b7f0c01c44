"""The journal's facts, as the trial checks read them: one adapter over the Summary.

Nothing here computes a medical rule: lines, refractoriness, measurable disease, washouts and
creatinine clearance all come from :func:`journal.domain.summary.build_summary`. This module
only finds the right fact, its date and its age, and says plainly when the journal lacks it.

Exclusion facts (plasma cell leukaemia, CNS, amyloidosis, POEMS, other cancers, HIV,
hepatitis, autoimmune disease, thrombosis, eye/cornea) are read through :func:`exclusion_fact`:
from ``Summary.exclusions`` when the summary carries it (a list of facts with ``key``,
``label``, ``status`` "yes"/"no"/"not_recorded", ``date``, ``details``), otherwise from the
disease features already in the history (which can say "present" but never "absent").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from journal.domain.dates import PartialDate
from journal.domain.labs import LAB_TESTS
from journal.domain.summary import Summary
from journal.domain.trace import Trace


@dataclass(frozen=True)
class Fact:
    """One fact used by a check, with where it came from and how old it is."""

    label: str
    value: str
    date: str | None = None  # ISO, kept at its precision
    days_old: int | None = None
    computed: bool = True  # computed by a rule (True) or entered as it is (False)
    records: tuple[str, ...] = ()
    trace: Trace | None = None

    def to_json(self) -> dict:
        return {
            "label": self.label,
            "value": self.value,
            "date": self.date,
            "days_old": self.days_old,
            "computed": self.computed,
            "records": list(self.records),
            "trace": self.trace.to_json() if self.trace else None,
        }

    def display(self) -> str:
        when = ""
        if self.date:
            when = f" ({self.date}"
            if self.days_old is not None:
                when += f", {self.days_old} days old"
            when += ")"
        return f"{self.label}: {self.value}{when}"


@dataclass(frozen=True)
class ExclusionFact:
    key: str
    label: str
    status: str  # yes | no | not_recorded
    date: str | None = None
    details: str | None = None
    records: tuple[str, ...] = ()
    trace: Trace | None = None


# The topics the exclusion checks ask about, and every spelling the record may use for them
# (keys and labels of Summary.exclusions, the health-history topics, the disease flags).
EXCLUSION_TOPICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "plasma_cell_leukaemia": (
        "plasma cell leukaemia",
        ("plasma_cell_leukaemia", "plasma_cell_leukemia", "pcl", "plasma cell leukaemia"),
    ),
    "cns": ("myeloma in the brain or spinal fluid (CNS)", ("cns", "cns involvement")),
    "amyloidosis": ("AL amyloidosis", ("amyloidosis", "al amyloidosis", "al_amyloidosis")),
    "poems": ("POEMS syndrome", ("poems", "poems syndrome")),
    "other_cancer": ("another cancer", ("other_cancer", "another cancer", "other cancers")),
    "hiv": ("HIV", ("hiv",)),
    "hepatitis_b": ("hepatitis B", ("hepatitis_b", "hepatitis b", "hbv")),
    "hepatitis_c": ("hepatitis C", ("hepatitis_c", "hepatitis c", "hcv")),
    "autoimmune": ("autoimmune disease", ("autoimmune", "autoimmune disease")),
    "thrombosis": (
        "blood clot in a vein or the lungs (DVT / PE)",
        ("thrombosis", "dvt_pe", "dvt", "blood clot in a vein or the lungs (dvt / pe)"),
    ),
    "corneal": ("eye or cornea problem", ("corneal", "cornea", "eye", "eye or cornea problem")),
    "extramedullary": ("extramedullary disease", ("extramedullary", "extramedullary disease")),
    "gvhd": ("graft-versus-host disease", ("gvhd", "graft-versus-host disease (gvhd)")),
    "active_infection": (
        "an infection needing treatment now",
        ("active_infection", "infection needing treatment now"),
    ),
    "heart": (
        "heart disease (heart attack, heart failure or irregular heartbeat)",
        (
            "heart_attack",
            "heart_failure",
            "arrhythmia",
            "heart attack (myocardial infarction)",
            "heart failure",
            "irregular heartbeat (arrhythmia)",
        ),
    ),
}
_FLAG_TOPIC = {
    "plasma cell leukaemia": "plasma_cell_leukaemia",
    "al amyloidosis": "amyloidosis",
    "poems": "poems",
    "cns involvement": "cns",
    "extramedullary disease": "extramedullary",
}


def _norm(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip().lower()


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


class ScreeningFacts:
    """What the checks may ask of one Summary (all look-ups, no rules)."""

    def __init__(self, summary: Summary):
        self.summary = summary
        self.as_of: dt.date = summary.as_of
        self.history = summary.history
        self.ledger = summary.ledger
        self._labs = {x.lab.test: x for x in summary.latest_labs}

    # -- person -------------------------------------------------------------------------
    def age(self) -> tuple[int | None, Fact | None]:
        birth = self.history.person.birth_date
        if birth is None:
            return None, None
        b = birth.as_date()
        years = self.as_of.year - b.year - ((self.as_of.month, self.as_of.day) < (b.month, b.day))
        approx = "" if birth.day is not None else " (birth date not exact)"
        return years, Fact(
            "Age", f"{years} years{approx}", birth.to_iso(), None, True, ("person:1",)
        )

    # -- lines ---------------------------------------------------------------------------
    def prior_lines(self) -> tuple[int, Fact]:
        as_of = PartialDate.from_date(self.as_of)
        n = self.summary.lines.prior_lines(as_of)
        trace = self.summary.lines.prior_lines_trace(as_of)
        return n, Fact(
            "Prior lines of therapy", str(n), self.as_of.isoformat(), 0, True, trace.records, trace
        )

    # -- ECOG ----------------------------------------------------------------------------
    def ecog(self) -> tuple[int | None, Fact | None]:
        e = self.summary.ecog
        if e is None:
            return None, None
        days = (self.as_of - e.date.as_date()).days
        return e.score, Fact(
            "ECOG performance status", str(e.score), e.date.to_iso(), days, False, (e.ref,)
        )

    # -- labs ----------------------------------------------------------------------------
    def lab(self, test: str):
        """The latest value of a lab (``LatestLab``) or None."""
        return self._labs.get(test) or self._any_latest(test)

    def _any_latest(self, test: str):
        # Tests outside the summary's key list (added by other parts of the record later).
        from journal.domain.summary import LatestLab

        rows = [x for x in self.history.labs if x.test == test and x.value is not None]
        if not rows:
            return None
        lab = max(rows, key=lambda x: (x.date.sort_key(), x.id))
        sup = self.summary.washouts.is_supported(lab.ref)
        return LatestLab(
            lab, (self.as_of - lab.date.as_date()).days, sup.reason if sup else None, None
        )

    def lab_fact(self, test: str, latest) -> Fact:
        t = LAB_TESTS.get(test)
        name = t.name if t else test
        unit = t.unit if t else ""
        v = latest.lab.value
        value = f"{v:g} {unit}".strip() if v is not None else (latest.lab.text_value or "")
        if latest.lab.uln is not None:
            value += f" (upper limit of normal {latest.lab.uln:g})"
        if latest.supported:
            value += f"; may be supported: {latest.supported}"
        return Fact(
            name, value, latest.lab.date.to_iso(), latest.days_old, False, (latest.lab.ref,)
        )

    def value_result(self, name: str):
        """A computed value of the staging block: creatinine_clearance, corrected_calcium."""
        return getattr(self.summary.staging, name, None)

    # -- measurable disease --------------------------------------------------------------
    def measurable(self):
        return self.summary.responses.current_measurable

    # -- washouts and procedures ---------------------------------------------------------
    def washout(self, key: str):
        return self.summary.washouts.get(key)

    def procedures(self, kind) -> list:
        return [
            p for p in self.history.procedures if p.kind == kind and p.date.earliest() <= self.as_of
        ]

    # -- side effects --------------------------------------------------------------------
    def side_effects(self, words: tuple[str, ...]) -> list:
        out = []
        for v in self.summary.side_effects:
            name = _norm(f"{v.term} {v.plain_name or ''}")
            if any(w in name for w in words):
                out.append(v)
        return out

    # -- exclusion facts -----------------------------------------------------------------
    def exclusion_fact(self, topic: str) -> ExclusionFact:
        return exclusion_fact(self.summary, topic)


def exclusion_fact(summary: Summary, topic: str) -> ExclusionFact:
    """The record's answer about one exclusion topic; ``not_recorded`` when it has none.

    Reads ``Summary.exclusions`` when present (written in parallel by the record work),
    then the disease features of the history, which only ever say "present"."""
    label, aliases = EXCLUSION_TOPICS[topic]
    names = {_norm(a) for a in aliases} | {topic}
    found: list[ExclusionFact] = []
    for item in getattr(summary, "exclusions", None) or ():
        key = _norm(_get(item, "key"))
        lab = _norm(_get(item, "label"))
        if key in names or lab in names:
            status = _norm(_get(item, "status")) or "not_recorded"
            if status not in ("yes", "no"):
                status = "not_recorded"
            date = _get(item, "date")
            if isinstance(date, PartialDate):
                date = date.to_iso()
            refs = _get(item, "records") or _get(item, "ref") or ()
            trace = _get(item, "trace")
            found.append(
                ExclusionFact(
                    topic,
                    _get(item, "label") or label,
                    status,
                    str(date) if date else None,
                    _get(item, "details"),
                    (refs,) if isinstance(refs, str) else tuple(refs),
                    trace if isinstance(trace, Trace) else None,
                )
            )
    yes = [f for f in found if f.status == "yes"]
    if yes:
        return yes[-1]
    for f in summary.history.features:
        if _FLAG_TOPIC.get(_norm(f.flag)) == topic:
            return ExclusionFact(
                topic,
                label,
                "yes",
                f.date.to_iso() if f.date else None,
                f.site,
                (f.ref,) if f.ref else (),
            )
    no = [f for f in found if f.status == "no"]
    if no:
        return no[-1]
    return ExclusionFact(topic, label, "not_recorded")


@dataclass(frozen=True)
class Finding:
    """What one check found: does the criterion's condition hold in the record?

    ``holds`` None = the record lacks the fact (``missing`` says which); ``judgement`` = the
    words need a person's judgement even with the facts at hand."""

    holds: bool | None
    explanation: str
    facts: tuple[Fact, ...] = ()
    judgement: bool = False
    missing: str | None = None
    rule: str = ""
    flags: tuple[str, ...] = field(default=())
