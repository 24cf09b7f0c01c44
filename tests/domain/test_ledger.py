"""Exposure / refractoriness ledger: every rule, variant and label of rules doc 2.1-2.4."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal.domain.dates import PartialDate
from journal.domain.ledger import RULE_SETS, compute_ledger
from journal.domain.lines import compute_lines


def ledger(h, **kw):
    return compute_ledger(h, compute_lines(h), **kw)


def rules(status):
    return {t.rule for t in status.traces}


# -- drug-level refractoriness ----------------------------------------------------------------
def _len_maint_then_pd(hb, pd_date, **kw):
    return hb.hist(
        regimens=[
            hb.reg(
                1,
                "lenalidomide",
                "2020-01-01",
                "2021-01-01",
                ["lenalidomide"],
                end_reason="patient choice",
            )
        ],
        progressions=[hb.prog(1, pd_date)],
        **kw,
    )


def test_pd_within_60_days_of_last_dose_is_refractory(hb):
    lg = ledger(_len_maint_then_pd(hb, "2021-02-15"))
    s = lg.drug("lenalidomide")
    assert s.exposed and s.refractory
    t = next(t for t in s.traces if t.rule == "ledger.refractory.progression")
    assert "45 days after its last dose" in t.explanation
    assert t.records == ("regimen_drug:100", "progression:1")


def test_pd_after_60_days_is_not_refractory(hb):
    # With a response at MR or better on it, only the 60-day arm is left to judge.
    h = _len_maint_then_pd(hb, "2021-03-15", responses=(hb.resp(1, "2020-06-01", "PR"),))
    s = ledger(h).drug("lenalidomide")
    assert s.exposed and s.refractory is False and s.refractory_state == "not refractory"
    assert "ledger.not_refractory" in rules(s)
    # Without any response assessment on it, "< MR" cannot be ruled out (issue 9 item 4).
    s = ledger(_len_maint_then_pd(hb, "2021-03-15")).drug("lenalidomide")
    assert s.refractory is None and s.refractory_state == "not assessable"
    assert "ledger.refractory.not_assessable" in rules(s)


def test_pd_while_on_drug_is_refractory(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "Pd", "2020-01-01", None)], progressions=[hb.prog(1, "2020-09-01")]
    )
    s = ledger(h).drug("pomalidomide")
    assert s.refractory and s.ongoing and s.last_dose is None
    assert (
        "while on it"
        in next(t for t in s.traces if t.rule == "ledger.refractory.progression").explanation
    )


def test_pd_on_the_start_day_is_not_on_the_drug(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "Pd", "2020-01-01", "2020-06-01")],
        progressions=[hb.prog(1, "2020-01-01")],
    )
    assert not ledger(h).drug("pomalidomide").refractory


def test_no_response_below_mr_is_refractory_imwg_not_elranatamab(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "Kd", "2020-01-01", "2020-06-01", end_reason="inadequate response")],
        responses=[hb.resp(1, "2020-03-01", "SD"), hb.resp(2, "2020-05-01", "SD")],
    )
    assert ledger(h).drug("carfilzomib").refractory
    t = next(
        t for t in ledger(h).drug("carfilzomib").traces if t.rule == "ledger.refractory.no_response"
    )
    assert "SD" in t.explanation and "MR" in t.explanation
    assert not ledger(h, rule_set="elranatamab").drug("carfilzomib").refractory


def test_mayo_less_than_pr_after_two_cycles(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "Kd", "2020-01-01", "2020-04-01", cycles=3, cycle_days=28)],
        responses=[hb.resp(1, "2020-03-20", "MR")],
    )
    assert not ledger(h).drug("carfilzomib").refractory  # MR is enough for IMWG
    assert ledger(h, rule_set="mayo").drug("carfilzomib").refractory
    # only one cycle: the Mayo response arm does not apply yet
    h1 = hb.hist(
        regimens=[hb.reg(1, "Kd", "2020-01-01", "2020-01-25", cycles=1, cycle_days=28)],
        responses=[hb.resp(1, "2020-01-20", "MR")],
    )
    assert not ledger(h1, rule_set="mayo").drug("carfilzomib").refractory


def test_mammoth_needs_four_weeks_of_anti_cd38(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "DPd", "2020-01-01", "2020-01-20", end_reason="side effects (toxicity)")
        ],
        progressions=[hb.prog(1, "2020-02-15")],
    )
    assert ledger(h).drug("daratumumab").refractory
    lg = ledger(h, rule_set="mammoth")
    assert not lg.drug("daratumumab").refractory
    assert lg.drug("pomalidomide").refractory  # other drugs follow IMWG
    h4 = hb.hist(
        regimens=[hb.reg(1, "DPd", "2020-01-01", "2020-02-10")],
        progressions=[hb.prog(1, "2020-02-15")],
    )
    assert ledger(h4, rule_set="mammoth").drug("daratumumab").refractory


def test_mammoth_anti_cd38_response_arm_does_not_apply(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "DPd", "2020-01-01", "2020-06-01")],
        responses=[hb.resp(1, "2020-04-01", "SD")],
    )
    assert ledger(h).drug("daratumumab").refractory
    assert not ledger(h, rule_set="mammoth").drug("daratumumab").refractory


def test_two_cycles_rule_for_exposure(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "Kd", "2020-01-01", "2020-01-20", cycles=1, cycle_days=28),
            hb.reg(2, "DRd", "2020-02-01", "2020-06-01", cycle_days=28),
        ]
    )
    assert ledger(h).drug("carfilzomib").exposed
    lg = ledger(h, rule_set="two_cycles")
    assert not lg.drug("carfilzomib").exposed
    assert "ledger.not_exposed" in rules(lg.drug("carfilzomib"))
    assert lg.drug("daratumumab").exposed
    assert lg.drug("daratumumab").consecutive_cycles == 5  # 122 days of 28-day cycles


def test_intolerant(hb):
    h = hb.hist(
        regimens=[
            hb.reg(
                1,
                "KRd",
                "2020-01-01",
                None,
                [
                    hb.drug(
                        "carfilzomib", last="2020-03-01", stop_reason="side effects (toxicity)"
                    ),
                    "lenalidomide",
                    "dexamethasone",
                ],
            )
        ]
    )
    lg = ledger(h)
    assert lg.drug("carfilzomib").intolerant and not lg.drug("lenalidomide").intolerant
    assert lg.classes["PI"].intolerant and lg.classes["PI"].intolerant_drugs == ("carfilzomib",)
    # regimen-level end reason applies to drugs that ran to the end
    h2 = hb.hist(
        regimens=[hb.reg(1, "Kd", "2020-01-01", "2020-03-01", end_reason="side effects (toxicity)")]
    )
    assert ledger(h2).drug("carfilzomib").intolerant
    # ... unless another drug carries the toxicity itself: dexamethasone only stopped with
    # Rd because of lenalidomide's rash (independent case tests/cases/02).
    tox = "side effects (toxicity)"
    h3 = hb.hist(
        regimens=[
            hb.reg(
                1,
                "Rd",
                "2020-01-06",
                "2020-02-20",
                [hb.drug("lenalidomide", stop_reason=tox), "dexamethasone"],
                end_reason=tox,
            )
        ]
    )
    lg3 = ledger(h3)
    assert lg3.drug("lenalidomide").intolerant and not lg3.drug("dexamethasone").intolerant


def test_paused_for_side_effects_and_resumed_is_not_intolerant(hb):
    # Independent case tests/cases/22: DVd paused for pneumonia, Dd resumed 3 weeks later.
    tox = "side effects (toxicity)"
    bortezomib = hb.drug("bortezomib", last="2020-08-03", stop_reason="plan completed")
    regs = [
        hb.reg(
            1,
            "DVd",
            "2020-02-24",
            "2020-10-05",
            ["daratumumab", bortezomib, "dexamethasone"],
            end_reason=tox,
        ),
        hb.reg(2, "Dd", "2020-10-26", None, ["daratumumab", "dexamethasone"]),
    ]
    lg = ledger(hb.hist(regimens=regs))
    assert not lg.drug("daratumumab").intolerant
    assert not lg.drug("bortezomib").intolerant  # dropped as planned
    # Stopped for toxicity and only restarted in a later line: still intolerant.
    later = [regs[0], hb.reg(2, "Dd", "2021-06-01", None, ["daratumumab", "dexamethasone"])]
    assert ledger(hb.hist(regimens=later)).drug("daratumumab").intolerant


def test_per_drug_details(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "VRd", "2019-01-01", "2019-05-01", cycles=4, cycle_days=28),
            hb.reg(2, "KRd", "2020-01-01", "2020-12-01", cycle_days=28),
        ],
        responses=[hb.resp(1, "2019-04-01", "VGPR"), hb.resp(2, "2020-06-01", "PR")],
    )
    s = ledger(h).drug("lenalidomide")
    assert s.lines == (1, 2)
    assert s.first_dose == PartialDate(2019, 1, 1) and s.last_dose == PartialDate(2020, 12, 1)
    assert s.best_response == "VGPR"
    assert s.consecutive_cycles == 12
    assert ledger(h).drug("bortezomib").consecutive_cycles == 4
    assert "ledger.best_response" in rules(s)


def test_supportive_and_premedication_not_in_ledger(hb):
    h = hb.hist(
        regimens=[
            hb.reg(
                1,
                "Tec",
                "2023-01-01",
                None,
                ["teclistamab", hb.drug("dexamethasone", role="premedication"), "zoledronic acid"],
            )
        ]
    )
    lg = ledger(h)
    assert set(lg.drugs) == {"teclistamab"}


def test_overrides_win_and_propagate(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "VRd", "2019-01-01", "2019-06-01"),
            hb.reg(2, "Kd", "2019-06-20", None),
        ],
        progressions=[hb.prog(1, "2019-06-15")],
    )
    lg = ledger(h)
    assert lg.drug("lenalidomide").refractory and lg.labels["double_refractory"].applies
    h2 = hb.hist(
        regimens=h.regimens,
        progressions=h.progressions,
        overrides=[
            hb.override(7, "refractory", "lenalidomide", "no"),
            hb.override(8, "exposed", "pomalidomide", "yes", "given abroad in 2017"),
        ],
    )
    lg2 = ledger(h2)
    s = lg2.drug("lenalidomide")
    assert s.refractory is False and s.overridden == ("refractory",)
    t = next(t for t in s.traces if t.rule == "ledger.override.refractory")
    assert t.overridden_by == "override:7" and "the rule gave yes" in t.explanation
    assert not lg2.classes["IMiD"].refractory
    assert not lg2.labels["double_refractory"].applies
    # a drug the journal has no record of counts when the person says so
    pom = lg2.drug("pomalidomide")
    assert pom.exposed and not pom.refractory and pom.overridden == ("exposed",)
    assert pom.administrations == () and pom.traces[0].overridden_by == "override:8"
    assert lg2.classes["IMiD"].exposed_drugs == ("lenalidomide", "pomalidomide")


def test_refractory_lines_name_the_line_the_call_came_from(hb):
    # What the screening summary's per-line table shows, carried by the ledger itself.
    h = hb.hist(
        regimens=[
            hb.reg(1, "VRd", "2019-01-01", "2019-06-01"),
            hb.reg(2, "Kd", "2019-06-20", None),
        ],
        progressions=[hb.prog(1, "2019-06-15")],
        overrides=[
            hb.override(7, "refractory", "lenalidomide", "no"),
            hb.override(8, "refractory", "carfilzomib", "yes"),
        ],
    )
    lg = ledger(h)
    assert lg.drug("bortezomib").refractory_lines == (1,)  # progression 14 days after VRd
    assert lg.drug("lenalidomide").refractory_lines == ()  # the person's "no" wins
    # the person's "yes" with no call of the rule behind it: the drug's last line
    assert lg.drug("carfilzomib").refractory_lines == (2,)


def test_intolerance_in_the_future_does_not_count_yet(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "Kd", "2020-01-01", "2020-06-01", end_reason="side effects (toxicity)")]
    )
    assert ledger(h).drug("carfilzomib").intolerant
    assert not ledger(h, as_of=PartialDate(2020, 3, 1)).drug("carfilzomib").intolerant


def test_refractory_override_for_unrecorded_drug_makes_it_exposed(hb):
    h = hb.hist(overrides=[hb.override(1, "refractory", "Revlimid", "yes", "letter from 2015")])
    lg = ledger(h)
    assert lg.drug("lenalidomide") is None  # subject must be the drug id
    h = hb.hist(overrides=[hb.override(1, "refractory", "lenalidomide", "yes", "letter 2015")])
    s = ledger(h).drug("lenalidomide")
    assert s.exposed and s.refractory
    assert ledger(h).classes["IMiD"].refractory


def test_class_override(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "Rd", "2019-01-01", "2019-06-01")],
        overrides=[hb.override(3, "exposed", "anti-CD38", "yes", "dara in a trial")],
    )
    lg = ledger(h)
    assert lg.classes["anti-CD38"].exposed and lg.classes["anti-CD38"].overridden == ("exposed",)


# -- classes and labels -----------------------------------------------------------------------
def _heavy(hb):
    """VRd -> KRd -> DPd -> Kd; PD within 60 days after each."""
    return hb.hist(
        regimens=[
            hb.reg(1, "VRd", "2016-01-01", "2017-01-01"),
            hb.reg(2, "KRd", "2017-02-15", "2018-01-01"),
            hb.reg(3, "DPd", "2018-02-01", "2019-01-01"),
            hb.reg(4, "EPd", "2019-02-01", "2019-08-01"),
        ],
        progressions=[
            hb.prog(1, "2017-02-01"),
            hb.prog(2, "2018-01-20"),
            hb.prog(3, "2019-01-20"),
            hb.prog(4, "2019-08-10"),
        ],
        responses=[hb.resp(1, "2016-06-01", "VGPR")],
    )


def test_penta_and_quad_labels(hb):
    lg = ledger(_heavy(hb))
    L = lg.labels
    for k in (
        "double_refractory",
        "triple_class_exposed",
        "triple_class_refractory",
        "quad_refractory_mammoth",
        "quad_refractory_older",
        "penta_exposed",
        "penta_refractory",
    ):
        assert L[k].applies, k
    assert set(L["penta_refractory"].drugs) == {
        "bortezomib",
        "carfilzomib",
        "lenalidomide",
        "pomalidomide",
        "daratumumab",
    }
    assert "daratumumab" not in L["quad_refractory_older"].drugs
    assert lg.classes["IMiD"].refractory_drugs == ("lenalidomide", "pomalidomide")
    assert L["quad_refractory_older"].trace.unconfirmed
    assert lg.classes["anti-SLAMF7"].exposed


def test_labels_false_with_drug_lists(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "VRd", "2016-01-01", "2017-01-01"),
            hb.reg(2, "DRd", "2017-03-01", None),
        ],
        progressions=[hb.prog(1, "2017-02-15")],
    )
    L = ledger(h).labels
    assert L["triple_class_exposed"].applies
    assert not L["triple_class_refractory"].applies
    assert not L["penta_exposed"].applies
    assert "carfilzomib" not in L["penta_exposed"].drugs
    assert not L["quad_refractory_mammoth"].applies
    assert L["double_refractory"].applies  # bortezomib + lenalidomide PD within 60 days


def test_quad_mammoth_two_pis_one_imid(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "VRd", "2016-01-01", "2017-01-01"),
            hb.reg(2, "DKd", "2017-01-15", "2018-01-01"),
        ],
        progressions=[hb.prog(1, "2017-01-10"), hb.prog(2, "2018-01-10")],
    )
    L = ledger(h).labels
    assert L["quad_refractory_mammoth"].applies
    assert not L["quad_refractory_older"].applies


def test_prior_targeted_and_t_cell_redirecting(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "Tal", "2023-01-01", "2023-06-01"),
            hb.reg(2, "cevostamab", "2023-07-01", None, ["cevostamab"]),
        ],
    )
    L = ledger(h).labels
    assert L["prior_gprc5d"].applies and L["prior_gprc5d"].drugs == ("talquetamab",)
    assert L["prior_fcrh5"].applies
    assert not L["prior_bcma"].applies
    assert L["prior_t_cell_redirecting"].applies and L["prior_bispecific"].applies
    assert not L["prior_car_t"].applies
    h2 = hb.hist(regimens=[hb.reg(1, "BVd", "2023-01-01", None)])
    L2 = ledger(h2).labels
    assert L2["prior_bcma"].applies and not L2["prior_t_cell_redirecting"].applies


def test_car_t_no_refractory_call_and_outcome(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "DPd", "2022-01-01", "2022-12-01")],
        procedures=[hb.proc(1, "cart", "2023-03-01", product="Carvykti")],
        responses=[hb.resp(1, "2023-04-01", "VGPR"), hb.resp(2, "2023-09-01", "CR")],
        progressions=[hb.prog(1, "2022-12-01"), hb.prog(2, "2024-03-01")],
    )
    lg = ledger(h)
    s = lg.drug("ciltacabtagene-autoleucel")
    assert s.exposed and s.refractory is None
    assert "ledger.car_t_no_refractory" in rules(s)
    assert lg.labels["prior_bcma"].applies and lg.labels["prior_car_t"].applies
    (o,) = lg.car_t
    assert o.best_response == "CR" and o.days_to_progression == 366
    assert o.first_progression == PartialDate(2024, 3, 1)


def test_allo_and_alkylator_via_transplant(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "VRd", "2019-01-01", "2019-05-01")],
        procedures=[
            hb.proc(1, "auto", "2019-06-01"),
            hb.proc(2, "allo", "2021-01-01", conditioning="fludarabine"),
        ],
    )
    lg = ledger(h)
    assert lg.labels["prior_allo_sct"].applies and lg.labels["prior_auto_sct"].applies
    alk = lg.labels["alkylator_exposed"]
    assert alk.applies and alk.drugs == ("melphalan",)
    assert alk.trace.unconfirmed and "assumed" in alk.trace.explanation
    # conditioning is never judged refractory
    h2 = hb.hist(
        regimens=h.regimens,
        procedures=[hb.proc(1, "auto", "2019-06-01", conditioning="melphalan 200")],
        progressions=[hb.prog(1, "2019-07-01")],
    )
    lg2 = ledger(h2)
    assert lg2.drug("melphalan").exposed and not lg2.drug("melphalan").refractory
    assert not lg2.labels["alkylator_exposed"].trace.unconfirmed
    h3 = hb.hist(regimens=[hb.reg(1, "VRd", "2019-01-01", "2019-05-01")])
    assert not ledger(h3).labels["alkylator_exposed"].applies
    # Every drug of a written multi-drug conditioning counts (independent case 18).
    h4 = hb.hist(
        regimens=h.regimens,
        procedures=[hb.proc(1, "allo", "2021-01-01", conditioning="Fludarabine + Melphalan 140")],
    )
    lg4 = ledger(h4)
    assert lg4.drug("melphalan").exposed and lg4.drug("fludarabine").exposed
    assert lg4.labels["alkylator_exposed"].drugs == ("melphalan",)
    assert not lg4.labels["alkylator_exposed"].trace.unconfirmed


def test_double_refractory_kumar_benchmark(hb):
    h = _heavy(hb)
    h = hb.hist(
        regimens=(*h.regimens, hb.reg(5, "VMP", "2019-09-01", None)),
        progressions=h.progressions,
        responses=h.responses,
    )
    lg = ledger(h)
    assert lg.labels["double_refractory_kumar2017"].applies
    assert not ledger(_heavy(hb)).labels["double_refractory_kumar2017"].applies  # no alkylator


# -- disease status --------------------------------------------------------------------------
def test_disease_status_not_treated_and_not_relapsed(hb):
    assert ledger(hb.hist()).disease_status.status == "not treated"
    h = hb.hist(regimens=[hb.reg(1, "VRd", "2020-01-01", None)])
    assert ledger(h).disease_status.status == "newly diagnosed, not relapsed"


def test_disease_status_primary_refractory(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "VRd", "2020-01-01", "2020-05-01"),
            hb.reg(2, "DKd", "2020-06-01", None),
        ],
        responses=[hb.resp(1, "2020-03-01", "SD"), hb.resp(2, "2020-08-01", "SD")],
        progressions=[hb.prog(1, "2020-05-01")],
    )
    st = ledger(h).disease_status
    assert st.status == "primary refractory"
    assert st.trace.rule == "ledger.status.primary_refractory"


def test_disease_status_relapsed_vs_relapsed_refractory(hb):
    base = dict(
        regimens=[hb.reg(1, "VRd", "2018-01-01", "2018-06-01", end_reason="plan completed")],
        responses=[hb.resp(1, "2018-05-01", "VGPR")],
    )
    h = hb.hist(progressions=[hb.prog(1, "2019-06-01")], **base)
    assert ledger(h).disease_status.status == "relapsed"
    h2 = hb.hist(progressions=[hb.prog(1, "2018-07-01")], **base)
    st = ledger(h2).disease_status
    assert st.status == "relapsed and refractory"
    assert "within 60 days" in st.trace.explanation


def test_disease_status_nonresponsive_on_salvage(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "VRd", "2018-01-01", "2018-06-01", end_reason="plan completed"),
            hb.reg(2, "DKd", "2019-07-01", "2019-12-01"),
        ],
        responses=[hb.resp(1, "2018-05-01", "VGPR"), hb.resp(2, "2019-10-01", "SD")],
        progressions=[hb.prog(1, "2019-06-01")],
    )
    assert ledger(h).disease_status.status == "relapsed and refractory"


def test_disease_status_one_failed_salvage_line_is_enough(hb):
    # Rules doc 2.1: non-responsive on a salvage therapy stays "relapsed and refractory"
    # when a later line responds (independent case tests/cases/09).
    base = dict(
        responses=[
            hb.resp(1, "2018-05-01", "VGPR"),
            hb.resp(2, "2019-10-01", "SD"),
            hb.resp(3, "2020-04-01", "PR"),
        ],
        progressions=[hb.prog(1, "2019-06-01")],
    )
    regs = [
        hb.reg(1, "VRd", "2018-01-01", "2018-06-01", end_reason="plan completed"),
        hb.reg(2, "Pd", "2019-07-01", "2019-12-01", end_reason="inadequate response"),
        hb.reg(3, "Kd", "2020-01-01", None),
    ]
    st = ledger(hb.hist(regimens=regs, **base)).disease_status
    assert st.status == "relapsed and refractory"
    assert "line 2" in st.trace.explanation and "never reached MR" in st.trace.explanation
    # The line still going on is not judged on an early SD: Pd responded (PR), Kd has
    # just started and its first assessment is SD -> still "relapsed".
    early = dict(
        base,
        responses=[
            hb.resp(1, "2018-05-01", "VGPR"),
            hb.resp(2, "2019-10-01", "PR"),
            hb.resp(3, "2020-02-01", "SD"),
        ],
    )
    assert ledger(hb.hist(regimens=regs, **early)).disease_status.status == "relapsed"


def test_disease_status_unknown_without_responses(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "VRd", "2018-01-01", "2018-06-01")],
        progressions=[hb.prog(1, "2019-06-01")],
    )
    assert ledger(h).disease_status.status == "progressed, response not recorded"


# -- early relapse ----------------------------------------------------------------------------
def test_early_relapse_both_definitions(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "VRd", "2020-01-01", "2020-05-01"),
            hb.reg(
                2,
                "lenalidomide",
                "2020-08-01",
                None,
                ["lenalidomide"],
                intent="maintenance",
                part_of_id=1,
            ),
        ],
        procedures=[hb.proc(1, "auto", "2020-06-15")],
        progressions=[hb.prog(1, "2021-03-01")],
    )
    er = ledger(h).early_relapse
    assert er.applies and len(er.fired) == 2
    assert er.months_from_first_line == pytest.approx(14.0, abs=0.1)
    assert er.months_from_first_asct == pytest.approx(8.5, abs=0.1)


def test_early_relapse_only_from_start(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "VRd", "2020-01-01", "2020-05-01")],
        procedures=[hb.proc(1, "auto", "2020-06-15")],
        progressions=[hb.prog(1, "2021-06-20")],
    )
    er = ledger(h).early_relapse
    assert er.fired == ("progression < 18 months from start of first-line treatment",)
    assert er.months_from_first_asct > 12


def test_early_relapse_not_fired(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "VRd", "2020-01-01", "2020-05-01")],
        progressions=[hb.prog(1, "2023-01-01")],
    )
    er = ledger(h).early_relapse
    assert not er.applies and er.months_from_first_asct is None
    assert "Neither definition" in er.trace.explanation
    assert not ledger(hb.hist(regimens=h.regimens)).early_relapse.applies


def test_early_relapse_not_counted_when_line_1_is_not_in_the_journal(hb):
    # Independent case tests/cases/25: KRd set by the person as line 3 (earlier lines abroad);
    # PD 7.6 months after KRd started is not "< 18 months from the start of treatment".
    h = hb.hist(
        regimens=[hb.reg(1, "KRd", "2022-01-10", "2022-09-12", line_override=3)],
        progressions=[hb.prog(1, "2022-08-29")],
    )
    er = ledger(h).early_relapse
    assert not er.applies and er.months_from_first_line is None
    assert er.trace.rule == "ledger.early_relapse.first_line_missing"


# -- inputs ------------------------------------------------------------------------------------
def test_as_of_excludes_later_events(hb):
    h = _len_maint_then_pd(hb, "2021-02-15")
    lg = ledger(h, as_of=PartialDate(2020, 6, 1))
    s = lg.drug("lenalidomide")
    assert s.ongoing and not s.refractory
    assert ledger(h, as_of=PartialDate(2019, 6, 1)).drugs == {}


def test_passed_responses_and_progressions_replace_history(hb):
    h = _len_maint_then_pd(hb, "2021-06-15")
    assert not ledger(h).drug("lenalidomide").refractory
    lg = ledger(h, progressions=[(PartialDate(2021, 1, 20), "computed:pd1")], responses=[])
    t = next(t for t in lg.drug("lenalidomide").traces if t.rule == "ledger.refractory.progression")
    assert "computed:pd1" in t.records


def test_relapse_from_cr_and_unconfirmed_progressions_are_not_pd(hb):
    h = _len_maint_then_pd(hb, "2021-01-15")
    h = hb.hist(
        regimens=h.regimens,
        progressions=[
            hb.prog(1, "2021-01-15", kind="relapse from CR"),
            hb.prog(2, "2021-01-20", confirmed=False),
        ],
    )
    assert not ledger(h).drug("lenalidomide").refractory


def test_rule_sets_documented_and_unknown_rejected(hb):
    assert set(RULE_SETS) == {"imwg", "mammoth", "elranatamab", "mayo", "two_cycles"}
    for rs in RULE_SETS.values():
        assert rs.description and rs.source.short
    with pytest.raises(ValueError, match=r"unknown rule set 'karmma'.*imwg"):
        ledger(hb.hist(), rule_set="karmma")


def test_json(hb):
    j = ledger(_heavy(hb)).to_json()
    assert j["rule_set"]["name"] == "imwg"
    assert j["drugs"]["lenalidomide"]["refractory"] is True
    assert j["labels"]["penta_refractory"]["applies"] is True
    assert j["classes"]["PI"]["refractory_drugs"] == ["bortezomib", "carfilzomib"]


def test_regimen_intent_gives_the_role(hb):
    # melphalan entered with the default role in a conditioning regimen, cyclophosphamide in
    # a lymphodepletion regimen: conditioning counts for exposure only; lymphodepletion never.
    h = hb.hist(
        regimens=[
            hb.reg(1, "VRd", "2019-01-01", "2019-05-01"),
            hb.reg(2, "MEL200", "2019-06-10", "2019-06-10", ["melphalan"], intent="conditioning"),
            hb.reg(3, "Flu/Cy", "2023-02-25", "2023-02-27", intent="lymphodepletion"),
        ],
        procedures=[hb.proc(1, "auto", "2019-06-12"), hb.proc(2, "cart", "2023-03-02")],
        progressions=[hb.prog(1, "2019-07-01")],
    )
    lg = ledger(h)
    mel = lg.drug("melphalan")
    assert mel.exposed and not mel.refractory
    assert len(mel.administrations) == 1  # not again from the transplant procedure
    assert lg.drug("cyclophosphamide") is None and lg.drug("fludarabine") is None


def test_car_t_entered_twice_counts_once(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "DPd", "2022-01-01", "2022-12-01"),
            hb.reg(2, "Cilta-cel", "2023-03-02", "2023-03-02"),
        ],
        procedures=[
            hb.proc(1, "apheresis", "2023-01-05"),
            hb.proc(2, "cart", "2023-03-02", product="ciltacabtagene-autoleucel"),
        ],
        responses=[hb.resp(1, "2023-06-01", "CR")],
    )
    lg = ledger(h)
    assert len(lg.car_t) == 1
    assert lg.drug("ciltacabtagene-autoleucel").best_response == "CR"
    res = compute_lines(h)
    assert res.lines[1].label == "CAR-T (ciltacabtagene autoleucel)"
    assert res.regimen_line[2] == 2


# -- properties --------------------------------------------------------------------------------

_NAMES = ["VRd", "KRd", "DPd", "Kd", "Rd", "Pd", "Tec", "EPd", "IsaKd", "Tal"]
_CATS = ["sCR", "CR", "VGPR", "PR", "MR", "SD", "PD"]


@st.composite
def _specs(draw):
    day, regs = 0, []
    for i in range(draw(st.integers(1, 5))):
        day += draw(st.integers(0, 200))
        length = draw(st.integers(1, 400))
        regs.append(
            (
                i + 1,
                draw(st.sampled_from(_NAMES)),
                day,
                day + length,
                draw(st.sampled_from([None, "side effects (toxicity)", "progression"])),
            )
        )
        day += length
    progs = [draw(st.integers(0, day + 90)) for _ in range(draw(st.integers(0, 4)))]
    resps = [
        (draw(st.integers(0, day + 90)), draw(st.sampled_from(_CATS)))
        for _ in range(draw(st.integers(0, 4)))
    ]
    return regs, progs, resps


def _hist(hb, spec, rnd=None, supportive=False):
    regs, progs, resps = spec
    base = dt.date(2016, 1, 1)

    def d(n):
        return PartialDate.from_date(base + dt.timedelta(days=n))

    regimens = []
    for rid, name, s, e, why in regs:
        r = hb.reg(rid, name, d(s), d(e), end_reason=why)
        if supportive:
            r = dataclasses.replace(
                r, drugs=(*r.drugs, hb.drug("denosumab", start=d(s), last=d(e)))
            )
        regimens.append(r)
    if supportive:
        regimens.append(hb.reg(90, "aciclovir", d(0), None, ["aciclovir"]))
    progressions = [hb.prog(i + 1, d(x)) for i, x in enumerate(progs)]
    responses = [hb.resp(i + 1, d(x), c) for i, (x, c) in enumerate(resps)]
    if rnd is not None:
        for seq in (regimens, progressions, responses):
            rnd.shuffle(seq)
    return hb.hist(regimens=regimens, progressions=progressions, responses=responses)


_PROP = settings(
    max_examples=int(os.environ.get("TJ_HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@_PROP
@given(_specs(), st.randoms(use_true_random=False), st.sampled_from(sorted(RULE_SETS)))
def test_property_ledger_input_order_and_supportive_drugs(hb, spec, rnd, rule_set):
    a = ledger(_hist(hb, spec), rule_set=rule_set).to_json()
    b = ledger(_hist(hb, spec, rnd=random.Random(rnd.random())), rule_set=rule_set).to_json()
    assert a == b
    c = ledger(_hist(hb, spec, supportive=True), rule_set=rule_set).to_json()
    assert c["drugs"].keys() == a["drugs"].keys()
    assert {k: v["applies"] for k, v in c["labels"].items()} == {
        k: v["applies"] for k, v in a["labels"].items()
    }


@_PROP
@given(_specs())
def test_property_refractory_implies_exposed_and_classes_follow_drugs(hb, spec):
    lg = ledger(_hist(hb, spec))
    for s in lg.drugs.values():
        assert not s.refractory or s.exposed
    for c in lg.classes.values():
        assert c.refractory == any(lg.drugs[x].refractory for x in c.refractory_drugs)
        assert set(c.refractory_drugs) <= set(c.exposed_drugs)
    if lg.labels["penta_refractory"].applies:
        assert lg.labels["triple_class_refractory"].applies
        assert lg.labels["quad_refractory_mammoth"].applies
    if lg.labels["triple_class_refractory"].applies:
        assert lg.labels["triple_class_exposed"].applies


def test_response_arm_waits_until_the_drug_stops(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "Kd", "2020-01-01", None)], responses=[hb.resp(1, "2020-01-20", "SD")]
    )
    assert not ledger(h).drug("carfilzomib").refractory
    h2 = hb.hist(
        regimens=[hb.reg(1, "Kd", "2020-01-01", "2020-04-01")],
        responses=[hb.resp(1, "2020-01-20", "SD")],
    )
    assert ledger(h2).drug("carfilzomib").refractory


def test_lymphodepletion_recognised_by_lines_is_not_exposure(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "DPd", "2022-01-01", "2022-12-01"),
            hb.reg(2, "Flu/Cy", "2023-02-25", "2023-02-27"),
        ],
        procedures=[hb.proc(1, "cart", "2023-03-02", product="ide-cel")],
    )
    lg = ledger(h)
    assert lg.drug("fludarabine") is None and lg.drug("cyclophosphamide") is None
    assert not lg.labels["alkylator_exposed"].applies


def test_primary_refractory_without_progression(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "VRd", "2020-01-01", "2020-05-01", end_reason="inadequate response"),
            hb.reg(2, "DKd", "2020-05-15", None),
        ],
        responses=[hb.resp(1, "2020-04-01", "SD")],
    )
    assert ledger(h).disease_status.status == "primary refractory"
    # still on the first regimen with an early SD: not yet
    h2 = hb.hist(
        regimens=[hb.reg(1, "VRd", "2020-01-01", None)], responses=[hb.resp(1, "2020-02-01", "SD")]
    )
    assert ledger(h2).disease_status.status == "newly diagnosed, not relapsed"


def test_every_label_has_a_plain_sentence(hb):
    lg = ledger(_heavy(hb))
    for label in lg.labels.values():
        assert label.plain.endswith("."), label.id
        assert label.to_json()["plain"] == label.plain


def test_celmod_counts_as_imid_only_when_asked(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "KRd", "2019-01-01", "2019-12-01"),
            hb.reg(2, "MeziKd", "2020-01-01", "2020-06-01"),
            hb.reg(3, "DVd", "2020-07-01", "2020-12-01"),
        ],
        progressions=[hb.prog(1, "2019-12-15"), hb.prog(2, "2020-06-15"), hb.prog(3, "2020-12-15")],
        responses=[hb.resp(1, "2019-06-01", "VGPR")],
    )
    # lenalidomide refractory anyway; pomalidomide never given
    lg = ledger(h)
    assert lg.classes["CELMoD"].refractory_drugs == ("mezigdomide",)
    assert lg.labels["quad_refractory_mammoth"].applies  # 2 PIs + 1 IMiD + anti-CD38
    h2 = hb.hist(
        regimens=[
            hb.reg(1, "VRd", "2019-01-01", "2019-12-01"),
            hb.reg(2, "MeziKd", "2020-01-01", "2020-06-01"),
            hb.reg(3, "DPd", "2020-07-01", "2020-12-01"),
        ],
        progressions=h.progressions,
    )
    plain = ledger(h2)
    assert set(plain.labels["double_refractory"].drugs) >= {"lenalidomide", "pomalidomide"}
    assert "mezigdomide" not in plain.labels["double_refractory"].drugs
    mapped = compute_ledger(h2, compute_lines(h2), celmod_as_imid=True)
    assert "mezigdomide" in mapped.labels["double_refractory"].drugs
    assert mapped.classes["IMiD"].refractory_drugs == ("lenalidomide", "pomalidomide")
