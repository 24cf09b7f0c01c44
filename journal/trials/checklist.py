"""One trial's criteria beside the journal's facts: the checklist.

Each criterion gets one status:

* ``meets``: the record shows what the criterion asks (for an exclusion: the excluding
  condition is recorded as absent);
* ``does_not_meet``: the record shows the opposite (for an exclusion: the condition is present);
* ``not_recorded``: the journal lacks the fact (``missing`` says which);
* ``to_discuss``: no recogniser understood the words, or they need a person's judgement.

A person's own answer to a criterion is kept beside the computed one and shown as theirs; it
never replaces the facts. The checklist never says whether someone may join a trial.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from journal.domain.summary import Summary
from journal.domain.trace import APP_CONVENTION, Source, Trace
from journal.trials.criteria import (
    EXCLUSION,
    INCLUSION,
    CriteriaText,
    Criterion,
    full_text,
    split_criteria,
)
from journal.trials.facts import Fact, Finding, ScreeningFacts
from journal.trials.recognisers import recognise
from journal.trials.record import TrialRecord, age_years

SCHEMA_VERSION = 1
MEETS = "meets"
DOES_NOT_MEET = "does_not_meet"
NOT_RECORDED = "not_recorded"
TO_DISCUSS = "to_discuss"
STATUSES = (MEETS, DOES_NOT_MEET, NOT_RECORDED, TO_DISCUSS)
STATUS_WORDS = {
    MEETS: "meets",
    DOES_NOT_MEET: "does not meet",
    NOT_RECORDED: "not recorded",
    TO_DISCUSS: "to discuss",
}
# Worst first: a criterion with several parts shows its worst part.
_RANK = {DOES_NOT_MEET: 0, TO_DISCUSS: 1, NOT_RECORDED: 2, MEETS: 3}
TRIAL_SOURCE = Source(
    "The trial's registry record (its criteria as published on ClinicalTrials.gov)", None, "8"
)
NOTICE = (
    "Prepared by the person from their own journal. Each line puts one criterion of the trial "
    "beside what the journal records; the study team decides who can take part."
)


@dataclass(frozen=True)
class Answer:
    """A person's own answer to a criterion, shown as theirs."""

    criterion: int
    status: str  # one of STATUSES
    note: str = ""
    answered: str | None = None  # ISO date

    def to_json(self) -> dict:
        return {"status": self.status, "note": self.note, "answered": self.answered}


@dataclass(frozen=True)
class Item:
    criterion: Criterion
    status: str
    checks: tuple[str, ...]  # recognisers that fired
    explanation: str
    facts: tuple[Fact, ...]
    missing: str | None
    trace: Trace
    params: tuple[dict, ...] = ()
    answer: Answer | None = None

    @property
    def shown_status(self) -> str:
        return self.answer.status if self.answer else self.status


@dataclass(frozen=True)
class Checklist:
    record: TrialRecord
    as_of: dt.date
    criteria: CriteriaText
    items: tuple[Item, ...]
    age_item: Item | None = None
    rule_set: str = "imwg"
    notes: tuple[str, ...] = field(default=())

    def counts(self, *, top_level: bool = True) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for it in self.all_items():
            if top_level and it.criterion.parent is not None:
                continue
            out[it.shown_status] += 1
        return out

    def all_items(self) -> tuple[Item, ...]:
        return ((self.age_item,) if self.age_item else ()) + self.items


def _status(kind: str, fd: Finding) -> str:
    if fd.judgement:
        return TO_DISCUSS
    if fd.holds is None:
        return NOT_RECORDED
    present = fd.holds
    if kind == EXCLUSION:
        return DOES_NOT_MEET if present else MEETS
    return MEETS if present else DOES_NOT_MEET


def _worst(statuses: list[str]) -> str:
    return min(statuses, key=lambda s: _RANK[s])


def _best(statuses: list[str]) -> str:
    order = {MEETS: 0, TO_DISCUSS: 1, NOT_RECORDED: 2, DOES_NOT_MEET: 3}
    return min(statuses, key=lambda s: order[s])


def _kind(c: Criterion) -> str:
    return EXCLUSION if c.kind == EXCLUSION else INCLUSION


def _evaluate(
    ct: CriteriaText, c: Criterion, facts: ScreeningFacts
) -> tuple[str, tuple, str, tuple, str | None, tuple, list[Trace]]:
    hits = recognise(c.text, full_text(ct, c))
    if len(hits) > 1:
        hits = [h for h in hits if h[0].name != "personal"]
    kind = _kind(c)
    if not hits:
        return (
            TO_DISCUSS,
            (),
            "Not recognised by the app: read it with the study team.",
            (),
            None,
            (),
            [],
        )
    statuses, expl, all_facts, missing, traces = [], [], [], [], []
    for r, params in hits:
        fd = r.check(params, facts)
        statuses.append(_status(kind, fd))
        expl.append(fd.explanation)
        all_facts.extend(fd.facts)
        if fd.missing:
            missing.append(fd.missing)
        traces.extend(x.trace for x in fd.facts if x.trace is not None)
    status = _worst(statuses)
    if len(hits) > 1 and len(set(statuses)) > 1 and re.search(r",\s*or\b", c.text):
        status = TO_DISCUSS
        expl.append(
            "The criterion joins alternatives with 'or' and its parts differ: read it with the study team."
        )
    if c.kind == "unsplit" and status in (MEETS, DOES_NOT_MEET):
        status = TO_DISCUSS  # the text never says whether this is an inclusion or an exclusion
        expl.append(
            "The text has no inclusion/exclusion headings, so which way it counts is for the study team."
        )
    return (
        status,
        tuple(r.name for r, _ in hits),
        " ".join(expl),
        tuple(all_facts),
        "; ".join(dict.fromkeys(missing)) or None,
        tuple(p for _, p in hits),
        traces,
    )


def _trace(
    c: Criterion,
    checks: tuple[str, ...],
    status: str,
    expl: str,
    facts: tuple[Fact, ...],
    record: TrialRecord,
) -> Trace:
    rule = "trials." + (checks[0] if checks else "not_recognised")
    refs = tuple(dict.fromkeys(r for x in facts for r in x.records))
    text = f"{'Exclusion' if c.kind == EXCLUSION else 'Criterion'} of {record.nct_id}: {STATUS_WORDS[status]}. {expl}"
    return Trace(rule, text, TRIAL_SOURCE, refs, unconfirmed=not checks)


def build_checklist(
    record: TrialRecord, summary: Summary, answers: dict[int, Answer] | None = None
) -> Checklist:
    """Every criterion of ``record`` with its status against ``summary``."""
    answers = answers or {}
    facts = ScreeningFacts(summary)
    ct = split_criteria(record.criteria)
    raw: dict[int, tuple] = {}
    for c in ct.criteria:
        raw[c.index] = _evaluate(ct, c, facts)
    # A criterion that only introduces its sub-items takes its status from them.
    final: dict[int, tuple] = {}
    for c in reversed(ct.criteria):
        status, checks, expl, fs, missing, params, _ = raw[c.index]
        if not checks and c.children:
            kids = [final[i][0] for i in c.children]
            if c.kind == EXCLUSION:
                status = _worst(kids)
                expl = "Read from its sub-items: any one of them present counts."
            elif c.any_of:
                status = _best(kids)
                expl = "Read from its sub-items: any one of them is enough."
            else:
                status = _worst(kids)
                expl = "Read from its sub-items: all of them are asked."
        final[c.index] = (status, checks, expl, fs, missing, params)
    items = []
    for c in ct.criteria:
        status, checks, expl, fs, missing, params = final[c.index]
        items.append(
            Item(
                c,
                status,
                checks,
                expl,
                fs,
                missing,
                _trace(c, checks, status, expl, fs, record),
                params,
                answers.get(c.index),
            )
        )
    return Checklist(
        record,
        summary.as_of,
        ct,
        tuple(items),
        _age_item(record, facts, answers.get(-1)),
        summary.rule_set,
        _notes(record, ct),
    )


def _age_item(record: TrialRecord, facts: ScreeningFacts, answer: Answer | None) -> Item | None:
    lo, hi = age_years(record.minimum_age), age_years(record.maximum_age)
    if lo is None and hi is None:
        return None
    text = f"Age (the record's age fields): {record.minimum_age or 'no lower limit'} to {record.maximum_age or 'no upper limit'}"
    c = Criterion(-1, INCLUSION, text, text, section="Record fields")
    age, fact = facts.age()
    if age is None:
        status, expl, fs, missing = (
            NOT_RECORDED,
            "The journal has no birth date.",
            (),
            "a birth date",
        )
    else:
        ok = (lo is None or age >= lo) and (hi is None or age <= hi)
        status = MEETS if ok else DOES_NOT_MEET
        expl, fs, missing = f"You are {age}.", (fact,), None
    return Item(
        c,
        status,
        ("record_age",),
        expl,
        fs,
        missing,
        _trace(c, ("record_age",), status, expl, fs, record),
        ({"min": lo, "max": hi},),
        answer,
    )


def _notes(record: TrialRecord, ct: CriteriaText) -> tuple[str, ...]:
    notes = []
    if not record.criteria:
        notes.append(
            "This record has no criteria text. Save the full record from clinicaltrials.gov."
        )
    elif not ct.has_headings:
        notes.append("The criteria text has no inclusion/exclusion headings; it is shown unsplit.")
    if record.expanded_access:
        from journal.trials.record import EXPANDED_ACCESS_PLAIN

        notes.append(EXPANDED_ACCESS_PLAIN)
    if record.overall_status == "UNKNOWN":
        notes.append(
            "The registry marks this study's status as unknown: the sponsor stopped updating it."
        )
    if record.legacy_xml:
        notes.append(
            "This is an old-format record from the retired classic site; a current one may differ."
        )
    return tuple(notes)


# --------------------------------------------------------------------------- JSON
def item_json(it: Item) -> dict[str, Any]:
    c = it.criterion
    return {
        "index": c.index,
        "kind": c.kind,
        "text": c.text,
        "source_text": c.raw,
        "level": c.level,
        "parent": c.parent,
        "section": c.section,
        "status": it.status,
        "status_words": STATUS_WORDS[it.status],
        "check": it.checks[0] if it.checks else None,
        "checks": list(it.checks),
        "parameters": list(it.params),
        "explanation": it.explanation,
        "missing": it.missing,
        "facts": [f.to_json() for f in it.facts],
        "trace": it.trace.to_json(),
        "your_answer": it.answer.to_json() if it.answer else None,
    }


def record_age_days(record: TrialRecord, today: dt.date) -> int | None:
    when = record.last_update or record.version_holder
    if not when:
        return None
    try:
        parts = [int(x) for x in when[:10].split("-")]
        d = dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except (ValueError, IndexError):
        return None
    return (today - d).days


def checklist_to_json(cl: Checklist, *, brought: str | None = None) -> dict[str, Any]:
    r = cl.record
    return {
        "schema_version": SCHEMA_VERSION,
        "as_of": cl.as_of.isoformat(),
        "rule_set": cl.rule_set,
        "trial": {
            "nct_id": r.nct_id,
            "title": r.title,
            "official_title": r.official_title,
            "acronym": r.acronym,
            "status": r.overall_status,
            "status_words": r.status_label,
            "study_type": r.study_type,
            "phases": list(r.phases),
            "expanded_access": r.expanded_access,
            "url": r.url,
            "registry_last_updated": r.last_update,
            "record_age_days": record_age_days(r, cl.as_of),
            "brought": brought,
            "minimum_age": r.minimum_age,
            "maximum_age": r.maximum_age,
        },
        "counts": cl.counts(),
        "notes": list(cl.notes),
        "preamble": cl.criteria.preamble,
        "criteria": [item_json(it) for it in cl.all_items()],
        "notice": Trace("trials.notice", NOTICE, APP_CONVENTION).explanation,
    }
