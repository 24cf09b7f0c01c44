"""The window's command-line arguments, without Qt: ``python -m journal`` checks them
before it starts the window, so a mistyped option is a usage error (exit 2)."""

from __future__ import annotations

import argparse


def window_parser() -> argparse.ArgumentParser:
    """``[--demo] [FILE]`` and nothing else (journal.ui.app uses the same parser)."""
    parser = argparse.ArgumentParser(
        prog="python -m journal",
        usage="%(prog)s [--demo] [FILE]  (or: %(prog)s COMMAND ..., see --help)",
        description="Treatment Journal: opens the window.",
    )
    parser.add_argument("file", nargs="?", help="journal file to open (default: your journal)")
    parser.add_argument("--demo", action="store_true", help="open the demo journal")
    return parser
