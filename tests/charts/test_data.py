"""timeline_data_from only rearranges rule results and records."""

from __future__ import annotations

import datetime as dt

from chart_samples import TODAY, FakeLine, FakeLines, d, sample_history

from journal.charts.data import timeline_data_from


def test_one_lane_per_line_in_time_order(history, results):
    data = timeline_data_from(history, results, today=TODAY)
    assert [lane.number for lane in data.lanes] == [1, 2, 3]
    assert data.lanes[1].label == "Line 2: DKd"
    assert data.lanes[0].full_label == "Line 1: VRd → ASCT → lenalidomide maintenance"
    # The override is shown, not hidden.
    assert data.lanes[2].overridden and data.lanes[2].label.startswith("Line 3*")


def test_drug_rows_skip_premedication_and_merge_same_drug(history, results):
    data = timeline_data_from(history, results, today=TODAY)
    line1 = data.lane(1)
    labels = [row.label for row in line1.rows]
    assert labels == ["bortezomib", "lenalidomide", "dexamethasone", "melphalan"]
    len_row = line1.rows[1]
    assert [(b.start, b.end) for b in len_row.bars] == [
        (dt.date(2019, 3, 1), dt.date(2019, 8, 15)),
        (dt.date(2020, 1, 10), dt.date(2022, 2, 1)),
    ]
    assert {b.ref for b in len_row.bars} == {"regimen:1", "regimen:3"}


def test_dose_reduction_and_early_stop_are_marks(history, results):
    data = timeline_data_from(history, results, today=TODAY)
    len_bar = data.lane(1).rows[1].bars[0]
    (mark,) = len_bar.marks
    assert mark.kind == "reduced" and mark.date == dt.date(2019, 5, 10)
    assert "15 mg" in mark.tip and "rash" in mark.tip
    carfilzomib = data.lane(2).rows[1].bars[0]
    assert [m.kind for m in carfilzomib.marks] == ["stopped"]
    assert "heart failure" in carfilzomib.marks[0].tip


def test_ongoing_trial_bar(history, results):
    data = timeline_data_from(history, results, today=TODAY)
    tec = data.lane(3).rows[0].bars[0]
    assert tec.end is None and tec.trial
    assert "MajesTEC-X" in tec.tip


def test_events_recorded_and_computed_side_by_side(history, results):
    data = timeline_data_from(history, results, today=TODAY)
    responses = [(e.date, e.label, e.computed, e.lane) for e in data.events if e.kind == "response"]
    assert (dt.date(2019, 8, 1), "VGPR", False, 1) in responses
    assert (dt.date(2019, 5, 1), "PR", True, 1) in responses
    assert (dt.date(2023, 9, 1), "VGPR", True, 3) in responses
    # One computed mark per line: the best confirmed response the rule reports.
    assert [r for r in responses if r[2] and r[3] == 1] == [(dt.date(2019, 5, 1), "PR", True, 1)]
    progs = [
        (e.date, e.computed, e.pending, e.lane) for e in data.events if e.kind == "progression"
    ]
    assert progs == [
        (dt.date(2022, 1, 15), False, False, 1),
        (dt.date(2023, 1, 1), True, False, 2),
        (dt.date(2024, 3, 1), True, True, 3),
    ]
    computed = next(e for e in data.events if e.kind == "progression" and e.computed)
    assert computed.ref == "computed:progression:line2:2023-01-01"
    assert computed.records == ("lab:9", "lab:10")
    assert (
        "M-spike rose" in computed.tip and "confirmed by the reading of 01 Apr 2023" in computed.tip
    )
    (asct,) = [e for e in data.events if e.kind == "transplant"]
    assert asct.lane == 1 and asct.ref == "procedure:1" and asct.label == "ASCT"
    (trial,) = [e for e in data.events if e.kind == "trial"]
    assert trial.lane == 3 and trial.ref == "regimen:5"


def test_side_effects_and_labs(history, results):
    data = timeline_data_from(history, results, today=TODAY, extra_labs=("hb", "platelets"))
    ongoing = [s for s in data.side_effects if s.end is None]
    assert [s.term for s in ongoing] == ["Neutropenia"]
    serious = [s.ref for s in data.side_effects if s.serious]
    assert serious == ["side_effect:3"]
    # Kappa disease without FLC results: only the M-spike, plus the asked-for Hb
    # (platelets asked for but never measured: no empty panel).
    assert [s.code for s in data.labs] == ["m_protein", "hb"]
    m = data.labs[0]
    assert m.points[0].ref == "lab:1" and m.points[0].value == 3.2
    assert "g/dL" in m.points[0].tip


def test_nadir_and_threshold_come_from_the_rules(history, results):
    data = timeline_data_from(history, results, today=TODAY)
    nadir, threshold = data.ref_lines
    assert (nadir.kind, nadir.code, nadir.line) == ("nadir", "m_protein", 2)
    assert [(s.start, s.end, s.value) for s in nadir.steps] == [
        (dt.date(2022, 1, 15), dt.date(2022, 6, 1), 0.9),
        (dt.date(2022, 6, 1), dt.date(2023, 5, 31), 0.3),
    ]
    assert [s.value for s in threshold.steps] == [1.4, 0.8] and threshold.value == 0.8
    # Without a response result there is nothing to draw: the chart never computes them.
    bare = timeline_data_from(history, results.lines, today=TODAY)
    assert bare.ref_lines == () and len(bare.lanes) == 3


def test_lab_panels_follow_the_rule_parameters(history, results):
    # The rule follows the serum M-spike only; FLC values exist but are not followed.
    from dataclasses import replace

    from journal.domain.records import LabRec

    extra = (
        LabRec(100, d("2019-02-15"), "flc_kappa", 850.0),
        LabRec(101, d("2019-02-15"), "flc_lambda", 9.0),
    )
    h = replace(history, labs=history.labs + extra)
    data = timeline_data_from(h, results, today=TODAY)
    assert [s.code for s in data.labs] == ["m_protein"]
    results.responses.lines[0].followed = ("flc",)
    data = timeline_data_from(h, results, today=TODAY)
    assert "dflc" in [s.code for s in data.labs]
    dflc = data.lab_series("dflc")
    assert dflc.points[0].value == 841.0 and "involved (kappa) 850" in dflc.points[0].tip


def test_many_drugs_collapse_to_regimen_bars():
    history = sample_history()
    lines = FakeLines(
        (FakeLine(1, d("2019-03-01"), d("2022-02-01"), (1, 2, 3), label="VRd -> ASCT -> R"),),
    )
    data = timeline_data_from(history, lines, today=TODAY, max_drug_rows=2)
    lane = data.lanes[0]
    assert lane.collapsed
    assert [row.label for row in lane.rows] == ["VRd", "HDM", "lenalidomide maintenance"]
    assert lane.rows[0].bars[0].label == "VRd: bortezomib, lenalidomide, dexamethasone"


def test_span_covers_everything(history, results):
    data = timeline_data_from(history, results, today=TODAY)
    assert data.span() == (dt.date(2019, 2, 15), TODAY)


def test_input_order_never_changes_the_drawing_data(history, results):
    import random
    from dataclasses import replace

    expected = timeline_data_from(history, results, today=TODAY, extra_labs=("hb",))
    rng = random.Random(7)
    for _ in range(5):

        def shuffled(items):
            items = list(items)
            rng.shuffle(items)
            return tuple(items)

        h = replace(
            history,
            regimens=shuffled(history.regimens),
            labs=shuffled(history.labs),
            side_effects=shuffled(history.side_effects),
            responses=shuffled(history.responses),
            procedures=shuffled(history.procedures),
        )
        got = timeline_data_from(h, results, today=TODAY, extra_labs=("hb",))
        assert got == expected


def test_empty_journal():
    from journal.domain.records import History

    data = timeline_data_from(History(), FakeLines(()), today=TODAY)
    assert data.lanes == () and data.events == () and data.labs == ()
    assert data.span() == (TODAY - dt.timedelta(days=365), TODAY)
