"""The Overview shows the same facts as `journal summary --json`, each with its reasons."""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys

from journal.domain.summary import build_summary, summary_to_json
from journal.services import queries
from journal.store import models as m
from journal.ui.overview import OverviewPage, WhyDialog, overview_facts, show_date


def _page(qtbot, ctx):
    page = OverviewPage(ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.ready, timeout=30000)
    return page


def _values(page) -> dict[str, str]:
    return {k: lab.accessibleName() for k, lab in page.value_labels.items()}


def test_overview_matches_summary_cli_json(qtbot, demo_ctx):
    page = _page(qtbot, demo_ctx)
    demo_ctx.store.close()  # let the CLI open the file on its own
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-m", "journal", "summary", "--json", str(demo_ctx.store.path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    shown = _values(page)

    n = data["lines"]["lines_received"]
    assert (
        shown["lines"] == f"Treatments so far: {n} lines of therapy; the latest is line "
        f"{data['lines']['current_line']}"
    )
    refractory = [d["name"] for d in data["ledger"]["drugs"].values() if d["refractory"]]
    assert refractory  # the demo patient is refractory to several drugs
    assert shown["refractory"] == "Refractory to: " + ", ".join(refractory)
    for w in data["washouts"]["drugs"]:
        key = f"last_dose:{w['key']}"
        if key in shown and not w["ongoing"]:
            assert (
                shown[key] == f"Last dose of {w['label']}: {w['last_display']}, "
                f"{w['days_since']} days ago"
            )
    assert sum(k.startswith("last_dose:") for k in shown) == min(
        8, sum(w["kind"] == "drug" for w in data["washouts"]["drugs"])
    )
    ongoing = data["side_effects"]["ongoing"]
    assert [k for k in shown if k.startswith("side_effect:")] == [
        f"side_effect:{se['ref']}" for se in ongoing
    ]
    for lab in data["labs"]["latest"]:
        text = shown[f"lab:{lab['test']}"]
        assert show_date(lab["date"]) in text
        if lab["value"] is not None:
            assert f"{lab['value']:g}" in text
    if data["response"]["latest"]:
        assert data["response"]["latest"]["category"] in shown["response"]


def test_why_shows_rule_records_and_source(qtbot, demo_ctx, monkeypatch):
    page = _page(qtbot, demo_ctx)
    fact = next(f for f in page.facts if f.key == "lines")
    dlg = WhyDialog(demo_ctx, fact)
    qtbot.addWidget(dlg)
    folded = dlg.text.toPlainText()  # the reason leads; sources and rule ids folded away
    assert "Number of lines of therapy" in folded
    assert "Rule id" not in folded and "Source:" not in folded
    dlg.details.setChecked(True)
    text = dlg.text.toPlainText()
    assert "IMWG 2015 lines of therapy" in text
    # A plain title leads; the rule id follows, small, for the curious.
    assert "Number of lines of therapy" in text
    assert "Rule id: lines.prior_lines" in text
    # Records are named as people know them; the link still carries the ref.
    first = demo_ctx.row(m.Regimen, 1)
    assert f"regimen {first['name']}, {show_date(first['start'])}" in text
    assert "regimen:1" not in text
    assert 'href="ref:regimen:1"' in dlg.text.toHtml()
    opened = []
    monkeypatch.setattr(demo_ctx, "open_editor", lambda ref: opened.append(ref) or True)
    from PySide6.QtCore import QUrl

    dlg._link(QUrl("ref:regimen:1"))
    assert opened == ["regimen:1"]


def test_correct_refractory_is_an_undoable_override_shown_as_such(qtbot, demo_ctx):
    page = _page(qtbot, demo_ctx)
    data = summary_to_json(build_summary(demo_ctx.history()))
    first = next(d for d in data["ledger"]["drugs"].values() if d["refractory"])
    page.apply_refractory(first["drug_id"], "no", "clinic letter 3 May 2024 says otherwise")
    assert not page.ready  # worked out again in the background
    qtbot.waitUntil(lambda: page.ready, timeout=30000)
    shown = _values(page)
    assert first["name"] not in shown["refractory"].split(": ", 1)[1].split(", ")
    assert "[corrected by you]" in page.value_labels["refractory"].text()
    ov = queries.list_rows(demo_ctx.store, m.Override)
    assert [(o.rule, o.subject, o.value) for o in ov] == [("refractory", first["drug_id"], "no")]
    assert demo_ctx.undo_stack.undoText() == f"Correct refractory: {first['drug_id']}"
    key = f"override:refractory:{first['drug_id']}"
    assert "clinic letter 3 May 2024 says otherwise" in _values(page)[key]  # listed as yours
    assert page.correct_buttons[key].text() == "Remove..."
    page.remove_override("refractory", first["drug_id"])
    qtbot.waitUntil(lambda: page.ready, timeout=30000)
    assert key not in _values(page)
    assert first["name"] in _values(page)["refractory"]
    demo_ctx.undo_stack.undo()  # the correction comes back
    qtbot.waitUntil(lambda: page.ready, timeout=30000)
    assert key in _values(page)
    demo_ctx.undo_stack.undo()
    qtbot.waitUntil(lambda: page.ready, timeout=30000)
    assert first["name"] in _values(page)["refractory"]
    assert queries.list_rows(demo_ctx.store, m.Override) == []


def test_empty_journal_overview_gives_a_hint(qtbot, ctx):
    page = _page(qtbot, ctx)
    assert "0 lines of therapy" in _values(page)["lines"]
    labels = [w.text() for w in page.widget().findChildren(type(page.value_labels["lines"]))]
    assert any("Add your treatments under Treatments" in t for t in labels)


def test_facts_are_worded_from_json_only():
    data = {
        "lines": {
            "lines_received": 1,
            "current_line": 1,
            "lines": [
                {"number": 1, "start": "2024-01-02", "end": None, "label": "DKd", "traces": []}
            ],
            "prior_lines": {"count": 0, "trace": None},
        },
        "ledger": {
            "drugs": {
                "x": {
                    "drug_id": "x",
                    "name": "ixazomib",
                    "refractory": True,
                    "exposed": True,
                    "traces": [],
                    "overridden": ["refractory"],
                }
            }
        },
        "washouts": {
            "drugs": [
                {
                    "key": "x",
                    "label": "ixazomib",
                    "kind": "drug",
                    "last": "2024-05",
                    "last_display": "May 2024",
                    "days_since": 40,
                    "ongoing": False,
                }
            ]
        },
    }
    facts = {f.key: f for f in overview_facts(data)}
    assert facts["current_line"].value == "line 1: DKd, since 2 Jan 2024"
    assert facts["refractory"].value == "ixazomib" and facts["refractory"].overridden
    assert facts["last_dose:x"].value == "May 2024, 40 days ago"


def test_correction_dialog_offers_drugs_and_groups_and_needs_a_reason(qtbot):
    from journal.ui.overview import RefractoryCorrection

    drugs = {
        "lenalidomide": {
            "drug_id": "lenalidomide",
            "name": "lenalidomide",
            "exposed": True,
            "refractory": True,
        },
        "never": {"drug_id": "never", "name": "never given", "exposed": False},
    }
    classes = {"IMiD": {"exposed": True, "refractory": True}}
    dlg = RefractoryCorrection(drugs, None, classes)
    qtbot.addWidget(dlg)
    items = [dlg.drug.itemText(i) for i in range(dlg.drug.count())]
    assert items == ["lenalidomide (now: refractory)", "drug group IMiD (now: refractory)"]
    dlg._ok()
    assert dlg.result() != dlg.DialogCode.Accepted
    assert dlg.error.text().startswith("Please say why")
    dlg.drug.setCurrentIndex(1)
    dlg.reason.setText("haematologist's letter")
    dlg._ok()
    assert dlg.result() == dlg.DialogCode.Accepted
    assert dlg.values() == ("IMiD", "no", "haematologist's letter")


def test_rule_titles_are_plain_words_with_the_longest_prefix_winning():
    from journal.ui.overview import rule_title

    assert rule_title("ledger.exposed") == "Exposure to a drug"
    assert rule_title("ledger.refractory.progression") == "Refractory to a drug"
    assert rule_title("ledger.label.triple_class_refractory") == "Label used by clinical trials"
    assert rule_title("lines.prior_lines") == "Number of lines of therapy"
    assert rule_title("lines.new_line.first") == "Line of therapy: a new line starts"
    assert rule_title("lines.something_new") == "Line of therapy"
    assert rule_title("response.imwg2016.vgpr") == "Response from blood tests"
    assert rule_title("response.pd.m_protein") == "Progression from blood tests"
    assert rule_title("ctcae.lab.anaemia") == "Side effect grade from a blood test"
    # An id nobody mapped yet: the explanation's first sentence says what happened.
    assert rule_title("newrule.x", "Given in a trial. Details follow.") == "Given in a trial"
    assert rule_title("newrule.x", "") == "How this was worked out"


def test_why_heads_each_reason_with_a_plain_title_and_keeps_the_id_small(qtbot, demo_ctx):
    from journal.ui.overview import RULE_TITLES, rule_title, traces_html

    page = _page(qtbot, demo_ctx)
    fact = next(f for f in page.facts if f.key == "refractory")
    dlg = WhyDialog(demo_ctx, fact)
    qtbot.addWidget(dlg)
    dlg.details.setChecked(True)
    lines = [ln.strip() for ln in dlg.text.toPlainText().splitlines() if ln.strip()]
    assert "Exposure to a drug" in lines and "Refractory to a drug" in lines
    ids = {t["rule"] for t in fact.traces}
    assert "ledger.exposed" in ids
    for rule in ids:
        # The id only ever appears on its own small "Rule id:" line, never as a heading.
        assert f"Rule id: {rule}" in lines
        assert rule not in [ln for ln in lines if not ln.startswith("Rule id:")]
    html_text = traces_html(fact)
    assert html_text.count("<h4>") == len(fact.traces)
    assert "font-size:small" in html_text and "Rule id: ledger.exposed" in html_text
    # Every reason on the demo journal's Overview has a written title, not a fallback.
    for f in page.facts:
        for t in f.traces:
            assert rule_title(t["rule"], t.get("explanation", "")) in RULE_TITLES.values()
    # The drug-group labels share one id prefix: each is titled with its own name.
    labels = next(f for f in page.facts if f.key == "labels")
    text = traces_html(labels)
    assert "<h4>Label used by clinical trials: quad-refractory (MAMMOTH" in text
    assert "Stopped responding to an anti-CD38 antibody and to three more drugs" in text
    # Issue 9 item 6: a label implied by a stronger one (quad-refractory implies
    # triple-class exposed) is not printed again.
    assert "Label used by clinical trials: triple-class exposed" not in text


def test_first_screen_of_facts_shows_before_the_rest_are_built(qtbot, demo_ctx):
    """After the background work, the first facts go on screen at once; the others
    follow in batches, in order, each once, even when the page is drawn again meanwhile."""
    page = OverviewPage(demo_ctx)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.first_shown, timeout=30000)
    total = len(page.facts)
    assert total > page.FIRST_SCREEN
    if not page.ready:  # caught between the first screen and the rest
        assert len(page.value_labels) < total
    page.render(progressive=True)  # drawn again half-way: the old batches stop
    qtbot.waitUntil(lambda: page.ready, timeout=30000)
    qtbot.wait(50)
    assert list(page.value_labels) == [f.key for f in page.facts]
    rows = page.widget().layout().itemAt(2).layout()
    questions = [
        rows.itemAtPosition(r, 0).widget().text()
        for r in range(rows.rowCount())
        if rows.itemAtPosition(r, 0) is not None
    ]
    assert [q for q in questions if q.startswith("<b>")] == [
        f"<b>{html.escape(f.question)}:</b>" for f in page.facts
    ]
