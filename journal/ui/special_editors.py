"""Editors that need more than one form: regimens with their drugs, side effects
with attributed drugs and plain-language grades, a blood test's results."""

from __future__ import annotations

import itertools
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from journal.store import models as m
from journal.ui.editors import RecordEditor, explain_error
from journal.ui.fields import EnterDoes
from journal.ui.glossary import tip
from journal.ui.kinds import KINDS

# -- regimen ------------------------------------------------------------------------------


class DrugEditor(RecordEditor):
    """One drug of a regimen, edited in place; saved together with the regimen."""

    def __init__(self, ctx, kind, row=None, parent=None):
        super().__init__(ctx, kind, row, parent)
        self.setWindowTitle(f"Drug: {row.get('name') or 'new'}" if row else "Add drug")
        self.result_values: dict | None = None

    def commit(self, values: dict) -> Any:
        from journal.store.validation import validate

        record = m.RegimenDrug(
            **{
                k: v
                for k, v in values.items()
                if k in m.RegimenDrug.model_fields and k != "regimen_id"
            },
            regimen_id=0,
        )
        validate(record, ignore=("regimen_id",))
        self.result_values = values
        return None


def drug_line(d: dict) -> str:
    bits = [d.get("name") or d.get("drug_id") or "?"]
    if d.get("dose") is not None:
        bits.append(f"{d['dose']:g} {d.get('dose_unit') or ''}".strip())
    if d.get("route"):
        bits.append(d["route"])
    if d.get("schedule"):
        bits.append(d["schedule"])
    if d.get("role") and d["role"] != "anti-myeloma":
        bits.append(f"({d['role']})")
    if d.get("addition") and d["addition"] != "part of the original plan":
        bits.append(f"[{d['addition']}]")
    return " - ".join(bits)


class RegimenEditor(RecordEditor):
    """Regimen: type an abbreviation or any drug name, confirm the catalog's suggestion,
    then adjust each drug. Saved with its drugs as one undoable step."""

    def build_extra_top(self) -> None:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 8)
        label = QLabel("&Look up a regimen or drug (e.g. VRd, Darzalex, cilta-cel):")
        self.search = QLineEdit()
        self.search.setAccessibleName("Look up a regimen or drug")
        self.search.setAccessibleDescription(
            "Type a regimen abbreviation or a drug's name, brand or code name; then choose a "
            "suggestion and press Use suggestion."
        )
        label.setBuddy(self.search)
        self.suggestions = QListWidget()
        self.suggestions.setAccessibleName("Suggestions from the drug catalog")
        self.suggestions.setMaximumHeight(110)
        self.use_button = QPushButton("&Use suggestion")
        self.use_button.setAccessibleName("Use suggestion")
        self.use_button.setToolTip("Adds the chosen regimen's drugs, or the chosen drug, below")
        lay.addWidget(label)
        lay.addWidget(self.search)
        lay.addWidget(self.suggestions)
        lay.addWidget(self.use_button)
        self.search.textChanged.connect(self._suggest)
        EnterDoes(self.search, self._first_suggestion)
        EnterDoes(self.suggestions, self.use_suggestion)
        self.suggestions.itemDoubleClicked.connect(lambda _i: self.use_suggestion())
        self.use_button.clicked.connect(self.use_suggestion)
        self.form.addRow(box)
        self.drugs: list[dict] = []
        if self.row.get("id"):
            self.drugs = [
                d for d in self.ctx.rows(m.RegimenDrug) if d.get("regimen_id") == self.row["id"]
            ]

    def initial_focus(self):
        return self.search

    def build_extra_bottom(self) -> None:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Drugs in this regimen:")
        self.drug_list = QListWidget()
        self.drug_list.setAccessibleName("Drugs in this regimen")
        self.drug_list.setMinimumHeight(90)
        title.setBuddy(self.drug_list)
        self.drug_error = QLabel()
        self.drug_error.setProperty("role", "error")
        self.drug_error.setWordWrap(True)
        self.drug_error.hide()
        row = QHBoxLayout()
        self.add_drug_button = QPushButton("Add dru&g...")
        self.edit_drug_button = QPushButton("Edit d&rug...")
        self.remove_drug_button = QPushButton("Remo&ve drug")
        self.dose_changes_button = QPushButton("Dose c&hanges...")
        self.dose_changes_button.setToolTip(
            "Dose changes and pauses of the chosen drug (for drugs already saved); "
            "each change is saved at once and can be undone"
        )
        for b in (
            self.add_drug_button,
            self.edit_drug_button,
            self.remove_drug_button,
            self.dose_changes_button,
        ):
            b.setAccessibleName(b.text().replace("&", "").rstrip("."))
            row.addWidget(b)
        row.addStretch(1)
        lay.addWidget(title)
        lay.addWidget(self.drug_list)
        lay.addWidget(self.drug_error)
        lay.addLayout(row)
        self.form.addRow(box)
        self.add_drug_button.clicked.connect(lambda: self.edit_drug(None))
        self.edit_drug_button.clicked.connect(lambda: self.edit_drug(self.drug_list.currentRow()))
        self.remove_drug_button.clicked.connect(self.remove_drug)
        self.dose_changes_button.clicked.connect(self.edit_dose_changes)
        self.drug_list.itemDoubleClicked.connect(
            lambda _i: self.edit_drug(self.drug_list.currentRow())
        )
        EnterDoes(self.drug_list, lambda: self.edit_drug(self.drug_list.currentRow()))
        self._refresh_drugs()

    # -- catalog ------------------------------------------------------------------
    def _suggest(self, text: str) -> None:
        from journal.domain.catalog import get_catalog

        self.suggestions.clear()
        for match in get_catalog().search(text, limit=8):
            kind = "regimen" if match.kind == "regimen" else "drug"
            item = QListWidgetItem(f"{match.label}  ({kind}; matched '{match.matched_on}')")
            item.setData(Qt.ItemDataRole.UserRole, (match.kind, match.id))
            self.suggestions.addItem(item)
        if self.suggestions.count():
            self.suggestions.setCurrentRow(0)

    def _first_suggestion(self) -> None:
        if self.suggestions.count():
            self.suggestions.setFocus()

    def use_suggestion(self) -> None:
        from journal.domain.catalog import get_catalog

        item = self.suggestions.currentItem()
        if item is None:
            return
        kind, ident = item.data(Qt.ItemDataRole.UserRole)
        cat = get_catalog()
        if kind == "regimen":
            tmpl = cat.regimen(ident)
            if not self.widgets["name"].text().strip():
                self.widgets["name"].setText(tmpl.abbrev)
            ids = list(tmpl.drug_ids)
        else:
            ids = [ident]
        have = {d.get("drug_id") for d in self.drugs}
        for drug_id in ids:
            if drug_id in have:
                continue
            drug = cat.get(drug_id)
            self.drugs.append(self._new_drug(drug_id, drug.generic if drug else drug_id, drug))
        self._refresh_drugs()
        self.search.clear()

    def _new_drug(self, drug_id, name, drug) -> dict:
        d = {f.name: KINDS["drug"].defaults.get(f.name) for f in KINDS["drug"].fields}
        d.update(
            drug_id=drug_id,
            name=name,
            addition="part of the original plan",
            role="supportive" if drug is not None and drug.supportive else "anti-myeloma",
            id=None,
        )
        if drug is not None and len(drug.routes) == 1:
            d["route"] = drug.routes[0]
        return d

    # -- drug list ----------------------------------------------------------------
    def _refresh_drugs(self) -> None:
        self.drug_list.clear()
        for d in self.drugs:
            self.drug_list.addItem(drug_line(d))
        if not self.drugs:
            self.drug_list.addItem("(no drugs yet: look one up above, or Add drug)")
            self.drug_list.item(0).setFlags(Qt.ItemFlag.NoItemFlags)

    def edit_drug(self, index: int | None) -> None:
        row = self.drugs[index] if index is not None and 0 <= index < len(self.drugs) else None
        dlg = DrugEditor(
            self.ctx,
            KINDS["drug"],
            row or {"addition": "part of the original plan", "role": "anti-myeloma"},
            self,
        )
        if dlg.exec() == dlg.DialogCode.Accepted and dlg.result_values is not None:
            values = dlg.result_values
            if row is None:
                values["id"] = None
                if not values.get("drug_id"):
                    from journal.domain.catalog import get_catalog

                    found = get_catalog().identify(values.get("name") or "")
                    values["drug_id"] = found.id if found else None
                self.drugs.append(values)
            else:
                self.drugs[index] = values
            self._refresh_drugs()

    def edit_dose_changes(self) -> QDialog | None:
        """The chosen (saved) drug's dose changes, as a list with Add / Edit / Delete."""
        from journal.ui.lists import RecordList

        i = self.drug_list.currentRow()
        drug = self.drugs[i] if 0 <= i < len(self.drugs) else None
        if drug is None or not drug.get("id"):
            self.drug_error.setText(
                "Choose a saved drug first; for a new drug, save the regimen, then open it again."
            )
            self.drug_error.show()
            return None
        self.drug_error.hide()
        dlg = QDialog(self)
        dlg.setWindowTitle(f"Dose changes of {drug.get('name') or drug.get('drug_id')}")
        lay = QVBoxLayout(dlg)
        lst = RecordList(
            self.ctx,
            KINDS["dose_change"],
            dlg.windowTitle(),
            "",
            dlg,
            where={"regimen_drug_id": drug["id"]},
        )
        lay.addWidget(lst)
        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        bb.rejected.connect(dlg.reject)
        lay.addWidget(bb)
        from journal.ui.theme import fit_to_screen

        fit_to_screen(dlg, 700, 420)  # grows with the text size
        dlg.dose_list = lst
        if not getattr(self, "_no_exec", False):
            dlg.exec()
        return dlg

    def remove_drug(self) -> None:
        i = self.drug_list.currentRow()
        if 0 <= i < len(self.drugs):
            del self.drugs[i]
            self._refresh_drugs()

    # -- saving -------------------------------------------------------------------
    def show_errors(self, errs, general=None) -> None:
        drug_msgs = [v for k, v in errs.items() if k.startswith("drugs")]
        errs = {k: v for k, v in errs.items() if not k.startswith("drugs")}
        if drug_msgs:
            self.drug_error.setText(" ".join(drug_msgs))
            self.drug_error.show()
        else:
            self.drug_error.hide()
        super().show_errors(
            errs,
            general
            if not drug_msgs or errs or general
            else ["Please check the drugs listed below."],
        )

    def save(self) -> None:
        errs = self.local_errors()
        if errs:
            self.show_errors(errs)
            return
        values = self.values()
        try:
            self.saved_change = self.commit(values)
        except Exception as exc:
            per, general = explain_error(exc)
            item = getattr(exc, "item", None)
            if item and item.startswith("drugs["):
                i = int(item[6 : item.index("]")])
                name = self.drugs[i].get("name") if i < len(self.drugs) else "a drug"
                per = {f"drugs.{k}": f"{name}: {v}" for k, v in per.items()}
            self.show_errors(per, general)
            return
        self.accept()

    def commit(self, values: dict) -> Any:
        from journal.services import actions

        reg = m.Regimen(**{k: v for k, v in values.items() if k in m.Regimen.model_fields})
        drugs = [
            m.RegimenDrug(
                **{
                    k: v
                    for k, v in d.items()
                    if k in m.RegimenDrug.model_fields and k != "regimen_id"
                },
                regimen_id=reg.id or 0,
            )
            for d in self.drugs
        ]
        if reg.id is None:
            return self.ctx.apply(actions.add_regimen, reg, drugs)
        return self.ctx.apply(actions.update_regimen, reg, drugs)


# -- side effect --------------------------------------------------------------------------


class SideEffectEditor(RecordEditor):
    """Find the side effect by plain words, choose the grade by reading what each means,
    keep the person's own words, and say which drugs it is blamed on."""

    def build_extra_top(self) -> None:
        self._ctcae = None
        try:
            from journal.domain import ctcae

            self._ctcae = ctcae
        except ImportError:
            return
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 8)
        label = QLabel("&Describe it in plain words (e.g. tingling, taste, tired):")
        self.term_search = QLineEdit()
        self.term_search.setAccessibleName("Find the side effect by plain words")
        label.setBuddy(self.term_search)
        self.term_list = QListWidget()
        self.term_list.setAccessibleName("Matching side effects")
        self.term_list.setMaximumHeight(110)
        self.term_list.setWordWrap(True)
        lay.addWidget(label)
        lay.addWidget(self.term_search)
        lay.addWidget(self.term_list)
        self.grade_box = QWidget()
        self.grade_layout = QVBoxLayout(self.grade_box)
        self.grade_layout.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.grade_box)
        self.term_search.textChanged.connect(self._search_terms)
        self.term_list.currentItemChanged.connect(lambda cur, _p: self._choose_term(cur))
        EnterDoes(self.term_search, self.term_list.setFocus)
        EnterDoes(self.term_list, self._to_grades)
        self.form.addRow(box)

    def initial_focus(self):
        return getattr(self, "term_search", None) or super().initial_focus()

    def _to_grades(self) -> None:
        buttons = getattr(self, "grade_buttons", {})
        if buttons:
            buttons[min(buttons)].setFocus()

    def _search_terms(self, text: str) -> None:
        self.term_list.clear()
        if not text.strip() or self._ctcae is None:
            return
        for match in self._ctcae.get_terms().search(text, limit=8):
            t = match.term
            label = t.term if t.plain_name == t.term else f"{t.term} ({t.plain_name})"
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, t.id)
            self.term_list.addItem(item)

    def _choose_term(self, item) -> None:
        if item is None or self._ctcae is None:
            return
        t = self._ctcae.get_terms().get(item.data(Qt.ItemDataRole.UserRole))
        if t is None:
            return
        scale = self.widgets["scale"].value() or "CTCAE v5.0"
        self.widgets["term"].setText(t.name_in(scale))
        self.row["term_id"] = t.id
        while self.grade_layout.count():
            w = self.grade_layout.takeAt(0).widget()
            if w:
                w.deleteLater()
        grades = t.versions.get(scale, (None, {}))[1]
        self.grade_buttons: dict[int, QPushButton] = {}
        if grades:
            head = QLabel(f"Choose the grade ({scale}) that fits best:")
            head.setWordWrap(True)
            self.grade_layout.addWidget(head)
        for g, gd in sorted(grades.items()):
            row = QWidget()
            rl = QHBoxLayout(row)
            rl.setContentsMargins(0, 0, 0, 0)
            b = QPushButton(f"Grade {g}")
            b.setAccessibleName(f"Grade {g}")
            b.setAccessibleDescription(gd.plain)
            b.setToolTip(f"{scale} grade {g}: {gd.text}")
            text = QLabel(gd.plain)
            text.setWordWrap(True)  # long descriptions wrap instead of running off the window
            text.setBuddy(b)
            b.clicked.connect(lambda _=False, grade=int(g): self.widgets["grade"].set_value(grade))
            rl.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
            rl.addWidget(text, 1)
            self.grade_layout.addWidget(row)
            self.grade_buttons[int(g)] = b
        # Buttons made now would come last in the Tab order; put them after the term list.
        chain = [self.term_list, *(self.grade_buttons[g] for g in sorted(self.grade_buttons))]
        chain.append(self.widgets["term"])
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def build_extra_bottom(self) -> None:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lab = QLabel("Blamed on these drugs (tick any):")
        self.drug_choices = QListWidget()
        self.drug_choices.setAccessibleName("Drugs the side effect is blamed on")
        self.drug_choices.setMaximumHeight(140)
        lab.setBuddy(self.drug_choices)
        lay.addWidget(lab)
        lay.addWidget(self.drug_choices)
        self.form.addRow(box)
        chosen: set[tuple] = set()
        if self.row.get("id"):
            for d in self.ctx.rows(m.SideEffectDrug):
                if d.get("side_effect_id") == self.row["id"]:
                    chosen.add((d.get("drug_id"), d.get("name")))
        seen: set[tuple] = set()
        for d in self.ctx.rows(m.RegimenDrug):
            key = (d.get("drug_id"), d.get("name"))
            if key in seen:
                continue
            seen.add(key)
            item = QListWidgetItem(d.get("name") or d.get("drug_id") or "?")
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if key in chosen else Qt.CheckState.Unchecked)
            self.drug_choices.addItem(item)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if hasattr(self, "term_list") and not getattr(self, "_scale_hooked", False):
            self._scale_hooked = True  # grades follow the chosen scale (v5, v6, ASTCT...)
            self.widgets["scale"].currentIndexChanged.connect(
                lambda _i: self._choose_term(self.term_list.currentItem())
            )

    def attributed(self) -> list[dict]:
        out = []
        for i in range(self.drug_choices.count()):
            item = self.drug_choices.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                drug_id, name = item.data(Qt.ItemDataRole.UserRole)
                out.append({"drug_id": drug_id, "name": name})
        return out

    def commit(self, values: dict) -> Any:
        from journal.services import actions

        se = m.SideEffect(**{k: v for k, v in values.items() if k in m.SideEffect.model_fields})
        return self.ctx.apply(actions.record_side_effect, se, self.attributed())


# -- labs ---------------------------------------------------------------------------------


class BloodTestForm(RecordEditor):
    """All results of one blood-test date: each test with its unit preselected; shows the
    value converted to the unit the rules use. Paste rows "test<TAB>value<TAB>unit"."""

    def __init__(self, ctx, kind=None, row=None, parent=None):
        from journal.domain.labs import LAB_TESTS

        self.tests = list(LAB_TESTS.values())
        super().__init__(ctx, KINDS["lab"], None, parent)
        self.setWindowTitle("Add blood test results")

    def add_field(self, spec):  # only the date is a generic field; the grid is built below
        if spec.name in ("date", "context"):
            return super().add_field(spec)
        return None

    def build_extra_bottom(self) -> None:
        from journal.domain.labs import LAB_TESTS

        grid_box = QWidget()
        grid = QGridLayout(grid_box)
        grid.setContentsMargins(0, 0, 0, 0)
        for c, h in enumerate(("Test", "Result", "Unit", "For the rules")):
            lab = QLabel(f"<b>{h}</b>")
            grid.addWidget(lab, 0, c)
        self.value_edits: dict[str, QLineEdit] = {}
        self.unit_boxes: dict[str, QComboBox] = {}
        self.converted: dict[str, QLabel] = {}
        self.row_errors: dict[str, QLabel] = {}
        r = 1
        for code, t in LAB_TESTS.items():
            name = QLabel(t.name)
            name.setToolTip(
                tip(
                    t.plain,
                    *(w for w in ("M-spike", "FLC", "B2M", "ANC") if w.lower() in t.name.lower()),
                )
            )
            name.setWordWrap(True)
            value = QLineEdit()
            value.setAccessibleName(t.name)
            value.setAccessibleDescription(t.plain)
            value.setPlaceholderText("/".join(t.qualitative) if t.qualitative else "")
            name.setBuddy(value)
            unit = QComboBox()
            unit.setAccessibleName(f"{t.name} unit")
            for u in t.units:
                unit.addItem(u)
            conv = QLabel()
            conv.setProperty("role", "hint")
            err = QLabel()
            err.setProperty("role", "error")
            err.setWordWrap(True)
            err.hide()
            grid.addWidget(name, r, 0)
            grid.addWidget(value, r, 1)
            grid.addWidget(unit, r, 2)
            grid.addWidget(conv, r, 3)
            grid.addWidget(err, r + 1, 0, 1, 4)
            value.textChanged.connect(lambda _t, c=code: self._convert(c))
            unit.currentTextChanged.connect(lambda _t, c=code: self._convert(c))
            self.value_edits[code], self.unit_boxes[code] = value, unit
            # Enter moves down to the next test, as in a spreadsheet; Save stays a click away.
            EnterDoes(value, lambda c=code: self._next_value(c))
            self.converted[code], self.row_errors[code] = conv, err
            r += 2
        self.paste_button = QPushButton("&Paste rows from a spreadsheet")
        self.paste_button.setAccessibleName("Paste rows from a spreadsheet")
        self.paste_button.setToolTip(
            "Copy rows of: test name, value, unit (tab-separated) and paste them here"
        )
        self.paste_button.clicked.connect(self.paste_clipboard)
        self.form.addRow(self.paste_button)
        self.form.addRow(grid_box)

    def _next_value(self, code: str) -> None:
        codes = list(self.value_edits)
        i = codes.index(code)
        if i + 1 < len(codes):
            self.value_edits[codes[i + 1]].setFocus(Qt.FocusReason.TabFocusReason)
        else:
            self.save_button.setFocus(Qt.FocusReason.TabFocusReason)

    def _convert(self, code: str) -> None:
        from journal.domain.labs import LAB_TESTS

        t = LAB_TESTS[code]
        text = self.value_edits[code].text().strip().replace(",", ".")
        unit = self.unit_boxes[code].currentText()
        try:
            v = float(text)
        except ValueError:
            self.converted[code].setText("")
            return
        if unit != t.unit and unit in t.units:
            self.converted[code].setText(f"= {t.to_canonical(v, unit):g} {t.unit}")
        else:
            self.converted[code].setText("")

    def paste_text(self, text: str) -> list[str]:
        """Fill the form from pasted rows; returns the lines that were not understood."""
        from journal.domain.catalog import normalise
        from journal.domain.labs import LAB_TESTS

        by_name = {}
        for code, t in LAB_TESTS.items():
            by_name[normalise(code)] = code
            by_name[normalise(t.name)] = code
            short = t.name.split("(")[0]
            by_name.setdefault(normalise(short), code)
        bad = []
        for line in text.splitlines():
            if not line.strip():
                continue
            cells = [c.strip() for c in (line.split("\t") if "\t" in line else line.split(";"))]
            if len(cells) < 2:
                bad.append(line)
                continue
            code = by_name.get(normalise(cells[0]))
            if code is None:
                bad.append(line)
                continue
            self.value_edits[code].setText(cells[1])
            if len(cells) > 2 and cells[2]:
                i = self.unit_boxes[code].findText(cells[2])
                if i < 0:
                    bad.append(line)
                    continue
                self.unit_boxes[code].setCurrentIndex(i)
        if bad:
            self.top_error.setText(
                "These pasted lines were not understood (use: test name, "
                "value, unit): " + " | ".join(bad)
            )
            self.top_error.show()
        return bad

    def paste_clipboard(self) -> None:
        from PySide6.QtWidgets import QApplication

        self.paste_text(QApplication.clipboard().text())

    def lab_rows(self) -> tuple[list[m.LabResult], dict[str, str]]:
        from journal.domain.labs import LAB_TESTS

        date = self.widgets["date"].value()
        context = self.widgets["context"].value() or "none"
        rows, errs = [], {}
        for code, edit in self.value_edits.items():
            text = edit.text().strip()
            if not text:
                continue
            t = LAB_TESTS[code]
            unit = self.unit_boxes[code].currentText()
            if t.qualitative:
                if text.lower() not in t.qualitative:
                    errs[code] = f"{t.name}: type one of {', '.join(t.qualitative)}."
                    continue
                rows.append(
                    m.LabResult(
                        date=date, test=code, text_value=text.lower(), unit=unit, context=context
                    )
                )
                continue
            try:
                value = float(text.replace(",", "."))
            except ValueError:
                errs[code] = f"{t.name}: {text!r} is not a number; type digits, e.g. 1.2."
                continue
            rows.append(m.LabResult(date=date, test=code, value=value, unit=unit, context=context))
        return rows, errs

    def save(self) -> None:
        from journal.services import actions

        errs = self.local_errors()
        rows, row_errs = self.lab_rows()
        for code, lab in self.row_errors.items():
            lab.setText(row_errs.get(code, ""))
            lab.setVisible(code in row_errs)
        if not errs and not rows and not row_errs:
            errs = {}
            self.top_error.setText("Not saved yet. Type at least one result.")
            self.top_error.show()
            return
        if errs or row_errs:
            self.show_errors(errs, ["Please check the results marked below."] if row_errs else None)
            return
        try:
            self.saved_change = self.ctx.apply(actions.add_lab_results, rows)
        except Exception as exc:
            per, general = explain_error(exc)
            item = getattr(exc, "item", None)
            if item and item.startswith("rows["):
                i = int(item[5 : item.index("]")])
                code = rows[i].test
                self.row_errors[code].setText(" ".join(per.values()))
                self.row_errors[code].show()
                per = {k: v for k, v in per.items() if k == "date"}
            self.show_errors(per, general or ["Please check the results marked below."])
            return
        self.accept()


def lab_editor(ctx, kind, row=None, parent=None):
    if row and row.get("id"):
        return RecordEditor(ctx, kind, row, parent)
    return BloodTestForm(ctx, kind, None, parent)


# -- health history for trial screening ---------------------------------------------------


class HealthChecklist(RecordEditor):
    """Answer the screening questions in one go: for each, yes (with details) or no, all
    dated by when they were asked or checked. Questions left alone stay 'not recorded';
    questions already answered show their answer (open that row to change it)."""

    CHOICES = ("(not recorded)", "yes", "no")

    def __init__(self, ctx, kind=None, row=None, parent=None):
        super().__init__(ctx, KINDS["health"], None, parent)
        self.setWindowTitle("Answer health questions for trial screening")
        self.setAccessibleName(self.windowTitle())

    def add_field(self, spec):  # only the date is a generic field; the grid is built below
        if spec.name == "date":
            spec = type(spec)(
                "date",
                "Date asked or checked (e.g. the screening visit)",
                "date",
                help="Used for every answer below; open an answer later to give its own dates.",
            )
            return super().add_field(spec)
        return None

    def build_extra_bottom(self) -> None:
        from journal.domain.exclusions import QUESTIONS
        from journal.domain.vocab import HealthTopic

        answered: dict[str, list[str]] = {}
        for r in self.ctx.rows(m.HealthHistory) if self.ctx is not None else []:
            answered.setdefault(r["topic"], []).append(r["answer"])
        labels = {q.topic: q.label for q in QUESTIONS}
        intro = QLabel(
            "Choose yes or no for what you know. Leave '(not recorded)' where you do not "
            "know: the summary then says 'not recorded', never 'no'."
        )
        intro.setWordWrap(True)
        self.form.addRow(intro)
        grid_box = QWidget()
        grid = QGridLayout(grid_box)
        grid.setContentsMargins(0, 0, 0, 0)
        for c, h in enumerate(("Question", "Answer", "Details (what, which, result)")):
            grid.addWidget(QLabel(f"<b>{h}</b>"), 0, c)
        self.answers: dict[str, QComboBox] = {}
        self.details: dict[str, QLineEdit] = {}
        for r, topic in enumerate(HealthTopic, start=1):
            plain = labels.get(topic.value, topic.value)
            name = QLabel(plain)
            name.setWordWrap(True)
            combo = QComboBox()
            for choice in self.CHOICES:
                combo.addItem(choice)
            combo.setAccessibleName(plain)
            detail = QLineEdit()
            detail.setAccessibleName(f"{plain}: details")
            name.setBuddy(combo)
            have = answered.get(topic.value)
            if have:
                combo.clear()  # show the saved answer, not "(not recorded)"
                combo.addItem(f"{', '.join(have)} (saved)")
                combo.setEnabled(False)
                detail.setEnabled(False)
                detail.setPlaceholderText(f"already answered: {', '.join(have)}")
                combo.setToolTip("Already answered; open that answer in the list to change it.")
            grid.addWidget(name, r, 0)
            grid.addWidget(combo, r, 1)
            grid.addWidget(detail, r, 2)
            self.answers[topic.value] = combo
            self.details[topic.value] = detail
            EnterDoes(detail, lambda t=topic.value: self._next(t))
        self.form.addRow(grid_box)

    def _next(self, topic: str) -> None:
        topics = [t for t, c in self.answers.items() if c.isEnabled()]
        i = topics.index(topic)
        target = self.answers[topics[i + 1]] if i + 1 < len(topics) else self.save_button
        target.setFocus(Qt.FocusReason.TabFocusReason)

    def items(self) -> list[m.HealthHistory]:
        date = self.widgets["date"].value()
        out = []
        for topic, combo in self.answers.items():
            answer = combo.currentText()
            if not combo.isEnabled() or answer not in ("yes", "no"):
                continue
            detail = self.details[topic].text().strip() or None
            out.append(m.HealthHistory(topic=topic, answer=answer, date=date, detail=detail))
        return out

    def save(self) -> None:
        from journal.services import actions

        errs = self.local_errors()
        if errs:
            self.show_errors(errs)
            return
        items = self.items()
        if not items:
            self.show_errors({}, ["Choose yes or no for at least one question."])
            return
        try:
            self.saved_change = self.ctx.apply(actions.record_health_answers, items)
        except Exception as exc:
            per, general = explain_error(exc)
            item = getattr(exc, "item", None)
            if item and item.startswith("items["):
                topic = items[int(item[6 : item.index("]")])].topic
                general = [f"{topic}: {' '.join(per.values())}", *general]
                per = {k: v for k, v in per.items() if k == "date"}
            self.show_errors(per, general)
            return
        self.accept()


def health_editor(ctx, kind, row=None, parent=None):
    if row and row.get("id"):
        return RecordEditor(ctx, kind, row, parent)
    return HealthChecklist(ctx, kind, None, parent)


SPECIAL = {
    "regimen": RegimenEditor,
    "side_effect": SideEffectEditor,
    "lab": lab_editor,
    "health": health_editor,
}
