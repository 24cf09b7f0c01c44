"""The store's commands (create, check, backup, backups, restore) and python -m journal."""

import os
import subprocess
import sys

from journal.__main__ import NO_DISPLAY_MESSAGE, has_display
from journal.cli import command_names, main
from journal.paths import default_journal_path
from journal.store.backup import list_backups

from .conftest import file_hash, table_dump


def test_create_check_backup_restore_on_a_named_file(tmp_path, capsys):
    path = tmp_path / "mine.sqlite"
    assert main(["create", str(path)]) == 0
    assert "Created a new journal" in capsys.readouterr().out
    assert main(["create", str(path)]) == 1
    assert "already a file" in capsys.readouterr().err

    assert main(["check", str(path)]) == 0
    assert "no problems found" in capsys.readouterr().out

    assert main(["backup", str(path)]) == 0
    (b,) = list_backups(path)
    assert str(b.path) in capsys.readouterr().out
    assert main(["backups", str(path)]) == 0
    assert "(manual)" in capsys.readouterr().out

    before = table_dump(path)
    assert main(["restore", str(b.path), str(path)]) == 0
    out = capsys.readouterr().out
    assert "Restored" in out and "kept" in out
    assert table_dump(path) == before


def test_backup_works_while_the_app_has_the_journal_open(journal_path, capsys):
    from journal.store.db import open_journal

    with open_journal(journal_path, auto_backup=False):
        assert main(["backup", str(journal_path)]) == 0
        assert main(["check", str(journal_path)]) == 0
    (b,) = list_backups(journal_path)
    assert table_dump(b.path) == table_dump(journal_path)


def test_file_argument_defaults_to_the_app_journal(capsys):
    path = default_journal_path()
    if path.exists():
        path.unlink()
    assert main(["create"]) == 0
    assert path.exists()
    assert main(["check"]) == 0
    assert str(path) in capsys.readouterr().out


def test_check_reports_damage_and_exits_1_without_changing_it(journal_path, capsys):
    from journal.store.backup import backup_file

    saved = backup_file(journal_path, "manual")
    data = journal_path.read_bytes()
    journal_path.write_bytes(data[: len(data) // 2])
    before = file_hash(journal_path)
    assert main(["check", str(journal_path)]) == 1
    out = capsys.readouterr().out
    assert "cut short" in out and f'journal restore "{saved}"' in out
    assert file_hash(journal_path) == before
    assert main(["backup", str(journal_path)]) == 1
    err = capsys.readouterr().err
    assert "damaged" in err and "not been changed" in err
    assert file_hash(journal_path) == before


def test_user_errors_exit_1_and_usage_errors_exit_2(tmp_path, capsys):
    assert main(["restore", str(tmp_path / "none.sqlite"), str(tmp_path / "j.sqlite")]) == 1
    assert "no backup file" in capsys.readouterr().err
    assert main(["backup", str(tmp_path / "missing.sqlite")]) == 1
    assert "no journal at" in capsys.readouterr().err
    assert main([]) == 2
    try:
        main(["no-such-command"])
    except SystemExit as e:
        assert e.code == 2
    else:
        raise AssertionError("argparse should refuse an unknown command")


def test_store_commands_are_registered():
    assert {"create", "check", "backup", "backups", "restore", "where"} <= command_names()


def test_has_display_rules():
    assert not has_display({}, "linux")
    assert has_display({"DISPLAY": ":0"}, "linux")
    assert has_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert has_display({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not has_display({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert has_display({}, "win32")


def _run(args, **env_changes):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    env.update(env_changes)
    return subprocess.run(
        [sys.executable, "-m", "journal", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_gui_without_a_display_says_so_in_one_sentence():
    run = _run([])
    assert run.returncode == 2
    assert run.stderr.strip() == NO_DISPLAY_MESSAGE
    assert "Aborted" not in run.stderr and "xvfb-run" in run.stderr


def test_python_m_journal_routes_commands_to_the_cli(journal_path):
    run = _run(["check", str(journal_path)])
    assert run.returncode == 0, run.stderr
    assert "no problems found" in run.stdout
