"""Small builders for response/measurable/washout tests (dates as 'YYYY-MM-DD')."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from journal.domain.dates import PartialDate
from journal.domain.records import DiagnosisRec, History, LabRec

_ids = itertools.count(1)


def D(text: str) -> PartialDate:
    return PartialDate.from_iso(text)


@dataclass(frozen=True)
class L:
    """A line of therapy as the response rules need it (same shape as lines.Line)."""

    number: int
    start: PartialDate
    end: PartialDate | None = None
    regimen_ids: tuple[int, ...] = field(default=())


def line(number: int, start: str, end: str | None = None, regimen_ids=()) -> L:
    return L(number, D(start), D(end) if end else None, tuple(regimen_ids))


def lab(date: str, test: str, value=None, text=None, **kw) -> LabRec:
    return LabRec(next(_ids), D(date), test, value, text_value=text, **kw)


def serum(pairs) -> list[LabRec]:
    return [lab(d, "m_protein", v) for d, v in pairs]


def urine(pairs) -> list[LabRec]:
    return [lab(d, "urine_m_protein", v) for d, v in pairs]


def flc(date: str, kappa: float, lam: float) -> list[LabRec]:
    return [lab(date, "flc_kappa", kappa), lab(date, "flc_lambda", lam)]


def hist(labs=(), heavy="IgG", light="kappa", **kw) -> History:
    return History(
        diagnosis=DiagnosisRec(date=D("2018-01-01"), heavy_chain=heavy, light_chain=light),
        labs=tuple(labs),
        **kw,
    )
