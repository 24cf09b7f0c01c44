"""Services: the only writers (actions), the read side (queries) and the change bus.

Usage::

    from journal.services import actions, queries, bus_for
    change = actions.add_regimen(store, regimen, drugs)   # validated, one transaction
    actions.undo(store, change)                            # exact inverse, ids preserved
    history = queries.load_history(store)                  # input for the domain rules
    bus_for(store).subscribe(view.on_change)               # every Change, after commit
"""

from journal.services.events import ChangeBus, bus_for

__all__ = ["ChangeBus", "bus_for"]
