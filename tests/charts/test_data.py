"""timeline_data_from only rearranges rule results and records."""

from __future__ import annotations

import datetime as dt

from chart_samples import TODAY, d, make_line, make_lines, sample_history

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
    rr = results.responses
    flc_first = replace(rr.lines[0], followed=("flc",))
    results = replace(results, responses=replace(rr, lines=(flc_first, *rr.lines[1:])))
    data = timeline_data_from(h, results, today=TODAY)
    assert "dflc" in [s.code for s in data.labs]
    dflc = data.lab_series("dflc")
    assert dflc.points[0].value == 841.0 and "involved (kappa) 850" in dflc.points[0].tip


def test_many_drugs_collapse_to_regimen_bars():
    history = sample_history()
    lines = make_lines(
        (make_line(1, d("2019-03-01"), d("2022-02-01"), (1, 2, 3), label="VRd -> ASCT -> R"),),
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

    data = timeline_data_from(History(), make_lines(()), today=TODAY)
    assert data.lanes == () and data.events == () and data.labs == ()
    assert data.span() == (TODAY - dt.timedelta(days=365), TODAY)


# -- short lane labels: what defines the line, from its records ----------------------------


def _car_t_history():
    from chart_samples import drug

    from journal.domain.records import History, ProcedureRec, RegimenRec

    bridging = RegimenRec(
        1,
        "Cyclophosphamide + dexamethasone (bridging)",
        d("2023-09-18"),
        d("2023-12-18"),
        intent="bridging",
        drugs=(
            drug("cyclophosphamide", "2023-09-18", "2023-12-18"),
            drug("dexamethasone", "2023-09-18", "2023-12-18"),
        ),
    )
    flu_cy = RegimenRec(
        2,
        "Fludarabine + cyclophosphamide (lymphodepletion)",
        d("2024-01-08"),
        d("2024-01-10"),
        drugs=(
            drug("fludarabine", "2024-01-08", "2024-01-10", role="lymphodepletion"),
            drug("cyclophosphamide", "2024-01-08", "2024-01-10", role="lymphodepletion"),
        ),
    )
    cilta = RegimenRec(
        3,
        "Cilta-cel (CAR-T)",
        d("2024-01-15"),
        d("2024-01-15"),
        drugs=(drug("ciltacabtagene-autoleucel", "2024-01-15", "2024-01-15"),),
    )
    infusion = ProcedureRec(
        7, "CAR-T infusion", d("2024-01-15"), regimen_id=3, product="ciltacabtagene-autoleucel"
    )
    return History(regimens=(bridging, flu_cy, cilta), procedures=(infusion,))


def test_car_t_lane_is_named_by_its_product_not_its_bridging():
    history = _car_t_history()
    rules_label = (
        "Cyclophosphamide + dexamethasone (bridging) -> Fludarabine + cyclophosphamide "
        "(lymphodepletion) -> CAR-T (ciltacabtagene autoleucel)"
    )
    lines = make_lines(
        (make_line(4, d("2023-09-11"), d("2024-01-29"), (1, 2, 3), (7,), rules_label),)
    )
    (lane,) = timeline_data_from(history, lines, today=TODAY).lanes
    assert lane.label == "Line 4: CAR-T cilta-cel"
    # The rules' wording is kept whole for the hover text; nothing is clipped.
    assert lane.full_label == "Line 4: " + rules_label.replace("->", "→")
    assert lane.full_label in lane.tip
    # Bridging and lymphodepletion are still drawn, as rows inside the lane.
    assert [r.label for r in lane.rows] == [
        "cyclophosphamide",
        "dexamethasone",
        "fludarabine",
        "cilta-cel (CAR-T)",  # the product's 25-letter generic name is in the hover text
    ]
    assert "ciltacabtagene-autoleucel" in lane.rows[3].bars[0].tip
    # Without the infusion record the CAR-T drug itself names the line.
    from dataclasses import replace

    no_proc = replace(history, procedures=())
    lines = make_lines((make_line(4, d("2023-09-11"), d("2024-01-29"), (1, 2, 3)),))
    assert timeline_data_from(no_proc, lines, today=TODAY).lanes[0].label == (
        "Line 4: CAR-T cilta-cel"
    )


def test_short_label_uses_catalog_abbreviations_and_drug_short_names():
    from chart_samples import drug

    from journal.charts.data import short_line_label
    from journal.domain.records import ProcedureRec, RegimenRec

    # A regimen typed by its drugs is named by the catalog template with the same drugs.
    dpd = RegimenRec(
        1,
        "Daratumumab with pomalidomide and dexamethasone",
        d("2021-01-01"),
        drugs=(
            drug("daratumumab", "2021-01-01"),
            drug("pomalidomide", "2021-01-01"),
            drug("dexamethasone", "2021-01-01"),
        ),
    )
    assert short_line_label([dpd], []) == "DPd"
    # An alias is written the catalog's way; maintenance by intent gets "maint.".
    rvd = RegimenRec(2, "RVd", d("2019-01-01"), drugs=(drug("bortezomib", "2019-01-01"),))
    mel = RegimenRec(
        3, "HDM", d("2019-06-01"), intent="conditioning", drugs=(drug("melphalan", "2019-06-01"),)
    )
    len_m = RegimenRec(
        4,
        "Revlimid",
        d("2019-09-01"),
        intent="maintenance",
        drugs=(drug("lenalidomide", "2019-09-01"),),
    )
    asct = ProcedureRec(1, "autologous stem-cell transplant", d("2019-06-03"))
    assert short_line_label([rvd, mel, len_m], [asct]) == "VRd → ASCT → len maint."
    # Without a transplant record the conditioning regimen is what shows the transplant.
    assert short_line_label([rvd, mel, len_m], []) == "VRd → HDM/ASCT → len maint."
    # A line that is one drug is named by the drug in full.
    alone = RegimenRec(5, "Talvey", d("2025-06-02"), drugs=(drug("talquetamab", "2025-06-02"),))
    assert short_line_label([alone], []) == "talquetamab"
    # Too long: first and last step, never a word cut in the middle of the defining one.
    many = [
        RegimenRec(10 + i, name, d(f"201{i}-01-01"), drugs=(drug(n, f"201{i}-01-01"),))
        for i, (name, n) in enumerate(
            [("A", "bortezomib"), ("B", "carfilzomib"), ("C", "ixazomib"), ("D", "selinexor")]
        )
    ]
    assert short_line_label(many, [], limit=30) == "bortezomib → … → selinexor"


def test_side_effect_terms_are_shortened_for_the_chart(history, results):
    from journal.charts.data import side_effect_short

    data = timeline_data_from(history, results, today=TODAY)
    neuropathy = data.side_effects[0]
    assert neuropathy.term == "Peripheral sensory neuropathy"
    assert neuropathy.label == "Neuropathy (sensory)"
    assert neuropathy.term in neuropathy.tip  # the official term stays in the hover text
    assert side_effect_short("Cytokine release syndrome") == "CRS"
    assert side_effect_short("Rash") == "Rash"
    long_term = "Some very long unlisted adverse event name"
    assert side_effect_short(long_term).endswith("…") and len(side_effect_short(long_term)) <= 22
