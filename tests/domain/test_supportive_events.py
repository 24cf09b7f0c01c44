"""Transfusions and growth-factor courses listed as dated supportive events."""

import datetime as dt

from journal.domain.dates import PartialDate
from journal.domain.records import DrugRec, History, ProcedureRec, RegimenRec, SupportiveRec
from journal.domain.summary import build_summary, summary_to_json
from journal.domain.supportive import supportive_events

P = PartialDate.from_iso


def _history():
    return History(
        procedures=(
            ProcedureRec(1, "red-cell transfusion", P("2024-02-09"), units=2),
            ProcedureRec(2, "platelet transfusion", P("2024-02-20")),
            ProcedureRec(3, "radiotherapy", P("2024-01-05")),
        ),
        supportive=(
            SupportiveRec(4, "Filgrastim", "filgrastim", "ANC", P("2024-02-05"), P("2024-02-16")),
            SupportiveRec(5, "Aciclovir", "aciclovir", "shingles", P("2024-01-01")),
            SupportiveRec(6, "Aranesp", None, "anaemia", P("2024-03-01")),  # by brand name
        ),
        regimens=(
            RegimenRec(
                7,
                "Salvage",
                P("2024-04-01"),
                drugs=(
                    DrugRec(
                        "pegfilgrastim",
                        "pegfilgrastim",
                        P("2024-04-02"),
                        P("2024-04-02"),
                        role="supportive",
                        ref="regimen_drug:9",
                    ),
                ),
            ),
        ),
    )


def test_transfusions_and_growth_factors_newest_first():
    events = supportive_events(_history(), dt.date(2024, 3, 10))
    assert [(e.kind, e.ref) for e in events] == [
        ("growth factor", "supportive:6"),
        ("platelet transfusion", "procedure:2"),
        ("red-cell transfusion", "procedure:1"),
        ("growth factor", "supportive:4"),
    ]
    assert events[2].units == 2 and events[3].drug_class == "G-CSF"
    assert events[0].drug_class == "ESA"
    later = supportive_events(_history(), dt.date(2024, 5, 1))
    assert later[0].ref == "regimen_drug:9"  # a growth factor given with a regimen


def test_in_the_summary_json_with_days_since():
    j = summary_to_json(build_summary(_history(), as_of=dt.date(2024, 2, 23)))
    by_ref = {e["ref"]: e for e in j["supportive_events"]}
    assert set(by_ref) == {"procedure:1", "procedure:2", "supportive:4"}
    assert by_ref["procedure:1"]["days_ago"] == 14
    assert by_ref["supportive:4"]["days_ago"] == 7  # counted from the course's last day
