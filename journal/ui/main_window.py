"""The main window: navigation on the left, one page per part of the journal.

Pages are built the first time they are shown so that starting the app only
queries what the Overview needs.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QUndoGroup
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from journal.ui import theme
from journal.ui.glossary import glossary_html
from journal.ui.settings import Settings

log = logging.getLogger(__name__)

# The Timeline page needs matplotlib: most of a second of imports, loaded on a worker
# once the Overview's facts are shown (not before: they would slow the facts), so
# opening the Timeline later does not wait.
#: Loaded on a worker once the Overview's facts are shown, while the person reads them:
#: the Timeline's and the Summary's modules, and the ones the Summary's first report
#: loads (its builder, its paper chart, the SVG writer and reader its chart goes
#: through). Loaded when the Summary was opened, they took 65 ms of the worker's time
#: with Python's lock right while the window was opening it: the window's longest stall
#: there went from 83 to 58 ms (benchmarks/ui_stall.py, 5 runs each), for 4 MB more at
#: the peak (206 -> 210 MB, run_all's window peak; the page may never be opened).
WARM_UP_MODULES = (
    "journal.ui.timeline_view",
    "journal.ui.summary_view",
    "journal.reports.screening",
    "journal.reports.charts",
    "journal.charts.paper",
    "matplotlib.backends.backend_svg",
    "xml.etree.ElementTree",
)
_WARMED: list[bool] = []


def warm_up_pages(then: Callable[[], None] | None = None) -> None:
    """Load the Timeline's and the Summary's modules on a worker (once), then call
    ``then``."""
    if _WARMED:
        if then is not None:
            then()
        return
    _WARMED.append(True)
    from journal.ui.tasks import run_task

    def work(_control) -> None:
        for name in WARM_UP_MODULES:  # class definitions only: no widget is made here
            try:
                importlib.import_module(name)
            except ImportError:
                log.warning("could not load %s ahead", name)
        # The journal's table classes are set up on first use of the rarer ones (the
        # Summary's notes and questions): a moment of work better done now.
        from sqlalchemy.orm import configure_mappers

        configure_mappers()

    run_task(
        None,
        "Loading the chart pages",
        work,
        on_done=lambda _r: then and then(),
        on_error=lambda _exc: then and then(),
        progress=False,
    )


# (navigation text, builder name, what it shows)
PAGES: list[tuple[str, str, str]] = [
    ("Overview", "overview", "The facts a doctor or trial team asks for, with their reasons"),
    ("Timeline", "timeline", "Treatments, results and side effects along time"),
    ("Treatments", "treatments", "Regimens, drugs, transplants, CAR-T and supportive medicines"),
    ("Responses & progressions", "responses", "How the myeloma answered each treatment"),
    ("Side effects", "side_effects", "Side effects with their grade and what was done"),
    ("Labs", "labs", "Blood and urine test results, and the daily-life score"),
    ("Notes & questions", "notes", "Your notes and questions for the next visit"),
    ("Trials", "trials", "A trial's criteria beside your own facts, to prepare the call"),
    ("Summary", "summary", "The printable summary for a trial team or a visit"),
    ("About me & diagnosis", "about", "Personal details, diagnosis and genetic tests"),
]

TABBED: dict[str, list[tuple[str, str, str]]] = {
    "treatments": [
        ("regimen", "Regimens", "Each regimen with its drugs. Double-click to open."),
        ("procedure", "Transplants, CAR-T and procedures", ""),
        ("dose_change", "Dose changes", ""),
        (
            "supportive",
            "Supportive medicines",
            "Medicines that protect bones, prevent infections and so on.",
        ),
    ],
    "responses": [
        ("response", "Responses", ""),
        ("progression", "Progressions and relapses", ""),
        (
            "mrd",
            "MRD tests",
            "Very sensitive marrow tests for myeloma cells left (minimal residual disease).",
        ),
    ],
    "side_effects": [("side_effect", "Side effects", "")],
    "labs": [("lab", "Test results", ""), ("ecog", "Daily-life score (ECOG)", "")],
    "notes": [("question", "Questions for the next visit", ""), ("note", "Notes", "")],
    "about": [
        ("person", "About me", ""),
        ("diagnosis", "Diagnosis", ""),
        ("cytogenetic", "Genetic tests (FISH)", ""),
        ("isotype", "Type changes", ""),
        ("feature", "Disease features", ""),
        (
            "health",
            "Health history for trials",
            "What trial teams ask about besides the myeloma treatment: other cancers, heart, "
            "clots, infections, eyes... Answer 'no' when it was checked; a question left "
            "out shows as 'not recorded'.",
        ),
    ],
}


def page_shortcut(i: int) -> str | None:
    """Ctrl+1 ... Ctrl+9, then Ctrl+0 for the tenth part ("Ctrl+10" is no key)."""
    return f"Ctrl+{(i + 1) % 10}" if i < 10 else None


class PageHolder(QScrollArea):
    """Holds one page in the stack. The page fills the window; only when the window is
    narrower or shorter than the page can be (a large text size) does it scroll,
    instead of forcing the whole window wider than the screen."""

    def __init__(self, page: QWidget | None = None):
        super().__init__()
        # Sized by hand: QScrollArea's own resizing also scrolls whenever a page with
        # wrapped text would *like* to be taller, giving two scroll bars on one page.
        self.setWidgetResizable(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no extra Tab stop around the page
        self.viewport().installEventFilter(self)
        if page is not None:
            self.set_page(page)

    def set_page(self, page: QWidget) -> None:
        self.setWidget(page)
        self.setFocusProxy(page)
        self.setAccessibleName(page.accessibleName())
        page.installEventFilter(self)
        self.fit_page()

    def page(self) -> QWidget | None:
        return self.widget()

    def fit_page(self) -> None:
        page = self.widget()
        if page is None:
            return
        need = page.minimumSizeHint().expandedTo(page.minimumSize())
        room = self.viewport().size()
        page.resize(max(room.width(), need.width()), max(room.height(), need.height()))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if (obj is self.viewport() and event.type() == QEvent.Type.Resize) or (
            obj is self.widget() and event.type() == QEvent.Type.LayoutRequest
        ):
            self.fit_page()
        return super().eventFilter(obj, event)


def placeholder(text: str) -> QWidget:
    w = QWidget()
    lay = QVBoxLayout(w)
    lab = QLabel(text)
    lab.setWordWrap(True)
    lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
    lay.addWidget(lab)
    w.setAccessibleName(text)
    return w


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.ctx = None
        self.setWindowTitle("Treatment Journal")
        self.undo_group = QUndoGroup(self)
        self._pages: dict[int, QWidget] = {}

        central = QWidget()
        row = QHBoxLayout(central)
        self.nav = QListWidget()
        self.nav.setAccessibleName("Parts of the journal")
        self.nav.setAccessibleDescription("Use the arrow keys to choose a part; Tab moves into it.")
        for i, (text, _key, desc) in enumerate(PAGES):
            self.nav.addItem(text)
            item = self.nav.item(i)
            item.setToolTip(f"{desc} ({page_shortcut(i)})" if page_shortcut(i) else desc)
        self.nav.setMaximumWidth(self.nav.fontMetrics().horizontalAdvance("x") * 40)
        self.nav.setSizeAdjustPolicy(QListWidget.SizeAdjustPolicy.AdjustToContents)
        # As wide as its longest name at every text size: a wide page never squeezes it.
        self.nav.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.stack = QStackedWidget()
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.outer = QStackedWidget()  # welcome page vs. the journal
        self.outer.addWidget(central)
        self.setCentralWidget(self.outer)
        self.welcome = None
        self.nav.currentRowChanged.connect(self.show_page)
        self.setAcceptDrops(True)
        self._build_menus()
        self._restore_window()

    # -- menus --------------------------------------------------------------------
    def _act(self, menu, text: str, slot: Callable, shortcut=None, tip: str = "") -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
        if tip:
            a.setStatusTip(tip)
            a.setToolTip(tip)
        a.triggered.connect(slot)
        menu.addAction(a)
        return a

    def _build_menus(self) -> None:
        mb = self.menuBar()
        f = mb.addMenu("&File")
        self._act(
            f,
            "&New journal...",
            self.new_journal,
            QKeySequence.StandardKey.New,
            "Start a new, empty journal file",
        )
        self._act(
            f, "&Open...", self.open_dialog, QKeySequence.StandardKey.Open, "Open a journal file"
        )
        self.recent_menu = f.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._act(
            f,
            "Open &demo journal",
            self.open_demo,
            None,
            "Open a journal with a made-up patient's history to look around",
        )
        f.addSeparator()
        self.journal_actions = [
            self._act(
                f,
                "&Back up now",
                self.backup_now,
                "Ctrl+Shift+B",
                "Make a checked copy of the journal now",
            ),
            self._act(
                f,
                "Re&store from backup...",
                self.restore_backup,
                None,
                "Replace the journal with one of its backups (the current file is kept)",
            ),
            self._act(
                f,
                "&Check journal",
                self.check_journal,
                None,
                "Check that the journal file is intact (nothing is changed)",
            ),
            self._act(
                f,
                "&Export...",
                self.export_journal,
                "Ctrl+E",
                "Save the whole journal in the open exchange format",
            ),
            self._act(
                f,
                "&Import...",
                self.import_journal,
                "Ctrl+I",
                "Read a journal exchange file into a new journal",
            ),
            *self._interop_actions(f),
        ]
        self.print_action = self._act(
            f,
            "&Print summary...",
            self.print_summary,
            QKeySequence.StandardKey.Print,
            "Print the summary shown on the Summary page",
        )
        self.journal_actions.append(self.print_action)
        f.addSeparator()
        from journal.ui.privacy import install_menu

        install_menu(self, f)  # Lock now, Lock when idle, Encrypt / Change passphrase / Decrypt
        f.addSeparator()
        self._act(f, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        e = mb.addMenu("&Edit")
        self.undo_action = self.undo_group.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_group.createRedoAction(self, "&Redo")
        redo_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
        for extra in ("Ctrl+Shift+Z", "Ctrl+Y"):  # both habits work on every platform
            if QKeySequence(extra) not in redo_keys:
                redo_keys.append(QKeySequence(extra))
        self.redo_action.setShortcuts(redo_keys)
        e.addAction(self.undo_action)
        e.addAction(self.redo_action)
        e.addSeparator()
        self.line_action = self._act(
            e,
            "Add a &line of therapy...",
            self.add_line_of_therapy,
            "Ctrl+T",  # T for treatment; Ctrl+L locks the window (File > Lock now)
            "A treatment with everything that was part of it, in one step",
        )
        self.journal_actions.append(self.line_action)
        self.lab_import_action = self._act(
            e,
            "Add blood tests from a &table...",
            self.add_lab_table,
            "Ctrl+Shift+T",
            "Paste or open a table of blood test results and import them in one step",
        )
        self.journal_actions.append(self.lab_import_action)
        self.find_action = self._act(
            e, "&Find", self.focus_find, QKeySequence.StandardKey.Find, "Search the list shown"
        )

        v = mb.addMenu("&View")
        self._act(
            v,
            "&Larger text",
            lambda: self.set_text_scale(self.settings.text_scale + 25),
            QKeySequence.StandardKey.ZoomIn,
        )
        self._act(
            v,
            "&Smaller text",
            lambda: self.set_text_scale(self.settings.text_scale - 25),
            QKeySequence.StandardKey.ZoomOut,
        )
        sizes = v.addMenu("&Text size")
        self.size_group = QActionGroup(self)
        for pct in (100, 125, 150, 175, 200):
            a = QAction(f"{pct} %", self, checkable=True)
            a.setData(pct)
            a.triggered.connect(lambda _=False, p=pct: self.set_text_scale(p))
            self.size_group.addAction(a)
            sizes.addAction(a)
        self.contrast_action = QAction("&High contrast", self, checkable=True)
        self.contrast_action.setShortcut(QKeySequence("Ctrl+Shift+H"))
        self.contrast_action.setChecked(self.settings.high_contrast)
        self.contrast_action.toggled.connect(self.set_high_contrast)
        v.addAction(self.contrast_action)
        v.addSeparator()
        for i, (text, _k, _d) in enumerate(PAGES):
            self._act(v, text, lambda _=False, n=i: self.go_to(n), page_shortcut(i))

        h = mb.addMenu("&Help")
        self._act(
            h,
            "&What do these words mean?",
            self.show_glossary,
            QKeySequence.StandardKey.HelpContents,
        )
        self._act(h, "&Keyboard shortcuts", self.show_shortcuts)
        self._act(
            h,
            "Show &log folder",
            self.show_log_folder,
            None,
            "Open the folder of the app's log (it holds no health details)",
        )
        h.addSeparator()
        self._act(h, "&About Treatment Journal", self.show_about)
        self._sync_size_menu()
        self._set_journal_actions_enabled(False)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files()
        if not files:
            a = self.recent_menu.addAction("(none yet)")
            a.setEnabled(False)
        for p in files:
            # "&" in a file name would become a keyboard underline (and vanish): doubled.
            self.recent_menu.addAction(p.replace("&", "&&"), lambda path=p: self.open_path(path))

    def _set_journal_actions_enabled(self, on: bool) -> None:
        for a in self.journal_actions:
            a.setEnabled(on)

    # -- comfort ------------------------------------------------------------------
    def set_text_scale(self, pct: int) -> None:
        self.settings.text_scale = pct
        theme.apply_text_scale(QApplication.instance(), self.settings.text_scale)
        self._sync_size_menu()
        for page in self._pages.values():  # pages with their own title fonts redraw
            if getattr(page, "ready", False) and hasattr(page, "render"):
                page.render()
        self.refit_to_text()
        # Widgets take the new font as its change events are handled: fit again after them.
        QTimer.singleShot(0, self, self.refit_to_text)  # dropped if the window is gone

    def refit_to_text(self) -> None:
        """After a change of text size: every list's columns, the sidebar and open pages
        take the new size at once (no "3 No..." dates, no clipped names), no restart."""
        from journal.ui.lists import RecordList

        for lst in self.findChildren(RecordList):
            lst.view.resizeColumnsToContents()
            lst.fit_columns()
        self.nav.setMaximumWidth(self.nav.fontMetrics().horizontalAdvance("x") * 40)
        self.nav.updateGeometry()
        self.nav.adjustSize()
        for i in range(self.stack.count()):
            holder = self.stack.widget(i)
            if hasattr(holder, "fit_page"):
                holder.fit_page()

    def _sync_size_menu(self) -> None:
        for a in self.size_group.actions():
            a.setChecked(a.data() == self.settings.text_scale)

    def set_high_contrast(self, on: bool) -> None:
        self.settings.high_contrast = on
        theme.apply_theme(QApplication.instance(), high_contrast=on)
        self.refit_to_text()  # the thicker borders need room too

    def show_glossary(self) -> None:
        from PySide6.QtWidgets import QDialog, QDialogButtonBox

        dlg = QDialog(self)
        dlg.setWindowTitle("What do these words mean?")
        lay = QVBoxLayout(dlg)
        text = QTextBrowser()
        text.setHtml(glossary_html())
        text.setAccessibleName("Glossary")
        lay.addWidget(text)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        bb.rejected.connect(dlg.reject)
        lay.addWidget(bb)
        theme.fit_to_screen(dlg, 640, 560)  # grows with the text size
        dlg.exec()

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """(keys, what they do) for every menu action that has a shortcut, menu by menu."""
        rows = []
        for menu_action in self.menuBar().actions():
            menu = menu_action.menu()
            if menu is None:
                continue
            stack = [(menu, menu_action.text().replace("&", ""))]
            while stack:
                m, where = stack.pop(0)
                for a in m.actions():
                    if a.menu() is not None:
                        stack.append((a.menu(), f"{where} > {a.text().replace('&', '')}"))
                        continue
                    keys = [
                        k.toString(QKeySequence.SequenceFormat.NativeText) for k in a.shortcuts()
                    ]
                    keys = [k for k in keys if k]
                    if keys:
                        what = a.text().replace("&", "").rstrip(".").rstrip("\u2026")
                        rows.append((" or ".join(keys), f"{what} ({where})"))
        rows.append(("Tab / Shift+Tab", "Move to the next / previous control"))
        rows.append(("Enter", "Open the selected record; save a form"))
        rows.append(("Escape", "Close a form or dialog (you are asked before anything is lost)"))
        return rows

    def show_shortcuts(self) -> None:
        from html import escape

        from PySide6.QtWidgets import QDialog, QDialogButtonBox

        dlg = QDialog(self)
        dlg.setWindowTitle("Keyboard shortcuts")
        lay = QVBoxLayout(dlg)
        text = QTextBrowser()
        body = "".join(
            f"<tr><td><b>{escape(k)}</b></td><td>{escape(w)}</td></tr>"
            for k, w in self.shortcut_rows()
        )
        text.setHtml(f"<table cellpadding='4'>{body}</table>")
        text.setAccessibleName("Keyboard shortcuts")
        lay.addWidget(text)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        bb.rejected.connect(dlg.reject)
        lay.addWidget(bb)
        theme.fit_to_screen(dlg, 620, 560)
        dlg.open()
        self._shortcuts_dialog = dlg

    def show_log_folder(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        from journal.logs import log_dir

        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            QMessageBox.information(
                self, "Log folder", f"The app's log (no health details in it) is in:\n{folder}"
            )

    def focus_find(self) -> None:
        """Ctrl+F: the Find box of the list shown, if the page has one."""
        from PySide6.QtWidgets import QLineEdit

        if self.ctx is None:
            return
        page = self.stack.currentWidget()
        boxes = [b for b in page.findChildren(QLineEdit, "find") if b.isVisible()]
        if boxes:
            boxes[0].setFocus()
            boxes[0].selectAll()

    def print_summary(self) -> None:
        """Ctrl+P: the Summary page's print dialog, for the report chosen there."""
        if self.ctx is None:
            return
        n = next(i for i, p in enumerate(PAGES) if p[1] == "summary")
        # The dialog now: the view is built at once, not after a background load.
        with contextlib.suppress(ImportError):
            importlib.import_module("journal.ui.summary_view")
        self.go_to(n)
        view = self.page(n)
        if hasattr(view, "print_dialog"):  # a placeholder when the view could not be built
            view.print_dialog()

    # -- files dropped on the window ---------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._dropped_file(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt override
        path = self._dropped_file(event)
        if path is None:
            return
        event.acceptProposedAction()
        self.open_dropped(path)

    @staticmethod
    def _dropped_file(event) -> str | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        files = [u.toLocalFile() for u in urls if u.isLocalFile()]
        if len(files) == 1 and files[0].lower().endswith(
            (".json", ".sqlite", ".db", ".xml", ".zip")
        ):
            return files[0]
        return None

    def open_dropped(self, path: str) -> None:
        """A journal file opens; an exchange file is imported into a new journal; a trial's
        registry record is brought to the Trials page."""
        from journal.services.files import FileKind, sniff_file

        kind = sniff_file(path)
        if kind is FileKind.JOURNAL:
            self.open_path(path)
        elif kind is FileKind.EXCHANGE:
            self._controller().import_journal(path)
        elif kind is FileKind.TRIAL_RECORD and self.ctx is not None:
            n = next(i for i, p in enumerate(PAGES) if p[1] == "trials")
            self.go_to(n)
            self.page(n).bring_file(path)
        elif kind is FileKind.TRIAL_RECORD:
            QMessageBox.information(
                self,
                "Treatment Journal",
                "This is a clinical trial's registry record. Open or start your journal "
                "first, then drop it again: it is kept with your journal.",
            )
        else:
            QMessageBox.warning(
                self,
                "Treatment Journal",
                f"{Path(path).name} is neither a journal, a journal exchange file nor a "
                "trial record, so it was not opened. Drop a .sqlite journal or a .json file "
                "exported by Treatment Journal.",
            )

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About Treatment Journal",
            "Treatment Journal keeps a person's myeloma treatment history on this computer "
            "and prepares summaries for doctors and clinical-trial teams.\n\n"
            "It records and computes; it never recommends a treatment. Every computed fact "
            "shows its rule and source, and you can correct it.\n\n"
            "No data ever leaves this computer.",
        )

    # -- journal ------------------------------------------------------------------
    def set_context(self, ctx) -> None:
        old = self.ctx
        while self.stack.count():
            w = self.stack.widget(0)
            self.stack.removeWidget(w)
            w.deleteLater()
        self._pages.clear()
        if old is not None:
            self.undo_group.removeStack(old.undo_stack)
            old.close()
            from journal.ui.tasks import unfreeze_long_lived

            unfreeze_long_lived()  # the closed journal's objects are garbage now
        self.ctx = ctx
        if ctx is None:
            self._set_journal_actions_enabled(False)
            return
        for _ in PAGES:
            self.stack.addWidget(PageHolder())  # filled on first show
        self.undo_group.addStack(ctx.undo_stack)
        self.undo_group.setActiveStack(ctx.undo_stack)
        ctx.set_editor_opener(self.open_editor)
        self._set_journal_actions_enabled(True)
        self.setWindowTitle(f"Treatment Journal - {Path(ctx.path).name}")
        self.outer.setCurrentIndex(0)
        self.nav.setCurrentRow(0)
        self.show_page(0)

    def show_welcome(self, default_path: str) -> None:
        from journal.ui.welcome import WelcomePage

        if self.welcome is None:
            self.welcome = WelcomePage(default_path)
            self.welcome.create_requested.connect(self.create_default)
            self.welcome.demo_requested.connect(self.open_demo)
            self.welcome.open_requested.connect(self.open_dialog)
            self.outer.addWidget(self.welcome)
        self.outer.setCurrentWidget(self.welcome)
        self.welcome.name.setFocus()

    def go_to(self, n: int) -> None:
        if self.ctx is not None:
            self.nav.setCurrentRow(n)
            self.stack.currentWidget().setFocus()

    def page(self, n: int) -> QWidget:
        """The page widget at ``n``, built on first use."""
        if n not in self._pages:
            w = self._build_page(PAGES[n][1])
            self.stack.widget(n).set_page(w)
            self._pages[n] = w
        return self._pages[n]

    def show_page(self, n: int) -> None:
        if self.ctx is None or n < 0:
            return
        self.page(n)
        self.stack.setCurrentIndex(n)

    def _load_then_build(self, key: str, mod: str, what: str) -> QWidget:
        """A page saying what will be there, while the view's modules load on a worker
        (the Summary's report modules: an eighth of a second and more that the window
        would stop for); then the view itself in its place."""
        from journal.ui.tasks import run_task

        holder = placeholder(what)
        n = next(i for i, p in enumerate(PAGES) if p[1] == key)

        def loaded(_module) -> None:
            if self._pages.get(n) is not holder:  # another journal opened meanwhile
                return
            w = self._build_page(key)
            self._pages[n] = w
            self.stack.widget(n).set_page(w)
            if self.stack.currentIndex() == n:
                w.setFocus()

        run_task(
            None,
            "Loading the summary",
            lambda _control: importlib.import_module(mod),
            on_done=loaded,
            on_error=lambda _exc: None,  # it stays the placeholder, as without the module
            progress=False,
        )
        return holder

    def _start_up_done(self, ctx) -> None:
        """The journal's first facts are shown and the chart modules loaded: what lives
        now lives while the journal is open; the garbage collector stops walking it
        (0.1-0.25 s on a long history, each full pass). Once per journal opened."""
        if ctx is not self.ctx or getattr(ctx, "_long_lived_frozen", False):
            return
        ctx._long_lived_frozen = True
        from journal.ui.tasks import freeze_long_lived

        freeze_long_lived()

    def _build_page(self, key: str) -> QWidget:
        ctx = self.ctx
        if key == "overview":
            from journal.ui.overview import OverviewPage

            page = OverviewPage(ctx)
            page.facts_shown.connect(lambda: warm_up_pages(lambda: self._start_up_done(ctx)))
            return page
        if key == "trials":
            from journal.ui.trials_page import TrialsPage

            return TrialsPage(ctx)
        if key in ("timeline", "summary"):
            mod, cls, what = {
                "timeline": (
                    "journal.ui.timeline_view",
                    "TimelineView",
                    "The timeline of treatments, results and side effects will be here.",
                ),
                "summary": (
                    "journal.ui.summary_view",
                    "SummaryView",
                    "The printable summary for a trial team or a visit will be here.",
                ),
            }[key]
            if key == "summary" and mod not in sys.modules:
                return self._load_then_build(key, mod, what)
            try:
                module = importlib.import_module(mod)
            except ImportError:
                return placeholder(what)
            try:
                return getattr(module, cls)(ctx)
            except Exception:
                log.exception("could not build %s", cls)
                return placeholder(f"{what}\n(This view could not be shown; see the log.)")
        from journal.ui.kinds import KINDS
        from journal.ui.lists import RecordList

        tabs_spec = TABBED[key]
        if len(tabs_spec) == 1:
            k, title, hint = tabs_spec[0]
            return RecordList(ctx, KINDS[k], title, hint)
        tabs = QTabWidget()
        tabs.setAccessibleName(next(p[0] for p in PAGES if p[1] == key))
        for k, title, hint in tabs_spec:
            tabs.addTab(RecordList(ctx, KINDS[k], title, hint), title)
        if key == "treatments":  # the usual way in: a whole line at once
            from PySide6.QtWidgets import QPushButton

            add_line = QPushButton("Add a line of therapy...")
            add_line.setAccessibleName("Add a line of therapy")
            add_line.setToolTip(self.line_action.statusTip() + " (Ctrl+T)")
            add_line.clicked.connect(self.add_line_of_therapy)
            tabs.setCornerWidget(add_line, Qt.Corner.TopRightCorner)
            tabs.add_line_button = add_line
        return tabs

    def add_line_of_therapy(self) -> bool:
        if self.ctx is None:
            return False
        from journal.ui.line_wizard import open_line_wizard

        return open_line_wizard(self.ctx, self)

    def add_lab_table(self) -> bool:
        if self.ctx is None:
            return False
        from journal.ui.lab_import import open_lab_import

        return open_lab_import(self.ctx, self)

    def open_editor(self, ref: str) -> bool:
        from journal.ui.kinds import KINDS, parse_ref
        from journal.ui.lists import open_record_editor

        parsed = parse_ref(ref)
        if parsed is None or self.ctx is None:
            return False
        kind, row_id = parsed
        row = self.ctx.row(kind.table, row_id)
        if row is None:
            return False
        if kind.key == "drug":  # a drug is edited inside its regimen
            kind, row = KINDS["regimen"], self.ctx.row(KINDS["regimen"].table, row["regimen_id"])
            if row is None:
                return False
        open_record_editor(self.ctx, kind, row, self)
        return True

    # -- file actions (implemented in journal.ui.app) ---------------------------------
    def _controller(self):
        from journal.ui import app

        return app.controller_for(self)

    def new_journal(self) -> None:
        from journal.ui.privacy import NewPassphraseDialog

        path, _ = QFileDialog.getSaveFileName(self, "New journal", "", "Journal (*.sqlite)")
        if not path:
            return
        offer = NewPassphraseDialog(Path(path), self, allow_none=True)  # recommended, not forced
        if offer.exec():
            self._controller().create_path(path, None, offer.result_passphrase)

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open journal", "", "Journal (*.sqlite);;All files (*)"
        )
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> bool:
        return self._controller().open_path(path)

    def create_default(self, name: str) -> None:
        passphrase = self.welcome.passphrase() if self.welcome is not None else None
        self._controller().create_default(name, passphrase)

    def open_demo(self) -> None:
        self._controller().open_demo()

    def backup_now(self) -> None:
        self._controller().backup_now()

    def restore_backup(self) -> None:
        self._controller().restore_backup()

    def check_journal(self) -> None:
        self._controller().check_journal()

    def export_journal(self) -> None:
        self._controller().export_journal()

    def _interop_actions(self, f) -> list[QAction]:
        # CSV/FHIR out and portal results in: journal/ui/interop_dialogs.py.
        from journal.ui import interop_dialogs as io

        export = f.addMenu("E&xport as")
        return [
            export.menuAction(),
            self._act(
                export,
                "&CSV for spreadsheets...",
                lambda: io.export_as(self, self.ctx, "csv"),
                None,
                "One CSV file per kind of record, in a zip, for LibreOffice or Excel",
            ),
            self._act(
                export,
                "&FHIR R4 for health records...",
                lambda: io.export_as(self, self.ctx, "fhir"),
                None,
                "One FHIR R4 Bundle for doctors' and research systems",
            ),
            self._act(
                f,
                "Import &results from portal...",
                lambda: io.import_results(self, self.ctx),
                None,
                "Add lab results downloaded from a patient portal (FHIR or CSV)",
            ),
        ]

    def import_journal(self) -> None:
        self._controller().import_journal()

    # -- window state -----------------------------------------------------------------
    def _restore_window(self) -> None:
        from journal.ui.window_fit import first_size, onto_screen

        screen = self.screen() or QApplication.primaryScreen()
        avail = screen.availableGeometry() if screen is not None else None
        room = (avail.x(), avail.y(), avail.width(), avail.height()) if avail else None
        geo = self.settings.get("window/geometry")
        if geo is not None and not geo.isEmpty():
            self.restoreGeometry(geo)
            if room is not None:  # saved on another screen: back onto this one, never larger
                g = self.geometry()
                x, y, w, h = onto_screen((g.x(), g.y(), g.width(), g.height()), room)
                self.setGeometry(x, y, w, h)
        elif room is not None:
            x, y, w, h = first_size(room)
            self.setGeometry(x, y, w, h)
        else:
            self.resize(QSize(1200, 800))
        state = self.settings.get("window/state")
        if state is not None and not state.isEmpty():
            self.restoreState(state)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        from journal.ui.unsaved import KEEP, SAVE, ask_unsaved, open_forms_with_changes

        for form in open_forms_with_changes():  # nothing typed is lost on closing either
            answer = ask_unsaved(form, form.windowTitle())
            if answer == SAVE:
                form.save()
            if answer == KEEP or (answer == SAVE and form.isVisible()):
                event.ignore()  # keep editing, or the save needs a correction first
                form.raise_()
                form.activateWindow()
                return
            form.done(0) if answer != SAVE else None
        self.settings.set("window/geometry", self.saveGeometry())
        self.settings.set("window/state", self.saveState())
        self.settings.sync()
        if self.ctx is not None:
            self.set_context(None)
        super().closeEvent(event)
