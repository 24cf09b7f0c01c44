"""Add a line of therapy: the keyboard way a person enters a history from a letter."""

from __future__ import annotations

from PySide6.QtCore import Qt

from journal.services import queries
from journal.store import models as m
from journal.ui.line_wizard import LineOfTherapyDialog


def _shown(qtbot, ctx):
    dlg = LineOfTherapyDialog(ctx)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.activateWindow()
    qtbot.waitUntil(dlg.isActiveWindow, timeout=2000)
    return dlg


def _keys(qtbot, dlg, *steps):
    """Type into whatever has focus: text, Qt keys, or (key, modifier) pairs."""
    for step in steps:
        target = dlg.focusWidget() or dlg
        if isinstance(step, str):
            qtbot.keyClicks(target, step)
        elif isinstance(step, tuple):
            qtbot.keyClick(target, step[0], step[1])
            qtbot.wait(150)  # Qt "animates" a button pressed by its Alt+letter for 100 ms
        else:
            qtbot.keyClick(target, step)
        qtbot.wait(1)  # the event loop runs between two key presses, as for a person


def test_vrd_transplant_maintenance_until_progression_by_keyboard(qtbot, ctx):
    dlg = _shown(qtbot, ctx)
    assert dlg.focusWidget() is dlg.regimen.edit
    alt = Qt.KeyboardModifier.AltModifier
    _keys(qtbot, dlg, "vrd", Qt.Key.Key_Return)  # one Enter takes the suggestion
    assert dlg.isVisible() and dlg.focusWidget() is dlg.start.line
    assert dlg.regimen.reading.text() == "= bortezomib, lenalidomide, dexamethasone"
    _keys(qtbot, dlg, "4/2019", Qt.Key.Key_Tab, "2/2022", Qt.Key.Key_Tab, "4")
    _keys(qtbot, dlg, (Qt.Key.Key_T, alt))  # transplant: straight to its date
    assert dlg.focusWidget() is dlg.cell_date.line
    assert dlg.prep_text.text() == "melphalan 200 mg/m\u00b2"
    _keys(qtbot, dlg, "9/2019", (Qt.Key.Key_M, alt))
    assert dlg.focusWidget() is dlg.maint_start.line
    _keys(qtbot, dlg, "11/2019", (Qt.Key.Key_P, alt))
    # shown in time order before saving
    assert dlg.preview.text().splitlines()[1:] == [
        "\u2022 Apr 2019: VRd starts",
        "\u2022 Sep 2019: melphalan 200 mg/m\u00b2",
        "\u2022 Sep 2019: transplant",
        "\u2022 Nov 2019: Lenalidomide maintenance starts",
        "\u2022 Feb 2022: all of it stops (progression)",
        "\u2022 Feb 2022: progression recorded",
    ]
    _keys(qtbot, dlg, Qt.Key.Key_Return)
    assert not dlg.isVisible(), dlg.top_error.text()
    regs = {r.name: r for r in queries.list_rows(ctx.store, m.Regimen)}
    assert set(regs) == {"VRd", "High-dose melphalan 200 mg/m\u00b2", "Lenalidomide maintenance"}
    assert regs["VRd"].cycles == 4 and regs["VRd"].intent == "induction"
    mel = regs["High-dose melphalan 200 mg/m\u00b2"]
    [drug] = queries.regimen_drugs(ctx.store, mel.id)
    assert (drug.drug_id, drug.dose, drug.dose_unit) == ("melphalan", 200, "mg/m2")
    [proc] = queries.list_rows(ctx.store, m.Procedure)
    assert proc.kind == "autologous stem-cell transplant" and proc.regimen_id == mel.id
    [prog] = queries.list_rows(ctx.store, m.Progression)
    assert prog.date == "2022-02" and prog.regimen_id == regs["Lenalidomide maintenance"].id
    assert ctx.undo_stack.count() == 1
    assert ctx.undo_stack.undoText().startswith("Add line of therapy VRd, transplant")
    ctx.undo_stack.undo()
    assert queries.list_rows(ctx.store, m.Regimen) == []
    assert queries.list_rows(ctx.store, m.Procedure) == []


def test_dara_pom_dex_stopped_for_progression(qtbot, ctx):
    dlg = _shown(qtbot, ctx)
    alt = Qt.KeyboardModifier.AltModifier
    _keys(qtbot, dlg, "dara pom dex", Qt.Key.Key_Return, "3/2022", Qt.Key.Key_Tab, "1/2024")
    _keys(qtbot, dlg, (Qt.Key.Key_P, alt), Qt.Key.Key_Return)
    assert not dlg.isVisible(), dlg.top_error.text()
    [reg] = queries.list_rows(ctx.store, m.Regimen)
    assert (reg.name, reg.end, reg.end_reason) == ("DPd", "2024-01", "progression")
    assert [p.date for p in queries.list_rows(ctx.store, m.Progression)] == ["2024-01"]
    s = ctx.summary()
    assert s.ledger.refractory("daratumumab") and s.ledger.refractory("pomalidomide")


def test_stop_before_start_shows_at_once_and_clears_when_fixed(qtbot, ctx):
    dlg = _shown(qtbot, ctx)
    qtbot.keyClicks(dlg.start.line, "2020")
    qtbot.keyClicks(dlg.end.line, "2019")
    err = dlg.errors["end"]
    assert err.isVisible() and "before the start" in err.text()
    assert err.property("role") == "error"  # drawn in the error colour
    dlg.end.line.setText("2021")
    assert not err.isVisible()


def test_nothing_saved_while_something_is_missing_and_nothing_typed_is_lost(qtbot, ctx):
    dlg = _shown(qtbot, ctx)
    qtbot.keyClicks(dlg.regimen.edit, "xyzzy")
    qtbot.keyClicks(dlg.start.line, "May 2019")
    dlg.has_maint.setChecked(True)
    dlg.save_button.click()
    assert dlg.isVisible()
    assert "Choose the treatment" in dlg.errors["regimen"].text()
    assert "needed" in dlg.errors["maintenance"].text()
    assert dlg.top_error.text().startswith("Not saved yet")
    assert dlg.start.line.text() == "May 2019" and dlg.regimen.edit.text() == "xyzzy"
    assert queries.list_rows(ctx.store, m.Regimen) == []


def test_car_t_with_lymphodepletion_in_time_order(qtbot, ctx):
    dlg = _shown(qtbot, ctx)
    qtbot.keyClicks(dlg.regimen.edit, "kd")
    qtbot.keyClick(dlg.regimen.edit, Qt.Key.Key_Return)
    qtbot.keyClicks(dlg.start.line, "Feb 2024")
    dlg.cart.setChecked(True)
    assert dlg.prep_text.text() == "fludarabine + cyclophosphamide"
    qtbot.keyClicks(dlg.product.edit, "carvykti")
    qtbot.keyClick(dlg.product.edit, Qt.Key.Key_Return)
    qtbot.keyClicks(dlg.cell_date.line, "15 Apr 2024")
    qtbot.keyClicks(dlg.prep_date.line, "10 Apr 2024")
    dlg.response.set_value("CR")
    qtbot.keyClicks(dlg.response_date.line, "July 2024")
    dlg.save_button.click()
    assert not dlg.isVisible(), dlg.top_error.text()
    regs = {r.intent: r for r in queries.list_rows(ctx.store, m.Regimen)}
    assert regs["bridging"].end == "<2024-04-10"
    assert regs["lymphodepletion"].start == "2024-04-10"
    [proc] = queries.list_rows(ctx.store, m.Procedure)
    assert proc.product == "ciltacabtagene-autoleucel" and proc.date == "2024-04-15"
    [resp] = queries.list_rows(ctx.store, m.Response)
    assert resp.category == "CR" and resp.regimen_id == regs["fixed duration"].id
    assert ctx.summary().lines.lines_received == 1


def test_main_window_opens_it_with_ctrl_l(qtbot, ctx, settings):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from journal.ui.main_window import MainWindow

    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.set_context(ctx)
    w.show()
    seen = {}

    def look():
        dlg = QApplication.activeModalWidget()
        seen["title"] = dlg.windowTitle() if dlg else None
        if dlg:
            dlg.reject()

    QTimer.singleShot(50, look)
    w.line_action.trigger()
    assert seen["title"] == "Add a line of therapy"
    w.go_to(2)
    assert w.page(2).cornerWidget().text() == "Add a line of therapy..."
    w.set_context(None)
