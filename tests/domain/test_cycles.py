import gc

import pytest

from journal.domain.cycles import no_cycle_collection
from journal.domain.records import History
from journal.domain.summary import build_summary


@pytest.fixture(autouse=True)
def _collector_back_on():
    yield
    gc.enable()


def test_paused_inside_and_restored_after_even_on_error():
    gc.enable()
    with no_cycle_collection():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), no_cycle_collection():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_already_paused_stays_paused_and_nesting_keeps_it_off():
    gc.disable()
    with no_cycle_collection():
        pass
    assert not gc.isenabled()
    gc.enable()
    with no_cycle_collection():
        with no_cycle_collection():
            pass
        assert not gc.isenabled()  # the inner block does not switch it back on early
    assert gc.isenabled()


def test_build_summary_leaves_the_collector_as_it_found_it():
    gc.enable()
    build_summary(History())
    assert gc.isenabled()


class _Node:
    def __init__(self):
        self.other = None


def test_what_the_block_kept_goes_to_the_oldest_generation_and_cycles_are_still_freed():
    import weakref

    gc.enable()
    gc.collect()
    with no_cycle_collection():
        kept = _Node()
        a, b = _Node(), _Node()
        a.other, b.other = b, a  # a cycle made inside the block
        gone = weakref.ref(a)
        del a, b
    assert gc.isenabled() and gc.get_freeze_count() == 0  # nothing left frozen
    assert any(o is kept for o in gc.get_objects(generation=2))
    assert not any(o is kept for o in gc.get_objects(generation=0))
    gc.collect()
    assert gone() is None  # a full collection still frees the cycle


def test_objects_someone_else_froze_stay_frozen():
    gc.enable()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with no_cycle_collection():
            _Node()
        assert gc.get_freeze_count() == frozen and gc.isenabled()
    finally:
        gc.unfreeze()
