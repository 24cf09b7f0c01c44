"""The window and encrypted journals: the passphrase offered on a new journal, asked for
on open (a wrong one refused plainly, another try), Lock now / idle lock, and
File > Encrypt / Change passphrase / Decrypt."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtWidgets import QApplication

from journal.services import queries
from journal.store import crypto
from journal.store.db import create_journal
from journal.store.models import Person
from journal.ui import privacy

PASS = "seven green lanterns glowing"
NAME = "Jean Secretname"


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch):
    monkeypatch.setattr(crypto, "_failures", {})
    monkeypatch.setattr(crypto, "_sleep", lambda s: None)


@pytest.fixture
def window(qtbot, settings):
    from journal.ui.app import build_window, make_app

    make_app(["test"])
    w, controller = build_window(settings)
    qtbot.addWidget(w)
    return w, controller


@pytest.fixture
def enc_path(tmp_path):
    path = tmp_path / "secret.sqlite"
    with create_journal(path, passphrase=PASS, auto_backup=False) as s, s.session() as ses:
        ses.add(Person(display_name=NAME))
        ses.commit()
    return path


def _answer_dialog(qtbot, typed: list[str], seen: list[str]) -> None:
    """Type each text into the passphrase dialog when it shows, noting its message."""

    def step():
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, privacy.PassphraseDialog):
            QTimer.singleShot(20, step)
            return
        seen.append(dlg.message.text())
        dlg.field.setText(typed.pop(0))
        dlg.ok_button.click()
        if typed:
            QTimer.singleShot(20, step)

    QTimer.singleShot(20, step)


def test_welcome_recommends_a_passphrase_and_creates_an_encrypted_journal(window):
    from journal.paths import default_journal_path

    w, _ = window
    assert w.welcome.protect.isChecked()
    w.welcome.name.setText("Jean")
    w.welcome.create_button.click()  # no passphrase typed yet
    assert w.ctx is None and not default_journal_path().exists()
    assert "Type a passphrase twice" in w.welcome.pass_message.text()
    w.welcome.pass_fields.first.setText("abc")
    assert w.welcome.pass_fields.hint.text().startswith("Weak")
    w.welcome.pass_fields.second.setText("abd")
    assert not w.welcome.pass_fields.sheet_button.isEnabled()
    w.welcome.pass_fields.first.setText(PASS)
    w.welcome.pass_fields.second.setText(PASS)
    assert w.welcome.pass_fields.hint.text().startswith("Strong")
    w.welcome.create_button.click()
    assert w.ctx is not None and w.ctx.store.key is not None
    raw = default_journal_path().read_bytes()
    assert not raw.startswith(b"SQLite format 3") and b"Jean" not in raw


def test_declining_says_what_it_means(window):
    w, _ = window
    w.welcome.protect.setChecked(False)
    assert "anyone who can read this computer's files" in w.welcome.pass_note.text()
    assert not w.welcome.pass_fields.isVisibleTo(w.welcome)


def test_opening_asks_for_the_passphrase_and_refuses_a_wrong_one_plainly(window, qtbot, enc_path):
    w, controller = window
    seen: list[str] = []
    _answer_dialog(qtbot, ["wrong passphrase", PASS], seen)
    assert controller.open_path(enc_path)
    assert seen[0] == ""
    assert seen[1].startswith(f"That passphrase does not open the journal {enc_path}")
    assert "not a database" not in seen[1]
    assert queries.person(w.ctx.store).display_name == NAME


def test_cancelling_the_passphrase_opens_nothing(window, qtbot, enc_path):
    w, controller = window

    def cancel():
        dlg = QApplication.activeModalWidget()
        if dlg is None:
            QTimer.singleShot(20, cancel)
            return
        dlg.reject()

    QTimer.singleShot(20, cancel)
    assert not controller.open_path(enc_path)
    assert w.ctx is None


def test_lock_now_hides_everything_and_the_title_names_nothing(window, qtbot, enc_path):
    w, controller = window
    assert controller.open_path(enc_path, passphrase=PASS)
    assert "secret.sqlite" in w.windowTitle()
    w.lock_action.trigger()
    assert w.locker.locked
    assert w.outer.currentWidget() is w.locker.page
    assert w.windowTitle() == privacy.LOCKED_TITLE
    assert not w.menuBar().isEnabled()
    w.locker.page.field.setText("nope")
    w.locker.page.unlock_button.click()
    assert w.locker.locked
    assert w.locker.page.message.text().startswith("That passphrase does not open this journal")
    assert "secret" not in w.locker.page.message.text()
    assert w.locker.page.field.text() == ""
    w.locker.page.field.setText(PASS)
    w.locker.page.unlock_button.click()
    assert not w.locker.locked and w.menuBar().isEnabled()
    assert "secret.sqlite" in w.windowTitle()
    assert w.outer.currentWidget() is not w.locker.page


def test_unlocking_reads_nothing_from_the_open_journal(window, qtbot, enc_path, monkeypatch):
    """Opening and closing the journal's file while it is open would let go of the
    locks SQLite holds on it for this process: the lock page checks the passphrase
    against the key the journal is open with."""
    w, controller = window
    assert controller.open_path(enc_path, passphrase=PASS)
    w.lock_action.trigger()
    assert w.locker.locked

    def touched(*_a, **_k):
        raise AssertionError("the open journal's file was opened again")

    monkeypatch.setattr(crypto, "read_salt", touched)
    monkeypatch.setattr(crypto, "key_opens", touched)
    monkeypatch.setattr(crypto, "connect", touched)
    w.locker.page.field.setText("nope")
    w.locker.page.unlock_button.click()
    assert w.locker.locked
    assert w.locker.page.message.text().startswith("That passphrase does not open this journal")
    assert crypto._slot(enc_path).count == 1  # counted: repeated tries wait longer
    w.locker.page.field.setText(PASS)
    w.locker.page.unlock_button.click()
    assert not w.locker.locked
    assert crypto._slot(enc_path).count == 0


def test_idle_watch_sees_input_where_it_enters_not_every_event(
    window, qtbot, enc_path, monkeypatch
):
    """Keys, clicks and moves restart the idle time in the main window and in a dialog;
    the app's other events (timer ticks, paints, queued signals) never call the watch."""
    from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, Qt
    from PySide6.QtGui import QWindow
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QDialog, QLineEdit

    w, controller = window
    w.show()
    qtbot.waitExposed(w)
    assert controller.open_path(enc_path, passphrase=PASS)
    w.locker.sync_watch()
    assert w.locker._watching
    try:
        calls: list = []
        real = privacy.Locker.eventFilter
        monkeypatch.setattr(
            privacy.Locker,
            "eventFilter",
            lambda self, obj, event: calls.append(obj) or real(self, obj, event),
        )

        # Exact, for the test: a coarse timer's time left moves by a few ms either way.
        w.locker.timer.setTimerType(Qt.TimerType.PreciseTimer)

        def restarted(do) -> bool:
            w.locker.timer.start(60_000)
            qtbot.wait(80)
            before = w.locker.timer.remainingTime()
            do()
            return w.locker.timer.remainingTime() > before + 40

        other = QObject()
        for _ in range(20):
            QCoreApplication.postEvent(other, QEvent(QEvent.Type.User))
        QCoreApplication.processEvents()
        # Only the windows' own events, never the app's others.
        assert not any(c is other for c in calls)
        assert all(isinstance(c, QWindow) for c in calls)
        assert restarted(lambda: QTest.keyClick(w.windowHandle(), Qt.Key.Key_Shift))
        assert restarted(lambda: QTest.mouseMove(w.windowHandle(), QPoint(40, 40)))
        assert not restarted(lambda: qtbot.wait(10))  # no input: the time runs on

        dialog = QDialog(w)
        dialog.setWindowTitle("Another window")
        edit = QLineEdit(dialog)
        dialog.show()
        dialog.activateWindow()
        qtbot.waitUntil(lambda: QApplication.focusWindow() is dialog.windowHandle(), timeout=3000)
        edit.setFocus()
        assert restarted(
            lambda: [
                QTest.keyClick(dialog.windowHandle(), k)
                for k in (Qt.Key.Key_A, Qt.Key.Key_B, Qt.Key.Key_C)
            ]
        )
        assert edit.text() == "abc"
        dialog.close()
    finally:
        # Off before the patched filter is undone: nothing watched any more.
        w.locker.set_minutes(0)
    assert not w.locker._watching and w.locker._watched == []


def test_a_plain_journal_cannot_be_locked_and_says_why(window, tmp_path, monkeypatch):
    w, controller = window
    assert controller.create_path(tmp_path / "plain.sqlite", None)
    shown = []
    monkeypatch.setattr("journal.ui.privacy.QMessageBox.information", lambda *a: shown.append(a[2]))
    assert not w.locker.lock()
    assert "no passphrase" in shown[0] and "File > Encrypt journal" in shown[0]


def test_idle_lock_setting_default_off_and_locking(window, qtbot, enc_path, settings):
    w, controller = window
    assert w.locker.minutes() == 10
    assert w.locker.timer.isActive() and w.locker.timer.interval() == 600_000
    w.locker.set_minutes(0)
    assert not w.locker.timer.isActive()
    w.locker.set_minutes(3)
    assert settings.q.value(privacy.LOCK_SETTING) in (3, "3")  # a number, nothing else
    assert not w.locker._watching  # no journal: input events are not watched at all
    assert controller.open_path(enc_path, passphrase=PASS)
    w.locker.sync_watch()  # (the window does this every 2 s)
    assert w.locker._watching
    w.locker.timer.start(30)  # as if the minutes had passed
    qtbot.waitUntil(lambda: w.locker.locked, timeout=3000)
    assert w.windowTitle() == privacy.LOCKED_TITLE
    settings.q.sync()
    with open(settings.q.fileName(), encoding="utf-8") as f:
        text = f.read()
    assert NAME not in text and PASS not in text


def _passphrase_chosen(w, path):
    """The new-passphrase dialog for ``path``, filled in twice with PASS and accepted."""
    dlg = privacy.NewPassphraseDialog(path, w, consent_remove=True)
    dlg.fields.first.setText(PASS)
    dlg.fields.second.setText(PASS)
    dlg._use()
    return dlg


def test_encrypt_change_and_decrypt_from_the_file_menu(window, tmp_path, monkeypatch):
    w, controller = window
    monkeypatch.setattr("journal.ui.privacy.QMessageBox.information", lambda *a: None)
    path = tmp_path / "j.sqlite"
    assert controller.create_path(path, NAME)
    dlg = _passphrase_chosen(w, path)
    assert privacy.encrypt_open_journal(w, dialog=dlg)
    assert w.ctx.store.key is not None
    assert not path.read_bytes().startswith(b"SQLite format 3")
    assert queries.person(w.ctx.store).display_name == NAME

    assert privacy.change_open_passphrase(w, old=PASS, new="another long passphrase")
    assert crypto.unlock_key(path, "another long passphrase")
    assert queries.person(w.ctx.store).display_name == NAME

    assert privacy.decrypt_open_journal(w, passphrase="another long passphrase")
    assert w.ctx.store.key is None
    assert path.read_bytes().startswith(b"SQLite format 3\x00")
    assert queries.person(w.ctx.store).display_name == NAME


def test_recovery_sheet_prints_the_passphrase(qapp, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    out = tmp_path / "sheet.pdf"
    printer.setOutputFileName(str(out))
    assert privacy.print_recovery_sheet(None, tmp_path / "j.sqlite", PASS, printer=printer)
    text = " ".join(pypdf.PdfReader(out).pages[0].extract_text().split())
    assert PASS in text and "recovery sheet" in text


# --------------------------------------------------------------------------- exports


def test_pdf_saved_with_a_password_is_aes256_encrypted(demo_ctx, qtbot, tmp_path):
    import pypdf

    from journal.ui.summary_view import SummaryView

    v = SummaryView(demo_ctx)
    qtbot.addWidget(v)
    v.refresh()
    qtbot.waitUntil(lambda: v.is_ready, timeout=20000)
    out = tmp_path / "summary.pdf"
    v.save_pdf(out, background=False, password="pdf pass 1")
    assert v.last_saved == out
    reader = pypdf.PdfReader(out)
    assert reader.is_encrypted
    enc = reader.trailer["/Encrypt"]
    assert enc["/V"] == 5 and enc["/R"] == 6  # AES-256
    assert reader.decrypt("wrong") == 0
    assert reader.decrypt("pdf pass 1") != 0
    assert len(reader.pages) >= 1 and reader.pages[0].extract_text().strip()


def test_exports_are_said_to_be_plain_once(qapp, settings, monkeypatch):
    shown = []
    monkeypatch.setattr(
        "journal.ui.privacy.QMessageBox.information", lambda *a: shown.append(a[1:])
    )
    privacy.note_plain_export(None, settings, encrypted=False)  # nothing to say
    assert shown == []
    privacy.note_plain_export(None, settings)
    privacy.note_plain_export(None, settings)
    assert len(shown) == 1
    assert "not encrypted" in shown[0][1] and "password" in shown[0][1]


def test_pdf_protection_dialog_needs_the_password_twice(qapp):
    dlg = privacy.PdfPasswordDialog()
    dlg.first.setText("abc")
    dlg.second.setText("abd")
    dlg.with_button.click()
    assert dlg.result() == 0 and "twice" in dlg.message.text()
    dlg.second.setText("abc")
    dlg.with_button.click()
    assert dlg.password == "abc"


def test_restore_asks_for_the_encrypted_backups_passphrase(window, qtbot, enc_path):
    from journal.store.backup import backup_file, list_backups

    w, controller = window
    key = crypto.unlock_key(enc_path, PASS)
    b = backup_file(enc_path, "manual", key=key)
    seen: list[str] = []
    _answer_dialog(qtbot, ["not it", PASS], seen)
    controller.restore_into(enc_path, b)
    assert seen[1].startswith(f"That passphrase does not open the backup {b}")
    assert w.ctx is not None and w.ctx.store.key is not None  # reopened with that key
    assert queries.person(w.ctx.store).display_name == NAME
    assert any(x.reason == "before-restore" for x in list_backups(enc_path))


def test_no_background_load_reads_the_journal_as_it_was_before_a_change(
    window, tmp_path, monkeypatch, qtbot
):
    """Encrypting, re-keying and decrypting close the journal while its Overview may still
    be loading; the load that finishes after the close must not start another one of the
    closed journal, which would read the file with the old key, next to the new one's
    loads (through the other SQLite library: a crash, "Bus error")."""
    from journal.services import history

    monkeypatch.setattr("journal.ui.privacy.QMessageBox.information", lambda *a: None)
    loads: list[bool] = []
    real = history._load_history

    def spy(store):
        loads.append(store.closed)
        return real(store)

    monkeypatch.setattr(history, "_load_history", spy)
    w, controller = window
    path = tmp_path / "j.sqlite"
    assert controller.create_path(path, NAME)
    dlg = _passphrase_chosen(w, path)
    # Each time the Overview's load is done when the next step closes the journal, and
    # its result still on the way to the window (it has not drawn it yet).
    pool = QThreadPool.globalInstance()
    assert pool.waitForDone(20000)
    assert privacy.encrypt_open_journal(w, dialog=dlg)
    assert pool.waitForDone(20000)
    assert privacy.change_open_passphrase(w, old=PASS, new="another long passphrase")
    assert pool.waitForDone(20000)
    assert privacy.decrypt_open_journal(w, passphrase="another long passphrase")
    overview = w.page(0)
    qtbot.waitUntil(lambda: overview.ready, timeout=20000)
    qtbot.wait(200)  # the closed journals' late results, had they asked again
    assert overview.ctx is w.ctx and overview.facts
    assert loads == [False] * 4  # one per journal opened, none of a closed one
