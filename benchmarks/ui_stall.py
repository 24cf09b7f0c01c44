"""The longest time the window stops answering while charts and previews are made.

A fresh app opens the synthetic 25-year journal and waits for the Overview's facts
(and two seconds more, as a person reads them first). Then a timer on the UI thread beats every 10 ms and the longest gap between two
beats is recorded (the window answers nothing in such a gap) while a person's first
minute is replayed: open the Timeline (its chart laid out and rendered), zoom in
three times, pan twice, show the whole history, open the Summary (the report laid
out and its preview painted). Printed per step and overall (target <= 100 ms).

Run: ``.venv/bin/python benchmarks/ui_stall.py [--runs 3] [--journal FILE]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

CHILD = textwrap.dedent(
    """
    import json, os, sys, time
    from PySide6.QtCore import QTimer
    from journal.ui.app import build_window, make_app
    from journal.ui.tasks import collect_garbage_on_ui_thread_only
    app = make_app(["bench"])
    collect_garbage_on_ui_thread_only()  # as journal.ui.app.main does
    window, _c = build_window(path=sys.argv[1])
    window.resize(1200, 800)
    window.show()

    def wait(cond, limit=120.0):
        end = time.monotonic() + limit
        while not cond():
            if time.monotonic() > end:
                raise SystemExit("timed out")
            app.processEvents()
            time.sleep(0.002)

    wait(lambda: getattr(window.page(0), "ready", False))
    for _ in range(20):
        app.processEvents()
    last = [time.perf_counter()]
    t_read = time.perf_counter()
    while time.perf_counter() - t_read < 2.0:  # a person reads the facts a moment
        app.processEvents()
        time.sleep(0.005)
    gaps = {}
    step = ["idle"]

    def beat():
        now = time.perf_counter()
        gaps[step[0]] = max(gaps.get(step[0], 0.0), now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(beat)
    timer.start()

    def settle(seconds=0.3):
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.002)

    def do(name, action, done=lambda: True):
        settle(0.05)
        step[0] = name
        last[0] = time.perf_counter()
        action()
        wait(done)
        settle()
        step[0] = "idle"

    do("open the timeline", lambda: window.go_to(1),
       lambda: getattr(window.page(1), "artists", None) is not None
       and not getattr(window.page(1), "rendering", False))
    view = window.page(1)
    # Drawn on a worker when big: the step ends when its picture is shown.
    shown = lambda: not (getattr(view, "_frame_pending", False)
                         or getattr(view, "rendering", False))
    for i in range(3):
        do(f"zoom in {i + 1}", view.zoom_in, shown)
    do("pan earlier", view.pan_earlier, shown)
    do("pan later", view.pan_later, shown)
    do("whole history", view.show_all, shown)
    do("open the summary", lambda: window.go_to(8),
       lambda: getattr(window.page(8), "is_ready", False))
    gaps.pop("idle", None)
    print("GAPS " + json.dumps(gaps), flush=True)
    os._exit(0)
    """
)


def stall_gaps(journal: Path, env: dict) -> dict[str, float]:
    """One fresh app: the longest gap (seconds) per step."""
    import json

    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(journal)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    for line in out.stdout.splitlines():
        if line.startswith("GAPS "):
            return json.loads(line[5:])
    raise RuntimeError(f"the stall child failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--journal", type=Path, default=None, help="default: a new 25-year one")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tj-stall-"))
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["TREATMENT_JOURNAL_HOME"] = str(folder / "home")
    env["XDG_CONFIG_HOME"] = str(folder / "config")  # never the person's own settings
    journal = args.journal
    if journal is None:
        from journal.services.files import _build_then_move
        from journal.synthetic import build_synthetic

        journal = folder / "synthetic.sqlite"
        _build_then_move(journal, build_synthetic)
    runs = [stall_gaps(journal, env) for _ in range(args.runs)]
    for name in runs[0]:
        values = [r[name] * 1000 for r in runs]
        print(f"{name:20s} longest gap median {statistics.median(values):6.0f} ms")
    worst = statistics.median(max(r.values()) for r in runs)
    print(f"longest UI-thread stall, median of {args.runs}: {worst * 1000:.0f} ms (target <= 100)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
