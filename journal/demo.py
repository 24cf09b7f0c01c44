"""A demo journal: a FICTIONAL person with a realistic relapsed myeloma course.

Nothing here comes from a real patient or from ../shared/data. The story
(2017-2026): IgG kappa myeloma, ISS II, 1q gain; line 1 VRd induction ->
high-dose melphalan and autologous transplant -> lenalidomide maintenance (one
planned programme); progression on maintenance 2020; line 2 DKd; line 3 IsaPd;
line 4 cilta-cel CAR-T with bridging and lymphodepletion, stringent complete
response, MRD negative; relapse 2025; line 5 talquetamab with step-up dosing,
ongoing. Labs every month follow the story: the M-protein falls on treatment and
before each progression rises by at least 25 % and 0.5 g/dL from its lowest
value, on two tests in a row (IMWG 2016).

Deterministic: the same journal every time (fixed seed, fixed dates).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Callable

from journal.services import actions, queries
from journal.store import models as m

DEMO_NAME = "Sam Example (fictional demo)"
FIRST_LAB = (2017, 2)
LAST_LAB = (2026, 11)
SEED = 20170214


class DemoError(RuntimeError):
    pass


def _iso(y: int, mo: int, d: int) -> str:
    return dt.date(y, mo, d).isoformat()


def lab_day(y: int, mo: int) -> dt.date:
    """The monthly blood test: the first Tuesday of the month."""
    first = dt.date(y, mo, 1)
    return first + dt.timedelta(days=(1 - first.weekday()) % 7)


def _months(start: tuple[int, int], end: tuple[int, int]):
    y, mo = start
    while (y, mo) <= end:
        yield y, mo
        y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)


def _interp(anchors: list[tuple[tuple[int, int], float]]) -> Callable[[int, int], float]:
    """Linear in months between anchor points; flat outside them."""
    pts = [(y * 12 + mo - 1, v) for (y, mo), v in anchors]

    def f(y: int, mo: int) -> float:
        t = y * 12 + mo - 1
        if t <= pts[0][0]:
            return pts[0][1]
        for (t0, v0), (t1, v1) in itertools.pairwise(pts):
            if t0 <= t <= t1:
                return v0 + (v1 - v0) * (t - t0) / (t1 - t0)
        return pts[-1][1]

    return f


# Serum M-protein (g/dL) month by month: the backbone of the story.
M_PROTEIN = _interp(
    [
        ((2017, 2), 3.8),
        ((2017, 3), 3.6),
        ((2017, 4), 2.2),
        ((2017, 5), 1.2),
        ((2017, 6), 0.6),
        ((2017, 7), 0.45),
        ((2017, 8), 0.4),
        ((2017, 10), 0.25),
        ((2017, 12), 0.2),
        ((2018, 6), 0.15),
        ((2019, 6), 0.15),
        ((2019, 9), 0.2),
        ((2019, 11), 0.35),
        ((2019, 12), 0.5),
        ((2020, 1), 0.72),  # progression: first of two tests >= nadir + 0.5
        ((2020, 2), 1.15),  # ... confirmed; measurable again for line 2
        ((2020, 3), 1.1),
        ((2020, 4), 0.6),
        ((2020, 5), 0.35),
        ((2020, 6), 0.2),
        ((2020, 8), 0.12),
        ((2020, 10), 0.1),
        ((2021, 9), 0.1),
        ((2021, 11), 0.2),
        ((2022, 1), 0.4),
        ((2022, 2), 0.65),  # progression
        ((2022, 3), 1.2),
        ((2022, 4), 1.0),
        ((2022, 5), 0.7),
        ((2022, 6), 0.5),
        ((2022, 8), 0.45),
        ((2023, 2), 0.45),
        ((2023, 4), 0.6),
        ((2023, 6), 0.8),
        ((2023, 7), 1.0),  # progression
        ((2023, 8), 1.3),
        ((2023, 10), 1.4),
        ((2023, 12), 1.2),
        ((2024, 1), 1.3),
        ((2024, 2), 0.6),
        ((2024, 3), 0.2),
        ((2024, 4), 0.0),
        ((2025, 2), 0.0),
        ((2025, 3), 0.2),
        ((2025, 4), 0.55),  # relapse from stringent CR
        ((2025, 5), 1.1),
        ((2025, 6), 1.15),
        ((2025, 7), 0.6),
        ((2025, 8), 0.35),
        ((2025, 9), 0.2),
        ((2025, 11), 0.1),
        ((2026, 2), 0.08),
        ((2026, 11), 0.08),
    ]
)

# Serum immunofixation is negative only in the deep response after CAR-T.
IFE_NEGATIVE = ((2024, 5), (2025, 1))

# Progressions (IMWG: dated by the first of the two rising tests; the next one confirms).
PROGRESSION_MONTHS = [(2020, 1), (2022, 2), (2023, 7), (2025, 4)]

# Bone-marrow tests on their own days: date, plasma cells %, clonality (IHC).
MARROW = [
    ("2017-02-14", 45.0, "clonal"),
    ("2017-11-20", 2.0, None),
    ("2024-04-16", 3.0, None),
    ("2024-07-16", 0.5, "polyclonal"),
]


def _dips(y: int, mo: int, events: dict[tuple[int, int], float]) -> float:
    return events.get((y, mo), 0.0)


def _labs(rng: random.Random) -> list[dict]:
    rows: list[dict] = []

    def add(date, test, value=None, unit=None, text=None, **kw):
        rows.append(
            {"date": date, "test": test, "value": value, "unit": unit, "text_value": text, **kw}
        )

    for y, mo in _months(FIRST_LAB, LAST_LAB):
        date = lab_day(y, mo).isoformat()
        mp = round(M_PROTEIN(y, mo), 2)
        jitter = lambda s: 1 + rng.uniform(-s, s)  # noqa: E731 - tiny local helper
        add(date, "m_protein", mp, "g/dL")
        kappa = round((12 + 95 * mp) * jitter(0.04), 1)
        lam = round(9.5 * jitter(0.06), 1)
        add(date, "flc_kappa", kappa, "mg/L", lln=3.3, uln=19.4)
        add(date, "flc_lambda", lam, "mg/L", lln=5.7, uln=26.3)
        add(date, "flc_ratio", round(kappa / lam, 2), "ratio", lln=0.26, uln=1.65)
        if IFE_NEGATIVE[0] <= (y, mo) <= IFE_NEGATIVE[1]:
            add(date, "serum_ife", text="negative", unit="result")
        elif mp < 0.3 and mo % 3 == 0:
            add(date, "serum_ife", text="positive", unit="result")
        # Blood counts dip after the transplant and the CAR-T cells.
        hb = (
            13.4
            - 0.9 * mp
            + _dips(
                y,
                mo,
                {
                    (2017, 8): -3.2,
                    (2017, 9): -1.6,
                    (2024, 1): -1.5,
                    (2024, 2): -3.4,
                    (2024, 3): -1.8,
                },
            )
        )
        add(
            date,
            "hb",
            round(hb * jitter(0.03), 1),
            "g/dL",
            lln=13.0,
            uln=17.0,
            context="transfusion-supported" if (y, mo) == (2024, 2) else "none",
        )
        plt = 235 + _dips(
            y,
            mo,
            {(2017, 8): -205, (2017, 9): -90, (2024, 2): -170, (2024, 3): -110, (2024, 4): -60},
        )
        if (2017, 11) <= (y, mo) <= (2020, 2):
            plt -= 45  # lenalidomide maintenance
        add(date, "platelets", round(plt * jitter(0.06)), "10^9/L", lln=150, uln=400)
        anc = 3.6 + _dips(
            y, mo, {(2017, 8): -3.3, (2018, 2): -2.7, (2024, 2): -3.0, (2024, 3): -2.2}
        )
        if (2017, 11) <= (y, mo) <= (2020, 2) and (y, mo) != (2018, 2):
            anc -= 1.6
        add(date, "anc", round(max(anc, 0.2) * jitter(0.05), 2), "10^9/L", lln=1.8, uln=7.5)
        creat = (118 if (y, mo) <= (2017, 3) else 84) * jitter(0.05)
        add(date, "creatinine", round(creat), "umol/L", lln=59, uln=104)
        ca = (10.9 if (y, mo) == (2017, 2) else 9.4) * jitter(0.02)
        add(date, "calcium", round(ca, 1), "mg/dL", lln=8.6, uln=10.3)
        alb = (3.4 if (y, mo) <= (2017, 3) else 4.0) * jitter(0.03)
        add(date, "albumin", round(alb, 1), "g/dL", lln=3.5, uln=5.0)
        uninvolved = 2.8 if (y, mo) >= (2024, 1) else 5.5
        add(date, "igg", round(mp * 10 + uninvolved * jitter(0.08), 1), "g/L", lln=7.0, uln=16.0)
        if mo in (2, 8) or (y, mo) in ((2017, 2), (2023, 8), (2025, 5)):
            b2m = 4.1 if (y, mo) == (2017, 2) else 2.0 + 0.9 * mp
            add(date, "b2m", round(b2m * jitter(0.04), 1), "mg/L", uln=2.4)
        if mo == 2 or (y, mo) in ((2023, 8), (2024, 1), (2025, 5)):
            ldh = 285 if (y, mo) == (2024, 1) else 185
            add(date, "ldh", round(ldh * jitter(0.05)), "U/L", uln=250)
    for date, pct, clonality in MARROW:
        add(date, "bmpc", pct, "%", notes="bone-marrow biopsy")
        if clonality:
            add(date, "bm_clonality", text=clonality, unit="result")
    for date in ("2024-04-16", "2024-07-16"):
        add(date, "urine_ife", text="negative", unit="result")
    return rows


def _rx(name, start, end=None, **kw) -> m.Regimen:
    return m.Regimen(name=name, start=start, end=end, **kw)


def _drug(drug_id, dose=None, unit=None, route=None, schedule=None, **kw) -> m.RegimenDrug:
    return m.RegimenDrug(
        drug_id=drug_id, dose=dose, dose_unit=unit, route=route, schedule=schedule, **kw
    )


def _prog_date(i: int) -> str:
    return lab_day(*PROGRESSION_MONTHS[i]).isoformat()


def _demo_diagnosis(store) -> None:
    """The person, the diagnosis and its first tests."""
    actions.set_person(
        store,
        m.Person(
            display_name=DEMO_NAME,
            birth_date="1956-09",
            sex="male",
            height_cm=176,
            weight_kg=81,
        ),
    )
    actions.set_diagnosis(
        store,
        m.Diagnosis(
            date="2017-02-14",
            heavy_chain="IgG",
            light_chain="kappa",
            iss_stage="II",
            riss_stage="II",
            beta2m_mg_l=4.1,
            albumin_g_dl=3.4,
            ldh_high=False,
            bmpc_percent=45,
            creatinine_mg_dl=1.33,
            ldh_u_l=185,
            ldh_uln_u_l=250,
            notes="Found after months of back pain and tiredness; anaemia and raised calcium at "
            "diagnosis. No kidney damage.",
        ),
    )
    actions.save(
        store, m.IsotypeObservation(date="2017-02-14", heavy_chain="IgG", light_chain="kappa")
    )
    for abn, present, pct, copies in [
        ("1q gain/amp", True, 38.0, 3),
        ("del(17p)", False, None, None),
        ("t(4;14)", False, None, None),
        ("t(14;16)", False, None, None),
        ("t(11;14)", False, None, None),
    ]:
        actions.save(
            store,
            m.CytogeneticResult(
                date="2017-02-20",
                abnormality=abn,
                present=present,
                percent=pct,
                copy_number=copies,
                sample="CD138-sorted bone marrow",
            ),
        )
    actions.save(
        store,
        m.CytogeneticResult(
            date="2023-08-21",
            abnormality="1q gain/amp",
            percent=62.0,
            copy_number=4,
            at_relapse=True,
            sample="CD138-sorted bone marrow",
            notes="Amplification (4 copies) at third relapse.",
        ),
    )


def _demo_line_1(store) -> None:
    """Line 1: VRd -> high-dose melphalan + ASCT -> lenalidomide maintenance."""
    vrd = _rx(
        "VRd",
        "2017-03-06",
        "2017-06-25",
        intent="induction",
        start_reason="new diagnosis",
        end_reason="plan completed",
        cycles=5,
        cycle_days=21,
        plan="4-6 cycles of VRd, then stem-cell collection, high-dose melphalan with "
        "autologous transplant, then lenalidomide maintenance until progression.",
    )
    bor = _drug(
        "bortezomib", 1.3, "mg/m2", "SC", "days 1, 4, 8, 11 of 21", stop_reason="plan completed"
    )
    actions.add_regimen(
        store,
        vrd,
        [
            bor,
            _drug("lenalidomide", 25, "mg", "oral", "days 1-14 of 21"),
            _drug("dexamethasone", 20, "mg", "oral", "days 1, 2, 4, 5, 8, 9, 11, 12"),
        ],
    )
    actions.add_dose_change(
        store,
        m.DoseChange(
            regimen_drug_id=bor.id,
            date="2017-05-08",
            dose=1.0,
            dose_unit="mg/m2",
            schedule="weekly",
            reason="tingling in the feet (neuropathy)",
        ),
    )
    actions.add_procedure(
        store,
        m.Procedure(
            kind="stem-cell collection",
            date="2017-07-17",
            end="2017-07-18",
            regimen_id=vrd.id,
            notes="G-CSF and plerixafor; enough cells for two transplants.",
        ),
    )
    mel = _rx(
        "High-dose melphalan (MEL200)",
        "2017-08-14",
        "2017-08-14",
        intent="conditioning",
        part_of_id=vrd.id,
        start_reason="planned",
        end_reason="plan completed",
    )
    actions.add_regimen(store, mel, [_drug("melphalan", 200, "mg/m2", "IV", "once, day -2")])
    actions.add_procedure(
        store,
        m.Procedure(
            kind="autologous stem-cell transplant",
            date="2017-08-16",
            end="2017-09-04",
            regimen_id=mel.id,
            planned=True,
            conditioning="melphalan 200 mg/m2",
        ),
    )
    actions.record_response(
        store, m.Response(date="2017-06-26", category="VGPR", regimen_id=vrd.id)
    )
    maint = _rx(
        "Lenalidomide maintenance",
        "2017-11-06",
        "2020-02-24",
        intent="maintenance",
        part_of_id=vrd.id,
        start_reason="planned",
        end_reason="progression",
        cycle_days=28,
        plan="Lenalidomide 10 mg daily until progression.",
    )
    actions.add_regimen(store, maint, [_drug("lenalidomide", 10, "mg", "oral", "daily")])
    actions.record_response(
        store,
        m.Response(
            date="2017-12-04",
            category="VGPR",
            regimen_id=maint.id,
            notes="Best response after transplant.",
        ),
    )
    actions.record_progression(
        store,
        m.Progression(
            date=_prog_date(0),
            kind="biochemical",
            regimen_id=maint.id,
            notes="M-protein rising on two tests in a row.",
            confirmed_on=lab_day(2020, 2).isoformat(),
        ),
    )


def _demo_line_2(store) -> None:
    """Line 2: DKd."""
    dkd = _rx(
        "DKd",
        "2020-03-02",
        "2022-03-21",
        intent="continuous (until progression)",
        start_reason="progression",
        end_reason="progression",
        cycle_days=28,
    )
    carf = _drug("carfilzomib", 56, "mg/m2", "IV", "days 1, 2, 8, 9, 15, 16 of 28")
    actions.add_regimen(
        store,
        dkd,
        [
            _drug("daratumumab", 16, "mg/kg", "IV", "weekly, then every 2 weeks, then monthly"),
            carf,
            _drug("dexamethasone", 40, "mg", "oral", "weekly"),
        ],
    )
    actions.add_dose_change(
        store,
        m.DoseChange(
            regimen_drug_id=carf.id,
            date="2020-07-13",
            dose=45,
            dose_unit="mg/m2",
            reason="high blood pressure",
        ),
    )
    actions.record_response(
        store, m.Response(date="2020-08-04", category="VGPR", regimen_id=dkd.id)
    )
    actions.record_progression(
        store, m.Progression(date=_prog_date(1), kind="biochemical", regimen_id=dkd.id)
    )


def _demo_line_3(store) -> None:
    """Line 3: IsaPd."""
    isapd = _rx(
        "IsaPd",
        "2022-04-04",
        "2023-08-28",
        intent="continuous (until progression)",
        start_reason="progression",
        end_reason="progression",
        cycle_days=28,
    )
    actions.add_regimen(
        store,
        isapd,
        [
            _drug("isatuximab", 10, "mg/kg", "IV", "weekly for 4 weeks, then every 2 weeks"),
            _drug("pomalidomide", 4, "mg", "oral", "days 1-21 of 28"),
            _drug("dexamethasone", 40, "mg", "oral", "weekly"),
        ],
    )
    actions.record_response(
        store, m.Response(date="2022-08-02", category="PR", regimen_id=isapd.id)
    )
    actions.record_progression(
        store, m.Progression(date=_prog_date(2), kind="biochemical", regimen_id=isapd.id)
    )


def _demo_line_4(store) -> int:
    """Line 4: cilta-cel with bridging and lymphodepletion. Returns the cilta-cel regimen
    id (the screening answers refer to it)."""
    actions.add_procedure(
        store,
        m.Procedure(
            kind="leukapheresis (T-cell collection)",
            date="2023-09-11",
            notes="T cells collected for cilta-cel.",
        ),
    )
    bridge = _rx(
        "Cyclophosphamide + dexamethasone (bridging)",
        "2023-09-18",
        "2023-12-18",
        intent="bridging",
        start_reason="progression",
        end_reason="plan completed",
        plan="Bridging while the CAR-T cells are made, then fludarabine and "
        "cyclophosphamide, then cilta-cel.",
    )
    actions.add_regimen(
        store,
        bridge,
        [
            _drug("cyclophosphamide", 300, "mg/m2", "oral", "weekly"),
            _drug("dexamethasone", 40, "mg", "oral", "weekly"),
        ],
    )
    ld = _rx(
        "Fludarabine + cyclophosphamide (lymphodepletion)",
        "2024-01-08",
        "2024-01-10",
        intent="lymphodepletion",
        part_of_id=bridge.id,
        start_reason="planned",
        end_reason="plan completed",
    )
    actions.add_regimen(
        store,
        ld,
        [
            _drug("fludarabine", 30, "mg/m2", "IV", "days -5 to -3", role="lymphodepletion"),
            _drug("cyclophosphamide", 300, "mg/m2", "IV", "days -5 to -3", role="lymphodepletion"),
        ],
    )
    cilta = _rx(
        "Cilta-cel (CAR-T)",
        "2024-01-15",
        "2024-01-15",
        intent="fixed duration",
        part_of_id=bridge.id,
        start_reason="planned",
        end_reason="plan completed",
    )
    actions.add_regimen(
        store,
        cilta,
        [_drug("ciltacabtagene-autoleucel", route="IV", schedule="single infusion")],
    )
    actions.add_procedure(
        store,
        m.Procedure(
            kind="CAR-T infusion",
            date="2024-01-15",
            end="2024-01-29",
            regimen_id=cilta.id,
            product="ciltacabtagene-autoleucel",
            notes="Two weeks in hospital after the infusion.",
        ),
    )
    actions.add_procedure(
        store, m.Procedure(kind="red-cell transfusion", date="2024-02-09", units=2)
    )
    actions.record_response(
        store, m.Response(date="2024-04-16", category="CR", regimen_id=cilta.id)
    )
    actions.record_response(
        store,
        m.Response(
            date="2024-07-16",
            category="sCR",
            regimen_id=cilta.id,
            mrd_result="negative",
            mrd_method="next-generation sequencing",
            mrd_sensitivity="10^-5",
        ),
    )
    actions.record_progression(
        store, m.Progression(date=_prog_date(3), kind="relapse from CR", regimen_id=cilta.id)
    )
    return cilta.id


def _demo_line_5(store) -> None:
    """Line 5: talquetamab, ongoing."""
    talq = _rx(
        "Talquetamab",
        "2025-06-02",
        None,
        intent="continuous (until progression)",
        start_reason="relapse",
        plan="Step-up doses in hospital (days 1, 4, 7), then 0.4 mg/kg weekly; "
        "every 2 weeks once the response is good.",
    )
    tal = _drug("talquetamab", 0.4, "mg/kg", "SC", "weekly after step-up doses")
    actions.add_regimen(
        store,
        talq,
        [
            tal,
            _drug(
                "dexamethasone",
                16,
                "mg",
                "IV",
                "before each step-up dose",
                role="premedication",
                last_dose="2025-06-08",
            ),
            _drug(
                "paracetamol",
                1000,
                "mg",
                "oral",
                "before each step-up dose",
                role="premedication",
                last_dose="2025-06-08",
            ),
            _drug(
                "diphenhydramine",
                50,
                "mg",
                "oral",
                "before each step-up dose",
                role="premedication",
                last_dose="2025-06-08",
            ),
        ],
    )
    for date, dose, reason in [
        ("2025-06-02", 0.01, "step-up dose 1"),
        ("2025-06-05", 0.06, "step-up dose 2"),
        ("2025-06-08", 0.4, "first full dose"),
        ("2025-10-06", 0.8, "planned change to every 2 weeks"),
    ]:
        actions.add_dose_change(
            store,
            m.DoseChange(
                regimen_drug_id=tal.id,
                date=date,
                dose=dose,
                dose_unit="mg/kg",
                reason=reason,
                schedule="every 2 weeks" if dose == 0.8 else None,
            ),
        )
    actions.record_response(store, m.Response(date="2025-08-05", category="PR", regimen_id=talq.id))
    actions.record_response(
        store, m.Response(date="2025-11-04", category="VGPR", regimen_id=talq.id)
    )


def build_demo(store) -> dict[str, int]:
    """Fill an EMPTY journal with the fictional demo history; returns rows per table."""
    if not queries.is_empty(store):
        raise DemoError(
            "This journal already holds data; the demo needs an empty journal. "
            "Create a new file for it."
        )
    with actions.batch(store):  # one transaction: one fsync, all or nothing
        rng = random.Random(SEED)

        _demo_diagnosis(store)
        _demo_line_1(store)
        _demo_line_2(store)
        _demo_line_3(store)
        cilta_id = _demo_line_4(store)
        _demo_line_5(store)

        _side_effects(store)
        _supportive(store)
        _visits(store)
        _screening(store, cilta_id)

        labs = _labs(rng) + _screening_labs()
        actions.bulk_insert(store, {m.LabResult: labs}, label="Load demo labs")
    return queries.row_counts(store)


def _screening(store, cilta_id: int) -> None:
    """What trial teams asked before CAR-T (Dec 2023) and before talquetamab (May 2025).
    Some questions are left unanswered on purpose: the summary shows "not recorded"."""
    for topic, answer, date, resolved, detail, treated in [
        (
            "another cancer",
            "yes",
            "2014-05",
            "2014-06",
            "basal cell skin cancer on the back",
            True,
        ),
        (
            "irregular heartbeat (arrhythmia)",
            "yes",
            "2024-01-18",
            "2024-01-20",
            "atrial fibrillation for two days in hospital after the CAR-T infusion",
            True,
        ),
        ("heart attack (myocardial infarction)", "no", "2023-12-12", None, None, None),
        ("heart failure", "no", "2023-12-12", None, None, None),
        ("blood clot in a vein or the lungs (DVT / PE)", "no", "2023-12-12", None, None, None),
        ("autoimmune disease", "no", "2023-12-12", None, None, None),
        ("transplant from a donor (allogeneic)", "no", "2023-12-12", None, None, None),
        ("CNS involvement", "no", "2025-05-20", None, "brain MRI clear", None),
        ("plasma cell leukaemia", "no", "2025-05-20", None, "no plasma cells in the blood", None),
        ("AL amyloidosis", "no", "2023-12-12", None, None, None),
        ("extramedullary disease", "no", "2025-05-20", None, "PET-CT: bone only", None),
    ]:
        actions.record_health_answer(
            store,
            m.HealthHistory(
                topic=topic,
                answer=answer,
                date=date,
                resolved=resolved,
                detail=detail,
                treated=treated,
            ),
        )
    for date, sensitivity in [("2024-07-16", "10^-5"), ("2025-01-14", "10^-6")]:
        actions.record_mrd(
            store,
            m.MrdResult(
                date=date,
                result="negative",
                method="next-generation sequencing",
                sensitivity=sensitivity,
                sample="bone marrow",
                regimen_id=cilta_id,
            ),
        )


def _screening_labs() -> list[dict]:
    """Tests trial teams order at screening, before CAR-T and before talquetamab."""
    rows = []
    for date in ("2023-12-12", "2025-05-20"):
        for test, value, text, unit, lln, uln in [
            # Liver tests, lymphocytes and LVEF are left out on purpose for now: the
            # PDF's key-labs table would no longer fit its two pages (see report tests).
            ("inr", 1.0, None, "ratio", 0.8, 1.2),
            ("aptt", 29, None, "s", 25, 36),
            ("spo2", 97, None, "%", 95, 100),
            ("hiv", None, "negative", "result", None, None),
            ("hbsag", None, "negative", "result", None, None),
            ("anti_hbc", None, "negative", "result", None, None),
            ("anti_hcv", None, "negative", "result", None, None),
        ]:
            rows.append(
                {
                    "date": date,
                    "test": test,
                    "value": value,
                    "text_value": text,
                    "unit": unit,
                    "lln": lln,
                    "uln": uln,
                    "notes": "screening tests",
                }
            )
    return rows


def _side_effects(store) -> None:
    ctcae, astct = "CTCAE v5.0", "ASTCT 2019"
    items = [
        (
            "Peripheral sensory neuropathy",
            "2017-04-24",
            "2018-03",
            2,
            ctcae,
            "dose reduced",
            ["bortezomib"],
            "Pins and needles in both feet, worse at night.",
        ),
        ("Fatigue", "2017-11", "2019-06", 1, ctcae, "none", ["lenalidomide"], None),
        (
            "Neutrophil count decreased",
            "2018-02-06",
            "2018-03-06",
            3,
            ctcae,
            "dose held",
            ["lenalidomide"],
            None,
        ),
        (
            "Diarrhea",
            "2018-05",
            "2020-02",
            1,
            ctcae,
            "treated",
            ["lenalidomide"],
            "Loose stools most mornings.",
        ),
        (
            "Infusion related reaction",
            "2020-03-02",
            "2020-03-02",
            2,
            ctcae,
            "treated",
            ["daratumumab"],
            "Runny nose and tight chest during the first infusion.",
        ),
        ("Hypertension", "2020-06", "2022-03", 2, ctcae, "dose reduced", ["carfilzomib"], None),
        ("Upper respiratory infection", "2021-01-11", "2021-01-25", 2, ctcae, "treated", [], None),
        (
            "Cytokine release syndrome",
            "2024-01-19",
            "2024-01-21",
            1,
            astct,
            "treated",
            ["ciltacabtagene-autoleucel"],
            "Fever for two days after the CAR-T cells.",
        ),
        (
            "Neutrophil count decreased",
            "2024-01-23",
            "2024-03-12",
            3,
            ctcae,
            "treated",
            ["ciltacabtagene-autoleucel"],
            None,
        ),
        (
            "Cytokine release syndrome",
            "2025-06-03",
            "2025-06-04",
            1,
            astct,
            "treated",
            ["talquetamab"],
            None,
        ),
        (
            "Dysgeusia",
            "2025-06-23",
            None,
            2,
            ctcae,
            "none",
            ["talquetamab"],
            "Food tastes of cardboard; eating less.",
        ),
        ("Dry mouth", "2025-07", None, 1, ctcae, "none", ["talquetamab"], None),
        (
            "Skin exfoliation",
            "2025-07",
            "2025-10",
            1,
            ctcae,
            "treated",
            ["talquetamab"],
            "Skin peeling on the palms.",
        ),
        (
            "Nail changes",
            "2025-08",
            None,
            1,
            ctcae,
            "none",
            ["talquetamab"],
            "Nails thin and lifting.",
        ),
        ("Weight loss", "2025-10", None, 1, ctcae, "none", ["talquetamab"], None),
    ]
    for term, onset, resolved, grade, scale, action, drugs, words in items:
        actions.record_side_effect(
            store,
            m.SideEffect(
                term=term,
                onset=onset,
                resolved=resolved,
                grade=grade,
                scale=scale,
                action=action,
                patient_words=words,
            ),
            [{"drug_id": d} for d in drugs],
        )


def _supportive(store) -> None:
    for drug_id, name, purpose, dose, start, end in [
        (
            "zoledronic-acid",
            "Zoledronic acid",
            "bone protection",
            "4 mg IV every 4 weeks, then every 12 weeks",
            "2017-03-06",
            "2019-03",
        ),
        ("aciclovir", "Aciclovir", "shingles prevention", "400 mg twice a day", "2017-03-06", None),
        (
            "aspirin",
            "Aspirin",
            "clot prevention with lenalidomide",
            "75 mg daily",
            "2017-03-06",
            "2020-02",
        ),
        (
            "trimethoprim-sulfamethoxazole",
            "Co-trimoxazole",
            "pneumonia (PJP) prevention",
            "480 mg twice a day, 3 days a week",
            "2024-01-15",
            None,
        ),
        (
            "filgrastim",
            "G-CSF (filgrastim)",
            "low neutrophils after CAR-T",
            "daily injections",
            "2024-02-05",
            "2024-02-16",
        ),
        (
            "ivig",
            "IVIG",
            "low antibody levels (IgG below 4 g/L)",
            "0.4 g/kg every 4 weeks",
            "2024-04",
            None,
        ),
    ]:
        actions.add_supportive_care(
            store,
            m.SupportiveCare(
                drug_id=drug_id, name=name, purpose=purpose, dose=dose, start=start, end=end
            ),
        )
    for date, score in [
        ("2017-02-14", 1),
        ("2017-09-18", 1),
        ("2018-03-05", 0),
        ("2020-03-02", 1),
        ("2022-04-04", 1),
        ("2023-09-11", 1),
        ("2024-03-04", 2),
        ("2024-07-16", 1),
        ("2025-06-02", 1),
        ("2026-10-06", 1),
    ]:
        actions.record_ecog(store, m.Ecog(date=date, score=score))


def _visits(store) -> None:
    notes = [
        (
            "2017-02-14",
            "clinic visit",
            "Diagnosis explained",
            "Told it is IgG kappa myeloma. Plan: VRd, then a transplant. Ask about driving.",
            True,
        ),
        (
            "2017-09-04",
            "hospital stay",
            "Transplant stay",
            "Home today after three weeks. Very tired; eating better.",
            False,
        ),
        (
            "2020-02-24",
            "clinic visit",
            "Myeloma is back",
            "Paraprotein has risen two months in a row. Stopping lenalidomide; DKd next.",
            True,
        ),
        (
            "2024-01-29",
            "hospital stay",
            "CAR-T stay",
            "Fever for two days after the cells (CRS grade 1), settled with paracetamol.",
            False,
        ),
        (
            "2025-05-12",
            "clinic visit",
            "Relapse after CAR-T",
            "Paraprotein back after a year in deep remission. Talquetamab offered.",
            True,
        ),
        (
            "2026-10-06",
            "note",
            "Taste",
            "Taste still poor; dietitian suggested sharper flavours. Weight stable.",
            False,
        ),
    ]
    for date, kind, title, text, summary in notes:
        actions.add_note(
            store, m.Note(date=date, kind=kind, title=title, text=text, include_in_summary=summary)
        )
    for created, text, asked, answer in [
        (
            "2025-05-12",
            "Which trials are open to me after CAR-T and talquetamab?",
            "2025-06-02",
            "A GPRC5D CAR-T trial may open next year; ask again at relapse.",
        ),
        ("2026-10-06", "Can the gap between talquetamab doses be longer now?", None, None),
        ("2026-10-06", "Should I have the shingles vaccine again?", None, None),
    ]:
        actions.add_question(
            store, m.Question(created=created, text=text, asked_on=asked, answer=answer)
        )
