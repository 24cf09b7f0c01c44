"""Laboratory tests the rules understand, their canonical units and conversions.

Every value is converted to the test's canonical unit before a rule sees it, so
"FLC 1,200 mg/L" and "FLC 120 mg/dL" give identical answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LabTest:
    code: str
    name: str
    plain: str  # one sentence a patient understands
    unit: str  # canonical unit
    units: dict[str, float] = field(default_factory=dict)  # unit -> factor to canonical
    qualitative: tuple[str, ...] = ()  # allowed text results, e.g. positive/negative
    disease_marker: bool = False

    def to_canonical(self, value: float, unit: str) -> float:
        try:
            return value * self.units[unit]
        except KeyError:
            raise UnitError(self, unit) from None


class UnitError(ValueError):
    def __init__(self, test: LabTest, unit: str):
        allowed = ", ".join(test.units)
        super().__init__(f"{test.name}: unit {unit!r} is not known; use one of {allowed}")
        self.test = test
        self.unit = unit


_POSNEG = ("positive", "negative", "equivocal")
_DETECTED = ("detected", "not detected")


def _t(code, name, plain, unit, units=None, qualitative=(), marker=False) -> LabTest:
    return LabTest(code, name, plain, unit, {unit: 1.0, **(units or {})}, qualitative, marker)


LAB_TESTS: dict[str, LabTest] = {
    t.code: t
    for t in [
        _t(
            "m_protein",
            "Serum M-protein (SPEP M-spike)",
            "The amount of the abnormal myeloma protein in the blood.",
            "g/dL",
            {"g/L": 0.1, "mg/dL": 0.001},
            marker=True,
        ),
        _t(
            "serum_ife",
            "Serum immunofixation",
            "A sensitive test that shows whether any myeloma protein is left in the blood.",
            "result",
            qualitative=_POSNEG,
            marker=True,
        ),
        _t(
            "urine_m_protein",
            "Urine M-protein (24-hour UPEP)",
            "The amount of myeloma protein passed in the urine over 24 hours.",
            "mg/24h",
            {"g/24h": 1000.0},
            marker=True,
        ),
        _t(
            "urine_ife",
            "Urine immunofixation",
            "A sensitive test that shows whether any myeloma protein is left in the urine.",
            "result",
            qualitative=_POSNEG,
            marker=True,
        ),
        _t(
            "flc_kappa",
            "Free light chain kappa",
            "One of the two kinds of free light chain; myeloma cells may make too much.",
            "mg/L",
            {"mg/dL": 10.0},
            marker=True,
        ),
        _t(
            "flc_lambda",
            "Free light chain lambda",
            "One of the two kinds of free light chain; myeloma cells may make too much.",
            "mg/L",
            {"mg/dL": 10.0},
            marker=True,
        ),
        _t(
            "flc_ratio",
            "Kappa/lambda ratio",
            "Kappa divided by lambda; normal is about 0.26 to 1.65.",
            "ratio",
            marker=True,
        ),
        _t(
            "bmpc",
            "Bone-marrow plasma cells",
            "The share of cells in the bone marrow that are plasma cells.",
            "%",
            marker=True,
        ),
        _t(
            "bm_clonality",
            "Marrow plasma-cell clonality (IHC)",
            "Whether the plasma cells left in the marrow are all the myeloma kind (clonal) "
            "or a normal mix (polyclonal); needed for stringent complete response.",
            "result",
            qualitative=("clonal", "polyclonal"),
            marker=True,
        ),
        _t("circulating_pc", "Circulating plasma cells", "Plasma cells found in the blood.", "%"),
        _t(
            "hb",
            "Haemoglobin",
            "Carries oxygen in the blood; low means anaemia.",
            "g/dL",
            {"g/L": 0.1, "mmol/L": 1.611},
        ),
        _t(
            "platelets",
            "Platelets",
            "Cells that help blood clot.",
            "10^9/L",
            {"10^3/uL": 1.0, "/uL": 0.001},
        ),
        _t(
            "anc",
            "Neutrophils (ANC)",
            "White cells that fight bacterial infection.",
            "10^9/L",
            {"10^3/uL": 1.0, "/uL": 0.001},
        ),
        _t(
            "wbc",
            "White cells",
            "All the infection-fighting cells in the blood.",
            "10^9/L",
            {"10^3/uL": 1.0, "/uL": 0.001},
        ),
        _t(
            "lymphocytes",
            "Lymphocytes (absolute count, ALC)",
            "White cells of the immune system; CAR-T and bispecific trials ask for a minimum.",
            "10^9/L",
            {"10^3/uL": 1.0, "/uL": 0.001},
        ),
        _t(
            "creatinine",
            "Creatinine",
            "A waste product; high means the kidneys work less well.",
            "mg/dL",
            {"umol/L": 1 / 88.42},
        ),
        _t("egfr", "eGFR", "Estimated kidney filtering rate.", "mL/min/1.73m2"),
        _t(
            "calcium",
            "Calcium",
            "Bone mineral in the blood; myeloma can raise it.",
            "mg/dL",
            {"mmol/L": 4.008},
        ),
        _t("albumin", "Albumin", "The main protein made by the liver.", "g/dL", {"g/L": 0.1}),
        _t(
            "b2m",
            "Beta-2 microglobulin",
            "A protein that reflects how much myeloma there is.",
            "mg/L",
            {"ug/mL": 1.0, "nmol/L": 1 / 84.7},
        ),
        _t("ldh", "LDH", "An enzyme; high can mean fast-growing disease.", "U/L"),
        _t(
            "bilirubin",
            "Bilirubin (total)",
            "A yellow waste product the liver clears; high can mean the liver works less well.",
            "mg/dL",
            {"umol/L": 1 / 17.1},
        ),
        _t("alt", "ALT", "A liver enzyme; high can mean liver strain.", "U/L"),
        _t("ast", "AST", "A liver enzyme; high can mean liver strain.", "U/L"),
        _t(
            "inr",
            "INR (clotting time)",
            "How long the blood takes to clot compared with normal; blood thinners raise it.",
            "ratio",
        ),
        _t(
            "aptt",
            "aPTT (clotting time)",
            "Another clotting-time test, in seconds; heparin raises it.",
            "s",
        ),
        _t(
            "spo2",
            "Oxygen saturation (SpO2)",
            "How full of oxygen the blood is, from a finger clip; normal is about 95 to 100 %.",
            "%",
        ),
        _t(
            "hiv",
            "HIV test (antibody/antigen)",
            "Shows whether there is an HIV infection.",
            "result",
            qualitative=_POSNEG,
        ),
        _t(
            "hbsag",
            "Hepatitis B surface antigen (HBsAg)",
            "Positive means a hepatitis B infection now.",
            "result",
            qualitative=_POSNEG,
        ),
        _t(
            "anti_hbc",
            "Hepatitis B core antibody (anti-HBc)",
            "Positive means a hepatitis B infection at some time, perhaps long ago.",
            "result",
            qualitative=_POSNEG,
        ),
        _t(
            "hbv_dna",
            "Hepatitis B virus DNA",
            "Whether the hepatitis B virus itself is found in the blood.",
            "result",
            qualitative=_DETECTED,
        ),
        _t(
            "anti_hcv",
            "Hepatitis C antibody (anti-HCV)",
            "Positive means a hepatitis C infection at some time.",
            "result",
            qualitative=_POSNEG,
        ),
        _t(
            "hcv_rna",
            "Hepatitis C virus RNA",
            "Whether the hepatitis C virus itself is found in the blood.",
            "result",
            qualitative=_DETECTED,
        ),
        _t(
            "igg",
            "Immunoglobulin G",
            "Normal antibodies (and IgG myeloma protein).",
            "g/L",
            {"mg/dL": 0.01},
        ),
        _t(
            "iga",
            "Immunoglobulin A",
            "Normal antibodies (and IgA myeloma protein).",
            "g/L",
            {"mg/dL": 0.01},
        ),
        _t("igm", "Immunoglobulin M", "Normal antibodies.", "g/L", {"mg/dL": 0.01}),
        _t("weight", "Weight", "Body weight.", "kg", {"lb": 0.45359237}),
        _t("lvef", "Heart pumping (LVEF)", "How well the heart pumps, from an echo.", "%"),
    ]
}

KNOWN_UNITS: frozenset[str] = frozenset(u for t in LAB_TESTS.values() for u in t.units)


def lab_test(code: str) -> LabTest:
    try:
        return LAB_TESTS[code]
    except KeyError:
        raise ValueError(f"unknown lab test {code!r}") from None


def to_canonical(code: str, value: float, unit: str) -> float:
    return lab_test(code).to_canonical(value, unit)
