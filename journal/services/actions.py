"""The only writers: one function per thing a person does, each one transaction.

Every action validates first (:func:`journal.store.validation.validate`; nothing
is written when a field is wrong), writes in a single transaction, publishes a
:class:`Change` on the journal's bus (:func:`journal.services.events.bus_for`)
and returns it. A ``Change`` carries the undo text, the tables touched and a
before/after image of every row it touched, cascaded children included, so
:func:`undo` puts back exactly the earlier state and :func:`redo` re-applies it
with the same ids. Pattern: Anki's ``qt/aqt/operations`` (one named operation,
one transaction, one undo label).

Writes go through SQLAlchemy Core on ``store.engine`` rather than ORM sessions:
the row images are plain dicts and bulk paths stay fast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update
from sqlalchemy import delete as sa_delete
from sqlalchemy.exc import SQLAlchemyError

from journal.domain.dates import PartialDate
from journal.domain.labs import LAB_TESTS
from journal.errors import disk_full, is_disk_full
from journal.services.events import bus_for
from journal.store import exchange
from journal.store import models as m
from journal.store.validation import (
    DATE_FIELDS,
    TABLE_LABELS,
    FieldError,
    RecordError,
    RowValues,
    validate,
)

TABLE_CLASSES: dict[str, type[m.TableModel]] = {t.__tablename__: t for t in m.RECORD_TABLES}


class NotFoundError(LookupError):
    """The row an action should change is not in the journal (any more)."""


class UndoConflictError(RuntimeError):
    """The journal no longer matches what an undo/redo expects; nothing was changed."""


@dataclass(frozen=True)
class RowImage:
    table: str  # table name, e.g. "regimen"
    id: int
    before: dict[str, Any] | None  # None = the row did not exist
    after: dict[str, Any] | None  # None = the row was deleted


@dataclass(frozen=True)
class Change:
    """What one action did. ``undoable`` is False for bulk loads (import, demo)."""

    label: str
    tables: frozenset[str]
    rows: tuple[RowImage, ...] = ()
    undoable: bool = True
    kind: str = "do"  # "do", "undo" or "redo"

    def inserted(self, table: str | type[m.TableModel]) -> list[int]:
        """Ids of rows this change created in ``table``, in the order created."""
        name = table if isinstance(table, str) else table.__tablename__
        return [r.id for r in self.rows if r.table == name and r.before is None]

    @property
    def new_id(self) -> int | None:
        """Id of the first row created (the regimen of an add_regimen, ...)."""
        for r in self.rows:
            if r.before is None:
                return r.id
        return None

    def inverted(self) -> Change:
        rows = tuple(RowImage(r.table, r.id, r.after, r.before) for r in reversed(self.rows))
        return replace(self, rows=rows)


# -- the transaction helper ---------------------------------------------------------


def _table(t: str | type[m.TableModel]) -> Table:
    cls = TABLE_CLASSES[t] if isinstance(t, str) else t
    return cls.__table__


def _children() -> dict[str, list[tuple[Table, str, str | None]]]:
    """parent table name -> [(child table, fk column, ondelete)]."""
    out: dict[str, list[tuple[Table, str, str | None]]] = {}
    for cls in m.RECORD_TABLES:
        tb = cls.__table__
        for fk in tb.foreign_keys:
            out.setdefault(fk.column.table.name, []).append((tb, fk.parent.name, fk.ondelete))
    return out


_CHILDREN = _children()


@dataclass
class _Writer:
    conn: Connection
    images: list[RowImage] = field(default_factory=list)

    def row(self, t: str | type[m.TableModel], id_: int) -> dict[str, Any] | None:
        tb = _table(t)
        r = self.conn.execute(select(tb).where(tb.c.id == id_)).mappings().first()
        return dict(r) if r is not None else None

    def insert(self, t: str | type[m.TableModel], values: Mapping[str, Any]) -> int:
        tb = _table(t)
        vals = {k: v for k, v in values.items() if k in tb.c and not (k == "id" and v is None)}
        res = self.conn.execute(insert(tb).values(**vals))
        key = res.inserted_primary_key
        assert key is not None  # one row inserted, so SQLAlchemy knows its key
        new_id = int(key[0])
        self.images.append(RowImage(tb.name, new_id, None, self.row(tb.name, new_id)))
        return new_id

    def update(self, t: str | type[m.TableModel], id_: int, values: Mapping[str, Any]) -> None:
        tb = _table(t)
        before = self.row(tb.name, id_)
        if before is None:
            raise NotFoundError(f"{TABLE_LABELS.get(tb.name, tb.name)} {id_} is not in the journal")
        vals = {k: v for k, v in values.items() if k in tb.c and k != "id"}
        if all(before.get(k) == v for k, v in vals.items()):
            return  # nothing changed: keep the undo history clean
        self.conn.execute(update(tb).where(tb.c.id == id_).values(**vals))
        self.images.append(RowImage(tb.name, id_, before, self.row(tb.name, id_)))

    def delete(self, t: str | type[m.TableModel], id_: int) -> None:
        tb = _table(t)
        before = self.row(tb.name, id_)
        if before is None:
            raise NotFoundError(f"{TABLE_LABELS.get(tb.name, tb.name)} {id_} is not in the journal")
        self._detach_children(tb, id_)
        self.conn.execute(sa_delete(tb).where(tb.c.id == id_))
        self.images.append(RowImage(tb.name, id_, before, None))

    def _detach_children(self, tb: Table, id_: int) -> None:
        # Done here, in a known order, rather than left to SQLite's ON DELETE, so
        # every row the delete touches has an image and undo can put it back.
        for child, col, ondelete in _CHILDREN.get(tb.name, []):
            rows = (
                self.conn.execute(
                    select(child.c.id).where(child.c[col] == id_).order_by(child.c.id)
                )
                .scalars()
                .all()
            )
            for cid in rows:
                if child is tb and cid == id_:
                    continue
                if (ondelete or "").upper() == "CASCADE":
                    self.delete(child.name, cid)
                else:
                    self.update(child.name, cid, {col: None})


@dataclass
class _Batch:
    conn: Connection
    changes: list[Change] = field(default_factory=list)
    failed: bool = False


@contextmanager
def _disk_full_is_plain(store, what: str = "the change"):
    # SQLite rolls the transaction back when the disk fills up; say so plainly
    # instead of letting "OperationalError: database or disk is full" reach the person.
    try:
        yield
    except (SQLAlchemyError, OSError) as e:
        if is_disk_full(e):
            raise disk_full(
                what, "Nothing was saved, and the journal is as it was before.", store.path
            ) from e
        raise


@contextmanager
def _transaction(store):
    b: _Batch | None = getattr(store, "_services_batch", None)
    if b is None:
        with _disk_full_is_plain(store), store.engine.begin() as conn:
            yield _Writer(conn)
        return
    try:
        yield _Writer(b.conn)
    except BaseException:
        b.failed = True  # part of this action may be written: the batch must not commit
        raise


@contextmanager
def batch(store):
    """Run many actions in ONE transaction (loaders such as the demo: one fsync, not
    hundreds). Their Changes are published after the commit. Any error inside
    rolls back the whole batch, even if the caller caught it.
    """
    if getattr(store, "_services_batch", None) is not None:
        raise RuntimeError("batches do not nest")
    with _disk_full_is_plain(store), store.engine.begin() as conn:
        b = _Batch(conn)
        store._services_batch = b
        try:
            yield
            if b.failed:
                raise RuntimeError("an action in the batch failed; nothing was written")
        finally:
            store._services_batch = None
    for change in b.changes:
        bus_for(store).publish(change)


def _finish(store, w: _Writer, label: str, extra_tables: Iterable[str] = ()) -> Change:
    tables = frozenset({r.table for r in w.images} | set(extra_tables))
    change = Change(label=label, tables=tables, rows=tuple(w.images))
    b: _Batch | None = getattr(store, "_services_batch", None)
    if b is not None:
        b.changes.append(change)
    else:
        bus_for(store).publish(change)
    return change


def values_of(record: m.TableModel) -> dict[str, Any]:
    """Column values of a model object (the row it would be)."""
    return {c.name: getattr(record, c.name, None) for c in record.__table__.columns}


def _as_date_text(d: PartialDate | dt.date | str | None) -> str | None:
    if d is None:
        return None
    if isinstance(d, PartialDate):
        return d.to_iso()
    if isinstance(d, dt.date):
        return PartialDate.from_date(d).to_iso()
    return d


def _prepare(record: m.TableModel) -> m.TableModel:
    """Let callers put PartialDate or datetime.date objects in date fields: they are
    stored as the canonical text. Returns the record (changed in place)."""
    for f in DATE_FIELDS.get(type(record), ()):
        v = getattr(record, f, None)
        if isinstance(v, PartialDate | dt.date):
            setattr(record, f, _as_date_text(v))
    return record


def _label_of(record: m.TableModel) -> str:
    return TABLE_LABELS.get(record.__tablename__, record.__tablename__)


def _with_item(err: RecordError, item: str) -> RecordError:
    return RecordError(err.errors, err.what, item)


# -- generic ------------------------------------------------------------------------


def save(store, record: m.TableModel, label: str | None = None) -> Change:
    """Insert (``record.id`` None) or update any row of a RECORD_TABLES table.

    On insert the new id is set on ``record``.
    """
    cls = type(record)
    if cls not in TABLE_CLASSES.values():
        raise TypeError(f"{cls.__name__} is not a journal table")
    _prepare(record)
    with _transaction(store) as w:
        parent: m.Regimen | m.RegimenDrug | None = None
        if isinstance(record, m.RegimenDrug) and record.regimen_id is not None:
            row = w.row(m.Regimen, record.regimen_id)
            parent = m.Regimen(**row) if row else None
        elif isinstance(record, m.DoseChange) and record.regimen_drug_id is not None:
            parent = _resolved_drug(w, record.regimen_drug_id)
        validate(record, parent=parent)
        if record.id is None:
            record.id = w.insert(cls, values_of(record))
            verb = "Add"
        else:
            w.update(cls, record.id, values_of(record))
            verb = "Edit"
    return _finish(store, w, label or f"{verb} {_label_of(record)}")


def delete(store, table_cls: type[m.TableModel], id: int, label: str | None = None) -> Change:
    """Delete one row and whatever the schema cascades from it (all undoable)."""
    with _transaction(store) as w:
        w.delete(table_cls, id)
    return _finish(store, w, label or f"Delete {TABLE_LABELS.get(table_cls.__tablename__)}")


def _apply(store, rows: Sequence[RowImage]) -> None:
    with _transaction(store) as w:
        for img in rows:
            current = w.row(img.table, img.id)
            if current != img.before:
                raise UndoConflictError(
                    f"The {TABLE_LABELS.get(img.table, img.table)} was changed since; "
                    "this step can no longer be undone or redone."
                )
            tb = _table(img.table)
            if img.after is None:
                w.conn.execute(sa_delete(tb).where(tb.c.id == img.id))
            elif img.before is None:
                w.conn.execute(insert(tb).values(**img.after))
            else:
                w.conn.execute(update(tb).where(tb.c.id == img.id).values(**img.after))


def undo(store, change: Change) -> Change:
    """Put back the state before ``change``; returns (and publishes) the undo as a Change."""
    if not change.undoable:
        raise UndoConflictError(f"{change.label!r} cannot be undone.")
    inv = change.inverted()
    _apply(store, inv.rows)
    out = replace(inv, label=f"Undo {change.label}", kind="undo")
    bus_for(store).publish(out)
    return out


def redo(store, change: Change) -> Change:
    """Re-apply ``change`` (the original one, not the Change undo returned)."""
    if not change.undoable:
        raise UndoConflictError(f"{change.label!r} cannot be redone.")
    _apply(store, change.rows)
    out = replace(change, label=f"Redo {change.label}", kind="redo")
    bus_for(store).publish(out)
    return out


# -- regimens -----------------------------------------------------------------------


def _resolved_drug(w: _Writer, drug_id: int) -> m.RegimenDrug | None:
    """The drug with its dates filled in from its regimen (for checking dose changes)."""
    row = w.row(m.RegimenDrug, drug_id)
    if row is None:
        return None
    reg = w.row(m.Regimen, row["regimen_id"]) or {}
    d = m.RegimenDrug(**row)
    d.start = d.start or reg.get("start")
    d.last_dose = d.last_dose or reg.get("end")
    return d


def _check_drugs_fit(w: _Writer, regimen: m.Regimen) -> None:
    """New regimen dates must still hold the dates its drugs already have."""
    tb = _table(m.RegimenDrug)
    rows = w.conn.execute(
        select(tb).where(tb.c.regimen_id == regimen.id).order_by(tb.c.id)
    ).mappings()
    errors = []
    for row in rows:
        try:
            validate(m.RegimenDrug(**row), parent=regimen)
        except RecordError as err:
            name = row["name"] or row["drug_id"] or "a drug"
            for fe in err.errors:
                field_ = "end" if fe.field == "last_dose" else "start"
                errors.append(FieldError(field_, f"{name}: {fe.message}"))
    if errors:
        raise RecordError(errors, "regimen")


def _validate_drugs(regimen: m.Regimen, drugs: Sequence[m.RegimenDrug]) -> None:
    for i, d in enumerate(drugs):
        _prepare(d)
        try:
            validate(d, parent=regimen, ignore=("regimen_id",))
        except RecordError as err:
            raise _with_item(err, f"drugs[{i}]") from None


def add_regimen(store, regimen: m.Regimen, drugs: Sequence[m.RegimenDrug] = ()) -> Change:
    """A regimen and its drugs in one step; sets the new ids on the objects."""
    if regimen.id is not None:
        raise ValueError("add_regimen is for a new regimen; use update_regimen to edit")
    validate(_prepare(regimen))
    _validate_drugs(regimen, drugs)
    with _transaction(store) as w:
        regimen.id = w.insert(m.Regimen, values_of(regimen))
        for d in drugs:
            d.regimen_id = regimen.id
            d.id = w.insert(m.RegimenDrug, values_of(d))
    return _finish(store, w, f"Add regimen {regimen.name}")


def update_regimen(
    store, regimen: m.Regimen, drugs: Sequence[m.RegimenDrug] | None = None
) -> Change:
    """Edit a regimen; with ``drugs`` also make its drug list exactly these
    (drugs with an id are updated, without one added, missing ones removed)."""
    if regimen.id is None:
        raise ValueError("update_regimen needs a saved regimen (id is None)")
    validate(_prepare(regimen))
    if drugs is not None:
        _validate_drugs(regimen, drugs)
    with _transaction(store) as w:
        if drugs is None:
            _check_drugs_fit(w, regimen)
        w.update(m.Regimen, regimen.id, values_of(regimen))
        if drugs is not None:
            tb = _table(m.RegimenDrug)
            existing = (
                w.conn.execute(
                    select(tb.c.id).where(tb.c.regimen_id == regimen.id).order_by(tb.c.id)
                )
                .scalars()
                .all()
            )
            keep = {d.id for d in drugs if d.id is not None}
            for did in existing:
                if did not in keep:
                    w.delete(m.RegimenDrug, did)
            for d in drugs:
                d.regimen_id = regimen.id
                if d.id is None:
                    d.id = w.insert(m.RegimenDrug, values_of(d))
                else:
                    w.update(m.RegimenDrug, d.id, values_of(d))
    return _finish(store, w, f"Edit regimen {regimen.name}")


def end_regimen(
    store, regimen_id: int, end: PartialDate | dt.date | str, reason: str, detail: str | None = None
) -> Change:
    """Record that a regimen stopped on ``end`` because of ``reason`` (a ChangeReason)."""
    with _transaction(store) as w:
        row = w.row(m.Regimen, regimen_id)
        if row is None:
            raise NotFoundError(f"regimen {regimen_id} is not in the journal")
        reg = m.Regimen(**row)
        reg.end, reg.end_reason = _as_date_text(end), reason
        if detail is not None:
            reg.end_reason_detail = detail
        validate(reg)
        _check_drugs_fit(w, reg)
        w.update(
            m.Regimen,
            regimen_id,
            {"end": reg.end, "end_reason": reason, "end_reason_detail": reg.end_reason_detail},
        )
    return _finish(store, w, f"End regimen {reg.name}")


def add_dose_change(store, change: m.DoseChange) -> Change:
    return save(store, change, "Add dose change")


# -- events of the illness -----------------------------------------------------------


def add_procedure(store, procedure: m.Procedure) -> Change:
    return save(store, procedure, f"Add {procedure.kind}")


def record_response(store, response: m.Response) -> Change:
    return save(store, response, f"Record response {response.category}")


def record_progression(store, progression: m.Progression) -> Change:
    return save(store, progression, "Record progression")


def confirm_progression(
    store, progression_id: int, confirmed_on: PartialDate | dt.date | str
) -> Change:
    """The progression first met on its ``date`` was confirmed by a later test on
    ``confirmed_on`` (IMWG: two consecutive assessments)."""
    with _transaction(store) as w:
        row = w.row(m.Progression, progression_id)
        if row is None:
            raise NotFoundError(f"progression {progression_id} is not in the journal")
        prog = m.Progression(**row)
        prog.confirmed_on, prog.confirmed = _as_date_text(confirmed_on), True
        validate(prog)
        w.update(
            m.Progression,
            progression_id,
            {"confirmed_on": prog.confirmed_on, "confirmed": True},
        )
    return _finish(store, w, "Confirm progression")


def record_mrd(store, mrd: m.MrdResult) -> Change:
    """Add or edit one MRD test result."""
    return save(store, mrd, f"Record MRD {mrd.result}")


def record_health_answer(store, item: m.HealthHistory) -> Change:
    """Add or edit an answer about health history ("yes" with details, or a checked "no")."""
    verb = "Record" if item.id is None else "Edit"
    return save(store, item, f"{verb} health history: {item.topic} ({item.answer})")


def record_health_answers(store, items: Sequence[m.HealthHistory]) -> Change:
    """Several new answers at once (a screening checklist), one transaction, one undo step."""
    if not items:
        raise RecordError(
            [FieldError("answer", "No question was answered; choose yes or no for at least one.")],
            "health history answer",
        )
    for i, it in enumerate(items):
        try:
            validate(_prepare(it))
        except RecordError as err:
            raise _with_item(err, f"items[{i}]") from None
    with _transaction(store) as w:
        for it in items:
            it.id = w.insert(m.HealthHistory, values_of(it))
    n = len(items)
    what = f"{items[0].topic} ({items[0].answer})" if n == 1 else f"{n} answers"
    return _finish(store, w, f"Record health history: {what}")


def record_health_no(
    store, topics: Iterable[str], checked_on: PartialDate | dt.date | str | None = None
) -> Change:
    """Several checked "no" answers at once (e.g. from a screening visit), one undo step.
    A topic already answered "no" keeps its row; a "yes" is never overwritten."""
    topics = list(dict.fromkeys(topics))
    items = [m.HealthHistory(topic=t, answer="no", date=_as_date_text(checked_on)) for t in topics]
    for i, it in enumerate(items):
        try:
            validate(it)
        except RecordError as err:
            raise _with_item(err, f"topics[{i}]") from None
    with _transaction(store) as w:
        tb = _table(m.HealthHistory)
        for it in items:
            have = w.conn.execute(select(tb.c.answer).where(tb.c.topic == it.topic)).scalars().all()
            if have:
                continue
            it.id = w.insert(m.HealthHistory, values_of(it))
    n = sum(1 for it in items if it.id is not None)
    return _finish(store, w, f"Record {n} health history answer(s): no", {"healthhistory"})


def _attribution(d: m.SideEffectDrug | Mapping[str, Any] | str) -> m.SideEffectDrug:
    if isinstance(d, m.SideEffectDrug):
        return d
    if isinstance(d, str):
        # side_effect_id is filled in when the side effect is written (a table model
        # does not validate on construction).
        return m.SideEffectDrug(name=d)  # type: ignore[call-arg]
    return m.SideEffectDrug(**d)


def record_side_effect(
    store, se: m.SideEffect, attributed_drugs: Iterable[m.SideEffectDrug | Mapping | str] = ()
) -> Change:
    """Add or edit a side effect and make its attributed drugs exactly these.

    A drug is a SideEffectDrug, a dict of its fields, or a plain name.
    """
    drugs = [_attribution(d) for d in attributed_drugs]
    validate(_prepare(se))
    for i, d in enumerate(drugs):
        try:
            validate(d, ignore=("side_effect_id",))
        except RecordError as err:
            raise _with_item(err, f"attributed_drugs[{i}]") from None
    with _transaction(store) as w:
        if se.id is None:
            se.id = w.insert(m.SideEffect, values_of(se))
            verb = "Record"
        else:
            w.update(m.SideEffect, se.id, values_of(se))
            tb = _table(m.SideEffectDrug)
            old = (
                w.conn.execute(select(tb).where(tb.c.side_effect_id == se.id).order_by(tb.c.id))
                .mappings()
                .all()
            )
            same = [(o["drug_id"], o["name"]) for o in old] == [(d.drug_id, d.name) for d in drugs]
            verb = "Edit"
            if same:
                drugs = []
            else:
                for o in old:
                    w.delete(m.SideEffectDrug, o["id"])
        for d in drugs:
            d.side_effect_id = se.id
            d.id = None
            d.id = w.insert(m.SideEffectDrug, values_of(d))
    return _finish(store, w, f"{verb} side effect {se.term}")


def add_lab_results(store, rows: Sequence[m.LabResult]) -> Change:
    """One blood test's results in one step, stored as entered (units unconverted)."""
    if not rows:
        raise RecordError([FieldError("value", "There are no results to save.")], "lab result")
    for i, r in enumerate(rows):
        try:
            validate(_prepare(r))
        except RecordError as err:
            raise _with_item(err, f"rows[{i}]") from None
    with _transaction(store) as w:
        for r in rows:
            r.id = w.insert(m.LabResult, values_of(r))
    dates = sorted({r.date for r in rows})
    when = PartialDate.from_iso(dates[0]).display() if len(dates) == 1 else "several dates"
    n = len(rows)
    what = LAB_TESTS[rows[0].test].name if n == 1 else f"{n} lab results"
    return _finish(store, w, f"Add {what} ({when})")


def record_ecog(store, ecog: m.Ecog) -> Change:
    return save(store, ecog, f"Record ECOG {ecog.score}")


def add_note(store, note: m.Note) -> Change:
    return save(store, note, f"Add {note.kind}")


def add_question(store, question: m.Question) -> Change:
    return save(store, question, "Add question")


def add_supportive_care(store, item: m.SupportiveCare) -> Change:
    return save(store, item, f"Add supportive care {item.name}")


# -- single-row records ---------------------------------------------------------------


def _set_single(store, record: m.TableModel, label: str) -> Change:
    validate(_prepare(record))
    cls = type(record)
    with _transaction(store) as w:
        values = values_of(record)
        if record.id is None:
            tb = _table(cls)
            first = w.conn.execute(select(tb.c.id).order_by(tb.c.id).limit(1)).scalar()
            if first is not None:
                record.id = first
                values.pop("created_at", None)  # a fresh object must not reset the stamp
        if record.id is None:
            record.id = w.insert(cls, values)
        else:
            w.update(cls, record.id, values)
    return _finish(store, w, label)


def set_person(store, person: m.Person) -> Change:
    """The journal holds one person: this creates or replaces that row."""
    return _set_single(store, person, "Edit personal details")


def set_diagnosis(store, diagnosis: m.Diagnosis) -> Change:
    """The diagnosis row (one per journal): creates or replaces it."""
    return _set_single(store, diagnosis, "Edit diagnosis")


# -- corrections of computed results ------------------------------------------------------


def set_override(store, rule: str, subject: str, value: str, reason: str) -> Change:
    """Record a person's correction of a computed result (one per rule+subject)."""
    ov = m.Override(rule=rule, subject=subject, value=value, reason=reason)
    validate(ov)
    with _transaction(store) as w:
        tb = _table(m.Override)
        ids = (
            w.conn.execute(
                select(tb.c.id).where(tb.c.rule == rule, tb.c.subject == subject).order_by(tb.c.id)
            )
            .scalars()
            .all()
        )
        if ids:
            for extra in ids[:-1]:
                w.delete(m.Override, extra)
            w.update(
                m.Override, ids[-1], {"value": value, "reason": reason, "created_at": ov.created_at}
            )
        else:
            w.insert(m.Override, values_of(ov))
    return _finish(store, w, f"Correct {rule}: {subject}")


def clear_override(store, rule: str, subject: str) -> Change:
    """Go back to the computed result for rule+subject."""
    with _transaction(store) as w:
        tb = _table(m.Override)
        ids = (
            w.conn.execute(select(tb.c.id).where(tb.c.rule == rule, tb.c.subject == subject))
            .scalars()
            .all()
        )
        for i in ids:
            w.delete(m.Override, i)
    return _finish(store, w, f"Remove correction {rule}: {subject}", {"override"})


# -- bulk loads (demo, import, synthetic data) ---------------------------------------------


def bulk_insert(
    store,
    rows: Mapping[type[m.TableModel], Sequence[Mapping[str, Any]]],
    *,
    label: str = "Load journal",
    check: bool = True,
) -> Change:
    """Insert many rows per table with Core ``executemany``, in one transaction.

    ``rows`` maps a table class to row dicts (ids may be given); tables are
    written parents first. With ``check`` each row is validated first and the
    first bad one raises RecordError with ``item`` like ``"regimen[3]"``. Not
    undoable: it is for loading a whole journal (demo, synthetic data).
    """
    order = [t for t in m.RECORD_TABLES if rows.get(t)]
    if check:
        for t in order:
            fks = tuple(fk.parent.name for fk in t.__table__.foreign_keys)
            for i, r in enumerate(rows[t]):
                try:
                    validate(RowValues(t, r), ignore=fks)
                except RecordError as err:
                    raise _with_item(err, f"{t.__tablename__}[{i}]") from None
    change = Change(label=label, tables=frozenset(t.__tablename__ for t in order), undoable=False)
    b: _Batch | None = getattr(store, "_services_batch", None)
    if b is not None:
        exchange.insert_rows(b.conn, {t: list(rows[t]) for t in order})
        b.changes.append(change)
        return change
    with _disk_full_is_plain(store, label.lower()), store.engine.begin() as conn:
        exchange.insert_rows(conn, {t: list(rows[t]) for t in order})
    bus_for(store).publish(change)
    return change


def import_exchange(store, data: Mapping[str, Any], progress=None) -> Change:
    """Import an exchange-format dict into this (empty) journal; all or nothing.

    Raises :class:`journal.store.exchange.ExchangeError` listing every problem.
    """
    counts = exchange.import_journal(store, dict(data), progress)
    tables = frozenset(
        t.__tablename__ for t, key in exchange.EXCHANGE_NAMES.items() if counts.get(key)
    )
    change = Change(label="Import journal", tables=tables, undoable=False)
    bus_for(store).publish(change)
    return change
