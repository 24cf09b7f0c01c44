"""Numbers in forms are read by the locale, echoed under the field, and questioned
when a lab value cannot be right as typed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QLocale

from journal.services import queries
from journal.store import models as m
from journal.ui.editors import RecordEditor
from journal.ui.fields import NumberEdit
from journal.ui.kinds import KINDS
from journal.ui.special_editors import BloodTestForm


@pytest.fixture
def english_locale():
    old = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    yield
    QLocale.setDefault(old)


def test_thousands_comma_is_stored_as_twelve_hundred_not_one_point_two(qtbot, ctx, english_locale):
    dlg = BloodTestForm(ctx)
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.widgets["date"].line, "14 Feb 2022")
    qtbot.keyClicks(dlg.value_edits["flc_kappa"], "1,200")
    assert dlg.converted["flc_kappa"].text() == "= 1200 mg/L"  # echoed as understood
    dlg.save_button.click()
    assert dlg.result() == dlg.DialogCode.Accepted, dlg.top_error.text()
    [row] = queries.list_rows(ctx.store, m.LabResult)
    assert row.value == 1200


def test_german_locale_reads_the_comma_as_decimal(qtbot):
    edit = NumberEdit(locale=QLocale(QLocale.Language.German, QLocale.Country.Germany))
    qtbot.addWidget(edit)
    qtbot.keyClicks(edit, "1,200")
    assert edit.value() == pytest.approx(1.2)
    assert edit.reading.text() == "= 1.2"


def test_ambiguous_number_is_refused_with_a_question(qtbot):
    edit = NumberEdit(locale=QLocale(QLocale.Language.French, QLocale.Country.France))
    qtbot.addWidget(edit)
    qtbot.keyClicks(edit, "1.200")
    assert edit.value() is None
    assert edit.error().startswith("Did you mean 1200 or 1,2?")
    assert not edit.reading.isHidden()


def test_the_number_as_understood_is_shown_under_a_form_field(qtbot, ctx, english_locale):
    dlg = RecordEditor(ctx, KINDS["person"])
    qtbot.addWidget(dlg)
    dlg.show()
    w = dlg.widgets["weight_kg"]
    qtbot.keyClicks(w, "72,5")
    assert w.reading.isVisible() and w.reading.text() == "= 72.5"
    assert w.value() == 72.5


def test_implausible_lab_value_asks_did_you_mean(qtbot, ctx, english_locale, monkeypatch):
    dlg = BloodTestForm(ctx)
    qtbot.addWidget(dlg)
    qtbot.keyClicks(dlg.widgets["date"].line, "Jan 2020")
    qtbot.keyClicks(dlg.value_edits["m_protein"], "31")
    assert "Did you mean 3.1 g/dL" in dlg.converted["m_protein"].text()
    asked = []
    monkeypatch.setattr(dlg, "confirm_doubtful", lambda q: asked.append(q) or False)
    dlg.save_button.click()
    assert asked and "Did you mean 3.1 g/dL" in asked[0][0]
    assert queries.list_rows(ctx.store, m.LabResult) == []  # not saved: the person corrects
    assert dlg.value_edits["m_protein"].text() == "31"  # nothing typed is lost
    dlg.value_edits["m_protein"].setText("3.1")
    dlg.save_button.click()
    assert [r.value for r in queries.list_rows(ctx.store, m.LabResult)] == [3.1]
