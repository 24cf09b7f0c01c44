"""Blood tests from a table: columns guessed once, values read by the locale,
units converted, duplicates of what the journal has already found."""

from journal.domain.lab_table import (
    DATE,
    IGNORE,
    TEST,
    UNIT,
    VALUE,
    Column,
    build_rows,
    guess_columns,
    identify_test,
    read_table,
)

LONG_CSV = """Date,Test,Value,Unit,Lab
14/02/2022,M-protein,0.9,g/dL,City
14/02/2022,Kappa,"1,200",mg/L,City
01/2020,M-protein,2,g/L,City
"""

WIDE_TSV = (
    "Date\tM-protein (g/L)\tHb (g/dL)\tComment\nMar 2019\t31\t10,5\tat diagnosis\nJan 2020\t2\t\t\n"
)


def test_identify_tests_by_the_names_tables_use():
    assert identify_test("M-protein") == "m_protein"
    assert identify_test("Serum M-protein (SPEP M-spike)") == "m_protein"
    assert identify_test("free kappa") == "flc_kappa"
    assert identify_test("HGB") == "hb"
    assert identify_test("shoe size") is None


def test_one_result_per_row_csv():
    table = read_table(LONG_CSV)
    cols = guess_columns(table)
    assert [c.role for c in cols] == [DATE, TEST, VALUE, UNIT, IGNORE]
    rows = build_rows(table, cols)
    assert [(r.date, r.test, r.value, r.unit, r.problem) for r in rows] == [
        ("2022-02-14", "m_protein", 0.9, "g/dL", None),
        ("2022-02-14", "flc_kappa", 1200.0, "mg/L", None),  # "1,200" is not 1.2
        ("2020-01", "m_protein", 2.0, "g/L", None),
    ]
    assert rows[2].converted == "0.2 g/dL"  # shown in the rules' unit


def test_one_date_per_row_with_units_in_the_titles():
    table = read_table(WIDE_TSV)
    cols = guess_columns(table)
    assert cols[1] == Column(VALUE, "m_protein", "g/L") and cols[2] == Column(VALUE, "hb", "g/dL")
    assert cols[3].role == IGNORE
    rows = build_rows(table, cols, decimal=",", group=".")
    assert [(r.date, r.test, r.value, r.unit) for r in rows] == [
        ("2019-03", "m_protein", 31.0, "g/L"),
        ("2019-03", "hb", 10.5, "g/dL"),
        ("2020-01", "m_protein", 2.0, "g/L"),
    ]
    assert all(r.problem is None for r in rows)


def test_duplicates_of_results_already_in_the_journal():
    table = read_table(LONG_CSV)
    existing = [("2020-01", "m_protein", 0.2, "g/dL")]  # same result, other unit
    rows = build_rows(table, guess_columns(table), existing=existing)
    assert [r.duplicate for r in rows] == [False, False, True]


def test_problems_are_plain_and_per_row():
    table = read_table(
        "Date;Test;Value;Unit\nyesterday-ish;M-protein;1;g/dL\n2020;Foo;1;x\n"
        "2021;M-protein;abc;g/dL\n2022;M-protein;31;g/dL\n"
    )
    rows = build_rows(table, guess_columns(table))
    assert "not a date" in rows[0].problem
    assert "'Foo' is not a test I know" in rows[1].problem
    assert "not a number" in rows[2].problem
    assert rows[3].problem is None and "Did you mean 3.1 g/dL" in rows[3].doubt


def test_empty_text():
    assert read_table("").rows == []
