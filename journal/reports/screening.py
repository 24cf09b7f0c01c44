"""The trial-screening summary: what a trial nurse asks, on two dense sides of paper.

Everything printed comes from :func:`journal.domain.summary.build_summary` (the
same object the screens show); nothing here applies a medical rule. Computed facts
are marked as computed, facts a person corrected as overrides. The appendix adds
the timeline chart, the full lab table, the side-effect history and the notes the
person chose to include.

Order of page 1 is deliberate: the three things a nurse looks for first (number
of prior lines, refractory classes, last-dose dates) sit in the first block.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from journal.domain.labs import LAB_TESTS
from journal.domain.trace import Trace
from journal.domain.vocab import ECOG_SCALE
from journal.reports import common
from journal.reports.charts import timeline_chart
from journal.reports.document import Document, Inline, Span, computed, overridden
from journal.reports.inputs import ReportInputs, ReportOptions

# The labels a screener asks about, in the order they are printed.
LABEL_ORDER = (
    "triple_class_exposed",
    "triple_class_refractory",
    "double_refractory",
    "quad_refractory_mammoth",
    "penta_exposed",
    "penta_refractory",
    "prior_bcma",
    "prior_gprc5d",
    "prior_fcrh5",
    "prior_t_cell_redirecting",
    "prior_car_t",
    "prior_bispecific",
    "prior_auto_sct",
    "prior_allo_sct",
    "alkylator_exposed",
)
# The labels repeated in the key facts (all labels are in the ledger section).
KEY_LABELS = (
    "triple_class_exposed",
    "triple_class_refractory",
    "penta_exposed",
    "penta_refractory",
    "prior_bcma",
    "prior_gprc5d",
    "prior_fcrh5",
    "prior_t_cell_redirecting",
)
CLASS_ORDER = (
    "PI",
    "IMiD",
    "CELMoD",
    "anti-CD38",
    "anti-SLAMF7",
    "BCMA-ADC",
    "bispecific",
    "CAR-T",
    "XPO1",
    "BCL2",
    "HDAC",
    "alkylator",
    "anthracycline",
    "steroid",
)
ECOG_WORDS = {score: words for score, (_, words) in ECOG_SCALE.items()}
# Lab columns of the appendix table (code, short header); others go in "Other".
LAB_COLUMNS = (
    ("m_protein", "M-prot g/dL"),
    ("flc_kappa", "κ mg/L"),
    ("flc_lambda", "λ mg/L"),
    ("flc_ratio", "κ/λ"),
    ("hb", "Hb g/dL"),
    ("platelets", "Plt ×10⁹/L"),
    ("anc", "ANC ×10⁹/L"),
    ("creatinine", "Creat mg/dL"),
    ("calcium", "Ca mg/dL"),
)
# Short names for the "Other" column of the lab table (explained under the table).
LAB_SHORT = {
    "serum_ife": "sIFE",
    "urine_m_protein": "UPEP",
    "urine_ife": "uIFE",
    "bmpc": "BMPC",
    "bm_clonality": "clonality",
    "circulating_pc": "circ PC",
    "wbc": "WBC",
    "lymphocytes": "Lymph",
    "egfr": "eGFR",
    "albumin": "Alb",
    "b2m": "β2M",
    "ldh": "LDH",
    "bilirubin": "Bili",
    "alt": "ALT",
    "ast": "AST",
    "igg": "IgG",
    "iga": "IgA",
    "igm": "IgM",
    "weight": "Wt",
    "lvef": "LVEF",
}
SUPPORT_MARK = "§"  # value may be transfusion- or G-CSF-supported


def _mark(text: str, over: bool = False, *, bold: bool = False) -> Span:
    return overridden(text, bold=bold) if over else computed(text, bold=bold)


def _d(x: Any) -> str:
    return common.fmt_date(x)


def _num(v: float | None) -> str:
    if v is None:
        return "—"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}".rstrip("0").rstrip(".")
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _traces_overridden(traces: tuple[Trace, ...] | list[Trace]) -> bool:
    return any(t.overridden_by for t in traces)


def _unconfirmed_note(traces) -> str:
    return " (default rule, unconfirmed)" if any(t.unconfirmed for t in traces) else ""


class _Ctx:
    """Look-ups over the summary used by several sections."""

    def __init__(self, inputs: ReportInputs, opts: ReportOptions):
        self.inputs = inputs
        self.opts = opts
        self.s = inputs.summary
        self.h = self.s.history
        self.as_of: dt.date = self.s.as_of
        self.regimens = {r.id: r for r in self.h.regimens}
        self.procedures = {p.id: p for p in self.h.procedures}
        self.ledger = self.s.ledger
        self.drug_names = {k: d.name for k, d in self.ledger.drugs.items()}
        # Which line(s) each refractory call came from, read off the ledger's traces.
        adm_lines: dict[str, tuple[int, ...]] = {}
        for d in self.ledger.drugs.values():
            for a in d.administrations:
                adm_lines[a.ref] = a.lines
        self.refractory_in_line: dict[int, list[str]] = defaultdict(list)
        for key, d in self.ledger.drugs.items():
            if not d.refractory:
                continue
            lines: set[int] = set()
            for t in d.traces:
                if t.rule.startswith("ledger.refractory"):
                    for ref in t.records:
                        lines.update(adm_lines.get(ref, ()))
            if not lines and d.lines:  # an override or a call without records: last line
                lines = {max(d.lines)}
            for n in sorted(lines):
                if d.name not in self.refractory_in_line[n]:
                    self.refractory_in_line[n].append(d.name)
            _ = key

    def name(self, drug_id: str) -> str:
        return self.drug_names.get(drug_id, drug_id)

    def drug_list(self, names_or_ids, rule: str = "refractory") -> list[Inline]:
        """Drug names as computed spans; a drug whose answer the person corrected is
        marked as an override instead."""
        by_name = {d.name: d for d in self.ledger.drugs.values()}
        out: list[Inline] = []
        for i, x in enumerate(names_or_ids):
            st = self.ledger.drugs.get(x) or by_name.get(x)
            name = st.name if st else x
            over = bool(st and rule in st.overridden)
            out.append(_mark(name, over))
            if i < len(names_or_ids) - 1:
                out.append(", ")
        return out

    def current_line(self):
        lines = [ln for ln in self.s.lines.lines if ln.end is None]
        return lines[-1] if lines else None


# --------------------------------------------------------------------------- sections
def _key_facts(doc: Document, c: _Ctx) -> None:
    s, ledger = c.s, c.ledger
    rows: list[tuple[str, Inline]] = []
    lines_over = any(ln.overridden for ln in s.lines.lines)
    cur = c.current_line()
    prior: list[Inline] = [_mark(f"{s.prior_lines}", lines_over, bold=True)]
    prior.append(f" (lines started before {_d(c.as_of)}; IMWG 2015)")
    rows.append(("Prior lines of therapy", prior))
    if cur is not None:
        rows.append(
            (
                "Current treatment",
                [
                    _mark(f"line {cur.number}", cur.overridden),
                    f": {cur.label}, since {_d(cur.start)}",
                ],
            )
        )
    else:
        last = s.lines.lines[-1] if s.lines.lines else None
        rows.append(
            (
                "Current treatment",
                "none recorded"
                + (f" (last line {last.number} ended {_d(last.end)})" if last else ""),
            )
        )
    # Anti-myeloma classes only: a steroid keeps its per-drug answer (issue 9 item 8).
    refr = [cls for cls in _ordered_classes(ledger.classes) if cls in ledger.refractory_classes]
    over_cls = any(ledger.classes[k].overridden for k in refr)
    rows.append(
        (
            "Refractory classes",
            _mark(", ".join(refr), over_cls, bold=True) if refr else computed("none"),
        )
    )
    # A label implied by a stronger one that applies is not printed again (issue 9 item 6).
    applied = [
        ledger.labels[k] for k in KEY_LABELS if k in ledger.labels and ledger.labels[k].shown
    ]
    # "exposed" is implied when the "refractory" label of the same group applies
    ids = {lab.id for lab in applied}
    applied = [
        lab
        for lab in applied
        if not (lab.id.endswith("_exposed") and lab.id.replace("_exposed", "_refractory") in ids)
    ]
    labels_txt = "; ".join(lab.name for lab in applied)
    rows.append(
        (
            "Class labels",
            _mark(labels_txt, _traces_overridden([lab.trace for lab in applied]))
            if labels_txt
            else computed("none of the usual labels apply"),
        )
    )
    rows.append(
        (
            "Disease status",
            _mark(ledger.disease_status.status, bool(ledger.disease_status.trace.overridden_by)),
        )
    )
    rows += _issue9_rows(c)
    anti = _group(s.washouts, "any_anti_myeloma")
    if anti is not None:
        rows.append(("Last anti-myeloma dose", computed(_washout_text(anti))))
    rows.append(("Current response", _current_response(c)))
    rows.append(("Measurable disease now", _measurable_brief(c)))
    if s.ecog is not None:
        days = (c.as_of - s.ecog.date.latest()).days
        rows.append(
            (
                "ECOG performance status",
                f"{s.ecog.score} ({ECOG_WORDS.get(s.ecog.score, '')}) on {_d(s.ecog.date)}, "
                f"{days} days ago",
            )
        )
    else:
        rows.append(("ECOG performance status", "not recorded"))
    if s.overrides:
        rows.append(
            (
                "Corrections by the person",
                overridden(f"{len(s.overrides)} (listed at the end of page 2)"),
            )
        )
    doc.key_value(rows, columns=1)


_LAST_LINE_WORDS = {
    "refractory": "yes",
    "not refractory": "no",
    "not assessable": "not assessable",
}


def _issue9_rows(c: _Ctx) -> list[tuple[str, Inline]]:
    """Key-fact rows for the facts screeners ask about (issue 9), from the Summary."""
    ledger, rows = c.ledger, []
    ll = ledger.last_line
    if ll is not None and ll.line is not None:
        drugs = ", ".join(c.name(x) for x in ll.refractory_drugs)
        rows.append(
            (
                "Refractory to last line",
                computed(
                    f"{_LAST_LINE_WORDS.get(ll.state, ll.state)} (line {ll.line}"
                    + (f"; {drugs}" if drugs else "")
                    + ")"
                ),
            )
        )
    mg = ledger.mammoth_group
    if mg is not None and mg.group:
        rows.append(("MAMMOTH group", _mark(mg.group, bool(mg.trace.overridden_by))))
    unknown = [d.name for d in ledger.drugs.values() if d.refractory_state == "not assessable"]
    if unknown:
        rows.append(("Cannot tell if refractory", computed(", ".join(unknown))))
    lp = ledger.last_progression
    er = ledger.early_relapse
    if lp is not None and lp.date is not None:
        approx = "" if lp.date.is_exact_day else "about "
        text = f"{_d(lp.date)}, {approx}{lp.days_since} days ago ({lp.months_since} months)"
        if er.frontline_asct is not None and er.months_from_first_asct is not None:
            # One row keeps the first two pages to two pages.
            text += (
                f"; the first ({_d(er.first_progression)}) came {er.months_from_first_asct} "
                f"months after the frontline ASCT ({_d(er.frontline_asct)})"
            )
        rows.append(("Last progression", computed(text)))
    for lr in c.s.responses.lines:
        if lr.disagreement is not None and lr.best and lr.best_clinician and lr.best_used:
            rows.append(
                (
                    f"Response, line {lr.line}",
                    computed(
                        f"labs {lr.best.category}, clinic {lr.best_clinician.category}: "
                        f"the rules use {lr.best_used.category}"
                    ),
                )
            )
    return rows


def _ordered_classes(classes: dict) -> list[str]:
    known = [k for k in CLASS_ORDER if k in classes]
    return known + sorted(k for k in classes if k not in CLASS_ORDER)


def _group(washouts, key: str):
    for w in (*washouts.groups, *washouts.classes, *washouts.drugs, *washouts.procedures):
        if w.key == key:
            return w
    return None


def _washout_text(w) -> str:
    if w.ongoing:
        return "ongoing (still being taken)"
    if w.last is None:
        return "never"
    return f"{_d(w.last)} — {w.display()} ago"


def _current_response(c: _Ctx) -> list[Inline]:
    r = c.s.responses
    parts: list[Inline] = []
    if r.latest_clinician is not None:
        lc = r.latest_clinician
        parts.append(f"{lc.category} on {_d(lc.date)} (recorded, {lc.assessor})")
    if r.latest is not None:
        if parts:
            parts.append("; ")
        ok = "confirmed" if r.latest.confirmed else "not yet confirmed"
        parts.append(computed(f"{r.latest.category} on {_d(r.latest.date)} ({ok}, from labs)"))
    return parts or ["no response recorded or computable"]


def _measurable_brief(c: _Ctx) -> Inline:
    m = c.s.responses.current_measurable
    if m.measurable:
        return computed(f"yes, by {m.kind} ({_param_values(m)})", bold=True)
    return computed(
        f"no under {m.variant.upper()} definition ({_param_values(m) or 'no recent values'})"
    )


def _param_values(m) -> str:
    out = []
    units = {"serum": "g/dL", "urine": "mg/24h", "flc": "mg/L", "bmpc": "%"}
    words = {
        "serum": "serum M-protein",
        "urine": "urine M-protein",
        "flc": "involved FLC",
        "bmpc": "marrow plasma cells",
    }
    for key in ("serum", "urine", "flc"):
        p = m.parameters.get(key)
        if p is None or p.value is None:
            continue
        thr = f" (needs ≥ {_num(p.threshold)})" if p.threshold is not None else ""
        out.append(f"{words[key]} {_num(p.value)} {units[key]}{thr}, {_d(p.date)}")
    return "; ".join(out)


def _diagnosis(doc: Document, c: _Ctx) -> None:
    h, st = c.h, c.s.staging
    dx = h.diagnosis
    rows: list[tuple[str, Inline]] = []
    if dx is None:
        rows.append(("Diagnosis", "not recorded"))
    else:
        typ = " ".join(x for x in (dx.heavy_chain, dx.light_chain) if x and x != "unknown")
        rows.append(("Diagnosed", f"{_d(dx.date)}; {typ or 'type not recorded'} multiple myeloma"))
    stages: list[Inline] = []
    for system, res in st.at_diagnosis.items():
        if stages:
            stages.append("; ")
        if res.recorded:
            stages.append(f"{system} {res.recorded} (recorded)")
            if res.stage and res.stage != res.recorded:
                stages.append(computed(f", computed {res.stage}"))
        elif res.stage:
            stages.append(computed(f"{system} {res.stage}"))
        else:
            stages.append(f"{system} not computable")
    rows.append(("Stage at diagnosis", stages or "not recorded"))
    hr = st.high_risk
    if hr.high_risk is None:
        hr_txt = "not enough tests entered to say"
    elif hr.high_risk:
        hr_txt = "high risk (IMS/IMWG 2025): " + "; ".join(hr.items)
    else:
        hr_txt = "no IMS/IMWG 2025 high-risk item found"
    rows.append(("High-risk findings", computed(hr_txt)))
    if hr.abnormalities:
        rows.append(("Genetic findings (FISH)", "; ".join(hr.abnormalities)))
    if hr.tested_negative:
        rows.append(("Tested negative", ", ".join(hr.tested_negative)))
    feats = [
        f"{f.flag}"
        + (f" ({f.site})" if f.site else "")
        + f" from {_d(f.date)}"
        + (f", resolved {_d(f.resolved)}" if f.resolved else ", ongoing")
        for f in h.features
    ]
    if feats:
        rows.append(("Disease features", "; ".join(feats)))
    early = c.ledger.early_relapse
    if early.applies:
        rows.append(("Early relapse", computed(early.trace.explanation)))
    doc.key_value(rows)


def _lines_table(doc: Document, c: _Ctx) -> None:
    s = c.s
    rows = []
    for ln in s.lines.lines:
        regs = [c.regimens[i] for i in ln.regimen_ids if i in c.regimens]
        drugs: list[str] = []
        for r in regs:
            for d in r.drugs:
                if d.role == "anti-myeloma" and d.name not in drugs:
                    drugs.append(d.name)
        what: list[Inline] = [Span(ln.label, bold=True)]
        if drugs:
            what.append(f" — {', '.join(drugs)}")
        if any(r.trial_id for r in regs):
            what.append(f" (trial {', '.join(r.trial_id for r in regs if r.trial_id)})")
        if ln.flags:
            what.append(Span(f" [{'; '.join(ln.flags)}]", italic=True))
        lr = s.responses.line(ln.number)
        best: list[Inline] = []
        if lr is not None and lr.best_clinician is not None:
            best.append(lr.best_clinician.category)
        if lr is not None and lr.best is not None:
            if best:
                best.append(" / ")
            best.append(computed(lr.best.category))
        end_reason = regs[-1].end_reason if regs and ln.end is not None else None
        why: list[Inline] = []
        if ln.end is None:
            why.append("ongoing")
        elif end_reason:
            why.append(end_reason)
        if lr is not None and lr.progression is not None:
            why.append(computed(f"{'; ' if why else ''}PD {_d(lr.progression.date)}"))
        procs = []
        for pid in ln.procedure_ids:
            p = c.procedures.get(pid)
            if p is None or p.kind not in (
                "autologous stem-cell transplant",
                "allogeneic stem-cell transplant",
                "CAR-T infusion",
            ):
                continue
            short = {
                "autologous stem-cell transplant": "ASCT",
                "allogeneic stem-cell transplant": "allo-SCT",
                "CAR-T infusion": "CAR-T",
            }[p.kind]
            product = f" {c.name(p.product)}" if p.product else ""
            procs.append(f"{short}{product} {_d(p.date)}")
        refr = c.refractory_in_line.get(ln.number, [])
        rows.append(
            (
                _mark(str(ln.number), ln.overridden, bold=True),
                what,
                _d(ln.start),
                _d(ln.end) if ln.end else "ongoing",
                best or "—",
                why or "—",
                c.drug_list(refr) if refr else "—",
                "; ".join(procs) or "—",
            )
        )
    doc.heading(2, "Lines of therapy")
    if not rows:
        doc.paragraph("No treatment recorded.")
        return
    doc.table(
        [
            [
                "Line",
                "Regimen and drugs",
                "Start",
                "End",
                "Best (recorded / computed)",
                "Why it ended",
                "Refractory drugs",
                "Transplant / CAR-T",
            ]
        ],
        rows,
        col_widths=[0.7, 4.0, 1.15, 1.15, 1.3, 1.5, 1.8, 1.6],
        small=True,
    )


def _ledger(doc: Document, c: _Ctx) -> None:
    ledger = c.ledger
    doc.heading(2, "Exposure and refractoriness by drug class")
    rows = []
    for cls in _ordered_classes(ledger.classes):
        st = ledger.classes[cls]
        if not st.exposed:
            continue
        over = bool(st.overridden)
        wo = _group(c.s.washouts, cls)
        rows.append(
            (
                Span(cls, bold=True),
                ", ".join(c.name(x) for x in st.exposed_drugs),
                (
                    c.drug_list(st.refractory_drugs)
                    if not over
                    else _mark(", ".join(c.name(x) for x in st.refractory_drugs), over)
                )
                if st.refractory_drugs
                else _mark("no", over),
                ", ".join(c.name(x) for x in st.intolerant_drugs) or "—",
                computed(_washout_text(wo)) if wo else "—",
            )
        )
    if rows:
        doc.table(
            [
                [
                    "Class",
                    "Exposed to",
                    "Refractory to",
                    "Stopped for side effects",
                    "Last dose (days since)",
                ]
            ],
            rows,
            col_widths=[1.1, 3.0, 2.6, 1.5, 2.6],
            small=True,
        )
    else:
        doc.paragraph("No anti-myeloma drug recorded.")
    label_rows = []
    not_applied = []
    implied: list[str] = []
    # The screeners' usual labels first, then any other label the ledger gives.
    keys = [k for k in LABEL_ORDER if k in ledger.labels]
    keys += [k for k in ledger.labels if k not in LABEL_ORDER]
    for key in keys:
        lab = ledger.labels[key]
        over = bool(lab.trace.overridden_by)
        if not lab.applies:
            not_applied.append(_mark(lab.name, over) if over else lab.name)
            continue
        if lab.implied_by:  # issue 9 item 6: said once, by the stronger label
            implied.append(lab.name)
            continue
        behind = ", ".join(
            c.name(x) if not x.startswith("procedure:") else "transplant record" for x in lab.drugs
        )
        label_rows.append((_mark(lab.name, over, bold=True), behind or "—"))
    if label_rows:
        doc.table(
            [["Label that applies", "Drugs behind it"]],
            label_rows,
            col_widths=[6.0, 4.8],
            small=True,
        )
    if implied:
        doc.paragraph(
            [
                Span("Also true, implied by the labels above: ", bold=True),
                computed("; ".join(implied)),
            ],
            "small",
        )
    if not_applied:
        parts: list[Inline] = [Span("Labels that do not apply: ", bold=True)]
        for i, x in enumerate(not_applied):
            parts.append(computed(x) if isinstance(x, str) else x)
            if i < len(not_applied) - 1:
                parts.append("; ")
        doc.paragraph(parts, "small")
    doc.paragraph(
        f"Refractory = rule set '{ledger.rule_set}': progression on treatment or within 60 days "
        "of the last dose, or less than a minimal response while on it (IMWG). "
        "Computed from the dates entered; each call can be corrected by the person.",
        "small",
    )


def _last_doses(doc: Document, c: _Ctx) -> None:
    w = c.s.washouts
    doc.heading(2, f"Last doses and days since (as of {_d(c.as_of)})")
    items = []
    for item in (*w.groups, *w.drugs, *w.procedures):
        last = "ongoing" if item.ongoing else (_d(item.last) if item.last else "never")
        days: Inline = "—" if item.ongoing or item.days_since is None else computed(item.display())
        items.append((item.label, last, days))
    if not items:
        doc.paragraph("Nothing recorded.")
        return
    doc.table(
        [["Drug, group or procedure", "Last dose / date", "Days since"] * 2],
        _side_by_side(items, 3),
        col_widths=[2.9, 1.3, 1.2, 2.9, 1.3, 1.2],
        small=True,
    )
    doc.paragraph(
        "Days are counted to the date above; trials count washouts differently, so compare the "
        "number with the protocol. Dates known only to the month or year give a range.",
        "small",
    )


def _side_by_side(items: list[tuple], width: int) -> list[tuple]:
    """Fold a long list into two halves printed next to each other (saves half the rows)."""
    half = -(-len(items) // 2)
    left, right = items[:half], items[half:]
    right = right + [("",) * width] * (half - len(right))
    return [(*a, *b) for a, b in zip(left, right, strict=True)]


def _measurable(doc: Document, c: _Ctx) -> None:
    r = c.s.responses
    doc.heading(2, "Measurable disease under IMWG and trial thresholds")
    names = {
        "imwg": "IMWG",
        "serum_0_5": "serum ≥ 0.5 g/dL",
        "candor": "CANDOR",
        "ecog_acrin": "ECOG-ACRIN",
        "ikema": "IKEMA (no FLC-only)",
    }
    parts: list[Inline] = []
    for key, m in r.measurable_by_variant.items():
        if parts:
            parts.append(" · ")
        verdict = f"yes ({m.kind})" if m.measurable else "no"
        parts.append(f"{names.get(key, key)}: ")
        parts.append(computed(verdict, bold=m.measurable))
    if parts:
        doc.paragraph(parts)
    vals = _param_values(r.current_measurable)
    doc.paragraph(f"Latest values (IMWG threshold): {vals or 'no recent values'}.", "small")


def _side_effects(doc: Document, c: _Ctx) -> None:
    doc.heading(2, "Ongoing side effects")
    rows = []
    for v in c.s.ongoing_side_effects:
        grade = f"grade {v.grade}" if v.grade is not None else "grade not recorded"
        rows.append(
            (
                v.term + (" (serious)" if v.serious else ""),
                grade,
                v.scale,
                v.source_label,
                _d(v.onset),
                ", ".join(c.name(x) for x in v.drugs) or "—",
            )
        )
    if rows:
        doc.table(
            [["Side effect", "Grade", "Scale (version)", "Graded by", "Since", "Linked to"]],
            rows,
            col_widths=[2.6, 0.9, 1.2, 2.6, 1.2, 2.0],
            small=True,
        )
    else:
        doc.paragraph("No ongoing side effects recorded.")


def _labs(doc: Document, c: _Ctx) -> None:
    s = c.s
    doc.heading(2, "Latest labs")
    items = []
    supported = False
    for ll in s.latest_labs:
        t = LAB_TESTS.get(ll.lab.test)
        name = t.name if t else ll.lab.test
        unit = common.unit_text(t.unit) if t else ""
        value: list[Inline] = [
            ll.lab.text_value or "—" if ll.lab.value is None else f"{_num(ll.lab.value)} {unit}"
        ]
        if ll.supported:
            supported = True
            value.append(computed(f" {SUPPORT_MARK}"))
        if ll.grade is not None and ll.grade.grade > 0:
            value.append(computed(f" G{ll.grade.grade}"))
        items.append((name, value, f"{_d(ll.lab.date)} ({ll.days_old} d)"))
    st = s.staging
    explained = []
    for vr in (st.creatinine_clearance, st.corrected_calcium):
        if vr.value is None:
            continue
        days = f" ({(c.as_of - vr.date.latest()).days} d)" if vr.date else ""
        items.append(
            (
                vr.name[0].upper() + vr.name[1:],
                computed(f"{_num(vr.value)} {vr.unit}"),
                f"{_d(vr.date)}{days}",
            )
        )
        explained.append(vr.trace.explanation)
    if items:
        doc.table(
            [["Test", "Value", "Date (days old)"] * 2],
            _side_by_side(items, 3),
            col_widths=[2.4, 1.3, 1.6, 2.4, 1.3, 1.6],
            small=True,
        )
    else:
        doc.paragraph("No lab results recorded.")
    if explained:
        doc.paragraph(computed(" ".join(explained)), "small")
    if any(ll.grade is not None and ll.grade.grade > 0 for ll in s.latest_labs):
        doc.paragraph(f"G1-G4 = {s.ctcae_scale} grade computed from the value.", "small")
    if supported:
        doc.paragraph(
            f"{SUPPORT_MARK} a transfusion or growth factor shortly before may have "
            "raised this value; many trials ask for values without recent support.",
            "small",
        )


def _supportive_and_overrides(doc: Document, c: _Ctx) -> None:
    s = c.s
    doc.heading(2, "Supportive care now")
    if s.supportive:
        doc.paragraph(
            "; ".join(
                f"{x.name}" + (f" ({x.purpose})" if x.purpose else "") + f" since {_d(x.start)}"
                for x in s.supportive
            )
        )
    else:
        doc.paragraph("None recorded.")
    if s.overrides:
        doc.heading(2, "Corrections made by the person (overrides)")
        doc.table(
            [["What", "About", "Corrected to", "Reason given"]],
            [(o.rule, o.subject, overridden(o.value), o.reason) for o in s.overrides],
            col_widths=[1.6, 2.0, 2.0, 5.4],
            small=True,
        )


# --------------------------------------------------------------------------- appendix
def _appendix(doc: Document, c: _Ctx) -> None:
    doc.page_break()
    doc.heading(1, "Appendix")
    draw = timeline_chart(c.inputs, extra_labs=("hb", "platelets"), label_chars=30)
    if draw is not None:
        doc.heading(2, "Timeline of treatment, responses and side effects")
        # Most of a page: at half a page the lanes and side-effect names become too
        # small to read on paper.
        doc.chart(draw, (7.1, 9.0), alt_text="timeline chart of the whole history")
    _how_computed(doc, c)
    _lab_table(doc, c)
    _side_effect_history(doc, c)
    _notes(doc, c)


def _how_computed(doc: Document, c: _Ctx) -> None:
    """The rule, data and source behind the computed facts of pages 1-2, so a reader
    can check them against the medical record."""
    s, ledger = c.s, c.ledger
    from journal.domain.dates import PartialDate

    rows: list[tuple[Inline, ...]] = []

    def add(fact: str, t: Trace | None) -> None:
        if t is None:
            return
        expl: list[Inline] = [t.explanation]
        if t.unconfirmed:
            expl.append(Span(" (default rule, unconfirmed)", italic=True))
        if t.overridden_by:
            expl.append(overridden(" corrected by the person"))
        rows.append((fact, expl, t.source.short))

    add("Prior lines", s.lines.prior_lines_trace(PartialDate.from_date(c.as_of)))
    for ln in s.lines.lines:
        if ln.traces:
            add(f"Line {ln.number} starts", ln.traces[0])
    for d in ledger.drugs.values():
        # One reason per drug (a correction wins, else the latest refractory call) keeps a
        # long history readable; every call is in the JSON summary and behind "Why?".
        calls = [t for t in d.traces if t.rule.startswith("ledger.refractory")]
        overrides = [t for t in d.traces if t.rule.startswith("ledger.override")]
        for t in overrides or calls[-1:]:
            add(d.name, t)
        add(d.name, next((t for t in d.traces if t.rule.startswith("ledger.intolerant")), None))
    add("Disease status", ledger.disease_status.trace)
    if ledger.last_line is not None and ledger.last_line.line is not None:
        add("Refractory to the last line", ledger.last_line.trace)
    if ledger.mammoth_group is not None and ledger.mammoth_group.group:
        add("MAMMOTH group", ledger.mammoth_group.trace)
    if ledger.last_progression is not None and ledger.last_progression.date is not None:
        add("Last progression", ledger.last_progression.trace)
    for lr in s.responses.lines:
        add(f"Response, line {lr.line}", lr.disagreement)
    add("Measurable disease", s.responses.current_measurable.trace)
    add("High-risk", s.staging.high_risk.trace)
    doc.heading(2, "How the computed facts were worked out")
    doc.table(
        [["Fact", "Rule and the data used", "Source"]],
        rows,
        col_widths=[1.6, 6.6, 2.6],
        small=True,
    )


def _lab_table(doc: Document, c: _Ctx) -> None:
    by_date: dict[tuple, dict[str, Any]] = defaultdict(dict)
    dates = {}
    supported_refs = {x.lab_ref for x in c.s.washouts.supported_labs}
    col_codes = {code for code, _ in LAB_COLUMNS}
    for lab in c.h.labs:
        key = lab.date.sort_key()
        dates[key] = lab.date
        by_date[key][lab.test] = lab
    if not by_date:
        return
    doc.heading(2, "All lab results")
    rows = []
    used_other: set[str] = set()
    for key in sorted(by_date):
        labs = by_date[key]
        row: list[Inline] = [_d(dates[key])]
        for code, _h in LAB_COLUMNS:
            lab = labs.get(code)
            if lab is None:
                row.append("")
                continue
            txt = _num(lab.value) if lab.value is not None else (lab.text_value or "")
            if lab.ref in supported_refs:
                txt += SUPPORT_MARK
            row.append(txt)
        other = []
        for code, lab in sorted(labs.items()):
            if code in col_codes:
                continue
            short = LAB_SHORT.get(code) or (LAB_TESTS[code].name if code in LAB_TESTS else code)
            val = _num(lab.value) if lab.value is not None else (lab.text_value or "")
            other.append(f"{short} {val}")
            used_other.add(code)
        row.append("; ".join(other))
        rows.append(tuple(row))
    doc.table(
        [["Date", *[h for _, h in LAB_COLUMNS], "Other"]],
        rows,
        col_widths=[1.5, *[0.8] * len(LAB_COLUMNS), 4.2],
        small=True,
    )
    if used_other:
        legend = "; ".join(
            f"{LAB_SHORT.get(c, c)} = {LAB_TESTS[c].name}"
            + (
                f" ({common.unit_text(LAB_TESTS[c].unit)})"
                if common.unit_text(LAB_TESTS[c].unit)
                else ""
            )
            for c in sorted(used_other)
            if c in LAB_TESTS and c in LAB_SHORT
        )
        doc.paragraph(
            f"Other: {legend}. {SUPPORT_MARK} = may be transfusion- or G-CSF-supported.", "small"
        )


MAX_EPISODE_ROWS = 60  # above this, the history is summarised per side effect


def _side_effect_history(doc: Document, c: _Ctx) -> None:
    views = c.s.side_effects
    if not views:
        return
    doc.heading(2, "Side-effect history")
    if len(views) > MAX_EPISODE_ROWS:
        _side_effects_by_term(doc, c, views)
        return
    rows = []
    for v in views:
        rows.append(
            (
                v.term + (" (serious)" if v.serious else ""),
                f"{v.grade}" if v.grade is not None else "—",
                v.scale,
                _d(v.onset),
                "ongoing" if v.ongoing else _d(v.resolved),
                ", ".join(c.name(x) for x in v.drugs) or "—",
                v.source_label,
            )
        )
    doc.table(
        [["Side effect", "Grade", "Scale", "Started", "Ended", "Linked to", "Graded by"]],
        rows,
        col_widths=[2.8, 0.6, 1.2, 1.2, 1.2, 2.2, 1.8],
        small=True,
    )


def _side_effects_by_term(doc: Document, c: _Ctx, views) -> None:
    """One row per side effect: a long history stays readable (and quick to print)."""
    groups: dict[str, list] = defaultdict(list)
    for v in views:
        groups[v.term].append(v)
    doc.paragraph(
        f"{len(views)} episodes recorded; shown once per side effect with the worst grade.",
        "small",
    )
    rows = []
    for term, vs in sorted(groups.items(), key=lambda kv: kv[1][0].onset.sort_key()):
        graded = [v for v in vs if v.grade is not None]
        worst = max(graded, key=lambda v: v.grade) if graded else None
        ongoing = [v for v in vs if v.ongoing]
        drugs = sorted({c.name(x) for v in vs for x in v.drugs})
        rows.append(
            (
                term,
                str(len(vs)),
                f"{worst.grade} ({worst.scale}, {_d(worst.onset)})" if worst else "—",
                _d(vs[0].onset),
                "ongoing"
                if ongoing
                else _d(
                    max(
                        (v.resolved for v in vs if v.resolved),
                        key=lambda d: d.sort_key(),
                        default=None,
                    )
                ),
                ", ".join(drugs) or "—",
                str(sum(1 for v in vs if v.serious)),
            )
        )
    doc.table(
        [
            [
                "Side effect",
                "Episodes",
                "Worst grade (scale, when)",
                "First",
                "Last ended",
                "Linked to",
                "Serious",
            ]
        ],
        rows,
        col_widths=[2.4, 0.8, 2.4, 1.1, 1.1, 2.4, 0.7],
        small=True,
    )


def _notes(doc: Document, c: _Ctx) -> None:
    chosen = [n for n in c.inputs.notes if n.include_in_summary]
    if not chosen:
        return
    doc.heading(2, "Notes chosen for this summary")
    if c.opts.deidentified:
        doc.paragraph(
            f"{len(chosen)} note(s) left out: free text can contain names, so a de-identified "
            "summary does not include notes.",
            "muted",
        )
        return
    for n in sorted(chosen, key=lambda n: n.date.sort_key()):
        title = f"{_d(n.date)} — {n.title}" if n.title else _d(n.date)
        doc.paragraph([Span(title, bold=True), f" ({n.kind})"])
        if n.text:
            doc.paragraph(n.text)


# --------------------------------------------------------------------------- the report
def build_screening(inputs: ReportInputs, opts: ReportOptions) -> Document:
    c = _Ctx(inputs, opts)
    s = c.s
    name, born = common.who(s.history.person, opts)
    doc = Document(
        "Trial-screening summary",
        header_left=name,
        header_right=born,
        footer_left=common.footer(inputs.generated, opts),
    )
    doc.heading(1, "Trial-screening summary")
    doc.paragraph(
        f"As of {_d(c.as_of)}. Lines of therapy by IMWG 2015; refractoriness by rule set "
        f"'{s.rule_set}'; measurable disease by '{s.measurable_variant}'. "
        f"A {common.VERIFY}. This summary records and computes; it does not say whether a "
        "trial is suitable.",
        "muted",
    )
    _key_facts(doc, c)
    doc.heading(2, "Diagnosis")
    _diagnosis(doc, c)
    _lines_table(doc, c)
    _ledger(doc, c)
    _last_doses(doc, c)
    _measurable(doc, c)
    _side_effects(doc, c)
    _labs(doc, c)
    _supportive_and_overrides(doc, c)
    _appendix(doc, c)
    return doc
