"""Trials in the journal: bring, replace, answer, remove (undoable services) and the command
line ``journal trial add/list/check/remove``; a bad file changes nothing."""

from __future__ import annotations

import json
import zipfile

import pytest
from trial_helpers import study, text_of

from journal.cli import main
from journal.services import actions
from journal.services import trials as svc
from journal.store import exchange
from journal.store.db import create_journal, open_journal
from journal.trials.checklist import MEETS, TO_DISCUSS
from journal.trials.record import RecordError, record_from_study


@pytest.fixture
def journal(tmp_path):
    path = tmp_path / "j.sqlite"
    create_journal(path, auto_backup=False).close()
    return path


def _write(tmp_path, name, obj) -> str:
    p = tmp_path / name
    p.write_text(json.dumps(obj), encoding="utf-8")
    return str(p)


def test_bring_replace_answer_remove_and_undo(journal):
    rec = record_from_study(study(text_of("NCT03318861"), "NCT03318861", title="KITE-585"))
    with open_journal(journal, auto_backup=False) as store:
        svc.add_trial_record(store, rec, source_name="/home/x/Downloads/NCT03318861.json")
        (t,) = svc.list_trials(store)
        assert t.nct_id == "NCT03318861" and t.source_name == "NCT03318861.json"
        assert t.record.criteria == rec.criteria  # the raw record comes back as brought
        svc.answer_criterion(
            store,
            "NCT03318861",
            13,
            TO_DISCUSS,
            "ask about washout",
            criterion_text="Inadequate washout from prior therapy",
        )
        svc.answer_criterion(
            store,
            "NCT03318861",
            13,
            MEETS,
            " stopped in May ",
            criterion_text="Inadequate washout from prior therapy",
        )
        answers = svc.trial_answers(store, t.id)
        assert answers[13].status == MEETS and answers[13].note == "stopped in May"
        # a newer record of the same trial replaces it and keeps the answers
        newer = record_from_study(study(text_of("NCT03318861"), "NCT03318861", title="KITE-585 v2"))
        svc.add_trial_record(store, newer)
        (t2,) = svc.list_trials(store)
        assert t2.id == t.id and t2.record.title == "KITE-585 v2"
        assert svc.trial_answers(store, t.id)[13].status == MEETS
        change = svc.remove_trial(store, "NCT03318861")
        assert svc.list_trials(store) == []
        assert {"trial_study", "trial_answer"} <= change.tables
        actions.undo(store, change)  # both the trial and the answer come back
        assert svc.trial_answers(store, t.id)[13].note == "stopped in May"
        with pytest.raises(ValueError, match="not an answer"):
            svc.answer_criterion(store, "NCT03318861", 1, "eligible", criterion_text="x")
        with pytest.raises(actions.NotFoundError, match="Bring its record first"):
            svc.answer_criterion(store, "NCT09999999", 1, MEETS, criterion_text="x")


def test_answer_to_words_that_changed_is_not_shown(journal, demo_summary):
    with open_journal(journal, auto_backup=False) as store:
        svc.add_trial_record(store, record_from_study(study(text_of("NCT03318861"), "NCT03318861")))
        (t,) = svc.list_trials(store)
        svc.answer_criterion(
            store, "NCT03318861", 13, MEETS, criterion_text="Inadequate washout from prior therapy"
        )
        svc.answer_criterion(
            store, "NCT03318861", 9, MEETS, criterion_text="words of an older record"
        )
        cl = svc.trial_checklist(store, t, demo_summary)
    shown = {it.criterion.index: it.answer for it in cl.items if it.answer}
    assert set(shown) == {13}


def test_trials_travel_in_the_exchange_file(journal, tmp_path):
    with open_journal(journal, auto_backup=False) as store:
        svc.add_trial_record(store, record_from_study(study(text_of("NCT04484623"), "NCT04484623")))
        (t,) = svc.list_trials(store)
        svc.answer_criterion(
            store,
            "NCT04484623",
            0,
            MEETS,
            "signed",
            criterion_text="Capable of giving signed informed consent.",
        )
        data = exchange.export_journal(store)
    assert data["version"] == 2 and len(data["records"]["trial_studies"]) == 1
    other = tmp_path / "other.sqlite"
    with create_journal(other, auto_backup=False) as store2:
        exchange.import_journal(store2, json.loads(exchange.dumps(data)))
        (t2,) = svc.list_trials(store2)
        assert t2.record.criteria == t.record.criteria
        assert svc.trial_answers(store2, t2.id)[0].note == "signed"


def test_read_record_file_refusals(tmp_path):
    with pytest.raises(RecordError, match="There is no file"):
        svc.read_record_file(tmp_path / "missing.json")
    with pytest.raises(RecordError, match="is a folder"):
        svc.read_record_file(tmp_path)
    big = tmp_path / "big.json"
    with big.open("wb") as fh:
        fh.truncate(17 * 1024 * 1024)
    with pytest.raises(RecordError, match="larger than any single study record"):
        svc.read_record_file(big)


def test_cli_add_list_check_json(journal, tmp_path, capsys):
    rec = study(text_of("NCT04484623"), "NCT04484623", title="Belantamab + Pd", min_age="18 Years")
    rec["protocolSection"]["statusModule"] = {
        "overallStatus": "RECRUITING",
        "lastUpdatePostDateStruct": {"date": "2026-09-01"},
    }
    f = _write(tmp_path, "NCT04484623.json", rec)
    assert main(["trial", "add", f, str(journal)]) == 0
    assert "Brought NCT04484623: Belantamab + Pd" in capsys.readouterr().out
    assert main(["trial", "list", "--json", str(journal)]) == 0
    listed = json.loads(capsys.readouterr().out)
    (row,) = listed["trials"]
    assert row["nct_id"] == "NCT04484623" and row["registry_last_updated"] == "2026-09-01"
    assert set(row["counts"]) == {"meets", "does_not_meet", "not_recorded", "to_discuss"}
    assert (
        main(["trial", "check", "NCT04484623", str(journal), "--json", "--as-of", "2026-11-01"])
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["trial"]["nct_id"] == "NCT04484623" and out["trial"]["record_age_days"] == 61
    assert out["trial"]["brought"]
    kinds = {c["kind"] for c in out["criteria"]}
    assert kinds == {"inclusion", "exclusion"}
    for c in out["criteria"]:
        assert set(c) >= {"kind", "text", "status", "check", "facts"}
        assert c["status"] in {"meets", "does_not_meet", "not_recorded", "to_discuss"}
    # an empty journal: the facts are not recorded, nothing is invented
    ecog = next(c for c in out["criteria"] if c["text"].startswith("Eastern Cooperative"))
    assert ecog["status"] == "not_recorded" and ecog["check"] == "ecog" and ecog["missing"]


def test_cli_check_takes_a_record_file_without_keeping_it(journal, tmp_path, capsys):
    f = _write(tmp_path, "r.json", study(text_of("NCT02272803"), "NCT02272803"))
    assert main(["trial", "check", f, str(journal)]) == 0
    assert json.loads(capsys.readouterr().out)["trial"]["nct_id"] == "NCT02272803"
    with open_journal(journal, readonly=True, auto_backup=False) as store:
        assert svc.list_trials(store) == []


@pytest.mark.parametrize(
    "content, words",
    [
        (b"not json at all", "not valid JSON"),
        (b'{"some": "thing"}', "not a ClinicalTrials.gov study record"),
        (b"", "not valid JSON"),
    ],
)
def test_cli_bad_files_change_nothing(journal, tmp_path, capsys, content, words):
    f = tmp_path / "bad.json"
    f.write_bytes(content)
    before = journal.read_bytes()
    assert main(["trial", "add", str(f), str(journal)]) == 1
    err = capsys.readouterr().err
    assert words in err and "Nothing was changed." in err and "Traceback" not in err
    assert journal.read_bytes() == before


def test_cli_zip_with_many_studies(journal, tmp_path, capsys):
    z = tmp_path / "ctg-studies.json.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for i in (1, 2, 3):
            nct = f"NCT0000000{i}"
            zf.writestr(f"0{i}/{nct}.json", json.dumps(study("Inclusion Criteria:\n\n* x\n", nct)))
    assert main(["trial", "add", str(z), str(journal)]) == 1
    assert "holds 3 studies" in capsys.readouterr().err
    assert main(["trial", "add", str(z), str(journal), "--nct", "NCT00000002"]) == 0
    assert "Brought NCT00000002" in capsys.readouterr().out


def test_cli_unknown_trial_and_remove(journal, capsys):
    assert main(["trial", "check", "NCT01234567", str(journal)]) == 1
    assert "is not in the journal" in capsys.readouterr().err
    assert main(["trial", "remove", "NCT01234567", str(journal)]) == 1
