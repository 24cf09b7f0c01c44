"""Side-effect grading: CTCAE v5.0 / v6.0 terms, ASTCT CRS and ICANS, the KVA
scale for belantamab eye findings (rules doc section 5).

The term catalog lives in ``resources/ctcae/terms.json`` and is validated when
loaded: a malformed file raises :class:`CtcaeError` naming the file and the
entry. Every grade carries the scale/version it was graded with, because v5
and v6 differ for common myeloma terms (neutrophils, platelets, neuropathy,
hypertension...). Grades a patient gives are labelled "patient-reported, to be
confirmed by the care team" and never mixed silently with clinician grades.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from journal.domain.dates import PartialDate
from journal.domain.frozen import slot_init
from journal.domain.labs import LAB_TESTS
from journal.domain.records import (
    History,
    LabRec,
    SideEffectRec,
    lab_day,
    labs_of_test_in_order,
)
from journal.domain.trace import Source, Trace
from journal.domain.vocab import GradeSource, GradingScale
from journal.resources import resource_path

CTCAE_V5 = GradingScale.CTCAE_V5.value
CTCAE_V6 = GradingScale.CTCAE_V6.value
ASTCT = GradingScale.ASTCT.value
KVA = GradingScale.KVA.value
SCALES = (CTCAE_V5, CTCAE_V6, ASTCT, KVA)

CTCAE_SOURCE = Source(
    "NCI CTCAE v5.0 (2017) / v6.0 (2025)",
    "https://dctd.cancer.gov/research/ctep-trials/for-sites/adverse-events",
    "5.1",
)
ASTCT_SOURCE = Source(
    "ASTCT consensus grading for CRS and ICANS (Lee et al., BBMT 2019;25:625)",
    "https://pmc.ncbi.nlm.nih.gov/articles/PMC9327779/table/t0002",
    "5.2-5.3",
)
KVA_SOURCE = Source(
    "Keratopathy and Visual Acuity (KVA) scale (DREAMM trials; Cancer 2021)",
    "https://pmc.ncbi.nlm.nih.gov/articles/PMC8597112/table/cncr33809-tbl-0001",
    "5.4",
)
SOURCES = {CTCAE_V5: CTCAE_SOURCE, CTCAE_V6: CTCAE_SOURCE, ASTCT: ASTCT_SOURCE, KVA: KVA_SOURCE}

PATIENT_LABEL = "patient-reported, to be confirmed by the care team"


class CtcaeError(ValueError):
    """The term file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class GradeDef:
    grade: int
    text: str  # paraphrase of the official definition
    plain: str  # the app's plain-language version
    unconfirmed: bool = False


@dataclass(frozen=True)
class LabGrading:
    test: str
    direction: str  # "below" (limit = LLN) | "above_uln" (cutoffs are multiples of ULN)
    default_limit: float  # LLN or ULN assumed when the lab gave none
    cutoffs: dict[str, tuple[tuple[int, float | str], ...]]  # version -> ((grade, cutoff), ...)


@dataclass(frozen=True)
class Term:
    id: str
    term: str
    plain_name: str
    category: str
    keywords: tuple[str, ...]
    versions: dict[str, tuple[str, dict[int, GradeDef]]]  # scale -> (term name, grades)
    lab: LabGrading | None = None

    def name_in(self, scale: str) -> str:
        return self.versions[scale][0] if scale in self.versions else self.term

    def grade(self, scale: str, grade: int) -> GradeDef | None:
        if scale not in self.versions:
            return None
        return self.versions[scale][1].get(grade)


@dataclass(frozen=True)
class TermMatch:
    term: Term
    matched_on: str
    score: float


@functools.lru_cache(maxsize=8192)
def _norm(text: str) -> str:
    # Cached: the same few hundred names are normalised for every side effect.
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_ = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", " ", ascii_).strip()


class TermCatalog:
    def __init__(self, terms: list[Term]) -> None:
        self._terms = {t.id: t for t in terms}

    @property
    def terms(self) -> tuple[Term, ...]:
        return tuple(self._terms.values())

    def term(self, term_id: str) -> Term:
        try:
            return self._terms[term_id]
        except KeyError:
            raise KeyError(f"unknown side-effect term {term_id!r}") from None

    def get(self, term_id: str | None) -> Term | None:
        return self._terms.get(term_id) if term_id else None

    def identify(self, text: str) -> Term | None:
        """Exact match on an id, a CTCAE term name (any version) or the plain name."""
        return self._by_name().get(_norm(text))

    def _by_name(self) -> dict[str, Term]:
        """Normalised name -> term, built once; the first term listed wins a shared name."""
        index = self.__dict__.get("_index")
        if index is None:
            index = {}
            for t in self._terms.values():
                names = [t.id.replace("_", " "), t.term, t.plain_name]
                names += [name for name, _ in t.versions.values()]
                for n in names:
                    index.setdefault(_norm(n), t)
            self.__dict__["_index"] = index
        return index

    def search(self, text: str, limit: int = 8) -> list[TermMatch]:
        """Find terms by plain words: "tingling" -> peripheral sensory neuropathy.

        A name or keyword whose words all appear in the query wins, longer phrases first
        ("my nails are falling off" -> nail loss before nail discoloration); then a word
        typed as the start of a name ("ting"); then partial word overlap."""
        q = _norm(text)
        if not q:
            return []
        q_words = _words(q)
        found: list[TermMatch] = []
        for t in self._terms.values():
            best: tuple[float, str] | None = None
            candidates = [t.plain_name, t.term, *(name for name, _ in t.versions.values())]
            candidates += list(t.keywords)
            for cand in candidates:
                c = _norm(cand)
                c_words = _words(c)
                if not c or not c_words:
                    continue
                if c == q:
                    score = 30.0
                elif c_words <= q_words:
                    score = 10.0 + 2.0 * len(c_words)
                elif re.search(rf"\b{re.escape(q)}", c):
                    # The shorter name wins: "ting" is tingling, not tingling with pain.
                    score = 6.0 + 1.0 / len(c_words)
                else:
                    overlap = q_words & c_words
                    if not overlap:
                        continue
                    score = 4.0 * len(overlap) / len(c_words)
                if best is None or score > best[0]:
                    best = (score, cand)
            if best is not None:
                found.append(TermMatch(t, best[1], best[0]))
        found.sort(key=lambda m: (-m.score, m.term.term))
        return found[:limit]


_STOP = frozenset(
    {
        *("a", "an", "the", "my", "i", "me", "is", "are", "am", "was", "be", "it", "of"),
        *("in", "on", "at", "to", "and", "or", "with", "have", "has", "had", "get", "gets"),
        *("got", "very", "so", "cannot", "can", "not", "dont", "t", "do"),
    }
)


def _words(normalised: str) -> frozenset[str]:
    # Crude stemming so "nails" meets "nail" and "stools" meets "stool".
    out = set()
    for w in normalised.split():
        if w in _STOP:
            continue
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.add(w)
    return frozenset(out)


# --------------------------------------------------------------------------- loading
def _fail(path: Path, where: str, msg: str) -> CtcaeError:
    return CtcaeError(f"{path.name}: {where}: {msg}")


def load_terms(path: Path | None = None) -> TermCatalog:
    path = path or resource_path("ctcae", "terms.json")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CtcaeError(f"{Path(path).name}: cannot be read: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
        raise _fail(path, "top level", "expected an object with a 'terms' list")
    terms: list[Term] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["terms"]):
        where = f"term {i + 1} ({raw.get('id', '?') if isinstance(raw, dict) else '?'})"
        if not isinstance(raw, dict):
            raise _fail(path, where, "each term must be an object")
        for key in ("id", "term", "plain_name", "category", "keywords", "versions"):
            if key not in raw:
                raise _fail(path, where, f"missing {key!r}")
        if raw["id"] in seen:
            raise _fail(path, where, "duplicate id")
        seen.add(raw["id"])
        versions: dict[str, tuple[str, dict[int, GradeDef]]] = {}
        if not raw["versions"]:
            raise _fail(path, where, "needs at least one scale/version")
        for scale, vdef in raw["versions"].items():
            if scale not in SCALES:
                raise _fail(path, where, f"unknown scale {scale!r}; use one of {', '.join(SCALES)}")
            grades: dict[int, GradeDef] = {}
            for gkey, gdef in vdef.get("grades", {}).items():
                if gkey not in {"1", "2", "3", "4", "5"}:
                    raise _fail(path, where, f"{scale}: grade {gkey!r} is not 1-5")
                if not gdef.get("text") or not gdef.get("plain"):
                    raise _fail(path, where, f"{scale} grade {gkey}: needs 'text' and 'plain'")
                grades[int(gkey)] = GradeDef(
                    int(gkey), gdef["text"], gdef["plain"], bool(gdef.get("unconfirmed"))
                )
            if not grades:
                raise _fail(path, where, f"{scale}: no grades")
            versions[scale] = (vdef.get("term") or raw["term"], grades)
        lab = None
        if raw.get("lab"):
            ld = raw["lab"]
            if ld.get("test") not in LAB_TESTS:
                raise _fail(path, where, f"lab test {ld.get('test')!r} is not a known lab test")
            if ld.get("direction") not in ("below", "above_uln"):
                raise _fail(path, where, "lab direction must be 'below' or 'above_uln'")
            cut: dict[str, tuple[tuple[int, float | str], ...]] = {}
            for scale, rows in ld.get("cutoffs", {}).items():
                if scale not in versions:
                    raise _fail(path, where, f"lab cutoffs for {scale!r} but no grades for it")
                gs = [int(r[0]) for r in rows]
                if gs != sorted(gs, reverse=True):
                    raise _fail(
                        path, where, f"{scale} lab cutoffs must run from the highest grade down"
                    )
                cut[scale] = tuple((int(r[0]), r[1]) for r in rows)
            lab = LabGrading(ld["test"], ld["direction"], float(ld["default_limit"]), cut)
        terms.append(
            Term(
                raw["id"],
                raw["term"],
                raw["plain_name"],
                raw["category"],
                tuple(raw["keywords"]),
                versions,
                lab,
            )
        )
    return TermCatalog(terms)


@cache
def get_terms() -> TermCatalog:
    return load_terms()


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class GradeResult:
    term_id: str
    scale: str
    grade: int  # 0 = none
    trace: Trace
    lab_ref: str | None = None
    date: PartialDate | None = None
    value: float | None = None

    def to_json(self) -> dict:
        t = get_terms().get(self.term_id)
        gd = t.grade(self.scale, self.grade) if t else None
        return {
            "term_id": self.term_id,
            "term": t.name_in(self.scale) if t else self.term_id,
            "scale": self.scale,
            "grade": self.grade,
            "grade_plain": gd.plain if gd else None,
            "lab": self.lab_ref,
            "date": self.date.to_iso() if self.date else None,
            "value": self.value,
            "computed": True,
            "trace": self.trace.to_json(),
        }


def _grade_from_cutoffs(grading: LabGrading, scale: str, value: float, limit: float) -> int:
    for grade, cut in grading.cutoffs[scale]:
        if grading.direction == "below":
            bound = limit if cut == "LLN" else float(cut)
            if value < bound:
                return grade
        elif value > float(cut) * limit:
            return grade
    return 0


def lab_grade(lab: LabRec, scale: str = CTCAE_V5) -> GradeResult | None:
    """The CTCAE grade of one lab value, or None when no term grades this test."""
    if lab.value is None:
        return None
    term = next((t for t in get_terms().terms if t.lab and t.lab.test == lab.test), None)
    if term is None or term.lab is None or scale not in term.lab.cutoffs:
        return None
    grading = term.lab
    given = lab.lln if grading.direction == "below" else lab.uln
    limit = given if given is not None else grading.default_limit
    grade = _grade_from_cutoffs(grading, scale, lab.value, limit)
    unit = LAB_TESTS[lab.test].unit
    which = "lower limit of normal" if grading.direction == "below" else "upper limit of normal"
    limit_text = (
        f"the lab's {which} {limit:g}"
        if given is not None
        else f"an assumed {which} of {limit:g} (the lab gave none)"
    )
    gd = term.grade(scale, grade)
    what = f"grade {grade}: {gd.text}" if gd else "below grade 1"
    return GradeResult(
        term.id,
        scale,
        grade,
        Trace(
            f"ctcae.lab.{term.id}",
            f"{term.name_in(scale)} ({scale}) from {LAB_TESTS[lab.test].name} "
            f"{lab.value:g} {unit} on {lab.date.display()}, using {limit_text}: {what}.",
            CTCAE_SOURCE,
            (lab.ref,),
            unconfirmed=bool(gd and gd.unconfirmed),
            flags=() if given is not None else ("reference limit assumed",),
        ),
        lab.ref,
        lab.date,
        lab.value,
    )


def lab_grades(
    history: History, *, as_of: PartialDate | dt.date | None = None, scale: str = CTCAE_V5
) -> tuple[GradeResult, ...]:
    """The grade of the latest value of every lab-graded term (grade 0 included)."""
    when = None if as_of is None else (as_of if isinstance(as_of, dt.date) else as_of.as_date())
    latest: dict[str, LabRec | None] = {}
    out = []
    for t in get_terms().terms:
        if not t.lab:
            continue
        test = t.lab.test
        if test not in latest:
            latest[test] = _latest_value(history, test, when)
        lab = latest[test]
        if lab is not None:
            res = lab_grade(lab, scale)
            if res is not None:
                out.append(res)
    return tuple(out)


def _latest_value(history: History, test: str, when: dt.date | None) -> LabRec | None:
    """The last result of ``test`` with a value on or before ``when``, by (date, id)."""
    rows = labs_of_test_in_order(history.labs, test)
    end = len(rows) if when is None else bisect.bisect_right(rows, when, key=lab_day)
    for i in range(end - 1, -1, -1):
        if rows[i].value is not None:
            return rows[i]
    return None


# --------------------------------------------------------------------------- ASTCT / KVA
HYPOTENSION_GRADES = {
    "none": 1,
    "no vasopressor": 2,
    "one vasopressor": 3,
    "multiple vasopressors": 4,
}
HYPOXIA_GRADES = {"none": 1, "low-flow oxygen": 2, "high-flow oxygen": 3, "positive pressure": 4}


def crs_grade(
    *,
    fever: bool,
    hypotension: str = "none",
    hypoxia: str = "none",
    fever_masked: bool = False,
    death: bool = False,
) -> GradeResult:
    """ASTCT CRS grade. ``hypotension``: none | no vasopressor | one vasopressor | multiple
    vasopressors; ``hypoxia``: none | low-flow oxygen (≤ 6 L/min) | high-flow oxygen (> 6 L/min,
    mask) | positive pressure. ``fever_masked``: antipyretics or anti-cytokine therapy (e.g.
    tocilizumab, steroids) were given, so fever is no longer required."""
    if hypotension not in HYPOTENSION_GRADES:
        raise ValueError(f"hypotension {hypotension!r}: use one of {', '.join(HYPOTENSION_GRADES)}")
    if hypoxia not in HYPOXIA_GRADES:
        raise ValueError(f"hypoxia {hypoxia!r}: use one of {', '.join(HYPOXIA_GRADES)}")
    if death:
        grade, why = 5, "death from CRS with no other principal cause"
    elif not fever and not fever_masked:
        grade, why = 0, "no fever of 38 °C or more, so this is not CRS by ASTCT"
    else:
        h, o = HYPOTENSION_GRADES[hypotension], HYPOXIA_GRADES[hypoxia]
        grade = max(h, o)
        if grade == 1 and not fever:
            grade, why = 0, "fever masked by treatment, with no low blood pressure or oxygen need"
        else:
            why = (
                f"{'fever' if fever else 'fever masked by antipyretic/anti-cytokine treatment'}, "
                f"hypotension: {hypotension} (grade {h}), oxygen: {hypoxia} (grade {o}); "
                "the grade is the more severe of the two"
            )
    return GradeResult(
        "cytokine_release_syndrome",
        ASTCT,
        grade,
        Trace("astct.crs", f"CRS grade {grade}: {why}.", ASTCT_SOURCE, unconfirmed=grade == 5),
    )


CONSCIOUSNESS_GRADES = {
    "normal": 0,
    "awakens spontaneously": 1,
    "awakens to voice": 2,
    "awakens only to touch": 3,
    "unarousable": 4,
}
SEIZURE_GRADES = {"none": 0, "resolved rapidly": 3, "prolonged or repetitive": 4}
ICP_GRADES = {"none": 0, "focal oedema": 3, "diffuse oedema": 4}


def icans_grade(
    *,
    ice_score: int | None = None,
    consciousness: str = "normal",
    seizure: str = "none",
    motor_weakness: bool = False,
    raised_icp: str = "none",
) -> GradeResult:
    """ASTCT ICANS grade = the most severe domain (ICE score 0-10, consciousness, seizure,
    deep focal motor weakness, raised intracranial pressure / cerebral oedema)."""
    for name, val, table in (
        ("consciousness", consciousness, CONSCIOUSNESS_GRADES),
        ("seizure", seizure, SEIZURE_GRADES),
        ("raised_icp", raised_icp, ICP_GRADES),
    ):
        if val not in table:
            raise ValueError(f"{name} {val!r}: use one of {', '.join(table)}")
    if ice_score is not None and not 0 <= ice_score <= 10:
        raise ValueError(f"ICE score {ice_score} must be between 0 and 10")
    parts = {}
    if ice_score is not None:
        ice = 0 if ice_score == 10 else 1 if ice_score >= 7 else 2 if ice_score >= 3 else 3
        if ice_score == 0 and consciousness == "unarousable":
            ice = 4
        parts[f"ICE score {ice_score}"] = ice
    parts[f"consciousness: {consciousness}"] = CONSCIOUSNESS_GRADES[consciousness]
    parts[f"seizure: {seizure}"] = SEIZURE_GRADES[seizure]
    parts["deep focal motor weakness" if motor_weakness else "no motor weakness"] = (
        4 if motor_weakness else 0
    )
    parts[f"raised pressure / oedema: {raised_icp}"] = ICP_GRADES[raised_icp]
    grade = max(parts.values())
    fired = [f"{k} (grade {v})" for k, v in parts.items() if v == grade and v > 0]
    text = (
        f"ICANS grade {grade}: the most severe domain is " + ", ".join(fired) + "."
        if grade
        else "No ICANS: ICE score and all domains normal."
    )
    return GradeResult("icans", ASTCT, grade, Trace("astct.icans", text, ASTCT_SOURCE))


CORNEA_GRADES = {
    "normal": 0,
    "mild superficial keratopathy": 1,
    "moderate superficial keratopathy": 2,
    "severe superficial keratopathy": 3,
    "corneal epithelial defect": 4,
}


def kva_grade(
    *, cornea: str = "normal", lines_lost: int = 0, worse_than_20_200: bool = False
) -> GradeResult:
    """KVA grade for belantamab eye findings = the worse of the corneal exam and the fall
    in best-corrected visual acuity (Snellen lines lost from baseline)."""
    if cornea not in CORNEA_GRADES:
        raise ValueError(f"cornea {cornea!r}: use one of {', '.join(CORNEA_GRADES)}")
    c = CORNEA_GRADES[cornea]
    if worse_than_20_200:
        v = 4
    elif lines_lost > 3:
        v = 3
    elif lines_lost >= 2:
        v = 2
    elif lines_lost == 1:
        v = 1
    else:
        v = 0
    grade = max(c, v)
    vision = "worse than 20/200" if worse_than_20_200 else f"{lines_lost} line(s) lost"
    return GradeResult(
        "keratopathy",
        KVA,
        grade,
        Trace(
            "kva.grade",
            f"KVA grade {grade}: cornea {cornea} (grade {c}), visual acuity {vision} "
            f"(grade {v}); the worse of the two counts.",
            KVA_SOURCE,
        ),
    )


# --------------------------------------------------------------------------- entered grades
@slot_init
@dataclass(frozen=True, slots=True)
class SideEffectView:
    """One entered side effect as screens, the summary and the PDF show it."""

    ref: str
    term: str
    term_id: str | None
    plain_name: str | None
    scale: str
    grade: int | None
    grade_plain: str | None
    grade_source: str
    source_label: str
    onset: PartialDate
    resolved: PartialDate | None
    ongoing: bool
    serious: bool
    drugs: tuple[str, ...]
    trace: Trace
    regimen_id: int | None = None  # blamed on this whole regimen

    def to_json(self) -> dict:
        return {
            "ref": self.ref,
            "term": self.term,
            "term_id": self.term_id,
            "plain_name": self.plain_name,
            "scale": self.scale,
            "grade": self.grade,
            "grade_plain": self.grade_plain,
            "grade_source": self.grade_source,
            "source_label": self.source_label,
            "onset": self.onset.to_iso(),
            "resolved": self.resolved.to_iso() if self.resolved else None,
            "ongoing": self.ongoing,
            "serious": self.serious,
            "drugs": list(self.drugs),
            "regimen_id": self.regimen_id,
            "computed": False,
            "trace": self.trace.to_json(),
        }


def side_effect_view(se: SideEffectRec, *, as_of: dt.date | None = None) -> SideEffectView:
    return _view(se, as_of or dt.date.today(), {})


def side_effect_views(
    side_effects: Iterable[SideEffectRec], *, as_of: dt.date | None = None
) -> tuple[SideEffectView, ...]:
    """:func:`side_effect_view` of each, in the order given. What depends only on the
    term, scale, grade and who graded it is worked out once per such combination: a long
    history repeats a few dozen of them over thousands of side effects."""
    when = as_of or dt.date.today()
    memo: dict[tuple, tuple] = {}
    return tuple(_view(se, when, memo) for se in side_effects)


def _view(se: SideEffectRec, when: dt.date, memo: dict[tuple, tuple]) -> SideEffectView:
    key = (se.term_id, se.term, se.scale, se.grade, se.grade_source)
    known = memo.get(key)
    if known is None:
        known = memo[key] = _term_part(se)
    name, term_id, plain_name, grade_plain, label, text, source, flags = known
    ref = se.ref
    return SideEffectView(
        ref,
        name,
        term_id,
        plain_name,
        se.scale,
        se.grade,
        grade_plain,
        se.grade_source,
        label,
        se.onset,
        se.resolved,
        se.resolved is None or se.resolved.earliest() > when,
        se.serious,
        se.drugs,
        Trace("ctcae.entered", text, source, (ref,), flags=flags),
        se.regimen_id,
    )


def _term_part(se: SideEffectRec) -> tuple:
    """What a side effect's view takes from its term, scale, grade and grader alone."""
    cat = get_terms()
    term = cat.get(se.term_id) or cat.identify(se.term)
    gd = term.grade(se.scale, se.grade) if term and se.grade is not None else None
    if se.grade_source == GradeSource.PATIENT:
        label = PATIENT_LABEL
    elif se.grade_source == GradeSource.COMPUTED:
        label = "computed from labs"
    else:
        label = "graded by the care team"
    if se.grade is None:
        text = f"{se.term}: no grade entered."
    else:
        text = f"{se.term}: grade {se.grade} ({se.scale}), {label}."
        if gd:
            text += f" {se.scale} grade {se.grade}: {gd.text}."
        elif term and se.scale not in term.versions:
            text += f" The catalog has no {se.scale} definition for this term."
    return (
        term.name_in(se.scale) if term else se.term,
        term.id if term else se.term_id,
        term.plain_name if term else None,
        gd.plain if gd else None,
        label,
        text,
        SOURCES.get(se.scale, CTCAE_SOURCE),
        ("patient-reported",) if se.grade_source == GradeSource.PATIENT else (),
    )


# --------------------------------------------------------------------------- patient words
PRO_SOURCE = Source(
    "PRO-CTCAE design guidance (rules doc 5.6): provisional grade from the patient's answer",
    "https://healthcaredelivery.cancer.gov/pro-ctcae/faqs.html",
    "5.6",
)
INTERFERENCE_GRADES = {
    "not at all": 1,  # noticeable, does not get in the way
    "instrumental": 2,  # stops cooking, shopping, phoning, handling money
    "self-care": 3,  # cannot wash, dress, feed oneself
}


def patient_provisional_grade(
    term_id: str,
    *,
    interference: str | None = None,
    hospital: bool = False,
    emergency: bool = False,
    extra_stools_per_day: int | None = None,
    scale: str = CTCAE_V5,
) -> GradeResult | None:
    """A *provisional* CTCAE grade from what the patient says, only where the CTCAE
    criterion speaks to it directly (function in daily life, hospital, emergency, stool
    counts for diarrhoea). Lab-graded terms get none. Always labelled patient-reported,
    to be confirmed by the care team; never mixed silently with clinician grades."""
    term = get_terms().term(term_id)
    if term.lab is not None or scale not in term.versions:
        return None
    if interference is not None and interference not in INTERFERENCE_GRADES:
        raise ValueError(
            f"interference {interference!r}: use one of {', '.join(INTERFERENCE_GRADES)}"
        )
    grades = term.versions[scale][1]
    why = []
    grade = 0
    if interference is not None:
        grade = INTERFERENCE_GRADES[interference]
        why.append(f"gets in the way: {interference}")
    if term_id == "diarrhoea" and extra_stools_per_day is not None:
        g = 3 if extra_stools_per_day >= 7 else 2 if extra_stools_per_day >= 4 else 1
        if extra_stools_per_day <= 0:
            g = 0
        grade = max(grade, g)
        why.append(f"{extra_stools_per_day} extra stools a day")
    if hospital:
        grade = max(grade, 3)
        why.append("went to hospital")
    if emergency:
        grade = max(grade, 4)
        why.append("emergency / life-threatening")
    if grade == 0:
        return None
    if grade not in grades:
        if grade < max(grades):
            return None  # the criterion is not about daily function (e.g. febrile neutropenia)
        grade = max(grades)  # the scale stops below: keep its highest defined grade
    gd = grades.get(grade)
    return GradeResult(
        term.id,
        scale,
        grade,
        Trace(
            "ctcae.patient_provisional",
            f"Provisional {term.name_in(scale)} grade {grade} ({scale}) from the patient's "
            f"answer ({'; '.join(why)}): {PATIENT_LABEL}."
            + (f" Grade {grade}: {gd.plain}" if gd else ""),
            PRO_SOURCE,
            flags=("patient-reported",),
        ),
    )
