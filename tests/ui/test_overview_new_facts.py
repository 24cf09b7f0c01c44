"""Issue 9: the Overview words the new facts from the same summary JSON."""

from __future__ import annotations

import json
from pathlib import Path

from journal.cli import main
from journal.ui.overview import RULE_TITLES, overview_facts, rule_title

CASES = Path(__file__).parents[1] / "cases"


def _summary(case: str, as_of: str, tmp_path, capsys) -> dict:
    journal = tmp_path / f"{case}.sqlite"
    assert main(["import", str(CASES / f"{case}.json"), str(journal)]) == 0
    capsys.readouterr()
    assert main(["summary", "--json", "--as-of", as_of, str(journal)]) == 0
    return json.loads(capsys.readouterr().out)


def test_new_facts_on_the_overview(tmp_path, capsys):
    data = _summary("30_penta_refractory_car_t_as_remembered", "2022-03-01", tmp_path, capsys)
    facts = {f.key: f for f in overview_facts(data)}
    assert facts["mammoth"].value == "penta-refractory"
    assert facts["last_line"].value == "no (line 4)"
    assert facts["last_progression"].value.startswith("15 Jan 2022, 45 days ago")
    assert facts["asct_to_pd"].value.startswith("15.0 months (transplant Oct 2017")
    assert facts["refractory_classes"].value == "IMiD, PI, anti-CD38"
    labels = facts["labels"].value
    assert "penta-refractory" in labels and "triple-class refractory" not in labels
    for f in facts.values():
        for t in f.traces:
            assert rule_title(t["rule"], t.get("explanation", "")) in RULE_TITLES.values()


def test_not_assessable_and_disagreement_are_said_in_words(tmp_path, capsys):
    data = _summary("02_rd_toxicity_vcd_planned_sct", "2021-01-15", tmp_path, capsys)
    facts = {f.key: f for f in overview_facts(data)}
    assert "lenalidomide" in facts["not_assessable"].value
    assert facts["not_assessable"].traces[0]["rule"] == "ledger.refractory.not_assessable"
    data = _summary("29_letter_cr_then_mprotein_back", "2023-03-01", tmp_path, capsys)
    facts = {f.key: f for f in overview_facts(data)}
    assert facts["disagreement:1"].value == "labs: PR; clinic: CR; the rules use CR"


def test_correct_dialog_says_not_assessable(qtbot, tmp_path, capsys):
    from journal.ui.overview import RefractoryCorrection

    data = _summary("02_rd_toxicity_vcd_planned_sct", "2021-01-15", tmp_path, capsys)
    ledger = data["ledger"]
    dlg = RefractoryCorrection(ledger["drugs"], None, ledger.get("classes"))
    qtbot.addWidget(dlg)
    items = [dlg.drug.itemText(i) for i in range(dlg.drug.count())]
    assert "lenalidomide (now: not assessable)" in items
