"""The toolbar's wrapping layout answers a width's height from memory until anything in
it changes (Qt asks the same widths a dozen times while a page is laid out)."""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QPushButton, QWidget

from journal.ui.timeline_view import FlowLayout


def _bar(qtbot, n: int = 6):
    bar = QWidget()
    qtbot.addWidget(bar)
    flow = FlowLayout(bar)
    buttons = [QPushButton(f"Button {i}") for i in range(n)]
    for b in buttons:
        flow.addWidget(b)
    bar.show()
    return bar, flow, buttons


def test_wraps_and_remembers_each_width(qtbot, monkeypatch):
    _bar_widget, flow, buttons = _bar(qtbot)
    one_row = flow.heightForWidth(5000)
    narrow = flow.heightForWidth(buttons[0].sizeHint().width() + 4)
    assert narrow > one_row  # one control a row
    arranged = []
    real = FlowLayout._arrange
    monkeypatch.setattr(
        FlowLayout, "_arrange", lambda self, *a, **k: arranged.append(1) or real(self, *a, **k)
    )
    for _ in range(5):
        assert flow.heightForWidth(5000) == one_row
    assert arranged == []


def test_a_change_inside_is_not_answered_from_memory(qtbot):
    bar, flow, buttons = _bar(qtbot)
    width = sum(b.sizeHint().width() for b in buttons) + 6 * len(buttons)
    one_row = flow.heightForWidth(width)

    def fresh() -> int:  # worked out again, not remembered
        return flow._arrange(QRect(0, 0, width, 0), move=False)

    # A longer text: the same width now needs two rows.
    buttons[0].setText("A much longer text than any of the others " * 2)
    qtbot.waitUntil(lambda: flow.heightForWidth(width) > one_row, timeout=2000)
    # Hidden: back to one row.
    buttons[0].hide()
    qtbot.waitUntil(lambda: flow.heightForWidth(width) == one_row, timeout=2000)
    # A bigger font (the person's text size): whatever it does to the controls (a
    # style sheet of an earlier test may fix their size), the answer is never stale.
    buttons[0].show()
    buttons[0].setText("Button 0")
    qtbot.waitUntil(lambda: flow.heightForWidth(width) == one_row, timeout=2000)
    font = QFont(bar.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    bar.setFont(font)
    qtbot.waitUntil(lambda: fresh() == flow.heightForWidth(width), timeout=2000)
    # Another control added.
    bar.setFont(QFont())
    qtbot.waitUntil(lambda: flow.heightForWidth(width) == one_row, timeout=2000)
    flow.addWidget(QPushButton("One more"))  # shown by Qt once events run
    qtbot.waitUntil(lambda: flow.heightForWidth(width) > one_row, timeout=2000)
    assert flow.heightForWidth(width) == fresh()
