"""Helpers of the trial tests: the real eligibility texts and study objects built around them.

A module of its own (not conftest) so that test files can import it by a name no other test
folder uses."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
EXCERPTS = FIXTURES / "excerpts"
CASES = Path(__file__).parents[1] / "cases"


def text_of(name: str) -> str:
    """A fixture text by the start of its file name (e.g. "NCT03318861")."""
    (path,) = [p for p in EXCERPTS.glob(f"{name}*.txt")]
    return path.read_text(encoding="utf-8")


def study(criteria: str | None, nct: str = "NCT00000001", **extra) -> dict:
    """A study object in the API v2 shape with only the fields a test needs."""
    proto: dict = {
        "identificationModule": {"nctId": nct, "briefTitle": extra.pop("title", "Test study")}
    }
    if criteria is not None or extra.get("min_age"):
        elig: dict = {}
        if criteria is not None:
            elig["eligibilityCriteria"] = criteria
        if extra.get("min_age"):
            elig["minimumAge"] = extra.pop("min_age")
        if extra.get("max_age"):
            elig["maximumAge"] = extra.pop("max_age")
        proto["eligibilityModule"] = elig
    for key in ("statusModule", "designModule"):
        if key in extra:
            proto[key] = extra.pop(key)
    return {"protocolSection": proto, **extra}
