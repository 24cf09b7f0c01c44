"""What the screens know about each record kind: fields, labels, list columns.

One :class:`Kind` per table of :mod:`journal.store.models`. The generic editor
and the list tables are built from these declarations, so every record kind
gets the same partial dates, inline messages and accessible names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from journal.domain import vocab
from journal.store import models as m


@dataclass(frozen=True)
class F:
    name: str
    label: str
    kind: str = "text"  # text longtext date enum int float bool yesno regimen ecog
    required: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""
    terms: tuple[str, ...] = ()  # glossary words explained in the tooltip
    minimum: float | None = None
    maximum: float | None = None
    labels: tuple[tuple[str, str], ...] = ()  # enum value -> plainer words shown instead


@dataclass(frozen=True)
class Kind:
    key: str  # ref prefix: "regimen" in "regimen:3"
    table: type
    noun: str
    fields: tuple[F, ...]
    columns: tuple[tuple[str, str], ...]
    title_field: str | None = None
    sort_field: str | None = None
    defaults: dict[str, Any] = field(default_factory=dict)

    def title(self, row: dict) -> str:
        if self.title_field and row.get(self.title_field):
            text = str(row[self.title_field])
            return text if len(text) <= 40 else text[:37] + "..."
        return ""

    def label(self, verb: str, row: dict) -> str:
        t = self.title(row)
        return f"{verb} {self.noun} {t}".strip()


def _e(enum) -> tuple[str, ...]:
    return tuple(v.value for v in enum)


def _question_labels() -> tuple[tuple[str, str], ...]:
    # The same plain wording as the Overview and the summary use for each question.
    from journal.domain.exclusions import QUESTIONS

    return tuple((q.topic.value, q.label) for q in QUESTIONS if q.topic is not None)


ECOG_TEXT = {score: f"{score} - {plain}" for score, (plain, _) in vocab.ECOG_SCALE.items()}

NOTES = F("notes", "Notes", "longtext")

KINDS: dict[str, Kind] = {
    k.key: k
    for k in [
        Kind(
            "person",
            m.Person,
            "personal details",
            (
                F(
                    "display_name",
                    "Name (optional)",
                    help="Only shown on your screen and your own printouts.",
                ),
                F("birth_date", "Date of birth", "date"),
                F("sex", "Sex", "enum", choices=_e(vocab.Sex), required=True),
                F("height_cm", "Height (cm)", "float", minimum=50, maximum=260),
                F("weight_kg", "Weight (kg)", "float", minimum=20, maximum=400),
            ),
            (("display_name", "Name"), ("birth_date", "Born"), ("sex", "Sex")),
            "display_name",
        ),
        Kind(
            "diagnosis",
            m.Diagnosis,
            "diagnosis",
            (
                F("date", "Date of diagnosis", "date"),
                F(
                    "heavy_chain",
                    "Heavy chain (type of antibody)",
                    "enum",
                    choices=_e(vocab.HeavyChain),
                    required=True,
                    help="From the clinic letter, e.g. 'IgG kappa' means heavy chain IgG.",
                ),
                F(
                    "light_chain",
                    "Light chain",
                    "enum",
                    choices=_e(vocab.LightChain),
                    required=True,
                ),
                F(
                    "iss_stage",
                    "ISS stage (as written)",
                    "enum",
                    choices=_e(vocab.Stage),
                    terms=("ISS",),
                ),
                F(
                    "riss_stage",
                    "R-ISS stage (as written)",
                    "enum",
                    choices=_e(vocab.Stage),
                    terms=("R-ISS",),
                ),
                F(
                    "beta2m_mg_l",
                    "Beta-2 microglobulin at diagnosis (mg/L)",
                    "float",
                    minimum=0,
                    terms=("B2M",),
                ),
                F("albumin_g_dl", "Albumin at diagnosis (g/dL)", "float", minimum=0),
                F("ldh_high", "LDH above normal at diagnosis", "bool"),
                F(
                    "creatinine_mg_dl",
                    "Creatinine at diagnosis (mg/dL; umol/L divided by 88.4)",
                    "float",
                    minimum=0,
                    help="A kidney test; staging and some trials ask for it at diagnosis.",
                ),
                F(
                    "ldh_u_l",
                    "LDH at diagnosis (U/L)",
                    "float",
                    minimum=0,
                    help="An enzyme; high LDH at diagnosis counts as high risk.",
                ),
                F(
                    "ldh_uln_u_l",
                    "Upper limit of normal for that LDH (U/L, from the lab report)",
                    "float",
                    minimum=0,
                ),
                F(
                    "bmpc_percent",
                    "Plasma cells in the marrow (%)",
                    "float",
                    minimum=0,
                    maximum=100,
                ),
                NOTES,
            ),
            (
                ("date", "Date"),
                ("heavy_chain", "Heavy chain"),
                ("light_chain", "Light chain"),
                ("iss_stage", "ISS"),
            ),
            "heavy_chain",
            "date",
        ),
        Kind(
            "isotype",
            m.IsotypeObservation,
            "type change",
            (
                F("date", "Date", "date", required=True),
                F(
                    "heavy_chain",
                    "Heavy chain",
                    "enum",
                    choices=_e(vocab.HeavyChain),
                    required=True,
                ),
                F(
                    "light_chain",
                    "Light chain",
                    "enum",
                    choices=_e(vocab.LightChain),
                    required=True,
                ),
                NOTES,
            ),
            (("date", "Date"), ("heavy_chain", "Heavy chain"), ("light_chain", "Light chain")),
            "heavy_chain",
            "date",
        ),
        Kind(
            "feature",
            m.DiseaseFeature,
            "disease feature",
            (
                F("flag", "Feature", "enum", choices=_e(vocab.DiseaseFlag), required=True),
                F("date", "Found on", "date"),
                F("resolved", "Gone since", "date"),
                F("site", "Where in the body"),
                F("size_mm", "Size (mm)", "float", minimum=0),
                NOTES,
            ),
            (("flag", "Feature"), ("date", "Found"), ("resolved", "Gone"), ("site", "Where")),
            "flag",
            "date",
        ),
        Kind(
            "cytogenetic",
            m.CytogeneticResult,
            "genetic test result",
            (
                F("date", "Date", "date"),
                F(
                    "abnormality",
                    "Change found (FISH)",
                    "enum",
                    choices=_e(vocab.Cytogenetic),
                    required=True,
                ),
                F("detail", "Details (for 'other')"),
                F("present", "Present", "bool"),
                F("percent", "Percent of cells", "float", minimum=0, maximum=100),
                F("copy_number", "Copies (for 1q)", "int", minimum=0, maximum=10),
                F("at_relapse", "Tested at relapse", "bool"),
                F("sample", "Sample"),
                NOTES,
            ),
            (("date", "Date"), ("abnormality", "Change"), ("present", "Present")),
            "abnormality",
            "date",
            {"present": True},
        ),
        Kind(
            "regimen",
            m.Regimen,
            "regimen",
            (
                F(
                    "name",
                    "Regimen name",
                    required=True,
                    terms=("regimen",),
                    help="Its short name, e.g. VRd or Dara-Kd.",
                ),
                F("start", "Started", "date", required=True),
                F("end", "Ended (empty = still going)", "date"),
                F(
                    "intent",
                    "Purpose",
                    "enum",
                    choices=_e(vocab.RegimenIntent),
                    terms=("induction", "maintenance"),
                ),
                F("plan", "The plan as written", "longtext"),
                F(
                    "part_of_id",
                    "Part of the plan started with",
                    "regimen",
                    help="For example maintenance that was planned from the start of induction.",
                ),
                F("start_reason", "Why it started", "enum", choices=_e(vocab.ChangeReason)),
                F("end_reason", "Why it ended", "enum", choices=_e(vocab.ChangeReason)),
                F("end_reason_detail", "More about why it ended"),
                F("trial_id", "Clinical trial id (e.g. NCT number)"),
                F("trial_arm", "Trial arm"),
                F("expanded_access", "Expanded access", "bool", terms=("expanded access",)),
                F("cycles", "Cycles given", "int", minimum=0),
                F("cycle_days", "Days per cycle", "int", minimum=1, maximum=365),
                F(
                    "line_override",
                    "Line number (only to correct the computed one)",
                    "int",
                    minimum=1,
                    maximum=40,
                    terms=("line of therapy", "override"),
                ),
                F("line_override_reason", "Why the line number is corrected"),
                NOTES,
            ),
            (
                ("name", "Regimen"),
                ("start", "Started"),
                ("end", "Ended"),
                ("intent", "Purpose"),
                ("end_reason", "Why it ended"),
            ),
            "name",
            "start",
        ),
        Kind(
            "drug",
            m.RegimenDrug,
            "drug",
            (
                F("name", "Drug", required=True),
                F("dose", "Dose", "float", minimum=0),
                F("dose_unit", "Unit"),
                F("route", "Route", "enum", choices=_e(vocab.Route)),
                F("schedule", "Schedule"),
                F("start", "First dose", "date"),
                F("last_dose", "Last dose", "date"),
                F("addition", "Added how", "enum", choices=_e(vocab.AdditionKind), required=True),
                F("role", "Role", "enum", choices=_e(vocab.DrugRole), required=True),
                F("stop_reason", "Why stopped", "enum", choices=_e(vocab.ChangeReason)),
                F("stop_reason_detail", "More about why stopped"),
            ),
            (
                ("name", "Drug"),
                ("dose", "Dose"),
                ("dose_unit", "Unit"),
                ("start", "First dose"),
                ("last_dose", "Last dose"),
            ),
            "name",
            "start",
        ),
        Kind(
            "dose_change",
            m.DoseChange,
            "dose change",
            (
                F("regimen_drug_id", "Drug", "drug", required=True),
                F("date", "Date", "date", required=True),
                F("dose", "New dose", "float", minimum=0),
                F("dose_unit", "Unit"),
                F("schedule", "New schedule"),
                F("reason", "Why"),
                F("held", "Paused (no dose for a while)", "bool"),
            ),
            (
                ("date", "Date"),
                ("regimen_drug_id", "Drug"),
                ("dose", "Dose"),
                ("dose_unit", "Unit"),
                ("held", "Paused"),
            ),
            "reason",
            "date",
        ),
        Kind(
            "procedure",
            m.Procedure,
            "procedure",
            (
                F(
                    "kind",
                    "What was done",
                    "enum",
                    choices=_e(vocab.ProcedureKind),
                    required=True,
                    terms=("ASCT", "CAR-T"),
                ),
                F("date", "Date", "date", required=True),
                F("end", "Until (for several days)", "date"),
                F("regimen_id", "Belongs to regimen", "regimen"),
                F("planned", "Planned from the start of that treatment", "bool"),
                F("planned_tandem", "Planned second (tandem) transplant", "bool"),
                F("conditioning", "Conditioning (e.g. melphalan 200)"),
                F("product", "CAR-T product (e.g. cilta-cel)"),
                F("site", "Site (radiotherapy/surgery)"),
                F("dose_text", "Dose (e.g. 20 Gy in 5 fractions)"),
                F("units", "Units (transfusions)", "float", minimum=0),
                F("reason", "Why"),
                F("trial_id", "Clinical trial id"),
                NOTES,
            ),
            (("date", "Date"), ("kind", "What"), ("product", "Product"), ("regimen_id", "Regimen")),
            "kind",
            "date",
            {"planned": True},
        ),
        Kind(
            "response",
            m.Response,
            "response",
            (
                F("date", "Date", "date", required=True),
                F(
                    "category",
                    "Response",
                    "enum",
                    choices=_e(vocab.ResponseCategory),
                    required=True,
                    terms=("sCR", "CR", "VGPR", "PR", "MR", "SD", "PD"),
                ),
                F("assessor", "Judged by", "enum", choices=_e(vocab.Assessor), required=True),
                F("regimen_id", "During regimen", "regimen"),
                F("mrd_result", "MRD result", "enum", choices=_e(vocab.MRDResult), terms=("MRD",)),
                F("mrd_method", "MRD method", "enum", choices=_e(vocab.MRDMethod)),
                F("mrd_sensitivity", "MRD sensitivity (e.g. 10^-5)"),
                NOTES,
            ),
            (
                ("date", "Date"),
                ("category", "Response"),
                ("assessor", "Judged by"),
                ("regimen_id", "Regimen"),
                ("mrd_result", "MRD"),
            ),
            "category",
            "date",
            {"assessor": "clinician"},
        ),
        Kind(
            "progression",
            m.Progression,
            "progression",
            (
                F(
                    "date",
                    "Date first met (the first test that showed it)",
                    "date",
                    required=True,
                    terms=("progression",),
                ),
                F(
                    "kind",
                    "Kind",
                    "enum",
                    choices=_e(vocab.ProgressionKind),
                    required=True,
                    terms=("progression", "relapse"),
                ),
                F("confirmed", "Confirmed by the doctor", "bool"),
                F(
                    "confirmed_on",
                    "Date confirmed (the second test, if there was one)",
                    "date",
                    help="Doctors confirm a progression with a second test; "
                    "the date first met stays the progression date.",
                ),
                F("regimen_id", "During or after regimen", "regimen"),
                NOTES,
            ),
            (
                ("date", "First met"),
                ("kind", "Kind"),
                ("confirmed", "Confirmed"),
                ("confirmed_on", "Confirmed on"),
                ("regimen_id", "Regimen"),
            ),
            "kind",
            "date",
            {"confirmed": True},
        ),
        Kind(
            "side_effect",
            m.SideEffect,
            "side effect",
            (
                F("term", "Side effect", required=True, terms=("CTCAE",)),
                F("grade", "Grade", "int", minimum=1, maximum=5, terms=("grade",)),
                F(
                    "grade_source",
                    "Who graded it",
                    "enum",
                    choices=_e(vocab.GradeSource),
                    required=True,
                    help="Patient-reported grades are shown as 'to be confirmed' by the care team.",
                ),
                F(
                    "scale",
                    "Grading scale",
                    "enum",
                    choices=_e(vocab.GradingScale),
                    required=True,
                    terms=("CTCAE", "CRS", "ICANS"),
                ),
                F("onset", "Started", "date", required=True),
                F("resolved", "Gone since (empty = still there)", "date"),
                F("serious", "Serious (hospital stay or life-threatening)", "bool"),
                F("action", "What was done", "enum", choices=_e(vocab.AEAction)),
                F(
                    "regimen_id",
                    "Blamed on a whole regimen (not one drug)",
                    "regimen",
                    terms=("regimen",),
                    help="When the doctor blamed the combination rather than one of its drugs.",
                ),
                F("patient_words", "In your own words", "longtext"),
                NOTES,
            ),
            (
                ("term", "Side effect"),
                ("grade", "Grade"),
                ("onset", "Started"),
                ("resolved", "Gone since"),
                ("serious", "Serious"),
            ),
            "term",
            "onset",
            {"grade_source": "clinician", "scale": "CTCAE v5.0"},
        ),
        Kind(
            "lab",
            m.LabResult,
            "blood test result",
            (
                F("date", "Date", "date", required=True),
                F("test", "Test", "labtest", required=True),
                F("value", "Value", "float"),
                F("text_value", "Result (text, e.g. positive)"),
                F("unit", "Unit", "labunit", required=True),
                F("context", "Context", "enum", choices=_e(vocab.LabContext), required=True),
                F("notes", "Notes"),
            ),
            (
                ("date", "Date"),
                ("test", "Test"),
                ("value", "Value"),
                ("text_value", "Result"),
                ("unit", "Unit"),
            ),
            "test",
            "date",
        ),
        Kind(
            "ecog",
            m.Ecog,
            "daily-life score (ECOG)",
            (
                F("date", "Date", "date", required=True),
                F(
                    "score",
                    "How much does the illness limit daily life?",
                    "ecog",
                    required=True,
                    terms=("ECOG",),
                ),
                F("notes", "Notes"),
            ),
            (("date", "Date"), ("score", "ECOG score")),
            None,
            "date",
        ),
        Kind(
            "supportive",
            m.SupportiveCare,
            "supportive medicine",
            (
                F("name", "Medicine", required=True),
                F("purpose", "What it is for"),
                F("dose", "Dose and schedule"),
                F("start", "Started", "date"),
                F("end", "Stopped (empty = still taking)", "date"),
                F("notes", "Notes"),
            ),
            (("name", "Medicine"), ("purpose", "For"), ("start", "Started"), ("end", "Stopped")),
            "name",
            "start",
        ),
        Kind(
            "mrd",
            m.MrdResult,
            "MRD test",
            (
                F("date", "Date of the sample", "date", required=True),
                F(
                    "result",
                    "Result",
                    "enum",
                    choices=_e(vocab.MRDOutcome),
                    required=True,
                    terms=("MRD",),
                    help="Negative: no myeloma cells found at the test's sensitivity.",
                ),
                F(
                    "method",
                    "How it was tested (method)",
                    "enum",
                    choices=_e(vocab.MRDMethod),
                    help="Sequencing (NGS, e.g. clonoSEQ) or flow cytometry (NGF).",
                ),
                F(
                    "sensitivity",
                    "How fine the test is (sensitivity)",
                    "enum",
                    choices=_e(vocab.MRDSensitivity),
                    help="10^-5 finds 1 myeloma cell in 100,000; 10^-6 one in a million.",
                ),
                F("sample", "Sample", "enum", choices=_e(vocab.MRDSample)),
                F("regimen_id", "After or during regimen", "regimen"),
                NOTES,
            ),
            (
                ("date", "Date"),
                ("result", "Result"),
                ("sensitivity", "Sensitivity"),
                ("method", "Method"),
                ("sample", "Sample"),
            ),
            "result",
            "date",
        ),
        Kind(
            "health",
            m.HealthHistory,
            "health history answer",
            (
                F(
                    "topic",
                    "Question (what trial teams ask about)",
                    "enum",
                    choices=_e(vocab.HealthTopic),
                    required=True,
                    labels=_question_labels(),
                    help="One answer per question. A question with no answer shows as "
                    "'not recorded' on the summary, which is not the same as 'no'.",
                ),
                F(
                    "answer",
                    "Answer",
                    "enum",
                    choices=_e(vocab.HealthAnswer),
                    required=True,
                    help="'no' means it was checked or asked and is not the case.",
                ),
                F(
                    "date",
                    "When it began or was found (for 'no': when it was checked)",
                    "date",
                    terms=("partial date",),
                ),
                F("resolved", "When it ended (empty = still there or not known)", "date"),
                F(
                    "detail",
                    "Details (which cancer, which disease, which medicine, test result...)",
                ),
                F("treated", "Was it treated?", "yesno"),
                NOTES,
            ),
            (
                ("topic", "Question"),
                ("answer", "Answer"),
                ("date", "When"),
                ("detail", "Details"),
                ("resolved", "Ended"),
            ),
            "topic",
            "date",
            {"answer": "yes"},
        ),
        Kind(
            "note",
            m.Note,
            "note",
            (
                F("date", "Date", "date", required=True),
                F("kind", "Kind", "enum", choices=_e(vocab.NoteKind), required=True),
                F("title", "Title"),
                F("text", "Text", "longtext"),
                F("include_in_summary", "Include in the summary for the trial team", "bool"),
            ),
            (("date", "Date"), ("kind", "Kind"), ("title", "Title")),
            "title",
            "date",
            {"kind": "note"},
        ),
        Kind(
            "question",
            m.Question,
            "question",
            (
                F("text", "Question for the next visit", required=True),
                F("created", "Written on", "date", required=True),
                F("asked_on", "Asked on (empty = still open)", "date"),
                F("answer", "Answer", "longtext"),
            ),
            (("created", "Written"), ("text", "Question"), ("asked_on", "Asked on")),
            "text",
            "created",
        ),
        Kind(
            "override",
            m.Override,
            "correction",
            (
                F("rule", "What is corrected", required=True),
                F("subject", "About", required=True),
                F("value", "Correct value", required=True),
                F("reason", "Why (needed)", required=True),
            ),
            (("rule", "What"), ("subject", "About"), ("value", "Correct value"), ("reason", "Why")),
            "subject",
            "created_at",
        ),
    ]
}

BY_TABLE: dict[type, Kind] = {k.table: k for k in KINDS.values()}


# Refs written by the rules that name a kind differently.
REF_ALIASES = {
    "cytogenetics": "cytogenetic",
    "regimendrug": "drug",
    "regimen_drug": "drug",
    "sideeffect": "side_effect",
    "isotypes": "isotype",
    "features": "feature",
    "mrdresult": "mrd",
    "healthhistory": "health",
}


def parse_ref(ref: str) -> tuple[Kind, int] | None:
    key, _, num = (ref or "").partition(":")
    key = REF_ALIASES.get(key, key)
    if key not in KINDS or not num.isdigit():
        return None
    return KINDS[key], int(num)
