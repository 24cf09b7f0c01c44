"""Small helpers shared by the CSV and FHIR writers."""

from __future__ import annotations

import datetime as dt

from journal.domain.dates import DateError, PartialDate, Qualifier


def partial(text: str | None) -> PartialDate | None:
    if not text:
        return None
    try:
        return PartialDate.from_iso(text)
    except DateError:
        return None


def sortable(text: str | None) -> str:
    """A column that sorts like the journal does: the midpoint day of a partial date.

    ``2019`` sorts as 2019-07-02, ``2019-SP`` as 2019-04-15; an exact day is itself.
    """
    p = partial(text)
    return p.midpoint().isoformat() if p else ""


def fhir_date(text: str | None) -> str | None:
    """A journal date as a FHIR ``date``: ``2019``, ``2019-05`` or ``2019-05-14``.

    FHIR has no seasons: a season keeps only its year (true, if coarser); the
    words ("about spring 2019") go into a note, see :func:`date_words`.
    """
    p = partial(text)
    if p is None:
        return None
    if p.day is not None:
        return f"{p.year:04d}-{p.month:02d}-{p.day:02d}"
    if p.month is not None:
        return f"{p.year:04d}-{p.month:02d}"
    return f"{p.year:04d}"


def date_words(text: str | None) -> str | None:
    """How the person entered a date, when FHIR's date cannot say all of it."""
    p = partial(text)
    if p is None:
        return None
    if p.season is not None or p.qualifier is not Qualifier.EXACT:
        return p.display()
    return None


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
