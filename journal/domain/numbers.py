"""Numbers as people type them, read safely.

"1,200" means one thousand two hundred to someone in Leeds and one point two to
someone in Lyon. Reading it with ``float(text.replace(",", "."))`` silently
stored 1.2 for the first person. Here a number is read with the separators of
the person's locale (passed in: this module knows nothing of Qt), a reading
that could go either way is refused with a question, and a lab value far
outside what its test can show asks "did you mean ...?".

Pure functions; the screens echo :attr:`NumberReading.display` under the field.

The other way round, :func:`fmt_number` is the one rounding for every number a person
reads (screens, PDF, explanations): lab values stored in canonical units carry
conversion noise (88 µmol/L of creatinine is 0.99525 mg/dL), and printing "1 mg/dL" in
a table beside "0.99525" in a formula made one value look like two (issue 11).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

# Spaces people and spreadsheets put between digit groups: space, no-break, thin spaces.
_SPACES = " \u00a0\u202f\u2009\u2007'"
_DIGITS = re.compile(r"^\d+$")


@dataclass(frozen=True)
class NumberReading:
    """How a typed number was understood.

    ``value`` is set when the reading is certain; otherwise ``problem`` is one plain
    sentence (a question when ``choices`` holds the possible readings).
    """

    text: str
    value: float | None = None
    problem: str | None = None
    choices: tuple[float, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def empty(self) -> bool:
        return not self.text.strip()

    @property
    def display(self) -> str:
        """The value as understood, for the line under the field ("= 1200")."""
        if self.value is None:
            return ""
        return f"= {format_number(self.value)}"


def format_number(value: float, decimal: str = ".") -> str:
    """Plain digits without a thousands separator (so it reads one way only)."""
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        text = str(int(value))
    else:
        text = f"{value:.10g}"
        if "e" in text:
            text = f"{value:.10f}".rstrip("0").rstrip(".")
    return text.replace(".", decimal)


def _grouped(parts: list[str]) -> bool:
    """True when ``parts`` (split at one separator) are valid digit groups: 1-3 digits
    (not a lone leading zero) then groups of exactly three."""
    if len(parts) < 2 or not all(_DIGITS.match(p) for p in parts):
        return False
    head = parts[0]
    if not 1 <= len(head) <= 3 or (head.startswith("0")):
        return False
    return all(len(p) == 3 for p in parts[1:])


def _example(decimal: str) -> str:
    return f"1{decimal}5"


def read_number(
    text: str,
    *,
    decimal: str = ".",
    group: str = ",",
    integer: bool = False,
) -> NumberReading:
    """Read ``text`` with the locale's ``decimal`` and ``group`` separators.

    - Digits grouped by spaces ("1 200") or by both separators ("1.200,5") read one way.
    - One separator followed by exactly three digits ("1,200", "1.200") is read by the
      locale: its group separator makes 1200, its decimal separator makes 1.2. When the
      separator is neither (a "." typed with a locale that uses "," and spaces), the
      reading is refused with a question naming both readings.
    - A separator followed by other than three digits ("1,2", "0,900") can only be a
      decimal point, whichever locale.
    """
    raw = text or ""
    s = raw.strip()
    if not s:
        return NumberReading(raw)
    sign = ""
    if s[0] in "+-\u2212":
        sign = "-" if s[0] in "-\u2212" else ""
        s = s[1:].strip()
    # Digit groups separated by spaces ("1 200", "12 500,5"): the spaces go first.
    if any(c in s for c in _SPACES):
        chunks = re.split(f"[{_SPACES}]+", s)
        first_rest = re.split(r"[.,]", chunks[-1], maxsplit=1)
        groups = [*chunks[:-1], first_rest[0]]
        if not _grouped(groups):
            return NumberReading(
                raw,
                problem=f"{raw.strip()!r} is not a number I can read; "
                f"type digits, e.g. 1200 or {_example(decimal)}.",
            )
        s = "".join(chunks)
    bad = re.sub(r"[\d.,]", "", s)
    if bad or not re.search(r"\d", s):
        kind = "a whole number" if integer else "a number"
        return NumberReading(
            raw,
            problem=f"{raw.strip()!r} is not {kind}; type digits only, "
            f"e.g. {'3' if integer else _example(decimal)}.",
        )
    value: float | None = None
    commas, dots = s.count(","), s.count(".")
    if commas and dots:
        last = "," if s.rfind(",") > s.rfind(".") else "."
        other = "." if last == "," else ","
        whole, _, frac = s.rpartition(last)
        if s.count(last) > 1 or not _grouped(whole.split(other)) or not _DIGITS.match(frac):
            return NumberReading(
                raw, problem=f"{raw.strip()!r} mixes separators; type e.g. 1200{decimal}5."
            )
        value = float(whole.replace(other, "") + "." + frac)
    elif commas + dots == 0:
        value = float(s)
    else:
        sep = "," if commas else "."
        parts = s.split(sep)
        if len(parts) > 2:  # "1,200,000": only a group separator repeats
            if not _grouped(parts):
                return NumberReading(
                    raw, problem=f"{raw.strip()!r} is not a number I can read; type e.g. 1200000."
                )
            value = float("".join(parts))
        elif not _grouped(parts):  # "1,2", "0,900", ",5", "3."
            whole, frac = parts
            value = float((whole or "0") + "." + (frac or "0"))
        else:  # one separator then three digits: the locale decides
            as_group = float("".join(parts))
            as_decimal = float(parts[0] + "." + parts[1])
            if sep == group and sep != decimal:
                value = as_group
            elif sep == decimal and sep != group:
                value = as_decimal
            else:
                a, b = format_number(as_group, decimal), format_number(as_decimal, decimal)
                return NumberReading(
                    raw,
                    problem=f"Did you mean {a} or {b}? {raw.strip()!r} can be read both ways; "
                    f"type {a} or {b}.",
                    choices=(as_group, as_decimal),
                )
    if sign:
        value = -value
    if integer:
        if not value.is_integer():
            return NumberReading(
                raw, problem=f"{raw.strip()!r} is not a whole number; type e.g. 3."
            )
        value = int(value)
    if math.isinf(value) or math.isnan(value):
        return NumberReading(raw, problem=f"{raw.strip()!r} is not a number I can read.")
    return NumberReading(raw, value=value)


# -- plausible lab values ---------------------------------------------------------------

#: (lowest, highest) a test can show at all, in its canonical unit (journal.domain.labs).
#: Wide on purpose: only a value that is almost surely a slip of a unit or a decimal point
#: is questioned, never a real extreme result.
PLAUSIBLE: dict[str, tuple[float, float]] = {
    "m_protein": (0.0, 15.0),  # g/dL
    "urine_m_protein": (0.0, 50000.0),  # mg/24h
    "flc_kappa": (0.0, 100000.0),  # mg/L
    "flc_lambda": (0.0, 100000.0),
    "flc_ratio": (0.0, 100000.0),
    "bmpc": (0.0, 100.0),  # %
    "circulating_pc": (0.0, 100.0),
    "hb": (2.0, 25.0),  # g/dL
    "platelets": (0.0, 3000.0),  # 10^9/L
    "anc": (0.0, 100.0),
    "wbc": (0.0, 500.0),
    "lymphocytes": (0.0, 400.0),
    "creatinine": (0.1, 30.0),  # mg/dL
    "egfr": (1.0, 200.0),
    "calcium": (3.0, 25.0),  # mg/dL
    "albumin": (0.5, 7.0),  # g/dL
    "b2m": (0.1, 200.0),  # mg/L
    "ldh": (10.0, 20000.0),  # U/L
    "bilirubin": (0.0, 50.0),  # mg/dL
    "alt": (0.0, 20000.0),
    "ast": (0.0, 20000.0),
    "igg": (0.0, 200.0),  # g/L
    "iga": (0.0, 150.0),
    "igm": (0.0, 150.0),
    "weight": (20.0, 400.0),  # kg
    "lvef": (5.0, 90.0),  # %
}


@dataclass(frozen=True)
class Plausibility:
    """A question about a value far outside what its test can show, or None if fine."""

    question: str
    suggestion: float | None = None  # the value in the same unit that would fit
    suggested_unit: str | None = None  # or another unit in which the value fits


def check_lab_value(test, value: float, unit: str) -> Plausibility | None:
    """``test`` is a :class:`journal.domain.labs.LabTest`. Returns a plain question when
    the value cannot be right as typed ("did you mean 3.1 g/dL?"), else None."""
    bounds = PLAUSIBLE.get(test.code)
    if bounds is None or unit not in test.units:
        return None
    lo, hi = bounds
    canonical = value * test.units[unit]
    if lo <= canonical <= hi:
        return None
    where = "above" if canonical > hi else "below"
    limit = format_number(hi / test.units[unit] if canonical > hi else lo / test.units[unit])
    shown = f"{format_number(value)} {unit}"
    lead = (
        f"{shown} is far {where} what {test.name} can show "
        f"({'up to' if where == 'above' else 'at least'} about {limit} {unit})."
    )
    # Another unit of the same test (a value copied from a letter in g/L), and a slipped
    # decimal point or a thousands separator read as one: offer both when both fit.
    unit_fit = next(
        (o for o, f in test.units.items() if o != unit and value > 0 and lo <= value * f <= hi),
        None,
    )
    decimal_fit = None
    for power in (1, 2, 3, -1, -2, -3):
        candidate = round(value / 10**power, 6)
        if value != 0 and lo < candidate * test.units[unit] <= hi:
            decimal_fit = candidate
            break
    options = []
    if decimal_fit is not None:
        options.append(f"{format_number(decimal_fit)} {unit}")
    thousandth = round(value / 1000, 6)
    if value >= 1000 and thousandth != decimal_fit and lo < thousandth * test.units[unit] <= hi:
        options.append(f"{format_number(thousandth)} {unit}")  # "1,200" meant as 1.2
    if unit_fit is not None:
        options.append(f"{format_number(value)} {unit_fit}")
    if not options:
        return Plausibility(f"{lead} Please check the value and its unit.")
    return Plausibility(
        f"{lead} Did you mean {', '.join(options[:-1])}{' or ' if len(options) > 1 else ''}"
        f"{options[-1]}?",
        suggestion=decimal_fit,
        suggested_unit=unit_fit,
    )


def fmt_number(v: float | None, empty: str = "—") -> str:
    """100 and more: whole numbers; 10-100: one decimal; below 10: two decimals;
    trailing zeros dropped (0.60 -> 0.6, 1.00 -> 1)."""
    if v is None:
        return empty
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}".rstrip("0").rstrip(".")
    return f"{v:.2f}".rstrip("0").rstrip(".")
