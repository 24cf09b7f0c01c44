"""Record lists: a sortable, filterable table with Add / Edit / Delete.

Double-click or Enter opens the editor; Delete asks first and is one undoable
step. The list reloads when the journal changes.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from journal.store import models as m
from journal.ui.fields import EnterDoes
from journal.ui.kinds import Kind
from journal.ui.table_model import ID_ROLE, RecordProxyModel, RecordTableModel


def editor_class(kind: Kind):
    from journal.ui.editors import RecordEditor
    from journal.ui.special_editors import SPECIAL

    return SPECIAL.get(kind.key, RecordEditor)


def open_record_editor(ctx, kind: Kind, row: dict | None, parent=None) -> bool:
    dlg = editor_class(kind)(ctx, kind, row, parent)
    return dlg.exec() == dlg.DialogCode.Accepted


def lookups_for(ctx, kind: Kind) -> dict[str, dict]:
    names = {c[0] for c in kind.columns}
    out: dict[str, dict] = {}
    if "regimen_id" in names or "part_of_id" in names:
        regs = {r["id"]: r["name"] for r in ctx.rows(m.Regimen)}
        out["regimen_id"] = out["part_of_id"] = regs
    if "regimen_drug_id" in names:
        out["regimen_drug_id"] = {
            r["id"]: r.get("name") or r.get("drug_id") for r in ctx.rows(m.RegimenDrug)
        }
    if "product" in names:
        from journal.domain.catalog import get_catalog

        out["product"] = {d.id: d.generic for d in get_catalog().drugs}
    if kind.key == "lab":
        from journal.domain.labs import LAB_TESTS

        out["test"] = {code: t.name for code, t in LAB_TESTS.items()}
    return out


class RecordTable(QTableView):
    """The list's table; when it shows no rows it says why, instead of an empty grid."""

    empty_text = ""

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        model = self.model()
        if model is None or model.rowCount() or not self.empty_text:
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))  # full contrast
        rect = self.viewport().rect().adjusted(12, 12, -12, -12)
        painter.drawText(
            rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.empty_text
        )
        painter.end()


class RecordList(QWidget):
    def __init__(
        self, ctx, kind: Kind, title: str, hint: str = "", parent=None, *, where: dict | None = None
    ):
        super().__init__(parent)
        self.ctx, self.kind = ctx, kind
        self.where = dict(where or {})  # show only these rows; new rows start with these values
        self.setAccessibleName(title)
        lay = QVBoxLayout(self)
        head = QHBoxLayout()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Type to find...")
        self.filter.setAccessibleName(f"Find in {title}")
        self.filter.setClearButtonEnabled(True)
        # Ctrl+F (Edit > Find) reaches this box; an Alt+F mnemonic would open the File menu.
        self.filter.setObjectName("find")
        find_label = QLabel("Find (Ctrl+F):")
        find_label.setBuddy(self.filter)
        head.addWidget(find_label)
        head.addWidget(self.filter, 1)
        lay.addLayout(head)
        if hint:
            h = QLabel(hint)
            h.setWordWrap(True)
            h.setProperty("role", "hint")
            lay.addWidget(h)

        self.model = RecordTableModel(kind, self)
        self.proxy = RecordProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.view = RecordTable()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setTabKeyNavigation(False)  # Tab leaves the table, arrows move inside
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        # Column widths fit the rows on screen and the next 100, not all 5000 lab rows.
        self.view.horizontalHeader().setResizeContentsPrecision(100)
        self.view.verticalHeader().hide()
        self.view.setAccessibleName(f"{title} list")
        self.view.setAccessibleDescription("Arrow keys choose a row; Enter opens it.")
        lay.addWidget(self.view, 1)

        buttons = QHBoxLayout()
        self.add_button = QPushButton(f"&Add {kind.noun}...")
        self.edit_button = QPushButton("&Edit...")
        self.delete_button = QPushButton("&Delete...")
        for b, desc in (
            (self.add_button, f"Add a new {kind.noun}"),
            (self.edit_button, "Open the chosen row"),
            (self.delete_button, "Delete the chosen row (can be undone)"),
        ):
            b.setAccessibleName(b.text().replace("&", "").rstrip("."))
            b.setAccessibleDescription(desc)
            b.setToolTip(desc)
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay.addLayout(buttons)

        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.filter.textChanged.connect(self._update_empty_text)
        self.view.doubleClicked.connect(self._open_index)
        EnterDoes(self.view, self.edit_current)
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit_current)
        self.delete_button.clicked.connect(self.delete_current)
        ctx.changed.connect(self._on_change)
        self._fitted = False
        if kind.sort_field:  # chosen before the rows arrive, so they are sorted once
            col = next((i for i, c in enumerate(kind.columns) if c[0] == kind.sort_field), 0)
            self.view.sortByColumn(col, Qt.SortOrder.DescendingOrder)
        self.reload()

    # -- data ---------------------------------------------------------------------
    def reload(self) -> None:
        rows = self.ctx.rows(self.kind.table, self.where or None)
        self.model.set_rows(rows, lookups_for(self.ctx, self.kind))
        self.view.resizeColumnsToContents()
        self._update_empty_text()
        if self.view.isVisible():
            self.fit_columns()

    def _update_empty_text(self) -> None:
        add = self.add_button.text().replace("&", "")
        if self.filter.text() and self.model.rowCount():
            text = (
                f"Nothing matches \u201c{self.filter.text()}\u201d. Clear the Find box to see all."
            )
        else:
            text = f"Nothing recorded here yet. Press \u201c{add}\u201d below to add one."
        self.view.empty_text = text
        self.view.setAccessibleDescription(
            "Arrow keys choose a row; Enter opens it." if self.proxy.rowCount() else text
        )
        self.view.viewport().update()

    def fit_columns(self) -> None:
        """Narrow the widest columns (their text then ends in '...', whole in the tooltip)
        until the table fits its width, so no column hides past the right edge at a
        large text size. Columns keep at least ten letters."""
        header = self.view.horizontalHeader()
        room = self.view.viewport().width()
        widths = [header.sectionSize(i) for i in range(header.count())]
        if room < 50 or sum(widths) <= room:
            return
        floor = self.view.fontMetrics().horizontalAdvance("x") * 10
        lo, hi = floor, max(widths)
        while hi - lo > 1:  # the largest cap at which everything fits
            mid = (lo + hi) // 2
            if sum(min(w, mid) for w in widths) <= room:
                lo = mid
            else:
                hi = mid
        for i, w in enumerate(widths):
            if w > lo:
                header.resizeSection(i, lo)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._fitted:  # the first time the table has its real width
            self._fitted = True
            QTimer.singleShot(0, self.fit_columns)

    def _on_change(self, change) -> None:
        tables = getattr(change, "tables", None)
        if (
            change is None
            or not tables
            or self.kind.table.__tablename__ in tables
            or any(t in tables for t in ("regimen", "regimendrug"))
        ):
            self.reload()

    def current_row(self) -> dict | None:
        idx = self.view.currentIndex()
        if not idx.isValid():
            return None
        row_id = self.proxy.data(idx, ID_ROLE)
        for r in self.model._rows:
            if r.get("id") == row_id:
                return r
        return None

    # -- actions ------------------------------------------------------------------
    def _open_index(self, index: QModelIndex) -> None:
        self.view.setCurrentIndex(index)
        self.edit_current()

    def add(self) -> None:
        start = {**self.kind.defaults, **self.where} if self.where else None
        open_record_editor(self.ctx, self.kind, start, self)

    def edit_current(self) -> None:
        row = self.current_row()
        if row is not None:
            open_record_editor(self.ctx, self.kind, row, self)

    def delete_current(self) -> None:
        row = self.current_row()
        if row is None:
            return
        label = self.kind.label("Delete", row)
        answer = QMessageBox.question(
            self,
            label,
            f"{label}?\n\nYou can bring it back with Edit > Undo.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_row(row)

    def delete_row(self, row: dict) -> None:
        from journal.services import actions

        self.ctx.try_apply(
            actions.delete, self.kind.table, row["id"], label=self.kind.label("Delete", row)
        )
