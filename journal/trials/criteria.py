"""Splitting the eligibility text into criteria, each keeping its original words.

The registry stores ``eligibilityCriteria`` as one Markdown string (ctgov-records.md section 5):
``Inclusion Criteria:`` / ``Exclusion Criteria:`` headings (``Key …``, ``… for healthy
subjects``, ``Criteria for non-inclusion``), ``* `` bullets or ``1. `` numbers, indented
sub-items and backslash escapes. Mirrors and old records add more shapes: the list flattened onto
one line (``* item * item``, ``1. item 2. item``), hard-wrapped ``- `` bullets, ``•``/``∙``/``‣``
bullets. The splitter is lenient: it never drops words. Text it cannot place in a section is
kept as the preamble or as an unsplit criterion, and every criterion keeps its source text.

Nesting: indentation, a different marker (``*`` under ``1.``), or numbering that starts again
at 1 make an item the child of the item before. When a list was flattened and all items look
alike, an item ending in a colon ("… defined as any of the following:") takes the items after
it as its children until the next such item: the only trace of nesting a flattened list keeps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

INCLUSION = "inclusion"
EXCLUSION = "exclusion"
UNSPLIT = "unsplit"  # no heading found: criteria whose kind the text does not say

_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_HEADING = re.compile(
    r"(?:(?<=\s)|^)(?P<h>(?:(?:key|principal|main)\s+)?(?P<kind>inclusion|exclusion)\s+criteria"
    r"(?:\s+for\s+[^:\n|*]{1,60}?)?|criteria\s+for\s+(?P<non>non-inclusion))"
    r"\s*(?:[:|]|(?=\s*\n)|\s*$)",
    re.IGNORECASE,
)
_LINE_ITEM = re.compile(
    r"^(?P<indent>[ \t]*)(?P<marker>[*\-+•∙‣⁃◦▪]|o(?=\s)|\d{1,2}[.)]|[a-z][.)]|[ivx]{1,4}[.)])"
    r"[ \t]+(?P<rest>\S.*)$"
)
# "* " after a space is a bullet, unless escaped (\\*) or a product ("1.5 * ULN").
_INLINE_BULLET = re.compile(r"(?:(?<=\s)|^)(?<!\\)\*[ \t]+(?=\S)(?!ULN|upper|the upper)")
_INLINE_NUMBER = re.compile(r"(?:(?<=\s)|^)(?P<n>\d{1,2})\.[ \t]+(?=\S)")
_OR_WORDS = re.compile(
    r"\b(any|one|either)\s+(of\s+)?(the\s+)?following|(?:at\s+least|≥|>=)\s*(one|1)\s+of|one\s+or\s+more\s+of",
    re.IGNORECASE,
)


def unescape(text: str) -> str:
    """CommonMark backslash escapes removed (``\\>`` -> ``>``), as a reader sees the text."""
    return _ESCAPE.sub(r"\1", text)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", unescape(text)).strip()


@dataclass(frozen=True)
class Criterion:
    index: int
    kind: str  # inclusion | exclusion | unsplit
    text: str  # the words as a reader sees them (escapes removed, wrapped lines joined)
    raw: str  # the words as stored
    level: int = 0  # 0 top level, 1 sub-item
    parent: int | None = None
    marker: str = ""
    section: str = ""  # the heading it stands under, as written
    children: tuple[int, ...] = field(default=())

    @property
    def any_of(self) -> bool:
        """The item introduces alternatives ("any of the following")."""
        return bool(self.children) and bool(_OR_WORDS.search(self.text))


@dataclass(frozen=True)
class CriteriaText:
    preamble: str
    criteria: tuple[Criterion, ...]
    has_headings: bool
    source: str  # the text as stored

    @property
    def inclusion(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.kind == INCLUSION)

    @property
    def exclusion(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.kind == EXCLUSION)

    def top_level(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.parent is None)


# --------------------------------------------------------------------------- items
@dataclass
class _Item:
    raw: str
    indent: int = 0
    marker: str = ""
    children: list[_Item] = field(default_factory=list)

    @property
    def mtype(self) -> str:
        m = self.marker
        if not m:
            return "para"
        if m[0].isdigit():
            return "num"
        if m in "*-+":
            return "bullet"
        if m == "•":
            return "dot"
        if len(m) == 2 and m[0] in "ivx" and m not in ("v.", "x."):
            return "roman"
        if len(m) == 2 and m[0].isalpha():
            return "alpha"
        return "sub"

    @property
    def number(self) -> int | None:
        return int(self.marker[:-1]) if self.mtype == "num" else None


def _line_items(body: str) -> list[_Item]:
    items: list[_Item] = []
    blank = True
    for line in body.split("\n"):
        if not line.strip():
            blank = True
            continue
        m = _LINE_ITEM.match(line)
        if m:
            indent = len(m.group("indent").expandtabs(4))
            items.append(_Item(m.group("rest"), indent, m.group("marker")))
        elif blank or not items:
            items.append(_Item(line.strip(), len(line) - len(line.lstrip())))
        else:
            items[-1].raw += "\n" + line.strip()
        blank = False
    return items


def _inline_chain(text: str) -> list[re.Match]:
    """Numbered markers 1, 2, 3… in order inside a flattened string (a lone "2." is text)."""
    chain, want = [], 1
    for m in _INLINE_NUMBER.finditer(text):
        if int(m.group("n")) == want:
            chain.append(m)
            want += 1
    return chain if len(chain) >= 2 else []


def _split_inline(text: str) -> tuple[str, list[_Item]]:
    """A flattened list: (text before the first marker, the items). Bullets and a 1, 2, 3
    chain both split; whichever comes first is the outer level, the other nests inside."""
    bullets = list(_INLINE_BULLET.finditer(text))
    chain = _inline_chain(text)
    if not bullets and not chain:
        return text, []
    first_b = bullets[0].start() if bullets else len(text) + 1
    first_n = chain[0].start() if chain else len(text) + 1
    outer, marker_of = (
        (bullets, lambda m: "*") if first_b < first_n else (chain, lambda m: m.group("n") + ".")
    )
    lead = text[: outer[0].start()].strip()
    items = []
    for i, m in enumerate(outer):
        end = outer[i + 1].start() if i + 1 < len(outer) else len(text)
        seg = text[m.end() : end].strip()
        item = _Item(seg, 0, marker_of(m))
        sub_lead, subs = _split_inline(seg)
        if subs:
            item.raw = sub_lead
            item.children = subs
        items.append(item)
    return lead, items


def _nest(items: list[_Item]) -> list[_Item]:
    """Line items -> top-level items with children (one level, by the rules above)."""
    if not items:
        return []
    top_type = items[0].mtype
    base_indent = items[0].indent
    tops: list[_Item] = []
    for it in items:
        parent = tops[-1] if tops else None
        child = False
        if parent is not None:
            if (
                it.indent > base_indent + 1
                or (it.mtype != top_type and top_type != "para")
                or (top_type == "para" and it.mtype != "para")
            ):
                child = True
            elif (
                it.mtype == "num"
                and parent.number is not None
                and it.number == 1
                and parent.number >= 1
            ):
                child = True  # numbering starts again: a sub-list
            elif (
                it.mtype == "num"
                and parent.children
                and parent.children[-1].mtype == "num"
                and it.number != (parent.number or 0) + 1
            ):
                child = True  # continues the sub-list, not the outer numbering
        if child:
            parent.children.append(it)
        else:
            tops.append(it)
    return tops


def _colon_groups(tops: list[_Item]) -> list[_Item]:
    """In a flat bullet list, "…following:" takes the items after it as its children
    (numbered lists say their nesting themselves)."""
    if len({t.mtype for t in tops}) > 1 or len({t.indent for t in tops}) > 1:
        return tops
    if any(c.marker in "∙‣⁃◦▪" for t in tops for c in t.children):
        return tops  # the list shows its nesting with its own glyphs
    if tops and tops[0].mtype == "num":
        return tops
    out: list[_Item] = []
    opener: _Item | None = None
    for t in tops:
        ends_colon = unescape(t.raw).rstrip().endswith(":")
        if opener is not None and not ends_colon:
            opener.children.append(t)
            continue
        out.append(t)
        opener = t if ends_colon else None
    return out


def _expand(t: _Item) -> list[_Item]:
    """A line item that holds a flattened list: its siblings, or its children."""
    if t.children:
        return [t]
    if t.marker == "*" or t.number == 1:
        # "* a * b * c" on one line: the first bullet is this item's own.
        lead, subs = _split_inline(f"{t.marker} {t.raw}")
        if subs and not lead and (len(subs) > 1 or subs[0].children):
            for s in subs:
                s.indent = t.indent
            return subs
    lead, subs = _split_inline(t.raw)
    if subs and not lead and t.mtype == "para":
        return subs  # the whole section was one flattened paragraph
    if subs:
        t.raw = lead
        t.children = subs
    return [t]


def _section_items(body: str) -> list[_Item]:
    expanded: list[_Item] = []
    for t in _nest(_line_items(body)):
        expanded.extend(_expand(t))
    return _colon_groups(expanded)


# --------------------------------------------------------------------------- sections
def split_criteria(text: str | None) -> CriteriaText:
    """The criteria of an ``eligibilityCriteria`` text, in reading order."""
    source = text or ""
    body = source.replace("\r\n", "\n").replace("\r", "\n")
    heads = list(_HEADING.finditer(body))
    sections: list[tuple[str, str, str]] = []  # (kind, heading, body)
    if heads:
        preamble = body[: heads[0].start()]
        for i, h in enumerate(heads):
            end = heads[i + 1].start() if i + 1 < len(heads) else len(body)
            kind = (
                EXCLUSION
                if (h.group("non") or (h.group("kind") or "").lower() == "exclusion")
                else INCLUSION
            )
            sections.append((kind, _clean(h.group("h")), body[h.end() : end]))
    else:
        preamble = ""
        sections.append((UNSPLIT, "", body))

    criteria: list[Criterion] = []

    def add(item: _Item, kind: str, heading: str, level: int, parent: int | None) -> int:
        idx = len(criteria)
        criteria.append(
            Criterion(
                idx, kind, _clean(item.raw), item.raw.strip(), level, parent, item.marker, heading
            )
        )
        kids = []
        for ch in item.children:
            kids.append(add(ch, kind, heading, min(level + 1, 2), idx))
        if kids:
            c = criteria[idx]
            criteria[idx] = Criterion(
                c.index, c.kind, c.text, c.raw, c.level, c.parent, c.marker, c.section, tuple(kids)
            )
        return idx

    for kind, heading, sec_body in sections:
        for item in _section_items(sec_body):
            if not _clean(item.raw) and not item.children:
                continue
            add(item, kind, heading, 0, None)
    return CriteriaText(_clean(preamble), tuple(criteria), bool(heads), source)


def full_text(ct: CriteriaText, c: Criterion) -> str:
    """A criterion with its sub-items, as one string (recognisers read thresholds there)."""
    parts = [c.text]
    for i in c.children:
        parts.append(full_text(ct, ct.criteria[i]))
    return " ".join(p for p in parts if p)
