"""The rules' input: one person's whole history (:class:`journal.domain.records.History`)
read from the journal, with drug dates resolved from their regimen, labs converted to
canonical units and records named by refs ("regimen:3").

Read with plain SELECTs of the columns that :mod:`journal.store.columns` names, not
through the SQLModel classes: building those classes costs more than reading a
25-year journal (about 0.15 s), and ``journal summary`` needs nothing else of them.
What SQLAlchemy would do to these values, this does too (booleans; every other
column type of the journal reads as SQLite gives it), and a test compares the rows
with SQLAlchemy's on the demo and synthetic journals.
``journal.services.queries.load_history`` is this same function.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from typing import Any

from journal.domain import records as r
from journal.domain.cycles import no_cycle_collection
from journal.domain.dates import PartialDate
from journal.domain.labs import LAB_TESTS
from journal.store import columns

_Rows = dict[str, list[dict[str, Any]]]  # table name -> its rows, by id

#: The tables the history is made of.
_TABLES = (
    "person",
    "diagnosis",
    "isotypeobservation",
    "diseasefeature",
    "cytogeneticresult",
    "regimen",
    "regimendrug",
    "dosechange",
    "procedure",
    "response",
    "progression",
    "sideeffect",
    "sideeffectdrug",
    "labresult",
    "ecog",
    "supportivecare",
    "mrdresult",
    "healthhistory",
    "override",
)


def read_rows(conn, table: str) -> list[dict[str, Any]]:
    """Every row of ``table`` by id, as {column: value}, with the values SQLAlchemy's
    ``select(Model.__table__)`` gives. ``conn``: a DB-API (sqlite3 or SQLCipher)
    connection."""
    names = columns.TABLES[table]
    listed = ", ".join(f'"{c}"' for c in names)
    rows = [
        dict(zip(names, row, strict=True))
        for row in conn.execute(f'SELECT {listed} FROM "{table}" ORDER BY id')
    ]
    for c in columns.BOOLEAN.get(table, ()):
        # SQLite stores 1/0; SQLAlchemy's Boolean reads True/False, None stays None.
        for row in rows:
            if row[c] is not None:
                row[c] = bool(row[c])
    return rows


def _pd(text: str | None) -> PartialDate | None:
    return PartialDate.from_iso(text) if text else None


def _date_of(text: str) -> PartialDate:
    # A NOT NULL date column: its CHECK and validation keep out empty text.
    return PartialDate.from_iso(text)


def _sorted_by_date(objs: list, attr: str = "date") -> list:
    # Python-side: partial dates sort by their derived key, not as text.
    def key(o):
        d = getattr(o, attr)
        return (d.sort_key() if d is not None else (0, 0, 0), getattr(o, "id", 0) or 0)

    return sorted(objs, key=key)


def _one(text: str) -> str:
    # One string object per distinct word (a lab's test, a side effect's term): each row
    # read brings its own copy, and tens of thousands of copies of a dozen words made the
    # history a third larger, which slows every pass of the rules over it.
    return sys.intern(text)


def _one_or_none(text: str | None) -> str | None:
    return None if text is None else sys.intern(text)


def _drug_name(row: dict[str, Any]) -> str:
    return (row.get("name") or "").strip() or row.get("drug_id") or "?"


def load_history(store) -> r.History:
    """One person's whole history, as the rules read it."""
    # Tens of thousands of rows and records, no reference cycles: see domain.cycles.
    with no_cycle_collection():
        return _load_history(store)


def _load_history(store) -> r.History:
    with store.engine.connect() as conn:
        raw = conn.connection.driver_connection
        data: _Rows = {table: read_rows(raw, table) for table in _TABLES}
    return r.History(
        person=_person(data),
        diagnosis=_diagnosis(data),
        isotypes=tuple(_sorted_by_date(_isotypes(data))),
        features=_features(data),
        cytogenetics=_cytogenetics(data),
        regimens=tuple(_sorted_by_date(_regimens(data), "start")),
        procedures=tuple(_sorted_by_date(_procedures(data))),
        responses=tuple(_sorted_by_date(_responses(data))),
        progressions=tuple(_sorted_by_date(_progressions(data))),
        side_effects=tuple(_sorted_by_date(_side_effects(data), "onset")),
        labs=tuple(sorted(_labs(data), key=lambda x: (x.date.sort_key(), x.test, x.id))),
        ecog=tuple(
            _sorted_by_date(
                [
                    r.EcogRec(id=x["id"], date=_date_of(x["date"]), score=x["score"])
                    for x in data["ecog"]
                ]
            )
        ),
        supportive=_supportive(data),
        overrides=_overrides(data),
        mrd=tuple(_sorted_by_date(_mrd_records(data))),
        health=tuple(_sorted_by_date(_health(data))),
    )


def _person(data: _Rows) -> r.PersonRec:
    person_rows = data["person"]
    p = person_rows[0] if person_rows else None
    return (
        r.PersonRec(
            birth_date=_pd(p["birth_date"]),
            sex=p["sex"],
            height_cm=p["height_cm"],
            weight_kg=p["weight_kg"],
            display_name=p["display_name"],
        )
        if p
        else r.PersonRec()
    )


def _diagnosis(data: _Rows) -> r.DiagnosisRec | None:
    dx_rows = data["diagnosis"]
    if not dx_rows:
        return None
    d = dx_rows[0]
    return r.DiagnosisRec(
        date=_pd(d["date"]),
        heavy_chain=d["heavy_chain"],
        light_chain=d["light_chain"],
        iss_stage=d["iss_stage"],
        riss_stage=d["riss_stage"],
        beta2m_mg_l=d["beta2m_mg_l"],
        albumin_g_dl=d["albumin_g_dl"],
        ldh_high=d["ldh_high"],
        bmpc_percent=d["bmpc_percent"],
        creatinine_mg_dl=d["creatinine_mg_dl"],
        ldh_u_l=d["ldh_u_l"],
        ldh_uln_u_l=d["ldh_uln_u_l"],
        ref=f"diagnosis:{d['id']}",
    )


def _regimens(data: _Rows) -> list[r.RegimenRec]:
    changes_by_drug: dict[int, list[r.DoseChangeRec]] = defaultdict(list)
    for c in data["dosechange"]:
        changes_by_drug[c["regimen_drug_id"]].append(
            r.DoseChangeRec(
                date=_date_of(c["date"]),
                dose=c["dose"],
                dose_unit=c["dose_unit"],
                schedule=c["schedule"],
                reason=c["reason"],
                held=bool(c["held"]),
                ref=f"dose_change:{c['id']}",
            )
        )
    drugs_by_regimen: dict[int, list[dict]] = defaultdict(list)
    for dr in data["regimendrug"]:
        drugs_by_regimen[dr["regimen_id"]].append(dr)

    regimens = []
    for g in data["regimen"]:
        start, end = _date_of(g["start"]), _pd(g["end"])
        drugs = tuple(
            r.DrugRec(
                name=_drug_name(dr),
                drug_id=dr["drug_id"],
                start=_pd(dr["start"]) or start,
                # Without its own last dose a drug ran as long as its regimen.
                last_dose=_pd(dr["last_dose"]) or end,
                role=dr["role"],
                addition=dr["addition"],
                stop_reason=dr["stop_reason"],
                dose=dr["dose"],
                dose_unit=dr["dose_unit"],
                route=dr["route"],
                schedule=dr["schedule"],
                dose_changes=tuple(_sorted_by_date(changes_by_drug.get(dr["id"], []))),
                ref=f"regimen_drug:{dr['id']}",
            )
            for dr in drugs_by_regimen.get(g["id"], [])
        )
        regimens.append(
            r.RegimenRec(
                id=g["id"],
                name=g["name"],
                start=start,
                end=end,
                intent=g["intent"],
                plan=g["plan"],
                part_of_id=g["part_of_id"],
                start_reason=g["start_reason"],
                end_reason=g["end_reason"],
                trial_id=g["trial_id"],
                trial_arm=g["trial_arm"],
                expanded_access=bool(g["expanded_access"]),
                cycles=g["cycles"],
                cycle_days=g["cycle_days"],
                line_override=g["line_override"],
                line_override_reason=g["line_override_reason"],
                drugs=drugs,
            )
        )
    return regimens


def _labs(data: _Rows) -> list[r.LabRec]:
    labs = []
    for x in data["labresult"]:
        test = LAB_TESTS[x["test"]]
        value = x["value"]
        if value is not None:
            value = test.to_canonical(value, x["unit"])
        factor = test.units[x["unit"]]
        labs.append(
            r.LabRec(
                id=x["id"],
                date=_date_of(x["date"]),
                test=_one(x["test"]),
                value=value,
                text_value=x["text_value"],
                context=_one(x["context"]),
                lln=None if x["lln"] is None else x["lln"] * factor,
                uln=None if x["uln"] is None else x["uln"] * factor,
            )
        )
    return labs


def _isotypes(data: _Rows) -> list[r.IsotypeRec]:
    return [
        r.IsotypeRec(
            date=_date_of(i["date"]),
            heavy_chain=i["heavy_chain"],
            light_chain=i["light_chain"],
            ref=f"isotype:{i['id']}",
        )
        for i in data["isotypeobservation"]
    ]


def _features(data: _Rows) -> tuple[r.FeatureRec, ...]:
    return tuple(
        r.FeatureRec(
            flag=f["flag"],
            date=_pd(f["date"]),
            resolved=_pd(f["resolved"]),
            site=f["site"],
            ref=f"feature:{f['id']}",
        )
        for f in data["diseasefeature"]
    )


def _cytogenetics(data: _Rows) -> tuple[r.CytogeneticRec, ...]:
    return tuple(
        r.CytogeneticRec(
            abnormality=c["abnormality"],
            present=bool(c["present"]),
            date=_pd(c["date"]),
            percent=c["percent"],
            copy_number=c["copy_number"],
            biallelic=c["biallelic"],
            at_relapse=bool(c["at_relapse"]),
            ref=f"cytogenetics:{c['id']}",
        )
        for c in data["cytogeneticresult"]
    )


def _procedures(data: _Rows) -> list[r.ProcedureRec]:
    return [
        r.ProcedureRec(
            id=x["id"],
            kind=x["kind"],
            date=_date_of(x["date"]),
            end=_pd(x["end"]),
            regimen_id=x["regimen_id"],
            planned=bool(x["planned"]),
            planned_tandem=bool(x["planned_tandem"]),
            conditioning=x["conditioning"],
            product=x["product"],
            site=x["site"],
            units=x["units"],
        )
        for x in data["procedure"]
    ]


def _responses(data: _Rows) -> list[r.ResponseRec]:
    return [
        r.ResponseRec(
            id=x["id"],
            date=_date_of(x["date"]),
            category=x["category"],
            assessor=x["assessor"],
            regimen_id=x["regimen_id"],
            mrd_result=x["mrd_result"],
            mrd_method=x["mrd_method"],
            mrd_sensitivity=x["mrd_sensitivity"],
        )
        for x in data["response"]
    ]


def _progressions(data: _Rows) -> list[r.ProgressionRec]:
    return [
        r.ProgressionRec(
            id=x["id"],
            date=_date_of(x["date"]),
            kind=x["kind"],
            confirmed=bool(x["confirmed"]),
            regimen_id=x["regimen_id"],
            confirmed_on=_pd(x["confirmed_on"]),
        )
        for x in data["progression"]
    ]


def _side_effects(data: _Rows) -> list[r.SideEffectRec]:
    se_drugs: dict[int, list[str]] = defaultdict(list)
    for sd in data["sideeffectdrug"]:
        se_drugs[sd["side_effect_id"]].append(_one(sd["drug_id"] or _drug_name(sd)))
    return [
        r.SideEffectRec(
            id=x["id"],
            term=_one(x["term"]),
            onset=_date_of(x["onset"]),
            term_id=_one_or_none(x["term_id"]),
            scale=_one(x["scale"]),
            grade=x["grade"],
            grade_source=_one(x["grade_source"]),
            resolved=_pd(x["resolved"]),
            serious=bool(x["serious"]),
            action=_one_or_none(x["action"]),
            drugs=tuple(se_drugs.get(x["id"], ())),
            regimen_id=x["regimen_id"],
        )
        for x in data["sideeffect"]
    ]


def _supportive(data: _Rows) -> tuple[r.SupportiveRec, ...]:
    return tuple(
        r.SupportiveRec(
            id=x["id"],
            name=x["name"],
            drug_id=x["drug_id"],
            purpose=x["purpose"],
            start=_pd(x["start"]),
            end=_pd(x["end"]),
        )
        for x in data["supportivecare"]
    )


def _overrides(data: _Rows) -> tuple[r.OverrideRec, ...]:
    return tuple(
        r.OverrideRec(
            id=x["id"],
            rule=x["rule"],
            subject=x["subject"],
            value=x["value"],
            reason=x["reason"],
        )
        for x in data["override"]
    )


def _health(data: _Rows) -> list[r.HealthRec]:
    return [
        r.HealthRec(
            id=x["id"],
            topic=x["topic"],
            answer=x["answer"],
            date=_pd(x["date"]),
            resolved=_pd(x["resolved"]),
            detail=x["detail"],
            treated=x["treated"],
        )
        for x in data["healthhistory"]
    ]


def _mrd_records(data: _Rows) -> list[r.MrdRec]:
    """MRD tests entered as their own records, and those entered on a response (the
    older way; "not done" is no result). The same test entered both ways (same date
    and result) counts once, as the MRD record, which holds more."""
    out = [
        r.MrdRec(
            date=_date_of(x["date"]),
            result=x["result"],
            method=x["method"],
            sensitivity=x["sensitivity"],
            sample=x["sample"],
            regimen_id=x["regimen_id"],
            ref=f"mrd:{x['id']}",
        )
        for x in data["mrdresult"]
    ]
    own = {(x["date"], x["result"]) for x in data["mrdresult"]}
    for x in data["response"]:
        if x["mrd_result"] in ("negative", "positive") and (x["date"], x["mrd_result"]) not in own:
            out.append(
                r.MrdRec(
                    date=_date_of(x["date"]),
                    result=x["mrd_result"],
                    method=x["mrd_method"],
                    sensitivity=x["mrd_sensitivity"],
                    regimen_id=x["regimen_id"],
                    ref=f"response:{x['id']}",
                )
            )
    return out
