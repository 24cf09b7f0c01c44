"""Every committed write reaches the open views through the services' change bus:
an editor's save, an undo, and a write made in a background thread alike."""

from __future__ import annotations

import threading

from journal.services import actions
from journal.store import models as m


def test_views_hear_of_every_write_once(qtbot, ctx):
    heard = []
    ctx.changed.connect(heard.append)

    ctx.apply(actions.add_regimen, m.Regimen(name="VRd", start="2019-05"), [])
    assert [c.label for c in heard] == ["Add regimen VRd"]  # once, not twice

    ctx.undo_stack.undo()
    assert len(heard) == 2  # the undo, published by the services, heard once

    # A write from a worker thread (an import running in the background) arrives on
    # the UI thread through the queued hop.
    def work():
        actions.add_regimen(ctx.store, m.Regimen(name="DPd", start="2022-03"), [])

    t = threading.Thread(target=work)
    t.start()
    t.join()
    qtbot.waitUntil(lambda: len(heard) == 3, timeout=5000)
    assert heard[-1].label == "Add regimen DPd"


def test_a_closed_journal_stops_listening(qtbot, store, settings):
    from journal.ui.context import JournalContext

    c = JournalContext(store, settings)
    heard = []
    c.changed.connect(heard.append)
    c._unsubscribe()
    actions.add_regimen(store, m.Regimen(name="VRd", start="2019-05"), [])
    assert heard == []
