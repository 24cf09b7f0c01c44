import pytest

from journal.demo import build_demo
from journal.store.db import create_journal
from journal.store.exchange import export_journal


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory):
    """The demo journal's export (exported_at fixed), built once per test module."""
    store = create_journal(tmp_path_factory.mktemp("d") / "demo.sqlite", auto_backup=False)
    build_demo(store)
    data = export_journal(store, exported_at="2026-11-25T00:00:00+00:00")
    store.close()
    return data
