"""The per-test index of labs in (date, id) order, and the rules that binary-search it.

Brute force (every lab read, as the rules did before) is the reference: dates of every
precision and qualifier, several results on one day, results without a value, and any
input order."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from journal.domain.dates import PartialDate, Qualifier
from journal.domain.kidney import latest_egfr
from journal.domain.records import (
    History,
    LabRec,
    PersonRec,
    lab_day,
    labs_in_order,
    labs_of_test_in_order,
)
from journal.domain.staging import _last, _near, compute_staging

TESTS = ("creatinine", "albumin", "b2m", "calcium", "weight")

_dates = st.builds(
    lambda y, m, d, prec, q: (
        PartialDate(y, m, d, qualifier=q)
        if prec == "day"
        else PartialDate(y, m, qualifier=q)
        if prec == "month"
        else PartialDate(y, season="winter", qualifier=q)
        if prec == "season"
        else PartialDate(y, qualifier=q)
    ),
    st.integers(2019, 2023),
    st.integers(1, 12),
    st.integers(1, 28),
    st.sampled_from(["day", "day", "day", "month", "season", "year"]),
    st.sampled_from([Qualifier.EXACT, Qualifier.EXACT, Qualifier.ABOUT, Qualifier.BEFORE]),
)
_labs = st.lists(
    st.tuples(
        _dates, st.sampled_from(TESTS), st.one_of(st.none(), st.floats(0.3, 9.0)), st.booleans()
    ),
    max_size=30,
).map(
    lambda rows: tuple(
        LabRec(i + 1, d, test, value, text_value="seen" if text and value is None else None)
        for i, (d, test, value, text) in enumerate(rows)
    )
)
_days = st.dates(dt.date(2018, 6, 1), dt.date(2024, 6, 1))


@settings(max_examples=80, deadline=None)
@given(_labs, st.randoms(use_true_random=False))
def test_groups_are_the_ordered_labs_of_each_test(labs, rnd):
    shuffled = list(labs)
    rnd.shuffle(shuffled)
    for given_labs in (labs, tuple(shuffled)):
        for test in TESTS:
            got = labs_of_test_in_order(given_labs, test)
            assert list(got) == [x for x in labs_in_order(given_labs) if x.test == test]
            days = [lab_day(x) for x in got]
            assert days == sorted(days)  # what the binary searches rely on


def test_the_kept_groups_follow_the_labs_asked_about():
    a = (LabRec(1, PartialDate(2020, 1, 1), "b2m", 2.0),)
    b = (LabRec(2, PartialDate(2021, 1, 1), "b2m", 3.0),)
    assert labs_of_test_in_order(a, "b2m") == a
    assert labs_of_test_in_order(b, "b2m") == b
    assert labs_of_test_in_order(a, "b2m") == a
    assert labs_of_test_in_order(a, "albumin") == ()


@settings(max_examples=80, deadline=None)
@given(_labs, _days, st.integers(0, 200), st.one_of(st.none(), _days))
def test_last_and_near_match_reading_every_lab(labs, when, window, before):
    h = History(labs=labs)
    for test in TESTS:
        with_value = [x for x in labs if x.test == test and x.value is not None]
        last = max(
            (x for x in with_value if x.date.as_date() <= when),
            key=lambda x: (x.date.sort_key(), x.id),
            default=None,
        )
        assert _last(h, test, when) == last
        near = min(
            (
                x
                for x in with_value
                if abs((x.date.as_date() - when).days) <= window
                and (before is None or x.date.as_date() <= before)
            ),
            key=lambda x: (abs((x.date.as_date() - when).days), x.id),
            default=None,
        )
        assert _near(h, test, when, window, before) == near


@settings(max_examples=60, deadline=None)
@given(_labs, st.one_of(st.none(), _days), st.randoms(use_true_random=False))
def test_latest_egfr_and_staging_do_not_depend_on_the_order_of_the_labs(labs, when, rnd):
    person = PersonRec(birth_date=PartialDate(1955, 3, 1), sex="female", weight_kg=None)
    h = History(person=person, labs=labs)
    creatinine = [x for x in labs if x.test == "creatinine" and x.value is not None]
    expected = max(
        (x for x in creatinine if when is None or x.date.earliest() <= when),
        key=lambda x: (x.date.sort_key(), x.id),
        default=None,
    )
    got = latest_egfr(h, when)
    assert (got.trace.records if got else None) == ((expected.ref,) if expected else None)

    shuffled = list(labs)
    rnd.shuffle(shuffled)
    h2 = History(person=person, labs=tuple(shuffled))
    at = when or dt.date(2024, 6, 1)
    assert compute_staging(h, as_of=at) == compute_staging(h2, as_of=at)


_graded = st.lists(
    st.tuples(
        _dates,
        st.sampled_from(["anc", "platelets", "hb", "creatinine", "lvef", "serum_ife"]),
        st.one_of(st.none(), st.floats(0.1, 400.0)),
        st.sampled_from([None, "positive", "negative"]),
    ),
    max_size=30,
).map(
    lambda rows: tuple(
        LabRec(i + 1, d, test, value, text_value=text)
        for i, (d, test, value, text) in enumerate(rows)
    )
)


@settings(max_examples=60, deadline=None)
@given(_graded, _days)
def test_lab_grades_and_asked_labs_match_reading_every_lab(labs, day):
    # Also on the days of the results themselves: a result on the day counts.
    for when in [day, *(lab_day(x) for x in labs[:4])]:
        _grades_and_asked_as_reading_every_lab(labs, when)


def _grades_and_asked_as_reading_every_lab(labs, when):
    from journal.domain.ctcae import get_terms, lab_grade, lab_grades
    from journal.domain.exclusions import ASKED_LABS, asked_labs

    h = History(labs=labs)
    latest = {}
    for lab in labs_in_order(labs):
        if lab.value is not None and lab.date.as_date() <= when:
            latest[lab.test] = lab
    expected = [
        lab_grade(latest[t.lab.test], "CTCAE v5.0")
        for t in get_terms().terms
        if t.lab and t.lab.test in latest
    ]
    assert lab_grades(h, as_of=when) == tuple(g for g in expected if g is not None)

    seen = {}
    for lab in labs_in_order(labs):
        if lab.date.earliest() <= when and (lab.value is not None or lab.text_value):
            seen[lab.test] = lab
    got = {a.test: a.ref for a in asked_labs(h, when)}
    assert got == {t: (seen[t].ref if t in seen else None) for t in ASKED_LABS}
