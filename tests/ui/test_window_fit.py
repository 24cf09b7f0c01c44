"""The main window fits the screen; saved geometry from elsewhere comes back onto it."""

from __future__ import annotations

from PySide6.QtCore import QRect

from journal.ui.window_fit import first_size, onto_screen


def test_first_start_is_never_larger_than_a_small_screen():
    x, y, w, h = first_size((0, 0, 1366, 728))  # 1366x768 less a panel
    assert w <= 1366 and h <= 728 and h < 800
    assert w >= 1000 and h >= 600  # and still a comfortable size, no tiny window
    assert x >= 0 and y >= 0


def test_first_start_on_a_large_screen_is_the_preferred_size_centred():
    assert first_size((0, 0, 2560, 1400)) == (680, 300, 1200, 800)


def test_geometry_from_another_screen_comes_back():
    # saved on a second monitor to the right that is gone now
    assert onto_screen((2000, 100, 1200, 800), (0, 0, 1366, 728)) == (166, 0, 1200, 728)
    # saved larger than this screen: shrunk
    assert onto_screen((-50, -20, 3000, 2000), (0, 0, 1366, 728)) == (0, 0, 1366, 728)
    # already fine: unchanged
    assert onto_screen((10, 10, 800, 600), (0, 0, 1366, 728)) == (10, 10, 800, 600)


def test_main_window_fits_its_screen(qtbot, settings):
    from journal.ui.main_window import MainWindow

    w = MainWindow(settings)
    qtbot.addWidget(w)
    avail = w.screen().availableGeometry()
    assert avail.contains(w.geometry()) or (
        w.width() <= avail.width() and w.height() <= avail.height()
    )
    # a geometry saved far off this screen
    w.setGeometry(QRect(avail.right() + 2000, 50, avail.width() + 500, 400))
    settings.set("window/geometry", w.saveGeometry())
    w2 = MainWindow(settings)
    qtbot.addWidget(w2)
    g = w2.geometry()
    assert g.width() <= avail.width() and g.right() <= avail.right() and g.x() >= avail.x()
