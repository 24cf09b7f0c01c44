"""Background work pauses for the window's thread (journal.pacing.breathe).

PySide6 keeps Python's lock through each call into Qt, so a worker laying out a long
report stops the window for as long as its calls last, and CPython hands the lock on to
any waiting thread, not the window's first. The worker's loops pause a moment every few
milliseconds of work; these tests pin when a pause happens, and that the report's
layout on a worker actually pauses between its Qt calls.
"""

from __future__ import annotations

import threading

import pytest

from journal import pacing


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def perf_counter(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s


@pytest.fixture
def clock(monkeypatch):
    c = _Clock()
    monkeypatch.setattr(pacing.time, "perf_counter", c.perf_counter)
    monkeypatch.setattr(pacing.time, "sleep", c.sleep)
    return c


def _on_worker(fn):
    out: list = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join()
    return out[0]


def test_a_worker_pauses_once_per_stretch_of_work(clock):
    def work():
        pacing.breathe()  # starts the thread's clock
        clock.now += pacing.EVERY_S / 2
        pacing.breathe()  # too soon: no pause
        first = list(clock.sleeps)
        clock.now += pacing.EVERY_S
        pacing.breathe()  # a whole stretch of work since the start: pause
        second = list(clock.sleeps)
        pacing.breathe()  # just paused: the clock started again
        return first, second, list(clock.sleeps)

    first, second, third = _on_worker(work)
    assert first == []
    assert second == [pacing.PAUSE_S]
    assert third == [pacing.PAUSE_S]


def test_the_main_thread_never_pauses(clock):
    # The command line and the window's own thread run there: nobody waits on them.
    for _ in range(5):
        pacing.breathe()
        clock.now += 10 * pacing.EVERY_S
    assert clock.sleeps == []


def test_each_worker_keeps_its_own_clock(clock):
    _on_worker(pacing.breathe)  # one worker starts its clock and ends
    clock.now += 10 * pacing.EVERY_S
    # Another thread's first call only starts its own clock, however long the first ran.
    assert _on_worker(lambda: (pacing.breathe(), list(clock.sleeps))[1]) == []
