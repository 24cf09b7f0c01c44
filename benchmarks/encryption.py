"""What encryption costs: the 25-year synthetic journal, plain vs encrypted (SQLCipher 4).

1. open + summary + close, in one process (median of N, alternating plain/encrypted):
   open_journal (checks, seal), load_history, build_summary, close (seal). Encrypted is
   timed twice: with the passphrase (includes the deliberate ~0.5 s key derivation,
   PBKDF2-HMAC-SHA512 x 256 000, paid once per open) and with the key already derived
   (what every further connection, backup and check costs). Target: <= 1.3x plain.
2. Start of a fresh process to the passphrase prompt drawn, vs the plain journal's
   start to its drawn window (benchmarks/startup.py's probe).
3. A backup (verified copy) plain vs encrypted.

Run: ``.venv/bin/python benchmarks/encryption.py [--runs 5]``. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import APP_CHILD, build_journal

PASS = "benchmark passphrase with five words"

PROMPT_CHILD = textwrap.dedent(
    """
    import sys, time, os
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication
    class _Probe(QObject):
        def eventFilter(self, obj, ev):
            if ev.type() == QEvent.Type.Paint and obj.isWidgetType():
                from journal.ui.privacy import PassphraseDialog
                if isinstance(obj.window(), PassphraseDialog) and not getattr(self, "done", 0):
                    self.done = 1
                    QTimer.singleShot(0, lambda: (print(f"DRAWN {time.time():.6f}", flush=True),
                                                  os._exit(0)))
            return False
    from journal.ui.app import build_window, make_app
    from journal.ui.tasks import collect_garbage_on_ui_thread_only
    app = make_app(["bench"])
    collect_garbage_on_ui_thread_only()  # as journal.ui.app.main does
    probe = _Probe()
    app.installEventFilter(probe)
    window, _controller = build_window(path=sys.argv[1])
    app.exec()
    """
)


def _median_ms(xs: list[float]) -> float:
    return statistics.median(xs) * 1000


def open_and_summary(path: Path, passphrase) -> float:
    from journal.domain.summary import build_summary
    from journal.services.queries import load_history
    from journal.store.db import open_journal

    t = time.perf_counter()
    store = open_journal(path, auto_backup=False, passphrase=passphrase)
    try:
        build_summary(load_history(store))
    finally:
        store.close()
    return time.perf_counter() - t


def run_child(code: str, path: Path, env: dict) -> float:
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], env=env, capture_output=True, text=True, timeout=90
    )
    for line in out.stdout.splitlines():
        if line.startswith("DRAWN "):
            return float(line.split()[1]) - start
    raise RuntimeError(f"child did not draw:\n{out.stdout}\n{out.stderr}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    from journal.store import crypto
    from journal.store.backup import backup_file
    from journal.store.encryption import encrypt_journal

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        plain, what = build_journal(folder)
        enc = folder / "encrypted.sqlite"
        shutil.copy(plain, enc)
        t = time.perf_counter()
        encrypt_journal(enc, PASS)
        encrypt_s = time.perf_counter() - t
        print(
            f"journal: {what}, {plain.stat().st_size / 1e6:.1f} MB plain, "
            f"{enc.stat().st_size / 1e6:.1f} MB encrypted (encrypting took {encrypt_s:.2f} s)"
        )
        t = time.perf_counter()
        key = crypto.unlock_key(enc, PASS)
        kdf = time.perf_counter() - t
        print(f"key derivation + check (once per open with a passphrase): {kdf * 1000:.0f} ms")

        # 1. open + summary + close
        open_and_summary(plain, None)  # warm caches and imports
        open_and_summary(enc, key)
        p_t, e_t, k_t = [], [], []
        for _ in range(args.runs):
            p_t.append(open_and_summary(plain, None))
            k_t.append(open_and_summary(enc, key))
            e_t.append(open_and_summary(enc, PASS))
        p, k, e = _median_ms(p_t), _median_ms(k_t), _median_ms(e_t)
        print(f"\nopen + summary + close (median of {args.runs}):")
        print(f"  plain                                 {p:8.0f} ms")
        print(
            f"  encrypted, key derived                {k:8.0f} ms  ratio {k / p:.2f}x"
            f" (target <= 1.3x) -> {'OK' if k / p <= 1.3 else 'OVER'}"
        )
        print(
            f"  encrypted, from the passphrase        {e:8.0f} ms  ratio {e / p:.2f}x"
            " (includes the deliberate key derivation)"
        )

        # 3. a verified backup
        def timed_backup(path, k=None) -> float:
            t = time.perf_counter()
            backup_file(path, "manual", key=k)
            return time.perf_counter() - t

        bp = _median_ms([timed_backup(plain) for _ in range(args.runs)])
        be = _median_ms([timed_backup(enc, key) for _ in range(args.runs)])
        print(f"\nverified backup: plain {bp:.0f} ms, encrypted {be:.0f} ms, ratio {be / bp:.2f}x")

        # 2. start to the passphrase prompt vs start to the plain window
        env = dict(os.environ)
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        env["TREATMENT_JOURNAL_HOME"] = str(folder / "home")
        env["XDG_CONFIG_HOME"] = str(folder / "config")
        run_child(APP_CHILD, plain, env)  # warm
        run_child(PROMPT_CHILD, enc, env)
        win, prompt = [], []
        for _ in range(args.runs):
            win.append(run_child(APP_CHILD, plain, env))
            prompt.append(run_child(PROMPT_CHILD, enc, env))
        w, pr = _median_ms(win), _median_ms(prompt)
        print(f"\nfresh start (median of {args.runs}):")
        print(f"  plain journal: start to drawn window          {w:8.0f} ms")
        print(f"  encrypted journal: start to passphrase prompt {pr:8.0f} ms  ({pr / w:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
