"""domain, store, services, charts and reports (but its Qt backend) never import Qt.

Checked in a fresh interpreter, module by module, so the culprit is named.
Modules are discovered with pkgutil: new modules are covered without editing this.
"""

import json
import subprocess
import sys

PACKAGES = [
    "journal.domain",
    "journal.store",
    "journal.services",
    "journal.charts",
    "journal.reports",
    "journal.interop",
]
MODULES = ["journal", "journal.paths", "journal.resources", "journal.cli", "journal.__main__"]
ALLOWED_QT = {
    "journal.reports.qt_backend",  # the Qt PDF/print backend of the reports
    "journal.store.migrations.env",  # not importable outside Alembic (it runs on import)
}

_SCRIPT = r"""
import importlib, json, pkgutil, sys
packages, modules, skip = json.loads(sys.argv[1])
names = list(modules)
errors = {}
for pkg in packages:
    names.append(pkg)
    mod = importlib.import_module(pkg)
    for info in pkgutil.walk_packages(mod.__path__, pkg + ".", onerror=lambda n: errors.setdefault(n, "walk failed")):
        if info.name not in skip:
            names.append(info.name)
first_qt = None
for name in names:
    try:
        importlib.import_module(name)
    except Exception as e:
        errors[name] = f"{type(e).__name__}: {e}"
    if first_qt is None and any(m == "PySide6" or m.startswith("PySide6.") for m in sys.modules):
        first_qt = name
print(json.dumps({"names": names, "first_qt": first_qt, "errors": errors}))
"""


def test_non_ui_layers_do_not_import_qt():
    run = subprocess.run(
        [sys.executable, "-c", _SCRIPT, json.dumps([PACKAGES, MODULES, sorted(ALLOWED_QT)])],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["errors"] == {}, result["errors"]
    assert result["first_qt"] is None, f"{result['first_qt']} imports PySide6"
    # It really walked the packages (a walk that finds nothing proves nothing).
    assert "journal.store.db" in result["names"]
    assert "journal.store.backup" in result["names"]
    assert len(result["names"]) > 15


# --- the direction of every import --------------------------------------------
# domain <- store <- services <- charts <- reports/interop <- ui, the CLI on top.
# Read statically (every import statement, also those inside functions), so a
# lazy upward import is caught as surely as a top-level one.

import ast  # noqa: E402
from pathlib import Path  # noqa: E402

JOURNAL_DIR = Path(__file__).resolve().parents[1] / "journal"

#: The layer of each part of the package; a module may import its own layer and below.
LAYERS = {
    "journal": 0,  # the package's __init__ (name and version only)
    "journal.paths": 0,
    "journal.resources": 0,
    "journal.errors": 0,  # plain-words error classes, named by every layer
    "journal.fileio": 0,  # atomic file writing
    "journal.logs": 0,
    "journal.pacing": 0,  # background threads letting the window have Python's lock
    "journal.domain": 1,
    "journal.trials": 2,  # registry records and criteria: pure, over the domain's Summary
    "journal.store": 3,
    "journal.services": 4,
    "journal.demo": 4,  # builds a journal through the services
    "journal.synthetic": 4,
    "journal.charts": 5,
    "journal.reports": 6,
    "journal.interop": 6,
    "journal.ui": 7,
    "journal.cli": 8,
    "journal.__main__": 9,
}


def layer_of(module: str) -> tuple[str, int] | None:
    """The most specific part of LAYERS that holds ``module``."""
    parts = module.split(".")
    for n in range(len(parts), 1, -1):  # the bare package name only stands for itself
        key = ".".join(parts[:n])
        if key in LAYERS:
            return key, LAYERS[key]
    return (module, LAYERS[module]) if module in LAYERS else None


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            if "." in name:
                found.append((node.lineno, name))
            else:  # `from journal import cli` imports journal.cli, not only journal
                found += [(node.lineno, f"{name}.{a.name}") for a in node.names]
    return found


def upward_imports(root: Path = JOURNAL_DIR) -> list[str]:
    """Every import that points up the layers (or leaves a module without a layer)."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts and path.parent.name == "versions":
            continue
        module = _module_name(path, root)
        own = layer_of(module)
        if own is None:
            problems.append(
                f"{module}: not in any layer (add it to LAYERS in tests/test_layers.py)"
            )
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for lineno, name in _imported(tree, module, path.name == "__init__.py"):
            if name != root.name and not name.startswith(root.name + "."):
                continue
            target = layer_of(name)
            if target is None or target[1] <= own[1]:
                continue
            problems.append(
                f"{module}:{lineno} imports {name} ({target[0]}, layer {target[1]}) "
                f"from layer {own[1]} ({own[0]})"
            )
    return problems


def test_imports_point_down_the_layers():
    problems = upward_imports()
    assert problems == [], "\n".join(problems)


def test_the_guard_catches_an_upward_import(tmp_path):
    pkg = tmp_path / "journal"
    (pkg / "domain").mkdir(parents=True)
    (pkg / "ui").mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "domain" / "__init__.py").write_text("")
    (pkg / "ui" / "__init__.py").write_text("")
    (pkg / "ui" / "view.py").write_text("from journal.domain import summary\n")
    assert upward_imports(pkg) == []
    # A lazy import inside a function is an upward import all the same.
    (pkg / "domain" / "rules.py").write_text("def f():\n    from journal.ui import view\n")
    (pkg / "domain" / "names.py").write_text("from ..ui.view import x\n")
    problems = upward_imports(pkg)
    assert len(problems) == 2, problems
    assert any("journal.domain.rules:2 imports journal.ui (" in p for p in problems)
    assert any("journal.domain.names:1 imports journal.ui.view" in p for p in problems)
    (pkg / "newpart.py").write_text("")
    assert any("journal.newpart: not in any layer" in p for p in upward_imports(pkg))
