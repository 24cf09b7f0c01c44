"""What a report is built from, gathered once by the caller (UI, CLI, tests).

Reports never run a rule themselves: ``summary`` is what
:func:`journal.domain.summary.build_summary` returned for ``history``. Notes and
questions are not part of the rules' History, so they come along here.

Identity levels (the person chooses):

- ``"full"``: name and date of birth;
- ``"initials"``: initials and age in years;
- ``"without_name"``: no name, no birth date; age in years only; no free-text notes.
  Dates stay exact, so this is *not* de-identified (it was called that before; the old
  value ``"none"`` still means this);
- ``"deidentified"``: HIPAA Safe Harbor (45 CFR 164.514(b)(2)): no name, no date finer
  than the year (days counted from diagnosis instead, so washouts still read), ages over
  89 as "90+", no free text, no sex or weight unless ``show_sex_weight``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from journal.domain.dates import PartialDate
from journal.domain.records import History

if TYPE_CHECKING:  # imported when a summary is built: the rules are slow to import
    from journal.domain.summary import Summary

IDENTITY_LEVELS = ("full", "initials", "without_name", "deidentified")
_IDENTITY_ALIASES = {"none": "without_name"}


@dataclass(frozen=True)
class NoteItem:
    id: int
    date: PartialDate
    kind: str  # journal.domain.vocab.NoteKind value
    title: str | None = None
    text: str | None = None
    include_in_summary: bool = False

    @property
    def ref(self) -> str:
        return f"note:{self.id}"


@dataclass(frozen=True)
class QuestionItem:
    id: int
    created: PartialDate
    text: str
    asked_on: PartialDate | None = None  # None = still open
    answer: str | None = None

    @property
    def ref(self) -> str:
        return f"question:{self.id}"


@dataclass(frozen=True)
class ReportOptions:
    identity: str = "full"
    as_of: dt.date | None = None  # None = today
    page_size: str = "A4"
    visit_since: dt.date | None = None  # visit summary: start of the period
    visit_until: dt.date | None = None  # visit summary: end (default as_of)
    appendix: bool = True  # False = the two-page core alone
    show_sex_weight: bool | None = None  # None = yes, except on a de-identified summary

    def __post_init__(self) -> None:
        if self.identity in _IDENTITY_ALIASES:
            object.__setattr__(self, "identity", _IDENTITY_ALIASES[self.identity])
        if self.identity not in IDENTITY_LEVELS:
            raise ValueError(
                f"identity {self.identity!r} is not one of {', '.join(IDENTITY_LEVELS)}"
            )

    @property
    def deidentified(self) -> bool:
        """Safe Harbor de-identification: no dates finer than the year, no free text."""
        return self.identity == "deidentified"

    @property
    def no_free_text(self) -> bool:
        """Notes and other free text can name people: left out without a name too."""
        return self.identity in ("without_name", "deidentified")

    @property
    def sex_and_weight(self) -> bool:
        return self.show_sex_weight if self.show_sex_weight is not None else not self.deidentified

    @property
    def day(self) -> dt.date:
        return self.as_of or dt.date.today()


@dataclass
class ReportInputs:
    history: History
    summary: Summary
    notes: tuple[NoteItem, ...] = ()
    questions: tuple[QuestionItem, ...] = ()
    generated: dt.date = field(default_factory=dt.date.today)


def _pd(text: str | None) -> PartialDate | None:
    return PartialDate.from_iso(text) if text else None


def load_report_inputs(
    store,
    *,
    as_of: dt.date | None = None,
    summary: Summary | None = None,
    history: History | None = None,
) -> ReportInputs:
    """Read what the reports need from an open journal (through services only).

    Pass ``history``/``summary`` when the caller already has them (the UI caches
    both) so nothing is computed twice.
    """
    from journal.services import queries
    from journal.store import models as m

    if history is None:
        history = queries.load_history(store)
    if summary is None:
        from journal.domain.summary import build_summary

        summary = build_summary(history, as_of=as_of)
    notes = tuple(
        NoteItem(
            n.id, PartialDate.from_iso(n.date), n.kind, n.title, n.text, bool(n.include_in_summary)
        )
        for n in queries.list_rows(store, m.Note)
    )
    questions = tuple(
        QuestionItem(q.id, PartialDate.from_iso(q.created), q.text, _pd(q.asked_on), q.answer)
        for q in queries.list_rows(store, m.Question)
    )
    if as_of is not None:  # as the journal stood then: later notes did not exist yet
        notes = tuple(n for n in notes if n.date.earliest() <= as_of)
        questions = tuple(
            dataclasses.replace(q, asked_on=None, answer=None)
            if q.asked_on is not None and q.asked_on.earliest() > as_of
            else q
            for q in questions
            if q.created.earliest() <= as_of
        )
    return ReportInputs(history, summary, notes, questions, dt.date.today())
