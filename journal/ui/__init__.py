"""The desktop window (PySide6).

Importing this package first makes PySide's import hook stop keeping module sources:
PySide 6 checks every module imported after it for the word "PySide6" with
``inspect.getsource``, which leaves the whole source of each one in ``linecache``
for good. For the window (SQLAlchemy, pydantic, matplotlib, numpy...) that was
some 35 MB of text held for nothing, a seventh of the window's memory.
"""

from __future__ import annotations


def _check_sources_without_keeping_them() -> None:
    import PySide6  # noqa: F401 - installs the hook being changed

    feature = __import__("sys").modules.get("shibokensupport.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return  # another PySide version: leave it as it is

    def mod_uses_pyside(module) -> bool:
        # What the hook asks, answered from the file as inspect.getsource would
        # (a module without a Python source file: no), without caching the text.
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return False
        try:
            with open(path, "rb") as f:
                return b"PySide6" in f.read()
        except OSError:
            return False

    feature._mod_uses_pyside = mod_uses_pyside


_check_sources_without_keeping_them()
