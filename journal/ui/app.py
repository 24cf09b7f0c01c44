"""Starting the desktop app, and the file operations of the File menu.

``main(argv)`` sets up QApplication (organisation and name for QSettings, user
scope), applies the text size and theme, then opens the journal given on the
command line, else the last one used, else the default journal if it exists;
otherwise it shows the welcome page. Problems opening a file (locked, from a
newer version, damaged, not a journal) are explained in plain dialogs and the
file is never written to.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QMessageBox

from journal.ui import theme
from journal.ui.arguments import window_parser
from journal.ui.settings import APP, ORG, Settings

log = logging.getLogger(__name__)

_CONTROLLERS: dict[int, AppController] = {}


def controller_for(window) -> AppController:
    return _CONTROLLERS[id(window)]


def _store_error_classes() -> tuple[type[BaseException], ...]:
    from journal.store import db

    names = ("NotAJournalError", "NewerVersionError", "DamagedJournalError", "JournalLockedError")
    return tuple(getattr(db, n) for n in names if hasattr(db, n))


def default_path() -> Path:
    from journal.paths import default_journal_path

    return default_journal_path()


def demo_path() -> Path:
    from journal.paths import data_dir

    return data_dir() / "demo-journal.sqlite"


def _demo_failed_text(exc: BaseException) -> str:
    from journal.errors import is_disk_full

    if is_disk_full(exc):
        return (
            "Your computer's disk is full, so the demo journal could not be made. "
            "Free some space and try again."
        )
    return f"The demo journal could not be made: {exc}"


class AppController:
    """Opens, creates and closes journals for one main window."""

    def __init__(self, window, settings: Settings):
        self.window = window
        self.settings = settings
        _CONTROLLERS[id(window)] = self

    # -- opening ------------------------------------------------------------------
    def _attach(self, store) -> None:
        from journal.ui.context import JournalContext

        ctx = JournalContext(store, self.settings)
        ctx.error.connect(lambda msg: QMessageBox.warning(self.window, "Treatment Journal", msg))
        self.window.set_context(ctx)
        self.settings.add_recent(str(store.path))
        if getattr(store, "lost_changes", None):
            from PySide6.QtCore import QTimer

            # After the window is shown: the journal is open and usable either way.
            QTimer.singleShot(
                0,
                lambda: QMessageBox.warning(
                    self.window,
                    "Some saved changes are missing",
                    store.lost_changes
                    + "\n\nFile > Restore from backup goes back to a backup if you choose to.",
                ),
            )

    def open_path(self, path: str | Path, *, quiet: bool = False, passphrase=None) -> bool:
        from journal.store.crypto import PassphraseNeededError
        from journal.store.db import open_journal

        path = Path(path)
        ctx = self.window.ctx
        if ctx is not None and Path(ctx.path).resolve() == path.resolve():
            return True  # already open in this window
        if not path.exists():
            if not quiet:
                QMessageBox.warning(
                    self.window,
                    "Journal not found",
                    f"There is no journal file at\n{path}\n\n"
                    "Use File > Open to choose another file.",
                )
            return False
        try:
            try:
                store = open_journal(path, passphrase=passphrase)
            except PassphraseNeededError:
                from journal.ui.privacy import ask_key

                key = ask_key(self.window, path)  # checks it, with another try when wrong
                if key is None:
                    return False
                store = open_journal(path, passphrase=key)
        except Exception as exc:
            self.explain_open_error(path, exc)
            return False
        self._attach(store)
        return True

    def explain_open_error(self, path: Path, exc: BaseException) -> None:
        name = type(exc).__name__
        title = {
            "JournalLockedError": "This journal is already open",
            "NewerVersionError": "Made by a newer version",
            "DamagedJournalError": "This journal file is damaged",
            "NotAJournalError": "Not a journal file",
        }.get(name, "Could not open the journal")
        text = str(exc) or f"{path} could not be opened."
        backups = list(getattr(exc, "backups", None) or [])
        if backups:
            text += (
                "\n\nThe file was not changed. Good backups exist; use "
                "File > Restore from backup to go back to the newest one."
            )
        box = QMessageBox(
            QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self.window
        )
        box.setAccessibleName(title)
        if backups:
            restore = box.addButton("Restore newest backup...", QMessageBox.ButtonRole.ActionRole)
        else:
            restore = None
        box.exec()
        if restore is not None and box.clickedButton() is restore:
            self.restore_into(path, backups[0])

    def create_path(
        self, path: str | Path, name: str | None, passphrase: str | None = None
    ) -> bool:
        from journal.store.db import create_journal

        path = Path(path)
        if path.exists():
            QMessageBox.warning(
                self.window,
                "File exists",
                f"{path} already exists. Choose a new name, or open it with File > Open.",
            )
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            store = create_journal(path, passphrase=passphrase)
        except Exception as exc:
            self.explain_open_error(path, exc)
            return False
        if name:
            from journal.services import actions
            from journal.store import models as m

            actions.set_person(store, m.Person(display_name=name))
        self._attach(store)
        return True

    def create_default(self, name: str | None, passphrase: str | None = None) -> bool:
        path = default_path()
        if path.exists():
            return self.open_path(path)
        return self.create_path(path, name or None, passphrase)

    def open_demo(self) -> None:
        path = demo_path()
        if path.exists():
            self.open_path(path)
            return
        from journal.ui.tasks import run_task

        def build(_control) -> Path:
            from journal.services.files import build_demo_file

            path.parent.mkdir(parents=True, exist_ok=True)
            build_demo_file(path)  # built aside, moved into place only when complete
            return path

        run_task(
            self.window,
            "Preparing the demo journal...",
            build,
            on_done=lambda p: self.open_path(p),
            on_error=lambda e: QMessageBox.warning(
                self.window, "Demo journal", _demo_failed_text(e)
            ),
        )

    # -- safety -------------------------------------------------------------------
    def _ctx(self):
        return self.window.ctx

    def backup_now(self) -> None:
        ctx = self._ctx()
        if ctx is None:
            return
        from journal.ui.tasks import run_task

        def work(_c):
            from journal.store.backup import backup_now

            return backup_now(ctx.store, "manual")

        run_task(
            self.window,
            "Backing up...",
            work,
            on_done=lambda p: QMessageBox.information(
                self.window, "Backed up", f"A checked copy was saved:\n{p}"
            ),
            on_error=lambda e: QMessageBox.warning(self.window, "Backup failed", str(e)),
        )

    def check_journal(self) -> None:
        ctx = self._ctx()
        if ctx is None:
            return
        from journal.ui.tasks import run_task

        def work(_c):
            from journal.store.backup import check_journal

            return check_journal(ctx.store.path, getattr(ctx.store, "key", None))

        def done(report) -> None:
            ok = getattr(report, "ok", None)
            text = report.text() if callable(getattr(report, "text", None)) else str(report)
            if ok is False:
                QMessageBox.warning(self.window, "Journal check: problems found", text)
            else:
                QMessageBox.information(
                    self.window, "Journal check", text or "The journal is intact."
                )

        run_task(
            self.window,
            "Checking the journal...",
            work,
            on_done=done,
            on_error=lambda e: QMessageBox.warning(self.window, "Check failed", str(e)),
        )

    def restore_backup(self) -> None:
        ctx = self._ctx()
        if ctx is None:
            return
        from journal.store.backup import list_backups

        path = Path(ctx.store.path)
        backups = list(list_backups(path))
        if not backups:
            QMessageBox.information(
                self.window, "Restore", "There are no backups of this journal yet."
            )
            return
        names = [b.describe() if hasattr(b, "describe") else str(b) for b in backups]
        choice, ok = QInputDialog.getItem(
            self.window,
            "Restore from backup",
            "Choose the backup to go back to (the current file is kept as a copy):",
            names,
            0,
            False,
        )
        if ok and choice:
            self.window.set_context(None)
            self.restore_into(path, backups[names.index(choice)])

    def restore_into(self, target: Path, backup) -> None:
        from journal.store.backup import restore
        from journal.store.crypto import looks_encrypted

        source = Path(getattr(backup, "path", backup))
        key = None
        if looks_encrypted(source):  # asks for the passphrase the journal had back then
            from journal.ui.privacy import ask_key

            key = ask_key(self.window, source, "backup")
            if key is None:
                return
        try:
            restore(source, target, passphrase=key)
        except Exception as exc:
            QMessageBox.warning(self.window, "Restore failed", str(exc))
            return
        self.open_path(target, passphrase=key)

    # -- exchange -----------------------------------------------------------------
    def export_journal(self) -> None:
        ctx = self._ctx()
        if ctx is None:
            return
        out, _ = QFileDialog.getSaveFileName(
            self.window, "Export journal", "journal-export.json", "Journal exchange file (*.json)"
        )
        if not out:
            return
        from journal.ui.privacy import note_plain_export

        # Once: exports are not encrypted, even from an encrypted journal.
        note_plain_export(self.window, self.settings, encrypted=ctx.store.key is not None)
        from journal.ui.tasks import run_task

        def work(control):
            from journal.store.exchange import write_export

            control.report(0, 0, "Writing the export file...")
            # Atomic (temporary file, fsync, rename, folder fsync): a failed export never
            # leaves half a file, and an older file of that name stays as it was.
            return write_export(ctx.store, out)

        run_task(
            self.window,
            "Exporting...",
            work,
            on_done=lambda p: QMessageBox.information(self.window, "Exported", f"Saved to\n{p}"),
            on_error=lambda e: QMessageBox.warning(self.window, "Export failed", str(e)),
        )

    def import_journal(self, src: str | None = None) -> None:
        """Read an exchange file into a new journal; ``src`` when a file was dropped."""
        if not src:
            src, _ = QFileDialog.getOpenFileName(
                self.window, "Import a journal exchange file", "", "Journal exchange file (*.json)"
            )
        if not src:
            return
        dest, _ = QFileDialog.getSaveFileName(
            self.window, "Save the imported journal as", "", "Journal (*.sqlite)"
        )
        if not dest:
            return
        from journal.ui.tasks import run_task

        def work(control):
            from journal.services.files import import_into_new_journal, read_exchange_file

            control.report(0, 4, "Reading the file...")
            # Read and check before any file is made: a damaged file gives the exchange
            # module's plain message and leaves nothing behind.
            data = read_exchange_file(src)
            if control.cancelled:
                return None
            import_into_new_journal(
                data, dest, progress=control.report, cancelled=lambda: control.cancelled
            )
            return dest

        run_task(
            self.window,
            "Importing...",
            work,
            on_done=lambda p: p and self.open_path(p),
            on_error=lambda e: QMessageBox.warning(
                self.window, "Import failed", f"Nothing was imported.\n\n{e}"
            ),
        )

    # -- start --------------------------------------------------------------------
    def start(self, path: str | None) -> None:
        if path:
            if Path(path).exists():
                self.open_path(path)
                return
            self.create_path(path, None)
            return
        last = self.settings.get("files/last_journal")
        if last and Path(last).exists() and self.open_path(last, quiet=True):
            return
        d = default_path()
        if d.exists() and self.open_path(d, quiet=True):
            return
        self.window.show_welcome(str(d))


def make_app(argv: list[str]) -> QApplication:
    app = QApplication.instance() or QApplication(argv)
    app.setOrganizationName(ORG)
    app.setApplicationName(APP)
    app.setApplicationDisplayName(APP)
    app.setDesktopFileName("treatment-journal")  # Wayland matches the window to its menu entry
    app.setWindowIcon(app_icon())
    return app


def app_icon():
    """The app icon at every standard size (window, task bar, dialogs)."""
    from PySide6.QtGui import QIcon

    from journal.services.desktop import ICON_SIZES, icon_file

    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(icon_file(size)))
    return icon


def build_window(settings: Settings | None = None, path: str | None = None, *, demo: bool = False):
    """Create the main window and its controller; open the demo journal, ``path``, or the
    usual journal."""
    from journal.ui.main_window import MainWindow

    app = QApplication.instance()
    settings = settings or Settings()
    theme.apply_text_scale(app, settings.text_scale)
    theme.apply_theme(app, high_contrast=settings.high_contrast)
    window = MainWindow(settings)
    controller = AppController(window, settings)
    if demo:
        controller.open_demo()
    else:
        controller.start(path)
    return window, controller


def unexpected_error_text() -> str:
    from journal.logs import log_dir

    return (
        "Something unexpected went wrong in Treatment Journal. Everything you had saved is "
        "safe. If it happens again, you can send the log file to the people who make the app: "
        f"it holds no health details and is in {log_dir()} (Help > Show log folder)."
    )


def _show_unexpected(exc_type, exc, tb) -> None:
    """sys.excepthook of the window: log the error (no health data), say so plainly."""
    from journal.logs import log_unexpected

    log_unexpected(exc_type, exc, tb)
    if issubclass(exc_type, KeyboardInterrupt):
        QApplication.quit()
        return
    if QApplication.instance() is not None:
        QMessageBox.warning(None, "Treatment Journal", unexpected_error_text())


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    from journal.logs import setup_logging

    setup_logging("window")
    sys.excepthook = _show_unexpected
    args = window_parser().parse_args(argv[1:])  # exits 2 on anything unknown
    app = make_app(argv)
    from journal.ui.tasks import collect_garbage_on_ui_thread_only

    collect_garbage_on_ui_thread_only()
    window, _controller = build_window(path=args.file, demo=args.demo)
    install_shutdown_handlers(app, window)
    window.show()
    return app.exec()


#: Signals that mean "the session is ending" (logout, shutdown, a closed terminal).
SHUTDOWN_SIGNALS = ("SIGTERM", "SIGHUP")


def install_shutdown_handlers(app: QApplication, window, *, signals: bool = True):
    """Logout, shutdown and ``kill -TERM`` close the window the normal way: the
    journal gets its content seal and the on-close backup, as when the person
    closes the window. (Without this, Qt ends on SIGTERM without any of it.)

    Python runs a signal handler only when the interpreter gets control, which it
    does not inside Qt's event loop; so the handler only writes to a socket whose
    other end a QSocketNotifier watches, and the close happens on the UI thread.
    """
    import contextlib
    import signal
    import socket

    from PySide6.QtCore import QSocketNotifier

    def close_window(*_args) -> None:
        with contextlib.suppress(RuntimeError):  # the window itself may be gone already
            window.close()
        app.quit()

    # The desktop's session manager asks before logging out: save = close cleanly.
    app.commitDataRequest.connect(close_window)

    # Anything else that ends the loop (app.quit from elsewhere) still closes the journal.
    def close_journal() -> None:
        with contextlib.suppress(RuntimeError):  # the window itself may be gone already
            if window.ctx is not None:
                window.set_context(None)

    app.aboutToQuit.connect(close_journal)

    names = [n for n in SHUTDOWN_SIGNALS if hasattr(signal, n)]
    if not signals or not names or not hasattr(signal, "set_wakeup_fd"):
        return close_window
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    try:
        signal.set_wakeup_fd(writer.fileno())
    except ValueError:  # not the main thread (tests building a window in a worker)
        reader.close()
        writer.close()
        return close_window
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, app)

    def on_wakeup() -> None:
        with contextlib.suppress(OSError):
            reader.recv(64)
        if pending:
            pending.clear()
            close_window()

    pending: list[int] = []
    notifier.activated.connect(on_wakeup)
    for name in names:
        signal.signal(getattr(signal, name), lambda signum, _frame: pending.append(signum))
    # Kept alive with the app: the notifier and both socket ends.
    app._shutdown_wakeup = (notifier, reader, writer)
    return close_window


if __name__ == "__main__":
    sys.exit(main())
