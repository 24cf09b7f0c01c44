"""A library of recognisers: one small function per kind of criterion.

Each recogniser has two halves, kept apart so each can be tested on its own:

* ``parse(text) -> dict | None``: the parameters the words state (thresholds, counts, drugs,
  windows), or None when the words are not of this kind. Pure text work.
* ``check(params, facts) -> Finding``: does the condition the words describe hold in the
  record? ``holds`` is about the condition itself, not about the trial: for an exclusion,
  ``holds=True`` means the excluding condition is present.

Anything no recogniser understands stays *to discuss*, never dropped. When the trial's own
definition differs from the rule the journal applies (a window other than 60 days, "less than
a partial response", a country-specific count), the check says so and asks for discussion.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from journal.domain.catalog import get_catalog
from journal.domain.vocab import ProcedureKind
from journal.trials.facts import Fact, Finding, ScreeningFacts

# --------------------------------------------------------------------------- numbers
_NUM = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_OPS = (
    ("greater than or equal to", ">="),
    ("greater or equal to", ">="),
    ("less than or equal to", "<="),
    ("more than or equal to", ">="),
    ("of at least", ">="),
    ("at least", ">="),
    ("no more than", "<="),
    ("not more than", "<="),
    ("at most", "<="),
    ("greater than", ">"),
    ("more than", ">"),
    ("higher than", ">"),
    ("less than", "<"),
    ("lower than", "<"),
    ("above", ">"),
    ("below", "<"),
    ("</=", "<="),
    (">/=", ">="),
    ("≥", ">="),
    (">=", ">="),
    ("=>", ">="),
    ("≤", "<="),
    ("<=", "<="),
    ("=<", "<="),
    (">", ">"),
    ("<", "<"),
    ("=", "="),  # "= 18 years": a page that lost the "≥"; read as unclear
)
_OP = "(?P<op>" + "|".join(re.escape(w) for w, _ in _OPS) + ")"
_OP_MAP = {w.lower(): sym for w, sym in _OPS}
_WORD_NUM = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "eight": 8,
    "twelve": 12,
}


def num(text: str) -> float:
    return float(text.replace(",", ""))


def op_of(text: str) -> str:
    return _OP_MAP[text.lower()]


def compare(value: float, op: str, threshold: float) -> bool:
    eps = 1e-9
    return {
        ">=": value >= threshold - eps,
        ">": value > threshold + eps,
        "<=": value <= threshold + eps,
        "<": value < threshold - eps,
    }[op]


_OP_WORDS = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than", "=": "="}


def _fmt(v: float) -> str:
    return f"{v:g}"


def _days(n: float, unit: str) -> int:
    unit = unit.lower()
    if unit.startswith("week"):
        return int(n * 7)
    if unit.startswith("month"):
        return round(n * 30.44)
    if unit.startswith("year"):
        return round(n * 365.25)
    return int(n)


def _n(word: str) -> int:
    return _WORD_NUM[word.lower()] if word.lower() in _WORD_NUM else int(word)


# --------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class Recogniser:
    name: str
    title: str  # what it checks, in plain words
    parse: Callable[[str], dict | None]
    check: Callable[[dict, ScreeningFacts], Finding]
    reads_children: bool = False  # thresholds may sit in the sub-items ("any of the following:")


RECOGNISERS: list[Recogniser] = []


def recogniser(name: str, title: str, parse, *, reads_children: bool = False):
    def wrap(check):
        RECOGNISERS.append(Recogniser(name, title, parse, check, reads_children))
        return check

    return wrap


def by_name(name: str) -> Recogniser:
    return next(r for r in RECOGNISERS if r.name == name)


def recognise(text: str, full: str | None = None) -> list[tuple[Recogniser, dict]]:
    """Every recogniser that understands ``text`` (``full`` = with its sub-items)."""
    out = []
    for r in RECOGNISERS:
        params = r.parse(text)
        if params is not None and r.reads_children and full and full != text:
            params = r.parse(full) or params
        if params is not None:
            out.append((r, params))
    return out


def _missing(what: str, rule: str) -> Finding:
    return Finding(None, f"The journal does not record {what}.", missing=what, rule=rule)


def _strip_parens(text: str) -> str:
    prev = None
    while prev != text:
        prev = text
        text = re.sub(r"\([^()]*\)", " ", text)
    return re.sub(r"\s+", " ", text)


def _country_specific(text: str) -> bool:
    return bool(re.search(r"\b[A-Z][a-z]+[- ]specific\b|\bcountry[- ]specific\b", text))


# --------------------------------------------------------------------------- personal
_PERSONAL = re.compile(
    r"informed consent|\bICF\b|contracepti|pregnan|childbearing|child-bearing|breast-?feeding|"
    r"lactating|willing|able to (?:adhere|comply|swallow)|comply with|life expectancy|"
    r"expected survival|study visit schedule|legally acceptable",
    re.I,
)


def parse_personal(text: str) -> dict | None:
    m = _PERSONAL.search(text)
    if not m:
        return None
    word = re.match(r"[\w-]*", text[m.start() :]).group(0) or m.group(0)
    return {"topic": word.lower()}


@recogniser("personal", "Something you and the study team confirm", parse_personal)
def check_personal(p: dict, f: ScreeningFacts) -> Finding:
    return Finding(
        None,
        "The journal does not keep this; it is for you and the study team to confirm "
        f"(it is about {p['topic']}).",
        judgement=True,
        rule="trials.personal",
    )


# --------------------------------------------------------------------------- age
_AGE_CTX = re.compile(
    r"\bage[ds]?\b|years? old|years? of age|years? or (?:older|greater|above)", re.I
)


def parse_age(text: str) -> dict | None:
    if not _AGE_CTX.search(text):
        return None
    t = text
    m = re.search(
        r"(?:aged?|between)\s*(?:between\s*)?(?P<a>\d{2})\s*(?:-|–|~|to|and)\s*(?P<b>\d{2,3})\s*years",
        t,
        re.I,
    )
    if m:
        return {"min": int(m.group("a")), "min_op": ">=", "max": int(m.group("b")), "max_op": "<="}
    m = re.search(
        _OP.replace("op>", "op1>")
        + r"\s*(?P<a>\d{2})\s*(?:years?\s*)?(?:and|to|-)\s*"
        + _OP.replace("op>", "op2>")
        + r"\s*(?P<b>\d{2,3})\s*years",
        t,
        re.I,
    )
    if m and op_of(m.group("op1")) in (">=", ">") and op_of(m.group("op2")) in ("<=", "<"):
        return {
            "min": int(m.group("a")),
            "min_op": op_of(m.group("op1")),
            "max": int(m.group("b")),
            "max_op": op_of(m.group("op2")),
        }
    out: dict = {}
    for m in re.finditer(_OP + r"\s*(?P<n>\d{2,3})\s*years?", t, re.I):
        op = op_of(m.group("op"))
        if op in (">=", ">", "="):
            out.setdefault("min", int(m.group("n")))
            out.setdefault("min_op", op)
        else:
            out["max"] = int(m.group("n"))
            out["max_op"] = op
    m = re.search(
        r"(?P<n>\d{2})\s*years?(?: of age)?\s*(?:or (?:older|greater|above)|and (?:older|above))",
        t,
        re.I,
    )
    if m and "min" not in out:
        out.update({"min": int(m.group("n")), "min_op": ">="})
    m = re.search(r"\bmust be (?P<n>\d{2}) years", t, re.I)
    if m and "min" not in out:
        out.update({"min": int(m.group("n")), "min_op": ">="})
    if "min" in out and "max" in out and out["min"] >= out["max"]:
        return None  # "≥ 65 ... or, for those < 65, ...": not one age range
    return out or None


def _age_holds(age: int, p: dict) -> bool:
    ok = True
    if "min" in p:
        ok = ok and compare(age, p["min_op"], p["min"])
    if "max" in p:
        ok = ok and compare(age, p["max_op"], p["max"])
    return ok


def _age_words(p: dict) -> str:
    parts = []
    if "min" in p:
        parts.append(f"{_OP_WORDS[p['min_op']]} {p['min']}")
    if "max" in p:
        parts.append(f"{_OP_WORDS[p['max_op']]} {p['max']}")
    return " and ".join(parts) + " years"


@recogniser("age", "Age", parse_age)
def check_age(p: dict, f: ScreeningFacts) -> Finding:
    age, fact = f.age()
    if age is None:
        return _missing("a birth date, so the age is not known", "trials.age")
    if "=" in (p.get("min_op"), p.get("max_op")):
        return Finding(
            None,
            f"The text gives the age with '=', which looks like a lost '≥' or '≤'; you are {age}.",
            (fact,),
            judgement=True,
            rule="trials.age",
        )
    holds = _age_holds(age, p)
    return Finding(
        holds,
        f"The criterion asks for age {_age_words(p)}; you are {age}.",
        (fact,),
        rule="trials.age",
    )


# --------------------------------------------------------------------------- ECOG
def parse_ecog(text: str) -> dict | None:
    m = re.search(
        r"(?:\bECOG\b|Eastern Cooperative Oncology Group|\bWHO performance)[^.;]{0,80}", text, re.I
    )
    if not m:
        return None
    seg = m.group(0)
    m2 = re.search(r"(?:≤|<=|=<|<|less than)\s*(\d)\b", seg)
    if m2:
        strict = seg[m2.start()] == "<" and not seg[m2.start() :].startswith("<=")
        strict = strict or seg[m2.start() :].lower().startswith("less than")
        hi = int(m2.group(1)) - (1 if strict else 0)
        return {"min": 0, "max": hi}
    m2 = re.search(r"\b([0-4])\s*(?:-|–|to)\s*([0-4])\b", seg)
    if m2:
        return {"min": int(m2.group(1)), "max": int(m2.group(2))}
    m2 = re.search(r"\b([0-4])((?:\s*,\s*[0-4])*)\s*,?\s*(?:or|and)\s*([0-4])\b", seg)
    if m2:
        return {"min": int(m2.group(1)), "max": int(m2.group(3))}
    return None


@recogniser("ecog", "ECOG performance status", parse_ecog)
def check_ecog(p: dict, f: ScreeningFacts) -> Finding:
    score, fact = f.ecog()
    if score is None:
        return _missing("an ECOG performance status", "trials.ecog")
    holds = p["min"] <= score <= p["max"]
    return Finding(
        holds,
        f"The criterion asks for ECOG {p['min']} to {p['max']}; the last recorded is {score}"
        f" ({fact.days_old} days old).",
        (fact,),
        rule="trials.ecog",
    )


# --------------------------------------------------------------------------- prior lines
_LINE_WORD = (
    r"(?:prior\s+|previous\s+|different\s+prior\s+)?(?:systemic\s+|therapeutic\s+)?(?:anti-?myeloma\s+|anti-?cancer\s+)?"
    r"(?:lines?|line\(s\)|regimens?|therap(?:y|ies)|treatment regimens)"
)


def parse_prior_lines(text: str) -> dict | None:
    t = text
    if re.search(r"(?:response|responded|MR or better|partial response)[^.]{0,30}$", t[:0]):
        return None
    out: dict | None = None
    m = re.search(
        r"(?:between\s+)?(?P<a>\d)\s*(?:-|–|to|and|&)\s*(?P<b>\d{1,2})\s+" + _LINE_WORD, t, re.I
    )
    if m and "cycle" not in m.group(0).lower():
        out = {"min": int(m.group("a")), "max": int(m.group("b"))}
    else:
        m = re.search(
            r"(?:at least|≥|>=|a minimum of|minimum of|more than|greater than or equal to)\s*(?P<a>\d{1,2}|one|two|three|four|five)\s+"
            + _LINE_WORD,
            t,
            re.I,
        )
        if m:
            n = _n(m.group("a"))
            if re.match(r"more than", m.group(0), re.I):
                n += 1
            out = {"min": n, "max": None}
        else:
            m = re.search(r"\b(?P<a>\d{1,2})\s+or\s+more\s+" + _LINE_WORD, t, re.I)
            if m:
                out = {"min": int(m.group("a")), "max": None}
            else:
                m = re.search(
                    r"(?:received|had)\s+(?:only\s+)?(?P<a>\d|one|two|three)\s+(?:prior\s+)?lines?\b",
                    t,
                    re.I,
                )
                if m:
                    out = {"min": _n(m.group("a")), "max": _n(m.group("a"))}
    if out is None:
        return None
    before = t[: m.start()].lower()
    if re.search(r"respons|responded|mr or better", before):
        return None  # "a response to at least 1 prior therapy" is about response, not count
    tail = _strip_parens(t[m.end() : m.end() + 400])
    inc = re.match(r"[^.;]{0,80}?\binclud\w*\s+(?P<what>[^.;]{0,200})", tail, re.I)
    if inc:
        terms = find_terms(inc.group("what"))
        if terms:
            out["including"] = terms
    out["country_specific"] = _country_specific(t)
    return out


@recogniser("prior_lines", "Number of prior lines of therapy", parse_prior_lines)
def check_prior_lines(p: dict, f: ScreeningFacts) -> Finding:
    n, fact = f.prior_lines()
    lo, hi = p["min"], p["max"]
    holds = n >= lo and (hi is None or n <= hi)
    want = (
        f"{lo} to {hi}"
        if hi is not None and hi != lo
        else (f"{lo}" if hi == lo else f"at least {lo}")
    )
    facts = [fact]
    expl = f"The criterion asks for {want} prior lines; the journal counts {n} (IMWG line rules)."
    if p.get("including"):
        ex = _exposures(p["including"], f, refractory=False)
        if ex is None:
            return _missing(
                "drug exposure (the refractoriness ledger is not available)", "trials.prior_lines"
            )
        ok, efacts, words = ex
        facts += efacts
        holds = holds and ok
        expl += f" Including {words}: {'yes' if ok else 'not all of them'}."
    return Finding(
        holds,
        expl,
        tuple(facts),
        judgement=p.get("country_specific", False),
        rule="trials.prior_lines",
        flags=("applies only in one country",) if p.get("country_specific") else (),
    )


# --------------------------------------------------------------------------- drugs and classes
_CLASS_TERMS = (
    ("class:PI", r"(?i:prote[ao]some inhibitors?)|\bPIs?\b"),
    ("class:IMiD", r"immunomodulatory (?:imide )?(?:drugs?|agents?)|\bIMiDs?\b|\bIMIDs?\b"),
    (
        "class:anti-CD38",
        r"anti-?CD38|anti-cluster of differentiation\s*(?:\(?CD\)?)?\s*38|CD38[- ](?:directed|targeted|monoclonal)|CD38 antibod",
    ),
    ("class:alkylator", r"alkylating agents?|\balkylators?\b"),
    ("class:CELMoD", r"\bCELMoDs?\b|cereblon E3"),
)
_TARGET_TERMS = (
    ("BCMA", r"\bBCMA\b|B[- ]cell maturation antigen"),
    ("GPRC5D", r"\bGPRC5D\b"),
    ("FcRH5", r"\bFcRH5\b"),
)
_MODALITY_TERMS = (
    (
        "CAR-T",
        r"\bCAR[- ]?T\b|\bCAR T\b|chimeric antigen receptor|\bCAR therapy|genetically modified T[- ]cells",
    ),
    ("bispecific", r"bispecific|T[- ]cell engager|T[- ]cell redirect"),
    ("BCMA-ADC", r"antibody[- ]drug conjugate|\bADC\b"),
)
_LABEL_TERMS = (
    ("label:triple_class_refractory", r"triple[- ]class[- ]refractory"),
    ("label:triple_class_exposed", r"triple[- ]class[- ]exposed"),
    ("label:penta_refractory", r"penta[- ](?:drug[- ])?refractory"),
    ("label:penta_exposed", r"penta[- ](?:drug[- ])?exposed"),
    ("label:double_refractory", r"double[- ]refractory"),
)


@cache
def _drug_pattern() -> re.Pattern:
    cat = get_catalog()
    names: dict[str, str] = {}
    for d in cat.drugs:
        if d.supportive or d.drug_class == "steroid":
            continue
        for name in (d.generic, *d.brands, *d.codes, *d.aliases):
            if len(name) >= 5 and name.lower() not in ("len",):
                names[name.lower()] = d.id
    alts = sorted(names, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(a) for a in alts) + r")\b", re.I), names  # type: ignore[return-value]


def find_terms(text: str) -> list[str]:
    """Drug ids, ``class:X``, ``target:X[/modality]``, ``label:X`` named in the words, in order."""
    t = _strip_parens(text)
    found: list[tuple[int, str]] = []
    for key, pat in _LABEL_TERMS:
        for m in re.finditer(pat, t, re.I):
            found.append((m.start(), key))
    labels_span = [m.span() for _, pat in _LABEL_TERMS for m in re.finditer(pat, t, re.I)]
    for key, pat in _CLASS_TERMS:
        for m in re.finditer(pat, t, re.I if key != "class:PI" else 0):
            if any(a <= m.start() < b for a, b in labels_span):
                continue
            found.append((m.start(), key))
    pat, names = _drug_pattern()
    for m in pat.finditer(t):
        found.append((m.start(), names[m.group(1).lower()]))
    for key, tp in _TARGET_TERMS:
        for m in re.finditer(tp, t, re.I):
            window = t[m.start() : m.end() + 60]
            mod = next((mk for mk, mp in _MODALITY_TERMS if re.search(mp, window, re.I)), None)
            found.append((m.start(), f"target:{key}" + (f"/{mod}" if mod else "")))
    targets = [s for s, k in found if k.startswith("target:")]
    for key, mp in _MODALITY_TERMS:
        for m in re.finditer(mp, t, re.I):
            if not any(abs(m.start() - s) < 70 for s in targets):
                found.append((m.start(), f"modality:{key}"))
    out: list[str] = []
    for _, k in sorted(found):
        if k not in out:
            out.append(k)
    return out


def _term_words(term: str) -> str:
    cat = get_catalog()
    kind, _, rest = term.partition(":")
    if not rest:
        d = cat.get(term)
        return d.generic if d else term
    if kind == "class":
        from journal.domain.catalog import CLASSES

        return CLASSES.get(rest, rest)
    if kind == "label":
        return rest.replace("_", " ")
    if kind == "target":
        tgt, _, mod = rest.partition("/")
        return f"{tgt}-directed {mod or 'therapy'}"
    if kind == "modality":
        return {
            "CAR-T": "CAR-T",
            "bispecific": "bispecific antibody",
            "BCMA-ADC": "antibody-drug conjugate",
        }[rest]
    return term


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _term_status(term: str, f: ScreeningFacts, refractory: bool):
    """(answer, drugs behind it, traces) for one term; answer None when unknown."""
    lg = f.ledger
    kind, _, rest = term.partition(":")
    if not rest:  # a drug id
        d = lg.drugs.get(term)
        if d is None:
            return False, (), ()
        ans = d.refractory if refractory else d.exposed
        return bool(ans) if ans is not None else None, (d.name,), d.traces
    if kind == "class":
        c = lg.classes.get(rest)
        if c is None:
            return False, (), ()
        ans = c.refractory if refractory else c.exposed
        drugs = c.refractory_drugs if refractory else c.exposed_drugs
        return bool(ans), tuple(drugs), c.traces
    if kind == "label":
        lab = lg.labels.get(rest)
        if lab is None:
            return None, (), ()
        if refractory != rest.endswith("refractory") and "refractory" in rest:
            pass
        return lab.applies, tuple(lab.drugs), (lab.trace,)
    cat = get_catalog()
    if kind == "target":
        tgt, _, mod = rest.partition("/")
        hits = []
        for did, d in lg.drugs.items():
            drug = cat.get(did)
            if drug is None or drug.target != tgt:
                continue
            if mod and drug.drug_class != mod:
                continue
            if d.refractory if refractory else d.exposed:
                hits.append(d)
        return bool(hits), tuple(d.name for d in hits), tuple(t for d in hits for t in d.traces)
    if kind == "modality":
        hits = []
        for did, d in lg.drugs.items():
            drug = cat.get(did)
            if drug is None or drug.drug_class != rest:
                continue
            if d.refractory if refractory and rest != "CAR-T" else d.exposed:
                hits.append(d)
        return bool(hits), tuple(d.name for d in hits), tuple(t for d in hits for t in d.traces)
    return None, (), ()


def _exposures(terms: list[str], f: ScreeningFacts, refractory: bool, any_of: bool = False):
    if f.ledger is None:
        return None
    answers, facts = [], []
    for term in terms:
        ans, drugs, traces = _term_status(term, f, refractory)
        answers.append(ans)
        what = "refractory" if refractory else "exposed"
        if ans is None:
            value = "not known"
        elif ans:
            value = f"yes ({', '.join(drugs)})" if drugs else "yes"
        else:
            value = "no"
        facts.append(
            Fact(
                f"{_cap(_term_words(term))}: {what}",
                value,
                f.as_of.isoformat(),
                0,
                True,
                tuple(r for t in traces for r in t.records),
                traces[0] if traces else None,
            )
        )
    if any_of:
        ok = (
            True
            if any(a for a in answers)
            else (None if any(a is None for a in answers) else False)
        )
    else:
        ok = (
            False
            if any(a is False for a in answers)
            else (None if any(a is None for a in answers) else True)
        )
    words = (" or " if any_of else " and ").join(_term_words(t) for t in terms)
    return ok, facts, words


# Refractory to a drug or class, not "relapsed or refractory myeloma" (the disease state).
_REFRACTORY = re.compile(
    r"[\w)]-refractory|refractor\w*\s+to\b|(?:double|triple[- ]class|penta[- ]\w*|quad\w*)[- ]refractory|"
    r"\b(?!(?:or|and|relapsed|is|be|been|are|was)\b)\w+ refractory\b(?!\s+(?:multiple|myeloma|MM|RRMM|disease|or|and|is)\b)",
    re.I,
)
_EXPOSED = re.compile(
    r"\bexposed\b|\bexposure\b|prior (?:treatment|therapy|exposure|\w+ therapy|[\w-]+ directed)|"
    r"previous(?:ly)? (?:treated|treatment|received|therapy)|\breceived\b|pretreated|\bprior\b(?!\s+to\b)[^.]{0,30}\btherapy\b|"
    r"treatment with|\bhave had\b",
    re.I,
)


def parse_drug_status(text: str) -> dict | None:
    t = _strip_parens(text)
    if re.search(r"\b(?:permitted|allowed)\b", t, re.I) and not re.search(r"\bexcept\b", t, re.I):
        return None  # "prior X is permitted": says what does not count against you
    rm = _REFRACTORY.search(t)
    refractory = bool(rm)
    if not refractory and not _EXPOSED.search(t):
        return None
    if re.search(
        r"\blast (?:line|regimen)|most recent (?:line|regimen|therapy)", t, re.I
    ) and not find_terms(t):
        return None
    terms = find_terms(t)
    if rm is not None:
        near = find_terms(t[max(0, rm.start() - 25) : rm.end() + 160])
        terms = near or terms
    if not terms:
        return None
    if (
        re.search(r"\b(?:including|including with)\b", t, re.I)
        and parse_prior_lines(text)
        and not refractory
    ):
        return None  # "N prior lines including X": the prior-lines check reads it
    first = t.lower().find(_term_words(terms[0]).lower()[:4])
    any_of = bool(re.search(r"\bor\b", t[max(first, 0) :], re.I)) and not re.search(
        r"\band\b", t, re.I
    )
    if (
        re.search(r"\bor\b", t, re.I)
        and re.search(r"\b(?:prior|previous)\b", t, re.I)
        and not refractory
    ):
        any_of = True
    negated = bool(
        re.search(
            r"\b(?:not|cannot|never)\s+(?:be\s+|been\s+|have\s+|had\s+)*(?:refractory|received|exposed|treated)|\bno\s+prior\b",
            t,
            re.I,
        )
    )
    window = re.search(r"within\s+(\d+)\s*(days?|weeks?|months?)", t, re.I)
    out = {
        "mode": "refractory" if refractory else "exposed",
        "terms": terms,
        "any_of": any_of,
        "negated": negated,
    }
    if window and refractory:
        out["window_days"] = _days(float(window.group(1)), window.group(2))
    if refractory and re.search(
        r"<\s*PR\b|less than (?:a )?partial response|no response \(< PR\)", text, re.I
    ):
        out["own_definition"] = "less than a partial response counts as refractory"
    if refractory and re.search(r"regardless of response", text, re.I):
        out["own_definition"] = "progression on or within 60 days, regardless of response"
    if re.search(
        r"best response|response achieved|due to toxicity|intoleran|discontinued", text, re.I
    ):
        out["needs_more"] = "it also depends on the response reached or why the drug was stopped"
    elif re.search(r"\b\d+\s+(?:complete\s+)?cycles?\b", text, re.I):
        out["needs_more"] = "it also asks for a number of cycles"
    elif re.search(
        r"\b(?:if|who have|who has|participants who|patients who|subjects who)\b", t, re.I
    ):
        out["needs_more"] = "it applies only to some participants"
    if "window_days" in out and out["window_days"] != 60:
        out["own_definition"] = f"progression within {out['window_days']} days of the last dose"
    return out


@recogniser(
    "drug_status", "Exposure or refractoriness to a drug, class or target", parse_drug_status
)
def check_drug_status(p: dict, f: ScreeningFacts) -> Finding:
    refractory = p["mode"] == "refractory"
    ex = _exposures(p["terms"], f, refractory, p["any_of"])
    if ex is None:
        return _missing(
            "drug exposure (the refractoriness ledger is not available)", "trials.drug_status"
        )
    ok, facts, words = ex
    holds = ok if ok is None or not p["negated"] else not ok
    what = "refractory to" if refractory else "treated with"
    expl = f"The criterion is about being {what} {words}"
    if p["negated"]:
        expl += " (it asks that this is NOT so)"
    if ok is None:
        expl += "; the journal cannot tell."
    else:
        expl += f"; the journal says {'yes' if ok else 'no'} ({f.ledger.rule_set} rule set)."
    judgement = False
    if p.get("needs_more"):
        judgement = True
        expl += f" Not the whole story: {p['needs_more']}."
    if refractory and p.get("own_definition"):
        judgement = True
        expl += f" The trial's own definition differs from the journal's: {p['own_definition']}."
    return Finding(holds, expl, tuple(facts), judgement=judgement, rule="trials.drug_status")


# --------------------------------------------------------------------------- no prior therapy
def parse_untreated(text: str) -> dict | None:
    if re.search(
        r"\b(?:not|no)\b\s+(?:\w+\s+){0,3}?prior\s+(?:systemic\s+)?(?:anti-?myeloma\s+)?(?:therapy|treatment)|"
        r"previously untreated|newly diagnosed|naive to any treatment|treatment[- ]na[iï]ve|"
        r"has not had prior",
        text,
        re.I,
    ):
        return {"lines": 0}
    return None


@recogniser("untreated", "No treatment for myeloma yet", parse_untreated)
def check_untreated(p: dict, f: ScreeningFacts) -> Finding:
    _, fact = f.prior_lines()
    started = [ln for ln in f.summary.lines.lines if ln.start.earliest() <= f.as_of]
    current = len(started)
    facts = (fact, Fact("Lines started", str(current), f.as_of.isoformat(), 0, True))
    return Finding(
        current == 0,
        f"The criterion is for myeloma not treated yet; the journal has {current} line(s) of "
        "therapy started.",
        facts,
        rule="trials.untreated",
    )


# --------------------------------------------------------------------------- last line
def parse_last_line(text: str) -> dict | None:
    m = re.search(
        r"(?:progress\w*|\bPD\b|refractory)[^.]{0,140}?(?:last|most recent|latest|prior)\s+"
        r"(?:line|regimen|therapy|treatment|anti-?myeloma)|"
        r"(?:last|most recent)\s+(?:line|regimen)[^.]{0,40}refractory",
        text,
        re.I,
    )
    if not m:
        return None
    if re.search(r"prior (?:line|regimen|therapy|treatment)", m.group(0), re.I) and not re.search(
        r"last|most recent|latest", m.group(0), re.I
    ):
        return None
    out: dict = {"window_days": None}
    w = re.search(
        r"within\s+(\d+)\s*(days?|weeks?|months?)",
        text[m.start() - 80 if m.start() > 80 else 0 :],
        re.I,
    )
    if w:
        out["window_days"] = _days(float(w.group(1)), w.group(2))
    if re.search(r"failure to achieve|minimal response", text, re.I):
        out["or_no_response"] = True
    return out


@recogniser("last_line", "Progression on or after the last line", parse_last_line)
def check_last_line(p: dict, f: ScreeningFacts) -> Finding:
    from journal.domain.dates import PartialDate

    lines = [ln for ln in f.summary.lines.lines if ln.start.earliest() <= f.as_of]
    if not lines:
        return Finding(False, "The journal has no line of therapy yet.", rule="trials.last_line")
    last = lines[-1]
    # Every progression the rules count (entered, computed from labs, or a regimen's end
    # reason); an "ended for inadequate response" is a non-response, not a progression.
    progs = [
        (e.date, e.ref)
        for e in f.summary.responses.ledger_progressions(f.history)
        if not e.non_response
    ]
    after = sorted(
        (d, ref)
        for d, ref in progs
        if d.latest() >= last.start.earliest() and d.earliest() <= f.as_of
    )
    line_fact = Fact(
        f"Last line (line {last.number})",
        last.label,
        last.start.to_iso(),
        (f.as_of - last.start.as_date()).days,
        True,
        tuple(r for t in last.traces for r in t.records),
        last.traces[0] if last.traces else None,
    )
    if not after:
        return Finding(
            None,
            f"No progression is recorded since line {last.number} started.",
            (line_fact,),
            missing=f"a progression after the start of line {last.number}",
            judgement=bool(p.get("or_no_response")),
            rule="trials.last_line",
        )
    d, ref = after[0]
    pf = Fact("Progression", "recorded", d.to_iso(), (f.as_of - d.as_date()).days, False, (ref,))
    holds = True
    expl = f"Progression on {d.display()} after line {last.number} started"
    if p["window_days"] is not None and last.end is not None:
        limit = last.end.as_date().toordinal() + p["window_days"]
        holds = d.earliest().toordinal() <= limit
        expl += f"; the line ended {last.end.display()}, window {p['window_days']} days"
    _ = PartialDate
    return Finding(holds, expl + ".", (line_fact, pf), rule="trials.last_line")


# --------------------------------------------------------------------------- measurable
_MEAS_UNIT = (
    r"(?P<unit>g\s*/\s*dL|g\s*/\s*dl|gm/dL|g/L|grams? per deciliter|mg\s*/\s*dL|mg\s*/\s*dl|"
    r"mg per deciliter|milligrams? per deciliter|mg/L|mg\s*/\s*24\s*h\w*|mg per 24|mg in 24|mg in a 24|mg/\s*24|milligrams? \(mg\) per 24|"
    r"milligram \(mg\)\s*(?:/|per)\s*24|g\s*/\s*24|mg\b)"
)


def parse_measurable(text: str) -> dict | None:
    t = text
    meas = re.search(r"\bmeasurable\b", t, re.I)
    if (
        meas
        and re.search(r"non-?measurable|measurable (?:extramedullary|lesion|plasmacytoma)", t, re.I)
        and not re.search(r"measurable disease", t, re.I)
    ):
        return None
    starts_with_marker = re.match(
        r"^\W*(?:\(?[a-z0-9ivx]{1,3}[.)]\s*)?(?:serum\s+(?:m[- ]?protein|monoclonal|paraprotein|free light|"
        r"immunoglobulin free|involved)|urine|urinary|involved|m[- ]protein|m protein|"
        r"free light chain|abnormal free light chain|light chain multiple myeloma|iga multiple myeloma|igg multiple myeloma)",
        t,
        re.I,
    )
    if not meas and not starts_with_marker:
        return None
    if not meas and re.search(r"bone marrow plasma|\bBMPC|plasma cells", t, re.I):
        return None
    if re.search(r"ratio\s*(?:≥|>=|>)\s*\d|myeloma[- ]defining|\bSLiM\b|\bCRAB\b", t, re.I):
        return (
            None  # diagnostic biomarkers (involved:uninvolved ratio ≥ 100), not disease to follow
        )
    serum, urine, flc = [], [], []
    for m in re.finditer(_OP + r"\)?\s*" + _NUM + r"\s*" + _MEAS_UNIT, t, re.I):
        op = op_of(m.group("op"))
        v = num(m.group("num"))
        unit = re.sub(r"\s+", "", m.group("unit").lower())
        before = t[max(0, m.start() - 70) : m.start()].lower()
        after = t[m.end() : m.end() + 30].lower()
        iso = re.search(r"\big([gadem])\b", t[m.end() : m.end() + 25], re.I) or re.search(
            r"\big([gadem])\b(?!.*\big[gadem]\b)", before, re.I
        )
        isotype = f"Ig{iso.group(1).upper()}" if iso else None
        if "24" in unit or "24" in after[:12] or "per 24" in unit:
            mg = v * 1000 if unit.startswith("g") and "mg" not in unit else v
            urine.append({"op": op, "value": mg})
        elif "light chain" in before[-45:] or "flc" in before[-45:] or "free light" in before:
            mg_l = v * 10 if "dl" in unit or "deciliter" in unit else v
            flc.append({"op": op, "value": mg_l})
        elif "urin" in before[-40:]:
            mg = v * 1000 if unit.startswith("g") else v
            urine.append({"op": op, "value": mg})
        elif unit in ("mg",):
            continue
        else:
            if unit == "g/l":
                gdl = v / 10
            elif unit.startswith("mg"):
                gdl = v / 1000
            else:
                gdl = v
            serum.append({"op": op, "value": gdl, "isotype": isotype})
    ratio = bool(re.search(r"ratio", t, re.I))
    if not (serum or urine or flc) and not meas:
        return None
    return {
        "serum": serum,
        "urine": urine,
        "flc": flc,
        "flc_ratio_abnormal": ratio and bool(flc),
        "thresholds_stated": bool(serum or urine or flc),
    }


def _reading_fact(label: str, r, unit: str, as_of) -> Fact:
    value = f"{r.value:g} {unit}"
    if r.parameter == "flc":
        value = (
            f"involved {r.involved_chain} {r.involved:g} mg/L, ratio {r.ratio:g}"
            if r.ratio
            else f"involved {r.involved:g} mg/L"
        )
    return Fact(label, value, r.date.isoformat(), (as_of - r.date).days, True, r.refs)


@recogniser("measurable", "Measurable disease", parse_measurable, reads_children=True)
def check_measurable(p: dict, f: ScreeningFacts) -> Finding:
    from journal.domain.measurable import ratio_abnormal

    m = f.measurable()
    if not p["thresholds_stated"]:
        facts = [
            Fact(
                "Measurable disease (IMWG)",
                "yes" if m.measurable else "no",
                m.at.isoformat(),
                0,
                True,
                m.trace.records,
                m.trace,
            )
        ]
        return Finding(
            m.measurable,
            "The text gives no thresholds; the journal's IMWG rule was used: "
            + m.trace.explanation,
            tuple(facts),
            rule="trials.measurable",
        )
    base = m.baseline
    answers, facts, parts = [], [], []
    serum_rules = p["serum"]
    if serum_rules:
        heavy = m.heavy_chain
        chosen = (
            [r for r in serum_rules if r.get("isotype") == heavy]
            or [r for r in serum_rules if not r.get("isotype")]
            or serum_rules
        )
        rule = chosen[0]
        r = base.get("serum")
        parts.append(
            f"serum M-protein {_OP_WORDS[rule['op']]} {_fmt(rule['value'])} g/dL"
            + (f" (the threshold given for {rule['isotype']})" if rule.get("isotype") else "")
        )
        if r is None:
            answers.append(None)
        else:
            facts.append(_reading_fact("Serum M-protein", r, "g/dL", f.as_of))
            answers.append(
                None if rule["op"] == "=" else compare(r.value, rule["op"], rule["value"])
            )
    for key, label, unit, name in (("urine", "Urine M-protein", "mg/24h", "urine M-protein"),):
        if p[key]:
            rule = p[key][0]
            r = base.get(key)
            parts.append(f"{name} {_OP_WORDS[rule['op']]} {_fmt(rule['value'])} {unit}")
            if r is None:
                answers.append(None)
            else:
                facts.append(_reading_fact(label, r, unit, f.as_of))
                answers.append(
                    None if rule["op"] == "=" else compare(r.value, rule["op"], rule["value"])
                )
    if p["flc"]:
        rule = p["flc"][0]
        r = base.get("flc")
        parts.append(
            f"involved free light chain {_OP_WORDS[rule['op']]} {_fmt(rule['value'])} mg/L"
            + (" with an abnormal ratio" if p["flc_ratio_abnormal"] else "")
        )
        if r is None or r.involved is None:
            answers.append(None)
        else:
            facts.append(_reading_fact("Free light chains", r, "mg/L", f.as_of))
            ok = None if rule["op"] == "=" else compare(r.involved, rule["op"], rule["value"])
            if ok and p["flc_ratio_abnormal"]:
                ok = ratio_abnormal(r.ratio)
            answers.append(ok)
    holds = (
        True if any(a for a in answers) else (None if any(a is None for a in answers) else False)
    )
    unclear = any(x["op"] == "=" for k in ("serum", "urine", "flc") for x in p[k])
    return Finding(
        holds,
        "The criterion's thresholds: " + "; or ".join(parts) + ". Latest values within "
        "the look-back window are shown.",
        tuple(facts),
        judgement=unclear,
        missing=None if holds is not None else "a recent serum, urine or free-light-chain value",
        rule="trials.measurable",
    )


# --------------------------------------------------------------------------- labs
_COUNT_UNIT = r"(?P<unit>(?:cells\s*)?/\s*[µμu]L|/\s*mm\s*\^?3|/\s*mm³|/mcL|\s*[x×\*]\s*10\s*\^?\s*(?:9|⁹)\s*/\s*L|\s*[x×]\s*109\s*/\s*[lL]|\s*10\^9/L|\s*[x×]?\s*10\^3\s*/\s*[µμu]L|\s*K/[µμu]L)"
_ULN = r"\s*(?P<uln>[x×\*]|times)\s*(?:the\s+)?(?:institutional\s+)?(?:ULN|upper limit|normal upper limit|upper normal limit)"

LABS: tuple[tuple[str, str, str, str], ...] = (
    (
        "anc",
        "Neutrophils (ANC)",
        r"absolute neutrophil count|\bANC\b|neutrophils?(?: count)?",
        "count",
    ),
    ("platelets", "Platelets", r"platelets?(?: count)?", "count"),
    ("lymphocytes", "Lymphocytes (ALC)", r"absolute lymphocyte count|\bALC\b", "count"),
    ("hb", "Haemoglobin", r"ha?emoglobin|\bHg?b\b", "hb"),
    ("crcl", "Creatinine clearance", r"creatinine clearance(?: rate)?|\bCrCl\b|\bCLcr\b", "flow"),
    ("egfr", "eGFR", r"\beGFR\b|glomerular filtration rate", "flow"),
    ("creatinine", "Creatinine", r"creatinine(?!\s+clearance)", "creat"),
    ("bilirubin", "Bilirubin", r"bilirubin", "bili"),
    (
        "ast",
        "AST",
        r"\bAST\b|(?i:aspartate (?:amino)?transaminase|aspartate aminotransferase)|\bSGOT\b",
        "enzyme",
    ),
    (
        "alt",
        "ALT",
        r"\bALT\b|(?i:alanine (?:amino)?transaminase|alanine aminotransferase)|\bSGPT\b",
        "enzyme",
    ),
    ("calcium", "Calcium", r"calcium", "calcium"),
    ("spo2", "Oxygen saturation", r"oxygen saturation|\bSpO[2₂]|\bSaO2\b", "pct"),
    ("lvef", "Heart pumping (LVEF)", r"ejection fraction|\bLVEF\b", "pct"),
    ("inr", "INR", r"\bINR\b", "ratio"),
)
_LAB_UNIT = {
    "anc": "×10⁹/L",
    "platelets": "×10⁹/L",
    "lymphocytes": "×10⁹/L",
    "hb": "g/dL",
    "crcl": "mL/min",
    "egfr": "mL/min/1.73m²",
    "creatinine": "mg/dL",
    "bilirubin": "mg/dL",
    "ast": "U/L",
    "alt": "U/L",
    "calcium": "mg/dL",
    "spo2": "%",
    "lvef": "%",
    "inr": "",
}
_CRAB = re.compile(
    r"^\W*(?:\d+\W\s*)?(?:hypercalc|renal insufficiency|an(?:a)?emia|bone lesions)|myeloma[- ]defining|\bCRAB\b|SLiM",
    re.I,
)


def _convert(kind: str, v: float, unit: str) -> tuple[float | None, bool]:
    """(value in the journal's unit, unit_guessed)."""
    u = re.sub(r"\s+", "", (unit or "").lower())
    if kind == "count":
        if not u:
            return (v / 1000 if v >= 50 and v > 200 else v), True
        if "10^9" in u or "10⁹" in u or "109/l" in u or "10^3" in u or u.startswith("k/"):
            return v, False
        return v / 1000, False
    if kind == "hb":
        if u in ("g/l",):
            return v / 10, False
        if "mmol" in u:
            return v * 1.611, False
        if not u:
            return (v / 10 if v > 30 else v), True
        return v, False
    if kind == "creat":
        if "mol" in u:
            return v / 88.42, False
        return v, not u
    if kind == "bili":
        if "mol" in u:
            return v / 17.1, False
        return v, not u
    if kind == "calcium":
        if "mmol" in u:
            return v * 4.008, False
        return v, not u
    return v, False


_UNITS = {
    "count": _COUNT_UNIT,
    "hb": r"(?P<unit>\s*g\s*/\s*d[lL]|\s*g\s*/\s*L|\s*mmol/L)",
    "flow": r"(?P<unit>\s*m[lL]\s*/\s*min(?:/1\.73\s*m2)?)",
    "creat": r"(?P<unit>\s*mg\s*/\s*d[lL]|\s*[µμu]mol/L)",
    "bili": r"(?P<unit>\s*mg\s*/\s*d[lL]|\s*[µμu]mol/L)",
    "calcium": r"(?P<unit>\s*mg\s*/\s*d[lL]|\s*mmol/L)",
    "enzyme": r"(?P<unit>\s*U/L|\s*IU/L)",
    "pct": r"(?P<unit>\s*%)",
    "ratio": r"(?P<unit>)",
}


_RELATIVE = re.compile(
    r"\b(?:decrease|increase|change in|rise|drop)\b|(?:above|higher than|below|lower than) the (?:upper|lower) limit",
    re.I,
)


def parse_labs(text: str) -> dict | None:
    if _CRAB.search(text) or _RELATIVE.search(text):
        return None
    t = text
    names = []
    for code, _label, pat, kind in LABS:
        for m in re.finditer(pat, t, re.I if code not in ("ast", "alt", "inr") else 0):
            names.append((m.start(), m.end(), code, kind))
    if not names:
        return None
    names.sort()
    checks = []
    for i, (s, e, code, kind) in enumerate(names):
        # the threshold of this lab is the first number after its name, before the next name
        nxt = next(
            (n[0] for n in names[i + 1 :] if n[0] > e and n[2] != code and n[0] - e > 12), len(t)
        )
        seg = t[e : min(nxt if nxt - e > 4 else len(t), e + 90)]
        if code in ("ast", "alt"):
            seg = t[e : e + 90]
        m = re.search(
            r"^[^0-9≥≤<>=]{0,45}?"
            + _OP
            + r"\)?\s*"
            + _NUM
            + r"\s*(?:"
            + _ULN
            + r"|"
            + _UNITS[kind]
            + r")?",
            seg,
            re.I,
        )
        if not m:
            continue
        op = op_of(m.group("op"))
        v = num(m.group("num"))
        if m.groupdict().get("uln"):
            checks.append({"lab": code, "op": op, "uln_times": v})
            continue
        unit = (m.groupdict().get("unit") or "").strip()
        value, guessed = _convert(kind, v, unit)
        item = {"lab": code, "op": op, "value": round(value, 6)}
        if guessed:
            item["unit_guessed"] = True
        if code == "calcium" and re.search(r"corrected", t[max(0, s - 25) : e + 5], re.I):
            item["corrected"] = True
        rest = seg[m.end() : m.end() + 120]
        if re.search(
            r"\bif\b|in whom|\bfor (?:subjects|patients|participants)\b",
            rest + seg[: m.start()],
            re.I,
        ) and re.search(_OP + r"\s*" + _NUM, rest):
            item["conditional"] = True
        checks.append(item)
    if not checks:
        return None
    seen, uniq = set(), []
    for c in checks:
        k = (c["lab"], c["op"], c.get("value"), c.get("uln_times"))
        if k not in seen:
            seen.add(k)
            uniq.append(c)
    out = {"checks": uniq}
    w = re.search(
        r"(transfusion|G-CSF|growth factor|colony[- ]stimulating)[^.]{0,80}?(\d+)\s*(days?|weeks?)",
        t,
        re.I,
    )
    if w:
        out["no_support_days"] = _days(float(w.group(2)), w.group(3))
    elif re.search(r"without (?:transfusion|growth factor|G-CSF)|transfusion", t, re.I):
        out["no_support_days"] = 7
    return out


def _lab_check(c: dict, f: ScreeningFacts, support_days: int | None):
    code = c["lab"]
    label = next(x[1] for x in LABS if x[0] == code)
    if code == "crcl" or (code == "calcium" and c.get("corrected")):
        vr = f.value_result("creatinine_clearance" if code == "crcl" else "corrected_calcium")
        if vr is None or vr.value is None:
            return (
                None,
                None,
                f"{label.lower()} (it needs creatinine, age, weight and sex)"
                if code == "crcl"
                else f"{label.lower()}",
                False,
            )
        days = (f.as_of - vr.date.as_date()).days if vr.date else None
        fact = Fact(
            label + (" (corrected)" if code == "calcium" else " (Cockcroft-Gault)"),
            f"{vr.value:.0f} {vr.unit}" if code == "crcl" else f"{vr.value:.1f} {vr.unit}",
            vr.date.to_iso() if vr.date else None,
            days,
            True,
            vr.trace.records,
            vr.trace,
        )
        return (
            compare(vr.value, c["op"], c["value"]) if c["op"] != "=" else None,
            fact,
            None,
            c["op"] == "=",
        )
    latest = f.lab(code)
    if latest is None or latest.lab.value is None:
        return None, None, f"a result for {label}", False
    fact = f.lab_fact(code, latest)
    v = latest.lab.value
    if "uln_times" in c:
        if latest.lab.uln is None:
            return (
                None,
                fact,
                f"the upper limit of normal for {label} (enter it with the result)",
                False,
            )
        limit = c["uln_times"] * latest.lab.uln
        return compare(v, c["op"], limit), fact, None, False
    ok = compare(v, c["op"], c["value"]) if c["op"] != "=" else None
    judge = c["op"] == "=" or bool(c.get("conditional")) or bool(c.get("unit_guessed"))
    if latest.supported and support_days is not None:
        judge = True
    return ok, fact, None, judge


@recogniser("labs", "Laboratory values", parse_labs)
def check_labs(p: dict, f: ScreeningFacts) -> Finding:
    answers, facts, parts, missing, judge = [], [], [], [], False
    for c in p["checks"]:
        label = next(x[1] for x in LABS if x[0] == c["lab"])
        if "uln_times" in c:
            parts.append(
                f"{label} {_OP_WORDS[c['op']]} {_fmt(c['uln_times'])} × upper limit of normal"
            )
        else:
            parts.append(
                f"{label} {_OP_WORDS[c['op']]} {_fmt(c['value'])} {_LAB_UNIT[c['lab']]}".rstrip()
            )
        ok, fact, miss, j = _lab_check(c, f, p.get("no_support_days"))
        answers.append(ok)
        if fact is not None:
            facts.append(fact)
        if miss:
            missing.append(miss)
        judge = judge or j
    holds_all = (
        False
        if any(a is False for a in answers)
        else (None if any(a is None for a in answers) else True)
    )
    old = [x for x in facts if x.days_old is not None and x.days_old > 30]
    expl = "The criterion's values: " + "; ".join(parts) + "."
    if old:
        expl += " Some results are more than 30 days old; the screener will use new ones."
    if p.get("no_support_days") and any("supported" in x.value for x in facts):
        expl += " A value may have been raised by a transfusion or growth factor shortly before."
    return Finding(
        holds_all,
        expl,
        tuple(facts),
        judgement=judge,
        missing="; ".join(missing) or None,
        rule="trials.labs",
        flags=("any_of",) if False else (),
    )


# --------------------------------------------------------------------------- washouts
_WASH_WHAT = (
    (
        "any_anti_myeloma",
        r"anti-?myeloma (?:therapy|treatment|drug|regimen)s?|myeloma therapy|anti-?cancer (?:drug|therapy|treatment)s?|systemic (?:anti-?\w+ )?therapy|chemotherapy|small molecule|tyrosine kinase inhibitor|anticancer",
    ),
    ("any_mab", r"monoclonal antibod(?:y|ies)|antibody (?:drug|therapy)"),
    ("any_steroid", r"(?:cortico)?steroids?|glucocorticoids?"),
    ("radiotherapy", r"radiation|radiotherapy"),
    ("plasmapheresis", r"plasmapheresis"),
    ("investigational", r"investigational"),
    ("vaccine", r"live(?: attenuated)? vaccin"),
    ("surgery", r"major surgery"),
)


def parse_washout(text: str) -> dict | None:
    t = text
    if re.search(r"transplant|\bSCT\b|\bASCT\b|\bHSCT\b", t, re.I) and not re.search(
        r"therapy|radiation|antibod", t, re.I
    ):
        return None
    win = re.search(
        r"within\s+(?:the\s+(?:past|last)\s+)?(?P<n>\d+|two|three|four|five|six)\s*(?P<u>days?|weeks?|months?)",
        t,
        re.I,
    )
    mode = "within"
    if not win:
        win = re.search(
            r"at least\s+(?P<n>\d+|two|three|four)\s*(?P<u>days?|weeks?)\s+(?:from|since|after)",
            t,
            re.I,
        )
        mode = "at_least"
    if not win:
        return None
    if not re.search(
        r"prior to|before|preceding|of (?:the )?(?:first|start)|of receiving|of starting|of enrol|of study|from",
        t[win.start() : win.end() + 60] if mode == "within" else t,
        re.I,
    ):
        return None  # a window that is not counted back from the study start
    whats = []
    for key, pat in _WASH_WHAT:
        if re.search(pat, t, re.I):
            whats.append(key)
    if not whats:
        return None
    out = {"what": whats, "days": _days(_n(win.group("n")), win.group("u")), "mode": mode}
    if re.search(r"half-?li(?:fe|ves)", t, re.I):
        out["half_lives"] = True
    return out


def _drug_list(drugs: tuple[str, ...]) -> str:
    if not drugs:
        return ""
    shown = ", ".join(drugs[:4]) + (f" and {len(drugs) - 4} more" if len(drugs) > 4 else "")
    return f" ({shown})"


_WASH_LABEL = {
    "any_anti_myeloma": "any myeloma treatment",
    "any_mab": "an antibody-based myeloma drug",
    "any_steroid": "a steroid",
    "radiotherapy": "radiotherapy",
    "plasmapheresis": "plasmapheresis",
    "investigational": "an investigational drug",
    "vaccine": "a live vaccine",
    "surgery": "major surgery",
}


@recogniser("washout", "Time since the last treatment", parse_washout)
def check_washout(p: dict, f: ScreeningFacts) -> Finding:
    answers, facts, missing = [], [], []
    for key in p["what"]:
        if key in ("investigational", "vaccine", "surgery"):
            answers.append(None)
            missing.append(_WASH_LABEL[key])
            continue
        item = f.washout(key)
        if item is None:
            facts.append(Fact(f"Last {_WASH_LABEL[key]}", "never recorded", None, None, True))
            answers.append(p["mode"] == "at_least")
            continue
        facts.append(
            Fact(
                f"Last {_WASH_LABEL[key]}",
                item.display() + _drug_list(item.drugs),
                item.last.to_iso() if item.last else None,
                item.days_since,
                True,
                item.trace.records,
                item.trace,
            )
        )
        if item.ongoing:
            answers.append(p["mode"] == "within")
        elif item.days_since is None:
            answers.append(p["mode"] == "at_least")
        elif p["mode"] == "within":
            answers.append(item.days_since <= p["days"])
        else:
            answers.append(item.days_since >= p["days"])
    if p["mode"] == "within":  # any recent treatment is what the words describe
        holds = (
            True
            if any(a for a in answers)
            else (None if any(a is None for a in answers) else False)
        )
        expl = f"The criterion is about treatment within {p['days']} days."
    else:
        holds = (
            False
            if any(a is False for a in answers)
            else (None if any(a is None for a in answers) else True)
        )
        expl = f"The criterion asks for at least {p['days']} days since treatment."
    expl += f" Days are counted to {f.as_of.isoformat()}; the trial counts to its own date (screening or first dose), which is later."
    judge = bool(p.get("half_lives"))
    if judge:
        expl += (
            " It also speaks of half-lives, which the journal does not know: ask the study team."
        )
    return Finding(
        holds,
        expl,
        tuple(facts),
        judgement=judge,
        missing=", ".join(missing) or None,
        rule="trials.washout",
    )


# --------------------------------------------------------------------------- transplant
def parse_transplant(text: str) -> dict | None:
    t = text
    if not re.search(r"transplant|\bA?SCT\b|\bHSCT\b|allogen", t, re.I):
        return None
    out: dict = {}
    if re.search(r"allogen\w*|allo-?SCT|allo-?HSCT", t, re.I):
        w = re.search(r"allogen\w*[^.;]{0,60}?within\s+(\d+)\s*(days?|weeks?|months?)", t, re.I)
        out["allo_days"] = _days(float(w.group(1)), w.group(2)) if w else None
        out["allo"] = True
    w = re.search(
        r"(?:autologous|stem[- ]cell|hematopoietic|ha?ematopoietic|\bASCT\b|\bSCT\b|\bHSCT\b)[^.;]{0,60}?within\s+(\d+)\s*(days?|weeks?|months?)",
        t,
        re.I,
    )
    if w and not re.search(r"allogen", w.group(0), re.I):
        out["auto_days"] = _days(float(w.group(1)), w.group(2))
        out["any_sct"] = not re.search(r"autologous|\bASCT\b", w.group(0), re.I)
    if re.search(r"ineligible|not (?:be )?(?:a )?candidates?|non[- ]candidate|no intent", t, re.I):
        out["candidate_judgement"] = True
    if re.search(r"(?:have|has) undergone\s+(?:an?\s+)?(?:autologous|stem cell|ASCT|SCT)", t, re.I):
        out["had_sct"] = True
    return out or None


@recogniser("transplant", "Stem-cell transplant", parse_transplant)
def check_transplant(p: dict, f: ScreeningFacts) -> Finding:
    answers, facts, expl = [], [], []
    autos = f.procedures(ProcedureKind.AUTO_SCT)
    allos = f.procedures(ProcedureKind.ALLO_SCT)
    for kind, procs in (("Autologous transplant", autos), ("Donor (allogeneic) transplant", allos)):
        if procs:
            last = max(procs, key=lambda x: x.date.sort_key())
            facts.append(
                Fact(
                    kind,
                    f"{len(procs)} recorded, last {last.date.display()}",
                    last.date.to_iso(),
                    (f.as_of - last.date.as_date()).days,
                    False,
                    tuple(x.ref for x in procs),
                )
            )
        else:
            facts.append(Fact(kind, "none recorded", None, None, False))
    if p.get("allo"):
        if p.get("allo_days") is not None:
            answers.append(any((f.as_of - x.date.as_date()).days <= p["allo_days"] for x in allos))
        else:
            answers.append(bool(allos))
        expl.append(
            "a donor (allogeneic) transplant"
            + (f" within {p['allo_days']} days" if p.get("allo_days") else " at any time")
        )
    if "auto_days" in p:
        pool = autos + (allos if p.get("any_sct") else [])
        answers.append(any((f.as_of - x.date.as_date()).days <= p["auto_days"] for x in pool))
        expl.append(
            f"{'a stem-cell' if p.get('any_sct') else 'an autologous'} transplant within {p['auto_days']} days"
        )
    if p.get("had_sct") and not answers:
        if autos:
            answers.append(True)
        else:
            return Finding(
                None,
                "The criterion asks for a past transplant, or that a transplant is not an option; no transplant is recorded, and whether one is an option is the doctors' judgement.",
                tuple(facts),
                judgement=True,
                rule="trials.transplant",
            )
        expl.append("a past autologous transplant")
    if p.get("candidate_judgement") and not answers:
        return Finding(
            None,
            "Whether someone is a transplant candidate is the doctors' judgement; the recorded transplants are shown.",
            tuple(facts),
            judgement=True,
            rule="trials.transplant",
        )
    if not answers:
        return Finding(
            None,
            "The transplant words were not specific enough to check.",
            tuple(facts),
            judgement=True,
            rule="trials.transplant",
        )
    holds = any(answers)
    return Finding(
        holds,
        "The criterion is about " + " or ".join(expl) + f"; counted to {f.as_of.isoformat()}.",
        tuple(facts),
        rule="trials.transplant",
    )


# --------------------------------------------------------------------------- neuropathy
def parse_neuropathy(text: str) -> dict | None:
    if not re.search(r"neuropath", text, re.I):
        return None
    if re.search(r"\bPOEMS\b", text) and not re.search(r"grade", text, re.I):
        return None
    g = re.search(r"grade\s*(≥|>=|>|=>)?\s*(\d)", text, re.I)
    grade = int(g.group(2)) + (1 if g and g.group(1) == ">" else 0) if g else 1
    return {
        "min_grade": grade,
        "history": bool(re.search(r"history", text, re.I)),
        "ongoing": bool(re.search(r"ongoing|current|active|persistent", text, re.I)),
    }


@recogniser("neuropathy", "Neuropathy grade", parse_neuropathy)
def check_neuropathy(p: dict, f: ScreeningFacts) -> Finding:
    seen = f.side_effects(("neuropath", "tingling", "numbness"))
    if not seen:
        return _missing("any neuropathy (none was entered)", "trials.neuropathy")
    pool = seen if p["history"] and not p["ongoing"] else [v for v in seen if v.ongoing]
    facts = tuple(
        Fact(
            v.plain_name or v.term,
            f"grade {v.grade}" + (" ongoing" if v.ongoing else ""),
            v.onset.to_iso(),
            (f.as_of - v.onset.as_date()).days,
            False,
            (v.ref,),
        )
        for v in seen
    )
    ungraded = [v for v in pool if v.grade is None]
    holds = any((v.grade or 0) >= p["min_grade"] for v in pool)
    return Finding(
        True if holds else (None if ungraded else False),
        f"The criterion is about {'a history of ' if p['history'] else 'ongoing '}neuropathy of grade {p['min_grade']} or more.",
        facts,
        missing="the grade of the neuropathy" if ungraded and not holds else None,
        rule="trials.neuropathy",
    )


# --------------------------------------------------------------------------- health history
_TOPICS = (
    ("plasma_cell_leukaemia", r"plasma[- ]cell leuka?emia|\bPCL\b"),
    ("cns", r"central nervous system|\bCNS\b|leptomeningeal|meningeal"),
    ("amyloidosis", r"amyloidosis"),
    ("poems", r"\bPOEMS\b"),
    (
        "other_cancer",
        r"(?:other|another|prior|concurrent|second(?:ary)?|previous)\s+(?:\w+\s+){0,2}(?:malignanc\w*|cancers?)|malignanc\w* within",
    ),
    ("hiv", r"\bHIV\b|human immunodeficiency virus"),
    ("hepatitis_b", r"hepatitis (?:A, )?B\b|\bHBV\b"),
    ("hepatitis_c", r"hepatitis (?:A, B,? or )?C\b|hepatitis A, B, or C|\bHCV\b"),
    ("autoimmune", r"auto-?immune"),
    ("thrombosis", r"deep vein thrombosis|pulmonary embol\w*|thromboembolic|\bDVT\b"),
    ("corneal", r"cornea"),
    ("heart", r"myocardial infarction|heart failure|\bNYHA\b|New York Heart|arrhythmia"),
    ("gvhd", r"graft[- ]versus[- ]host|\bGVHD\b"),
    ("active_infection", r"(?:active|uncontrolled|systemic)[^.;]{0,40}infections?"),
)
_QUALIFIER = re.compile(
    r"\b(active|symptomatic|current|uncontrolled|requiring|clinically significant|significant)\b",
    re.I,
)
_ABSENCE = re.compile(
    r"\b(absence of|no evidence of|without|free of|no history of|no known)\b", re.I
)


def parse_health(text: str) -> dict | None:
    topics = []
    for key, pat in _TOPICS:
        if re.search(pat, text, re.I if key not in ("hiv", "poems") else 0):
            topics.append(key)
    if not topics:
        return None
    return {
        "topics": topics,
        "qualified": bool(_QUALIFIER.search(text)),
        "absence": bool(_ABSENCE.search(text)),
    }


@recogniser("health", "Other conditions (health history)", parse_health)
def check_health(p: dict, f: ScreeningFacts) -> Finding:
    answers, facts, words = [], [], []
    for topic in p["topics"]:
        x = f.exclusion_fact(topic)
        if x.status == "yes":
            answers.append(True)
            words.append(f"{x.label}: recorded as present")
        elif x.status == "no":
            answers.append(False)
            words.append(f"{x.label}: recorded as absent")
        else:
            answers.append(None)
            words.append(f"{x.label}: not recorded")
        facts.append(
            Fact(
                x.label,
                {"yes": "present", "no": "absent"}.get(x.status, "not recorded"),
                x.date,
                None,
                True,  # the record's own rule combined the answers, checks and tests
                x.records,
                x.trace,
            )
        )
    present = True if any(answers) else (None if any(a is None for a in answers) else False)
    holds = present if present is None or not p["absence"] else not present
    judge = bool(present) and p["qualified"]
    expl = "; ".join(words) + "."
    if judge:
        expl += " Whether it is active or significant now is for the doctors to say."
    missing = (
        ", ".join(w.split(":")[0] for w, a in zip(words, answers, strict=True) if a is None) or None
    )
    return Finding(
        holds,
        expl,
        tuple(facts),
        judgement=judge,
        missing=missing if present is None else None,
        rule="trials.health",
    )


# --------------------------------------------------------------------------- disease type
def parse_disease_type(text: str) -> dict | None:
    if re.search(r"non-?secretory", text, re.I):
        return {"type": "non-secretory", "absence": bool(_ABSENCE.search(text))}
    return None


@recogniser("disease_type", "Kind of myeloma", parse_disease_type)
def check_disease_type(p: dict, f: ScreeningFacts) -> Finding:
    dx = f.history.diagnosis
    heavy = dx.heavy_chain if dx else "unknown"
    if heavy == "unknown":
        return _missing("the myeloma's type (heavy chain)", "trials.disease_type")
    fact = Fact(
        "Myeloma type", heavy, dx.date.to_iso() if dx and dx.date else None, None, False, (dx.ref,)
    )
    present = heavy == "non-secretory"
    return Finding(
        present if not p["absence"] else not present,
        f"The record gives the type as {heavy}.",
        (fact,),
        rule="trials.disease_type",
    )
