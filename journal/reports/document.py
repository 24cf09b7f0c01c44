"""A small document model that report definitions write to and backends render.

Pattern: Gramps' ``TextDoc`` (one report definition, several backends). Unlike
Gramps we record the document as a list of blocks first and let each backend
walk the list: the same built document then feeds the on-screen preview, the
printer, the PDF and the plain-text copy without running the report twice.

Text anywhere in a block is ``Inline``: a plain ``str``, a :class:`Span`, or a
list of them. A span can carry a *marker*: ``COMPUTED`` (the app worked this
out from the person's entries, following a cited rule) or ``OVERRIDE`` (the
person corrected the app's result). Backends must render both visibly,
because the summary's honesty depends on it.

No Qt, no I/O here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

COMPUTED = "computed"
OVERRIDE = "override"
MARKERS = (COMPUTED, OVERRIDE)

# Paragraph styles every backend understands.
STYLES = ("normal", "small", "muted", "warning", "note", "legend")


@dataclass(frozen=True)
class Span:
    text: str
    marker: str | None = None  # COMPUTED / OVERRIDE / None
    bold: bool = False
    italic: bool = False

    def __post_init__(self) -> None:
        if self.marker is not None and self.marker not in MARKERS:
            raise ValueError(f"unknown marker {self.marker!r}; use one of {MARKERS}")


Inline = Union[str, Span, Sequence[Union[str, Span]]]  # noqa: UP007 - runtime alias


def computed(text: str, *, bold: bool = False) -> Span:
    """Text the app worked out (shown with the 'computed' mark)."""
    return Span(text, COMPUTED, bold=bold)


def overridden(text: str, *, bold: bool = False) -> Span:
    """A result the person corrected (shown with the 'override' mark)."""
    return Span(text, OVERRIDE, bold=bold)


def spans(value: Inline | None) -> list[Span]:
    """Normalise any inline value to a list of spans."""
    if value is None:
        return []
    if isinstance(value, str):
        return [Span(value)] if value else []
    if isinstance(value, Span):
        return [value]
    out: list[Span] = []
    for part in value:
        out.extend(spans(part))
    return out


def plain(value: Inline | None) -> str:
    """The words of an inline value without any marks."""
    return "".join(s.text for s in spans(value))


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: Inline
    style: str = "normal"


@dataclass(frozen=True)
class KeyValue:
    rows: tuple[tuple[str, Inline], ...]
    columns: int = 1  # pairs side by side, to save space on dense pages


@dataclass(frozen=True)
class Table:
    header_rows: tuple[tuple[Inline, ...], ...]
    rows: tuple[tuple[Inline, ...], ...]
    col_widths: tuple[float, ...] | None = None  # relative widths; backends normalise
    repeat_header: bool = True
    caption: str | None = None
    small: bool = False  # smaller type for long appendix tables

    @property
    def n_cols(self) -> int:
        widths = [len(r) for r in (*self.header_rows, *self.rows)]
        return max(widths) if widths else 0


@dataclass(frozen=True)
class Chart:
    """A figure drawn by ``draw(fig)`` on a fresh matplotlib Figure of ``size``
    inches (or a ready Figure). Backends decide vector (SVG) or raster."""

    draw: Callable[[Any], Any] | Any
    size: tuple[float, float] = (7.0, 3.5)
    caption: str | None = None
    alt_text: str = "chart"  # what the text backend prints instead of the picture


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Paragraph | KeyValue | Table | Chart | PageBreak


@dataclass
class Document:
    """An ordered list of blocks plus the page furniture every page repeats.

    ``header_left``/``header_right`` go on top of each page; ``footer_left``
    goes at the bottom next to "page i of N" (added by the paged backends).
    """

    title: str
    header_left: str = ""
    header_right: str = ""
    footer_left: str = ""
    blocks: list[Block] = field(default_factory=list)
    # Blocks before this index are the core (two pages of the screening summary); the
    # rest is the appendix. None = no such split.
    core_end: int | None = None
    # True = the file must not carry the moment it was written (de-identified summary).
    private: bool = False
    # Charts a longer version of this document will hold (not part of it): a paged
    # backend counting this one's pages may start drawing them (screening core fitting).
    prefetch: list[Chart] = field(default_factory=list)

    # Builder methods mirror Gramps' TextDoc verbs.
    def heading(self, level: int, text: str) -> Document:
        if level not in (1, 2, 3):
            raise ValueError("heading level must be 1, 2 or 3")
        self.blocks.append(Heading(level, text))
        return self

    def paragraph(self, text: Inline, style: str = "normal") -> Document:
        if style not in STYLES:
            raise ValueError(f"unknown paragraph style {style!r}; use one of {STYLES}")
        self.blocks.append(Paragraph(text, style))
        return self

    def key_value(self, rows: Iterable[tuple[str, Inline]], columns: int = 1) -> Document:
        self.blocks.append(KeyValue(tuple((k, v) for k, v in rows), columns))
        return self

    def table(
        self,
        header_rows: Iterable[Sequence[Inline]],
        rows: Iterable[Sequence[Inline]],
        col_widths: Sequence[float] | None = None,
        repeat_header: bool = True,
        caption: str | None = None,
        small: bool = False,
    ) -> Document:
        hdr = tuple(tuple(r) for r in header_rows)
        body = tuple(tuple(r) for r in rows)
        t = Table(
            hdr, body, tuple(col_widths) if col_widths else None, repeat_header, caption, small
        )
        if col_widths is not None and len(col_widths) != t.n_cols:
            raise ValueError(f"{len(col_widths)} column widths given for {t.n_cols} columns")
        self.blocks.append(t)
        return self

    def chart(
        self,
        draw: Callable[[Any], Any] | Any,
        size: tuple[float, float] = (7.0, 3.5),
        caption: str | None = None,
        alt_text: str = "chart",
    ) -> Document:
        self.blocks.append(Chart(draw, size, caption, alt_text))
        return self

    def page_break(self) -> Document:
        self.blocks.append(PageBreak())
        return self

    def has_markers(self, marker: str) -> bool:
        def inl(v: Inline | None) -> bool:
            return any(s.marker == marker for s in spans(v))

        for b in self.blocks:
            if isinstance(b, Paragraph) and inl(b.text):
                return True
            if isinstance(b, KeyValue) and any(inl(v) for _, v in b.rows):
                return True
            if isinstance(b, Table) and any(inl(c) for r in (*b.header_rows, *b.rows) for c in r):
                return True
        return False
