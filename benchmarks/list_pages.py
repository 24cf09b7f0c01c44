"""Time to open each record-list page on the 25-year synthetic journal (figures only).

    .venv/bin/python benchmarks/list_pages.py [--runs 5]

Builds the synthetic journal (``journal.synthetic.build_synthetic``) once, then
for each run opens a fresh main window on it and times building and showing the
Side effects, Labs and Treatments pages (the lists read their rows as plain
dicts). Also times reading the rows themselves both ways, ``list_rows`` (one
model object per row) against ``list_dicts``, and prints the medians and ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from journal.services import queries
    from journal.store import models as m
    from journal.store.db import create_journal
    from journal.synthetic import build_synthetic
    from journal.ui.app import AppController
    from journal.ui.main_window import PAGES, MainWindow
    from journal.ui.settings import Settings

    app = QApplication.instance() or QApplication(["bench"])
    tmp = Path(tempfile.mkdtemp())
    path = tmp / "synthetic.sqlite"
    store = create_journal(path, auto_backup=False)
    counts = build_synthetic(store)
    print("synthetic journal:", {k: v for k, v in counts.items() if v})

    for cls in (m.SideEffect, m.LabResult):
        objs, dicts = [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            queries.list_rows(store, cls)
            objs.append(time.perf_counter() - t)
            t = time.perf_counter()
            queries.list_dicts(store, cls)
            dicts.append(time.perf_counter() - t)
        a, b = statistics.median(objs), statistics.median(dicts)
        print(
            f"read {cls.__tablename__:<11} list_rows {a * 1000:7.1f} ms   "
            f"list_dicts {b * 1000:7.1f} ms   ratio {a / b:4.1f}x"
        )
    store.close()

    names = ("side_effects", "labs", "treatments")
    times: dict[str, list[float]] = {n: [] for n in names}
    settings = Settings(QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat))
    for _ in range(args.runs):
        window = MainWindow(settings)
        controller = AppController(window, settings)
        controller.open_path(path)
        window.show()
        # The Overview works out its facts in the background; let it finish first so
        # its drawing is not counted against the page opened next.
        while not getattr(window.page(0), "ready", True):
            app.processEvents()
            time.sleep(0.005)
        app.processEvents()
        for n in names:
            i = next(k for k, p in enumerate(PAGES) if p[1] == n)
            t = time.perf_counter()
            window.go_to(i)
            app.processEvents()
            times[n].append(time.perf_counter() - t)
        window.ctx.close()
        window.ctx = None
        window.close()
        window.deleteLater()
        app.processEvents()
    for n in names:
        print(f"open page {n:<13} median {statistics.median(times[n]) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
