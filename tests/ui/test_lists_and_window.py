"""Table models (qtmodeltester), lists, the main window, settings and comfort."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from journal.services import actions, queries
from journal.store import models as m
from journal.ui.kinds import KINDS
from journal.ui.lists import RecordList
from journal.ui.table_model import RecordProxyModel, RecordTableModel


def _fill(ctx):
    ctx.apply(
        actions.add_regimen,
        m.Regimen(name="VRd", start="2017-03", end="2017-08"),
        [m.RegimenDrug(drug_id="bortezomib", name="bortezomib")],
    )
    ctx.apply(actions.add_regimen, m.Regimen(name="DKd", start="~2020-SP", end="2022-01-14"), [])
    ctx.apply(actions.add_regimen, m.Regimen(name="Tal", start="2025"), [])
    ctx.apply(actions.record_response, m.Response(date="2017-07", category="VGPR", regimen_id=1))
    ctx.apply(actions.add_question, m.Question(created="2026-11-01", text="Dose spacing?"))


@pytest.mark.parametrize("key", sorted(KINDS))
def test_every_table_model_passes_qtmodeltester(qtmodeltester, ctx, key):
    _fill(ctx)
    kind = KINDS[key]
    model = RecordTableModel(kind)
    from journal.ui.lists import lookups_for

    model.set_rows(ctx.rows(kind.table), lookups_for(ctx, kind))
    qtmodeltester.check(model, force_py=True)
    proxy = RecordProxyModel()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy, force_py=True)


def test_dates_sort_by_when_they_happened_and_filter(qtbot, ctx):
    _fill(ctx)
    lst = RecordList(ctx, KINDS["regimen"], "Regimens")
    qtbot.addWidget(lst)
    lst.view.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    names = [lst.proxy.index(r, 0).data() for r in range(lst.proxy.rowCount())]
    assert names == ["VRd", "DKd", "Tal"]
    assert lst.proxy.index(1, 1).data() == "about spring 2020"  # shown as entered
    assert lst.proxy.index(2, 2).data() == ""  # ongoing
    lst.filter.setText("dk")
    assert lst.proxy.rowCount() == 1
    # regimen names, not ids, in other lists
    resp = RecordList(ctx, KINDS["response"], "Responses")
    qtbot.addWidget(resp)
    assert resp.proxy.index(0, 3).data() == "VRd"


def test_lists_hold_plain_rows_not_model_objects(qtbot, ctx, monkeypatch):
    _fill(ctx)

    def no_model_objects(*_a, **_k):
        raise AssertionError("lists must read plain rows (queries.list_dicts)")

    monkeypatch.setattr(queries, "list_rows", no_model_objects)
    lst = RecordList(ctx, KINDS["response"], "Responses", where={"regimen_id": 1})
    qtbot.addWidget(lst)
    assert [type(r) for r in lst.model._rows] == [dict]
    assert lst.model._rows == queries.list_dicts(ctx.store, m.Response)
    assert ctx.row(m.Regimen, 2)["name"] == "DKd"
    assert ctx.row(m.Regimen, 99) is None


def test_sorting_is_kept_when_the_list_reloads(qtmodeltester, qtbot, ctx):
    _fill(ctx)
    lst = RecordList(ctx, KINDS["regimen"], "Regimens")
    qtbot.addWidget(lst)

    def names():
        return [lst.proxy.index(r, 0).data() for r in range(lst.proxy.rowCount())]

    lst.view.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    assert names() == ["Tal", "DKd", "VRd"]
    lst.view.setCurrentIndex(lst.proxy.index(2, 0))
    lst.view.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert names() == ["VRd", "DKd", "Tal"]
    assert lst.current_row()["name"] == "VRd"  # the chosen row moved with the sort
    ctx.apply(actions.add_regimen, m.Regimen(name="KRd", start="2019-02"), [])
    assert names() == ["VRd", "KRd", "DKd", "Tal"]
    lst.filter.setText("d")
    assert names() == ["VRd", "KRd", "DKd"]
    qtmodeltester.check(lst.proxy, force_py=True)


def test_delete_asks_and_is_undoable(qtbot, ctx, monkeypatch):
    _fill(ctx)
    lst = RecordList(ctx, KINDS["regimen"], "Regimens")
    qtbot.addWidget(lst)
    lst.view.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    lst.view.setCurrentIndex(lst.proxy.index(0, 0))
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No
    )
    lst.delete_current()
    assert asked[0].startswith("Delete regimen: VRd from Mar 2017?")  # as people know it
    assert len(queries.list_rows(ctx.store, m.Regimen)) == 3
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    lst.delete_current()
    assert [r.name for r in queries.list_rows(ctx.store, m.Regimen)] == ["DKd", "Tal"]
    assert lst.model.rowCount() == 2  # the list followed the change
    assert queries.list_rows(ctx.store, m.RegimenDrug) == []  # cascaded
    assert ctx.undo_stack.undoText() == "Delete regimen: VRd from Mar 2017"
    ctx.undo_stack.undo()
    assert lst.model.rowCount() == 3
    assert [d.drug_id for d in queries.list_rows(ctx.store, m.RegimenDrug)] == ["bortezomib"]


def test_enter_opens_editor(qtbot, ctx, monkeypatch):
    _fill(ctx)
    lst = RecordList(ctx, KINDS["question"], "Questions")
    qtbot.addWidget(lst)
    opened = []
    monkeypatch.setattr(
        "journal.ui.lists.open_record_editor",
        lambda c, kind, row, parent=None: opened.append((kind.key, row["text"])),
    )
    lst.show()
    lst.view.setFocus()
    lst.view.setCurrentIndex(lst.proxy.index(0, 0))
    qtbot.keyClick(lst.view, Qt.Key.Key_Return)
    assert opened == [("question", "Dose spacing?")]


@pytest.fixture
def window(qtbot, settings):
    from journal.ui.app import build_window, make_app

    make_app(["test"])
    w, controller = build_window(settings)
    qtbot.addWidget(w)
    return w, controller


def test_first_start_shows_welcome_and_creates_journal(window, tmp_path):
    from journal.paths import default_journal_path

    w, _controller = window
    assert w.outer.currentWidget() is w.welcome
    w.welcome.name.setText("Jean")
    w.welcome.protect.setChecked(False)  # declines the passphrase (tests/ui/test_privacy.py)
    w.welcome.create_button.click()
    assert w.ctx is not None
    assert default_journal_path().exists()
    assert queries.person(w.ctx.store).display_name == "Jean"
    assert w.settings.recent_files() == [str(default_journal_path())]


def test_navigation_by_keyboard_and_pages(window, qtbot, tmp_path):
    w, controller = window
    assert controller.create_path(tmp_path / "j.sqlite", None)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)
    w.nav.setFocus()
    titles = []
    for i in range(w.nav.count()):
        if i:
            qtbot.keyClick(w.nav, Qt.Key.Key_Down)
        titles.append(w.stack.currentWidget().accessibleName() or type(w.stack.currentWidget()))
    assert w.nav.currentRow() == w.nav.count() - 1
    assert "Overview" in titles
    assert len(w._pages) == w.nav.count()  # every page was built on demand
    # Ctrl+3 jumps to Treatments
    w.nav.setFocus()
    qtbot.keyClick(w.nav, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert w.nav.currentRow() == 2


def test_undo_action_carries_the_action_name(window, tmp_path):
    w, controller = window
    controller.create_path(tmp_path / "j.sqlite", None)
    w.ctx.apply(actions.add_note, m.Note(date="2026-01", title="Visit"))
    assert w.undo_action.text() == "&Undo Add note"
    w.undo_action.trigger()
    assert queries.list_rows(w.ctx.store, m.Note) == []
    assert w.redo_action.text() == "&Redo Add note"


def test_open_editor_by_ref(window, tmp_path, monkeypatch):
    w, controller = window
    controller.create_path(tmp_path / "j.sqlite", None)
    w.ctx.apply(actions.add_regimen, m.Regimen(name="VRd", start="2019"), [])
    opened = []
    monkeypatch.setattr(
        "journal.ui.lists.open_record_editor",
        lambda c, kind, row, parent=None: opened.append((kind.key, row["name"])),
    )
    assert w.ctx.open_editor("regimen:1") is True
    assert opened == [("regimen", "VRd")]
    assert w.ctx.open_editor("regimen:99") is False
    assert w.ctx.open_editor("nonsense") is False


def test_text_size_and_contrast_are_remembered(window, settings):
    w, _ = window
    app = QApplication.instance()
    base = app.font().pointSizeF()
    w.set_text_scale(175)
    assert app.font().pointSizeF() == pytest.approx(base * 1.75)
    assert settings.text_scale == 175
    w.set_text_scale(500)
    assert settings.text_scale == 200  # clamped to the supported range
    w.set_text_scale(100)
    assert app.font().pointSizeF() == pytest.approx(base)
    w.contrast_action.setChecked(True)
    assert settings.high_contrast is True
    assert app.palette().color(app.palette().ColorRole.Window).name() == "#000000"
    w.contrast_action.setChecked(False)


def test_window_geometry_saved_and_no_patient_data_in_settings(window, settings, tmp_path):
    w, controller = window
    controller.create_path(tmp_path / "j.sqlite", "Jean Secret")
    w.ctx.apply(actions.add_note, m.Note(date="2026-01", title="Private visit"))
    w.close()
    settings.sync()
    from pathlib import Path

    text = Path(settings.q.fileName()).read_text(encoding="utf-8", errors="replace")
    assert "window" in text and "geometry" in text
    assert "Jean Secret" not in text and "Private visit" not in text


def test_open_not_a_journal_shows_plain_message(window, tmp_path, monkeypatch):
    w, controller = window
    bad = tmp_path / "notes.sqlite"
    bad.write_bytes(b"this is not a database at all" * 100)
    before = bad.read_bytes()
    shown = []
    monkeypatch.setattr(
        QMessageBox, "exec", lambda self: shown.append((self.windowTitle(), self.text())) or 0
    )
    assert controller.open_path(bad) is False
    assert shown and shown[0][1]
    assert bad.read_bytes() == before  # never written to
    assert w.ctx is None


def test_glossary_explains_jargon():
    from journal.ui.glossary import explain, tip

    for word in ("M-spike", "FLC", "VGPR", "refractory"):
        text = explain(word)
        assert text.endswith(".") and len(text.split(".")) <= 3
    assert "M-spike:" in tip("Serum M-protein", "M-spike")
    assert explain("no such word") == ""


def test_invalid_index_is_harmless(ctx):
    model = RecordTableModel(KINDS["note"])
    assert model.data(QModelIndex()) is None


def test_damaged_journal_offers_restore_and_is_not_written(window, tmp_path, monkeypatch):
    from journal.store.backup import backup_now
    from journal.store.db import create_journal

    w, controller = window
    path = tmp_path / "j.sqlite"
    store = create_journal(path)
    actions.add_note(store, m.Note(date="2026-01", title="Before damage"))
    backup_now(store, "manual")
    store.close()
    data = bytearray(path.read_bytes())
    for i in range(4096, min(len(data), 4096 * 3)):
        data[i] ^= 0xFF  # scramble pages: the file no longer passes its check
    path.write_bytes(bytes(data))
    damaged = path.read_bytes()
    shown = []

    def fake_exec(box):
        shown.append((box.windowTitle(), box.text()))
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    assert controller.open_path(path) is False
    assert shown and shown[0][0] == "This journal file is damaged"
    assert "backup" in shown[0][1].lower()
    assert path.read_bytes() == damaged
    assert w.ctx is None


def test_second_window_on_same_journal_is_refused_plainly(window, tmp_path, monkeypatch):
    from journal.store.db import create_journal

    _w, controller = window
    path = tmp_path / "j.sqlite"
    holder = create_journal(path)
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.windowTitle()) or 0)
    try:
        assert controller.open_path(path) is False
    finally:
        holder.close()
    assert shown == ["This journal is already open"]


def test_column_titles_explain_medical_words(ctx):
    model = RecordTableModel(KINDS["response"])
    col = [c[0] for c in KINDS["response"].columns].index("category")
    text = model.headerData(col, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "VGPR: Very good partial response" in text
    assert model.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) is None


def test_opening_the_journal_already_open_here_is_harmless(window, tmp_path):
    w, controller = window
    controller.create_path(tmp_path / "j.sqlite", None)
    ctx = w.ctx
    assert controller.open_path(tmp_path / "j.sqlite") is True
    assert w.ctx is ctx  # not reopened (it would be refused as open elsewhere)


@pytest.mark.parametrize("scale", [175, 200])
def test_every_page_fits_a_laptop_window_at_large_text(window, qtbot, demo_master, tmp_path, scale):
    import shutil

    from journal.ui.main_window import PAGES

    w, controller = window
    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_master, path)
    assert controller.open_path(path)
    w.set_text_scale(scale)
    try:
        w.resize(1280, 800)
        w.show()
        qtbot.waitExposed(w)
        overflowing = []
        for i, (_title, key, _desc) in enumerate(PAGES):
            w.go_to(i)
            QApplication.processEvents()
            if key == "summary":  # its modules may load in the background first
                qtbot.waitUntil(lambda i=i: hasattr(w.page(i), "is_ready"), timeout=20000)
            holder = w.stack.currentWidget()
            page = w.page(i)
            assert holder.widget() is page
            room = holder.viewport().size()
            if holder.horizontalScrollBar().isVisible() or page.width() > room.width():
                overflowing.append(key)
            # The page fills the window and is never taller than it without reason.
            assert page.height() == max(room.height(), page.minimumSizeHint().height())
        # The window never grows past the screen: a page too wide scrolls inside it.
        assert w.width() <= 1280
        # Every part's name is readable in full in the navigation.
        widest = max(w.nav.sizeHintForColumn(0), 1)
        assert w.nav.viewport().width() >= widest
        # Every page fits, the Timeline's wrapping toolbar included.
        assert overflowing == []
    finally:
        w.set_text_scale(100)


def test_wide_columns_are_narrowed_to_fit_and_keep_their_text_in_a_tooltip(qtbot, ctx):
    long_name = "Fludarabine + cyclophosphamide (lymphodepletion before CAR-T)"
    ctx.apply(actions.add_regimen, m.Regimen(name=long_name, start="2024-01-08"), [])
    lst = RecordList(ctx, KINDS["regimen"], "Regimens")
    qtbot.addWidget(lst)
    lst.resize(420, 300)
    lst.show()
    qtbot.waitExposed(lst)
    header = lst.view.horizontalHeader()
    qtbot.waitUntil(
        lambda: (
            sum(header.sectionSize(i) for i in range(header.count())) <= lst.view.viewport().width()
        )
    )
    assert header.sectionSize(0) >= lst.view.fontMetrics().horizontalAdvance("x") * 10
    assert lst.proxy.index(0, 0).data(Qt.ItemDataRole.ToolTipRole) == long_name
    assert lst.proxy.index(0, 1).data(Qt.ItemDataRole.ToolTipRole) is None  # short: no tip


def test_dialogs_grow_with_the_text_size_but_stay_on_the_screen(window):
    from PySide6.QtWidgets import QDialog

    from journal.ui.theme import fit_to_screen

    w, _ = window
    dlg = QDialog(w)
    screen = dlg.screen().availableGeometry()
    sizes = []
    try:
        for scale in (100, 175):
            w.set_text_scale(scale)
            fit_to_screen(dlg, 400, 300)
            sizes.append(dlg.size())
    finally:
        w.set_text_scale(100)
    small, large = sizes
    assert (small.width(), small.height()) == (
        min(400, screen.width() - 40),
        min(300, screen.height() - 60),
    )
    assert large.width() >= small.width() and large.height() >= small.height()
    assert large.width() == min(700, screen.width() - 40)
    assert large.height() <= screen.height() - 60


def test_an_empty_list_says_how_to_add_and_a_fruitless_search_says_so(qtbot, ctx):
    lst = RecordList(ctx, KINDS["feature"], "Disease features")
    qtbot.addWidget(lst)
    add = lst.add_button.text().replace("&", "")
    assert (
        lst.view.empty_text
        == f"Nothing recorded here yet. Press \u201c{add}\u201d below to add one."
    )
    assert lst.view.accessibleDescription() == lst.view.empty_text
    _fill(ctx)
    regs = RecordList(ctx, KINDS["regimen"], "Regimens")
    qtbot.addWidget(regs)
    regs.filter.setText("zzz")
    assert regs.proxy.rowCount() == 0
    assert regs.view.empty_text.startswith("Nothing matches \u201czzz\u201d")
    regs.filter.clear()
    assert regs.view.accessibleDescription() == "Arrow keys choose a row; Enter opens it."
    regs.show()
    qtbot.waitExposed(regs)
    regs.view.grab()  # paints with rows and without, without error
    regs.filter.setText("zzz")
    regs.view.grab()
