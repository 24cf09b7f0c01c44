"""The journal as FHIR R4: one ``collection`` Bundle, and an IPS-shaped ``document``.

Shape and codes follow the team's FHIR reference (aligned with mCODE STU4 and IPS
codes, no profile claimed): Patient, the myeloma Condition, one CarePlan per
line of therapy, one MedicationStatement per drug in a regimen, Procedures,
Observations (labs with LOINC/UCUM, ECOG, MRD tests, health-history answers,
responses and progressions),
AdverseEvents with the CTCAE grade, and one Provenance saying the data were
entered by the patient and assembled by this app.

Honesty rules: a code is sent only when the code tables hold a confirmed one
(always with ``text``); what the app computed (line numbers, IMWG responses,
progressions from labs, the ICD-10-CM remission character) says so in
``method``/``note`` with the rule's id, and a person's correction is sent as
such. Ids are name-based UUIDs: the same journal exports the same ids.
"""

from __future__ import annotations

import html
import uuid
from dataclasses import dataclass, field
from typing import Any

import journal
from journal.domain import codes as c
from journal.domain.catalog import get_catalog
from journal.domain.labs import LAB_TESTS
from journal.interop.common import date_words, fhir_date, partial, utc_now

#: Our own extension for the computed line number (FHIR has no line-of-therapy element).
LINE_EXT = "https://treatment-journal.invalid/fhir/StructureDefinition/line-of-therapy-number"
AE_GRADE_EXT = "http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/ae-grade"
NCIT = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"
TERM = "http://terminology.hl7.org/CodeSystem/"
_NS = uuid.UUID("6f1b3c5e-2f0a-4d7e-9a51-6d0c2b7e8a41")

CTCAE_GRADE_CODES = {  # NCIt, seen in the AE research IG value set; grade 5 unconfirmed
    1: ("C41338", "Grade 1 Mild"),
    2: ("C41339", "Grade 2 Moderate"),
    3: ("C41340", "Grade 3 Severe"),
    4: ("C41337", "Grade 4 Life-threatening"),
}
ECOG_ANSWERS = {0: "LA9622-7", 1: "LA9623-5", 2: "LA9624-3", 3: "LA9625-0", 4: "LA9626-8"}
RESPONSE_VALUE = {
    "sCR": "complete",
    "CR": "complete",
    "VGPR": "partial",
    "PR": "partial",
    "MR": "improved",
    "SD": "stable",
    "PD": "worsened",
    "not evaluable": "undetermined",
}
STOP_REASON = {
    "plan completed": "completed",
    "side effects (toxicity)": "side_effect",
    "progression": "ineffective",
    "inadequate response": "ineffective",
}
PROCEDURE_CODE = {
    "autologous stem-cell transplant": "stem_cell_transplant",
    "allogeneic stem-cell transplant": "stem_cell_transplant",
    "CAR-T infusion": "car_t",
    "radiotherapy": "radiotherapy",
}
ICD10CM_RULE = "interop.icd10cm_remission_status"
#: Override(rule=ICD10CM_OVERRIDE, subject="diagnosis", value=one of ICD10CM_STATES)
ICD10CM_OVERRIDE = "icd10cm_status"
ICD10CM_STATES = ("not_in_remission", "in_remission", "in_relapse")
ICD10CM_EXPLAINED = (
    "ICD-10-CM fifth character computed by Treatment Journal (rule "
    f"{ICD10CM_RULE}): 'in remission' after an entered CR or sCR with no later "
    "progression, 'in relapse' for a progression after a CR or sCR, otherwise "
    "'not having achieved remission'."
)


_Rows = dict[str, list[dict[str, Any]]]  # queries.all_rows: table name -> row dicts


@dataclass
class _Builder:
    salt: str
    include_meddra: bool = False
    resources: list[dict[str, Any]] = field(default_factory=list)

    def uid(self, kind: str, key: Any) -> str:
        return str(uuid.uuid5(_NS, f"{self.salt}/{kind}/{key}"))

    def ref(self, kind: str, key: Any) -> dict[str, str]:
        return {"reference": f"urn:uuid:{self.uid(kind, key)}"}

    def add(self, kind: str, key: Any, resource: dict[str, Any]) -> dict[str, Any]:
        resource = {"resourceType": kind, "id": self.uid(kind, key), **resource}
        self.resources.append(resource)
        return resource


def _cc(codings: list[c.Coding] | None = None, text: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if codings:
        out["coding"] = [x.as_fhir() for x in codings]
    if text:
        out["text"] = text
    return out


def _term(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": TERM + system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _notes(*texts: str | None) -> list[dict[str, str]]:
    return [{"text": t} for t in texts if t]


def _when(label: str, text: str | None) -> str | None:
    words = date_words(text)
    return f"{label} as entered: {words}" if words else None


def _period(start: str | None, end: str | None) -> dict[str, str]:
    out = {}
    if fhir_date(start):
        out["start"] = fhir_date(start)
    if fhir_date(end):
        out["end"] = fhir_date(end)
    return out


def _drug_label(row: dict[str, Any]) -> str:
    d = get_catalog().get(row.get("drug_id")) if row.get("drug_id") else None
    return d.generic if d else (row.get("name") or row.get("drug_id") or "unnamed drug")


def icd10cm_status(responses: list[dict], progressions: list[dict]) -> str:
    """Which ICD-10-CM fifth character the entered responses and progressions support."""
    events = [
        (partial(r["date"]), "cr" if r["category"] in ("sCR", "CR") else "") for r in responses
    ]
    events += [(partial(p["date"]), "pd") for p in progressions]
    events = sorted((e for e in events if e[0] is not None), key=lambda e: e[0].sort_key())
    seen_cr = False
    status = "not_in_remission"
    for _, what in events:
        if what == "cr":
            seen_cr, status = True, "in_remission"
        elif what == "pd":
            status = "in_relapse" if seen_cr else "not_in_remission"
    return status


def build_bundle(
    rows: _Rows,
    summary: Any = None,
    *,
    timestamp: str | None = None,
    include_meddra: bool = False,
) -> dict[str, Any]:
    """A FHIR R4 ``collection`` Bundle from ``queries.all_rows`` and the rules' Summary."""
    person = (rows.get("person") or [{}])[0]
    b = _Builder(salt=str(person.get("created_at") or "journal"), include_meddra=include_meddra)
    patient = b.ref("Patient", 1)
    _add_patient(b, person)
    condition = b.ref("Condition", "myeloma")
    cond = _add_condition(b, rows, patient)
    regimens = {r["id"]: r for r in rows.get("regimen", [])}
    regimen_line = dict(summary.lines.regimen_line) if summary is not None else {}
    procedure_line = dict(summary.lines.procedure_line) if summary is not None else {}
    _add_lines(b, rows, summary, regimens, regimen_line, cond, patient, condition)
    statements = _add_drugs(b, rows, regimens, regimen_line, patient, condition)
    _add_supportive_care(b, rows, patient)
    _add_procedures(b, rows, procedure_line, patient, condition)
    _add_observations(b, rows, summary, patient, condition)
    _add_side_effects(b, rows, statements, patient)
    _add_provenance(b, patient, timestamp)
    return {
        "resourceType": "Bundle",
        "id": b.uid("Bundle", timestamp or "export"),
        "type": "collection",
        "timestamp": timestamp or utc_now(),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in b.resources],
    }


def lab_observation(lab: dict[str, Any], patient: dict[str, str]) -> dict[str, Any]:
    t = LAB_TESTS.get(lab["test"])
    lc = c.lab_codes(lab["test"])
    obs: dict[str, Any] = {
        "status": "final",
        "category": [_term("observation-category", "laboratory")],
        "code": _cc([lc.loinc] if lc and lc.loinc else None, t.name if t else lab["test"]),
        "subject": patient,
        "effectiveDateTime": fhir_date(lab["date"]),
    }
    if lab.get("value") is not None:
        q = {"value": lab["value"], "unit": lab["unit"]}
        ucum = lc.ucum.get(lab["unit"]) if lc else None
        if ucum:
            q.update(system=c.UCUM, code=ucum)
        obs["valueQuantity"] = q
        rng = {}
        for k, name in (("lln", "low"), ("uln", "high")):
            if lab.get(k) is not None:
                rng[name] = {**q, "value": lab[k]}
        if rng:
            obs["referenceRange"] = [rng]
    else:
        obs["valueString"] = lab.get("text_value") or ""
    obs["note"] = _notes(
        f"Context: {lab['context']}" if lab.get("context") not in (None, "none") else None,
        lab.get("notes"),
        _when("Date", lab["date"]),
    )
    if not obs["note"]:
        del obs["note"]
    return obs


def mrd_observation(x: dict[str, Any], patient, condition) -> dict[str, Any]:
    """One MRD test. Text only: the one LOINC code seen for MRD (98847-0) names a
    panel, not a negative / positive result, and was seen in a single table."""
    obs: dict[str, Any] = {
        "status": "final",
        "category": [_term("observation-category", "laboratory")],
        "code": {"text": "Measurable residual disease (MRD)"},
        "subject": patient,
        "focus": [condition],
        "effectiveDateTime": fhir_date(x["date"]),
        "valueCodeableConcept": {"text": f"MRD {x['result']}"},
    }
    if x.get("method"):
        obs["method"] = {"text": x["method"]}
    if x.get("sample"):
        obs["specimen"] = {"display": x["sample"]}
    obs["note"] = _notes(
        f"Sensitivity {x['sensitivity']}." if x.get("sensitivity") else None,
        x.get("notes"),
        _when("Date", x["date"]),
    )
    if not obs["note"]:
        del obs["note"]
    return obs


def health_observation(h: dict[str, Any], patient) -> dict[str, Any]:
    """A health-history answer (another cancer, heart failure, hepatitis B...) as the
    answer to a screening question: LOINC Yes / No plus the words. The question has
    no standard code, so it is text."""
    answer = c.loinc_answer(h["answer"])
    obs: dict[str, Any] = {
        "status": "final",
        "category": [_term("observation-category", "survey")],
        "code": {"text": f"Health history: {h['topic']}"},
        "subject": patient,
        "valueCodeableConcept": _cc([answer] if answer else None, h["answer"]),
    }
    if h.get("resolved") and _period(h.get("date"), h["resolved"]):
        obs["effectivePeriod"] = _period(h.get("date"), h["resolved"])
    elif fhir_date(h.get("date")):
        obs["effectiveDateTime"] = fhir_date(h["date"])
    treated = {True: "Treated.", False: "Not treated."}.get(h.get("treated"))
    obs["note"] = _notes(
        h.get("detail"),
        treated,
        h.get("notes"),
        _when("Checked" if h["answer"] == "no" else "Since", h.get("date")),
        _when("Until", h.get("resolved")),
    )
    if not obs["note"]:
        del obs["note"]
    return obs


def _status_obs(patient, condition, code, date, category, method, *notes, line=None) -> dict:
    value = RESPONSE_VALUE.get(category, "undetermined")
    obs = {
        "status": "final",
        "code": _cc([code], "Disease status (IMWG response)"),
        "subject": patient,
        "focus": [condition],
        "effectiveDateTime": fhir_date(date),
        "valueCodeableConcept": _cc(
            [c.snomed("response_values", value)],
            f"IMWG: {category}"
            + (f" (best computed response of line {line})" if line and category != "PD" else ""),
        ),
        "method": {"text": method},
    }
    n = _notes(*notes, _when("Date", date))
    if n:
        obs["note"] = n
    return obs


def _narrative(*texts: str | None) -> dict[str, str]:
    body = " ".join(html.escape(t) for t in texts if t)
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def _adverse_event(b: _Builder, se, drugs, statements, patient) -> dict[str, Any]:
    term = c.term_codes(se.get("term_id"))
    codings = [term.meddra] if b.include_meddra and term and term.meddra else None
    ae: dict[str, Any] = {
        "actuality": "actual",
        "event": _cc(codings, se["term"]),
        "subject": patient,
        "date": fhir_date(se["onset"]),
        "seriousness": _term(
            "adverse-event-seriousness", "serious" if se.get("serious") else "non-serious"
        ),
        "outcome": _term("adverse-event-outcome", "resolved" if se.get("resolved") else "ongoing"),
    }
    grade = se.get("grade")
    ctcae = str(se.get("scale", "")).startswith("CTCAE")
    if grade and ctcae:
        ae["severity"] = _term(
            "adverse-event-severity", {1: "mild", 2: "moderate"}.get(grade, "severe")
        )
        if grade in CTCAE_GRADE_CODES:
            code, display = CTCAE_GRADE_CODES[grade]
            ae["extension"] = [
                {
                    "url": AE_GRADE_EXT,
                    "valueCodeableConcept": {
                        "coding": [{"system": NCIT, "code": code, "display": display}],
                        "text": f"{se['scale']} grade {grade}",
                    },
                }
            ]
    suspects = []
    onset = partial(se["onset"])
    for a in drugs:
        same = [
            (row, sid)
            for row, sid in statements
            if (a.get("drug_id") and a["drug_id"] == row.get("drug_id"))
            or (not a.get("drug_id") and a.get("name") and a["name"] == row.get("name"))
        ]
        # The statement of that drug given at onset: the latest one started by then.
        started = [
            sid
            for row, sid in same
            if not onset
            or partial(row.get("start")) is None
            or partial(row.get("start")).earliest() <= onset.latest()
        ]
        if started or same:
            suspects.append(
                {"instance": {"reference": f"urn:uuid:{(started or [same[-1][1]])[-1]}"}}
            )
    if suspects:
        ae["suspectEntity"] = suspects
    # R4 AdverseEvent has no note: the details go into its narrative.
    ae["text"] = _narrative(
        f"{se['term']}.",
        f"Grade {grade} on the {se['scale']} scale ({se.get('grade_source')})." if grade else None,
        f"Resolved: {se['resolved']}." if se.get("resolved") else None,
        f"Attributed to: {', '.join(_drug_label(a) for a in drugs)}." if drugs else None,
        se.get("action") and f"Action: {se['action']}.",
        _when("Onset", se["onset"]),
    )
    return ae


def _add_patient(b: _Builder, person: dict[str, Any]) -> None:
    pat: dict[str, Any] = {"gender": person.get("sex") or "unknown"}
    if person.get("display_name"):
        pat["name"] = [{"text": person["display_name"]}]
    if fhir_date(person.get("birth_date")):
        pat["birthDate"] = fhir_date(person.get("birth_date"))
    b.add("Patient", 1, pat)


def _add_condition(b: _Builder, rows: _Rows, patient: dict[str, str]) -> dict[str, Any]:
    """The myeloma Condition; returned because notes about corrections join it later."""
    diag = (rows.get("diagnosis") or [{}])[0]
    status = icd10cm_status(rows.get("response", []), rows.get("progression", []))
    # The person may correct the computed remission status (Override rule below).
    status_note = ICD10CM_EXPLAINED
    for o in rows.get("override", []):
        if o["rule"] == ICD10CM_OVERRIDE and o["value"] in ICD10CM_STATES:
            status_note += (
                f" Corrected by the person from '{status}' to '{o['value']}' ({o['reason']})."
            )
            status = o["value"]
    isotype = " ".join(
        x for x in (diag.get("heavy_chain"), diag.get("light_chain")) if x and x != "unknown"
    )
    cond: dict[str, Any] = {
        "clinicalStatus": _term(
            "condition-clinical",
            {"in_remission": "remission", "in_relapse": "relapse"}.get(status, "active"),
        ),
        "verificationStatus": _term("condition-ver-status", "confirmed"),
        "category": [_term("condition-category", "problem-list-item")],
        "code": _cc(
            c.myeloma_codings(status), "Multiple myeloma" + (f", {isotype}" if isotype else "")
        ),
        "subject": patient,
        "note": _notes(status_note, _when("Diagnosis date", diag.get("date"))),
    }
    if fhir_date(diag.get("date")):
        cond["onsetDateTime"] = fhir_date(diag.get("date"))
    b.add("Condition", "myeloma", cond)
    return cond


def _add_lines(
    b: _Builder,
    rows: _Rows,
    summary: Any,
    regimens: dict[int, dict[str, Any]],
    regimen_line: dict[int, int],
    cond: dict[str, Any],
    patient: dict[str, str],
    condition: dict[str, str],
) -> None:
    """The computed lines of therapy as CarePlans, with the person's corrections."""
    # A person's corrections of computed results go where they apply, always visible.
    corrections: dict[int | None, list[str]] = {}
    for o in rows.get("override", []):
        if o["rule"] == ICD10CM_OVERRIDE:
            continue
        text = f"Corrected by the person: {o['rule']} of {o['subject']} set to {o['value']} ({o['reason']})."
        subject = str(o["subject"])
        rid = (
            int(subject.split(":", 1)[1])
            if subject.startswith("regimen:") and subject[8:].isdigit()
            else None
        )
        corrections.setdefault(regimen_line.get(rid) if rid else None, []).append(text)
    cond["note"] += _notes(*corrections.pop(None, []))
    if summary is not None:
        for line in summary.lines.lines:
            rules = sorted({t.rule for t in line.traces})
            notes = [
                f"Line number computed by Treatment Journal from the entered regimens "
                f"(IMWG 2015 lines of therapy; rules: {', '.join(rules) or 'lines'})."
            ]
            notes += corrections.pop(line.number, [])
            for rid in line.regimen_ids:
                r = regimens.get(rid) or {}
                if r.get("line_override"):
                    notes.append(
                        f"Corrected by the person: regimen {r['name']} set to line "
                        f"{r['line_override']} ({r.get('line_override_reason') or 'no reason given'})."
                    )
            plan = {
                "status": "active" if line.end is None else "completed",
                "intent": "plan",
                "title": f"Line {line.number}",
                "description": line.label,
                "subject": patient,
                "period": _period(line.start.to_iso(), line.end.to_iso() if line.end else None),
                "addresses": [condition],
                "extension": [{"url": LINE_EXT, "valueInteger": line.number}],
                "note": _notes(*notes),
            }
            if not plan["period"]:
                del plan["period"]
            b.add("CarePlan", line.number, plan)

    cond["note"] += _notes(*(t for texts in corrections.values() for t in texts))


def _add_drugs(
    b: _Builder,
    rows: _Rows,
    regimens: dict[int, dict[str, Any]],
    regimen_line: dict[int, int],
    patient: dict[str, str],
    condition: dict[str, str],
) -> list[tuple[dict[str, Any], str]]:
    """One MedicationStatement per drug of a regimen; returns (row, statement id)."""
    statements: list[tuple[dict[str, Any], str]] = []  # (row, MedicationStatement id)
    for d in rows.get("regimendrug", []):
        reg = regimens.get(d["regimen_id"], {})
        start = d.get("start") or reg.get("start")
        end = d.get("last_dose") or reg.get("end")
        reason = d.get("stop_reason") or (reg.get("end_reason") if end else None)
        codes = c.drug_codes(d.get("drug_id"))
        codings = [x for x in ((codes.rxnorm, codes.atc) if codes else ()) if x]
        ms: dict[str, Any] = {
            "status": "active"
            if not end
            else (
                "stopped" if reason in STOP_REASON and reason != "plan completed" else "completed"
            ),
            "medicationCodeableConcept": _cc(codings, _drug_label(d)),
            "subject": patient,
            "informationSource": patient,
            "reasonReference": [condition],
        }
        if _period(start, end):
            ms["effectivePeriod"] = _period(start, end)
        if regimen_line.get(d["regimen_id"]):
            ms["basedOn"] = [b.ref("CarePlan", regimen_line[d["regimen_id"]])]
        dose = " ".join(
            str(x)
            for x in (d.get("dose"), d.get("dose_unit"), d.get("route"), d.get("schedule"))
            if x not in (None, "")
        )
        if dose:
            ms["dosage"] = [{"text": dose}]
        if reason:
            stop = STOP_REASON.get(reason)
            text = reason + (f": {d['stop_reason_detail']}" if d.get("stop_reason_detail") else "")
            ms["statusReason"] = [_cc([c.snomed("stop_reasons", stop)] if stop else None, text)]
        ms["note"] = _notes(
            f"Part of regimen {reg.get('name', '?')} ({d.get('role')}).",
            _when("Start", start),
            _when("Last dose", end),
        )
        res = b.add("MedicationStatement", d["id"], ms)
        statements.append((d, res["id"]))
    return statements


def _add_supportive_care(b: _Builder, rows: _Rows, patient: dict[str, str]) -> None:
    for sc in rows.get("supportivecare", []):
        codes = c.drug_codes(sc.get("drug_id"))
        codings = [x for x in ((codes.rxnorm, codes.atc) if codes else ()) if x]
        ms: dict[str, Any] = {
            "status": "completed" if sc.get("end") else "active",
            "medicationCodeableConcept": _cc(codings, sc.get("name") or _drug_label(sc)),
            "subject": patient,
            "informationSource": patient,
        }
        if _period(sc.get("start"), sc.get("end")):
            ms["effectivePeriod"] = _period(sc.get("start"), sc.get("end"))
        if sc.get("dose"):
            ms["dosage"] = [{"text": sc["dose"]}]
        ms["note"] = _notes(
            "Supportive care" + (f": {sc['purpose']}" if sc.get("purpose") else "") + ".",
            sc.get("notes"),
            _when("Start", sc.get("start")),
            _when("End", sc.get("end")),
        )
        b.add("MedicationStatement", f"supportive/{sc['id']}", ms)


def _add_procedures(
    b: _Builder,
    rows: _Rows,
    procedure_line: dict[int, int],
    patient: dict[str, str],
    condition: dict[str, str],
) -> None:
    for p in rows.get("procedure", []):
        key = PROCEDURE_CODE.get(p["kind"])
        proc: dict[str, Any] = {
            "status": "completed",
            "code": _cc([c.snomed("procedures", key)] if key else None, p["kind"]),
            "subject": patient,
            "reasonReference": [condition],
        }
        if p.get("end"):
            proc["performedPeriod"] = _period(p["date"], p["end"])
        else:
            proc["performedDateTime"] = fhir_date(p["date"])
        if procedure_line.get(p["id"]):
            proc["basedOn"] = [b.ref("CarePlan", procedure_line[p["id"]])]
        if p.get("site"):
            proc["bodySite"] = [{"text": p["site"]}]
        proc["note"] = _notes(
            *(
                f"{label}: {p[k]}"
                for k, label in (
                    ("conditioning", "Conditioning"),
                    ("product", "Product"),
                    ("dose_text", "Dose"),
                    ("reason", "Reason"),
                    ("notes", "Notes"),
                )
                if p.get(k)
            ),
            _when("Date", p["date"]),
        )
        b.add("Procedure", p["id"], proc)


def _add_observations(
    b: _Builder, rows: _Rows, summary: Any, patient: dict[str, str], condition: dict[str, str]
) -> None:
    """Labs, ECOG, MRD tests, health-history answers, entered responses and progressions,
    and the computed ones."""
    for lab in rows.get("labresult", []):
        b.add("Observation", f"lab/{lab['id']}", lab_observation(lab, patient))
    for e in rows.get("ecog", []):
        obs = {
            "status": "final",
            "category": [_term("observation-category", "survey")],
            "code": _cc(
                [c.Coding(c.LOINC, "89247-1", "ECOG Performance Status score")], "ECOG score"
            ),
            "subject": patient,
            "effectiveDateTime": fhir_date(e["date"]),
            "valueInteger": int(e["score"]),
            "interpretation": [
                _cc([c.Coding(c.LOINC, ECOG_ANSWERS[int(e["score"])], str(e["score"]))])
            ],
        }
        b.add("Observation", f"ecog/{e['id']}", obs)
    for x in rows.get("mrdresult", []):
        b.add("Observation", f"mrd/{x['id']}", mrd_observation(x, patient, condition))
    for h in rows.get("healthhistory", []):
        b.add("Observation", f"health/{h['id']}", health_observation(h, patient))
    status_code = c.Coding(c.LOINC, "97509-4", "Cancer disease status")
    for r in rows.get("response", []):
        who = {
            "clinician": "entered by the person from a clinician's assessment",
            "patient": "the person's own assessment",
        }.get(r.get("assessor"), f"entered ({r.get('assessor')})")
        mrd = f"MRD {r['mrd_result']}" if r.get("mrd_result") else None
        b.add(
            "Observation",
            f"response/{r['id']}",
            _status_obs(patient, condition, status_code, r["date"], r["category"], who, mrd),
        )
    for p in rows.get("progression", []):
        b.add(
            "Observation",
            f"progression/{p['id']}",
            _status_obs(
                patient,
                condition,
                status_code,
                p["date"],
                "PD",
                "entered by the person",
                f"Progression ({p.get('kind')}), {'confirmed' if p.get('confirmed') else 'not confirmed'}.",
            ),
        )
    if summary is not None:
        for lr in summary.responses.lines:
            for what, best in (("best", lr.best), ("progression", lr.progression)):
                if best is None or best.date is None:  # no date: nothing FHIR can place
                    continue
                cat = "PD" if what == "progression" else best.category
                trace = best.trace
                method = "computed by Treatment Journal from entered labs (IMWG 2016)" + (
                    f"; rule {trace.rule}" if trace else ""
                )
                notes = [trace.explanation if trace else None]
                if trace and trace.overridden_by:
                    notes.append(f"Corrected by the person ({trace.overridden_by}).")
                b.add(
                    "Observation",
                    f"computed/{lr.line}/{what}",
                    _status_obs(
                        patient,
                        condition,
                        status_code,
                        best.date.isoformat(),
                        cat,
                        method,
                        *notes,
                        line=lr.line,
                    ),
                )


def _add_side_effects(
    b: _Builder,
    rows: _Rows,
    statements: list[tuple[dict[str, Any], str]],
    patient: dict[str, str],
) -> None:
    attributed: dict[int, list[dict]] = {}
    for a in rows.get("sideeffectdrug", []):
        attributed.setdefault(a["side_effect_id"], []).append(a)
    for se in rows.get("sideeffect", []):
        b.add(
            "AdverseEvent",
            se["id"],
            _adverse_event(b, se, attributed.get(se["id"], []), statements, patient),
        )


def _add_provenance(b: _Builder, patient: dict[str, str], timestamp: str | None) -> None:
    targets = [{"reference": f"urn:uuid:{r['id']}"} for r in b.resources]
    b.add(
        "Provenance",
        "export",
        {
            "target": targets,
            "recorded": timestamp or utc_now(),
            "activity": {"text": "Entered by the patient in a personal treatment journal"},
            "agent": [
                {"type": _term("provenance-participant-type", "author"), "who": patient},
                {
                    "type": _term("provenance-participant-type", "assembler"),
                    "who": {"display": f"Treatment Journal {journal.__version__}"},
                },
            ],
        },
    )


# -- reading from a journal --------------------------------------------------------


def export_fhir(store, *, timestamp: str | None = None, include_meddra: bool = False) -> dict:
    from journal.domain.summary import build_summary
    from journal.services import queries

    rows = queries.all_rows(store)
    try:
        summary = build_summary(queries.load_history(store))
    except Exception:  # a rule failing on odd data must not stop the person's export
        summary = None
    return build_bundle(rows, summary, timestamp=timestamp, include_meddra=include_meddra)


# -- IPS-shaped document -------------------------------------------------------------


def _section(title: str, loinc: str, display: str, refs: list[dict], empty: str) -> dict:
    sec: dict[str, Any] = {
        "title": title,
        "code": _cc([c.Coding(c.LOINC, loinc, display)]),
        "text": {
            "status": "generated",
            "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{title}: '
            f"{len(refs) or 'none'} entries (entered by the patient).</div>",
        },
    }
    if refs:
        sec["entry"] = refs
    else:
        sec["emptyReason"] = _cc(
            [c.Coding(TERM + "list-empty-reason", "notasked", "Not Asked")], empty
        )
    return sec


def build_ips(collection: dict[str, Any], *, timestamp: str | None = None) -> dict[str, Any]:
    """An International Patient Summary-shaped ``document`` Bundle (not claimed conformant).

    Only the sections whose LOINC codes were seen in the IPS pages: Medication
    Summary, Allergies (empty: the journal does not record them) and Problems.
    """
    resources = [e["resource"] for e in collection["entry"]]
    by_type: dict[str, list[dict]] = {}
    for r in resources:
        by_type.setdefault(r["resourceType"], []).append(r)
    patient = by_type["Patient"][0]

    def refs(kind: str) -> list[dict]:
        return [{"reference": f"urn:uuid:{r['id']}"} for r in by_type.get(kind, [])]

    when = timestamp or collection.get("timestamp") or utc_now()
    comp_id = str(uuid.uuid5(_NS, f"ips/{collection['id']}"))
    composition = {
        "resourceType": "Composition",
        "id": comp_id,
        "status": "final",
        "type": _cc([c.Coding(c.LOINC, "60591-5", "Patient summary Document")]),
        "subject": {"reference": f"urn:uuid:{patient['id']}"},
        "date": when,
        "author": [{"reference": f"urn:uuid:{patient['id']}"}],
        "title": "Patient summary (entered by the patient in Treatment Journal)",
        "section": [
            _section(
                "Medication Summary",
                "10160-0",
                "History of Medication use Narrative",
                refs("MedicationStatement"),
                "No medicines recorded.",
            ),
            _section(
                "Allergies and Intolerances",
                "48765-2",
                "Allergies and adverse reactions Document",
                [],
                "The journal does not record allergies.",
            ),
            _section(
                "Problem List",
                "11450-4",
                "Problem list - Reported",
                refs("Condition"),
                "No problems recorded.",
            ),
        ],
    }
    entries = [{"fullUrl": f"urn:uuid:{comp_id}", "resource": composition}]
    entries += [
        {"fullUrl": f"urn:uuid:{r['id']}", "resource": r}
        for r in resources
        # Everything those sections point at comes along (a document is self-contained).
        if r["resourceType"] in ("Patient", "Condition", "MedicationStatement", "CarePlan")
    ]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(_NS, f"ips-bundle/{collection['id']}")),
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{comp_id}"},
        "type": "document",
        "timestamp": when,
        "entry": entries,
    }
