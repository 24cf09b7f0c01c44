"""A record named the way people know it, for confirmations and undo texts:
"blood test: M-protein 0.9 g/dL on 14 Feb 2022", "regimen: VRd from Apr 2019" —
never an internal id (``m_protein``, ``regimen:3``)."""

from __future__ import annotations

from journal.domain.dates import DateError, PartialDate

#: Shorter names than the catalog's for the tests people talk about most.
SHORT_TEST_NAMES = {
    "m_protein": "M-protein",
    "urine_m_protein": "Urine M-protein",
    "flc_kappa": "Kappa light chains",
    "flc_lambda": "Lambda light chains",
    "flc_ratio": "Kappa/lambda ratio",
}
#: What the record is called in a sentence, where the list's noun is longer.
NOUNS = {"lab": "blood test", "drug": "drug", "ecog": "daily-life score"}


def _date(value) -> str:
    try:
        return PartialDate.from_iso(value).display() if value else ""
    except DateError:
        return str(value)


def describe(kind, row: dict) -> str:
    """``"<noun>: <what> <when>"`` for ``row`` of ``kind`` (a journal.ui.kinds.Kind)."""
    noun = NOUNS.get(kind.key, kind.noun)
    if kind.key == "lab":
        from journal.domain.labs import LAB_TESTS

        test = LAB_TESTS.get(row.get("test"))
        name = SHORT_TEST_NAMES.get(row.get("test")) or (
            test.name.split("(")[0].strip() if test else str(row.get("test") or "")
        )
        value = row.get("value")
        shown = f"{value:g} {row.get('unit') or ''}".strip() if value is not None else ""
        shown = shown or (row.get("text_value") or "")
        what = f"{name} {shown}".strip()
    elif kind.key == "ecog":
        what = f"ECOG {row.get('score')}" if row.get("score") is not None else ""
    elif kind.key == "side_effect":
        grade = f" (grade {row['grade']})" if row.get("grade") else ""
        what = f"{row.get('term') or ''}{grade}"
    else:
        what = kind.title(row)
    when = _date(row.get(kind.sort_field)) if kind.sort_field else ""
    if when:
        when = ("from " if kind.sort_field in ("start", "onset") else "on ") + when
    text = " ".join(t for t in (what, when) if t)
    return f"{noun}: {text}" if text else noun


def action_label(verb: str, kind, row: dict) -> str:
    """An undo text: "Delete blood test: M-protein 0.9 g/dL on 14 Feb 2022"."""
    return f"{verb} {describe(kind, row)}"
