"""The Trials page: bring records, compare trials, read one checklist beside its text, give
your own answer (undoable), open the study's page only on request, refuse bad files."""

from __future__ import annotations

import json
import zipfile

import pytest
from PySide6.QtCore import Qt

from journal.services import trials as svc
from journal.trials.checklist import DOES_NOT_MEET, MEETS, TO_DISCUSS

FIXTURES = __import__("pathlib").Path(__file__).parents[1] / "trials" / "fixtures" / "excerpts"


def _study(name: str, nct: str, title: str, **status) -> dict:
    text = next(FIXTURES.glob(f"{name}*.txt")).read_text(encoding="utf-8")
    proto = {
        "identificationModule": {"nctId": nct, "briefTitle": title},
        "eligibilityModule": {"eligibilityCriteria": text, "minimumAge": "18 Years"},
        "statusModule": {
            "overallStatus": "RECRUITING",
            "lastUpdatePostDateStruct": {"date": "2026-09-01"},
        },
    }
    if status.get("expanded"):
        proto["designModule"] = {"studyType": "EXPANDED_ACCESS"}
    return {"protocolSection": proto}


@pytest.fixture
def page(qtbot, demo_ctx):
    from journal.ui.trials_page import TrialsPage

    p = TrialsPage(demo_ctx)
    qtbot.addWidget(p)
    p.resize(1100, 800)
    p.show()
    qtbot.waitExposed(p)
    return p


def _file(tmp_path, name, obj):
    f = tmp_path / name
    f.write_text(json.dumps(obj), encoding="utf-8")
    return str(f)


def test_empty_page_explains_how_to_bring_a_record(page):
    assert page.table.rowCount() == 0
    assert "clinicaltrials.gov/api/v2/studies" in page.detail.toPlainText()
    assert not page.open_page.isEnabled() and not page.remove.isEnabled()


def test_bring_compare_and_read_a_checklist(page, tmp_path, demo_ctx):
    a = _file(tmp_path, "a.json", _study("NCT03318861", "NCT03318861", "KITE-585 CAR-T"))
    b = _file(tmp_path, "b.json", _study("NCT04484623", "NCT04484623", "Belantamab + Pd"))
    assert page.bring_file(a) == ["NCT03318861"]
    assert page.bring_file(b) == ["NCT04484623"]
    assert page.table.rowCount() == 2
    # the counts in the list are the checklist's own
    for t in svc.list_trials(demo_ctx.store):
        counts = svc.trial_checklist(demo_ctx.store, t, demo_ctx.summary()).counts()
        row = next(r for r in range(2) if page.table.item(r, 0).text() == t.nct_id)
        assert int(page.table.item(row, 1).text()) == counts[DOES_NOT_MEET]
        assert int(page.table.item(row, 4).text()) == counts[MEETS]
        assert page.table.item(row, 5).text() == str(
            (demo_ctx.summary().as_of - __import__("datetime").date(2026, 9, 1)).days
        )
    # sortable by "does not meet"
    page.table.sortItems(1, Qt.SortOrder.DescendingOrder)
    first = int(page.table.item(0, 1).text())
    assert first >= int(page.table.item(1, 1).text())
    # the checklist beside the original text, and the facts behind a criterion
    page.select_trial("NCT03318861")
    assert "Key Inclusion Criteria" in page.original.toPlainText()
    assert "saturation > 92%" in page.original.toPlainText()  # shown without the stored escape
    texts = [it.criterion.text for it in page._items]
    i = texts.index("Prior CAR therapy or other genetically modified T cells")
    node = next(
        n
        for n in page.tree.findItems("*", Qt.MatchFlag.MatchWildcard | Qt.MatchFlag.MatchRecursive)
        if n.data(0, Qt.ItemDataRole.UserRole) == i
    )
    page.tree.setCurrentItem(node)
    assert node.text(0).startswith("✗ does not meet")
    shown = page.detail.toPlainText()
    assert "Exclusion criterion" in shown and "ciltacabtagene autoleucel" in shown
    # the app's own words never say "eligible" (sources it cites keep their titles)
    item = page._items[i]
    assert "eligib" not in (page.info.text() + item.explanation + node.text(0)).lower()


def test_your_answer_is_shown_as_yours_and_undoable(page, tmp_path, demo_ctx):
    page.bring_file(_file(tmp_path, "a.json", _study("NCT03318861", "NCT03318861", "KITE-585")))
    item = next(
        it for it in page._items if it.criterion.text == "Inadequate washout from prior therapy"
    )
    assert item.status == TO_DISCUSS
    before = int(page.table.item(0, 4).text())
    page.give_answer(item, MEETS, "last dose was in May; the nurse agreed")
    again = next(it for it in page._items if it.criterion.index == item.criterion.index)
    assert again.status == TO_DISCUSS and again.shown_status == MEETS
    assert page.tree.currentItem().text(0) == "✓ meets (yours)"
    assert (
        "Your answer" in page.detail.toPlainText()
        and "the nurse agreed" in page.detail.toPlainText()
    )
    assert int(page.table.item(0, 4).text()) == before + 1
    demo_ctx.undo_stack.undo()
    back = next(it for it in page._items if it.criterion.index == item.criterion.index)
    assert back.answer is None


def test_bad_files_change_nothing(page, tmp_path, demo_ctx):
    bad = tmp_path / "page.html"
    bad.write_text("<html>Save the API address, not the web page</html>", encoding="utf-8")
    assert page.bring_file(str(bad)) == []
    assert "not a ClinicalTrials.gov clinical_study record" in page.last_error
    assert "Nothing was changed." in page.last_error
    assert svc.list_trials(demo_ctx.store) == [] and page.table.rowCount() == 0


def test_zip_with_many_studies_asks_which(page, tmp_path, monkeypatch):
    z = tmp_path / "ctg-studies.json.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for i, name in enumerate(("NCT03318861", "NCT04484623")):
            nct = f"NCT0000000{i + 1}"
            zf.writestr(f"0{i + 1}/{nct}.json", json.dumps(_study(name, nct, name)))
    from journal.ui import trials_page

    monkeypatch.setattr(
        trials_page.QInputDialog, "getText", staticmethod(lambda *a, **k: ("NCT00000002", True))
    )
    assert page.bring_file(str(z)) == ["NCT00000002"]


def test_study_page_opens_only_on_request(page, tmp_path, monkeypatch):
    opened = []
    from journal.ui import trials_page

    monkeypatch.setattr(
        trials_page.QDesktopServices,
        "openUrl",
        staticmethod(lambda url: opened.append(url.toString()) or True),
    )
    page.bring_file(_file(tmp_path, "a.json", _study("NCT04484623", "NCT04484623", "x")))
    assert opened == []
    assert page.open_study_page()
    assert opened == ["https://clinicaltrials.gov/study/NCT04484623"]


def test_expanded_access_is_explained_and_remove_is_undoable(page, tmp_path, demo_ctx):
    page.bring_file(
        _file(
            tmp_path,
            "ea.json",
            _study("NCT02272803", "NCT09999999", "An EA programme", expanded=True),
        )
    )
    assert "unapproved drug given outside a trial" in page.info.text()
    page.remove_trial(confirm=False)
    assert page.table.rowCount() == 0
    demo_ctx.undo_stack.undo()
    assert page.table.rowCount() == 1


def test_trials_is_a_page_of_the_window():
    from journal.ui.main_window import PAGES

    assert "trials" in [key for _t, key, _d in PAGES]


def test_checklist_pdf_from_the_page(page, tmp_path):
    page.bring_file(
        _file(tmp_path, "a.json", _study("NCT04484623", "NCT04484623", "Belantamab + Pd"))
    )
    out = tmp_path / "checklist.pdf"
    pages = page.save_pdf(str(out), identity="none")
    assert pages in (1, 2) and out.read_bytes().startswith(b"%PDF")


def test_a_dropped_file_is_brought(page, tmp_path, demo_ctx):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    f = _file(tmp_path, "dropped.json", _study("NCT06050512", "NCT06050512", "Mezigdomide"))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(f)])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    page.dropEvent(event)
    assert [t.nct_id for t in svc.list_trials(demo_ctx.store)] == ["NCT06050512"]
