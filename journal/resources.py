"""Where the app's own data files live (catalog, icons, demo inputs, schema).

The top-level ``resources/`` folder of the checkout. This is the only place the
pure ``domain`` layer may read files from.
"""

from __future__ import annotations

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parents[1] / "resources"


def resource_path(*parts: str) -> Path:
    """Path to ``resources/<parts...>`` (it need not exist)."""
    return RESOURCES_DIR.joinpath(*parts)
