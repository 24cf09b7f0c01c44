"""One rounding for every number a person reads (screens, PDF, explanations).

Lab values are stored in canonical units and can carry conversion noise (a creatinine
of 88 µmol/L is 0.99525 mg/dL). Printing "1 mg/dL" in a table and "0.99525" in the
formula beside it made the same value look like two (issue 11), so both go through
:func:`fmt_number`.
"""

from __future__ import annotations


def fmt_number(v: float | None, empty: str = "—") -> str:
    """100 and more: whole numbers; 10-100: one decimal; below 10: two decimals;
    trailing zeros dropped (0.60 -> 0.6, 1.00 -> 1)."""
    if v is None:
        return empty
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}".rstrip("0").rstrip(".")
    return f"{v:.2f}".rstrip("0").rstrip(".")
