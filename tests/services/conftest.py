import pytest

from journal.store.db import create_journal


@pytest.fixture
def store(tmp_path):
    s = create_journal(tmp_path / "journal.sqlite", auto_backup=False)
    yield s
    s.close()
