"""Dates as patients remember them.

A :class:`PartialDate` keeps its precision (day, month, season or year) and a
qualifier (exact, about, before, after). It has a canonical text form that is
stored in the database and the exchange file, a derived sort key, and the
earliest/latest real days it can stand for, which the rules use for
arithmetic. Pattern: Gramps' ``gen/lib/date.py`` (modifier + quality).
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import locale
import re
from dataclasses import dataclass, field
from enum import StrEnum


class Precision(StrEnum):
    DAY = "day"
    MONTH = "month"
    SEASON = "season"
    YEAR = "year"


class Qualifier(StrEnum):
    EXACT = "exact"
    ABOUT = "about"
    BEFORE = "before"
    AFTER = "after"


# Northern-hemisphere meteorological seasons; winter belongs to the year of its
# December so "winter 2019" is Dec 2019 - Feb 2020.
SEASONS: dict[str, tuple[int, int]] = {
    "spring": (3, 5),
    "summer": (6, 8),
    "autumn": (9, 11),
    "winter": (12, 2),
}
_SEASON_CODES = {"spring": "SP", "summer": "SU", "autumn": "AU", "winter": "WI"}
_CODE_SEASONS = {v: k for k, v in _SEASON_CODES.items()}
_QUAL_PREFIX = {Qualifier.ABOUT: "~", Qualifier.BEFORE: "<", Qualifier.AFTER: ">"}
_PREFIX_QUAL = {v: k for k, v in _QUAL_PREFIX.items()}

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name} | {
    name.lower(): i for i, name in enumerate(calendar.month_abbr) if name
}
_MONTHS["sept"] = 9
_SEASON_WORDS = {
    "spring": "spring",
    "summer": "summer",
    "autumn": "autumn",
    "fall": "autumn",
    "winter": "winter",
}
_QUAL_WORDS = {
    "about": Qualifier.ABOUT,
    "around": Qualifier.ABOUT,
    "approx": Qualifier.ABOUT,
    "approximately": Qualifier.ABOUT,
    "circa": Qualifier.ABOUT,
    "ca": Qualifier.ABOUT,
    "c": Qualifier.ABOUT,
    "~": Qualifier.ABOUT,
    "roughly": Qualifier.ABOUT,
    "before": Qualifier.BEFORE,
    "by": Qualifier.BEFORE,
    "<": Qualifier.BEFORE,
    "after": Qualifier.AFTER,
    "since": Qualifier.AFTER,
    ">": Qualifier.AFTER,
    "exact": Qualifier.EXACT,
    "exactly": Qualifier.EXACT,
    "on": Qualifier.EXACT,
}

MIN_YEAR = 1900
MAX_YEAR = 2200


class DateError(ValueError):
    """A date the user typed cannot be understood; the message says how to write it."""


@dataclass(frozen=True, slots=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None
    season: str | None = None
    qualifier: Qualifier = Qualifier.EXACT
    # (earliest, latest, midpoint, sort key), worked out on first use: the rules ask for
    # them hundreds of thousands of times on a long history. Not part of the value.
    _derived: tuple[dt.date, dt.date, dt.date, tuple[int, int, int]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not (MIN_YEAR <= self.year <= MAX_YEAR):
            raise DateError(f"year {self.year} is outside {MIN_YEAR}-{MAX_YEAR}")
        if self.season is not None:
            if self.season not in SEASONS:
                raise DateError(f"unknown season {self.season!r}")
            if self.month is not None or self.day is not None:
                raise DateError("a season date has no month or day")
        if self.month is not None and not 1 <= self.month <= 12:
            raise DateError(f"month {self.month} is not between 1 and 12")
        if self.day is not None:
            if self.month is None:
                raise DateError("a day needs a month")
            last = calendar.monthrange(self.year, self.month)[1]
            if not 1 <= self.day <= last:
                raise DateError(
                    f"{calendar.month_name[self.month]} {self.year} has no day {self.day}"
                )
        if type(self.qualifier) is not Qualifier:
            object.__setattr__(self, "qualifier", Qualifier(self.qualifier))

    # -- constructors -------------------------------------------------------------
    @classmethod
    def from_date(cls, d: dt.date, qualifier: Qualifier = Qualifier.EXACT) -> PartialDate:
        return cls(d.year, d.month, d.day, qualifier=qualifier)

    @classmethod
    def today(cls) -> PartialDate:
        return cls.from_date(dt.date.today())

    @classmethod
    def from_iso(cls, text: str) -> PartialDate:
        """Parse the canonical stored form: ``[~<>]YYYY[-MM[-DD]|-SP|-SU|-AU|-WI]``."""
        if cls is PartialDate:
            return _from_iso(text)
        return cls._parse_iso(text)

    @classmethod
    def _parse_iso(cls, text: str) -> PartialDate:
        m = re.fullmatch(r"([~<>]?)(\d{4})(?:-(\d{2}|SP|SU|AU|WI)(?:-(\d{2}))?)?", text or "")
        if not m:
            raise DateError(
                f"{text!r} is not a stored date (expected e.g. 2019, 2019-05, 2019-05-14)"
            )
        prefix, year, mid, day = m.groups()
        qual = _PREFIX_QUAL.get(prefix, Qualifier.EXACT)
        if mid and mid in _CODE_SEASONS:
            if day:
                raise DateError(f"{text!r}: a season has no day")
            return cls(int(year), season=_CODE_SEASONS[mid], qualifier=qual)
        return cls(int(year), int(mid) if mid else None, int(day) if day else None, qualifier=qual)

    @classmethod
    def parse(cls, text: str, *, today: dt.date | None = None) -> PartialDate:
        """Parse what a person types: ``2019``, ``May 2019``, ``about spring 2019``,
        ``14/05/2019`` (day first), ``2019-05-14``, ``before March 2020``."""
        raw = (text or "").strip()
        if not raw:
            raise DateError("the date is empty; type e.g. 2019, May 2019 or 14 May 2019")
        try:
            return cls.from_iso(raw)
        except DateError:
            pass
        s = raw.lower().replace(",", " ").replace(".", " ").strip()
        qual = Qualifier.EXACT
        tokens = s.split()
        while tokens and tokens[0] in _QUAL_WORDS:
            qual = _QUAL_WORDS[tokens.pop(0)]
        if tokens and tokens[0][:1] in "~<>" and len(tokens[0]) > 1:
            qual = _QUAL_PREFIX_REV(tokens[0][0])
            tokens[0] = tokens[0][1:]
        if tokens and tokens[0] == "today" and len(tokens) == 1:
            return cls.from_date(today or dt.date.today(), qual)
        body = " ".join(tokens)
        for pattern, builder in _PATTERNS:
            m = re.fullmatch(pattern, body)
            if m:
                try:
                    return builder(m, qual)
                except DateError as exc:
                    raise DateError(f"{raw!r}: {exc}") from None
        raise DateError(
            f"{raw!r} is not a date I understand; type e.g. 2019, May 2019, "
            "14 May 2019, 2019-05-14 or about spring 2019"
        )

    # -- derived --------------------------------------------------------------------
    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return Precision.DAY
        if self.month is not None:
            return Precision.MONTH
        if self.season is not None:
            return Precision.SEASON
        return Precision.YEAR

    @property
    def is_exact_day(self) -> bool:
        return self.precision is Precision.DAY and self.qualifier is Qualifier.EXACT

    def _derive(self) -> tuple[dt.date, dt.date, dt.date, tuple[int, int, int]]:
        if self.day is not None and self.month is not None:  # a day always has a month
            lo = hi = dt.date(self.year, self.month, self.day)
        elif self.month is not None:
            lo = dt.date(self.year, self.month, 1)
            hi = dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])
        elif self.season is not None:
            first, last = SEASONS[self.season]
            y = self.year + 1 if last < first else self.year
            lo = dt.date(self.year, first, 1)
            hi = dt.date(y, last, calendar.monthrange(y, last)[1])
        else:
            lo, hi = dt.date(self.year, 1, 1), dt.date(self.year, 12, 31)
        mid = lo + (hi - lo) // 2
        # Sort by midpoint so "2019" sits in the middle of 2019, then the coarser
        # date before the finer one at the same midpoint, then qualifier.
        key = (mid.toordinal(), _QUALIFIER_ORDER[self.qualifier], _PRECISION_ORDER[self.precision])
        derived = (lo, hi, mid, key)
        object.__setattr__(self, "_derived", derived)
        return derived

    def earliest(self) -> dt.date:
        """The first real day this date can stand for (qualifier ignored)."""
        return (self._derived or self._derive())[0]

    def latest(self) -> dt.date:
        """The last real day this date can stand for (qualifier ignored)."""
        return (self._derived or self._derive())[1]

    def midpoint(self) -> dt.date:
        """The day used for arithmetic and drawing when the exact day is unknown."""
        return (self._derived or self._derive())[2]

    def as_date(self) -> dt.date:
        """Best single day: the day itself, else the midpoint of the span."""
        return (self._derived or self._derive())[2]

    def sort_key(self) -> tuple[int, int, int]:
        return (self._derived or self._derive())[3]

    def __lt__(self, other: PartialDate) -> bool:
        return self.sort_key() < other.sort_key()

    def __le__(self, other: PartialDate) -> bool:
        return self.sort_key() <= other.sort_key()

    def __gt__(self, other: PartialDate) -> bool:
        return self.sort_key() > other.sort_key()

    def __ge__(self, other: PartialDate) -> bool:
        return self.sort_key() >= other.sort_key()

    def could_be_before(self, other: PartialDate) -> bool:
        """False only when this date is certainly after ``other``."""
        return self.earliest() <= other.latest()

    def to_iso(self) -> str:
        prefix = _QUAL_PREFIX.get(self.qualifier, "")
        if self.season is not None:
            return f"{prefix}{self.year:04d}-{_SEASON_CODES[self.season]}"
        if self.day is not None:
            return f"{prefix}{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month is not None:
            return f"{prefix}{self.year:04d}-{self.month:02d}"
        return f"{prefix}{self.year:04d}"

    def display(self) -> str:
        """How it was entered, in words: ``about spring 2019``, ``14 May 2019``."""
        if self.season is not None:
            body = f"{self.season} {self.year}"
        elif self.day is not None and self.month is not None:
            body = f"{self.day} {month_abbr(self.month)} {self.year}"
        elif self.month is not None:
            body = f"{month_abbr(self.month)} {self.year}"
        else:
            body = str(self.year)
        if self.qualifier is Qualifier.EXACT:
            return body
        return f"{self.qualifier.value} {body}"

    def __str__(self) -> str:
        return self.display()


_month_abbrs: tuple[str | None, tuple[str, ...]] = (None, ())


def month_abbr(month: int) -> str:
    """``calendar.month_abbr[month]``, what ``%b`` writes: "May". The twelve names are
    looked up once per time locale (it is checked on every call, so a change of locale is
    still followed). Each lookup formats a date with ``strftime``, which cost as much as
    the rest of the date's text; a summary writes thousands of dates."""
    global _month_abbrs
    current = locale.setlocale(locale.LC_TIME)
    if _month_abbrs[0] != current:
        _month_abbrs = (current, tuple(calendar.month_abbr))
    return _month_abbrs[1][month]


def day_text(d: dt.date) -> str:
    """``f"{d.day} {d:%b %Y}"``: "4 May 2019"."""
    return f"{d.day} {month_abbr(d.month)} {d.year}"


def day_text_padded(d: dt.date) -> str:
    """``f"{d:%d %b %Y}"``: "04 May 2019"."""
    return f"{d.day:02d} {month_abbr(d.month)} {d.year}"


def _QUAL_PREFIX_REV(ch: str) -> Qualifier:  # noqa: N802 - tiny lookup helper
    return _PREFIX_QUAL[ch]


def _month(word: str) -> int:
    try:
        return _MONTHS[word]
    except KeyError:
        raise DateError(f"{word!r} is not a month name") from None


def _year(text: str) -> int:
    y = int(text)
    if len(text) == 2:  # "05/19" -> 2019; myeloma histories are recent
        y += 2000 if y < 70 else 1900
    return y


_PATTERNS = [
    (r"(\d{4})", lambda m, q: PartialDate(int(m[1]), qualifier=q)),
    (r"(\d{4})[-/](\d{1,2})", lambda m, q: PartialDate(int(m[1]), int(m[2]), qualifier=q)),
    (
        r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})",
        lambda m, q: PartialDate(int(m[1]), int(m[2]), int(m[3]), qualifier=q),
    ),
    # Day first, as written on European and most clinic letters.
    (
        r"(\d{1,2})[/ -](\d{1,2})[/ -](\d{4}|\d{2})",
        lambda m, q: PartialDate(_year(m[3]), int(m[2]), int(m[1]), qualifier=q),
    ),
    (r"(\d{1,2})[/ -](\d{4})", lambda m, q: PartialDate(int(m[2]), int(m[1]), qualifier=q)),
    (
        r"([a-z]+) (\d{4})",
        lambda m, q: (
            PartialDate(int(m[2]), season=_SEASON_WORDS[m[1]], qualifier=q)
            if m[1] in _SEASON_WORDS
            else PartialDate(int(m[2]), _month(m[1]), qualifier=q)
        ),
    ),
    (
        r"(\d{1,2})(?:st|nd|rd|th)? ([a-z]+) (\d{4})",
        lambda m, q: PartialDate(int(m[3]), _month(m[2]), int(m[1]), qualifier=q),
    ),
    (
        r"([a-z]+) (\d{1,2})(?:st|nd|rd|th)? (\d{4})",
        lambda m, q: PartialDate(int(m[3]), _month(m[1]), int(m[2]), qualifier=q),
    ),
]


@functools.lru_cache(maxsize=16384)
def _from_iso(text: str) -> PartialDate:
    # A journal stores the same few thousand dates many times over (a panel of labs shares
    # its day): parsed once, and the one immutable value shared, its derived days with it.
    return PartialDate._parse_iso(text)


def parse_optional(text: str | None) -> PartialDate | None:
    if text is None or not str(text).strip():
        return None
    return PartialDate.parse(str(text))


def days_between(earlier: PartialDate | dt.date, later: PartialDate | dt.date) -> int:
    a = earlier.as_date() if isinstance(earlier, PartialDate) else earlier
    b = later.as_date() if isinstance(later, PartialDate) else later
    return (b - a).days


_PRECISION_ORDER = {Precision.YEAR: 0, Precision.SEASON: 1, Precision.MONTH: 2, Precision.DAY: 3}
_QUALIFIER_ORDER = {
    Qualifier.BEFORE: 0,
    Qualifier.ABOUT: 1,
    Qualifier.EXACT: 1,
    Qualifier.AFTER: 2,
}
