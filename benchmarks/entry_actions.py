"""How many key presses and clicks does the reference history take? (issue 10)

Drives the real main window with QTest, keyboard first, the way a caregiver types a
history from a clinic letter into a new journal:

    diagnosed March 2019, IgG kappa; VRd from April 2019, 4 cycles; ASCT Sept 2019 after
    melphalan 200 mg/m2; lenalidomide maintenance from Nov 2019 until progression in
    Feb 2022; DPd from March 2022, stopped Jan 2024 for progression; grade 2 peripheral
    neuropathy from bortezomib from June 2019; M-protein 3.1 g/dL at diagnosis, 0.2 in
    Jan 2020, 0.9 in Feb 2022.

Every typed character is one action, every key chord (Ctrl+T, Alt+T, Tab, Enter) one
action, every click one action. Nothing is filled in behind the person's back: each
field gets its text through key events sent to the widget that has the focus. At the
end the Overview is opened (one more action) and checked: 2 lines; refractory to
lenalidomide, daratumumab and pomalidomide; triple-class exposed.

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/entry_actions.py``
(or under ``xvfb-run -a``). Prints each step's count and, last, ``actions: N``
(target N <= 150; before issue 10 it was about 400).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_HOME = tempfile.mkdtemp(prefix="tj-bench-entry-")
os.environ["TREATMENT_JOURNAL_HOME"] = _HOME  # never the person's real journal

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
K = Qt.Key


class Driver:
    """Sends keys to whatever has the focus, as a person's keyboard does, and counts."""

    def __init__(self, app: QApplication, window):
        self.app, self.window = app, window
        self.actions = 0
        self.steps: list[tuple[str, int]] = []
        self._mark = 0

    def target(self):
        target = QApplication.focusWidget() or QApplication.activeWindow()
        if os.environ.get("BENCH_DEBUG"):
            print("  ->", type(target).__name__, getattr(target, "accessibleName", str)())
        return target or QApplication.activeModalWidget() or self.window

    def type(self, text: str) -> None:
        for ch in text:
            QTest.keyClicks(self.target(), ch)
            self.actions += 1
        QTest.qWait(5)

    def key(self, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        self.actions += 1
        QTest.keyClick(self.target(), key, modifier)
        # Qt presses a button reached by Alt+letter "visibly" for 100 ms; a person is slower.
        QTest.qWait(400 if modifier == ALT else 5)

    def click(self, widget) -> None:
        self.actions += 1
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
        QTest.qWait(5)

    def in_dialog(self, open_it, fill) -> None:
        """``open_it()`` opens a modal form (its exec() blocks); ``fill(dialog)`` runs inside."""
        failure: list[BaseException] = []
        opened: list = []

        def run():
            dlg = QApplication.activeModalWidget()
            if dlg is None:
                if len(opened) < 500:  # ten seconds on a busy machine
                    opened.append(None)
                    QTimer.singleShot(20, run)
                return
            opened.append(dlg)
            dlg.activateWindow()
            QTest.qWait(20)
            try:
                fill(dlg)
            except BaseException as exc:  # reported after the dialog is gone
                failure.append(exc)
            if dlg.isVisible():
                text = getattr(getattr(dlg, "top_error", None), "text", lambda: "")()
                errors = getattr(dlg, "errors", {})
                text += " " + "; ".join(f"{k}: {v.text()}" for k, v in errors.items() if v.text())
                failure.append(AssertionError(f"{dlg.windowTitle()} still open: {text}"))
                dlg.done(0)

        QTimer.singleShot(50, run)
        open_it()
        # A window manager gives the focus back to the main window; offscreen Qt does not.
        self.window.activateWindow()
        QTest.qWaitForWindowActive(self.window)
        QTest.qWait(20)
        if not opened or opened[-1] is None:
            raise AssertionError("the form did not open")
        if failure:
            raise failure[0]

    def step(self, name: str) -> None:
        self.steps.append((name, self.actions - self._mark))
        self._mark = self.actions


def enter_reference_history(d: Driver, window) -> None:
    # -- diagnosis: About me & diagnosis (its Ctrl+digit), the Diagnosis tab, Add ----------
    from journal.ui.main_window import PAGES, page_shortcut

    about = next(i for i, p in enumerate(PAGES) if p[1] == "about")
    d.key(getattr(K, f"Key_{page_shortcut(about)[-1]}"), CTRL)
    d.key(K.Key_Tab, CTRL)  # the next tab: Diagnosis

    def diagnosis(dlg):
        d.type("3/2019")
        d.key(K.Key_Tab)
        d.type("i")  # IgG
        d.key(K.Key_Tab)
        d.type("k")  # kappa
        d.key(K.Key_Return)

    d.in_dialog(lambda: d.key(K.Key_A, ALT), diagnosis)
    d.step("diagnosis (March 2019, IgG kappa)")

    # -- line 1: VRd, transplant after melphalan 200, lenalidomide maintenance ------------
    def line_one(dlg):
        d.type("vrd")
        d.key(K.Key_Return)  # takes VRd, on to the start date
        d.type("4/2019")
        d.key(K.Key_Tab)
        d.type("2/2022")  # when all of it stopped
        d.key(K.Key_Tab)
        d.type("4")  # cycles
        d.key(K.Key_T, ALT)  # transplant: melphalan 200 mg/m2 is filled in
        d.type("9/2019")
        d.key(K.Key_M, ALT)  # maintenance: lenalidomide is filled in
        d.type("11/2019")
        d.key(K.Key_P, ALT)  # ended by progression (on the stop date)
        d.key(K.Key_Return)

    d.in_dialog(lambda: d.key(K.Key_T, CTRL), line_one)
    d.step("line 1: VRd + ASCT (melphalan 200) + lenalidomide maintenance, progression")

    # -- line 2: DPd ----------------------------------------------------------------------
    def line_two(dlg):
        d.type("dpd")
        d.key(K.Key_Return)
        d.type("3/2022")
        d.key(K.Key_Tab)
        d.type("1/2024")
        d.key(K.Key_P, ALT)
        d.key(K.Key_Return)

    d.in_dialog(lambda: d.key(K.Key_T, CTRL), line_two)
    d.step("line 2: DPd until progression")

    # -- side effect: grade 2 peripheral neuropathy from bortezomib -----------------------
    d.key(K.Key_5, CTRL)

    def side_effect(dlg):
        d.type("tingling")
        d.key(K.Key_Return)  # to the matching side effects
        d.key(K.Key_Return)  # this one; on to the grades
        d.key(K.Key_Tab)  # grade 2
        d.key(K.Key_Space)  # chosen; on to when it started
        d.type("6/2019")
        # Tab on past the fields left empty (gone since, during which regimen, in your own
        # words) to the drugs it is blamed on; every Tab counts.
        for _ in range(12):
            d.key(K.Key_Tab)
            if d.target() is getattr(dlg, "drug_choices", None):
                break
        d.key(K.Key_Space)  # bortezomib is the first drug
        d.key(K.Key_Return, CTRL)

    d.in_dialog(lambda: d.key(K.Key_A, ALT), side_effect)
    d.step("side effect: grade 2 neuropathy from bortezomib")

    # -- blood tests ----------------------------------------------------------------------
    d.key(K.Key_6, CTRL)
    for date, value in (("3/2019", "3.1"), ("1/2020", "0.2"), ("2/2022", "0.9")):

        def blood_test(dlg, date=date, value=value):
            d.type(date)
            d.key(K.Key_Return)  # on to the first result: M-protein
            d.type(value)
            d.key(K.Key_Return, CTRL)

        d.in_dialog(lambda: d.key(K.Key_A, ALT), blood_test)
    d.step("3 blood tests (M-protein)")

    d.key(K.Key_1, CTRL)  # look at the Overview
    d.step("open the Overview")


def check_overview(window, app) -> list[str]:
    from journal.ui.overview import OverviewPage

    page = window.page(0)
    assert isinstance(page, OverviewPage)
    for _ in range(400):  # worked out in the background
        if page.ready:
            break
        QTest.qWait(25)
    facts = {k: lab.text() for k, lab in page.value_labels.items()}
    problems = []
    if not facts.get("lines", "").startswith("2 lines"):
        problems.append(f"lines: {facts.get('lines')!r}")
    for drug in ("lenalidomide", "daratumumab", "pomalidomide"):
        if drug not in facts.get("refractory", "").lower():
            problems.append(f"not refractory to {drug}: {facts.get('refractory')!r}")
    if "triple-class exposed" not in facts.get("labels", ""):
        problems.append(f"not triple-class exposed: {facts.get('labels')!r}")
    # and the records themselves, as typed
    from journal.store import models as m

    ctx = window.ctx
    dx = ctx.rows(m.Diagnosis)
    if [(r["date"], r["heavy_chain"], r["light_chain"]) for r in dx] != [
        ("2019-03", "IgG", "kappa")
    ]:
        problems.append(f"diagnosis: {dx}")
    labs = sorted((r["date"], r["test"], r["value"], r["unit"]) for r in ctx.rows(m.LabResult))
    if labs != [
        ("2019-03", "m_protein", 3.1, "g/dL"),
        ("2020-01", "m_protein", 0.2, "g/dL"),
        ("2022-02", "m_protein", 0.9, "g/dL"),
    ]:
        problems.append(f"blood tests: {labs}")
    se = ctx.rows(m.SideEffect)
    blamed = [r["drug_id"] for r in ctx.rows(m.SideEffectDrug)]
    if [(r["grade"], r["onset"]) for r in se] != [(2, "2019-06")] or blamed != ["bortezomib"]:
        problems.append(f"side effect: {se} blamed on {blamed}")
    if "neuropathy" not in (se[0]["term"].lower() if se else ""):
        problems.append(f"side effect term: {se}")
    return problems


def main() -> int:
    from journal.store.db import create_journal
    from journal.ui.app import build_window, make_app
    from journal.ui.settings import Settings

    app = make_app(["bench"])
    path = Path(_HOME) / "reference.sqlite"
    create_journal(path).close()
    settings = Settings(QSettings(str(Path(_HOME) / "settings.ini"), QSettings.Format.IniFormat))
    window, _controller = build_window(settings, path=str(path))
    window.show()
    QTest.qWaitForWindowExposed(window)
    window.activateWindow()
    QTest.qWait(100)
    d = Driver(app, window)
    enter_reference_history(d, window)
    problems = check_overview(window, app)
    for name, n in d.steps:
        print(f"{n:4d}  {name}")
    if problems:
        print("Overview is not right: " + "; ".join(problems))
    window.close()
    print(f"actions: {d.actions}")
    return 1 if problems or d.actions > 150 else 0


if __name__ == "__main__":
    sys.exit(main())
