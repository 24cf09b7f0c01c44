"""Transfusions and growth-factor support as dated events.

Screeners ask "no transfusion or growth factor within 7/14 days of screening labs";
the lab-usability flags (:func:`journal.domain.washout.supported_labs`) use the
same records. Here they are listed, newest first, for the summary's
supportive-care section: red-cell and platelet transfusions (procedures) and
courses of G-CSF or erythropoietin-type drugs (supportive medicines, or drugs
given with a regimen).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from journal.domain.catalog import get_catalog
from journal.domain.dates import PartialDate
from journal.domain.records import History
from journal.domain.vocab import ProcedureKind

GROWTH_FACTOR_CLASSES = ("G-CSF", "ESA")
_TRANSFUSIONS = {
    ProcedureKind.TRANSFUSION_RBC.value: "red-cell transfusion",
    ProcedureKind.TRANSFUSION_PLATELETS.value: "platelet transfusion",
}


@dataclass(frozen=True)
class SupportiveEvent:
    kind: str  # "red-cell transfusion", "platelet transfusion", "growth factor"
    name: str  # the transfusion, or the medicine as entered
    date: PartialDate  # the transfusion day, or the first day of the course
    end: PartialDate | None  # last day of a course (None = going on / one day)
    units: float | None
    drug_class: str | None  # G-CSF / ESA for growth factors
    ref: str

    def to_json(self, as_of: dt.date) -> dict:
        return {
            "kind": self.kind,
            "name": self.name,
            "date": self.date.to_iso(),
            "end": self.end.to_iso() if self.end else None,
            "units": self.units,
            "drug_class": self.drug_class,
            "days_ago": (as_of - (self.end or self.date).latest()).days,
            "ref": self.ref,
            "computed": False,
        }


def supportive_events(history: History, as_of: dt.date) -> tuple[SupportiveEvent, ...]:
    """Every transfusion and growth-factor course started on or before ``as_of``, newest first."""
    out: list[SupportiveEvent] = []
    for p in history.procedures:
        if p.kind in _TRANSFUSIONS and p.date.earliest() <= as_of:
            end = p.end if p.end and p.end.earliest() <= as_of else None
            out.append(
                SupportiveEvent(_TRANSFUSIONS[p.kind], p.kind, p.date, end, p.units, None, p.ref)
            )
    cat = get_catalog()
    for s in history.supportive:
        drug = cat.get(s.drug_id) if s.drug_id else cat.identify(s.name)
        if drug is None or drug.drug_class not in GROWTH_FACTOR_CLASSES or s.start is None:
            continue
        if s.start.earliest() <= as_of:
            end = s.end if s.end and s.end.earliest() <= as_of else None
            out.append(
                SupportiveEvent("growth factor", s.name, s.start, end, None, drug.drug_class, s.ref)
            )
    for r in history.regimens:
        for d in r.drugs:
            drug = cat.get(d.drug_id) if d.drug_id else None
            if drug is None or drug.drug_class not in GROWTH_FACTOR_CLASSES or d.start is None:
                continue
            if d.start.earliest() <= as_of:
                end = d.last_dose if d.last_dose and d.last_dose.earliest() <= as_of else None
                out.append(
                    SupportiveEvent(
                        "growth factor", d.name, d.start, end, None, drug.drug_class, d.ref
                    )
                )
    return tuple(sorted(out, key=lambda e: (e.date.sort_key(), e.ref), reverse=True))
