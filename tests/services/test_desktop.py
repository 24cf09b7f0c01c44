"""The desktop menu entry and icons: written into the user's folders, removed again."""

from __future__ import annotations

import configparser
import os
import shlex
import struct

from journal.cli import main
from journal.services import desktop


def test_install_and_uninstall_through_the_command_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    assert main(["install-desktop"]) == 0
    entry = tmp_path / "share" / "applications" / "treatment-journal.desktop"
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read_string(entry.read_text())
    e = parser["Desktop Entry"]
    assert e["Type"] == "Application" and e["Name"] == "Treatment Journal"
    assert e["Icon"] == "treatment-journal" and e["Terminal"] == "false"
    exe, *rest = shlex.split(e["Exec"])
    assert os.access(exe, os.X_OK) and rest == ["-m", "journal", "%f"]

    hicolor = tmp_path / "share" / "icons" / "hicolor"
    assert (hicolor / "scalable" / "apps" / "treatment-journal.svg").read_text().startswith("<svg")
    for size in desktop.ICON_SIZES:
        png = (hicolor / f"{size}x{size}" / "apps" / "treatment-journal.png").read_bytes()
        assert png.startswith(b"\x89PNG")
        assert struct.unpack(">II", png[16:24]) == (size, size)  # the size its folder says

    assert main(["uninstall-desktop"]) == 0
    assert not entry.exists()
    assert not any(p.is_file() for p in (tmp_path / "share").rglob("*"))
    assert main(["uninstall-desktop"]) == 0
    assert "nothing to remove" in capsys.readouterr().err


def test_window_uses_the_app_icon(qapp):
    from journal.ui.app import app_icon

    icon = app_icon()
    assert not icon.isNull()
    assert {s.width() for s in icon.availableSizes()} >= {16, 32, 48, 256}
