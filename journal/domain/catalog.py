"""The drug catalog: anti-myeloma drugs, cell therapies, supportive agents, regimen names.

Data live in ``resources/catalog/drugs.json`` and ``resources/catalog/regimens.json``
(rules doc sections 4.1, 4.2, 4.4). They are read once, validated, and cached:
a malformed file raises :class:`CatalogError` naming the file and the entry, so a
bad edit is caught by the first test run rather than by a patient.

A regimen abbreviation is only ever a *suggestion* of component drugs that the
person confirms: letters in regimen names are ambiguous (section 4.3), so the app
stores each drug separately and never derives drugs by parsing a name.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from journal.resources import resource_path

#: Stable class ids. "supportive" classes never form or split a line of therapy.
ANTI_MYELOMA_CLASSES: dict[str, str] = {
    "PI": "proteasome inhibitor",
    "IMiD": "immunomodulatory drug",
    "CELMoD": "cereblon E3 ligase modulator",
    "anti-CD38": "anti-CD38 monoclonal antibody",
    "anti-SLAMF7": "anti-SLAMF7 monoclonal antibody",
    "alkylator": "alkylating chemotherapy",
    "anthracycline": "anthracycline chemotherapy",
    "platinum": "platinum chemotherapy",
    "topoisomerase": "topoisomerase inhibitor chemotherapy",
    "purine-analogue": "purine analogue chemotherapy",
    "steroid": "corticosteroid",
    "XPO1": "nuclear export (XPO1) inhibitor",
    "BCL2": "BCL-2 inhibitor",
    "MCL1": "MCL-1 inhibitor",
    "HDAC": "histone deacetylase inhibitor",
    "BCMA-ADC": "BCMA antibody-drug conjugate",
    "bispecific": "bispecific T-cell engager",
    "CAR-T": "CAR-T cell therapy",
    "checkpoint": "immune checkpoint inhibitor",
}
SUPPORTIVE_CLASSES: dict[str, str] = {
    "bisphosphonate": "bisphosphonate (bone agent)",
    "RANKL": "RANKL antibody (bone agent)",
    "antiviral": "antiviral",
    "antibacterial": "antibiotic",
    "antifungal": "antifungal",
    "IVIG": "immunoglobulin replacement",
    "G-CSF": "white-cell growth factor",
    "CXCR4": "stem-cell mobiliser",
    "ESA": "erythropoiesis-stimulating agent",
    "antiplatelet": "antiplatelet",
    "anticoagulant": "anticoagulant",
    "antiemetic": "antiemetic",
    "IL6R": "interleukin-6 receptor blocker",
    "IL1": "interleukin-1 blocker",
    "antiepileptic": "anti-seizure drug",
    "analgesic": "pain medicine",
    "antihistamine": "antihistamine",
    "leukotriene antagonist": "leukotriene antagonist",
    "PPI": "proton-pump inhibitor",
    "laxative": "laxative",
    "vaccine": "vaccine",
}
CLASSES: dict[str, str] = ANTI_MYELOMA_CLASSES | SUPPORTIVE_CLASSES

MODALITIES = frozenset(
    {
        "small molecule",
        "mAb",
        "ADC",
        "bispecific",
        "CAR-T",
        "peptide-drug conjugate",
        "plasma product",
        "vaccine",
    }
)
#: Classes that count as T-cell redirecting therapy (rules doc 2.3).
T_CELL_REDIRECTING_CLASSES = frozenset({"bispecific", "CAR-T"})


class CatalogError(ValueError):
    """A catalog file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Drug:
    id: str
    generic: str
    brands: tuple[str, ...]
    codes: tuple[str, ...]
    aliases: tuple[str, ...]
    drug_class: str
    target: str | None
    modality: str
    routes: tuple[str, ...]
    category: str  # as the patient literature groups drugs
    supportive: bool
    plain: str  # one plain-language sentence
    status: str

    @property
    def class_label(self) -> str:
        return CLASSES.get(self.drug_class, self.drug_class)


@dataclass(frozen=True)
class RegimenTemplate:
    """A regimen abbreviation and the drugs it usually means: a suggestion to confirm."""

    abbrev: str
    name: str
    drug_ids: tuple[str, ...]
    aliases: tuple[str, ...]
    note: str | None
    trial: str | None


@dataclass(frozen=True)
class Match:
    kind: str  # "drug" | "regimen"
    id: str  # drug id or regimen abbreviation
    label: str
    matched_on: str  # the name, brand, code or abbreviation that matched
    #: For kind "combination" (drugs typed one by one, "dara pom dex", no regimen name):
    #: the drugs understood; for other kinds empty (the regimen or drug says it).
    drug_ids: tuple[str, ...] = ()
    #: The purpose typed with it ("len maint" -> "maintenance"), else None.
    intent: str | None = None


#: Shorthand people write for a regimen's purpose (a RegimenIntent value).
INTENT_WORDS: dict[str, str] = {
    "maint": "maintenance",
    "maintenance": "maintenance",
    "mainteinance": "maintenance",
    "induction": "induction",
    "ind": "induction",
    "consolidation": "consolidation",
    "consol": "consolidation",
    "salvage": "salvage",
    "bridging": "bridging",
    "bridge": "bridging",
    "conditioning": "conditioning",
}
_TEXT_SPLIT = re.compile(r"\s*(?:\+|(?<!g)/|,|;|&|\band\b|\bplus\b|\bwith\b|\bthen\b)\s*", re.I)
_DOSE = re.compile(r"(\d+(?:[.,]\d+)?)\s*(mg/m\u00b2|mg/m2|mg/kg|mg|g/m2|g)(?![a-z])", re.I)

#: Words between drug names that mean nothing for the lookup ("len and dex", "dara + pd").
_FILLER = frozenset({"and", "with", "plus", "then", "und", "et", "y"})


def normalise(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key: "Dara-VRd" -> "daravrd"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    no_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]+", "", no_accents.casefold().replace("ß", "ss"))


class Catalog:
    def __init__(self, drugs: list[Drug], regimens: list[RegimenTemplate]) -> None:
        self._drugs = {d.id: d for d in drugs}
        self._regimens = {r.abbrev: r for r in regimens}
        # (normalised name, kind, id, shown name) for search and identify.
        self._names: list[tuple[str, str, str, str]] = []
        for d in drugs:
            for name in (d.generic, d.id, *d.brands, *d.codes, *d.aliases):
                self._names.append((normalise(name), "drug", d.id, name))
        for r in regimens:
            for name in (r.abbrev, *r.aliases):
                self._names.append((normalise(name), "regimen", r.abbrev, name))
        self._identified: dict[str, Drug | None] = {}  # free text seen -> answer
        self._drug_keys: dict[str, str] = {}
        for key, kind, ident, _ in self._names:
            if kind == "drug" and key:
                self._drug_keys.setdefault(key, ident)
        self._regimen_keys = {
            key: ident for key, kind, ident, _ in self._names if kind == "regimen" and key
        }

    # -- lookup -------------------------------------------------------------------------
    @property
    def drugs(self) -> tuple[Drug, ...]:
        return tuple(self._drugs.values())

    @property
    def regimens(self) -> tuple[RegimenTemplate, ...]:
        return tuple(self._regimens.values())

    def drug(self, drug_id: str) -> Drug:
        try:
            return self._drugs[drug_id]
        except KeyError:
            raise KeyError(f"{drug_id!r} is not a drug id in the catalog") from None

    def get(self, drug_id: str | None) -> Drug | None:
        return self._drugs.get(drug_id) if drug_id else None

    def regimen(self, abbrev: str) -> RegimenTemplate | None:
        """The template for an abbreviation or one of its aliases ("RVd" -> VRd), or None."""
        if abbrev in self._regimens:
            return self._regimens[abbrev]
        key = self._regimen_keys.get(normalise(abbrev))
        return self._regimens[key] if key else None

    def drugs_in_class(self, drug_class: str) -> tuple[Drug, ...]:
        return tuple(d for d in self._drugs.values() if d.drug_class == drug_class)

    def identify(self, name_text: str) -> Drug | None:
        """Free text -> drug: generic, brand, code name or alias, tolerant of case,
        accents, punctuation and small misspellings ("lenalidomid", "Revlimid")."""
        text = name_text or ""
        if text not in self._identified:
            if len(self._identified) > 20_000:  # typed-as-you-go searches: keep it bounded
                self._identified.clear()
            self._identified[text] = self._identify(text)
        return self._identified[text]

    def _identify(self, name_text: str) -> Drug | None:
        key = normalise(name_text)
        if not key:
            return None
        if key in self._drug_keys:
            return self._drugs[self._drug_keys[key]]
        # Trailing dose or route words ("Revlimid 25 mg", "dara sc"): try the first word.
        first = normalise((name_text or "").split()[0]) if (name_text or "").split() else ""
        if first and first != key and first in self._drug_keys:
            return self._drugs[self._drug_keys[first]]
        if len(key) >= 6:
            # A misspelling is accepted only when it is clearly closer to one drug than to any
            # other ("cilta-cel" and "anito-cel" long names differ by a few letters).
            best: dict[str, float] = {}
            for name, drug_id in self._drug_keys.items():
                m = difflib.SequenceMatcher(None, key, name)
                if m.real_quick_ratio() < 0.8 or m.quick_ratio() < 0.8:
                    continue  # cannot be close; skips the costly exact ratio
                r = m.ratio()
                if r > best.get(drug_id, 0.0):
                    best[drug_id] = r
            ranked = sorted(best.items(), key=lambda x: -x[1])
            if (
                ranked
                and ranked[0][1] >= 0.85
                and (len(ranked) == 1 or ranked[1][1] < ranked[0][1] - 0.05)
            ):
                return self._drugs[ranked[0][0]]
        return None

    def search(self, text: str, limit: int = 10) -> list[Match]:
        """Drugs and regimens whose generic name, brand, code name, alias or abbreviation
        starts with (first) or contains (after) the text; one match per drug/regimen."""
        key = normalise(text)
        if not key:
            return []
        ranked: dict[tuple[str, str], tuple[tuple, Match]] = {}
        for name_key, kind, ident, shown in self._names:
            if name_key == key:
                tier = 0
            elif name_key.startswith(key):
                tier = 1
            elif key in name_key:
                tier = 2
            else:
                continue
            label = self._drugs[ident].generic if kind == "drug" else self._label_regimen(ident)
            rank = (tier, len(name_key), 0 if kind == "drug" else 1, ident)
            best = ranked.get((kind, ident))
            if best is None or rank < best[0]:
                ranked[(kind, ident)] = (rank, Match(kind, ident, label, shown))
        return [m for _, m in sorted(ranked.values(), key=lambda x: x[0])][:limit]

    def lookup(self, text: str, limit: int = 8) -> list[Match]:
        """Forgiving search for a lookup field: :meth:`search`, plus

        - several drugs typed one after another ("dara pom dex", "len + dex"): the regimen
          with exactly those drugs (DPd) first, else the combination as typed;
        - a purpose word ("len maint") carried on the match as ``intent``;
        - small misspellings of a drug ("revlimd", "daratumumb") or a regimen name.
        Best match first; one entry per drug, regimen or combination."""
        words = [w for w in re.split(r"[\s+,/&]+", text or "") if w]
        intent = None
        kept = []
        for w in words:
            key = normalise(w)
            if key in INTENT_WORDS:
                intent = INTENT_WORDS[key]
            elif key and key not in _FILLER:
                kept.append(w)
        out: list[Match] = []
        whole = " ".join(kept)
        if len(kept) > 1:
            ids = [self._drug_for_word(w) for w in kept]
            known = [i for i in ids if i]
            if len(known) == len(ids):
                drug_ids = tuple(dict.fromkeys(known))  # typed order, once each
                for r in self._regimens.values():
                    if set(r.drug_ids) == set(drug_ids) and len(r.drug_ids) == len(drug_ids):
                        out.append(
                            Match(
                                "regimen",
                                r.abbrev,
                                self._label_regimen(r.abbrev),
                                whole,
                                (),
                                intent,
                            )
                        )
                label = " + ".join(self._drugs[i].generic for i in drug_ids)
                out.append(Match("combination", "+".join(drug_ids), label, whole, drug_ids, intent))
        found = self.search(whole, limit=limit) if whole else []
        if not found and len(kept) == 1:
            drug = self.identify(whole)
            if drug is not None:
                found = [Match("drug", drug.id, drug.generic, whole)]
            else:
                close = difflib.get_close_matches(
                    normalise(whole), list(self._regimen_keys), n=3, cutoff=0.75
                )
                found = [
                    Match(
                        "regimen",
                        self._regimen_keys[k],
                        self._label_regimen(self._regimen_keys[k]),
                        whole,
                    )
                    for k in close
                ]
        seen = {(m.kind, m.id) for m in out}
        for m in found:
            if (m.kind, m.id) not in seen:
                seen.add((m.kind, m.id))
                out.append(replace(m, intent=intent) if intent else m)
        return out[:limit]

    def drugs_in_text(self, text: str) -> list[tuple[str, float | None, str | None]]:
        """The drugs written in a short text with their doses, in order:
        "melphalan 200 mg/m2" -> [("melphalan", 200.0, "mg/m2")],
        "fludarabine + cyclophosphamide" -> two drugs without doses."""
        out: list[tuple[str, float | None, str | None]] = []
        for part in _TEXT_SPLIT.split(text or ""):
            dose = _DOSE.search(part)
            name = part[: dose.start()] if dose else part
            drug_id = self._drug_for_word(name.strip()) if name.strip() else None
            if drug_id is None or any(d == drug_id for d, _, _ in out):
                continue
            if dose:
                unit = dose.group(2).replace("\u00b2", "2").replace(" ", "")
                out.append((drug_id, float(dose.group(1).replace(",", ".")), unit))
            else:
                out.append((drug_id, None, None))
        return out

    def _drug_for_word(self, word: str) -> str | None:
        """One word of a typed combination -> a drug id: a name, brand or code, the start
        of one ("pom", "dara"), or a close misspelling."""
        key = normalise(word)
        if not key:
            return None
        if key in self._drug_keys:
            return self._drug_keys[key]
        if len(key) >= 3:
            starts = sorted({(len(n), d) for n, d in self._drug_keys.items() if n.startswith(key)})
            anti = [d for _, d in starts if not self._drugs[d].supportive]
            if anti or starts:
                return (anti or [d for _, d in starts])[0]
        drug = self.identify(word)
        return drug.id if drug else None

    def _label_regimen(self, abbrev: str) -> str:
        r = self._regimens[abbrev]
        return f"{r.abbrev} ({r.name})"


# -- loading and validation --------------------------------------------------------------
_DRUG_FIELDS = {
    "id": str,
    "generic": str,
    "brands": list,
    "codes": list,
    "aliases": list,
    "drug_class": str,
    "modality": str,
    "routes": list,
    "category": str,
    "supportive": bool,
    "plain": str,
    "status": str,
}
_ROUTES = {"oral", "IV", "SC", "IM"}


def _read(path: Path, key: str) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"{path}: catalog file is missing") from None
    except json.JSONDecodeError as exc:
        raise CatalogError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise CatalogError(f'{path}: expected an object with a "{key}" list')
    return data[key]


def load_catalog(drugs_path: Path | None = None, regimens_path: Path | None = None) -> Catalog:
    """Read and validate the catalog files (uncached; :func:`get_catalog` caches)."""
    drugs_path = drugs_path or resource_path("catalog", "drugs.json")
    regimens_path = regimens_path or resource_path("catalog", "regimens.json")
    drugs: list[Drug] = []
    seen: set[str] = set()
    for i, e in enumerate(_read(drugs_path, "drugs")):
        where = (
            f"{drugs_path}: drug entry {i + 1} ({e.get('id', '?') if isinstance(e, dict) else e!r})"
        )
        if not isinstance(e, dict):
            raise CatalogError(f"{where}: not an object")
        for name, typ in _DRUG_FIELDS.items():
            if not isinstance(e.get(name), typ):
                raise CatalogError(f"{where}: field {name!r} missing or not a {typ.__name__}")
        if e["id"] != e["id"].lower() or not e["id"].strip():
            raise CatalogError(f"{where}: id must be lowercase and non-empty")
        if e["id"] in seen:
            raise CatalogError(f"{where}: duplicate id {e['id']!r}")
        seen.add(e["id"])
        if e["drug_class"] not in CLASSES:
            raise CatalogError(f"{where}: unknown class {e['drug_class']!r}")
        if (e["drug_class"] in SUPPORTIVE_CLASSES) != e["supportive"]:
            raise CatalogError(f"{where}: 'supportive' disagrees with class {e['drug_class']!r}")
        if e["modality"] not in MODALITIES:
            raise CatalogError(f"{where}: unknown modality {e['modality']!r}")
        bad_routes = set(e["routes"]) - _ROUTES
        if bad_routes:
            raise CatalogError(f"{where}: unknown route(s) {sorted(bad_routes)}")
        drugs.append(
            Drug(
                id=e["id"],
                generic=e["generic"],
                brands=tuple(e["brands"]),
                codes=tuple(e["codes"]),
                aliases=tuple(e["aliases"]),
                drug_class=e["drug_class"],
                target=e.get("target"),
                modality=e["modality"],
                routes=tuple(e["routes"]),
                category=e["category"],
                supportive=e["supportive"],
                plain=e["plain"],
                status=e["status"],
            )
        )
    # One name must mean one drug, or identify() would depend on file order.
    owner: dict[str, str] = {}
    for d in drugs:
        for name in (d.generic, *d.brands, *d.codes, *d.aliases):
            k = normalise(name)
            if k in owner and owner[k] != d.id:
                raise CatalogError(
                    f"{drugs_path}: drug {d.id!r}: name {name!r} is also used by {owner[k]!r}"
                )
            owner[k] = d.id

    regimens: list[RegimenTemplate] = []
    reg_owner: dict[str, str] = {}
    for i, e in enumerate(_read(regimens_path, "regimens")):
        where = f"{regimens_path}: regimen entry {i + 1} ({e.get('abbrev', '?') if isinstance(e, dict) else e!r})"
        if not isinstance(e, dict):
            raise CatalogError(f"{where}: not an object")
        if not isinstance(e.get("abbrev"), str) or not isinstance(e.get("name"), str):
            raise CatalogError(f"{where}: 'abbrev' and 'name' must be text")
        ids = e.get("drug_ids")
        if not isinstance(ids, list) or not ids:
            raise CatalogError(f"{where}: 'drug_ids' must be a non-empty list")
        for drug_id in ids:
            if drug_id not in seen:
                raise CatalogError(f"{where}: component {drug_id!r} is not a drug in the catalog")
        aliases = e.get("aliases", [])
        for name in (e["abbrev"], *aliases):
            k = normalise(name)
            if k in reg_owner and reg_owner[k] != e["abbrev"]:
                raise CatalogError(f"{where}: name {name!r} is also used by {reg_owner[k]!r}")
            reg_owner[k] = e["abbrev"]
        regimens.append(
            RegimenTemplate(
                abbrev=e["abbrev"],
                name=e["name"],
                drug_ids=tuple(ids),
                aliases=tuple(aliases),
                note=e.get("note"),
                trial=e.get("trial"),
            )
        )
    return Catalog(drugs, regimens)


@cache
def get_catalog() -> Catalog:
    """The app's catalog, loaded and validated once per process."""
    return load_catalog()
