"""Standard codes for the catalogs: RxNorm and ATC (drugs), LOINC and UCUM (labs),
MedDRA (CTCAE terms), SNOMED CT and ICD-10 (the diagnosis).

The tables live in ``resources/codes/*.json``; each names its source and version.
Only codes seen in a published table are there: every other entry is ``None``
with a reason ("not confirmed", "no code: CAR-T product"), so an export never
carries a guessed code. The check-digit helpers below let the tests catch a
mistyped code (one wrong digit in a LOINC code can name a different analyte).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from journal.resources import resource_path

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
SNOMED = "http://snomed.info/sct"
MEDDRA = "http://terminology.hl7.org/CodeSystem/mdr"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"


class CodeTableError(ValueError):
    """A code table is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Coding:
    system: str
    code: str
    display: str

    def as_fhir(self) -> dict[str, str]:
        return {"system": self.system, "code": self.code, "display": self.display}


@dataclass(frozen=True)
class DrugCodes:
    rxnorm: Coding | None
    atc: Coding | None
    rxnorm_reason: str | None = None
    atc_reason: str | None = None


@dataclass(frozen=True)
class LabCodes:
    loinc: Coding | None
    loinc_reason: str | None
    also_accepted: tuple[str, ...]
    ucum: dict[str, str]  # the journal's unit spelling -> UCUM code


@dataclass(frozen=True)
class TermCodes:
    meddra: Coding | None
    meddra_reason: str | None


@dataclass(frozen=True)
class CodeTables:
    drugs: dict[str, DrugCodes]
    labs: dict[str, LabCodes]
    terms: dict[str, TermCodes]
    diagnosis: dict
    sources: dict[str, dict]  # file stem -> its "systems" block (source, version)

    def loinc_to_test(self) -> dict[str, str]:
        """Every LOINC code the journal recognises -> its lab test id."""
        out: dict[str, str] = {}
        for test, lc in self.labs.items():
            if lc.loinc is not None:
                out[lc.loinc.code] = test
            for code in lc.also_accepted:
                out[code] = test
        return out


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise CodeTableError(f"{path.name}: cannot be read ({e})") from None


def _coding(system: str, raw: dict | None, where: str) -> Coding | None:
    if raw is None:
        return None
    try:
        return Coding(system, str(raw["code"]), str(raw.get("display") or raw.get("ctcae_v5_term")))
    except (KeyError, TypeError):
        raise CodeTableError(f"{where}: a code needs 'code' and 'display'") from None


def _reason(raw: dict, key: str, coding: Coding | None, where: str) -> str | None:
    reason = raw.get(f"{key}_reason")
    if coding is None and not reason:
        raise CodeTableError(f"{where}: {key} is null without a reason")
    return reason


def _check_seen_in(node: dict | None, system: dict, where: str) -> None:
    """A table that lists its source tables must say, for every code, where it was seen:
    a code nobody can trace back to a published table is a guess."""
    tables = system.get("tables")
    if node is None or tables is None:
        return
    seen = node.get("seen_in") or []
    if not seen:
        raise CodeTableError(f"{where} {node.get('code')} does not say which table it was seen in")
    unknown = [t for t in seen if t not in tables]
    if unknown:
        raise CodeTableError(
            f"{where} {node.get('code')} names unknown tables: {', '.join(unknown)}"
        )


def load_code_tables(folder: Path | None = None) -> CodeTables:
    folder = folder or resource_path("codes")
    drugs_raw = _read(folder / "drugs.json")
    labs_raw = _read(folder / "labs.json")
    terms_raw = _read(folder / "ctcae.json")
    diagnosis = _read(folder / "diagnosis.json")
    drugs = {}
    systems = drugs_raw.get("systems", {})
    for drug_id, raw in drugs_raw["drugs"].items():
        where = f"drugs.json: {drug_id}"
        rx = _coding(RXNORM, raw.get("rxnorm"), where)
        atc = _coding(ATC, raw.get("atc"), where)
        for key in ("rxnorm", "atc"):
            _check_seen_in(raw.get(key), systems.get(key, {}), f"{where}: {key}")
        drugs[drug_id] = DrugCodes(
            rx, atc, _reason(raw, "rxnorm", rx, where), _reason(raw, "atc", atc, where)
        )
    labs = {}
    for test, raw in labs_raw["labs"].items():
        where = f"labs.json: {test}"
        lc = _coding(LOINC, raw.get("loinc"), where)
        labs[test] = LabCodes(
            lc,
            _reason(raw, "loinc", lc, where),
            tuple(raw.get("also_accepted", ())),
            dict(raw.get("units", {})),
        )
    terms = {}
    for term_id, raw in terms_raw["terms"].items():
        where = f"ctcae.json: {term_id}"
        md = _coding(MEDDRA, raw.get("meddra"), where)
        terms[term_id] = TermCodes(md, _reason(raw, "meddra", md, where))
    sources = {
        "drugs": drugs_raw.get("systems", {}),
        "labs": labs_raw.get("systems", {}),
        "ctcae": terms_raw.get("systems", {}),
        "diagnosis": diagnosis.get("systems", {}),
    }
    return CodeTables(drugs, labs, terms, diagnosis, sources)


@cache
def get_code_tables() -> CodeTables:
    return load_code_tables()


def drug_codes(drug_id: str | None) -> DrugCodes | None:
    return get_code_tables().drugs.get(drug_id) if drug_id else None


def lab_codes(test: str) -> LabCodes | None:
    return get_code_tables().labs.get(test)


def term_codes(term_id: str | None) -> TermCodes | None:
    return get_code_tables().terms.get(term_id) if term_id else None


def myeloma_codings(icd10cm: str = "not_in_remission") -> list[Coding]:
    """SNOMED CT, WHO ICD-10 and ICD-10-CM codings of multiple myeloma.

    ``icd10cm`` picks the fifth character: "not_in_remission" (C90.00),
    "in_remission" (C90.01) or "in_relapse" (C90.02).
    """
    d = get_code_tables().diagnosis["diagnosis"]
    return [
        Coding(SNOMED, d["snomed"]["code"], d["snomed"]["display"]),
        Coding(ICD10, d["icd10"]["code"], d["icd10"]["display"]),
        Coding(ICD10CM, d["icd10cm"][icd10cm]["code"], d["icd10cm"][icd10cm]["display"]),
    ]


def loinc_answer(answer: str) -> Coding | None:
    """The LOINC answer code of "yes" or "no" (None for anything else)."""
    node = get_code_tables().diagnosis.get("answers", {}).get(answer)
    return Coding(LOINC, node["code"], node["display"]) if node else None


def snomed(group: str, key: str) -> Coding:
    """A SNOMED CT coding from diagnosis.json, e.g. ``snomed("procedures", "car_t")``."""
    node = get_code_tables().diagnosis[group][key]
    return Coding(SNOMED, node["code"], node["display"])


# -- the form of codes ---------------------------------------------------------------

_LOINC_RE = re.compile(r"^(\d{1,7})-(\d)$")
ATC_RE = re.compile(r"^[A-Z]\d{2}[A-Z]{2}\d{2}$")
RXNORM_RE = re.compile(r"^[1-9]\d{0,9}$")
MEDDRA_RE = re.compile(r"^1\d{7}$")
SNOMED_RE = re.compile(r"^[1-9]\d{5,17}$")
ICD10CM_RE = re.compile(r"^[A-Z]\d{2}(\.\w{1,4})?$")


def loinc_ok(code: str) -> bool:
    """LOINC's mod-10 check digit (the digit after the hyphen)."""
    m = _LOINC_RE.match(code or "")
    if not m:
        return False
    body, check = m.group(1), int(m.group(2))
    rev = body[::-1]
    doubled = str(int(rev[0::2][::-1]) * 2)
    total = sum(int(c) for c in doubled) + sum(int(c) for c in rev[1::2])
    return (10 - total % 10) % 10 == check


_VD = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VP = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def snomed_ok(code: str) -> bool:
    """SNOMED CT identifiers end in a Verhoeff check digit."""
    if not SNOMED_RE.match(code or ""):
        return False
    c = 0
    for i, ch in enumerate(reversed(code)):
        c = _VD[c][_VP[i % 8][int(ch)]]
    return c == 0
