"""Blood tests in bulk: paste or open, map once, preview converted, one undo."""

from __future__ import annotations

from journal.services import queries
from journal.store import models as m
from journal.ui.lab_import import LabImportDialog

WIDE = "Date\tM-protein (g/L)\tKappa (mg/L)\nMar 2019\t31\t1,200\nJan 2020\t2\t\nFeb 2022\t9\t45\n"


def test_paste_preview_and_import_in_one_undoable_step(qtbot, ctx):
    dlg = LabImportDialog(ctx)
    qtbot.addWidget(dlg)
    dlg.set_text(WIDE)
    assert [c.currentText() for c in dlg.combos] == [
        "Date",
        "Serum M-protein (SPEP M-spike) (g/L)",
        "Free light chain kappa (mg/L)",
    ]
    assert dlg.preview.rowCount() == 5
    assert dlg.preview.item(0, 4).text() == "3.1 g/dL"  # converted for the rules
    assert dlg.preview.item(1, 4).text() == "1200 mg/L"
    assert dlg.import_button.isEnabled()
    dlg.import_button.click()
    assert dlg.result() == dlg.DialogCode.Accepted
    rows = sorted(
        (r.date, r.test, r.value, r.unit) for r in queries.list_rows(ctx.store, m.LabResult)
    )
    assert rows[:2] == [
        ("2019-03", "flc_kappa", 1200.0, "mg/L"),
        ("2019-03", "m_protein", 31.0, "g/L"),
    ]
    assert len(rows) == 5
    assert ctx.undo_stack.count() == 1
    ctx.undo_stack.undo()
    assert queries.list_rows(ctx.store, m.LabResult) == []


def test_duplicates_found_and_left_out(qtbot, ctx):
    from journal.services import actions

    actions.add_lab_results(
        ctx.store, [m.LabResult(date="2020-01", test="m_protein", value=0.2, unit="g/dL")]
    )
    dlg = LabImportDialog(ctx)
    qtbot.addWidget(dlg)
    dlg.set_text(WIDE)
    notes = [dlg.preview.item(i, 5).text() for i in range(dlg.preview.rowCount())]
    assert notes.count("already in the journal") == 1
    assert "1 already in the journal will be left out" in dlg.status.text()
    assert len(dlg.to_import()) == 4
    dlg.skip_duplicates.setChecked(False)
    assert len(dlg.to_import()) == 5


def test_a_bad_row_blocks_the_whole_import_until_fixed(qtbot, ctx):
    dlg = LabImportDialog(ctx)
    qtbot.addWidget(dlg)
    dlg.set_text("Date,Test,Value,Unit\n2019-03-01,M-protein,3.1,g/dL\nsoon,M-protein,1,g/dL\n")
    assert not dlg.import_button.isEnabled()
    assert "cannot be read" in dlg.status.text()
    dlg.save()
    assert queries.list_rows(ctx.store, m.LabResult) == []  # all or nothing
    dlg.set_text("Date,Test,Value,Unit\n2019-03-01,M-protein,3.1,g/dL\n2019-04,M-protein,1,g/dL\n")
    assert dlg.import_button.isEnabled()


def test_open_a_csv_file(qtbot, ctx, tmp_path):
    f = tmp_path / "labs.csv"
    f.write_text("Date;Test;Value;Unit\n14.02.2022;M-protein;0,9;g/dL\n", encoding="utf-8-sig")
    dlg = LabImportDialog(ctx)
    qtbot.addWidget(dlg)
    dlg.load_file(str(f))
    assert [r.value for r in dlg.rows] == [0.9]


def test_changing_what_a_column_holds(qtbot, ctx):
    dlg = LabImportDialog(ctx)
    qtbot.addWidget(dlg)
    dlg.set_text("Sampled\tParaprotein\nMar 2019\t3.1\n")
    assert dlg.combos[0].currentText() == "(not imported)"  # "Sampled" is not a known title
    assert not dlg.import_button.isEnabled()
    dlg.combos[0].setCurrentText("Date")
    assert dlg.import_button.isEnabled()
    assert dlg.rows[0].date == "2019-03"
