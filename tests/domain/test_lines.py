"""Lines of therapy: one test per row of rules doc section 1.2, plus overrides,
partial dates, prior lines and property tests."""

from __future__ import annotations

import dataclasses
import os
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal.domain.dates import PartialDate
from journal.domain.lines import FLAG_HOLD, FLAG_SHORT, FLAG_STEROID_ONLY, compute_lines
from journal.domain.vocab import AdditionKind, ChangeReason, DrugRole, RegimenIntent


def rules(line):
    return {t.rule for t in line.traces}


def numbers(res):
    return [ln.number for ln in res.lines]


def test_dose_change_is_not_a_new_line(hb):
    h = hb.hist(
        regimens=[
            hb.reg(
                1,
                "Rd",
                "2020-01-01",
                None,
                [
                    hb.drug(
                        "lenalidomide",
                        changes=(hb.change("2020-04-01", dose=15, reason="low platelets"),),
                    ),
                    "dexamethasone",
                ],
            )
        ]
    )
    res = compute_lines(h)
    assert numbers(res) == [1]
    assert "lines.same_line.dose_change" in rules(res.lines[0])


def test_schedule_change_is_not_a_new_line(hb):
    h = hb.hist(
        regimens=[
            hb.reg(
                1,
                "Tec",
                "2023-01-01",
                None,
                [
                    hb.drug(
                        "teclistamab", changes=(hb.change("2023-07-01", schedule="every 2 weeks"),)
                    )
                ],
            )
        ]
    )
    res = compute_lines(h)
    assert numbers(res) == [1]
    tr = [t for t in res.lines[0].traces if t.rule == "lines.same_line.schedule_change"]
    assert tr and tr[0].unconfirmed


def test_some_drugs_stopped_is_not_a_new_line(hb):
    # carfilzomib stopped for cardiac toxicity, Rd continues
    h = hb.hist(
        regimens=[
            hb.reg(
                1,
                "KRd",
                "2021-01-01",
                None,
                [
                    hb.drug(
                        "carfilzomib", last="2021-05-01", stop_reason="side effects (toxicity)"
                    ),
                    "lenalidomide",
                    "dexamethasone",
                ],
            )
        ]
    )
    res = compute_lines(h)
    assert numbers(res) == [1]
    assert "lines.same_line.partial_stop" in rules(res.lines[0])


def test_planned_drop_is_not_a_new_line(hb):
    h = hb.hist(
        regimens=[
            hb.reg(
                1,
                "DVd",
                "2021-01-01",
                "2022-06-01",
                [
                    "daratumumab",
                    hb.drug("bortezomib", last="2021-06-15", stop_reason="plan completed"),
                    hb.drug("dexamethasone", last="2021-06-15", stop_reason="planned"),
                ],
            )
        ]
    )
    res = compute_lines(h)
    assert numbers(res) == [1]
    assert "lines.same_line.planned_drop" in rules(res.lines[0])


def test_all_stopped_then_different_regimen_is_new_line(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "Rd", "2019-01-01", "2019-03-01", end_reason="side effects (toxicity)"),
            hb.reg(2, "VCd", "2019-03-15", "2019-07-01"),
        ]
    )
    res = compute_lines(h)
    assert numbers(res) == [1, 2]
    t = next(t for t in res.lines[1].traces if t.rule == "lines.new_line.different_regimen")
    assert "regimen:2" in t.records and "regimen:1" in t.records
    assert "condition 1" in t.explanation
    assert res.regimen_line == {1: 1, 2: 2}


def test_unplanned_addition_is_new_line(hb):
    # Rd, then bortezomib added for inadequate response (-> VRd): 2 lines (HealthTree ex. 1)
    h = hb.hist(
        regimens=[
            hb.reg(
                1,
                "Rd",
                "2020-01-01",
                None,
                [
                    "lenalidomide",
                    "dexamethasone",
                    hb.drug("bortezomib", start="2020-05-01", addition="unplanned addition"),
                ],
            )
        ]
    )
    res = compute_lines(h)
    assert numbers(res) == [1, 2]
    assert res.lines[1].start == PartialDate(2020, 5, 1)
    assert res.lines[0].end == PartialDate(2020, 5, 1)
    t = res.lines[1].traces[0]
    assert t.rule == "lines.new_line.unplanned_addition"
    assert "bortezomib" in t.explanation
    # lenalidomide was given in both lines, bortezomib only in the second
    assert res.drug_lines[(1, 0)] == (1, 2)
    assert res.drug_lines[(1, 2)] == (2,)


def test_unplanned_substitution_names_both_drugs(hb):
    h = hb.hist(
        regimens=[
            hb.reg(
                1,
                "VRd",
                "2022-01-10",
                None,
                [
                    hb.drug("bortezomib", last="2022-06-12", stop_reason="side effects (toxicity)"),
                    "lenalidomide",
                    "dexamethasone",
                    hb.drug("carfilzomib", start="2022-06-13", addition="unplanned substitution"),
                ],
            )
        ]
    )
    res = compute_lines(h)
    assert numbers(res) == [1, 2]
    t = res.lines[1].traces[0]
    assert t.rule == "lines.new_line.unplanned_substitution"
    assert "unplanned substitution of bortezomib by carfilzomib on 13 Jun 2022" in t.explanation
    assert "IMWG 2015 condition 2" in t.explanation
    assert res.drug_lines[(1, 0)] == (1,)  # bortezomib only in line 1
    assert "lines.same_line.partial_stop" not in rules(res.lines[0])


def test_unplanned_addition_as_overlapping_regimen(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "Rd", "2020-01-01", None),
            hb.reg(2, "bortezomib", "2020-05-01", None, ["bortezomib"]),
        ]
    )
    res = compute_lines(h)
    assert numbers(res) == [1, 2]
    assert res.lines[1].traces[0].rule == "lines.new_line.unplanned_addition"


def test_planned_addition_is_same_line(hb):
    h = hb.hist(
        regimens=[
            hb.reg(
                1,
                "Rd",
                "2020-01-01",
                None,
                [
                    "lenalidomide",
                    "dexamethasone",
                    hb.drug("daratumumab", start="2020-02-01", addition="planned addition"),
                ],
            )
        ]
    )
    res = compute_lines(h)
    assert numbers(res) == [1]
    assert "lines.same_line.planned_addition" in rules(res.lines[0])


def _vrd_asct_len(hb, **len_kw):
    return [
        hb.reg(1, "VRd", "2019-01-01", "2019-05-01", intent="induction"),
        hb.reg(
            2, "melphalan 200", "2019-06-10", "2019-06-10", ["melphalan"], intent="conditioning"
        ),
        hb.reg(3, "lenalidomide", "2019-09-01", None, ["lenalidomide"], **len_kw),
    ]


def test_planned_programme_is_one_line(hb):
    # 2015 letter example: induction -> SCT -> maintenance = 1 line
    h = hb.hist(
        regimens=_vrd_asct_len(hb, part_of_id=1, intent="maintenance"),
        procedures=[hb.proc(1, "auto", "2019-06-12")],
    )
    res = compute_lines(h)
    assert numbers(res) == [1]
    ln = res.lines[0]
    assert ln.label == "VRd -> melphalan 200 conditioning -> ASCT -> lenalidomide maintenance"
    assert set(ln.regimen_ids) == {1, 2, 3} and ln.procedure_ids == (1,)
    assert {"lines.same_line.planned_sct", "lines.same_line.planned_programme"} <= rules(ln)
    assert res.procedure_line == {1: 1}


def test_maintenance_by_intent_without_link_is_same_line(hb):
    h = hb.hist(
        regimens=_vrd_asct_len(hb, intent="maintenance", start_reason="planned"),
        procedures=[hb.proc(1, "auto", "2019-06-12")],
    )
    res = compute_lines(h)
    assert numbers(res) == [1]
    assert "lines.same_line.planned_continuation" in rules(res.lines[0])


def test_observation_then_lenalidomide_is_new_line(hb):
    # HealthTree example 3: no maintenance; paraprotein rises; lenalidomide = new line
    h = hb.hist(
        regimens=_vrd_asct_len(hb, start_reason="progression"),
        procedures=[hb.proc(1, "auto", "2019-06-12")],
        progressions=[hb.prog(1, "2019-12-15")],
    )
    h = dataclasses.replace(
        h,
        regimens=(
            *h.regimens[:2],
            dataclasses.replace(h.regimens[2], start=PartialDate(2020, 1, 1)),
        ),
    )
    res = compute_lines(h)
    assert numbers(res) == [1, 2]
    assert res.regimen_line[3] == 2


def test_maintenance_after_progression_is_new_line(hb):
    h = hb.hist(
        regimens=_vrd_asct_len(hb, intent="maintenance"),
        procedures=[hb.proc(1, "auto", "2019-06-12")],
        progressions=[hb.prog(1, "2019-08-15")],
    )
    res = compute_lines(h)
    assert numbers(res) == [1, 2]


def test_toxicity_switch_then_planned_sct(hb):
    # HealthTree example 2: Rd stopped for toxicity, VCd, then planned SCT: Rd = 1, VCd+SCT = 2
    h = hb.hist(
        regimens=[
            hb.reg(1, "Rd", "2019-01-01", "2019-02-20", end_reason="side effects (toxicity)"),
            hb.reg(2, "VCd", "2019-03-01", "2019-06-30"),
        ],
        procedures=[hb.proc(1, "auto", "2019-08-01")],
    )
    res = compute_lines(h)
    assert numbers(res) == [1, 2]
    assert res.procedure_line[1] == 2
    assert res.lines[1].label == "VCd -> ASCT"


def test_planned_tandem_is_same_line(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "VRd", "2019-01-01", "2019-05-01")],
        procedures=[
            hb.proc(1, "auto", "2019-06-01"),
            hb.proc(2, "auto", "2019-09-01", planned_tandem=True),
        ],
    )
    res = compute_lines(h)
    assert numbers(res) == [1]
    assert "lines.same_line.planned_tandem" in rules(res.lines[0])
    assert not res.lines[0].flags


def test_planned_tandem_long_interval_is_flagged(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "VRd", "2019-01-01", "2019-05-01")],
        procedures=[
            hb.proc(1, "auto", "2019-06-01"),
            hb.proc(2, "auto", "2020-03-01", planned_tandem=True),
        ],
    )
    res = compute_lines(h)
    assert numbers(res) == [1]
    assert "tandem interval longer than usual" in res.lines[0].flags


def test_further_sct_is_new_line(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "VRd", "2015-01-01", "2015-05-01")],
        procedures=[
            hb.proc(1, "auto", "2015-06-01"),
            hb.proc(2, "auto", "2019-02-01"),
            hb.proc(3, "allo", "2020-05-01"),
        ],
    )
    res = compute_lines(h)
    assert numbers(res) == [1, 2, 3]
    assert res.procedure_line == {1: 1, 2: 2, 3: 3}
    assert res.lines[2].traces[0].rule == "lines.new_line.further_sct"
    assert res.lines[2].label == "allo SCT"


def test_same_regimen_restarted_after_observation_is_new_line(hb):
    # CIBMTR: VRd -> (PD) -> VCd -> VRd again = 3 lines
    h = hb.hist(
        regimens=[
            hb.reg(1, "VRd", "2018-01-01", "2018-08-01", end_reason="plan completed"),
            hb.reg(2, "VCd", "2019-03-01", "2019-09-01"),
            hb.reg(3, "VRd", "2019-10-01", "2020-04-01"),
        ],
        progressions=[hb.prog(1, "2019-02-15")],
    )
    assert numbers(compute_lines(h)) == [1, 2, 3]
    h2 = hb.hist(
        regimens=[
            hb.reg(1, "Rd", "2018-01-01", "2018-12-01", end_reason="plan completed"),
            hb.reg(2, "Rd", "2019-03-01", None),
        ]
    )
    res = compute_lines(h2)
    assert numbers(res) == [1, 2]
    assert res.lines[1].traces[0].rule == "lines.new_line.restart_after_observation"


def test_restart_after_progression_with_short_gap_is_new_line(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "Kd", "2021-01-01", "2021-06-01"), hb.reg(2, "Kd", "2021-06-20", None)],
        progressions=[hb.prog(1, "2021-06-10")],
    )
    assert numbers(compute_lines(h)) == [1, 2]


def test_short_hold_then_resume_is_same_line_flagged(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "Kd", "2021-01-01", "2021-03-01", end_reason="side effects (toxicity)"),
            hb.reg(2, "Kd", "2021-03-20", None),
        ],
    )
    res = compute_lines(h)
    assert numbers(res) == [1]
    t = next(t for t in res.lines[0].traces if t.rule == "lines.same_line.short_hold")
    assert t.unconfirmed and FLAG_HOLD in res.lines[0].flags


def test_resume_after_planned_drop_and_hold_is_same_line(hb):
    # DVd: bortezomib stopped after 8 cycles as planned, then DVd paused for pneumonia and
    # daratumumab-dex resumed 3 weeks later: the same drugs that were being taken
    # (independent case tests/cases/22).
    dvd = hb.reg(
        1,
        "DVd",
        "2020-02-24",
        "2020-10-05",
        [
            "daratumumab",
            hb.drug("bortezomib", last="2020-08-03", stop_reason="plan completed"),
            "dexamethasone",
        ],
        end_reason="side effects (toxicity)",
    )
    h = hb.hist(
        regimens=[dvd, hb.reg(2, "Dd", "2020-10-26", None, ["daratumumab", "dexamethasone"])]
    )
    res = compute_lines(h)
    assert numbers(res) == [1] and res.regimen_line == {1: 1, 2: 1}
    assert "lines.same_line.short_hold" in rules(res.lines[0])
    # A genuinely different regimen after the pause is still a new line.
    h2 = hb.hist(regimens=[dvd, hb.reg(2, "Kd", "2020-10-26", None)])
    assert numbers(compute_lines(h2)) == [1, 2]


def test_hold_recorded_as_dose_change_is_same_line(hb):
    h = hb.hist(
        regimens=[
            hb.reg(
                1,
                "Kd",
                "2021-01-01",
                None,
                [
                    hb.drug(
                        "carfilzomib",
                        changes=(hb.change("2021-02-01", held=True, reason="infection"),),
                    ),
                    "dexamethasone",
                ],
            )
        ]
    )
    res = compute_lines(h)
    assert numbers(res) == [1]
    assert "lines.same_line.hold" in rules(res.lines[0])


def test_shorter_than_one_cycle_counts_and_is_flagged(hb):
    h = hb.hist(
        regimens=[
            hb.reg(
                1,
                "KRd",
                "2021-01-01",
                "2021-01-10",
                cycles=0,
                cycle_days=28,
                end_reason="side effects (toxicity)",
            ),
            hb.reg(2, "DRd", "2021-01-20", None),
        ]
    )
    res = compute_lines(h)
    assert numbers(res) == [1, 2]
    assert FLAG_SHORT in res.lines[0].flags
    assert FLAG_SHORT not in res.lines[1].flags
    t = next(t for t in res.lines[0].traces if t.rule == "lines.flag.short_regimen")
    assert t.unconfirmed
    # by duration alone (no cycle count)
    h2 = hb.hist(regimens=[hb.reg(1, "KRd", "2021-01-01", "2021-01-10", cycle_days=28)])
    assert FLAG_SHORT in compute_lines(h2).lines[0].flags
    h3 = hb.hist(regimens=[hb.reg(1, "KRd", "2021-01-01", "2021-03-10", cycle_days=28)])
    assert FLAG_SHORT not in compute_lines(h3).lines[0].flags


def test_dex_only_addition_strict_new_line_flagged(hb):
    h = hb.hist(
        regimens=[
            hb.reg(
                1,
                "lenalidomide",
                "2020-01-01",
                None,
                [
                    "lenalidomide",
                    hb.drug("dexamethasone", start="2020-08-01", addition="unplanned addition"),
                ],
                intent="maintenance",
            )
        ]
    )
    res = compute_lines(h)
    assert numbers(res) == [1, 2]
    assert FLAG_STEROID_ONLY in res.lines[1].flags
    assert res.lines[1].traces[0].unconfirmed


def test_car_t_programme_is_one_line(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "DPd", "2022-01-01", "2022-12-01", end_reason="progression"),
            hb.reg(2, "Kd", "2023-01-10", "2023-02-20", intent="bridging"),
            hb.reg(
                3,
                "Flu/Cy",
                "2023-02-25",
                "2023-02-27",
                [
                    hb.drug("fludarabine", role="lymphodepletion"),
                    hb.drug("cyclophosphamide", role="lymphodepletion"),
                ],
            ),
        ],
        procedures=[
            hb.proc(1, "apheresis", "2023-01-05"),
            hb.proc(2, "cart", "2023-03-02", product="cilta-cel"),
        ],
        progressions=[hb.prog(1, "2022-12-01")],
    )
    res = compute_lines(h)
    assert numbers(res) == [1, 2]
    ln = res.lines[1]
    assert set(ln.regimen_ids) == {2, 3} and set(ln.procedure_ids) == {1, 2}
    assert ln.start == PartialDate(2023, 1, 5)
    assert ln.traces[0].rule == "lines.new_line.car_t_programme" and ln.traces[0].unconfirmed
    assert "ciltacabtagene autoleucel" in ln.label


def test_regimen_between_apheresis_and_infusion_is_bridging(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "DPd", "2022-01-01", "2022-12-01"),
            hb.reg(2, "Kd", "2023-01-10", "2023-02-20"),  # no intent given
        ],
        procedures=[hb.proc(1, "apheresis", "2023-01-05"), hb.proc(2, "cart", "2023-03-02")],
    )
    assert numbers(compute_lines(h)) == [1, 2]


def test_supportive_drugs_never_form_or_split_a_line(hb):
    h = hb.hist(
        regimens=[
            hb.reg(
                1,
                "Rd",
                "2020-01-01",
                None,
                [
                    "lenalidomide",
                    "dexamethasone",
                    hb.drug("zoledronic acid", start="2020-03-01", addition="unplanned addition"),
                    hb.drug(
                        "aciclovir",
                        role="supportive",
                        start="2020-02-01",
                        addition="unplanned addition",
                    ),
                ],
            ),
            hb.reg(2, "Zometa", "2020-02-01", None, ["zoledronic acid"]),
            hb.reg(
                4,
                "CRS treatment",
                "2020-07-01",
                "2020-07-03",
                ["tocilizumab", hb.drug("dexamethasone", role="supportive")],
            ),
            hb.reg(
                3,
                "premed",
                "2020-06-01",
                "2020-06-01",
                [hb.drug("dexamethasone", role="premedication")],
            ),
        ]
    )
    res = compute_lines(h)
    assert numbers(res) == [1]
    assert {t.rule for t in res.traces} == {"lines.ignored.supportive"}
    assert res.lines[0].label == "Rd"


def test_radiotherapy_is_not_a_line(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "Rd", "2020-01-01", None)],
        procedures=[hb.proc(1, "radio", "2020-04-01", site="T8")],
    )
    res = compute_lines(h)
    assert numbers(res) == [1]
    assert res.traces[0].rule == "lines.ignored.procedure" and res.traces[0].unconfirmed
    assert 1 not in res.procedure_line


def test_override_merges_and_renumbers_later_lines(hb):
    regs = [
        hb.reg(1, "VRd", "2019-01-01", "2019-06-01"),
        hb.reg(2, "KRd", "2019-07-01", "2020-01-01"),
        hb.reg(3, "DPd", "2020-03-01", "2021-01-01"),
        hb.reg(4, "Tec", "2021-03-01", None),
    ]
    assert numbers(compute_lines(hb.hist(regimens=regs))) == [1, 2, 3, 4]
    regs[1] = dataclasses.replace(regs[1], line_override=1, line_override_reason="same plan")
    res = compute_lines(hb.hist(regimens=regs))
    assert numbers(res) == [1, 2, 3]
    assert res.regimen_line == {1: 1, 2: 1, 3: 2, 4: 3}
    assert res.lines[0].overridden and not res.lines[1].overridden
    ov = next(t for t in res.lines[0].traces if t.rule == "lines.override")
    assert ov.overridden_by == "regimen:2.line_override"
    assert "same plan" in ov.explanation


def test_override_splits_and_skips_numbers(hb):
    regs = [
        hb.reg(1, "VRd", "2019-01-01", "2019-05-01"),
        hb.reg(
            2,
            "lenalidomide",
            "2019-06-01",
            None,
            ["lenalidomide"],
            intent="maintenance",
            line_override=4,
            line_override_reason="earlier lines abroad not recorded",
        ),
        hb.reg(3, "DPd", "2021-03-01", None),
    ]
    res = compute_lines(hb.hist(regimens=regs))
    assert res.regimen_line == {1: 1, 2: 4, 3: 5}
    assert res.lines_received == 5
    assert res.prior_lines(PartialDate(2021, 4, 1)) == 5
    assert res.prior_lines(PartialDate(2021, 3, 1)) == 4


def test_prior_lines_excludes_current_line(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "VRd", "2019-01-01", "2019-06-01"),
            hb.reg(2, "DPd", "2020-03-01", "2021-01-01"),
            hb.reg(3, "Tec", "2021-03-01", None),
        ]
    )
    res = compute_lines(h)
    assert res.prior_lines(PartialDate(2021, 3, 1)) == 2  # line 3 starts that day: not prior
    assert res.prior_lines(PartialDate(2021, 3, 2)) == 3
    assert res.prior_lines(PartialDate(2018, 1, 1)) == 0
    assert res.lines_received == 3
    t = res.prior_lines_trace(PartialDate(2021, 3, 1))
    assert t.rule == "lines.prior_lines" and "2 prior lines" in t.explanation
    assert "regimen:3" not in t.records
    assert res.line_at(PartialDate(2020, 6, 1)).number == 2


def test_partial_dates(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "VRd", "spring 2015", "summer 2015"),
            hb.reg(2, "Rd", "2016", "2017"),
            hb.reg(3, "DPd", "May 2018", None),
        ]
    )
    res = compute_lines(h)
    assert numbers(res) == [1, 2, 3]
    assert res.lines[1].start == PartialDate(2016)
    # "2018" could be before or after May 2018: counted by midpoint, flagged as imprecise
    t = res.prior_lines_trace(PartialDate(2018))
    assert "imprecise date" in t.flags


def test_conditioning_never_starts_a_line(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "HDM", "2019-06-10", "2019-06-10", ["melphalan"], intent="conditioning")
        ]
    )
    res = compute_lines(h)
    assert res.lines == ()
    assert res.traces[0].rule == "lines.ignored.programme"


def test_json_shape(hb):
    res = compute_lines(hb.hist(regimens=[hb.reg(1, "VRd", "2019-01-01", "2019-06-01")]))
    j = res.to_json()
    assert j["lines_received"] == 1
    assert j["lines"][0]["start"] == "2019-01-01" and j["lines"][0]["traces"][0]["rule"]


# -- properties --------------------------------------------------------------------------
REGIMENS = ["VRd", "KRd", "DPd", "Kd", "Rd", "Pd", "Tec", "EPd"]


@st.composite
def histories(draw):
    n = draw(st.integers(1, 6))
    day = 0
    regs = []
    for i in range(n):
        day += draw(st.integers(0, 400))
        length = draw(st.integers(1, 300))
        name = draw(st.sampled_from(REGIMENS))
        start = _pd(draw, day)
        end = None if (i == n - 1 and draw(st.booleans())) else _pd(draw, day + length)
        if end is not None and end < start:
            end = start
        intent = draw(st.sampled_from([None, None, None, "maintenance", "bridging"]))
        override = draw(st.sampled_from([None] * 8 + [1, 2, 4]))
        regs.append((i + 1, name, start, end, intent, draw(st.booleans()), override))
        day += length
    procs = [
        (
            draw(st.sampled_from(["auto", "auto", "allo", "cart", "apheresis", "radio"])),
            PartialDate.from_date(_d(draw(st.integers(0, day + 10)))),
            draw(st.booleans()),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    progs = [
        PartialDate.from_date(_d(draw(st.integers(0, day + 10))))
        for _ in range(draw(st.integers(0, 3)))
    ]
    return regs, procs, progs


def _pd(draw, day):
    d = _d(day)
    if draw(st.integers(0, 9)) == 0:  # now and then only the month is known
        return PartialDate(d.year, d.month)
    return PartialDate.from_date(d)


def _d(n):
    import datetime as dt

    return dt.date(2015, 1, 1) + dt.timedelta(days=n)


def _build(hb, spec, extra_supportive=False, shuffle=None):
    regs, procs, progs = spec
    regimens = []
    for rid, name, s, e, intent, substitution, override in regs:
        r = hb.reg(rid, name, s, e, intent=intent, line_override=override)
        if substitution and name == "VRd" and e is not None:
            # swap bortezomib for carfilzomib half-way (unplanned)
            mid = PartialDate.from_date(s.as_date() + (e.as_date() - s.as_date()) / 2)
            r = hb.reg(
                rid,
                name,
                s,
                e,
                [
                    hb.drug("bortezomib", last=mid),
                    "lenalidomide",
                    "dexamethasone",
                    hb.drug("carfilzomib", start=mid, addition="unplanned substitution"),
                ],
                intent=intent,
                line_override=override,
            )
        if extra_supportive:
            r = dataclasses.replace(
                r,
                drugs=(
                    *r.drugs,
                    hb.drug("zoledronic acid", start=s, addition="unplanned addition"),
                    hb.drug(
                        "dexamethasone",
                        start=s,
                        role="premedication",
                        addition="unplanned addition",
                    ),
                ),
            )
        regimens.append(r)
    if extra_supportive:
        regimens.append(hb.reg(99, "IVIG", regs[0][2], None, ["IVIG"]))
    procedures = [hb.proc(i + 1, k, d, planned_tandem=t) for i, (k, d, t) in enumerate(procs)]
    progressions = [hb.prog(i + 1, d) for i, d in enumerate(progs)]
    if shuffle is not None:
        shuffle.shuffle(regimens)
        shuffle.shuffle(procedures)
        shuffle.shuffle(progressions)
    return hb.hist(regimens=regimens, procedures=procedures, progressions=progressions)


def _summary(res):
    return (
        [
            (
                ln.number,
                ln.start,
                ln.end,
                tuple(sorted(ln.regimen_ids)),
                tuple(sorted(ln.procedure_ids)),
            )
            for ln in res.lines
        ],
        {k: v for k, v in res.regimen_line.items() if k != 99},
    )


# TJ_HYPOTHESIS_EXAMPLES=2000 for a long local hunt; the default keeps the suite fast.
FAST = settings(
    max_examples=int(os.environ.get("TJ_HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@FAST
@given(histories())
def test_property_supportive_drugs_never_change_lines(hb, spec):
    assert _summary(compute_lines(_build(hb, spec))) == _summary(
        compute_lines(_build(hb, spec, extra_supportive=True))
    )


@FAST
@given(histories(), st.randoms(use_true_random=False))
def test_property_input_order_never_changes_results(hb, spec, rnd):
    a = compute_lines(_build(hb, spec))
    b = compute_lines(_build(hb, spec, shuffle=rnd))
    assert _summary(a) == _summary(b)
    assert [[t.rule for t in ln.traces] for ln in a.lines] == [
        [t.rule for t in ln.traces] for ln in b.lines
    ]


@FAST
@given(histories(), st.sampled_from(REGIMENS), st.integers(1, 400), st.booleans())
def test_property_later_event_never_renumbers_earlier_lines(hb, spec, name, delay, as_prog):
    h = _build(hb, spec)
    before = compute_lines(h)
    last = max(
        [r.end or r.start for r in h.regimens]
        + [p.date for p in h.procedures]
        + [p.date for p in h.progressions],
        key=lambda d: d.sort_key(),
    )
    when = PartialDate.from_date(last.as_date() + __import__("datetime").timedelta(days=delay))
    if as_prog:
        h2 = dataclasses.replace(h, progressions=(*h.progressions, hb.prog(50, when)))
    else:
        h2 = dataclasses.replace(h, regimens=(*h.regimens, hb.reg(50, name, when, None)))
    after = compute_lines(h2)
    for rid, n in before.regimen_line.items():
        assert after.regimen_line[rid] == n
    for pid, n in before.procedure_line.items():
        assert after.procedure_line[pid] == n
    assert after.lines_received >= before.lines_received


def test_shuffle_smoke(hb):
    spec = (
        [
            (1, "VRd", PartialDate(2019, 1, 1), PartialDate(2019, 5, 1), None, False, None),
            (2, "lenalidomide", PartialDate(2019, 9, 1), None, "maintenance", False, None),
        ],
        [("auto", PartialDate(2019, 6, 1), False)],
        [],
    )
    res = compute_lines(_build(hb, spec, shuffle=random.Random(3)))
    assert [ln.number for ln in res.lines] == [1]


def test_open_ended_regimen_then_new_regimen_after_progression(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "Rd", "2020-01-01", None), hb.reg(2, "DKd", "2021-03-01", None)],
        progressions=[hb.prog(1, "2021-02-15")],
    )
    res = compute_lines(h)
    assert numbers(res) == [1, 2]
    t = res.lines[1].traces[0]
    assert t.rule == "lines.new_line.different_regimen"
    assert "previous regimen has no end date" in t.flags and "Rd stopped" in t.explanation


def test_salvage_sct_with_old_stem_cells_starts_at_conditioning(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "VRd", "2015-01-01", "2015-05-01"),
            hb.reg(
                2,
                "Cy mobilisation",
                "2015-05-10",
                "2015-05-12",
                [hb.drug("cyclophosphamide", role="mobilisation")],
            ),
            hb.reg(
                3,
                "lenalidomide",
                "2015-09-01",
                "2018-01-01",
                ["lenalidomide"],
                intent="maintenance",
            ),
            hb.reg(4, "MEL200", "2018-03-01", "2018-03-01", ["melphalan"], intent="conditioning"),
        ],
        procedures=[
            hb.proc(1, "collection", "2015-05-20"),
            hb.proc(2, "auto", "2015-06-15"),
            hb.proc(3, "auto", "2018-03-03"),
        ],
        progressions=[hb.prog(1, "2018-01-01")],
    )
    res = compute_lines(h)
    assert numbers(res) == [1, 2]
    assert res.lines[1].start == PartialDate(2018, 3, 1)
    assert res.regimen_line == {1: 1, 2: 1, 3: 1, 4: 2}
    assert res.procedure_line == {1: 1, 2: 1, 3: 2}


def test_bridging_inferred_from_timing_is_explained(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "DPd", "2022-01-01", "2022-12-01"),
            hb.reg(2, "Kd", "2023-01-10", "2023-02-20"),
        ],
        procedures=[hb.proc(1, "apheresis", "2023-01-05"), hb.proc(2, "cart", "2023-03-02")],
    )
    t = compute_lines(h).lines[1].traces[0]
    assert "counted as bridging because it started after the leukapheresis" in t.explanation


def test_car_t_known_only_as_a_regimen_is_still_one_programme(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "DPd", "2022-01-01", "2022-12-01", end_reason="progression"),
            hb.reg(2, "Kd", "2023-01-10", "2023-02-20", intent="bridging"),
            hb.reg(3, "Flu/Cy", "2023-02-25", "2023-02-27", intent="lymphodepletion"),
            hb.reg(4, "Ide-cel", "2023-03-02", "2023-03-02"),
        ],
    )
    res = compute_lines(h)
    assert numbers(res) == [1, 2]
    assert set(res.lines[1].regimen_ids) == {2, 3, 4}
    assert res.lines[1].procedure_ids == ()
    assert res.lines[1].label.endswith("CAR-T (idecabtagene vicleucel)")
    assert res.lines[1].traces[0].rule == "lines.new_line.car_t_programme"
    assert "procedure:-4" not in res.lines[1].traces[0].records


def test_first_sct_long_after_the_line_is_a_new_line(hb):
    h = hb.hist(
        regimens=[hb.reg(1, "VRd", "2015-01-01", "2015-06-01", end_reason="plan completed")],
        procedures=[hb.proc(1, "auto", "2017-03-01")],
    )
    res = compute_lines(h)
    assert numbers(res) == [1, 2]
    t = res.lines[1].traces[0]
    assert t.rule == "lines.new_line.salvage_sct" and t.unconfirmed
    assert "more than 365" in t.explanation


def test_regimens_started_the_same_day_are_one_combination(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "Rd", "2020-01-01", None),
            hb.reg(2, "daratumumab", "2020-01-01", None, ["daratumumab"]),
        ]
    )
    res = compute_lines(h)
    assert numbers(res) == [1]
    assert "lines.same_line.started_together" in rules(res.lines[0])


def test_same_drugs_restarted_for_progression_is_new_line_even_after_short_gap(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "Kd", "2021-01-01", "2021-03-01"),
            hb.reg(2, "Kd", "2021-03-20", None, start_reason="progression"),
        ]
    )
    res = compute_lines(h)
    assert numbers(res) == [1, 2]
    assert "restarted because of 'progression'" in res.lines[1].traces[0].explanation


def test_flu_cy_with_default_roles_is_recognised_as_lymphodepletion(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "DPd", "2022-01-01", "2022-12-01"),
            hb.reg(2, "Flu/Cy", "2023-02-25", "2023-02-27"),
        ],  # roles left anti-myeloma
        procedures=[hb.proc(1, "cart", "2023-03-02", product="ide-cel")],
    )
    res = compute_lines(h)
    assert numbers(res) == [1, 2]
    assert res.regimen_roles == {2: "lymphodepletion"}
    assert "recognised as lymphodepletion by its drugs" in res.lines[1].traces[0].explanation


def test_plan_continues_in_the_newer_line_after_a_toxicity_switch(hb):
    # Rd (line 1) stopped for toxicity -> VCd (line 2) -> planned SCT -> maintenance that was
    # linked to the original plan: it stays in line 2 with VCd and the SCT.
    h = hb.hist(
        regimens=[
            hb.reg(1, "Rd", "2019-01-01", "2019-02-20", end_reason="side effects (toxicity)"),
            hb.reg(2, "VCd", "2019-03-01", "2019-06-30"),
            hb.reg(
                3,
                "lenalidomide",
                "2019-10-01",
                None,
                ["lenalidomide"],
                intent="maintenance",
                part_of_id=1,
            ),
        ],
        procedures=[hb.proc(1, "auto", "2019-08-01")],
    )
    res = compute_lines(h)
    assert numbers(res) == [1, 2]
    assert res.regimen_line == {1: 1, 2: 2, 3: 2}
    t = next(t for t in res.lines[1].traces if t.rule == "lines.same_line.planned_programme")
    assert "continued in line 2" in t.explanation


# -- robustness: any record the store can hold gives a consistent answer ------------------------

_ANY_DRUGS = [
    "bortezomib",
    "lenalidomide",
    "dexamethasone",
    "daratumumab",
    "melphalan",
    "cyclophosphamide",
    "fludarabine",
    "teclistamab",
    "ciltacabtagene-autoleucel",
    "zoledronic acid",
    "mystery herb",
]
_ANY_PROCS = ["auto", "allo", "cart", "apheresis", "collection", "radio", "plasmapheresis"]


@st.composite
def any_history(draw, b):
    regs = []
    n = draw(st.integers(0, 7))
    for rid in range(1, n + 1):
        s = draw(st.integers(0, 2000))
        e = draw(st.one_of(st.none(), st.integers(s, s + 400)))
        drugs = []
        for _ in range(draw(st.integers(0, 4))):
            ds = draw(st.one_of(st.none(), st.integers(s, s + 200)))
            drugs.append(
                b.drug(
                    draw(st.sampled_from(_ANY_DRUGS)),
                    start=PartialDate.from_date(_d(ds)) if ds is not None else None,
                    role=draw(st.sampled_from(list(DrugRole))).value,
                    addition=draw(st.sampled_from(list(AdditionKind))).value,
                    stop_reason=draw(st.sampled_from([None, *[c.value for c in ChangeReason]])),
                )
            )
        regs.append(
            b.reg(
                rid,
                draw(st.sampled_from(["VRd", "Kd", "X", "Flu/Cy", "Cilta-cel"])),
                PartialDate.from_date(_d(s)),
                PartialDate.from_date(_d(e)) if e is not None else None,
                drugs,
                intent=draw(st.sampled_from([None, *[i.value for i in RegimenIntent]])),
                part_of_id=draw(st.one_of(st.none(), st.integers(1, 8))),
                start_reason=draw(st.sampled_from([None, "planned", "progression"])),
                end_reason=draw(
                    st.sampled_from([None, "plan completed", "side effects (toxicity)"])
                ),
                cycles=draw(st.one_of(st.none(), st.integers(0, 12))),
                cycle_days=draw(st.one_of(st.none(), st.integers(1, 60))),
                line_override=draw(st.one_of(st.none(), st.integers(1, 6))),
            )
        )
    procs = [
        b.proc(
            i + 1,
            draw(st.sampled_from(_ANY_PROCS)),
            PartialDate.from_date(_d(draw(st.integers(0, 2400)))),
            planned=draw(st.booleans()),
            planned_tandem=draw(st.booleans()),
            regimen_id=draw(st.one_of(st.none(), st.integers(1, 8))),
            product=draw(st.sampled_from([None, "cilta-cel", "unknown product"])),
        )
        for i in range(draw(st.integers(0, 4)))
    ]
    progs = [
        b.prog(i + 1, PartialDate.from_date(_d(draw(st.integers(0, 2400)))))
        for i in range(draw(st.integers(0, 3)))
    ]
    return b.hist(regimens=regs, procedures=procs, progressions=progs)


@FAST
@given(st.data())
def test_property_any_history_gives_consistent_lines(hb, data):
    h = data.draw(any_history(hb))
    res = compute_lines(h)
    nums = [ln.number for ln in res.lines]
    assert len(nums) == len(set(nums)) and nums == sorted(nums)
    for ln in res.lines:
        assert ln.traces, ln
        assert set(ln.regimen_ids) <= {r.id for r in h.regimens}
    for n in res.regimen_line.values():
        assert n in nums
    for r in h.regimens:
        line_forming = any(
            d.role == "anti-myeloma" and d.name not in ("zoledronic acid",) for d in r.drugs
        )
        if r.intent is None and line_forming and r.line_override is None:
            # every anti-myeloma regimen belongs to a line
            assert r.id in res.regimen_line or any(r.id in ln.regimen_ids for ln in res.lines), r
    assert res.prior_lines(PartialDate(2200)) == res.lines_received
    res.to_json()


def test_maintenance_by_intent_long_after_the_line_is_a_new_line(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "VRd", "2015-01-01", "2015-06-01", end_reason="plan completed"),
            hb.reg(2, "lenalidomide", "2017-01-01", None, ["lenalidomide"], intent="maintenance"),
        ]
    )
    assert numbers(compute_lines(h)) == [1, 2]
    # an explicit link to the plan still wins
    h2 = hb.hist(regimens=[h.regimens[0], dataclasses.replace(h.regimens[1], part_of_id=1)])
    assert numbers(compute_lines(h2)) == [1]
