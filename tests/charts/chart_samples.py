"""Hand-made histories and rule results for the chart tests (and tests/ui/test_timeline_view).

The rule results are written out by hand (not computed) on purpose: the chart
must draw exactly what the rules return, so the tests fix what "the rules
returned" and check the drawing against it.
"""

from __future__ import annotations

import datetime as dt

from journal.charts.data import RuleResults
from journal.domain.dates import PartialDate
from journal.domain.lines import Line, LinesResult
from journal.domain.measurable import MeasurableStatus
from journal.domain.records import (
    DiagnosisRec,
    DoseChangeRec,
    DrugRec,
    History,
    LabRec,
    ProcedureRec,
    ProgressionRec,
    RegimenRec,
    ResponseRec,
    SideEffectRec,
)
from journal.domain.response import (
    Assessment,
    BestResponse,
    LineResponse,
    NadirStep,
    Progression,
    ResponseResult,
)
from journal.domain.trace import IMWG_RESPONSE_2016, Trace

TODAY = dt.date(2024, 6, 30)


def d(text: str) -> PartialDate:
    return PartialDate.from_iso(text)


def make_line(
    number: int,
    start: PartialDate,
    end: PartialDate | None,
    regimen_ids: tuple[int, ...],
    procedure_ids: tuple[int, ...] = (),
    label: str = "",
    *,
    overridden: bool = False,
    flags: tuple[str, ...] = (),
) -> Line:
    """A line of therapy as the lines rule returns it (its traces left out)."""
    return Line(number, start, end, regimen_ids, procedure_ids, label, (), overridden, flags)


def make_lines(lines: tuple[Line, ...], regimen_line: dict[int, int] | None = None) -> LinesResult:
    return LinesResult(lines, regimen_line or {}, {}, {})


def line_response(
    line: int,
    start: dt.date,
    until: dt.date | None,
    assessments: tuple[Assessment, ...],
    best: BestResponse | None,
    nadir_steps: tuple[NadirStep, ...],
    followed: tuple[str, ...] = ("serum",),
) -> LineResponse:
    """One line's response assessment; the fields the chart does not draw stay empty."""
    baseline = MeasurableStatus(
        "imwg", start, "IgG", {}, followed, "serum", True, False, _trace("baseline")
    )
    return LineResponse(
        line=line,
        start=start,
        until=until,
        baseline=baseline,
        followed=followed,
        assessments=assessments,
        best=best,
        best_unconfirmed=None,
        clinician=(),
        best_clinician=None,
        progression=None,
        pending_progression=None,
        relapses_from_cr=(),
        nadir={},
        nadir_steps=nadir_steps,
        trace=_trace(f"line {line}"),
    )


def drug(
    name, start, last=None, role="anti-myeloma", dose=None, unit=None, changes=(), reason=None
):
    return DrugRec(
        name=name,
        drug_id=name,
        start=d(start),
        last_dose=d(last) if last else None,
        role=role,
        dose=dose,
        dose_unit=unit,
        dose_changes=tuple(changes),
        stop_reason=reason,
        ref=f"drug:{name}",
    )


def sample_history() -> History:
    vrd = RegimenRec(
        1,
        "VRd",
        d("2019-03-01"),
        d("2019-08-15"),
        drugs=(
            drug("bortezomib", "2019-03-01", "2019-08-15", dose=1.3, unit="mg/m2"),
            drug(
                "lenalidomide",
                "2019-03-01",
                "2019-08-15",
                dose=25,
                unit="mg",
                changes=[
                    DoseChangeRec(d("2019-05-10"), 15, "mg", reason="rash", ref="dose_change:1")
                ],
            ),
            drug("dexamethasone", "2019-03-01", "2019-08-15", dose=40, unit="mg"),
            drug("ondansetron", "2019-03-01", "2019-08-15", role="premedication"),
        ),
    )
    mel = RegimenRec(
        2,
        "HDM",
        d("2019-10-01"),
        d("2019-10-02"),
        part_of_id=1,
        drugs=(drug("melphalan", "2019-10-01", "2019-10-02", role="conditioning"),),
    )
    maint = RegimenRec(
        3,
        "lenalidomide maintenance",
        d("2020-01-10"),
        d("2022-02-01"),
        part_of_id=1,
        drugs=(drug("lenalidomide", "2020-01-10", "2022-02-01", dose=10, unit="mg"),),
    )
    dkd = RegimenRec(
        4,
        "DKd",
        d("2022-03-01"),
        d("2023-04-20"),
        drugs=(
            drug("daratumumab", "2022-03-01", "2023-04-20"),
            drug("carfilzomib", "2022-03-01", "2022-11-01", reason="heart failure"),
            drug("dexamethasone", "2022-03-01", "2023-04-20"),
        ),
    )
    tec = RegimenRec(
        5,
        "Tec",
        d("2023-06-01"),
        None,
        trial_id="MajesTEC-X",
        drugs=(drug("teclistamab", "2023-06-01"),),
    )
    labs = []
    lab_id = 1
    for day, value in [
        ("2019-02-15", 3.2),
        ("2019-05-01", 1.1),
        ("2019-08-01", 0.4),
        ("2020-06-01", 0.2),
        ("2021-06-01", 0.2),
        ("2021-12-01", 0.6),
        ("2022-01-15", 0.9),
        ("2022-06-01", 0.3),
        ("2023-01-01", 0.5),
        ("2023-04-01", 1.0),
        ("2023-09-01", 0.1),
        ("2024-03-01", 0.0),
    ]:
        labs.append(LabRec(lab_id, d(day), "m_protein", value))
        lab_id += 1
    for day, value in [("2019-02-15", 11.0), ("2020-06-01", 13.1), ("2023-04-01", 9.8)]:
        labs.append(LabRec(lab_id, d(day), "hb", value))
        lab_id += 1
    return History(
        diagnosis=DiagnosisRec(date=d("2019-02"), heavy_chain="IgG", light_chain="kappa"),
        regimens=(vrd, mel, maint, dkd, tec),
        procedures=(
            ProcedureRec(
                1, "autologous stem-cell transplant", d("2019-10-03"), conditioning="melphalan 200"
            ),
        ),
        responses=(
            ResponseRec(1, d("2019-08-01"), "VGPR", regimen_id=1),
            ResponseRec(2, d("2022-06-01"), "PR", regimen_id=4),
        ),
        progressions=(ProgressionRec(1, d("2022-01-15"), "biochemical"),),
        side_effects=(
            SideEffectRec(
                1,
                "Peripheral sensory neuropathy",
                d("2019-04-01"),
                grade=2,
                resolved=d("2019-12-01"),
            ),
            SideEffectRec(2, "Rash", d("2019-05-01"), grade=1, resolved=d("2019-05-20")),
            SideEffectRec(
                3, "Heart failure", d("2022-10-20"), grade=3, serious=True, resolved=d("2022-12-01")
            ),
            SideEffectRec(4, "Neutropenia", d("2023-07-01"), grade=4),
        ),
        labs=tuple(labs),
    )


def _trace(text: str, *records: str) -> Trace:
    return Trace("test.rule", text, IMWG_RESPONSE_2016, records=records)


def sample_results() -> RuleResults:
    """What the rules "returned" for sample_history, written by hand in their real types."""
    lines = (
        make_line(
            1,
            d("2019-03-01"),
            d("2022-02-01"),
            (1, 2, 3),
            (1,),
            "VRd -> ASCT -> lenalidomide maintenance",
        ),
        make_line(2, d("2022-03-01"), d("2023-04-20"), (4,), (), "DKd"),
        make_line(3, d("2023-06-01"), None, (5,), (), "Tec", overridden=True),
    )
    lines_result = make_lines(lines, {1: 1, 2: 1, 3: 1, 4: 2, 5: 3})

    def assess(day, line, cat, confirmed=True):
        return Assessment(
            dt.date.fromisoformat(day),
            line,
            cat,
            confirmed,
            {},
            {},
            _trace(f"{cat} from the M-spike", "lab:2"),
        )

    line1 = line_response(
        line=1,
        start=dt.date(2019, 3, 1),
        until=dt.date(2022, 2, 28),
        assessments=(
            assess("2019-05-01", 1, "PR"),
            assess("2019-08-01", 1, "PR"),
            assess("2020-06-01", 1, "VGPR", confirmed=False),
        ),
        nadir_steps=(),
        best=BestResponse("PR", dt.date(2019, 5, 1), True, _trace("PR from the M-spike", "lab:2")),
    )
    line2 = line_response(
        line=2,
        start=dt.date(2022, 3, 1),
        until=dt.date(2023, 5, 31),
        assessments=(),
        best=None,
        nadir_steps=(
            NadirStep("serum", dt.date(2022, 1, 15), 0.9, 1.4),
            NadirStep("serum", dt.date(2022, 6, 1), 0.3, 0.8),
        ),
    )
    line3 = line_response(
        line=3,
        start=dt.date(2023, 6, 1),
        until=None,
        assessments=(assess("2023-09-01", 3, "VGPR"),),
        nadir_steps=(),
        best=BestResponse(
            "VGPR",
            dt.date(2023, 9, 1),
            True,
            _trace("VGPR", "lab:11"),
            "computed:response:line3:2023-09-01",
        ),
    )
    progression = Progression(
        dt.date(2023, 1, 1),
        2,
        "serum",
        0.5,
        0.3,
        dt.date(2023, 4, 1),
        True,
        _trace("M-spike rose from 0.3 to 0.5", "lab:9", "lab:10"),
    )
    pending = Progression(
        dt.date(2024, 3, 1), 3, "serum", 0.9, 0.0, None, False, _trace("awaiting", "lab:12")
    )
    responses = ResponseResult(
        variant="imwg",
        as_of=TODAY,
        lines=(line1, line2, line3),
        progressions=(progression,),
        pending_progressions=(pending,),
        relapses_from_cr=(),
        latest=None,
        latest_clinician=None,
        current_measurable=line3.baseline,
    )
    return RuleResults(lines=lines_result, responses=responses, as_of=TODAY)
