"""The longest time the window stops answering while charts and previews are made.

A fresh app opens the synthetic 25-year journal and waits for the Overview's facts.
Then a timer on the UI thread beats every 10 ms and the longest gap between two
beats is recorded (the window answers nothing in such a gap) while a person's first
minute is replayed: read the facts for two seconds (the window loads the other pages'
modules meanwhile), open the Timeline (its chart laid out and rendered), zoom in
three times, pan twice, show the whole history, open the Summary (the report laid
out and its preview painted). Printed per step and overall (target <= 100 ms).

Between steps the window waits in Qt's event loop, as the app does (``app.exec()``);
``TJ_STALL_POLL=1`` waits as this script did before, in a Python loop of
processEvents() and 2 ms sleeps that asked for Python's lock 500 times a second and
lengthened the gaps it measured.

``--encrypted`` runs on an encrypted copy, with the idle lock watching for input as it
does by default for an encrypted journal.

Run: ``.venv/bin/python benchmarks/ui_stall.py [--runs 3] [--journal FILE] [--encrypted]``

``TJ_STALL_TRACE=50`` (milliseconds): for each step whose longest gap is longer, print
what every thread was doing around it (a watchdog thread samples the stacks every 2 ms
whenever it gets Python's lock; a gap with no samples inside was one long call that
held the lock: the samples on either side name it), and the CPU time each thread
used in the gap (far less than the gap: the machine was busy elsewhere). With ``TJ_STALL_PROFILE=1`` also
every C call (or stretch without a Python call) over 10 ms in that gap, on any thread
(a profiler on every thread: the Python parts run several times slower).
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
    from pathlib import Path
    from PySide6.QtCore import QEventLoop, QTimer
    from journal.ui.app import build_window, make_app
    from journal.ui.tasks import collect_garbage_on_ui_thread_only
    app = make_app(["bench"])
    collect_garbage_on_ui_thread_only()  # as journal.ui.app.main does
    if os.environ.get("TJ_STALL_PASSPHRASE"):  # --encrypted: opened as the window does
        import tempfile
        from PySide6.QtCore import QSettings
        from journal.ui.settings import Settings
        # Settings of its own: the last run's would reopen the journal and ask for
        # its passphrase in a dialog nobody answers.
        ini = os.path.join(tempfile.mkdtemp(), "settings.ini")
        window, _c = build_window(Settings(QSettings(ini, QSettings.Format.IniFormat)))
        if not _c.open_path(sys.argv[1], passphrase=os.environ["TJ_STALL_PASSPHRASE"]):
            raise SystemExit("the encrypted journal did not open")
    else:
        window, _c = build_window(path=sys.argv[1])
    window.resize(1200, 800)
    window.show()

    POLL = os.environ.get("TJ_STALL_POLL") == "1"  # the old way, for comparison

    def wait(cond, limit=120.0):
        # Until cond(), in Qt's event loop as the app waits (app.exec()): the UI
        # thread holds Python's lock only while Python code runs. Polled every 20 ms;
        # a loop of processEvents() and sleep(2 ms) asked for the lock 500 times a
        # second and stretched every gap it measured (TJ_STALL_POLL=1).
        end = time.monotonic() + limit
        if POLL:
            while not cond():
                if time.monotonic() > end:
                    raise SystemExit("timed out")
                app.processEvents()
                time.sleep(0.002)
            return
        if cond():
            return
        loop = QEventLoop()
        poll = QTimer()
        poll.setInterval(20)
        poll.timeout.connect(lambda: (cond() or time.monotonic() > end) and loop.quit())
        poll.start()
        loop.exec()
        poll.stop()
        if not cond():
            raise SystemExit("timed out")

    wait(lambda: getattr(window.page(0), "ready", False))
    for _ in range(20):
        app.processEvents()
    window.locker.sync_watch()  # the idle lock's watch, as the window's 2 s check starts it
    last = [time.perf_counter()]
    gaps = {}
    worst = {}  # step -> (start, end) of its longest gap
    step = ["idle"]
    samples = None
    if os.environ.get("TJ_STALL_TRACE"):
        import threading, traceback
        samples = []

        def watchdog():  # what every thread was doing, every 2 ms (when it gets the lock)
            me = threading.get_ident()
            while True:
                time.sleep(0.002)
                now = time.perf_counter()
                stacks = {
                    tid: traceback.extract_stack(f)[-12:]
                    for tid, f in sys._current_frames().items() if tid != me
                }
                samples.append((now, stacks))

        threading.Thread(target=watchdog, daemon=True).start()

        long_calls = []  # (start, seconds, thread, what): each C call, or stretch with
        # no Python call or return, longer than 10 ms (Python's lock held throughout)

        def prof(frame, event, arg, _last={}):
            now = time.perf_counter()
            tid = threading.get_ident()
            prev = _last.get(tid)
            if prev is not None and now - prev[1] > 0.010:
                what = (getattr(arg, "__qualname__", repr(arg)[:60])
                        if event in ("c_return", "c_exception") and prev[0] == "c_call"
                        else f"(no call) {prev[0]}->{event}")
                long_calls.append((prev[1], now - prev[1], tid,
                    f"{what} at {Path(frame.f_code.co_filename).name}:{frame.f_lineno}"
                    f" {frame.f_code.co_name} (after {prev[2]})"))
            _last[tid] = (event, time.perf_counter(),
                          f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno}"
                          f" {frame.f_code.co_name}")

        from journal.ui import tasks as _tasks
        _run = _tasks._Runnable.run

        def run(self):
            sys.setprofile(prof)
            try:
                _run(self)
            finally:
                sys.setprofile(None)

        import gc
        collections = []  # (start, seconds, generation) of each garbage collection
        _gc_start = [0.0]

        def on_gc(phase, info):
            if phase == "start":
                _gc_start[0] = time.perf_counter()
            else:
                collections.append((_gc_start[0], time.perf_counter() - _gc_start[0],
                                    info["generation"]))

        gc.callbacks.append(on_gc)
        if os.environ.get("TJ_STALL_PROFILE"):  # slows Python down: for the C calls only
            _tasks._Runnable.run = run
            threading.setprofile(prof)
            sys.setprofile(prof)

    cpu_last = [None]
    cpu_worst = {}  # step -> CPU ms per thread (and the process) in its longest gap

    def cpus():
        out = {"process": time.clock_gettime(time.CLOCK_PROCESS_CPUTIME_ID)}
        for tid in sys._current_frames():
            try:
                out[tid] = time.clock_gettime(time.pthread_getcpuclockid(tid))
            except (AttributeError, OSError):  # no per-thread clocks here
                pass
        return out

    def beat():
        now = time.perf_counter()
        c = cpus() if samples is not None else None
        if now - last[0] > gaps.get(step[0], 0.0):
            gaps[step[0]] = now - last[0]
            worst[step[0]] = (last[0], now)
            if c is not None and cpu_last[0] is not None:
                ui = threading.main_thread().ident
                prev = cpu_last[0]
                cpu_worst[step[0]] = {
                    ("UI" if k == ui else k): 1000 * (v - prev[k])
                    for k, v in c.items() if k in prev and v - prev[k] >= 0.0005
                }
        last[0] = now
        cpu_last[0] = c

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(beat)
    timer.start()

    def settle(seconds=0.3):
        if POLL:
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                app.processEvents()
                time.sleep(0.002)
            return
        loop = QEventLoop()
        QTimer.singleShot(round(seconds * 1000), loop.quit)
        loop.exec()

    def do(name, action, done=lambda: True):
        settle(0.05)
        step[0] = name
        last[0] = time.perf_counter()
        action()
        wait(done)
        settle()
        step[0] = "idle"

    # A person reads the facts a moment; the window loads the other pages' modules
    # meanwhile (main_window.warm_up_pages), which counts too.
    step[0] = "read the facts"
    last[0] = time.perf_counter()
    settle(2.0)
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
    if samples:
        ui = threading.main_thread().ident
        for name, (a, b) in worst.items():
            if name == "idle" or b - a < float(os.environ["TJ_STALL_TRACE"]) / 1000:
                continue
            print(f"=== {name}: gap {1000 * (b - a):.0f} ms", file=sys.stderr)
            # CPU time used in the gap: about the gap's length on a quiet machine; much
            # less means the process waited for the CPU (other programs), not for itself.
            # A thread made or ended within the gap is not counted.
            used = ", ".join(f"{k if k in ('UI', 'process') else 'thread ' + str(k)[-4:]}"
                             f" {v:.0f}" for k, v in cpu_worst.get(name, {}).items())
            print(f"  CPU ms in the gap: {used}", file=sys.stderr)
            for t, d, g in collections:
                if t < b and t + d > a and d > 0.002:
                    print(f"  collection of generation {g} +{1000 * (t - a):.1f} ms"
                          f" {1000 * d:.1f} ms", file=sys.stderr)
            for t, d, tid, what in long_calls:
                if t < b and t + d > a:
                    who = "UI" if tid == ui else tid
                    print(f"  long call [{who}] +{1000 * (t - a):.1f} ms {1000 * d:.1f} ms {what}",
                          file=sys.stderr)
            around = [s for s in samples if a - 0.004 <= s[0] <= b + 0.015]
            for t, stacks in around:
                print(f"--- sample at +{1000 * (t - a):.1f} ms", file=sys.stderr)
                for tid, st in stacks.items():
                    who = "UI" if tid == ui else tid
                    frames = " < ".join(
                        f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(st)
                    )
                    print(f"  [{who}] {frames}", file=sys.stderr)
    print("GAPS " + json.dumps(gaps), flush=True)
    os._exit(0)
    """
)


_WARMED: set[str] = set()


def _warm_bytecode(journal: Path, env: dict) -> None:
    """One untimed run first, which fills the children's bytecode cache, as an installed
    copy has it (pip compiles on install). Without a cache (a development shell often
    sets PYTHONDONTWRITEBYTECODE) every module the Summary loads is compiled from source
    while it opens, each one call that holds Python's lock for up to a tenth of a second:
    a stall no installed app has. (With ``PYTHONPYCACHEPREFIX`` the libraries' own
    bytecode is looked for there too, so the whole first run compiles.)"""
    prefix = env.get("PYTHONPYCACHEPREFIX")
    if env.get("PYTHONDONTWRITEBYTECODE") or prefix in _WARMED:
        return
    _WARMED.add(prefix)
    stall_gaps(journal, env)


def stall_gaps(journal: Path, env: dict) -> dict[str, float]:
    """One fresh app: the longest gap (seconds) per step."""
    import json

    _warm_bytecode(journal, env)

    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(journal)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if env.get("TJ_STALL_TRACE"):
        sys.stderr.write(out.stderr)
    for line in out.stdout.splitlines():
        if line.startswith("GAPS "):
            return json.loads(line[5:])
    raise RuntimeError(f"the stall child failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--journal", type=Path, default=None, help="default: a new 25-year one")
    ap.add_argument(
        "--encrypted",
        action="store_true",
        help="an encrypted copy of the journal, with the idle lock watching (its default)",
    )
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tj-stall-"))
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["TREATMENT_JOURNAL_HOME"] = str(folder / "home")
    env["XDG_CONFIG_HOME"] = str(folder / "config")  # never the person's own settings
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # see _warm_bytecode
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    journal = args.journal
    if journal is None:
        from journal.services.files import _build_then_move
        from journal.synthetic import build_synthetic

        journal = folder / "synthetic.sqlite"
        _build_then_move(journal, build_synthetic)
    if args.encrypted:
        import shutil

        from journal.store.encryption import encrypt_journal

        copy = folder / "encrypted.sqlite"
        shutil.copy(journal, copy)
        encrypt_journal(copy, "benchmark passphrase, not a secret")
        journal = copy
        env["TJ_STALL_PASSPHRASE"] = "benchmark passphrase, not a secret"
        # A home of its own: the plain journal's backups there would be offered for
        # encryption in a dialog nobody answers.
        env["TREATMENT_JOURNAL_HOME"] = str(folder / "home-encrypted")
    runs = [stall_gaps(journal, env) for _ in range(args.runs)]
    for name in runs[0]:
        values = [r[name] * 1000 for r in runs]
        print(f"{name:20s} longest gap median {statistics.median(values):6.0f} ms")
    worst = statistics.median(max(r.values()) for r in runs)
    print(f"longest UI-thread stall, median of {args.runs}: {worst * 1000:.0f} ms (target <= 100)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
