"""Typed application options stored with QSettings (user scope).

Each option is declared once (name, default, type), in the manner of Picard's
``config`` options. Settings never hold patient data: only presentation
choices, window geometry and the paths of recently opened journal files.
Tests pass their own QSettings file so they never read real user settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

ORG = "TreatmentJournal"
APP = "Treatment Journal"


@dataclass(frozen=True)
class Option:
    key: str
    default: Any
    kind: type


OPTIONS: dict[str, Option] = {
    o.key: o
    for o in [
        Option("view/text_scale", 100, int),  # percent, 100-200
        Option("view/high_contrast", False, bool),
        Option("files/recent", [], list),
        Option("files/last_journal", "", str),
        Option("window/geometry", QByteArray(), QByteArray),
        Option("window/state", QByteArray(), QByteArray),
    ]
}
MAX_RECENT = 8
TEXT_SCALE_RANGE = (100, 200)


class Settings:
    def __init__(self, qsettings: QSettings | None = None):
        self.q = (
            qsettings
            if qsettings is not None
            else QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORG, APP)
        )

    def get(self, key: str) -> Any:
        opt = OPTIONS[key]
        raw = self.q.value(key, opt.default)
        if raw is None:
            return opt.default
        try:
            if opt.kind is bool:
                return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
            if opt.kind is int:
                return int(raw)
            if opt.kind is list:
                if isinstance(raw, str):
                    return [raw] if raw else []
                return list(raw)
            return opt.kind(raw) if not isinstance(raw, opt.kind) else raw
        except (TypeError, ValueError):
            return opt.default

    def set(self, key: str, value: Any) -> None:
        if key not in OPTIONS:
            raise KeyError(key)
        self.q.setValue(key, value)

    # -- conveniences -------------------------------------------------------------
    @property
    def text_scale(self) -> int:
        lo, hi = TEXT_SCALE_RANGE
        return max(lo, min(hi, self.get("view/text_scale")))

    @text_scale.setter
    def text_scale(self, value: int) -> None:
        lo, hi = TEXT_SCALE_RANGE
        self.set("view/text_scale", max(lo, min(hi, int(value))))

    @property
    def high_contrast(self) -> bool:
        return self.get("view/high_contrast")

    @high_contrast.setter
    def high_contrast(self, value: bool) -> None:
        self.set("view/high_contrast", bool(value))

    def recent_files(self) -> list[str]:
        return [p for p in self.get("files/recent") if p]

    def add_recent(self, path: str) -> None:
        items = [path] + [p for p in self.recent_files() if p != path]
        self.set("files/recent", items[:MAX_RECENT])
        self.set("files/last_journal", path)

    def sync(self) -> None:
        self.q.sync()
