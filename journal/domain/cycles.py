"""Pausing Python's cycle collector while a long history is read or computed.

Reading a journal and running the rules make hundreds of thousands of objects that
live on (the history, the summary) or are freed by reference counting as they go; they
make no reference cycles. The cycle collector, run meanwhile every few hundred new
objects, walks the objects still alive again and again: on a 10x history that was a
quarter of the rules' time and the one part growing faster than the history.

When the block ends, what it made and kept goes straight to the oldest generation
(``gc.freeze()`` then ``gc.unfreeze()``, two list splices), instead of being walked by
the first young collection after it: the history or summary just built lives on, and
that walk of every object of it was about a quarter of ``build_summary`` on the 1x
journal (15 ms of 60; 90 ms at 10x). They are still walked by every full
collection, as any long-lived object is, and freed by reference counting when dropped.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause the cycle collector for the block; restored after as it was (nested blocks
    and an already paused collector are left paused, and then nothing is moved)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            # Only when nothing else is frozen: unfreeze would let it go too.
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()
