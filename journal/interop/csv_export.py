"""The journal as spreadsheets: one CSV per record kind, zipped, with a README sheet.

Made for LibreOffice and Excel: UTF-8 (with a byte-order mark by default, so
Excel reads accents right), comma-separated, ISO dates. A partial date keeps the
text it was entered as (``2019``, ``~2019-SP``) and gets a ``..._sort`` column
(its middle day) so the sheet sorts like the journal. Computed values (line
numbers) say so in their column name; the README lists every column.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from journal.domain.catalog import get_catalog
from journal.domain.codes import drug_codes, lab_codes, term_codes
from journal.domain.labs import LAB_TESTS, UnitError
from journal.interop.common import sortable, utc_now

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    get: Callable[[dict[str, Any]], Any]
    date: bool = False  # a partial date: a "<name>_sort" column follows


@dataclass(frozen=True)
class Sheet:
    file: str
    table: str  # the journal table its rows come from (``queries.all_rows`` key)
    about: str
    columns: tuple[Column, ...]


def _f(key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda r: r.get(key)


def _drug_name(row: dict[str, Any]) -> str:
    if row.get("drug_id"):
        d = get_catalog().get(row["drug_id"])
        if d is not None:
            return d.generic
    return row.get("name") or row.get("drug_id") or ""


def _code(kind: str) -> Callable[[dict[str, Any]], str]:
    def get(r: dict[str, Any]) -> str:
        codes = drug_codes(r.get("drug_id"))
        c = getattr(codes, kind, None) if codes else None
        return c.code if c else ""

    return get


def _lab(kind: str) -> Callable[[dict[str, Any]], Any]:
    def get(r: dict[str, Any]) -> Any:
        t = LAB_TESTS.get(r["test"])
        lc = lab_codes(r["test"])
        if kind == "name":
            return t.name if t else r["test"]
        if kind == "loinc":
            return lc.loinc.code if lc and lc.loinc else ""
        if kind == "ucum":
            return lc.ucum.get(r["unit"], "") if lc else ""
        if kind == "canonical_unit":
            return t.unit if t and r.get("value") is not None else ""
        if kind == "canonical_value":
            if t is None or r.get("value") is None:
                return ""
            try:
                return round(t.to_canonical(r["value"], r["unit"]), 6)
            except UnitError:
                return ""
        raise KeyError(kind)

    return get


def _meddra(r: dict[str, Any]) -> str:
    tc = term_codes(r.get("term_id"))
    return tc.meddra.code if tc and tc.meddra else ""


def sheets(include_meddra: bool = False) -> tuple[Sheet, ...]:
    se_cols = [
        Column("id", "the side effect's number in this journal", _f("id")),
        Column("term", "the CTCAE term (or the person's words)", _f("term")),
        Column("term_id", "the journal's catalog id of the CTCAE term", _f("term_id")),
        Column("scale", "grading scale (CTCAE v5.0, ASTCT 2019, KVA...)", _f("scale")),
        Column("grade", "grade 1-5 (empty = not graded)", _f("grade")),
        Column("grade_source", "who graded it", _f("grade_source")),
        Column("onset", "when it started", _f("onset"), date=True),
        Column("resolved", "when it went away (empty = ongoing)", _f("resolved"), date=True),
        Column("serious", "serious (1) or not (0)", _f("serious")),
        Column("action", "what was done about it", _f("action")),
        Column("attributed_to", "drugs it was attributed to, separated by ;", _f("_drugs")),
        Column("notes", "notes", _f("notes")),
    ]
    if include_meddra:
        se_cols.insert(3, Column("meddra_code", "MedDRA code from CTCAE v5.0", _meddra))
    return (
        Sheet(
            "diagnosis.csv",
            "diagnosis",
            "The myeloma diagnosis as entered.",
            (
                Column("date", "date of diagnosis", _f("date"), date=True),
                Column("heavy_chain", "heavy chain type (IgG, IgA, ...)", _f("heavy_chain")),
                Column("light_chain", "light chain type (kappa, lambda)", _f("light_chain")),
                Column("iss_stage", "ISS stage as written in a letter", _f("iss_stage")),
                Column("riss_stage", "R-ISS stage as written in a letter", _f("riss_stage")),
                Column("icd10", "WHO ICD-10 code of multiple myeloma", lambda r: "C90.0"),
                Column("snomed_ct", "SNOMED CT code of multiple myeloma", lambda r: "109989006"),
                Column("notes", "notes", _f("notes")),
            ),
        ),
        Sheet(
            "regimens.csv",
            "regimen",
            "One row per regimen (a treatment with a start and an end).",
            (
                Column("id", "the regimen's number in this journal", _f("id")),
                Column("name", "name as entered (e.g. VRd)", _f("name")),
                Column("start", "first day", _f("start"), date=True),
                Column("end", "last day (empty = ongoing)", _f("end"), date=True),
                Column(
                    "line_computed", "line of therapy computed by the app (IMWG 2015)", _f("_line")
                ),
                Column("line_override", "line number the person set by hand", _f("line_override")),
                Column("line_override_reason", "why", _f("line_override_reason")),
                Column("intent", "induction, maintenance, ...", _f("intent")),
                Column("part_of_id", "regimen this one was planned as part of", _f("part_of_id")),
                Column("end_reason", "why it ended", _f("end_reason")),
                Column("end_reason_detail", "details", _f("end_reason_detail")),
                Column("trial_id", "clinical trial (NCT number)", _f("trial_id")),
                Column("cycles", "number of cycles", _f("cycles")),
                Column("cycle_days", "days per cycle", _f("cycle_days")),
                Column("drugs", "the drugs, separated by ;", _f("_drugs")),
                Column("plan", "the plan as written when it started", _f("plan")),
                Column("notes", "notes", _f("notes")),
            ),
        ),
        Sheet(
            "regimen_drugs.csv",
            "regimendrug",
            "One row per drug in a regimen (empty dates = the regimen's own).",
            (
                Column("id", "the drug row's number", _f("id")),
                Column(
                    "regimen_id", "the regimen it belongs to (regimens.csv id)", _f("regimen_id")
                ),
                Column("regimen", "the regimen's name", _f("_regimen")),
                Column("drug", "generic name", _drug_name),
                Column("drug_id", "the journal's catalog id", _f("drug_id")),
                Column("rxnorm", "RxNorm ingredient code (empty = not confirmed)", _code("rxnorm")),
                Column("atc", "WHO ATC code (empty = not confirmed)", _code("atc")),
                Column("dose", "dose", _f("dose")),
                Column("dose_unit", "dose unit", _f("dose_unit")),
                Column("route", "route", _f("route")),
                Column("schedule", "schedule", _f("schedule")),
                Column("start", "first dose", _f("start"), date=True),
                Column("last_dose", "last dose", _f("last_dose"), date=True),
                Column("role", "anti-myeloma, premedication, ...", _f("role")),
                Column("addition", "part of the plan or added later", _f("addition")),
                Column("stop_reason", "why it stopped", _f("stop_reason")),
                Column("stop_reason_detail", "details", _f("stop_reason_detail")),
            ),
        ),
        Sheet(
            "procedures.csv",
            "procedure",
            "Transplants, CAR-T infusions, radiotherapy and other procedures.",
            (
                Column("id", "the procedure's number", _f("id")),
                Column("kind", "what was done", _f("kind")),
                Column("date", "date", _f("date"), date=True),
                Column("end", "last day (courses)", _f("end"), date=True),
                Column("regimen_id", "regimen it belongs to", _f("regimen_id")),
                Column("planned", "planned as part of its line (1) or not (0)", _f("planned")),
                Column("conditioning", "conditioning", _f("conditioning")),
                Column("product", "CAR-T product", _f("product")),
                Column("site", "site", _f("site")),
                Column("dose_text", "dose as written (e.g. 20 Gy in 5 fractions)", _f("dose_text")),
                Column("reason", "reason", _f("reason")),
                Column("notes", "notes", _f("notes")),
            ),
        ),
        Sheet(
            "responses.csv",
            "response",
            "Responses as entered (IMWG category), by a clinician or the person.",
            (
                Column("id", "the response's number", _f("id")),
                Column("date", "date assessed", _f("date"), date=True),
                Column("category", "IMWG category (sCR, CR, VGPR, PR, MR, SD, PD)", _f("category")),
                Column("assessor", "clinician, patient or computed", _f("assessor")),
                Column("regimen_id", "regimen it was a response to", _f("regimen_id")),
                Column("mrd_result", "MRD result", _f("mrd_result")),
                Column("mrd_method", "MRD method", _f("mrd_method")),
                Column("mrd_sensitivity", "MRD sensitivity", _f("mrd_sensitivity")),
                Column("notes", "notes", _f("notes")),
            ),
        ),
        Sheet(
            "progressions.csv",
            "progression",
            "Progressions and relapses as entered.",
            (
                Column("id", "the progression's number", _f("id")),
                Column("date", "date", _f("date"), date=True),
                Column("kind", "biochemical, clinical, relapse from CR", _f("kind")),
                Column("confirmed", "confirmed (1) or not (0)", _f("confirmed")),
                Column("regimen_id", "regimen it happened on", _f("regimen_id")),
                Column("notes", "notes", _f("notes")),
            ),
        ),
        Sheet(
            "mrd.csv",
            "mrdresult",
            "Measurable residual disease (MRD) tests entered as their own records "
            "(an MRD result typed on a response is in responses.csv).",
            (
                Column("id", "the MRD test's number", _f("id")),
                Column("date", "date of the sample", _f("date"), date=True),
                Column("result", "negative or positive", _f("result")),
                Column("method", "next-generation flow, sequencing, PET/CT...", _f("method")),
                Column(
                    "sensitivity", "how finely it looked (10^-5 = 1 in 100,000)", _f("sensitivity")
                ),
                Column("sample", "bone marrow, blood, imaging", _f("sample")),
                Column("regimen_id", "regimen it was tested during or after", _f("regimen_id")),
                Column("notes", "notes", _f("notes")),
            ),
        ),
        Sheet(
            "health_history.csv",
            "healthhistory",
            "Answers to the health-history questions trial screeners ask (another cancer, heart "
            "disease, hepatitis...): yes with when and what, or a checked no. A topic with no "
            "row was not recorded, which is not the same as no.",
            (
                Column("id", "the answer's number", _f("id")),
                Column("topic", "what the question is about", _f("topic")),
                Column("answer", "yes or no", _f("answer")),
                Column(
                    "date",
                    "yes: when it began or was found; no: when that was checked",
                    _f("date"),
                    date=True,
                ),
                Column("resolved", "when it ended, if it did", _f("resolved"), date=True),
                Column("detail", "which cancer, which disease, which medicine...", _f("detail")),
                Column("treated", "treated (1), not treated (0), empty = not said", _f("treated")),
                Column("notes", "notes", _f("notes")),
            ),
        ),
        Sheet("side_effects.csv", "sideeffect", "Side effects with their grade.", tuple(se_cols)),
        Sheet(
            "labs.csv",
            "labresult",
            "Blood and urine tests, one row per result (long format), as entered.",
            (
                Column("id", "the result's number", _f("id")),
                Column("date", "date of the sample", _f("date"), date=True),
                Column("test", "test name", _lab("name")),
                Column("test_id", "the journal's id of the test", _f("test")),
                Column("loinc", "LOINC code (empty = not confirmed)", _lab("loinc")),
                Column("value", "the number as entered", _f("value")),
                Column("text_value", "a text result (positive, negative...)", _f("text_value")),
                Column("unit", "unit as entered", _f("unit")),
                Column("ucum", "the unit in UCUM", _lab("ucum")),
                Column(
                    "value_canonical",
                    "the value converted to the unit the rules use",
                    _lab("canonical_value"),
                ),
                Column("unit_canonical", "that unit", _lab("canonical_unit")),
                Column("context", "transfusion-supported, during infection...", _f("context")),
                Column("lln", "lower limit of normal", _f("lln")),
                Column("uln", "upper limit of normal", _f("uln")),
                Column("notes", "notes", _f("notes")),
            ),
        ),
        Sheet(
            "supportive_care.csv",
            "supportivecare",
            "Supportive medicines (bone agents, antivirals, growth factors...).",
            (
                Column("id", "the row's number", _f("id")),
                Column("name", "medicine", _f("name")),
                Column("drug_id", "the journal's catalog id", _f("drug_id")),
                Column("rxnorm", "RxNorm ingredient code (empty = not confirmed)", _code("rxnorm")),
                Column("atc", "WHO ATC code (empty = not confirmed)", _code("atc")),
                Column("purpose", "what it is for", _f("purpose")),
                Column("dose", "dose as written", _f("dose")),
                Column("start", "first day", _f("start"), date=True),
                Column("end", "last day (empty = ongoing)", _f("end"), date=True),
                Column("notes", "notes", _f("notes")),
            ),
        ),
        Sheet(
            "cytogenetics.csv",
            "cytogeneticresult",
            "FISH and other genetic findings of the myeloma cells.",
            (
                Column("id", "the row's number", _f("id")),
                Column("date", "date of the sample", _f("date"), date=True),
                Column("abnormality", "e.g. del(17p), t(4;14), 1q gain/amp", _f("abnormality")),
                Column("detail", "details for 'other'", _f("detail")),
                Column("present", "found (1) or looked for and not found (0)", _f("present")),
                Column("percent", "share of cells with it (%)", _f("percent")),
                Column("copy_number", "copies (1q)", _f("copy_number")),
                Column("sample", "sample", _f("sample")),
                Column(
                    "at_relapse", "found at a relapse (1) or at diagnosis (0)", _f("at_relapse")
                ),
                Column("notes", "notes", _f("notes")),
            ),
        ),
        Sheet(
            "disease_features.csv",
            "diseasefeature",
            "Extramedullary disease, plasma cell leukaemia, amyloidosis and the like.",
            (
                Column("id", "the row's number", _f("id")),
                Column("flag", "what was found", _f("flag")),
                Column("date", "when found", _f("date"), date=True),
                Column("resolved", "when it went away", _f("resolved"), date=True),
                Column("site", "where", _f("site")),
                Column("size_mm", "size (mm)", _f("size_mm")),
                Column("notes", "notes", _f("notes")),
            ),
        ),
        Sheet(
            "ecog.csv",
            "ecog",
            "ECOG performance status (0 = fully active ... 4 = bed-bound).",
            (
                Column("id", "the row's number", _f("id")),
                Column("date", "date", _f("date"), date=True),
                Column("score", "ECOG score 0-4", _f("score")),
                Column("notes", "notes", _f("notes")),
            ),
        ),
        Sheet(
            "notes.csv",
            "note",
            "Notes, clinic visits and hospital stays.",
            (
                Column("id", "the note's number", _f("id")),
                Column("date", "date", _f("date"), date=True),
                Column("kind", "note, clinic visit, hospital stay", _f("kind")),
                Column("title", "title", _f("title")),
                Column("text", "text", _f("text")),
            ),
        ),
    )


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, str) and value.startswith(FORMULA_START):
        # A leading = + - @ makes a spreadsheet run the text as a formula.
        return "'" + value
    return value


def _enrich(rows: dict[str, list[dict[str, Any]]], regimen_line: dict[int, int]) -> None:
    regimens = {r["id"]: r for r in rows.get("regimen", [])}
    drugs_of: dict[int, list[str]] = {}
    for d in rows.get("regimendrug", []):
        reg = regimens.get(d["regimen_id"])
        d["_regimen"] = reg["name"] if reg else ""
        drugs_of.setdefault(d["regimen_id"], []).append(_drug_name(d))
    for r in regimens.values():
        r["_drugs"] = "; ".join(drugs_of.get(r["id"], []))
        r["_line"] = regimen_line.get(r["id"], "")
    attributed: dict[int, list[str]] = {}
    for a in rows.get("sideeffectdrug", []):
        attributed.setdefault(a["side_effect_id"], []).append(_drug_name(a))
    for se in rows.get("sideeffect", []):
        se["_drugs"] = "; ".join(attributed.get(se["id"], []))


def build_csv_files(
    rows: dict[str, list[dict[str, Any]]],
    regimen_line: dict[int, int] | None = None,
    *,
    include_meddra: bool = False,
) -> dict[str, str]:
    """File name -> CSV text, README.csv included. ``rows`` as from ``queries.all_rows``."""
    rows = {k: [dict(r) for r in v] for k, v in rows.items()}
    _enrich(rows, regimen_line or {})
    out: dict[str, str] = {}
    readme: list[list[Any]] = [
        ["file", "column", "meaning"],
        ["README.csv", "", f"Treatment Journal export, made {utc_now()}. Entered by the patient."],
        [
            "README.csv",
            "",
            "Dates are ISO (YYYY-MM-DD). A date entered as a year, month or season keeps that "
            "text (2019, 2019-05, 2019-SP; ~ about, < before, > after); its _sort column "
            "gives a day to sort by.",
        ],
        [
            "README.csv",
            "",
            "Codes: RxNorm, ATC, LOINC and UCUM only where confirmed against a published "
            "table; an empty code cell means not confirmed, never 'none'.",
        ],
    ]
    for sheet in sheets(include_meddra):
        readme.append([sheet.file, "", sheet.about])
        header: list[str] = []
        for c in sheet.columns:
            header.append(c.name)
            readme.append([sheet.file, c.name, c.meaning])
            if c.date:
                header.append(f"{c.name}_sort")
                readme.append(
                    [
                        sheet.file,
                        f"{c.name}_sort",
                        f"{c.name} as a day to sort by (middle of a partial date)",
                    ]
                )
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(header)
        for r in rows.get(sheet.table, []):
            line: list[Any] = []
            for c in sheet.columns:
                v = c.get(r)
                line.append(_cell(v))
                if c.date:
                    line.append(sortable(v))
            w.writerow(line)
        out[sheet.file] = buf.getvalue()
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(readme)
    out["README.csv"] = buf.getvalue()
    return out


def zip_csv_files(files: dict[str, str], *, bom: bool = True) -> bytes:
    encoding = "utf-8-sig" if bom else "utf-8"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name in ["README.csv", *sorted(n for n in files if n != "README.csv")]:
            info = zipfile.ZipInfo(f"treatment-journal/{name}", date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, files[name].encode(encoding))
    return buf.getvalue()


def export_csv_zip(store, *, bom: bool = True, include_meddra: bool = False) -> bytes:
    """The whole journal as a zip of CSV files (bytes), read through services."""
    from journal.services import queries

    rows = queries.all_rows(store)
    return zip_csv_files(
        build_csv_files(rows, _regimen_lines(store), include_meddra=include_meddra), bom=bom
    )


def _regimen_lines(store) -> dict[int, int]:
    from journal.domain.summary import build_summary
    from journal.services import queries

    try:
        summary = build_summary(queries.load_history(store))
    except Exception:  # a rule failing on odd data must not stop the person's export
        return {}
    return dict(summary.lines.regimen_line)


def write_csv_zip(store, path: Path | str, *, bom: bool = True) -> Path:
    from journal.store.exchange import write_atomic

    return write_atomic(Path(path), export_csv_zip(store, bom=bom))


def read_zip(data: bytes) -> dict[str, list[list[str]]]:
    """File name -> rows, for tests and for checking an export by eye."""
    out: dict[str, list[list[str]]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            text = z.read(name).decode("utf-8-sig")
            out[name.rsplit("/", 1)[-1]] = list(csv.reader(io.StringIO(text)))
    return out
