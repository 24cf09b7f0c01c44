"""Helpers shared by the report tests (imported by name: tests/reports is on sys.path)."""

from __future__ import annotations

import datetime as dt

AS_OF = dt.date(2026, 11, 25)


def P(text: str):
    from journal.domain.dates import PartialDate

    return PartialDate.from_iso(text)


def pdf_pages_text(path) -> list[str]:
    """Text of each page, word gaps normalised (pypdf reports some as tabs)."""
    import re

    from pypdf import PdfReader

    return [re.sub(r"[ \t]+", " ", p.extract_text()) for p in PdfReader(path).pages]
