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


@pytest.mark.parametrize(
    "argv",
    [
        ["--no-such-option", "x"],
        ["--no-such-option"],
        ["-x"],
        ["--demo", "--nope"],
        ["a.sqlite", "b.sqlite"],
        ["a.sqlite", "--nope"],
    ],
)
def test_anything_but_a_bare_file_is_a_usage_error_not_the_window(fake_gui, capsys, argv):
    """Issue 17, item 9: an unknown option opened the window."""
    with pytest.raises(SystemExit) as e:
        entry.main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err and "Traceback" not in err
    assert fake_gui == []


def test_the_window_parser_refuses_unknown_options_too(monkeypatch):
    # journal.ui.app.main is also reachable as the treatment-journal script.
    pytest.importorskip("PySide6")
    from journal.ui import app

    monkeypatch.setattr(app, "make_app", lambda argv: pytest.fail("window started"))
    with pytest.raises(SystemExit) as e:
        app.main(["treatment-journal", "--no-such-option"])
    assert e.value.code == 2
