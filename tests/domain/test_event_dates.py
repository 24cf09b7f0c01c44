"""One date per event (journal.domain.event_dates)."""

from __future__ import annotations

import datetime as dt

from journal.domain.dates import PartialDate
from journal.domain.event_dates import current_response, procedure_date
from journal.domain.records import History, ProcedureRec, ProgressionRec, ResponseRec
from journal.domain.washout import compute_washouts


def P(text: str) -> PartialDate:
    return PartialDate.from_iso(text)


def test_a_transplant_is_day_0_and_a_course_its_last_day():
    car_t = ProcedureRec(1, "CAR-T infusion", P("2024-01-15"), end=P("2024-01-29"))
    asct = ProcedureRec(2, "autologous stem-cell transplant", P("2017-08-16"), P("2017-09-04"))
    rt = ProcedureRec(3, "radiotherapy", P("2023-03-01"), end=P("2023-03-14"))
    assert procedure_date(car_t) == P("2024-01-15")
    assert procedure_date(asct) == P("2017-08-16")
    assert procedure_date(rt) == P("2023-03-14")
    w = compute_washouts(History(procedures=(car_t, asct, rt)), as_of=dt.date(2024, 3, 1))
    last = {i.key: i.last for i in w.procedures}
    assert last == {
        "car_t": P("2024-01-15"),
        "auto_sct": P("2017-08-16"),
        "radiotherapy": P("2023-03-14"),
    }


def test_a_course_still_running_counts_from_its_start_so_far():
    rt = ProcedureRec(3, "radiotherapy", P("2023-03-01"), end=P("2023-03-14"))
    w = compute_washouts(History(procedures=(rt,)), as_of=dt.date(2023, 3, 5))
    assert w.procedures[0].last == P("2023-03-01")


def test_a_response_older_than_a_later_progression_is_not_current():
    h = History(
        responses=(ResponseRec(1, P("2022-08-02"), "PR"),),
        progressions=(ProgressionRec(1, P("2023-07-04")),),
    )
    cur = current_response(h, None, dt.date(2024, 3, 1))
    assert cur.latest.category == "PD" and cur.latest.date == P("2023-07-04")
    assert cur.recorded is None  # the latest is itself the recorded progression
    # a response entered after the progression is current again
    h2 = History(
        responses=(ResponseRec(1, P("2022-08-02"), "PR"), ResponseRec(2, P("2024-02-01"), "SD")),
        progressions=(ProgressionRec(1, P("2023-07-04")),),
    )
    cur2 = current_response(h2, None, dt.date(2024, 3, 1))
    assert cur2.latest.category == "SD"


def test_nothing_after_the_as_of_date_counts():
    h = History(
        responses=(ResponseRec(1, P("2022-08-02"), "PR"),),
        progressions=(ProgressionRec(1, P("2023-07-04")),),
    )
    cur = current_response(h, None, dt.date(2023, 1, 1))
    assert cur.latest.category == "PR" and cur.recorded is None
    assert current_response(History(), None, dt.date(2023, 1, 1)).latest is None


def test_a_regimen_that_ended_for_progression_makes_an_older_response_not_current():
    """Typed the way a clinic letter tells it: VRd 'stopped in Feb 2022 because the
    myeloma progressed', no separate progression record (issue 9 with issue 11)."""
    from journal.domain.records import RegimenRec

    vrd = RegimenRec(1, "VRd", P("2021-01"), P("2022-02"), end_reason="progression")
    h = History(
        regimens=(vrd,),
        responses=(ResponseRec(1, P("2021-06"), "VGPR", assessor="clinician", regimen_id=1),),
    )
    cur = current_response(h, None, dt.date(2022, 6, 1))
    assert cur.latest.category == "PD" and cur.latest.ref == "regimen:1"
    assert cur.latest.date == P("2022-02")  # the month typed, no invented day
    assert cur.recorded is None  # the VGPR is older than the progression
    inadequate = RegimenRec(1, "VRd", P("2021-01"), P("2022-02"), end_reason="inadequate response")
    cur = current_response(
        History(regimens=(inadequate,), responses=h.responses), None, dt.date(2022, 6, 1)
    )
    assert cur.latest.category == "VGPR"  # a non-response is not a progression
