"""The Trials page: the trial records brought, and one trial's criteria beside your facts.

Top: the trials, with how many criteria do not meet / are not recorded / are to discuss
(sortable, to compare several). Below: the checklist of the chosen trial beside its original
text, and the reasons behind the chosen criterion. The app never fetches anything: the page
says how to save a record from the registry in a browser, and opens the study's page in the
browser only when asked. It never says whether a person can take part.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from journal.services import trials as svc
from journal.trials.checklist import (
    DOES_NOT_MEET,
    MEETS,
    NOT_RECORDED,
    STATUS_WORDS,
    STATUSES,
    TO_DISCUSS,
    Checklist,
    Item,
    record_age_days,
)
from journal.trials.criteria import unescape
from journal.trials.record import EXPANDED_ACCESS_PLAIN, RecordError
from journal.ui.timeline_view import FlowLayout

log = logging.getLogger(__name__)

HOW_TO_SAVE = (
    "<p><b>How to bring a trial's record</b> (the app never goes online itself):</p><ol>"
    "<li>Find the study on <b>clinicaltrials.gov</b>: search by condition (for example "
    "“multiple myeloma”) and by place. Each study has a number such as NCT04181827.</li>"
    "<li>In your browser, open <b>clinicaltrials.gov/api/v2/studies/NCT04181827</b> "
    "(with the study's own number) and save the page (File → Save page as…). That file is "
    "the study's record.</li>"
    "<li>Press <b>Bring a record…</b> here and choose the saved file. A saved search page or "
    "the registry's big download (ctg-studies.json.zip) works too; for the zip you give the "
    "study number.</li></ol>"
    "<p>Records change often and the app cannot refresh them: the list shows how old each "
    "one is. Bring a newer copy whenever you like; your answers are kept.</p>"
)
STATUS_MARK = {
    MEETS: "✓ meets",
    DOES_NOT_MEET: "✗ does not meet",
    NOT_RECORDED: "? not recorded",
    TO_DISCUSS: "… to discuss",
}
COLUMNS = (
    "Trial",
    "Does not meet",
    "Not recorded",
    "To discuss",
    "Meets",
    "Record age (days)",
    "Title",
)
TRIAL_TABLES = frozenset({"trial_study", "trial_answer"})


def _num_item(value: int | None) -> QTableWidgetItem:
    it = QTableWidgetItem()
    # Numbers sort as numbers; a missing age sorts last.
    it.setData(Qt.ItemDataRole.DisplayRole, value if value is not None else 99999)
    if value is None:
        it.setText("unknown")
    return it


class AnswerDialog(QDialog):
    """Your own answer to one criterion, with a note; shown as yours, never as computed."""

    def __init__(self, item: Item, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Your answer")
        self.setAccessibleName("Your answer to a criterion")
        form = QFormLayout(self)
        words = QLabel(item.criterion.text)
        words.setWordWrap(True)
        form.addRow("Criterion:", words)
        self.status = QComboBox()
        self.status.setAccessibleName("Your answer")
        self.status.addItem("No answer of mine (use the computed one)", None)
        for s in STATUSES:
            self.status.addItem(STATUS_WORDS[s], s)
        if item.answer is not None:
            self.status.setCurrentIndex(self.status.findData(item.answer.status))
        form.addRow("Your answer:", self.status)
        self.note = QPlainTextEdit(item.answer.note if item.answer else "")
        self.note.setAccessibleName("Your note")
        self.note.setPlaceholderText("Why, and who told you (for example: the study nurse said …)")
        form.addRow("Note:", self.note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def value(self) -> tuple[str | None, str]:
        return self.status.currentData(), self.note.toPlainText()


class TrialsPage(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName("Trials")
        self._summary = None
        self._trials: list[svc.StoredTrial] = []
        self._checklist: Checklist | None = None
        self._items: list[Item] = []
        self.last_error: str | None = None

        intro = QLabel(
            "Bring a trial's record from ClinicalTrials.gov and see each of its criteria beside "
            "what your journal records. The study team decides who can take part; this "
            "prepares the conversation."
        )
        intro.setWordWrap(True)

        self.bring = QPushButton("Bring a record…")
        self.bring.setAccessibleName("Bring a trial record from a saved file")
        self.how = QPushButton("How to save a record")
        self.how.setAccessibleName("How to save a trial record in a browser")
        self.open_page = QPushButton("Open the study's page")
        self.open_page.setAccessibleName(
            "Open the study's page on ClinicalTrials.gov in the browser"
        )
        self.answer = QPushButton("Your answer…")
        self.answer.setAccessibleName("Give your own answer to the chosen criterion")
        self.pdf = QPushButton("Checklist as PDF…")
        self.pdf.setAccessibleName(
            "Save the chosen trial's checklist as a PDF to bring to the call"
        )
        self.remove = QPushButton("Remove trial")
        self.remove.setAccessibleName("Remove the chosen trial and your answers to it")
        bar = QWidget()
        flow = FlowLayout(bar)
        for b in (self.bring, self.how, self.open_page, self.answer, self.pdf, self.remove):
            flow.addWidget(b)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName("Trials brought")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSortingEnabled(True)
        self.table.setMinimumHeight(60)

        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.info.setAccessibleName("About the chosen trial's record")
        self.info.setMinimumWidth(50)

        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Criteria of the chosen trial")
        self.tree.setHeaderLabels(["Status", "Criterion"])
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.setMinimumWidth(60)
        self.original = QPlainTextEdit()
        self.original.setReadOnly(True)
        self.original.setAccessibleName("The trial's original criteria text")
        self.original.setMinimumWidth(60)
        self.detail = QTextBrowser()
        self.detail.setAccessibleName("Why: the facts behind the chosen criterion")
        self.detail.setOpenExternalLinks(False)
        self.detail.setMinimumHeight(40)

        beside = QSplitter(Qt.Orientation.Horizontal)
        beside.addWidget(self.tree)
        beside.addWidget(self.original)
        beside.setStretchFactor(0, 3)
        beside.setStretchFactor(1, 2)
        beside.setChildrenCollapsible(False)
        lower = QSplitter(Qt.Orientation.Vertical)
        lower.addWidget(beside)
        lower.addWidget(self.detail)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 1)
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(self.table)
        top_of_lower = QWidget()
        box = QVBoxLayout(top_of_lower)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.info)
        box.addWidget(lower, 1)
        main.addWidget(top_of_lower)
        main.setStretchFactor(0, 1)
        main.setStretchFactor(1, 4)
        main.setChildrenCollapsible(False)
        rows = self.fontMetrics().height() * 7  # room for about five trials before scrolling
        main.setSizes([rows, rows * 4])
        lower.setSizes([rows * 3, rows])

        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(bar)
        lay.addWidget(main, 1)

        self.bring.clicked.connect(self.bring_dialog)
        self.how.clicked.connect(self.show_how)
        self.open_page.clicked.connect(self.open_study_page)
        self.answer.clicked.connect(self.answer_dialog)
        self.remove.clicked.connect(self.remove_trial)
        self.pdf.clicked.connect(self.save_pdf_dialog)
        self.table.itemSelectionChanged.connect(self._show_selected_trial)
        self.tree.currentItemChanged.connect(lambda *_: self._show_detail())
        self.tree.itemDoubleClicked.connect(lambda *_: self.answer_dialog())
        ctx.changed.connect(self._on_change)
        self.setAcceptDrops(True)  # a saved record can be dropped on the page
        self.refresh()

    # -- data ---------------------------------------------------------------------------
    def summary(self):
        if self._summary is None:
            self._summary = self.ctx.summary()
        return self._summary

    def _on_change(self, change) -> None:
        tables = getattr(change, "tables", None)
        if not (tables and set(tables) <= TRIAL_TABLES):
            self._summary = None  # the record changed: the facts must be worked out again
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True  # worked out when the page is shown again, not on every edit

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        if getattr(self, "_stale", False):
            self._stale = False
            self.refresh()
        super().showEvent(event)

    def refresh(self) -> None:
        chosen = self.current_nct()
        self._trials = svc.list_trials(self.ctx.store)
        summary = self.summary()
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(self._trials))
        self._built: dict[str, Checklist] = {}
        for row, t in enumerate(self._trials):
            cl = self._built[t.nct_id] = svc.trial_checklist(self.ctx.store, t, summary)
            counts = cl.counts()
            nct = QTableWidgetItem(t.nct_id)
            nct.setData(Qt.ItemDataRole.UserRole, t.nct_id)
            self.table.setItem(row, 0, nct)
            for col, key in enumerate((DOES_NOT_MEET, NOT_RECORDED, TO_DISCUSS, MEETS), start=1):
                self.table.setItem(row, col, _num_item(counts[key]))
            self.table.setItem(row, 5, _num_item(record_age_days(t.record, summary.as_of)))
            title = t.record.title + ("  (expanded access)" if t.record.expanded_access else "")
            cell = QTableWidgetItem(title)
            cell.setToolTip(title)
            self.table.setItem(row, 6, cell)
        self.table.setSortingEnabled(True)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(6, min(self.table.columnWidth(6), 260))
        if self._trials:
            self.select_trial(chosen or self._trials[0].nct_id)
        else:
            self._checklist = None
            self._fill_checklist()
        self._sync_buttons()

    def current_nct(self) -> str | None:
        row = self.table.currentRow()
        it = self.table.item(row, 0) if row >= 0 else None
        return it.data(Qt.ItemDataRole.UserRole) if it else None

    def select_trial(self, nct: str) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == nct:
                self.table.selectRow(row)
                self.table.setCurrentCell(row, 0)
                self._show_selected_trial()
                return

    def _show_selected_trial(self) -> None:
        nct = self.current_nct()
        trial = next((t for t in self._trials if t.nct_id == nct), None)
        built = getattr(self, "_built", {})
        if trial is None:
            self._checklist = None
        elif trial.nct_id in built:  # worked out for the list a moment ago
            self._checklist = built[trial.nct_id]
        else:
            self._checklist = svc.trial_checklist(self.ctx.store, trial, self.summary())
        self._brought = trial.brought_at if trial else None
        self._fill_checklist()
        self._sync_buttons()

    def _fill_checklist(self) -> None:
        self.tree.clear()
        self._items = []
        cl = self._checklist
        if cl is None:
            self.info.setText(
                "No trial yet. Press <b>Bring a record…</b>, or <b>How to save a record</b> "
                "to see how to get one."
            )
            self.original.setPlainText("")
            self.detail.setHtml(HOW_TO_SAVE)
            return
        r = cl.record
        age = record_age_days(r, cl.as_of)
        bits = [f"<b>{html.escape(r.nct_id)}</b> {html.escape(r.title)}"]
        facts = []
        if r.status_label:
            facts.append(html.escape(r.status_label))
        if r.phase_label:
            facts.append(html.escape(r.phase_label))
        if r.last_update:
            facts.append(
                f"registry record last updated {html.escape(r.last_update)}"
                + (f" ({age} days before {cl.as_of.isoformat()})" if age is not None else "")
            )
        if self._brought:
            facts.append(f"brought {html.escape(self._brought[:10])}")
        bits.append("; ".join(facts))
        if r.expanded_access:
            bits.append(f"<b>Expanded access.</b> {html.escape(EXPANDED_ACCESS_PLAIN)}")
        for note in cl.notes:
            if note != EXPANDED_ACCESS_PLAIN:
                bits.append(html.escape(note))
        c = cl.counts()
        bits.append(
            f"Does not meet {c[DOES_NOT_MEET]} · not recorded {c[NOT_RECORDED]} · "
            f"to discuss {c[TO_DISCUSS]} · meets {c[MEETS]} (your facts as of {cl.as_of.isoformat()})"
        )
        self.info.setText("<br>".join(bits))
        # As the registry's own page shows it: the stored Markdown escapes (\>) taken out.
        self.original.setPlainText(
            unescape(r.criteria) if r.criteria else "This record has no criteria text."
        )

        nodes: dict[int, QTreeWidgetItem] = {}
        last_section = None
        for it in cl.all_items():
            crit = it.criterion
            mark = STATUS_MARK[it.shown_status] + (" (yours)" if it.answer else "")
            node = QTreeWidgetItem([mark, crit.text])
            node.setToolTip(1, crit.text)
            node.setData(0, Qt.ItemDataRole.UserRole, len(self._items))
            self._items.append(it)
            parent = nodes.get(crit.parent) if crit.parent is not None else None
            if parent is not None:
                parent.addChild(node)
            else:
                if crit.section != last_section:
                    head = QTreeWidgetItem(["", crit.section or crit.kind])
                    head.setFirstColumnSpanned(True)
                    f = head.font(0)
                    f.setBold(True)
                    head.setFont(0, f)
                    self.tree.addTopLevelItem(head)
                    last_section = crit.section
                self.tree.addTopLevelItem(node)
            nodes[crit.index] = node
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        first = next((n for n in nodes.values()), None)
        if first is not None:
            self.tree.setCurrentItem(first)
        self._show_detail()

    def current_item(self) -> Item | None:
        node = self.tree.currentItem()
        if node is None:
            return None
        idx = node.data(0, Qt.ItemDataRole.UserRole)
        return self._items[idx] if isinstance(idx, int) else None

    def _show_detail(self) -> None:
        it = self.current_item()
        self.answer.setEnabled(it is not None)
        if it is None:
            if self._checklist is not None:
                self.detail.setHtml("<p>Choose a criterion to see the facts behind it.</p>")
            return
        self.detail.setHtml(item_html(it))

    def _sync_buttons(self) -> None:
        has = self._checklist is not None
        self.open_page.setEnabled(has)
        self.remove.setEnabled(has)
        self.pdf.setEnabled(has)
        self.answer.setEnabled(has and self.current_item() is not None)

    # -- drag and drop -------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt override
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.bring_file(url.toLocalFile())
        event.acceptProposedAction()

    # -- actions --------------------------------------------------------------------------
    def show_how(self) -> None:
        QMessageBox.information(self, "How to save a record", HOW_TO_SAVE)

    def open_study_page(self) -> bool:
        if self._checklist is None:
            return False
        return QDesktopServices.openUrl(QUrl(self._checklist.record.url))

    def bring_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Bring a trial record",
            str(Path.home()),
            "Study records (*.json *.xml *.zip);;All files (*)",
        )
        if path:
            self.bring_file(path)

    def bring_file(self, path: str, nct: str | None = None) -> list[str]:
        """Bring every study in ``path``; on a bad file, one message and nothing changed."""
        try:
            records = svc.read_record_file(path, nct)
        except RecordError as e:
            if "Name the one to bring" in str(e) and nct is None:
                number, ok = QInputDialog.getText(self, "Which study?", str(e) + "\n\nNCT number:")
                if ok and number.strip():
                    return self.bring_file(path, number.strip())
                return []
            self._warn(f"{e} Nothing was changed.")
            return []
        brought = []
        for rec in records:
            if self.ctx.try_apply(svc.add_trial_record, rec, source_name=path) is not None:
                brought.append(rec.nct_id)
        if brought:
            self.select_trial(brought[0])
        return brought

    def answer_dialog(self) -> None:
        it = self.current_item()
        if it is None or self._checklist is None:
            return
        dlg = AnswerDialog(it, self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        status, note = dlg.value()
        self.give_answer(it, status, note)

    def give_answer(self, it: Item, status: str | None, note: str) -> None:
        nct = self._checklist.record.nct_id
        keep = it.criterion.index
        self.ctx.try_apply(
            svc.answer_criterion, nct, keep, status, note, criterion_text=it.criterion.text
        )
        self._select_criterion(keep)

    def _select_criterion(self, index: int) -> None:
        for i, it in enumerate(self._items):
            if it.criterion.index == index:
                found = self.tree.findItems(
                    "*", Qt.MatchFlag.MatchWildcard | Qt.MatchFlag.MatchRecursive
                )
                for node in found:
                    if node.data(0, Qt.ItemDataRole.UserRole) == i:
                        self.tree.setCurrentItem(node)
                        return

    def remove_trial(self, confirm: bool = True) -> None:
        if self._checklist is None:
            return
        nct = self._checklist.record.nct_id
        if confirm:
            ok = QMessageBox.question(
                self, "Remove trial", f"Remove {nct} and your answers to it? (Undo brings it back.)"
            )
            if ok != QMessageBox.StandardButton.Yes:
                return
        self.ctx.try_apply(svc.remove_trial, nct)

    def save_pdf_dialog(self) -> None:
        if self._checklist is None:
            return
        name = f"TreatmentJournal-trial-{self._checklist.record.nct_id}-{self._checklist.as_of.isoformat()}.pdf"
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the checklist", str(Path.home() / name), "PDF (*.pdf)"
        )
        if path:
            self.save_pdf(path)

    def save_pdf(self, path: str, identity: str = "full") -> int | None:
        """Write the chosen trial's checklist (1-2 pages) atomically; None on failure."""
        from journal.reports.inputs import ReportOptions
        from journal.reports.qt_backend import write_pdf
        from journal.reports.trial_checklist import build_trial_checklist

        cl = self._checklist
        if cl is None:
            return None
        opts = ReportOptions(identity=identity, as_of=cl.as_of)
        doc = build_trial_checklist(cl, self.summary().history.person, opts, self._brought)
        try:
            return write_pdf(doc, path)
        except OSError as e:
            self._warn(str(e))
            return None

    def _warn(self, text: str) -> None:
        self.last_error = text
        log.info("trial record refused")  # no file names or patient text in logs
        box = QMessageBox(
            QMessageBox.Icon.Warning, "The record could not be brought", text, parent=self
        )
        box.setModal(False)
        box.show()


def item_html(it: Item) -> str:
    """The reasons behind one criterion, as the "Why?" panels show them."""
    c = it.criterion
    kind = {"inclusion": "Inclusion criterion", "exclusion": "Exclusion criterion"}.get(
        c.kind, "Criterion (the text does not say inclusion or exclusion)"
    )
    parts = [
        f"<p><b>{html.escape(kind)}:</b> {html.escape(c.text)}</p>",
        f"<p><b>Computed: {html.escape(STATUS_WORDS[it.status])}.</b> {html.escape(it.explanation)}</p>",
    ]
    if it.missing:
        parts.append(f"<p>Not in the journal: {html.escape(it.missing)}.</p>")
    if it.facts:
        rows = "".join(f"<li>{html.escape(f.display())}</li>" for f in it.facts)
        parts.append(f"<p><b>Facts used</b></p><ul>{rows}</ul>")
        traces = [f.trace for f in it.facts if f.trace is not None]
        if traces:
            why = "".join(
                f"<li>{html.escape(t.explanation)} <small>({html.escape(t.rule)}; {html.escape(t.source.short)})</small></li>"
                for t in traces
            )
            parts.append(f"<p><b>Why</b></p><ul>{why}</ul>")
    if it.answer is not None:
        when = f" on {html.escape(it.answer.answered)}" if it.answer.answered else ""
        note = f": “{html.escape(it.answer.note)}”" if it.answer.note else ""
        parts.append(
            f"<p><b>Your answer{when}: {html.escape(STATUS_WORDS[it.answer.status])}</b>{note}</p>"
        )
    parts.append(
        f"<p><small>{html.escape(it.trace.rule)} · {html.escape(it.trace.source.short)}</small></p>"
    )
    return "".join(parts)
