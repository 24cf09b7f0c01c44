"""Table models for the record lists (thin, tested with qtmodeltester, as in Vorta)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from journal.domain.dates import DateError, PartialDate
from journal.ui.kinds import Kind

ID_ROLE = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex


def format_value(kind: Kind, name: str, value: Any, lookups: dict[str, dict]) -> str:
    if value is None:
        return ""
    spec = next((f for f in kind.fields if f.name == name), None)
    ftype = spec.kind if spec else ("date" if name in ("date", "created_at") else "text")
    if name in lookups:
        return str(lookups[name].get(value, value))
    if spec is not None and spec.labels:  # the plainer words the editor shows, too
        return dict(spec.labels).get(value, str(value))
    if ftype == "date":
        try:
            return PartialDate.from_iso(value).display()
        except DateError:
            return str(value)
    if ftype == "bool" or isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def sort_value(kind: Kind, name: str, value: Any) -> Any:
    spec = next((f for f in kind.fields if f.name == name), None)
    if value is None:
        return (0, "")
    if spec is not None and spec.kind == "date":
        try:
            return (1, PartialDate.from_iso(value).sort_key())
        except DateError:
            return (1, (0, 0, 0))
    if isinstance(value, (int, float)):
        return (1, float(value))
    return (1, str(value).lower())


class RecordTableModel(QAbstractTableModel):
    def __init__(self, kind: Kind, parent=None):
        super().__init__(parent)
        self.kind = kind
        self._rows: list[dict] = []
        self.lookups: dict[str, dict] = {}
        self._sort_keys: dict[tuple[int, int], Any] = {}
        self._sort: tuple[int, Qt.SortOrder] | None = None  # kept across reloads

    def set_rows(self, rows: list[dict], lookups: dict[str, dict] | None = None) -> None:
        self.beginResetModel()
        self._sort_keys = {}
        self._rows = list(rows)
        if self._sort is not None:
            self._rows = self._sorted(self._rows, *self._sort)
        self.lookups = lookups or {}
        self.endResetModel()

    def row_dict(self, row: int) -> dict:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.kind.columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        name = self.kind.columns[index.column()][0]
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return format_value(self.kind, name, row.get(name), self.lookups)
        if role == Qt.ItemDataRole.ToolTipRole:  # whole text of a cell cut short with '...'
            text = format_value(self.kind, name, row.get(name), self.lookups)
            return text if len(text) > 20 else None
        if role == ID_ROLE:
            return row.get("id")
        return None

    def headerData(  # noqa: N802 - Qt override
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.ToolTipRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.kind.columns)
        ):
            # Column titles with medical words explain them, as the editors' fields do.
            name = self.kind.columns[section][0]
            spec = next((f for f in self.kind.fields if f.name == name), None)
            from journal.ui.glossary import tip

            return tip("", *spec.terms) or None if spec else None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self.kind.columns):
                return self.kind.columns[section][1]
            return None
        return str(section + 1)

    def sort_key(self, row: int, column: int) -> Any:
        return self._key(self._rows[row], column)

    def _key(self, row: dict, column: int) -> Any:
        # Cached per row object (cleared on reload): dates are parsed once per cell.
        key = self._sort_keys.get((id(row), column))
        if key is None:
            name = self.kind.columns[column][0]
            key = sort_value(self.kind, name, row.get(name))
            self._sort_keys[(id(row), column)] = key
        return key

    def _sorted(self, rows: list[dict], column: int, order: Qt.SortOrder) -> list[dict]:
        if not 0 <= column < len(self.kind.columns):
            return rows
        desc = order == Qt.SortOrder.DescendingOrder
        try:
            return sorted(rows, key=lambda r: self._key(r, column), reverse=desc)
        except TypeError:  # numbers and words mixed in one column: compare as text
            return sorted(rows, key=lambda r: str(self._key(r, column)), reverse=desc)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in Python with one key per row. Sorting in the proxy instead called a
        Python ``lessThan`` from C++ tens of thousands of times on a long lab list."""
        self._sort = (column, order) if column >= 0 else None
        if self._sort is None or not self._rows:
            return
        self.layoutAboutToBeChanged.emit()
        old = self._rows
        self._rows = self._sorted(old, column, order)
        new_pos = {id(r): i for i, r in enumerate(self._rows)}
        before = self.persistentIndexList()
        after = [self.index(new_pos[id(old[i.row()])], i.column()) for i in before]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()


class RecordProxyModel(QSortFilterProxyModel):
    """Filters on every column. Sorting (dates by when they happened, not
    alphabetically) is passed to the :class:`RecordTableModel` underneath, which
    keeps that order across reloads; the proxy keeps the source order."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        src = self.sourceModel()
        if isinstance(src, RecordTableModel):
            src.sort(column, order)
        else:
            super().sort(column, order)
