"""Issue 9 item 1: a recorded response counts as evidence.

A CR/sCR recorded by the care team (or a negative immunofixation) means M-protein 0:
the nadir for progression, and it arms relapse-from-CR. Where labs and the record
disagree, both are kept and the trace names the one the rules use.
"""

from __future__ import annotations

from resp_helpers import D, hist, lab, line, serum

from journal.domain.ledger import compute_ledger
from journal.domain.lines import compute_lines
from journal.domain.records import ResponseRec
from journal.domain.response import compute_responses

L1 = [line(1, "2020-01-01", regimen_ids=(1,))]
AS_OF = D("2021-12-31")


def cr(date, category="CR", assessor="clinician", id=1):
    return ResponseRec(id, D(date), category, assessor=assessor, regimen_id=1)


# Baseline 3.0, lowest reading 0.4, then a rise to 0.6/0.65: against a nadir of 0.4 this
# is no progression (needs 0.9); against M-protein 0 it is (needs 0.5).
LABS = serum(
    [
        ("2019-12-20", 3.0),
        ("2020-05-01", 0.4),
        ("2021-01-01", 0.6),
        ("2021-02-01", 0.65),
    ]
)


def test_without_evidence_of_zero_no_progression():
    res = compute_responses(hist(LABS), L1, as_of=AS_OF)
    assert res.line(1).progression is None


def test_recorded_cr_is_the_nadir_for_progression():
    res = compute_responses(hist(LABS, responses=(cr("2020-08-01"),)), L1, as_of=AS_OF)
    p = res.line(1).progression
    assert p is not None and p.date.isoformat() == "2021-01-01" and p.nadir == 0.0
    assert "CR recorded on 1 Aug 2020" in p.trace.explanation
    assert any(
        s.nadir == 0.0 and s.date.isoformat() == "2020-08-01" for s in res.line(1).nadir_steps
    )


def test_patient_reported_cr_is_not_evidence_of_zero():
    res = compute_responses(
        hist(LABS, responses=(cr("2020-08-01", assessor="patient"),)), L1, as_of=AS_OF
    )
    assert res.line(1).progression is None


def test_negative_immunofixation_is_the_nadir_too():
    labs = [*LABS, lab("2020-08-01", "serum_ife", text="negative")]
    p = compute_responses(hist(labs), L1, as_of=AS_OF).line(1).progression
    assert p is not None and p.nadir == 0.0
    assert "negative serum immunofixation" in p.trace.explanation


def test_recorded_cr_works_without_a_baseline_reading():
    # Someone who typed "CR" from a letter and two later M-protein results only.
    labs = serum([("2021-01-01", 0.7), ("2021-02-01", 0.8)])
    res = compute_responses(hist(labs, responses=(cr("2020-08-01"),)), L1, as_of=AS_OF)
    assert res.line(1).progression is not None
    assert res.line(1).progression.date.isoformat() == "2021-01-01"


def test_recorded_cr_arms_relapse_from_cr():
    labs = serum([("2019-12-20", 3.0), ("2020-05-01", 0.3), ("2021-01-01", 0.2)])
    res = compute_responses(hist(labs, responses=(cr("2020-08-01", "sCR"),)), L1, as_of=AS_OF)
    lr = res.line(1)
    assert lr.progression is None  # 0.2 g/dL is below the +0.5 g/dL of PD
    assert [r.date.isoformat() for r in lr.relapses_from_cr] == ["2021-01-01"]
    assert "seen again" in lr.relapses_from_cr[0].finding


def test_disagreement_is_shown_and_says_which_is_used():
    labs = serum([("2019-12-20", 3.0), ("2020-03-01", 1.2), ("2020-04-01", 1.1)])
    vgpr = ResponseRec(1, D("2020-04-15"), "VGPR", regimen_id=1)
    lr = compute_responses(hist(labs, responses=(vgpr,)), L1, as_of=AS_OF).line(1)
    assert lr.best.category == "PR" and lr.best_clinician.category == "VGPR"
    assert lr.best_used.category == "VGPR"
    t = lr.disagreement
    assert t is not None and "PR" in t.explanation and "VGPR" in t.explanation
    assert "The rules use VGPR" in t.explanation and "response:1" in t.records
    j = lr.to_json()
    assert j["best_used"]["category"] == "VGPR" and j["response_disagreement"]["trace"]
    # Agreeing answers: no disagreement.
    pr = ResponseRec(1, D("2020-04-15"), "PR", regimen_id=1)
    lr2 = compute_responses(hist(labs, responses=(pr,)), L1, as_of=AS_OF).line(1)
    assert lr2.disagreement is None and lr2.best_used.category == "PR"


def test_recorded_responses_decide_refractoriness_without_labs(hb):
    def h(cat):
        return hb.hist(
            regimens=[
                hb.reg(1, "Kd", "2020-01-01", "2020-06-01", end_reason="other"),
                hb.reg(2, "DPd", "2020-07-01", None),
            ],
            responses=[hb.resp(1, "2020-04-01", cat, regimen_id=1)],
        )

    for cat, refractory in (("SD", True), ("MR", False), ("PR", False), ("VGPR", False)):
        hist_ = h(cat)
        lg = compute_ledger(hist_, compute_lines(hist_), as_of=hb.d("2020-12-01"))
        assert lg.drug("carfilzomib").refractory is refractory, cat
        assert lg.drug("carfilzomib").best_response == cat


# -- item 7: labs without a line still speak -------------------------------------------------
def test_labs_without_any_line_still_give_response_and_progression():
    labs = serum(
        [
            ("2021-01-01", 2.0),
            ("2021-02-01", 2.1),
            ("2021-06-01", 2.8),
            ("2021-07-01", 3.0),
        ]
    )
    res = compute_responses(hist(labs), [], as_of=AS_OF)
    (lr,) = res.lines
    assert lr.line == 0 and lr.start.isoformat() == "2021-01-01"
    assert lr.progression is not None and lr.progression.date.isoformat() == "2021-06-01"
    assert "No line of therapy is recorded yet" in lr.trace.explanation
    assert "no line of therapy recorded" in lr.trace.flags
    assert [p.date.isoformat() for p in res.progressions] == ["2021-06-01"]


def test_labs_without_a_line_reach_the_summary(hb):
    import dataclasses

    from journal.domain.summary import build_summary, summary_to_json

    labs = serum([("2021-01-01", 2.0), ("2021-06-01", 2.8), ("2021-07-01", 3.0)])
    h = dataclasses.replace(hist(labs), regimens=())
    j = summary_to_json(build_summary(h, as_of=D("2021-09-01")))
    assert j["response"]["per_line"][0]["line"] == 0
    assert j["response"]["progressions"][0]["date"] == "2021-06-01"
    assert j["ledger"]["last_progression"]["date"] == "2021-06-01"
    assert j["ledger"]["disease_status"]["status"] == "not treated"
    assert j["lines"]["lines"] == []


def test_no_labs_and_no_line_gives_nothing():
    assert compute_responses(hist([]), [], as_of=AS_OF).lines == ()
