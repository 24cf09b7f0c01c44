"""File > Import results from portal..., File > Export > CSV / FHIR.

The reading, matching and writing are :mod:`journal.interop` and the services;
this module only asks for files, runs the work in the background and shows the
preview: what will be added, what is already in the journal, what cannot be
read and why, and the medicines and procedures found (to add by hand, never
added by themselves). Importing is one undoable step.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

PORTAL_FILTER = "Portal downloads (*.json *.ndjson *.csv *.txt *.tsv);;All files (*)"


def _table(headers: list[str], rows: list[list[str]], name: str) -> QTableWidget:
    t = QTableWidget(len(rows), len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setAccessibleName(name)
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    t.verticalHeader().setVisible(False)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            t.setItem(r, c, QTableWidgetItem(text))
    t.horizontalHeader().setStretchLastSection(True)
    t.resizeColumnsToContents()
    return t


class ResultsPreviewDialog(QDialog):
    """The preview of a portal download; Import adds the "to add" results in one step."""

    def __init__(self, preview, parent: QWidget | None = None, ctx=None):
        super().__init__(parent)
        self.preview = preview
        self.ctx = ctx
        self.setWindowTitle("Import results from portal")
        self.setAccessibleName("Import results preview")
        lay = QVBoxLayout(self)
        head = QLabel(preview.summary())
        head.setWordWrap(True)
        head.setAccessibleName("Summary of the file")
        lay.addWidget(head)
        for note in preview.notes:
            n = QLabel(note)
            n.setWordWrap(True)
            lay.addWidget(n)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("What the file holds")
        add_rows = [
            [_day(c.date), c.test_name, _value(c), c.note or "", c.where] for c in preview.to_add
        ]
        self.tabs.addTab(
            _table(["Date", "Test", "Result", "Note", "In the file"], add_rows, "Results to add"),
            f"To add ({len(add_rows)})",
        )
        dup_rows = [
            [_day(c.date), c.test_name, _value(c), why, c.where] for c, why in preview.duplicates
        ]
        self.tabs.addTab(
            _table(["Date", "Test", "Result", "Why", "In the file"], dup_rows, "Already there"),
            f"Already there ({len(dup_rows)})",
        )
        bad_rows = [[u.where, u.why] for u in preview.unreadable]
        self.tabs.addTab(
            _table(["In the file", "Why it cannot be read"], bad_rows, "Could not be read"),
            f"Cannot be read ({len(bad_rows)})",
        )
        sug_rows = [
            [s.name, s.kind, _day(s.start), _day(s.end), s.where] for s in preview.suggestions
        ]
        self.suggestion_table = _table(
            ["Name", "Add as", "From", "To", "In the file"],
            sug_rows,
            "Medicines and procedures found",
        )
        self.tabs.addTab(self.suggestion_table, f"Medicines and procedures ({len(sug_rows)})")
        lay.addWidget(self.tabs)
        if preview.suggestions:
            hint = QLabel(
                "Medicines and procedures are not added by this import: add them as "
                "regimens or procedures yourself if they belong in your journal."
            )
            hint.setWordWrap(True)
            lay.addWidget(hint)
            self.add_suggestion = QPushButton("&Add the chosen one yourself...")
            self.add_suggestion.setAccessibleName("Add the chosen medicine or procedure")
            self.add_suggestion.setToolTip(
                "Opens the regimen or procedure form filled in from the file, to check and save"
            )
            self.add_suggestion.setEnabled(False)
            self.suggestion_table.itemSelectionChanged.connect(
                lambda: self.add_suggestion.setEnabled(
                    ctx is not None and bool(self.suggestion_table.selectedItems())
                )
            )
            self.add_suggestion.clicked.connect(self._add_chosen)
            lay.addWidget(self.add_suggestion)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        n = len(preview.to_add)
        self.import_button = self.buttons.addButton(
            f"Import {n} result{'s' if n != 1 else ''}", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.import_button.setEnabled(n > 0)
        self.import_button.setDefault(n > 0)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.resize(760, 480)

    def _add_chosen(self) -> None:
        rows = {i.row() for i in self.suggestion_table.selectedItems()}
        if rows and self.ctx is not None:
            open_suggestion(self.ctx, self.preview.suggestions[min(rows)], self)


def open_suggestion(ctx, suggestion, parent=None) -> bool:
    """The regimen or procedure form, filled in from a suggestion; the person saves it."""
    from journal.ui.editors import _model_defaults
    from journal.ui.kinds import KINDS
    from journal.ui.lists import editor_class

    kind = KINDS[suggestion.kind]
    row = {**_model_defaults(kind.table), **kind.defaults}
    if suggestion.kind == "regimen":
        row.update(name=suggestion.name, start=suggestion.start, end=suggestion.end)
    else:
        row.update(kind="other", date=suggestion.start, end=suggestion.end, notes=suggestion.name)
    dlg = editor_class(kind)(ctx, kind, row, parent)
    if suggestion.kind == "regimen" and hasattr(dlg, "search"):
        dlg.search.setText(suggestion.name)  # the catalog offers the matching drug
    return dlg.exec() == QDialog.DialogCode.Accepted


def _day(text: str | None) -> str:
    from journal.domain.dates import PartialDate

    return PartialDate.from_iso(text).display() if text else ""


def _value(c) -> str:
    return c.text_value if c.value is None else f"{c.value:g} {c.unit}"


def import_results(window, ctx, path: str | None = None) -> None:
    """Ask for a portal download, read it in the background, preview, import on OK."""
    if ctx is None:
        return
    if not path:
        path, _ = QFileDialog.getOpenFileName(
            window, "Import results from a patient portal", "", PORTAL_FILTER
        )
    if not path:
        return
    from journal.ui.tasks import run_task

    def work(control):
        from journal.interop.portal import preview_file

        control.report(0, 0, "Reading the results...")
        return preview_file(ctx.store, path)

    def done(preview) -> None:
        dlg = ResultsPreviewDialog(preview, window, ctx)
        if dlg.exec() == QDialog.DialogCode.Accepted and preview.to_add:
            apply_preview(window, ctx, preview)

    def failed(exc: BaseException) -> None:
        QMessageBox.warning(window, "Nothing was imported", str(exc))

    run_task(window, "Reading results...", work, on_done=done, on_error=failed)


def apply_preview(window, ctx, preview):
    """Add the preview's results as one undoable step; a problem is shown, nothing saved."""
    from journal.errors import JournalError
    from journal.services.results import import_lab_results
    from journal.store.validation import RecordError

    try:
        return ctx.apply(import_lab_results, preview.rows(), preview.source)
    except (RecordError, JournalError) as exc:
        QMessageBox.warning(window, "Nothing was imported", str(exc))
        return None


def export_as(window, ctx, fmt: str) -> None:
    """File > Export > CSV (zip) or FHIR R4 (JSON), written in the background, atomically."""
    if ctx is None:
        return
    title, name, filt = {
        "csv": ("Export for spreadsheets (CSV)", "journal-csv.zip", "Zip of CSV files (*.zip)"),
        "fhir": ("Export as FHIR R4", "treatment-journal-fhir-R4.json", "FHIR JSON (*.json)"),
    }[fmt]
    out, _ = QFileDialog.getSaveFileName(window, title, name, filt)
    if not out:
        return
    from journal.ui.privacy import note_plain_export
    from journal.ui.tasks import run_task

    # Once, as for the journal export: these files are not encrypted, even from an
    # encrypted journal.
    note_plain_export(
        window, getattr(window, "settings", None), encrypted=ctx.store.key is not None
    )

    def work(control):
        control.report(0, 0, "Writing the export file...")
        return write_export_file(ctx.store, fmt, out)

    run_task(
        window,
        "Exporting...",
        work,
        on_done=lambda p: QMessageBox.information(window, "Exported", f"Saved to\n{p}"),
        on_error=lambda e: QMessageBox.warning(window, "Export failed", str(e)),
    )


def write_export_file(store, fmt: str, out: str):
    import json

    from journal.store.exchange import write_atomic

    if fmt == "csv":
        from journal.interop.csv_export import export_csv_zip

        return write_atomic(out, export_csv_zip(store))
    from journal.interop.fhir_export import export_fhir

    return write_atomic(out, json.dumps(export_fhir(store), ensure_ascii=False, indent=1) + "\n")


__all__ = [
    "ResultsPreviewDialog",
    "apply_preview",
    "export_as",
    "import_results",
    "open_suggestion",
    "write_export_file",
]
