"""The as-of cut keeps each tuple of records itself when nothing of it lies after the day
(the summary as of today on a long history), and still cuts when something does."""

import datetime as dt

from journal.domain.dates import PartialDate
from journal.domain.records import History, SideEffectRec, SupportiveRec
from journal.domain.summary import history_as_of


def _d(text: str) -> PartialDate:
    return PartialDate.from_iso(text)


def _history() -> History:
    return History(
        side_effects=(
            SideEffectRec(1, "Nausea", _d("2020-01-05"), grade=1, resolved=_d("2020-02-01")),
            SideEffectRec(2, "Fatigue", _d("2021-03"), grade=2, resolved=_d("2022-06-10")),
            SideEffectRec(3, "Rash", _d("2022-05-01"), grade=1),
        ),
        supportive=(SupportiveRec(1, "Aciclovir", start=_d("2020-01"), end=_d("2021-12")),),
    )


def test_unchanged_tuples_are_kept_as_they_are():
    h = _history()
    cut = history_as_of(h, dt.date(2030, 1, 1))
    assert cut.side_effects is h.side_effects
    assert cut.supportive is h.supportive


def test_later_records_left_out_and_later_ends_left_open():
    h = _history()
    cut = history_as_of(h, dt.date(2021, 12, 15))
    assert [s.id for s in cut.side_effects] == [1, 2]
    assert cut.side_effects[0] is h.side_effects[0]  # ended by then: kept as it is
    assert cut.side_effects[1].resolved is None  # resolved after the day: still going on
    assert cut.side_effects[1].onset == h.side_effects[1].onset
    # "Dec 2021" begins on 1 Dec: known on the 15th, so the supportive care has ended.
    assert cut.supportive is h.supportive
    assert history_as_of(h, dt.date(2021, 11, 30)).supportive[0].end is None
    assert history_as_of(h, dt.date(2019, 12, 31)).side_effects == ()


def test_a_list_given_by_hand_comes_back_a_tuple():
    h = History(side_effects=list(_history().side_effects))  # type: ignore[arg-type]
    cut = history_as_of(h, dt.date(2030, 1, 1))
    assert type(cut.side_effects) is tuple and len(cut.side_effects) == 3
