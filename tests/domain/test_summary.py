import contextlib
import dataclasses
import io
import json

import jsonschema
import pytest

from journal.domain import summary as summary_mod
from journal.domain.records import EcogRec, LabRec, SideEffectRec, SupportiveRec
from journal.domain.summary import build_summary, history_as_of, summary_to_json
from journal.resources import resource_path

SCHEMA = json.loads(resource_path("schema", "summary.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _validate(j):
    errors = sorted(VALIDATOR.iter_errors(j), key=lambda e: list(e.path))
    assert not errors, [(list(e.path), e.message[:200]) for e in errors[:5]]


def _history(hb):
    h = hb.hist(
        regimens=[
            hb.reg(1, "VRd", "2020-01-01", "2020-05-01"),
            hb.reg(2, "Rd", "2020-07-01", "2021-11-20", intent="maintenance", part_of_id=1),
            hb.reg(3, "DPd", "2022-01-01", None),
        ],
        procedures=[hb.proc(1, "auto", "2020-06-15")],
        progressions=[hb.prog(1, "2021-12-01")],
        responses=[hb.resp(1, "2020-04-15", "VGPR", regimen_id=1)],
        diagnosis="2019-12-01",
    )
    series = [
        ("2019-12-20", 3.0),
        ("2020-03-01", 1.0),
        ("2020-04-01", 0.9),
        ("2021-11-01", 2.0),
        ("2021-12-01", 2.2),
        ("2022-03-01", 0.5),
        ("2022-04-01", 0.4),
    ]
    labs = [LabRec(i + 1, hb.d(d), "m_protein", v) for i, (d, v) in enumerate(series)]
    labs += [
        LabRec(50, hb.d("2022-04-20"), "anc", 0.9, lln=1.8),
        LabRec(51, hb.d("2022-04-20"), "hb", 8.5),
    ]
    return dataclasses.replace(
        h,
        labs=tuple(labs),
        ecog=(EcogRec(1, hb.d("2022-04-01"), 1),),
        side_effects=(
            SideEffectRec(
                1, "tingling", hb.d("2020-03-01"), term_id="peripheral_sensory_neuropathy", grade=2
            ),
            SideEffectRec(2, "Diarrhoea", hb.d("2022-02-01"), grade=1, resolved=hb.d("2022-03-01")),
        ),
        supportive=(SupportiveRec(1, "zoledronic acid", None, "bone", hb.d("2020-01-01")),),
        procedures=(*h.procedures, hb.proc(2, "red-cell transfusion", "2022-04-15")),
    )


def test_summary_parts_and_json_valid(hb):
    s = build_summary(_history(hb), as_of=hb.d("2022-05-01"))
    j = summary_to_json(s)
    _validate(j)
    json.dumps(j)
    assert j["schema_version"] == 2 and j["as_of"] == "2022-05-01"
    assert j["lines"]["lines_received"] == 2 and j["lines"]["current_line"] == 2
    l1 = j["lines"]["lines"][0]
    assert [r["name"] for r in l1["regimens"]] == ["VRd", "Rd"]
    assert l1["best_response"]["computed"]["category"] == "PR"
    assert l1["best_response"]["clinician"]["category"] == "VGPR"  # kept beside, not overwritten
    assert l1["progression"]["date"] == "2021-11-01"
    assert j["response"]["progressions"][0]["confirmed_on"] == "2021-12-01"
    assert j["ledger"]["drugs"]["lenalidomide"]["refractory"] is True
    assert j["ledger"]["drugs"]["lenalidomide"]["computed"] is True
    assert j["washouts"]["groups"][0]["key"] == "any_anti_myeloma"
    assert {x["key"] for x in j["washouts"]["groups"]} >= {"any_mab", "any_steroid"}
    assert [x["lab"] for x in j["washouts"]["supported_labs"]] == ["lab:51"]
    hb_lab = next(x for x in j["labs"]["latest"] if x["test"] == "hb")
    assert hb_lab["supported"] and hb_lab["ctcae"]["grade"] == 2 and hb_lab["days_old"] == 11
    anc = next(
        g for g in j["side_effects"]["lab_grades"] if g["term_id"] == "neutrophil_count_decreased"
    )
    assert anc["grade"] == 3 and anc["scale"] == "CTCAE v5.0"
    ongoing = j["side_effects"]["ongoing"]
    assert [x["term_id"] for x in ongoing] == ["peripheral_sensory_neuropathy"]
    assert ongoing[0]["scale"] == "CTCAE v5.0" and ongoing[0]["grade"] == 2
    worst = j["side_effects"]["worst_by_term"]
    assert [(x["term_id"], x["grade"]) for x in worst] == [
        ("peripheral_sensory_neuropathy", 2),
        ("diarrhoea", 1),
    ]
    assert j["ecog"]["score"] == 1 and j["supportive_care"][0]["name"] == "zoledronic acid"
    assert j["measurable_disease"]["current"]["variant"] == "imwg"
    assert set(j["measurable_disease"]["by_variant"]) >= {"imwg", "serum_0_5", "candor"}


def _walk(o, path=""):
    if isinstance(o, dict):
        yield path, o
        for k, v in o.items():
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(o, list):
        for i, v in enumerate(o):
            yield from _walk(v, f"{path}[{i}]")


def test_every_trace_is_complete_and_computed_facts_are_marked(hb):
    j = summary_to_json(build_summary(_history(hb), as_of=hb.d("2022-05-01")))
    traces = 0
    for path, node in _walk(j):
        if "trace" in node and node["trace"] is not None and path.count(".") > 1:
            t = node["trace"]
            traces += 1
            assert t["rule"] and t["explanation"] and t["source"]["short"], path
            assert "computed" in node, path
    assert traces > 30


def test_as_of_leaves_out_later_records(hb):
    h = _history(hb)
    s = build_summary(h, as_of=hb.d("2021-06-01"))
    j = summary_to_json(s)
    _validate(j)
    assert j["lines"]["lines_received"] == 1
    assert j["response"]["progressions"] == []
    assert j["ledger"]["drugs"]["lenalidomide"]["ongoing"] is True
    assert "daratumumab" not in j["ledger"]["drugs"]
    le = next(x for x in j["washouts"]["drugs"] if x["key"] == "lenalidomide")
    assert le["ongoing"] and le["display"] == "ongoing"
    # The history itself: later labs gone, ongoing maintenance end cleared.
    cut = history_as_of(h, hb.d("2021-06-01").as_date())
    assert max(x.date.as_date() for x in cut.labs).isoformat() == "2020-04-01"
    assert next(r for r in cut.regimens if r.id == 2).end is None


def test_as_of_keeps_the_labs_themselves_when_all_are_known(hb):
    # The rules keep sorted and per-test views of the labs by identity: a cut that copies
    # an unchanged tuple makes them sort every result again.
    h = _history(hb)
    assert history_as_of(h, hb.d("2030-01-01").as_date()).labs is h.labs
    assert history_as_of(h, hb.d("2022-04-20").as_date()).labs is h.labs
    cut = history_as_of(h, hb.d("2022-04-19").as_date())
    assert [x.id for x in cut.labs] == [x.id for x in h.labs if x.id not in (50, 51)]


def test_as_of_keeps_a_coarse_lab_date_that_begins_by_then(hb):
    # "2022" begins on 1 Jan 2022 but sits mid-year among the sorted labs: it is known on
    # 1 Mar 2022 even though its midpoint is later.
    h = dataclasses.replace(
        _history(hb), labs=(*_history(hb).labs, LabRec(60, hb.d("2022"), "hb", 10.0))
    )
    cut = history_as_of(h, hb.d("2022-03-01").as_date())
    assert 60 in [x.id for x in cut.labs]
    assert 50 not in [x.id for x in cut.labs]
    assert history_as_of(h, hb.d("2021-12-31").as_date()).labs == tuple(
        x for x in h.labs if x.id not in (6, 7, 50, 51, 60)
    )


def test_every_rule_called_once(hb, monkeypatch):
    calls = {}

    def count(name, fn):
        def wrapper(*a, **kw):
            calls[name] = calls.get(name, 0) + 1
            return fn(*a, **kw)

        monkeypatch.setattr(summary_mod, name, wrapper)

    for name in (
        "compute_lines",
        "compute_responses",
        "compute_washouts",
        "compute_staging",
        "lab_grades",
    ):
        count(name, getattr(summary_mod, name))
    real = summary_mod.compute_ledger

    def ledger_wrapper(*a, **kw):
        calls["compute_ledger"] = calls.get("compute_ledger", 0) + 1
        # computed responses and progressions are passed to the ledger
        assert any(ref.startswith("computed:") for _, _, ref in kw["responses"])
        assert any(p.ref.startswith("computed:") for p in kw["progressions"])
        return real(*a, **kw)

    monkeypatch.setattr(summary_mod, "compute_ledger", ledger_wrapper)
    build_summary(_history(hb), as_of=hb.d("2022-05-01"))
    assert calls == {
        k: 1
        for k in (
            "compute_lines",
            "compute_responses",
            "compute_washouts",
            "compute_staging",
            "lab_grades",
            "compute_ledger",
        )
    }


def test_measurable_variant_and_rule_set_are_passed(hb):
    s = build_summary(
        _history(hb), as_of=hb.d("2022-05-01"), measurable_variant="serum_0_5", rule_set="mayo"
    )
    j = summary_to_json(s)
    assert j["settings"]["measurable_variant"] == "serum_0_5"
    assert j["measurable_disease"]["current"]["variant"] == "serum_0_5"
    assert j["ledger"]["rule_set"]["name"] == "mayo"


def test_override_is_visible(hb):
    h = dataclasses.replace(
        _history(hb),
        overrides=(
            hb.override(1, "refractory", "lenalidomide", "no"),
            hb.override(2, "response", "line:1", "CR"),
        ),
    )
    j = summary_to_json(build_summary(h, as_of=hb.d("2022-05-01")))
    _validate(j)
    le = j["ledger"]["drugs"]["lenalidomide"]
    assert le["overridden"] is True and "refractory" in le["overridden_fields"]
    assert j["overrides"][0]["ref"] == "override:1"
    best = j["lines"]["lines"][0]["best_response"]["computed"]
    assert best["category"] == "CR" and best["overridden"] is True
    assert "the labs gave PR" in best["trace"]["explanation"]


def test_empty_history(hb):
    j = summary_to_json(build_summary(hb.hist(), as_of=hb.d("2024-01-01")))
    _validate(j)
    assert j["lines"]["lines"] == [] and j["response"]["latest"] is None


# --------------------------------------------------------------------------- CLI
@pytest.fixture(scope="module")
def demo_journal(tmp_path_factory):
    from journal.demo import build_demo
    from journal.store.db import create_journal

    path = tmp_path_factory.mktemp("summary") / "demo.journal"
    with create_journal(path, auto_backup=False) as store:
        build_demo(store)
    return path


def _run(argv):
    from journal.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


def test_cli_summary_json_on_demo_journal(demo_journal):
    rc, out, err = _run(["summary", "--json", str(demo_journal)])
    assert rc == 0, err
    j = json.loads(out)
    _validate(j)
    assert j["lines"]["lines_received"] >= 3
    assert j["ledger"]["labels"]["triple_class_exposed"]["applies"] is True
    rc, out, _ = _run(
        ["summary", "--json", "--as-of", "2019-01-01", "--rule-set", "mammoth", str(demo_journal)]
    )
    assert rc == 0
    j2 = json.loads(out)
    assert (
        j2["as_of"] == "2019-01-01" and j2["lines"]["lines_received"] < j["lines"]["lines_received"]
    )
    assert j2["ledger"]["rule_set"]["name"] == "mammoth"


def test_cli_messages(demo_journal, tmp_path):
    rc, _, err = _run(["summary", "--json", str(tmp_path / "nothing.journal")])
    assert rc == 1 and "no journal" in err.lower()
    rc, _, err = _run(["summary", "--rule-set", "strict", str(demo_journal)])
    assert rc == 1 and "imwg" in err
    rc, _, err = _run(["summary", "--measurable", "loose", str(demo_journal)])
    assert rc == 1 and "serum_0_5" in err
    rc, _, err = _run(["summary", "--as-of", "the day after", str(demo_journal)])
    assert rc == 1 and "--as-of" in err


def test_input_order_never_changes_the_summary(hb):
    import random

    h = _history(hb)
    expected = summary_to_json(build_summary(h, as_of=hb.d("2022-05-01")))
    rng = random.Random(7)
    for _ in range(3):
        fields = {}
        for name in ("regimens", "procedures", "responses", "progressions", "side_effects", "labs"):
            items = list(getattr(h, name))
            rng.shuffle(items)
            fields[name] = tuple(items)
        shuffled = dataclasses.replace(h, **fields)
        assert summary_to_json(build_summary(shuffled, as_of=hb.d("2022-05-01"))) == expected


def test_cli_summary_identical_after_export_and_import(demo_journal, tmp_path):
    exported, copy = tmp_path / "demo.json", tmp_path / "copy.journal"
    assert _run(["export", "-o", str(exported), str(demo_journal)])[0] == 0
    assert _run(["create", str(copy)])[0] == 0
    rc, _, err = _run(["import", str(exported), str(copy)])
    assert rc == 0, err
    a = _run(["summary", "--json", "--as-of", "2026-01-01", str(demo_journal)])[1]
    b = _run(["summary", "--json", "--as-of", "2026-01-01", str(copy)])[1]
    assert json.loads(a) == json.loads(b)


def test_month_as_of_means_its_last_day(hb):
    s = build_summary(_history(hb), as_of=hb.d("May 2022"))
    assert s.as_of.isoformat() == "2022-05-31"
