"""One date per event: the single answer to "when did this happen?".

A transplant or CAR-T infusion is entered with the day of the infusion and often the
day the person went home ("Until"). Printing one on page 1 and the other in the
last-dose table made the same event look like two (issue 11). Every place that shows
or counts from an event (screens, chart, PDF, JSON, washouts) asks this module.

Conventions (app convention, documented in docs/reports.md):

* a transplant (auto or allo) and a CAR-T infusion happen on **day 0**, the
  infusion day; the hospital stay after it is not the event;
* a course that lasts several days (radiotherapy, plasmapheresis, apheresis,
  a series of transfusions) is known by its **last day**: washouts count from the
  last fraction or session;
* the current response is the most recent response or progression of any source;
  a response is never reported as current when a progression was recorded or
  computed after it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from journal.domain.dates import PartialDate, day_text_padded
from journal.domain.events import progression_events
from journal.domain.records import History, ProcedureRec
from journal.domain.trace import APP_CONVENTION, IMWG_RESPONSE_2016, Trace
from journal.domain.vocab import ProcedureKind

DAY_ZERO_KINDS = frozenset(
    {ProcedureKind.AUTO_SCT.value, ProcedureKind.ALLO_SCT.value, ProcedureKind.CAR_T.value}
)


def procedure_date(p: ProcedureRec) -> PartialDate:
    """The date a procedure is known by everywhere (see the module docstring)."""
    if p.kind in DAY_ZERO_KINDS or p.end is None:
        return p.date
    return p.end


def procedure_date_as_of(p: ProcedureRec, when: dt.date) -> PartialDate:
    """:func:`procedure_date` as known on ``when``: a course still running on that
    day is known by its start so far (its last day had not come yet)."""
    d = procedure_date(p)
    return d if d.earliest() <= when else p.date


def procedure_span(p: ProcedureRec) -> tuple[PartialDate, PartialDate | None]:
    """(first day, last day or None) as entered, for texts like "in hospital until"."""
    return p.date, p.end


PROGRESSION = "PD"


@dataclass(frozen=True)
class ResponseEvent:
    date: PartialDate
    category: str  # IMWG category; "PD" for a progression
    source: str  # "recorded" (entered from the clinic) | "computed" (from labs)
    confirmed: bool
    ref: str
    assessor: str | None = None  # who recorded it (clinician, patient, ...)

    @property
    def is_progression(self) -> bool:
        return self.category == PROGRESSION

    def to_json(self) -> dict:
        return {
            "date": self.date.to_iso(),
            "date_display": self.date.display(),
            "category": self.category,
            "source": self.source,
            "confirmed": self.confirmed,
            "ref": self.ref,
            "assessor": self.assessor,
            "computed": self.source == "computed",
        }


@dataclass(frozen=True)
class CurrentResponse:
    """The latest response event, and the latest recorded one when that differs.

    ``recorded`` is None when nothing was entered or when a later progression
    (recorded or computed) makes the entered response out of date."""

    latest: ResponseEvent | None
    recorded: ResponseEvent | None
    trace: Trace

    def to_json(self) -> dict:
        return {
            "latest": self.latest.to_json() if self.latest else None,
            "recorded": self.recorded.to_json() if self.recorded else None,
            "computed": True,
            "trace": self.trace.to_json(),
        }


def _key(e: ResponseEvent) -> tuple:
    # On the same day a progression outranks a response; a recorded entry outranks a
    # computed one (the clinic saw more than the labs).
    return (e.date.sort_key(), e.is_progression, e.source == "recorded")


def response_events(history: History, responses, when: dt.date) -> list[ResponseEvent]:
    """Every response and confirmed progression known on ``when``, oldest first."""
    out: list[ResponseEvent] = []
    for r in history.responses:
        if r.date.earliest() > when or r.assessor == "computed":
            continue
        out.append(ResponseEvent(r.date, str(r.category), "recorded", True, r.ref, r.assessor))
    for p in history.progressions:
        if p.confirmed and p.date.earliest() <= when:
            out.append(ResponseEvent(p.date, PROGRESSION, "recorded", True, p.ref, "clinician"))
    # A regimen that "ended for progression" is a progression too (issue 9), unless a
    # record already stands for it; an inadequate response is not a progression.
    computed = (
        [(PartialDate.from_date(p.date), p.ref) for p in responses.progressions]
        if responses is not None
        else []
    )
    for ev in progression_events(history, computed):
        if ev.from_end_reason and not ev.non_response and ev.date.earliest() <= when:
            out.append(ResponseEvent(ev.date, PROGRESSION, "recorded", True, ev.ref, "clinician"))
    if responses is not None:
        for lr in responses.lines:
            for a in lr.assessments:
                if a.date <= when and a.category != PROGRESSION:
                    out.append(
                        ResponseEvent(
                            PartialDate.from_date(a.date),
                            a.category,
                            "computed",
                            a.confirmed,
                            a.ref,
                        )
                    )
        for p in responses.progressions:
            if p.date <= when:
                out.append(
                    ResponseEvent(
                        PartialDate.from_date(p.date), PROGRESSION, "computed", True, p.ref
                    )
                )
    out.sort(key=_key)
    return out


def current_response(history: History, responses, when: dt.date) -> CurrentResponse:
    """The response a screener should read as "current" on ``when``."""
    events = response_events(history, responses, when)
    latest = events[-1] if events else None
    recorded = next((e for e in reversed(events) if e.source == "recorded"), None)
    superseded_by = None
    if recorded is not None and not recorded.is_progression:
        later = [
            e for e in events if e.is_progression and e.date.sort_key() > recorded.date.sort_key()
        ]
        if later:
            superseded_by = later[-1]
            recorded = None
    if latest is None:
        text = "No response or progression is recorded or computable."
    else:
        text = (
            f"The most recent response or progression known on {day_text_padded(when)} is "
            f"{latest.category} on {latest.date.display()} ({latest.source})."
        )
        if superseded_by is not None:
            text += (
                f" The last response entered from the clinic is older than the progression "
                f"on {superseded_by.date.display()}, so it is not shown as current."
            )
    trace = Trace(
        "event_dates.current_response",
        text,
        IMWG_RESPONSE_2016 if latest and latest.source == "computed" else APP_CONVENTION,
        tuple(e.ref for e in (latest, recorded) if e is not None),
    )
    return CurrentResponse(latest, recorded if recorded != latest else None, trace)


def _event_words(e: dict) -> str:
    what = "progression (PD)" if e["category"] == PROGRESSION else e["category"]
    when = e.get("date_display") or e["date"]
    if e["source"] == "computed":
        how = "computed from labs" + ("" if e.get("confirmed") else ", not yet confirmed")
    else:
        who = e.get("assessor") or "clinician"
        how = "entered from the clinic" if who == "clinician" else f"recorded, {who}"
    return f"{what} on {when} ({how})"


def describe_current_response(cur: dict | None) -> list[tuple[str, bool]]:
    """The current response in words, as (text, computed?) parts, from the JSON form
    (``CurrentResponse.to_json()``): the one wording of screens and PDF."""
    if not cur or not cur.get("latest"):
        return [("no response recorded or computable", False)]
    latest, rec = cur["latest"], cur.get("recorded")
    parts = [(_event_words(latest), latest["source"] == "computed")]
    if rec:
        parts.append(("; last entry from the clinic: " + _event_words(rec), False))
    return parts
