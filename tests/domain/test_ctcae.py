import json

import pytest

from journal.domain.ctcae import (
    ASTCT,
    CTCAE_V5,
    CTCAE_V6,
    PATIENT_LABEL,
    CtcaeError,
    crs_grade,
    get_terms,
    icans_grade,
    kva_grade,
    lab_grade,
    lab_grades,
    load_terms,
    side_effect_view,
    side_effect_views,
)
from journal.domain.dates import PartialDate
from journal.domain.records import History, LabRec, SideEffectRec
from journal.resources import resource_path

D = PartialDate.from_iso


def lab(test, value, i=1, date="2024-01-10", **kw):
    return LabRec(i, D(date), test, value, **kw)


def test_catalog_covers_section_5_terms_with_both_versions():
    cat = get_terms()
    for tid in (
        "peripheral_sensory_neuropathy",
        "fatigue",
        "diarrhoea",
        "nausea",
        "constipation",
        "neutrophil_count_decreased",
        "febrile_neutropenia",
        "platelet_count_decreased",
        "anaemia",
        "dysgeusia",
        "rash_maculopapular",
        "hypertension",
        "creatinine_increased",
    ):
        t = cat.term(tid)
        assert CTCAE_V5 in t.versions and CTCAE_V6 in t.versions
        for _, grades in t.versions.values():
            assert all(g.plain and g.text for g in grades.values())
    assert cat.term("platelet_count_decreased").name_in(CTCAE_V6) == "Thrombocytopenia"
    assert 5 not in cat.term("peripheral_sensory_neuropathy").versions[CTCAE_V6][1]
    assert 1 not in cat.term("hypertension").versions[CTCAE_V6][1]


@pytest.mark.parametrize(
    ("words", "term_id"),
    [
        ("tingling", "peripheral_sensory_neuropathy"),
        ("taste", "dysgeusia"),
        ("pins and needles in my feet", "peripheral_sensory_neuropathy"),
        ("Diarrhoea", "diarrhoea"),
        ("skin peeling", "palmar_plantar_erythrodysesthesia"),
        ("blurred vision", "keratopathy"),
        ("blood clot", "thromboembolic_event"),
        ("tired", "fatigue"),
        ("my nails are falling off", "nail_loss"),
        ("hair loss", "alopecia"),
        ("short of breath", "dyspnoea"),
        ("shingles", "herpes_zoster"),
        ("cannot taste food", "dysgeusia"),
        ("ting", "peripheral_sensory_neuropathy"),
    ],
)
def test_search_by_plain_words(words, term_id):
    assert get_terms().search(words)[0].term.id == term_id


def test_identify_by_any_version_name():
    cat = get_terms()
    assert cat.identify("Thrombocytopenia").id == "platelet_count_decreased"
    assert cat.identify("Lung infection").id == cat.identify("pneumonia").id


@pytest.mark.parametrize(
    ("value", "v5", "v6"),
    [(1.7, 1, 0), (1.4, 2, 1), (0.9, 3, 2), (0.4, 4, 3), (0.05, 4, 4), (2.5, 0, 0)],
)
def test_anc_grades_differ_between_v5_and_v6(value, v5, v6):
    rec = lab("anc", value, lln=1.8)
    assert lab_grade(rec, CTCAE_V5).grade == v5
    assert lab_grade(rec, CTCAE_V6).grade == v6


@pytest.mark.parametrize(
    ("value", "v5", "v6"), [(140, 1, 1), (60, 2, 2), (30, 3, 3), (20, 4, 3), (8, 4, 4)]
)
def test_platelet_grades(value, v5, v6):
    rec = lab("platelets", value, lln=150)
    assert (lab_grade(rec, CTCAE_V5).grade, lab_grade(rec, CTCAE_V6).grade) == (v5, v6)


def test_hb_and_uln_based_grades_and_assumed_limits():
    assert lab_grade(lab("hb", 7.5), CTCAE_V5).grade == 3
    g = lab_grade(lab("hb", 9.0), CTCAE_V6)
    assert g.grade == 2 and "reference limit assumed" in g.trace.flags
    assert lab_grade(lab("creatinine", 2.0, uln=1.0)).grade == 2
    assert lab_grade(lab("creatinine", 3.5, uln=1.0)).grade == 3
    assert lab_grade(lab("alt", 130, uln=40)).grade == 2
    assert lab_grade(lab("bilirubin", 1.0, uln=1.2)).grade == 0
    assert lab_grade(lab("calcium", 10.0)) is None
    assert "9 g/dL" in g.trace.explanation and g.trace.records == ("lab:1",)


def test_lab_grades_use_latest_values_as_of():
    h = History(labs=(lab("anc", 0.4, 1, "2024-01-01"), lab("anc", 2.0, 2, "2024-02-01")))
    assert lab_grades(h)[0].grade == 0
    assert lab_grades(h, as_of=D("2024-01-15"))[0].grade == 4


@pytest.mark.parametrize(
    ("kw", "grade"),
    [
        ({"fever": True}, 1),
        ({"fever": True, "hypotension": "no vasopressor"}, 2),
        ({"fever": True, "hypotension": "one vasopressor", "hypoxia": "low-flow oxygen"}, 3),
        ({"fever": True, "hypoxia": "positive pressure"}, 4),
        ({"fever": False}, 0),
        ({"fever": False, "fever_masked": True, "hypoxia": "high-flow oxygen"}, 3),
        ({"fever": True, "death": True}, 5),
    ],
)
def test_astct_crs(kw, grade):
    r = crs_grade(**kw)
    assert r.grade == grade and r.scale == ASTCT


def test_crs_bad_input_message():
    with pytest.raises(ValueError, match="one vasopressor"):
        crs_grade(fever=True, hypotension="pressors")


@pytest.mark.parametrize(
    ("kw", "grade"),
    [
        ({"ice_score": 10}, 0),
        ({"ice_score": 8}, 1),
        ({"ice_score": 5, "consciousness": "awakens spontaneously"}, 2),
        ({"ice_score": 9, "consciousness": "awakens only to touch"}, 3),
        ({"ice_score": 8, "seizure": "resolved rapidly"}, 3),
        ({"ice_score": 0, "consciousness": "unarousable"}, 4),
        ({"ice_score": 9, "motor_weakness": True}, 4),
        ({"ice_score": 9, "raised_icp": "focal oedema"}, 3),
    ],
)
def test_astct_icans(kw, grade):
    assert icans_grade(**kw).grade == grade


@pytest.mark.parametrize(
    ("kw", "grade"),
    [
        ({"cornea": "mild superficial keratopathy"}, 1),
        ({"lines_lost": 2}, 2),
        ({"cornea": "mild superficial keratopathy", "lines_lost": 4}, 3),
        ({"cornea": "corneal epithelial defect"}, 4),
        ({"worse_than_20_200": True}, 4),
        ({}, 0),
    ],
)
def test_kva(kw, grade):
    assert kva_grade(**kw).grade == grade


def test_side_effect_views_label_patient_reported_and_keep_version():
    pr = SideEffectRec(
        1,
        "tingling toes",
        D("2024-01-01"),
        term_id="peripheral_sensory_neuropathy",
        scale=CTCAE_V6,
        grade=1,
        grade_source="patient-reported",
    )
    v = side_effect_view(pr)
    assert v.source_label == PATIENT_LABEL and v.scale == CTCAE_V6 and v.ongoing
    assert v.grade_plain == "Noticeable, but does not get in the way of daily life."
    assert "patient-reported" in v.trace.flags
    cl = SideEffectRec(
        2, "Peripheral sensory neuropathy", D("2023-01-01"), grade=1, resolved=D("2023-06-01")
    )
    v = side_effect_view(cl)
    assert v.term_id == "peripheral_sensory_neuropathy" and v.scale == CTCAE_V5 and not v.ongoing
    assert "found on examination" in v.grade_plain.lower()
    json.dumps(v.to_json())


def test_malformed_file_names_file_and_entry(tmp_path):
    data = json.loads(resource_path("ctcae", "terms.json").read_text())
    data["terms"][2]["versions"]["CTCAE v7"] = data["terms"][2]["versions"]["CTCAE v5.0"]
    bad = tmp_path / "terms.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(CtcaeError, match=r"terms.json: term 3 \(fatigue\): unknown scale"):
        load_terms(bad)
    data = json.loads(resource_path("ctcae", "terms.json").read_text())
    data["terms"].append(dict(data["terms"][0]))
    bad.write_text(json.dumps(data))
    with pytest.raises(CtcaeError, match="duplicate id"):
        load_terms(bad)


def test_patient_provisional_grade():
    from journal.domain.ctcae import patient_provisional_grade

    g = patient_provisional_grade("fatigue", interference="instrumental")
    assert (
        g.grade == 2
        and PATIENT_LABEL in g.trace.explanation
        and "patient-reported" in g.trace.flags
    )
    assert patient_provisional_grade("diarrhoea", extra_stools_per_day=7).grade == 3
    assert patient_provisional_grade("diarrhoea", extra_stools_per_day=2).grade == 1
    assert patient_provisional_grade("peripheral_sensory_neuropathy", hospital=True).grade == 3
    # Dysgeusia has no grade 3: the highest defined grade is kept.
    assert patient_provisional_grade("dysgeusia", interference="self-care").grade == 2
    # Lab-graded terms are never graded from words.
    assert patient_provisional_grade("neutrophil_count_decreased", interference="self-care") is None
    assert patient_provisional_grade("fatigue") is None
    with pytest.raises(ValueError, match="instrumental"):
        patient_provisional_grade("fatigue", interference="a lot")
    assert patient_provisional_grade("febrile_neutropenia", interference="not at all") is None


def test_side_effect_views_match_one_at_a_time():
    # The batch shares what depends on term, scale, grade and grader: records that share
    # those but differ in everything else must still come out as one at a time.
    base = dict(term_id="peripheral_sensory_neuropathy", grade=2)
    records = [
        SideEffectRec(1, "Peripheral sensory neuropathy", D("2023-01-01"), **base),
        SideEffectRec(
            2, "Peripheral sensory neuropathy", D("2023-05-01"), resolved=D("2023-06"), **base
        ),
        SideEffectRec(3, "Peripheral sensory neuropathy", D("2024-02-01"), serious=True, **base),
        SideEffectRec(4, "Peripheral sensory neuropathy", D("2024-02-01"), grade=2),
        SideEffectRec(
            5,
            "Peripheral sensory neuropathy",
            D("2024-02-01"),
            **base,
            grade_source="patient-reported",
        ),
        SideEffectRec(
            6, "tingling", D("2024-02-01"), **base, scale=CTCAE_V6, drugs=("bortezomib",)
        ),
        SideEffectRec(7, "something new", D("2024-03-01"), grade=3, regimen_id=4),
        SideEffectRec(8, "something new", D("2024-03-01")),
    ]
    when = D("2024-01-01").as_date()
    batch = side_effect_views(records + records[:2], as_of=when)
    assert batch == tuple(side_effect_view(r, as_of=when) for r in records + records[:2])
    assert [v.ref for v in batch[:3]] == ["side_effect:1", "side_effect:2", "side_effect:3"]
    assert [v.ongoing for v in batch[:3]] == [True, False, True]
