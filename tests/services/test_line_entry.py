"""A whole line of therapy in one undoable step, with the computed facts right."""

from __future__ import annotations

import pytest

from journal.domain.summary import build_summary
from journal.services import actions, queries
from journal.services.line_entry import LineEntry, RegimenPart, add_line_of_therapy
from journal.store import models as m
from journal.store.validation import RecordError


def drugs(*ids):
    return [m.RegimenDrug(drug_id=i, name=i, regimen_id=0) for i in ids]


def line_one(**kw):
    return LineEntry(
        main=RegimenPart(
            m.Regimen(name="VRd", start="2019-04", intent="induction", cycles=4),
            drugs("bortezomib", "lenalidomide", "dexamethasone"),
        ),
        preparation=RegimenPart(
            m.Regimen(name="High-dose melphalan", start="2019-09", intent="conditioning"),
            [
                m.RegimenDrug(
                    drug_id="melphalan", name="melphalan", dose=200, dose_unit="mg/m2", regimen_id=0
                )
            ],
        ),
        procedure=m.Procedure(kind="autologous stem-cell transplant", date="2019-09"),
        maintenance=RegimenPart(
            m.Regimen(name="Lenalidomide maintenance", start="2019-11", intent="maintenance"),
            drugs("lenalidomide"),
        ),
        end="2022-02",
        end_reason="progression",
        **kw,
    )


def line_two():
    return LineEntry(
        main=RegimenPart(
            m.Regimen(name="DPd", start="2022-03"),
            drugs("daratumumab", "pomalidomide", "dexamethasone"),
        ),
        end="2024-01",
        end_reason="progression",
    )


def test_reference_history_lines_and_refractoriness(store):
    change = add_line_of_therapy(store, line_one())
    assert change.label == ("Add line of therapy VRd, transplant, Lenalidomide maintenance")
    add_line_of_therapy(store, line_two())
    regs = {r.name: r for r in queries.list_rows(store, m.Regimen)}
    vrd, mel, maint = regs["VRd"], regs["High-dose melphalan"], regs["Lenalidomide maintenance"]
    assert vrd.end == "<2019-09"  # ended before the transplant, not left running
    assert (mel.part_of_id, maint.part_of_id) == (vrd.id, vrd.id)
    assert (maint.end, maint.end_reason) == ("2022-02", "progression")
    [proc] = queries.list_rows(store, m.Procedure)
    assert proc.regimen_id == mel.id and proc.conditioning == "High-dose melphalan"
    progs = sorted((p.date, p.regimen_id) for p in queries.list_rows(store, m.Progression))
    assert progs == [("2022-02", maint.id), ("2024-01", regs["DPd"].id)]  # explicit records

    s = build_summary(queries.load_history(store))
    assert s.lines.lines_received == 2
    for drug in ("lenalidomide", "daratumumab", "pomalidomide"):
        assert s.ledger.refractory(drug), drug
    assert s.ledger.label("triple_class_exposed").applies


def test_one_transaction_one_undo(store):
    change = add_line_of_therapy(store, line_one())
    tables = {t: len(change.inserted(t)) for t in change.tables}
    assert tables == {"regimen": 3, "regimendrug": 5, "procedure": 1, "progression": 1}
    actions.undo(store, change)
    for t in (m.Regimen, m.RegimenDrug, m.Procedure, m.Progression):
        assert queries.list_rows(store, t) == []


def test_parts_out_of_order_are_refused_and_nothing_is_written(store):
    entry = line_one()
    entry.maintenance.regimen.start = "2019-05"  # before the transplant
    with pytest.raises(RecordError) as err:
        add_line_of_therapy(store, entry)
    assert err.value.item == "maintenance"
    assert "before the transplant" in err.value.errors[0].message
    assert queries.list_rows(store, m.Regimen) == []


def test_bad_drug_names_the_part(store):
    entry = line_two()
    entry.main.drugs[1].last_dose = "2021-01"  # before the regimen started
    with pytest.raises(RecordError) as err:
        add_line_of_therapy(store, entry)
    assert err.value.item == "regimen.drugs[1]"
    assert queries.list_rows(store, m.Regimen) == []


def test_best_response_belongs_to_the_part_running_then(store):
    entry = line_one(best_response=m.Response(date="2020-01", category="VGPR"))
    add_line_of_therapy(store, entry)
    [resp] = queries.list_rows(store, m.Response)
    maint = next(r for r in queries.list_rows(store, m.Regimen) if r.intent == "maintenance")
    assert resp.regimen_id == maint.id


def test_car_t_line_in_time_order(store):
    entry = LineEntry(
        main=RegimenPart(m.Regimen(name="Bridging Kd", start="2024-02"), drugs("carfilzomib")),
        preparation=RegimenPart(
            m.Regimen(name="Flu/Cy", start="2024-04-01", intent="lymphodepletion"),
            drugs("fludarabine", "cyclophosphamide"),
        ),
        cell_therapy=RegimenPart(
            m.Regimen(name="Cilta-cel", start="2024-04-06", intent="fixed duration"),
            drugs("ciltacabtagene-autoleucel"),
        ),
        procedure=m.Procedure(
            kind="CAR-T infusion", date="2024-04-06", product="ciltacabtagene-autoleucel"
        ),
    )
    add_line_of_therapy(store, entry)
    regs = {r.name: r for r in queries.list_rows(store, m.Regimen)}
    assert regs["Bridging Kd"].end == "<2024-04-01"
    assert regs["Flu/Cy"].end == "2024-04-01" and regs["Cilta-cel"].end == "2024-04-06"
    [proc] = queries.list_rows(store, m.Procedure)
    assert proc.regimen_id == regs["Cilta-cel"].id
    s = build_summary(queries.load_history(store))
    assert s.lines.lines_received == 1
