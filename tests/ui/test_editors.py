"""Editors driven as a person would: type, choose, save, undo; the store is checked."""

from __future__ import annotations

from PySide6.QtCore import Qt

from journal.services import queries
from journal.store import models as m
from journal.ui.editors import RecordEditor
from journal.ui.fields import PartialDateEdit
from journal.ui.kinds import KINDS


def _type(qtbot, widget, text):
    target = widget.line if isinstance(widget, PartialDateEdit) else widget
    target.clear()
    qtbot.keyClicks(target, text)


def test_partial_date_edit_explains_reading_live(qtbot):
    w = PartialDateEdit("Started")
    qtbot.addWidget(w)
    qtbot.keyClicks(w.line, "about spring 2019")
    assert w.reading.text() == "= about spring 2019"
    assert w.value() == "~2019-SP"
    w.line.clear()
    qtbot.keyClicks(w.line, "the day after")
    assert w.value() is None
    assert "not a date I understand" in w.error()
    assert "not a date I understand" in w.reading.text()


def test_add_response_then_undo_redo(qtbot, ctx):
    dlg = RecordEditor(ctx, KINDS["response"])
    qtbot.addWidget(dlg)
    _type(qtbot, dlg.widgets["date"], "14 May 2019")
    dlg.widgets["category"].set_value("VGPR")
    dlg.save_button.click()
    assert dlg.result() == dlg.DialogCode.Accepted
    rows = queries.list_rows(ctx.store, m.Response)
    assert [(r.date, r.category, r.assessor) for r in rows] == [("2019-05-14", "VGPR", "clinician")]
    assert ctx.undo_stack.undoText() == "Add response VGPR"
    ctx.undo_stack.undo()
    assert queries.list_rows(ctx.store, m.Response) == []
    assert ctx.undo_stack.redoText() == "Add response VGPR"
    ctx.undo_stack.redo()
    assert len(queries.list_rows(ctx.store, m.Response)) == 1


def test_rejected_save_shows_message_by_field_and_keeps_text(qtbot, ctx):
    dlg = RecordEditor(ctx, KINDS["regimen"])
    qtbot.addWidget(dlg)
    _type(qtbot, dlg.widgets["name"], "VRd")
    _type(qtbot, dlg.widgets["start"], "12 May 2019")
    _type(qtbot, dlg.widgets["end"], "1 March 2019")
    _type(qtbot, dlg.widgets["plan"], "4 cycles then transplant")
    dlg.save_button.click()
    assert dlg.result() != dlg.DialogCode.Accepted
    assert queries.list_rows(ctx.store, m.Regimen) == []
    msg = dlg.errors["end"].text()
    assert "before" in msg.lower() and msg  # names the problem next to the End field
    assert not dlg.errors["end"].isHidden()
    assert dlg.top_error.text().startswith("Not saved yet")
    # Everything typed is still there.
    assert dlg.widgets["name"].text() == "VRd"
    assert dlg.widgets["end"].line.text() == "1 March 2019"
    assert dlg.widgets["plan"].toPlainText() == "4 cycles then transplant"
    assert ctx.undo_stack.count() == 0


def test_bad_date_and_number_rejected_before_saving(qtbot, ctx):
    dlg = RecordEditor(ctx, KINDS["ecog"])
    qtbot.addWidget(dlg)
    _type(qtbot, dlg.widgets["date"], "the 45th of May")
    dlg.save_button.click()
    assert "not a date I understand" in dlg.errors["date"].text()
    assert queries.list_rows(ctx.store, m.Ecog) == []
    p = RecordEditor(ctx, KINDS["person"])
    qtbot.addWidget(p)
    _type(qtbot, p.widgets["height_cm"], "tall")
    p.save_button.click()
    assert "'tall' is not a number" in p.errors["height_cm"].text()


def test_required_field_message(qtbot, ctx):
    dlg = RecordEditor(ctx, KINDS["question"])
    qtbot.addWidget(dlg)
    _type(qtbot, dlg.widgets["created"], "today")
    dlg.save_button.click()
    assert dlg.errors["text"].text() == "This is needed."
    _type(qtbot, dlg.widgets["text"], "Can I travel in June?")
    dlg.save_button.click()
    assert [q.text for q in queries.list_rows(ctx.store, m.Question)] == ["Can I travel in June?"]


def test_edit_existing_record_is_one_undo_step(qtbot, ctx):
    from journal.services import actions

    ctx.apply(actions.save, m.Note(date="2024-03", title="First", text="x"))
    row = ctx.rows(m.Note)[0]
    dlg = RecordEditor(ctx, KINDS["note"], row)
    qtbot.addWidget(dlg)
    assert dlg.widgets["date"].line.text() == "Mar 2024"
    _type(qtbot, dlg.widgets["title"], "Clinic visit")
    dlg.save_button.click()
    assert queries.list_rows(ctx.store, m.Note)[0].title == "Clinic visit"
    assert ctx.undo_stack.undoText() == "Edit note Clinic visit"
    ctx.undo_stack.undo()
    assert queries.list_rows(ctx.store, m.Note)[0].title == "First"


def test_keyboard_only_editor(qtbot, ctx):
    """Tab through the form and press Enter to save."""
    dlg = RecordEditor(ctx, KINDS["progression"])
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.widgets["date"].line.setFocus()
    qtbot.keyClicks(dlg.focusWidget(), "2021-02")
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Tab)
    assert dlg.focusWidget() is dlg.widgets["kind"]
    assert dlg.widgets["kind"].value() == "unknown"  # the record's usual value to start
    qtbot.keyClicks(dlg.focusWidget(), "cl")  # typing picks "clinical"
    qtbot.keyClick(dlg.focusWidget(), Qt.Key.Key_Return)
    rows = queries.list_rows(ctx.store, m.Progression)
    assert [(r.date, r.kind) for r in rows] == [("2021-02", "clinical")]


def test_person_is_one_row_even_when_added_twice(qtbot, ctx):
    for name in ("Jean", "Jean M."):
        dlg = RecordEditor(ctx, KINDS["person"])
        qtbot.addWidget(dlg)
        _type(qtbot, dlg.widgets["display_name"], name)
        _type(qtbot, dlg.widgets["birth_date"], "1957")
        dlg.save_button.click()
        assert dlg.result() == dlg.DialogCode.Accepted, dlg.top_error.text()
    rows = queries.list_rows(ctx.store, m.Person)
    assert [(p.display_name, p.birth_date) for p in rows] == [("Jean M.", "1957")]
    assert ctx.undo_stack.undoText() == "Edit personal details"
    ctx.undo_stack.undo()
    assert queries.list_rows(ctx.store, m.Person)[0].display_name == "Jean"


def test_car_t_product_is_suggested_by_its_short_name(qtbot, ctx):
    dlg = RecordEditor(ctx, KINDS["procedure"])
    qtbot.addWidget(dlg)
    completer = dlg.widgets["product"].completer()
    completer.setCompletionPrefix("cilta")
    suggestions = [
        completer.completionModel().index(i, 0).data() for i in range(completer.completionCount())
    ]
    assert "ciltacabtagene autoleucel" in suggestions
    dlg.widgets["kind"].set_value("CAR-T infusion")
    _type(qtbot, dlg.widgets["date"], "15 Jan 2024")
    _type(qtbot, dlg.widgets["product"], "ciltacabtagene autoleucel")
    dlg.save_button.click()
    p = queries.list_rows(ctx.store, m.Procedure)[0]
    assert (p.kind, p.date, p.product) == (
        "CAR-T infusion",
        "2024-01-15",
        "ciltacabtagene autoleucel",
    )


def test_undo_that_no_longer_fits_says_so_and_changes_nothing(qtbot, ctx):
    from journal.services import actions

    ctx.apply(actions.add_note, m.Note(date="2026-01", title="Visit"))
    note = queries.list_rows(ctx.store, m.Note)[0]
    note.title = "Changed elsewhere"
    actions.save(ctx.store, note)  # not through the undo stack, e.g. another tool
    with qtbot.waitSignal(ctx.error, timeout=2000) as blocker:
        ctx.undo_stack.undo()
    assert "can no longer be undone" in blocker.args[0]
    assert [n.title for n in queries.list_rows(ctx.store, m.Note)] == ["Changed elsewhere"]


def test_required_choice_is_never_picked_by_accident(qtbot, ctx):
    dlg = RecordEditor(ctx, KINDS["response"])
    qtbot.addWidget(dlg)
    assert dlg.widgets["category"].currentText() == "(choose one)"
    _type(qtbot, dlg.widgets["date"], "May 2019")
    dlg.save_button.click()
    assert dlg.errors["category"].text() == "Choose one from the list."
    assert queries.list_rows(ctx.store, m.Response) == []
