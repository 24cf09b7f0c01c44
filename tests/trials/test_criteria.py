"""Splitting eligibility text into criteria: every real text keeps every word, and the
structures the registry and its mirrors use (headings, bullets, numbers, nesting, escapes,
flattened lists) come out as a reader sees them."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from trial_helpers import EXCERPTS, text_of

from journal.trials.criteria import EXCLUSION, INCLUSION, UNSPLIT, split_criteria, unescape

ALL_TEXTS = sorted(p.name for p in EXCERPTS.glob("*.txt"))


def _words(text: str) -> Counter:
    return Counter(w.lower() for w in re.findall(r"[^\W\d_]{2,}", unescape(text)))


@pytest.mark.parametrize("name", ALL_TEXTS)
def test_no_word_is_dropped(name):
    source = (EXCERPTS / name).read_text(encoding="utf-8")
    ct = split_criteria(source)
    kept = _words(ct.preamble)
    last = None
    for c in ct.criteria:
        if (c.kind, c.section) != last:
            kept += _words(c.section)
            last = (c.kind, c.section)
        kept += _words(c.text)
    missing = _words(source) - kept
    assert not missing, f"words lost: {sorted(missing)[:10]}"
    assert ct.criteria, "every real text has at least one criterion"
    for c in ct.criteria:
        assert c.text.strip(), f"empty criterion {c.index}"
        if c.parent is not None:
            assert c.index in ct.criteria[c.parent].children


def test_flattened_numbered_list_with_bullets_inside():
    ct = split_criteria(text_of("NCT03318861"))
    inc = [c for c in ct.inclusion if c.parent is None]
    exc = [c for c in ct.exclusion if c.parent is None]
    assert [c.marker for c in inc] == ["1.", "2.", "3."]
    assert len(exc) == 8 and exc[0].text == "Plasma cell leukemia"
    labs = inc[2]
    assert labs.text.endswith("defined as:")
    kids = [ct.criteria[i].text for i in labs.children]
    assert kids[0] == "Absolute neutrophil count (ANC) ≥ 1,000/µL"
    assert kids[-1].startswith("Baseline oxygen saturation > 92%")  # "\>" unescaped
    assert "\\>" in ct.criteria[labs.children[-1]].raw  # the stored words keep the escape
    assert inc[0].section == "Key Inclusion Criteria"


def test_escaped_asterisk_is_not_a_bullet_and_colon_items_group():
    ct = split_criteria(text_of("NCT00437034"))
    prior = next(c for c in ct.criteria if c.text.startswith("Must have received"))
    assert "prior therapies* for multiple myeloma" in prior.text
    meas = next(c for c in ct.criteria if c.text.startswith("Measurable disease"))
    assert [ct.criteria[i].text[:20] for i in meas.children] == [
        "Serum M protein ≥ 1.",
        "Free light chain mea",
        "Urinary M protein ex",
    ]
    assert meas.any_of  # "defined by ≥ 1 of the following": alternatives
    assert prior.parent is None and len(prior.children) == 5


def test_preamble_before_the_first_heading_is_kept_apart():
    ct = split_criteria(text_of("NCT02272803"))
    assert "BMSStudyConnect" in ct.preamble
    assert [c.text for c in ct.exclusion][-1].startswith("Known Human Immunodeficiency Virus")
    assert len(ct.inclusion) == 4 and len(ct.exclusion) == 5


def test_numbering_that_starts_again_is_a_sub_list():
    ct = split_criteria(text_of("NCT04392037"))
    fcbp = next(c for c in ct.criteria if c.text.startswith("A female of childbearing"))
    assert [ct.criteria[i].text[:25] for i in fcbp.children] == ["Have two negative pregnan"]
    measurable = next(c for c in ct.criteria if c.text.startswith("Subject must have documented"))
    assert ct.criteria[measurable.children[0]].marker == "•"


def test_hard_wrapped_classic_text_joins_its_lines():
    ct = split_criteria(text_of("NCT04484623"))
    item = next(c for c in ct.criteria if c.text.startswith("Have been previously treated"))
    assert item.text.endswith("during or after their most recent therapy.")
    meas = next(c for c in ct.criteria if c.text.startswith("Must have at least 1 aspect"))
    assert [ct.criteria[i].marker for i in meas.children] == ["1.", "2.", "3."]
    assert meas.any_of


def test_nested_glyph_bullets():
    ct = split_criteria(text_of("medifind-533198495"))
    assert not ct.has_headings and all(c.kind == UNSPLIT for c in ct.criteria)
    meas = next(c for c in ct.criteria if c.text.startswith("Measurable disease"))
    assert len(meas.children) == 3  # ∙ and ‣ under •; the next • is its own criterion
    assert ct.criteria[meas.children[0]].marker == "∙"
    ecog = next(c for c in ct.criteria if c.text.startswith("Eastern Cooperative"))
    assert ecog.parent is None


def test_unheaded_paragraph_with_dash_items():
    ct = split_criteria(text_of("lvhn-bms-ca057-001"))
    top = ct.top_level()
    assert [c.kind for c in top] == [INCLUSION, EXCLUSION]
    assert len(top[1].children) == 5


# Layout checks on short made-up strings (not registry text): the shapes of section 5.1 of
# shared/domain/ctgov-records.md.
def test_registry_markdown_layout_with_indented_sub_items():
    text = (
        "Inclusion Criteria:\n\n* first criterion\n* second criterion\n\n  * indented sub\n\n"
        "Exclusion Criteria:\n\n* first exclusion\n"
    )
    ct = split_criteria(text)
    assert [(c.kind, c.text, c.level) for c in ct.criteria] == [
        (INCLUSION, "first criterion", 0),
        (INCLUSION, "second criterion", 0),
        (INCLUSION, "indented sub", 1),
        (EXCLUSION, "first exclusion", 0),
    ]
    assert ct.criteria[2].parent == 1


@pytest.mark.parametrize(
    "heading, kind",
    [
        ("Key Inclusion Criteria:", INCLUSION),
        ("Criteria for non-inclusion", EXCLUSION),
        ("Inclusion criteria for healthy subjects:", INCLUSION),
        ("KEY EXCLUSION CRITERIA:", EXCLUSION),
    ],
)
def test_heading_variants(heading, kind):
    ct = split_criteria(f"{heading}\n\n* something\n")
    assert [c.kind for c in ct.criteria] == [kind]


def test_words_that_mention_criteria_are_not_headings():
    ct = split_criteria(
        "Inclusion Criteria:\n\n* Meets country-specific inclusion criteria described in the protocol\n* Other protocol-defined Inclusion/Exclusion criteria may apply\n"
    )
    assert len(ct.criteria) == 2 and all(c.kind == INCLUSION for c in ct.criteria)


def test_no_text_at_all():
    ct = split_criteria(None)
    assert ct.criteria == () and ct.preamble == ""
