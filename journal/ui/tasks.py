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
    # more) and is left to the thresholds (or the UI timer) as usual.
    if _GC_WORKERS[0] == 0 and (gc.isenabled() or _UI_GC):
        gc.collect(1)


_UI_GC: list[QTimer] = []


def collect_garbage_on_ui_thread_only(interval_ms: int = 500) -> None:
    """For the running app: automatic collection off; the UI thread collects on a timer.

    Other Python threads (the store's background backups, our workers) then never run
    a collection that could destroy Qt objects belonging to the UI thread.
    """
    if _UI_GC:
        return
    gc.disable()
    _GC_WAS_ENABLED[0] = False
    t0, t1, t2 = gc.get_threshold()

    def tick() -> None:
        if _GC_WORKERS[0]:
            return
        c0, c1, c2 = gc.get_count()
        if c0 > t0:
            gc.collect(2 if c2 > t2 else 1 if c1 > t1 else 0)

    timer = QTimer()
    timer.setInterval(interval_ms)
    timer.timeout.connect(tick)
    timer.start()
    _UI_GC.append(timer)


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
