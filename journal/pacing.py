"""Letting the window's thread have Python's lock while a background thread works.

A long report is made on worker threads so the window keeps answering, but every
thread of the process shares Python's lock, and the window needs it for each event it
handles in Python. Two things kept the window waiting for it while the Summary was
made (140-210 ms at a time on the 25-year journal, ``benchmarks/ui_stall.py``):

- PySide6 keeps the lock through each call into Qt: pouring a table of HTML into a
  QTextDocument or laying out part of one holds it 10-20 ms (measured; a ticker thread
  does not run at all during ``QTextDocument.setHtml``).
- CPython makes a busy thread give the lock up only after a waiting thread has waited
  its switch interval (5 ms), and then to any waiting thread: with the report worker
  and the chart thread both busy, the window lost that draw again and again.

Shortening the switch interval for the whole process helped but made a latent
lock-order deadlock between PySide and Qt (a worker holding Python's lock inside
``QTextDocument.documentLayout()`` waiting for a Qt mutex) likely enough to hang the
test suite. Instead the background loops call :func:`breathe` between their steps: at
most every few milliseconds of work it sleeps a moment, and a sleeping thread hands
the lock to whoever waits, the window first among equals. The main thread never
sleeps here (the command line and the window's own work run there), so nothing is
slower where nobody waits.
"""

from __future__ import annotations

import threading
import time

# Work between two pauses, and the pause: the window gets the lock at least this often
# from each busy thread; 1 ms of sleep in every 6 ms of work costs a background job
# about a seventh more wall time and nothing in CPU.
EVERY_S = 0.006
PAUSE_S = 0.001

_main = threading.main_thread()
_local = threading.local()


def breathe() -> None:
    """On a background thread: after :data:`EVERY_S` of work since the last pause,
    sleep :data:`PAUSE_S` so a thread waiting for Python's lock (the window's) gets it.
    Cheap enough (a fraction of a microsecond) to call once per step of a loop."""
    if threading.current_thread() is _main:
        return
    now = time.perf_counter()
    last = getattr(_local, "last", None)
    if last is None:  # the first call of a thread's job only starts its clock
        _local.last = now
        return
    if now - last >= EVERY_S:
        time.sleep(PAUSE_S)
        _local.last = time.perf_counter()
