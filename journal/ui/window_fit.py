"""The main window fits the screen it opens on.

A first start opens at a comfortable size for the available screen, never larger
(on a 1366x768 laptop 1200x800 was taller than the screen). A geometry saved on
another, larger or now missing screen is shrunk and moved back onto this one.
Plain rectangles ``(x, y, width, height)``: testable without a screen.
"""

from __future__ import annotations

Rect = tuple[int, int, int, int]

#: The size the window would like on a large screen, and the least that is still useful.
PREFERRED = (1200, 800)
SMALLEST = (640, 480)


def first_size(available: Rect) -> Rect:
    """A sensible first-start rectangle, centred in ``available``."""
    ax, ay, aw, ah = available
    w = min(PREFERRED[0], int(aw * 0.92))
    h = min(PREFERRED[1], int(ah * 0.92))
    w, h = max(min(SMALLEST[0], aw), w), max(min(SMALLEST[1], ah), h)
    return (ax + (aw - w) // 2, ay + (ah - h) // 2, w, h)


def onto_screen(saved: Rect, available: Rect) -> Rect:
    """``saved`` shrunk to fit ``available`` and moved so all of it is on that screen."""
    x, y, w, h = saved
    ax, ay, aw, ah = available
    w, h = min(w, aw), min(h, ah)
    x = min(max(x, ax), ax + aw - w)
    y = min(max(y, ay), ay + ah - h)
    return (x, y, w, h)
