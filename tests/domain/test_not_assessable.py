"""Issue 9 item 4: "not assessable" is a third answer beside refractory / not refractory."""

from __future__ import annotations

from journal.domain.ledger import compute_ledger
from journal.domain.lines import compute_lines
from journal.domain.summary import build_summary, summary_to_json


def ledger(h, **kw):
    return compute_ledger(h, compute_lines(h), **kw)


def _kd(hb, end, responses=(), **kw):
    return hb.hist(
        regimens=[
            hb.reg(1, "Kd", "2020-01-01", end, end_reason="side effects (toxicity)", cycle_days=28)
        ],
        responses=list(responses),
        **kw,
    )


def test_less_than_one_cycle_without_response_is_not_assessable(hb):
    s = ledger(_kd(hb, "2020-01-15"), as_of=hb.d("2020-12-01")).drug("carfilzomib")
    assert s.refractory is None and s.refractory_state == "not assessable"
    t = next(t for t in s.traces if t.rule == "ledger.refractory.not_assessable")
    assert "less than one complete cycle" in t.explanation
    assert "set the answer yourself" in t.explanation


def test_stopped_without_any_response_assessment_is_not_assessable(hb):
    s = ledger(_kd(hb, "2020-06-01"), as_of=hb.d("2020-12-01")).drug("carfilzomib")
    assert s.refractory_state == "not assessable"
    t = next(t for t in s.traces if t.rule == "ledger.refractory.not_assessable")
    assert "no response assessment while on it" in t.explanation


def test_a_response_makes_it_assessable(hb):
    h = _kd(hb, "2020-06-01", [hb.resp(1, "2020-04-01", "PR")])
    s = ledger(h, as_of=hb.d("2020-12-01")).drug("carfilzomib")
    assert s.refractory is False and s.refractory_state == "not refractory"
    h = _kd(hb, "2020-06-01", [hb.resp(1, "2020-04-01", "SD")])
    assert ledger(h, as_of=hb.d("2020-12-01")).drug("carfilzomib").refractory_state == "refractory"


def test_response_linked_to_the_regimen_after_the_last_dose_counts(hb):
    h = _kd(hb, "2020-06-01", [hb.resp(1, "2020-06-20", "VGPR", regimen_id=1)])
    s = ledger(h, as_of=hb.d("2020-12-01")).drug("carfilzomib")
    assert s.refractory_state == "not refractory" and s.best_response == "VGPR"
    # Not linked and after the last dose: not "while on it".
    h = _kd(hb, "2020-06-01", [hb.resp(1, "2020-06-20", "VGPR")])
    assert ledger(h, as_of=hb.d("2020-12-01")).drug("carfilzomib").refractory_state == (
        "not assessable"
    )


def test_ongoing_drug_is_judged_after_one_cycle(hb):
    h = hb.hist(regimens=[hb.reg(1, "Kd", "2020-01-01", None, cycle_days=28)])
    assert ledger(h, as_of=hb.d("2020-01-10")).drug("carfilzomib").refractory_state == (
        "not assessable"
    )
    s = ledger(h, as_of=hb.d("2020-05-01")).drug("carfilzomib")
    assert s.refractory is False and s.refractory_state == "not refractory"


def test_progression_only_rule_set_can_always_judge(hb):
    s = ledger(_kd(hb, "2020-01-15"), as_of=hb.d("2020-12-01"), rule_set="elranatamab").drug(
        "carfilzomib"
    )
    assert s.refractory is False and s.refractory_state == "not refractory"


def test_mammoth_anti_cd38_under_four_weeks_is_not_assessable(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "DKd", "2020-01-01", "2020-01-20", end_reason="other")],
        responses=[hb.resp(1, "2020-01-19", "SD")],
    )
    lg = ledger(h, as_of=hb.d("2020-12-01"), rule_set="mammoth")
    s = lg.drug("daratumumab")
    assert s.refractory_state == "not assessable"
    assert (
        "4 weeks"
        in next(t for t in s.traces if t.rule == "ledger.refractory.not_assessable").explanation
    )
    assert lg.drug("carfilzomib").refractory_state == "refractory"  # SD on it (< MR)


def test_override_wins_and_says_what_the_rule_gave(hb):
    h = _kd(hb, "2020-01-15", overrides=[hb.override(1, "refractory", "carfilzomib", "yes")])
    s = ledger(h, as_of=hb.d("2020-12-01")).drug("carfilzomib")
    assert s.refractory is True and s.refractory_state == "refractory"
    t = next(t for t in s.traces if t.rule == "ledger.override.refractory")
    assert "not assessable" in t.explanation


def test_not_assessable_is_not_refractory_for_classes_and_labels(hb):
    lg = ledger(_kd(hb, "2020-01-15"), as_of=hb.d("2020-12-01"))
    assert lg.classes["PI"].refractory is False
    assert "carfilzomib" not in lg.classes["PI"].refractory_drugs


def test_summary_json_keeps_null_and_the_state(hb):
    j = summary_to_json(build_summary(_kd(hb, "2020-01-15"), as_of=hb.d("2020-12-01")))
    d = j["ledger"]["drugs"]["carfilzomib"]
    assert d["refractory"] is None and d["refractory_state"] == "not assessable"
    assert j["schema_version"] == 2
