"""File operations shared by the window and the command line: all or nothing."""

from __future__ import annotations

import json

import pytest

from journal.errors import JournalExistsError
from journal.services import files
from journal.services.files import FileKind, build_demo_file, import_into_new_journal, sniff_file
from journal.store.db import create_journal, open_journal
from journal.store.exchange import export_journal


def _leftovers(folder, target_name):
    return sorted(p.name for p in folder.iterdir() if p.name != target_name)


def test_demo_is_built_aside_and_moved_into_place(tmp_path):
    target = tmp_path / "demo.sqlite"
    counts = build_demo_file(target)
    assert counts["regimen"] > 0
    assert _leftovers(tmp_path, "demo.sqlite") == []
    with open_journal(target, readonly=True) as s:
        assert export_journal(s)["records"]["regimens"]


def test_a_failed_demo_leaves_nothing_and_does_not_block_a_rerun(tmp_path, monkeypatch):
    target = tmp_path / "demo.sqlite"
    import journal.demo

    def broken(store):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(journal.demo, "build_demo", broken)
    with pytest.raises(OSError):
        build_demo_file(target)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    build_demo_file(target)  # the rerun is not blocked by anything the failure left
    assert target.exists()


def test_a_journal_that_exists_is_never_replaced(tmp_path):
    target = tmp_path / "j.sqlite"
    create_journal(target).close()
    before = target.read_bytes()
    with pytest.raises(JournalExistsError, match="already a file"):
        build_demo_file(target)
    assert target.read_bytes() == before


def test_import_into_new_journal_all_or_nothing(tmp_path):
    src = tmp_path / "src.sqlite"
    build_demo_file(src)
    with open_journal(src, readonly=True) as s:
        data = json.loads(json.dumps(export_journal(s)))
    out = tmp_path / "copy.sqlite"
    import_into_new_journal(data, out)
    with open_journal(out, readonly=True) as s:
        assert export_journal(s)["records"] == data["records"]

    broken = json.loads(json.dumps(data))
    broken["records"]["regimen_drugs"][0]["regimen_id"] = 999_999  # a dangling link
    out2 = tmp_path / "broken.sqlite"
    with pytest.raises(Exception):  # noqa: B017 - the exchange module's own error class
        import_into_new_journal(broken, out2)
    assert not out2.exists()
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm")))
    assert left == ["copy.sqlite", "src.sqlite"]


def test_import_can_be_cancelled_and_leaves_nothing(tmp_path):
    src = tmp_path / "src.sqlite"
    build_demo_file(src)
    with open_journal(src, readonly=True) as s:
        data = export_journal(s)
    out = tmp_path / "new.sqlite"
    with pytest.raises(InterruptedError):
        import_into_new_journal(data, out, cancelled=lambda: True)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"SQLite format 3\x00" + b"\x00" * 100, FileKind.JOURNAL),
        (b'\xef\xbb\xbf{"format": "treatment-journal", "version": 1}', FileKind.EXCHANGE),
        (b'{"protocolSection": {"identificationModule": {}}}', FileKind.TRIAL_RECORD),
        (b'{"studies": []}', FileKind.TRIAL_RECORD),
        (b"<?xml version='1.0'?><clinical_study></clinical_study>", FileKind.TRIAL_RECORD),
        (b"name,value\nx,1\n", FileKind.UNKNOWN),
        (b"", FileKind.UNKNOWN),
    ],
)
def test_sniff_tells_files_apart(tmp_path, content, kind):
    p = tmp_path / "f"
    p.write_bytes(content)
    assert sniff_file(p) is kind


def test_sniff_reads_only_the_start(tmp_path, monkeypatch):
    p = tmp_path / "big.json"
    p.write_bytes(b'{"format": "treatment-journal", "pad": "' + b"x" * (2 * files._SNIFF_BYTES))
    assert sniff_file(p) is FileKind.EXCHANGE
    assert sniff_file(tmp_path / "missing.json") is FileKind.UNKNOWN
