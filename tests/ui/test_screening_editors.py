"""Editors for the screening facts: health-history checklist and answers, MRD tests, a
progression's confirmation date, a side effect blamed on a whole regimen, values at
diagnosis; each save one undoable step."""

from __future__ import annotations

from PySide6.QtCore import Qt

from journal.services import actions, queries
from journal.store import models as m
from journal.ui.editors import RecordEditor
from journal.ui.kinds import KINDS
from journal.ui.lists import editor_class
from journal.ui.main_window import TABBED
from journal.ui.special_editors import HealthChecklist


def _type(qtbot, widget, text):
    target = getattr(widget, "line", widget)
    target.clear()
    qtbot.keyClicks(target, text)


def test_new_kinds_have_a_list_page():
    tabs = {key for pages in TABBED.values() for key, _t, _h in pages}
    assert {"health", "mrd"} <= tabs
    assert editor_class(KINDS["mrd"]) is RecordEditor


def test_checklist_saves_yes_and_no_in_one_step_and_leaves_the_rest_not_recorded(qtbot, ctx):
    actions.record_health_answer(ctx.store, m.HealthHistory(topic="HIV", answer="no"))
    dlg = editor_class(KINDS["health"])(ctx, KINDS["health"], None)
    qtbot.addWidget(dlg)
    assert isinstance(dlg, HealthChecklist)
    assert not dlg.answers["HIV"].isEnabled()  # already answered: shown, not asked again
    assert "already answered: no" in dlg.details["HIV"].placeholderText()
    _type(qtbot, dlg.widgets["date"], "12 Dec 2023")
    dlg.answers["another cancer"].setCurrentText("yes")
    _type(qtbot, dlg.details["another cancer"], "basal cell skin cancer 2014")
    dlg.answers["heart failure"].setCurrentText("no")
    dlg.answers["hepatitis B"].setCurrentText("no")
    dlg.save_button.click()
    assert dlg.result() == dlg.DialogCode.Accepted, dlg.top_error.text()
    rows = queries.list_dicts(ctx.store, m.HealthHistory)
    assert [(r["topic"], r["answer"], r["date"], r["detail"]) for r in rows[1:]] == [
        ("another cancer", "yes", "2023-12-12", "basal cell skin cancer 2014"),
        ("heart failure", "no", "2023-12-12", None),
        ("hepatitis B", "no", "2023-12-12", None),
    ]
    assert ctx.undo_stack.undoText() == "Record health history: 3 answers"
    ctx.undo_stack.undo()
    assert len(queries.list_dicts(ctx.store, m.HealthHistory)) == 1


def test_checklist_with_nothing_chosen_says_so(qtbot, ctx):
    dlg = HealthChecklist(ctx)
    qtbot.addWidget(dlg)
    dlg.save_button.click()
    assert dlg.result() != dlg.DialogCode.Accepted
    assert "at least one question" in dlg.top_error.text()
    assert queries.list_dicts(ctx.store, m.HealthHistory) == []


def test_checklist_keyboard_enter_moves_to_the_next_question(qtbot, ctx):
    dlg = HealthChecklist(ctx)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    first = dlg.details["another cancer"]
    first.setFocus()
    qtbot.keyClick(first, Qt.Key.Key_Return)
    assert dlg.focusWidget() is dlg.answers["heart attack (myocardial infarction)"]


def test_existing_answer_edited_with_its_own_dates_and_treated(qtbot, ctx):
    item = m.HealthHistory(topic="another cancer", answer="yes", date="2014")
    actions.record_health_answer(ctx.store, item)
    row = ctx.row(m.HealthHistory, item.id)
    dlg = editor_class(KINDS["health"])(ctx, KINDS["health"], row)
    qtbot.addWidget(dlg)
    assert not isinstance(dlg, HealthChecklist)
    _type(qtbot, dlg.widgets["resolved"], "June 2014")
    dlg.widgets["treated"].set_value(True)
    dlg.save_button.click()
    assert dlg.result() == dlg.DialogCode.Accepted, dlg.top_error.text()
    saved = ctx.row(m.HealthHistory, item.id)
    assert (saved["resolved"], saved["treated"]) == ("2014-06", True)
    # "no" with an end date is refused next to the field, the dialog keeps the text.
    dlg = RecordEditor(ctx, KINDS["health"], ctx.row(m.HealthHistory, item.id))
    qtbot.addWidget(dlg)
    dlg.widgets["answer"].set_value("no")
    dlg.widgets["treated"].set_value(None)
    dlg.save_button.click()
    assert dlg.result() != dlg.DialogCode.Accepted
    assert "nothing that ended" in dlg.errors["resolved"].text()
    assert dlg.widgets["resolved"].line.text() == "Jun 2014"


def test_mrd_editor_plain_words_and_undo(qtbot, ctx):
    dlg = RecordEditor(ctx, KINDS["mrd"])
    qtbot.addWidget(dlg)
    _type(qtbot, dlg.widgets["date"], "16 Jul 2024")
    dlg.widgets["result"].set_value("negative")
    dlg.widgets["method"].set_value("next-generation sequencing")
    dlg.widgets["sensitivity"].set_value("10^-6")
    dlg.widgets["sample"].set_value("bone marrow")
    assert "one in a million" in dlg.widgets["sensitivity"].toolTip()
    assert "residual" in dlg.widgets["result"].toolTip()  # the glossary explains MRD
    dlg.save_button.click()
    assert dlg.result() == dlg.DialogCode.Accepted, dlg.top_error.text()
    (mrd,) = queries.load_history(ctx.store).mrd
    assert (mrd.result, mrd.sensitivity, mrd.sample) == ("negative", "10^-6", "bone marrow")
    assert ctx.undo_stack.undoText() == "Add MRD test negative"
    ctx.undo_stack.undo()
    assert queries.load_history(ctx.store).mrd == ()


def test_progression_confirmed_date_before_first_met_is_refused(qtbot, ctx):
    dlg = RecordEditor(ctx, KINDS["progression"])
    qtbot.addWidget(dlg)
    _type(qtbot, dlg.widgets["date"], "7 Jan 2020")
    _type(qtbot, dlg.widgets["confirmed_on"], "1 Dec 2019")
    dlg.save_button.click()
    assert dlg.result() != dlg.DialogCode.Accepted
    assert "before the date first met" in dlg.errors["confirmed_on"].text()
    _type(qtbot, dlg.widgets["confirmed_on"], "4 Feb 2020")
    dlg.save_button.click()
    assert dlg.result() == dlg.DialogCode.Accepted, dlg.top_error.text()
    (p,) = queries.list_rows(ctx.store, m.Progression)
    assert (p.date, p.confirmed_on) == ("2020-01-07", "2020-02-04")


def test_side_effect_blamed_on_a_regimen(qtbot, ctx):
    from journal.ui.special_editors import SideEffectEditor

    reg = m.Regimen(name="DKd", start="2020-03-02")
    actions.add_regimen(ctx.store, reg)
    dlg = SideEffectEditor(ctx, KINDS["side_effect"])
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.term_search, "tingling with pain")
    assert dlg.term_list.item(0).text().startswith("Neuralgia")  # painful, not sensory
    dlg.term_list.setCurrentRow(0)
    assert dlg.widgets["term"].text() == "Neuralgia"
    _type(qtbot, dlg.widgets["onset"], "Apr 2020")
    dlg.widgets["regimen_id"].set_value(reg.id)
    dlg.save_button.click()
    assert dlg.result() == dlg.DialogCode.Accepted, dlg.top_error.text()
    (se,) = queries.load_history(ctx.store).side_effects
    assert (se.term_id, se.regimen_id) == ("neuralgia", reg.id)


def test_values_at_diagnosis_in_the_diagnosis_editor(qtbot, ctx):
    dlg = RecordEditor(ctx, KINDS["diagnosis"])
    qtbot.addWidget(dlg)
    dlg.widgets["heavy_chain"].set_value("IgG")
    dlg.widgets["light_chain"].set_value("kappa")
    _type(qtbot, dlg.widgets["creatinine_mg_dl"], "1.4")
    _type(qtbot, dlg.widgets["ldh_u_l"], "310")
    _type(qtbot, dlg.widgets["ldh_uln_u_l"], "250")
    dlg.save_button.click()
    assert dlg.result() == dlg.DialogCode.Accepted, dlg.top_error.text()
    dx = queries.load_history(ctx.store).diagnosis
    assert (dx.creatinine_mg_dl, dx.ldh_u_l, dx.ldh_uln_u_l) == (1.4, 310, 250)


def test_overview_shows_egfr_and_every_screening_question(qtbot, demo_store, settings):
    import datetime as dt

    from journal.domain.exclusions import QUESTIONS
    from journal.domain.summary import build_summary, summary_to_json
    from journal.ui.overview import overview_facts

    data = summary_to_json(
        build_summary(queries.load_history(demo_store), as_of=dt.date(2026, 11, 20))
    )
    facts = {f.key: f for f in overview_facts(data)}
    assert facts["egfr"].value.startswith("81 mL/min/1.73m2, computed from the creatinine of")
    assert facts["egfr"].traces[0]["rule"] == "kidney.egfr.ckd_epi_2021"
    shown = " ".join(facts[k].value for k in ("exclusion_yes", "exclusion_no", "exclusion_missing"))
    for q in QUESTIONS:  # every question appears under one of the three answers
        assert q.label in shown, q.label
    assert "Another cancer (besides myeloma) (May 2014)" in facts["exclusion_yes"].value
    assert "POEMS syndrome" in facts["exclusion_missing"].value
    assert facts["exclusion_missing"].section == "Health questions trial teams ask"
    assert facts["exclusion_yes"].refs and facts["exclusion_yes"].correct == "record"


def test_question_shown_in_the_same_plain_words_as_the_summary(qtbot, ctx):
    from journal.ui.table_model import format_value

    dlg = RecordEditor(ctx, KINDS["health"])
    qtbot.addWidget(dlg)
    combo = dlg.widgets["topic"]
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert "Myeloma in the brain or spinal fluid (CNS involvement)" in texts
    dlg.widgets["topic"].set_value("CNS involvement")
    assert combo.currentText() == "Myeloma in the brain or spinal fluid (CNS involvement)"
    assert dlg.values()["topic"] == "CNS involvement"  # stored value unchanged
    shown = format_value(KINDS["health"], "topic", "POEMS", {})
    assert shown == "POEMS syndrome"
