import pytest

from journal.domain.dates import PartialDate
from journal.domain.records import CytogeneticRec, DiagnosisRec, History, LabRec, PersonRec
from journal.domain.staging import (
    compute_staging,
    corrected_calcium,
    creatinine_clearance,
    ims_high_risk,
    iss,
    r2iss,
    riss,
)


def D(s):
    return PartialDate.from_iso(s)


def cg(name, present=True, **kw):
    return CytogeneticRec(name, present, ref=f"cyto:{name}", **kw)


@pytest.mark.parametrize(
    ("b2m", "alb", "stage"),
    [
        (3.0, 3.6, "I"),
        (3.4, 3.4, "II"),
        (4.0, 4.0, "II"),
        (5.5, 4.0, "III"),
        (7.0, None, "III"),
        (3.0, None, None),
    ],
)
def test_iss(b2m, alb, stage):
    assert iss(b2m, alb).stage == stage


def test_riss():
    std = [cg("del(17p)", False), cg("t(4;14)", False)]
    assert riss("I", std, False).stage == "I"
    assert riss("I", std, True).stage == "II"
    assert riss("III", [cg("t(4;14)")], False).stage == "III"
    assert riss("III", std, True).stage == "III"
    assert riss("III", std, False).stage == "II"
    assert riss("II", [], None).stage == "II"
    r = riss("I", [], False)
    assert r.stage is None and "I or II" in r.trace.explanation


def test_r2iss_points_and_unconfirmed():
    r = r2iss("III", [cg("del(17p)"), cg("t(4;14)", False), cg("1q gain/amp")], True)
    assert r.score == 4.0 and r.stage == "IV" and r.trace.unconfirmed
    r = r2iss("I", [cg("del(17p)", False), cg("t(4;14)", False), cg("1q gain/amp", False)], False)
    assert r.stage == "I" and r.score == 0
    r = r2iss("II", [cg("del(17p)", False), cg("t(4;14)", False), cg("1q gain/amp", False)], False)
    assert r.stage == "II"
    # Missing LDH: score 1.5..2.5 -> stage III either way
    r = r2iss("III", [cg("del(17p)", False), cg("t(4;14)", False), cg("1q gain/amp", False)], None)
    assert r.stage == "III" and "high LDH" in r.trace.explanation
    # Missing everything: cannot fix
    assert r2iss(None, [], None).stage is None


def test_ims_2025_items_and_list():
    hr = ims_high_risk([cg("del(17p)", percent=25.0), cg("t(11;14)")], None, None)
    assert hr.high_risk and hr.items == ("del(17p) in ≥ 20% of cells",)
    assert any(a.startswith("t(11;14)") for a in hr.abnormalities)
    assert not ims_high_risk([cg("del(17p)", percent=10.0)], None, None).high_risk
    hr = ims_high_risk([cg("t(4;14)"), cg("1q gain/amp", copy_number=4)], None, None)
    assert hr.items == ("t(4;14) together with 1q gain/amp",)
    assert "4 copies (amplification)" in hr.abnormalities[1]
    assert not ims_high_risk([cg("t(4;14)"), cg("1q gain/amp", False)], None, None).high_risk
    assert ims_high_risk([cg("del(1p32)", biallelic=True)], None, None).items == (
        "biallelic del(1p32)",
    )
    assert ims_high_risk([cg("del(1p32)"), cg("1q gain/amp")], None, None).items == (
        "monoallelic del(1p32) with 1q gain/amp",
    )
    assert ims_high_risk([cg("TP53 mutation")], None, None).high_risk
    hr = ims_high_risk([cg("t(4;14)", False)], 6.0, 1.0)
    assert hr.high_risk and "normal creatinine" in hr.items[0]
    assert not ims_high_risk([cg("t(4;14)", False)], 6.0, 1.5).high_risk
    assert ims_high_risk([], None, None).high_risk is None
    hr = ims_high_risk([cg("del(17p)")], None, None)
    assert hr.high_risk and "del(17p) percentage unknown" in hr.trace.flags


def test_formulas():
    assert creatinine_clearance(70, 72, "male", 1.0) == pytest.approx(70.0)
    assert creatinine_clearance(70, 72, "female", 1.0) == pytest.approx(59.5)
    assert corrected_calcium(10.0, 3.0) == pytest.approx(10.8)


def _lab(i, date, test, value, **kw):
    return LabRec(i, D(date), test, value, **kw)


def test_compute_staging_keeps_diagnosis_apart_from_now():
    h = History(
        person=PersonRec(birth_date=D("1955-06-01"), sex="female", weight_kg=80),
        diagnosis=DiagnosisRec(date=D("2019-03-01"), iss_stage="II", ldh_high=False),
        cytogenetics=(
            cg("del(17p)", False, date=D("2019-03-10")),
            cg("t(4;14)", False, date=D("2019-03-10")),
            cg("1q gain/amp", True, date=D("2019-03-10"), copy_number=3),
            cg("del(17p)", True, date=D("2023-05-01"), at_relapse=True, percent=40.0),
        ),
        labs=(
            _lab(1, "2019-02-20", "b2m", 3.0),
            _lab(2, "2019-02-20", "albumin", 3.8),
            _lab(3, "2024-01-10", "b2m", 6.0),
            _lab(4, "2024-01-10", "albumin", 3.0),
            _lab(5, "2024-01-10", "creatinine", 1.0),
            _lab(6, "2024-01-05", "weight", 70.0),
            _lab(7, "2024-01-10", "calcium", 10.0),
        ),
    )
    s = compute_staging(h, as_of=D("2024-02-01"))
    assert s.at_diagnosis["ISS"].stage == "I"
    assert "clinic letter says ISS II" in s.at_diagnosis["ISS"].trace.explanation
    assert s.at_diagnosis["R-ISS"].stage == "I"
    assert s.at_diagnosis["R2-ISS"].stage == "II"  # 1q gain 0.5
    assert s.current_iss.stage == "III" and "not validated at relapse" in s.current_iss.trace.flags
    assert s.high_risk.high_risk  # del(17p) 40% at relapse
    assert s.high_risk_at_relapse.high_risk
    crcl = s.creatinine_clearance
    # age 68 (completed years) at the creatinine date; weight from the dated lab, not the profile
    assert crcl.value == pytest.approx((140 - 68) * 70 / 72 * 0.85)
    assert "70 kg on 5 Jan 2024" in crcl.trace.explanation and "lab:5" in crcl.trace.records
    assert s.corrected_calcium.value == pytest.approx(10.8)
    assert s.corrected_calcium.trace.records == ("lab:7", "lab:4")
    # As of 2020 the later labs and the relapse FISH are not used.
    s0 = compute_staging(h, as_of=D("2020-01-01"))
    assert s0.current_iss.stage == "I" and not s0.high_risk.high_risk


def test_crcl_unknown_sex_gives_range_and_missing_values_explained():
    h = History(
        person=PersonRec(birth_date=D("1950-01-01"), weight_kg=70),
        labs=(_lab(1, "2024-01-10", "creatinine", 1.2),),
    )
    c = compute_staging(h, as_of=D("2024-02-01")).creatinine_clearance
    assert c.low_high[0] < c.low_high[1] and c.value == c.low_high[0]
    assert "sex unknown" in c.trace.flags
    c = compute_staging(History(), as_of=D("2024-02-01")).creatinine_clearance
    assert c.value is None and "date of birth" in c.trace.explanation
    ca = compute_staging(
        History(labs=(_lab(1, "2024-01-10", "calcium", 10.0),)), as_of=D("2024-02-01")
    )
    assert (
        ca.corrected_calcium.value is None and "albumin" in ca.corrected_calcium.trace.explanation
    )


def test_diagnosis_values_must_predate_treatment():
    from journal.domain.records import RegimenRec

    h = History(
        diagnosis=DiagnosisRec(date=D("2019-03-01")),
        regimens=(RegimenRec(1, "VRd", D("2019-03-10")),),
        labs=(
            _lab(1, "2019-03-05", "b2m", 6.0),
            _lab(2, "2019-03-05", "albumin", 3.0),
            _lab(3, "2019-04-01", "b2m", 2.0),  # after treatment began: not diagnosis-time
            _lab(4, "2019-04-01", "albumin", 4.0),
        ),
    )
    s = compute_staging(h, as_of=D("2019-05-01"))
    assert s.at_diagnosis["ISS"].stage == "III"
    assert s.at_diagnosis["ISS"].trace.records == ("diagnosis:1", "lab:1", "lab:2")


def test_staging_overrides():
    from journal.domain.records import OverrideRec

    h = History(
        diagnosis=DiagnosisRec(date=D("2019-03-01"), beta2m_mg_l=3.0, albumin_g_dl=4.0),
        cytogenetics=(cg("t(11;14)"),),
        overrides=(
            OverrideRec(1, "staging", "ISS", "II", "letter"),
            OverrideRec(2, "staging", "high_risk", "yes", "new FISH at another lab"),
        ),
    )
    s = compute_staging(h, as_of=D("2020-01-01"))
    iss_ = s.at_diagnosis["ISS"]
    assert iss_.stage == "II" and iss_.trace.overridden_by == "override:1"
    assert iss_.to_json()["overridden"] is True and "stage I" in iss_.trace.explanation
    assert s.high_risk.high_risk is True and s.high_risk.to_json()["overridden"] is True
    assert s.at_diagnosis["R-ISS"].to_json()["overridden"] is False
    assert s.at_diagnosis["R-ISS"].stage == "II"  # built on the overridden ISS II
