"""De-identification of a built report (HIPAA Safe Harbor, 45 CFR 164.514(b)(2)).

The report definitions already leave out what they know to be identifying (name,
birth date, notes, free-text names of regimens and drugs, the timeline chart with its
calendar axis). This pass is the net under them: every text of every block, the page
header and the footer go through it, so a date that reaches the page through a rule's
explanation ("progression on 9 May 2002") is caught too.

* A date finer than the year becomes a day count from diagnosis ("day 2380"; a month
  or season: "about day 2395"), so washouts and intervals still read. Years alone are
  allowed by Safe Harbor, but printing them next to day counts would give the diagnosis
  date back, so only the diagnosis year is printed (once, in the note under the title).
* Free text a person typed (regimen names, drug names not in the catalogue, side-effect
  terms not from CTCAE) is replaced by catalogue words.

``deidentify_pdf_bytes`` blanks the PDF's creation date (Qt writes the exact second).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from journal.reports.document import (
    Chart,
    Document,
    Heading,
    Inline,
    KeyValue,
    Paragraph,
    Span,
    Table,
    spans,
)

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_MON = r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_QUAL = r"(?:(about|before|after|around|circa|~)\s+)?"
_DAY_MON_YEAR = re.compile(rf"\b{_QUAL}(\d{{1,2}})\s+{_MON},?\s+(\d{{4}})\b", re.I)
_MON_DAY_YEAR = re.compile(rf"\b{_QUAL}{_MON}\s+(\d{{1,2}}),\s+(\d{{4}})\b", re.I)
_MON_YEAR = re.compile(rf"\b{_QUAL}{_MON}\s+(\d{{4}})\b", re.I)
_SEASON_YEAR = re.compile(rf"\b{_QUAL}(spring|summer|autumn|fall|winter)\s+(\d{{4}})\b", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})(?:-(\d{2}))?\b")
_SLASHED = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{2,4})\b")
_SEASON_MID = {"spring": (4, 15), "summer": (7, 15), "autumn": (10, 15), "fall": (10, 15)}


class Deidentifier:
    """Rewrites texts: dates to days from ``anchor``, free-text names to plain words."""

    def __init__(self, anchor: dt.date, replacements: dict[str, str] | None = None):
        self.anchor = anchor
        # Longest first, so "DKd maintenance" is replaced before "DKd".
        self.replacements = sorted(
            ((k, v) for k, v in (replacements or {}).items() if k and k.strip()),
            key=lambda kv: -len(kv[0]),
        )

    def _day(self, d: dt.date, about: bool) -> str:
        n = (d - self.anchor).days
        # A no-break space, as the report's own dates have in narrow columns.
        return f"{'about ' if about else ''}day\u00a0{n}"

    def text(self, s: str) -> str:
        for old, new in self.replacements:
            if old in s:
                s = s.replace(old, new)

        def dmy(m: re.Match) -> str:
            qual, day, mon, year = m.group(1), int(m.group(2)), m.group(3), int(m.group(4))
            try:
                d = dt.date(year, _MONTHS[mon[:3].lower()], day)
            except ValueError:
                return "a date"
            return (f"{qual} " if qual else "") + self._day(d, False)

        def mdy(m: re.Match) -> str:
            qual, mon, day, year = m.group(1), m.group(2), int(m.group(3)), int(m.group(4))
            try:
                d = dt.date(year, _MONTHS[mon[:3].lower()], day)
            except ValueError:
                return "a date"
            return (f"{qual} " if qual else "") + self._day(d, False)

        def my(m: re.Match) -> str:
            mon, year = m.group(2), int(m.group(3))
            return self._day(dt.date(year, _MONTHS[mon[:3].lower()], 15), True)

        def season(m: re.Match) -> str:
            name, year = m.group(2).lower(), int(m.group(3))
            if name == "winter":
                return self._day(dt.date(year, 1, 15), True)
            mo, day = _SEASON_MID[name]
            return self._day(dt.date(year, mo, day), True)

        def iso(m: re.Match) -> str:
            year, mon, day = int(m.group(1)), int(m.group(2)), m.group(3)
            try:
                d = dt.date(year, mon, int(day) if day else 15)
            except ValueError:
                return m.group(0)
            return self._day(d, day is None)

        s = _DAY_MON_YEAR.sub(dmy, s)
        s = _MON_DAY_YEAR.sub(mdy, s)
        s = _MON_YEAR.sub(my, s)
        s = _SEASON_YEAR.sub(season, s)
        s = _ISO.sub(iso, s)
        s = _SLASHED.sub("a date", s)
        return s

    def inline(self, v: Inline | None) -> Inline | None:
        if v is None:
            return None
        if isinstance(v, str):
            return self.text(v)
        return [
            Span(self.text(sp.text), sp.marker, bold=sp.bold, italic=sp.italic) for sp in spans(v)
        ]


def anchor_date(history, fallback: dt.date) -> dt.date:
    """Day 0: the diagnosis, else the first treatment, else ``fallback``."""
    if history.diagnosis is not None and history.diagnosis.date is not None:
        return history.diagnosis.date.as_date()
    starts = [r.start.as_date() for r in history.regimens]
    return min(starts) if starts else fallback


def free_text_replacements(history) -> dict[str, str]:
    """Words a person typed that can carry names, and what replaces them."""
    out: dict[str, str] = {}
    for r in history.regimens:
        drugs = [d.name for d in r.drugs if d.drug_id and d.role != "supportive"]
        out[r.name] = " + ".join(drugs) or "treatment"
        for d in r.drugs:
            if not d.drug_id:
                out[d.name] = "drug not in the catalogue"
    from journal.domain.ctcae import get_terms

    terms = get_terms()
    for se in history.side_effects:
        if not se.term_id and terms.identify(se.term) is None:
            out[se.term] = "side effect (free text)"
    for p in history.procedures:
        if p.site:
            out[p.site] = "site"
    person = history.person
    if person.display_name:
        out[person.display_name] = "the person"
        for part in re.split(r"[\s\-]+", re.sub(r"\([^)]*\)", " ", person.display_name)):
            if len(part) > 2 and part[0].isupper():
                out[part] = "the person"
    return out


def deidentify_document(doc: Document, inputs, opts) -> Document:
    """Rewrite every text of ``doc`` in place (see the module docstring)."""
    h = inputs.summary.history
    anchor = anchor_date(h, opts.day)
    deid = Deidentifier(anchor, free_text_replacements(inputs.history))
    blocks = []
    for b in doc.blocks:
        if isinstance(b, Heading):
            b = Heading(b.level, deid.text(b.text))
        elif isinstance(b, Paragraph):
            b = Paragraph(deid.inline(b.text), b.style)
        elif isinstance(b, KeyValue):
            b = KeyValue(tuple((deid.text(k), deid.inline(v)) for k, v in b.rows), b.columns)
        elif isinstance(b, Table):
            b = Table(
                tuple(tuple(deid.inline(c) for c in r) for r in b.header_rows),
                tuple(tuple(deid.inline(c) for c in r) for r in b.rows),
                b.col_widths,
                b.repeat_header,
                deid.text(b.caption) if b.caption else None,
                b.small,
            )
        elif isinstance(b, Chart):
            continue  # charts carry calendar axes; the report leaves them out
        blocks.append(b)
    note = Paragraph(
        f"De-identified (HIPAA Safe Harbor): dates are days from diagnosis (day 0, in "
        f"{anchor.year}); no names, no free text"
        + ("" if opts.sex_and_weight else ", no sex or weight")
        + "; ages over 89 shown as 90+.",
        "muted",
    )
    first_heading = next((i for i, b in enumerate(blocks) if isinstance(b, Heading)), -1)
    blocks.insert(first_heading + 1, note)
    if doc.core_end is not None:
        doc.core_end = min(len(blocks), doc.core_end + 1)
    doc.blocks[:] = blocks
    doc.private = True
    doc.header_left = deid.text(doc.header_left)
    doc.header_right = deid.text(doc.header_right)
    doc.footer_left = deid.text(doc.footer_left)
    return doc


_PDF_DATE = re.compile(rb"\(D:(\d{4})\d{10}([^)]*)\)")
_XMP_DATE = re.compile(rb"(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


def deidentify_pdf_bytes(data: bytes) -> bytes:
    """Blank the month, day and time of the dates a PDF writer puts in the file's
    information and XMP metadata. Same length in and out, so the cross-reference
    offsets stay valid."""

    def pdf(m: re.Match) -> bytes:
        return b"(D:" + m.group(1) + b"0101000000" + m.group(2) + b")"

    data = _PDF_DATE.sub(pdf, data)
    return _XMP_DATE.sub(lambda m: m.group(1) + b"-01-01T00:00:00", data)
