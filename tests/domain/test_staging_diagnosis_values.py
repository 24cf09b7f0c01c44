"""Creatinine and LDH typed on the diagnosis record feed staging and high risk."""

import datetime as dt

from journal.domain.dates import PartialDate
from journal.domain.records import CytogeneticRec, DiagnosisRec, History
from journal.domain.staging import compute_staging

P = PartialDate.from_iso
NOW = dt.date(2024, 1, 1)
FISH = (CytogeneticRec("del(17p)", present=False, date=P("2019-03"), ref="cytogenetics:1"),)


def _dx(**kw):
    base = {"date": P("2019-03-01"), "beta2m_mg_l": 6.1, "albumin_g_dl": 3.2}
    return History(diagnosis=DiagnosisRec(**(base | kw)), cytogenetics=FISH)


def test_measured_ldh_above_its_uln_counts_as_high_ldh():
    high = compute_staging(_dx(ldh_u_l=310, ldh_uln_u_l=250), as_of=NOW)
    normal = compute_staging(_dx(ldh_u_l=200, ldh_uln_u_l=250), as_of=NOW)
    unknown = compute_staging(_dx(ldh_u_l=310), as_of=NOW)  # no ULN: not judged
    assert high.at_diagnosis["R-ISS"].inputs["ldh_high"] is True
    assert high.at_diagnosis["R-ISS"].stage == "III"  # ISS III with high LDH
    assert normal.at_diagnosis["R-ISS"].inputs["ldh_high"] is False
    assert unknown.at_diagnosis["R-ISS"].inputs["ldh_high"] is None
    # The yes/no answer typed in the letter's words wins over the numbers.
    typed = compute_staging(_dx(ldh_high=False, ldh_u_l=310, ldh_uln_u_l=250), as_of=NOW)
    assert typed.at_diagnosis["R-ISS"].inputs["ldh_high"] is False


def test_creatinine_at_diagnosis_lets_high_b2m_count_for_high_risk():
    without = compute_staging(_dx(), as_of=NOW).high_risk
    assert any("no creatinine" in x for x in without.not_assessable)
    normal = compute_staging(_dx(creatinine_mg_dl=0.9), as_of=NOW).high_risk
    assert normal.high_risk is True
    assert any("normal creatinine (0.9 mg/dL)" in x for x in normal.items)
    raised = compute_staging(_dx(creatinine_mg_dl=2.3), as_of=NOW).high_risk
    assert not any("β2-microglobulin" in x for x in raised.items)
