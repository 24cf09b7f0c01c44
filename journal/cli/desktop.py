"""``journal install-desktop`` / ``uninstall-desktop``: the app in the desktop menu."""

from __future__ import annotations

import sys

from journal.cli.common import error


def register(sub) -> None:
    p = sub.add_parser(
        "install-desktop",
        help="add Treatment Journal to your desktop's application menu (icon included)",
        description="Write a menu entry and the app icon into your own folders "
        "(~/.local/share); nothing system-wide. 'journal uninstall-desktop' removes them.",
    )
    p.set_defaults(func=cmd_install)
    p = sub.add_parser(
        "uninstall-desktop",
        help="remove Treatment Journal from your desktop's application menu",
        description="Remove the menu entry and icons that install-desktop wrote. "
        "Your journal and its backups are not touched.",
    )
    p.set_defaults(func=cmd_uninstall)


def cmd_install(_args) -> int:
    from journal.services.desktop import install_desktop

    try:
        written = install_desktop()
    except OSError as e:
        return error(
            f"The menu entry could not be written ({e.strerror or e}). Nothing else was changed."
        )
    print(f"Treatment Journal is now in your application menu ({written[0]}).", file=sys.stderr)
    return 0


def cmd_uninstall(_args) -> int:
    from journal.services.desktop import uninstall_desktop

    removed = uninstall_desktop()
    if not removed:
        print(
            "Treatment Journal was not in your application menu; nothing to remove.",
            file=sys.stderr,
        )
    else:
        print(
            f"Removed the menu entry and {len(removed) - 1} icons. Your journal is untouched.",
            file=sys.stderr,
        )
    return 0
