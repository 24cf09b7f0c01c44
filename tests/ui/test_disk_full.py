"""A full disk while saving: one plain message, the editor stays open, nothing typed is lost."""

from __future__ import annotations

import errno

import pytest
from sqlalchemy import event

from journal.errors import DiskFullError
from journal.services import actions, queries
from journal.store import models as m
from journal.ui.context import DISK_FULL_ACTION_MESSAGE, DISK_FULL_MESSAGE
from journal.ui.editors import RecordEditor
from journal.ui.kinds import KINDS


@pytest.fixture
def full_disk(store):
    """Make the journal file unable to grow (SQLite's max_page_count), as on a full disk;
    calling the returned function frees the space again."""

    def cap(dbapi_conn, _rec):
        cur = dbapi_conn.cursor()
        pages = cur.execute("PRAGMA page_count").fetchone()[0]
        cur.execute(f"PRAGMA max_page_count={pages}")
        cur.close()

    event.listen(store.engine, "connect", cap)
    store.engine.dispose()  # every connection from now on has the cap

    def free_space():
        event.remove(store.engine, "connect", cap)
        store.engine.dispose()

    return free_space


def test_note_save_on_a_full_disk_keeps_the_editor_and_the_text(qtbot, ctx, full_disk):
    text = " ".join(["What my doctor said about the new regimen."] * 400)  # needs new pages
    dlg = RecordEditor(ctx, KINDS["note"])
    qtbot.addWidget(dlg)
    dlg.widgets["date"].line.setText("3 May 2026")
    dlg.widgets["text"].setPlainText(text)
    dlg.save_button.click()

    assert dlg.result() != dlg.DialogCode.Accepted
    assert dlg.top_error.text() == DISK_FULL_MESSAGE
    assert not dlg.top_error.isHidden()
    assert dlg.widgets["text"].toPlainText() == text
    assert dlg.widgets["date"].line.text() == "3 May 2026"
    assert queries.list_dicts(ctx.store, m.Note) == []
    assert ctx.undo_stack.count() == 0

    full_disk()  # space freed: Save again works with what is still typed
    dlg.save_button.click()
    assert dlg.result() == dlg.DialogCode.Accepted
    assert [n["text"] for n in queries.list_dicts(ctx.store, m.Note)] == [text]


@pytest.mark.parametrize(
    "failure",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        __import__("sqlite3").OperationalError("database or disk is full"),
    ],
    ids=["ENOSPC", "sqlite-full"],
)
def test_apply_turns_a_write_failure_into_the_plain_message(ctx, failure):
    def action(_store, *_a, **_k):
        raise failure

    with pytest.raises(DiskFullError) as err:
        ctx.apply(action)
    assert str(err.value) == DISK_FULL_MESSAGE
    assert err.value.__cause__ is failure
    assert ctx.undo_stack.count() == 0


def test_other_errors_pass_through_unchanged(ctx):
    def action(_store):
        raise ValueError("something else")

    with pytest.raises(ValueError, match="something else"):
        ctx.apply(action)


def test_delete_on_a_full_disk_says_so_and_keeps_the_row(qtbot, ctx, monkeypatch):
    from journal.ui.lists import RecordList

    ctx.apply(actions.add_question, m.Question(created="2026-11-01", text="Dose spacing?"))
    lst = RecordList(ctx, KINDS["question"], "Questions")
    qtbot.addWidget(lst)
    shown: list[str] = []
    ctx.error.connect(shown.append)

    def no_space(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(actions, "delete", no_space)
    lst.delete_row(lst.model.row_dict(0))
    assert shown == [DISK_FULL_ACTION_MESSAGE]
    assert len(queries.list_dicts(ctx.store, m.Question)) == 1
    assert lst.model.rowCount() == 1
    assert ctx.undo_stack.count() == 1  # only the add


def test_correction_on_a_full_disk_stays_open_with_the_reason(qtbot, ctx, full_disk):
    from journal.ui.overview import RefractoryCorrection

    drugs = {"lenalidomide": {"drug_id": "lenalidomide", "name": "lenalidomide", "exposed": True}}

    def save(drug_id, value, reason):
        ctx.apply(actions.set_override, "refractory", drug_id, value, reason * 200)

    dlg = RefractoryCorrection(drugs, None, save=save)
    qtbot.addWidget(dlg)
    dlg.reason.setText("clinic letter of 3 May 2024 ")
    dlg._ok()
    assert dlg.result() != dlg.DialogCode.Accepted
    assert dlg.error.text() == DISK_FULL_MESSAGE
    assert dlg.reason.text() == "clinic letter of 3 May 2024 "
    assert queries.list_dicts(ctx.store, m.Override) == []
    full_disk()
    dlg._ok()
    assert dlg.result() == dlg.DialogCode.Accepted
    assert len(queries.list_dicts(ctx.store, m.Override)) == 1


def test_regimen_and_blood_test_editors_keep_everything_on_a_full_disk(qtbot, ctx, monkeypatch):
    import sqlite3

    from journal.ui.special_editors import BloodTestForm, RegimenEditor

    def full(*_a, **_k):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(actions, "add_regimen", full)
    monkeypatch.setattr(actions, "add_lab_results", full)

    reg = RegimenEditor(ctx, KINDS["regimen"])
    qtbot.addWidget(reg)
    qtbot.keyClicks(reg.search, "VRd")
    reg.use_button.click()
    qtbot.keyClicks(reg.widgets["start"].line, "May 2019")
    reg.save_button.click()
    assert reg.result() != reg.DialogCode.Accepted
    assert reg.top_error.text() == DISK_FULL_MESSAGE
    assert reg.widgets["name"].text() == "VRd"
    assert reg.widgets["start"].line.text() == "May 2019"
    assert [d["drug_id"] for d in reg.drugs] == ["bortezomib", "lenalidomide", "dexamethasone"]

    labs = BloodTestForm(ctx)
    qtbot.addWidget(labs)
    qtbot.keyClicks(labs.widgets["date"].line, "3 March 2024")
    qtbot.keyClicks(labs.value_edits["m_protein"], "1.2")
    labs.save_button.click()
    assert labs.result() != labs.DialogCode.Accepted
    assert labs.top_error.text() == DISK_FULL_MESSAGE
    assert labs.value_edits["m_protein"].text() == "1.2"
    assert ctx.undo_stack.count() == 0
    assert queries.list_dicts(ctx.store, m.Regimen) == []
