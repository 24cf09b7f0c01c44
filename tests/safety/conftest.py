"""Full-disk simulation for the safety tests.

``cap_pages(store)`` makes every new connection of the store's engine refuse to grow
the file (SQLite ``PRAGMA max_page_count`` = the pages it has now), so the next
write that needs a page fails exactly as on a full disk: "database or disk is full".
"""

import sqlite3

import pytest
from sqlalchemy import event

from journal.demo import build_demo
from journal.store.db import create_journal


def page_count(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA page_count").fetchone()[0]
    finally:
        conn.close()


def cap_pages(store, extra: int = 0) -> None:
    limit = page_count(store.path) + extra

    def _cap(dbapi_conn, _rec):
        dbapi_conn.execute(f"PRAGMA max_page_count={limit}")

    event.listen(store.engine, "connect", _cap)
    store.engine.dispose()  # pooled connections made before the cap would ignore it


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    with create_journal(path, auto_backup=False) as s:
        build_demo(s)
    return path


@pytest.fixture(scope="session")
def demo_export(demo_file):
    """The demo journal as an exchange dict (read once per session)."""
    from journal.store import exchange
    from journal.store.db import open_journal

    with open_journal(demo_file, readonly=True) as s:
        return exchange.export_journal(s)
