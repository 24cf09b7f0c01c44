"""``python -m journal``: the window, or a command when the first word is one.

``python -m journal`` / ``python -m journal --demo`` -> the desktop app
(journal.ui.app.main); ``python -m journal check`` -> the command line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from journal.paths import protect_new_files

NO_DISPLAY_MESSAGE = (
    "Treatment Journal cannot open its window because this computer has no screen "
    "available (no DISPLAY); run it inside a virtual screen with "
    "'xvfb-run -a python3 dev.py run', or use the command line: 'python -m journal --help'."
)
_HEADLESS_PLATFORMS = {"offscreen", "minimal", "vnc", "eglfs", "linuxfb"}


def has_display(env: dict[str, str] | None = None, platform: str | None = None) -> bool:
    """False when Qt would abort for lack of a screen (Linux/BSD without X or Wayland)."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if platform.startswith(("win", "darwin", "cygwin")):
        return True
    qpa = env.get("QT_QPA_PLATFORM", "").split(":")[0].strip().lower()
    if qpa in _HEADLESS_PLATFORMS:
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def start_gui(argv: Sequence[str]) -> int:
    if not has_display():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return 2
    try:
        from journal.ui.app import main as gui_main
    except ModuleNotFoundError as e:
        if e.name not in ("journal.ui.app", "journal.ui"):
            raise
        print(
            "The Treatment Journal window is not part of this build yet; use the "
            "command line instead: 'python -m journal --help'.",
            file=sys.stderr,
        )
        return 1
    # Like sys.argv: the program name first (QApplication and the UI's parser expect it).
    return int(gui_main(["treatment-journal", *argv]) or 0)


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:  # a real start, not a test calling main([...])
        protect_new_files()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv:
        first = argv[0]
        if first in ("-h", "--help", "--version"):
            return _cli(argv)
        if not first.startswith("-"):
            from journal.cli import build_parser, command_names
            from journal.domain.cycles import no_cycle_collection

            with no_cycle_collection():  # imports of every command module (see cli.main)
                parser = build_parser()
            looks_like_file = Path(first).exists() or first.endswith((".sqlite", ".db"))
            if first in command_names(parser) or not looks_like_file:
                # A command, or a typo that argparse will explain with the list of commands;
                # the parser made for the question serves the command too.
                return _cli(argv, parser)
    # Only `python -m journal [--demo] [FILE]` opens the window: anything else (an
    # unknown option, a second file) is a usage error (exit 2), never a window that
    # silently ignored what was asked.
    from journal.ui.arguments import window_parser  # no Qt: refused before any window

    window_parser().parse_args(argv)
    return start_gui(argv)


def _cli(argv: list[str], parser=None) -> int:
    from journal.cli import main as cli_main

    return cli_main(argv, parser=parser)


if __name__ == "__main__":
    sys.exit(main())
