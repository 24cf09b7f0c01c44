"""The app in the person's desktop menu (freedesktop.org: a .desktop entry and icons).

Everything goes into the user's own folders (``$XDG_DATA_HOME``, by default
``~/.local/share``); nothing system-wide, no administrator rights. Uninstalling removes
exactly the files installing wrote, and nothing of the journal.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from journal import APP_NAME
from journal.resources import resource_path

DESKTOP_ID = "treatment-journal"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def icon_file(size: int | None = None) -> Path:
    """The app icon: the SVG, or the PNG of ``size`` pixels."""
    name = f"{DESKTOP_ID}.svg" if size is None else f"{DESKTOP_ID}-{size}.png"
    return resource_path("icons", name)


def desktop_entry(python: str | None = None) -> str:
    """The .desktop file's text; it starts the app with this very Python (a venv or
    pipx install keeps working without being on PATH)."""
    exe = shlex.quote(python or sys.executable)
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Version=1.5\n"
        f"Name={APP_NAME}\n"
        "GenericName=Myeloma treatment journal\n"
        "Comment=Keep your myeloma treatment history and prepare summaries for "
        "doctors and trial teams\n"
        f"Exec={exe} -m journal %f\n"
        f"Icon={DESKTOP_ID}\n"
        "Terminal=false\n"
        "Categories=Office;MedicalSoftware;Science;\n"
        "Keywords=myeloma;treatment;journal;health;trial;\n"
        f"StartupWMClass={APP_NAME}\n"
    )


def _targets(base: Path) -> dict[Path, Path | None]:
    """Where each installed file goes -> the resource it copies (None: the entry)."""
    icons = base / "icons" / "hicolor"
    out: dict[Path, Path | None] = {base / "applications" / f"{DESKTOP_ID}.desktop": None}
    out[icons / "scalable" / "apps" / f"{DESKTOP_ID}.svg"] = icon_file()
    for size in ICON_SIZES:
        out[icons / f"{size}x{size}" / "apps" / f"{DESKTOP_ID}.png"] = icon_file(size)
    return out


def install_desktop(base: Path | None = None, python: str | None = None) -> list[Path]:
    """Write the menu entry and icons; returns the files written."""
    written = []
    for target, source in _targets(base or data_home()).items():
        target.parent.mkdir(parents=True, exist_ok=True)
        data = desktop_entry(python).encode() if source is None else source.read_bytes()
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        tmp.chmod(0o644)  # menus and icon caches run as the user but read like others
        tmp.replace(target)
        written.append(target)
    return written


def uninstall_desktop(base: Path | None = None) -> list[Path]:
    """Remove what install_desktop wrote; returns the files removed."""
    removed = []
    for target in _targets(base or data_home()):
        if target.exists():
            target.unlink()
            removed.append(target)
    return removed
