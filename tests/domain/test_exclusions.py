"""Screening exclusions answered yes / no / not recorded from the whole record."""

import datetime as dt

from journal.domain.dates import PartialDate
from journal.domain.exclusions import QUESTION_KEYS, exclusion_facts
from journal.domain.records import (
    DrugRec,
    FeatureRec,
    HealthRec,
    History,
    LabRec,
    ProcedureRec,
    RegimenRec,
    SideEffectRec,
    SupportiveRec,
)
from journal.domain.summary import build_summary, summary_to_json

P = PartialDate.from_iso
NOW = dt.date(2026, 6, 1)


def facts(h: History, as_of=NOW) -> dict:
    return {f.key: f for f in exclusion_facts(h, as_of)}


def test_empty_record_answers_every_question_not_recorded():
    got = exclusion_facts(History(), NOW)
    assert tuple(f.key for f in got) == QUESTION_KEYS
    assert len(QUESTION_KEYS) == 19
    assert {f.status for f in got} == {"not_recorded"}
    assert all(f.records == () and f.date is None for f in got if f.key != "heart_failure")
    # Not recorded is said plainly, never turned into "no".
    assert facts(History())["hiv"].status_text == "not recorded"
    assert "No LVEF" in facts(History())["heart_failure"].details


def test_other_cancer_with_type_year_and_treatment():
    h = History(
        health=(
            HealthRec(
                1,
                "another cancer",
                "yes",
                P("2014-05"),
                P("2014-06"),
                "basal cell skin cancer",
                True,
            ),
        )
    )
    f = facts(h)["other_cancer"]
    assert (f.status, f.date, f.ongoing, f.records) == ("yes", P("2014-05"), False, ("health:1",))
    assert f.details == "basal cell skin cancer, May 2014, treated, over since Jun 2014"
    j = f.to_json()
    assert j["status"] == "yes" and j["date"] == "2014-05" and j["computed"] is True
    assert j["trace"]["rule"] == "exclusions.other_cancer"


def test_checked_no_is_dated_and_a_later_answer_is_not_known_earlier():
    h = History(
        health=(
            HealthRec(1, "heart attack (myocardial infarction)", "no", P("2023-12-12")),
            HealthRec(2, "autoimmune disease", "no", P("2026-08-01")),
        )
    )
    f = facts(h)
    assert (f["heart_attack"].status, f["heart_attack"].date) == ("no", P("2023-12-12"))
    assert f["autoimmune"].status == "not_recorded"  # checked only after the as-of date
    assert facts(h, dt.date(2026, 9, 1))["autoimmune"].status == "no"


def test_serology_from_lab_tests_and_yes_counts_over_a_no():
    h = History(
        labs=(
            LabRec(1, P("2023-12-12"), "hbsag", None, "negative"),
            LabRec(2, P("2023-12-12"), "anti_hbc", None, "positive"),
            LabRec(3, P("2023-12-12"), "hiv", None, "negative"),
            LabRec(4, P("2023-12-12"), "anti_hcv", None, "equivocal"),
        ),
        health=(HealthRec(5, "hepatitis B", "no", P("2024-01-10")),),
    )
    f = facts(h)
    assert f["hiv"].status == "no" and f["hiv"].records == ("lab:3",)
    hbv = f["hepatitis_b"]
    assert hbv.status == "yes" and hbv.date == P("2023-12-12")
    assert set(hbv.records) == {"lab:1", "lab:2", "health:5"}
    assert "anti-HBc" in hbv.details and "checked: no (10 Jan 2024)" in hbv.details
    assert "counts over 2 'no'" in hbv.trace.explanation
    # An equivocal test decides nothing but is shown.
    assert f["hepatitis_c"].status == "not_recorded" and "equivocal" in f["hepatitis_c"].details


def test_disease_features_procedures_and_side_effects_answer_yes():
    h = History(
        features=(FeatureRec("extramedullary disease", P("2022-03"), site="rib", ref="feature:1"),),
        procedures=(ProcedureRec(2, "allogeneic stem-cell transplant", P("2012-04-02")),),
        side_effects=(
            SideEffectRec(3, "Keratopathy (belantamab)", P("2025-01-10"), grade=2),
            SideEffectRec(
                4, "Blood clot", P("2019-02-01"), term_id="thromboembolic_event", grade=3
            ),
            SideEffectRec(5, "Sepsis", P("2021-02-01"), resolved=P("2021-02-20")),
        ),
        health=(HealthRec(6, "extramedullary disease", "no", P("2020-01-01")),),
    )
    f = facts(h)
    emd = f["extramedullary"]
    assert emd.status == "yes" and emd.ongoing is True and "rib" in emd.details
    assert f["allo_transplant"].status == "yes" and f["allo_transplant"].date == P("2012-04-02")
    assert f["eye"].status == "yes" and "grade 2" in f["eye"].details  # found by its name
    assert f["dvt_pe"].status == "yes" and f["dvt_pe"].records == ("side_effect:4",)
    # A past infection is not an infection needing treatment now.
    assert f["active_infection"].status == "not_recorded"
    assert facts(h, dt.date(2021, 2, 10))["active_infection"].status == "yes"


def test_anticoagulation_from_supportive_medicines():
    h = History(
        supportive=(SupportiveRec(1, "Apixaban", "apixaban", "clot", P("2019-02-05")),),
    )
    f = facts(h)["anticoagulation"]
    assert f.status == "yes" and f.ongoing is True and "Apixaban" in f.details
    stopped = History(
        supportive=(SupportiveRec(1, "Clexane", None, "clot", P("2019-02-05"), P("2019-08-01")),),
    )
    f = facts(stopped)["anticoagulation"]  # a brand name is recognised through the catalog
    assert f.status == "yes" and f.ongoing is False


def test_allo_not_in_the_treatments_is_said_but_stays_not_recorded():
    reg = RegimenRec(1, "VRd", P("2020-01-01"), drugs=(DrugRec("bortezomib", "bortezomib"),))
    f = facts(History(regimens=(reg,)))["allo_transplant"]
    assert f.status == "not_recorded" and "not answered" in f.details


def test_lvef_is_shown_beside_heart_failure_not_judged():
    h = History(
        labs=(LabRec(1, P("2025-05-20"), "lvef", 38.0),),
        health=(HealthRec(2, "heart failure", "no", P("2025-05-20")),),
    )
    f = facts(h)["heart_failure"]
    assert f.status == "no"  # a low number is shown, the app applies no threshold
    assert "38 % on 20 May 2025" in f.details and "lab:1" in f.records


def test_on_the_summary_and_in_its_json():
    h = History(health=(HealthRec(1, "HIV", "no", P("2024-02-01")),))
    s = build_summary(h, as_of=NOW)
    assert [f.key for f in s.exclusions] == list(QUESTION_KEYS)
    j = summary_to_json(s)
    hiv = next(x for x in j["exclusions"] if x["key"] == "hiv")
    assert hiv["status"] == "no" and hiv["date"] == "2024-02-01" and hiv["records"] == ["health:1"]
    assert j["egfr_computed"] is None and j["mrd"] == []


def test_a_correction_replaces_the_status_and_is_visible():
    from journal.domain.records import OverrideRec

    h = History(
        labs=(LabRec(1, P("2023-12-12"), "anti_hbc", None, "positive"),),
        overrides=(
            OverrideRec(7, "exclusion", "hepatitis_b", "no", "false positive, DNA negative"),
        ),
    )
    f = facts(h)["hepatitis_b"]
    assert f.status == "no" and f.trace.overridden_by == "override:7"
    assert "corrected by hand" in f.trace.explanation and "override:7" in f.records
    assert f.to_json()["trace"]["overridden_by"] == "override:7"
    assert f.to_json()["overridden"] is True


def test_asked_labs_say_missing_and_old_values():
    from journal.domain.exclusions import ASKED_LABS, RECENT_DAYS, asked_labs

    h = History(
        labs=(
            LabRec(1, P("2026-05-20"), "anc", 1.4),  # 12 days old
            LabRec(2, P("2026-04-01"), "platelets", 160.0),  # 61 days old
            LabRec(3, P("2026-07-01"), "hb", 11.0),  # after the as-of date: not known yet
        )
    )
    got = {x.test: x for x in asked_labs(h, NOW)}
    assert list(got) == list(ASKED_LABS)
    assert (got["anc"].status, got["anc"].days_old, got["anc"].ref) == ("recent", 12, "lab:1")
    assert (got["platelets"].status, got["platelets"].days_old) == ("older", 61)
    assert got["hb"].status == "not_recorded" and got["hb"].date is None
    assert got["inr"].to_json()["limit_days"] == RECENT_DAYS == 30
    j = summary_to_json(build_summary(h, as_of=NOW))
    assert [x["status"] for x in j["labs"]["asked"][:3]] == ["recent", "older", "not_recorded"]
