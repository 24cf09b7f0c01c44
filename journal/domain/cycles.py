"""Pausing Python's cycle collector while a long history is read or computed.

Reading a journal and running the rules make hundreds of thousands of objects that
live on (the history, the summary) or are freed by reference counting as they go; they
make no reference cycles. The cycle collector, run meanwhile every few hundred new
objects, walks the objects still alive again and again: on a 10x history that was a
quarter of the rules' time and the one part growing faster than the history.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause the cycle collector for the block; restored after as it was (nested blocks
    and an already paused collector are left paused)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
