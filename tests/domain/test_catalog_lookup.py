"""Lookups that forgive: shorthand, brands, misspellings and drugs typed one by one."""

import pytest

from journal.domain.catalog import get_catalog


def first(text):
    found = get_catalog().lookup(text)
    assert found, f"nothing found for {text!r}"
    return found[0]


@pytest.mark.parametrize(
    ("text", "kind", "ident"),
    [
        ("Revlimid", "drug", "lenalidomide"),
        ("revlimd", "drug", "lenalidomide"),  # misspelt brand
        ("daratumumb", "drug", "daratumumab"),
        ("vrd", "regimen", "VRd"),
        ("RVd", "regimen", "VRd"),
        ("dara pom dex", "regimen", "DPd"),  # drugs one by one -> the regimen with exactly them
        ("Darzalex + Pomalyst + dex", "regimen", "DPd"),
        ("len and dex", "regimen", "Rd"),
        ("mel200", "drug", "melphalan"),
        ("cilta-cel", "drug", "ciltacabtagene-autoleucel"),
    ],
)
def test_lookup_finds(text, kind, ident):
    m = first(text)
    assert (m.kind, m.id) == (kind, ident)


def test_purpose_word_is_kept_as_intent():
    m = first("len maint")
    assert (m.kind, m.id, m.intent) == ("drug", "lenalidomide", "maintenance")
    assert first("lenalidomide maintenance").intent == "maintenance"
    assert first("vrd").intent is None


def test_a_combination_without_a_regimen_name_is_offered_as_typed():
    found = get_catalog().lookup("dara pom dex")
    combo = next(m for m in found if m.kind == "combination")
    assert combo.drug_ids == ("daratumumab", "pomalidomide", "dexamethasone")
    assert combo.label == "daratumumab + pomalidomide + dexamethasone"
    # a combination no regimen template has is still understood
    odd = first("selinexor pom")
    assert odd.kind == "combination" and odd.drug_ids == ("selinexor", "pomalidomide")


def test_nonsense_finds_nothing():
    assert get_catalog().lookup("xyzzy qqq") == []
    assert get_catalog().lookup("") == []


def test_drugs_and_doses_in_a_short_text():
    cat = get_catalog()
    assert cat.drugs_in_text("melphalan 200 mg/m\u00b2") == [("melphalan", 200.0, "mg/m2")]
    assert cat.drugs_in_text("fludarabine + cyclophosphamide") == [
        ("fludarabine", None, None),
        ("cyclophosphamide", None, None),
    ]
    assert cat.drugs_in_text("flu/cyclophosphamide 300 mg/m2")[1] == (
        "cyclophosphamide",
        300.0,
        "mg/m2",
    )
    assert cat.drugs_in_text("something else") == []
