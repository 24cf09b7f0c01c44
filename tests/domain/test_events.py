"""Issue 9 item 2: an end reason is an event.

A regimen that ended "for progression" is a progression for every rule, dated as
entered, traced to the end reason, and replaced (not doubled) by a progression record
for the same event. "Inadequate response" is a non-response.
"""

from __future__ import annotations

from journal.domain.events import progression_events
from journal.domain.ledger import compute_ledger
from journal.domain.lines import compute_lines
from journal.domain.summary import build_summary, summary_to_json


def ledger(h, **kw):
    return compute_ledger(h, compute_lines(h), **kw)


def _two_lines(hb, end="Feb 2022", second_start="Mar 2022", **kw):
    return hb.hist(
        regimens=[
            hb.reg(1, "VRd", "Jan 2021", end, end_reason="progression"),
            hb.reg(2, "DPd", second_start, None, start_reason="progression"),
        ],
        responses=[hb.resp(1, "Jun 2021", "VGPR", regimen_id=1)],
        **kw,
    )


def test_end_reason_progression_counts_without_a_progression_record(hb):
    lg = ledger(_two_lines(hb), as_of=hb.d("2022-06-01"))
    for drug in ("bortezomib", "lenalidomide"):
        s = lg.drug(drug)
        assert s.refractory is True, drug
        t = next(t for t in s.traces if t.rule == "ledger.refractory.progression")
        assert "from the regimen's end reason" in t.explanation
        assert "Feb 2022" in t.explanation and "14 Feb" not in t.explanation
        assert "regimen:1" in t.records
    # DPd began after the progression: not refractory to it.
    assert lg.drug("daratumumab").refractory is not True
    assert lg.disease_status.status == "relapsed and refractory"
    assert "end reason" in lg.disease_status.trace.explanation


def test_event_keeps_the_precision_entered(hb):
    (ev,) = progression_events(_two_lines(hb))
    assert ev.date.to_iso() == "2022-02" and ev.date.display() == "Feb 2022"
    assert ev.ref == "regimen:1" and ev.from_end_reason
    lg = ledger(_two_lines(hb), as_of=hb.d("2022-06-01"))
    used = lg.progressions[0]
    assert used.event.date.to_iso() == "2022-02"
    assert "imprecise date" in used.trace.flags
    assert "end reason" in used.trace.explanation


def test_progression_record_for_the_same_event_replaces_it(hb):
    h = _two_lines(hb, progressions=[hb.prog(1, "2022-02-10", regimen_id=1)])
    evs = progression_events(h)
    assert [e.ref for e in evs] == ["progression:1"]
    lg = ledger(h, as_of=hb.d("2022-06-01"))
    assert [p.event.origin for p in lg.progressions] == ["entered", "replaced"]
    assert lg.progressions[1].trace.rule == "ledger.progression.replaced"
    t = next(t for t in lg.drug("lenalidomide").traces if t.rule.startswith("ledger.refractory"))
    assert t.records == ("regimen_drug:101", "progression:1")
    # A progression near the end date but not linked to the regimen is the same event too.
    h2 = _two_lines(hb, progressions=[hb.prog(1, "2022-01-20")])
    assert [e.ref for e in progression_events(h2)] == ["progression:1"]
    # One far away is another event: both count.
    h3 = _two_lines(hb, progressions=[hb.prog(1, "2021-05-01")])
    assert [e.ref for e in progression_events(h3)] == ["progression:1", "regimen:1"]


def test_month_end_does_not_hit_a_regimen_started_that_month(hb):
    h = _two_lines(hb, end="Feb 2022", second_start="2022-02-01")
    lg = ledger(h, as_of=hb.d("2022-06-01"))
    assert lg.drug("bortezomib").refractory is True
    assert lg.drug("pomalidomide").refractory is not True
    assert lg.drug("daratumumab").refractory is not True


def test_drug_stop_reason_is_an_event_too(hb):
    h = hb.hist(
        regimens=[
            hb.reg(
                1,
                "KRd",
                "2020-01-01",
                "2020-12-01",
                [
                    hb.drug("carfilzomib", last="2020-06-01", stop_reason="progression"),
                    "lenalidomide",
                    "dexamethasone",
                ],
                end_reason="plan completed",
            )
        ],
    )
    (ev,) = progression_events(h)
    assert ev.date.to_iso() == "2020-06-01" and "carfilzomib" in ev.what
    lg = ledger(h, as_of=hb.d("2021-01-01"))
    assert lg.drug("carfilzomib").refractory and lg.drug("lenalidomide").refractory


def test_end_reason_opens_a_new_line_for_maintenance_after_it(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "VRd", "2020-01-01", "2020-06-01", end_reason="progression"),
            hb.reg(2, "Rd", "2020-06-15", None, intent="maintenance", start_reason="planned"),
        ]
    )
    lines = compute_lines(h)
    assert lines.lines_received == 2
    t = lines.line(2).traces[0]
    assert "regimen:1" in t.records


def test_end_reason_drives_functional_high_risk_and_time_since(hb):
    lg = ledger(_two_lines(hb), as_of=hb.d("2022-08-15"))
    er = lg.early_relapse
    assert er.first_progression.to_iso() == "2022-02"
    assert er.applies and "end reason" in er.trace.explanation
    lp = lg.last_progression
    assert lp.date.to_iso() == "2022-02" and lp.origin == "end reason"
    assert 175 <= lp.days_since <= 185 and "imprecise date" in lp.trace.flags


def test_inadequate_response_is_a_non_response_not_a_progression(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "Rd", "2020-01-01", "2020-06-01", end_reason="inadequate response"),
            hb.reg(2, "VCd", "2020-06-10", None),
        ],
    )
    lg = ledger(h, as_of=hb.d("2020-12-01"))
    t = next(t for t in lg.drug("lenalidomide").traces if t.rule == "ledger.refractory.no_response")
    assert "inadequate response" in t.explanation
    # Not a progression: the PD-only rule set does not call it refractory, and it is not the
    # "latest progression".
    assert (
        ledger(h, as_of=hb.d("2020-12-01"), rule_set="elranatamab").drug("lenalidomide").refractory
        is False
    )
    assert lg.last_progression.date is None
    # A response at the rule's level recorded on it wins over the end reason.
    h2 = hb.hist(regimens=h.regimens, responses=[hb.resp(1, "2020-04-01", "PR", regimen_id=1)])
    assert ledger(h2, as_of=hb.d("2020-12-01")).drug("lenalidomide").refractory is False


def test_summary_json_carries_the_end_reason_event(hb):
    s = build_summary(_two_lines(hb), as_of=hb.d("2022-06-01"))
    j = summary_to_json(s)
    evs = j["ledger"]["progression_events"]
    assert evs[0]["origin"] == "end reason" and evs[0]["date"] == "2022-02"
    assert j["ledger"]["last_progression"]["date"] == "2022-02"
    assert j["ledger"]["disease_status"]["status"] == "relapsed and refractory"


def test_kept_end_reason_events_follow_the_regimens_asked_about(hb):
    # The last answer is kept per tuple of regimens: a caller changing the list it got,
    # or asking about other regimens, must never see another history's events.
    from journal.domain.events import end_reason_events

    a = hb.hist(regimens=[hb.reg(1, "VRd", "Jan 2021", "Feb 2022", end_reason="progression")])
    b = hb.hist(regimens=[hb.reg(2, "KRd", "Jan 2019", "Mar 2019", end_reason="relapse")])
    first = end_reason_events(a)
    assert [e.what for e in first] == ["VRd"]
    first.clear()
    assert [e.what for e in end_reason_events(a)] == ["VRd"]
    assert [e.what for e in end_reason_events(b)] == ["KRd"]
    assert [e.what for e in end_reason_events(a)] == ["VRd"]
    assert end_reason_events(hb.hist(regimens=[])) == []
