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
