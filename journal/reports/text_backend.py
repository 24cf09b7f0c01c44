"""Plain-text rendering of a :class:`~journal.reports.document.Document`.

Used for "Copy as text" (pasting into an email or a trial portal) and by the
content tests. Computed facts are suffixed ``[c]``, overrides ``[override]``;
a legend explains both once. Tables become aligned columns that wrap long
cells, so the text stays readable in a fixed-width font.
"""

from __future__ import annotations

import textwrap

from journal.reports.document import (
    COMPUTED,
    OVERRIDE,
    Chart,
    Document,
    Heading,
    Inline,
    KeyValue,
    PageBreak,
    Paragraph,
    Table,
    spans,
)

TEXT_MARK = {COMPUTED: " [c]", OVERRIDE: " [override]"}
LEGEND = (
    "[c] = computed by the app from your entries, following the rule it cites. "
    "[override] = the app's result corrected by you."
)


def inline_text(value: Inline | None) -> str:
    out = []
    for s in spans(value):
        out.append(s.text.replace("\u00a0", " "))  # no-break spaces only matter on paper
        if s.marker:
            out.append(TEXT_MARK[s.marker])
    return "".join(out)


def _table(t: Table, width: int) -> list[str]:
    n = t.n_cols
    if n == 0:
        return []
    all_rows = [
        [inline_text(c) for c in r] + [""] * (n - len(r)) for r in (*t.header_rows, *t.rows)
    ]
    natural = [max((len(r[i]) for r in all_rows), default=0) for i in range(n)]
    avail = max(width - 3 * (n - 1), n * 6)
    if sum(natural) <= avail:
        widths = natural
    else:
        rel = list(t.col_widths) if t.col_widths else [1.0] * n
        total = sum(rel)
        widths = [max(6, min(natural[i], int(avail * rel[i] / total))) for i in range(n)]
        # give back room that narrow columns did not use
        spare = avail - sum(widths)
        for i in sorted(range(n), key=lambda i: natural[i] - widths[i], reverse=True):
            if spare <= 0:
                break
            extra = min(spare, natural[i] - widths[i])
            if extra > 0:
                widths[i] += extra
                spare -= extra
    lines: list[str] = []

    def emit(row: list[str]) -> None:
        wrapped = [textwrap.wrap(c, widths[i]) or [""] for i, c in enumerate(row)]
        for k in range(max(len(w) for w in wrapped)):
            parts = [(w[k] if k < len(w) else "").ljust(widths[i]) for i, w in enumerate(wrapped)]
            lines.append(" | ".join(parts).rstrip())

    if t.caption:
        lines.append(t.caption)
    for r in all_rows[: len(t.header_rows)]:
        emit(r)
    if t.header_rows:
        lines.append("-+-".join("-" * w for w in widths))
    for r in all_rows[len(t.header_rows) :]:
        emit(r)
    return lines


def render_text(doc: Document, width: int = 100) -> str:
    """The whole document as plain text, ``width`` characters wide."""
    out: list[str] = []
    top = [doc.title]
    if doc.header_left:
        top.append(doc.header_left)
    if doc.header_right:
        top.append(doc.header_right)
    out.append(" · ".join(top))
    if doc.footer_left:
        out.append(doc.footer_left)
    if any(doc.has_markers(m) for m in (COMPUTED, OVERRIDE)):
        out.extend(textwrap.wrap(LEGEND, width))
    out.append("")
    for b in doc.blocks:
        if isinstance(b, Heading):
            if out and out[-1] != "":
                out.append("")
            text = b.text
            out.append(text)
            out.append(("=" if b.level == 1 else "-") * min(len(text), width))
        elif isinstance(b, Paragraph):
            out.extend(textwrap.wrap(inline_text(b.text), width) or [""])
        elif isinstance(b, KeyValue):
            keyw = max((len(k) for k, _ in b.rows), default=0)
            for k, v in b.rows:
                wrapped = textwrap.wrap(inline_text(v), max(20, width - keyw - 2)) or [""]
                out.append(f"{k.ljust(keyw)}: {wrapped[0]}")
                out.extend(" " * (keyw + 2) + w for w in wrapped[1:])
        elif isinstance(b, Table):
            out.extend(_table(b, width))
            out.append("")
        elif isinstance(b, Chart):
            out.append(f"[{b.alt_text}]" + (f" {b.caption}" if b.caption else ""))
        elif isinstance(b, PageBreak):
            out.append("")
    return "\n".join(out).rstrip() + "\n"
