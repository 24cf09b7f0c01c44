"""``journal create | check | backup | backups | restore``: the store's commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from journal.cli.common import add_file_argument, error
from journal.paths import default_journal_path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("create", help="create a new, empty journal")
    add_file_argument(p)
    p.add_argument(
        "--encrypt",
        action="store_true",
        help="encrypt it with a passphrase (asked twice; or --passphrase-file / the "
        "environment, see 'journal encrypt --help')",
    )
    p.set_defaults(func=cmd_create)

    p = sub.add_parser(
        "check", help="check a journal for damage (read-only: it never changes the file)"
    )
    add_file_argument(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("backup", help="make a verified backup now")
    add_file_argument(p)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("backups", help="list the backups of a journal, newest first")
    add_file_argument(p)
    p.set_defaults(func=cmd_backups)

    p = sub.add_parser(
        "restore",
        help="put a backup in place of the journal (the current file is kept as a backup)",
    )
    p.add_argument("backup", metavar="BACKUP", help="the backup file to go back to")
    add_file_argument(p)
    p.set_defaults(func=cmd_restore)


def _path(args) -> Path:
    return Path(args.file).expanduser() if args.file else default_journal_path()


def cmd_create(args) -> int:
    from journal.store.db import create_journal

    passphrase = None
    if getattr(args, "encrypt", False):
        from journal.cli.crypto import new_passphrase

        passphrase = new_passphrase(args)
    with create_journal(_path(args), passphrase=passphrase) as store:
        print(f"Created a new {'encrypted ' if passphrase else ''}journal: {store.path}")
    if passphrase:
        from journal.cli.crypto import FORGOTTEN

        print(FORGOTTEN)
    return 0


def cmd_check(args) -> int:
    from journal.store.backup import check_journal, good_backups
    from journal.store.crypto import key_for

    path = _path(args)
    key = key_for(path, None)  # an encrypted journal: asked for (cli/crypto.py)
    report = check_journal(path, key)
    print(report.text())
    if report.ok:
        return 0
    if report.kind not in ("missing", "folder", "unreadable", "newer"):
        good = good_backups(path, key)
        if good:
            print(f"The newest good backup is from {good[0].describe()}. To go back to it:")
            print(f'    journal restore "{good[0].path}" "{path}"')
        elif report.kind in ("not_sqlite", "foreign"):
            print("Choose a journal made by this app, or create a new one ('journal create').")
        else:
            print("No good backup was found. Keep the file as it is and ask for help.")
    return 1


def cmd_backup(args) -> int:
    from journal.store.backup import backup_now
    from journal.store.db import open_journal

    # Read-only: a backup only reads, so it works while the app has the journal open.
    with open_journal(_path(args), readonly=True) as store:
        path = backup_now(store, "manual")
    print(f"Backup made and checked: {path}")
    return 0


def cmd_backups(args) -> int:
    from journal.paths import backups_dir
    from journal.store.backup import list_backups

    path = _path(args)
    if path.is_dir():
        return error(f"{path} is a folder, not a journal file. Give the journal file itself.")
    found = list_backups(path)
    if not found:
        print(f"No backups of {path} yet (they go to {backups_dir(path)}).")
        return 0
    for b in found:
        print(f"{b.describe():<32} {b.size:>12,} bytes  {b.path}")
    return 0


def cmd_restore(args) -> int:
    from journal.store.backup import restore

    backup = Path(args.backup).expanduser()
    if not backup.is_file():
        return error(f"There is no backup file at {backup}. 'journal backups' lists them.")
    target = _path(args)
    kept = restore(backup, target)
    print(f"Restored {target} from {backup}.")
    if kept:
        print(f"The file it replaced was kept: {kept}")
    return 0
