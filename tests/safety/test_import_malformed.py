"""Malformed exchange files through `journal import`: each message names the JSON path
(or says what kind of file it is) and how to fix it, and nothing is written. Rule-level
messages are tested in tests/exchange; here: the command line and the junk cases."""

import copy
import json
import os

import pytest

from journal.cli import main
from journal.services import queries
from journal.store import exchange
from journal.store.db import create_journal, open_journal


def _import(tmp_path, capsys, content, *, target=None):
    src = tmp_path / "in.json"
    if isinstance(content, bytes):
        src.write_bytes(content)
    else:
        src.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    target = target or tmp_path / "new.sqlite"
    code = main(["import", str(src), str(target)])
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    return err, target


def _mutated(demo_export, change):
    d = copy.deepcopy(demo_export)
    change(d["records"])
    return d


def test_truncated_file_is_called_cut_short(tmp_path, capsys, demo_export):
    text = json.dumps(demo_export, indent=1)
    err, target = _import(tmp_path, capsys, text[: len(text) // 2])
    assert "cut short" in err and "Export the journal again" in err
    assert "line " in err
    assert not target.exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda r: r["regimens"][0].__setitem__("name", 42),
            'records.regimens[0].name: should be text in quotes (like "VRd"), not 42',
        ),
        (
            lambda r: r["lab_results"][0].__setitem__("value", "high"),
            'records.lab_results[0].value: should be a number or null (empty), not "high"',
        ),
        (
            lambda r: r.__setitem__("notes", {"1": "x"}),
            "records.notes: should be a list in [ ]",
        ),
        (
            lambda r: r["regimens"][0].__setitem__("start", "2019-13-45"),
            'records.regimens[0].start: "2019-13-45" is not a date',
        ),
        (
            lambda r: r["regimens"][0].__setitem__("end", "2000-01-01"),
            "records.regimens[0].end: Stop date (1 Jan 2000) is before the start date",
        ),
        (
            lambda r: r["lab_results"][0].__setitem__("unit", "furlongs"),
            'records.lab_results[0].unit: "furlongs" is not an allowed value; use one of',
        ),
    ],
    ids=[
        "text-as-number",
        "number-as-text",
        "list-as-object",
        "impossible-date",
        "end-before-start",
        "unknown-unit",
    ],
)
def test_one_flaw_one_message_nothing_written(tmp_path, capsys, demo_export, change, expected):
    err, target = _import(tmp_path, capsys, _mutated(demo_export, change))
    lines = err.strip().splitlines()
    assert lines[0].startswith("Nothing was imported. Problems in")
    # The flaw is reported once: the drugs, procedures and responses that point to
    # the flawed regimen are not reported as pointing to nothing.
    assert len(lines) == 2, err
    assert lines[1].startswith(expected), err
    assert not target.exists()


def test_flaws_in_a_file_with_an_existing_empty_journal(tmp_path, capsys, demo_export):
    target = tmp_path / "mine.sqlite"
    with create_journal(target, auto_backup=False):
        pass
    bad = _mutated(demo_export, lambda r: r["side_effects"][0].__setitem__("grade", 9))
    err, _ = _import(tmp_path, capsys, bad, target=target)
    assert "records.side_effects[0].grade: 9 is above the highest allowed value" in err
    with open_journal(target, readonly=True) as s:
        assert queries.is_empty(s)


def test_many_flaws_of_one_kind_are_counted_not_all_printed(tmp_path, capsys):
    rows = [
        {"id": i, "date": "2019-13-45", "test": "hb", "value": 1, "unit": "g/L"}
        for i in range(1, 501)
    ]
    data = {"format": exchange.FORMAT, "version": 1, "records": {"lab_results": rows}}
    err, target = _import(tmp_path, capsys, data)
    lines = err.strip().splitlines()
    # The heading, three rows to show the pattern, the count of the rest.
    assert len(lines) == 4
    assert [ln.split(":")[0] for ln in lines[1:]] == [
        f"records.lab_results[{i}].date" for i in range(3)
    ]
    assert lines[-1].endswith("(and the same in 497 more rows of lab_results)")
    assert not target.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (os.urandom(200_000), "not UTF-8 text"),
        ("[" + "1," * 200_000 + "1]", "not a Treatment Journal export"),
        ('{"a":' * 50_000 + "1" + "}" * 50_000, "nested far too deeply"),
        ("just some words\n" * 10_000, "not valid JSON (line 1"),
        ("", "not valid JSON"),
        (json.dumps({"format": "treatment-journal", "version": "one"}), "version"),
    ],
    ids=["binary", "a-list", "deep-nesting", "prose", "empty", "version-text"],
)
def test_junk_files(tmp_path, capsys, content, expected):
    err, target = _import(tmp_path, capsys, content)
    assert expected in err
    assert len(err.strip().splitlines()) <= 3
    assert not target.exists()


def test_oversized_file_is_not_read(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(exchange, "MAX_IMPORT_BYTES", 1000)
    err, target = _import(tmp_path, capsys, " " * 2000)
    assert "far larger than any journal export" in err
    assert not target.exists()


def test_a_journal_file_given_to_import(tmp_path, capsys, demo_file):
    err, target = _import(tmp_path, capsys, demo_file.read_bytes())
    assert "is a journal (database) file, not an exchange file" in err
    assert not target.exists()
