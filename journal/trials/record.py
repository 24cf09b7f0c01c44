"""Reading a study record saved from ClinicalTrials.gov (shared/domain/ctgov-records.md).

Accepted, and nothing else (each refusal is one plain sentence saying what to do):

* one study object (``GET /api/v2/studies/NCT…`` saved from a browser);
* a search-results page ``{"studies": [...], "nextPageToken": ...}``;
* a JSON array of study objects (the website's "Download → JSON");
* the bulk zip ``ctg-studies.json.zip``: only ``<last two digits>/<NCT>.json`` is read, never
  the whole archive; a small zip of one study is read too;
* an old ``clinical_study`` XML file from the retired classic site, turned into the same
  fields (the text is kept as it was).

Every module and field is optional: a missing one is ``None``. The raw text is kept exactly,
so the journal stores the record as downloaded.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any
from xml.etree import ElementTree

#: A saved study or search page larger than this is refused before parsing: the largest
#: single study in the bulk zip is about 3.6 MB (ctgov-records.md section 8).
MAX_RECORD_BYTES = 16 * 1024 * 1024
#: A search page with more studies than this is refused: pageSize caps at 1000.
MAX_STUDIES = 1000
NCT_RE = re.compile(r"^NCT\d{8}$")
STUDY_URL = "https://clinicaltrials.gov/study/{nct}"
API_URL = "https://clinicaltrials.gov/api/v2/studies/{nct}"

STATUS_LABELS = {
    "ACTIVE_NOT_RECRUITING": "Active, not recruiting",
    "COMPLETED": "Completed",
    "ENROLLING_BY_INVITATION": "Enrolling by invitation",
    "NOT_YET_RECRUITING": "Not yet recruiting",
    "RECRUITING": "Recruiting",
    "SUSPENDED": "Suspended",
    "TERMINATED": "Terminated",
    "WITHDRAWN": "Withdrawn",
    "AVAILABLE": "Available (expanded access)",
    "NO_LONGER_AVAILABLE": "No longer available (expanded access)",
    "TEMPORARILY_NOT_AVAILABLE": "Temporarily not available (expanded access)",
    "APPROVED_FOR_MARKETING": "Approved for marketing",
    "WITHHELD": "Withheld",
    "UNKNOWN": "Unknown (the sponsor stopped updating the record)",
}
PHASE_LABELS = {
    "NA": "not applicable",
    "EARLY_PHASE1": "early phase 1",
    "PHASE1": "phase 1",
    "PHASE2": "phase 2",
    "PHASE3": "phase 3",
    "PHASE4": "phase 4",
}
STUDY_TYPE_LABELS = {
    "INTERVENTIONAL": "Interventional (a treatment study)",
    "OBSERVATIONAL": "Observational (no study treatment)",
    "EXPANDED_ACCESS": "Expanded access",
}
EXPANDED_ACCESS_PLAIN = (
    "Expanded access means an unapproved drug given outside a trial to people who are very "
    "sick and have no other options. It is not a trial; ask your doctor whether and how it "
    "could apply to you."
)


class RecordError(ValueError):
    """A file is not a study record the app can read; the message says what to do."""


@dataclass(frozen=True)
class TrialRecord:
    """The fields a pre-screen needs, read from one study object; all optional but the id."""

    nct_id: str
    raw: dict[str, Any] = field(repr=False)  # the study object as downloaded
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    org_study_id: str | None = None
    overall_status: str | None = None
    study_type: str | None = None
    phases: tuple[str, ...] = ()
    has_expanded_access: bool = False
    last_update: str | None = None  # lastUpdatePostDateStruct.date (YYYY-MM-DD or YYYY-MM)
    version_holder: str | None = None  # derivedSection.miscInfoModule.versionHolder
    criteria: str | None = None  # eligibilityCriteria Markdown, as stored
    minimum_age: str | None = None
    maximum_age: str | None = None
    sex: str | None = None
    healthy_volunteers: bool | None = None
    conditions: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()
    legacy_xml: bool = False

    @property
    def title(self) -> str:
        return self.brief_title or self.official_title or self.nct_id

    @property
    def url(self) -> str:
        return STUDY_URL.format(nct=self.nct_id)

    @property
    def api_url(self) -> str:
        return API_URL.format(nct=self.nct_id)

    @property
    def expanded_access(self) -> bool:
        return self.study_type == "EXPANDED_ACCESS" or self.has_expanded_access

    @property
    def status_label(self) -> str | None:
        if self.overall_status is None:
            return None
        return STATUS_LABELS.get(self.overall_status, self.overall_status.replace("_", " "))

    @property
    def phase_label(self) -> str | None:
        if not self.phases:
            return None
        return " / ".join(PHASE_LABELS.get(p, p) for p in self.phases)

    @property
    def study_type_label(self) -> str | None:
        if self.study_type is None:
            return None
        return STUDY_TYPE_LABELS.get(self.study_type, self.study_type)

    def raw_json(self) -> str:
        return json.dumps(self.raw, ensure_ascii=False, sort_keys=True)


# --------------------------------------------------------------------------- study objects
def _get(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def _text(v: Any) -> str | None:
    if not isinstance(v, str):
        return None
    return v.strip() or None


def _strs(v: Any) -> tuple[str, ...]:
    if not isinstance(v, list):
        return ()
    return tuple(x.strip() for x in v if isinstance(x, str) and x.strip())


def _looks_like_study(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("protocolSection"), dict)


def record_from_study(study: dict[str, Any]) -> TrialRecord:
    """One v2 study object -> :class:`TrialRecord`; refuses an object without an NCT id."""
    if not _looks_like_study(study):
        raise RecordError(
            "This is not a ClinicalTrials.gov study record (it has no protocolSection). "
            "Save the study's record from clinicaltrials.gov/api/v2/studies/NCT… instead."
        )
    p = study["protocolSection"]
    nct = _text(_get(p, "identificationModule", "nctId"))
    if nct is None or not NCT_RE.match(nct):
        raise RecordError(
            "This study record has no valid NCT number (NCT followed by 8 digits), so it "
            "cannot be kept. Save the record again from clinicaltrials.gov."
        )
    ident = p.get("identificationModule") or {}
    status = p.get("statusModule") or {}
    design = p.get("designModule") or {}
    elig = p.get("eligibilityModule") or {}
    interventions = []
    for it in _get(p, "armsInterventionsModule", "interventions") or []:
        name = _text(_get(it, "name"))
        if name:
            interventions.append(name)
        interventions.extend(_strs(_get(it, "otherNames")))
    hv = elig.get("healthyVolunteers")
    return TrialRecord(
        nct_id=nct,
        raw=study,
        brief_title=_text(ident.get("briefTitle")),
        official_title=_text(ident.get("officialTitle")),
        acronym=_text(ident.get("acronym")),
        org_study_id=_text(_get(ident, "orgStudyIdInfo", "id")),
        overall_status=_text(status.get("overallStatus")),
        study_type=_text(design.get("studyType")),
        phases=_strs(design.get("phases")),
        has_expanded_access=_get(status, "expandedAccessInfo", "hasExpandedAccess") is True,
        last_update=_text(_get(status, "lastUpdatePostDateStruct", "date")),
        version_holder=_text(_get(study, "derivedSection", "miscInfoModule", "versionHolder")),
        criteria=_text(elig.get("eligibilityCriteria")),
        minimum_age=_text(elig.get("minimumAge")),
        maximum_age=_text(elig.get("maximumAge")),
        sex=_text(elig.get("sex")),
        healthy_volunteers=hv if isinstance(hv, bool) else None,
        conditions=_strs(_get(p, "conditionsModule", "conditions")),
        interventions=tuple(dict.fromkeys(interventions)),
    )


# --------------------------------------------------------------------------- files
def read_record_bytes(data: bytes, name: str = "the file") -> list[TrialRecord]:
    """The study records in a saved JSON or XML file (its bytes). At least one, or an error."""
    if len(data) > MAX_RECORD_BYTES:
        raise RecordError(
            f"{name} is {len(data) // (1024 * 1024)} MB, larger than any single study record "
            f"({MAX_RECORD_BYTES // (1024 * 1024)} MB at most). Save one study, or a search "
            "page of fewer studies, and try again."
        )
    if data[:4] == b"PK\x03\x04":
        raise RecordError(f"{name} is a zip archive; open it as a zip and name the NCT number.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RecordError(
            f"{name} is not a text file, so it is not a study record. Save the record as JSON "
            "from clinicaltrials.gov and try again."
        ) from None
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return [_record_from_xml(stripped, name)]
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise RecordError(
            f"{name} is not valid JSON (line {e.lineno}, column {e.colno}), so it is not a "
            "study record. Save the record again from clinicaltrials.gov; an incomplete "
            "download looks like this."
        ) from None
    return _records_from_json(obj, name)


def _records_from_json(obj: Any, name: str) -> list[TrialRecord]:
    if _looks_like_study(obj):
        return [record_from_study(obj)]
    if isinstance(obj, dict) and isinstance(obj.get("studies"), list):
        studies = obj["studies"]
        kind = "search page"
    elif isinstance(obj, list):
        studies = obj
        kind = "list"
    else:
        raise RecordError(
            f"{name} is JSON but not a ClinicalTrials.gov study record, search page or list "
            "of studies. Save the study from clinicaltrials.gov/api/v2/studies/NCT… instead."
        )
    if not studies:
        raise RecordError(f"The {kind} in {name} holds no studies.")
    if len(studies) > MAX_STUDIES:
        raise RecordError(
            f"The {kind} in {name} holds {len(studies)} studies; at most {MAX_STUDIES} can be "
            "brought at once. Narrow the search and save again."
        )
    bad = [i + 1 for i, s in enumerate(studies) if not _looks_like_study(s)]
    if bad:
        raise RecordError(
            f"Item {bad[0]} of the {kind} in {name} is not a study record, so nothing was "
            "brought. Save the search results again from clinicaltrials.gov."
        )
    return [record_from_study(s) for s in studies]


def zip_member_for(nct: str) -> str:
    """Where the bulk zip keeps a study: shard folder by the last two digits."""
    return f"{nct[-2:]}/{nct}.json"


def read_record_zip(
    fileobj: IO[bytes], nct: str | None = None, name: str = "the zip"
) -> TrialRecord:
    """One study out of a zip: the bulk ``ctg-studies.json.zip`` (give ``nct``) or a zip
    that holds a single study file. Only that member is read."""
    try:
        zf = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError):
        raise RecordError(
            f"{name} cannot be opened as a zip; an interrupted download looks like this. "
            "Download it again."
        ) from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir() and i.filename.endswith(".json")]
        if nct is not None:
            nct = nct.strip().upper()
            if not NCT_RE.match(nct):
                raise RecordError(f"{nct!r} is not an NCT number (NCT followed by 8 digits).")
            wanted = [
                i
                for i in infos
                if i.filename == zip_member_for(nct)
                or i.filename.endswith(f"/{nct}.json")
                or i.filename == f"{nct}.json"
            ]
            if not wanted:
                raise RecordError(f"{name} holds no record for {nct}.")
            info = wanted[0]
        elif len(infos) == 1:
            info = infos[0]
        elif not infos:
            raise RecordError(f"{name} holds no JSON study files.")
        else:
            raise RecordError(
                f"{name} holds {len(infos)} studies. Name the one to bring by its NCT number "
                "(for example NCT04181827); the app reads only that one."
            )
        if info.file_size > MAX_RECORD_BYTES:
            raise RecordError(f"The record {info.filename} in {name} is too large to be a study.")
        with zf.open(info) as fh:
            data = fh.read(MAX_RECORD_BYTES + 1)
    records = read_record_bytes(data, f"{info.filename} in {name}")
    if nct is not None:
        records = [r for r in records if r.nct_id == nct] or records
    return records[0]


# --------------------------------------------------------------------------- classic XML
_XML_STATUS = {v.split(" (")[0].lower(): k for k, v in STATUS_LABELS.items()} | {
    "active, not recruiting": "ACTIVE_NOT_RECRUITING",
    "unknown status": "UNKNOWN",
}
_XML_PHASE = {
    "phase 1": "PHASE1",
    "phase 2": "PHASE2",
    "phase 3": "PHASE3",
    "phase 4": "PHASE4",
    "early phase 1": "EARLY_PHASE1",
    "n/a": "NA",
}


def _record_from_xml(text: str, name: str) -> TrialRecord:
    if "<clinical_study" not in text[:5000]:
        raise RecordError(
            f"{name} is an XML file but not a ClinicalTrials.gov clinical_study record."
        )
    if "<!DOCTYPE" in text[:5000] or "<!ENTITY" in text:
        # A registry file never declares entities; refusing them keeps entity expansion out.
        raise RecordError(f"{name} declares XML entities, which a registry record never does.")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as e:
        raise RecordError(f"{name} is not well-formed XML ({e}); save the record again.") from None

    def t(path: str) -> str | None:
        el = root.find(path)
        return _text(el.text) if el is not None and el.text else None

    nct = t("id_info/nct_id")
    phase = (t("phase") or "").lower()
    phases = tuple(_XML_PHASE[p.strip()] for p in phase.split("/") if p.strip() in _XML_PHASE)
    status = _XML_STATUS.get((t("overall_status") or "").lower())
    stype = (t("study_type") or "").upper().replace(" ", "_") or None
    ages = {k: t(f"eligibility/{k}") for k in ("minimum_age", "maximum_age")}
    study = {
        "protocolSection": {
            "identificationModule": {
                "nctId": nct,
                "briefTitle": t("brief_title"),
                "officialTitle": t("official_title"),
                "acronym": t("acronym"),
                "orgStudyIdInfo": {"id": t("id_info/org_study_id")},
            },
            "statusModule": {
                "overallStatus": status,
                "lastUpdatePostDateStruct": {"date": t("last_update_posted")},
            },
            "designModule": {"studyType": stype, "phases": list(phases)},
            "eligibilityModule": {
                "eligibilityCriteria": t("eligibility/criteria/textblock"),
                "sex": (t("eligibility/gender") or "").upper() or None,
                "minimumAge": None if ages["minimum_age"] in (None, "N/A") else ages["minimum_age"],
                "maximumAge": None if ages["maximum_age"] in (None, "N/A") else ages["maximum_age"],
            },
            "conditionsModule": {
                "conditions": [c.text.strip() for c in root.findall("condition") if c.text]
            },
            "armsInterventionsModule": {
                "interventions": [
                    {"name": _text(i.findtext("intervention_name"))}
                    for i in root.findall("intervention")
                ]
            },
        },
        "legacyXml": text,
    }
    rec = record_from_study(study)
    return TrialRecord(**{**rec.__dict__, "legacy_xml": True})


# --------------------------------------------------------------------------- ages
_AGE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?\s*$", re.I)
_AGE_YEARS = {"year": 1.0, "month": 1 / 12, "week": 7 / 365.25, "day": 1 / 365.25}


def age_years(text: str | None) -> float | None:
    """``"18 Years"`` -> 18.0; None when absent or not a number and unit."""
    if not text:
        return None
    m = _AGE_RE.match(text)
    if not m:
        return None
    unit = m.group(2).lower()
    return float(m.group(1)) * _AGE_YEARS.get(unit, 0.0)
