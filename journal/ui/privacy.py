"""Passphrases in the window: asking for one, offering one, the recovery sheet, locking.

* :class:`PassphraseDialog`: "type the passphrase" with a plain wrong-passphrase message
  and another try; after repeated failures the button waits (a countdown), never a lockout.
* :class:`NewPassphraseDialog` / :class:`NewPassphraseFields`: a new passphrase typed twice,
  a strength hint, what "no passphrase" means, and a printable recovery sheet.
* :class:`Locker`: File > Lock now (Ctrl+L) and the idle lock (QSettings
  ``privacy/lock_after_minutes``, default 10, 0 = off; a number, nothing about health).
  A locked window shows only the lock page, and its title names no file.
* File > Encrypt journal / Change passphrase / Decrypt journal (:func:`install_menu`).

The passphrase lives only in the dialog's field until the key is derived; the window
keeps the derived key in the open store (journal/store/crypto.py), nothing else.
"""

from __future__ import annotations

import html
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from journal.store import crypto

LOCKED_TITLE = "Treatment Journal (locked)"
LOCK_SETTING = "privacy/lock_after_minutes"
DEFAULT_LOCK_MINUTES = 10
NO_PASSPHRASE_MEANS = (
    "Without a passphrase, anyone who can read this computer's files, its backups or a "
    "synced folder can read your journal. You can add one later with File > Encrypt journal."
)
FORGOTTEN = (
    "Nobody can recover a forgotten passphrase, not even the people who make this app: "
    "without it the journal and its backups cannot be opened. Write it down (the recovery "
    "sheet) and keep it somewhere safe at home."
)


def _password_field(name: str) -> QLineEdit:
    f = QLineEdit()
    f.setEchoMode(QLineEdit.EchoMode.Password)
    f.setAccessibleName(name)
    return f


# --------------------------------------------------------------------------- asking


class PassphraseDialog(QDialog):
    """Type the passphrase of an encrypted journal (or backup); checks it itself."""

    def __init__(self, path: Path, what: str = "journal", parent=None, *, prompt: str = ""):
        super().__init__(parent)
        self.path = Path(path)
        self.what = what
        self.key: crypto.Key | None = None
        self.setWindowTitle("Passphrase")
        self.setAccessibleName("Passphrase")
        lay = QVBoxLayout(self)
        text = prompt or (
            f"The {what} {self.path.name} is encrypted. Type its passphrase to open it."
        )
        intro = QLabel(text)
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.field = _password_field("Passphrase")
        lay.addWidget(self.field)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        self.message.setProperty("role", "error")
        lay.addWidget(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Open" if what != "lock" else "&Unlock")
        buttons.accepted.connect(self.try_passphrase)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self._timer = QTimer(self)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._tick)
        self._tick()

    def _tick(self) -> None:
        wait = crypto.wait_before_next_try(self.path)
        self.ok_button.setEnabled(wait <= 0)
        if wait > 0:
            self.ok_button.setText(f"Wait {wait:.0f} s")
            self._timer.start()
        else:
            self.ok_button.setText("&Open" if self.what != "lock" else "&Unlock")
            self._timer.stop()

    def try_passphrase(self) -> None:
        text = self.field.text()
        if not text:
            self.message.setText("Type the passphrase first.")
            return
        try:
            self.key = crypto.unlock_key(
                self.path, text, "journal" if self.what == "lock" else self.what
            )
        except crypto.WrongPassphraseError as e:
            self.field.clear()
            self.message.setText(str(e))
            self.field.setFocus()
            self._tick()
            return
        self.accept()


def ask_key(parent, path: Path, what: str = "journal") -> crypto.Key | None:
    dlg = PassphraseDialog(Path(path), what, parent)
    return dlg.key if dlg.exec() == QDialog.DialogCode.Accepted else None


# --------------------------------------------------------------------------- offering


class NewPassphraseFields(QWidget):
    """Two password fields, the strength hint and the recovery-sheet button."""

    def __init__(self, parent=None):
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.first = _password_field("Passphrase")
        self.second = _password_field("The same passphrase again")
        l1, l2 = QLabel("&Passphrase:"), QLabel("&Again:")
        l1.setBuddy(self.first)
        l2.setBuddy(self.second)
        form.addRow(l1, self.first)
        form.addRow(l2, self.second)
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("How hard it is to guess")
        form.addRow(self.hint)
        self.sheet_button = QPushButton("Print a &recovery sheet...")
        self.sheet_button.setToolTip("Print the passphrase on paper, to keep at home")
        form.addRow(self.sheet_button)
        self.first.textChanged.connect(self._update)
        self.second.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        a, b = self.first.text(), self.second.text()
        if not a:
            self.hint.setText("Several random words are easy to remember and hard to guess.")
        elif b and a != b:
            self.hint.setText("The two passphrases are not the same yet.")
        else:
            self.hint.setText(crypto.strength_hint(a)[1])
        self.sheet_button.setEnabled(bool(a) and a == b)

    def passphrase(self) -> str | None:
        """The passphrase when both fields agree, else None."""
        a = self.first.text()
        return a if a and a == self.second.text() else None

    def problem(self) -> str:
        if not self.first.text():
            return "Type a passphrase twice."
        if self.first.text() != self.second.text():
            return "The two passphrases are not the same. Type them again."
        return ""


def recovery_sheet_html(path: Path, passphrase: str) -> str:
    e = html.escape
    return (
        "<h1>Treatment Journal: recovery sheet</h1>"
        "<p>Keep this sheet at home, somewhere safe. Anyone holding it can open the journal.</p>"
        f"<p>Journal file: <b>{e(str(path))}</b></p>"
        f"<p>Passphrase: <b style='font-family: monospace; font-size: 16pt'>{e(passphrase)}</b></p>"
        "<p>Capital letters, spaces and punctuation count.</p>"
        "<p>Backups made before a change of passphrase open with the passphrase the journal "
        "had then.</p>"
        "<p>Written on: ____________________</p>"
    )


def print_recovery_sheet(parent, path: Path, passphrase: str, printer=None) -> bool:
    """Print the sheet (a print dialog first, unless ``printer`` is given)."""
    from PySide6.QtGui import QTextDocument
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    if printer is None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dlg = QPrintDialog(printer, parent)
        dlg.setWindowTitle("Print the recovery sheet")
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return False
    doc = QTextDocument()
    doc.setHtml(recovery_sheet_html(path, passphrase))
    doc.print_(printer)
    return True


class NewPassphraseDialog(QDialog):
    """Offer a passphrase for a journal. ``allow_none``: "Continue without a passphrase"."""

    def __init__(
        self,
        path: Path,
        parent=None,
        *,
        allow_none: bool = False,
        title: str = "Protect the journal with a passphrase",
        consent_remove: bool = False,
    ):
        super().__init__(parent)
        self.path = Path(path)
        self.result_passphrase: str | None = None
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        lay = QVBoxLayout(self)
        intro = QLabel(
            "A passphrase encrypts the journal and its backups: without it, the files "
            "cannot be read. " + FORGOTTEN
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.fields = NewPassphraseFields()
        self.fields.sheet_button.clicked.connect(
            lambda: print_recovery_sheet(self, self.path, self.fields.passphrase() or "")
        )
        lay.addWidget(self.fields)
        self.remove_backups = QCheckBox(
            "&Delete the unencrypted backups instead of encrypting them"
        )
        self.remove_backups.setVisible(consent_remove)
        lay.addWidget(self.remove_backups)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        lay.addWidget(self.message)
        row = QHBoxLayout()
        self.use_button = QPushButton("&Use this passphrase")
        self.use_button.setDefault(True)
        self.use_button.clicked.connect(self._use)
        row.addWidget(self.use_button)
        self.none_button = QPushButton("Continue &without a passphrase")
        self.none_button.setVisible(allow_none)
        self.none_button.setToolTip(NO_PASSPHRASE_MEANS)
        self.none_button.clicked.connect(self._decline)
        row.addWidget(self.none_button)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        row.addWidget(cancel)
        lay.addLayout(row)
        if allow_none:
            means = QLabel(NO_PASSPHRASE_MEANS)
            means.setWordWrap(True)
            means.setProperty("role", "hint")
            lay.addWidget(means)
        self.declined = False

    def _use(self) -> None:
        problem = self.fields.problem()
        if problem:
            self.message.setText(problem)
            return
        self.result_passphrase = self.fields.passphrase()
        self.accept()

    def _decline(self) -> None:
        self.declined = True
        self.result_passphrase = None
        self.accept()


# --------------------------------------------------------------------------- locking


class LockPage(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Locked")
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        title = QLabel("The journal is locked")
        title.setProperty("role", "title")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(title)
        text = QLabel("Type the passphrase to go on where you left off.")
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(text)
        row = QHBoxLayout()
        row.addStretch(1)
        self.field = _password_field("Passphrase")
        self.field.setMinimumWidth(280)
        row.addWidget(self.field)
        self.unlock_button = QPushButton("&Unlock")
        row.addWidget(self.unlock_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.message = QLabel("")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        lay.addWidget(self.message)
        lay.addStretch(2)
        self.field.returnPressed.connect(self.unlock_button.click)


_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


class Locker(QObject):
    """Locks one main window: now (Ctrl+L) or after the idle time."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.locked = False
        self.page = LockPage()
        window.outer.addWidget(self.page)
        self.page.unlock_button.clicked.connect(self.try_unlock)
        self._before: QWidget | None = None
        self._title = ""
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._idle)
        # Input is watched where it enters: the window it is typed or clicked in (its
        # QWindow gets every key, click, move and wheel turn before any widget), and each
        # other window as it takes the focus (a dialog). A filter on the whole app saw
        # every event of every object (each timer tick, paint, queued signal), each a
        # call into Python that waits for Python's lock while a worker holds it: on an
        # encrypted 25-year journal the window's longest stall was 104 ms with it and is
        # 56 ms watching the windows (benchmarks/ui_stall.py --encrypted, 5 runs each).
        # On only while an encrypted journal is open and the idle lock is on.
        self._watching = False
        self._watched: list[QWindow] = []
        self.watch = QTimer(self)
        self.watch.setInterval(2000)
        self.watch.timeout.connect(self.sync_watch)
        self.watch.start()
        self.apply_setting()

    # -- the setting ------------------------------------------------------------------
    def minutes(self) -> int:
        try:
            return max(0, int(self.window.settings.q.value(LOCK_SETTING, DEFAULT_LOCK_MINUTES)))
        except (TypeError, ValueError):
            return DEFAULT_LOCK_MINUTES

    def set_minutes(self, minutes: int) -> None:
        self.window.settings.q.setValue(LOCK_SETTING, int(minutes))
        self.apply_setting()

    def apply_setting(self) -> None:
        m = self.minutes()
        if m > 0:
            self.timer.start(m * 60_000)
        else:
            self.timer.stop()
        self.sync_watch()

    def sync_watch(self) -> None:
        needed = self.can_lock() and self.minutes() > 0
        if needed and not self._watching:
            QGuiApplication.instance().focusWindowChanged.connect(self._watch_window)
            self._watch_window(self.window.windowHandle())
            self._watch_window(QGuiApplication.focusWindow())
            self.timer.start()  # idle counts from when the journal was opened
        elif not needed and self._watching:
            QGuiApplication.instance().focusWindowChanged.disconnect(self._watch_window)
            for w in self._watched:
                if shiboken6.isValid(w):
                    w.removeEventFilter(self)
            self._watched.clear()
        self._watching = needed

    def _watch_window(self, window: QWindow | None) -> None:
        if not shiboken6.isValid(self):  # its window was closed; the app lives on
            return
        if window is None or any(w is window for w in self._watched):
            return
        # Windows closed since are let go (Qt dropped their filters with them).
        self._watched = [w for w in self._watched if shiboken6.isValid(w)]
        window.installEventFilter(self)
        self._watched.append(window)

    # -- idle -----------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if event.type() in _INPUT_EVENTS and not self.locked and self.timer.isActive():
            self.timer.start()  # the same interval, from now
        return False

    def _idle(self) -> None:
        if QApplication.activeModalWidget() is not None or not self.can_lock():
            # An editor or dialog is open: locking would close it and lose what is typed.
            self.apply_setting()
            return
        self.lock(quiet=True)

    # -- lock / unlock ----------------------------------------------------------------
    def can_lock(self) -> bool:
        ctx = self.window.ctx
        return ctx is not None and getattr(ctx.store, "key", None) is not None

    def lock(self, *, quiet: bool = False) -> bool:
        if self.locked:
            return True
        if not self.can_lock():
            if not quiet:
                QMessageBox.information(
                    self.window,
                    "Lock",
                    "This journal has no passphrase, so it cannot be locked. "
                    "File > Encrypt journal gives it one.",
                )
            return False
        self.locked = True
        self._before = self.window.outer.currentWidget()
        self._title = self.window.windowTitle()
        self.window.outer.setCurrentWidget(self.page)
        self.window.setWindowTitle(LOCKED_TITLE)
        self.window.menuBar().setEnabled(False)
        self.page.field.clear()
        self.page.message.setText("")
        self.page.field.setFocus()
        self.timer.stop()
        return True

    def try_unlock(self) -> bool:
        ctx = self.window.ctx
        text = self.page.field.text()
        self.page.field.clear()
        if ctx is None:
            self._unlocked()
            return True
        wait = crypto.wait_before_next_try(ctx.store.path)
        if wait > 0:
            self.page.message.setText(f"Wait {wait:.0f} seconds, then try again.")
            return False
        if not text:
            self.page.message.setText("Type the passphrase first.")
            return False
        try:
            # Against the key the journal is open with: the file is not touched (see
            # confirm_passphrase), and a journal re-keyed meanwhile by another program
            # is not unlocked by its new passphrase.
            crypto.confirm_passphrase(ctx.store.path, ctx.store.key, text)
        except crypto.WrongPassphraseError:
            # No file name on the lock page: it may be seen by anyone passing by.
            self.page.message.setText(
                "That passphrase does not open this journal. Check it (capital letters "
                "count) and try again."
            )
            return False
        self._unlocked()
        return True

    def _unlocked(self) -> None:
        self.locked = False
        self.window.menuBar().setEnabled(True)
        if self._before is not None:
            self.window.outer.setCurrentWidget(self._before)
        self.window.setWindowTitle(self._title or "Treatment Journal")
        self.apply_setting()


# --------------------------------------------------------------------------- menu


def install_menu(window, menu) -> Locker:
    """File > Lock now, Lock when idle..., Encrypt / Change passphrase / Decrypt."""
    locker = Locker(window)
    window.locker = locker
    window.lock_action = window._act(
        menu,
        "&Lock now",
        lambda: locker.lock(),
        "Ctrl+L",
        "Hide the journal until the passphrase is typed",
    )
    window._act(
        menu,
        "Lock &when idle...",
        lambda: choose_idle_minutes(window, locker),
        None,
        "After how many idle minutes an encrypted journal locks itself",
    )
    window.journal_actions += [
        window._act(
            menu,
            "E&ncrypt journal...",
            lambda: encrypt_open_journal(window),
            None,
            "Protect this journal and its backups with a passphrase",
        ),
        window._act(
            menu,
            "Change &passphrase...",
            lambda: change_open_passphrase(window),
            None,
            "Give this encrypted journal a new passphrase",
        ),
        window._act(
            menu,
            "&Decrypt journal...",
            lambda: decrypt_open_journal(window),
            None,
            "Remove the passphrase: the journal becomes a plain file again",
        ),
    ]
    return locker


def choose_idle_minutes(window, locker: Locker) -> None:
    minutes, ok = QInputDialog.getInt(
        window,
        "Lock when idle",
        "Lock an encrypted journal after this many minutes without use (0 = never):",
        locker.minutes(),
        0,
        240,
    )
    if ok:
        locker.set_minutes(minutes)


def _reopen(window, path: Path, key) -> None:
    from journal.store.db import open_journal
    from journal.ui import app

    try:
        store = open_journal(path, passphrase=key)
    except Exception as exc:
        app.controller_for(window).explain_open_error(path, exc)
        return
    app.controller_for(window)._attach(store)


def _closed_path(window) -> Path | None:
    ctx = window.ctx
    if ctx is None:
        return None
    path = Path(ctx.store.path)
    window.set_context(None)  # the journal must be closed to be rewritten
    return path


def encrypt_open_journal(window, *, dialog: NewPassphraseDialog | None = None) -> bool:
    from journal.store.encryption import encrypt_journal

    ctx = window.ctx
    if ctx is None:
        return False
    if ctx.store.key is not None:
        QMessageBox.information(window, "Encrypt journal", "This journal is already encrypted.")
        return False
    dlg = dialog or NewPassphraseDialog(Path(ctx.store.path), window, consent_remove=True)
    if dialog is None and dlg.exec() != QDialog.DialogCode.Accepted:
        return False
    passphrase = dlg.result_passphrase
    if not passphrase:
        return False
    path = _closed_path(window)
    try:
        result = encrypt_journal(
            path, passphrase, remove_plain_backups=dlg.remove_backups.isChecked()
        )
    except Exception as exc:
        QMessageBox.warning(window, "Encrypt journal", str(exc))
        _reopen(window, path, None)
        return False
    _reopen(window, path, crypto.unlock_key(path, passphrase))
    lines = "\n".join(f"- {x}" for x in result.plain_copies())
    QMessageBox.information(
        window,
        "Journal encrypted",
        f"The journal and {len(result.backups_encrypted)} backups are now encrypted"
        + (
            f"; {len(result.backups_removed)} plain backups were deleted"
            if result.backups_removed
            else ""
        )
        + f".\n\nPlain copies may still exist:\n{lines}",
    )
    return True


def change_open_passphrase(window, *, old: str | None = None, new: str | None = None) -> bool:
    from journal.store.encryption import change_passphrase

    ctx = window.ctx
    if ctx is None or ctx.store.key is None:
        QMessageBox.information(
            window,
            "Change passphrase",
            "This journal has no passphrase. File > Encrypt journal gives it one.",
        )
        return False
    path = Path(ctx.store.path)
    if old is None:
        dlg = PassphraseDialog(path, parent=window, prompt="Type the current passphrase.")
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return False
        old = dlg.field.text()
    if new is None:
        nd = NewPassphraseDialog(path, window, title="Choose the new passphrase")
        if nd.exec() != QDialog.DialogCode.Accepted or not nd.result_passphrase:
            return False
        new = nd.result_passphrase
    _closed_path(window)
    try:
        change_passphrase(path, old, new)
    except Exception as exc:
        QMessageBox.warning(window, "Change passphrase", str(exc))
        _reopen(window, path, old)
        return False
    _reopen(window, path, new)
    QMessageBox.information(
        window,
        "Passphrase changed",
        "The passphrase was changed and checked. Backups made before keep the old "
        "passphrase; restoring one asks for it.",
    )
    return True


def decrypt_open_journal(window, *, passphrase: str | None = None) -> bool:
    from journal.store.encryption import decrypt_journal

    ctx = window.ctx
    if ctx is None or ctx.store.key is None:
        QMessageBox.information(window, "Decrypt journal", "This journal is not encrypted.")
        return False
    path = Path(ctx.store.path)
    if passphrase is None:
        dlg = PassphraseDialog(
            path,
            parent=window,
            prompt="Decrypting makes the journal a plain file that anyone with a copy can "
            "read (its backups stay encrypted). Type the passphrase to go ahead.",
        )
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return False
        passphrase = dlg.field.text()
    _closed_path(window)
    try:
        decrypt_journal(path, passphrase)
    except Exception as exc:
        QMessageBox.warning(window, "Decrypt journal", str(exc))
        _reopen(window, path, passphrase)
        return False
    _reopen(window, path, None)
    return True


# --------------------------------------------------------------------------- exports

EXPORT_NOTE_SETTING = "privacy/plain_export_note_shown"
PLAIN_EXPORT_NOTE = (
    "Exports and PDFs are ordinary files: they are not encrypted, even when the journal "
    "is. Anyone who gets a copy can read them. Keep them where only you can reach them, "
    "and delete the ones you no longer need. A PDF can be given a password when you save it."
)


def note_plain_export(parent, settings, *, encrypted: bool = True) -> None:
    """Say once (ever, per user) that exports are plain; only from an encrypted journal,
    where a person may believe everything the app writes is protected."""
    if not encrypted:
        return
    q = getattr(settings, "q", None)
    if q is not None and str(q.value(EXPORT_NOTE_SETTING, "")).lower() in ("true", "1"):
        return
    QMessageBox.information(parent, "Exports are not encrypted", PLAIN_EXPORT_NOTE)
    if q is not None:
        q.setValue(EXPORT_NOTE_SETTING, True)


class PdfPasswordDialog(QDialog):
    """Save the PDF with or without a password."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Protect the PDF?")
        self.setAccessibleName("Protect the PDF?")
        lay = QVBoxLayout(self)
        intro = QLabel(
            "A password makes the PDF unreadable until it is typed (AES-256). Give the "
            "password to the person you send it to by another way (for example by phone)."
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        self.first = _password_field("PDF password")
        self.second = _password_field("The same password again")
        form.addRow("&Password:", self.first)
        form.addRow("&Again:", self.second)
        lay.addLayout(form)
        self.message = QLabel("")
        self.message.setAccessibleName("Message")
        lay.addWidget(self.message)
        row = QHBoxLayout()
        self.with_button = QPushButton("Save &with this password")
        self.with_button.clicked.connect(self._with)
        self.without_button = QPushButton("Save with&out a password")
        self.without_button.setDefault(True)
        self.without_button.clicked.connect(self.accept)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        for b in (self.with_button, self.without_button, cancel):
            row.addWidget(b)
        lay.addLayout(row)
        self.password: str | None = None

    def _with(self) -> None:
        a = self.first.text()
        if not a or a != self.second.text():
            self.message.setText("Type the same password twice, or save without one.")
            return
        self.password = a
        self.accept()


def ask_pdf_protection(parent, settings, *, encrypted: bool = True) -> tuple[bool, str | None]:
    """(go ahead, password or None), after the one-time note that exports are plain."""
    note_plain_export(parent, settings, encrypted=encrypted)
    dlg = PdfPasswordDialog(parent)
    if dlg.exec() != QDialog.DialogCode.Accepted:
        return False, None
    return True, dlg.password
