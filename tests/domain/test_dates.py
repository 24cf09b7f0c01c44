import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journal.domain.dates import DateError, PartialDate, Precision, Qualifier, days_between

P = PartialDate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019", P(2019)),
        ("May 2019", P(2019, 5)),
        ("may 2019", P(2019, 5)),
        ("14 May 2019", P(2019, 5, 14)),
        ("May 14, 2019", P(2019, 5, 14)),
        ("2019-05-14", P(2019, 5, 14)),
        ("14/05/2019", P(2019, 5, 14)),
        ("14.05.2019", P(2019, 5, 14)),
        ("05/2019", P(2019, 5)),
        ("about spring 2019", P(2019, season="spring", qualifier=Qualifier.ABOUT)),
        ("before March 2020", P(2020, 3, qualifier=Qualifier.BEFORE)),
        ("after 2018", P(2018, qualifier=Qualifier.AFTER)),
        ("~2019-SP", P(2019, season="spring", qualifier=Qualifier.ABOUT)),
        ("fall 2021", P(2021, season="autumn")),
        ("3rd June 2022", P(2022, 6, 3)),
    ],
)
def test_parse_what_people_type(text, expected):
    assert PartialDate.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("31 February 2020", "has no day 31"),
        ("Smarch 2019", "not a month"),
        ("2019-13", "month 13"),
        ("yesterday-ish", "not a date I understand"),
        ("1850", "outside"),
    ],
)
def test_bad_dates_say_what_is_wrong(text, fragment):
    with pytest.raises(DateError, match=fragment):
        PartialDate.parse(text)


def test_display_keeps_what_was_entered():
    assert PartialDate.parse("about spring 2019").display() == "about spring 2019"
    assert PartialDate.parse("May 2019").display() == "May 2019"
    assert PartialDate.parse("2019-05-14").display() == "14 May 2019"


def test_span_of_partial_dates():
    assert P(2019).earliest() == dt.date(2019, 1, 1)
    assert P(2019).latest() == dt.date(2019, 12, 31)
    assert P(2020, 2).latest() == dt.date(2020, 2, 29)
    winter = P(2019, season="winter")
    assert winter.earliest() == dt.date(2019, 12, 1)
    assert winter.latest() == dt.date(2020, 2, 29)
    assert P(2019, 5).precision is Precision.MONTH


def test_sorting_mixes_precisions_sensibly():
    dates = [P(2019, 12, 1), P(2019), P(2019, 1, 5), P(2019, 6), P(2018, season="winter")]
    assert sorted(dates) == [
        P(2019, 1, 5),
        P(2018, season="winter"),
        P(2019, 6),
        P(2019),
        P(2019, 12, 1),
    ]
    # Year-only sorts by its middle, so it lands between the months around July.
    assert P(2019, 3) < P(2019) < P(2019, 10)


def test_days_between_uses_midpoint_for_partial_dates():
    assert days_between(P(2020, 1, 1), P(2020, 3, 1)) == 60
    assert days_between(P(2020, 1, 1), dt.date(2020, 1, 31)) == 30


dates = st.builds(
    lambda d, prec, qual, season: (
        P(d.year, d.month, d.day, qualifier=qual)
        if prec == "day"
        else P(d.year, d.month, qualifier=qual)
        if prec == "month"
        else P(d.year, season=season, qualifier=qual)
        if prec == "season"
        else P(d.year, qualifier=qual)
    ),
    st.dates(dt.date(1950, 1, 1), dt.date(2100, 12, 31)),
    st.sampled_from(["day", "month", "season", "year"]),
    st.sampled_from(list(Qualifier)),
    st.sampled_from(["spring", "summer", "autumn", "winter"]),
)


@given(dates)
def test_canonical_text_round_trips(d):
    assert PartialDate.from_iso(d.to_iso()) == d


@given(dates)
def test_display_text_parses_back(d):
    assert PartialDate.parse(d.display()) == d


@given(dates)
def test_span_is_ordered(d):
    assert d.earliest() <= d.midpoint() <= d.latest()


@given(dates, dates)
def test_order_is_total_and_consistent(a, b):
    assert (a < b) + (b < a) + (a.sort_key() == b.sort_key()) == 1


@given(st.dates())
def test_day_texts_match_strftime(d):
    from journal.domain.dates import day_text, day_text_padded

    assert day_text(d) == f"{d.day} {d:%b %Y}"
    assert day_text_padded(d) == f"{d:%d %b %Y}"


def test_month_names_follow_a_change_of_time_locale(monkeypatch):
    # The names are kept per locale: a different locale (Qt sets the user's at start)
    # must not be answered with the names looked up under the first one.
    import calendar
    import locale

    from journal.domain import dates

    assert dates.month_abbr(5) == calendar.month_abbr[5]
    monkeypatch.setattr(locale, "setlocale", lambda *_a: "xx_TEST")
    monkeypatch.setattr(calendar, "month_abbr", ["", *(f"m{i}" for i in range(1, 13))])
    assert dates.month_abbr(5) == "m5"
    assert P(2019, 5, 14).display() == "14 m5 2019"
