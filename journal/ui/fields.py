"""Input widgets shared by every editor.

:class:`PartialDateEdit` accepts what people type ("2019", "May 2019", "about
spring 2019") and shows live how it was understood, or a plain error, right
under the field. Each widget offers ``value()`` (the stored form), ``set_value()``
and ``error()`` (a plain message or ``None``) so editors treat them alike.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QLocale, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from journal.domain.dates import DateError, PartialDate
from journal.store.validation import MAX_LONG_TEXT, MAX_SHORT_TEXT


def _hint_label() -> QLabel:
    lab = QLabel()
    lab.setProperty("role", "hint")
    lab.setWordWrap(True)
    return lab


class PartialDateEdit(QWidget):
    """A date as remembered: keeps precision and qualifier; explains its reading live."""

    edited = Signal()

    def __init__(
        self, label: str = "Date", parent: QWidget | None = None, *, optional: bool = True
    ):
        super().__init__(parent)
        self.optional = optional
        self.line = QLineEdit()
        self.line.setPlaceholderText("e.g. 14 May 2019, May 2019, about spring 2019")
        self.line.setAccessibleName(label)
        self.line.setAccessibleDescription(
            "Type the date as you remember it: a year, a month and year, a season, or a day. "
            "You may start with about, before or after."
        )
        self.line.setToolTip(self.line.accessibleDescription())
        self.reading = _hint_label()
        self.reading.setAccessibleName(f"{label}: how the date was understood")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.line)
        lay.addWidget(self.reading)
        self.setFocusProxy(self.line)
        self.line.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        text = self.line.text().strip()
        if not text:
            self.reading.setText("" if self.optional else "Needed: type a date.")
        else:
            try:
                self.reading.setText(f"= {PartialDate.parse(text).display()}")
            except DateError as exc:
                self.reading.setText(str(exc))
        self.edited.emit()

    def partial_date(self) -> PartialDate | None:
        text = self.line.text().strip()
        return PartialDate.parse(text) if text else None

    def value(self) -> str | None:
        try:
            d = self.partial_date()
        except DateError:
            return None
        return d.to_iso() if d else None

    def set_value(self, iso: str | None) -> None:
        if not iso:
            self.line.setText("")
            return
        try:
            self.line.setText(PartialDate.from_iso(iso).display())
        except DateError:
            self.line.setText(iso)

    def error(self) -> str | None:
        text = self.line.text().strip()
        if not text:
            return None if self.optional else "This date is needed; type e.g. May 2019."
        try:
            PartialDate.parse(text)
        except DateError as exc:
            return str(exc)
        return None


class EnumCombo(QComboBox):
    """Choose one of a vocabulary's values. Optional fields offer "(not recorded)"; required
    ones without a usual value start at "(choose one)" so nothing is picked by accident."""

    NONE_TEXT = "(not recorded)"
    CHOOSE_TEXT = "(choose one)"

    def __init__(self, values: list[str], *, optional: bool, labels: dict[str, str] | None = None):
        super().__init__()
        self.optional = optional
        self.addItem(self.NONE_TEXT if optional else self.CHOOSE_TEXT, None)
        for v in values:
            self.addItem((labels or {}).get(v, v), v)

    def value(self) -> Any:
        return self.currentData()

    def set_value(self, v: Any) -> None:
        i = self.findData(v)
        if i < 0 and v is not None:
            self.addItem(str(v), v)  # keep an unknown stored value visible rather than lose it
            i = self.count() - 1
        self.setCurrentIndex(max(i, 0))

    def error(self) -> str | None:
        if not self.optional and self.currentData() is None:
            return "Choose one from the list."
        return None


def _too_long(text: str, most: int) -> str | None:
    # The record's own limit (journal.store.validation), said before saving. Nothing
    # is cut silently: the person decides what to keep.
    if len(text) <= most:
        return None
    return f"This text is {len(text):,} characters long; it can hold at most {most:,}. Shorten it."


class TextEdit(QLineEdit):
    def __init__(self, *, required: bool = False):
        super().__init__()
        self.required = required
        self.setMaxLength(10 * MAX_SHORT_TEXT)  # Qt's default (32,767) would cut silently

    def value(self) -> str | None:
        t = self.text().strip()
        return t or None

    def set_value(self, v: Any) -> None:
        self.setText("" if v is None else str(v))

    def error(self) -> str | None:
        if self.required and not self.text().strip():
            return "This is needed."
        return _too_long(self.text().strip(), MAX_SHORT_TEXT)


class LongTextEdit(QPlainTextEdit):
    def __init__(self):
        super().__init__()
        self.setTabChangesFocus(True)  # Tab moves on, as in every other field
        self.setMinimumHeight(60)
        self.setMaximumHeight(140)
        self.setToolTip(
            f"Up to {MAX_LONG_TEXT:,} characters (about 15 pages). A summary prints "
            "the beginning and says how much more the journal holds."
        )

    def value(self) -> str | None:
        t = self.toPlainText().strip()
        return t or None

    def set_value(self, v: Any) -> None:
        self.setPlainText("" if v is None else str(v))

    def error(self) -> str | None:
        return _too_long(self.toPlainText().strip(), MAX_LONG_TEXT)


def locale_separators(locale: QLocale | None = None) -> dict[str, str]:
    """The decimal and group separators of ``locale`` (default: the system's)."""
    loc = locale if locale is not None else QLocale()  # the system's unless set by the app
    return {"decimal": loc.decimalPoint() or ".", "group": loc.groupSeparator() or ","}


class NumberEdit(QLineEdit):
    """A number typed freely, read by the locale's separators ("1,200" is 1200 where a
    comma groups thousands; "1,2" is 1.2 everywhere); a reading that could go either way
    is asked about. How it was understood shows in :attr:`reading`, under the field.
    Empty = not recorded."""

    def __init__(
        self,
        *,
        integer: bool = False,
        required: bool = False,
        minimum=None,
        maximum=None,
        locale: QLocale | None = None,
    ):
        super().__init__()
        self.integer, self.required = integer, required
        self.minimum, self.maximum = minimum, maximum
        self.separators = locale_separators(locale)
        self.reading = _hint_label()
        self.reading.hide()
        self.textChanged.connect(self._echo)

    def read(self):
        from journal.domain.numbers import read_number

        return read_number(self.text(), integer=self.integer, **self.separators)

    def _echo(self) -> None:
        r = self.read()
        text = r.display if r.ok else (r.problem or "")
        if r.ok and r.value is not None and r.display[2:] == self.text().strip():
            text = ""  # typed exactly as stored: nothing to explain
        self.reading.setText(text)
        self.reading.setVisible(bool(text))

    def value(self) -> Any:
        return self.read().value

    def set_value(self, v: Any) -> None:
        from journal.domain.numbers import format_number

        if v is None:
            self.setText("")
        else:
            self.setText(format_number(v, self.separators["decimal"]))

    def error(self) -> str | None:
        r = self.read()
        if not r.ok:
            return r.problem
        v = r.value
        if v is None:
            return "This is needed." if self.required else None
        if self.minimum is not None and v < self.minimum:
            return f"Must be at least {self.minimum:g}."
        if self.maximum is not None and v > self.maximum:
            return f"Must be at most {self.maximum:g}."
        return None


class CheckEdit(QCheckBox):
    def value(self) -> bool:
        return self.isChecked()

    def set_value(self, v: Any) -> None:
        self.setChecked(bool(v))

    def error(self) -> str | None:
        return None


class ChoiceCombo(QComboBox):
    """Choose a row of another table (e.g. which regimen); data = its id."""

    def __init__(self, choices: list[tuple[Any, str]], *, optional: bool = True):
        super().__init__()
        self.optional = optional
        if optional:
            self.addItem("(none)", None)
        for key, text in choices:
            self.addItem(text, key)

    def value(self) -> Any:
        return self.currentData()

    def set_value(self, v: Any) -> None:
        self.setCurrentIndex(max(self.findData(v), 0))

    def error(self) -> str | None:
        if not self.optional and self.currentData() is None:
            return "Choose one."
        return None


class EnterDoes(QObject):
    """Enter in a look-up field or list does that widget's job instead of pressing the
    dialog's Save button (Qt passes an ignored Enter on to the default button)."""

    def __init__(self, widget: QWidget, action):
        super().__init__(widget)
        self.action = action
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.KeyPress and event.key() in (
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
        ):
            self.action()
            return True
        return False
