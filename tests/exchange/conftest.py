import pytest

from journal.store.db import create_journal


@pytest.fixture
def new_store(tmp_path):
    made = []

    def make(name="j.sqlite"):
        s = create_journal(tmp_path / name, auto_backup=False)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()
