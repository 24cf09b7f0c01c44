"""Text size and high contrast apply at once everywhere, and every control stays visible."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QCheckBox, QRadioButton, QTabWidget, QWidget

from journal.services import actions
from journal.store import models as m
from journal.ui import theme


def _settle(qapp) -> None:
    """Let widgets closed by earlier tests finish going away before every widget of the
    application is restyled (a restyle must not reach half-deleted ones)."""
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    for w in qapp.topLevelWidgets():  # windows earlier tests closed but did not delete
        if not w.isVisible() and w.parent() is None:
            w.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    qapp.processEvents()


@pytest.fixture
def restore_look(qapp):
    _settle(qapp)
    yield
    _settle(qapp)
    theme.apply_text_scale(qapp, 100)
    theme.apply_theme(qapp, high_contrast=False)


def _colours(widget: QWidget, width: int | None = None) -> set[str]:
    img = widget.grab().toImage()
    w = min(img.width(), width or img.width())
    return {
        QColor(img.pixel(x, y)).name() for x in range(0, w, 1) for y in range(0, img.height(), 1)
    }


def test_text_size_applies_to_lists_and_sidebar_at_once(qtbot, ctx, settings, restore_look):
    from journal.ui.main_window import MainWindow

    ctx.apply(
        actions.add_lab_results,
        [m.LabResult(date="2022-02-14", test="m_protein", value=0.9, unit="g/dL")],
    )
    theme.apply_theme(QApplication.instance(), high_contrast=False)  # as the app starts
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.set_context(ctx)
    w.resize(1400, 900)
    w.show()
    w.go_to(5)  # Labs
    qtbot.wait(50)
    lst = w.page(5).widget(0)
    header = lst.view.horizontalHeader()
    date_before = header.sectionSize(0)
    nav_before = w.nav.sizeHint().width()
    w.set_text_scale(175)
    qtbot.wait(50)
    assert header.sectionSize(0) > date_before * 1.4  # the whole date still fits
    assert w.nav.sizeHint().width() > nav_before  # the sidebar's names too
    text = lst.model.data(lst.model.index(0, 0))
    assert lst.view.fontMetrics().horizontalAdvance(text) <= header.sectionSize(0)
    w.set_context(None)


def test_high_contrast_keeps_checkboxes_radios_and_the_selected_tab_visible(qtbot, restore_look):
    theme.apply_theme(QApplication.instance(), high_contrast=True)
    box = QWidget()
    qtbot.addWidget(box)
    off, on = QCheckBox("off"), QCheckBox("on")
    on.setChecked(True)
    radio = QRadioButton("r")
    radio.setChecked(True)
    for wdg in (off, on, radio):
        wdg.setParent(box)
        wdg.resize(120, 30)
        wdg.show()
    # the indicator is drawn in white (unticked) or yellow (ticked) on black
    assert "#ffffff" in _colours(off, 24)
    assert "#ffff00" in _colours(on, 24)
    assert "#ffff00" in _colours(radio, 24)
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    tabs.addTab(QWidget(), "First")
    tabs.addTab(QWidget(), "Second")
    tabs.resize(300, 120)
    tabs.show()
    assert "#ffff00" in _colours(tabs.tabBar())  # the selected tab stands out
