"""dev.py: the README's two commands (set-up logic that can be tested without apt or pip)."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def dev():
    spec = importlib.util.spec_from_file_location("dev_under_test", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_missing_packages_uses_ldconfig_or_dpkg(dev, monkeypatch):
    monkeypatch.setattr(dev, "_ld_cache", lambda: "\tlibEGL.so.1 (libc6,x86-64) => /x\n")
    monkeypatch.setattr(dev, "_dpkg_installed", lambda pkg: pkg == "libgl1")
    missing = dev.missing_packages(dev.QT_LIBS_OFFSCREEN)
    assert "libegl1" not in missing and "libgl1" not in missing
    assert missing == ["libglib2.0-0", "libxkbcommon0", "libfontconfig1", "libdbus-1-3"]


def test_without_root_the_exact_apt_line_is_printed(dev, monkeypatch, capsys):
    monkeypatch.setattr(dev, "is_root", lambda: False)
    monkeypatch.setattr(dev.shutil, "which", lambda name: f"/usr/bin/{name}")
    with pytest.raises(SystemExit) as exit_:
        dev.apt_install(["libxcb-cursor0", "libxcb-xkb1"], "Qt")
    assert exit_.value.code == 1
    assert "    sudo apt-get install -y libxcb-cursor0 libxcb-xkb1\n" in capsys.readouterr().err


def test_window_needs_more_libraries_than_tests(dev, monkeypatch):
    asked = []
    monkeypatch.setattr(dev.sys, "platform", "linux")
    monkeypatch.setattr(dev, "missing_packages", lambda wanted: asked.append(set(wanted)) or [])
    dev.ensure_qt_libraries(window=False)
    dev.ensure_qt_libraries(window=True)
    assert asked[0] == set(dev.QT_LIBS_OFFSCREEN)
    assert asked[1] == set(dev.QT_LIBS_OFFSCREEN) | set(dev.QT_LIBS_WINDOW)
    assert "libxcb-cursor0" in asked[1]


def test_no_tests_collected_is_a_failure(dev, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(dev, "ensure_qt_libraries", lambda window: None)
    monkeypatch.setattr(dev, "ensure_venv", lambda: Path(sys.executable))
    monkeypatch.setattr(dev, "ensure_installed", lambda python: None)
    (tmp_path / "test_nothing.py").write_text("X = 1\n")
    code = dev.cmd_test([str(tmp_path), "-q", "-p", "no:cacheprovider"])
    assert code == 1
    assert "no tests" in capsys.readouterr().err
    (tmp_path / "test_nothing.py").write_text("def test_fails():\n    assert False\n")
    assert dev.cmd_test([str(tmp_path), "-q", "-p", "no:cacheprovider"]) == 1
    (tmp_path / "test_nothing.py").write_text("def test_ok():\n    pass\n")
    assert dev.cmd_test([str(tmp_path), "-q", "-p", "no:cacheprovider"]) == 0


def test_install_runs_only_when_pyproject_changed(dev, monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(dev, "STAMP", tmp_path / "stamp")
    monkeypatch.setattr(
        dev.subprocess,
        "run",
        lambda cmd, **kw: calls.append(cmd) or type("R", (), {"returncode": 0})(),
    )
    dev.ensure_installed(Path("/venv/python"))
    dev.ensure_installed(Path("/venv/python"))
    assert len(calls) == 1 and calls[0][-2:] == ["-e", f"{dev.ROOT}[test]"]
    (tmp_path / "stamp").write_text("old hash\n")
    dev.ensure_installed(Path("/venv/python"))
    assert len(calls) == 2


def test_usage_without_a_command(dev, capsys):
    assert dev.main([]) == 2
    assert "python3 dev.py run" in capsys.readouterr().err


def test_ci_script_runs_the_readme_test_command():
    text = (ROOT / ".ci" / "run").read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text and "exec python3 dev.py test" in text
    readme = (ROOT / "README.md").read_text()
    assert readme.index("## What it is for") < readme.index("python3 dev.py run")
    assert "python3 dev.py test" in readme


def test_dev_py_parses_on_old_pythons_so_it_can_say_it_is_too_old():
    # The version check can only speak if the whole file parses: no syntax newer
    # than Python 2.7/3.0 (f-strings, annotations, star-unpacking in literals).
    import ast

    tree = ast.parse((ROOT / "dev.py").read_text())
    for node in ast.walk(tree):
        assert not isinstance(node, ast.JoinedStr), f"f-string at line {node.lineno}"
        if isinstance(node, ast.FunctionDef):
            assert node.returns is None and all(a.annotation is None for a in node.args.args), (
                f"annotation in {node.name}"
            )
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            assert not any(isinstance(e, ast.Starred) for e in node.elts), node.lineno
    assert "from __future__ import annotations" not in (ROOT / "dev.py").read_text()


def test_run_passes_extra_words_to_python_m_journal(dev, monkeypatch):
    seen = {}
    monkeypatch.setattr(
        dev, "ensure_qt_libraries", lambda window: seen.setdefault("window", window)
    )
    monkeypatch.setattr(dev, "ensure_venv", lambda: Path("/v/bin/python"))
    monkeypatch.setattr(dev, "ensure_installed", lambda python: None)
    monkeypatch.setattr(dev.os, "execv", lambda exe, argv: seen.setdefault("argv", argv))
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    dev.cmd_run(["--demo", "x.sqlite"])
    assert seen["argv"] == ["/v/bin/python", "-m", "journal", "--demo", "x.sqlite"]
    assert seen["window"] is True  # a real window needs the xcb libraries too
