"""First start: create the person's journal or open the demo, never a blank grid."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget


class WelcomePage(QWidget):
    create_requested = Signal(str)  # optional name
    demo_requested = Signal()
    open_requested = Signal()

    def __init__(self, default_path: str, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Welcome")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(40, 30, 40, 30)
        title = QLabel("Welcome to Treatment Journal")
        title.setProperty("role", "title")
        f = title.font()
        f.setPointSizeF(f.pointSizeF() * 1.5)
        title.setFont(f)
        lay.addWidget(title)
        intro = QLabel(
            "This journal keeps your myeloma treatments, results and side effects in one "
            "place on this computer, and prepares a clear summary for your doctors or a "
            "clinical-trial team. Nothing leaves this computer.\n\n"
            "Start your own journal, or look around the demo journal of a made-up patient first."
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)

        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setPlaceholderText("optional, e.g. Jean")
        self.name.setAccessibleName("Your name (optional)")
        self.name.setAccessibleDescription("Only shown on your screen and your own printouts.")
        name_label = QLabel("Your &name (optional):")
        name_label.setBuddy(self.name)
        form.addRow(name_label, self.name)
        lay.addLayout(form)
        where = QLabel(f"Your journal will be kept in: {default_path}")
        where.setWordWrap(True)
        where.setProperty("role", "hint")
        lay.addWidget(where)

        self.create_button = QPushButton("&Start my journal")
        self.demo_button = QPushButton("Open the &demo journal")
        self.open_button = QPushButton("Open a journal &file...")
        for b, d in (
            (self.create_button, "Create your own empty journal"),
            (self.demo_button, "Open a journal filled with a made-up patient's history"),
            (self.open_button, "Open a journal file you already have"),
        ):
            b.setAccessibleName(b.text().replace("&", "").rstrip("."))
            b.setAccessibleDescription(d)
            b.setToolTip(d)
            lay.addWidget(b)
        lay.addStretch(1)
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(
            lambda: self.create_requested.emit(self.name.text().strip())
        )
        self.name.returnPressed.connect(self.create_button.click)
        self.demo_button.clicked.connect(self.demo_requested)
        self.open_button.clicked.connect(self.open_requested)
