"""Every exclusion a trial screener asks about, answered yes / no / not recorded.

Trial texts exclude people with another cancer, heart disease, clots, HIV or
hepatitis, CNS myeloma, plasma cell leukaemia, amyloidosis, POEMS, a donor
transplant... A screener must see the answer *and* when nothing was recorded:
"not recorded" is never shown as "no". :func:`exclusion_facts` reads the whole
record (health-history answers, disease features, procedures, side effects,
supportive medicines, lab tests) and returns one :class:`ExclusionFact` per
question, always in the same order, with the records it used.

Combining the sources (an app convention, stated in every fact's trace):
- any "yes" evidence makes the answer **yes**; ``date`` is its most recent date
  and ``details`` lists every piece, oldest first, including later "no" checks;
- otherwise an explicit "no" (a health-history answer, a negative test) makes it
  **no**, dated when it was checked;
- otherwise **not_recorded**.
No threshold is applied (an LVEF value is shown beside heart failure, not judged).
A person's correction (an override with rule ``exclusion``, subject the fact's key,
value yes / no / not_recorded) replaces the status and is named in the trace.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from journal.domain import vocab
from journal.domain.catalog import get_catalog
from journal.domain.ctcae import get_terms
from journal.domain.dates import PartialDate
from journal.domain.labs import LAB_TESTS
from journal.domain.records import (
    History,
    LabRec,
    SideEffectRec,
    labs_of_test,
    labs_of_test_in_order,
)
from journal.domain.trace import APP_CONVENTION, Trace

YES, NO, NOT_RECORDED = "yes", "no", "not_recorded"
STATUSES = (YES, NO, NOT_RECORDED)


@dataclass(frozen=True)
class Question:
    key: str  # stable id in the JSON
    label: str  # plain words first, the medical term in brackets
    group: str  # for layout: cancer, heart, clots, immune, infection, eye, myeloma, transplant
    topic: str | None = None  # vocab.HealthTopic value answering it
    feature: str | None = None  # vocab.DiseaseFlag value answering "yes"
    procedure: str | None = None  # vocab.ProcedureKind value answering "yes"
    side_effects: tuple[str, ...] = ()  # CTCAE term ids answering "yes"
    side_effects_ongoing_only: bool = False
    labs: tuple[str, ...] = ()  # qualitative lab tests (positive/detected = yes)
    drug_class: str | None = None  # supportive-medicine class answering "yes"


T = vocab.HealthTopic
QUESTIONS: tuple[Question, ...] = (
    Question("other_cancer", "Another cancer (besides myeloma)", "cancer", T.OTHER_CANCER),
    Question("heart_attack", "Heart attack (myocardial infarction)", "heart", T.HEART_ATTACK),
    Question(
        "heart_failure",
        "Heart failure",
        "heart",
        T.HEART_FAILURE,
        side_effects=("heart_failure",),
    ),
    Question("arrhythmia", "Irregular heartbeat (arrhythmia)", "heart", T.ARRHYTHMIA),
    Question(
        "dvt_pe",
        "Blood clot in a vein or the lungs (DVT / PE)",
        "clots",
        T.DVT_PE,
        side_effects=("thromboembolic_event",),
    ),
    Question(
        "anticoagulation",
        "Taking a blood thinner (anticoagulation)",
        "clots",
        T.ANTICOAGULATION,
        drug_class="anticoagulant",
    ),
    Question("autoimmune", "Autoimmune disease", "immune", T.AUTOIMMUNE),
    Question("hiv", "HIV", "infection", T.HIV, labs=("hiv",)),
    Question(
        "hepatitis_b",
        "Hepatitis B",
        "infection",
        T.HEPATITIS_B,
        labs=("hbsag", "anti_hbc", "hbv_dna"),
    ),
    Question(
        "hepatitis_c", "Hepatitis C", "infection", T.HEPATITIS_C, labs=("anti_hcv", "hcv_rna")
    ),
    Question(
        "active_infection",
        "Infection needing treatment now",
        "infection",
        T.ACTIVE_INFECTION,
        side_effects=("pneumonia", "upper_respiratory_infection", "sepsis", "herpes_zoster"),
        side_effects_ongoing_only=True,
    ),
    Question("eye", "Eye or cornea problem", "eye", T.EYE, side_effects=("keratopathy",)),
    Question(
        "cns",
        "Myeloma in the brain or spinal fluid (CNS involvement)",
        "myeloma",
        T.CNS,
        feature=vocab.DiseaseFlag.CNS,
    ),
    Question(
        "plasma_cell_leukaemia",
        "Plasma cell leukaemia",
        "myeloma",
        T.PLASMA_CELL_LEUKAEMIA,
        feature=vocab.DiseaseFlag.PLASMA_CELL_LEUKAEMIA,
    ),
    Question(
        "amyloidosis",
        "AL amyloidosis",
        "myeloma",
        T.AMYLOIDOSIS,
        feature=vocab.DiseaseFlag.AMYLOIDOSIS,
    ),
    Question("poems", "POEMS syndrome", "myeloma", T.POEMS, feature=vocab.DiseaseFlag.POEMS),
    Question(
        "extramedullary",
        "Myeloma outside the bone marrow (extramedullary disease)",
        "myeloma",
        T.EXTRAMEDULLARY,
        feature=vocab.DiseaseFlag.EXTRAMEDULLARY,
    ),
    Question(
        "allo_transplant",
        "Transplant from a donor (allogeneic)",
        "transplant",
        T.ALLO_TRANSPLANT,
        procedure=vocab.ProcedureKind.ALLO_SCT,
    ),
    Question("gvhd", "Graft-versus-host disease (GVHD)", "transplant", T.GVHD),
)
QUESTION_KEYS = tuple(q.key for q in QUESTIONS)

_POSITIVE = {"positive", "detected"}
_NEGATIVE = {"negative", "not detected"}


@dataclass(frozen=True)
class ExclusionFact:
    key: str
    label: str
    group: str
    status: str  # "yes" / "no" / "not_recorded"
    date: PartialDate | None  # yes: most recent evidence; no: when it was checked
    details: str | None  # plain text, every piece of evidence oldest first
    ongoing: bool | None  # yes: still going on at the as-of date (None = not known)
    records: tuple[str, ...]  # refs of every record used
    trace: Trace = field(compare=False)

    @property
    def status_text(self) -> str:
        return {YES: "yes", NO: "no", NOT_RECORDED: "not recorded"}[self.status]

    def to_json(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "group": self.group,
            "status": self.status,
            "date": self.date.to_iso() if self.date else None,
            "details": self.details,
            "ongoing": self.ongoing,
            "records": list(self.records),
            "computed": True,
            "overridden": self.trace.overridden_by is not None,
            "trace": self.trace.to_json(),
        }


@dataclass(frozen=True)
class _Evidence:
    answer: str  # YES / NO / "other" (shown, decides nothing)
    date: PartialDate | None
    text: str
    ref: str
    ongoing: bool | None = None


def _key(d: PartialDate | None) -> tuple:
    return d.sort_key() if d is not None else (0, 0, 0)


def _when(d: PartialDate | None) -> str:
    return d.display() if d is not None else "date not recorded"


def _known_by(d: PartialDate | None, as_of: dt.date | None) -> bool:
    return as_of is None or d is None or d.earliest() <= as_of


def _open(end: PartialDate | None, as_of: dt.date | None) -> bool:
    return end is None or (as_of is not None and end.earliest() > as_of)


@dataclass(frozen=True)
class _Asked:
    """The side effects and labs some question reads, picked out once (side effects in
    record order, labs test by test, each test's in record order; the evidence is sorted
    by date and record after): a long history has thousands of both, and every question
    walking them all was slow."""

    side_effects: tuple[tuple[SideEffectRec, str], ...]  # (record, CTCAE term id)
    labs: tuple[LabRec, ...]


def _asked(h: History, questions: tuple[Question, ...]) -> _Asked:
    term_ids = {t for q in questions for t in q.side_effects}
    tests = {t for q in questions for t in q.labs}
    side_effects = []
    if term_ids:
        terms = get_terms()
        found: dict[tuple[str | None, str], str | None] = {}  # a few names, many records
        for se in h.side_effects:
            key = (se.term_id, se.term)
            if key not in found:
                term = terms.get(se.term_id) or terms.identify(se.term)
                found[key] = term.id if term is not None and term.id in term_ids else None
            if (term_id := found[key]) is not None:
                side_effects.append((se, term_id))
    # From the labs grouped by test (kept per tuple of labs): a question asks about a test
    # or two, and a pass over every result of a long history was most of this.
    labs = tuple(lab for test in sorted(tests) for lab in labs_of_test(h.labs, test))
    return _Asked(tuple(side_effects), labs)


def _evidence(
    q: Question, h: History, as_of: dt.date | None, asked: _Asked | None = None
) -> list[_Evidence]:
    asked = asked or _asked(h, (q,))
    out: list[_Evidence] = []
    for x in h.health:
        if x.topic != q.topic or not _known_by(x.date, as_of):
            continue
        if x.answer == vocab.HealthAnswer.NO:
            out.append(_Evidence(NO, x.date, f"checked: no ({_when(x.date)})", x.ref))
            continue
        bits = [x.detail.strip()] if x.detail and x.detail.strip() else []
        bits.append(_when(x.date))
        if x.treated is not None:
            bits.append("treated" if x.treated else "not treated")
        if x.resolved is not None and _known_by(x.resolved, as_of):
            bits.append(f"over since {x.resolved.display()}")
        out.append(_Evidence(YES, x.date, ", ".join(bits), x.ref, _open(x.resolved, as_of)))
    if q.feature is not None:
        for f in h.features:
            if f.flag != q.feature or not _known_by(f.date, as_of):
                continue
            bits = [f"recorded as a disease feature ({_when(f.date)})"]
            if f.site:
                bits.append(f.site)
            if f.resolved is not None and _known_by(f.resolved, as_of):
                bits.append(f"gone since {f.resolved.display()}")
            out.append(_Evidence(YES, f.date, ", ".join(bits), f.ref, _open(f.resolved, as_of)))
    if q.procedure is not None:
        for p in h.procedures:
            if p.kind == q.procedure and _known_by(p.date, as_of):
                out.append(_Evidence(YES, p.date, f"{p.kind} ({_when(p.date)})", p.ref, False))
    for se, term_id in asked.side_effects:
        if term_id not in q.side_effects or not _known_by(se.onset, as_of):
            continue
        ongoing = _open(se.resolved, as_of)
        if q.side_effects_ongoing_only and not ongoing:
            continue
        grade = f" grade {se.grade}" if se.grade else ""
        out.append(
            _Evidence(
                YES,
                se.onset,
                f"side effect: {se.term}{grade} (from {_when(se.onset)})",
                se.ref,
                ongoing,
            )
        )
    for lab in asked.labs:
        if lab.test not in q.labs or not _known_by(lab.date, as_of):
            continue
        result = (lab.text_value or "").lower()
        answer = YES if result in _POSITIVE else NO if result in _NEGATIVE else "other"
        name = LAB_TESTS[lab.test].name if lab.test in LAB_TESTS else lab.test
        out.append(_Evidence(answer, lab.date, f"{name}: {result} ({_when(lab.date)})", lab.ref))
    if q.drug_class is not None:
        out.extend(_medicines(q.drug_class, h, as_of))
    return sorted(out, key=lambda e: (_key(e.date), e.ref))


def _medicines(drug_class: str, h: History, as_of: dt.date | None) -> list[_Evidence]:
    cat = get_catalog()
    out = []
    for s in h.supportive:
        drug = cat.get(s.drug_id) if s.drug_id else cat.identify(s.name)
        if drug is None or drug.drug_class != drug_class or not _known_by(s.start, as_of):
            continue
        span = f"from {_when(s.start)}" + (
            f" to {s.end.display()}" if s.end is not None and _known_by(s.end, as_of) else ""
        )
        out.append(_Evidence(YES, s.start, f"{s.name} ({span})", s.ref, _open(s.end, as_of)))
    for r in h.regimens:
        for d in r.drugs:
            drug = cat.get(d.drug_id) if d.drug_id else None
            if drug is None or drug.drug_class != drug_class or not _known_by(d.start, as_of):
                continue
            out.append(
                _Evidence(
                    YES,
                    d.start,
                    f"{d.name} with {r.name} (from {_when(d.start)})",
                    d.ref,
                    _open(d.last_dose, as_of),
                )
            )
    return out


def _lvef_note(h: History, as_of: dt.date | None) -> tuple[str | None, str | None]:
    lvefs = [x for x in labs_of_test(h.labs, "lvef") if x.value is not None]
    lvefs = [x for x in lvefs if _known_by(x.date, as_of)]
    if not lvefs:
        return "No LVEF (heart pumping) measurement recorded.", None
    last = max(lvefs, key=lambda x: (x.date.sort_key(), x.id))
    return f"Latest LVEF (heart pumping) {last.value:g} % on {last.date.display()}.", last.ref


def _fact(
    q: Question, h: History, as_of: dt.date | None, asked: _Asked | None = None
) -> ExclusionFact:
    ev = _evidence(q, h, as_of, asked)
    yes = [e for e in ev if e.answer == YES]
    no = [e for e in ev if e.answer == NO]
    refs = [e.ref for e in ev]
    details = "; ".join(e.text for e in ev) or None
    if yes:
        status, date = YES, max((e.date for e in yes if e.date), key=_key, default=None)
        flags = [e.ongoing for e in yes]
        ongoing = True if any(flags) else (False if all(f is False for f in flags) else None)
        why = f"{q.label}: yes, from {len(yes)} record(s)"
        if no:
            why += f" (a 'yes' counts over {len(no)} 'no' answer(s) or negative test(s))"
    elif no:
        status, date, ongoing = (
            NO,
            max((e.date for e in no if e.date), key=_key, default=None),
            None,
        )
        why = f"{q.label}: no, checked {_when(date)}"
    else:
        status, date, ongoing = NOT_RECORDED, None, None
        why = f"{q.label}: nothing recorded (neither yes nor no)"
    if q.key == "heart_failure":
        note, lref = _lvef_note(h, as_of)
        details = f"{details}. {note}" if details else note
        if lref:
            refs.append(lref)
    if q.key == "allo_transplant" and status == NOT_RECORDED and h.regimens:
        details = "No transplant from a donor is among the recorded treatments; not answered."
    override = h.overrides_for("exclusion", q.key)
    overridden_by = None
    if override is not None and override.value in STATUSES:
        why += f"; corrected by hand to {override.value} ({override.reason})"
        status, overridden_by = override.value, override.ref
        refs.append(override.ref)
    return ExclusionFact(
        q.key,
        q.label,
        q.group,
        status,
        date,
        details,
        ongoing,
        tuple(refs),
        Trace(
            f"exclusions.{q.key}",
            why + ". " + ("Evidence: " + details if details else "No record answers it."),
            APP_CONVENTION,
            tuple(refs),
            overridden_by=overridden_by,
        ),
    )


def exclusion_facts(history: History, as_of: dt.date | None = None) -> tuple[ExclusionFact, ...]:
    """One fact per screening question (order of :data:`QUESTIONS`), as known on ``as_of``."""
    asked = _asked(history, QUESTIONS)
    return tuple(_fact(q, history, as_of, asked) for q in QUESTIONS)


# --------------------------------------------------------------------------- asked labs
#: Values most trial texts ask for at screening, in the order a screener reads them.
ASKED_LABS = (
    "anc",
    "platelets",
    "hb",
    "lymphocytes",
    "creatinine",
    "calcium",
    "bilirubin",
    "alt",
    "ast",
    "inr",
    "aptt",
    "spo2",
    "lvef",
    "m_protein",
    "urine_m_protein",
    "flc_kappa",
    "flc_lambda",
)
#: Screening windows are usually 14-28 days; older values are named as such (issue 11).
RECENT_DAYS = 30


@dataclass(frozen=True)
class AskedLab:
    test: str
    name: str
    status: str  # "recent" / "older" (than RECENT_DAYS) / "not_recorded"
    date: PartialDate | None
    days_old: int | None
    ref: str | None
    value: float | None = None  # canonical unit
    text_value: str | None = None

    def to_json(self) -> dict:
        return {
            "test": self.test,
            "name": self.name,
            "status": self.status,
            "value": None if self.value is None else round(self.value, 6),
            "text_value": self.text_value,
            "unit": LAB_TESTS[self.test].unit,
            "date": self.date.to_iso() if self.date else None,
            "days_old": self.days_old,
            "limit_days": RECENT_DAYS,
            "ref": self.ref,
        }


def asked_labs(history: History, as_of: dt.date) -> tuple[AskedLab, ...]:
    """Every commonly asked lab with its latest value's age, or "not_recorded": a missing
    or old value is said, not left out."""
    out = []
    lab: LabRec | None
    for test in ASKED_LABS:
        name = LAB_TESTS[test].name
        # By (date, id): from the end, the first that counts is the latest.
        lab = next(
            (
                x
                for x in reversed(labs_of_test_in_order(history.labs, test))
                if x.date.earliest() <= as_of and (x.value is not None or x.text_value)
            ),
            None,
        )
        if lab is None:
            out.append(AskedLab(test, name, NOT_RECORDED, None, None, None))
            continue
        days = (as_of - lab.date.as_date()).days
        status = "recent" if days <= RECENT_DAYS else "older"
        out.append(AskedLab(test, name, status, lab.date, days, lab.ref, lab.value, lab.text_value))
    return tuple(out)
