"""Nothing typed is lost: a form with changes asks before it goes away.

Escape, Cancel and closing a form's window all end in ``QDialog.reject``; a form
using :class:`GuardedForm` first compares what is on screen with what it
showed when it opened, and when they differ asks "Save / Discard / Keep
editing". Closing the main window with such a form open asks the same
(:func:`open_forms_with_changes`).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialog,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)

SAVE, DISCARD, KEEP = "save", "discard", "keep"


def snapshot(root: QWidget) -> tuple:
    """What a person typed or chose in ``root``: texts, choices, ticks, list contents."""
    out = []
    for w in root.findChildren(QWidget):
        if isinstance(w, QLineEdit):
            out.append(w.text())
        elif isinstance(w, QPlainTextEdit):
            out.append(w.toPlainText())
        elif isinstance(w, QComboBox) and not w.isEditable():
            out.append(w.currentIndex())
        elif isinstance(w, QAbstractButton) and w.isCheckable():
            out.append(w.isChecked())
        elif isinstance(w, QListWidget) and w.property("keeps_data"):
            out.append(
                tuple(
                    (w.item(i).text(), int(w.item(i).checkState().value)) for i in range(w.count())
                )
            )
    return tuple(out)


def ask_unsaved(parent: QWidget, title: str) -> str:
    """Save / Discard / Keep editing; returns SAVE, DISCARD or KEEP."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(f"{title}: you typed something that is not saved yet.")
    box.setInformativeText("Save it, throw it away, or go back to the form?")
    save = box.addButton("Save", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton("Keep editing", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    clicked = box.clickedButton()
    return SAVE if clicked is save else DISCARD if clicked is discard else KEEP


class GuardedForm:
    """Mix into a QDialog that has ``save()``; call :meth:`mark_clean` once it is filled."""

    _clean: tuple | None = None

    def mark_clean(self) -> None:
        self._clean = snapshot(self)

    def has_changes(self) -> bool:
        return self._clean is not None and snapshot(self) != self._clean

    def reject(self) -> None:
        if self.result() != QDialog.DialogCode.Accepted and self.has_changes():
            answer = ask_unsaved(self, self.windowTitle())
            if answer == KEEP:
                return
            if answer == SAVE:
                self.save()  # stays open, with its messages, when it cannot be saved
                return
        QDialog.reject(self)


def open_forms_with_changes() -> list[QDialog]:
    """Forms open anywhere in the app that hold unsaved changes."""
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, GuardedForm) and w.isVisible() and w.has_changes()
    ]
