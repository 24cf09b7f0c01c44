"""Neuropathy "with pain" is CTCAE Neuralgia, a separate term from sensory neuropathy:
the plain words a person types pick the right one."""

import pytest

from journal.domain.ctcae import get_terms


@pytest.mark.parametrize(
    ("words", "term_id"),
    [
        ("tingling with pain", "neuralgia"),
        ("burning pain in my feet", "neuralgia"),
        ("numbness and pain in my feet", "neuralgia"),
        ("painful neuropathy", "neuralgia"),
        ("nerve pain", "neuralgia"),
        ("shooting pain", "neuralgia"),
        ("tingling", "peripheral_sensory_neuropathy"),
        ("numb feet", "peripheral_sensory_neuropathy"),
        ("pins and needles", "peripheral_sensory_neuropathy"),
        ("neuropathy", "peripheral_sensory_neuropathy"),
        ("ting", "peripheral_sensory_neuropathy"),
    ],
)
def test_plain_words_pick_painful_or_sensory(words, term_id):
    assert get_terms().search(words)[0].term.id == term_id


def test_neuralgia_grades_in_both_ctcae_versions():
    t = get_terms().term("neuralgia")
    assert t.name_in("CTCAE v5.0") == "Neuralgia"
    assert t.grade("CTCAE v5.0", 2).text == "Moderate pain; limiting instrumental ADL"
    assert t.grade("CTCAE v5.0", 4) is None  # pain has no life-threatening grade
    assert t.grade("CTCAE v6.0", 3).unconfirmed  # v6 wording not yet checked against NCI
