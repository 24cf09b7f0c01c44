"""Issue 9 item 3: refractoriness is judged per line, however the history was typed.

A drug that runs across a line boundary (an unplanned addition opens a new line while
it continues) is judged on each line's part. The same history typed as one continuing
regimen or as two regimens gives the same ledger, line by line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal.domain.dates import PartialDate
from journal.domain.ledger import compute_ledger
from journal.domain.lines import compute_lines
from journal.domain.records import DrugRec, History, ProgressionRec, RegimenRec, ResponseRec

S0 = dt.date(2020, 1, 1)


def _d(offset: int) -> PartialDate:
    return PartialDate.from_date(S0 + dt.timedelta(days=offset))


def _drug(name: str, start: int, end: int | None, ref: str, addition=None) -> DrugRec:
    return DrugRec(
        name=name,
        drug_id=name,
        start=_d(start),
        last_dose=_d(end) if end is not None else None,
        addition=addition or "part of the original plan",
        ref=ref,
    )


def as_one(base, added, split, end, responses=(), progressions=()) -> History:
    """One regimen; ``added`` joins on day ``split`` as an unplanned addition."""
    drugs = [_drug(x, 0, end, f"regimen_drug:{i}") for i, x in enumerate(base)]
    drugs.append(_drug(added, split, end, "regimen_drug:50", "unplanned addition"))
    reg = RegimenRec(1, "+".join(base) + "+" + added, _d(0), _d(end) if end else None)
    return History(
        regimens=(dataclasses.replace(reg, drugs=tuple(drugs)),),
        responses=tuple(responses),
        progressions=tuple(progressions),
    )


def as_two(base, added, split, end, responses=(), progressions=()) -> History:
    """Two regimens: the first ends the day before the second (base + added) starts."""
    r1 = RegimenRec(
        1,
        "+".join(base),
        _d(0),
        _d(split - 1),
        drugs=tuple(_drug(x, 0, split - 1, f"regimen_drug:{i}") for i, x in enumerate(base)),
    )
    r2 = RegimenRec(
        2,
        "+".join(base) + "+" + added,
        _d(split),
        _d(end) if end else None,
        drugs=tuple(
            _drug(x, split, end, f"regimen_drug:{10 + i}") for i, x in enumerate([*base, added])
        ),
    )
    return History(regimens=(r1, r2), responses=tuple(responses), progressions=tuple(progressions))


def view(h: History, as_of: int, rule_set="imwg"):
    lines = compute_lines(h)
    lg = compute_ledger(h, lines, as_of=_d(as_of), rule_set=rule_set)
    return {
        "lines": [(ln.number, ln.start.to_iso()) for ln in lines.lines],
        "drugs": {
            k: (v.exposed, v.refractory, v.refractory_state, v.lines) for k, v in lg.drugs.items()
        },
        "last_line": (lg.last_line.line, lg.last_line.state, lg.last_line.refractory_drugs),
        "status": lg.disease_status.status,
    }


def test_non_response_in_the_earlier_line_counts_on_that_part():
    # Rd with SD for 5 months, then bortezomib added (unplanned): VGPR on VRd. The SD was
    # on lenalidomide in line 1: refractory to it there, whatever line 2 brought.
    resp = (
        ResponseRec(1, _d(90), "SD"),
        ResponseRec(2, _d(140), "SD"),
        ResponseRec(3, _d(260), "VGPR"),
    )
    base, added = ["lenalidomide", "dexamethasone"], "bortezomib"
    one = as_one(base, added, 150, None, resp)
    lg = compute_ledger(one, compute_lines(one), as_of=_d(400))
    s = lg.drug("lenalidomide")
    assert s.refractory is True and s.lines == (1, 2)
    t = next(t for t in s.traces if t.rule == "ledger.refractory.no_response")
    assert "SD" in t.explanation
    assert lg.drug("bortezomib").refractory is False
    assert view(one, 400) == view(as_two(base, added, 150, None, resp), 400)


def test_progression_on_the_day_the_new_line_began_belongs_to_the_old_line():
    base, added = ["lenalidomide", "dexamethasone"], "bortezomib"
    pd = (ProgressionRec(1, _d(150)),)
    one = as_one(base, added, 150, None, progressions=pd)
    lg = compute_ledger(one, compute_lines(one), as_of=_d(400))
    t = next(t for t in lg.drug("lenalidomide").traces if t.rule == "ledger.refractory.progression")
    assert "as the next line began" in t.explanation
    assert lg.drug("bortezomib").refractory is not True
    assert view(one, 400) == view(as_two(base, added, 150, None, progressions=pd), 400)


BASES = st.lists(
    st.sampled_from(["lenalidomide", "dexamethasone", "pomalidomide", "carfilzomib"]),
    min_size=1,
    max_size=3,
    unique=True,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=BASES,
    added=st.sampled_from(["daratumumab", "bortezomib", "elotuzumab"]),
    split=st.integers(30, 300),
    length=st.one_of(st.none(), st.integers(2, 400)),
    responses=st.lists(
        st.tuples(st.integers(1, 800), st.sampled_from(["SD", "MR", "PR", "VGPR", "CR"])),
        max_size=4,
    ),
    progressions=st.lists(st.integers(1, 800), max_size=3),
    rule_set=st.sampled_from(["imwg", "elranatamab", "mammoth"]),
)
def test_property_one_regimen_or_two_gives_the_same_ledger(
    base, added, split, length, responses, progressions, rule_set
):
    end = split + length if length is not None else None
    resp = [ResponseRec(i + 1, _d(o), c) for i, (o, c) in enumerate(responses)]
    prog = [ProgressionRec(i + 1, _d(o)) for i, o in enumerate(progressions)]
    one = as_one(base, added, split, end, resp, prog)
    two = as_two(base, added, split, end, resp, prog)
    a, b = view(one, 900, rule_set), view(two, 900, rule_set)
    assert a["lines"] == b["lines"]
    for k in a["drugs"]:
        assert a["drugs"][k] == b["drugs"][k], k
    assert a == b
