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
