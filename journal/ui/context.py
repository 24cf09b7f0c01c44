"""The journal context: what every view of an open journal receives.

One :class:`JournalContext` exists per open journal file. Views (including the
Timeline and Summary views written by other engineers) take it as their only
constructor argument and use:

``ctx.store``
    the open :class:`journal.store.db.JournalStore`. Views never run SQL on it;
    they call ``journal.services`` functions with it.
``ctx.changed``
    Qt signal ``changed(object)`` emitted after every change (a services
    ``Change``, or ``None`` when everything should be reloaded, e.g. after undo
    of several steps or an import). Redraw on it.
``ctx.undo_stack``
    the ``QUndoStack``; every change the user makes is one command on it.
``ctx.settings``
    :class:`journal.ui.settings.Settings` (presentation options only).
``ctx.history()``
    ``journal.domain.records.History`` from ``services.queries.load_history``,
    cached until the next change.
``ctx.summary()``
    ``journal.domain.summary.build_summary(history)``, cached until the next change.
``ctx.summary_ready`` / ``ctx.load_summary_in_background(on_ready)``
    whether ``summary()`` is cached; work it out off the UI thread and call
    ``on_ready()`` on the UI thread (the Overview uses this so the window draws at once).
``ctx.rows(table_cls, where=None)``
    the rows of one record table as plain dicts (``services.queries.list_dicts``);
    ``where`` is column -> value equality.
``ctx.apply(action, *args, **kwargs)``
    run a services action ``action(store, *args, **kwargs) -> Change`` as one
    undoable step whose undo text is ``change.label``; returns the Change. A full
    disk raises ``DiskFullError`` with a plain message (``DISK_FULL_MESSAGE``).
``ctx.try_apply(action, *args, **kwargs)``
    the same for changes made without an editor: store errors go to ``ctx.error``.
``ctx.open_editor(ref)``
    open the editor of a record given its ref (``"regimen:3"``, ``"lab:17"``);
    returns False when the ref is unknown.
``ctx.visit_range``
    ``(date, date)`` or ``None``: the period chosen on the Timeline for the visit
    summary.
``ctx.closed``
    True once the journal was closed (another opened, or it is being encrypted,
    decrypted or re-keyed): no background load starts or reports any more, and the
    store opens no connection (``journal.store.db.JournalClosedError``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

log = logging.getLogger(__name__)

#: Shown in the editor (which stays open with everything typed) when a save hits a full disk.
DISK_FULL_MESSAGE = (
    "Your computer's disk is full, so this change was not saved. Free some space and "
    "press Save again; what you typed is still here."
)
#: The same for a change made without an editor (delete, undo, remove a correction).
DISK_FULL_ACTION_MESSAGE = (
    "Your computer's disk is full, so this change was not made. Free some space and try again."
)


def plain_save_error(exc: BaseException, message: str = DISK_FULL_MESSAGE) -> Exception | None:
    """The error to show instead of ``exc`` when it is a write failure the person can fix
    (a full disk: SQLite's "database or disk is full", ENOSPC, a quota), else None."""
    from journal.errors import DiskFullError, is_disk_full

    if is_disk_full(exc):
        return DiskFullError(message)
    return None


class ChangeCommand(QUndoCommand):
    """One user action already applied by services; undo/redo replay its row images."""

    def __init__(self, ctx: JournalContext, change: Any):
        super().__init__(getattr(change, "label", "Change"))
        self.ctx = ctx
        self.change = change
        self._first = True

    def redo(self) -> None:
        if self._first:  # the action itself already ran
            self._first = False
            return
        from journal.services import actions

        try:
            actions.redo(self.ctx.store, self.change)
        except Exception as exc:
            self.setObsolete(True)
            plain = plain_save_error(exc, DISK_FULL_ACTION_MESSAGE)
            self.ctx.error.emit(str(plain) if plain else f"Could not redo {self.text()!r}: {exc}")
            self.ctx.notify(self.change)  # nothing was published: refresh all the same

    def undo(self) -> None:
        from journal.services import actions

        try:
            actions.undo(self.ctx.store, self.change)
        except Exception as exc:
            self.setObsolete(True)
            plain = plain_save_error(exc, DISK_FULL_ACTION_MESSAGE)
            self.ctx.error.emit(str(plain) if plain else f"Could not undo {self.text()!r}: {exc}")
            self.ctx.notify(self.change)  # nothing was published: refresh all the same


#: Tables whose changes leave the history (and so the summary) as it was.
_OUTSIDE_HISTORY = frozenset({"trial_study", "trial_answer"})


class JournalContext(QObject):
    changed = Signal(object)
    error = Signal(str)  # a plain message for the window to show
    # The journal's change bus calls back on the writer's thread; this hop brings a
    # write made in a background task to the UI thread (direct when already there).
    _published = Signal(object)

    def __init__(self, store: Any, settings: Any, parent: QObject | None = None):
        super().__init__(parent)
        self.store = store
        self.settings = settings
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(200)
        self.visit_range = None
        self._history = None
        self._summary = None
        self._generation = 0  # bumped by every change; stale background results are dropped
        #: Set by close(): the store is closed, and no background work starts or reports.
        self.closed = False
        self._editor_opener: Callable[[str], bool] | None = None
        # Every committed write (an editor, undo/redo, an import in the background, a
        # trial answer) reaches the views one way: the services' change bus.
        from journal.services.events import bus_for

        self._published.connect(self.notify)
        self._unsubscribe = bus_for(store).subscribe(self._published.emit)

    # -- reading ------------------------------------------------------------------
    @property
    def path(self):
        return self.store.path

    def history(self):
        if self._history is None:
            from journal.services.queries import load_history

            self._history = load_history(self.store)
        return self._history

    def summary(self):
        if self._summary is None:
            from journal.domain.summary import build_summary

            self._summary = build_summary(self.history())
        return self._summary

    @property
    def summary_ready(self) -> bool:
        return self._summary is not None

    def load_summary_in_background(
        self, on_ready: Callable[[], None], on_error: Callable[[BaseException], None] | None = None
    ):
        """Work out history and summary off the UI thread (the first screen draws at once);
        ``on_ready()`` runs on the UI thread when ``summary()`` is cached. A result made
        stale by a change meanwhile is not cached."""
        from journal.ui.tasks import TaskControl, run_task

        if self.closed:
            # A view of a closed journal asking again (its previous load finished just
            # after the close): the file may be being rewritten or reopened meanwhile.
            control = TaskControl()
            control.cancel()
            return control
        generation = self._generation
        waiting = getattr(self, "_loading", None)
        if waiting is not None and waiting[0] == generation:
            # Already being worked out (the Overview asked, now the Timeline): once.
            waiting[1].append((on_ready, on_error))
            return waiting[2]
        callbacks = [(on_ready, on_error)]

        def work(_control):
            from journal.domain.summary import build_summary
            from journal.services.queries import load_history

            history = load_history(self.store)
            return history, build_summary(history)

        def done(result) -> None:
            self._loading = None
            if self.closed:
                return  # its views are going: a callback would only ask again
            if generation == self._generation:
                self._history, self._summary = result
            for ready, _failed in callbacks:
                ready()

        def failed(exc: BaseException) -> None:
            self._loading = None
            if self.closed:
                return
            for _ready, on_failed in callbacks:
                if on_failed is not None:
                    on_failed(exc)

        control = run_task(
            None, "Working out the overview", work, on_done=done, on_error=failed, progress=False
        )
        self._loading = (generation, callbacks, control)
        return control

    def rows(self, table_cls: type, where: dict | None = None) -> list[dict]:
        # Plain dicts straight from the query: building one model object per row made
        # the Labs and Side effects pages take a second to open on a long history.
        from journal.services import queries

        return queries.list_dicts(self.store, table_cls, where=where)

    def row(self, table_cls: type, row_id: int) -> dict | None:
        rows = self.rows(table_cls, {"id": row_id})
        return rows[0] if rows else None

    # -- writing ------------------------------------------------------------------
    def apply(self, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run one services action as one undoable step. Errors (RecordError) propagate
        unchanged so the editor can show them next to the fields; nothing is pushed.

        A full disk (SQLite "database or disk is full", ENOSPC) is raised as a
        ``journal.errors.DiskFullError`` whose text is :data:`DISK_FULL_MESSAGE`,
        for the editor to show while it stays open; the services rolled the change back.
        """
        try:
            change = action(self.store, *args, **kwargs)
        except Exception as exc:
            plain = plain_save_error(exc)
            if plain is None:
                raise
            log.warning("save failed, disk full: %s", type(exc).__name__)
            raise plain from exc
        self.undo_stack.push(ChangeCommand(self, change))  # the bus has told the views
        return change

    def try_apply(self, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """:meth:`apply` for changes made without an editor (delete, remove a correction):
        a store error is shown through ``error`` in plain words; returns None then."""
        from journal.errors import JournalError

        try:
            return self.apply(action, *args, **kwargs)
        except JournalError as exc:
            plain = plain_save_error(exc, DISK_FULL_ACTION_MESSAGE)
            self.error.emit(str(plain or exc))
            return None

    def notify(self, change: Any = None) -> None:
        if self.closed:
            return  # a write published just before the close: its views are going
        tables = getattr(change, "tables", None)
        # Trial records and answers are not part of the history: the facts stay valid.
        if not (tables and set(tables) <= _OUTSIDE_HISTORY):
            self._generation += 1
            self._history = None
            self._summary = None
        self.changed.emit(change)

    # -- navigation ---------------------------------------------------------------
    def set_editor_opener(self, opener: Callable[[str], bool]) -> None:
        self._editor_opener = opener

    def open_editor(self, ref: str) -> bool:
        if self._editor_opener is None:
            return False
        return bool(self._editor_opener(ref))

    def close(self) -> None:
        from PySide6.QtCore import QThreadPool

        self._generation += 1
        self.closed = True
        self._unsubscribe()
        self.undo_stack.clear()
        # Background work (overview, export, backup) finishes before the file is closed.
        QThreadPool.globalInstance().waitForDone(30000)
        self.store.close()
