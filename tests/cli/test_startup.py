"""How the command line starts (speed, issue 16). It pauses Python's cycle collector while
it starts and while ``summary`` works, and always turns it back on: a test or a program
calling main() must get its collector back, whatever the command did. And
``python -m journal COMMAND`` builds its parser once."""

from __future__ import annotations

import contextlib
import gc
import io

import pytest

import journal.cli
from journal.cli import command_names, main


def _quiet(argv):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(argv)


def test_the_collector_is_on_again_after_every_kind_of_ending(tmp_path, monkeypatch):
    assert gc.isenabled()
    seen = []
    real_build = journal.cli.build_parser

    def spying_build():
        seen.append(gc.isenabled())
        return real_build()

    monkeypatch.setattr(journal.cli, "build_parser", spying_build)
    assert _quiet(["where"]) == 0
    assert _quiet(["summary", "--json", str(tmp_path / "none.sqlite")]) == 1
    assert _quiet(["summary", "--rule-set", "nonsense", str(tmp_path / "x.sqlite")]) == 1
    with pytest.raises(SystemExit):
        _quiet(["no-such-command"])
    with pytest.raises(SystemExit):
        _quiet(["--help"])
    assert command_names()
    assert len(seen) == 6 and not any(seen)  # paused while the commands were imported
    assert gc.isenabled()


def test_python_m_journal_builds_the_parser_once(tmp_path, monkeypatch):
    """It asks the parser which words are commands, then runs the command with it."""
    import journal.__main__ as entry

    built = []
    real_build = journal.cli.build_parser
    monkeypatch.setattr(journal.cli, "build_parser", lambda: built.append(1) or real_build())
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert entry.main(["summary", "--json", str(tmp_path / "none.sqlite")]) == 1
        assert entry.main(["where"]) == 0
    assert len(built) == 2
