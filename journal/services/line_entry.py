"""Enter a whole line of therapy in one step, the way people remember it.

"VRd from April 2019, then a transplant after melphalan 200 in September, then
lenalidomide maintenance until it stopped working in February 2022" is one
thing to a person and six records to the journal: the induction regimen, the
conditioning regimen, the transplant, the maintenance regimen, the progression
(and a best response when known). :func:`add_line_of_therapy` writes them all
in ONE transaction with ONE undo label; each record stays editable on its own
afterwards.

The parts are linked the way the rules read them (``journal.domain.lines``):
conditioning/lymphodepletion, the CAR-T product and maintenance are
``part_of_id`` the first regimen; the transplant or infusion belongs to the
regimen that prepared it; the progression to the regimen running when it was
found. A stop reason "progression" is always written together with an explicit
Progression record, so the computed facts do not depend on which of the two a
rule reads.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from journal.domain.dates import DateError, PartialDate
from journal.services.actions import (
    Change,
    _finish,
    _prepare,
    _transaction,
    _validate_drugs,
    _with_item,
    values_of,
)
from journal.store import models as m
from journal.store.validation import FieldError, RecordError, validate


@dataclass
class RegimenPart:
    """One regimen of the line with its drugs."""

    regimen: m.Regimen
    drugs: Sequence[m.RegimenDrug] = field(default_factory=list)


@dataclass
class LineEntry:
    """What a person knows about one line of therapy, in the order they know it.

    ``end`` / ``end_reason`` are those of the whole line (its last part). Parts in time
    order: ``main`` (induction or the only regimen), ``preparation`` (conditioning before a
    transplant, lymphodepletion before CAR-T), ``cell_therapy`` (the CAR-T product as a
    regimen), ``procedure`` (the transplant or the infusion), ``maintenance``.
    """

    main: RegimenPart
    end: str | None = None
    end_reason: str | None = None
    preparation: RegimenPart | None = None
    cell_therapy: RegimenPart | None = None
    procedure: m.Procedure | None = None
    maintenance: RegimenPart | None = None
    best_response: m.Response | None = None
    progression: m.Progression | None = None

    def regimen_parts(self) -> list[tuple[str, RegimenPart]]:
        """(item name, part) in time order."""
        named = [
            ("regimen", self.main),
            ("preparation", self.preparation),
            ("cell_therapy", self.cell_therapy),
            ("maintenance", self.maintenance),
        ]
        return [(n, p) for n, p in named if p is not None]


def _date(text: str | None) -> PartialDate | None:
    try:
        return PartialDate.from_iso(text) if text else None
    except DateError:
        return None  # validate() names the bad field


def _certainly_before(later: str | None, earlier: str | None) -> bool:
    a, b = _date(later), _date(earlier)
    return a is not None and b is not None and not b.could_be_before(a)


def complete_line(entry: LineEntry) -> LineEntry:
    """Fill what follows from what was said (changes the records in place):

    - a part followed by another part ends *before* the next one starts when its own end
      is not known ("VRd from April 2019, transplant in September": VRd ended before
      September 2019), never left running;
    - conditioning/lymphodepletion and the CAR-T product, given once, end the day they
      start; the transplant's conditioning text names the preparation;
    - the last part ends when the line ended, for the reason the line ended;
    - the parts after the first are planned, and earlier parts ended as planned;
    - without a stated purpose, the first regimen of a line with a transplant is the
      induction, of a line with CAR-T the bridging (what the line rules read).
    """
    parts = [p for _, p in entry.regimen_parts()]
    main = entry.main.regimen
    if main.intent is None and entry.cell_therapy is not None:
        main.intent = "bridging"
    elif main.intent is None and entry.procedure is not None:
        main.intent = "induction"
    for p in (entry.preparation, entry.cell_therapy):
        if p is not None and p.regimen.end is None:
            p.regimen.end = p.regimen.start
    proc = entry.procedure
    prep = entry.preparation
    # A CAR-T infusion has no conditioning text; a transplant names its preparation.
    transplant = proc is not None and proc.kind.startswith("auto")
    if transplant and proc is not None and prep is not None and proc.conditioning is None:
        proc.conditioning = prep.regimen.name
    last = parts[-1]
    if entry.end is not None and last.regimen.end is None:
        last.regimen.end = entry.end
    if entry.end_reason and last.regimen.end_reason is None:
        last.regimen.end_reason = entry.end_reason
    for i, p in enumerate(parts[:-1]):
        nxt = parts[i + 1].regimen.start
        if entry.procedure is not None and p is entry.main:
            nxt = min(
                (d for d in (parts[i + 1].regimen.start, entry.procedure.date) if d),
                key=lambda t: _date(t) or PartialDate.from_iso("9999"),
            )
        if p.regimen.end is None and nxt and _date(nxt) is not None:
            p.regimen.end = f"<{nxt.lstrip('~<>')}"
        if p.regimen.end_reason is None:
            p.regimen.end_reason = "plan completed"
    for p in parts[1:]:
        if p.regimen.start_reason is None:
            p.regimen.start_reason = "planned"
    if entry.end_reason == "progression" and entry.progression is None and entry.end:
        entry.progression = m.Progression(date=entry.end, kind="unknown", confirmed=True)
    return entry


def _check_order(entry: LineEntry) -> None:
    """Each part must not be certainly before the one it follows."""
    seq: list[tuple[str, str, str | None, str]] = [
        ("regimen", "start", entry.main.regimen.start, "the treatment started")
    ]
    if entry.preparation is not None:
        seq.append(("preparation", "start", entry.preparation.regimen.start, "the preparation"))
    if entry.cell_therapy is not None:
        seq.append(("cell_therapy", "start", entry.cell_therapy.regimen.start, "the infusion"))
    if entry.procedure is not None:
        seq.append(("procedure", "date", entry.procedure.date, "the transplant or infusion"))
    if entry.maintenance is not None:
        seq.append(("maintenance", "start", entry.maintenance.regimen.start, "maintenance"))
    for (_, _, prev, prev_what), (item, fld, cur, what) in itertools.pairwise(seq):
        if _certainly_before(cur, prev):
            raise RecordError(
                [FieldError(fld, f"This is before {prev_what}; {what} comes after it.")],
                "line of therapy",
                item,
            )
    start = entry.main.regimen.start
    for item, rec in (("progression", entry.progression), ("best_response", entry.best_response)):
        if rec is not None and _certainly_before(rec.date, start):
            raise RecordError(
                [FieldError("date", "This is before the treatment started.")],
                "line of therapy",
                item,
            )
    if entry.end and _certainly_before(entry.end, start):
        raise RecordError(
            [FieldError("end", "The end is before the start; check both dates.")],
            "line of therapy",
            "regimen",
        )


def line_label(entry: LineEntry) -> str:
    bits = [entry.main.regimen.name]
    if entry.procedure is not None:
        bits.append("CAR-T" if "CAR-T" in entry.procedure.kind else "transplant")
    if entry.maintenance is not None:
        bits.append(entry.maintenance.regimen.name)
    return "Add line of therapy " + ", ".join(bits)


def add_line_of_therapy(store, entry: LineEntry) -> Change:
    """All records of one line of therapy in one transaction, one undo step.

    Raises RecordError with ``item`` naming the part ("regimen", "preparation",
    "cell_therapy", "procedure", "maintenance", "best_response", "progression",
    or "maintenance.drugs[0]" ...); nothing is written then. Sets the new ids on the
    records.
    """
    complete_line(entry)
    for item, part in entry.regimen_parts():
        if part.regimen.id is not None:
            raise ValueError("add_line_of_therapy is for new records")
        try:
            validate(_prepare(part.regimen))
        except RecordError as err:
            raise _with_item(err, item) from None
        try:
            _validate_drugs(part.regimen, part.drugs)
        except RecordError as err:
            raise _with_item(err, f"{item}.{err.item}") from None
    ignore = ("regimen_id",)
    for item, rec in (
        ("procedure", entry.procedure),
        ("best_response", entry.best_response),
        ("progression", entry.progression),
    ):
        if rec is not None:
            try:
                validate(_prepare(rec), ignore=ignore)
            except RecordError as err:
                raise _with_item(err, item) from None
    _check_order(entry)

    with _transaction(store) as w:
        main = entry.main.regimen
        for item, part in entry.regimen_parts():
            reg = part.regimen
            if item != "regimen":
                reg.part_of_id = main.id
            reg.id = w.insert(m.Regimen, values_of(reg))
            for d in part.drugs:
                d.regimen_id = reg.id
                d.id = w.insert(m.RegimenDrug, values_of(d))
        parts = [p for _, p in entry.regimen_parts()]
        if entry.procedure is not None:
            owner = entry.cell_therapy or entry.preparation or entry.main
            entry.procedure.regimen_id = owner.regimen.id
            entry.procedure.id = w.insert(m.Procedure, values_of(entry.procedure))
        if entry.best_response is not None:
            if entry.best_response.regimen_id is None:
                entry.best_response.regimen_id = _running_on(parts, entry.best_response.date)
            entry.best_response.id = w.insert(m.Response, values_of(entry.best_response))
        if entry.progression is not None:
            if entry.progression.regimen_id is None:
                entry.progression.regimen_id = parts[-1].regimen.id
            entry.progression.id = w.insert(m.Progression, values_of(entry.progression))
    return _finish(store, w, line_label(entry))


def _running_on(parts: list[RegimenPart], date: str) -> int | None:
    """The last part that had started by ``date`` (a response belongs to it)."""
    found = parts[0].regimen.id
    for p in parts:
        if not _certainly_before(date, p.regimen.start):
            found = p.regimen.id
    return found
