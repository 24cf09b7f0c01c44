"""Why a computed result is what it is: the rule that fired, the data, the source.

Every rule in :mod:`journal.domain` returns its result together with one or
more :class:`Trace` objects. Screens show them behind "Why?", the PDF and the
JSON summary print them, so a person can check the app against the source.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from journal.domain.frozen import slot_init


@slot_init
@dataclass(frozen=True, slots=True)
class Source:
    short: str  # "IMWG 2015 (Rajkumar, Blood 2015;126:921)"
    url: str | None = None
    section: str | None = None  # section of ../shared/domain/myeloma-rules.md


@slot_init
@dataclass(frozen=True, slots=True)
class Trace:
    rule: str  # stable id, e.g. "lines.new_line.unplanned_addition"
    explanation: str  # one plain sentence with the concrete facts
    source: Source
    records: tuple[str, ...] = ()  # refs of the records used: "regimen:3", "lab:17"
    unconfirmed: bool = False  # the rule is a default marked "(unconfirmed)" in the rules doc
    overridden_by: str | None = None  # "override:4" when a person's correction won
    flags: tuple[str, ...] = field(default=())  # e.g. ("shorter than one cycle",)

    def to_json(self) -> dict:
        # Written out rather than dataclasses.asdict: a summary holds thousands of traces,
        # and asdict's deep copies were most of the time spent turning it into JSON.
        # (Same keys in the same order: tests/domain/test_trace_json.py compares.)
        s = self.source
        return {
            "rule": self.rule,
            "explanation": self.explanation,
            "source": {"short": s.short, "url": s.url, "section": s.section}
            if type(s) is Source
            else asdict(s),
            "records": list(self.records),
            "unconfirmed": self.unconfirmed,
            "overridden_by": self.overridden_by,
            "flags": list(self.flags),
        }


# Sources used across the rules, named once.
IMWG_LINES_2015 = Source(
    "IMWG 2015 lines of therapy (Rajkumar, Richardson, San Miguel; Blood 2015;126(7):921)",
    "http://ashpublications.net/blood/article-split/126/7/921/34467/Guidelines-for-determination-of-the-number-of",
    "1.1-1.2",
)
IMWG_PANEL1_2011 = Source(
    "IMWG Consensus Panel 1 (Rajkumar et al., Blood 2011;117(18):4691)",
    "http://ashpublications.net/blood/article/117/18/4691/21394/Consensus-recommendations-for-the-uniform",
    "1.1, 2.1",
)
CIBMTR_LINES = Source(
    "CIBMTR Forms Instruction Manual: Multiple Myeloma Lines of Therapy",
    "https://www.manula.com/manuals/cibmtr/fim/1/en/topic/multiple-myeloma-lines-of-therapy",
    "1.1",
)
IMWG_RESPONSE_2016 = Source(
    "IMWG 2016 response criteria (Kumar et al., Lancet Oncol 2016;17:e328)",
    "https://www.thelancet.com/journals/lanonc/article/PIIS1470-2045(16)30206-6/fulltext",
    "3",
)
APP_CONVENTION = Source("Treatment Journal convention (not from a guideline)", None, None)
