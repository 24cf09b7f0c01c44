"""Overview: the facts a screener asks for, in plain words, each with "Why?".

Every fact comes from ``summary_to_json(build_summary(history))`` - the very
object ``journal summary --json`` prints - so the screen, the PDF and the JSON
never disagree. This module only chooses and words the facts; it computes no
medical rule. "Why?" shows the rule, the records used (each opens its editor)
and the source; "Correct this..." records an override where the rules take one
(drug refractoriness, line numbers) or opens the record the fact comes from.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from journal.domain.dates import DateError, PartialDate
from journal.domain.event_dates import describe_current_response
from journal.ui.glossary import tip
from journal.ui.kinds import ECOG_TEXT

MAX_LAST_DOSES = 8


@dataclass
class Fact:
    key: str
    question: str  # plain words: "Treatments so far"
    value: str  # plain answer: "4 lines of therapy"
    term: str = ""  # the clinical term beside it
    traces: list[dict] = field(default_factory=list)
    correct: str | None = None  # "refractory" | "lines" | "record"
    refs: list[str] = field(default_factory=list)
    overridden: bool = False
    glossary: tuple[str, ...] = ()
    section: str = ""


SECTIONS = {
    "lines": "Treatment history",
    "current_line": "Treatment history",
    "refractory": "Treatment history",
    "labels": "Treatment history",
    "status": "Treatment history",
    "not_assessable": "Treatment history",
    "refractory_classes": "Treatment history",
    "mammoth": "Treatment history",
    "last_line": "Treatment history",
    "last_progression": "Treatment history",
    "asct_to_pd": "Treatment history",
    "disagreement": "Treatment history",
    "response": "Treatment history",
    "last_dose": "Last doses (trials ask how long ago)",
    "side_effect": "Side effects still going on",
    "lab": "Latest blood tests",
    "ecog": "Daily life",
    "egfr": "Latest blood tests",
    "exclusion_yes": "Health questions trial teams ask",
    "exclusion_no": "Health questions trial teams ask",
    "exclusion_missing": "Health questions trial teams ask",
    "override": "Your corrections",
}

_STATUS_WORDS = {
    "yes": ("exclusion_yes", "Answered yes"),
    "no": ("exclusion_no", "Checked: no"),
    "not_recorded": ("exclusion_missing", "Not recorded yet"),
}


def show_date(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        return PartialDate.from_iso(iso).display()
    except DateError:
        return iso


def _days(n: int | None) -> str:
    if n is None:
        return ""
    if n == 0:
        return "today"
    return f"{n} day{'s' if n != 1 else ''} ago"


def _overridden(item: dict, rule: str) -> bool:
    v = item.get("overridden")
    if isinstance(v, bool):
        return v
    return rule in (v or [])


def overview_facts(data: dict) -> list[Fact]:
    """The Overview's facts, worded from the summary JSON (no rule computed here)."""
    facts: list[Fact] = []
    lines = data.get("lines") or {}
    n = lines.get("lines_received", 0)
    prior = lines.get("prior_lines") or {}
    current = lines.get("current_line")
    value = f"{n} line{'s' if n != 1 else ''} of therapy"
    if current:
        value += f"; the latest is line {current}"
    line_traces = [prior["trace"]] if prior.get("trace") else []
    for ln in lines.get("lines", []):
        line_traces += ln.get("traces", [])
    facts.append(
        Fact(
            "lines",
            "Treatments so far",
            value,
            "lines of therapy (IMWG 2015)",
            line_traces,
            "lines",
            overridden=any(ln.get("overridden") for ln in lines.get("lines", [])),
            glossary=("line of therapy",),
        )
    )
    for ln in lines.get("lines", []):
        if ln.get("number") == current and not ln.get("end"):
            facts.append(
                Fact(
                    "current_line",
                    "Current treatment",
                    f"line {ln['number']}: {ln.get('label', '')}, since "
                    f"{show_date(ln.get('start'))}",
                    "current line of therapy",
                    ln.get("traces", []),
                    "lines",
                    glossary=("regimen",),
                )
            )

    ledger = data.get("ledger") or {}
    drugs = ledger.get("drugs") or {}
    refr = [d for d in drugs.values() if d.get("refractory")]
    unknown = [d for d in drugs.values() if d.get("refractory_state") == "not assessable"]
    facts.append(
        Fact(
            "refractory",
            "Refractory to",
            ", ".join(d["name"] for d in refr)
            if refr
            else "no drug so far; see below for those it cannot tell"
            if unknown
            else "no drug, by the rules",
            "refractory (" + (ledger.get("rule_set") or {}).get("name", "imwg").upper() + " rule)",
            [t for d in refr for t in d.get("traces", [])]
            or [
                t for d in drugs.values() for t in d.get("traces", []) if "refractory" in t["rule"]
            ],
            "refractory",
            overridden=any(_overridden(d, "refractory") for d in drugs.values()),
            glossary=("refractory",),
        )
    )
    if unknown:
        # Issue 9 item 4: "cannot tell" is said in words, never shown as "no".
        facts.append(
            Fact(
                "not_assessable",
                "Cannot tell yet whether refractory to",
                ", ".join(d["name"] for d in unknown),
                "refractoriness not assessable",
                [
                    t
                    for d in unknown
                    for t in d.get("traces", [])
                    if t["rule"] == "ledger.refractory.not_assessable"
                ],
                "refractory",
                glossary=("refractory",),
            )
        )
    rc = ledger.get("refractory_classes")
    if rc:
        facts.append(
            Fact(
                "refractory_classes",
                "Drug families it stopped responding to",
                ", ".join(rc.get("classes") or []) or "none",
                "refractory drug classes",
                [rc["trace"]] if rc.get("trace") else [],
                "refractory",
                glossary=("refractory",),
            )
        )
    # A label implied by a stronger one that applies is not printed again (issue 9 item 6).
    labels = [
        lab for lab in (ledger.get("labels") or {}).values() if lab.get("shown", lab.get("applies"))
    ]
    if ledger:
        facts.append(
            Fact(
                "labels",
                "Drug groups",
                "; ".join(lab["name"] for lab in labels) or "none of the usual labels",
                "class exposure / refractoriness",
                # Every label's rule has the same id prefix: the label's own name and
                # plain meaning tell the reasons apart.
                [
                    {
                        **lab["trace"],
                        "title": f"{RULE_TITLES['ledger.label']}: {lab['name']}",
                        "plain": lab.get("plain") or "",
                    }
                    for lab in labels
                    if lab.get("trace")
                ],
                "refractory",
                glossary=("triple-class refractory", "exposed"),
            )
        )
    mg = ledger.get("mammoth_group")
    if mg and mg.get("group"):
        facts.append(
            Fact(
                "mammoth",
                "Group in the MAMMOTH study's terms",
                mg["group"],
                "MAMMOTH group (one per person)",
                [mg["trace"]] if mg.get("trace") else [],
                "refractory",
                glossary=("triple-class refractory",),
            )
        )
    ll = ledger.get("last_line")
    if ll and ll.get("line") is not None:
        word = {
            "refractory": "yes",
            "not refractory": "no",
            "not assessable": "cannot tell (not assessable)",
        }.get(ll.get("state"), ll.get("state") or "")
        facts.append(
            Fact(
                "last_line",
                "Refractory to the last treatment line",
                f"{word} (line {ll['line']})",
                "refractory to last line",
                [ll["trace"]] if ll.get("trace") else [],
                "refractory",
                glossary=("refractory",),
            )
        )
    lp = ledger.get("last_progression")
    if lp and lp.get("date"):
        ago = lp.get("days_since")
        facts.append(
            Fact(
                "last_progression",
                "Time since the myeloma last progressed",
                f"{lp.get('date_display') or show_date(lp['date'])}"
                + (
                    f", {'about ' if len(lp['date']) < 10 else ''}{_days(ago)}"
                    f" ({lp.get('months_since')} months)"
                    if ago is not None
                    else ""
                ),
                "time since last progression",
                [lp["trace"]] if lp.get("trace") else [],
                "record",
                [lp["ref"]] if lp.get("ref") and not lp["ref"].startswith("computed:") else [],
                glossary=("relapse",),
            )
        )
    er = ledger.get("early_relapse") or {}
    if er.get("frontline_asct") and er.get("months_from_first_asct") is not None:
        facts.append(
            Fact(
                "asct_to_pd",
                "From the first transplant to the first progression",
                f"{er['months_from_first_asct']} months (transplant "
                f"{show_date(er['frontline_asct'])}, progression "
                f"{show_date(er.get('first_progression'))})",
                "frontline ASCT to first progression (functional high risk)",
                [er["trace"]] if er.get("trace") else [],
                glossary=("relapse",),
            )
        )
    for ln in lines.get("lines", []):
        dis = (ln.get("best_response") or {}).get("disagreement")
        used = (ln.get("best_response") or {}).get("used") or {}
        if dis:
            comp = ((ln.get("best_response") or {}).get("computed") or {}).get("category")
            clin = ((ln.get("best_response") or {}).get("clinician") or {}).get("category")
            facts.append(
                Fact(
                    f"disagreement:{ln['number']}",
                    f"Labs and clinic disagree (line {ln['number']})",
                    f"labs: {comp}; clinic: {clin}; the rules use {used.get('category')}",
                    "best response: computed vs entered",
                    [dis["trace"]] if dis.get("trace") else [],
                    glossary=tuple(c for c in (comp, clin) if c),
                )
            )
    status = ledger.get("disease_status")
    if status:
        facts.append(
            Fact(
                "status",
                "Where things stand",
                status.get("status", ""),
                "disease status (IMWG)",
                [status["trace"]] if status.get("trace") else [],
                glossary=("relapse",),
            )
        )

    resp = data.get("response") or {}
    cur = resp.get("current") or {}
    if cur.get("latest"):
        # One wording and one rule with the PDF (journal.domain.event_dates): a response
        # older than a later progression is never shown as current.
        events = [e for e in (cur.get("latest"), cur.get("recorded")) if e]
        refs = [e["ref"] for e in events if e["source"] == "recorded"]
        facts.append(
            Fact(
                "response",
                "How the myeloma answered most recently",
                "".join(t for t, _c in describe_current_response(cur)),
                "IMWG response",
                [cur["trace"]] if cur.get("trace") else [],
                "record" if refs else None,
                refs,
                glossary=tuple(dict.fromkeys(e["category"] for e in events)),
            )
        )

    wash = [w for w in (data.get("washouts") or {}).get("drugs", []) if w.get("kind") == "drug"]
    wash.sort(
        key=lambda w: (
            not w.get("ongoing"),
            w.get("days_since") if w.get("days_since") is not None else 10**9,
        )
    )
    for w in wash[:MAX_LAST_DOSES]:
        if w.get("ongoing"):
            value = "still going on"
        else:
            value = (
                f"{w.get('last_display') or show_date(w.get('last'))}, {_days(w.get('days_since'))}"
            )
        tr = w.get("trace")
        facts.append(
            Fact(
                f"last_dose:{w['key']}",
                f"Last dose of {w['label']}",
                value,
                "washout (time since last dose)",
                [tr] if tr else [],
                "record",
                list(tr.get("records", [])) if tr else [],
                glossary=("washout",),
            )
        )

    for se in (data.get("side_effects") or {}).get("ongoing", []):
        plain = se.get("plain_name")
        name = se["term"] + (f" ({plain.lower()})" if plain and plain != se["term"] else "")
        grade = f"grade {se['grade']}" if se.get("grade") is not None else "no grade entered"
        value = f"{name}, {grade}, since {show_date(se.get('onset'))}"
        if se.get("grade_plain"):
            value += f" - {se['grade_plain']}"
        facts.append(
            Fact(
                f"side_effect:{se['ref']}",
                "Side effect still going on",
                value,
                f"{se.get('scale', 'CTCAE')} grade",
                [se["trace"]] if se.get("trace") else [],
                "record",
                [se["ref"]],
                glossary=("CTCAE", "grade"),
            )
        )

    for lab in (data.get("labs") or {}).get("latest", []):
        shown = lab.get("text_value") if lab.get("value") is None else f"{lab['value']:g}"
        unit = "" if lab.get("unit") == "result" else f" {lab.get('unit')}"
        value = f"{shown}{unit} on {show_date(lab.get('date'))} ({_days(lab.get('days_old'))})"
        if lab.get("supported"):
            value += f"; may be supported: {lab['supported']}"
        ct = lab.get("ctcae") or {}
        traces = (
            [ct["trace"]]
            if ct.get("trace")
            else [
                {
                    "rule": "labs.latest",
                    "explanation": f"The latest {lab['name']} entered in the journal.",
                    "source": {"short": "Treatment Journal convention (not from a guideline)"},
                    "records": [lab["ref"]] if lab.get("ref") else [],
                }
            ]
        )
        facts.append(
            Fact(
                f"lab:{lab['test']}",
                lab["name"],
                value,
                "latest result",
                traces,
                "record",
                [lab["ref"]] if lab.get("ref") else [],
            )
        )

    facts += _kidney_and_screening_facts(data)

    ecog = data.get("ecog")
    if ecog:
        facts.append(
            Fact(
                "ecog",
                "Daily life",
                f"{ECOG_TEXT.get(ecog['score'], ecog['score'])} (on {show_date(ecog['date'])})",
                "ECOG performance status",
                [
                    {
                        "rule": "ecog.entered",
                        "explanation": "The latest daily-life score entered in the journal.",
                        "source": {"short": "ECOG performance status (Oken et al., 1982)"},
                        "records": [ecog["ref"]],
                    }
                ],
                "record",
                [ecog["ref"]],
                glossary=("ECOG",),
            )
        )
    for o in data.get("overrides") or []:
        facts.append(
            Fact(
                f"override:{o['rule']}:{o['subject']}",
                f"{o['rule'].capitalize()}: {o['subject']}",
                f"set to '{o['value']}' by you - {o['reason']}",
                "your correction (override)",
                [
                    {
                        "rule": "override",
                        "explanation": "Your correction replaces what the rule "
                        "computed, everywhere: the Overview, the summary, the PDF and exports.",
                        "source": {"short": "Treatment Journal convention (not from a guideline)"},
                        "records": [o["ref"]] if o.get("ref") else [],
                    }
                ],
                "remove_override",
                [o["rule"], o["subject"]],
                overridden=True,
                glossary=("override",),
            )
        )
    for fact in facts:
        fact.section = SECTIONS.get(fact.key.split(":", 1)[0], "")
    return facts


def _kidney_and_screening_facts(data: dict) -> list[Fact]:
    """The computed eGFR, then the screening questions grouped by answer: yes (with
    dates), checked no, and not recorded, which is said rather than left out."""
    out: list[Fact] = []
    egfr = data.get("egfr_computed")
    if egfr:
        if egfr.get("value") is not None:
            value = (
                f"{egfr['value']} {egfr['unit']}, computed from the creatinine of "
                f"{show_date(egfr.get('date'))}"
            )
        else:
            value = egfr.get("missing") or "could not be computed"
        out.append(
            Fact(
                "egfr",
                "Kidney filtering (eGFR)",
                value,
                "eGFR, CKD-EPI 2021 (computed)",
                [egfr["trace"]],
                "record",
                list(egfr["trace"].get("records", [])),
            )
        )
    groups: dict[str, list[dict]] = {"yes": [], "no": [], "not_recorded": []}
    for item in data.get("exclusions") or []:
        groups.setdefault(item["status"], []).append(item)
    for status, items in groups.items():
        if not items:
            continue
        key, question = _STATUS_WORDS[status]
        if status == "yes":
            parts = [
                f"{x['label']} ({show_date(x['date']) or 'date not recorded'}"
                + ("; still going on" if x.get("ongoing") else "")
                + ")"
                for x in items
            ]
        elif status == "no":
            parts = [f"{x['label']} ({show_date(x['date']) or 'date not recorded'})" for x in items]
        else:
            parts = [x["label"] for x in items]
        refs = [r for x in items for r in x.get("records", [])]
        out.append(
            Fact(
                key,
                question,
                "; ".join(parts),
                "answer under About me & diagnosis > Health history for trials"
                if status == "not_recorded"
                else "screening exclusions",
                [x["trace"] for x in items],
                "record" if refs else None,
                refs,
                overridden=any(x.get("overridden") for x in items),
            )
        )
    return out


def describe_ref(ctx, ref: str) -> str | None:
    """A record named for people ("response VGPR, 4 Nov 2025") instead of "response:3"."""
    from journal.ui.kinds import parse_ref

    parsed = parse_ref(ref)
    if parsed is None or ctx is None:
        return None
    kind, row_id = parsed
    row = ctx.row(kind.table, row_id)
    if row is None:
        return None
    title = kind.title(row) or str(row.get("name") or row.get("drug_id") or "")
    when = next((row[f] for f in ("date", "start", "onset") if row.get(f)), None)
    text = f"{kind.noun} {title}".strip()
    return f"{text}, {show_date(when)}" if when else text


# Plain titles for the rules' ids, matched by the longest prefix: patients read
# "Refractory to a drug", not "ledger.refractory.progression" (the id stays, small,
# for the curious and for anyone checking the rules document).
RULE_TITLES: dict[str, str] = {
    "ledger.exposed": "Exposure to a drug",
    "ledger.not_exposed": "Exposure to a drug",
    "ledger.refractory": "Refractory to a drug",
    "ledger.not_refractory": "Refractory to a drug",
    "ledger.car_t_no_refractory": "Refractory to a drug",
    "ledger.intolerant": "Stopped a drug because of side effects",
    "ledger.best_response": "Best response to a drug",
    "ledger.class": "Exposure and refractoriness by drug group",
    "ledger.label": "Label used by clinical trials",
    "ledger.status": "Where the disease stands (relapsed or refractory)",
    "ledger.early_relapse": "Early relapse after the first treatment",
    "ledger.refractory.not_assessable": "Refractory to a drug: cannot tell yet",
    "ledger.refractory_classes": "Drug families it stopped responding to",
    "ledger.mammoth_group": "Group in the MAMMOTH study's terms",
    "ledger.last_line": "Refractory to the last treatment line",
    "ledger.last_progression": "Time since the last progression",
    "ledger.progression": "A progression the rules counted",
    "response.disagreement": "Labs and clinic disagree about the response",
    "ledger.car_t_outcome": "Result of CAR-T treatment",
    "ledger.override": "Your correction",
    "ledger": "Drugs received",
    "lines.prior_lines": "Number of lines of therapy",
    "lines.ignored": "Not counted as a line of therapy",
    "lines.flag": "Line of therapy: worth checking",
    "lines.override": "Your correction",
    "lines.new_line": "Line of therapy: a new line starts",
    "lines.same_line": "Line of therapy: the same line goes on",
    "lines": "Line of therapy",
    "event_dates.current_response": "Current response",
    "response.entered": "Response as entered",
    "response.override": "Your correction",
    "response.pd": "Progression from blood tests",
    "response.relapse_from_cr": "Relapse after a complete response",
    "response.best_confirmed": "Best confirmed response",
    "response": "Response from blood tests",
    "measurable": "Disease that blood or urine tests can measure",
    "washout": "Time since the last treatment",
    "staging.crcl": "Kidney function (creatinine clearance)",
    "staging.corrected_calcium": "Calcium corrected for albumin",
    "staging.high_risk": "High-risk features",
    "staging": "Stage of the disease",
    "astct.crs": "Grade of cytokine release syndrome",
    "astct.icans": "Grade of nerve side effects after CAR-T (ICANS)",
    "kva.grade": "Grade of eye (cornea) side effects",
    "ctcae.lab": "Side effect grade from a blood test",
    "ctcae": "Side effect grade",
    "labs.latest": "Latest blood test",
    "kidney.egfr": "Kidney filtering (eGFR) computed from creatinine",
    "exclusions": "Health question trial teams ask",
    "ecog.entered": "Daily activity level, as entered",
    "override": "Your correction",
    "summary.notice": "About these results",
}


def rule_title(rule: str, explanation: str = "") -> str:
    """A plain title for a Trace's rule id (longest known prefix wins).

    For an id not listed, the explanation's first sentence names what happened, so a
    patient never gets an internal id as the heading.
    """
    parts = (rule or "").split(".")
    for n in range(len(parts), 0, -1):
        title = RULE_TITLES.get(".".join(parts[:n]))
        if title:
            return title
    first = (explanation or "").split(". ", 1)[0].strip().rstrip(".")
    if first and len(first) <= 80:
        return first
    return "How this was worked out"


def traces_html(
    fact: Fact,
    describe: Callable[[str], str | None] | None = None,
    *,
    muted: str = "#505050",
    details: bool = True,
) -> str:
    """The Why? text; ``describe(ref)`` names a record for its link (else the ref).
    Without ``details`` the reasons and records stay and the sources and rule ids are
    left out (the Why? window folds them away until asked).

    Each trace is headed by a plain title (its ``title`` key, else :func:`rule_title`)
    and its ``plain`` meaning when given; the rule id follows in small ``muted`` text.
    """
    names: dict[str, str] = {}

    def name(ref: str) -> str:
        if ref not in names:
            names[ref] = (describe(ref) if describe else None) or ref
        return names[ref]

    out = [f"<h3>{html.escape(fact.question)}: {html.escape(fact.value)}</h3>"]
    if fact.term:
        out.append(f"<p><i>Clinical term:</i> {html.escape(fact.term)}</p>")
    if not fact.traces:
        out.append("<p>No rule was needed: this is what was entered.</p>")
    for t in fact.traces:
        rule, explanation = t.get("rule", ""), t.get("explanation", "")
        title = t.get("title") or rule_title(rule, explanation)
        out.append(f"<h4>{html.escape(title)}</h4>")
        if t.get("plain"):
            out.append(f"<p>{html.escape(t['plain'])}</p>")
        out.append(f"<p>{html.escape(explanation)}</p><ul>")
        src = t.get("source") or {}
        s = html.escape(src.get("short", ""))
        if src.get("url"):
            s += f' (<a href="{html.escape(src["url"])}">{html.escape(src["url"])}</a>)'
        if src.get("section"):
            s += f", rules document section {html.escape(str(src['section']))}"
        if details:
            out.append(f"<li><i>Source:</i> {s}</li>")
        recs = t.get("records") or []
        if recs:
            links = ", ".join(
                f'<a href="ref:{html.escape(r)}">{html.escape(name(r))}</a>'
                if ":" in r and not r.startswith("computed:")
                else html.escape(r)
                for r in recs
            )
            out.append(f"<li><i>Records used:</i> {links}</li>")
        if t.get("unconfirmed"):
            out.append(
                "<li><b>This is a default the guidelines leave open (unconfirmed); "
                "you can correct it.</b></li>"
            )
        if t.get("overridden_by"):
            out.append(f"<li><b>Corrected by you</b> ({html.escape(t['overridden_by'])})</li>")
        for flag in t.get("flags") or []:
            out.append(f"<li>Note: {html.escape(flag)}</li>")
        out.append("</ul>")
        if rule and details:
            # Small and muted (but readable on either theme): for checking against the
            # rules document, not something a patient needs to read.
            out.append(
                f"<p style='font-size:small; color:{muted}'>Rule id: {html.escape(rule)}</p>"
            )
    return "".join(out)


class WhyDialog(QDialog):
    def __init__(self, ctx, fact: Fact, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(f"Why? - {fact.question}")
        lay = QVBoxLayout(self)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.text.setAccessibleName("The rule, the records used and the source")
        self.fact = fact
        # The reason first; where it comes from (sources, rule ids) on request.
        self.details = QCheckBox("Show &sources and rule ids")
        self.details.setAccessibleName("Show sources and rule ids")
        self.details.toggled.connect(lambda _on: self.render())
        self.render()
        self.text.anchorClicked.connect(self._link)
        lay.addWidget(self.text)
        lay.addWidget(self.details)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)
        from journal.ui.theme import fit_to_screen

        fit_to_screen(self, 720, 520)  # grows with the text size

    def render(self) -> None:
        dark = self.text.palette().color(self.text.backgroundRole()).lightness() < 128
        self.text.setHtml(
            traces_html(
                self.fact,
                lambda ref: describe_ref(self.ctx, ref),
                muted="#c8c8c8" if dark else "#505050",
                details=self.details.isChecked(),
            )
        )

    def _link(self, url) -> None:
        s = url.toString()
        if s.startswith("ref:"):
            self.ctx.open_editor(s[4:])
        else:
            from PySide6.QtGui import QDesktopServices

            QDesktopServices.openUrl(url)


class RefractoryCorrection(QDialog):
    """Correct 'refractory' for one drug: yes/no and a reason (kept and shown everywhere)."""

    def __init__(
        self,
        drugs: dict,
        parent=None,
        classes: dict | None = None,
        save: Callable[[str, str, str], Any] | None = None,
    ):
        super().__init__(parent)
        self.save = save  # called with values() on Save; the dialog stays open if it fails
        self.setWindowTitle("Correct: refractory")
        lay = QVBoxLayout(self)
        intro = QLabel(
            tip(
                "Your correction replaces the rule's answer everywhere, including "
                "the summary and exports, and is marked as yours.",
                "refractory",
            )
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        self.drug = QComboBox()
        self.drug.setAccessibleName("Drug")
        for d in sorted(drugs.values(), key=lambda d: d["name"]):
            if d.get("exposed"):
                now = d.get("refractory_state") or (
                    "refractory" if d.get("refractory") else "not refractory"
                )
                self.drug.addItem(f"{d['name']} (now: {now})", d["drug_id"])
        for name, c in sorted((classes or {}).items()):
            if c.get("exposed"):
                now = "refractory" if c.get("refractory") else "not refractory"
                self.drug.addItem(f"drug group {name} (now: {now})", name)
        form.addRow("&Drug or drug group:", self.drug)
        row = QHBoxLayout()
        self.yes = QRadioButton("&Refractory")
        self.no = QRadioButton("&Not refractory")
        self.no.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.yes)
        group.addButton(self.no)
        row.addWidget(self.yes)
        row.addWidget(self.no)
        form.addRow("Correct answer:", row)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Why (needed)")
        self.reason.setPlaceholderText("e.g. my doctor's letter of 3 May 2024 says ...")
        form.addRow("&Why (needed):", self.reason)
        lay.addLayout(form)
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.hide()
        lay.addWidget(self.error)
        bb = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        bb.accepted.connect(self._ok)
        bb.rejected.connect(self.reject)
        lay.addWidget(bb)

    def values(self) -> tuple[str, str, str]:
        return (
            self.drug.currentData(),
            "yes" if self.yes.isChecked() else "no",
            self.reason.text().strip(),
        )

    def _ok(self) -> None:
        if not self.reason.text().strip():
            self.error.setText("Please say why, so the correction can be checked later.")
            self.error.show()
            self.reason.setFocus()
            return
        if self.save is not None:
            from journal.errors import JournalError

            try:
                self.save(*self.values())
            except JournalError as exc:  # e.g. a full disk: keep what was typed
                self.error.setText(str(exc))
                self.error.show()
                return
        self.accept()


class OverviewPage(QScrollArea):
    facts_shown = Signal()  # every fact is on the page

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWidgetResizable(True)
        self.setAccessibleName("Overview")
        self.facts: list[Fact] = []
        self.data: dict = {}
        self.value_labels: dict[str, QLabel] = {}
        self.why_buttons: dict[str, QPushButton] = {}
        self.correct_buttons: dict[str, QPushButton] = {}
        self.ready = False
        self.first_shown = False  # the first screen of facts (ready: all of them)
        ctx.changed.connect(lambda _c: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        """Show the facts; when the summary is not worked out yet, say so and work it out
        in the background so the window appears at once."""
        if not self.ctx.summary_ready:
            self.ready = False
            wait = QLabel("Working out the overview from your journal...")
            wait.setAccessibleName("Working out the overview")
            wait.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.setWidget(wait)
            self.ctx.load_summary_in_background(self._loaded, self._failed)
            return
        self.render()

    def _alive(self) -> bool:
        import shiboken6

        return shiboken6.isValid(self)

    def _loaded(self) -> None:
        if not self._alive():  # the window or journal was closed meanwhile
            return
        if self.ctx.summary_ready:
            self.render(progressive=True)
        else:  # the journal changed meanwhile: work it out again
            self.refresh()

    def _failed(self, exc: BaseException) -> None:
        if not self._alive():
            return
        lab = QLabel(f"The overview could not be worked out: {exc}")
        lab.setWordWrap(True)
        lab.setProperty("role", "error")
        self.setWidget(lab)
        self.ready = True

    # Facts built before the first paint (more than a tall window shows); the rest
    # follow in batches right after, so the facts are on screen sooner.
    FIRST_SCREEN = 24
    BATCH = 40

    def render(self, *, progressive: bool = False) -> None:
        from journal.domain.summary import summary_to_json

        self.ready = self.first_shown = False
        self.data = summary_to_json(self.ctx.summary())
        self.facts = overview_facts(self.data)
        # The clinical term is quieter than the answer but still easy to read (plain
        # gray was too faint on the light background): darker on light, lighter on dark.
        dark = self.palette().color(self.backgroundRole()).lightness() < 128
        term_color = "#c8c8c8" if dark else "#505050"
        body = QWidget()
        outer = QVBoxLayout(body)
        outer.setContentsMargins(16, 12, 16, 12)
        name = (self.data.get("person") or {}).get("display_name")
        title = QLabel(
            f"Overview{' for ' + name if name else ''}, as of {show_date(self.data.get('as_of'))}"
        )
        title.setProperty("role", "title")
        title.setWordWrap(True)  # at large text sizes it would make the page scroll sideways
        f = title.font()
        f.setPointSizeF(f.pointSizeF() * 1.3)
        f.setBold(True)
        title.setFont(f)
        outer.addWidget(title)
        notice = QLabel(self.data.get("notice", ""))
        notice.setWordWrap(True)
        notice.setProperty("role", "hint")
        outer.addWidget(notice)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        grid.setColumnStretch(1, 1)
        self.value_labels.clear()
        self.why_buttons.clear()
        self.correct_buttons.clear()
        if not any(self.data.get("lines", {}).get("lines", [])):
            empty = QLabel(
                "Nothing to show yet. Add your treatments under Treatments, and "
                "your blood tests under Labs; the facts appear here with their reasons."
            )
            empty.setWordWrap(True)
            outer.addWidget(empty)
        grid.setColumnMinimumWidth(0, self.fontMetrics().horizontalAdvance("x") * 26)
        self._rows = (grid, term_color, [-1, None])  # the grid, row number, section
        self._render_token = token = getattr(self, "_render_token", 0) + 1
        first = self.facts[: self.FIRST_SCREEN] if progressive else self.facts
        self._add_fact_rows(first)
        outer.addLayout(grid)
        outer.addStretch(1)
        self.setWidget(body)
        self.first_shown = True
        if len(first) < len(self.facts):
            QTimer.singleShot(0, lambda: self._add_rest(token, len(first)))
        else:
            self.ready = True
            self.facts_shown.emit()

    def _add_rest(self, token: int, done: int) -> None:
        """The facts below the first screen, a batch per turn of the event loop (the
        window keeps answering while they are built)."""
        if not self._alive() or token != self._render_token:
            return  # closed, or drawn again meanwhile
        batch = self.facts[done : done + self.BATCH]
        self._add_fact_rows(batch)
        done += len(batch)
        if done < len(self.facts):
            QTimer.singleShot(0, lambda: self._add_rest(token, done))
        else:
            self.ready = True
            self.facts_shown.emit()

    def _add_fact_rows(self, facts: list[Fact]) -> None:
        grid, term_color, place = self._rows
        r, section = place
        for fact in facts:
            r += 1
            if fact.section != section:
                section = fact.section
                head = QLabel(html.escape(section))
                head.setProperty("role", "title")
                head.setWordWrap(True)
                hf = head.font()
                hf.setBold(True)
                hf.setPointSizeF(hf.pointSizeF() * 1.15)
                head.setFont(hf)
                head.setContentsMargins(0, 10, 0, 0)
                grid.addWidget(head, r, 0, 1, 3)
                r += 1
            q = QLabel(f"<b>{html.escape(fact.question)}:</b>")
            q.setWordWrap(True)
            q.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            value = html.escape(fact.value)
            if fact.key in ("labels", "exclusion_yes", "exclusion_no", "exclusion_missing"):
                # a long list reads better one item per line
                value = value.replace("; ", "<br>")
            if fact.overridden:
                value += " <b>[corrected by you]</b>"
            v = QLabel(
                f"{value}<br><span style='color:{term_color}'>{html.escape(fact.term)}</span>"
                if fact.term
                else value
            )
            v.setWordWrap(True)
            v.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            v.setAccessibleName(f"{fact.question}: {fact.value}")
            explanation = tip("", *fact.glossary)
            if explanation:
                v.setToolTip(explanation)
                q.setToolTip(explanation)
            grid.addWidget(q, r, 0)
            grid.addWidget(v, r, 1)
            buttons = QHBoxLayout()
            buttons.setContentsMargins(0, 0, 0, 0)  # level with the fact's first line
            why = QPushButton("Why?")
            why.setAccessibleName(f"Why: {fact.question}")
            why.setAccessibleDescription("Shows the rule, the records it used and the source")
            why.clicked.connect(lambda _=False, fa=fact: self.show_why(fa))
            buttons.addWidget(why)
            self.why_buttons[fact.key] = why
            if fact.correct:
                c = QPushButton(
                    "Remove..." if fact.correct == "remove_override" else "Correct this..."
                )
                c.setAccessibleName(f"Correct: {fact.question}")
                c.setAccessibleDescription(
                    "Record your correction (kept and shown as yours)"
                    if fact.correct in ("refractory", "lines")
                    else "Open the record this comes from"
                )
                c.clicked.connect(lambda _=False, fa=fact: self.correct(fa))
                buttons.addWidget(c)
                self.correct_buttons[fact.key] = c
            buttons.addStretch(1)
            box = QWidget()
            box.setLayout(buttons)
            grid.addWidget(box, r, 2, Qt.AlignmentFlag.AlignTop)
            self.value_labels[fact.key] = v
        place[:] = [r, section]

    def show_why(self, fact: Fact) -> None:
        WhyDialog(self.ctx, fact, self).exec()

    def correct(self, fact: Fact) -> None:
        if fact.correct == "refractory":
            ledger = self.data.get("ledger") or {}
            dlg = RefractoryCorrection(
                ledger.get("drugs", {}), self, ledger.get("classes"), save=self._save_refractory
            )
            dlg.exec()
        elif fact.correct == "remove_override":
            from PySide6.QtWidgets import QMessageBox

            rule, subject = fact.refs
            answer = QMessageBox.question(
                self,
                "Remove my correction",
                f"Go back to what the rule computes for {rule}: {subject}?\n\n"
                "You can bring your correction back with Edit > Undo.",
            )
            if answer == QMessageBox.StandardButton.Yes:
                self.remove_override(rule, subject)
        elif fact.correct == "lines":
            from journal.store import models as m

            regs = self.ctx.rows(m.Regimen)
            names = [f"{r['name']} (from {show_date(r['start'])})" for r in regs]
            choice, ok = QInputDialog.getItem(
                self,
                "Correct the line number",
                "Which regimen's line number is wrong? Its editor opens; set 'Line number' and "
                "say why.",
                names,
                0,
                False,
            )
            if ok and choice:
                self.ctx.open_editor(f"regimen:{regs[names.index(choice)]['id']}")
        elif fact.refs:
            self.ctx.open_editor(fact.refs[0])

    def remove_override(self, rule: str, subject: str) -> None:
        from journal.services import actions

        self.ctx.try_apply(actions.clear_override, rule, subject)

    def apply_refractory(self, drug_id: str, value: str, reason: str) -> None:
        from journal.services import actions

        self.ctx.try_apply(actions.set_override, "refractory", drug_id, value, reason)

    def _save_refractory(self, drug_id: str, value: str, reason: str) -> None:
        # Errors reach the dialog, which stays open with the reason typed.
        from journal.services import actions

        self.ctx.apply(actions.set_override, "refractory", drug_id, value, reason)
