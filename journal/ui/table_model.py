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

    def set_rows(self, rows: list[dict], lookups: dict[str, dict] | None = None) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.lookups = lookups or {}
        self._sort_keys: dict[tuple[int, int], Any] = {}
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
        # Cached: sorting compares each row many times and dates are parsed for it.
        key = self._sort_keys.get((row, column))
        if key is None:
            name = self.kind.columns[column][0]
            key = sort_value(self.kind, name, self._rows[row].get(name))
            self._sort_keys[(row, column)] = key
        return key


class RecordProxyModel(QSortFilterProxyModel):
    """Sorts dates by when they happened (not alphabetically); filters on every column."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)

    def lessThan(self, left: _Index, right: _Index) -> bool:  # noqa: N802 - Qt override
        src = self.sourceModel()
        if isinstance(src, RecordTableModel):
            return src.sort_key(left.row(), left.column()) < src.sort_key(
                right.row(), right.column()
            )
        return super().lessThan(left, right)
