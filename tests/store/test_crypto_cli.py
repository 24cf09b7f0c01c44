"""The command line and encrypted journals: the passphrase from a file, the environment
or a prompt without echo; a wrong one refused in one plain sentence by every command."""

import json

import pytest

from journal.cli import main
from journal.store import crypto
from journal.store.backup import list_backups

from .test_crypto import NAME, _add_record, assert_no_plaintext

PASS = "kettle on the windowsill"
NEW = "a completely new one 42"


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    monkeypatch.setattr(crypto, "_failures", {})
    monkeypatch.setattr(crypto, "_sleep", lambda s: None)
    monkeypatch.delenv(crypto.PASSPHRASE_ENV, raising=False)
    monkeypatch.delenv("TREATMENT_JOURNAL_NEW_PASSPHRASE", raising=False)
    monkeypatch.setattr("journal.cli.crypto._interactive", lambda: False)


@pytest.fixture
def pfile(tmp_path):
    p = tmp_path / "pass.txt"
    p.write_text(PASS + "\n")
    return p


@pytest.fixture
def wrong_file(tmp_path):
    p = tmp_path / "wrong.txt"
    p.write_text("kettle on the windowsil\n")
    return p


@pytest.fixture
def enc(tmp_path, pfile):
    path = tmp_path / "j.sqlite"
    assert main(["create", "--encrypt", "--passphrase-file", str(pfile), str(path)]) == 0
    from journal.store.db import open_journal

    with open_journal(path, passphrase=PASS, auto_backup=False) as store:
        _add_record(store, 2)
    return path


def _commands(path, tmp_path):
    backup = tmp_path / "some-backup.sqlite"
    return {
        "check": ["check", str(path)],
        "backup": ["backup", str(path)],
        "export": ["export", str(path)],
        "summary": ["summary", str(path)],
        "summary --pdf": ["summary", "--pdf", str(tmp_path / "s.pdf"), str(path)],
        "decrypt": ["decrypt", str(path)],
        "rekey": ["rekey", str(path)],
        "restore": ["restore", str(backup), str(tmp_path / "other.sqlite")],
        "trial list": ["trial", "list", str(path)],
    }


def test_every_command_refuses_a_wrong_passphrase_plainly(enc, tmp_path, wrong_file, capsys):
    (tmp_path / "some-backup.sqlite").write_bytes(enc.read_bytes())
    before = enc.read_bytes()
    for name, argv in _commands(enc, tmp_path).items():
        n = 2 if argv[0] == "trial" else 1  # right after the command (and its action)
        code = main([*argv[:n], "--passphrase-file", str(wrong_file), *argv[n:]])
        out, err = capsys.readouterr()
        assert code == 1, name
        assert err.startswith("That passphrase does not open the "), (name, err)
        assert err.count("\n") == 1, (name, err)  # one sentence, no traceback
        assert "not a database" not in err and "Traceback" not in err
        assert NAME not in out
    assert enc.read_bytes() == before


def test_every_command_asks_plainly_when_no_passphrase_can_be_had(enc, tmp_path, capsys):
    (tmp_path / "some-backup.sqlite").write_bytes(enc.read_bytes())
    for name, argv in _commands(enc, tmp_path).items():
        assert main(argv) == 1, name
        err = capsys.readouterr().err
        assert "is encrypted" in err and "passphrase" in err, (name, err)
        assert "Traceback" not in err


def test_passphrase_from_file_environment_or_prompt(enc, pfile, monkeypatch, capsys):
    assert main(["export", "--passphrase-file", str(pfile), str(enc)]) == 0
    assert json.loads(capsys.readouterr().out)["records"]["person"][0]["display_name"] == NAME

    monkeypatch.setenv(crypto.PASSPHRASE_ENV, PASS)
    assert main(["export", str(enc)]) == 0
    assert NAME in capsys.readouterr().out
    monkeypatch.delenv(crypto.PASSPHRASE_ENV)

    # In a terminal: asked without echo (getpass), a wrong try gets another chance.
    typed = iter(["wrong", PASS])
    prompts = []
    monkeypatch.setattr("journal.cli.crypto._interactive", lambda: True)
    monkeypatch.setattr(
        "journal.cli.crypto.getpass.getpass", lambda p: prompts.append(p) or next(typed)
    )
    assert main(["check", str(enc)]) == 0
    out, err = capsys.readouterr()
    assert "Encrypted: yes" in out and "no problems found" in out
    assert "That passphrase does not open the journal" in err
    assert prompts == [f"Passphrase for the journal {enc.name}: "] * 2


def test_encrypt_decrypt_rekey_round_trip_on_the_command_line(tmp_path, pfile, capsys):
    path = tmp_path / "plain.sqlite"
    assert main(["demo", str(path)]) == 0
    assert main(["backup", str(path)]) == 0
    assert main(["export", "-o", str(tmp_path / "before.json"), str(path)]) == 0
    capsys.readouterr()

    assert main(["encrypt", "--passphrase-file", str(pfile), str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 backups were encrypted" in out and "Plain copies may still exist" in out
    assert "nobody can recover a forgotten one" in out
    assert not path.read_bytes().startswith(b"SQLite format 3")
    for b in list_backups(path):
        assert not b.path.read_bytes().startswith(b"SQLite format 3")

    newf = tmp_path / "new.txt"
    newf.write_text(NEW + "\n")
    argv = ["rekey", "--passphrase-file", str(pfile), "--new-passphrase-file", str(newf)]
    assert main([*argv, str(path)]) == 0
    assert "Backups made before keep the old passphrase" in capsys.readouterr().out

    assert main(["decrypt", "--passphrase-file", str(newf), str(path)]) == 0
    assert "is now a plain file" in capsys.readouterr().out
    assert path.read_bytes().startswith(b"SQLite format 3\x00")
    assert main(["export", "-o", str(tmp_path / "after.json"), str(path)]) == 0
    before = json.loads((tmp_path / "before.json").read_text())
    after = json.loads((tmp_path / "after.json").read_text())
    assert after["records"] == before["records"] and before["records"]["regimens"]


def test_restore_of_an_encrypted_backup_asks_for_its_passphrase(enc, pfile, monkeypatch, capsys):
    assert main(["backup", "--passphrase-file", str(pfile), str(enc)]) == 0
    (b,) = list_backups(enc)
    capsys.readouterr()
    typed = iter([PASS])
    prompts = []
    monkeypatch.setattr("journal.cli.crypto._interactive", lambda: True)
    monkeypatch.setattr(
        "journal.cli.crypto.getpass.getpass", lambda p: prompts.append(p) or next(typed)
    )
    assert main(["restore", str(b.path), str(enc)]) == 0
    assert prompts == [
        f"Passphrase for the backup (its passphrase when it was made) {b.path.name}: "
    ]
    assert_no_plaintext(enc)


def test_create_encrypted_asks_twice_and_gives_a_strength_hint(tmp_path, monkeypatch, capsys):
    typed = iter(["password1", "password2", "blue heron", "blue heron"])
    monkeypatch.setattr("journal.cli.crypto._interactive", lambda: True)
    monkeypatch.setattr("journal.cli.crypto.getpass.getpass", lambda p: next(typed))
    path = tmp_path / "new.sqlite"
    assert main(["create", "--encrypt", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "Weak: easy to guess" in err and "did not match" in err
    assert "Created a new encrypted journal" in out
    assert crypto.unlock_key(path, "blue heron")


def test_no_new_passphrase_without_a_terminal_is_a_plain_refusal(tmp_path, capsys):
    path = tmp_path / "x.sqlite"
    assert main(["create", "--encrypt", str(path)]) == 1
    assert "A new passphrase is needed" in capsys.readouterr().err
    assert not path.exists()


def test_summary_pdf_with_a_password(qapp, tmp_path, pfile, capsys):
    # qapp: a QApplication made first, so the report reuses it (not a QGuiApplication).
    import pypdf

    path = tmp_path / "demo.sqlite"
    assert main(["demo", str(path)]) == 0
    out = tmp_path / "s.pdf"
    pw = tmp_path / "pdfpw.txt"
    pw.write_text("open sesame\n")
    argv = ["summary", "--pdf", str(out), "--pdf-password-file", str(pw), str(path)]
    assert main(argv) == 0
    reader = pypdf.PdfReader(out)
    assert reader.is_encrypted and reader.trailer["/Encrypt"]["/V"] == 5
    assert reader.decrypt("open sesame") != 0
    assert reader.pages[0].extract_text().strip()
