"""Blood tests from a table: a CSV file or rows copied from a spreadsheet.

Two shapes are understood, and the columns are guessed once from the header:

- one result per row: ``Date, Test, Value, Unit`` (any order, more columns ignored);
- one date per row, one test per column: ``Date, M-protein (g/dL), Kappa (mg/L), ...``;
  a unit in the column title is used for the whole column.

:func:`build_rows` turns the table and the person's column choices into rows
ready to save, each with the value read by the locale (``journal.domain.numbers``),
the value in the unit the rules use, a plain problem when something cannot be
read, and whether the same result is already in the journal. Pure Python (the
``csv`` module); the screen and the services do the rest.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from journal.domain.catalog import normalise
from journal.domain.dates import DateError, PartialDate
from journal.domain.labs import LAB_TESTS
from journal.domain.numbers import check_lab_value, format_number, read_number

DATE, TEST, VALUE, UNIT, IGNORE = "date", "test", "value", "unit", "ignore"

#: Names people and lab printouts use for the tests (normalised -> test code).
_ALIASES = {
    "mprotein": "m_protein",
    "mspike": "m_protein",
    "paraprotein": "m_protein",
    "spep": "m_protein",
    "kappa": "flc_kappa",
    "freekappa": "flc_kappa",
    "kappaflc": "flc_kappa",
    "lambda": "flc_lambda",
    "freelambda": "flc_lambda",
    "lambdaflc": "flc_lambda",
    "kappalambdaratio": "flc_ratio",
    "klratio": "flc_ratio",
    "flcratio": "flc_ratio",
    "hb": "hb",
    "hgb": "hb",
    "haemoglobin": "hb",
    "hemoglobin": "hb",
    "plt": "platelets",
    "neutrophils": "anc",
    "wbc": "wbc",
    "creat": "creatinine",
    "ca": "calcium",
    "b2m": "b2m",
    "beta2microglobulin": "b2m",
    "igg": "igg",
    "iga": "iga",
    "igm": "igm",
}
_HEADER_WORDS = {
    DATE: {"date", "datum", "day", "taken", "collected", "sampledate", "when"},
    TEST: {"test", "analyte", "name", "parameter", "what"},
    VALUE: {"value", "result", "level", "amount", "wert"},
    UNIT: {"unit", "units", "einheit"},
}
_UNIT_IN_TITLE = re.compile(r"^(.*?)[\s]*[(\[]\s*([^)\]]+?)\s*[)\]]\s*$")


def identify_test(text: str) -> str | None:
    """A test code from what a table calls it ("M-protein", "Hb", "Free kappa", code)."""
    key = normalise(text)
    if not key:
        return None
    for code, t in LAB_TESTS.items():
        if key in (normalise(code), normalise(t.name), normalise(t.name.split("(")[0])):
            return code
    return _ALIASES.get(key)


def _unit_of(test_code: str, text: str | None) -> str | None:
    """The catalog's spelling of a unit written in a table ("g/dl" -> "g/dL")."""
    if not text:
        return None
    t = LAB_TESTS[test_code]
    want = text.strip().replace("µ", "u").replace("μ", "u").lower().replace(" ", "")
    for u in t.units:
        if u.lower().replace(" ", "") == want:
            return u
    return None


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Column:
    """What one column holds: DATE, TEST, VALUE, UNIT, IGNORE, or (wide tables) the
    results of one ``test`` in ``unit``."""

    role: str
    test: str | None = None
    unit: str | None = None

    def describe(self) -> str:
        if self.test:
            return f"{LAB_TESTS[self.test].name} ({self.unit})"
        return {
            DATE: "Date",
            TEST: "Test name",
            VALUE: "Value",
            UNIT: "Unit",
            IGNORE: "(not imported)",
        }[self.role]


def read_table(text: str) -> Table:
    """Rows of a CSV file or of cells copied from a spreadsheet (tab-separated)."""
    text = (text or "").lstrip("\ufeff")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return Table([], [])
    sample = "\n".join(lines[:20])
    if "\t" in sample:
        delimiter = "\t"
    else:
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;").delimiter
        except csv.Error:
            delimiter = ","
    rows = [
        [c.strip() for c in r]
        for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
    ]
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    return Table(rows[0], rows[1:])


def guess_columns(table: Table) -> list[Column]:
    """The likely meaning of each column from its title (the person can change it)."""
    out: list[Column] = []
    for title in table.header:
        key = normalise(title)
        role = next((r for r, words in _HEADER_WORDS.items() if key in words), None)
        if role is not None:
            out.append(Column(role))
            continue
        mo = _UNIT_IN_TITLE.match(title)
        name, unit_text = (mo.group(1), mo.group(2)) if mo else (title, None)
        code = identify_test(name)
        if code is not None:
            unit = _unit_of(code, unit_text) or LAB_TESTS[code].unit
            out.append(Column(VALUE, code, unit))
        else:
            out.append(Column(IGNORE))
    return out


@dataclass(frozen=True)
class ImportRow:
    line: int  # 1-based row of the table (after the titles)
    date: str | None  # stored form ("2019-03")
    test: str | None
    value: float | None
    text_value: str | None
    unit: str | None
    problem: str | None = None
    doubt: str | None = None  # "did you mean ...?" for a value far out of range
    duplicate: bool = False

    @property
    def converted(self) -> str:
        """The value in the unit the rules use, for the preview."""
        if self.value is None or self.test is None or self.unit is None:
            return self.text_value or ""
        t = LAB_TESTS[self.test]
        v = t.to_canonical(self.value, self.unit) if self.unit in t.units else self.value
        return f"{format_number(round(v, 6))} {t.unit}"


def _read_date(text: str) -> tuple[str | None, str | None]:
    if not text.strip():
        return None, "The date is missing."
    try:
        return PartialDate.parse(text).to_iso(), None
    except DateError as exc:
        return None, str(exc)


def build_rows(
    table: Table,
    columns: list[Column],
    *,
    decimal: str = ".",
    group: str = ",",
    existing: Sequence[tuple[str, str, float | None, str | None]] = (),
) -> list[ImportRow]:
    """The results in the table as the columns say; ``existing`` holds (date, test, value,
    unit) of results already in the journal, to mark duplicates (same date and test, same
    value in the rules' unit)."""
    have = set()
    date: str | None  # a row's date below may be missing
    for date, test, value, unit in existing:
        if test in LAB_TESTS and value is not None and unit in LAB_TESTS[test].units:
            have.add((date, test, round(LAB_TESTS[test].to_canonical(value, unit), 6)))
    roles = [c.role for c in columns]
    date_col = roles.index(DATE) if DATE in roles else None
    out: list[ImportRow] = []
    for i, row in enumerate(table.rows, start=1):
        date, date_problem = (
            _read_date(row[date_col]) if date_col is not None else (None, "No date column.")
        )
        cells: list[tuple[str | None, str, str | None]] = []  # (test, value text, unit)
        if TEST in roles:
            name = row[roles.index(TEST)]
            unit_text = row[roles.index(UNIT)] if UNIT in roles else None
            vcol = next((j for j, c in enumerate(columns) if c.role == VALUE and not c.test), None)
            code = identify_test(name)
            if vcol is not None and (name or row[vcol]):
                cells.append((code, row[vcol], unit_text if code else name))
        for j, c in enumerate(columns):
            if c.role == VALUE and c.test and row[j].strip():
                cells.append((c.test, row[j], c.unit))
        for code, text, unit_text in cells:
            problem = date_problem
            value = text_value = None
            unit = None
            if code is None:
                problem = f"{unit_text!r} is not a test I know; choose what it is or leave it out."
            else:
                t = LAB_TESTS[code]
                unit = _unit_of(code, unit_text) if unit_text else t.unit
                if unit is None:
                    problem = problem or (
                        f"{t.name}: unit {unit_text!r} is not known; use one of "
                        f"{', '.join(t.units)}."
                    )
                if t.qualitative:
                    if text.strip().lower() in t.qualitative:
                        text_value = text.strip().lower()
                        unit = t.unit
                    else:
                        problem = problem or f"{t.name}: type one of {', '.join(t.qualitative)}."
                else:
                    r = read_number(text, decimal=decimal, group=group)
                    if r.ok and r.value is not None:
                        value = r.value
                    else:
                        problem = problem or f"{t.name}: {r.problem or 'no value'}"
            doubt = None
            if problem is None and code is not None and value is not None and unit is not None:
                q = check_lab_value(LAB_TESTS[code], value, unit)
                doubt = q.question if q else None
            dup = (
                problem is None
                and code is not None
                and value is not None
                and unit is not None
                and (date, code, round(LAB_TESTS[code].to_canonical(value, unit), 6)) in have
            )
            out.append(ImportRow(i, date, code, value, text_value, unit, problem, doubt, dup))
    return out
