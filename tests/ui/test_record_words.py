"""Confirmations and undo texts name a record the way people know it."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from journal.services import actions
from journal.store import models as m
from journal.ui.kinds import KINDS
from journal.ui.lists import RecordList
from journal.ui.record_words import describe


def test_blood_test_named_without_internal_ids():
    row = {"test": "m_protein", "value": 0.9, "unit": "g/dL", "date": "2022-02-14"}
    assert describe(KINDS["lab"], row) == "blood test: M-protein 0.9 g/dL on 14 Feb 2022"
    assert "m_protein" not in describe(KINDS["lab"], row)
    se = {"term": "Peripheral sensory neuropathy", "grade": 2, "onset": "2019-06"}
    assert describe(KINDS["side_effect"], se) == (
        "side effect: Peripheral sensory neuropathy (grade 2) from Jun 2019"
    )
    assert (
        describe(KINDS["ecog"], {"score": 1, "date": "2024"}) == "daily-life score: ECOG 1 on 2024"
    )


def test_delete_confirmation_and_undo_say_what_it_was(qtbot, ctx, monkeypatch):
    ctx.apply(
        actions.add_lab_results,
        [m.LabResult(date="2022-02-14", test="m_protein", value=0.9, unit="g/dL")],
    )
    lst = RecordList(ctx, KINDS["lab"], "Test results")
    qtbot.addWidget(lst)
    lst.view.setCurrentIndex(lst.proxy.index(0, 0))
    asked = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes,
    )
    lst.delete_current()
    assert asked[0].startswith("Delete blood test: M-protein 0.9 g/dL on 14 Feb 2022?")
    assert ctx.undo_stack.undoText() == "Delete blood test: M-protein 0.9 g/dL on 14 Feb 2022"


def test_menus_have_no_stray_ampersands(qtbot, settings):
    from journal.ui.main_window import MainWindow

    w = MainWindow(settings)
    qtbot.addWidget(w)
    settings.add_recent("/tmp/Tom & Jerry.sqlite")
    w._fill_recent()
    for menu_action in w.menuBar().actions():
        for a in menu_action.menu().actions():
            shown = a.text().replace("&&", "")
            assert shown.count("&") <= 1, a.text()  # at most one keyboard underline
            assert not shown.endswith("&"), a.text()
    [recent] = [a.text() for a in w.recent_menu.actions()]
    assert recent == "/tmp/Tom && Jerry.sqlite"  # shown as "Tom & Jerry", not "Tom _Jerry"


def test_every_part_of_the_journal_has_a_real_shortcut():
    from PySide6.QtGui import QKeySequence

    from journal.ui.main_window import PAGES, page_shortcut

    keys = [page_shortcut(i) for i in range(len(PAGES))]
    assert keys[:3] == ["Ctrl+1", "Ctrl+2", "Ctrl+3"]
    for k in keys:
        if k is not None:  # "Ctrl+10" was no key at all once a tenth part came
            assert QKeySequence(k).count() == 1 and len(k) == len("Ctrl+1")
    assert len(set(keys)) == len(keys)
