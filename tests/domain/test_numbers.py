"""Numbers typed the way people type them: read by the locale, or asked about."""

import pytest

from journal.domain.labs import LAB_TESTS
from journal.domain.numbers import check_lab_value, format_number, read_number

EN = {"decimal": ".", "group": ","}
DE = {"decimal": ",", "group": "."}
FR = {"decimal": ",", "group": "\u00a0"}


def test_thousands_with_a_comma_is_not_one_point_two_in_an_english_locale():
    # The bug this module exists for: "1,200" was stored as 1.2.
    assert read_number("1,200", **EN).value == 1200


@pytest.mark.parametrize(
    ("text", "locale", "value"),
    [
        ("1,200", DE, 1.2),
        ("1.200", EN, 1.2),
        ("1.200", DE, 1200),
        ("1 200", EN, 1200),
        ("1 200", DE, 1200),
        ("1\u00a0200,5", FR, 1200.5),
        ("1,2", EN, 1.2),  # a comma before one digit can only be a decimal comma
        ("1,2", DE, 1.2),
        ("0,900", EN, 0.9),  # "0," never starts a thousands group
        ("1.200,5", EN, 1200.5),  # both separators: the last one is the decimal one
        ("1,200.5", DE, 1200.5),
        ("1,200,000", EN, 1200000),
        ("-3.5", EN, -3.5),
        (" 42 ", EN, 42),
        (",5", EN, 0.5),
    ],
)
def test_readings(text, locale, value):
    r = read_number(text, **locale)
    assert r.ok, r.problem
    assert r.value == pytest.approx(value)


def test_a_separator_the_locale_does_not_use_is_asked_about():
    r = read_number("1.200", **FR)
    assert r.value is None
    assert r.problem.startswith("Did you mean 1200 or 1,2?")
    assert r.choices == (1200, 1.2)


@pytest.mark.parametrize("text", ["1,2,3", "12 34", "abc", "1.2.3,4,5", "3 mg", "--1"])
def test_unreadable_text_gets_one_plain_sentence(text):
    r = read_number(text, **EN)
    assert r.value is None and r.problem
    assert "Traceback" not in r.problem and r.problem.endswith((".", "?"))


def test_integers():
    assert read_number("3", integer=True, **EN).value == 3
    assert read_number("1,000", integer=True, **EN).value == 1000
    assert "whole number" in read_number("2.5", integer=True, **EN).problem


def test_echo_of_the_value_as_understood():
    assert read_number("1,200", **EN).display == "= 1200"
    assert read_number("", **EN).empty and read_number("", **EN).display == ""
    assert format_number(1.25, ",") == "1,25"


def test_a_lab_value_far_out_of_range_asks_did_you_mean():
    mp = LAB_TESTS["m_protein"]
    assert check_lab_value(mp, 3.1, "g/dL") is None
    q = check_lab_value(mp, 31, "g/dL")
    assert "Did you mean 3.1 g/dL or 31 g/L?" in q.question
    assert q.suggestion == 3.1 and q.suggested_unit == "g/L"
    # "1,200" misread as 1200 g/dL offers the reading that fits
    assert "1.2 g/dL" in check_lab_value(mp, 1200, "g/dL").question
    assert check_lab_value(LAB_TESTS["hb"], 0.5, "g/dL").question.startswith(
        "0.5 g/dL is far below"
    )
    assert check_lab_value(LAB_TESTS["platelets"], 180, "10^9/L") is None
