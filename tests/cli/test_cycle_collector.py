"""The command line pauses Python's cycle collector while it starts and while
``summary`` works (speed, issue 16), and always turns it back on: a test or a program
calling main() must get its collector back, whatever the command did."""

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
