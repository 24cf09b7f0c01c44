"""The editors say how much text a field holds (issue 17, item 3): the same limits as
the record and the exchange schema, shown before saving, not only refused after."""

from journal.store.validation import MAX_LONG_TEXT, MAX_SHORT_TEXT
from journal.ui import fields as fw


def test_long_text_over_the_limit_is_named_before_saving(qapp):
    w = fw.LongTextEdit()
    assert f"{MAX_LONG_TEXT:,}" in w.toolTip()
    w.set_value("x" * 10)
    assert w.error() is None
    w.set_value("x" * (MAX_LONG_TEXT + 1))
    assert f"{MAX_LONG_TEXT + 1:,} characters" in w.error()
    assert f"{MAX_LONG_TEXT:,}" in w.error()


def test_one_line_text_over_the_limit_is_named_before_saving(qapp):
    w = fw.TextEdit()
    w.set_value("y" * (MAX_SHORT_TEXT + 5))
    assert w.value() == "y" * (MAX_SHORT_TEXT + 5)  # nothing cut silently
    assert f"{MAX_SHORT_TEXT:,}" in w.error()
