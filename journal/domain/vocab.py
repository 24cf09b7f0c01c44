"""The controlled vocabularies shared by the record, the rules and the screens.

Values are stable strings: they are stored in the journal file and the
exchange format, so renaming one needs a migration.
"""

from __future__ import annotations

from enum import StrEnum


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class HeavyChain(StrEnum):
    IGG = "IgG"
    IGA = "IgA"
    IGD = "IgD"
    IGE = "IgE"
    IGM = "IgM"
    LIGHT_CHAIN_ONLY = "light-chain only"
    NON_SECRETORY = "non-secretory"
    BICLONAL = "biclonal"
    UNKNOWN = "unknown"


class LightChain(StrEnum):
    KAPPA = "kappa"
    LAMBDA = "lambda"
    UNKNOWN = "unknown"


class DiseaseFlag(StrEnum):
    EXTRAMEDULLARY = "extramedullary disease"
    PLASMA_CELL_LEUKAEMIA = "plasma cell leukaemia"
    AMYLOIDOSIS = "AL amyloidosis"
    POEMS = "POEMS"
    CNS = "CNS involvement"


class Cytogenetic(StrEnum):
    DEL17P = "del(17p)"
    TP53_MUTATION = "TP53 mutation"
    T4_14 = "t(4;14)"
    T14_16 = "t(14;16)"
    T14_20 = "t(14;20)"
    T11_14 = "t(11;14)"
    GAIN_1Q = "1q gain/amp"
    DEL1P32 = "del(1p32)"
    HYPERDIPLOIDY = "hyperdiploidy"
    OTHER = "other"


class Stage(StrEnum):
    I = "I"  # noqa: E741 - the stage is called I
    II = "II"
    III = "III"
    IV = "IV"
    UNKNOWN = "unknown"


class RegimenIntent(StrEnum):
    INDUCTION = "induction"
    CONSOLIDATION = "consolidation"
    MAINTENANCE = "maintenance"
    CONDITIONING = "conditioning"
    MOBILISATION = "mobilisation"
    BRIDGING = "bridging"
    LYMPHODEPLETION = "lymphodepletion"
    SALVAGE = "salvage"
    CONTINUOUS = "continuous (until progression)"
    FIXED_DURATION = "fixed duration"
    PALLIATIVE = "palliative"
    OTHER = "other"


class ChangeReason(StrEnum):
    """Why a regimen or drug started, changed or stopped."""

    PLANNED = "planned"
    PLAN_COMPLETED = "plan completed"
    PROGRESSION = "progression"
    INADEQUATE_RESPONSE = "inadequate response"
    TOXICITY = "side effects (toxicity)"
    PATIENT_CHOICE = "patient choice"
    ACCESS = "access or insurance"
    TRIAL = "clinical trial"
    NEW_DIAGNOSIS = "new diagnosis"
    RELAPSE = "relapse"
    OTHER = "other"
    UNKNOWN = "unknown"


class DrugRole(StrEnum):
    ANTI_MYELOMA = "anti-myeloma"
    PREMEDICATION = "premedication"
    SUPPORTIVE = "supportive"
    CONDITIONING = "conditioning"
    LYMPHODEPLETION = "lymphodepletion"
    MOBILISATION = "mobilisation"


class Route(StrEnum):
    ORAL = "oral"
    IV = "IV"
    SC = "SC"
    IM = "IM"
    OTHER = "other"
    UNKNOWN = "unknown"


class AdditionKind(StrEnum):
    """For a drug that joined a regimen after it started."""

    ORIGINAL = "part of the original plan"
    PLANNED_ADDITION = "planned addition"
    UNPLANNED_ADDITION = "unplanned addition"
    UNPLANNED_SUBSTITUTION = "unplanned substitution"


class ProcedureKind(StrEnum):
    AUTO_SCT = "autologous stem-cell transplant"
    ALLO_SCT = "allogeneic stem-cell transplant"
    CAR_T = "CAR-T infusion"
    LEUKAPHERESIS = "leukapheresis (T-cell collection)"
    STEM_CELL_COLLECTION = "stem-cell collection"
    RADIOTHERAPY = "radiotherapy"
    PLASMAPHERESIS = "plasmapheresis"
    TRANSFUSION_RBC = "red-cell transfusion"
    TRANSFUSION_PLATELETS = "platelet transfusion"
    SURGERY = "surgery"
    KYPHOPLASTY = "kyphoplasty / vertebroplasty"
    OTHER = "other"


class ResponseCategory(StrEnum):
    """IMWG 2016 categories, best first."""

    SCR = "sCR"
    CR = "CR"
    VGPR = "VGPR"
    PR = "PR"
    MR = "MR"
    SD = "SD"
    PD = "PD"
    NE = "not evaluable"


RESPONSE_ORDER = [
    ResponseCategory.SCR,
    ResponseCategory.CR,
    ResponseCategory.VGPR,
    ResponseCategory.PR,
    ResponseCategory.MR,
    ResponseCategory.SD,
    ResponseCategory.PD,
]


#: Rank by value (a member hashes as its text): asked in the rules' inner loops, where
#: building the enum member from the text each time was slow.
_RANK = {c.value: i for i, c in enumerate(RESPONSE_ORDER)}


def response_rank(cat: ResponseCategory | str | None) -> int:
    """0 = sCR (best) .. 6 = PD; not evaluable / unknown ranks last."""
    if cat is None:
        return len(RESPONSE_ORDER)
    try:
        return _RANK.get(cat, len(RESPONSE_ORDER))
    except TypeError:  # not a category at all
        return len(RESPONSE_ORDER)


class Assessor(StrEnum):
    CLINICIAN = "clinician"
    PATIENT = "patient"
    COMPUTED = "computed"


class MRDResult(StrEnum):
    NEGATIVE = "negative"
    POSITIVE = "positive"
    NOT_DONE = "not done"


class MRDMethod(StrEnum):
    NGF = "next-generation flow"
    NGS = "next-generation sequencing"
    FLOW = "flow cytometry (other)"
    PET_CT = "PET/CT"
    OTHER = "other"


class ProgressionKind(StrEnum):
    BIOCHEMICAL = "biochemical"
    CLINICAL = "clinical"
    RELAPSE_FROM_CR = "relapse from CR"
    UNKNOWN = "unknown"


class GradeSource(StrEnum):
    CLINICIAN = "clinician"
    PATIENT = "patient-reported"
    COMPUTED = "computed from labs"


class GradingScale(StrEnum):
    CTCAE_V5 = "CTCAE v5.0"
    CTCAE_V6 = "CTCAE v6.0"
    ASTCT = "ASTCT 2019"
    KVA = "KVA"


class AEAction(StrEnum):
    NONE = "none"
    DOSE_REDUCED = "dose reduced"
    DOSE_HELD = "dose held"
    DRUG_STOPPED = "drug stopped"
    TREATED = "treated"
    HOSPITALISED = "hospitalised"
    OTHER = "other"


class LabContext(StrEnum):
    NONE = "none"
    TRANSFUSION_SUPPORTED = "transfusion-supported"
    GCSF_SUPPORTED = "G-CSF-supported"
    DURING_INFECTION = "during infection"
    OTHER = "other"


class NoteKind(StrEnum):
    NOTE = "note"
    VISIT = "clinic visit"
    HOSPITAL_STAY = "hospital stay"
    QUESTION = "question for next visit"


class HealthTopic(StrEnum):
    """Health history trial screeners ask about besides the myeloma treatment.

    The stored value is the plain name; the medical term follows in brackets where
    the plain words alone would not be found in a trial text. The last five repeat
    :class:`DiseaseFlag` so that a checked "no" can be recorded for them too.
    """

    OTHER_CANCER = "another cancer"
    HEART_ATTACK = "heart attack (myocardial infarction)"
    HEART_FAILURE = "heart failure"
    ARRHYTHMIA = "irregular heartbeat (arrhythmia)"
    DVT_PE = "blood clot in a vein or the lungs (DVT / PE)"
    ANTICOAGULATION = "blood thinner (anticoagulation)"
    AUTOIMMUNE = "autoimmune disease"
    HIV = "HIV"
    HEPATITIS_B = "hepatitis B"
    HEPATITIS_C = "hepatitis C"
    ACTIVE_INFECTION = "infection needing treatment now"
    EYE = "eye or cornea problem"
    ALLO_TRANSPLANT = "transplant from a donor (allogeneic)"
    GVHD = "graft-versus-host disease (GVHD)"
    CNS = "CNS involvement"
    PLASMA_CELL_LEUKAEMIA = "plasma cell leukaemia"
    AMYLOIDOSIS = "AL amyloidosis"
    POEMS = "POEMS"
    EXTRAMEDULLARY = "extramedullary disease"


class HealthAnswer(StrEnum):
    YES = "yes"
    NO = "no"


class MRDSensitivity(StrEnum):
    E4 = "10^-4"
    E5 = "10^-5"
    E6 = "10^-6"


class MRDSample(StrEnum):
    BONE_MARROW = "bone marrow"
    BLOOD = "blood"
    IMAGING = "imaging (PET/CT)"
    OTHER = "other"


class MRDOutcome(StrEnum):
    NEGATIVE = "negative"
    POSITIVE = "positive"


#: The ECOG performance status (Oken et al., Am J Clin Oncol 1982), once for the whole
#: app: score -> (the person's words, the screener's words). Editors and the Overview
#: show the first, the printed summary the second.
ECOG_SCALE: dict[int, tuple[str, str]] = {
    0: ("Fully active, no restrictions", "fully active"),
    1: (
        "Can't do heavy work, but can walk and do light work (house or office)",
        "restricted in strenuous activity, can do light work",
    ),
    2: (
        "Up and about more than half the day; can look after myself but cannot work",
        "can look after self, not able to work; up more than half the day",
    ),
    3: (
        "In bed or a chair more than half the day; limited self-care",
        "limited self-care; in bed or chair more than half the day",
    ),
    4: ("In bed or a chair all day; cannot look after myself", "completely disabled"),
}
