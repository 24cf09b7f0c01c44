"""Fixtures of the trial tests: summaries of three histories (the demo journal and two
hand-written cases from tests/cases/)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from trial_helpers import CASES


def _summary_of_exchange(tmp_path_factory, name: str, as_of: dt.date):
    from journal.domain.summary import build_summary
    from journal.services.actions import import_exchange
    from journal.services.queries import load_history
    from journal.store.db import create_journal

    path = tmp_path_factory.mktemp("case") / "j.sqlite"
    with create_journal(path, auto_backup=False) as store:
        import_exchange(store, json.loads((CASES / f"{name}.json").read_text(encoding="utf-8")))
        history = load_history(store)
    return build_summary(history, as_of=as_of)


@pytest.fixture(scope="session")
def demo_journal(tmp_path_factory):
    from journal.demo import build_demo
    from journal.store.db import create_journal

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    with create_journal(path, auto_backup=False) as store:
        build_demo(store)
    return path


DEMO_AS_OF = dt.date(2026, 11, 1)


@pytest.fixture(scope="session")
def demo_summary(demo_journal):
    from journal.domain.summary import build_summary
    from journal.services.queries import load_history
    from journal.store.db import open_journal

    with open_journal(demo_journal, readonly=True, auto_backup=False) as store:
        history = load_history(store)
    return build_summary(history, as_of=DEMO_AS_OF)


@pytest.fixture(scope="session")
def washouts_case(tmp_path_factory):
    """Case 16: VRd, ASCT, then later lines; labs and staging up to 2024-04-01."""
    return _summary_of_exchange(
        tmp_path_factory, "16_washouts_and_staging_iss3", dt.date(2024, 4, 1)
    )


@pytest.fixture(scope="session")
def iga_case(tmp_path_factory):
    """Case 12: IgA myeloma whose measurability depends on the threshold used."""
    return _summary_of_exchange(
        tmp_path_factory, "12_iga_measurable_variants", dt.date(2024, 5, 20)
    )
