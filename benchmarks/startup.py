"""Cold start to a drawn main window, against the framework floor.

The app: a fresh Python process opens the synthetic 25-year journal
(``journal.synthetic.build_synthetic``) and shows the main window; the time is
taken at the window's first paint. The floor: a fresh process showing a bare
QMainWindow with a matplotlib ``FigureCanvasQTAgg`` and an open SQLModel engine
on the same file. Both run several times, alternating; medians and the ratio
are printed (target: ratio <= 1.25). The Overview's facts are worked out in the
background after the window is drawn; the time until they are on screen is
printed too.

Run: ``.venv/bin/python benchmarks/startup.py [--runs 7]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

PAINT_PROBE = textwrap.dedent(
    """
    import sys, time
    from PySide6.QtCore import QEvent, QObject, QTimer
    class _Probe(QObject):
        def eventFilter(self, obj, ev):
            if (ev.type() == QEvent.Type.Paint and not getattr(self, "done", False)
                    and obj.isWidgetType() and obj.window() is window):
                self.done = True
                QTimer.singleShot(0, lambda: (print(f"DRAWN {time.time():.6f}", flush=True),
                                              __import__("os")._exit(0)))
            return False
    """
)

APP_CHILD = PAINT_PROBE + textwrap.dedent(
    """
    from journal.ui.app import build_window, make_app
    from journal.ui.tasks import collect_garbage_on_ui_thread_only
    app = make_app(["bench"])
    collect_garbage_on_ui_thread_only()  # as journal.ui.app.main does
    window, _controller = build_window(path=sys.argv[1])
    probe = _Probe()
    app.installEventFilter(probe)
    window.show()
    app.exec()
    """
)

APP_FACTS_CHILD = textwrap.dedent(
    """
    import sys, time, os
    from PySide6.QtCore import QTimer
    from journal.ui.app import build_window, make_app
    from journal.ui.tasks import collect_garbage_on_ui_thread_only
    app = make_app(["bench"])
    collect_garbage_on_ui_thread_only()  # as journal.ui.app.main does
    window, _controller = build_window(path=sys.argv[1])
    window.show()
    def poll():
        page = window.page(0)
        # The first screen of facts (the rest are added just after, below the fold).
        if getattr(page, "first_shown", getattr(page, "ready", False)):
            app.processEvents()
            print(f"DRAWN {time.time():.6f}", flush=True)
            os._exit(0)
        QTimer.singleShot(5, poll)
    QTimer.singleShot(0, poll)
    app.exec()
    """
)

FLOOR_CHILD = PAINT_PROBE + textwrap.dedent(
    """
    from PySide6.QtWidgets import QApplication, QMainWindow
    from matplotlib.figure import Figure
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
    from sqlmodel import create_engine
    app = QApplication(["bench"])
    engine = create_engine(f"sqlite:///{sys.argv[1]}")
    with engine.connect() as conn:
        conn.exec_driver_sql("select count(*) from sqlite_master").all()
    window = QMainWindow()
    window.setCentralWidget(FigureCanvasQTAgg(Figure()))
    window.resize(1200, 800)
    probe = _Probe()
    app.installEventFilter(probe)
    window.show()
    app.exec()
    """
)


def build_journal(folder: Path) -> tuple[Path, str]:
    from journal.store.db import create_journal

    path = folder / "synthetic.sqlite"
    store = create_journal(path)
    try:
        try:
            from journal.synthetic import build_synthetic
        except ImportError:
            from journal.demo import build_demo

            build_demo(store)
            what = "demo journal (journal.synthetic not available yet)"
        else:
            build_synthetic(store)
            what = "synthetic 25-year journal"
    finally:
        store.close()
    return path, what


def run_child(code: str, path: Path, env: dict) -> float:
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], env=env, capture_output=True, text=True, timeout=60
    )
    for line in out.stdout.splitlines():
        if line.startswith("DRAWN "):
            return float(line.split()[1]) - start
    raise RuntimeError(f"child did not draw:\n{out.stdout}\n{out.stderr}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        path, what = build_journal(folder)
        print(f"journal: {what}, built in {time.perf_counter() - t0:.2f} s")
        env = dict(os.environ)
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        env["TREATMENT_JOURNAL_HOME"] = str(folder / "home")
        env["XDG_CONFIG_HOME"] = str(folder / "config")  # never the user's settings
        run_child(FLOOR_CHILD, path, env)  # warm the OS file cache for both
        run_child(APP_CHILD, path, env)
        app_times, floor_times, facts_times = [], [], []
        for _ in range(args.runs):
            floor_times.append(run_child(FLOOR_CHILD, path, env))
            app_times.append(run_child(APP_CHILD, path, env))
            facts_times.append(run_child(APP_FACTS_CHILD, path, env))
        app_med, floor_med = statistics.median(app_times), statistics.median(floor_times)
        print(f"runs: {args.runs} each, alternating")
        print(
            f"app   start to drawn window: median {app_med * 1000:.0f} ms "
            f"(min {min(app_times) * 1000:.0f}, max {max(app_times) * 1000:.0f})"
        )
        print(
            f"floor start to drawn window: median {floor_med * 1000:.0f} ms "
            f"(min {min(floor_times) * 1000:.0f}, max {max(floor_times) * 1000:.0f})"
        )
        facts_med = statistics.median(facts_times)
        print(
            f"app   start to Overview facts shown (worked out in the background): median "
            f"{facts_med * 1000:.0f} ms ({facts_med / floor_med:.2f}x floor)"
        )
        ratio = app_med / floor_med
        print(
            f"ratio app/floor: {ratio:.2f} (target <= 1.25) -> {'OK' if ratio <= 1.25 else 'OVER'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
