"""Overview: the facts a screener asks for, in plain words, each with "Why?"."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget


class OverviewPage(QScrollArea):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWidgetResizable(True)
        self.setAccessibleName("Overview")
        ctx.changed.connect(lambda _c: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        body = QWidget()
        lay = QVBoxLayout(body)
        try:
            import journal.domain.summary  # noqa: F401
        except ImportError:
            lab = QLabel("The overview of your history will be shown here.")
            lab.setWordWrap(True)
            lay.addWidget(lab)
        lay.addStretch(1)
        self.setWidget(body)
