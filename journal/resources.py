"""Where the app's own data files live (catalog, CTCAE terms, schemas, icons).

In a checkout they are the top-level ``resources/`` folder; an installed wheel carries
the same files inside the package as ``journal/_resources`` (see setup.py). This is
the only place the pure ``domain`` layer may read files from.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_SHIPPED = _PACKAGE_DIR / "_resources"
_CHECKOUT = _PACKAGE_DIR.parent / "resources"

# The shipped copy wins: beside an installed package, "../resources" is some other
# project's folder in site-packages (or nothing at all).
RESOURCES_DIR = _SHIPPED if _SHIPPED.is_dir() else _CHECKOUT


def resource_path(*parts: str) -> Path:
    """Path to ``resources/<parts...>`` (it need not exist)."""
    return RESOURCES_DIR.joinpath(*parts)
