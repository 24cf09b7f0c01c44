"""First start: create the person's journal or open the demo, never a blank grid."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


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
        lay.addWidget(self._passphrase_section(default_path))

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
        self.create_button.clicked.connect(self._create)
        self.name.returnPressed.connect(self.create_button.click)
        self.demo_button.clicked.connect(self.demo_requested)
        self.open_button.clicked.connect(self.open_requested)

    # -- the passphrase (recommended, may be declined) --------------------------------
    def _passphrase_section(self, default_path: str) -> QWidget:
        from pathlib import Path

        from journal.ui.privacy import (
            FORGOTTEN,
            NO_PASSPHRASE_MEANS,
            NewPassphraseFields,
            print_recovery_sheet,
        )

        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 8, 0, 8)
        self.protect = QCheckBox("&Protect my journal with a passphrase (recommended)")
        self.protect.setChecked(True)
        lay.addWidget(self.protect)
        self.pass_fields = NewPassphraseFields()
        lay.addWidget(self.pass_fields)
        self.pass_note = QLabel(FORGOTTEN)
        self.pass_note.setWordWrap(True)
        self.pass_note.setProperty("role", "hint")
        lay.addWidget(self.pass_note)
        self.pass_message = QLabel("")
        self.pass_message.setWordWrap(True)
        self.pass_message.setAccessibleName("Message")
        lay.addWidget(self.pass_message)
        self.pass_fields.sheet_button.clicked.connect(
            lambda: print_recovery_sheet(
                self, Path(default_path), self.pass_fields.passphrase() or ""
            )
        )

        def toggled(on: bool) -> None:
            self.pass_fields.setVisible(on)
            self.pass_note.setText(FORGOTTEN if on else NO_PASSPHRASE_MEANS)
            self.pass_message.setText("")

        self.protect.toggled.connect(toggled)
        return box

    def passphrase(self) -> str | None:
        """The chosen passphrase; None when the person chose to go without one."""
        return self.pass_fields.passphrase() if self.protect.isChecked() else None

    def _create(self) -> None:
        if self.protect.isChecked():
            problem = self.pass_fields.problem()
            if problem:
                self.pass_message.setText(
                    problem + " Or untick the box above to start without a passphrase."
                )
                self.pass_fields.first.setFocus()
                return
        self.create_requested.emit(self.name.text().strip())
