"""The window holds no more memory than it uses."""

from __future__ import annotations

import importlib
import linecache
import sys


def _import_fresh(tmp_path, monkeypatch, name: str, text: str):
    (tmp_path / f"{name}.py").write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    __import__(name)  # through PySide's import hook, as every import in the window
    return str(tmp_path / f"{name}.py")


def test_modules_imported_by_the_window_leave_no_source_text_in_memory(tmp_path, monkeypatch):
    importlib.import_module("journal.ui")
    feature = sys.modules.get("shibokensupport.feature")
    path = _import_fresh(
        tmp_path, monkeypatch, "tj_big_module", "VALUES = [\n" + "    1,\n" * 20000 + "]\n"
    )
    assert path not in linecache.cache  # PySide's hook read it all and kept it
    if feature is not None and hasattr(feature, "pyside_feature_dict"):
        assert feature.pyside_feature_dict.get("tj_big_module") == -1  # does not use PySide


def test_a_module_using_pyside_is_still_seen_as_one(tmp_path, monkeypatch):
    importlib.import_module("journal.ui")
    feature = sys.modules.get("shibokensupport.feature")
    _import_fresh(tmp_path, monkeypatch, "tj_qt_module", "import PySide6.QtCore\n")
    if feature is not None and hasattr(feature, "pyside_feature_dict"):
        # PySide's optional features (snake_case...) stay available to such a module.
        assert feature.pyside_feature_dict.get("tj_qt_module") == 0
