"""The Summary view: choose a report, see it page by page, print it, save a PDF, copy text.

Takes the UI's :class:`journal.ui.context.JournalContext`. The report itself is
built by :func:`journal.reports.build_report` from the rules' results; this widget
only gathers options and shows pages. The preview is the real page layout (laid
out on a worker as the PDF is, each page painted when seen by the function that
paints the PDF's pages: ``journal.ui.page_preview``), so what is seen is what gets
printed. Saving a PDF runs off the UI thread.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from journal.reports import REPORT_KINDS, build_report
from journal.reports.common import suggested_filename
from journal.reports.document import Document
from journal.reports.inputs import ReportInputs, ReportOptions, load_report_inputs
from journal.reports.qt_backend import count_pages, lay_out, paint_document, write_pdf
from journal.reports.text_backend import render_text
from journal.ui.page_preview import PagePreview

log = logging.getLogger(__name__)

IDENTITY_CHOICES = [
    ("full", "Name and date of birth"),
    ("initials", "Initials and age only"),
    ("without_name", "Without name (dates stay exact)"),
    ("deidentified", "De-identified (HIPAA Safe Harbor)"),
]


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> dt.date:
    return dt.date(q.year(), q.month(), q.day())


class SummaryView(QWidget):
    preview_ready = Signal()  # the preview shows the current report

    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self._generation = 0
        self.is_ready = False
        self.ctx = ctx
        self.setAccessibleName("Summary")
        self._doc: Document | None = None
        self._laid = None  # the pages shown (qt_backend.LaidOut)
        self._inputs: ReportInputs | None = None
        self.last_error: str | None = None
        self.last_saved: Path | None = None

        self.kind = QComboBox()
        for key, label in REPORT_KINDS.items():
            self.kind.addItem(label, key)
        self.kind.setAccessibleName("Which summary")
        self.kind.setToolTip(
            "Trial-screening summary: what a trial team asks about (lines of treatment, "
            "refractory drugs, last doses, latest results). Visit summary: what changed "
            "since the last clinic visit."
        )
        self.identity = QComboBox()
        for key, label in IDENTITY_CHOICES:
            self.identity.addItem(label, key)
        self.identity.setAccessibleName("Who is named on the summary")
        self.identity.setToolTip(
            "Without name leaves out the name, date of birth and notes; dates stay exact. "
            "De-identified follows HIPAA Safe Harbor: no name, dates as days from diagnosis, "
            "ages over 89 as 90+, no free text, no sex or weight."
        )
        self.appendix = QCheckBox("With &appendix")
        self.appendix.setChecked(True)
        self.appendix.setToolTip(
            "The trial-screening summary is two pages; the appendix adds every line, the "
            "timeline, how each fact was worked out and all results."
        )
        self.page_size = QComboBox()
        self.page_size.addItems(["A4", "Letter"])
        self.page_size.setAccessibleName("Paper size")
        for combo in (self.kind, self.identity):
            # May get narrower than their longest choice (the list still shows it whole),
            # so the options fit beside each other at large text sizes.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(12)

        self.as_of_today = QCheckBox("As of today")
        self.as_of_today.setChecked(True)
        self.as_of_today.setAccessibleName("Summary as of today")
        self.as_of = QDateEdit(_qdate(dt.date.today()))
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("d MMM yyyy")
        self.as_of.setAccessibleName("Summary as of date")
        self.as_of.setToolTip("Show the summary as it would have looked on this day.")
        self.as_of.setEnabled(False)

        self.since = QDateEdit()
        self.until = QDateEdit()
        for w, name in ((self.since, "Visit period from"), (self.until, "Visit period to")):
            w.setCalendarPopup(True)
            w.setDisplayFormat("d MMM yyyy")
            w.setAccessibleName(name)
        self.use_timeline = QPushButton("Use period chosen on Timeline")
        self.use_timeline.setAccessibleName("Use the period chosen on the Timeline")
        self.default_period = QPushButton("Since last visit")
        self.default_period.setAccessibleName("Visit period since the last clinic visit")
        self._custom_period = False

        self.preview = PagePreview()
        self.preview.setAccessibleName("Summary preview")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Summary status")

        self.print_btn = QPushButton("Print…")
        self.print_btn.setAccessibleName("Print the summary")
        self.save_btn = QPushButton("Save PDF…")
        self.save_btn.setAccessibleName("Save the summary as a PDF file")
        self.copy_btn = QPushButton("Copy as text")
        self.copy_btn.setAccessibleName("Copy the summary as plain text")
        self.zoom_in = QPushButton("Zoom in")
        self.zoom_out = QPushButton("Zoom out")
        self.fit = QPushButton("Fit width")

        def labelled(text: str, w: QWidget) -> QLabel:
            lab = QLabel(text)
            lab.setBuddy(w)
            return lab

        # Options in two columns of label + choice; the visit period (only for the visit
        # summary) gets its own rows. One long row pushed the page wider than the window
        # at large text sizes.
        grid = QGridLayout()
        grid.addWidget(labelled("&Summary:", self.kind), 0, 0)
        grid.addWidget(self.kind, 0, 1)
        grid.addWidget(labelled("&Name on it:", self.identity), 0, 2)
        grid.addWidget(self.identity, 0, 3)
        grid.addWidget(labelled("&Date:", self.as_of), 1, 0)
        asof = QHBoxLayout()
        asof.addWidget(self.as_of_today)
        asof.addWidget(self.as_of, 1)
        grid.addLayout(asof, 1, 1)
        grid.addWidget(labelled("&Paper:", self.page_size), 1, 2)
        grid.addWidget(self.page_size, 1, 3)
        # Its own row: beside the paper size it pushed the page wider than the window
        # at 200 % text.
        grid.addWidget(self.appendix, 3, 1, 1, 3)
        self.period_row = QWidget()
        pr = QGridLayout(self.period_row)
        pr.setContentsMargins(0, 0, 0, 0)
        pr.addWidget(self.since, 0, 0)
        pr.addWidget(QLabel("to"), 0, 1)
        pr.addWidget(self.until, 0, 2)
        period_buttons = QHBoxLayout()
        period_buttons.addWidget(self.default_period)
        period_buttons.addWidget(self.use_timeline)
        period_buttons.addStretch(1)
        pr.addLayout(period_buttons, 1, 0, 1, 4)
        pr.setColumnStretch(3, 1)
        self.period_label = labelled("&Visit period:", self.since)
        grid.addWidget(self.period_label, 2, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.period_row, 2, 1, 1, 3)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(3, 3)

        buttons = QHBoxLayout()
        for b in (self.print_btn, self.save_btn, self.copy_btn):
            buttons.addWidget(b)
        buttons.addStretch(1)
        for b in (self.zoom_out, self.zoom_in, self.fit):
            buttons.addWidget(b)

        lay = QVBoxLayout(self)
        lay.addLayout(grid)
        lay.addLayout(buttons)
        lay.addWidget(self.status)
        lay.addWidget(self.preview, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)  # typing in a date should not rebuild on every key
        self._timer.timeout.connect(self.refresh)

        for sig in (
            self.kind.currentIndexChanged,
            self.identity.currentIndexChanged,
            self.page_size.currentIndexChanged,
            self.as_of.dateChanged,
            self.appendix.toggled,
        ):
            sig.connect(self._schedule)
        self.as_of_today.toggled.connect(self._as_of_toggled)
        self.since.dateChanged.connect(self._period_edited)
        self.until.dateChanged.connect(self._period_edited)
        self.default_period.clicked.connect(self._reset_period)
        self.use_timeline.clicked.connect(self._timeline_period)
        self.print_btn.clicked.connect(self.print_dialog)
        self.save_btn.clicked.connect(self.save_pdf_dialog)
        self.copy_btn.clicked.connect(self.copy_text)
        self.zoom_in.clicked.connect(lambda: self.preview.zoomIn())
        self.zoom_out.clicked.connect(lambda: self.preview.zoomOut())
        self.fit.clicked.connect(lambda: self.preview.fitToWidth())
        self._stale = False
        changed = getattr(ctx, "changed", None)
        if changed is not None:
            changed.connect(self._data_changed)
        self._update_period_row()
        self.refresh()

    # -- options ---------------------------------------------------------------------
    def options(self) -> ReportOptions:
        as_of = None if self.as_of_today.isChecked() else _pydate(self.as_of.date())
        since = until = None
        if self.kind.currentData() == "visit" and self._custom_period:
            since, until = _pydate(self.since.date()), _pydate(self.until.date())
        return ReportOptions(
            identity=self.identity.currentData(),
            as_of=as_of,
            page_size=self.page_size.currentText(),
            visit_since=since,
            visit_until=until,
            appendix=self.appendix.isChecked(),
        )

    def set_report(self, kind: str) -> None:
        self.kind.setCurrentIndex(self.kind.findData(kind))

    def set_identity(self, identity: str) -> None:
        identity = {"none": "without_name"}.get(identity, identity)  # the old name
        self.identity.setCurrentIndex(self.identity.findData(identity))

    def _data_changed(self, *_: Any) -> None:
        # Rebuilding a long summary takes a moment: do it only when it can be seen.
        if self.isVisible():
            self._schedule()
        else:
            self._stale = True

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self._schedule()

    def _schedule(self, *_: Any) -> None:
        self._update_period_row()
        self._timer.start()

    def _as_of_toggled(self, today: bool) -> None:
        self.as_of.setEnabled(not today)
        self._inputs = None
        self._schedule()

    def _update_period_row(self) -> None:
        visit = self.kind.currentData() == "visit"
        self.period_row.setVisible(visit)
        self.period_label.setVisible(visit)
        self.use_timeline.setEnabled(getattr(self.ctx, "visit_range", None) is not None)

    def _period_edited(self, *_: Any) -> None:
        if self._filling_period:
            return
        self._custom_period = True
        self._schedule()

    _filling_period = False

    def _show_period(self, lo: dt.date, hi: dt.date) -> None:
        self._filling_period = True
        try:
            self.since.setDate(_qdate(lo))
            self.until.setDate(_qdate(hi))
        finally:
            self._filling_period = False

    def _reset_period(self) -> None:
        self._custom_period = False
        self._schedule()

    def _timeline_period(self) -> None:
        rng = getattr(self.ctx, "visit_range", None)
        if rng is None:
            return
        self._show_period(*rng)
        self._custom_period = True
        self._schedule()

    # -- building -------------------------------------------------------------------
    def _job(self):
        """What building the report needs, read on the UI thread; the returned function
        builds it anywhere (no widgets): ``(pages) -> (inputs, document, visit period,
        the document laid out in pages or None)``."""
        opts = self.options()
        kind = self.kind.currentData()
        history = self.ctx.history()
        summary = self.ctx.summary() if opts.as_of is None else None
        store, custom = self.ctx.store, self._custom_period
        ui_thread = self.thread()

        def build(pages: bool = True):
            inputs = load_report_inputs(store, as_of=opts.as_of, summary=summary, history=history)
            # The screening core is fitted to two pages of the chosen paper.
            doc = build_report(
                kind,
                inputs,
                opts,
                count_pages=partial(count_pages, page_size=opts.page_size, in_steps=True),
            )
            period = None
            if kind == "visit" and not custom:
                from journal.reports.visit import visit_period

                period = visit_period(inputs, opts)[:2]
            # Laid out in pages here too: for a long history that is seconds of Qt work
            # that would otherwise stop the window.
            laid = lay_out(doc, opts.page_size, to_thread=ui_thread) if pages else None
            return inputs, doc, period, laid

        return build

    def _take(self, built) -> Document:
        self._inputs, self._doc, period = built[:3]
        if period is not None:
            self._show_period(*period)
        return self._doc

    def document(self) -> Document:
        """The report for the current options (built when options or data changed)."""
        if self._doc is None:
            self._take(self._job()(pages=False))
        return self._doc

    def refresh(self) -> None:
        """Build the report on a worker thread (a long history's screening summary is
        laid out a dozen times to fit its pages), then show its pages."""
        from journal.ui.tasks import run_task

        self._timer.stop()  # a rebuild already scheduled would only repeat this one
        self._doc = None
        self.last_error = None
        self._generation += 1
        generation = self._generation
        self.is_ready = False
        ctx = self.ctx
        if getattr(ctx, "summary_ready", True) is False and hasattr(
            ctx, "load_summary_in_background"
        ):
            ctx.load_summary_in_background(
                lambda: self._alive() and generation == self._generation and self.refresh(),
                lambda exc: self._failed(generation, exc),
            )
            return
        try:
            job = self._job()
        except Exception as exc:
            self._failed(generation, exc)
            return

        def done(built) -> None:
            if generation != self._generation or not self._alive():
                return  # options or data changed meanwhile: a newer build is coming
            if self._doc is None:  # not already built for a copy or a save meanwhile
                self._take(built)
            self._show(generation, built[3])

        run_task(
            None,
            "Making the summary",
            lambda _control: job(),
            on_done=done,
            on_error=lambda exc: self._failed(generation, exc),
            progress=False,
        )

    def _alive(self) -> bool:
        import shiboken6

        return shiboken6.isValid(self)

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation or not self._alive():
            return
        log.error("summary could not be built: %s", type(exc).__name__, exc_info=exc)
        self.last_error = f"The summary could not be made: {exc}"
        self.status.setText(self.last_error)
        self.is_ready = True

    def _show(self, generation: int, laid) -> None:
        doc = self._doc
        self.status.setText(
            f"{doc.title}. Blue values with a small c were computed by the app; "
            "values marked 'override' were corrected by you."
        )
        # Laid out (and its charts drawn) on the worker; a page is painted when seen.
        self._laid = laid
        self.preview.set_pages(laid)
        self.is_ready = True
        self.preview_ready.emit()

    def page_count(self) -> int:
        """Pages of the report shown (wait for ``is_ready`` / ``preview_ready`` first)."""
        return self.preview.pageCount()

    # -- actions --------------------------------------------------------------------
    def print_dialog(self) -> QPrintPreviewDialog:
        doc = self.document()
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dlg = QPrintPreviewDialog(printer, self)
        dlg.setWindowTitle(f"Print — {doc.title}")

        def paint(p: QPrinter) -> None:
            from journal.reports.qt_backend import page_layout

            p.setPageLayout(page_layout(self.page_size.currentText()))
            paint_document(doc, p)

        dlg.paintRequested.connect(paint)
        dlg.open()
        return dlg

    def suggested_name(self) -> str:
        self.document()
        person = self._inputs.history.person if self._inputs else None
        from journal.domain.records import PersonRec

        return suggested_filename(self.kind.currentData(), person or PersonRec(), self.options())

    def save_pdf_dialog(self) -> None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        start = str(Path(folder or Path.home()) / self.suggested_name())
        path, _ = QFileDialog.getSaveFileName(self, "Save summary as PDF", start, "PDF (*.pdf)")
        if path:
            if not path.lower().endswith(".pdf"):
                path += ".pdf"
            from journal.ui.privacy import ask_pdf_protection

            store = getattr(self.ctx, "store", None)
            go, password = ask_pdf_protection(
                self,
                getattr(self.ctx, "settings", None),
                encrypted=getattr(store, "key", None) is not None,
            )
            if go:
                self.save_pdf(Path(path), password=password)

    def save_pdf(self, path: Path, *, background: bool = True, password: str | None = None) -> None:
        """Write the PDF (off the UI thread unless ``background`` is False); ``password``:
        encrypted with it (AES-256)."""
        doc = self.document()
        size = self.page_size.currentText()

        def work(_control: Any = None) -> int:
            return write_pdf(doc, path, page_size=size, password=password)

        def done(pages: int) -> None:
            self.last_saved = path
            self.status.setText(f"Saved {path.name} ({pages} pages) in {path.parent}.")

        def failed(exc: BaseException) -> None:
            self.last_error = str(exc)
            QMessageBox.warning(self, "PDF not saved", f"The PDF was not saved. {exc}")

        if not background:
            done(work())
            return
        from journal.ui.tasks import run_task

        run_task(self, "Saving the PDF…", work, done, failed)

    def copy_text(self) -> str:
        text = render_text(self.document())
        QApplication.clipboard().setText(text)
        self.status.setText("The summary was copied as plain text; paste it anywhere.")
        return text

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_F5:
            self.refresh()
            return
        super().keyPressEvent(event)
