"""The screening summary on paper (issue 11): two core pages on A4 and Letter for the demo
and a 25-year history, one date per event everywhere, the chosen rule set's wording, what
was given, marks that stay out of copied text, and a de-identified variant that is."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from functools import partial

import pytest
from pypdf import PdfReader
from report_helpers import pdf_pages_text

from journal.domain.summary import build_summary, summary_to_json
from journal.reports.inputs import ReportInputs, ReportOptions, load_report_inputs
from journal.reports.qt_backend import count_pages, write_pdf
from journal.reports.screening import fit_screening
from journal.reports.text_backend import render_text
from journal.store.db import open_journal

# The demo's CAR-T and transplant as of this day: line 4 (cilta-cel) just given.
CAR_T_DAY = dt.date(2024, 3, 1)
MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"


def _inputs(path, as_of=CAR_T_DAY, **kw) -> ReportInputs:
    with open_journal(path, readonly=True, auto_backup=False) as store:
        inputs = load_report_inputs(store, as_of=as_of)
    if kw:  # another rule set: the summary is built again from the same history
        s = build_summary(inputs.summary.history, as_of=as_of, **kw)
        inputs = dataclasses.replace(inputs, summary=s)
    return inputs


@pytest.fixture(scope="module")
def demo_mar24(demo_path) -> ReportInputs:
    return _inputs(demo_path)


@pytest.fixture(scope="module")
def synthetic_path(tmp_path_factory):
    from journal.store.db import create_journal
    from journal.synthetic import build_synthetic

    path = tmp_path_factory.mktemp("synthetic") / "synthetic.sqlite"
    store = create_journal(path)
    build_synthetic(store, years=25)
    store.close()
    return path


def _text(inputs, **opts) -> str:
    o = ReportOptions(as_of=inputs.summary.as_of, **opts)
    return render_text(fit_screening(inputs, o, count_pages), width=400)


def _core_pdf(inputs, tmp_path, paper: str, **opts) -> tuple[int, list[str]]:
    o = ReportOptions(as_of=inputs.summary.as_of, page_size=paper, appendix=False, **opts)
    doc = fit_screening(inputs, o, partial(count_pages, page_size=paper))
    out = tmp_path / f"core-{paper}.pdf"
    pages = write_pdf(doc, out, page_size=paper)
    return pages, pdf_pages_text(out)


# --------------------------------------------------------------------------- two pages
@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_demo_core_is_exactly_two_pages(qapp, demo_mar24, tmp_path, paper):
    pages, texts = _core_pdf(demo_mar24, tmp_path, paper)
    assert pages == 2
    whole = " ".join(texts)
    assert "Appendix" not in whole
    # the last sections of the core made it onto the two pages
    assert "Other conditions screeners ask about" in whole and "Supportive care now" in whole


@pytest.mark.slow
@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_25_year_core_is_exactly_two_pages_and_folds_older_lines(
    qapp, synthetic_path, tmp_path, paper
):
    inputs = _inputs(synthetic_path, as_of=dt.date(2024, 3, 1))
    pages, texts = _core_pdf(inputs, tmp_path, paper)
    assert pages == 2
    whole = "\n".join(texts)
    n = len(inputs.summary.lines.lines)
    m = re.search(r"\+ (\d+) earlier lines \(lines 1–(\d+),", whole)
    assert m, "older lines are folded into one line of text"
    assert int(m[2]) == int(m[1]) <= n - 3  # only older lines are folded
    assert f"line {n}" in whole
    assert _core_lines_table(whole) == list(range(int(m[1]) + 1, n + 1))


def _core_lines_table(whole: str) -> list[int]:
    """The line numbers in the rows of the core's lines table (PDF text)."""
    section = whole[whole.index("\nLines of therapy\n") : whole.index("Exposure and refractori")]
    return [int(x) for x in re.findall(r"\n(\d+)\n", section)]


@pytest.mark.slow
def test_letter_25_year_core_lists_the_recent_lines_in_its_table(qapp, synthetic_path, tmp_path):
    """Letter is shorter than A4: the key facts fold older response notes and the core
    keeps the last lines (the current one included) as table rows, not only the fold."""
    inputs = _inputs(synthetic_path, as_of=dt.date(2024, 3, 1))
    n = len(inputs.summary.lines.lines)
    pages, texts = _core_pdf(inputs, tmp_path, "Letter")
    whole = "\n".join(texts)
    assert pages == 2
    shown = _core_lines_table(whole)
    assert len(shown) >= 3 and shown[-1] == n == inputs.summary.prior_lines
    assert "Response, earlier lines" in whole and "labs and clinic differ on" in whole


def test_full_summary_puts_the_appendix_after_the_two_pages(qapp, demo_mar24, tmp_path):
    o = ReportOptions(as_of=CAR_T_DAY)
    doc = fit_screening(demo_mar24, o, partial(count_pages, page_size="A4"))
    out = tmp_path / "full.pdf"
    pages = write_pdf(doc, out)
    texts = pdf_pages_text(out)
    assert pages > 2 and "Appendix" not in " ".join(texts[:2])
    assert texts[2].lstrip().startswith("Appendix")


def test_no_appendix_from_the_command_line(demo_path, tmp_path, capsys):
    from journal.cli import main

    out = tmp_path / "core.pdf"
    rc = main(
        ["summary", "--pdf", str(out), "--no-appendix", "--as-of", "2024-03-01", str(demo_path)]
    )
    assert rc == 0
    assert "(2 pages)" in capsys.readouterr().out
    assert len(PdfReader(out).pages) == 2


def _laid_out(inputs, paper: str, appendix: bool = True):
    """The full summary laid out and cut into pages as write_pdf does it."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QPdfWriter

    from journal.reports import qt_backend as qb

    o = ReportOptions(as_of=inputs.summary.as_of, page_size=paper, appendix=appendix)
    doc = fit_screening(inputs, o, partial(count_pages, page_size=paper))
    buf = QBuffer(QByteArray())
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buf)
    writer.setResolution(qb.LAYOUT_DPI)
    writer.setPageLayout(qb.page_layout(paper))
    qdoc = qb.build_qtextdocument(doc).qdoc
    _full, body = qb._prepare(writer)
    paged = qb.layout_pages(qdoc, writer, body)
    return qdoc, paged, writer


def _text_lines(qdoc, block) -> list[tuple[float, float]]:
    lay = qdoc.documentLayout()
    rect = lay.blockBoundingRect(block)
    layout = block.layout()
    out = []
    for i in range(layout.lineCount()):
        line = layout.lineAt(i)
        out.append((rect.top() + line.y(), rect.top() + line.y() + line.height()))
    return out


def _page_of(paged, top: float, bottom: float) -> int | None:
    """The page showing the whole of top..bottom (None: cut by a page break)."""
    for i, page in enumerate(paged.pages):
        if page.top - 0.01 <= top and bottom <= page.bottom + 0.01:
            return i
    return None


def _cut_rows_and_lone_headings(qdoc, paged) -> list[str]:
    """Every table row (all lines of all its cells) on one page; every heading on the
    page of the first line of what follows. Measured here line by line, not with the
    backend's own shortcuts."""
    from PySide6.QtGui import QTextTable

    problems = []
    tables = []

    def walk(frame):
        for child in frame.childFrames():
            if isinstance(child, QTextTable):
                tables.append(child)
            walk(child)

    walk(qdoc.rootFrame())
    in_table = set()
    first_line_at: dict[int, tuple[float, float]] = {}  # first position -> first line
    for t in tables:
        for r in range(t.rows()):
            lines = []
            for c in range(t.columns()):
                cell = t.cellAt(r, c)
                block = qdoc.findBlock(cell.firstPosition())
                while block.isValid() and block.position() <= cell.lastPosition():
                    in_table.add(block.blockNumber())
                    lines += _text_lines(qdoc, block)
                    block = block.next()
            top, bottom = min(a for a, _ in lines), max(b for _, b in lines)
            if r == 0:
                first_line_at[t.firstPosition()] = (top, bottom)
            if bottom - top < paged.page_height * 0.9 and _page_of(paged, top, bottom) is None:
                text = qdoc.findBlock(t.cellAt(r, 0).firstPosition()).text()
                problems.append(f"row {r} ({text[:30]!r}) cut")
    starts = sorted(first_line_at)
    block = qdoc.begin()
    pending = None  # a heading waiting for what follows it
    while block.isValid():
        if block.blockNumber() in in_table:
            if pending is not None:
                pos = max(p for p in starts if p <= block.position())
                a, b = first_line_at[pos]
                if _page_of(paged, pending[0], b) is None:
                    problems.append(f"heading {pending[2]!r} alone at a page foot")
                pending = None
            block = block.next()
            continue
        lines = _text_lines(qdoc, block) if block.text().strip() else []
        for a, b in lines:
            if _page_of(paged, a, b) is None:
                problems.append(f"line of {block.text()[:30]!r} cut")
        if lines and pending is not None:
            if _page_of(paged, pending[0], lines[0][1]) is None:
                problems.append(f"heading {pending[2]!r} alone at a page foot")
            pending = None
        if lines and block.blockFormat().headingLevel() > 0:
            pending = (lines[-1][0], lines[-1][1], block.text())
        block = block.next()
    return problems


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_no_row_split_and_no_lone_heading_anywhere(qapp, demo_mar24, paper):
    """The whole demo summary, core and appendix, on both papers."""
    qdoc, paged, _w = _laid_out(demo_mar24, paper)
    assert len(paged.pages) > 2
    assert _cut_rows_and_lone_headings(qdoc, paged) == []


@pytest.mark.slow
@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_no_row_split_in_the_appendix(qapp, synthetic_path, paper):
    """A 25-year history: tens of appendix pages, long tables, rows taller than most."""
    inputs = _inputs(synthetic_path, as_of=dt.date(2024, 3, 1))
    qdoc, paged, _w = _laid_out(inputs, paper)
    assert len(paged.pages) > 20
    assert _cut_rows_and_lone_headings(qdoc, paged) == []


# --------------------------------------------------------------------------- copied text
def test_computed_mark_never_ends_up_in_copied_text(qapp, demo_mar24, tmp_path):
    _pages, texts = _core_pdf(demo_mar24, tmp_path, "A4")
    whole = " ".join(texts)
    for drug in ("lenalidomide", "dexamethasone", "carfilzomib"):
        assert drug in whole
        assert drug + "c" not in whole
    assert "steroidc" not in whole and "overrid" not in whole.replace("overrides", "")


def test_words_are_not_broken_inside(qapp, demo_mar24, tmp_path):
    _pages, texts = _core_pdf(demo_mar24, tmp_path, "Letter")
    whole = "\n".join(texts)
    assert "cyclophosphamid\ne" not in whole and "cyclophosphamid e" not in whole


# --------------------------------------------------------------------------- one truth per event
def test_each_event_has_one_date_on_screen_in_json_and_pdf(qapp, demo_mar24, tmp_path):
    from journal.charts.data import timeline_data_from

    s = demo_mar24.summary
    car_t = next(p for p in s.history.procedures if p.kind == "CAR-T infusion")
    asct = next(p for p in s.history.procedures if p.kind == "autologous stem-cell transplant")
    assert car_t.end is not None and asct.end is not None  # a stay after each: the trap
    data = summary_to_json(s)
    procs = {p["kind"]: p for ln in data["lines"]["lines"] for p in ln["procedures"]}
    wash = {w["label"]: w["last"] for w in data["washouts"]["procedures"]}
    assert procs["CAR-T infusion"]["event_date"] == wash["CAR-T infusion"] == "2024-01-15"
    assert (
        procs["autologous stem-cell transplant"]["event_date"]
        == wash["autologous stem-cell transplant"]
        == "2017-08-16"
    )
    timeline = timeline_data_from(s.history, s, today=CAR_T_DAY)
    chart_days = {e.ref: e.date for e in timeline.events}
    assert chart_days[car_t.ref] == dt.date(2024, 1, 15)
    assert chart_days[asct.ref] == dt.date(2017, 8, 16)

    out = tmp_path / "full.pdf"
    write_pdf(fit_screening(demo_mar24, ReportOptions(as_of=CAR_T_DAY), count_pages), out)
    whole = re.sub(r"\s+", " ", " ".join(pdf_pages_text(out)))
    text = _text(demo_mar24)
    for printed in (whole, text):
        assert "29 Jan 2024" not in printed and "4 Sep 2017" not in printed  # the discharges
        assert "15 Jan 2024" in printed and "16 Aug 2017" in printed


def test_lymphodepletion_drugs_have_their_last_dose(demo_mar24):
    text = _text(demo_mar24)
    assert re.search(r"fludarabine\s*\| 10 Jan 2024\s*\| 51 days", text)
    assert re.search(r"cyclophosphamide\s*\| 10 Jan 2024", text)  # not the bridging's 18 Dec


def test_current_response_is_never_older_than_a_later_progression(demo_mar24):
    cur = demo_mar24.summary.current_response
    pd_day = max(p.date for p in demo_mar24.summary.history.progressions)
    shown = [e for e in (cur.latest, cur.recorded) if e is not None]
    assert shown
    for e in shown:
        if e.category != "PD":
            assert e.date.sort_key() > pd_day.sort_key()
    text = _text(demo_mar24)
    line = next(x for x in text.splitlines() if x.startswith("Current response"))
    assert "2 Aug 2022" not in line and "4 Jul 2023" in line


def test_printed_refractory_definition_follows_the_rule_set(demo_path):
    from journal.domain.ledger import RULE_SETS

    imwg = RULE_SETS["imwg"].description
    mayo = RULE_SETS["mayo"].description
    text = render_text(
        fit_screening(
            _inputs(demo_path, rule_set="mayo"), ReportOptions(as_of=CAR_T_DAY), count_pages
        ),
        width=400,
    )
    assert mayo in text and imwg not in text
    assert "below minimal response (MR)" not in text
    assert "Rule set 'mayo'" in text


# --------------------------------------------------------------------------- what was given
def test_doses_cycles_and_current_doses_are_printed(demo_path):
    inputs = _inputs(demo_path, as_of=dt.date(2026, 11, 25))
    text = render_text(
        fit_screening(inputs, ReportOptions(as_of=dt.date(2026, 11, 25)), count_pages), width=400
    )
    assert re.search(r"\(\d+ cycles? of \d+ days\)", text) or "cycles" in text
    cur = next(x for x in text.splitlines() if x.startswith("Current treatment"))
    current = [
        d
        for r in inputs.history.regimens
        if r.end is None
        for d in r.drugs
        if d.role == "anti-myeloma" and d.last_dose is None and d.dose is not None
    ]
    assert current, "the demo person is on treatment in Nov 2026"
    for d in current:
        assert d.name in cur and re.search(r"\d+(\.\d+)? ?(mg|µg)", cur)


def test_sex_age_weight_once_light_chains_in_both_units_one_rounding(demo_mar24):
    text = _text(demo_mar24)
    person = next(x for x in text.splitlines() if x.startswith("Person"))
    assert "male" in person and "age 67" in person and "weight 81 kg" in person
    assert re.search(r"67\.2 mg/L \(6\.72 mg/dL\)", text)
    assert "0.99525" not in text and "creatinine 1 mg/dL" in text
    assert re.search(r"Not recorded: [^.]*(Bilirubin|AST|ALT)", text)
    assert "over 30 days" in text


# --------------------------------------------------------------------------- de-identified
IDENTIFIERS = ("Sam", "Example", "fictional demo")


def _deid_pdf(demo_path, tmp_path, **opts):
    inputs = _inputs(demo_path, as_of=dt.date(2026, 11, 25))
    o = ReportOptions(identity="deidentified", as_of=dt.date(2026, 11, 25), **opts)
    out = tmp_path / "deid.pdf"
    write_pdf(fit_screening(inputs, o, count_pages), out)
    return inputs, out


def test_deidentified_pdf_text_and_metadata_hold_no_identifier(qapp, demo_path, tmp_path):
    inputs, out = _deid_pdf(demo_path, tmp_path)
    reader = PdfReader(out)
    text = " ".join(p.extract_text() for p in reader.pages)
    meta = " ".join(str(v) for v in (reader.metadata or {}).values())
    raw = out.read_bytes()
    xmp = raw[raw.find(b"<x:xmpmeta") : raw.find(b"</x:xmpmeta>")].decode("utf-8", "replace")
    h = inputs.history
    # The writer's own dates are blanked to 1 January of the year (same length).
    xmp = re.sub(r"\b\d{4}-01-01T00:00:00", "YEAR", xmp)
    for where in (text, meta, xmp):
        for ident in IDENTIFIERS:
            assert ident not in where, ident
        # no date finer than the year: "16 Aug 2017", "Aug 2017", "2017-08-16"
        assert not re.search(rf"\b\d{{1,2}}\s+({MONTHS})\w*\s+\d{{4}}", where), where[:200]
        assert not re.search(rf"\b({MONTHS})\w*\s+\d{{4}}", where)
        assert not re.search(r"\b\d{4}-\d{2}-\d{2}", where)
    assert re.search(r"D:\d{4}0101000000", meta)  # creation date: the year alone
    flat = re.sub(r"\s+", " ", text)
    assert "born" not in flat and not re.search(r"\b(fe)?male\b", flat)
    assert not re.search(r"weight \d", flat)
    for note in inputs.notes:  # no free text
        for part in (note.title, note.text):
            if part and len(part) > 12:
                assert part not in text
    for r in h.regimens:  # names typed by a person
        if not any(d.name.lower() in r.name.lower() for d in r.drugs):
            assert r.name not in text, r.name
    assert "day 0" in flat.replace("\xa0", " ") and "age 70" in flat


def test_deidentified_keeps_sex_and_weight_when_asked(qapp, demo_path, tmp_path):
    out = _deid_pdf(demo_path, tmp_path, show_sex_weight=True)[1]
    text = re.sub(r"\s+", " ", " ".join(pdf_pages_text(out)))
    assert re.search(r"\bmale\b", text) and re.search(r"weight \d+ kg", text)


def test_ages_over_89_are_90_plus():
    from journal.domain.dates import PartialDate
    from journal.domain.records import PersonRec
    from journal.reports.common import who

    person = PersonRec(PartialDate.from_iso("1930-02-01"), "female", 160, 55, "Old Person")
    opts = ReportOptions(identity="deidentified", as_of=dt.date(2026, 11, 25))
    assert who(person, opts) == ("de-identified (HIPAA Safe Harbor)", "age 90+")
    assert who(person, ReportOptions(identity="without_name", as_of=opts.as_of))[1] == "age 90+"


def test_without_name_is_the_old_deidentified(qapp, demo_path, tmp_path):
    inputs = _inputs(demo_path, as_of=dt.date(2026, 11, 25))
    o = ReportOptions(identity="none", as_of=dt.date(2026, 11, 25))
    assert o.identity == "without_name" and not o.deidentified and o.no_free_text
    text = render_text(fit_screening(inputs, o, count_pages))
    assert "Sam" not in text and "without name" in text
    assert re.search(rf"\d{{1,2}} ({MONTHS}) \d{{4}}", text)  # dates stay exact: not de-identified


@pytest.mark.parametrize("which", ["demo", "synthetic"])
def test_fitting_picks_the_first_budget_that_fits_in_few_layouts(
    qapp, demo_mar24, synthetic_path, which
):
    """The fitting starts where a count of the text's lines puts the answer, and still
    keeps the most detailed core that fits two pages: the one trying every budget in
    order finds."""
    from journal.reports.screening import BUDGETS, CORE_PAGES, _build, _Ctx, build_screening

    inputs = demo_mar24 if which == "demo" else _inputs(synthetic_path, as_of=dt.date(2026, 3, 1))
    o = ReportOptions(as_of=inputs.summary.as_of)
    layouts = []

    def counting(doc):
        if doc.blocks:  # (the first call holds only the chart to start, see the next test)
            layouts.append(doc)
        return count_pages(doc)

    fitted = fit_screening(inputs, o, counting)
    c = _Ctx(inputs, dataclasses.replace(o, appendix=False))
    first = next(
        (i for i, b in enumerate(BUDGETS) if count_pages(_build(c, b)) <= CORE_PAGES),
        len(BUDGETS) - 1,
    )
    expected = render_text(build_screening(inputs, o, BUDGETS[first]), width=400)
    assert render_text(fitted, width=400) == expected
    assert len(layouts) <= 2  # a binary search alone takes three or four


def test_the_timeline_is_started_before_any_core_is_built_and_drawn_once(
    qapp, demo_mar24, tmp_path, monkeypatch
):
    """The chart is the longest single job of the PDF: the fitting hands it to the page
    counter (Document.prefetch) before it builds the first core, and the PDF paints
    that drawing (no second one)."""
    from journal.reports import qt_backend, screening

    built, seen, started = [], [], []
    real_build, real_future = screening._build, qt_backend._chart_future
    monkeypatch.setattr(screening, "_build", lambda c, b: built.append(b) or real_build(c, b))

    def future(chart, how):
        if how != "none":
            started.append(chart)
        return real_future(chart, how)

    monkeypatch.setattr(qt_backend, "_chart_future", future)

    def counting(doc):
        seen.append((len(built), list(doc.prefetch)))
        return count_pages(doc)

    doc = fit_screening(demo_mar24, ReportOptions(as_of=CAR_T_DAY), counting)
    charts = [b for b in doc.blocks if isinstance(b, screening.Chart)]
    assert len(charts) == 1
    assert seen[0] == (0, charts)  # before any core: the chart the summary holds
    assert all(not prefetch for _n, prefetch in seen[1:])
    write_pdf(doc, tmp_path / "s.pdf")
    assert started == charts  # drawn once, from the fitting's start
