"""``journal encrypt | decrypt | rekey``, and where every command gets a passphrase.

Every command that opens a journal takes ``--passphrase-file FILE`` (its first line
is the passphrase). Without it the passphrase comes from the environment variable
``TREATMENT_JOURNAL_PASSPHRASE`` (for scripts), else from a prompt that does not
show what is typed (in a terminal only). A plain journal ignores all of these.
New passphrases (``journal create --encrypt``, ``encrypt``, ``rekey``) are typed
twice; ``rekey`` reads the new one from ``--new-passphrase-file`` or
``TREATMENT_JOURNAL_NEW_PASSPHRASE`` when given.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from journal.cli.common import add_file_argument
from journal.errors import JournalError, explain_os_error
from journal.paths import default_journal_path
from journal.store import crypto

NEW_PASSPHRASE_ENV = "TREATMENT_JOURNAL_NEW_PASSPHRASE"
FORGOTTEN = (
    "Keep the passphrase safe: it is not stored anywhere, and nobody can recover a "
    "forgotten one. Without it the journal and its backups cannot be opened."
)


class PassphraseInputError(JournalError):
    pass


def add_passphrase_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--passphrase-file",
        metavar="PFILE",
        help="read the passphrase of an encrypted journal from the first line of PFILE "
        f"(else ${crypto.PASSPHRASE_ENV}, else you are asked)",
    )


def add_to_every_journal_command(sub: argparse._SubParsersAction) -> None:
    """``--passphrase-file`` on every command that takes a journal FILE (also the actions
    of a command group such as ``journal trial add``)."""
    for parser in sub.choices.values():
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                add_to_every_journal_command(action)
        takes_file = any(a.dest == "file" for a in parser._actions)
        has = any("--passphrase-file" in a.option_strings for a in parser._actions)
        if takes_file and not has:
            add_passphrase_option(parser)
        if any("--pdf" in a.option_strings for a in parser._actions):
            parser.add_argument(
                "--pdf-password-file",
                metavar="WFILE",
                help="with --pdf: protect the PDF with the password on the first line of "
                "WFILE (AES-256; a PDF viewer asks for it)",
            )


def read_first_line(name: str) -> str:
    p = Path(name).expanduser()
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise explain_os_error(e, p, "read") from e
    except UnicodeDecodeError as e:
        raise PassphraseInputError(
            f"The passphrase file {p} is not text. Put the passphrase on its first line.", p
        ) from e
    line = text.splitlines()[0] if text else ""
    if not line:
        raise PassphraseInputError(
            f"The passphrase file {p} is empty. Put the passphrase on its first line.", p
        )
    return line


def _interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def given_passphrase(args) -> str | None:
    """The passphrase given without asking (file, then environment), or None."""
    name = getattr(args, "passphrase_file", None)
    if name:
        return read_first_line(name)
    return os.environ.get(crypto.PASSPHRASE_ENV) or None


def source_for(args) -> crypto.PassphraseSource:
    # What was typed for each file, so a command that opens its journal twice (a PDF
    # report) asks once. Held only while the command runs.
    typed: dict[Path, str] = {}

    def source(path: Path, what: str, error: crypto.WrongPassphraseError | None) -> str | None:
        here = path.resolve()
        if error is None and here in typed:
            return typed[here]
        typed.pop(here, None)
        given = given_passphrase(args)
        if given is not None:
            if error is not None:  # the same text again would fail again
                raise error
            return given
        if not _interactive():
            raise crypto.PassphraseNeededError(
                f"The {what} {path} is encrypted. Give its passphrase with "
                f"--passphrase-file FILE or the environment variable {crypto.PASSPHRASE_ENV}, "
                "or run the command in a terminal to be asked for it.",
                path,
            )
        if error is not None:
            print(str(error), file=sys.stderr)
            wait = crypto.wait_before_next_try(path)
            if wait >= 1:
                print(f"(The next try is possible in {wait:.0f} seconds.)", file=sys.stderr)
        label = "journal" if what == "journal" else "backup (its passphrase when it was made)"
        text = getpass.getpass(f"Passphrase for the {label} {path.name}: ")
        if text:
            typed[here] = text
        return text or None

    return source


@contextlib.contextmanager
def passphrases_from(args) -> Iterator[None]:
    """While one command runs, encrypted journals it opens get their passphrase here."""
    previous = crypto.set_passphrase_source(source_for(args))
    try:
        yield
    finally:
        crypto.set_passphrase_source(previous)


def new_passphrase(args, *, file_attr: str = "passphrase_file", env: str = "") -> str:
    """A new passphrase: from its file or environment variable, else typed twice."""
    name = getattr(args, file_attr, None)
    if name:
        return read_first_line(name)
    env = env or crypto.PASSPHRASE_ENV
    if os.environ.get(env):
        return os.environ[env]
    if not _interactive():
        flag = "--" + file_attr.replace("_", "-")
        raise PassphraseInputError(
            f"A new passphrase is needed. Give it with {flag} FILE or the environment "
            f"variable {env}, or run the command in a terminal to type it."
        )
    for _ in range(3):
        first = getpass.getpass("New passphrase: ")
        if not first:
            raise PassphraseInputError("No passphrase was typed, so nothing was changed.")
        _level, hint = crypto.strength_hint(first)
        print(hint, file=sys.stderr)
        if getpass.getpass("The same passphrase again: ") == first:
            return first
        print("The two did not match. Type it again.", file=sys.stderr)
    raise PassphraseInputError("The passphrases typed did not match; nothing was changed.")


# --------------------------------------------------------------------------- commands


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "encrypt",
        help="encrypt a journal and its backups with a passphrase (the journal must be closed)",
    )
    add_file_argument(p)
    add_passphrase_option(p)
    p.add_argument(
        "--remove-plain-backups",
        action="store_true",
        help="delete the plain backups instead of encrypting them",
    )
    p.set_defaults(func=cmd_encrypt)

    p = sub.add_parser(
        "decrypt", help="make an encrypted journal a plain file again (backups stay encrypted)"
    )
    add_file_argument(p)
    add_passphrase_option(p)
    p.set_defaults(func=cmd_decrypt)

    p = sub.add_parser(
        "rekey", help="change the passphrase of an encrypted journal (older backups keep theirs)"
    )
    add_file_argument(p)
    add_passphrase_option(p)
    p.add_argument(
        "--new-passphrase-file",
        metavar="NFILE",
        help=f"read the new passphrase from NFILE (else ${NEW_PASSPHRASE_ENV}, else you are asked)",
    )
    p.set_defaults(func=cmd_rekey)


def _path(args) -> Path:
    return Path(args.file).expanduser() if args.file else default_journal_path()


def _current(args, path: Path) -> str:
    given = given_passphrase(args)
    if given is not None:
        return given
    if not _interactive():
        raise crypto.passphrase_needed(path)
    typed = getpass.getpass(f"Passphrase for the journal {path.name}: ")
    if not typed:
        raise PassphraseInputError("No passphrase was typed, so nothing was changed.")
    return typed


def cmd_encrypt(args) -> int:
    from journal.store.backup import verify_journal_file
    from journal.store.encryption import encrypt_journal

    path = _path(args)
    if not crypto.looks_encrypted(path):
        verify_journal_file(path)  # a missing or damaged file is named before any typing
    passphrase = new_passphrase(args)
    result = encrypt_journal(path, passphrase, remove_plain_backups=args.remove_plain_backups)
    print(f"Encrypted {result.path}.")
    if result.backups_encrypted:
        print(f"{len(result.backups_encrypted)} backups were encrypted with it.")
    if result.backups_removed:
        print(f"{len(result.backups_removed)} plain backups were deleted.")
    print("Plain copies may still exist:")
    for line in result.plain_copies():
        print(f"  - {line}")
    print(FORGOTTEN)
    return 0


def cmd_decrypt(args) -> int:
    from journal.store.encryption import decrypt_journal

    path = _path(args)
    if crypto.looks_encrypted(path):
        decrypt_journal(path, _current(args, path))
    else:
        decrypt_journal(path, "")  # says plainly that it is not encrypted
    print(
        f"{path} is now a plain file: anyone who gets a copy of it can read it. Its backups "
        "stay encrypted, each with the passphrase it was made with."
    )
    return 0


def cmd_rekey(args) -> int:
    from journal.store.encryption import change_passphrase

    path = _path(args)
    if not crypto.looks_encrypted(path):
        change_passphrase(path, "", "x")  # says plainly that it is not encrypted
    old = _current(args, path)
    crypto.unlock_key(path, old)  # a wrong one is refused before the new one is typed
    new = new_passphrase(args, file_attr="new_passphrase_file", env=NEW_PASSPHRASE_ENV)
    change_passphrase(path, old, new)
    print(
        f"The passphrase of {path} was changed and checked. Backups made before keep the "
        "old passphrase; restoring one asks for it."
    )
    print(FORGOTTEN)
    return 0
