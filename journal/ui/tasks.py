"""Long work off the UI thread, with a progress window and a Cancel button.

In the manner of Anki's ``taskman``: :func:`run_task` runs a plain function on
the global ``QThreadPool`` and calls ``on_done(result)`` or ``on_error(exc)``
back on the UI thread. The function receives a :class:`TaskControl`; it may
report progress and check ``control.cancelled``. Work that cannot stop half-way
(an all-or-nothing import, a backup) finishes safely and its result is then
discarded when the person pressed Cancel, so nothing is left half-written.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget


class TaskControl(QObject):
    progress = Signal(int, int, str)  # done, total (0 = unknown), text

    def __init__(self):
        super().__init__()
        self._cancel = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def report(self, done: int, total: int = 0, text: str = "") -> None:
        self.progress.emit(done, total, text)


class _Relay(QObject):
    finished = Signal(object, object)  # result, exception


# Python's cyclic garbage collector runs in whichever thread happens to allocate; if that is
# a worker, it may destroy Qt objects (widgets, dialogs) owned by the UI thread, which crashes
# Qt. So automatic collection pauses while workers run and the UI thread collects afterwards.
_GC_LOCK = threading.Lock()
_GC_WORKERS = [0]
_GC_WAS_ENABLED = [True]


def _gc_pause() -> None:
    with _GC_LOCK:
        if _GC_WORKERS[0] == 0:
            _GC_WAS_ENABLED[0] = gc.isenabled()
            gc.disable()
        _GC_WORKERS[0] += 1


def _gc_resume() -> None:
    with _GC_LOCK:
        _GC_WORKERS[0] -= 1
        if _GC_WORKERS[0] == 0 and _GC_WAS_ENABLED[0]:
            gc.enable()


def _collect_on_ui_thread() -> None:
    # The young generations hold what the paused collector left behind while the worker
    # ran; a full pass walks every object of a long history (a quarter of a second and
    # more) and is left to the thresholds (or the UI timer) as usual. Under the window's
    # own timer (below) the young generations never pile up: nothing to do here.
    if _GC_WORKERS[0] == 0 and gc.isenabled() and not _UI_GC:
        gc.collect(1)


_UI_GC: list[_UiCollector] = []


class _UiCollector:
    """The window's garbage collection: on the UI thread only, in small bites, the big
    ones when nobody is waiting.

    Every collection holds Python's lock, so wherever it runs the window stops for as
    long as it walks; its cost is the number of objects it walks. So:

    - the young objects are collected every tick, also while workers run (here, on the
      UI thread, so a collection never destroys UI objects on a worker): a worker
      drawing a long history's chart makes some 40,000 objects, which left to the end
      of the task cost the window 0.1-0.3 s in one go. Both young generations at once,
      so each object is walked once young, not twice;
    - a full collection walks every old object (0.1-0.5 s on a long history, more on a
      busy machine), so it waits until the window has been quiet for a second (no
      worker, next to nothing allocated), and only when memory has grown since the
      last one; unless memory grows far beyond that meanwhile (checked only while no
      worker runs);
    - it never walks what :func:`freeze_long_lived` set aside: the modules, the history
      and the pages built at start, which live as long as the journal is open.
    """

    #: A full collection is worth it once this many memory blocks were added since the
    #: last (a redrawn timeline leaves some 70,000 behind, freed only by a full pass).
    MIN_GROWTH = 50_000
    #: ...and is made at once, quiet or not, beyond this many blocks (or as many as
    #: there were after the last): memory stays bounded. (CPython's own rule waits for
    #: a quarter more long-lived objects, without a quiet moment to catch up in.) Some
    #: fourteen redrawn timelines of a long history without a pause reach it.
    MAX_GROWTH = 1_000_000
    #: Quiet: this long without a worker and with next to no new objects.
    QUIET_SECONDS = 1.0

    def __init__(self, interval_ms: int):
        self.threshold = gc.get_threshold()
        self.blocks = sys.getallocatedblocks()  # after the last full collection
        self.quiet_ticks_needed = max(1, round(self.QUIET_SECONDS * 1000 / interval_ms))
        self.quiet = 0
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    def tick(self) -> None:
        if gc.get_count()[0] > self.threshold[0]:
            gc.collect(1)
            self.quiet = 0
            if _GC_WORKERS[0]:
                # Not a full pass while a worker builds something (a summary, a chart):
                # what it made is alive until it is done, so the pass would walk it for
                # nothing, stopping the window a quarter of a second while a person
                # waits for that very result. Checked again once the worker is done.
                return
        elif _GC_WORKERS[0]:
            self.quiet = 0
            return
        else:
            self.quiet += 1
            if self.quiet % self.quiet_ticks_needed:
                return  # next to nothing new: asked again once a quiet second
        grown = sys.getallocatedblocks() - self.blocks  # walks the arenas: not every tick
        if grown > max(self.MAX_GROWTH, self.blocks) or (
            self.quiet >= self.quiet_ticks_needed and grown > self.MIN_GROWTH
        ):
            self.full()

    def full(self) -> None:
        gc.collect(2)
        self.blocks = sys.getallocatedblocks()
        self.quiet = 0

    def freeze(self) -> None:
        gc.collect(1)  # the young are few (collected every tick): a short pass
        gc.freeze()
        self.blocks = sys.getallocatedblocks()

    def unfreeze(self) -> None:
        gc.unfreeze()


def collect_garbage_on_ui_thread_only(interval_ms: int = 50) -> None:
    """For the running app: automatic collection off; the UI thread collects on a timer.

    Other Python threads (the store's background backups, our workers) then never run
    a collection that could destroy Qt objects belonging to the UI thread.
    """
    if _UI_GC:
        return
    gc.disable()
    _GC_WAS_ENABLED[0] = False
    _UI_GC.append(_UiCollector(interval_ms))


def stop_collecting_on_ui_thread() -> None:
    """Back to Python's automatic collection (for tests, which share one process)."""
    while _UI_GC:
        _UI_GC.pop().timer.stop()
    gc.unfreeze()
    _GC_WAS_ENABLED[0] = True
    if _GC_WORKERS[0] == 0:
        gc.enable()


def freeze_long_lived() -> None:
    """Start-up is over (the Overview's facts are shown, the chart modules loaded): what
    exists now lives as long as the journal is open, so full collections stop walking
    it. Only under the window's own collection (:func:`collect_garbage_on_ui_thread_only`).
    Cycles among these objects that die later wait for :func:`unfreeze_long_lived`."""
    if _UI_GC:
        _UI_GC[0].freeze()


def unfreeze_long_lived() -> None:
    """A journal is closed: its objects go back to the collector to be freed."""
    if _UI_GC:
        _UI_GC[0].unfreeze()


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[TaskControl], Any], control: TaskControl, relay: _Relay):
        super().__init__()
        self.fn, self.control, self.relay = fn, control, relay
        self.setAutoDelete(True)

    def run(self) -> None:
        _gc_pause()
        try:
            result = self.fn(self.control)
        except BaseException as exc:  # handed to the UI thread to show
            _gc_resume()
            self.relay.finished.emit(None, exc)
        else:
            _gc_resume()
            self.relay.finished.emit(result, None)


_RUNNING: set[_Relay] = set()

# Qt's pool threads get a small default stack on some platforms; SQLAlchemy's statement
# compiler and the rules recurse deeply enough to overflow it (a crash, not an exception).
WORKER_STACK_BYTES = 16 * 1024 * 1024


def _pool() -> QThreadPool:
    pool = QThreadPool.globalInstance()
    if pool.stackSize() < WORKER_STACK_BYTES:
        pool.setStackSize(WORKER_STACK_BYTES)
    return pool


def run_task(
    parent: QWidget | None,
    title: str,
    fn: Callable[[TaskControl], Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    *,
    show_after_ms: int = 400,
    progress: bool = True,
) -> TaskControl:
    """Run ``fn(control)`` in the background; show a progress window if it takes a while
    (``progress=False``: the caller shows its own "working" state instead)."""
    control = TaskControl()
    relay = _Relay()
    _RUNNING.add(relay)
    if not progress:

        def quiet_finished(result: Any, exc: BaseException | None) -> None:
            _RUNNING.discard(relay)
            # After the result is shown: a full collection takes a tenth of a second
            # on a long history, and nobody should wait for it to see the answer.
            QTimer.singleShot(0, _collect_on_ui_thread)
            if control.cancelled:
                return
            if exc is not None:
                if on_error:
                    on_error(exc)
                else:
                    raise exc
            elif on_done:
                on_done(result)

        relay.finished.connect(quiet_finished, Qt.ConnectionType.QueuedConnection)
        _pool().start(_Runnable(fn, control, relay))
        return control
    dlg = QProgressDialog(title, "Cancel", 0, 0, parent)
    dlg.setWindowTitle(title)
    dlg.setWindowModality(Qt.WindowModality.WindowModal)
    dlg.setMinimumDuration(show_after_ms)
    dlg.setAccessibleName(title)
    dlg.setAutoClose(False)
    dlg.setAutoReset(False)
    dlg.canceled.connect(control.cancel)

    def on_progress(done: int, total: int, text: str) -> None:
        dlg.setMaximum(total)
        dlg.setValue(done)
        if text:
            dlg.setLabelText(text)

    def finished(result: Any, exc: BaseException | None) -> None:
        _RUNNING.discard(relay)
        _collect_on_ui_thread()
        dlg.hide()
        dlg.deleteLater()
        if control.cancelled:
            return
        if exc is not None:
            if on_error:
                on_error(exc)
            else:
                raise exc
        elif on_done:
            on_done(result)

    control.progress.connect(on_progress, Qt.ConnectionType.QueuedConnection)
    relay.finished.connect(finished, Qt.ConnectionType.QueuedConnection)
    # Start the indeterminate progress window's timer; shown only for slow work.
    QTimer.singleShot(0, lambda: dlg.setValue(0))
    _pool().start(_Runnable(fn, control, relay))
    return control
