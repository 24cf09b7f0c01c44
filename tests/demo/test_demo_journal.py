"""The demo journal is internally consistent: what a newcomer sees must make sense."""

import datetime as dt
import itertools

import pytest

from journal.demo import DemoError, build_demo
from journal.domain.catalog import get_catalog
from journal.services import queries
from journal.store.db import create_journal


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = create_journal(tmp_path_factory.mktemp("demo") / "demo.sqlite", auto_backup=False)
    counts = build_demo(store)
    yield store, counts, queries.load_history(store)
    store.close()


def test_counts_and_span(demo):
    _store, counts, h = demo
    assert counts["regimen"] >= 8 and counts["labresult"] > 1000
    assert h.diagnosis.date.year == 2017
    assert h.diagnosis.heavy_chain == "IgG" and h.diagnosis.light_chain == "kappa"
    assert h.labs[-1].date.as_date() >= dt.date(2026, 11, 1)
    assert any(c.abnormality == "1q gain/amp" and c.present for c in h.cytogenetics)


def test_every_drug_inside_its_regimen(demo):
    _store, _c, h = demo
    for r in h.regimens:
        for d in r.drugs:
            assert d.start.earliest() >= r.start.earliest(), (r.name, d.name)
            if r.end is not None:
                assert d.last_dose is not None and d.last_dose.latest() <= r.end.latest()
            if d.last_dose is not None:
                assert d.last_dose.latest() >= d.start.earliest()


def test_drug_ids_exist_in_catalog(demo):
    _store, _c, h = demo
    cat = get_catalog()
    ids = {d.drug_id for r in h.regimens for d in r.drugs}
    ids |= {s.drug_id for s in h.supportive}
    for drug_id in ids:
        assert cat.drug(drug_id) is not None, drug_id


def test_regimens_do_not_overlap_and_one_is_ongoing(demo):
    _store, _c, h = demo
    regs = h.regimens
    for a, b in itertools.pairwise(regs):
        assert a.end is not None and a.end.latest() <= b.start.earliest(), (a.name, b.name)
    assert regs[-1].end is None and regs[-1].name == "Talquetamab"
    # The first-line programme and the CAR-T programme are linked as planned parts.
    by_id = {r.id: r for r in regs}
    parts = {by_id[r.part_of_id].name for r in regs if r.part_of_id}
    assert parts == {"VRd", "Cyclophosphamide + dexamethasone (bridging)"}


def test_labs_monthly(demo):
    _store, _c, h = demo
    mp = [x for x in h.labs if x.test == "m_protein"]
    months = [(x.date.year, x.date.month) for x in mp]
    assert len(months) == len(set(months))
    for a, b in itertools.pairwise(mp):
        gap = (b.date.as_date() - a.date.as_date()).days
        assert 21 <= gap <= 42
    for test in [
        "flc_kappa",
        "flc_lambda",
        "flc_ratio",
        "hb",
        "platelets",
        "anc",
        "creatinine",
        "calcium",
        "albumin",
        "igg",
    ]:
        assert sum(1 for x in h.labs if x.test == test) == len(mp), test
    assert any(x.test == "ldh" for x in h.labs) and any(x.test == "b2m" for x in h.labs)


def test_m_protein_rises_at_each_progression(demo):
    """IMWG: >= 25 % and >= 0.5 g/dL above the nadir on two consecutive tests; the
    progression is dated by the first of them."""
    _store, _c, h = demo
    mp = [x for x in h.labs if x.test == "m_protein"]
    regs = {r.id: r for r in h.regimens}
    for p in h.progressions:
        reg = regs[p.regimen_id]
        # The nadir is taken over the whole line (its planned parts included).
        line_start = regs[reg.part_of_id].start if reg.part_of_id else reg.start
        on = [x for x in mp if line_start.earliest() <= x.date.as_date() < p.date.as_date()]
        nadir = min(x.value for x in on)
        threshold = nadir + max(0.5, 0.25 * nadir)
        k = next(i for i, x in enumerate(mp) if x.date == p.date)
        first, second = mp[k], mp[k + 1]
        assert on[-1].value < threshold, "the progression is dated by the FIRST rising test"
        assert first.value >= threshold and second.value >= threshold, (p.date, nadir)
        assert first.value < second.value


def test_each_line_starts_with_measurable_disease(demo):
    """So the app can compute each line's response: serum M-protein >= 1 g/dL at start."""
    _store, _c, h = demo
    mp = [x for x in h.labs if x.test == "m_protein"]
    for r in h.regimens:
        if r.part_of_id is not None or r.intent == "conditioning":
            continue
        before = [x for x in mp if x.date.as_date() <= r.start.as_date()]
        assert before[-1].value >= 1.0, r.name


def test_m_protein_falls_on_each_line(demo):
    _store, _c, h = demo
    mp = [x for x in h.labs if x.test == "m_protein"]
    for r in h.responses:
        before = [x for x in mp if x.date.as_date() <= r.date.as_date()]
        best = min(x.value for x in before[-3:])
        assert best < 1.0
        if r.category in ("CR", "sCR"):
            assert before[-1].value == 0
    ife = [x for x in h.labs if x.test == "serum_ife"]
    scr = next(r for r in h.responses if r.category == "sCR")
    assert [x.text_value for x in ife if x.date.as_date() <= scr.date.as_date()][-1] == "negative"
    assert scr.mrd_result == "negative"


def test_side_effects_and_ongoing(demo):
    _store, _c, h = demo
    terms = {s.term for s in h.side_effects}
    for t in [
        "Peripheral sensory neuropathy",
        "Fatigue",
        "Neutrophil count decreased",
        "Cytokine release syndrome",
        "Dysgeusia",
        "Nail changes",
    ]:
        assert t in terms
    ongoing = {s.term for s in h.side_effects if s.resolved is None}
    assert {"Dysgeusia", "Nail changes"} <= ongoing
    crs = [s for s in h.side_effects if s.term == "Cytokine release syndrome"]
    assert all(s.scale == "ASTCT 2019" and s.grade == 1 for s in crs)
    talq = next(r for r in h.regimens if r.name == "Talquetamab")
    assert any(d.role == "premedication" and d.drug_id == "dexamethasone" for d in talq.drugs)
    assert len(next(d for d in talq.drugs if d.drug_id == "talquetamab").dose_changes) >= 3


def test_deterministic(tmp_path, demo):
    store, _c, _h = demo
    other = create_journal(tmp_path / "again.sqlite", auto_backup=False)
    build_demo(other)
    assert queries.all_rows(other) == queries.all_rows(store) | {
        "person": queries.all_rows(other)["person"]
    }  # created_at is a wall-clock stamp
    with pytest.raises(DemoError):
        build_demo(other)
    other.close()
