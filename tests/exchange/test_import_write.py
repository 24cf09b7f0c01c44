"""How import writes: SQLite's per-row foreign-key lookups are off while it writes (the
checks already matched every link to the file's ids) and one foreign_key_check vouches
before COMMIT; a journal built beside its destination skips the COMMIT's fsync. The
connection goes back to the pool with its usual checks and syncing either way."""

import copy

import pytest

from journal.services.files import import_into_new_journal
from journal.store import exchange
from journal.store import models as m
from journal.store.db import create_journal, open_journal
from journal.store.exchange import ExchangeError, dumps, export_journal

FIXED = "2026-11-25T00:00:00+00:00"


def _pragmas(store) -> tuple[int, int]:
    with store.engine.connect() as c:
        fk = c.exec_driver_sql("PRAGMA foreign_keys").scalar()
        sync = c.exec_driver_sql("PRAGMA synchronous").scalar()
    return fk, sync


def _empty(store) -> bool:
    with store.engine.connect() as c:
        return exchange._is_empty(c)


@pytest.mark.parametrize("new_file", [False, True])
def test_the_connection_gets_its_checks_back(demo_data, tmp_path, new_file):
    with create_journal(tmp_path / "j.sqlite", auto_backup=False) as s:
        assert _pragmas(s) == (1, 2)  # foreign keys on, synchronous=FULL
        exchange.import_journal(s, demo_data, new_file=new_file)
        assert _pragmas(s) == (1, 2)
        with pytest.raises(exchange.JournalNotEmptyError):  # refused inside the write
            exchange.import_journal(s, demo_data, new_file=new_file)
        assert _pragmas(s) == (1, 2)


def test_a_link_that_slipped_past_the_checks_is_still_refused(demo_data, tmp_path, monkeypatch):
    monkeypatch.setattr(exchange, "check_exchange", lambda data, progress=None: [])
    d = copy.deepcopy(demo_data)
    d["records"]["regimen_drugs"][0]["regimen_id"] = 999_999  # no such regimen
    with create_journal(tmp_path / "j.sqlite", auto_backup=False) as s:
        with pytest.raises(ExchangeError, match=r"nothing was written.*regimendrug points to"):
            exchange.import_journal(s, d)
        assert _empty(s)
        assert _pragmas(s) == (1, 2)
        monkeypatch.undo()
        exchange.import_journal(s, demo_data)  # the same connection imports a good file
        with s.engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA foreign_key_check").first() is None


def test_a_new_journal_holds_exactly_the_file(demo_data, tmp_path):
    out = tmp_path / "new.sqlite"
    import_into_new_journal(demo_data, out)
    assert [p.name for p in tmp_path.iterdir()] == ["new.sqlite"]  # nothing left beside it
    with open_journal(out, readonly=True) as s:
        again = dumps(export_journal(s, exported_at=FIXED))
        with s.engine.connect() as c:
            assert c.execute(m.Regimen.__table__.select()).first() is not None
    assert again == dumps(demo_data)
