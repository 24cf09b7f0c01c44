"""Blood tests in bulk: paste or open a table, say once what each column holds, look at
the results with their units converted, and import them all in one undoable step.

The reading is :mod:`journal.domain.lab_table`; saving is
``services.actions.add_lab_results`` (one transaction: all or nothing). Results
already in the journal are marked and left out unless the person wants them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from journal.domain import lab_table as lt
from journal.domain.labs import LAB_TESTS
from journal.store import models as m
from journal.ui.unsaved import GuardedForm


def column_choices() -> list[lt.Column]:
    out = [lt.Column(r) for r in (lt.DATE, lt.TEST, lt.VALUE, lt.UNIT, lt.IGNORE)]
    for code, t in LAB_TESTS.items():
        if not t.qualitative:
            out += [lt.Column(lt.VALUE, code, u) for u in t.units]
    return out


class LabImportDialog(GuardedForm, QDialog):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.saved_change = None
        self.rows: list[lt.ImportRow] = []
        self.setWindowTitle("Add blood tests from a table")
        lay = QVBoxLayout(self)
        intro = QLabel(
            "Paste rows copied from a spreadsheet, or open a CSV file. Either one result per "
            "row (date, test, value, unit) or one date per row with a column per test."
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        row = QHBoxLayout()
        self.paste_button = QPushButton("&Paste")
        self.open_button = QPushButton("&Open a file...")
        row.addWidget(self.paste_button)
        row.addWidget(self.open_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("The table (you can correct it here)")
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText("Date, Test, Value, Unit\n14/02/2022, M-protein, 0.9, g/dL")
        self.text.setMaximumHeight(self.fontMetrics().height() * 7)
        # Columns pasted from a spreadsheet line up under their titles.
        self.text.setTabStopDistance(self.fontMetrics().horizontalAdvance("x") * 18)
        lay.addWidget(self.text)
        self.columns_box = QWidget()
        self.columns_grid = QGridLayout(self.columns_box)
        self.columns_grid.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("What each column holds:"))
        lay.addWidget(self.columns_box)
        self.preview = QTableWidget(0, 6)
        self.preview.setHorizontalHeaderLabels(
            ["Date", "Test", "Value", "Unit", "For the rules", "Note"]
        )
        self.preview.setAccessibleName("Results to import")
        self.preview.verticalHeader().hide()
        self.preview.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.preview.horizontalHeader().setStretchLastSection(True)
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        lay.addWidget(self.preview, 1)
        self.skip_duplicates = QCheckBox("Leave out results already in the journal")
        self.skip_duplicates.setChecked(True)
        lay.addWidget(self.skip_duplicates)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("What will be imported")
        lay.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = buttons.addButton("&Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setDefault(True)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.save)
        self.combos: list[QComboBox] = []
        self.table = lt.Table([], [])
        self.paste_button.clicked.connect(lambda: self.set_text(QApplication.clipboard().text()))
        self.open_button.clicked.connect(self.open_file)
        self.text.textChanged.connect(self._table_changed)
        self.skip_duplicates.toggled.connect(lambda _on: self._update())
        from journal.ui.theme import fit_to_screen

        fit_to_screen(self, 820, 640)
        self._update()
        self.mark_clean()

    # -- input ------------------------------------------------------------------------
    def set_text(self, text: str) -> None:
        self.text.setPlainText(text)

    def open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a table", "", "Tables (*.csv *.tsv *.txt);;All files (*)"
        )
        if path:
            self.load_file(path)

    def load_file(self, path: str) -> None:
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            self.status.setText(f"Could not read {Path(path).name}: {exc.strerror or exc}.")
            return
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")  # older spreadsheet exports
        self.set_text(text)

    def _table_changed(self) -> None:
        table = lt.read_table(self.text.toPlainText())
        if table.header != self.table.header:
            self.table = table
            self._build_columns(lt.guess_columns(table))
        self.table = table
        self._update()

    def _build_columns(self, guessed: list[lt.Column]) -> None:
        while self.columns_grid.count():
            w = self.columns_grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.combos = []
        choices = column_choices()
        for i, (title, col) in enumerate(zip(self.table.header, guessed, strict=False)):
            lab = QLabel(title or f"Column {i + 1}")
            combo = QComboBox()
            combo.setAccessibleName(f"Column {title}: holds")
            for c in choices:
                combo.addItem(c.describe(), c)
            combo.setCurrentIndex(max(0, choices.index(col) if col in choices else 4))
            lab.setBuddy(combo)
            combo.currentIndexChanged.connect(lambda _i: self._update())
            self.columns_grid.addWidget(lab, i // 3, (i % 3) * 2)
            self.columns_grid.addWidget(combo, i // 3, (i % 3) * 2 + 1)
            self.combos.append(combo)

    def columns(self) -> list[lt.Column]:
        return [c.currentData() for c in self.combos]

    # -- preview ----------------------------------------------------------------------
    def _update(self) -> None:
        from journal.domain.dates import PartialDate
        from journal.domain.numbers import format_number
        from journal.ui.fields import locale_separators

        existing = [
            (r["date"], r["test"], r["value"], r["unit"]) for r in self.ctx.rows(m.LabResult)
        ]
        self.rows = (
            lt.build_rows(self.table, self.columns(), existing=existing, **locale_separators())
            if self.table.rows
            else []
        )
        self.preview.setRowCount(len(self.rows))
        for i, r in enumerate(self.rows):
            note = r.problem or ("already in the journal" if r.duplicate else r.doubt or "")
            cells = [
                PartialDate.from_iso(r.date).display() if r.date else "",
                LAB_TESTS[r.test].name if r.test else "?",
                r.text_value or (format_number(r.value) if r.value is not None else ""),
                r.unit or "",
                r.converted,
                note,
            ]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j == 5 and (r.problem or r.doubt):
                    item.setForeground(Qt.GlobalColor.red)
                self.preview.setItem(i, j, item)
        self.preview.resizeColumnsToContents()
        problems = [r for r in self.rows if r.problem]
        todo = self.to_import()
        dups = sum(r.duplicate for r in self.rows)
        if not self.rows:
            text = "Nothing to import yet."
        elif problems:
            text = (
                f"{len(problems)} row(s) cannot be read (see Note); correct them in the table "
                "above or say what the column holds. Nothing is imported until all can be read."
            )
        else:
            text = (
                f"{len(todo)} result(s) will be imported in one step (Edit > Undo takes it back)."
            )
            if dups:
                text += f" {dups} already in the journal " + (
                    "will be left out."
                    if self.skip_duplicates.isChecked()
                    else "will be added again."
                )
        self.status.setText(text)
        self.import_button.setEnabled(bool(todo) and not problems)

    def to_import(self) -> list[lt.ImportRow]:
        skip = self.skip_duplicates.isChecked()
        return [r for r in self.rows if not r.problem and not (skip and r.duplicate)]

    # -- saving -----------------------------------------------------------------------
    def confirm_doubtful(self, questions: list[str]) -> bool:
        from journal.ui.special_editors import BloodTestForm

        return BloodTestForm.confirm_doubtful(self, questions)

    def save(self) -> None:
        from journal.services import actions
        from journal.ui.editors import explain_error

        if not self.import_button.isEnabled():
            return
        todo = self.to_import()
        doubts = [f"Row {r.line}: {r.doubt}" for r in todo if r.doubt]
        if doubts and not self.confirm_doubtful(doubts):
            return
        records = [
            m.LabResult(
                date=r.date,
                test=r.test,
                value=r.value,
                text_value=r.text_value,
                unit=r.unit,
                context="none",
            )
            for r in todo
        ]
        try:
            self.saved_change = self.ctx.apply(actions.add_lab_results, records)
        except Exception as exc:
            per, general = explain_error(exc)
            self.status.setText("Not imported: " + " ".join(general + list(per.values())))
            return
        self.accept()


def open_lab_import(ctx, parent=None) -> bool:
    dlg = LabImportDialog(ctx, parent)
    return dlg.exec() == QDialog.DialogCode.Accepted
