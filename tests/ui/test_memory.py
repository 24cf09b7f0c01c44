"""The window holds no more memory than it uses."""

from __future__ import annotations

import importlib
import linecache
import sys

import pytest


def _seen_by_pyside(tmp_path, monkeypatch, name: str, text: str):
    """Import a new module and give it to PySide's import hook, as happens to every
    module imported in the window (the hook may be swapped for PySide's lazy loader in
    a test process, so it is called here by hand)."""
    importlib.import_module("journal.ui")
    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not hasattr(feature, "feature_imported"):
        pytest.skip("this PySide has no import hook reading sources")
    (tmp_path / f"{name}.py").write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    module = importlib.import_module(name)
    feature.pyside_feature_dict.pop(name, None)
    feature.feature_imported(module)
    return str(tmp_path / f"{name}.py"), feature.pyside_feature_dict.get(name)


def test_modules_imported_by_the_window_leave_no_source_text_in_memory(tmp_path, monkeypatch):
    text = "VALUES = [\n" + "    1,\n" * 20000 + "]\n"
    path, uses_pyside = _seen_by_pyside(tmp_path, monkeypatch, "tj_big_module", text)
    assert path not in linecache.cache  # PySide's hook used to read it all and keep it
    assert uses_pyside == -1  # PySide's own answer: it does not use PySide


def test_a_module_using_pyside_is_still_seen_as_one(tmp_path, monkeypatch):
    _path, uses_pyside = _seen_by_pyside(
        tmp_path, monkeypatch, "tj_qt_module", "import PySide6.QtCore\n"
    )
    assert uses_pyside == 0  # PySide's optional features (snake_case...) stay available
