"""The longest functions in ``journal/``: where a change is hardest to make safely.

Walks every module with ``ast`` and measures each function and method from its ``def``
line (decorators not counted) to its last line, docstring and comments included, since
that is what a reader has to hold in mind. Nested functions are listed on their own and
also count inside their parent.

Run: ``.venv/bin/python benchmarks/longest_functions.py [-n 15] [--root journal]
[--markdown]``. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class FunctionLength:
    lines: int
    path: str
    name: str  # qualified: Class.method, outer.<locals>.inner
    first_line: int


def _walk(node: ast.AST, prefix: str, path: str) -> Iterator[FunctionLength]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            name = f"{prefix}{child.name}"
            end = child.end_lineno or child.lineno
            yield FunctionLength(end - child.lineno + 1, path, name, child.lineno)
            yield from _walk(child, f"{name}.<locals>.", path)
        elif isinstance(child, ast.ClassDef):
            yield from _walk(child, f"{prefix}{child.name}.", path)
        else:
            yield from _walk(child, prefix, path)


def function_lengths(root: Path) -> list[FunctionLength]:
    """Every function under ``root``, longest first (ties by path and line)."""
    found: list[FunctionLength] = []
    for file in sorted(root.rglob("*.py")):
        if "migrations" in file.parts:
            continue  # generated-style Alembic scripts: frozen history, never edited
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        found.extend(_walk(tree, "", file.relative_to(root.parent).as_posix()))
    found.sort(key=lambda f: (-f.lines, f.path, f.first_line))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=15, help="how many to list (default 15)")
    parser.add_argument("--root", type=Path, default=ROOT / "journal")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    rows = function_lengths(args.root.resolve())[: args.n]
    if args.markdown:
        print("| lines | function | where |")
        print("| ---: | --- | --- |")
        for row in rows:
            print(f"| {row.lines} | `{row.name}` | {row.path}:{row.first_line} |")
    else:
        for row in rows:
            print(f"{row.lines:5d}  {row.name}  ({row.path}:{row.first_line})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
