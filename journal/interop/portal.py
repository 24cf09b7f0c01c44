"""Results in from a patient portal: read, match, preview, then import all or nothing.

Reads what portals and health apps hand out:

- a FHIR R4 ``Bundle`` (JSON), a single ``Observation``, or NDJSON (one resource
  per line, as from a FHIR bulk export);
- a CSV in any of three layouts, separated by comma, semicolon, tab or bar:
  *long* (one result per row: date, test, value, unit), *wide* (one row per
  date, one column per test, the unit in the column name: ``Hb (g/dL)``) or
  *by test* (one row per test, one column per date).

Tests are matched by LOINC code (the code tables, :mod:`journal.domain.codes`)
or by name (``Hb``, ``Hgb``, ``haemoglobin``...). Units are matched to the
journal's spellings, UCUM codes included (``10*9/L``); a mass-per-volume unit
the journal does not keep for that test is converted (``mg/L`` creatinine to
``mg/dL``) and the preview says so. Nothing is guessed: a result with no date,
an unknown test, an unknown unit or a value like ``<0.1`` is listed as
unreadable, with why. MedicationStatement, MedicationRequest and Procedure
entries become *suggestions* for regimens and procedures, never records.

:func:`read_results` makes a :class:`Preview` (to add / duplicates / unreadable /
suggestions); :func:`import_preview` writes its "to add" rows through
:func:`journal.services.results.import_lab_results` - one transaction, one undo.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from journal.domain.codes import UCUM, get_code_tables
from journal.domain.dates import DateError, PartialDate
from journal.domain.labs import LAB_TESTS, UnitError

MAX_BYTES = 50 * 1024 * 1024


class PortalFileError(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class Candidate:
    """One result ready to add, in the journal's own terms."""

    where: str  # "entry 3", "row 5, column Hb (g/dL)"
    test: str
    date: str  # canonical partial-date text
    value: float | None
    unit: str
    text_value: str | None = None
    lln: float | None = None
    uln: float | None = None
    note: str | None = None  # e.g. "converted from 12 mg/L"

    @property
    def test_name(self) -> str:
        return LAB_TESTS[self.test].name

    def key(self) -> tuple:
        return _key(self.test, self.date, self.value, self.unit, self.text_value)

    def shown(self) -> str:
        what = self.text_value if self.value is None else f"{_num(self.value)} {self.unit}"
        return f"{PartialDate.from_iso(self.date).display()}: {self.test_name} {what}"


@dataclass(frozen=True)
class Unreadable:
    where: str
    why: str


@dataclass(frozen=True)
class Suggestion:
    """A medicine or procedure found in the file: offered, never added by itself."""

    kind: str  # "regimen" | "procedure"
    name: str
    start: str | None
    end: str | None
    where: str
    resource: str  # MedicationStatement, MedicationRequest, Procedure


@dataclass
class Preview:
    source: str
    kind: str  # "FHIR Bundle", "NDJSON", "CSV, one result per row", ...
    to_add: list[Candidate] = field(default_factory=list)
    duplicates: list[tuple[Candidate, str]] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the file was read

    def summary(self) -> str:
        parts = [f"{len(self.to_add)} to add", f"{len(self.duplicates)} already in the journal"]
        parts.append(f"{len(self.unreadable)} could not be read")
        if self.suggestions:
            parts.append(f"{len(self.suggestions)} medicines or procedures to look at")
        return f"{self.source} - {self.kind}: " + ", ".join(parts) + "."

    def rows(self) -> list[dict[str, Any]]:
        """The "to add" results as lab-result field dicts, for the importer."""
        return [
            {
                "date": c.date,
                "test": c.test,
                "value": c.value,
                "text_value": c.text_value,
                "unit": c.unit,
                "context": "none",
                "lln": c.lln,
                "uln": c.uln,
                "notes": c.note,
            }
            for c in self.to_add
        ]


def _num(v: float) -> str:
    return f"{v:g}"


def _key(test, date, value, unit, text) -> tuple:
    if value is None:
        return (test, date, None, (text or "").strip().lower())
    try:
        canonical = LAB_TESTS[test].to_canonical(value, unit)
    except (UnitError, KeyError):
        canonical = value
    return (test, date, round(canonical, 6), None)


# -- names and units ------------------------------------------------------------------


def norm(text: str | None) -> str:
    t = unicodedata.normalize("NFKD", str(text or ""))
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).lower()
    t = t.replace("β", "beta").replace("κ", "kappa").replace("λ", "lambda")
    return " ".join(re.sub(r"[^0-9a-z%/#]+", " ", t).split())


_ALIASES: dict[str, tuple[str, ...]] = {
    "m_protein": (
        "m protein",
        "m spike",
        "m-spike",
        "paraprotein",
        "monoclonal protein",
        "serum m protein",
        "spep m spike",
        "m gradient",
        "monoclonal component",
        "protein monoclonal",
    ),
    "serum_ife": ("immunofixation", "serum immunofixation", "ife", "serum ife"),
    "urine_m_protein": ("urine m protein", "upep", "urine m spike", "24h urine m protein"),
    "urine_ife": ("urine immunofixation", "urine ife"),
    "flc_kappa": (
        "kappa",
        "free kappa",
        "kappa flc",
        "flc kappa",
        "kappa free light chain",
        "kappa free light chains",
        "kappa light chains free",
        "free light chain kappa",
        "sflc kappa",
        "free kappa light chains",
    ),
    "flc_lambda": (
        "lambda",
        "free lambda",
        "lambda flc",
        "flc lambda",
        "lambda free light chain",
        "lambda free light chains",
        "lambda light chains free",
        "free light chain lambda",
        "sflc lambda",
        "free lambda light chains",
    ),
    "flc_ratio": (
        "kappa/lambda ratio",
        "kappa lambda ratio",
        "k/l ratio",
        "flc ratio",
        "free light chain ratio",
        "kappa/lambda",
        "k/l",
        "kappa lambda",
    ),
    "bmpc": ("bone marrow plasma cells", "marrow plasma cells", "bmpc", "plasma cells marrow"),
    "hb": ("hb", "hgb", "haemoglobin", "hemoglobin", "hamoglobin", "hemoglobine", "hemoglobina"),
    "platelets": (
        "plt",
        "platelets",
        "platelet count",
        "thrombocytes",
        "platelet",
        "thrombozyten",
        "plaquettes",
        "plaquetas",
        "piastrine",
    ),
    "anc": (
        "anc",
        "neutrophils",
        "neutrophil count",
        "absolute neutrophil count",
        "neut",
        "neutrophils absolute",
        "neut#",
        "neutrophils #",
        "abs neutrophils",
    ),
    "wbc": (
        "wbc",
        "white cells",
        "white blood cells",
        "leukocytes",
        "leucocytes",
        "white blood cell count",
        "white cell count",
    ),
    "lymphocytes": (
        "lymphocytes",
        "lymph",
        "alc",
        "absolute lymphocyte count",
        "lymphocytes absolute",
        "lym#",
        "lymphocytes #",
        "abs lymphocytes",
    ),
    "creatinine": ("creatinine", "creat", "crea", "serum creatinine", "kreatinin", "creatinina"),
    "egfr": ("egfr", "gfr", "estimated gfr", "egfr ckd epi"),
    "calcium": ("calcium", "ca", "serum calcium", "kalzium", "calcio"),
    "albumin": ("albumin", "alb", "serum albumin"),
    "b2m": ("beta 2 microglobulin", "b2m", "beta2 microglobulin", "beta 2m", "b2 microglobulin"),
    "ldh": ("ldh", "lactate dehydrogenase", "ld"),
    "bilirubin": ("bilirubin", "total bilirubin", "bili", "bilirubin total"),
    "alt": ("alt", "alat", "sgpt", "alanine aminotransferase", "gpt"),
    "ast": ("ast", "asat", "sgot", "aspartate aminotransferase", "got"),
    "igg": ("igg", "immunoglobulin g"),
    "iga": ("iga", "immunoglobulin a"),
    "igm": ("igm", "immunoglobulin m"),
    "weight": ("weight", "body weight"),
    "lvef": ("lvef", "ejection fraction", "left ventricular ejection fraction"),
}


def _name_index() -> dict[str, str]:
    idx: dict[str, str] = {}
    for test, t in LAB_TESTS.items():
        idx[norm(t.name)] = test
        idx[norm(test)] = test
        for a in _ALIASES.get(test, ()):
            idx[norm(a)] = test
    tables = get_code_tables()
    for test, lc in tables.labs.items():
        if lc.loinc:
            idx[norm(lc.loinc.display)] = test
    return idx


_NAMES = _name_index()

_UNIT_ALIASES: dict[str, tuple[str, ...]] = {
    "g/dL": ("g/dl",),
    "g/L": ("g/l",),
    "mg/dL": ("mg/dl",),
    "mg/L": ("mg/l",),
    "mg/24h": ("mg/24h", "mg/24 h", "mg/24hr", "mg/24hrs", "mg/d", "mg/day", "mg/(24.h)"),
    "g/24h": ("g/24h", "g/24 h", "g/d", "g/day", "g/(24.h)"),
    "ratio": ("ratio", "{ratio}", "1", ""),
    "%": ("%", "percent"),
    "10^9/L": (
        "10^9/l",
        "10*9/l",
        "x10^9/l",
        "x 10^9/l",
        "10e9/l",
        "x10e9/l",
        "10 9/l",
        "giga/l",
        "g/l",
        "gpt/l",
        "/nl",
    ),
    "10^3/uL": (
        "10^3/ul",
        "10*3/ul",
        "x10^3/ul",
        "x 10^3/ul",
        "k/ul",
        "10e3/ul",
        "thou/ul",
        "10^3/mm3",
        "k/mm3",
    ),
    "/uL": ("/ul", "cells/ul", "/mm3", "cells/mm3", "{cells}/ul"),
    "umol/L": ("umol/l", "micromol/l"),
    "mmol/L": ("mmol/l",),
    "mL/min/1.73m2": (
        "ml/min/1.73m2",
        "ml/min/1.73 m2",
        "ml/min/{1.73_m2}",
        "ml/min/1,73m2",
        "ml/min/1.73m^2",
        "ml/min/1.73 m^2",
        "ml/min",
    ),
    "ug/mL": ("ug/ml", "mcg/ml"),
    "nmol/L": ("nmol/l",),
    "U/L": ("u/l", "iu/l", "ui/l", "units/l", "[iu]/l"),
    "kg": ("kg",),
    "lb": ("lb", "lbs", "[lb_av]"),
}
_COUNT_TESTS = frozenset({"platelets", "anc", "wbc", "lymphocytes"})


def _unit_norm(u: str | None) -> str:
    t = (u or "").strip().replace("µ", "u").replace("μ", "u").replace("×", "x")
    return re.sub(r"\s+", " ", t).lower()


@cache
def match_unit(test: str, unit: str | None) -> str | None:
    """The journal's spelling of ``unit`` for ``test``, or None when it is not one of its units."""
    t = LAB_TESTS[test]
    if t.qualitative:
        return "result"
    u = _unit_norm(unit)
    for journal_unit in t.units:
        aliases = (*_UNIT_ALIASES.get(journal_unit, ()), journal_unit.lower())
        if journal_unit == "10^9/L" and test not in _COUNT_TESTS:
            aliases = tuple(a for a in aliases if a != "g/l")  # g/L means grams here
        if u in aliases:
            return journal_unit
    return None


_MASS = {"g": 1.0, "mg": 1e-3, "ug": 1e-6, "mcg": 1e-6, "ng": 1e-9}
_VOLUME = {"l": 1.0, "dl": 0.1, "ml": 1e-3, "ul": 1e-6}


def _mass_per_volume(unit: str) -> float | None:
    m = re.fullmatch(r"([a-z]+)/([a-z]+)", _unit_norm(unit))
    if not m or m.group(1) not in _MASS or m.group(2) not in _VOLUME:
        return None
    return _MASS[m.group(1)] / _VOLUME[m.group(2)]


def convert_unit(test: str, value: float, unit: str | None) -> tuple[float, str, str] | None:
    """A mass/volume value in a unit the journal does not keep for ``test``, converted to
    one it does keep: (value, journal unit, note). None when no safe conversion exists."""
    src = _mass_per_volume(unit or "")
    if src is None:
        return None
    t = LAB_TESTS[test]
    for target in [t.unit, *t.units]:
        dst = _mass_per_volume(target)
        if dst is not None:
            new = round(value * src / dst, 10)
            return new, target, f"converted from {_num(value)} {unit}"
    return None


# -- values and dates ------------------------------------------------------------------


_QUALITATIVE = {
    "positive": "positive",
    "pos": "positive",
    "detected": "positive",
    "present": "positive",
    "negative": "negative",
    "neg": "negative",
    "not detected": "negative",
    "absent": "negative",
    "none detected": "negative",
    "equivocal": "equivocal",
    "borderline": "equivocal",
    "clonal": "clonal",
    "monoclonal": "clonal",
    "polyclonal": "polyclonal",
}

_SAME_RESULT = {"positive": ("detected",), "negative": ("not detected",)}


def _number(text: str) -> float | None:
    s = str(text).strip().replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"[-+]?\d+,\d+", s):
        s = s.replace(",", ".")  # decimal comma
    elif re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", s):
        s = s.replace(",", "")  # thousands separators
    try:
        return float(s)
    except ValueError:
        return None


def _value(test: str, raw: Any) -> tuple[float | None, str | None, str | None]:
    """(number, text value, why unreadable)."""
    t = LAB_TESTS[test]
    text = str(raw).strip()
    if t.qualitative:
        q = _QUALITATIVE.get(norm(text))
        if q not in t.qualitative:
            # A test kept as detected / not detected (HBV DNA, HCV RNA) takes a
            # positive / negative result in its own words.
            q = next((x for x in _SAME_RESULT.get(q, ()) if x in t.qualitative), q)
        if q in t.qualitative:
            return None, q, None
        allowed = ", ".join(t.qualitative)
        return None, None, f"{t.name}: '{text}' is not a result the journal knows ({allowed})"
    if re.match(r"^\s*[<>≤≥]", text):
        return (
            None,
            None,
            (
                f"{t.name} '{text}' is a value beyond the lab's measuring limit; the journal "
                "keeps numbers only, so add it by hand with a note"
            ),
        )
    v = _number(text)
    if v is None:
        return None, None, f"{t.name}: '{text}' is not a number"
    return v, None, None


_ISO_DT = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ].*)?$")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})(?:[ T].*)?$")


@cache
def fhir_day(text: str | None) -> str | None:
    """A FHIR date/dateTime as the journal's date text (the day; time and zone dropped)."""
    m = _ISO_DT.match((text or "").strip())
    if not m:
        return None
    y, mo, d = m.groups()
    try:
        return PartialDate(int(y), int(mo) if mo else None, int(d) if d else None).to_iso()
    except DateError:
        return None


def parse_date(text: str, order: str = "dmy") -> str | None:
    """A date as portals write it -> the journal's date text; ``order`` for 03/05/2024."""
    s = str(text or "").strip()
    if not s:
        return None
    iso = fhir_day(s)
    if iso:
        return iso
    m = _NUMERIC_DATE.match(s)
    if m:
        a, b, y = (int(x) for x in m.groups())
        if y < 100:
            y += 2000
        day, month = (a, b) if order == "dmy" else (b, a)
        try:
            return PartialDate(y, month, day).to_iso()
        except DateError:
            return None
    try:
        return PartialDate.parse(s).to_iso()
    except DateError:
        return None


def _date_order(texts: Iterable[str]) -> tuple[str, str | None]:
    """Day/month order for numeric dates: decided by the file where it can be."""
    dmy = mdy = False
    for t in texts:
        m = _NUMERIC_DATE.match(str(t).strip())
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            dmy |= a > 12
            mdy |= b > 12
    if mdy and not dmy:
        return (
            "mdy",
            "Dates were read as month/day/year (the file has days above 12 in the middle).",
        )
    if dmy or not mdy:
        return "dmy", None
    return "dmy", None


# -- the preview ---------------------------------------------------------------------


class _Collector:
    def __init__(self, preview: Preview, existing: Iterable[Mapping[str, Any]]):
        self.p = preview
        self.seen = {
            _key(r["test"], r["date"], r.get("value"), r.get("unit"), r.get("text_value"))
            for r in existing
        }
        self.in_file: set[tuple] = set()

    def bad(self, where: str, why: str) -> None:
        self.p.unreadable.append(Unreadable(where, why))

    def result(self, where, test, date, raw_value, unit, lln=None, uln=None) -> None:
        if test not in LAB_TESTS:
            self.bad(where, f"the test '{test}' is not one the journal keeps")
            return
        name = LAB_TESTS[test].name
        if not date:
            self.bad(where, f"{name}: no date the journal can read")
            return
        value, text_value, why = _value(test, raw_value)
        if why:
            self.bad(where, why)
            return
        note = None
        if value is not None:
            ju = match_unit(test, unit)
            if ju is None:
                conv = convert_unit(test, value, unit)
                if conv is None:
                    units = ", ".join(LAB_TESTS[test].units)
                    shown = unit if unit else "no unit"
                    self.bad(
                        where, f"{name}: unit '{shown}' is not one the journal knows ({units})"
                    )
                    return
                factor = conv[0] / value if value else None
                value, ju, note = conv
                lln = round(lln * factor, 10) if lln is not None and factor else None
                uln = round(uln * factor, 10) if uln is not None and factor else None
        else:
            ju = "result"
        c = Candidate(where, test, date, value, ju, text_value, lln, uln, note)
        k = c.key()
        if k in self.seen:
            self.p.duplicates.append((c, "already in the journal"))
        elif k in self.in_file:
            self.p.duplicates.append((c, "appears twice in this file"))
        else:
            self.in_file.add(k)
            self.p.to_add.append(c)


def read_results(
    data: bytes | str,
    source: str = "the file",
    existing: Iterable[Mapping[str, Any]] = (),
    *,
    date_order: str = "auto",
) -> Preview:
    """Read a portal download into a :class:`Preview`; raises PortalFileError if unreadable.

    ``existing`` are the journal's lab rows (dicts with test, date, value, unit,
    text_value) for the duplicate check.
    """
    text = _decode(data, source)
    stripped = text.lstrip()
    if not stripped:
        raise PortalFileError(f"{source} is empty: there are no results in it.")
    if stripped[0] in "{[":
        try:
            doc = json.loads(stripped)
        except json.JSONDecodeError:
            lines = [ln for ln in stripped.splitlines() if ln.strip()]
            if len(lines) > 1 and all(ln.lstrip().startswith("{") for ln in lines):
                return _read_ndjson(lines, source, existing)
            raise PortalFileError(
                f"{source} looks like JSON but is not complete JSON (it may have been cut "
                "off while downloading); download it again."
            ) from None
        return _read_fhir(doc, source, existing, "FHIR")
    return _read_csv(text, source, existing, date_order)


def _decode(data: bytes | str, source: str) -> str:
    if isinstance(data, str):
        return data
    if len(data) > MAX_BYTES:
        raise PortalFileError(f"{source} is larger than 50 MB; is it really a results file?")
    if b"\x00" in data[:4096]:
        raise PortalFileError(
            f"{source} is not a text file (a PDF or picture?); download the results as "
            "FHIR JSON or CSV from the portal."
        )
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _read_ndjson(lines: list[str], source, existing) -> Preview:
    resources = []
    for i, ln in enumerate(lines, 1):
        try:
            resources.append(json.loads(ln))
        except json.JSONDecodeError:
            resources.append({"_bad": f"line {i} is not valid JSON"})
    return _read_fhir(
        {"resourceType": "Bundle", "entry": [{"resource": r} for r in resources]},
        source,
        existing,
        "NDJSON",
    )


def _read_fhir(doc: Any, source: str, existing, kind: str) -> Preview:
    if isinstance(doc, list):
        doc = {"resourceType": "Bundle", "entry": [{"resource": r} for r in doc]}
    if not isinstance(doc, dict) or "resourceType" not in doc:
        raise PortalFileError(
            f"{source} is JSON but not FHIR (it has no resourceType); the portal's "
            "'FHIR' or 'health record' download is what the journal reads."
        )
    rt = doc["resourceType"]
    if rt == "Observation":
        doc = {"resourceType": "Bundle", "entry": [{"resource": doc}]}
    elif rt != "Bundle":
        raise PortalFileError(
            f"{source} is a FHIR {rt}, not a Bundle of results; download the results "
            "(Observations) instead."
        )
    label = "NDJSON" if kind == "NDJSON" else f"FHIR {'Bundle' if rt == 'Bundle' else rt}"
    p = Preview(source, label)
    col = _Collector(p, existing)
    entries = doc.get("entry") or []
    if not isinstance(entries, list):
        raise PortalFileError(f"{source}: the Bundle's 'entry' is not a list; the file is damaged.")
    loinc = get_code_tables().loinc_to_test()
    for i, e in enumerate(entries, 1):
        where = f"line {i}" if kind == "NDJSON" else f"entry {i}"
        res = e.get("resource") if isinstance(e, dict) else None
        if not isinstance(res, dict):
            col.bad(where, (res or {}).get("_bad") if isinstance(res, dict) else "not a resource")
            continue
        if "_bad" in res:
            col.bad(where, res["_bad"])
            continue
        rtype = res.get("resourceType")
        if rtype == "Observation":
            _observation(col, where, res, loinc)
        elif rtype in ("MedicationStatement", "MedicationRequest", "MedicationAdministration"):
            p.suggestions.append(_med_suggestion(where, res))
        elif rtype == "Procedure":
            p.suggestions.append(_proc_suggestion(where, res))
    if not entries:
        p.notes.append("The Bundle has no entries.")
    return p


def _text_of(cc: Any) -> str:
    if not isinstance(cc, dict):
        return ""
    if cc.get("text"):
        return str(cc["text"])
    for cd in cc.get("coding") or []:
        if cd.get("display"):
            return str(cd["display"])
    return ""


@cache
def _ucum_to_journal(test: str) -> dict[str, str]:
    return {v: k for k, v in get_code_tables().labs[test].ucum.items()}


def _observation(col: _Collector, where: str, obs: dict, loinc: dict[str, str]) -> None:
    code = obs.get("code") or {}
    test = None
    codes = []
    for cd in code.get("coding") or []:
        if "loinc" in str(cd.get("system", "")).lower() and cd.get("code"):
            codes.append(cd["code"])
            test = test or loinc.get(cd["code"])
    name = _text_of(code)
    if test is None and name:
        test = _NAMES.get(norm(name)) or _NAMES.get(norm(re.sub(r"\(.*?\)|\[.*?\]", "", name)))
    shown = name or (f"LOINC {codes[0]}" if codes else "a result with no name")
    if obs.get("status") in ("entered-in-error", "cancelled"):
        col.bad(where, f"{shown}: marked '{obs['status']}' by the lab")
        return
    has_value = any(k.startswith("value") for k in obs)
    if not has_value and (obs.get("hasMember") or obs.get("component")):
        col.bad(where, f"{shown}: a group of results (panel); its results are read one by one")
        return
    if test is None:
        code_txt = f" (LOINC {codes[0]})" if codes and name else ""
        col.bad(where, f"'{shown}'{code_txt} is not a test the journal keeps")
        return
    when = (
        obs.get("effectiveDateTime")
        or (obs.get("effectivePeriod") or {}).get("start")
        or obs.get("effectiveInstant")
        or obs.get("issued")
    )
    date = fhir_day(when)
    if "dataAbsentReason" in obs and not has_value:
        col.bad(where, f"{LAB_TESTS[test].name}: no value ({_text_of(obs['dataAbsentReason'])})")
        return
    unit = None
    lln = uln = None
    if "valueQuantity" in obs:
        q = obs["valueQuantity"] or {}
        if q.get("comparator"):
            raw: Any = f"{q['comparator']}{q.get('value')}"
        else:
            raw = q.get("value", "")
        unit = q.get("unit") or q.get("code")
        if q.get("code") and UCUM in str(q.get("system", "")):
            unit = _ucum_to_journal(test).get(q["code"], unit)
        for rr in obs.get("referenceRange") or []:
            lo, hi = (rr.get("low") or {}).get("value"), (rr.get("high") or {}).get("value")
            lln = float(lo) if isinstance(lo, (int, float)) else None
            uln = float(hi) if isinstance(hi, (int, float)) else None
            break
    elif "valueString" in obs:
        raw = obs["valueString"]
    elif "valueCodeableConcept" in obs:
        raw = _text_of(obs["valueCodeableConcept"])
    elif "valueInteger" in obs:
        raw = obs["valueInteger"]
    elif "valueBoolean" in obs:
        raw = "positive" if obs["valueBoolean"] else "negative"
    else:
        col.bad(where, f"{LAB_TESTS[test].name}: the result has no value")
        return
    col.result(where, test, date, raw, unit, lln, uln)


def _med_suggestion(where: str, res: dict) -> Suggestion:
    ref = res.get("medicationReference") or {}
    name = _text_of(res.get("medicationCodeableConcept")) or str(ref.get("display") or "")
    period = res.get("effectivePeriod") or {}
    start = fhir_day(period.get("start") or res.get("effectiveDateTime") or res.get("authoredOn"))
    end = fhir_day(period.get("end"))
    return Suggestion(
        "regimen", name or "a medicine with no name", start, end, where, res.get("resourceType", "")
    )


def _proc_suggestion(where: str, res: dict) -> Suggestion:
    period = res.get("performedPeriod") or {}
    start = fhir_day(res.get("performedDateTime") or period.get("start"))
    return Suggestion(
        "procedure",
        _text_of(res.get("code")) or "a procedure with no name",
        start,
        fhir_day(period.get("end")),
        where,
        "Procedure",
    )


# -- CSV -------------------------------------------------------------------------------

_DATE_COLS = (
    "date",
    "collected",
    "collection date",
    "collection time",
    "specimen date",
    "sample date",
    "date of test",
    "result date",
    "test date",
    "datum",
    "observation date",
    "effective",
    "effective date",
    "drawn",
    "date collected",
    "date time",
    "datetime",
    "time",
)
_TEST_COLS = (
    "test",
    "analyte",
    "name",
    "test name",
    "component",
    "observation",
    "parameter",
    "description",
    "lab",
    "lab test",
    "item",
    "untersuchung",
    "examen",
)
_VALUE_COLS = (
    "value",
    "result",
    "result value",
    "value numeric",
    "wert",
    "resultat",
    "observation value",
    "numeric value",
)
_TEXT_COLS = ("text_value", "text value", "text result", "qualitative result")
_UNIT_COLS = ("unit", "units", "uom", "einheit", "unite", "unit of measure")
_LOINC_COLS = ("loinc", "loinc code", "code", "loinc number")
_LOW_COLS = ("low", "lln", "lower limit", "ref low", "reference low", "normal low")
_HIGH_COLS = ("high", "uln", "upper limit", "ref high", "reference high", "normal high")
_RANGE_COLS = ("range", "reference range", "ref range", "normal range", "reference interval")


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    normed = [norm(h) for h in header]
    for n in names:
        if norm(n) in normed:
            return normed.index(norm(n))
    return None


_HEADER_UNIT = re.compile(r"^(.*?)\s*[\(\[]\s*([^\)\]]+?)\s*[\)\]]\s*$")


def _header_test(h: str) -> tuple[str | None, str | None]:
    """'Hb (g/dL)' -> ('hb', 'g/dL'); 'Platelets' -> ('platelets', None)."""
    m = _HEADER_UNIT.match(h.strip())
    name, unit = (m.group(1), m.group(2)) if m else (h, None)
    test = _NAMES.get(norm(name))
    if test is None and m is None:
        # "Hb g/dL": the unit as the last word
        parts = h.strip().rsplit(" ", 1)
        if len(parts) == 2 and "/" in parts[1]:
            test, unit = _NAMES.get(norm(parts[0])), parts[1]
    return test, unit


def _range(text: str) -> tuple[float | None, float | None]:
    m = re.match(r"^\s*([\d.,]+)\s*[-–]\s*([\d.,]+)", text or "")
    if not m:
        return None, None
    return _number(m.group(1)), _number(m.group(2))


CSV_LAYOUTS = {
    "long": "CSV, one result per row",
    "wide": "CSV, one column per test",
    "by test": "CSV, one row per test",
}


def _read_csv(text: str, source: str, existing, date_order: str) -> Preview:
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        delim = dialect.delimiter
    except csv.Error:
        delim = ","
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=delim) if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise PortalFileError(
            f"{source} has no rows of results (a header and at least one row are needed)."
        )
    header = [h.strip() for h in rows[0]]
    body = rows[1:]
    i_date, i_test, i_value = (
        _find(header, _DATE_COLS),
        _find(header, _TEST_COLS),
        _find(header, _VALUE_COLS),
    )
    i_loinc = _find(header, _LOINC_COLS)
    date_cells: list[str]
    if i_test is not None and i_value is not None and i_date is not None:
        layout = "long"
        date_cells = [r[i_date] for r in body if i_date < len(r)]
    elif i_date is not None and any(
        _header_test(h)[0] for k, h in enumerate(header) if k != i_date
    ):
        layout = "wide"
        date_cells = [r[i_date] for r in body if i_date < len(r)]
    elif len(header) > 1 and sum(bool(parse_date(h)) for h in header[1:]) >= 1:
        layout = "by test"
        date_cells = header[1:]
    else:
        raise PortalFileError(
            f"{source}: the columns could not be matched. Use columns named Date, Test, "
            "Value and Unit, or a Date column with one column per test (e.g. 'Hb (g/dL)')."
        )
    order = date_order
    p = Preview(source, CSV_LAYOUTS[layout])
    if order == "auto":
        order, note = _date_order(date_cells)
        if note:
            p.notes.append(note)
        elif any(_NUMERIC_DATE.match(str(d).strip()) for d in date_cells):
            p.notes.append("Dates like 03/05/2024 were read as day/month/year.")
    col = _Collector(p, existing)
    loinc = get_code_tables().loinc_to_test()

    def cell(r: list[str], i: int | None) -> str:
        return r[i].strip() if i is not None and i < len(r) else ""

    if layout == "long":
        i_unit = _find(header, _UNIT_COLS)
        i_text = _find(header, _TEXT_COLS)
        i_low, i_high, i_range = (
            _find(header, _LOW_COLS),
            _find(header, _HIGH_COLS),
            _find(header, _RANGE_COLS),
        )
        for n, r in enumerate(body, 2):
            where = f"row {n}"
            name = cell(r, i_test)
            code = cell(r, i_loinc)
            test = loinc.get(code) if code else None
            test = test or _NAMES.get(norm(name)) or _header_test(name)[0]
            raw = cell(r, i_value) or cell(r, i_text)
            if not raw:
                continue
            if test is None:
                col.bad(where, f"'{name or code}' is not a test the journal keeps")
                continue
            lo, hi = (
                _number(cell(r, i_low)) if i_low is not None else None,
                _number(cell(r, i_high)) if i_high is not None else None,
            )
            if i_range is not None and lo is None and hi is None:
                lo, hi = _range(cell(r, i_range))
            col.result(
                where, test, parse_date(cell(r, i_date), order), raw, cell(r, i_unit), lo, hi
            )
    elif layout == "wide":
        cols = []
        for k, h in enumerate(header):
            if k == i_date or not h:
                continue
            test, unit = _header_test(h)
            if test is None:
                p.notes.append(f"Column '{h}' is not a test the journal keeps; it was left out.")
                continue
            if unit is None and len(LAB_TESTS[test].units) > 1 and not LAB_TESTS[test].qualitative:
                col.bad(
                    f"column {h}",
                    f"{LAB_TESTS[test].name}: the column name has no unit; "
                    f"name it e.g. '{h} ({LAB_TESTS[test].unit})'",
                )
                continue
            cols.append((k, h, test, unit or LAB_TESTS[test].unit))
        for n, r in enumerate(body, 2):
            date = parse_date(cell(r, i_date), order)
            for k, h, test, unit in cols:
                raw = cell(r, k)
                if raw:
                    col.result(f"row {n}, column {h}", test, date, raw, unit)
    else:  # by test: one row per test, one column per date
        i_unit = _find(header, _UNIT_COLS)
        dates = {k: parse_date(h, order) for k, h in enumerate(header) if k not in (0, i_unit)}
        for n, r in enumerate(body, 2):
            test, unit = _header_test(cell(r, 0))
            unit = cell(r, i_unit) or unit
            if test is None:
                col.bad(f"row {n}", f"'{cell(r, 0)}' is not a test the journal keeps")
                continue
            for k, date in dates.items():
                raw = cell(r, k)
                if raw:
                    col.result(f"row {n}, column {header[k]}", test, date, raw, unit)
    return p


# -- with a journal ----------------------------------------------------------------


def existing_results(store) -> list[dict[str, Any]]:
    from journal.services import queries
    from journal.store import models as m

    return queries.list_dicts(store, m.LabResult, order_by="id")  # no date sort needed


def preview_file(store, path: Path | str, *, date_order: str = "auto") -> Preview:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PortalFileError(f"There is no file {path}.") from None
    except IsADirectoryError:
        raise PortalFileError(
            f"{path} is a folder; choose the downloaded file inside it."
        ) from None
    except OSError as e:
        raise PortalFileError(f"{path} cannot be read ({e.strerror or e}).") from None
    return read_results(data, path.name, existing_results(store), date_order=date_order)


def import_preview(store, preview: Preview):
    """Write the preview's "to add" results: one transaction, one undo (a Change)."""
    from journal.services.results import import_lab_results

    return import_lab_results(store, preview.rows(), preview.source)
