"""Record editors (dialogs). Every change they make is one undoable services call.

:class:`RecordEditor` builds a form from a :class:`journal.ui.kinds.Kind`: each
field has a label, an accessible name, a tooltip explaining jargon and an error
line right under it. Checks run before saving (dates, numbers, required
fields); what the services' validation rejects (``RecordError``) is shown next
to the named field, and the dialog stays open with everything typed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from journal.store import models as m
from journal.ui import fields as fw
from journal.ui.glossary import tip
from journal.ui.kinds import ECOG_TEXT, F, Kind


def make_field_widget(ctx, spec: F, *, exclude_id: int | None = None) -> QWidget:
    if spec.kind == "date":
        return fw.PartialDateEdit(spec.label, optional=not spec.required)
    if spec.kind == "enum":
        return fw.EnumCombo(
            list(spec.choices), optional=not spec.required, labels=dict(spec.labels) or None
        )
    if spec.kind == "ecog":
        return fw.EnumCombo(list(ECOG_TEXT), optional=False, labels=ECOG_TEXT)
    if spec.kind == "labtest":
        from journal.domain.labs import LAB_TESTS

        return fw.EnumCombo(
            list(LAB_TESTS), optional=False, labels={c: t.name for c, t in LAB_TESTS.items()}
        )
    if spec.kind == "labunit":
        from journal.domain.labs import KNOWN_UNITS

        return fw.EnumCombo(sorted(KNOWN_UNITS, key=str.lower), optional=False)
    if spec.kind in ("int", "float"):
        return fw.NumberEdit(
            integer=spec.kind == "int",
            required=spec.required,
            minimum=spec.minimum,
            maximum=spec.maximum,
        )
    if spec.kind == "bool":
        return fw.CheckEdit(spec.label)
    if spec.kind == "yesno":  # yes / no / not recorded, for a field that may be unknown
        return fw.EnumCombo([True, False], optional=True, labels={True: "yes", False: "no"})
    if spec.kind == "longtext":
        return fw.LongTextEdit()
    if spec.kind == "regimen":
        rows = ctx.rows(m.Regimen) if ctx is not None else []
        return fw.ChoiceCombo(
            [(r["id"], regimen_choice_text(r)) for r in rows if r["id"] != exclude_id]
        )
    if spec.kind == "drug":
        regs = {r["id"]: r["name"] for r in ctx.rows(m.Regimen)} if ctx is not None else {}
        rows = ctx.rows(m.RegimenDrug) if ctx is not None else []
        return fw.ChoiceCombo(
            [
                (r["id"], f"{r.get('name') or r.get('drug_id')} ({regs.get(r['regimen_id'], '')})")
                for r in rows
            ],
            optional=not spec.required,
        )
    return fw.TextEdit(required=spec.required)


def _model_defaults(table: type) -> dict:
    """The record's own defaults (e.g. sex "unknown"), so a new form starts from them."""
    out = {}
    for name, info in table.model_fields.items():
        if info.is_required() or info.default_factory is not None or name == "id":
            continue
        if info.default is not None:
            out[name] = info.default
    return out


def regimen_choice_text(r: dict) -> str:
    from journal.ui.kinds import KINDS
    from journal.ui.table_model import format_value

    return f"{r['name']} (from {format_value(KINDS['regimen'], 'start', r.get('start'), {})})"


def _focus_widget(w: QWidget) -> QWidget:
    return w.line if isinstance(w, fw.PartialDateEdit) else w


class RecordEditor(QDialog):
    """Add or edit one record of ``kind``; ``row`` is the existing record as a dict."""

    def __init__(self, ctx, kind: Kind, row: dict | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.kind = ctx, kind
        self.row = dict(row) if row else {**_model_defaults(kind.table), **kind.defaults}
        self.is_new = not (row and row.get("id"))
        self.saved_change: Any = None
        verb = "Add" if self.is_new else "Edit"
        self.setWindowTitle(f"{verb} {kind.noun}")
        self.setAccessibleName(self.windowTitle())
        self.widgets: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}

        outer = QVBoxLayout(self)
        self.top_error = QLabel()
        self.top_error.setProperty("role", "error")
        self.top_error.setWordWrap(True)
        self.top_error.setAccessibleName("Problem")
        self.top_error.hide()
        outer.addWidget(self.top_error)

        body = QWidget()
        self.form = QFormLayout(body)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.build_extra_top()
        for spec in kind.fields:
            self.add_field(spec)
        self.build_extra_bottom()
        if "product" in self.widgets:
            self._complete_products(self.widgets["product"])
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        # Fields shrink to the window rather than hiding behind a sideways scroll bar.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for combo in body.findChildren(QComboBox):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(12)
        outer.addWidget(scroll, 1)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setAccessibleName("Save")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        self.load(self.row)
        self.fit_to_screen(680, 640)

    def fit_to_screen(self, width: int, height: int) -> None:
        """Grow with the text size, but never beyond the screen."""
        from journal.ui.theme import fit_to_screen

        fit_to_screen(self, width, height)

    def initial_focus(self) -> QWidget | None:
        """Where typing starts when the editor opens."""
        first = next(iter(self.widgets.values()), None)
        return _focus_widget(first) if first is not None else None

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not getattr(self, "_focused_once", False):  # only when first shown
            self._focused_once = True
            target = self.initial_focus()
            if target is not None:
                target.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- building -----------------------------------------------------------------
    @staticmethod
    def _complete_products(edit) -> None:
        """Suggest cell-therapy products by any of their names (cilta-cel, Carvykti...)."""
        from PySide6.QtWidgets import QCompleter

        from journal.domain.catalog import get_catalog

        names = []
        for d in get_catalog().drugs:
            if d.modality == "CAR-T":
                names += [d.generic, *d.brands, *d.codes, *d.aliases]
        completer = QCompleter(sorted(set(names), key=str.lower), edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        edit.setCompleter(completer)
        edit.setToolTip(tip("Type the product's name, brand or short name", "CAR-T"))

    def build_extra_top(self) -> None:
        """Subclasses add widgets above the generic fields."""

    def build_extra_bottom(self) -> None:
        """Subclasses add widgets below the generic fields."""

    def add_field(self, spec: F) -> QWidget:
        w = make_field_widget(self.ctx, spec, exclude_id=self.row.get("id"))
        explanation = tip(spec.help, *spec.terms)
        target = _focus_widget(w)
        target.setAccessibleName(spec.label)
        if explanation:
            target.setToolTip(explanation)
            target.setAccessibleDescription(explanation)
        err = QLabel()
        err.setProperty("role", "error")
        err.setWordWrap(True)
        err.setAccessibleName(f"{spec.label}: problem")
        err.hide()
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(w)
        lay.addWidget(err)
        if spec.kind == "bool":
            self.form.addRow("", box)
        else:
            label = QLabel(("* " if spec.required else "") + spec.label)
            label.setBuddy(target)
            label.setWordWrap(False)  # full-width row above its field: no awkward wrapping
            if explanation:
                label.setToolTip(explanation)
            self.form.addRow(label, box)
        self.widgets[spec.name] = w
        self.errors[spec.name] = err
        return w

    # -- data ---------------------------------------------------------------------
    def load(self, row: dict) -> None:
        for name, w in self.widgets.items():
            if name in row:
                w.set_value(row[name])

    def values(self) -> dict:
        out = dict(self.row)
        for name, w in self.widgets.items():
            out[name] = w.value()
        return out

    def local_errors(self) -> dict[str, str]:
        errs = {}
        for name, w in self.widgets.items():
            e = w.error()
            if e:
                errs[name] = e
        return errs

    def show_errors(self, errs: dict[str, str], general: list[str] | None = None) -> None:
        for name, lab in self.errors.items():
            if name in errs:
                lab.setText(errs[name])
                lab.show()
            else:
                lab.clear()
                lab.hide()
        other = list(general or []) + [f"{k}: {v}" for k, v in errs.items() if k not in self.errors]
        if errs or other:
            text = " ".join(other) if other else "Please check the fields marked below."
            if "not saved" not in text.lower():
                text = "Not saved yet. " + text
            self.top_error.setText(text)
            self.top_error.show()
        else:
            self.top_error.hide()
        first = next((n for n in self.widgets if n in errs), None)
        if first:
            _focus_widget(self.widgets[first]).setFocus(Qt.FocusReason.OtherFocusReason)

    def save(self) -> None:
        errs = self.local_errors()
        if errs:
            self.show_errors(errs)
            return
        values = self.values()
        try:
            self.saved_change = self.commit(values)
        except Exception as exc:
            field_errs, general = explain_error(exc)
            self.show_errors(field_errs, general)
            return
        self.accept()

    def commit(self, values: dict) -> Any:
        from journal.services import actions

        record = self.kind.table(
            **{k: v for k, v in values.items() if k in self.kind.table.model_fields}
        )
        if self.kind.key == "person":  # one person and one diagnosis per journal
            return self.ctx.apply(actions.set_person, record)
        if self.kind.key == "diagnosis":
            return self.ctx.apply(actions.set_diagnosis, record)
        label = self.kind.label("Add" if self.is_new else "Edit", values)
        return self.ctx.apply(actions.save, record, label=label)


def explain_error(exc: Exception) -> tuple[dict[str, str], list[str]]:
    """Split a save failure into messages per field and general ones, in plain words."""
    from journal.errors import JournalError

    if isinstance(exc, JournalError):  # already one plain message (e.g. the disk is full)
        return {}, [str(exc)]
    errors = getattr(exc, "errors", None)
    if errors and all(hasattr(e, "field") for e in errors):
        per: dict[str, str] = {}
        for e in errors:
            per[e.field] = (per[e.field] + " " if e.field in per else "") + e.message
        return per, []
    text = str(getattr(exc, "orig", None) or exc)
    if "CHECK constraint failed" in text:
        return {}, [
            f"The journal refused a value ({text.split(':')[-1].strip()}); check dates and numbers."
        ]
    return {}, [f"Could not save: {text}"]
