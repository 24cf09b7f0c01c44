"""Progression events as the rules see them: entered, computed from labs, or read from
an end reason ("Why it ended: progression").

People rarely enter a separate progression record: a clinic letter says "VRd stopped in
Feb 2022 because the myeloma progressed", and the regimen's end reason holds that fact.
:func:`progression_events` turns such an end reason into an event every rule uses
(disease status, refractoriness, lines, functional high risk, time since the last
progression), dated with the precision entered, and lets a progression record for the
same event replace it, so nothing is counted twice.

Conventions (the rules doc leaves them open)
--------------------------------------------
* A regimen (or a single drug) that ended for *progression* or *relapse* is a
  progression on its end date (or the drug's last dose), for every rule.
* *Inadequate response* is a non-response on that date, not a progression: it makes the
  drugs of that regimen refractory by the response arm (unless a response at the rule's
  level was recorded while on them), counts as "not responding" for the disease status
  (rules doc 2.1), and opens a new line when treatment is restarted; it is not a
  progression for the 60-day arm, functional high risk or time since progression.
* The same event: an entered or computed progression linked to that regimen, or dated
  within :data:`SAME_EVENT_DAYS` days of the end date (either side), replaces the
  end-reason event.
* A drug's own stop reason makes its own event only when the drug stopped on another
  day than its regimen's end (else the regimen's event stands for both).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from journal.domain.dates import PartialDate
from journal.domain.records import History
from journal.domain.vocab import ChangeReason, ProgressionKind

#: An entered progression this close to an end date is the same event.
SAME_EVENT_DAYS = 60

PROGRESSION_END_REASONS = {
    ChangeReason.PROGRESSION.value,
    ChangeReason.RELAPSE.value,
    ChangeReason.INADEQUATE_RESPONSE.value,
}

ORIGIN_ENTERED = "entered"
ORIGIN_COMPUTED = "computed"
ORIGIN_END_REASON = "end reason"


@dataclass(frozen=True)
class ProgressionEvent:
    """One progression (or non-response) the rules count."""

    date: PartialDate
    ref: str  # "progression:3", "computed:progression:...", "regimen:2", "regimen_drug:7"
    origin: str  # ORIGIN_ENTERED | ORIGIN_COMPUTED | ORIGIN_END_REASON
    reason: str = ChangeReason.PROGRESSION.value  # for end reasons: the reason entered
    regimen_id: int | None = None
    what: str = ""  # "VRd" / "lenalidomide (in VRd)" for end-reason events

    @property
    def id(self) -> str:  # the lines walker sorts events by (date, id)
        return self.ref

    @property
    def from_end_reason(self) -> bool:
        return self.origin == ORIGIN_END_REASON

    @property
    def non_response(self) -> bool:
        """ "Ended for inadequate response": a failure to respond, not a progression."""
        return self.from_end_reason and self.reason == ChangeReason.INADEQUATE_RESPONSE.value

    def describe(self) -> str:
        """Plain words for a trace: the date as entered and where the event comes from."""
        if self.origin == ORIGIN_END_REASON:
            return (
                f"{self.date.display()} (from the regimen's end reason: {self.what} ended for "
                f"{self.reason})"
            )
        if self.origin == ORIGIN_COMPUTED:
            return f"{self.date.display()} (computed from the labs)"
        return self.date.display()

    def to_json(self) -> dict:
        return {
            "date": self.date.to_iso(),
            "date_display": self.date.display(),
            "ref": self.ref,
            "origin": self.origin,
            "reason": self.reason,
            "regimen_id": self.regimen_id,
        }


def _near(a: PartialDate, b: PartialDate) -> bool:
    # Spans that overlap are the same moment as far as the record can tell.
    if a.earliest() <= b.latest() and b.earliest() <= a.latest():
        return True
    return abs((a.midpoint() - b.midpoint()).days) <= SAME_EVENT_DAYS


class _SameEventIndex:
    """Entered and computed events (in their order), found by regimen or by nearby date
    with a binary search: each end reason asks, and asking every record each time made
    long histories quadratic. ``first(ev)`` is the first of them that stands for ``ev``."""

    def __init__(self, events: Sequence[ProgressionEvent]) -> None:
        self.events = events
        self.by_regimen: dict[int, list[int]] = {}
        for i, o in enumerate(events):
            if o.regimen_id is not None:
                self.by_regimen.setdefault(o.regimen_id, []).append(i)
        # (midpoint, index, earliest, latest), by midpoint: _near without its date arithmetic
        self.by_mid = sorted(
            (o.date.midpoint(), i, o.date.earliest(), o.date.latest()) for i, o in enumerate(events)
        )
        self.mids = [m[0] for m in self.by_mid]
        # The longest span among them (0 when every date is a day): two dates whose spans
        # overlap have midpoints at most half their spans' sum (+1 for rounding) apart.
        self.widest = max(((hi - lo).days for _m, _i, lo, hi in self.by_mid), default=0)

    def first(self, ev: ProgressionEvent) -> ProgressionEvent | None:
        found = self.by_regimen.get(ev.regimen_id, []) if ev.regimen_id is not None else []
        best = found[0] if found else None
        mid, lo_day, hi_day = ev.date.midpoint(), ev.date.earliest(), ev.date.latest()
        reach = dt.timedelta(
            days=max(SAME_EVENT_DAYS, (self.widest + (hi_day - lo_day).days) // 2 + 1)
        )
        lo = bisect.bisect_left(self.mids, mid - reach)
        hi = bisect.bisect_right(self.mids, mid + reach)
        for o_mid, i, o_lo, o_hi in self.by_mid[lo:hi]:
            if (best is None or i < best) and (
                (o_lo <= hi_day and lo_day <= o_hi) or abs((o_mid - mid).days) <= SAME_EVENT_DAYS
            ):
                best = i
        return self.events[best] if best is not None else None


_end_reason_events: tuple[tuple, tuple[ProgressionEvent, ...]] = ((), ())


def end_reason_events(history: History) -> list[ProgressionEvent]:
    """Every progression / non-response an end reason states, before de-duplication.

    They come from the regimens alone; the last answer is kept, matched by the identity of
    the (immutable) tuple of regimens: the lines, the responses and the ledger each ask
    about the same history, five times per summary."""
    global _end_reason_events
    regimens = history.regimens
    last_in, last_out = _end_reason_events
    if regimens is not last_in:
        last_out = tuple(_end_reason_events_of(regimens))
        if type(regimens) is tuple:
            _end_reason_events = (regimens, last_out)
    return list(last_out)


def _end_reason_events_of(regimens) -> list[ProgressionEvent]:
    out: list[ProgressionEvent] = []
    for r in regimens:
        if r.end is not None and r.end_reason in PROGRESSION_END_REASONS:
            out.append(
                ProgressionEvent(r.end, r.ref, ORIGIN_END_REASON, r.end_reason, r.id, r.name)
            )
        for d in r.drugs:
            if d.last_dose is None or d.stop_reason not in PROGRESSION_END_REASONS:
                continue
            if (
                r.end is not None
                and d.last_dose == r.end
                and r.end_reason in (PROGRESSION_END_REASONS)
            ):
                continue  # the regimen's event stands for it
            out.append(
                ProgressionEvent(
                    d.last_dose,
                    d.ref or r.ref,
                    ORIGIN_END_REASON,
                    d.stop_reason,
                    r.id,
                    f"{d.name} (in {r.name})",
                )
            )
    return sorted(out, key=lambda e: (e.date.sort_key(), e.ref))


def entered_events(history: History) -> list[ProgressionEvent]:
    """Confirmed entered progressions; "relapse from CR" is kept apart from PD (IMWG 2016)."""
    return [
        ProgressionEvent(p.date, p.ref, ORIGIN_ENTERED, p.kind, p.regimen_id)
        for p in history.progressions
        if p.confirmed and p.kind != ProgressionKind.RELAPSE_FROM_CR.value
    ]


def progression_events(
    history: History,
    computed: Iterable[tuple[PartialDate, str]] = (),
) -> list[ProgressionEvent]:
    """Entered + computed progressions, plus the end-reason events no other record
    already stands for; sorted by date."""
    events = entered_events(history)
    events += [ProgressionEvent(d, ref, ORIGIN_COMPUTED) for d, ref in computed]
    index = _SameEventIndex(events[:])  # none of these comes from an end reason
    kept: set[PartialDate] = set()  # the dates of the end-reason events kept so far
    for ev in end_reason_events(history):
        if ev.date not in kept and index.first(ev) is None:
            kept.add(ev.date)
            events.append(ev)
    return sorted(events, key=lambda e: (e.date.sort_key(), e.ref))


def replaced_end_reasons(
    history: History, computed: Iterable[tuple[PartialDate, str]] = ()
) -> list[tuple[ProgressionEvent, ProgressionEvent]]:
    """(end-reason event, the record that replaced it) pairs, for "Why?"."""
    kept = {e.ref for e in progression_events(history, computed) if e.from_end_reason}
    others = sorted(
        entered_events(history)
        + [ProgressionEvent(d, ref, ORIGIN_COMPUTED) for d, ref in computed],
        key=lambda e: (e.date.sort_key(), e.ref),
    )
    index = _SameEventIndex(others)
    out = []
    for ev in end_reason_events(history):
        if ev.ref in kept:
            continue
        by = index.first(ev)
        if by is not None:
            out.append((ev, by))
    return out
