"""The recognisers on real eligibility texts.

``expected_recognitions.json`` lists, for every fixture text, each criterion a recogniser
understands and the parameters it reads; each entry was checked by hand against the words of
the text (thresholds, counts, units, windows). A change in what is recognised fails here and
must be looked at again. Criteria not in the list are recognised by nothing and must come out
as *to discuss* (tested in test_checklist.py). Below the table, single phrases taken from the
same texts pin down each recogniser's reading.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from trial_helpers import EXCERPTS

from journal.trials.criteria import full_text, split_criteria
from journal.trials.recognisers import (
    RECOGNISERS,
    find_terms,
    parse_age,
    parse_drug_status,
    parse_ecog,
    parse_health,
    parse_labs,
    parse_last_line,
    parse_measurable,
    parse_neuropathy,
    parse_prior_lines,
    parse_transplant,
    parse_untreated,
    parse_washout,
    recognise,
)

EXPECTED = json.loads(
    (Path(__file__).parent / "expected_recognitions.json").read_text(encoding="utf-8")
)


def test_every_fixture_text_is_in_the_table():
    assert sorted(EXPECTED) == sorted(p.name for p in EXCERPTS.glob("*.txt"))
    assert len(EXPECTED) >= 21


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recognised_parameters_of_each_real_text(name):
    ct = split_criteria((EXCERPTS / name).read_text(encoding="utf-8"))
    got = []
    for c in ct.criteria:
        hits = recognise(c.text, full_text(ct, c))
        if hits:
            got.append(
                {"index": c.index, "starts": c.text[:50], "checks": {r.name: p for r, p in hits}}
            )
    assert got == EXPECTED[name]


def test_every_recogniser_fires_on_some_real_text():
    fired = {n for rows in EXPECTED.values() for row in rows for n in row["checks"]}
    # No fixture text with a neuropathy grade limit was found (fixtures/SOURCES.md); that check
    # is pinned down below on a sentence quoted from a registry text in a public repository.
    assert fired == {r.name for r in RECOGNISERS} - {"neuropathy"}


def test_neuropathy_grade():
    # The words of an elranatamab + isatuximab study's exclusion (MGH "ELISA"), as quoted in a
    # public repository file; not a fixture because the file had lost the text's line breaks.
    assert parse_neuropathy("Ongoing Grade ≥2 peripheral sensory or motor neuropathy.") == {
        "min_grade": 2,
        "history": False,
        "ongoing": True,
    }
    assert parse_neuropathy("active POEMS syndrome (polyneuropathy, organomegaly)") is None


# -- single phrases from the fixture texts ------------------------------------------------
@pytest.mark.parametrize(
    "phrase, expected",
    [
        ("Absolute neutrophil count (ANC) ≥ 1,000/µL", {"lab": "anc", "op": ">=", "value": 1.0}),
        (
            "Absolute neutrophil count (ANC) ≥ 1.5×10^9/L without use of growth factors;",
            {"lab": "anc", "op": ">=", "value": 1.5},
        ),
        ("Platelet count ≥ 75,000/µL", {"lab": "platelets", "op": ">=", "value": 75.0}),
        ("Absolute lymphocyte count ≥ 100/µL", {"lab": "lymphocytes", "op": ">=", "value": 0.1}),
        ("Hemoglobin≥ 60 g/L;", {"lab": "hb", "op": ">=", "value": 6.0}),
        ("Hemoglobin > 8g/dL", {"lab": "hb", "op": ">", "value": 8.0}),
        ("Creatinine clearance ≥ 15mL/min;", {"lab": "crcl", "op": ">=", "value": 15.0}),
        (
            "Total Bilirubin of < 2 times the upper limit of normal",
            {"lab": "bilirubin", "op": "<", "uln_times": 2.0},
        ),
        (
            "Aspartate transaminase (AST): ≤ 2.5 x normal upper limit.",
            {"lab": "ast", "op": "<=", "uln_times": 2.5},
        ),
        ("Baseline oxygen saturation > 92% on room air", {"lab": "spo2", "op": ">", "value": 92.0}),
        (
            "Corrected serum calcium ≤ 14mg/dl.",
            {"lab": "calcium", "op": "<=", "value": 14.0, "corrected": True},
        ),
    ],
)
def test_lab_thresholds_in_the_journal_units(phrase, expected):
    (check,) = parse_labs(phrase)["checks"]
    assert check == expected


def test_unit_conversions_agree():
    a = parse_labs("ANC ≥ 1,000/µL")["checks"][0]["value"]
    b = parse_labs("ANC ≥ 1.0 × 10^9/L")["checks"][0]["value"]
    c = parse_labs("ANC ≥ 1000/mm3")["checks"][0]["value"]
    assert a == b == c == 1.0


def test_labs_left_alone_when_they_describe_a_change_or_a_diagnosis():
    assert (
        parse_labs(
            "Evolving change in hemoglobin (eHb) ≥ 0.5 g/dl decrease over a 12 months period OR;"
        )
        is None
    )
    assert (
        parse_labs(
            "Hypercalcemia: serum calcium > 0.25 mmol/L (> 1 mg/dL) higher than the upper limit of normal"
        )
        is None
    )


def test_transfusion_and_growth_factor_windows():
    p = parse_labs(
        "Platelet count ≥ 50×10^9/L without transfusion support within 7 days before the screen;"
    )
    assert p["no_support_days"] == 7
    p = parse_labs(
        "Absolute neutrophil count (ANC) ≥1,000/mm3 (G-CSF not permitted for at least 1 week prior to the first dose of elranatamab)"
    )
    assert p["no_support_days"] == 7


@pytest.mark.parametrize(
    "phrase, expected",
    [
        ("Participants received 1 to 3 prior lines of antimyeloma therapy.", {"min": 1, "max": 3}),
        ("Subject had 2-4 prior anti-myeloma regimens.", {"min": 2, "max": 4}),
        ("Must have received ≥ 2 prior therapies* for multiple myeloma", {"min": 2, "max": None}),
        (
            "Patients who have been previously diagnosed with MM who have received between 1 & 3 prior lines of treatment",
            {"min": 1, "max": 3},
        ),
    ],
)
def test_prior_line_counts(phrase, expected):
    p = parse_prior_lines(phrase)
    assert {k: p[k] for k in ("min", "max")} == expected


def test_prior_lines_including_classes_and_country_specific_counts():
    p = parse_prior_lines(
        "At least 2 prior systemic anti-cancer therapies for relapsed or refractory multiple myeloma, "
        "including an immunomodulatory agent and a proteasome inhibitor"
    )
    assert p["min"] == 2 and p["including"] == ["class:IMiD", "class:PI"]
    p = parse_prior_lines(
        "France specific: participants have failed at least 4 prior lines of anti-myeloma therapies"
    )
    assert p["min"] == 4 and p["country_specific"]
    assert (
        parse_prior_lines(
            "Participants achieved minimal response [MR] or better to at least 1 prior antimyeloma therapy."
        )
        is None
    )


def test_refractoriness_with_the_trials_own_definition():
    p = parse_drug_status(
        "Prior refractoriness to a proteasome inhibitor (bortezomib, carfilzomib, ixazomib), defined as "
        "documented progression within 60 days of a PI-containing regimen"
    )
    assert p["mode"] == "refractory" and p["terms"] == ["class:PI"] and p["window_days"] == 60
    assert "own_definition" not in p  # 60 days is the journal's own window
    p = parse_drug_status(
        "Lenalidomide-refractory MM is defined as progressive disease during therapy, no response (< PR) "
        "to prior lenalidomide-containing therapy, or progression within 60 days"
    )
    assert p["terms"] == ["lenalidomide"] and "partial response" in p["own_definition"]
    assert not p["negated"]


def test_relapsed_or_refractory_disease_is_not_drug_refractoriness():
    assert parse_drug_status("Relapsed or refractory disease as defined below") is None


def test_targets_and_modalities():
    assert find_terms("Previous treatment with an anti-BCMA bispecific T cell engager.") == [
        "target:BCMA/bispecific"
    ]
    assert find_terms("Prior CAR therapy or other genetically modified T cells") == [
        "modality:CAR-T"
    ]
    assert find_terms("triple-class refractory") == ["label:triple_class_refractory"]


@pytest.mark.parametrize(
    "phrase, expected",
    [
        ("ECOG performance status of 0, 1, or 2", {"min": 0, "max": 2}),
        ("ECOG performance status < 2", {"min": 0, "max": 1}),
        ("Eastern Cooperative Oncology Group (ECOG) performance status 0-1", {"min": 0, "max": 1}),
        ("ECOG score was 0-3 at screen;", {"min": 0, "max": 3}),
    ],
)
def test_ecog(phrase, expected):
    assert parse_ecog(phrase) == expected


@pytest.mark.parametrize(
    "phrase, expected",
    [
        (
            "Age 18-75 years old, male or female;",
            {"min": 18, "min_op": ">=", "max": 75, "max_op": "<="},
        ),
        ("Aged ≥18 and </= 75 years", {"min": 18, "min_op": ">=", "max": 75, "max_op": "<="}),
        (
            "> 65 years old and non candidate for autologous stem cell transplant",
            {"min": 65, "min_op": ">"},
        ),
        ("Male or female, 18 years or older.", {"min": 18, "min_op": ">="}),
    ],
)
def test_age(phrase, expected):
    assert parse_age(phrase) == expected


def test_measurable_thresholds_with_units_and_isotypes():
    p = parse_measurable(
        "Secretory MM with measurable levels of monoclonal protein in serum (> 10 g/L of IgG M-protein or "
        "> 5 g/L of IgA M-protein) or urine (≥ 200 mg/ 24hours)"
    )
    assert p["serum"][:2] == [
        {"op": ">", "value": 1.0, "isotype": "IgG"},
        {"op": ">", "value": 0.5, "isotype": "IgA"},
    ]
    assert p["urine"][0] == {"op": ">=", "value": 200.0}
    p = parse_measurable(
        "Serum free light chain (FLC) assay: involved FLC level >=10 mg per deciliter and an abnormal serum free light chain ratio"
    )
    assert p["flc"] == [{"op": ">=", "value": 100.0}] and p["flc_ratio_abnormal"]
    assert parse_measurable("Have measurable disease")["thresholds_stated"] is False
    assert parse_measurable("Serum creatinine ≤ 2 mg / dl.") is None


def test_washouts_counted_back_from_the_study():
    p = parse_washout("Plasmapheresis within 7 days prior to the first dose of study drug")
    assert p == {"what": ["plasmapheresis"], "days": 7, "mode": "within"}
    p = parse_washout(
        "At least 2 weeks from monoclonal antibody therapy prior to CAR T cell therapy."
    )
    assert p == {"what": ["any_mab"], "days": 14, "mode": "at_least"}
    p = parse_washout(
        "Received small molecule or tyrosine kinase inhibitor within two weeks or five half-lives (whichever is longer) prior to the"
    )
    assert p["days"] == 14 and p["half_lives"]


def test_transplant_windows_and_donor_transplants():
    p = parse_transplant(
        "Autologous stem cell transplant within 6 weeks before enrollment or any history of allogenic transplant"
    )
    assert p == {"allo": True, "allo_days": None, "auto_days": 42, "any_sct": False}
    assert parse_transplant("Prior allogeneic SCT.") == {"allo": True, "allo_days": None}


def test_health_history_topics_and_absence():
    p = parse_health(
        "Known Human Immunodeficiency Virus (HIV) infection or active hepatitis A, B, or C"
    )
    assert p["topics"] == ["hiv", "hepatitis_b", "hepatitis_c"] and p["qualified"]
    assert parse_health("Absence of myeloma defining events or amyloidosis") == {
        "topics": ["amyloidosis"],
        "qualified": False,
        "absence": True,
    }


def test_untreated_and_last_line():
    assert parse_untreated("Has not had prior systemic therapy for multiple myeloma;") == {
        "lines": 0
    }
    p = parse_last_line(
        "Documented evidence of PD or failure to achieve a minimal response to the last line of therapy "
        "based on investigator's determination of response by IMWG criteria on or after their last regimen"
    )
    assert p == {"window_days": None, "or_no_response": True}
