"""eGFR by the CKD-EPI 2021 creatinine equation, with its inputs in the trace."""

import dataclasses
import datetime as dt

import pytest

from journal.domain.dates import PartialDate
from journal.domain.kidney import ckd_epi_2021, egfr_from_creatinine, latest_egfr
from journal.domain.records import History, LabRec, PersonRec

P = PartialDate.from_iso


@pytest.mark.parametrize(
    ("creatinine", "age", "sex", "expected"),
    [
        # Worked by hand from the equation as published by the NKF
        # (kidney.org/ckd-epi-creatinine-equation-2021):
        # 142 x (1.0/0.7)^-1.200 x 0.9938^50 x 1.012 = 68.6
        (1.0, 50, "female", 69),
        # 142 x (1.1/0.9)^-1.200 x 0.9938^50 = 81.8 (also the value other
        # implementations test for a 50-year-old man with creatinine 1.1)
        (1.1, 50, "male", 82),
        # Below kappa the other slope applies: 142 x (0.8/0.9)^-0.302 x 0.9938^60 = 101.3
        (0.8, 60, "male", 101),
        # Creatinine exactly at kappa: both min and max terms are 1 -> 142 x 0.9938^40 x 1.012
        (0.7, 40, "female", 112),
        # A myeloma kidney: 142 x (3.0/0.9)^-1.200 x 0.9938^70 = 21.7
        (3.0, 70, "male", 22),
    ],
)
def test_published_equation_values(creatinine, age, sex, expected):
    assert round(ckd_epi_2021(creatinine, age, sex)) == expected


def test_female_coefficients_give_a_different_answer_from_male():
    assert ckd_epi_2021(1.0, 50, "female") != pytest.approx(ckd_epi_2021(1.0, 50, "male"))
    # Lower creatinine, higher eGFR; older, lower eGFR.
    assert ckd_epi_2021(0.9, 50, "male") > ckd_epi_2021(1.2, 50, "male")
    assert ckd_epi_2021(1.0, 80, "male") < ckd_epi_2021(1.0, 40, "male")


def _history(birth="1956-09-10", sex="male", creatinines=(("2026-11-03", 1.0),)):
    labs = tuple(LabRec(i + 1, P(d), "creatinine", v) for i, (d, v) in enumerate(creatinines))
    return History(person=PersonRec(birth_date=P(birth) if birth else None, sex=sex), labs=labs)


def test_latest_creatinine_with_age_on_its_date_and_inputs_in_trace():
    h = _history(creatinines=(("2020-01-07", 2.1), ("2026-11-03", 0.99525)))
    r = latest_egfr(h, dt.date(2026, 11, 20))
    assert r.value == round(ckd_epi_2021(0.99525, 70, "male"))
    assert (r.age_years, r.sex, r.date) == (70, "male", P("2026-11-03"))
    j = r.to_json()
    assert j["inputs"] == {"creatinine_mg_dl": 1.0, "age_years": 70, "sex": "male"}
    assert j["trace"]["records"] == ["lab:2"] and "CKD-EPI 2021" in j["trace"]["explanation"]
    assert "1.00 mg/dL" in j["trace"]["explanation"] and "age 70" in j["trace"]["explanation"]
    # As of an earlier date the earlier creatinine is used, with the age then.
    early = latest_egfr(h, dt.date(2020, 6, 1))
    assert early.date == P("2020-01-07") and early.age_years == 63


def test_birthday_counts_on_the_day():
    lab = LabRec(1, P("2026-09-10"), "creatinine", 1.0)
    assert egfr_from_creatinine(lab, P("1956-09-10"), "male").age_years == 70
    lab = LabRec(1, P("2026-09-09"), "creatinine", 1.0)
    assert egfr_from_creatinine(lab, P("1956-09-10"), "male").age_years == 69


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"sex": "unknown"}, "female and male only"),
        ({"birth": None}, "birth date is not recorded"),
        ({"birth": "2012-01-01"}, "adults"),
    ],
)
def test_missing_inputs_are_said_not_guessed(change, says):
    kw = {"birth": "1956-09-10", "sex": "male"} | change
    r = latest_egfr(_history(**kw), dt.date(2026, 11, 20))
    assert r.value is None and says in r.missing
    assert r.to_json()["missing"] == r.missing


def test_no_creatinine_no_result_and_birth_year_only_is_flagged():
    assert latest_egfr(_history(creatinines=()), dt.date(2026, 1, 1)) is None
    r = latest_egfr(_history(birth="1956"), dt.date(2026, 11, 20))
    assert r.value is not None
    assert r.trace.flags == ("age from a birth date known only to the year",)
    assert dataclasses.asdict(r.trace)["source"]["url"].startswith("https://www.kidney.org")
