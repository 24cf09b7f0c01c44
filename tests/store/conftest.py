import hashlib
import sqlite3
from pathlib import Path

import pytest

from journal.store.db import create_journal
from journal.store.models import LabResult, Note, Regimen, RegimenDrug


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def table_dump(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table (but the version marks), read-only."""
    conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' "
                "AND name NOT LIKE 'sqlite_%' AND name NOT IN ('alembic_version','journal_meta')"
            )
        ]
        return {n: conn.execute(f'SELECT * FROM "{n}" ORDER BY 1').fetchall() for n in names}
    finally:
        conn.close()


def fill(store, n: int = 20) -> None:
    with store.session() as s:
        for i in range(n):
            reg = Regimen(name=f"R{i}", start=f"20{10 + i % 10}-0{1 + i % 9}")
            s.add(reg)
            s.flush()
            s.add(RegimenDrug(regimen_id=reg.id, name="drug", dose=1.5 * i, dose_unit="mg"))
            s.add(Note(date="2020-05", text=f"note {i} é ü"))
            s.add(LabResult(date="2020-05-01", test="m_protein", value=i / 3, unit="g/L"))
        s.commit()


@pytest.fixture
def journal_path(tmp_path) -> Path:
    """A closed journal with some data, no backups yet."""
    path = tmp_path / "j.sqlite"
    store = create_journal(path, auto_backup=False)
    fill(store)
    store.close()
    return path
