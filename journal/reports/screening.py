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
from dataclasses import dataclass
from typing import Any

from journal.domain.event_dates import describe_current_response, procedure_date
from journal.domain.labs import LAB_TESTS
from journal.domain.ledger import RULE_SETS
from journal.domain.numbers import fmt_number
from journal.domain.trace import Trace
from journal.domain.vocab import ECOG_SCALE
from journal.pacing import breathe
from journal.reports import common
from journal.reports.charts import paper_timeline_chart
from journal.reports.deid import deidentify_document
from journal.reports.document import Chart, Document, Inline, Span, computed, overridden
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


NBSP = "\u00a0"


def _nd(x: Any) -> str:
    """A date that never wraps inside a narrow table column."""
    return _d(x).replace(" ", NBSP)


def _num(v: float | None) -> str:
    return fmt_number(v)


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
        # Which line(s) each refractory call came from, as the ledger says.
        self.refractory_in_line: dict[int, list[str]] = defaultdict(list)
        for d in self.ledger.drugs.values():
            for n in d.refractory_lines:
                if d.name not in self.refractory_in_line[n]:
                    self.refractory_in_line[n].append(d.name)
        # fit_screening builds the core several times from one context: what every
        # build asks (scans of thousands of labs, the current response) is kept.
        self._latest: dict[tuple[str, ...], Any] = {}
        self._labs_by_test: defaultdict[str, list[tuple[int, Any]]] | None = None
        self._response: list | None = None
        self._timeline: tuple[str, Chart] | None = None

    def latest_lab(self, tests: tuple[str, ...]):
        if tests not in self._latest:
            if self._labs_by_test is None:  # one pass over the labs, not one per question
                self._labs_by_test = defaultdict(list)
                for i, lab in enumerate(self.h.labs):
                    self._labs_by_test[lab.test].append((i, lab))
            found = [
                (i, lab)
                for test in dict.fromkeys(tests)
                for i, lab in self._labs_by_test.get(test, ())
                if (lab.value is not None or lab.text_value) and lab.date.earliest() <= self.as_of
            ]
            # Of equals, the first in the history (as a scan of every lab would keep).
            best = max(found, key=lambda x: (x[1].date.sort_key(), x[1].id, -x[0]), default=None)
            self._latest[tests] = best[1] if best is not None else None
        return self._latest[tests]

    def timeline(self) -> tuple[str, Chart] | None:
        """The appendix timeline (its heading and chart), one object per context:
        fit_screening hands the chart to the page counter early (Document.prefetch) and
        the PDF finds it drawn already. None when the chart module is missing."""
        if self._timeline is None:
            # The whole history: recent years to scale, earlier years compressed.
            chart = paper_timeline_chart(
                self.inputs, extra_labs=("hb", "platelets"), label_chars=30
            )
            if chart is None:
                return None
            heading = "Timeline of treatment, responses and side effects"
            if chart.compressed_before is not None:
                heading += (
                    f" (the last {chart.recent_years} years to scale, the years before "
                    f"{chart.compressed_before.year} compressed)"
                )
            # Most of a page: at half a page the lanes and side-effect names become too
            # small to read on paper.
            block = Chart(chart.draw, (7.1, 8.6), alt_text="timeline chart of the whole history")
            self._timeline = (heading, block)
        return self._timeline

    def current_response(self) -> list:
        if self._response is None:
            self._response = list(describe_current_response(self.s.current_response.to_json()))
        return self._response

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


# --------------------------------------------------------------------------- budgets
@dataclass(frozen=True)
class Budget:
    """How much of a long history the two core pages hold. The Qt backend tries these
    in order and keeps the first whose core fits on two pages (see fit_screening);
    everything left out is in the appendix, and the core says so."""

    max_lines: int | None  # lines in the core table (most recent); None = all
    max_side_effects: int  # ongoing side effects listed (most severe first)
    drug_rows: bool  # one last-dose row per drug (else groups, classes, procedures)
    doses: bool  # doses and schedules in the lines table
    notes: bool = True  # the how-to-read note under the last-dose table
    # "Response, line N" key facts where labs and clinic differ (most recent); None = all.
    # A long history has one per line: folded first, so the table keeps recent lines.
    max_responses: int | None = None
    # Pieces of evidence printed per "yes" of the other conditions (most recent); None = all.
    max_evidence: int | None = None


BUDGETS = (
    Budget(None, 10, True, True),
    Budget(6, 8, True, True, max_responses=4),
    Budget(5, 8, True, True, max_responses=3),
    Budget(4, 6, True, True, max_responses=3),
    Budget(3, 6, True, True, max_responses=2),
    Budget(3, 5, False, True, max_responses=2),
    Budget(3, 4, False, False, max_responses=1),
    Budget(3, 1, False, False, notes=False, max_responses=0, max_evidence=2),
    Budget(2, 1, False, False, notes=False, max_responses=0, max_evidence=2),
    Budget(1, 1, False, False, notes=False, max_responses=0, max_evidence=1),
    Budget(0, 1, False, False, notes=False, max_responses=0, max_evidence=1),
)
CORE_PAGES = 2
DETAIL_YEARS = 6  # a longer history's appendix lists every line in a table
STALE_DAYS = 30  # a lab older than this is flagged: trials ask for recent values

# Labs trial texts ask for, in the order printed; a missing one says "not recorded".
# "alc", "inr", "aptt" and "spo2" may not be in the catalog yet (then never recorded).
ASKED_LABS = (
    "hb",
    "anc",
    "platelets",
    "alc",
    "creatinine",
    "calcium",
    "bilirubin",
    "ast",
    "alt",
    "inr",
    "aptt",
    "spo2",
    "albumin",
    "ldh",
    "b2m",
)
MYELOMA_LABS = ("m_protein", "flc_kappa", "flc_lambda", "flc_ratio", "serum_ife", "bmpc")
LAB_NAMES = {
    "alc": "Lymphocytes (ALC)",
    "inr": "INR",
    "aptt": "aPTT",
    "spo2": "Oxygen saturation",
    "flc_kappa": "FLC kappa",
    "flc_lambda": "FLC lambda",
    "flc_ratio": "κ/λ ratio",
    "m_protein": "Serum M-protein",
    "serum_ife": "Serum IFE",
    "bmpc": "Marrow plasma cells",
    "b2m": "β2-microglobulin",
    "anc": "Neutrophils (ANC)",
}
LAB_ALIASES = {"alc": ("alc", "lymphocytes")}  # absolute lymphocyte count


def _short_drug(c: _Ctx, d) -> str:
    """A drug's name as printed; free text is left out of a de-identified summary."""
    if c.opts.deidentified and not d.drug_id:
        return "drug not in the catalogue"
    return d.name


def _dose_text(c: _Ctx, d, *, current: bool = False) -> str:
    return common.dose_text(d, c.as_of, current=current, deidentified=c.opts.deidentified)


def _cycles(c: _Ctx, reg) -> Inline:
    """Cycles of a regimen: as entered, or counted by the ledger from its dates."""
    if reg.end is not None and reg.start == reg.end:
        return ""
    found = [
        a
        for d in c.ledger.drugs.values()
        for a in d.administrations
        if a.regimen_id == reg.id and a.cycles
    ]
    if reg.cycles is not None:
        n, est = reg.cycles, False
    elif found:
        best = max(found, key=lambda a: a.cycles)
        n, est = best.cycles, best.cycles_estimated
    else:
        return ""
    length = f" of {reg.cycle_days} days" if reg.cycle_days else ""
    word = "cycle" if n == 1 else "cycles"
    if est:
        return computed(f"about {n} {word}{length}")
    return f"{n} {word}{length}"


def _regimen_name(c: _Ctx, reg) -> str:
    if c.opts.deidentified:  # a name typed by a person can hold anything
        drugs = [d for d in reg.drugs if d.role != "supportive"]
        return " + ".join(_short_drug(c, d) for d in drugs) or "treatment"
    return reg.name


def _person(c: _Ctx) -> Inline:
    p = c.h.person
    bits = []
    if c.opts.sex_and_weight and p.sex and p.sex != "unknown":
        bits.append(p.sex)
    age = common.age_years(p.birth_date, c.as_of)
    bits.append(common.age_text(age) if age is not None else "age not recorded")
    if c.opts.sex_and_weight:
        w = _latest_lab(c, ("weight",))
        if w is not None and w.value is not None:
            bits.append(f"weight {_num(w.value)} kg ({_d(w.date)})")
        elif p.weight_kg is not None:
            bits.append(f"weight {_num(p.weight_kg)} kg (profile, undated)")
        if p.height_cm is not None:
            bits.append(f"height {_num(p.height_cm)} cm")
    return " · ".join(bits)


def _latest_lab(c: _Ctx, tests: tuple[str, ...]):
    return c.latest_lab(tests)


# --------------------------------------------------------------------------- sections
def _key_facts(doc: Document, c: _Ctx, budget: Budget) -> None:
    s, ledger = c.s, c.ledger
    rows: list[tuple[str, Inline]] = [("Person", _person(c))]
    lines_over = any(ln.overridden for ln in s.lines.lines)
    cur = c.current_line()
    prior: list[Inline] = [_mark(f"{s.prior_lines}", lines_over, bold=True)]
    prior.append(f" (lines started before {_d(c.as_of)}; IMWG 2015)")
    rows.append(("Prior lines of therapy", prior))
    if cur is not None:
        regs = [c.regimens[i] for i in cur.regimen_ids if i in c.regimens]
        now = [
            _dose_text(c, d, current=True)
            for r in regs
            if r.end is None or r.end.earliest() > c.as_of
            for d in r.drugs
            if d.role == "anti-myeloma"
            and (d.last_dose is None or d.last_dose.earliest() > c.as_of)
        ]
        rows.append(
            (
                "Current treatment",
                [
                    _mark(f"line {cur.number}", cur.overridden),
                    f": {_line_label(c, cur)}, since {_d(cur.start)}"
                    + (f" — {'; '.join(now)}" if now else ""),
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
    keys = [k for k in LABEL_ORDER if k in ledger.labels]
    keys += [k for k in ledger.labels if k not in LABEL_ORDER]
    applied = [ledger.labels[k] for k in keys if ledger.labels[k].shown]
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
    rows += _issue9_rows(c, budget)
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
                overridden(f"{len(s.overrides)} (listed on page 2)"),
            )
        )
    doc.key_value(rows, columns=1)


def _line_label(c: _Ctx, ln) -> str:
    if not c.opts.deidentified:
        return ln.label
    regs = [c.regimens[i] for i in ln.regimen_ids if i in c.regimens]
    return " -> ".join(_regimen_name(c, r) for r in regs) or "treatment"


_LAST_LINE_WORDS = {
    "refractory": "yes",
    "not refractory": "no",
    "not assessable": "not assessable",
}


def _disagreements(c: _Ctx) -> list:
    """Lines whose best response differs between labs and clinic (oldest first)."""
    return [
        lr
        for lr in c.s.responses.lines
        if lr.disagreement is not None and lr.best and lr.best_clinician and lr.best_used
    ]


def _issue9_rows(c: _Ctx, budget: Budget) -> list[tuple[str, Inline]]:
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
    differ = _disagreements(c)
    keep = len(differ) if budget.max_responses is None else budget.max_responses
    folded, shown = differ[: len(differ) - keep], differ[len(differ) - keep :]
    if folded:
        where = "see appendix" if c.opts.appendix else "see the full summary"
        nums = [lr.line for lr in folded]
        which = f"lines {nums[0]}–{nums[-1]}" if len(nums) > 1 else f"line {nums[0]}"
        rows.append(
            (
                "Response, earlier lines",
                computed(f"labs and clinic differ on {len(folded)} ({which}); {where}"),
            )
        )
    for lr in shown:
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
    return f"{_d(w.last)}, {w.display()} ago"


def _current_response(c: _Ctx) -> list[Inline]:
    """One wording with the Overview screen (journal.domain.event_dates)."""
    parts: list[Inline] = []
    for text, is_computed in c.current_response():
        parts.append(computed(text) if is_computed else text)
    return parts


def _measurable_brief(c: _Ctx) -> Inline:
    m = c.s.responses.current_measurable
    if m.measurable:
        return computed(f"yes, by {m.kind} ({_param_values(m)})", bold=True)
    return computed(
        f"no under {m.variant.upper()} definition ({_param_values(m) or 'no recent values'})"
    )


def _flc(v: float) -> str:
    """Light chains in mg/L and mg/dL: trial texts use either."""
    return f"{_num(v)} mg/L ({_num(v / 10)} mg/dL)"


def _param_values(m) -> str:
    out = []
    units = {"serum": "g/dL", "urine": "mg/24h"}
    words = {
        "serum": "serum M-protein",
        "urine": "urine M-protein",
        "flc": "involved FLC",
    }
    for key in ("serum", "urine", "flc"):
        p = m.parameters.get(key)
        if p is None or p.value is None:
            continue
        if key == "flc":
            val = _flc(p.value)
            thr = f" (needs ≥ {_flc(p.threshold)})" if p.threshold is not None else ""
        else:
            val = f"{_num(p.value)} {units[key]}"
            thr = f" (needs ≥ {_num(p.threshold)})" if p.threshold is not None else ""
        out.append(f"{words[key]} {val}{thr}, {_d(p.date)}")
    return "; ".join(out)


def _diagnosis(doc: Document, c: _Ctx) -> None:
    h, st = c.h, c.s.staging
    dx = h.diagnosis
    rows: list[tuple[str, Inline]] = []
    if dx is None:
        rows.append(("Diagnosed", "not recorded"))
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
        + (f" ({f.site})" if f.site and not c.opts.deidentified else "")
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


PROC_SHORT = {
    "autologous stem-cell transplant": "ASCT",
    "allogeneic stem-cell transplant": "allo-SCT",
    "CAR-T infusion": "CAR-T",
}


def _line_row(c: _Ctx, ln, *, doses: bool) -> tuple[Inline, ...]:
    s = c.s
    regs = [c.regimens[i] for i in ln.regimen_ids if i in c.regimens]
    what: list[Inline] = []
    for r in regs:
        if what:
            what.append("\n")
        what.append(Span(_regimen_name(c, r), bold=True))
        cyc = _cycles(c, r)
        if cyc:
            what.extend([" (", cyc, ")"])
        drugs = [d for d in r.drugs if d.role not in ("supportive", "premedication")]
        if doses and drugs:
            what.append(": " + "; ".join(_dose_text(c, d) for d in drugs))
        elif drugs and not c.opts.deidentified:
            what.append(": " + ", ".join(_short_drug(c, d) for d in drugs))
        if r.trial_id:
            what.append(f" (trial {r.trial_id})")
    for pid in ln.procedure_ids:
        p = c.procedures.get(pid)
        if p is None or p.kind not in PROC_SHORT:
            continue
        product = f" {c.name(p.product)}" if p.product else ""
        what.append(f"\n{PROC_SHORT[p.kind]}{product} {_d(procedure_date(p))} (day 0)")
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
    refr = c.refractory_in_line.get(ln.number, [])
    return (
        _mark(str(ln.number), ln.overridden, bold=True),
        what,
        f"{_nd(ln.start)} –\n{_nd(ln.end) if ln.end else 'ongoing'}",
        best or "—",
        why or "—",
        c.drug_list(refr) if refr else "—",
    )


LINE_HEADER = (
    "Line",
    "Treatment given (cycles; dose, route, schedule)",
    "From – to",
    "Best (recorded / computed)",
    "Why it ended",
    "Refractory to",
)
LINE_WIDTHS = (0.45, 5.0, 1.45, 1.05, 1.3, 1.55)
# When a long history leaves the doses to the appendix, the header must not promise them.
LINE_HEADER_NO_DOSES = (
    LINE_HEADER[0],
    "Treatment given (cycles; doses in the appendix)",
    *LINE_HEADER[2:],
)


def _lines_table(doc: Document, c: _Ctx, budget: Budget) -> None:
    lines = list(c.s.lines.lines)
    doc.heading(2, "Lines of therapy")
    if not lines:
        doc.paragraph("No treatment recorded.")
        return
    shown = lines if budget.max_lines is None else lines[max(0, len(lines) - budget.max_lines) :]
    folded = lines[: len(lines) - len(shown)]
    rows = [_line_row(c, ln, doses=budget.doses) for ln in shown]
    if folded:
        where = "see appendix" if c.opts.appendix else "listed in the appendix of the full summary"
        rng = f"lines {folded[0].number}–{folded[-1].number}" if len(folded) > 1 else "line 1"
        end = folded[-1].end or folded[-1].start
        doc.paragraph(
            Span(
                f"+ {len(folded)} earlier line{'s' if len(folded) > 1 else ''} "
                f"({rng}, {_d(folded[0].start)} – {_d(end)}), {where}.",
                italic=True,
            )
        )
    if rows:
        header = LINE_HEADER if budget.doses else LINE_HEADER_NO_DOSES
        doc.table([header], rows, col_widths=LINE_WIDTHS, small=True)


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
        refr: list[Inline] = (
            (
                c.drug_list(st.refractory_drugs)
                if not over
                else [_mark(", ".join(c.name(x) for x in st.refractory_drugs), over)]
            )
            if st.refractory_drugs
            else [_mark("no", over)]
        )
        if st.intolerant_drugs:
            refr = [
                *refr,
                "; stopped for side effects: " + ", ".join(c.name(x) for x in st.intolerant_drugs),
            ]
        last: Inline = "—"
        if wo is not None:
            last = (
                "ongoing"
                if wo.ongoing
                else [_nd(wo.last), " ", computed(f"({wo.days_since}{NBSP}d)")]
                if wo.last
                else "never"
            )
        rows.append(
            (Span(cls, bold=True), ", ".join(c.name(x) for x in st.exposed_drugs), refr, last)
        )
    if rows:
        doc.table(
            [["Class", "Exposed to", "Refractory to", "Last dose (days)"]],
            rows,
            col_widths=[1.1, 3.4, 3.6, 2.7],
            small=True,
        )
    else:
        doc.paragraph("No anti-myeloma drug recorded.")
    # The labels that apply are in the key facts; the ones that do not answer
    # "no prior GPRC5D-directed therapy?" at a glance.
    not_applied: list[Inline] = [Span("Labels that do not apply: ", bold=True)]
    keys = [k for k in LABEL_ORDER if k in ledger.labels]
    keys += [k for k in ledger.labels if k not in LABEL_ORDER]
    for key in keys:
        lab = ledger.labels[key]
        if lab.applies:
            continue
        if len(not_applied) > 1:
            not_applied.append("; ")
        not_applied.append(_mark(lab.name, bool(lab.trace.overridden_by)))
    if len(not_applied) > 1:
        doc.paragraph(not_applied, "small")
    doc.paragraph(_rule_set_definition(c), "small")


def _rule_set_definition(c: _Ctx) -> str:
    """The refractory definition of the rule set the summary was computed with (and only
    that one: a Mayo summary must not print the IMWG wording)."""
    rs = RULE_SETS.get(c.ledger.rule_set)
    if rs is None:
        return f"Refractory = rule set '{c.ledger.rule_set}'."
    return (
        f"Rule set '{rs.name}': {rs.description} Source: {rs.source.short}. "
        "Computed from the dates entered; each call can be corrected by the person."
    )


def _last_doses(doc: Document, c: _Ctx, budget: Budget) -> None:
    w = c.s.washouts
    doc.heading(2, f"Last doses and days since (to {_d(c.as_of)})")
    items = []
    # Without drug rows the classes' last doses are in the exposure table above.
    chosen = (
        (*w.groups, *w.drugs, *w.procedures)
        if budget.drug_rows
        else (
            *w.groups,
            *w.procedures,
        )
    )
    for item in chosen:
        last = "ongoing" if item.ongoing else (_nd(item.last) if item.last else "never")
        days: Inline = (
            "—"
            if item.ongoing or item.days_since is None
            else computed(item.display().replace(" days", NBSP + "days"))
        )
        items.append((_short_label(item.label), last, days))
    if not items:
        doc.paragraph("Nothing recorded.")
        return
    doc.table(
        [["Drug, group or event", "Last", "Days"] * 2],
        _side_by_side(items, 3),
        col_widths=[2.65, 1.35, 1.4, 2.65, 1.35, 1.4],
        small=True,
    )
    if not budget.notes:
        return
    doc.paragraph(
        "Counted to the date above; a transplant or CAR-T infusion from day 0, a course of "
        "sessions from its last day. Trials count washouts differently: compare with the "
        "protocol. Dates known only to the month or year give a range."
        + ("" if budget.drug_rows else " Each drug's last dose is in the appendix."),
        "small",
    )


_SHORT_LABELS = {
    "Any antibody-based myeloma drug (monoclonal antibody, bispecific or antibody-drug "
    "conjugate)": "Any antibody drug (mAb, bispecific, ADC)",
    "Any steroid (including premedication)": "Any steroid (incl. premed.)",
    "leukapheresis (T-cell collection)": "leukapheresis",
    "autologous stem-cell transplant": "autologous transplant (day 0)",
    "allogeneic stem-cell transplant": "allogeneic transplant (day 0)",
    "CAR-T infusion": "CAR-T infusion (day 0)",
}


def _short_label(label: str) -> str:
    return _SHORT_LABELS.get(label, label)


def _side_by_side(items: list[tuple], width: int) -> list[tuple]:
    """Fold a long list into two halves printed next to each other (saves half the rows)."""
    half = -(-len(items) // 2)
    left, right = items[:half], items[half:]
    right = right + [("",) * width] * (half - len(right))
    return [(*a, *b) for a, b in zip(left, right, strict=True)]


def _measurable(doc: Document, c: _Ctx) -> None:
    r = c.s.responses
    names = {
        "imwg": "IMWG",
        "serum_0_5": "serum ≥ 0.5 g/dL",
        "candor": "CANDOR",
        "ecog_acrin": "ECOG-ACRIN",
        "ikema": "IKEMA (no FLC-only)",
    }
    parts: list[Inline] = [Span("Measurable disease by definition: ", bold=True)]
    for key, m in r.measurable_by_variant.items():
        if len(parts) > 1:
            parts.append(" · ")
        verdict = f"yes ({m.kind})" if m.measurable else "no"
        parts.append(f"{names.get(key, key)}: ")
        parts.append(computed(verdict, bold=m.measurable))
    if len(parts) > 1:
        doc.paragraph(parts)


def _side_effects(doc: Document, c: _Ctx, budget: Budget) -> None:
    doc.heading(2, "Ongoing side effects")
    views = sorted(c.s.ongoing_side_effects, key=lambda v: (-(v.grade or 0), v.onset.sort_key()))
    rows = []
    for v in views[: budget.max_side_effects]:
        grade = f"grade {v.grade}" if v.grade is not None else "not graded"
        term = v.term if (v.term_id or not c.opts.deidentified) else _known_term(v.term)
        rows.append(
            (
                term + (" (serious)" if v.serious else ""),
                f"{grade} ({v.scale})",
                v.source_label,
                _d(v.onset),
                ", ".join(c.name(x) for x in v.drugs) or "—",
            )
        )
    if rows:
        doc.table(
            [["Side effect", "Grade (scale)", "Graded by", "Since", "Linked to"]],
            rows,
            col_widths=[2.8, 1.8, 2.4, 1.3, 2.5],
            small=True,
        )
        if len(views) > budget.max_side_effects:
            doc.paragraph(
                f"+ {len(views) - budget.max_side_effects} more ongoing (lower grade), "
                "listed in the side-effect history of the appendix.",
                "small",
            )
    else:
        doc.paragraph("No ongoing side effects recorded.")


def _known_term(term: str) -> str:
    """A side-effect term typed by hand is printed only when it is a CTCAE term."""
    from journal.domain.ctcae import get_terms

    found = get_terms().identify(term)
    return found.term if found is not None else "side effect (free text)"


def _lab_value(c: _Ctx, lab, unit: str) -> str:
    if lab.value is None:
        return lab.text_value or "—"
    if lab.test in ("flc_kappa", "flc_lambda"):
        return _flc(lab.value)
    return f"{_num(lab.value)} {unit}".strip()


def _labs(doc: Document, c: _Ctx) -> None:
    s = c.s
    doc.heading(2, "Latest labs")
    latest = {ll.lab.test: ll for ll in s.latest_labs}
    items = []
    supported = graded = False
    missing = []
    for key in (*ASKED_LABS, *MYELOMA_LABS):
        tests = LAB_ALIASES.get(key, (key,))
        ll = next((latest[t] for t in tests if t in latest), None)
        lab = ll.lab if ll is not None else _latest_lab(c, tests)
        t = LAB_TESTS.get(lab.test if lab else tests[0]) or next(
            (LAB_TESTS[x] for x in tests if x in LAB_TESTS), None
        )
        name = LAB_NAMES.get(key) or (t.name if t else key)
        if lab is None:
            if key not in MYELOMA_LABS:
                missing.append(name)
            continue
        unit = common.unit_text(t.unit) if t else ""
        value: list[Inline] = [_lab_value(c, lab, unit)]
        if ll is not None and ll.supported:
            supported = True
            value.append(computed(f" {SUPPORT_MARK}"))
        if ll is not None and ll.grade is not None and ll.grade.grade > 0:
            graded = True
            value.append(computed(f" G{ll.grade.grade}"))
        days = (c.as_of - lab.date.as_date()).days
        when: Inline = f"{_d(lab.date)}"
        if days > STALE_DAYS:
            when = [when, Span(f" (over {STALE_DAYS} days)", bold=True)]
        items.append((name, value, when))
    st = s.staging
    explained = []
    for vr in (st.creatinine_clearance, st.corrected_calcium):
        if vr.value is None:
            continue
        items.append(
            (vr.name[0].upper() + vr.name[1:], computed(f"{_num(vr.value)} {vr.unit}"), _d(vr.date))
        )
        if c.opts.sex_and_weight:
            explained.append(vr.trace.explanation)
        elif vr is st.creatinine_clearance:  # the formula would print sex and weight
            explained.append("Creatinine clearance by Cockcroft-Gault (its inputs not shown).")
        else:
            explained.append(vr.trace.explanation)
    doc.table(
        [["Test", "Value", "Date"] * 2],
        _side_by_side(items, 3),
        col_widths=[1.9, 1.75, 1.75, 1.9, 1.75, 1.75],
        small=True,
    )
    notes: list[Inline] = []
    if missing:
        notes.append(Span("Not recorded: " + ", ".join(missing) + ". ", bold=True))
    if explained:
        notes.append(computed(" ".join(explained)))
    if graded:
        notes.append(f" G1-G4 = {s.ctcae_scale} grade computed from the value.")
    if supported:
        notes.append(
            f" {SUPPORT_MARK} a transfusion or growth factor shortly before may have "
            "raised this value; many trials ask for values without recent support."
        )
    if notes:
        doc.paragraph(notes, "small")


EXCLUSION_WORDS = {"yes": "yes", "no": "no", "not_recorded": "not recorded"}


def _exclusions(doc: Document, c: _Ctx, budget: Budget) -> None:
    """Other conditions screeners ask about, each yes (with date) / no / not recorded."""
    facts = getattr(c.s, "exclusions", None)
    doc.heading(2, "Other conditions screeners ask about")
    if not facts:
        doc.paragraph(
            "Not recorded in this journal (other cancers, heart, thrombosis, infections, "
            "CNS involvement, amyloidosis, ...): ask the care team.",
            "small",
        )
        return
    # Each "yes" gets its row (date and details); "no" and "not recorded" are one line
    # each: every question is answered and the page stays two pages long.
    yes_rows = []
    by_status: dict[str, list[str]] = defaultdict(list)
    for f in facts:
        status = getattr(f, "status", "not_recorded")
        label = getattr(f, "label", getattr(f, "key", ""))
        if status != "yes":
            by_status[status].append(label)
            continue
        extra = []
        if getattr(f, "date", None) is not None:
            extra.append(_d(f.date))
        details = getattr(f, "details", None)
        if details and not c.opts.no_free_text:
            # The evidence comes oldest first, one piece per record, joined by "; ".
            pieces = str(details).split("; ")
            keep = budget.max_evidence
            if keep is not None and len(pieces) > keep:
                left = len(pieces) - keep
                details = f"{left} earlier record{'s' if left > 1 else ''} not shown; " + (
                    "; ".join(pieces[-keep:])
                )
            extra.append(str(details))
        yes_rows.append(
            (label, [Span("yes", bold=True), f" ({'; '.join(extra)})" if extra else ""])
        )
    if yes_rows:
        doc.table([["Condition", "Recorded"]], yes_rows, col_widths=[2.6, 8.2], small=True)
    for status in ("no", "not_recorded"):
        if by_status.get(status):
            doc.paragraph(
                [
                    Span(
                        f"{EXCLUSION_WORDS[status][0].upper()}{EXCLUSION_WORDS[status][1:]}: ",
                        bold=True,
                    ),
                    "; ".join(by_status[status]) + ".",
                ],
                "small",
            )


def _supportive_and_overrides(doc: Document, c: _Ctx) -> None:
    s = c.s
    if s.supportive:
        doc.paragraph(
            [
                Span("Supportive care now: ", bold=True),
                "; ".join(
                    f"{x.name}"
                    + (f" ({x.purpose})" if x.purpose and not c.opts.deidentified else "")
                    + f" since {_d(x.start)}"
                    for x in s.supportive
                ),
            ]
        )
    else:
        doc.paragraph([Span("Supportive care now: ", bold=True), "none recorded."])
    if s.overrides:
        doc.heading(2, "Corrections made by the person (overrides)")
        doc.table(
            [["What", "About", "Corrected to", "Reason given"]],
            [
                (
                    o.rule,
                    o.subject,
                    overridden(o.value),
                    "(free text left out)" if c.opts.deidentified else o.reason,
                )
                for o in s.overrides
            ],
            col_widths=[1.6, 2.0, 2.0, 5.4],
            small=True,
        )


# --------------------------------------------------------------------------- appendix
def _appendix(doc: Document, c: _Ctx, budget: Budget) -> None:
    doc.page_break()
    doc.heading(1, "Appendix")
    # A long history's chart compresses its earlier years and folds their lines into one
    # lane: the table of every line then carries each of them in full.
    starts = [r.start.as_date() for r in c.h.regimens]
    first = min(starts) if starts else c.as_of
    detail_from = dt.date(c.as_of.year - DETAIL_YEARS, c.as_of.month, 1)
    long_history = first < detail_from
    if (
        long_history
        or (budget.max_lines is not None and len(c.s.lines.lines) > budget.max_lines)
        or not budget.doses
        or (budget.max_responses is not None and len(_disagreements(c)) > budget.max_responses)
    ):
        doc.heading(2, "Every line of therapy")
        rows = [_line_row(c, ln, doses=True) for ln in c.s.lines.lines]
        doc.table([LINE_HEADER], rows, col_widths=LINE_WIDTHS, small=True)
    if not budget.drug_rows:
        doc.heading(2, "Last dose of each drug")
        items = [
            (
                it.label,
                "ongoing" if it.ongoing else _d(it.last),
                "—" if it.ongoing or it.days_since is None else computed(it.display()),
            )
            for it in c.s.washouts.drugs
        ]
        if items:
            doc.table(
                [["Drug", "Last", "Days"] * 2],
                _side_by_side(items, 3),
                col_widths=[2.5, 1.35, 1.55, 2.5, 1.35, 1.55],
                small=True,
            )
    _labels_behind(doc, c)
    timeline = None if c.opts.deidentified else c.timeline()
    if timeline is not None:
        doc.heading(2, timeline[0])
        doc.blocks.append(timeline[1])
    elif c.opts.deidentified:
        doc.paragraph(
            "The timeline chart is left out of a de-identified summary: its time axis "
            "shows calendar dates.",
            "muted",
        )
    _how_computed(doc, c)
    _lab_table(doc, c)
    _side_effect_history(doc, c)
    _notes(doc, c)


def _labels_behind(doc: Document, c: _Ctx) -> None:
    ledger = c.ledger
    rows = []
    keys = [k for k in LABEL_ORDER if k in ledger.labels]
    keys += [k for k in ledger.labels if k not in LABEL_ORDER]
    for key in keys:
        lab = ledger.labels[key]
        if not lab.applies:
            continue
        behind = sorted(
            {
                c.name(x) if not x.startswith("procedure:") else "transplant record"
                for x in lab.drugs
            }
        )
        rows.append((_mark(lab.name, bool(lab.trace.overridden_by)), ", ".join(behind) or "—"))
    if rows:
        doc.heading(2, "The drugs behind each label")
        doc.table([["Label", "Drugs behind it"]], rows, col_widths=[5.0, 5.8], small=True)


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
    years = []
    used_other: set[str] = set()
    for key in sorted(by_date):
        years.append(dates[key].year)
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
    # One table per year (a de-identified summary: per 40 rows, as years would give the
    # dates back): easier to find a date in, and Qt lays a short table out again quickly
    # when a row has to move to the next page.
    chunks: list[tuple[str | None, list]] = []
    for year, row in zip(years, rows, strict=True):
        label = None if c.opts.deidentified else str(year)
        if (
            not chunks
            or chunks[-1][0] != label
            or len(chunks[-1][1]) >= (40 if label is None else 10**6)
        ):
            chunks.append((label, []))
        chunks[-1][1].append(row)
    for label, part in chunks:
        if label is not None and len(chunks) > 1:
            doc.heading(3, label)
        doc.table(
            [["Date", *[h for _, h in LAB_COLUMNS], "Other"]],
            part,
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
    if c.opts.no_free_text:
        doc.paragraph(
            f"{len(chosen)} note(s) left out: free text can contain names, so a summary "
            "without the name does not include notes.",
            "muted",
        )
        return
    for n in sorted(chosen, key=lambda n: n.date.sort_key()):
        title = f"{_d(n.date)} — {n.title}" if n.title else _d(n.date)
        doc.paragraph([Span(title, bold=True), f" ({n.kind})"])
        if n.text:
            doc.paragraph(common.excerpt(n.text))


# --------------------------------------------------------------------------- the report
def build_screening(
    inputs: ReportInputs, opts: ReportOptions, budget: Budget | None = None
) -> Document:
    """The summary: a two-page core (what a screener reads in 30 seconds), then, unless
    ``opts.appendix`` is False, the appendix. ``budget`` says how much of a long history
    the core holds; :func:`fit_screening` picks the largest that fits two pages."""
    return _build(_Ctx(inputs, opts), budget or BUDGETS[0])


def _build(c: _Ctx, budget: Budget) -> Document:
    inputs, opts = c.inputs, c.opts
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
    _key_facts(doc, c, budget)
    doc.heading(2, "Diagnosis")
    _diagnosis(doc, c)
    breathe()
    _lines_table(doc, c, budget)
    _ledger(doc, c)
    breathe()
    _last_doses(doc, c, budget)
    _measurable(doc, c)
    breathe()
    _side_effects(doc, c, budget)
    _labs(doc, c)
    breathe()
    _exclusions(doc, c, budget)
    _supportive_and_overrides(doc, c)
    doc.core_end = len(doc.blocks)
    if opts.appendix:
        _appendix(doc, c, budget)
    if opts.deidentified:
        deidentify_document(doc, inputs, opts)
    return doc


def fit_screening(inputs: ReportInputs, opts: ReportOptions, count_pages) -> Document:
    """The summary with the most detail whose core fits on two pages.

    ``count_pages(doc)`` lays a document out for the paper and returns its pages (the Qt
    backend's :func:`journal.reports.qt_backend.count_pages`). Each try is built without
    the appendix, so only the core is measured."""
    import dataclasses

    c = _Ctx(inputs, dataclasses.replace(opts, appendix=False))
    pages: dict[int, int] = {}
    cores: dict[int, Document] = {}

    def core(i: int) -> Document:
        if i not in cores:
            cores[i] = _build(c, BUDGETS[i])
        return cores[i]

    def fits(i: int) -> bool:
        if i not in pages:
            pages[i] = count_pages(core(i))
        return pages[i] <= CORE_PAGES

    timeline = c.timeline() if opts.appendix and not opts.deidentified else None
    if timeline is not None:
        # The chart is the longest single job: the page counter starts drawing it
        # (Document.prefetch) before any core is built, and the PDF finds it drawn.
        count_pages(Document("", prefetch=[timeline[1]]))

    # Budgets hold less and less, so the pages never grow down the list: the answer is
    # the first budget that fits (the last is kept even if it overflows), found by a
    # binary search in which each try is a whole layout of the core. The first tries
    # go where a count of the text's lines puts the answer (a tenth of a second per
    # layout saved; a wrong guess costs a try more, never another answer).
    lo, hi = 0, len(BUDGETS) - 1
    guess = next((i for i in range(hi) if _lines_guess(core(i)) <= CORE_LINES_GUESS), hi)
    if guess < hi:  # the guess, then its neighbour on the side the answer is
        if fits(guess):
            hi = guess
            probe = guess - 1
        else:
            lo = probe = guess + 1
        if lo <= probe < hi:
            if fits(probe):
                hi = probe
            else:
                lo = probe + 1
    while lo < hi:
        mid = (lo + hi) // 2
        if fits(mid):
            hi = mid
        else:
            lo = mid + 1
    c.opts = opts
    return _build(c, BUDGETS[lo])


# About the lines of 9-pt text two pages hold, as _lines_guess counts them (the demo and
# the 25-year journal: 131 fit, 140 do not).
CORE_LINES_GUESS = 135
_LINE_CHARS = 110  # characters on a line across the page


def _lines_guess(doc: Document) -> float:
    """Roughly how many lines of text ``doc`` takes: characters over the column widths,
    each table row as tall as its fullest cell. Only to start the fitting near its
    answer; the layout decides."""
    from math import ceil

    from journal.reports.document import Heading, KeyValue, Paragraph, Table, plain

    n = 0.0
    for b in doc.blocks:
        if isinstance(b, Heading):
            n += 1.5
        elif isinstance(b, Paragraph):
            n += ceil(max(1, len(plain(b.text))) / _LINE_CHARS)
        elif isinstance(b, KeyValue):
            cols = max(1, b.columns)
            per = -(-len(b.rows) // cols)
            for i in range(per):
                cells = [b.rows[g * per + i] for g in range(cols) if g * per + i < len(b.rows)]
                n += max(
                    ceil(max(1, len(plain(v))) / (_LINE_CHARS / cols * 0.72)) for _k, v in cells
                )
        elif isinstance(b, Table):
            widths = list(b.col_widths) if b.col_widths else [1.0] * b.n_cols
            total = sum(widths) or 1.0
            room = [max(3.0, _LINE_CHARS * w / total - 2) for w in widths]
            for row in (*b.header_rows, *b.rows):
                n += 0.25 + max(
                    (ceil(max(1, len(plain(x))) / room[k]) for k, x in enumerate(row[: len(room)])),
                    default=1,
                )
            n += 0.5
    return n
