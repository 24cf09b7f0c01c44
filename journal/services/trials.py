"""Trial records in the journal: bring one, remove one, answer a criterion; and read them.

The same functions serve the window and the command line. Each writer is one transaction and
returns a :class:`~journal.services.actions.Change` (undoable, published to open views).
Reading a file never changes the journal: a file that is not a study record is refused with
one plain sentence before anything is written.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from journal.domain.summary import Summary
from journal.services.actions import Change, _finish, _transaction
from journal.store import models as m
from journal.trials.checklist import STATUSES, Answer, Checklist, build_checklist
from journal.trials.record import (
    MAX_RECORD_BYTES,
    RecordError,
    TrialRecord,
    read_record_bytes,
    read_record_zip,
    record_from_study,
)

#: The bulk zip of every study is 2.5 GB: it is opened, never read whole.
MAX_ZIP_BYTES = 8 * 1024**3


def read_record_file(path: Path | str, nct: str | None = None) -> list[TrialRecord]:
    """The study records in a file the person saved (JSON, XML, or a zip with ``nct``)."""
    path = Path(path)
    name = path.name
    try:
        if path.is_dir():
            raise RecordError(f"{path} is a folder. Give the saved study record (.json) itself.")
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(4)
            if head == b"PK\x03\x04":
                if size > MAX_ZIP_BYTES:
                    raise RecordError(f"{name} is larger than the registry's whole bulk zip.")
                fh.seek(0)
                return [read_record_zip(fh, nct, name)]
            if size > MAX_RECORD_BYTES:
                raise RecordError(
                    f"{name} is {size // 2**20} MB, larger than any single study record "
                    f"({MAX_RECORD_BYTES // 2**20} MB at most). Save one study, or a search "
                    "page of fewer studies, and try again."
                )
            fh.seek(0)
            data = fh.read(MAX_RECORD_BYTES + 1)
    except FileNotFoundError:
        raise RecordError(f"There is no file at {path}. Check the name.") from None
    except PermissionError:
        raise RecordError(f"You do not have permission to read {path}.") from None
    except OSError as e:
        raise RecordError(f"Cannot read {path}: {e.strerror}.") from None
    records = read_record_bytes(data, name)
    if nct is not None:
        wanted = nct.strip().upper()
        chosen = [r for r in records if r.nct_id == wanted]
        if not chosen:
            raise RecordError(f"{name} holds no record for {wanted}.")
        return chosen
    return records


@dataclass(frozen=True)
class StoredTrial:
    id: int
    record: TrialRecord
    brought_at: str
    record_updated: str | None
    source_name: str | None

    @property
    def nct_id(self) -> str:
        return self.record.nct_id


def _stored(row: dict) -> StoredTrial:
    study = json.loads(row["raw_record"])
    rec = record_from_study(study)
    return StoredTrial(row["id"], rec, row["brought_at"], row["record_updated"], row["source_name"])


# --------------------------------------------------------------------------- writers
def add_trial_record(store, record: TrialRecord, *, source_name: str | None = None) -> Change:
    """Keep a study record in the journal; a record already kept for the same NCT number is
    replaced by this one (the person's answers stay)."""
    raw = json.dumps(record.raw, ensure_ascii=False, sort_keys=True)
    values = {
        "nct_id": record.nct_id,
        "title": record.title,
        "raw_record": raw,
        "record_updated": record.last_update,
        "brought_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "source_name": Path(source_name).name if source_name else None,
    }
    tb = m.TrialStudy.__table__
    with _transaction(store) as w:
        existing = w.conn.execute(select(tb.c.id).where(tb.c.nct_id == record.nct_id)).scalar()
        if existing is None:
            w.insert(m.TrialStudy, values)
            label = f"Bring trial {record.nct_id}"
        else:
            w.update(m.TrialStudy, existing, values)
            label = f"Bring a newer record of trial {record.nct_id}"
    return _finish(store, w, label)


def _trial_id(w, nct_id: str) -> int:
    from journal.services.actions import NotFoundError

    tb = m.TrialStudy.__table__
    tid = w.conn.execute(select(tb.c.id).where(tb.c.nct_id == nct_id.strip().upper())).scalar()
    if tid is None:
        raise NotFoundError(f"Trial {nct_id} is not in the journal. Bring its record first.")
    return int(tid)


def remove_trial(store, nct_id: str) -> Change:
    """Remove a trial's record and the person's answers to it (undoable)."""
    with _transaction(store) as w:
        w.delete(m.TrialStudy, _trial_id(w, nct_id))
    return _finish(store, w, f"Remove trial {nct_id}")


def answer_criterion(
    store,
    nct_id: str,
    criterion_index: int,
    status: str | None,
    note: str = "",
    *,
    criterion_text: str,
) -> Change:
    """The person's own answer to one criterion (``status`` None clears it). The words
    answered are kept, so a newer record with other words shows the answer as stale."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"{status!r} is not an answer; use one of {', '.join(STATUSES)}")
    tb = m.TrialAnswer.__table__
    with _transaction(store) as w:
        tid = _trial_id(w, nct_id)
        existing = w.conn.execute(
            select(tb.c.id).where(tb.c.trial_id == tid, tb.c.criterion_index == criterion_index)
        ).scalar()
        if status is None:
            if existing is not None:
                w.delete(m.TrialAnswer, existing)
            label = f"Clear your answer on {nct_id}"
        else:
            values = {
                "trial_id": tid,
                "criterion_index": criterion_index,
                "criterion_text": criterion_text,
                "status": status,
                "note": note.strip() or None,
                "answered_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            }
            if existing is None:
                w.insert(m.TrialAnswer, values)
            else:
                w.update(m.TrialAnswer, existing, values)
            label = f"Answer a criterion of {nct_id}"
    return _finish(store, w, label, extra_tables=("trial_answer",))


# --------------------------------------------------------------------------- readers
def list_trials(store) -> list[StoredTrial]:
    tb = m.TrialStudy.__table__
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(tb).order_by(tb.c.id)).mappings()]
    return [_stored(r) for r in rows]


def get_trial(store, nct_id: str) -> StoredTrial | None:
    tb = m.TrialStudy.__table__
    with store.engine.connect() as conn:
        row = (
            conn.execute(select(tb).where(tb.c.nct_id == nct_id.strip().upper())).mappings().first()
        )
    return _stored(dict(row)) if row else None


def trial_answers(store, trial_id: int) -> dict[int, Answer]:
    tb = m.TrialAnswer.__table__
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(tb).where(tb.c.trial_id == trial_id).order_by(tb.c.id)
        ).mappings()
        return {
            r["criterion_index"]: Answer(
                r["criterion_index"], r["status"], r["note"] or "", r["answered_at"][:10]
            )
            for r in rows
        }


def trial_checklist(store, trial: StoredTrial, summary: Summary) -> Checklist:
    """The checklist of a kept trial with the person's answers (stale ones left out)."""
    answers = trial_answers(store, trial.id)
    cl = build_checklist(trial.record, summary, answers)
    texts = {it.criterion.index: it.criterion.text for it in cl.all_items()}
    tb = m.TrialAnswer.__table__
    with store.engine.connect() as conn:
        words = {
            r["criterion_index"]: r["criterion_text"]
            for r in conn.execute(select(tb).where(tb.c.trial_id == trial.id)).mappings()
        }
    fresh = {i: a for i, a in answers.items() if words.get(i) == texts.get(i)}
    if len(fresh) != len(answers):
        cl = build_checklist(trial.record, summary, fresh)
    return cl
