"""Text size and high-contrast theme, applied to the whole application at once.

The text size changes the application font, so every widget (and the charts,
which read ``text_scale()``) follows it; the high-contrast theme is a palette
plus a small stylesheet. Keyboard focus is always drawn with a thick outline
because the default Fusion focus frame is hard to see for tired eyes.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget

_BASE_POINT_SIZE: list[float] = []
_SIZE_MARK = "\n/* text size "

FOCUS_CSS = """
QLineEdit:focus, QTextEdit:focus, QPlainTextEdit:focus, QComboBox:focus, QSpinBox:focus,
QDoubleSpinBox:focus, QListWidget:focus, QTableView:focus, QListView:focus {
    border: 3px solid #0a58ca;
}
QPushButton:focus, QCheckBox:focus, QRadioButton:focus, QToolButton:focus {
    outline: none; border: 3px solid #0a58ca; border-radius: 4px; padding: 3px 8px;
}
QLabel[role="error"] { color: #b00020; font-weight: bold; }
QLabel[role="hint"] { color: #444444; }
QLabel[role="title"] { font-weight: bold; }
"""

HIGH_CONTRAST_CSS = """
QWidget { background: #000000; color: #ffffff; }
QLineEdit, QTextEdit, QPlainTextEdit, QComboBox, QSpinBox, QDoubleSpinBox, QTableView,
QListWidget, QListView { background: #000000; color: #ffffff; border: 2px solid #ffffff; }
QPushButton { background: #000000; color: #ffff00; border: 2px solid #ffff00; padding: 4px 10px; }
QHeaderView::section { background: #000000; color: #ffffff; border: 1px solid #ffffff; }
*:focus { border: 3px solid #00ffff; }
QLabel[role="error"] { color: #ff8080; font-weight: bold; }
QLabel[role="hint"] { color: #ffffff; }
QLabel[role="title"] { font-weight: bold; }
QTableView::item:selected, QListWidget::item:selected { background: #ffff00; color: #000000; }
QCheckBox::indicator, QRadioButton::indicator, QGroupBox::indicator,
QListView::indicator, QTableView::indicator {
    width: 0.9em; height: 0.9em; background: #000000; border: 2px solid #ffffff;
}
QRadioButton::indicator { border-radius: 0.5em; }
QCheckBox::indicator:checked, QRadioButton::indicator:checked, QGroupBox::indicator:checked,
QListView::indicator:checked, QTableView::indicator:checked {
    background: #ffff00; border: 2px solid #ffffff;
}
QTabBar::tab { background: #000000; color: #ffffff; border: 2px solid #ffffff; padding: 4px 10px; }
QTabBar::tab:selected { background: #ffff00; color: #000000; border: 2px solid #ffff00; }
QMenuBar::item:selected, QMenu::item:selected { background: #ffff00; color: #000000; }
QMenu { border: 2px solid #ffffff; }
QToolButton { color: #ffff00; border: 2px solid #ffff00; padding: 3px 8px; }
QGroupBox { border: 1px solid #ffffff; margin-top: 1.4em; padding-top: 0.4em; }
QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 4px; }
QScrollBar { background: #000000; border: 1px solid #ffffff; }
QScrollBar::handle { background: #ffffff; min-height: 20px; min-width: 20px; }
"""


def text_scale(app: QApplication | None = None) -> float:
    """The current text size as a factor (1.0 = 100 %), for charts drawn by matplotlib."""
    app = app or QApplication.instance()
    if not app or not _BASE_POINT_SIZE:
        return 1.0
    return app.font().pointSizeF() / _BASE_POINT_SIZE[0]


def apply_text_scale(app: QApplication, percent: int) -> None:
    if not _BASE_POINT_SIZE:
        size = app.font().pointSizeF()
        _BASE_POINT_SIZE.append(size if size > 0 else 10.0)
    font = QFont(app.font())
    font.setPointSizeF(_BASE_POINT_SIZE[0] * percent / 100.0)
    app.setFont(font)
    sheet = app.styleSheet()
    if sheet:
        # With a style sheet in force, widgets already on screen keep their old font until
        # they are polished again: lists kept their old column widths until a restart. A
        # changed sheet repolishes them (never via an empty sheet: that replaces the
        # style object under widgets still using it).
        base = sheet.split(_SIZE_MARK)[0]
        app.setStyleSheet(f"{base}{_SIZE_MARK}{percent} */")
    # Widgets that already set their own font do not follow setFont; refresh them.
    for w in app.allWidgets():
        f = QFont(w.font())
        if f.pointSizeF() > 0 and w.property("fontRole") == "title":
            f.setPointSizeF(font.pointSizeF() * 1.3)
            w.setFont(f)


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Size a dialog for 100 % text, grown with the text size, but never beyond the screen."""
    scale = text_scale()
    w, h = int(width * scale), int(height * scale)
    screen = widget.screen().availableGeometry() if widget.screen() else None
    if screen is not None:
        w, h = min(w, screen.width() - 40), min(h, screen.height() - 60)
    widget.resize(w, h)


def high_contrast_palette() -> QPalette:
    p = QPalette()
    black, white, yellow = QColor("#000000"), QColor("#ffffff"), QColor("#ffff00")
    for role in (
        QPalette.ColorRole.Window,
        QPalette.ColorRole.Base,
        QPalette.ColorRole.AlternateBase,
        QPalette.ColorRole.Button,
        QPalette.ColorRole.ToolTipBase,
    ):
        p.setColor(role, black)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.ToolTipText,
        QPalette.ColorRole.BrightText,
    ):
        p.setColor(role, white)
    p.setColor(QPalette.ColorRole.Highlight, yellow)
    p.setColor(QPalette.ColorRole.HighlightedText, black)
    p.setColor(QPalette.ColorRole.Link, QColor("#00ffff"))
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor("#c0c0c0"))
    return p


def apply_theme(app: QApplication, *, high_contrast: bool) -> None:
    if high_contrast:
        app.setPalette(high_contrast_palette())
        app.setStyleSheet(HIGH_CONTRAST_CSS)
    else:
        app.setPalette(app.style().standardPalette())
        app.setStyleSheet(FOCUS_CSS)
