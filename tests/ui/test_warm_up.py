"""The window loads the other pages' modules while the person reads the Overview, so
that opening the Summary or the Timeline does not wait for them (each module loaded
there holds Python's lock on the worker while the window is opening the page)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from journal.ui import main_window

# A fresh process: in this one every module is loaded long before.
CHILD = textwrap.dedent(
    """
    import json, sys, time
    from journal.ui.app import build_window, make_app

    app = make_app(["test"])
    window, _controller = build_window(path=sys.argv[1])
    window.show()

    def wait(cond, limit=60.0):
        end = time.monotonic() + limit
        while not cond():
            if time.monotonic() > end:
                raise SystemExit("timed out")
            app.processEvents()
            time.sleep(0.005)

    wait(lambda: getattr(window.ctx, "_long_lived_frozen", False))  # warm-up done
    before = set(sys.modules)
    window.go_to(8)
    wait(lambda: getattr(window.page(8), "is_ready", False))
    summary_type = type(window.page(8)).__name__
    window.go_to(1)
    wait(lambda: getattr(window.page(1), "artists", None) is not None
         and not getattr(window.page(1), "rendering", False))
    late = sorted(
        n for n in set(sys.modules) - before
        if n.startswith(("journal.", "matplotlib.", "PySide6.", "xml."))
    )
    print("RESULT " + json.dumps({"late": late, "summary": summary_type}), flush=True)
    window.close()
    """
)


@pytest.mark.slow
def test_summary_and_timeline_load_nothing_after_the_warm_up(demo_master, tmp_path):
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        TREATMENT_JOURNAL_HOME=str(tmp_path / "home"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(demo_master)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    assert line is not None, out.stderr[-3000:]
    result = json.loads(line[len("RESULT ") :])
    # Built at once, not the placeholder shown while its modules load.
    assert result["summary"] == "SummaryView"
    assert result["late"] == []


def test_warm_up_loads_each_module_once_then_carries_on(qtbot, monkeypatch):
    loaded: list[str] = []
    real = main_window.importlib.import_module

    def record(name, *a, **kw):
        if name in warmed:  # not the libraries' own calls meanwhile
            loaded.append(name)
        if name == "journal.no_such_module":
            raise ImportError(name)
        return real(name, *a, **kw)

    monkeypatch.setattr(main_window, "_WARMED", [])
    monkeypatch.setattr(
        main_window, "WARM_UP_MODULES", (*main_window.WARM_UP_MODULES, "journal.no_such_module")
    )
    warmed = set(main_window.WARM_UP_MODULES)
    monkeypatch.setattr(main_window.importlib, "import_module", record)
    done: list[int] = []
    main_window.warm_up_pages(lambda: done.append(1))
    qtbot.waitUntil(lambda: done == [1], timeout=30000)
    # One that cannot be loaded is skipped (logged); the rest are still loaded.
    assert loaded == list(main_window.WARM_UP_MODULES)
    main_window.warm_up_pages(lambda: done.append(2))  # a second journal: not again
    assert done == [1, 2]
    assert loaded == list(main_window.WARM_UP_MODULES)
