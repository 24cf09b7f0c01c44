"""Regimen (catalog suggestion + drugs), side effect and blood-test editors."""

from __future__ import annotations

from PySide6.QtCore import Qt

from journal.services import queries
from journal.store import models as m
from journal.ui.kinds import KINDS
from journal.ui.special_editors import BloodTestForm, DrugEditor, RegimenEditor, SideEffectEditor


def test_regimen_from_abbreviation_with_drugs_then_undo(qtbot, ctx):
    dlg = RegimenEditor(ctx, KINDS["regimen"])
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.search, "VRd")
    assert dlg.suggestions.count() > 0
    assert dlg.suggestions.currentItem().text().startswith("VRd (bortezomib")
    dlg.use_button.click()
    assert dlg.widgets["name"].text() == "VRd"
    assert [d["drug_id"] for d in dlg.drugs] == ["bortezomib", "lenalidomide", "dexamethasone"]
    qtbot.keyClicks(dlg.widgets["start"].line, "May 2019")
    qtbot.keyClicks(dlg.widgets["end"].line, "about autumn 2019")
    dlg.widgets["intent"].set_value("induction")
    dlg.save_button.click()
    assert dlg.result() == dlg.DialogCode.Accepted, dlg.top_error.text()
    regs = queries.list_rows(ctx.store, m.Regimen)
    assert [(r.name, r.start, r.end, r.intent) for r in regs] == [
        ("VRd", "2019-05", "~2019-AU", "induction")
    ]
    drugs = queries.regimen_drugs(ctx.store, regs[0].id)
    assert sorted(d.drug_id for d in drugs) == ["bortezomib", "dexamethasone", "lenalidomide"]
    assert ctx.undo_stack.undoText() == "Add regimen VRd"
    ctx.undo_stack.undo()
    assert queries.list_rows(ctx.store, m.Regimen) == []
    assert queries.list_rows(ctx.store, m.RegimenDrug) == []


def test_brand_name_suggests_the_drug(qtbot, ctx):
    dlg = RegimenEditor(ctx, KINDS["regimen"])
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.search, "Darzalex")
    dlg.use_button.click()
    assert [(d["drug_id"], d["name"]) for d in dlg.drugs] == [("daratumumab", "daratumumab")]


def test_drug_last_dose_before_start_rejected_next_to_field(qtbot, ctx):
    dlg = DrugEditor(
        ctx,
        KINDS["drug"],
        {"name": "lenalidomide", "addition": "part of the original plan", "role": "anti-myeloma"},
    )
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.widgets["start"].line, "June 2020")
    qtbot.keyClicks(dlg.widgets["last_dose"].line, "March 2020")
    dlg.save_button.click()
    assert dlg.result_values is None
    assert "before" in dlg.errors["last_dose"].text().lower()
    assert dlg.widgets["last_dose"].line.text() == "March 2020"


def test_edit_regimen_end_and_drug_list_is_one_step(qtbot, ctx):
    from journal.services import actions

    ctx.apply(
        actions.add_regimen,
        m.Regimen(name="KRd", start="2021-01"),
        [
            m.RegimenDrug(drug_id="carfilzomib", name="carfilzomib"),
            m.RegimenDrug(drug_id="lenalidomide", name="lenalidomide"),
        ],
    )
    row = ctx.rows(m.Regimen)[0]
    dlg = RegimenEditor(ctx, KINDS["regimen"], row)
    qtbot.addWidget(dlg)
    assert len(dlg.drugs) == 2
    dlg.drug_list.setCurrentRow(1)
    dlg.remove_drug()
    qtbot.keyClicks(dlg.widgets["end"].line, "Dec 2021")
    dlg.widgets["end_reason"].set_value("progression")
    dlg.save_button.click()
    assert dlg.result() == dlg.DialogCode.Accepted, dlg.top_error.text()
    reg = queries.list_rows(ctx.store, m.Regimen)[0]
    assert (reg.end, reg.end_reason) == ("2021-12", "progression")
    assert [d.drug_id for d in queries.regimen_drugs(ctx.store, reg.id)] == ["carfilzomib"]
    assert ctx.undo_stack.undoText() == "Edit regimen KRd"
    ctx.undo_stack.undo()
    assert len(queries.regimen_drugs(ctx.store, reg.id)) == 2
    assert queries.list_rows(ctx.store, m.Regimen)[0].end is None


def test_side_effect_with_attributed_drug(qtbot, ctx):
    from journal.services import actions

    ctx.apply(
        actions.add_regimen,
        m.Regimen(name="VRd", start="2019-05"),
        [m.RegimenDrug(drug_id="bortezomib", name="bortezomib")],
    )
    dlg = SideEffectEditor(ctx, KINDS["side_effect"])
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.widgets["term"], "Peripheral sensory neuropathy")
    dlg.widgets["grade"].set_value(2)
    qtbot.keyClicks(dlg.widgets["onset"].line, "July 2019")
    qtbot.keyClicks(dlg.widgets["patient_words"], "pins and needles in my feet")
    dlg.drug_choices.item(0).setCheckState(Qt.CheckState.Checked)
    dlg.save_button.click()
    assert dlg.result() == dlg.DialogCode.Accepted, dlg.top_error.text()
    se = queries.list_rows(ctx.store, m.SideEffect)[0]
    assert (se.term, se.grade, se.onset, se.patient_words) == (
        "Peripheral sensory neuropathy",
        2,
        "2019-07",
        "pins and needles in my feet",
    )
    assert [d.drug_id for d in queries.attributed_drugs(ctx.store, se.id)] == ["bortezomib"]
    assert ctx.undo_stack.undoText().startswith("Record side effect")


def test_side_effect_grade_out_of_range(qtbot, ctx):
    dlg = SideEffectEditor(ctx, KINDS["side_effect"])
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.widgets["term"], "Fatigue")
    qtbot.keyClicks(dlg.widgets["grade"], "7")
    qtbot.keyClicks(dlg.widgets["onset"].line, "2020")
    dlg.save_button.click()
    assert dlg.errors["grade"].text() == "Must be at most 5."
    assert queries.list_rows(ctx.store, m.SideEffect) == []


def test_blood_test_form_converts_and_saves_one_step(qtbot, ctx):
    dlg = BloodTestForm(ctx)
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.widgets["date"].line, "3 March 2024")
    assert dlg.unit_boxes["m_protein"].currentText() == "g/dL"  # canonical unit preselected
    dlg.unit_boxes["m_protein"].setCurrentText("g/L")
    qtbot.keyClicks(dlg.value_edits["m_protein"], "12")
    assert dlg.converted["m_protein"].text() == "= 1.2 g/dL"
    qtbot.keyClicks(dlg.value_edits["serum_ife"], "Positive")
    dlg.save_button.click()
    assert dlg.result() == dlg.DialogCode.Accepted, dlg.top_error.text()
    rows = queries.list_rows(ctx.store, m.LabResult)
    got = sorted((r.test, r.value, r.text_value, r.unit, r.date) for r in rows)
    assert got == [
        ("m_protein", 12.0, None, "g/L", "2024-03-03"),
        ("serum_ife", None, "positive", "result", "2024-03-03"),
    ]
    assert ctx.undo_stack.count() == 1
    ctx.undo_stack.undo()
    assert queries.list_rows(ctx.store, m.LabResult) == []


def test_blood_test_form_paste_and_bad_value(qtbot, ctx):
    dlg = BloodTestForm(ctx)
    qtbot.addWidget(dlg)
    bad = dlg.paste_text("m_protein\t0.8\tg/dL\nFree light chain kappa\t45\tmg/L\nfoo\t1\tx\n")
    assert bad == ["foo\t1\tx"]
    assert dlg.value_edits["m_protein"].text() == "0.8"
    assert dlg.value_edits["flc_kappa"].text() == "45"
    qtbot.keyClicks(dlg.widgets["date"].line, "2024-04-01")
    dlg.value_edits["m_protein"].setText("zero point eight")
    dlg.save_button.click()
    assert "is not a number" in dlg.row_errors["m_protein"].text()
    assert queries.list_rows(ctx.store, m.LabResult) == []
    assert dlg.value_edits["flc_kappa"].text() == "45"  # nothing typed is lost


def test_side_effect_found_by_plain_words_and_grade_by_description(qtbot, ctx):
    dlg = SideEffectEditor(ctx, KINDS["side_effect"])
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.term_search, "tingling")
    assert dlg.term_list.count() > 0
    dlg.term_list.setCurrentRow(0)
    assert "neuropathy" in dlg.widgets["term"].text().lower()
    assert dlg.grade_buttons  # each grade described in plain words
    assert all(
        b.text() == f"Grade {g}" and b.accessibleDescription() for g, b in dlg.grade_buttons.items()
    )
    dlg.grade_buttons[2].click()
    assert dlg.widgets["grade"].value() == 2
    qtbot.keyClicks(dlg.widgets["onset"].line, "2019")
    dlg.save_button.click()
    se = queries.list_rows(ctx.store, m.SideEffect)[0]
    assert se.term_id and "neuropathy" in se.term_id and se.grade == 2


def test_patient_reported_grade_is_kept_as_such(qtbot, ctx):
    dlg = SideEffectEditor(ctx, KINDS["side_effect"])
    qtbot.addWidget(dlg)
    assert dlg.widgets["grade_source"].value() == "clinician"  # the usual case preselected
    qtbot.keyClicks(dlg.widgets["term"], "Fatigue")
    qtbot.keyClicks(dlg.widgets["grade"], "2")
    dlg.widgets["grade_source"].set_value("patient-reported")
    qtbot.keyClicks(dlg.widgets["onset"].line, "Oct 2026")
    dlg.save_button.click()
    se = queries.list_rows(ctx.store, m.SideEffect)[0]
    assert (se.grade, se.grade_source, se.scale) == (2, "patient-reported", "CTCAE v5.0")


def test_dose_changes_of_a_drug_from_the_regimen_editor(qtbot, ctx):
    from journal.services import actions
    from journal.ui.editors import RecordEditor

    ctx.apply(
        actions.add_regimen,
        m.Regimen(name="Rd", start="2021-01"),
        [m.RegimenDrug(drug_id="lenalidomide", name="lenalidomide", dose=25, dose_unit="mg")],
    )
    dlg = RegimenEditor(ctx, KINDS["regimen"], ctx.rows(m.Regimen)[0])
    qtbot.addWidget(dlg)
    dlg._no_exec = True
    assert dlg.edit_dose_changes() is None  # nothing chosen yet: a plain hint instead
    assert "Choose a saved drug" in dlg.drug_error.text()
    dlg.drug_list.setCurrentRow(0)
    changes = dlg.edit_dose_changes()
    qtbot.addWidget(changes)
    lst = changes.dose_list
    assert lst.model.rowCount() == 0
    drug_id = queries.list_rows(ctx.store, m.RegimenDrug)[0].id
    ed = RecordEditor(ctx, KINDS["dose_change"], {**KINDS["dose_change"].defaults, **lst.where})
    qtbot.addWidget(ed)
    assert ed.widgets["regimen_drug_id"].value() == drug_id  # the drug is preselected
    qtbot.keyClicks(ed.widgets["date"].line, "June 2021")
    qtbot.keyClicks(ed.widgets["dose"], "15")
    qtbot.keyClicks(ed.widgets["dose_unit"], "mg")
    qtbot.keyClicks(ed.widgets["reason"], "low platelets")
    ed.save_button.click()
    assert ed.result() == ed.DialogCode.Accepted, ed.top_error.text()
    assert lst.model.rowCount() == 1
    dc = queries.list_rows(ctx.store, m.DoseChange)[0]
    assert (dc.regimen_drug_id, dc.date, dc.dose, dc.reason) == (
        drug_id,
        "2021-06",
        15.0,
        "low platelets",
    )


def test_regimen_lookup_by_keyboard_does_not_save_early(qtbot, ctx):
    dlg = RegimenEditor(ctx, KINDS["regimen"])
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.activateWindow()
    qtbot.waitUntil(dlg.isActiveWindow, timeout=2000)
    assert dlg.focusWidget() is dlg.search  # typing starts in the look-up field
    qtbot.keyClicks(dlg.search, "VRd")
    qtbot.keyClick(dlg.search, Qt.Key.Key_Return)  # one Enter takes the highlighted one
    assert dlg.isVisible()
    assert dlg.focusWidget() is dlg.widgets["start"].line  # typing goes on with the date
    assert [d["drug_id"] for d in dlg.drugs] == ["bortezomib", "lenalidomide", "dexamethasone"]
    assert queries.list_rows(ctx.store, m.Regimen) == []  # nothing saved yet


def test_side_effect_by_keyboard_reaches_the_grades_without_saving(qtbot, ctx):
    dlg = SideEffectEditor(ctx, KINDS["side_effect"])
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.activateWindow()
    qtbot.waitUntil(dlg.isActiveWindow, timeout=2000)
    assert dlg.focusWidget() is dlg.term_search
    qtbot.keyClicks(dlg.term_search, "taste")
    qtbot.keyClick(dlg.term_search, Qt.Key.Key_Return)
    assert dlg.focusWidget() is dlg.term_list
    qtbot.keyClick(dlg.term_list, Qt.Key.Key_Return)
    qtbot.wait(20)  # new buttons are shown by the event loop, as between two key presses
    assert dlg.isVisible()
    assert dlg.focusWidget() is dlg.grade_buttons[1]
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Tab)
    assert dlg.focusWidget() is dlg.grade_buttons[2], dlg.focusWidget()
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Space)  # "Grade 2"
    assert dlg.widgets["grade"].value() == 2
    assert dlg.focusWidget() is dlg.widgets["onset"].line  # typing goes on with the date
    assert queries.list_rows(ctx.store, m.SideEffect) == []


def test_blood_test_enter_moves_down_and_single_result_editor_uses_lists(qtbot, ctx):
    from journal.ui.editors import RecordEditor

    dlg = BloodTestForm(ctx)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.activateWindow()
    qtbot.waitUntil(dlg.isActiveWindow, timeout=2000)
    qtbot.keyClicks(dlg.widgets["date"].line, "2024-05-02")
    dlg.value_edits["m_protein"].setFocus()
    qtbot.keyClicks(dlg.value_edits["m_protein"], "0.4")
    qtbot.keyClick(dlg.value_edits["m_protein"], Qt.Key.Key_Return)
    assert dlg.isVisible()
    codes = list(dlg.value_edits)
    assert dlg.focusWidget() is dlg.value_edits[codes[1]]
    dlg.save_button.click()
    row = ctx.rows(m.LabResult)[0]
    ed = RecordEditor(ctx, KINDS["lab"], row)
    qtbot.addWidget(ed)
    assert ed.widgets["test"].currentText() == "Serum M-protein (SPEP M-spike)"
    ed.widgets["unit"].set_value("g/L")
    ed.widgets["value"].set_value(4.0)
    ed.save_button.click()
    assert ed.result() == ed.DialogCode.Accepted, ed.top_error.text()
    assert [(r.value, r.unit) for r in queries.list_rows(ctx.store, m.LabResult)] == [(4.0, "g/L")]


def test_lab_unit_that_does_not_fit_the_test_is_named(qtbot, ctx):
    from journal.ui.editors import RecordEditor

    ed = RecordEditor(ctx, KINDS["lab"])
    qtbot.addWidget(ed)
    qtbot.keyClicks(ed.widgets["date"].line, "2024-05-02")
    ed.widgets["test"].set_value("m_protein")
    ed.widgets["unit"].set_value("10^9/L")
    qtbot.keyClicks(ed.widgets["value"], "1.1")
    ed.save_button.click()
    assert ed.result() != ed.DialogCode.Accepted
    assert ed.errors["unit"].text() == (
        "Serum M-protein (SPEP M-spike) is not measured in '10^9/L'. Use g/dL or g/L or mg/dL."
    )
    assert not ed.errors["unit"].isHidden()
    assert queries.list_rows(ctx.store, m.LabResult) == []


def test_drug_outside_regimen_dates_is_named_under_the_drug_list(qtbot, ctx):
    dlg = RegimenEditor(ctx, KINDS["regimen"])
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.widgets["name"], "Kd")
    qtbot.keyClicks(dlg.widgets["start"].line, "March 2022")
    qtbot.keyClicks(dlg.widgets["end"].line, "June 2022")
    dlg.drugs.append(
        {
            "name": "carfilzomib",
            "drug_id": "carfilzomib",
            "id": None,
            "start": "2021-01",
            "addition": "part of the original plan",
            "role": "anti-myeloma",
        }
    )
    dlg._refresh_drugs()
    dlg.save_button.click()
    assert dlg.result() != dlg.DialogCode.Accepted
    assert dlg.drug_error.text().startswith("carfilzomib: ")
    assert not dlg.drug_error.isHidden()
    assert queries.list_rows(ctx.store, m.Regimen) == []
    assert dlg.widgets["name"].text() == "Kd" and len(dlg.drugs) == 1  # nothing lost


def test_regimen_lookup_forgives_shorthand_and_arrows_choose(qtbot, ctx):
    dlg = RegimenEditor(ctx, KINDS["regimen"])
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.search, "len maint")
    assert dlg.suggestions.currentItem().text().startswith("lenalidomide")
    qtbot.keyClick(dlg.search, Qt.Key.Key_Return)
    assert dlg.widgets["name"].text() == "Lenalidomide maintenance"
    assert dlg.widgets["intent"].value() == "maintenance"
    assert [d["drug_id"] for d in dlg.drugs] == ["lenalidomide"]
    other = RegimenEditor(ctx, KINDS["regimen"])
    qtbot.addWidget(other)
    qtbot.keyClicks(other.search, "dara pom dex")
    qtbot.keyClick(other.search, Qt.Key.Key_Down)  # the combination as typed, not DPd
    assert other.suggestions.currentRow() == 1
    qtbot.keyClick(other.search, Qt.Key.Key_Return)
    assert [d["drug_id"] for d in other.drugs] == ["daratumumab", "pomalidomide", "dexamethasone"]
