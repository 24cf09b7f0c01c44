import json

from journal.services import queries
from journal.store.db import create_journal
from journal.store.exchange import check_exchange, dumps, export_journal
from journal.synthetic import build_synthetic


def test_small_synthetic_journal_is_valid_and_sized(tmp_path):
    store = create_journal(tmp_path / "s.sqlite", auto_backup=False)
    try:
        counts = build_synthetic(store, years=6, regimens=7, labs=333, side_effects=40, seed=3)
        assert counts["regimen"] == 7 and counts["labresult"] == 333
        assert counts["sideeffect"] == 40 and counts["sideeffectdrug"] == 40
        assert queries.row_counts(store) == counts
        # Every row passes the same checks as an imported file.
        data = json.loads(dumps(export_journal(store)))
        assert check_exchange(data) == []
        h = queries.load_history(store)
        assert h.regimens[-1].end is None
        for a, b in zip(h.regimens, h.regimens[1:], strict=False):
            assert a.end.latest() < b.start.earliest()
        span = h.labs[-1].date.year - h.labs[0].date.year
        assert 5 <= span <= 6
    finally:
        store.close()


def test_same_seed_same_journal(tmp_path):
    a = create_journal(tmp_path / "a.sqlite", auto_backup=False)
    b = create_journal(tmp_path / "b.sqlite", auto_backup=False)
    try:
        build_synthetic(a, years=3, regimens=3, labs=50, side_effects=5, seed=9)
        build_synthetic(b, years=3, regimens=3, labs=50, side_effects=5, seed=9)
        ra, rb = queries.all_rows(a), queries.all_rows(b)
        ra.pop("person"), rb.pop("person")  # created_at is a wall-clock stamp
        assert ra == rb
    finally:
        a.close()
        b.close()
