"""``journal summary --json`` prints what json.dumps(indent=2, ensure_ascii=False) makes of
the summary, byte for byte, on the demo journal and on a long synthetic history (the
command writes it with journal.cli.json_text, for speed)."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import io
import json

import pytest

from journal.cli import main
from journal.domain.summary import build_summary, summary_to_json
from journal.services.files import _build_then_move, build_demo_file
from journal.services.queries import load_history
from journal.store.db import open_journal
from journal.synthetic import build_synthetic

AS_OF = dt.date(2026, 11, 1)


def _synthetic(path):
    _build_then_move(
        path, lambda s: build_synthetic(s, years=25, regimens=12, labs=800, side_effects=120)
    )


@pytest.fixture(scope="module", params=["demo", "synthetic"])
def journal_file(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("summary-output") / f"{request.param}.sqlite"
    (build_demo_file if request.param == "demo" else _synthetic)(path)
    return path


def _cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(list(argv))
    assert rc == 0, err.getvalue()
    assert gc.isenabled()  # paused while it worked (speed), never left off
    return out.getvalue()


@pytest.mark.parametrize("indent", [None, 0, 4])
def test_summary_json_is_json_dumps_byte_for_byte(journal_file, indent):
    with open_journal(journal_file, readonly=True) as store:
        history = load_history(store)
    obj = summary_to_json(build_summary(history, as_of=AS_OF))
    argv = ["summary", "--json", "--as-of", AS_OF.isoformat(), str(journal_file)]
    if indent is not None:
        argv[2:2] = ["--indent", str(indent)]
    text = _cli(*argv)
    expected = json.dumps(obj, indent=2 if indent is None else indent, ensure_ascii=False)
    assert text == expected + "\n"
    assert "\n  " in text or indent == 0  # really indented, not one line


def test_history_rows_are_what_sqlalchemy_reads(journal_file):
    """services.history reads without the models; every value (and its type: booleans,
    floats stored as whole numbers, NULLs) is what select(Model.__table__) gives."""
    from sqlalchemy import select

    from journal.services import history
    from journal.store import models as m

    with open_journal(journal_file, readonly=True) as store, store.engine.connect() as conn:
        raw = conn.connection.driver_connection
        for cls in m.RECORD_TABLES:
            tb = cls.__table__
            result = conn.execute(select(tb).order_by(tb.c.id))
            expected = [dict(row._mapping) for row in result]
            got = history.read_rows(raw, tb.name)
            assert got == expected, tb.name
            typed = [[(k, type(v)) for k, v in row.items()] for row in got]
            assert typed == [[(k, type(v)) for k, v in row.items()] for row in expected]


def test_summary_json_loads_no_models_orm_pydantic_alembic_qt_or_matplotlib(journal_file):
    import subprocess
    import sys

    code = (
        "import contextlib, io, sys\n"
        "from journal.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['summary', '--json', {str(journal_file)!r}]) == 0\n"
        "heavy = ('journal.store.models', 'journal.store.meta', 'alembic', 'PySide6',"
        " 'matplotlib', 'sqlmodel', 'pydantic', 'sqlalchemy.orm')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
