"""Small helpers shared by the report definitions: who, when, dates, file names."""

from __future__ import annotations

import datetime as dt
import functools
import re

from journal.domain.dates import PartialDate
from journal.domain.records import PersonRec
from journal.reports.inputs import ReportOptions

VERIFY = "patient-kept record: verify with medical records"


def fmt_date(d: PartialDate | dt.date | None, empty: str = "—") -> str:
    if d is None:
        return empty
    return _date_text(d)


@functools.lru_cache(maxsize=4096)
def _date_text(d: PartialDate | dt.date) -> str:
    # Cached: a long history's lab table prints the same few thousand dates, and every
    # month name is a strftime call (a tenth of a second for the 25-year appendix).
    if isinstance(d, PartialDate):
        return d.display()
    return f"{d.day} {d.strftime('%b')} {d.year}"


def initials(name: str | None) -> str:
    """'Jane Q. Doe' -> 'JQD'; words in brackets ('(fictional demo)') are not part of a name."""
    name = re.sub(r"\([^)]*\)", " ", name or "")
    parts = [p for p in re.split(r"[\s\-]+", name) if p and p[0].isalpha()]
    return "".join(p[0].upper() for p in parts)


def age_years(birth: PartialDate | None, on: dt.date) -> int | None:
    """Whole years on ``on``; a birth date known only to the year gives the
    youngest age it can be (mid-year guesses would look more exact than they are)."""
    if birth is None:
        return None
    b = birth.latest()
    years = on.year - b.year - ((on.month, on.day) < (b.month, b.day))
    return max(years, 0)


def age_text(age: int | None) -> str:
    """'age 67'; ages over 89 as 'age 90+' (HIPAA Safe Harbor groups them)."""
    if age is None:
        return "age not recorded"
    return "age 90+" if age > 89 else f"age {age}"


def who(person: PersonRec, opts: ReportOptions) -> tuple[str, str]:
    """(name part, birth part) for the page header, honouring the identity level."""
    age = age_years(person.birth_date, opts.day)
    if opts.identity == "full":
        age_text_ = f"age {age}" if age is not None else "age not recorded"
        name = person.display_name or "name not recorded"
        born = (
            f"born {fmt_date(person.birth_date)} ({age_text_})" if person.birth_date else age_text_
        )
        return name, born
    age_text_ = age_text(age)
    if opts.identity == "initials":
        return initials(person.display_name) or "—", age_text_
    if opts.identity == "deidentified":
        return "de-identified (HIPAA Safe Harbor)", age_text_
    return "without name", age_text_


def footer(generated: dt.date, opts: ReportOptions) -> str:
    if opts.deidentified:  # no date finer than the year
        return f"Generated {generated.year} · {VERIFY}"
    as_of = "" if opts.as_of in (None, generated) else f" · as of {fmt_date(opts.as_of)}"
    return f"Generated {fmt_date(generated)}{as_of} · {VERIFY}"


def suggested_filename(kind: str, person: PersonRec, opts: ReportOptions) -> str:
    """E.g. ``TreatmentJournal-screening-JD-2026-11-25.pdf``: says who and when,
    without the full name (file names end up in e-mail subjects and upload lists)."""
    who_part = (
        "" if opts.identity in ("without_name", "deidentified") else initials(person.display_name)
    )
    parts = ["TreatmentJournal", kind]
    if who_part:
        parts.append(who_part)
    if opts.deidentified:
        parts.append("deidentified")
    else:
        parts.append(opts.day.isoformat())
    return "-".join(parts) + ".pdf"


def days_since(d: PartialDate | dt.date | None, on: dt.date) -> int | None:
    if d is None:
        return None
    day = d.latest() if isinstance(d, PartialDate) else d
    return (on - day).days


_UNIT_TEXT = {"10^9/L": "×10⁹/L", "10^12/L": "×10¹²/L", "ratio": "", "result": ""}


def unit_text(unit: str) -> str:
    """A unit as printed ('10^9/L' -> '×10⁹/L'; no unit for ratios and results)."""
    return _UNIT_TEXT.get(unit, unit)


#: Words of one person-written text (a note, a question, a hospital stay) a report
#: prints; the rest stays in the journal. A journal accepts 100,000 characters per
#: text: printed whole, one such note is ~40 pages and minutes of layout.
EXCERPT_WORDS = 300
#: The same bound for text without spaces (a pasted URL, a run of one character).
EXCERPT_CHARS = 2400


def excerpt(text: str, words: int = EXCERPT_WORDS) -> str:
    """``text`` as a report prints it: whole when short, else its first ``words``
    words and how much more the journal holds ("… 3,200 more words in the journal")."""
    parts = text.split(maxsplit=words)
    if len(parts) > words:
        rest = len(parts[words].split())
        head = text[: len(text) - len(parts[words])].rstrip()
        if len(head) <= EXCERPT_CHARS:
            return f"{head} … {rest:,} more words in the journal"
    if len(text) <= EXCERPT_CHARS:
        return text
    return f"{text[:EXCERPT_CHARS]} … {len(text) - EXCERPT_CHARS:,} more characters in the journal"


def _unit(u: str | None) -> str:
    return (u or "").replace("m2", "m²")


def dose_text(d, as_of: dt.date, *, current: bool = False, deidentified: bool = False) -> str:
    """A drug as given: "bortezomib 1.3 mg/m² SC twice weekly; from 8 May 2017: 1 mg/m²"
    (``current``: "; now 1 mg/m² (since 8 May 2017)"). A name typed by hand is left out
    of a de-identified summary."""
    from journal.domain.numbers import fmt_number

    parts = ["drug not in the catalogue" if deidentified and not d.drug_id else d.name]
    if d.dose is not None:
        parts.append(f"{fmt_number(d.dose)} {_unit(d.dose_unit)}".strip())
    if d.route:
        parts.append(d.route)
    if d.schedule:
        parts.append(d.schedule)
    text = " ".join(parts)
    changes = [ch for ch in d.dose_changes if ch.date.earliest() <= as_of]
    if changes:
        last = max(changes, key=lambda ch: ch.date.sort_key())
        if last.held:
            return text + f"; held from {fmt_date(last.date)}"
        new = " ".join(
            x
            for x in (
                f"{fmt_number(last.dose)} {_unit(last.dose_unit)}" if last.dose is not None else "",
                last.schedule or "",
            )
            if x
        )
        if new and current:
            text += f"; now {new} (since {fmt_date(last.date)})"
        elif new:
            text += f"; from {fmt_date(last.date)}: {new}"
    return text


def current_drugs(history, as_of: dt.date) -> list:
    """(regimen, drug) of every anti-myeloma drug still being taken on ``as_of``."""
    out = []
    for r in history.regimens:
        if r.start.earliest() > as_of or (r.end is not None and r.end.latest() <= as_of):
            continue
        for d in r.drugs:
            if d.role != "anti-myeloma":
                continue
            if d.last_dose is not None and d.last_dose.latest() <= as_of:
                continue
            out.append((r, d))
    return out
