"""Issue 9 item 5: facts screeners ask for — refractory to the last line, time since the
last progression, frontline ASCT to first progression."""

from __future__ import annotations

import pytest

from journal.domain.ledger import compute_ledger
from journal.domain.lines import compute_lines


def ledger(h, **kw):
    return compute_ledger(h, compute_lines(h), **kw)


def _two(hb, second_end=None, second_reason=None, **kw):
    return hb.hist(
        regimens=[
            hb.reg(1, "VRd", "2020-01-01", "2020-09-01", end_reason="progression"),
            hb.reg(2, "KPd", "2020-09-15", second_end, end_reason=second_reason, cycle_days=28),
        ],
        **kw,
    )


# -- refractory to the last line --------------------------------------------------------------
def test_last_line_refractory_by_progression_within_60_days(hb):
    h = _two(hb, "2021-03-01", "other", progressions=[hb.prog(1, "2021-04-10")])
    ll = ledger(h, as_of=hb.d("2021-06-01")).last_line
    assert ll.line == 2 and ll.state == "refractory" and ll.refractory is True
    assert "40 days after its last dose" in ll.trace.explanation
    assert "progression:1" in ll.trace.records and "regimen:2" in ll.trace.records
    assert set(ll.refractory_drugs) == {"carfilzomib", "pomalidomide", "dexamethasone"}


def test_last_line_not_refractory_after_60_days_with_a_response(hb):
    h = _two(
        hb,
        "2021-03-01",
        "other",
        progressions=[hb.prog(1, "2021-08-01")],
        responses=[hb.resp(1, "2020-12-01", "VGPR", regimen_id=2)],
    )
    ll = ledger(h, as_of=hb.d("2021-09-01")).last_line
    assert ll.state == "not refractory" and ll.refractory is False


def test_last_line_not_assessable_without_response(hb):
    h = _two(hb, "2021-03-01", "other")
    ll = ledger(h, as_of=hb.d("2021-09-01")).last_line
    assert ll.state == "not assessable" and ll.refractory is None
    assert "no response assessment" in ll.trace.explanation


def test_last_line_ended_by_its_end_reason(hb):
    h = _two(hb, "Mar 2021", "progression")
    ll = ledger(h, as_of=hb.d("2021-09-01")).last_line
    assert ll.state == "refractory" and "end reason" in ll.trace.explanation


def test_last_line_going_on_is_judged_so_far(hb):
    ll = ledger(_two(hb), as_of=hb.d("2021-02-01")).last_line
    assert ll.line == 2 and ll.state == "not refractory"
    assert "so far" in ll.trace.explanation
    ll = ledger(_two(hb), as_of=hb.d("2020-09-25")).last_line
    assert ll.state == "not assessable"


def test_no_line_yet(hb):
    ll = ledger(hb.hist(), as_of=hb.d("2021-02-01")).last_line
    assert ll.line is None and ll.state is None


# -- frontline ASCT -> first progression ------------------------------------------------------
def test_frontline_asct_after_induction_switched_for_side_effects(hb):
    # Rd stopped for toxicity, VCd + planned ASCT (line 2, HealthTree example 2): the ASCT
    # is still the frontline transplant for functional high risk.
    h = hb.hist(
        regimens=[
            hb.reg(1, "Rd", "2020-01-01", "2020-02-15", end_reason="side effects (toxicity)"),
            hb.reg(2, "VCd", "2020-03-01", "2020-06-01", end_reason="plan completed"),
        ],
        procedures=[hb.proc(1, "auto", "2020-07-01", regimen_id=2)],
        progressions=[hb.prog(1, "2021-03-01")],
    )
    lines = compute_lines(h)
    assert lines.procedure_line[1] == 2
    er = compute_ledger(h, lines).early_relapse
    assert er.frontline_asct.to_iso() == "2020-07-01"
    assert er.months_from_first_asct == pytest.approx(8.0, abs=0.1)
    assert er.days_from_first_asct == 243
    assert "progression < 12 months from frontline ASCT" in er.fired
    assert "first planned transplant before any progression" in er.trace.explanation


def test_a_transplant_after_the_first_progression_is_not_frontline(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "VRd", "2020-01-01", "2020-06-01", end_reason="progression"),
            hb.reg(2, "KCd", "2020-06-15", "2020-10-01"),
        ],
        procedures=[hb.proc(1, "auto", "2020-11-01")],
        progressions=[hb.prog(1, "2021-03-01")],
    )
    er = ledger(h).early_relapse
    assert er.frontline_asct is None and er.months_from_first_asct is None
    assert er.first_progression.to_iso() == "2020-06-01"


def test_unplanned_transplant_is_not_frontline(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "VRd", "2020-01-01", "2020-05-01")],
        procedures=[hb.proc(1, "auto", "2020-06-15", planned=False)],
        progressions=[hb.prog(1, "2021-03-01")],
    )
    assert ledger(h).early_relapse.frontline_asct is None


# -- bridging (item 8) ------------------------------------------------------------------------
def _cart(hb, pd):
    return hb.hist(
        regimens=[
            hb.reg(1, "Pd", "2021-01-01", "2021-06-01", end_reason="progression"),
            hb.reg(2, "Kd", "2021-07-01", "2021-08-01", intent="bridging"),
        ],
        procedures=[
            hb.proc(1, "apheresis", "2021-06-20"),
            hb.proc(2, "cart", "2021-08-20", product="ciltacabtagene-autoleucel"),
        ],
        progressions=[hb.prog(1, pd)],
    )


def test_bridging_drug_not_refractory_for_a_progression_after_the_infusion(hb):
    lg = ledger(_cart(hb, "2021-09-20"), as_of=hb.d("2021-12-01"))
    s = lg.drug("carfilzomib")
    assert s.refractory is False
    t = next(t for t in s.traces if t.rule == "ledger.not_refractory")
    assert "bridging" in t.explanation
    ll = lg.last_line
    assert ll.state == "refractory"  # the CAR-T line: progression 31 days after the infusion
    assert "carfilzomib" not in ll.refractory_drugs and "carfilzomib" in ll.not_listed
    assert "bridging" in ll.trace.explanation


def test_bridging_drug_refractory_when_progressing_on_it(hb):
    s = ledger(_cart(hb, "2021-07-25"), as_of=hb.d("2021-12-01")).drug("carfilzomib")
    assert s.refractory is True


# -- MAMMOTH groups are exclusive (item 6) ----------------------------------------------------
def _refractory_to(hb, *drug_lists):
    regs, progs = [], []
    for i, drugs in enumerate(drug_lists, start=1):
        start = f"{2015 + i}-01-01"
        end = f"{2015 + i}-10-01"
        regs.append(hb.reg(i, f"R{i}", start, end, list(drugs), end_reason="progression"))
    return hb.hist(regimens=regs, progressions=progs)


@pytest.mark.parametrize(
    ("drugs", "group", "shown"),
    [
        (
            (["daratumumab", "dexamethasone"],),
            "not triple-refractory",
            set(),
        ),
        (
            (["daratumumab", "bortezomib", "lenalidomide", "dexamethasone"],),
            "triple-refractory",
            {"triple_class_refractory"},
        ),
        (
            (
                ["daratumumab", "bortezomib", "lenalidomide"],
                ["pomalidomide", "dexamethasone"],
            ),
            "quad-refractory",
            {"quad_refractory_mammoth"},
        ),
        (
            (
                ["daratumumab", "bortezomib", "lenalidomide"],
                ["pomalidomide", "carfilzomib", "dexamethasone"],
            ),
            "penta-refractory",
            {"penta_refractory"},
        ),
        ((["bortezomib", "lenalidomide"],), None, {"double_refractory"}),
    ],
)
def test_exactly_one_mammoth_group_and_implied_labels_not_shown(hb, drugs, group, shown):
    lg = ledger(_refractory_to(hb, *drugs), as_of=hb.d("2021-01-01"))
    assert lg.mammoth_group.group == group
    refractory_labels = {
        k
        for k, lab in lg.labels.items()
        if lab.shown
        and k
        in (
            "double_refractory",
            "triple_class_refractory",
            "quad_refractory_mammoth",
            "quad_refractory_older",
            "penta_refractory",
        )
    }
    assert refractory_labels == shown
    for lab in lg.labels.values():
        if lab.implied_by:
            assert lab.applies and lg.labels[lab.implied_by].applies


def test_implied_labels_still_apply_in_json(hb):
    drugs = (
        ["daratumumab", "bortezomib", "lenalidomide"],
        ["pomalidomide", "carfilzomib", "dexamethasone"],
    )
    j = ledger(_refractory_to(hb, *drugs), as_of=hb.d("2021-01-01")).to_json()
    tcr = j["labels"]["triple_class_refractory"]
    assert tcr["applies"] is True and tcr["shown"] is False
    assert tcr["implied_by"] == "penta_refractory"
    assert j["mammoth_group"]["group"] == "penta-refractory"


# -- refractory classes name anti-myeloma classes only (item 8) -------------------------------
def test_steroid_keeps_its_answer_but_is_not_a_refractory_class(hb):
    lg = ledger(_refractory_to(hb, ["lenalidomide", "dexamethasone"]), as_of=hb.d("2021-01-01"))
    assert lg.drug("dexamethasone").refractory is True
    assert lg.refractory_classes == ("IMiD",)
    j = lg.to_json()["refractory_classes"]
    assert j["classes"] == ["IMiD"] and "steroid" in j["trace"]["explanation"]


def test_lymphodepletion_agents_are_not_judged(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "Pd", "2021-01-01", "2021-06-01", end_reason="progression"),
            hb.reg(2, "Flu/Cy", "2021-08-10", "2021-08-12", ["fludarabine", "cyclophosphamide"]),
        ],
        procedures=[hb.proc(1, "cart", "2021-08-15", product="idecabtagene-vicleucel")],
        progressions=[hb.prog(1, "2021-09-01")],
    )
    lg = ledger(h, as_of=hb.d("2021-12-01"))
    assert lg.drug("cyclophosphamide") is None and lg.drug("fludarabine") is None
    assert "alkylator" not in lg.refractory_classes
