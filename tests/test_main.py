"""python -m journal: which front end gets the words."""

import os
import sys
import types

import pytest

import journal.__main__ as entry


@pytest.fixture
def fake_gui(monkeypatch):
    calls = []
    module = types.ModuleType("journal.ui.app")
    module.main = lambda argv: calls.append(argv) or 0
    monkeypatch.setitem(sys.modules, "journal.ui.app", module)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    return calls


def test_no_words_or_options_start_the_window_with_a_program_name(fake_gui):
    assert entry.main([]) == 0
    assert entry.main(["--demo"]) == 0
    assert fake_gui == [["treatment-journal"], ["treatment-journal", "--demo"]]


def test_a_journal_file_opens_in_the_window(fake_gui, tmp_path):
    f = tmp_path / "mine.sqlite"
    f.write_bytes(b"")
    assert entry.main([str(f)]) == 0
    assert fake_gui == [["treatment-journal", str(f)]]


def test_commands_go_to_the_cli(fake_gui, capsys):
    assert entry.main(["where"]) == 0
    assert "Journal:" in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:
        entry.main(["chekc"])  # a typo is explained by argparse, not opened as a file
    assert e.value.code == 2
    assert fake_gui == []


def test_tests_calling_main_do_not_change_the_umask(fake_gui):
    before = os.umask(0o022)
    os.umask(before)
    entry.main([])
    after = os.umask(before)
    assert after == before
