"""Independent end-to-end cases: hand-written histories against hand-derived facts.

Each ``tests/cases/<case>.json`` is an exchange file (a small patient story); the facts
in ``<case>.expected.json`` were worked out by hand from the rules document
(../shared/domain/myeloma-rules.md), each with the section it rests on. A case goes
through the real command line: ``journal import`` into a fresh journal, then
``journal summary --json --as-of DATE``; only the listed facts are compared.

Fact paths: dot-separated keys; ``name[key=value]`` picks the list item whose ``key``
equals ``value``; ``name[3]`` picks by position. A fact holds ``expect`` (equal),
``absent`` (the path leads nowhere), ``nonempty`` (a non-empty list), ``members`` (the same items in any order: the rules say which records form a line, not
in which order their ids are listed), ``contains`` (a list holding every given item) or
``between`` ([low, high]).
"""

from __future__ import annotations

import functools
import json
import math
import re
from pathlib import Path

import jsonschema
import pytest

from journal.cli import main

CASES_DIR = Path(__file__).parent / "cases"
SUMMARY_SCHEMA = Path(__file__).parent.parent / "resources" / "schema" / "summary.schema.json"
CASES = sorted(p.name.removesuffix(".expected.json") for p in CASES_DIR.glob("*.expected.json"))
# Dots split the path except inside a [key=value] selector (values such as rule ids hold dots).
_PATH_SEGMENTS = re.compile(r"[^.\[\]]+(?:\[[^\]]*\])?")
_SEGMENT = re.compile(r"^([^\[\]]+)(?:\[([^\]=]+)(?:=([^\]]*))?\])?$")


class MissingError(Exception):
    pass


def resolve(data, path: str):
    """Follow a fact path through the summary JSON (see the module docstring)."""
    here = data
    for seg in _PATH_SEGMENTS.findall(path):
        m = _SEGMENT.match(seg)
        if not m:
            raise ValueError(f"bad path segment {seg!r} in {path!r}")
        key, sel, val = m.groups()
        if not isinstance(here, dict) or key not in here:
            raise MissingError(f"{path}: no key {key!r}")
        here = here[key]
        if sel is None:
            continue
        if not isinstance(here, list):
            raise MissingError(f"{path}: {key!r} is not a list")
        if val is None:
            idx = int(sel)
            if idx >= len(here):
                raise MissingError(f"{path}: {key!r} has only {len(here)} items")
            here = here[idx]
        else:
            found = [it for it in here if isinstance(it, dict) and str(it.get(sel)) == val]
            if not found:
                raise MissingError(f"{path}: no item of {key!r} with {sel} = {val}")
            here = found[0]
    return here


def same(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def check_fact(summary: dict, fact: dict) -> str | None:
    """None when the fact holds, else one line saying what the summary has instead."""
    path = fact["path"]
    try:
        got = resolve(summary, path)
    except MissingError as e:
        return None if fact.get("absent") else f"{e} (why: {fact['why']})"
    if fact.get("absent"):
        return f"{path}: expected nothing there, got {got!r} (why: {fact['why']})"
    if fact.get("nonempty"):
        ok = isinstance(got, list) and len(got) > 0
        return (
            None if ok else f"{path}: expected a non-empty list, got {got!r} (why: {fact['why']})"
        )
    if "expect" in fact:
        ok = same(got, fact["expect"])
        wanted = f"{fact['expect']!r}"
    elif "members" in fact:
        ok = isinstance(got, list) and same(sorted(got), sorted(fact["members"]))
        wanted = f"the members {fact['members']!r}"
    elif "contains" in fact:
        ok = isinstance(got, list) and all(any(same(g, w) for g in got) for w in fact["contains"])
        wanted = f"a list containing {fact['contains']!r}"
    elif "between" in fact:
        lo, hi = fact["between"]
        ok = isinstance(got, int | float) and not isinstance(got, bool) and lo <= got <= hi
        wanted = f"between {lo} and {hi}"
    else:
        raise ValueError(f"fact {path!r} has no expect/members/contains/between")
    if ok:
        return None
    return f"{path}: expected {wanted}, got {got!r} (why: {fact['why']})"


@functools.cache
def _summary_validator():
    schema = json.loads(SUMMARY_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def load_expected(case: str) -> dict:
    return json.loads((CASES_DIR / f"{case}.expected.json").read_text(encoding="utf-8"))


def import_case(case: str, tmp_path: Path, capsys) -> Path:
    journal = tmp_path / f"{case}.sqlite"
    assert main(["import", str(CASES_DIR / f"{case}.json"), str(journal)]) == 0, (
        capsys.readouterr().err
    )
    capsys.readouterr()
    return journal


def summary_of(journal: Path, as_of: str, capsys, rule_set=None, measurable=None) -> dict:
    argv = ["summary", "--json", "--as-of", as_of]
    if rule_set:
        argv += ["--rule-set", rule_set]
    if measurable:
        argv += ["--measurable", measurable]
    assert main([*argv, str(journal)]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def run_summary(case: str, tmp_path: Path, capsys) -> tuple[dict, dict]:
    expected = load_expected(case)
    journal = import_case(case, tmp_path, capsys)
    summary = summary_of(
        journal, expected["as_of"], capsys, expected.get("rule_set"), expected.get("measurable")
    )
    return summary, expected


def test_every_case_has_its_history():
    assert len(CASES) >= 10
    for case in CASES:
        assert (CASES_DIR / f"{case}.json").exists(), case
        facts = json.loads((CASES_DIR / f"{case}.expected.json").read_text("utf-8"))["facts"]
        assert facts and all(f.get("why") for f in facts), case


@pytest.mark.parametrize("case", CASES)
def test_case(case, tmp_path, capsys):
    summary, expected = run_summary(case, tmp_path, capsys)
    assert summary["as_of"] == expected["as_of"]
    # The documented shape holds on every independent history, not only the demo.
    _summary_validator().validate(summary)
    wrong = [msg for f in expected["facts"] if (msg := check_fact(summary, f))]
    n = len(expected["facts"])
    # "also": the same history on another day or under another refractoriness or
    # measurable-disease rule.
    for run in expected.get("also", ()):
        other = summary_of(
            tmp_path / f"{case}.sqlite",
            run.get("as_of", expected["as_of"]),
            capsys,
            run.get("rule_set"),
            run.get("measurable"),
        )
        tag = "[" + " ".join(str(run[k]) for k in ("as_of", "rule_set", "measurable") if k in run)
        tag += "] "
        wrong += [tag + msg for f in run["facts"] if (msg := check_fact(other, f))]
        n += len(run["facts"])
    assert not wrong, f"{case}: {len(wrong)} of {n} facts differ:\n" + "\n".join(wrong)


def test_units_never_change_answers(tmp_path, capsys):
    """The FLC-only twins (mg/L vs mg/dL) give the same lines, ledger, response and status."""
    a, _ = run_summary("13a_flc_only_mg_l", tmp_path, capsys)
    b, _ = run_summary("13b_flc_only_mg_dl", tmp_path, capsys)
    for key in ("lines", "ledger"):
        assert json.dumps(a[key], sort_keys=True) == json.dumps(b[key], sort_keys=True), key
    for part in ("nadir", "followed", "best_computed.category", "progression.date"):
        path = f"response.per_line[line=1].{part}"
        assert same(resolve(a, path), resolve(b, path)), part
    pa, pb = a["response"]["per_line"][0], b["response"]["per_line"][0]
    assert [x["category"] for x in pa["assessments"]] == [x["category"] for x in pb["assessments"]]
    assert pa["best_computed"]["category"] == pb["best_computed"]["category"]
    assert pa["progression"]["date"] == pb["progression"]["date"]


def test_path_resolver():
    data = {"a": [{"n": 1, "v": {"x": 2}}, {"n": 2, "v": {"x": 3}}], "m": {"2": 5}}
    assert resolve(data, "a[n=2].v.x") == 3
    assert resolve(data, "a[0].n") == 1
    assert resolve(data, "m.2") == 5
    assert resolve({"t": [{"rule": "a.b", "v": 1}]}, "t[rule=a.b].v") == 1
    with pytest.raises(MissingError):
        resolve(data, "a[n=9].v")
    assert check_fact(data, {"path": "a[n=1].v.x", "expect": 2, "why": "-"}) is None
    assert "expected 4" in check_fact(data, {"path": "a[n=1].v.x", "expect": 4, "why": "-"})
    assert check_fact(data, {"path": "m.2", "between": [4, 6], "why": "-"}) is None
    assert check_fact({"b": [2, 1]}, {"path": "b", "members": [1, 2], "why": "-"}) is None
    assert check_fact({"b": [2, 1]}, {"path": "b", "members": [1], "why": "-"}) is not None
    assert check_fact(data, {"path": "m.3", "absent": True, "why": "-"}) is None
    assert check_fact(data, {"path": "m.2", "absent": True, "why": "-"}) is not None
    assert check_fact({"b": []}, {"path": "b", "nonempty": True, "why": "-"}) is not None
    assert check_fact({"b": True}, {"path": "b", "expect": 1, "why": "-"}) is not None
