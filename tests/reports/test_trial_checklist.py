"""The trial checklist report: what is on the page, in text and as a 1-2 page PDF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from journal.cli import main
from journal.reports.document import COMPUTED, OVERRIDE, Table, plain
from journal.reports.inputs import ReportOptions
from journal.reports.text_backend import render_text
from journal.reports.trial_checklist import build_trial_checklist
from journal.trials.checklist import MEETS, Answer, build_checklist
from journal.trials.record import record_from_study

TEXTS = Path(__file__).parents[1] / "trials" / "fixtures" / "excerpts"


def _record(name: str, nct: str, **design):
    text = next(TEXTS.glob(f"{name}*.txt")).read_text(encoding="utf-8")
    proto = {
        "identificationModule": {"nctId": nct, "briefTitle": f"Study {nct}"},
        "statusModule": {
            "overallStatus": "RECRUITING",
            "lastUpdatePostDateStruct": {"date": "2026-06-12"},
        },
        "eligibilityModule": {"eligibilityCriteria": text, "minimumAge": "18 Years"},
    }
    if design:
        proto["designModule"] = design
    return {"protocolSection": proto}


@pytest.fixture(scope="module")
def demo(demo_path):
    from journal.domain.summary import build_summary
    from journal.services.queries import load_history
    from journal.store.db import open_journal

    with open_journal(demo_path, readonly=True, auto_backup=False) as store:
        history = load_history(store)
    return build_summary(history)


def test_text_checklist_names_trial_statuses_and_marks(demo):
    rec = record_from_study(_record("NCT03318861", "NCT03318861"))
    cl = build_checklist(rec, demo, {13: Answer(13, MEETS, "washout fine per the nurse")})
    doc = build_trial_checklist(
        cl, demo.history.person, ReportOptions(), "2026-12-01T10:00:00+00:00"
    )
    assert doc.has_markers(COMPUTED) and doc.has_markers(OVERRIDE)  # your answer is marked as yours
    text = render_text(doc)
    assert "NCT03318861" in text and "Inclusion criteria" in text and "Exclusion criteria" in text
    assert "Prior CAR therapy" in text and "ciltacabtagene" in text
    cells = [plain(c) for b in doc.blocks if isinstance(b, Table) for r in b.rows for c in r]
    assert any(c.startswith("Your note: washout fine per the nurse") for c in cells)
    assert "study team decides" in text
    assert "eligible" not in text.replace("ineligible", "").lower()


def test_deidentified_checklist_has_no_name(demo):
    cl = build_checklist(record_from_study(_record("NCT04484623", "NCT04484623")), demo)
    full = render_text(build_trial_checklist(cl, demo.history.person, ReportOptions()))
    anon = render_text(
        build_trial_checklist(cl, demo.history.person, ReportOptions(identity="none"))
    )
    name = demo.history.person.display_name
    # identity "none" is now honestly called "without name" (issue 11)
    assert name and name in full and name not in anon and "without name" in anon


def test_expanded_access_explained_on_paper(demo):
    cl = build_checklist(
        record_from_study(_record("NCT02272803", "NCT02272803", studyType="EXPANDED_ACCESS")), demo
    )
    text = render_text(build_trial_checklist(cl, demo.history.person, ReportOptions()))
    assert "Expanded access" in text and "no other options" in text


@pytest.mark.parametrize("name", ["NCT04484623", "NCT06050512", "NCT03318861"])
def test_pdf_is_one_or_two_pages(qapp, demo_path, tmp_path, capsys, name):
    # qapp: the widget application the rest of the suite shares (a bare QGuiApplication
    # made here would abort the widget tests that follow)
    import shutil

    journal = tmp_path / "demo.sqlite"
    shutil.copy(demo_path, journal)
    f = tmp_path / "r.json"
    f.write_text(json.dumps(_record(name, name)), encoding="utf-8")
    assert main(["trial", "add", str(f), str(journal)]) == 0
    out = tmp_path / "checklist.pdf"
    assert main(["trial", "check", name, str(journal), "--pdf", str(out), "--deidentified"]) == 0
    said = capsys.readouterr().out
    pages = int(said.split("(")[1].split(" page")[0])
    assert 1 <= pages <= 2
    assert out.read_bytes().startswith(b"%PDF")
