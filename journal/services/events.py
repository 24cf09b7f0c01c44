"""A tiny change bus: every write publishes its :class:`~journal.services.actions.Change`.

One bus per open journal, found with :func:`bus_for(store) <bus_for>`. It knows
nothing of Qt: the UI subscribes a callback that forwards to a Qt signal (and
the store's backup scheduler can subscribe to learn that data changed).
Callbacks run synchronously on the writer's thread, after the commit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]


class ChangeBus:
    def __init__(self) -> None:
        self._subs: list[Callback] = []
        self._lock = threading.Lock()

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Call ``callback(change)`` after every committed write; returns an unsubscribe."""
        with self._lock:
            self._subs.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subs:
                    self._subs.remove(callback)

        return unsubscribe

    def publish(self, change: Any) -> None:
        with self._lock:
            subs = list(self._subs)
        for cb in subs:
            # The data is already committed: a failing view must not undo it or
            # stop the other views from refreshing. No patient text in the log.
            try:
                cb(change)
            except Exception:
                log.exception("change subscriber %r failed", getattr(cb, "__qualname__", cb))


def bus_for(store: Any) -> ChangeBus:
    """The journal's bus, created on first use and kept on the store as ``store.bus``."""
    bus = getattr(store, "bus", None)
    if not isinstance(bus, ChangeBus):
        bus = ChangeBus()
        store.bus = bus
    return bus
