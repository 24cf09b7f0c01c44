"""Opening a journal file. (Minimal first version: the safety layer replaces the internals.)

The public surface other layers use: :func:`create_journal`, :func:`open_journal`,
:class:`JournalStore` with ``.engine``, ``.path``, ``.session()`` and ``.close()``.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlmodel import Session, SQLModel, create_engine

from journal.store import models  # noqa: F401 - registers the tables


class JournalStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.engine = create_engine(f"sqlite:///{self.path}")

        @event.listens_for(self.engine, "connect")
        def _pragmas(dbapi_conn, _rec):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.close()

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> JournalStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def create_journal(path: Path | str) -> JournalStore:
    store = JournalStore(Path(path))
    SQLModel.metadata.create_all(store.engine)
    return store


def open_journal(path: Path | str) -> JournalStore:
    return JournalStore(Path(path))
