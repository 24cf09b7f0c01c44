"""Short builders for dated histories, shared by the domain tests.

Use the ``hb`` fixture (a namespace of the builders below); they are stateless,
so ``@given`` tests may use it with the function-scoped-fixture health check off::

    def test_x(hb):
        h = hb.hist(
            regimens=[hb.reg(1, "VRd", "2020-01-01", "2020-05-01", ["bortezomib", "lenalidomide",
                                                                      "dexamethasone"])],
            procedures=[hb.proc(1, "auto", "2020-06-15")],
            progressions=[hb.prog(1, "2021-03-01")],
        )

Dates are any text ``PartialDate.parse`` understands ("2020-01-01", "May 2020").
Drugs are catalog ids (or names) or :func:`drug` records; a drug without dates takes
its regimen's dates, as the store's read side does.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest

from journal.domain.catalog import get_catalog
from journal.domain.dates import PartialDate
from journal.domain.records import (
    DiagnosisRec,
    DoseChangeRec,
    DrugRec,
    History,
    OverrideRec,
    ProcedureRec,
    ProgressionRec,
    RegimenRec,
    ResponseRec,
)
from journal.domain.vocab import ProcedureKind

_PROC_KINDS = {
    "auto": ProcedureKind.AUTO_SCT,
    "asct": ProcedureKind.AUTO_SCT,
    "allo": ProcedureKind.ALLO_SCT,
    "cart": ProcedureKind.CAR_T,
    "car-t": ProcedureKind.CAR_T,
    "apheresis": ProcedureKind.LEUKAPHERESIS,
    "leukapheresis": ProcedureKind.LEUKAPHERESIS,
    "collection": ProcedureKind.STEM_CELL_COLLECTION,
    "radio": ProcedureKind.RADIOTHERAPY,
    "radiotherapy": ProcedureKind.RADIOTHERAPY,
    "plasmapheresis": ProcedureKind.PLASMAPHERESIS,
}


def pdate(text: str | PartialDate | None) -> PartialDate | None:
    if text is None or isinstance(text, PartialDate):
        return text
    return PartialDate.parse(text)


def drug(
    name: str,
    start: str | None = None,
    last: str | None = None,
    *,
    role: str = "anti-myeloma",
    addition: str = "part of the original plan",
    stop_reason: str | None = None,
    changes: tuple[DoseChangeRec, ...] = (),
    ref: str = "",
) -> DrugRec:
    """A drug; ``name`` is a catalog id, brand or free text (identified via the catalog)."""
    found = get_catalog().identify(name)
    return DrugRec(
        name=found.generic if found else name,
        drug_id=found.id if found else None,
        start=pdate(start),
        last_dose=pdate(last),
        role=role,
        addition=addition,
        stop_reason=stop_reason,
        dose_changes=changes,
        ref=ref,
    )


def change(
    date: str,
    *,
    dose: float | None = None,
    schedule: str | None = None,
    held: bool = False,
    reason: str | None = None,
) -> DoseChangeRec:
    return DoseChangeRec(date=pdate(date), dose=dose, schedule=schedule, held=held, reason=reason)


def reg(
    id: int,
    name: str,
    start: str,
    end: str | None = None,
    drugs: list | tuple | None = None,
    **kw,
) -> RegimenRec:
    """A regimen. ``drugs`` default: the catalog template of ``name`` (e.g. "VRd")."""
    if drugs is None:
        tpl = get_catalog().regimen(name)
        drugs = list(tpl.drug_ids) if tpl else [name]
    s, e = pdate(start), pdate(end)
    recs = []
    for i, x in enumerate(drugs):
        rec = drug(x) if isinstance(x, str) else x
        # Resolve dates as the read side does: a drug without its own takes the regimen's.
        rec = dataclasses.replace(
            rec,
            start=rec.start or s,
            last_dose=rec.last_dose if rec.last_dose is not None else e,
            ref=rec.ref or f"regimen_drug:{id * 100 + i}",
        )
        recs.append(rec)
    return RegimenRec(id=id, name=name, start=s, end=e, drugs=tuple(recs), **kw)


def proc(id: int, kind: str, date: str, **kw) -> ProcedureRec:
    return ProcedureRec(id=id, kind=str(_PROC_KINDS.get(kind, kind)), date=pdate(date), **kw)


def prog(id: int, date: str, **kw) -> ProgressionRec:
    return ProgressionRec(id=id, date=pdate(date), **kw)


def resp(id: int, date: str, category: str, **kw) -> ResponseRec:
    return ResponseRec(id=id, date=pdate(date), category=category, **kw)


def override(id: int, rule: str, subject: str, value: str, reason: str = "my doctor says so"):
    return OverrideRec(id=id, rule=rule, subject=subject, value=value, reason=reason)


def hist(
    regimens=(),
    procedures=(),
    progressions=(),
    responses=(),
    overrides=(),
    diagnosis: str | None = None,
    **kw,
) -> History:
    return History(
        regimens=tuple(regimens),
        procedures=tuple(procedures),
        progressions=tuple(progressions),
        responses=tuple(responses),
        overrides=tuple(overrides),
        diagnosis=DiagnosisRec(date=pdate(diagnosis)) if diagnosis else None,
        **kw,
    )


BUILDERS = SimpleNamespace(
    pdate=pdate,
    d=pdate,
    drug=drug,
    change=change,
    reg=reg,
    proc=proc,
    prog=prog,
    resp=resp,
    override=override,
    hist=hist,
)


@pytest.fixture
def hb() -> SimpleNamespace:
    """History builders: hb.hist, hb.reg, hb.drug, hb.proc, hb.prog, hb.resp, hb.override."""
    return BUILDERS
