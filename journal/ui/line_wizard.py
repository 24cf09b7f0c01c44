"""Add a line of therapy: one guided form, one undoable step.

Asks what a person knows, in the order they know it: the treatment (a forgiving
look-up: "VRd", "dara pom dex", "Revlimid"), when it started and stopped,
whether a transplant or CAR-T was part of it (the preparation and the infusion
together, in time order), maintenance, the best response if known, and how it
ended. Saving calls :func:`journal.services.line_entry.add_line_of_therapy`
once; every record it makes stays editable in the lists afterwards.

Keyboard first: one Enter takes the highlighted suggestion and moves to the
start date; Alt+T / Alt+R choose transplant or CAR-T and jump to its date;
Alt+M adds maintenance and jumps to its start; Alt+P marks progression; Enter
anywhere else saves.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from journal.domain import vocab
from journal.store import models as m
from journal.ui import fields as fw
from journal.ui.editors import explain_error
from journal.ui.special_editors import (
    ArrowsMove,
    match_drug_ids,
    match_regimen_name,
    suggestion_text,
)
from journal.ui.unsaved import GuardedForm

CONDITIONING_DEFAULT = "melphalan 200 mg/m\u00b2"
LYMPHODEPLETION_DEFAULT = "fludarabine + cyclophosphamide"

ENDINGS = [  # (button text, ChangeReason value or None)
    ("Still &going / not known", None),
    ("&Progression (stopped working)", "progression"),
    ("Plan &completed", "plan completed"),
    ("Side &effects", "side effects (toxicity)"),
    ("Other reason", "other"),
]


def _error_label(name: str) -> QLabel:
    lab = QLabel()
    lab.setProperty("role", "error")
    lab.setWordWrap(True)
    lab.setAccessibleName(f"{name}: problem")
    lab.hide()
    return lab


class LookupField(QWidget):
    """A forgiving catalog look-up: type, see suggestions, one Enter takes the highlighted
    one (Up/Down choose another). ``only`` filters matches (e.g. CAR-T products)."""

    chosen = Signal(object)

    def __init__(self, name: str, placeholder: str, only=None, parent=None):
        super().__init__(parent)
        self.only = only
        self.match = None
        self.edit = QLineEdit()
        self.edit.setAccessibleName(name)
        self.edit.setPlaceholderText(placeholder)
        self.edit.setToolTip(
            "Type a regimen's short name or the drugs' names, brands or shorthand; "
            "Enter takes the highlighted suggestion, Up and Down choose another."
        )
        self.list = QListWidget()
        self.list.setAccessibleName(f"{name}: suggestions")
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # chosen from the field itself
        self.list.setMaximumHeight(self.fontMetrics().height() * 5 + 8)
        self.list.hide()
        self.reading = QLabel()
        self.reading.setProperty("role", "hint")
        self.reading.setWordWrap(True)
        self.reading.setAccessibleName(f"{name}: chosen")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.edit)
        lay.addWidget(self.list)
        lay.addWidget(self.reading)
        self.setFocusProxy(self.edit)
        self.edit.textEdited.connect(self._suggest)
        ArrowsMove(self.edit, self.list)
        fw.EnterDoes(self.edit, self.take)
        self.list.itemClicked.connect(lambda _i: self.take())

    def _suggest(self, text: str) -> None:
        from journal.domain.catalog import get_catalog

        self.match = None
        self.reading.clear()
        self.list.clear()
        for mt in get_catalog().lookup(text, limit=12):
            if self.only is not None and not self.only(mt):
                continue
            item = QListWidgetItem(suggestion_text(mt))
            item.setData(Qt.ItemDataRole.UserRole, mt)
            self.list.addItem(item)
        self.list.setVisible(self.list.count() > 0)
        if self.list.count():
            self.list.setCurrentRow(0)

    def take(self) -> bool:
        """Use the highlighted suggestion; False when there is none."""
        item = self.list.currentItem()
        if item is None:
            return False
        self.set_match(item.data(Qt.ItemDataRole.UserRole))
        self.chosen.emit(self.match)
        return True

    def set_match(self, match) -> None:
        from journal.domain.catalog import get_catalog

        self.match = match
        self.list.clear()
        self.list.hide()
        self.edit.setText(match_regimen_name(match))
        names = ", ".join(get_catalog().drug(i).generic for i in match_drug_ids(match))
        self.reading.setText(f"= {names}")

    def ensure_match(self) -> bool:
        """Before saving: typed but not yet chosen -> take the highlighted suggestion."""
        if self.match is None and self.edit.text().strip():
            if not self.list.count():
                self._suggest(self.edit.text())
            return self.take()
        return self.match is not None


def _car_t(match) -> bool:
    from journal.domain.catalog import get_catalog

    if match.kind != "drug":
        ids = match_drug_ids(match)
        return len(ids) == 1 and get_catalog().drug(ids[0]).modality == "CAR-T"
    return get_catalog().drug(match.id).modality == "CAR-T"


class LineOfTherapyDialog(GuardedForm, QDialog):
    """Add a line of therapy with everything that was part of it."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.saved_change = None
        self.setWindowTitle("Add a line of therapy")
        self.setAccessibleName(self.windowTitle())
        outer = QVBoxLayout(self)
        self.top_error = QLabel()
        self.top_error.setProperty("role", "error")
        self.top_error.setWordWrap(True)
        self.top_error.setAccessibleName("Problem")
        self.top_error.hide()
        outer.addWidget(self.top_error)
        body = QWidget()
        lay = QVBoxLayout(body)
        self.errors: dict[str, QLabel] = {}

        # -- the treatment ------------------------------------------------------------
        treat = QGroupBox("The treatment")
        form = QFormLayout(treat)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.regimen = LookupField(
            "What was the treatment?", "e.g. VRd, dara pom dex, Revlimid, cilta-cel"
        )
        self.regimen.chosen.connect(lambda _m: self.start.setFocus())
        self._row(form, "* &What was the treatment?", self.regimen, "regimen", self.regimen.edit)
        self.start = fw.PartialDateEdit("Started", optional=False)
        self._row(form, "* &Started", self.start, "start", self.start.line)
        self.end = fw.PartialDateEdit("Stopped (the whole treatment, maintenance included)")
        self._row(
            form,
            "Stopped (all of it, maintenance included; empty = still going)",
            self.end,
            "end",
            self.end.line,
        )
        self.cycles = fw.NumberEdit(integer=True, minimum=0)
        self.cycles.setAccessibleName("Cycles (if known)")
        self._row(form, "Cycles (if known)", self.cycles, "cycles", self.cycles)
        lay.addWidget(treat)

        # -- transplant or CAR-T --------------------------------------------------------
        cell = QGroupBox("Was a transplant or CAR-T part of it?")
        cl = QVBoxLayout(cell)
        radios = QHBoxLayout()
        self.no_cell = QRadioButton("&No")
        self.asct = QRadioButton("Stem-cell &transplant (own cells)")
        self.cart = QRadioButton("CA&R-T cells")
        self.cell_group = QButtonGroup(self)
        for b in (self.no_cell, self.asct, self.cart):
            self.cell_group.addButton(b)
            radios.addWidget(b)
        radios.addStretch(1)
        self.no_cell.setChecked(True)
        cl.addLayout(radios)
        self.cell_panel = QWidget()
        cf = QFormLayout(self.cell_panel)
        cf.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        cf.setContentsMargins(0, 0, 0, 0)
        self.prep_text = QLineEdit()
        self.prep_label = QLabel()
        self.prep_text.setAccessibleName("Preparation (conditioning or lymphodepletion)")
        self.prep_label.setBuddy(self.prep_text)
        err = _error_label("Preparation")
        self.errors["preparation"] = err
        cf.addRow(self.prep_label, self._stack(self.prep_text, err))
        self.prep_date = fw.PartialDateEdit("Preparation date")
        self.prep_date_label = QLabel()
        self.prep_date_label.setBuddy(self.prep_date.line)
        cf.addRow(self.prep_date_label, self.prep_date)
        self.product = LookupField("CAR-T product", "e.g. cilta-cel, Abecma", only=_car_t)
        self.product_label = QLabel("CAR-T pr&oduct")
        self.product_label.setBuddy(self.product.edit)
        err = _error_label("CAR-T product")
        self.errors["cell_therapy"] = err
        self.product_box = self._stack(self.product, err)
        cf.addRow(self.product_label, self.product_box)
        self.cell_form = cf
        self.cell_date = fw.PartialDateEdit("Transplant or infusion date", optional=False)
        self.cell_date_label = QLabel()
        self.cell_date_label.setBuddy(self.cell_date.line)
        err = _error_label("Transplant or infusion date")
        self.errors["procedure"] = err
        cf.addRow(self.cell_date_label, self._stack(self.cell_date, err))
        cl.addWidget(self.cell_panel)
        lay.addWidget(cell)
        self.cell_group.buttonToggled.connect(self._cell_changed)

        # -- maintenance ----------------------------------------------------------------
        maint = QGroupBox("Maintenance")
        ml = QVBoxLayout(maint)
        self.has_maint = QCheckBox("&Maintenance after it")
        ml.addWidget(self.has_maint)
        self.maint_panel = QWidget()
        mf = QFormLayout(self.maint_panel)
        mf.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        mf.setContentsMargins(0, 0, 0, 0)
        self.maint_drug = LookupField("Maintenance with", "e.g. lenalidomide, len")
        err = _error_label("Maintenance")
        self.errors["maintenance"] = err
        lab = QLabel("Maintenance w&ith")
        lab.setBuddy(self.maint_drug.edit)
        mf.addRow(lab, self._stack(self.maint_drug, err))
        self.maint_start = fw.PartialDateEdit("Maintenance started", optional=False)
        lab = QLabel("Maintenance st&arted")
        lab.setBuddy(self.maint_start.line)
        mf.addRow(lab, self.maint_start)
        ml.addWidget(self.maint_panel)
        lay.addWidget(maint)
        self.has_maint.toggled.connect(self._maint_changed)
        self.maint_drug.chosen.connect(lambda _m: self.maint_start.setFocus())

        # -- response and ending --------------------------------------------------------
        out = QGroupBox("How it went")
        of = QFormLayout(out)
        of.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.response = fw.EnumCombo(
            [v.value for v in vocab.ResponseCategory if v.value != "not evaluable"],
            optional=True,
        )
        self.response.setItemText(0, "(not known)")
        self.response.setAccessibleName("Best response")
        self.response_date = fw.PartialDateEdit("Best response reached on")
        rlab = QLabel("&Best response, if known")
        rlab.setBuddy(self.response)
        err = _error_label("Best response")
        self.errors["best_response"] = err
        of.addRow(rlab, self._stack(self.response, err))
        dlab = QLabel("Best response reached on")
        dlab.setBuddy(self.response_date.line)
        of.addRow(dlab, self.response_date)
        self.response_date_label = dlab
        self.out_form = of
        ending = QWidget()
        el = QVBoxLayout(ending)
        el.setContentsMargins(0, 0, 0, 0)
        self.end_group = QButtonGroup(self)
        self.end_buttons: dict[str | None, QRadioButton] = {}
        for text, reason in ENDINGS:
            b = QRadioButton(text)
            self.end_group.addButton(b)
            self.end_buttons[reason] = b
            el.addWidget(b)
        self.end_buttons[None].setChecked(True)
        of.addRow(QLabel("How it ended"), ending)
        self.prog_date = fw.PartialDateEdit("Progression found on")
        self.prog_date.line.setPlaceholderText("empty = when it stopped")
        self.prog_label = QLabel("Progression found on")
        self.prog_label.setBuddy(self.prog_date.line)
        err = _error_label("Progression")
        self.errors["progression"] = err
        self.prog_box = self._stack(self.prog_date, err)
        of.addRow(self.prog_label, self.prog_box)
        lay.addWidget(out)
        self.end_group.buttonToggled.connect(lambda *_: self._refresh())
        self.response.currentIndexChanged.connect(lambda *_: self._refresh())

        self.preview = QLabel()
        self.preview.setWordWrap(True)
        self.preview.setAccessibleName("Will be recorded")
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.preview)
        lay.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(scroll, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setDefault(True)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        for w in (
            self.start,
            self.end,
            self.prep_date,
            self.cell_date,
            self.maint_start,
            self.prog_date,
            self.response_date,
        ):
            w.edited.connect(self._refresh)
        self.regimen.chosen.connect(lambda _m: self._refresh())
        self.maint_drug.chosen.connect(lambda _m: self._refresh())
        self.product.chosen.connect(lambda _m: self._refresh())
        self.prep_text.textChanged.connect(lambda _t: self._refresh())
        self._cell_changed()
        self._maint_changed(False)
        from journal.ui.theme import fit_to_screen

        fit_to_screen(self, 720, 760)
        for keys in ("Ctrl+Return", "Ctrl+Enter", "Ctrl+S"):
            QShortcut(QKeySequence(keys), self, self.save)
        self.mark_clean()

    # -- building helpers -------------------------------------------------------------
    @staticmethod
    def _stack(w: QWidget, err: QLabel) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(w)
        if isinstance(getattr(w, "reading", None), QLabel) and isinstance(w, fw.NumberEdit):
            lay.addWidget(w.reading)
        lay.addWidget(err)
        return box

    def _row(self, form, text, w, key, buddy) -> None:
        lab = QLabel(text)
        lab.setBuddy(buddy)
        err = _error_label(text.replace("&", "").lstrip("* "))
        self.errors[key] = err
        form.addRow(lab, self._stack(w, err))

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not getattr(self, "_focused", False):
            self._focused = True
            self.regimen.edit.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- showing what applies ---------------------------------------------------------
    def _cell_changed(self, *_args) -> None:
        asct, cart = self.asct.isChecked(), self.cart.isChecked()
        self.cell_panel.setVisible(asct or cart)
        self.cell_form.setRowVisible(self.product_box, cart)  # no gap where it was
        if asct:
            self.prep_label.setText("Conditioning (high-dose chemotherapy before it)")
            self.prep_date_label.setText("Conditioning given on (empty = the transplant month)")
            self.cell_date_label.setText("* Transplant &date")
            if self.prep_text.text() in ("", LYMPHODEPLETION_DEFAULT):
                self.prep_text.setText(CONDITIONING_DEFAULT)
        elif cart:
            self.prep_label.setText("Lymphodepletion (chemotherapy before the cells)")
            self.prep_date_label.setText("Lymphodepletion given on (empty = the infusion month)")
            self.cell_date_label.setText("* Infusion &date")
            if self.prep_text.text() in ("", CONDITIONING_DEFAULT):
                self.prep_text.setText(LYMPHODEPLETION_DEFAULT)
        if (asct or cart) and self.isVisible():
            # Straight to the date people remember; the preparation is already filled in.
            # Deferred: a mnemonic focuses its button after the toggle.
            target = (
                self.product.edit if cart and self.product.match is None else self.cell_date.line
            )
            QTimer.singleShot(0, lambda: target.setFocus(Qt.FocusReason.OtherFocusReason))
        self._refresh()

    def _maint_changed(self, on: bool) -> None:
        self.maint_panel.setVisible(on)
        if on and self.maint_drug.match is None and not self.maint_drug.edit.text():
            from journal.domain.catalog import get_catalog

            self.maint_drug.set_match(get_catalog().lookup("lenalidomide maintenance")[0])
        if on and self.isVisible():
            QTimer.singleShot(
                0, lambda: self.maint_start.line.setFocus(Qt.FocusReason.OtherFocusReason)
            )
        self._refresh()

    def has_cell(self) -> bool:
        """A transplant or CAR-T is part of this line."""
        return self.asct.isChecked() or self.cart.isChecked()

    def ending(self) -> str | None:
        for reason, b in self.end_buttons.items():
            if b.isChecked():
                return reason
        return None

    def _refresh(self) -> None:
        prog = self.ending() == "progression"
        self.out_form.setRowVisible(self.prog_box, prog)
        has_resp = self.response.value() is not None
        self.out_form.setRowVisible(self.response_date, has_resp)
        self._cross_field_errors()
        self.preview.setText(self.preview_text())

    def _cross_field_errors(self) -> None:
        """End before start, shown as soon as both are filled and cleared when fixed."""
        problems: dict[str, str] = {}
        s, e = self._date(self.start), self._date(self.end)
        if s and e and not s.could_be_before(e):
            problems["end"] = "The stop is before the start; check both dates."
        c = self._date(self.cell_date)
        if s and c and self.has_cell() and not s.could_be_before(c):
            problems["procedure"] = "This is before the treatment started."
        ms = self._date(self.maint_start)
        if self.has_maint.isChecked() and ms:
            before = c if c and self.has_cell() else s
            if before and not before.could_be_before(ms):
                problems["maintenance"] = "Maintenance starts before the part it follows."
        for key in ("end", "procedure", "maintenance"):
            lab = self.errors[key]
            lab.setText(problems.get(key, ""))
            lab.setVisible(key in problems)
        self.live_problems = problems

    @staticmethod
    def _date(w: fw.PartialDateEdit):
        try:
            return w.partial_date()
        except Exception:
            return None

    # -- the records ------------------------------------------------------------------
    def preview_text(self) -> str:
        """What will be recorded, in time order, in plain words."""
        rows: list[tuple[object, str]] = []
        name = self.regimen.edit.text().strip() or "the treatment"
        s, e = self._date(self.start), self._date(self.end)
        if s:
            rows.append((s, f"{s.display()}: {name} starts"))
        if self.has_cell():
            c = self._date(self.cell_date)
            p = self._date(self.prep_date) or c
            what = "transplant" if self.asct.isChecked() else "CAR-T infusion"
            if p:
                rows.append((p, f"{p.display()}: {self.prep_text.text() or 'preparation'}"))
            if c:
                rows.append((c, f"{c.display()}: {what}"))
        ms = self._date(self.maint_start)
        if self.has_maint.isChecked() and ms:
            rows.append((ms, f"{ms.display()}: {self.maint_drug.edit.text()} starts"))
        rd = self._date(self.response_date)
        if self.response.value() and rd:
            rows.append((rd, f"{rd.display()}: best response {self.response.value()}"))
        if e:
            reason = {None: "stops"}.get(self.ending(), f"stops ({self.ending()})")
            rows.append((e, f"{e.display()}: all of it {reason}"))
        if self.ending() == "progression":
            pd = self._date(self.prog_date) or e
            if pd:
                rows.append((pd, f"{pd.display()}: progression recorded"))
        if not rows:
            return ""
        rows.sort(key=lambda r: r[0].sort_key())
        return "Will be recorded, in time order:\n" + "\n".join(f"\u2022 {t}" for _, t in rows)

    def entry(self):
        """The services' LineEntry from the form (raises ValueError with a field key)."""
        from journal.domain.catalog import get_catalog
        from journal.services.line_entry import LineEntry, RegimenPart

        cat = get_catalog()

        def part(name, start, match_or_text, intent=None, role=None):
            if isinstance(match_or_text, str):
                found = cat.drugs_in_text(match_or_text)
                drugs = [
                    m.RegimenDrug(
                        drug_id=i,
                        name=cat.drug(i).generic,
                        dose=dose,
                        dose_unit=unit,
                        regimen_id=0,
                        role=role or "anti-myeloma",
                    )
                    for i, dose, unit in found
                ]
            else:
                drugs = []
                for i in match_drug_ids(match_or_text):
                    d = cat.drug(i)
                    drugs.append(
                        m.RegimenDrug(
                            drug_id=i,
                            name=d.generic,
                            regimen_id=0,
                            role="supportive" if d.supportive else "anti-myeloma",
                            route=d.routes[0] if len(d.routes) == 1 else None,
                        )
                    )
            reg = m.Regimen(name=name, start=start, intent=intent)
            return RegimenPart(reg, drugs)

        match = self.regimen.match
        main = part(
            self.regimen.edit.text().strip(),
            self.start.value(),
            match,
            intent=match.intent if match is not None else None,
        )
        main.regimen.cycles = self.cycles.value()
        entry = LineEntry(main=main, end=self.end.value(), end_reason=self.ending())
        if self.has_cell():
            cdate = self.cell_date.value()
            pdate = self.prep_date.value() or cdate
            prep = self.prep_text.text().strip()
            if self.asct.isChecked():
                if prep:
                    entry.preparation = part(
                        f"High-dose {prep}" if not prep.lower().startswith("high") else prep,
                        pdate,
                        prep,
                        intent="conditioning",
                    )
                entry.procedure = m.Procedure(
                    kind="autologous stem-cell transplant",
                    date=cdate,
                    planned=True,
                    conditioning=prep or None,
                )
            else:
                if prep:
                    entry.preparation = part(
                        f"{prep} (lymphodepletion)",
                        pdate,
                        prep,
                        intent="lymphodepletion",
                        role="lymphodepletion",
                    )
                pm = self.product.match
                if pm is not None:
                    entry.cell_therapy = part(
                        f"{match_regimen_name(pm)} (CAR-T)", cdate, pm, intent="fixed duration"
                    )
                entry.procedure = m.Procedure(
                    kind="CAR-T infusion",
                    date=cdate,
                    product=match_drug_ids(pm)[0] if pm is not None else None,
                )
        if self.has_maint.isChecked():
            mm = self.maint_drug.match
            name = self.maint_drug.edit.text().strip()
            if mm is not None and "maintenance" not in name.lower():
                name = f"{name} maintenance"
            entry.maintenance = part(name, self.maint_start.value(), mm, intent="maintenance")
        if self.response.value():
            entry.best_response = m.Response(
                date=self.response_date.value(),
                category=self.response.value(),
                assessor="clinician",
            )
        if self.ending() == "progression":
            date = self.prog_date.value() or self.end.value()
            entry.progression = m.Progression(date=date, kind="unknown", confirmed=True)
        return entry

    def local_errors(self) -> dict[str, str]:
        errs: dict[str, str] = {}
        if not self.regimen.ensure_match():
            errs["regimen"] = (
                "Choose the treatment from the suggestions (type its short name, e.g. VRd, "
                "or the drugs, e.g. dara pom dex)."
            )
        for key, w in (("start", self.start), ("end", self.end)):
            if w.error():
                errs[key] = w.error()
        if self.cycles.error():
            errs["cycles"] = self.cycles.error()
        if self.has_cell():
            if self.cell_date.error():
                errs["procedure"] = self.cell_date.error()
            if self.prep_date.error():
                errs["preparation"] = self.prep_date.error()
            if self.cart.isChecked() and not self.product.ensure_match():
                errs["cell_therapy"] = "Choose the CAR-T product from the suggestions."
        if self.has_maint.isChecked():
            if not self.maint_drug.ensure_match():
                errs["maintenance"] = "Choose the maintenance drug from the suggestions."
            elif self.maint_start.error():
                errs["maintenance"] = self.maint_start.error()
        if self.response.value() and not self.response_date.value():
            errs["best_response"] = "When was the best response? Type a date, e.g. Jan 2020."
        if self.ending() == "progression" and not (self.prog_date.value() or self.end.value()):
            errs["progression"] = "When was the progression found? Type a date, e.g. Feb 2022."
        if self.ending() is not None and self.ending() != "progression" and not self.end.value():
            errs["end"] = "When did it stop? Type a date, or choose 'Still going'."
        self._cross_field_errors()
        for k, v in self.live_problems.items():
            errs.setdefault(k, v)
        return errs

    def show_errors(self, errs: dict[str, str], general: list[str] | None = None) -> None:
        for key, lab in self.errors.items():
            lab.setText(errs.get(key, ""))
            lab.setVisible(key in errs)
        other = list(general or []) + [v for k, v in errs.items() if k not in self.errors]
        if errs or other:
            self.top_error.setText(
                "Not saved yet. " + (" ".join(other) or "Please check the fields marked below.")
            )
            self.top_error.show()
        else:
            self.top_error.hide()

    def save(self) -> None:
        from journal.services.line_entry import add_line_of_therapy

        errs = self.local_errors()
        if errs:
            self.show_errors(errs)
            return
        try:
            self.saved_change = self.ctx.apply(add_line_of_therapy, self.entry())
        except Exception as exc:
            per, general = explain_error(exc)
            item = (getattr(exc, "item", None) or "").split(".")[0]
            if item and per:
                key = {"regimen": "start"}.get(item, item)
                if item == "regimen" and "end" in per:
                    key = "end"
                self.show_errors({key: " ".join(per.values())}, general)
            else:
                self.show_errors({}, general or [str(exc)])
            return
        self.accept()


def open_line_wizard(ctx, parent=None) -> bool:
    dlg = LineOfTherapyDialog(ctx, parent)
    return dlg.exec() == QDialog.DialogCode.Accepted
